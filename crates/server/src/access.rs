//! Access control inside the schema: the request's [`Identity`] asked against
//! `engage_access`'s policy table before every mutation and query, redaction of personal
//! data in every event payload served, and the record of personal data shown.
//!
//! - Mutations: [`authorize_mutation`] finds the borough/ward the command touches — from
//!   the aggregate's key argument (`borough:`, `ward:`), the input's `borough`/`ward`, and
//!   the first event of the stream the command targets — and asks
//!   `engage_access::authorize_command` whether the caller's role and scope allow it. Every
//!   place found must be in scope. A command on an aggregate that does not exist yet, whose
//!   input names no place, is checked on role alone (the domain then answers `NOT_FOUND`,
//!   or creates a pan-London record only London-wide roles may create).
//! - Queries: [`require_query`] refuses a whole class of query to roles without it;
//!   [`may_see`] keeps listings to the records in the caller's scope.
//! - Payloads: [`shown_payload`] is the one place an event payload leaves the server; it
//!   redacts `personal` objects the caller may not see, and notes the ones it shows, which
//!   [`record_views`] writes to the log as one `PersonalDataViewed` event per request.

use async_graphql::{Context, ErrorExtensions};
use engage_access::{QueryClass, Target};
use engage_domain::access_log::{self, PersonalDataViewed};
use engage_domain::{CatalogueEvent, Lookups, WardCode};
use engage_log::{EventStore, ExpectedVersion, RecordedEvent, StoreError, StreamId};

use crate::errors::{ErrorCode, store_error};
use crate::identity::Identity;

/// The request's identity (every request has one; see [`crate::identity::identify`]).
pub fn identity<'a>(ctx: &Context<'a>) -> async_graphql::Result<&'a Identity> {
    ctx.data::<Identity>().map_err(|_| {
        ErrorCode::Unauthenticated
            .error("the request has no identity (the server did not identify it)")
    })
}

fn forbidden(message: String) -> async_graphql::Error {
    ErrorCode::Forbidden.error(message)
}

/// The identity, if its role may ask queries of `class`; otherwise a `FORBIDDEN` error.
pub fn require_query<'a>(
    ctx: &Context<'a>,
    class: QueryClass,
) -> async_graphql::Result<&'a Identity> {
    let who = identity(ctx)?;
    engage_access::authorize_query(who.principal(), class).map_err(|d| forbidden(d.0))?;
    Ok(who)
}

/// May the caller see a record of `class` in `borough` / `ward`? (`published`: the record
/// is published, which matters for priorities.) A request without an identity sees nothing.
pub fn may_see(
    ctx: &Context<'_>,
    class: QueryClass,
    borough: Option<&str>,
    ward: Option<&str>,
    published: bool,
) -> bool {
    identity(ctx).is_ok_and(|who| may_see_as(who, class, borough, ward, published))
}

/// [`may_see`] for a known identity (subscriptions keep theirs).
pub fn may_see_as(
    who: &Identity,
    class: QueryClass,
    borough: Option<&str>,
    ward: Option<&str>,
    published: bool,
) -> bool {
    engage_access::policy::may_see_record(
        who.principal(),
        class,
        &Target::new(borough, ward),
        published,
    )
}

/// The string value of `name` in a GraphQL object value.
fn string_field(value: &async_graphql::Value, name: &str) -> Option<String> {
    match value {
        async_graphql::Value::Object(map) => match map.get(name)? {
            async_graphql::Value::String(s) => Some(s.clone()),
            async_graphql::Value::Enum(e) => Some(e.to_string()),
            _ => None,
        },
        _ => None,
    }
}

/// Fill in the borough of a target known by its ward, from reference data.
fn with_ward_borough(mut target: Target, lookups: &(dyn Lookups + Sync)) -> Target {
    if target.borough.is_none()
        && let Some(ward) = &target.ward
        && let Some(found) = lookups.ward(&WardCode::new(ward.clone()))
    {
        target.borough = Some(found.borough.as_str().to_owned());
    }
    target
}

