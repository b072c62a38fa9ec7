//! The audit trail: every event of the log, findable by stream, actor, organisation,
//! correlation chain, event type and time range (record time or world time).
//!
//! The model keeps a compact row per event (strings interned) and posting lists for the
//! selective keys; a query walks the most selective list and checks the remaining filters
//! on each row. It returns positions: the events themselves are read from the log.

use std::collections::HashMap;

use engage_log::Timestamp;
use engage_log::envelope::timestamp_micros;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::event::ProjectedEvent;
use crate::model::ReadModel;

/// Strings stored once (the snapshot holds the list; the index is rebuilt on load).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(from = "Vec<String>", into = "Vec<String>")]
struct Interner {
    strings: Vec<String>,
    index: HashMap<String, u32>,
}

impl From<Vec<String>> for Interner {
    fn from(strings: Vec<String>) -> Self {
        let index = strings
            .iter()
            .enumerate()
            .map(|(i, s)| (s.clone(), i as u32))
            .collect();
        Self { strings, index }
    }
}

impl From<Interner> for Vec<String> {
    fn from(i: Interner) -> Self {
        i.strings
    }
}

impl Interner {
    fn intern(&mut self, s: &str) -> u32 {
        if let Some(&i) = self.index.get(s) {
            return i;
        }
        let i = self.strings.len() as u32;
        self.strings.push(s.to_owned());
        self.index.insert(s.to_owned(), i);
        i
    }

    fn find(&self, s: &str) -> Option<u32> {
        self.index.get(s).copied()
    }

    fn get(&self, i: u32) -> &str {
        self.strings
            .get(i as usize)
            .map(String::as_str)
            .unwrap_or("")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
struct Row {
    position: u64,
    stream: u32,
    event_type: u32,
    actor: u32,
    role: u32,
    organisation: u32,
    recorded_us: i64,
    occurred_us: i64,
    correlation: Uuid,
}

/// The audit trail read model.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AuditTrail {
    strings: Interner,
    /// In position order.
    rows: Vec<Row>,
    by_stream: HashMap<u32, Vec<u32>>,
    by_actor: HashMap<u32, Vec<u32>>,
    by_organisation: HashMap<u32, Vec<u32>>,
    by_type: HashMap<u32, Vec<u32>>,
}

/// What to look for. Every filter given must match.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AuditFilter {
    pub stream: Option<String>,
    pub actor: Option<String>,
    pub organisation: Option<String>,
    pub event_type: Option<String>,
    pub correlation: Option<Uuid>,
    /// `recorded_at` in `[from, to]`.
    pub recorded_from: Option<Timestamp>,
    pub recorded_to: Option<Timestamp>,
    /// `occurred_at` in `[from, to]`.
    pub occurred_from: Option<Timestamp>,
    pub occurred_to: Option<Timestamp>,
}

/// One event as the audit trail lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEntry {
    pub position: u64,
    pub stream: String,
    pub event_type: String,
    pub actor: String,
    pub role: String,
    pub organisation: String,
    pub correlation: Uuid,
}

impl ReadModel for AuditTrail {
    const NAME: &'static str = "audit_trail";
    const VERSION: u32 = 1;

    fn apply(&mut self, event: &ProjectedEvent) {
        let e = &event.recorded;
        let row_ix = self.rows.len() as u32;
        let row = Row {
            position: e.position,
            stream: self.strings.intern(e.stream_id.as_str()),
            event_type: self.strings.intern(&e.event_type),
            actor: self.strings.intern(&e.actor.id),
            role: self.strings.intern(&e.actor.role),
            organisation: self.strings.intern(&e.actor.organisation),
            recorded_us: timestamp_micros(e.recorded_at),
            occurred_us: timestamp_micros(e.occurred_at),
            correlation: e.correlation_id,
        };
        self.by_stream.entry(row.stream).or_default().push(row_ix);
        self.by_actor.entry(row.actor).or_default().push(row_ix);
        self.by_organisation
            .entry(row.organisation)
            .or_default()
            .push(row_ix);
        self.by_type.entry(row.event_type).or_default().push(row_ix);
        self.rows.push(row);
    }
}

