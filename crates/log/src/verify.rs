//! Whole-log verification: recompute the hash chain from the first event to the head.

use std::sync::Arc;

use serde::Serialize;

use crate::envelope::RecordedEvent;
use crate::error::StoreError;
use crate::hash::{EventHash, GENESIS_HASH};
use crate::store::{EventStore, Head};

/// Events read per batch during verification.
pub const VERIFY_BATCH: usize = 8192;

/// A log whose chain is intact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct VerifyReport {
    /// Number of events verified (= position of the last one).
    pub count: u64,
    /// Hash of the last event: publish it to detect later truncation.
    pub head: EventHash,
}

/// What is wrong at the first bad position.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum VerifyProblem {
    /// The stored hash is not the hash of the stored event and its predecessor: this event
    /// (or, if it is intact, the chain before it) was altered.
    HashMismatch {
        stored: EventHash,
        computed: EventHash,
    },
    /// The event at this position is missing: the next stored event has a later position.
    Missing { found: u64 },
    /// The stored event cannot even be decoded.
    Undecodable { detail: String },
}

/// The first position at which the chain breaks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerifyFailure {
    pub position: u64,
    pub problem: VerifyProblem,
    /// Events before `position` that verified.
    pub verified: u64,
}

impl std::fmt::Display for VerifyFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.problem {
            VerifyProblem::HashMismatch { stored, computed } => write!(
                f,
                "position {}: hash mismatch (stored {stored}, recomputed {computed}); the event was altered or reordered",
                self.position
            ),
            VerifyProblem::Missing { found } => {
                write!(
                    f,
                    "position {}: event missing (the next stored event is at position {found})",
                    self.position
                )
            }
            VerifyProblem::Undecodable { detail } => {
                write!(f, "position {}: unreadable event: {detail}", self.position)
            }
        }
    }
}

/// The result of verifying a log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum VerifyOutcome {
    Intact(VerifyReport),
    Broken(VerifyFailure),
}

/// Check one event against its expected position and predecessor hash.
pub fn check_event(
    expected_position: u64,
    previous: &EventHash,
    e: &RecordedEvent,
) -> Result<EventHash, VerifyFailure> {
    if e.position != expected_position {
        return Err(VerifyFailure {
            position: expected_position,
            problem: VerifyProblem::Missing { found: e.position },
            verified: expected_position - 1,
        });
    }
    let computed = e.compute_hash(previous);
    if computed != e.hash {
        return Err(VerifyFailure {
            position: e.position,
            problem: VerifyProblem::HashMismatch {
                stored: e.hash,
                computed,
            },
            verified: expected_position - 1,
        });
    }
    Ok(computed)
}

/// Recompute the whole chain. `progress` is called after each batch with the number of
/// events verified so far. Reading runs one batch ahead of hashing, on another task.
///
/// Returns `Err` only when the store itself fails (I/O); a damaged log is `Ok(Broken)`.
pub async fn verify(
    store: Arc<dyn EventStore>,
    mut progress: impl FnMut(u64) + Send,
) -> Result<VerifyOutcome, StoreError> {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Result<Vec<RecordedEvent>, StoreError>>(2);
    let reader_store = Arc::clone(&store);
    let reader = tokio::spawn(async move {
        let mut next = 1u64;
        loop {
            let batch = reader_store.read_all(next, VERIFY_BATCH).await;
            let done = match &batch {
                Ok(b) => match b.last() {
                    Some(last) => {
                        next = last.position + 1;
                        false
                    }
                    None => true,
                },
                Err(_) => true,
            };
            if tx.send(batch).await.is_err() || done {
                break;
            }
        }
    });

    let mut expected = 1u64;
    let mut previous = GENESIS_HASH;
    let result = loop {
        let Some(batch) = rx.recv().await else {
            break Ok(VerifyOutcome::Intact(VerifyReport {
                count: expected - 1,
                head: previous,
            }));
        };
        match batch {
            Ok(events) if events.is_empty() => {
                break Ok(VerifyOutcome::Intact(VerifyReport {
                    count: expected - 1,
                    head: previous,
                }));
            }
            Ok(events) => {
                let mut failure = None;
                for e in &events {
                    match check_event(expected, &previous, e) {
                        Ok(h) => {
                            previous = h;
                            expected += 1;
                        }
                        Err(f) => {
                            failure = Some(f);
                            break;
                        }
                    }
                }
                if let Some(f) = failure {
                    break Ok(VerifyOutcome::Broken(f));
                }
                progress(expected - 1);
            }
            Err(StoreError::Corrupt { position, detail }) => {
                // Verify the readable events before the damaged one, so the failure names the
                // first bad position.
                if position > expected {
                    let before = store
                        .read_all(expected, (position - expected) as usize)
                        .await?;
                    for e in &before {
                        match check_event(expected, &previous, e) {
                            Ok(h) => {
                                previous = h;
                                expected += 1;
                            }
                            Err(f) => return Ok(VerifyOutcome::Broken(f)),
                        }
                    }
                }
                break Ok(VerifyOutcome::Broken(VerifyFailure {
                    position,
                    problem: VerifyProblem::Undecodable { detail },
                    verified: expected - 1,
                }));
            }
            Err(e) => break Err(e),
        }
    };
    reader.abort();
    result
}

/// Convenience: the head of an intact log, for comparisons in tests and tools.
pub fn head_of(report: &VerifyReport) -> Head {
    Head {
        position: report.count,
        hash: report.head,
    }
}

/// The position of the event whose hash is `hash`, if the log holds it (used to check a
/// previously published head is still in the log, i.e. nothing was truncated).
pub async fn contains_hash(
    store: &dyn EventStore,
    hash: &EventHash,
) -> Result<Option<u64>, StoreError> {
    let mut next = 1u64;
    loop {
        let batch = store.read_all(next, VERIFY_BATCH).await?;
        let Some(last) = batch.last() else {
            return Ok(None);
        };
        next = last.position + 1;
        if let Some(e) = batch.iter().find(|e| &e.hash == hash) {
            return Ok(Some(e.position));
        }
    }
}
