//! Sample events for tests and benchmarks: realistic engagement records.

use chrono::{TimeZone, Utc};
use engage_log::{Actor, NewEvent, Payload, StreamId};
use serde_json::json;
use uuid::Uuid;

/// The actor used in fixtures: a board chair in Camden.
pub fn chair() -> Actor {
    Actor::new("user-7f3a", "board_chair", "snb-camden")
}

/// A meeting-held event with a given sequence number in its payload.
pub fn meeting_held(n: u64) -> NewEvent {
    let occurred = Utc
        .with_ymd_and_hms(2025, 3, 1, 18, 30, 0)
        .single()
        .unwrap_or_else(Utc::now)
        + chrono::Duration::minutes(n as i64);
    let payload = Payload::from_value(&json!({
        "meeting_id": format!("mtg-{n}"),
        "board": "snb-camden",
        "attendance": {"members": 9, "public": 14},
        "agenda": ["Victim complaints update", "Ward priorities", "Custody visiting report"],
        "sequence": n,
    }))
    .unwrap_or_else(|e| panic!("fixture payload: {e}"));
    NewEvent::new("MeetingHeld", 1, occurred, chair(), payload)
        .with_correlation(Uuid::now_v7(), Some(Uuid::now_v7()))
        .with_reason("quarterly board meeting")
}

/// A stream id unique to a test.
pub fn stream(prefix: &str) -> StreamId {
    StreamId::new(format!("{prefix}-{}", Uuid::now_v7()))
}
