//! Provenance: which events made a read-model record what it is.

use engage_log::Timestamp;
use serde::{Deserialize, Serialize};

use crate::event::ProjectedEvent;

/// The events (by position, in log order) that produced a record's current value, and when
/// it last changed. The actors and everything else about those events are one lookup away
/// (the audit trail or the log, by position).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Provenance {
    pub positions: Vec<u64>,
    /// `recorded_at` of the last event that changed the record.
    pub last_recorded_at: Option<Timestamp>,
    /// `occurred_at` of the last event that changed the record.
    pub last_occurred_at: Option<Timestamp>,
}

impl Provenance {
    /// Note that `event` changed the record.
    pub fn touch(&mut self, event: &ProjectedEvent) {
        self.positions.push(event.position());
        self.last_recorded_at = Some(event.recorded_at());
        self.last_occurred_at = Some(event.occurred_at());
    }

    pub fn first_position(&self) -> Option<u64> {
        self.positions.first().copied()
    }
}
