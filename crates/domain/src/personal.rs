//! Personal data (UK GDPR) held in event payloads. Each type here is one data subject's
//! details, always stored under a payload's `personal` field, carrying the subject's
//! `data_subject_id` and marked `"x-personal-data": true` in the JSON Schema — so that a
//! later change can encrypt each `personal` object with a per-subject key (and erase the key
//! to forget the subject) without touching the rest of the event or breaking the hash chain
//! of the log.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

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
    fn custody_record_numbers_are_not_names() {
        assert!(is_custody_record_number("01KD/1234/24"));
        assert!(is_custody_record_number("TH-000123"));
        assert!(!is_custody_record_number("John Smith"));
        assert!(!is_custody_record_number("Smith"));
        assert!(!is_custody_record_number(""));
    }
}
