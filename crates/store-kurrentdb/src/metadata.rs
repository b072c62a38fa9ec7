//! How one engage event is stored as one KurrentDB event of the log stream.
//!
//! | KurrentDB field | holds |
//! | --- | --- |
//! | event id | the engage `event_id` |
//! | event type | the engage `event_type` (so KurrentDB's UI and filters show it) |
//! | stream revision | `position − 1` (the log stream is gapless from revision 0) |
//! | data (`application/json`) | the payload, byte for byte as hashed (canonical JSON) |
//! | metadata (JSON) | every other envelope field, the chain hash and the previous hash |
//!
//! The metadata is a JSON object of string keys, as KurrentDB's multi-stream append and
//! other clients expect. Instants are microseconds since the Unix epoch (the log's
//! precision), hashes 64 hex digits. The previous hash is redundant with the preceding
//! event's hash: it lets a reader check the chain's links one event at a time.

use bytes::Bytes;
use engage_log::envelope::{timestamp_from_micros, timestamp_micros};
use engage_log::{Actor, EventHash, Payload, RecordedEvent, StoreError, StreamId};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The metadata format; a reader refuses formats it does not know.
pub const FORMAT: u32 = 1;

/// The envelope fields kept in a KurrentDB event's metadata.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnvelopeMetadata {
    #[serde(rename = "engageFormat")]
    pub format: u32,
    pub position: u64,
    #[serde(rename = "streamId")]
    pub stream_id: String,
    #[serde(rename = "streamVersion")]
    pub stream_version: u64,
    #[serde(rename = "schemaVersion")]
    pub schema_version: u32,
    #[serde(rename = "occurredAtMicros")]
    pub occurred_at: i64,
    #[serde(rename = "recordedAtMicros")]
    pub recorded_at: i64,
    pub actor: Actor,
    #[serde(rename = "correlationId")]
    pub correlation_id: Uuid,
    #[serde(rename = "causationId")]
    pub causation_id: Option<Uuid>,
    pub reason: Option<String>,
    pub hash: EventHash,
    #[serde(rename = "previousHash")]
    pub previous_hash: EventHash,
}

/// One event ready to append to the log stream.
#[derive(Debug, Clone)]
pub struct Encoded {
    pub event_id: Uuid,
    pub event_type: String,
    pub data: Bytes,
    pub metadata: Bytes,
}

impl Encoded {
    /// Bytes this event takes in an append request (data + metadata), for sizing batches.
    pub fn size(&self) -> usize {
        self.data.len() + self.metadata.len() + self.event_type.len() + 64
    }

    /// The client's form of this event.
    pub fn into_event_data(self) -> kurrentdb::EventData {
        // `EventData::json` serialises its argument; a `RawValue` writes the payload's
        // canonical text through unchanged, so the stored bytes are the hashed bytes.
        let raw: &serde_json::value::RawValue = match serde_json::from_slice(&self.data) {
            Ok(raw) => raw,
            // Cannot happen for a payload (always a JSON object); stored as binary if it did.
            Err(_) => {
                return kurrentdb::EventData::binary(&self.event_type, self.data.clone())
                    .id(self.event_id)
                    .metadata(self.metadata);
            }
        };
        match kurrentdb::EventData::json(&self.event_type, &raw) {
            Ok(data) => data.id(self.event_id).metadata(self.metadata),
            Err(_) => kurrentdb::EventData::binary(&self.event_type, self.data.clone())
                .id(self.event_id)
                .metadata(self.metadata),
        }
    }
}

