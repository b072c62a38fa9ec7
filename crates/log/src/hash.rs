//! The tamper-evident hash chain.
//!
//! Each event's hash is
//!
//! ```text
//! H(n) = SHA-256( "engage-event-v1" 0x00
//!                 || H(n-1)                       32 bytes; H(0) = 32 zero bytes
//!                 || u64be(position)
//!                 || str(stream_id) || u64be(stream_version)
//!                 || event_id (16 bytes)
//!                 || str(event_type) || u32be(schema_version)
//!                 || i64be(occurred_at µs) || i64be(recorded_at µs)
//!                 || str(actor.id) || str(actor.role) || str(actor.organisation)
//!                 || correlation_id (16 bytes) || opt(causation_id) || opt(str(reason))
//!                 || str(payload canonical JSON) )
//! ```
//!
//! where `str(s)` = `u32be(byte length) || UTF-8 bytes` and `opt(x)` = `0x00` or `0x01 || x`.
//! Length prefixes make the encoding unambiguous; the position and the previous hash make
//! any edit, removal, insertion or reordering of events change every later hash.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha256};

use crate::envelope::{RecordedEvent, timestamp_micros};

/// A SHA-256 chain hash.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EventHash(pub [u8; 32]);

/// The "previous hash" of the first event.
pub const GENESIS_HASH: EventHash = EventHash([0u8; 32]);

const DOMAIN_TAG: &[u8] = b"engage-event-v1\0";

impl EventHash {
    pub fn from_slice(bytes: &[u8]) -> Option<Self> {
        <[u8; 32]>::try_from(bytes).ok().map(Self)
    }

    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Display for EventHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for EventHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EventHash({})", self.to_hex())
    }
}

/// Text that is not a 64-digit hex SHA-256 hash.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a hash: expected 64 hexadecimal digits")]
pub struct ParseHashError(pub String);

impl FromStr for EventHash {
    type Err = ParseHashError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut out = [0u8; 32];
        hex::decode_to_slice(s.trim(), &mut out).map_err(|_| ParseHashError(s.to_owned()))?;
        Ok(Self(out))
    }
}

impl Serialize for EventHash {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_hex())
    }
}

