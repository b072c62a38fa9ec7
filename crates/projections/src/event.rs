//! What a read model is given: the event as the log recorded it (envelope and payload) and,
//! for domain streams, the payload decoded — and upcast to its current schema version — once,
//! shared by every read model.

use engage_domain::DomainEvent;
use engage_domain::catalogue::decode_recorded;
use engage_log::{RecordedEvent, Timestamp};

use crate::error::ProjectionError;

/// One event of the log, ready to be folded.
#[derive(Debug, Clone)]
pub struct ProjectedEvent {
    pub recorded: RecordedEvent,
    /// The decoded domain event; `None` for events of system streams (`$…`, e.g. stream
    /// metadata), which only the audit trail looks at.
    pub domain: Option<DomainEvent>,
}

impl ProjectedEvent {
    /// Decode `recorded`. An event of a domain stream that cannot be decoded (an unknown
    /// type, an invalid payload) is an error: skipping it would make every number built on
    /// the log silently wrong.
    pub fn decode(recorded: RecordedEvent) -> Result<Self, ProjectionError> {
        let domain = if recorded.stream_id.is_system() {
            None
        } else {
            Some(
                decode_recorded(&recorded).map_err(|source| ProjectionError::Undecodable {
                    position: recorded.position,
                    stream: recorded.stream_id.to_string(),
                    source,
                })?,
            )
        };
        Ok(Self { recorded, domain })
    }

    pub fn position(&self) -> u64 {
        self.recorded.position
    }

    /// When it happened in the world.
    pub fn occurred_at(&self) -> Timestamp {
        self.recorded.occurred_at
    }

    /// When the log accepted it.
    pub fn recorded_at(&self) -> Timestamp {
        self.recorded.recorded_at
    }
}

/// Decode a batch, in order.
pub fn decode_batch(batch: Vec<RecordedEvent>) -> Result<Vec<ProjectedEvent>, ProjectionError> {
    batch.into_iter().map(ProjectedEvent::decode).collect()
}
