//! Typed errors every backend returns, so callers (GraphQL, CLI) can map them precisely.

use uuid::Uuid;

use crate::envelope::StreamId;
use crate::expected::{ActualVersion, ExpectedVersion};
use crate::payload::PayloadError;

/// Why an append was refused before anything was written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidAppend {
    #[error("an append must contain at least one event")]
    EmptyBatch,
    #[error("an append may contain at most {max} events, this one has {count}")]
    TooManyEvents { count: usize, max: usize },
    #[error("an append may be at most {max} bytes, this one is about {bytes}")]
    BatchTooLarge { bytes: usize, max: usize },
    #[error("event #{index} is about {bytes} bytes, over the limit of {max} bytes per event")]
    EventTooLarge {
        index: usize,
        bytes: usize,
        max: usize,
    },
    #[error("invalid stream id `{stream}`: {reason}")]
    InvalidStreamId { stream: String, reason: String },
    #[error("event #{index}: invalid event type `{event_type}`: {reason}")]
    InvalidEventType {
        index: usize,
        event_type: String,
        reason: String,
    },
    #[error("event #{index}: schema version must be 1 or more")]
    InvalidSchemaVersion { index: usize },
    #[error("event #{index}: {field} {reason}")]
    InvalidField {
        index: usize,
        field: &'static str,
        reason: String,
    },
    #[error("event #{index}: {source}")]
    InvalidPayload { index: usize, source: PayloadError },
    #[error("event id {event_id} appears more than once in the same append")]
    DuplicateEventId { event_id: Uuid },
}

/// Every failure of the event log.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Optimistic concurrency: the stream was not where the writer expected it.
    #[error(
        "wrong expected version for stream `{stream}`: expected {expected}, but the stream {actual}"
    )]
    Conflict {
        stream: StreamId,
        expected: ExpectedVersion,
        actual: ActualVersion,
    },

    /// The append was malformed or over a limit; nothing was written.
    #[error(transparent)]
    Invalid(#[from] InvalidAppend),

    /// Event ids that were already recorded were re-sent with a different stream or order,
    /// so this is not a retry of the earlier append.
    #[error(
        "event id {event_id} was already recorded ({detail}); a retry must re-send exactly the same events to the same stream"
    )]
    IdempotencyMismatch { event_id: Uuid, detail: String },

    /// A stored event could not be decoded: the file was altered or damaged.
    #[error("the stored event at position {position} cannot be read: {detail}")]
    Corrupt { position: u64, detail: String },

    /// An import was refused: the events do not continue this log's chain.
    #[error("import refused at position {position}: {reason}")]
    ImportRejected { position: u64, reason: String },

    /// The store was opened read-only (for verify or export) and cannot append.
    #[error("this store was opened read-only")]
    ReadOnly,

    /// The store is shutting down or its writer has stopped.
    #[error("the event store is closed")]
    Closed,

    /// The storage backend failed (I/O, database, network). The append, if any, did not happen.
    #[error("storage backend error: {0}")]
    Backend(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl StoreError {
    pub fn backend(err: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::Backend(Box::new(err))
    }

    /// A short, stable code for APIs (`CONFLICT`, `VALIDATION`, ...).
    pub fn code(&self) -> &'static str {
        match self {
            Self::Conflict { .. } => "CONFLICT",
            Self::Invalid(_) => "VALIDATION",
            Self::IdempotencyMismatch { .. } => "IDEMPOTENCY_MISMATCH",
            Self::Corrupt { .. } => "CORRUPT",
            Self::ImportRejected { .. } => "IMPORT_REJECTED",
            Self::ReadOnly => "READ_ONLY",
            Self::Closed => "UNAVAILABLE",
            Self::Backend(_) => "BACKEND",
        }
    }
}
