//! The `eraseDataSubject` mutation: erase a data subject's personal data everywhere in the
//! log by destroying their key (`engage_commands::erasure`), after recording who, why and on
//! what legal basis in a `DataSubjectErased` event.
//!
//! It takes the domain's `EraseDataSubject` command as `input`, like every other mutation.
//! Erasing a subject about whom nothing personal was recorded is `NOT_FOUND`; erasing one
//! already erased answers the earlier erasure with `alreadyErased: true` (a retry is
//! harmless). Who may erase is decided by access control, not here.

use async_graphql::{Context, Object, SimpleObject};
use chrono::{DateTime, Utc};
use engage_domain::data_subject::{self, EraseDataSubject};
use uuid::Uuid;

use crate::errors::{ErrorCode, command_error};
use crate::identity::Identity;
use crate::mutations::{CommandContext, CommandOptions};

/// What an erasure did, or had already done.
#[derive(SimpleObject, Debug, Clone)]
pub struct ErasureResult {
    pub data_subject_id: Uuid,
    /// True when the subject had already been erased: nothing new was done and the other
    /// fields describe the earlier erasure.
    pub already_erased: bool,
    /// The position of the `DataSubjectErased` event (null only when the key store holds an
    /// erasure this log does not, e.g. after importing another log's keys).
    pub position: Option<u64>,
    /// The actor recorded on the erasure.
    pub erased_by: Option<String>,
    pub reason: String,
    pub legal_basis: String,
    /// When the key was destroyed.
    pub erased_at: DateTime<Utc>,
}

/// The erasure mutation, merged into the Mutation root.
#[derive(Default)]
pub struct ErasureMutations;

#[Object]
impl ErasureMutations {
    /// Erase a data subject: record a `DataSubjectErased` event (the request's identity as
    /// actor, the input's reason and legal basis) and destroy the subject's key, so their
    /// details can no longer be read anywhere in the log. The log still verifies.
    async fn erase_data_subject(
        &self,
        ctx: &Context<'_>,
        input: EraseDataSubject,
        options: Option<CommandOptions>,
    ) -> async_graphql::Result<ErasureResult> {
        let identity = ctx.data::<Identity>().map_err(|_| {
            ErrorCode::Unauthenticated.error("the request has no identity to record as the actor")
        })?;
        let shared = ctx.data::<CommandContext>().map_err(|_| {
            ErrorCode::Internal.error("the schema was built without its command service")
        })?;
        // Few may erase: the policy table's rule for `EraseDataSubject` (administrators).
        engage_access::authorize_command(
            identity.principal(),
            "EraseDataSubject",
            &engage_access::Target::default(),
        )
        .map_err(|denied| ErrorCode::Forbidden.error(denied.0))?;
        let options = options.unwrap_or_default().into_execute(Utc::now())?;
        let stream = data_subject::stream_id(input.data_subject_id);
        let erasure = shared
            .service
            .erase_data_subject(input, identity.actor(), options)
            .await
            .map_err(|e| command_error(e, &stream))?;
        tracing::info!(
            data_subject_id = %erasure.data_subject_id,
            already_erased = erasure.already_erased,
            actor = %identity.actor().id,
            "data subject erasure"
        );
        Ok(ErasureResult {
            data_subject_id: erasure.data_subject_id,
            already_erased: erasure.already_erased,
            position: erasure.position,
            erased_by: erasure.actor.map(|a| a.id),
            reason: erasure.reason,
            legal_basis: erasure.legal_basis,
            erased_at: erasure.erased_at,
        })
    }
}
