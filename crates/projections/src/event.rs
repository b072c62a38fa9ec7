//! What a read model is given: the event as the log recorded it (envelope and payload) and,
//! for domain streams, the payload decoded — and upcast to its current schema version — once,
//! shared by every read model.

use std::collections::HashSet;
use std::sync::{Mutex, OnceLock};

use engage_domain::catalogue::decode_recorded;
use engage_domain::{DecodeError, DomainEvent};
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
    /// Decode `recorded`.
    ///
    /// - An event of a known type whose payload does not decode (or whose schema version
    ///   this build does not know) is an error: skipping it would make every number built
    ///   on the log silently wrong, so the engine stops there until it is fixed.
    /// - An event of a type this build does not know at all (written by a newer engage, or
    ///   an integration's own event) is kept for the audit trail with `domain: None`: read
    ///   models written before the type existed have nothing to do with it, and a rebuild
    ///   after upgrading applies it. Each such type is logged once.
    pub fn decode(recorded: RecordedEvent) -> Result<Self, ProjectionError> {
        if recorded.stream_id.is_system() {
            return Ok(Self {
                recorded,
                domain: None,
            });
        }
        match decode_recorded(&recorded) {
            Ok(domain) => Ok(Self {
                recorded,
                domain: Some(domain),
            }),
            Err(DecodeError::UnknownEventType(event_type)) => {
                warn_unknown_type(&event_type, recorded.position);
                Ok(Self {
                    recorded,
                    domain: None,
                })
            }
            Err(source) => Err(ProjectionError::Undecodable {
                position: recorded.position,
                stream: recorded.stream_id.to_string(),
                source,
            }),
        }
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

/// Log an unknown event type the first time this process meets it.
fn warn_unknown_type(event_type: &str, position: u64) {
    static SEEN: OnceLock<Mutex<HashSet<String>>> = OnceLock::new();
    let seen = SEEN.get_or_init(|| Mutex::new(HashSet::new()));
    let first = seen
        .lock()
        .map(|mut s| s.insert(event_type.to_owned()))
        .unwrap_or(false);
    if first {
        tracing::warn!(
            event_type,
            position,
            "event type unknown to this build: kept in the audit trail, ignored by the domain read models"
        );
    }
}