/// Check that the caller may give `command` on `stream` (see the module documentation).
/// A refusal is a `FORBIDDEN` error naming the command and why.
pub async fn authorize_mutation(
    ctx: &Context<'_>,
    command: &str,
    stream: &StreamId,
    store: &dyn EventStore,
    lookups: &(dyn Lookups + Sync),
) -> async_graphql::Result<()> {
    let who = identity(ctx)?;
    let mut targets: Vec<Target> = Vec::new();

    // The key argument and the input, as the client sent them (after variables).
    let mut from_arguments = Target::default();
    if let Ok(arguments) = ctx.field().arguments() {
        for (name, value) in &arguments {
            match name.as_str() {
                "borough" | "ward" => {
                    if let async_graphql::Value::String(s) = value {
                        if name.as_str() == "borough" {
                            from_arguments.borough = Some(s.clone());
                        } else {
                            from_arguments.ward = Some(s.clone());
                        }
                    }
                }
                "input" => {
                    let input = Target {
                        borough: string_field(value, "borough"),
                        ward: string_field(value, "ward"),
                    };
                    if !input.is_empty() {
                        targets.push(with_ward_borough(input, lookups));
                    }
                }
                _ => {}
            }
        }
    }
    if !from_arguments.is_empty() {
        targets.push(with_ward_borough(from_arguments, lookups));
    }

    // The aggregate the command acts on, as its first event placed it.
    let first = store.read_stream(stream, 0, 1).await.map_err(store_error)?;
    let exists = !first.is_empty();
    if let Some(event) = first.first() {
        let payload = event.payload.to_value().unwrap_or(serde_json::Value::Null);
        let placed = Target::of_json(&payload);
        if !placed.is_empty() {
            targets.push(with_ward_borough(placed, lookups));
        }
    }
    if targets.is_empty() {
        if exists {
            // An existing aggregate with no place: pan-London.
            targets.push(Target::default());
        } else {
            // Nothing exists and nothing is named: the role alone decides.
            return engage_access::policy::authorize_role(who.principal(), command)
                .map_err(|denied| refused(who, command, stream, denied));
        }
    }
    for target in &targets {
        engage_access::authorize_command(who.principal(), command, target)
            .map_err(|denied| refused(who, command, stream, denied))?;
    }
    Ok(())
}

fn refused(
    who: &Identity,
    command: &str,
    stream: &StreamId,
    denied: engage_access::Denied,
) -> async_graphql::Error {
    tracing::info!(
        command,
        stream = %stream,
        actor = %who.actor().id,
        role = %who.principal().role(),
        "command refused by the access policy"
    );
    let command = command.to_owned();
    let stream = stream.as_str().to_owned();
    forbidden(denied.0).extend_with(move |_, e| {
        e.set("command", command.as_str());
        e.set("streamId", stream.as_str());
    })
}

/// Prepare `event`'s payload for the caller: open (decrypt) the personal data it may see,
/// noting that it was shown, and redact the rest. Sealed personal data is only ever opened
/// here, after the policy allowed it; a subject whose key was erased reads as erased.
pub async fn shown_payload(
    ctx: &Context<'_>,
    event: &RecordedEvent,
    payload: &mut serde_json::Value,
) -> async_graphql::Result<()> {
    let subjects = engage_access::personal_subjects(payload);
    if subjects.is_empty() {
        return Ok(());
    }
    let allowed = identity(ctx).ok().filter(|who| {
        who.personal_data_allowed()
            && engage_access::may_see_personal_data(
                who.principal(),
                &Target::of_json(payload),
                who.reason().is_some(),
            )
    });
    match allowed {
        Some(who) => {
            let commands = ctx
                .data::<crate::mutations::CommandContext>()
                .map_err(|_| {
                    ErrorCode::Internal.error("the server has no key store for personal data")
                })?;
            engage_privacy::open_payload(
                &event.event_type,
                event.schema_version,
                payload,
                commands.service.keys().as_ref(),
            )
            .await
            .map_err(|e| {
                tracing::error!(position = event.position, error = %e, "personal data could not be opened");
                ErrorCode::Internal.error(format!(
                    "the personal data of the event at position {} could not be opened",
                    event.position
                ))
            })?;
            who.note_viewed(
                event.position,
                subjects
                    .iter()
                    .flatten()
                    .filter_map(|s| uuid::Uuid::parse_str(s).ok()),
            );
        }
        None => {
            engage_access::redact_personal_data(payload);
        }
    }
    Ok(())
}

/// Record, as one `PersonalDataViewed` event, the personal data `identity` was shown while
/// answering `query` (nothing if none was shown).
pub async fn record_views(
    store: &dyn EventStore,
    identity: &Identity,
    query: &str,
) -> Result<(), StoreError> {
    let viewed = identity.viewed();
    if viewed.is_empty() {
        return Ok(());
    }
    let now = chrono::Utc::now();
    let event = access_log::Event::PersonalDataViewed(PersonalDataViewed {
        query: query.to_owned(),
        purpose: identity.reason().map(str::to_owned),
        data_subject_ids: viewed.data_subjects.into_iter().collect(),
        positions: viewed.positions.into_iter().collect(),
        viewed_at: now,
    });
    let mut new_event = event
        .to_new_event(identity.actor().clone(), now)
        .map_err(StoreError::backend)?;
    if let Some(reason) = identity.reason() {
        new_event = new_event.with_reason(reason);
    }
    store
        .append(
            &access_log::stream_id(),
            ExpectedVersion::Any,
            vec![new_event],
        )
        .await?;
    tracing::info!(
        actor = %identity.actor().id,
        role = %identity.principal().role(),
        query,
        "personal data shown and recorded"
    );
    Ok(())
}
