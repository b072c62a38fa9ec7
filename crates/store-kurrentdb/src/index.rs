//! What a process knows about the log without asking the server: the head, and where each
//! engage stream's events and each event id are in the log stream.
//!
//! The index is built by reading the whole log stream when the store opens and then
//! follows it (this process's own appends, other processes' appends seen by catching up).
//! It holds one position per event (the stream's versions in order) and one entry per
//! event id: about 40–60 bytes per event, e.g. 50–60 MiB for a million events.

use std::collections::HashMap;

use engage_log::{EventHash, Head, RecordedEvent, StoreError, StreamId};
use uuid::Uuid;

use crate::metadata::Decoded;

#[derive(Debug, Default)]
pub struct Index {
    head: Option<Head>,
    /// `recorded_at` of the last event, in µs (appends never record an earlier time).
    last_recorded: i64,
    /// For each stream, the position of each of its events, by stream version.
    streams: HashMap<StreamId, Vec<u64>>,
    /// The position of each recorded event id.
    ids: HashMap<Uuid, u64>,
}

impl Index {
    pub fn head(&self) -> Head {
        self.head.unwrap_or(Head::EMPTY)
    }

    pub fn last_recorded_micros(&self) -> i64 {
        self.last_recorded
    }

    /// The version of the stream's last event.
    pub fn stream_version(&self, stream: &StreamId) -> Option<u64> {
        self.streams
            .get(stream)
            .and_then(|p| p.len().checked_sub(1))
            .map(|v| v as u64)
    }

    /// Positions of `stream`'s events at versions `from..from + limit` (forwards).
    pub fn stream_positions(&self, stream: &StreamId, from: u64, limit: usize) -> Vec<u64> {
        let Some(all) = self.streams.get(stream) else {
            return Vec::new();
        };
        let start = usize::try_from(from).unwrap_or(usize::MAX).min(all.len());
        all[start..].iter().take(limit).copied().collect()
    }

    /// Positions of `stream`'s events counting back from version `from` (inclusive).
    pub fn stream_positions_backwards(
        &self,
        stream: &StreamId,
        from: u64,
        limit: usize,
    ) -> Vec<u64> {
        let Some(all) = self.streams.get(stream) else {
            return Vec::new();
        };
        let end = usize::try_from(from)
            .unwrap_or(usize::MAX)
            .saturating_add(1)
            .min(all.len());
        all[..end].iter().rev().take(limit).copied().collect()
    }

    pub fn position_of(&self, id: &Uuid) -> Option<u64> {
        self.ids.get(id).copied()
    }

    /// Add the next event of the log. It must be at `head + 1`, continue its stream and
    /// name the head's hash as its previous hash; anything else means the log stream was
    /// written by something other than engage, and is refused as corrupt.
    pub fn apply(&mut self, decoded: &Decoded) -> Result<(), StoreError> {
        let e = &decoded.event;
        let head = self.head();
        let corrupt = |detail: String| StoreError::Corrupt {
            position: e.position,
            detail,
        };
        if e.position != head.position + 1 {
            return Err(corrupt(format!(
                "expected position {} next in the log stream",
                head.position + 1
            )));
        }
        if decoded.previous_hash != head.hash {
            return Err(corrupt(format!(
                "it names {} as the previous hash, but the event before it has {}",
                decoded.previous_hash, head.hash
            )));
        }
        let next_version = self.stream_version(&e.stream_id).map_or(0, |v| v + 1);
        if e.stream_version != next_version {
            return Err(corrupt(format!(
                "stream `{}` continues at version {next_version}, the event says {}",
                e.stream_id, e.stream_version
            )));
        }
        if let Some(p) = self.ids.insert(e.event_id, e.position) {
            self.ids.insert(e.event_id, p);
            return Err(corrupt(format!(
                "event id {} is also recorded at position {p}",
                e.event_id
            )));
        }
        self.streams
            .entry(e.stream_id.clone())
            .or_default()
            .push(e.position);
        self.head = Some(Head {
            position: e.position,
            hash: e.hash,
        });
        self.last_recorded = self
            .last_recorded
            .max(engage_log::envelope::timestamp_micros(e.recorded_at));
        Ok(())
    }

