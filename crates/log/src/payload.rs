//! Event payloads as canonical JSON text.
//!
//! A payload is always a JSON object, stored and hashed as *canonical* JSON: object keys
//! sorted by their UTF-8 bytes, no insignificant whitespace, strings and numbers written as
//! `serde_json` writes them. Canonicalisation is done here by hand rather than relying on
//! `serde_json::Value`'s map order, because another crate in a build can switch that order
//! (the `preserve_order` feature) and silently change every hash.

use std::fmt;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

/// A payload that is not acceptable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PayloadError {
    #[error("payload is not valid JSON: {0}")]
    InvalidJson(String),
    #[error("payload must be a JSON object, found {0}")]
    NotAnObject(&'static str),
}

/// A JSON object payload held as canonical JSON text.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Payload(Box<str>);

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

impl Payload {
    /// Canonicalise a JSON value; it must be an object.
    pub fn from_value(value: &Value) -> Result<Self, PayloadError> {
        if !value.is_object() {
            return Err(PayloadError::NotAnObject(kind(value)));
        }
        let mut out = String::with_capacity(128);
        write_canonical(value, &mut out);
        Ok(Self(out.into_boxed_str()))
    }

    /// Parse JSON text (any formatting) into a canonical payload.
    pub fn parse(text: &str) -> Result<Self, PayloadError> {
        let value: Value =
            serde_json::from_str(text).map_err(|e| PayloadError::InvalidJson(e.to_string()))?;
        Self::from_value(&value)
    }

    /// Serialise a typed payload (a domain event's body) canonically.
    pub fn from_serialize<T: Serialize>(body: &T) -> Result<Self, PayloadError> {
        let value =
            serde_json::to_value(body).map_err(|e| PayloadError::InvalidJson(e.to_string()))?;
        Self::from_value(&value)
    }

    /// Wrap text read back from a store that only ever stores canonical payloads.
    ///
    /// No check is made here: verification ([`crate::verify`]) hashes the stored bytes,
    /// so any change to them is caught there.
    pub fn from_stored(text: String) -> Self {
        Self(text.into_boxed_str())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn to_value(&self) -> Result<Value, PayloadError> {
        serde_json::from_str(&self.0).map_err(|e| PayloadError::InvalidJson(e.to_string()))
    }

    pub fn deserialize<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_str(&self.0)
    }
}

impl fmt::Debug for Payload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Display for Payload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for Payload {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // Embed the canonical text verbatim as a JSON value.
        let raw: &serde_json::value::RawValue =
            serde_json::from_str(&self.0).map_err(serde::ser::Error::custom)?;
        raw.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Payload {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        Payload::from_value(&value).map_err(serde::de::Error::custom)
    }
}

/// Write `value` as canonical JSON into `out`.
pub fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_unstable_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
            out.push('{');
            for (i, (k, v)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json_string(k, out);
                out.push(':');
                write_canonical(v, out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(v, out);
            }
            out.push(']');
        }
        Value::String(s) => write_json_string(s, out),
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
    }
}

fn write_json_string(s: &str, out: &mut String) {
    // serde_json's string escaping is stable and unaffected by map-order features.
    match serde_json::to_string(s) {
        Ok(text) => out.push_str(&text),
        // Serialising a &str to a String cannot fail; keep a total function anyway.
        Err(_) => out.push_str("\"\""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn canonical_form_sorts_keys_at_every_depth_and_drops_whitespace() {
        let p =
            Payload::parse(r#"{ "b": 1, "a": {"z": [1, {"y": true, "x": null}], "c": "é\n"} }"#)
                .expect("valid");
        assert_eq!(
            p.as_str(),
            r#"{"a":{"c":"é\n","z":[1,{"x":null,"y":true}]},"b":1}"#
        );
        // Idempotent: canonical text re-canonicalises to itself.
        assert_eq!(Payload::parse(p.as_str()).expect("valid"), p);
    }

    #[test]
    fn rejects_non_objects_and_invalid_json() {
        assert_eq!(
            Payload::from_value(&json!([1])),
            Err(PayloadError::NotAnObject("an array"))
        );
        assert!(matches!(
            Payload::parse("{\"a\":"),
            Err(PayloadError::InvalidJson(_))
        ));
    }

    #[test]
    fn serialises_as_embedded_json_and_round_trips() {
        let p = Payload::from_value(&json!({"amount": 1250.5, "name": "Youth project"}))
            .expect("object");
        let text = serde_json::to_string(&json!({"payload": p})).expect("serialise");
        assert_eq!(
            text,
            r#"{"payload":{"amount":1250.5,"name":"Youth project"}}"#
        );
        let back: Payload = serde_json::from_str(p.as_str()).expect("deserialise");
        assert_eq!(back, p);
    }
}
