//! Personal data (UK GDPR) held in event payloads. Each type here is one data subject's
//! details, always stored under a payload's `personal` field, carrying the subject's
//! `data_subject_id` and marked `"x-personal-data": true` in the JSON Schema — so that a
//! later change can encrypt each `personal` object with a per-subject key (and erase the key
//! to forget the subject) without touching the rest of the event or breaking the hash chain
//! of the log.
//!
//! **Sealed form.** In the log, each `personal` object is stored *sealed* by `engage-privacy`:
//! `{"data_subject_id": "…", "sealed": {"alg": …, "nonce": …, "ciphertext": …}}`. Decoding a
//! payload ([`crate::catalogue::decode`]) never needs the key: a sealed `personal` object
//! decodes as a placeholder that keeps the `data_subject_id` and reads [`SEALED_MARKER`] in
//! every required text field ([`withhold`]), so read models fold without plaintext. The
//! command layer opens the object first when a decision needs the details; an erased
//! subject's details read [`ERASED_MARKER`].

use std::sync::OnceLock;

use engage_log::Payload;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::catalogue::{DecodeError, PERSONAL_DATA_KEYWORD, all_entries};

/// The payload field that holds a data subject's details.
pub const PERSONAL_FIELD: &str = "personal";
/// The field of a personal object that names its data subject (kept in clear when sealed).
pub const DATA_SUBJECT_FIELD: &str = "data_subject_id";
/// The field of a sealed personal object that holds the ciphertext.
pub const SEALED_FIELD: &str = "sealed";
/// What every required text field of sealed personal data reads when decoded without the key.
pub const SEALED_MARKER: &str = "[personal data sealed]";
/// What every required text field of an erased data subject's details reads.
pub const ERASED_MARKER: &str = "[erased]";

/// The personal data an event type (at one schema version) carries under `personal`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonalShape {
    pub event_type: &'static str,
    pub schema_version: u32,
    /// The text fields a placeholder must fill (the required ones, bar `data_subject_id`).
    pub required_text: Vec<String>,
}

/// Every event type and version whose payload has a `personal` field, read once from the
/// catalogue's JSON Schemas (the objects marked `x-personal-data`).
pub fn personal_shapes() -> &'static [PersonalShape] {
    static SHAPES: OnceLock<Vec<PersonalShape>> = OnceLock::new();
    SHAPES.get_or_init(|| {
        all_entries()
            .into_iter()
            .filter_map(|entry| {
                let schema = entry.json_schema();
                let personal = &schema["properties"][PERSONAL_FIELD];
                let reference = personal["$ref"].as_str().or_else(|| {
                    personal["anyOf"]
                        .as_array()
                        .and_then(|any| any.iter().find_map(|s| s["$ref"].as_str()))
                })?;
                let def = &schema["$defs"][reference.strip_prefix("#/$defs/")?];
                if def[PERSONAL_DATA_KEYWORD] != Value::Bool(true) {
                    return None;
                }
                let required_text = def["required"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .filter(|f| *f != DATA_SUBJECT_FIELD)
                    .map(str::to_owned)
                    .collect();
                Some(PersonalShape {
                    event_type: entry.event_type,
                    schema_version: entry.schema_version,
                    required_text,
                })
            })
            .collect()
    })
}

/// The personal data `event_type` at `schema_version` carries, if any (cheap: a scan of a
/// handful of entries).
pub fn personal_shape(event_type: &str, schema_version: u32) -> Option<&'static PersonalShape> {
    personal_shapes()
        .iter()
        .find(|s| s.schema_version == schema_version && s.event_type == event_type)
}

/// Whether canonical payload text holds a sealed object. In canonical JSON a quote inside a
/// string is always escaped, so `"sealed":{` can only be an object key.
pub fn is_sealed_text(payload: &str) -> bool {
    payload.contains("\"sealed\":{")
}

/// The placeholder that stands for a subject's details: `data_subject_id` kept, `marker` in
/// every required text field.
pub fn placeholder(shape: &PersonalShape, data_subject_id: Value, marker: &str) -> Value {
    let mut object = Map::new();
    object.insert(DATA_SUBJECT_FIELD.to_owned(), data_subject_id);
    for field in &shape.required_text {
        object.insert(field.clone(), Value::String(marker.to_owned()));
    }
    Value::Object(object)
}

/// A payload with its sealed `personal` object replaced by the [`SEALED_MARKER`] placeholder,
/// so it decodes without the key.
pub fn withhold(shape: &PersonalShape, payload: &Payload) -> Result<Payload, DecodeError> {
    let invalid =
        |e: &dyn std::fmt::Display| DecodeError::invalid(shape.event_type, shape.schema_version, e);
    let mut value = payload.to_value().map_err(|e| invalid(&e))?;
    if let Some(personal) = value.get_mut(PERSONAL_FIELD)
        && personal.get(SEALED_FIELD).is_some()
    {
        let subject = personal
            .get(DATA_SUBJECT_FIELD)
            .cloned()
            .ok_or_else(|| invalid(&"sealed personal data without a data_subject_id"))?;
        *personal = placeholder(shape, subject, SEALED_MARKER);
    }
    Payload::from_value(&value).map_err(|e| invalid(&e))
}