impl AuditTrail {
    /// Events in the trail.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Positions of every event matching `filter`, in log order.
    pub fn find(&self, filter: &AuditFilter) -> Vec<u64> {
        // A filter naming an unknown value matches nothing.
        let mut lists: Vec<&[u32]> = Vec::new();
        for (value, index) in [
            (&filter.stream, &self.by_stream),
            (&filter.actor, &self.by_actor),
            (&filter.organisation, &self.by_organisation),
            (&filter.event_type, &self.by_type),
        ] {
            if let Some(v) = value {
                match self.strings.find(v).and_then(|i| index.get(&i)) {
                    Some(list) => lists.push(list),
                    None => return Vec::new(),
                }
            }
        }
        let ids = |v: &Option<String>| v.as_deref().and_then(|s| self.strings.find(s));
        let (stream, actor, org, ty) = (
            ids(&filter.stream),
            ids(&filter.actor),
            ids(&filter.organisation),
            ids(&filter.event_type),
        );
        let rec_from = filter.recorded_from.map(timestamp_micros);
        let rec_to = filter.recorded_to.map(timestamp_micros);
        let occ_from = filter.occurred_from.map(timestamp_micros);
        let occ_to = filter.occurred_to.map(timestamp_micros);
        let matches = |r: &Row| {
            stream.is_none_or(|s| r.stream == s)
                && actor.is_none_or(|a| r.actor == a)
                && org.is_none_or(|o| r.organisation == o)
                && ty.is_none_or(|t| r.event_type == t)
                && filter.correlation.is_none_or(|c| r.correlation == c)
                && rec_from.is_none_or(|t| r.recorded_us >= t)
                && rec_to.is_none_or(|t| r.recorded_us <= t)
                && occ_from.is_none_or(|t| r.occurred_us >= t)
                && occ_to.is_none_or(|t| r.occurred_us <= t)
        };
        if let Some(shortest) = lists.iter().min_by_key(|l| l.len()) {
            return shortest
                .iter()
                .filter_map(|&i| self.rows.get(i as usize))
                .filter(|r| matches(r))
                .map(|r| r.position)
                .collect();
        }
        // No posting list: narrow by record time (non-decreasing along the log), then scan.
        let start = rec_from.map_or(0, |t| self.rows.partition_point(|r| r.recorded_us < t));
        let end = rec_to.map_or(self.rows.len(), |t| {
            self.rows.partition_point(|r| r.recorded_us <= t)
        });
        self.rows
            .get(start..end.max(start))
            .unwrap_or_default()
            .iter()
            .filter(|r| matches(r))
            .map(|r| r.position)
            .collect()
    }

    /// The positions of the whole (unfiltered) trail strictly between `after` and
    /// `before`, as a range of indexes into the trail's log-ordered rows: paging through
    /// every event without collecting a million positions first.
    pub fn index_range(&self, after: Option<u64>, before: Option<u64>) -> std::ops::Range<usize> {
        let lo = after.map_or(0, |a| self.rows.partition_point(|r| r.position <= a));
        let hi = before
            .map_or(self.rows.len(), |b| {
                self.rows.partition_point(|r| r.position < b)
            })
            .max(lo);
        lo..hi
    }

    /// The position of the event at `index` in log order (see [`Self::index_range`]).
    pub fn position_at(&self, index: usize) -> Option<u64> {
        self.rows.get(index).map(|r| r.position)
    }

    /// The trail's entry for the event at `position`.
    pub fn entry(&self, position: u64) -> Option<AuditEntry> {
        let i = self
            .rows
            .binary_search_by_key(&position, |r| r.position)
            .ok()?;
        let r = self.rows.get(i)?;
        Some(AuditEntry {
            position: r.position,
            stream: self.strings.get(r.stream).to_owned(),
            event_type: self.strings.get(r.event_type).to_owned(),
            actor: self.strings.get(r.actor).to_owned(),
            role: self.strings.get(r.role).to_owned(),
            organisation: self.strings.get(r.organisation).to_owned(),
            correlation: r.correlation,
        })
    }

    /// Every distinct actor id, organisation and event type seen, for filter pickers.
    pub fn actors(&self) -> Vec<&str> {
        let mut v: Vec<&str> = self.by_actor.keys().map(|&i| self.strings.get(i)).collect();
        v.sort_unstable();
        v
    }

    pub fn organisations(&self) -> Vec<&str> {
        let mut v: Vec<&str> = self
            .by_organisation
            .keys()
            .map(|&i| self.strings.get(i))
            .collect();
        v.sort_unstable();
        v
    }
}