    /// Add events this process just appended (already checked when they were decided).
    pub fn apply_own(&mut self, events: &[RecordedEvent], previous: EventHash) {
        let mut prev = previous;
        for e in events {
            let decoded = Decoded {
                event: e.clone(),
                previous_hash: prev,
            };
            prev = e.hash;
            if let Err(err) = self.apply(&decoded) {
                // Only a bug could get here: the events were decided against this index.
                tracing::error!(error = %err, "the KurrentDB index refused this process's own append");
            }
        }
    }
}

/// Split positions into runs of consecutive positions (each run is one read of the log
/// stream), keeping their order. Works for ascending and descending lists.
pub fn runs(positions: &[u64]) -> Vec<(u64, usize)> {
    let mut out: Vec<(u64, usize)> = Vec::new();
    let ascending = positions.windows(2).all(|w| w[0] < w[1]);
    for &p in positions {
        match out.last_mut() {
            Some((start, len)) if ascending && *start + *len as u64 == p => *len += 1,
            _ => out.push((p, 1)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;
    use engage_log::hash::hash_event;
    use engage_log::{Actor, GENESIS_HASH, Payload};

    fn event(position: u64, stream: &str, version: u64, previous: &EventHash) -> Decoded {
        let mut e = RecordedEvent {
            position,
            stream_id: StreamId::new(stream),
            stream_version: version,
            event_id: Uuid::now_v7(),
            event_type: "MeetingHeld".into(),
            schema_version: 1,
            occurred_at: Utc::now(),
            recorded_at: Utc::now(),
            actor: Actor::new("u", "chair", "snb"),
            correlation_id: Uuid::now_v7(),
            causation_id: None,
            reason: None,
            payload: Payload::parse("{}").expect("payload"),
            hash: GENESIS_HASH,
        };
        e.hash = hash_event(previous, &e);
        Decoded {
            event: e,
            previous_hash: *previous,
        }
    }

    #[test]
    fn follows_streams_ids_and_head() {
        let mut index = Index::default();
        let a0 = event(1, "a", 0, &GENESIS_HASH);
        let b0 = event(2, "b", 0, &a0.event.hash);
        let a1 = event(3, "a", 1, &b0.event.hash);
        for e in [&a0, &b0, &a1] {
            index.apply(e).expect("apply");
        }
        assert_eq!(index.head().position, 3);
        assert_eq!(index.head().hash, a1.event.hash);
        assert_eq!(index.stream_version(&"a".into()), Some(1));
        assert_eq!(index.stream_version(&"c".into()), None);
        assert_eq!(index.stream_positions(&"a".into(), 0, 10), vec![1, 3]);
        assert_eq!(index.stream_positions(&"a".into(), 1, 10), vec![3]);
        assert_eq!(
            index.stream_positions(&"a".into(), 5, 10),
            Vec::<u64>::new()
        );
        assert_eq!(
            index.stream_positions_backwards(&"a".into(), u64::MAX, 10),
            vec![3, 1]
        );
        assert_eq!(
            index.stream_positions_backwards(&"a".into(), 0, 10),
            vec![1]
        );
        assert_eq!(index.position_of(&b0.event.event_id), Some(2));
    }

    #[test]
    fn refuses_gaps_broken_links_versions_and_reused_ids() {
        let mut index = Index::default();
        let a0 = event(1, "a", 0, &GENESIS_HASH);
        index.apply(&a0).expect("first");
        let gap = event(3, "a", 1, &a0.event.hash);
        assert!(index.apply(&gap).is_err());
        let broken = event(2, "a", 1, &GENESIS_HASH);
        assert!(index.apply(&broken).is_err());
        let skipped = event(2, "a", 2, &a0.event.hash);
        assert!(index.apply(&skipped).is_err());
        let mut reused = event(2, "b", 0, &a0.event.hash);
        reused.event.event_id = a0.event.event_id;
        assert!(index.apply(&reused).is_err());
        // Nothing of the refused events stuck.
        assert_eq!(index.head().position, 1);
        assert_eq!(index.position_of(&a0.event.event_id), Some(1));
        assert_eq!(index.stream_version(&"b".into()), None);
    }

    #[test]
    fn runs_of_consecutive_positions() {
        assert_eq!(runs(&[1, 2, 3, 7, 8, 10]), vec![(1, 3), (7, 2), (10, 1)]);
        assert_eq!(runs(&[]), Vec::<(u64, usize)>::new());
        // Descending lists are read one event per run, in the given order.
        assert_eq!(runs(&[5, 4, 2]), vec![(5, 1), (4, 1), (2, 1)]);
    }
}
