//! Whole-log verification: recompute the hash chain from the first event to the head.

use std::sync::Arc;

use futures::StreamExt;
use serde::Serialize;

use crate::envelope::RecordedEvent;
use crate::error::StoreError;
use crate::hash::{EventHash, GENESIS_HASH};
use crate::store::EventStore;

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
    /// The event at this position is missing: the next stored event has a later position
    /// (`found`; 0 when no later event is stored).
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
            VerifyProblem::Missing { found: 0 } => {
                write!(
                    f,
                    "position {}: event missing (no later event is stored)",
                    self.position
                )
            }
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

/// Recompute the whole chain. `progress` is called with the number of events verified so far.
///
/// Checking event `n` needs only the *stored* hash of event `n - 1`, so the log is split
/// into ranges verified in parallel (one per core), each starting from the stored hash
/// just before it; the result is the same as a sequential pass, and the first bad position
/// is reported. Returns `Err` only when the store itself fails (I/O); a damaged log is
/// `Ok(Broken)`.
pub async fn verify(
    store: Arc<dyn EventStore>,
    mut progress: impl FnMut(u64) + Send,
) -> Result<VerifyOutcome, StoreError> {
    let head = store.head().await?;
    // Two ranges per core in flight, so that one range's read (on a blocking thread) overlaps
    // another's hashing and no core waits for the other half of the work.
    let parallel = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .clamp(1, 8)
        * 2;
    let chunks = chunk_ranges(head.position, VERIFY_BATCH as u64);
    let mut verified = 0u64;
    let mut last = GENESIS_HASH;
    let mut results = futures::stream::iter(chunks.into_iter().map(|(start, end)| {
        let store = Arc::clone(&store);
        tokio::spawn(async move { verify_range(&*store, start, end).await })
    }))
    .buffered(parallel);
    while let Some(joined) = results.next().await {
        let outcome = joined
            .map_err(|e| StoreError::backend(std::io::Error::other(format!("verify task: {e}"))))?;
        match outcome? {
            RangeOutcome::Intact { count, last_hash } => {
                verified += count;
                last = last_hash;
                progress(verified);
            }
            RangeOutcome::Broken(mut failure) => {
                failure.verified = failure.position - 1;
                return Ok(VerifyOutcome::Broken(failure));
            }
        }
    }
    // Events appended after we read the head are verified by the next run.
    Ok(VerifyOutcome::Intact(VerifyReport {
        count: verified,
        head: last,
    }))
}

pub(crate) fn chunk_ranges(head: u64, size: u64) -> Vec<(u64, u64)> {
    let mut out = Vec::new();
    let mut start = 1;
    while start <= head {
        let end = (start + size - 1).min(head);
        out.push((start, end));
        start = end + 1;
    }
    out
}

enum RangeOutcome {
    Intact { count: u64, last_hash: EventHash },
    Broken(VerifyFailure),
}

/// Verify positions `start..=end`, taking the stored hash of `start - 1` as the previous hash.
async fn verify_range(
    store: &dyn EventStore,
    start: u64,
    end: u64,
) -> Result<RangeOutcome, StoreError> {
    let read_from = start.saturating_sub(1).max(1);
    let wanted = (end - read_from + 1) as usize;
    let events = match store.read_all(read_from, wanted).await {
        Ok(events) => events,
        Err(StoreError::Corrupt { position, detail }) => {
            // Verify what is readable before the damaged event, so that the failure names the
            // first bad position.
            if position > start {
                let before = store
                    .read_all(read_from, (position - read_from) as usize)
                    .await?;
                if let Some(f) = check_slice(&before, start, position - 1)? {
                    return Ok(RangeOutcome::Broken(f));
                }
            }
            return Ok(RangeOutcome::Broken(VerifyFailure {
                position,
                problem: VerifyProblem::Undecodable { detail },
                verified: 0,
            }));
        }
        Err(e) => return Err(e),
    };
    match check_slice(&events, start, end)? {
        Some(f) => Ok(RangeOutcome::Broken(f)),
        None => Ok(RangeOutcome::Intact {
            count: end - start + 1,
            last_hash: events.last().map_or(GENESIS_HASH, |e| e.hash),
        }),
    }
}

/// Check `events` (which start at `start - 1` when `start > 1`) for positions `start..=end`.
fn check_slice(
    events: &[RecordedEvent],
    start: u64,
    end: u64,
) -> Result<Option<VerifyFailure>, StoreError> {
    let mut iter = events.iter().peekable();
    let mut previous = GENESIS_HASH;
    if start > 1 {
        match iter.next() {
            Some(e) if e.position == start - 1 => previous = e.hash,
            Some(e) => {
                return Ok(Some(VerifyFailure {
                    position: start - 1,
                    problem: VerifyProblem::Missing { found: e.position },
                    verified: 0,
                }));
            }
            None => {
                return Ok(Some(VerifyFailure {
                    position: start - 1,
                    problem: VerifyProblem::Missing { found: 0 },
                    verified: 0,
                }));
            }
        }
    }
    let mut expected = start;
    for e in iter {
        if expected > end {
            break;
        }
        match check_event(expected, &previous, e) {
            Ok(_) => {
                // The next event must chain from what is *stored* here, which check_event
                // has just shown equals the recomputed hash.
                previous = e.hash;
                expected += 1;
            }
            Err(f) => return Ok(Some(f)),
        }
    }
    if expected <= end {
        // The log ended early: the head said there were more events than could be read.
        return Ok(Some(VerifyFailure {
            position: expected,
            problem: VerifyProblem::Missing { found: 0 },
            verified: 0,
        }));
    }
    Ok(None)
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
