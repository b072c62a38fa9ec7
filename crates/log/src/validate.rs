//! Input checks every backend applies before writing anything, with the same limits.

use std::collections::HashSet;

use crate::envelope::{NewEvent, StreamId};
use crate::error::InvalidAppend;

/// Size limits of the log. The defaults suit engagement records (short documents,
/// references to evidence rather than the evidence itself).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub max_events_per_append: usize,
    pub max_event_bytes: usize,
    pub max_append_bytes: usize,
    pub max_stream_id_bytes: usize,
    pub max_event_type_bytes: usize,
    pub max_reason_bytes: usize,
    pub max_actor_field_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_events_per_append: 10_000,
            max_event_bytes: 1024 * 1024,
            max_append_bytes: 16 * 1024 * 1024,
            max_stream_id_bytes: 256,
            max_event_type_bytes: 128,
            max_reason_bytes: 8 * 1024,
            max_actor_field_bytes: 256,
        }
    }
}

/// Check an append before any write. Returns the first problem found.
pub fn validate_append(
    stream: &StreamId,
    events: &[NewEvent],
    limits: &Limits,
) -> Result<(), InvalidAppend> {
    validate_stream_id(stream, limits)?;
    if events.is_empty() {
        return Err(InvalidAppend::EmptyBatch);
    }
    if events.len() > limits.max_events_per_append {
        return Err(InvalidAppend::TooManyEvents {
            count: events.len(),
            max: limits.max_events_per_append,
        });
    }
    let metadata_stream = stream.metadata_target().is_some();
    let mut total = 0usize;
    let mut ids = HashSet::with_capacity(events.len());
    for (index, e) in events.iter().enumerate() {
        let bytes = e.stored_size();
        if bytes > limits.max_event_bytes {
            return Err(InvalidAppend::EventTooLarge {
                index,
                bytes,
                max: limits.max_event_bytes,
            });
        }
        total += bytes;
        validate_event_type(index, &e.event_type, limits)?;
        if metadata_stream && e.event_type != crate::store::METADATA_EVENT_TYPE {
            return Err(InvalidAppend::InvalidEventType {
                index,
                event_type: e.event_type.clone(),
                reason: format!(
                    "metadata streams only hold `{}` events",
                    crate::store::METADATA_EVENT_TYPE
                ),
            });
        }
        if e.schema_version == 0 {
            return Err(InvalidAppend::InvalidSchemaVersion { index });
        }
        check_text(
            index,
            "actor.id",
            &e.actor.id,
            limits.max_actor_field_bytes,
            false,
        )?;
        check_text(
            index,
            "actor.role",
            &e.actor.role,
            limits.max_actor_field_bytes,
            false,
        )?;
        check_text(
            index,
            "actor.organisation",
            &e.actor.organisation,
            limits.max_actor_field_bytes,
            true,
        )?;
        if let Some(reason) = &e.reason {
            check_text(index, "reason", reason, limits.max_reason_bytes, true)?;
        }
        if !ids.insert(e.event_id) {
            return Err(InvalidAppend::DuplicateEventId {
                event_id: e.event_id,
            });
        }
    }
    if total > limits.max_append_bytes {
        return Err(InvalidAppend::BatchTooLarge {
            bytes: total,
            max: limits.max_append_bytes,
        });
    }
    Ok(())
}

fn validate_stream_id(stream: &StreamId, limits: &Limits) -> Result<(), InvalidAppend> {
    let s = stream.as_str();
    let bad = |reason: &str| InvalidAppend::InvalidStreamId {
        stream: s.to_owned(),
        reason: reason.to_owned(),
    };
    let body = match stream.metadata_target() {
        Some(target) if !target.is_system() => target.as_str().to_owned(),
        Some(_) => return Err(bad("metadata of a system stream cannot be set")),
        None if stream.is_system() => {
            return Err(bad(
                "stream ids starting with `$` are reserved for the log itself",
            ));
        }
        None => s.to_owned(),
    };
    if body.is_empty() {
        return Err(bad("it is empty"));
    }
    if s.len() > limits.max_stream_id_bytes {
        return Err(bad(&format!(
            "it is longer than {} bytes",
            limits.max_stream_id_bytes
        )));
    }
    if body.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(bad("it contains whitespace or control characters"));
    }
    Ok(())
}