/// Encode a recorded event (already given its position, `previous` being the hash of the
/// event before it).
pub fn encode(e: &RecordedEvent, previous: &EventHash) -> Encoded {
    let meta = EnvelopeMetadata {
        format: FORMAT,
        position: e.position,
        stream_id: e.stream_id.as_str().to_owned(),
        stream_version: e.stream_version,
        schema_version: e.schema_version,
        occurred_at: timestamp_micros(e.occurred_at),
        recorded_at: timestamp_micros(e.recorded_at),
        actor: e.actor.clone(),
        correlation_id: e.correlation_id,
        causation_id: e.causation_id,
        reason: e.reason.clone(),
        hash: e.hash,
        previous_hash: *previous,
    };
    // Serialising a struct of strings, numbers and UUIDs to JSON cannot fail.
    let metadata = serde_json::to_vec(&meta).unwrap_or_default();
    Encoded {
        event_id: e.event_id,
        event_type: e.event_type.clone(),
        data: Bytes::copy_from_slice(e.payload.as_str().as_bytes()),
        metadata: Bytes::from(metadata),
    }
}

/// What one stored event decodes to: the engage event and the previous hash it names.
#[derive(Debug, Clone, PartialEq)]
pub struct Decoded {
    pub event: RecordedEvent,
    pub previous_hash: EventHash,
}

/// Decode one KurrentDB event of the log stream (`revision`, `id`, `event_type`, `data`,
/// `metadata` as read). Anything inconsistent is [`StoreError::Corrupt`] at the position
/// the revision implies.
pub fn decode(
    revision: u64,
    id: Uuid,
    event_type: &str,
    data: &[u8],
    metadata: &[u8],
) -> Result<Decoded, StoreError> {
    let position = revision + 1;
    let corrupt = |detail: String| StoreError::Corrupt { position, detail };
    let meta: EnvelopeMetadata = serde_json::from_slice(metadata).map_err(|e| {
        corrupt(format!(
            "its KurrentDB metadata is not engage's envelope: {e}"
        ))
    })?;
    if meta.format != FORMAT {
        return Err(corrupt(format!(
            "its envelope format is {}, this engage reads format {FORMAT}",
            meta.format
        )));
    }
    if meta.position != position {
        return Err(corrupt(format!(
            "it is at revision {revision} of the log stream but says position {}",
            meta.position
        )));
    }
    let payload = std::str::from_utf8(data)
        .map_err(|e| corrupt(format!("its payload is not UTF-8: {e}")))?
        .to_owned();
    let time = |micros: i64, field: &str| {
        timestamp_from_micros(micros)
            .ok_or_else(|| corrupt(format!("{field} {micros} µs is out of range")))
    };
    let event = RecordedEvent {
        position,
        stream_id: StreamId::new(meta.stream_id),
        stream_version: meta.stream_version,
        event_id: id,
        event_type: event_type.to_owned(),
        schema_version: meta.schema_version,
        occurred_at: time(meta.occurred_at, "occurredAt")?,
        recorded_at: time(meta.recorded_at, "recordedAt")?,
        actor: meta.actor,
        correlation_id: meta.correlation_id,
        causation_id: meta.causation_id,
        reason: meta.reason,
        payload: Payload::from_stored(payload),
        hash: meta.hash,
    };
    Ok(Decoded {
        event,
        previous_hash: meta.previous_hash,
    })
}