/// A victim of crime who complained to the board, and how to reach them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(
    feature = "graphql",
    derive(async_graphql::InputObject),
    graphql(name = "ComplainantDetailsInput")
)]
#[schemars(extend("x-personal-data" = true))]
pub struct ComplainantDetails {
    /// The data subject these details are about (the key for encryption and erasure).
    pub data_subject_id: Uuid,
    /// The person's name as they gave it.
    pub full_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub postal_address: Option<String>,
}

/// Contact details of a board member, ward panel member or volunteer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(
    feature = "graphql",
    derive(async_graphql::InputObject),
    graphql(name = "ContactDetailsInput")
)]
#[schemars(extend("x-personal-data" = true))]
pub struct ContactDetails {
    /// The data subject these details are about (the key for encryption and erasure).
    pub data_subject_id: Uuid,
    /// The person's name as they gave it.
    pub full_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
}

/// A detainee seen on a custody visit: identified only by the custody record number,
/// never by name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(
    feature = "graphql",
    derive(async_graphql::InputObject),
    graphql(name = "DetaineeRecordInput")
)]
#[schemars(extend("x-personal-data" = true))]
pub struct DetaineeRecord {
    /// The data subject these details are about (the key for encryption and erasure).
    pub data_subject_id: Uuid,
    /// The custody record number (e.g. `01KD/1234/24`): letters, digits, `/` and `-` only.
    pub custody_record_number: String,
}

/// A custody record number is letters, digits, `/` and `-`, with at least one digit —
/// so a name cannot be recorded in its place.
pub fn is_custody_record_number(text: &str) -> bool {
    let t = text.trim();
    !t.is_empty()
        && t.len() <= 32
        && t.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '/' || c == '-')
        && t.chars().any(|c| c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_event_with_personal_data_has_a_shape() {
        let mut found: Vec<(&str, u32, Vec<String>)> = personal_shapes()
            .iter()
            .map(|s| (s.event_type, s.schema_version, s.required_text.clone()))
            .collect();
        found.sort();
        let name = || vec!["full_name".to_owned()];
        assert_eq!(
            found,
            vec![
                ("BoardMemberAppointed", 1, name()),
                (
                    "CustodyVisitDetaineeEncountered",
                    1,
                    vec!["custody_record_number".to_owned()]
                ),
                ("NeighbourhoodWatchSchemeRegistered", 1, name()),
                ("PoliceComplaintCaseNoted", 1, name()),
                ("VictimComplaintRaised", 1, name()),
                ("VictimComplaintRaised", 2, name()),
                ("WardPanelMemberJoined", 1, name()),
            ]
        );
        assert!(personal_shape("BoardEstablished", 1).is_none());
    }

    #[test]
    fn sealed_personal_data_decodes_to_a_placeholder_without_the_key() {
        let shape = personal_shape("WardPanelMemberJoined", 1).unwrap();
        let payload = Payload::parse(
            r#"{"note":"\"sealed\":{","personal":{"data_subject_id":"00000000-0000-0000-0000-000000000007","sealed":{"alg":"x","ciphertext":"AA","nonce":"AA"}}}"#,
        )
        .unwrap();
        assert!(is_sealed_text(payload.as_str()));
        let withheld = withhold(shape, &payload).unwrap().to_value().unwrap();
        assert_eq!(
            withheld["personal"],
            serde_json::json!({
                "data_subject_id": "00000000-0000-0000-0000-000000000007",
                "full_name": SEALED_MARKER,
            })
        );
        assert_eq!(withheld["note"], "\"sealed\":{", "text is left alone");
        // A quoted key inside a string is escaped, so it never looks sealed.
        let plain = Payload::parse(r#"{"note":"\"sealed\":{"}"#).unwrap();
        assert!(!is_sealed_text(plain.as_str()));
        let no_subject = Payload::parse(r#"{"personal":{"sealed":{"alg":"x"}}}"#).unwrap();
        assert!(withhold(shape, &no_subject).is_err());
    }

    #[test]
    fn custody_record_numbers_are_not_names() {
        assert!(is_custody_record_number("01KD/1234/24"));
        assert!(is_custody_record_number("TH-000123"));
        assert!(!is_custody_record_number("John Smith"));
        assert!(!is_custody_record_number("Smith"));
        assert!(!is_custody_record_number(""));
    }
}