fn validate_event_type(index: usize, t: &str, limits: &Limits) -> Result<(), InvalidAppend> {
    let bad = |reason: &str| InvalidAppend::InvalidEventType {
        index,
        event_type: t.to_owned(),
        reason: reason.to_owned(),
    };
    if t.is_empty() {
        return Err(bad("it is empty"));
    }
    if t.len() > limits.max_event_type_bytes {
        return Err(bad(&format!(
            "it is longer than {} bytes",
            limits.max_event_type_bytes
        )));
    }
    let body = t.strip_prefix('$').unwrap_or(t);
    if body.is_empty()
        || !body
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
    {
        return Err(bad("use letters, digits, `_`, `.` and `-` only"));
    }
    Ok(())
}

fn check_text(
    index: usize,
    field: &'static str,
    v: &str,
    max: usize,
    may_be_empty: bool,
) -> Result<(), InvalidAppend> {
    if !may_be_empty && v.trim().is_empty() {
        return Err(InvalidAppend::InvalidField {
            index,
            field,
            reason: "must not be empty".into(),
        });
    }
    if v.len() > max {
        return Err(InvalidAppend::InvalidField {
            index,
            field,
            reason: format!("is longer than {max} bytes"),
        });
    }
    if v.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(InvalidAppend::InvalidField {
            index,
            field,
            reason: "contains control characters".into(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Actor, Payload};
    use chrono::Utc;
    use serde_json::json;

    fn ev() -> NewEvent {
        NewEvent::new(
            "MeetingHeld",
            1,
            Utc::now(),
            Actor::new("u1", "board_chair", "board-camden"),
            Payload::from_value(&json!({"a": 1})).expect("object"),
        )
    }

    #[test]
    fn accepts_a_normal_append() {
        assert_eq!(
            validate_append(&"board-1".into(), &[ev(), ev()], &Limits::default()),
            Ok(())
        );
    }

    #[test]
    fn names_each_problem() {
        let l = Limits::default();
        assert_eq!(
            validate_append(&"b".into(), &[], &l),
            Err(InvalidAppend::EmptyBatch)
        );
        assert!(matches!(
            validate_append(&"".into(), &[ev()], &l),
            Err(InvalidAppend::InvalidStreamId { .. })
        ));
        assert!(matches!(
            validate_append(&"$all".into(), &[ev()], &l),
            Err(InvalidAppend::InvalidStreamId { .. })
        ));
        assert!(matches!(
            validate_append(&"a b".into(), &[ev()], &l),
            Err(InvalidAppend::InvalidStreamId { .. })
        ));
        let mut bad_type = ev();
        bad_type.event_type = "Has Space".into();
        assert!(matches!(
            validate_append(&"b".into(), &[bad_type], &l),
            Err(InvalidAppend::InvalidEventType { .. })
        ));
        let mut v0 = ev();
        v0.schema_version = 0;
        assert_eq!(
            validate_append(&"b".into(), &[v0], &l),
            Err(InvalidAppend::InvalidSchemaVersion { index: 0 })
        );
        let e = ev();
        assert_eq!(
            validate_append(&"b".into(), &[e.clone(), e.clone()], &l),
            Err(InvalidAppend::DuplicateEventId {
                event_id: e.event_id
            })
        );
        let mut big = ev();
        big.payload =
            Payload::from_value(&json!({"blob": "x".repeat(2 * 1024 * 1024)})).expect("object");
        assert!(matches!(
            validate_append(&"b".into(), &[big], &l),
            Err(InvalidAppend::EventTooLarge { index: 0, .. })
        ));
        let mut no_actor = ev();
        no_actor.actor.id = " ".into();
        assert!(matches!(
            validate_append(&"b".into(), &[no_actor], &l),
            Err(InvalidAppend::InvalidField {
                field: "actor.id",
                ..
            })
        ));
    }

    #[test]
    fn metadata_streams_take_only_metadata_events() {
        let l = Limits::default();
        assert!(matches!(
            validate_append(&"$$b".into(), &[ev()], &l),
            Err(InvalidAppend::InvalidEventType { .. })
        ));
        let mut m = ev();
        m.event_type = crate::store::METADATA_EVENT_TYPE.into();
        assert_eq!(validate_append(&"$$b".into(), &[m.clone()], &l), Ok(()));
        assert!(validate_append(&"$$$x".into(), &[m], &l).is_err());
    }
}
