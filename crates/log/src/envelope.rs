//! The event envelope: what a writer proposes ([`NewEvent`]) and what the log records
//! ([`RecordedEvent`]).

use std::fmt;

use chrono::{DateTime, SubsecRound, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::hash::EventHash;
use crate::payload::Payload;

/// Instants in the log are UTC with microsecond precision (anything finer is truncated
/// when an event is recorded, so that every backend stores and hashes the same value).
pub type Timestamp = DateTime<Utc>;

/// Truncate an instant to the log's precision (microseconds).
pub fn to_log_precision(t: Timestamp) -> Timestamp {
    t.trunc_subsecs(6)
}

/// Microseconds since the Unix epoch: the stored and hashed form of a [`Timestamp`].
pub fn timestamp_micros(t: Timestamp) -> i64 {
    t.timestamp_micros()
}

/// The inverse of [`timestamp_micros`]; `None` for values outside chrono's range.
pub fn timestamp_from_micros(micros: i64) -> Option<Timestamp> {
    DateTime::<Utc>::from_timestamp_micros(micros)
}

/// The name of a stream: one aggregate's history, e.g. `board-<uuid>` or `bid-<uuid>`.
///
/// Validity (length, characters, reserved `$` prefix) is checked when appending, see
/// [`crate::validate_append`]; constructing one never fails so that stored ids can always be read.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct StreamId(String);

impl StreamId {
    pub fn new(id: impl Into<String>) -> Self {
        Self(id.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Streams whose name starts with `$` are reserved for the log itself.
    pub fn is_system(&self) -> bool {
        self.0.starts_with('$')
    }

    /// The system stream that holds this stream's metadata (`$$<stream>`).
    pub fn metadata_stream(&self) -> StreamId {
        StreamId(format!("$${}", self.0))
    }

    /// If this is a metadata stream (`$$<stream>`), the stream it describes.
    pub fn metadata_target(&self) -> Option<StreamId> {
        self.0.strip_prefix("$$").map(|s| StreamId(s.to_owned()))
    }
}

impl fmt::Display for StreamId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for StreamId {
    fn from(s: &str) -> Self {
        Self(s.to_owned())
    }
}

impl From<String> for StreamId {
    fn from(s: String) -> Self {
        Self(s)
    }
}

/// Who did it: the authenticated identity that caused an event, with the role and the
/// organisation (board, panel, MOPAC, ...) it acted for.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Actor {
    pub id: String,
    pub role: String,
    pub organisation: String,
}

impl Actor {
    pub fn new(
        id: impl Into<String>,
        role: impl Into<String>,
        organisation: impl Into<String>,
    ) -> Self {
        Self {
            id: id.into(),
            role: role.into(),
            organisation: organisation.into(),
        }
    }
}

/// An event a writer asks the log to record. The log adds the stream, the stream version,
/// the global position, `recorded_at` and the hash.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewEvent {
    /// Unique id chosen by the writer (UUIDv7): re-sending the same ids is idempotent.
    pub event_id: Uuid,
    /// Catalogue name of the event, e.g. `VictimComplaintRaised`.
    pub event_type: String,
    /// Version of the event type's schema the payload follows (1, 2, ...).
    pub schema_version: u32,
    /// When it happened in the world (may be earlier than when it was recorded).
    pub occurred_at: Timestamp,
    pub actor: Actor,
    /// Groups every event caused by one request or workflow.
    pub correlation_id: Uuid,
    /// The event or command that directly caused this one.
    pub causation_id: Option<Uuid>,
    /// Why: a reason or evidence reference, in the actor's words.
    pub reason: Option<String>,
    pub payload: Payload,
}

impl NewEvent {
    /// A new event with a fresh UUIDv7 id, a fresh correlation id, no causation and no reason.
    pub fn new(
        event_type: impl Into<String>,
        schema_version: u32,
        occurred_at: Timestamp,
        actor: Actor,
        payload: Payload,
    ) -> Self {
        Self {
            event_id: Uuid::now_v7(),
            event_type: event_type.into(),
            schema_version,
            occurred_at,
            actor,
            correlation_id: Uuid::now_v7(),
            causation_id: None,
            reason: None,
            payload,
        }
    }

    pub fn with_correlation(mut self, correlation_id: Uuid, causation_id: Option<Uuid>) -> Self {
        self.correlation_id = correlation_id;
        self.causation_id = causation_id;
        self
    }

    pub fn with_reason(mut self, reason: impl Into<String>) -> Self {
        self.reason = Some(reason.into());
        self
    }

    pub fn with_event_id(mut self, event_id: Uuid) -> Self {
        self.event_id = event_id;
        self
    }

    /// Approximate stored size in bytes, used for the per-event size limit.
    pub fn stored_size(&self) -> usize {
        self.event_type.len()
            + self.actor.id.len()
            + self.actor.role.len()
            + self.actor.organisation.len()
            + self.reason.as_ref().map_or(0, String::len)
            + self.payload.as_str().len()
            + 128
    }
}

/// An event as the log recorded it. Immutable: corrections are new events.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordedEvent {
    /// Global position: 1 for the first event, gapless, the total order of the log.
    pub position: u64,
    pub stream_id: StreamId,
    /// Version within the stream: 0 for the stream's first event, gapless.
    pub stream_version: u64,
    pub event_id: Uuid,
    pub event_type: String,
    pub schema_version: u32,
    pub occurred_at: Timestamp,
    /// When the log accepted the event (the commit that recorded it).
    pub recorded_at: Timestamp,
    pub actor: Actor,
    pub correlation_id: Uuid,
    pub causation_id: Option<Uuid>,
    pub reason: Option<String>,
    pub payload: Payload,
    /// SHA-256 over this event's canonical envelope and the previous event's hash.
    pub hash: EventHash,
}

impl RecordedEvent {
    /// Recompute this event's hash given the previous event's hash.
    pub fn compute_hash(&self, previous: &EventHash) -> EventHash {
        crate::hash::hash_event(previous, self)
    }
}