impl<'de> Deserialize<'de> for EventHash {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// The canonical encoding is written into one buffer and hashed in a single call: many
/// small `update`s cost more than the hashing of a typical event itself.
struct Encoder(Vec<u8>);

impl Encoder {
    fn bytes(&mut self, b: &[u8]) {
        self.0.extend_from_slice(b);
    }
    fn str(&mut self, s: &str) {
        // Lengths over u32::MAX cannot pass validation; saturate rather than wrap.
        let len = u32::try_from(s.len()).unwrap_or(u32::MAX);
        self.0.extend_from_slice(&len.to_be_bytes());
        self.0.extend_from_slice(s.as_bytes());
    }
}

/// Hash one event given its predecessor's hash (see the module docs for the encoding).
pub fn hash_event(previous: &EventHash, e: &RecordedEvent) -> EventHash {
    let variable = e.stream_id.as_str().len()
        + e.event_type.len()
        + e.actor.id.len()
        + e.actor.role.len()
        + e.actor.organisation.len()
        + e.reason.as_ref().map_or(0, String::len)
        + e.payload.as_str().len();
    // Fixed part: tag, previous hash, integers, ids, length prefixes and option flags.
    let mut enc = Encoder(Vec::with_capacity(variable + 200));
    enc.bytes(DOMAIN_TAG);
    enc.bytes(&previous.0);
    enc.bytes(&e.position.to_be_bytes());
    enc.str(e.stream_id.as_str());
    enc.bytes(&e.stream_version.to_be_bytes());
    enc.bytes(e.event_id.as_bytes());
    enc.str(&e.event_type);
    enc.bytes(&e.schema_version.to_be_bytes());
    enc.bytes(&timestamp_micros(e.occurred_at).to_be_bytes());
    enc.bytes(&timestamp_micros(e.recorded_at).to_be_bytes());
    enc.str(&e.actor.id);
    enc.str(&e.actor.role);
    enc.str(&e.actor.organisation);
    enc.bytes(e.correlation_id.as_bytes());
    match &e.causation_id {
        None => enc.bytes(&[0]),
        Some(id) => {
            enc.bytes(&[1]);
            enc.bytes(id.as_bytes());
        }
    }
    match &e.reason {
        None => enc.bytes(&[0]),
        Some(r) => {
            enc.bytes(&[1]);
            enc.str(r);
        }
    }
    enc.str(e.payload.as_str());
    EventHash(Sha256::digest(&enc.0).into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Actor, Payload, StreamId};
    use chrono::{TimeZone, Utc};
    use uuid::Uuid;

    fn sample() -> RecordedEvent {
        let t = Utc
            .with_ymd_and_hms(2025, 3, 1, 9, 30, 0)
            .single()
            .expect("valid date");
        RecordedEvent {
            position: 1,
            stream_id: StreamId::new("board-camden"),
            stream_version: 0,
            event_id: Uuid::from_u128(1),
            event_type: "BoardEstablished".into(),
            schema_version: 1,
            occurred_at: t,
            recorded_at: t,
            actor: Actor::new("u1", "administrator", "mopac"),
            correlation_id: Uuid::from_u128(2),
            causation_id: None,
            reason: None,
            payload: Payload::parse(r#"{"borough":"Camden"}"#).expect("valid"),
            hash: GENESIS_HASH,
        }
    }

    #[test]
    fn every_field_is_covered() {
        let base = sample();
        let h = hash_event(&GENESIS_HASH, &base);
        let mut variants: Vec<RecordedEvent> = Vec::new();
        let mut v = base.clone();
        v.position = 2;
        variants.push(v);
        let mut v = base.clone();
        v.stream_id = StreamId::new("board-camdeN");
        variants.push(v);
        let mut v = base.clone();
        v.stream_version = 1;
        variants.push(v);
        let mut v = base.clone();
        v.event_id = Uuid::from_u128(3);
        variants.push(v);
        let mut v = base.clone();
        v.event_type = "BoardEstablishes".into();
        variants.push(v);
        let mut v = base.clone();
        v.schema_version = 2;
        variants.push(v);
        let mut v = base.clone();
        v.occurred_at += chrono::Duration::microseconds(1);
        variants.push(v);
        let mut v = base.clone();
        v.recorded_at += chrono::Duration::microseconds(1);
        variants.push(v);
        let mut v = base.clone();
        v.actor.role = "auditor".into();
        variants.push(v);
        let mut v = base.clone();
        v.correlation_id = Uuid::from_u128(9);
        variants.push(v);
        let mut v = base.clone();
        v.causation_id = Some(Uuid::from_u128(9));
        variants.push(v);
        let mut v = base.clone();
        v.reason = Some(String::new());
        variants.push(v);
        let mut v = base.clone();
        v.payload = Payload::parse(r#"{"borough":"Camden "}"#).expect("valid");
        variants.push(v);
        for (i, v) in variants.iter().enumerate() {
            assert_ne!(
                hash_event(&GENESIS_HASH, v),
                h,
                "variant {i} hashed the same"
            );
        }
        assert_ne!(
            hash_event(&EventHash([1; 32]), &base),
            h,
            "previous hash not covered"
        );
    }

    /// The single-buffer encoder hashes exactly the bytes the field-by-field definition in
    /// the module docs gives (stored hashes depend on it).
    #[test]
    fn matches_the_field_by_field_definition() {
        fn str(h: &mut Sha256, s: &str) {
            h.update((s.len() as u32).to_be_bytes());
            h.update(s.as_bytes());
        }
        let previous = EventHash([7; 32]);
        let mut with_options = sample();
        with_options.causation_id = Some(Uuid::from_u128(5));
        with_options.reason = Some("because".into());
        for e in [sample(), with_options] {
            let mut h = Sha256::new();
            h.update(DOMAIN_TAG);
            h.update(previous.0);
            h.update(e.position.to_be_bytes());
            str(&mut h, e.stream_id.as_str());
            h.update(e.stream_version.to_be_bytes());
            h.update(e.event_id.as_bytes());
            str(&mut h, &e.event_type);
            h.update(e.schema_version.to_be_bytes());
            h.update(timestamp_micros(e.occurred_at).to_be_bytes());
            h.update(timestamp_micros(e.recorded_at).to_be_bytes());
            str(&mut h, &e.actor.id);
            str(&mut h, &e.actor.role);
            str(&mut h, &e.actor.organisation);
            h.update(e.correlation_id.as_bytes());
            match &e.causation_id {
                None => h.update([0]),
                Some(id) => {
                    h.update([1]);
                    h.update(id.as_bytes());
                }
            }
            match &e.reason {
                None => h.update([0]),
                Some(r) => {
                    h.update([1]);
                    str(&mut h, r);
                }
            }
            str(&mut h, e.payload.as_str());
            let expected = EventHash(h.finalize().into());
            assert_eq!(hash_event(&previous, &e), expected);
        }
    }

    #[test]
    fn field_boundaries_are_unambiguous() {
        let mut a = sample();
        a.actor = Actor::new("ab", "c", "x");
        let mut b = sample();
        b.actor = Actor::new("a", "bc", "x");
        assert_ne!(hash_event(&GENESIS_HASH, &a), hash_event(&GENESIS_HASH, &b));
    }

    #[test]
    fn hex_round_trip_and_errors() {
        let h = hash_event(&GENESIS_HASH, &sample());
        assert_eq!(h.to_hex().parse::<EventHash>(), Ok(h));
        assert!("zz".parse::<EventHash>().is_err());
    }
}
