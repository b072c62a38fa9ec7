//! Erasure of a data subject: record a `DataSubjectErased` event, then destroy the subject's
//! key, so that every sealed copy of their details in the log becomes unreadable while the
//! log is never edited (and `engage verify` still passes: the chain covers ciphertext).
//!
//! **Order and crashes.** The key store first marks the erasure as begun (durably), then the
//! event is appended, then the key is destroyed (which clears the mark). If the process stops
//! in between, [`CommandService::complete_pending_erasures`] (run by `engage serve` and
//! `engage erase` on start) finds the mark: if the erasure event is in the log the key is
//! destroyed; if it is not, the erasure never happened and the mark is cleared. A key is
//! therefore never destroyed without a recorded reason, and a recorded erasure always ends
//! with its key destroyed.
//!
//! **Answers.** Erasing a subject about whom nothing personal was recorded (no key was ever
//! made) is [`CommandError::UnknownDataSubject`]. Erasing one already erased is not an
//! error: the earlier erasure is returned with `already_erased: true`, so a retried request
//! is harmless.

use chrono::Utc;
use engage_domain::data_subject::{self, DataSubject, DataSubjectErased, EraseDataSubject};
use engage_domain::reference::InMemoryReference;
use engage_domain::{Aggregate, DomainError};
use engage_log::{Actor, StreamId, Timestamp};
use engage_privacy::SubjectStatus;
use uuid::Uuid;

use crate::{CommandError, CommandService, ExecuteOptions, LOAD_PAGE};

/// What an erasure did (or had already done).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Erasure {
    pub data_subject_id: Uuid,
    /// The `DataSubjectErased` event's position (`None` only when the key store knows of an
    /// erasure the log does not hold, e.g. after importing a key file from another log).
    pub position: Option<u64>,
    /// Who erased, why, and on what basis, as recorded.
    pub actor: Option<Actor>,
    pub reason: String,
    pub legal_basis: String,
    /// When the key was destroyed (now, or at the earlier erasure).
    pub erased_at: Timestamp,
    /// True when the subject had already been erased: nothing new was done.
    pub already_erased: bool,
}

/// A recorded erasure: position, actor, record time, body.
type Recorded = (u64, Actor, Timestamp, DataSubjectErased);

/// The recorded erasure in `stream`, if the log holds one.
async fn recorded_erasure(
    service: &CommandService,
    stream: &StreamId,
) -> Result<Option<Recorded>, CommandError> {
    let page = service.store.read_stream(stream, 0, LOAD_PAGE).await?;
    for recorded in &page {
        let event = engage_domain::catalogue::decode_recorded(recorded).map_err(|source| {
            CommandError::Decode {
                stream: stream.clone(),
                position: recorded.position,
                source,
            }
        })?;
        if let Ok(data_subject::Event::Erased(erased)) =
            <DataSubject as Aggregate>::Event::try_from(event)
        {
            return Ok(Some((
                recorded.position,
                recorded.actor.clone(),
                recorded.recorded_at,
                erased,
            )));
        }
    }
    Ok(None)
}

impl CommandService {
    /// Erase a data subject (see the [module docs](self)): record who (`actor`), why and on
    /// what legal basis, then destroy their key.
    pub async fn erase_data_subject(
        &self,
        command: EraseDataSubject,
        actor: &Actor,
        options: ExecuteOptions,
    ) -> Result<Erasure, CommandError> {
        let subject = command.data_subject_id;
        let stream = data_subject::stream_id(subject);
        let status = self.keys.status(subject).await?;
        match status {
            SubjectStatus::Unknown => {
                // The log may hold an erasure the key store has forgotten (a restored store).
                return match recorded_erasure(self, &stream).await? {
                    Some(found) => Ok(already(subject, found, None)),
                    None => Err(CommandError::UnknownDataSubject(subject)),
                };
            }
            SubjectStatus::Erased { erased_at } => {
                return match recorded_erasure(self, &stream).await? {
                    Some(found) => Ok(already(subject, found, Some(erased_at))),
                    None => Ok(Erasure {
                        data_subject_id: subject,
                        position: None,
                        actor: None,
                        reason: String::new(),
                        legal_basis: String::new(),
                        erased_at,
                        already_erased: true,
                    }),
                };
            }
            SubjectStatus::Active { .. } => {}
        }
        self.keys.begin_erasure(subject).await?;
        let lookups = InMemoryReference::default();
        let executed = self
            .execute::<DataSubject>(&stream, command.clone().into(), actor, &lookups, options)
            .await;
        match executed {
            Ok(done) => {
                let erased_at = Utc::now();
                self.keys.destroy_key(subject, erased_at).await?;
                tracing::info!(data_subject_id = %subject, "data subject erased: key destroyed");
                Ok(Erasure {
                    data_subject_id: subject,
                    position: done.events.first().map(|e| e.position),
                    actor: Some(actor.clone()),
                    reason: command.reason.trim().to_owned(),
                    legal_basis: command.legal_basis.trim().to_owned(),
                    erased_at,
                    already_erased: done.already_recorded,
                })
            }
            Err(CommandError::Domain(DomainError::Already { .. })) => {
                // Recorded before (a run that stopped before destroying the key): finish it.
                let erased_at = Utc::now();
                self.keys.destroy_key(subject, erased_at).await?;
                match recorded_erasure(self, &stream).await? {
                    Some(found) => Ok(already(subject, found, Some(erased_at))),
                    None => Err(CommandError::UnknownDataSubject(subject)),
                }
            }
            Err(e) => {
                self.keys.cancel_erasure(subject).await?;
                Err(e)
            }
        }
    }

    /// Finish erasures a stopped process left half done (see the [module docs](self)):
    /// returns the subjects whose keys were destroyed now.
    pub async fn complete_pending_erasures(&self) -> Result<Vec<Uuid>, CommandError> {
        let mut completed = Vec::new();
        for subject in self.keys.pending_erasures().await? {
            let stream = data_subject::stream_id(subject);
            if recorded_erasure(self, &stream).await?.is_some() {
                self.keys.destroy_key(subject, Utc::now()).await?;
                tracing::warn!(data_subject_id = %subject, "completed an interrupted erasure: key destroyed");
                completed.push(subject);
            } else {
                self.keys.cancel_erasure(subject).await?;
                tracing::warn!(data_subject_id = %subject, "an interrupted erasure was never recorded: the subject is not erased");
            }
        }
        Ok(completed)
    }
}

fn already(
    subject: Uuid,
    (position, actor, recorded_at, erased): Recorded,
    erased_at: Option<Timestamp>,
) -> Erasure {
    Erasure {
        data_subject_id: subject,
        position: Some(position),
        actor: Some(actor),
        reason: erased.reason,
        legal_basis: erased.legal_basis,
        erased_at: erased_at.unwrap_or(recorded_at),
        already_erased: true,
    }
}
