//! Test helpers for the read models: a small in-memory log that records real domain events
//! the way a store does (gapless positions, stream versions, chained hashes, canonical
//! payloads) and decodes them the way the engine does, and the checks every model's tests
//! share (one by one vs all at once, snapshot round trip).

use std::collections::HashMap;
use std::fmt::Debug;

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use engage_domain::{CatalogueEvent, DomainEvent, Timestamp};
use engage_log::{Actor, EventHash, GENESIS_HASH, RecordedEvent, StreamId};
use uuid::Uuid;

use crate::event::ProjectedEvent;
use crate::model::{Projection, ReadModel};

/// Events recorded so far, ready to fold.
pub(crate) struct TestLog {
    pub events: Vec<ProjectedEvent>,
    versions: HashMap<String, u64>,
    head: EventHash,
}

impl TestLog {
    pub fn new() -> Self {
        Self {
            events: Vec::new(),
            versions: HashMap::new(),
            head: GENESIS_HASH,
        }
    }

    /// Record `event` on `stream` as happening at `occurred_at`; returns its position.
    pub fn record(
        &mut self,
        stream: StreamId,
        event: impl Into<DomainEvent>,
        occurred_at: Timestamp,
    ) -> u64 {
        let event: DomainEvent = event.into();
        let position = self.events.len() as u64 + 1;
        let version = self.versions.entry(stream.to_string()).or_insert(0);
        let stream_version = *version;
        *version += 1;
        let mut recorded = RecordedEvent {
            position,
            stream_id: stream,
            stream_version,
            event_id: Uuid::from_u128(u128::from(position)),
            event_type: event.event_type().to_owned(),
            schema_version: event.schema_version(),
            occurred_at,
            recorded_at: at(2030, 1, 1) + Duration::seconds(position as i64),
            actor: Actor::new("user-test", "secretary", "test"),
            correlation_id: Uuid::from_u128(1),
            causation_id: None,
            reason: None,
            payload: event.payload().unwrap(),
            hash: GENESIS_HASH,
        };
        recorded.hash = recorded.compute_hash(&self.head);
        self.head = recorded.hash;
        let projected = ProjectedEvent::decode(recorded).unwrap();
        assert_eq!(
            projected.domain.as_ref(),
            Some(&event),
            "decodes as recorded"
        );
        self.events.push(projected);
        position
    }
}

/// Fold `events` into `M` one event per batch and in one batch; both must give the same
/// model, and that model must come back unchanged from a snapshot (postcard) round trip.
pub(crate) fn fold_checked<M: ReadModel + PartialEq + Debug>(events: &[ProjectedEvent]) -> M {
    let one_by_one = Projection::<M>::new();
    for e in events {
        assert_eq!(one_by_one.apply_batch(std::slice::from_ref(e)).unwrap(), 1);
    }
    let all_at_once = Projection::<M>::new();
    assert_eq!(all_at_once.apply_batch(events).unwrap(), events.len());
    let model = all_at_once.read().model.clone();
    assert_eq!(one_by_one.read().model, model, "one by one vs all at once");
    let snapshot = all_at_once.encode().unwrap();
    let restored = Projection::<M>::decode(&snapshot).unwrap();
    assert_eq!(restored.model, model, "snapshot round trip");
    assert_eq!(restored.checkpoint, events.len() as u64);
    model
}

/// Fold `events` straight through `apply`, in the order given (positions need not be
/// consecutive: this is how a world-time as-of replay sees a filtered log).
pub(crate) fn fold<M: ReadModel>(events: &[ProjectedEvent]) -> M {
    let mut m = M::default();
    for e in events {
        m.apply(e);
    }
    m
}

/// Midnight UTC on a day.
pub(crate) fn at(y: i32, m: u32, d: u32) -> Timestamp {
    Utc.with_ymd_and_hms(y, m, d, 0, 0, 0).unwrap()
}

pub(crate) fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

pub(crate) fn id(n: u128) -> Uuid {
    Uuid::from_u128(n)
}
