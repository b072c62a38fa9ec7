//! The export format: newline-delimited JSON, one [`RecordedEvent`] per line in position
//! order, with every envelope field, the payload embedded as JSON and the hash as hex.
//!
//! ```json
//! {"position":1,"stream_id":"board-…","stream_version":0,"event_id":"0193…","event_type":"BoardEstablished",
//!  "schema_version":1,"occurred_at":"2025-03-01T09:30:00Z","recorded_at":"2025-03-01T09:30:00.123456Z",
//!  "actor":{"id":"…","role":"administrator","organisation":"mopac"},"correlation_id":"…","causation_id":null,
//!  "reason":null,"payload":{"borough":"Camden"},"hash":"9f2c…"}
//! ```
//!
//! Import re-verifies every line against the chain as it reads, so a file whose events were
//! edited, dropped or reordered is refused at the first bad line.

use std::sync::Arc;

use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncWrite, AsyncWriteExt};

use crate::envelope::RecordedEvent;
use crate::error::StoreError;
use crate::hash::{EventHash, GENESIS_HASH};
use crate::store::{EventStore, Head};
use crate::verify::{VerifyFailure, check_event};

/// Events per store write during import and per read during export.
pub const NDJSON_BATCH: usize = 4096;

/// Why an import stopped.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("line {line}: not an exported event: {message}")]
    Malformed { line: u64, message: String },
    #[error("line {line}: broken chain at {failure}")]
    BrokenChain { line: u64, failure: VerifyFailure },
    #[error(
        "line {line}: position {position} is already in this log with a different hash; this export is from another log"
    )]
    DifferentLog { line: u64, position: u64 },
    #[error("reading the import file failed: {0}")]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What an export or import did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct TransferSummary {
    /// Events written by this run.
    pub written: u64,
    /// Events already present (an earlier, interrupted import of the same log) and skipped.
    pub skipped: u64,
    pub head: Head,
}

/// Write the whole log as NDJSON. `progress` gets the number of events written so far.
pub async fn export_ndjson<W: AsyncWrite + Unpin>(
    store: &dyn EventStore,
    out: &mut W,
    mut progress: impl FnMut(u64),
) -> Result<TransferSummary, ImportError> {
    let mut next = 1u64;
    let mut written = 0u64;
    let mut head = Head::EMPTY;
    let mut buf = Vec::with_capacity(1 << 20);
    loop {
        let batch = store.read_all(next, NDJSON_BATCH).await?;
        let Some(last) = batch.last() else { break };
        next = last.position + 1;
        head = Head {
            position: last.position,
            hash: last.hash,
        };
        buf.clear();
        for e in &batch {
            serde_json::to_writer(&mut buf, e).map_err(|e| std::io::Error::other(e.to_string()))?;
            buf.push(b'\n');
        }
        out.write_all(&buf).await?;
        written += batch.len() as u64;
        progress(written);
    }
    out.flush().await?;
    Ok(TransferSummary {
        written,
        skipped: 0,
        head,
    })
}

/// Parse one exported line.
pub fn parse_line(line_no: u64, line: &str) -> Result<RecordedEvent, ImportError> {
    serde_json::from_str(line).map_err(|e| ImportError::Malformed {
        line: line_no,
        message: e.to_string(),
    })
}

/// Read an export and check its chain without writing anything (a dry run, or the first
/// pass of an all-or-nothing import).
pub async fn check_ndjson<R: AsyncBufRead + Unpin>(
    input: R,
    mut progress: impl FnMut(u64),
) -> Result<Head, ImportError> {
    let mut lines = input.lines();
    let mut line_no = 0u64;
    let mut expected = 1u64;
    let mut previous = GENESIS_HASH;
    while let Some(line) = lines.next_line().await? {
        line_no += 1;
        if line.trim().is_empty() {
            continue;
        }
        let e = parse_line(line_no, &line)?;
        previous =
            check_event(expected, &previous, &e).map_err(|failure| ImportError::BrokenChain {
                line: line_no,
                failure,
            })?;
        expected += 1;
        if expected.is_multiple_of(65_536) {
            progress(expected - 1);
        }
    }
    progress(expected - 1);
    Ok(Head {
        position: expected - 1,
        hash: previous,
    })
}

/// Import an export into `store`, verifying every line as it goes.
///
/// Events the store already holds (an earlier, interrupted import of the same log) are
/// checked hash-for-hash and skipped, so an import can be re-run to resume.
pub async fn import_ndjson<R: AsyncBufRead + Unpin>(
    store: Arc<dyn EventStore>,
    input: R,
    mut progress: impl FnMut(u64),
) -> Result<TransferSummary, ImportError> {
    let start_head = store.head().await?;
    let mut lines = input.lines();
    let mut line_no = 0u64;
    let mut expected = 1u64;
    let mut previous: EventHash = GENESIS_HASH;
    let mut pending: Vec<RecordedEvent> = Vec::with_capacity(NDJSON_BATCH);
    let mut existing: std::collections::VecDeque<RecordedEvent> = Default::default();
    let mut written = 0u64;
    let mut skipped = 0u64;
    let mut head = start_head;
    while let Some(line) = lines.next_line().await? {
        line_no += 1;
        if line.trim().is_empty() {
            continue;
        }
        let e = parse_line(line_no, &line)?;
        previous =
            check_event(expected, &previous, &e).map_err(|failure| ImportError::BrokenChain {
                line: line_no,
                failure,
            })?;
        expected += 1;
        if e.position <= start_head.position {
            if existing.is_empty() {
                existing.extend(store.read_all(e.position, NDJSON_BATCH).await?);
            }
            match existing.pop_front() {
                Some(have) if have.position == e.position && have.hash == e.hash => {
                    skipped += 1;
                    continue;
                }
                _ => {
                    return Err(ImportError::DifferentLog {
                        line: line_no,
                        position: e.position,
                    });
                }
            }
        }
        pending.push(e);
        if pending.len() >= NDJSON_BATCH {
            head = store.import(std::mem::take(&mut pending)).await?;
            written = head.position - start_head.position;
            progress(skipped + written);
        }
    }
    if !pending.is_empty() {
        head = store.import(pending).await?;
        written = head.position - start_head.position;
    }
    progress(skipped + written);
    Ok(TransferSummary {
        written,
        skipped,
        head,
    })
}
