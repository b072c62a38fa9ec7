//! The [`EventStore`] trait: what every backend (embedded SQLite, PostgreSQL, KurrentDB)
//! implements, with identical behaviour checked by the `engage-conformance` suite.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use tokio::sync::watch;
use uuid::Uuid;

use crate::envelope::{Actor, NewEvent, RecordedEvent, StreamId, Timestamp};
use crate::error::StoreError;
use crate::expected::ExpectedVersion;
use crate::hash::{EventHash, GENESIS_HASH};
use crate::payload::Payload;

/// The event type of the events in a metadata stream (`$$<stream>`).
pub const METADATA_EVENT_TYPE: &str = "$metadata";

/// Where one event of an append landed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedPosition {
    pub event_id: Uuid,
    pub position: u64,
    pub stream_version: u64,
}

/// The result of an append.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppendOutcome {
    pub stream_id: StreamId,
    /// One entry per event, in the order they were sent.
    pub events: Vec<RecordedPosition>,
    /// True when every event had already been recorded by an earlier append with the same
    /// ids: nothing new was written and the original positions are returned.
    pub already_recorded: bool,
}

impl AppendOutcome {
    /// The stream's version after this append (pass it as the next `ExpectedVersion::Exact`).
    pub fn stream_version(&self) -> u64 {
        self.events.last().map_or(0, |e| e.stream_version)
    }

    pub fn last_position(&self) -> u64 {
        self.events.last().map_or(0, |e| e.position)
    }
}

/// The end of the log: how many events it holds and the hash that seals them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Head {
    /// Position of the last event (0 for an empty log) — also the number of events.
    pub position: u64,
    pub hash: EventHash,
}

impl Head {
    pub const EMPTY: Head = Head {
        position: 0,
        hash: GENESIS_HASH,
    };
}

/// A stream's metadata: a JSON object, versioned, kept as events in `$$<stream>`.
#[derive(Debug, Clone, PartialEq)]
pub struct StreamMetadata {
    /// Version of the metadata stream (0 for the first metadata set).
    pub version: u64,
    pub metadata: Payload,
    pub set_at: Timestamp,
    pub set_by: Actor,
}

/// An append-only, hash-chained event log.
///
/// Contract every implementation keeps (and the conformance suite checks):
/// - `append` is atomic: all events of one call are recorded, at consecutive stream
///   versions, or none are. Concurrent appends to one stream with the same expected
///   version: exactly one wins, the others get [`StoreError::Conflict`].
/// - `append` is idempotent: re-sending events whose ids are already recorded (same stream,
///   same order) writes nothing and returns the original positions.
/// - Positions are gapless from 1 and commit in position order: once [`EventStore::watch_head`]
///   reports position `p`, every event `<= p` is readable and no event `< p` can appear later.
/// - Every recorded event's hash chains to its predecessor's (see [`crate::hash`]).
/// - An acknowledged append is durable.
#[async_trait]
pub trait EventStore: Send + Sync + 'static {
    /// Record `events` at the end of `stream` if the stream is at `expected`.
    async fn append(
        &self,
        stream: &StreamId,
        expected: ExpectedVersion,
        events: Vec<NewEvent>,
    ) -> Result<AppendOutcome, StoreError>;

    /// Up to `limit` events of `stream` from stream version `from_version` (inclusive), in order.
    async fn read_stream(
        &self,
        stream: &StreamId,
        from_version: u64,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError>;

    /// Up to `limit` events of `stream` counting back from `from_version` (inclusive; `u64::MAX` for the end).
    async fn read_stream_backwards(
        &self,
        stream: &StreamId,
        from_version: u64,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError>;

    /// The version of the stream's last event, or `None` if it has none.
    async fn stream_version(&self, stream: &StreamId) -> Result<Option<u64>, StoreError>;

    /// Up to `limit` events of the whole log from global position `from_position` (inclusive,
    /// the first event is at 1), in order.
    async fn read_all(
        &self,
        from_position: u64,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError>;

    /// The recorded event with this id.
    async fn event_by_id(&self, event_id: Uuid) -> Result<Option<RecordedEvent>, StoreError>;

    /// The current end of the log.
    async fn head(&self) -> Result<Head, StoreError>;

    /// A receiver that sees the head position change after each commit (used for live
    /// subscriptions and projection lag). Closed when the store shuts down.
    fn watch_head(&self) -> watch::Receiver<u64>;

    /// Record already-recorded events verbatim (import from an export): positions, times and
    /// hashes are kept. The first event must be at `head + 1` and chain from the head's hash,
    /// and every hash must verify; otherwise [`StoreError::ImportRejected`] and nothing is written.
    async fn import(&self, events: Vec<RecordedEvent>) -> Result<Head, StoreError>;

    /// Set `stream`'s metadata (a JSON object). Recorded as an event in `$$<stream>`.
    async fn set_stream_metadata(
        &self,
        stream: &StreamId,
        expected: ExpectedVersion,
        metadata: Payload,
        actor: Actor,
        reason: Option<String>,
    ) -> Result<AppendOutcome, StoreError> {
        let mut event = NewEvent::new(METADATA_EVENT_TYPE, 1, chrono::Utc::now(), actor, metadata);
        event.reason = reason;
        self.append(&stream.metadata_stream(), expected, vec![event])
            .await
    }

    /// `stream`'s current metadata, if any was set.
    async fn stream_metadata(
        &self,
        stream: &StreamId,
    ) -> Result<Option<StreamMetadata>, StoreError> {
        let meta = stream.metadata_stream();
        let last = self.read_stream_backwards(&meta, u64::MAX, 1).await?;
        Ok(last.into_iter().next().map(|e| StreamMetadata {
            version: e.stream_version,
            metadata: e.payload,
            set_at: e.occurred_at,
            set_by: e.actor,
        }))
    }
}
