//! Hiding personal data in outputs.
//!
//! Every piece of personal data in an event payload is one data subject's details under a
//! field named `personal` (see `engage_domain::personal`), at any depth. Redaction replaces
//! each such object with `{"data_subject_id": <id>, "redacted": true}`: what the record is
//! about stays linkable, the details do not leave the server. This is the single place
//! outputs are redacted; decryption of personal data (per-subject keys) sits behind it.

use serde_json::{Map, Value};

/// The field under which payloads keep personal data.
pub const PERSONAL_FIELD: &str = "personal";
/// The field of a personal object naming its data subject.
pub const DATA_SUBJECT_FIELD: &str = "data_subject_id";

/// Replace every `personal` object in `value` (at any depth) by its data subject id and
/// `"redacted": true`. Returns how many objects were redacted.
pub fn redact_personal_data(value: &mut Value) -> usize {
    match value {
        Value::Object(map) => {
            let mut count = 0;
            for (key, child) in map.iter_mut() {
                if key == PERSONAL_FIELD && child.is_object() {
                    let subject = child.get(DATA_SUBJECT_FIELD).cloned();
                    let mut redacted = Map::new();
                    if let Some(subject) = subject {
                        redacted.insert(DATA_SUBJECT_FIELD.to_owned(), subject);
                    }
                    redacted.insert("redacted".to_owned(), Value::Bool(true));
                    *child = Value::Object(redacted);
                    count += 1;
                } else {
                    count += redact_personal_data(child);
                }
            }
            count
        }
        Value::Array(items) => items.iter_mut().map(redact_personal_data).sum(),
        _ => 0,
    }
}

/// The data subject ids of every `personal` object in `value` (at any depth), in the
/// payload's key order. A personal object without an id counts as `None`.
pub fn personal_subjects(value: &Value) -> Vec<Option<String>> {
    let mut out = Vec::new();
    collect(value, &mut out);
    out
}

fn collect(value: &Value, out: &mut Vec<Option<String>>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                if key == PERSONAL_FIELD && child.is_object() {
                    out.push(
                        child
                            .get(DATA_SUBJECT_FIELD)
                            .and_then(Value::as_str)
                            .map(str::to_owned),
                    );
                } else {
                    collect(child, out);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|i| collect(i, out)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_personal_object_is_replaced_by_its_subject() {
        let mut payload = json!({
            "complaint_id": "c1",
            "borough": "E09000007",
            "summary": "no name here",
            "personal": {"data_subject_id": "s1", "full_name": "Ada Lovelace", "email": "ada@example.org"},
            "encounters": [
                {"personal": {"data_subject_id": "s2", "custody_record_number": "01KD/1/24"}},
                {"note": "nothing personal"}
            ],
            "members": {"personal": null}
        });
        let mut subjects = personal_subjects(&payload);
        subjects.sort();
        assert_eq!(subjects, vec![Some("s1".to_owned()), Some("s2".to_owned())]);
        assert_eq!(redact_personal_data(&mut payload), 2);
        assert_eq!(
            payload["personal"],
            json!({"data_subject_id": "s1", "redacted": true})
        );
        assert_eq!(
            payload["encounters"][0]["personal"],
            json!({"data_subject_id": "s2", "redacted": true})
        );
        let text = payload.to_string();
        assert!(!text.contains("Ada") && !text.contains("01KD"), "{text}");
        assert_eq!(payload["summary"], "no name here");
        assert_eq!(payload["members"]["personal"], Value::Null);
        // Redacting again changes nothing more than the marker it left.
        assert!(personal_subjects(&payload).len() == 2);
    }
}