/// Decode what the client read.
pub fn decode_recorded(e: &kurrentdb::RecordedEvent) -> Result<Decoded, StoreError> {
    decode(e.revision, e.id, &e.event_type, &e.data, &e.custom_metadata)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};
    use engage_log::GENESIS_HASH;
    use engage_log::hash::hash_event;

    fn event(position: u64, previous: &EventHash) -> RecordedEvent {
        let mut e = RecordedEvent {
            position,
            stream_id: StreamId::new("board-E09000007"),
            stream_version: position - 1,
            event_id: Uuid::now_v7(),
            event_type: "MeetingHeld".into(),
            schema_version: 2,
            occurred_at: Utc
                .timestamp_micros(1_700_000_000_123_456)
                .single()
                .expect("t"),
            recorded_at: Utc
                .timestamp_micros(1_760_000_000_654_321)
                .single()
                .expect("t"),
            actor: Actor::new("user-7f3a", "chair", "snb-E09000007"),
            correlation_id: Uuid::now_v7(),
            causation_id: Some(Uuid::now_v7()),
            reason: Some("minutes: ünïcode ✓ \"quoted\"".into()),
            payload: Payload::parse(r#"{"z":1,"a":{"y":[1,2,{"b":"ç"}],"x":null}}"#)
                .expect("payload"),
            hash: GENESIS_HASH,
        };
        e.hash = hash_event(previous, &e);
        e
    }

    #[test]
    fn every_envelope_field_round_trips() {
        let first = event(1, &GENESIS_HASH);
        let second = event(2, &first.hash);
        for (e, prev) in [(&first, GENESIS_HASH), (&second, first.hash)] {
            let enc = encode(e, &prev);
            assert_eq!(enc.event_id, e.event_id);
            assert_eq!(enc.event_type, "MeetingHeld");
            // The stored data is the hashed payload text, byte for byte.
            assert_eq!(&enc.data[..], e.payload.as_str().as_bytes());
            let dec = decode(
                e.position - 1,
                enc.event_id,
                &enc.event_type,
                &enc.data,
                &enc.metadata,
            )
            .expect("decode");
            assert_eq!(&dec.event, e);
            assert_eq!(dec.previous_hash, prev);
            // The hash still verifies after the round trip.
            assert_eq!(hash_event(&prev, &dec.event), e.hash);
        }
    }

    #[test]
    fn missing_optional_fields_round_trip() {
        let mut e = event(1, &GENESIS_HASH);
        e.causation_id = None;
        e.reason = None;
        e.hash = hash_event(&GENESIS_HASH, &e);
        let enc = encode(&e, &GENESIS_HASH);
        let dec = decode(0, e.event_id, &e.event_type, &enc.data, &enc.metadata).expect("ok");
        assert_eq!(dec.event, e);
    }

    #[test]
    fn metadata_is_a_json_object_of_named_fields() {
        let e = event(1, &GENESIS_HASH);
        let enc = encode(&e, &GENESIS_HASH);
        let v: serde_json::Value = serde_json::from_slice(&enc.metadata).expect("json");
        assert_eq!(v["engageFormat"], 1);
        assert_eq!(v["position"], 1);
        assert_eq!(v["streamId"], "board-E09000007");
        assert_eq!(v["hash"], e.hash.to_hex());
        assert_eq!(v["previousHash"], GENESIS_HASH.to_hex());
        assert_eq!(v["actor"]["organisation"], "snb-E09000007");
    }

    #[test]
    fn inconsistent_events_are_reported_as_corrupt_at_their_position() {
        let e = event(1, &GENESIS_HASH);
        let enc = encode(&e, &GENESIS_HASH);
        // Read at another revision than the position it claims.
        let err = decode(4, e.event_id, "MeetingHeld", &enc.data, &enc.metadata).expect_err("pos");
        assert!(
            matches!(&err, StoreError::Corrupt { position: 5, detail } if detail.contains("says position 1")),
            "{err}"
        );
        // Metadata that is not ours (an event some other program wrote to the stream).
        let err = decode(0, e.event_id, "X", &enc.data, br#"{"$correlationId":"x"}"#)
            .expect_err("foreign");
        assert!(
            matches!(err, StoreError::Corrupt { position: 1, .. }),
            "{err}"
        );
        // A newer format.
        let mut v: serde_json::Value = serde_json::from_slice(&enc.metadata).expect("json");
        v["engageFormat"] = 2.into();
        let newer = serde_json::to_vec(&v).expect("json");
        let err = decode(0, e.event_id, "X", &enc.data, &newer).expect_err("format");
        assert!(err.to_string().contains("format is 2"), "{err}");
        // A payload that is not UTF-8.
        let err = decode(0, e.event_id, "X", &[0xff, 0xfe], &enc.metadata).expect_err("utf8");
        assert!(err.to_string().contains("UTF-8"), "{err}");
    }

    #[test]
    fn encoded_events_become_json_events_with_our_id() {
        let e = event(1, &GENESIS_HASH);
        let enc = encode(&e, &GENESIS_HASH);
        let size = enc.size();
        assert!(size > enc.data.len() + enc.metadata.len());
        // The client type is opaque; building it must not lose the id or panic.
        let _data = enc.into_event_data();
    }
}
