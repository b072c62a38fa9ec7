//! Sealing and opening personal data: deterministic per event, authenticated, bound to its
//! data subject; erased subjects read as placeholders; redaction.

use engage_domain::personal::{ERASED_MARKER, SEALED_MARKER};
use engage_log::{Actor, NewEvent, Payload};
use engage_privacy::{
    KeyStore, MemoryKeyStore, Opened, PrivacyError, REDACTED_MARKER, open_payload, open_stored,
    redact_payload, seal_new_event,
};
use serde_json::{Value, json};
use uuid::Uuid;

const SUBJECT: &str = "0193aaaa-0000-7000-8000-000000000001";

fn member_joined(name: &str) -> NewEvent {
    NewEvent::new(
        "WardPanelMemberJoined",
        1,
        chrono::Utc::now(),
        Actor::new("u", "secretary", "Camden SNB"),
        Payload::from_value(&json!({
            "ward": "E05000128",
            "member_id": "0193aaaa-0000-7000-8000-0000000000ff",
            "role": "resident",
            "joined_on": "2025-01-02",
            "personal": {
                "data_subject_id": SUBJECT,
                "full_name": name,
                "email": "zebedee@example.org",
                "phone": null
            }
        }))
        .unwrap(),
    )
}

fn subject() -> Uuid {
    Uuid::parse_str(SUBJECT).unwrap()
}

#[tokio::test]
async fn sealed_payloads_hold_no_plaintext_and_open_to_the_original() {
    let keys = MemoryKeyStore::new();
    let mut event = member_joined("Zebedee Quartermaine");
    let original = event.payload.to_value().unwrap();
    seal_new_event(&mut event, &keys).await.unwrap();
    let text = event.payload.as_str();
    assert!(!text.contains("Zebedee"), "{text}");
    assert!(!text.contains("example.org"), "{text}");
    let sealed = event.payload.to_value().unwrap();
    assert_eq!(sealed["personal"]["data_subject_id"], SUBJECT);
    assert_eq!(
        sealed["personal"]["sealed"]["alg"],
        engage_privacy::ALGORITHM
    );
    assert_eq!(sealed["ward"], "E05000128", "the rest stays in clear");

    let mut opened = sealed.clone();
    let outcome = open_payload("WardPanelMemberJoined", 1, &mut opened, &keys)
        .await
        .unwrap();
    assert_eq!(outcome, Opened::Opened { subject: subject() });
    assert_eq!(opened, original);

    // Sealing again is a no-op; types without personal data are left alone.
    let before = event.payload.clone();
    seal_new_event(&mut event, &keys).await.unwrap();
    assert_eq!(event.payload, before);
}

#[tokio::test]
async fn the_same_event_seals_to_the_same_bytes_and_another_event_differently() {
    let keys = MemoryKeyStore::new();
    let id = Uuid::now_v7();
    let mut a = member_joined("Zebedee Quartermaine").with_event_id(id);
    let mut b = member_joined("Zebedee Quartermaine").with_event_id(id);
    seal_new_event(&mut a, &keys).await.unwrap();
    seal_new_event(&mut b, &keys).await.unwrap();
    assert_eq!(a.payload, b.payload, "a retried command seals identically");

    let mut c = member_joined("Zebedee Quartermaine").with_event_id(Uuid::now_v7());
    seal_new_event(&mut c, &keys).await.unwrap();
    let nonce = |e: &NewEvent| e.payload.to_value().unwrap()["personal"]["sealed"]["nonce"].clone();
    assert_ne!(nonce(&a), nonce(&c), "another event gets another nonce");
    let mut d = member_joined("Zebedee Q.").with_event_id(id);
    seal_new_event(&mut d, &keys).await.unwrap();
    assert_ne!(nonce(&a), nonce(&d), "other details get another nonce");
}

#[tokio::test]
async fn tampering_or_moving_sealed_data_to_another_subject_is_detected() {
    let keys = MemoryKeyStore::new();
    let mut event = member_joined("Zebedee Quartermaine");
    seal_new_event(&mut event, &keys).await.unwrap();
    let sealed = event.payload.to_value().unwrap();

    let mut flipped = sealed.clone();
    let ct = flipped["personal"]["sealed"]["ciphertext"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut bytes = ct.into_bytes();
    bytes[4] = if bytes[4] == b'A' { b'B' } else { b'A' };
    flipped["personal"]["sealed"]["ciphertext"] = Value::String(String::from_utf8(bytes).unwrap());
    let err = open_payload("WardPanelMemberJoined", 1, &mut flipped, &keys)
        .await
        .unwrap_err();
    assert!(matches!(err, PrivacyError::Tampered { .. }), "{err}");

    // Another subject with a key of their own cannot claim the ciphertext.
    let other = Uuid::now_v7();
    keys.key_for_sealing(other).await.unwrap();
    let mut moved = sealed.clone();
    moved["personal"]["data_subject_id"] = Value::String(other.to_string());
    let err = open_payload("WardPanelMemberJoined", 1, &mut moved, &keys)
        .await
        .unwrap_err();
    assert!(matches!(err, PrivacyError::Tampered { .. }), "{err}");
}

#[tokio::test]
async fn an_erased_subject_reads_as_a_placeholder_and_cannot_be_given_new_details() {
    let keys = MemoryKeyStore::new();
    let mut event = member_joined("Zebedee Quartermaine");
    seal_new_event(&mut event, &keys).await.unwrap();
    keys.destroy_key(subject(), chrono::Utc::now())
        .await
        .unwrap();

    let mut value = event.payload.to_value().unwrap();
    let outcome = open_payload("WardPanelMemberJoined", 1, &mut value, &keys)
        .await
        .unwrap();
    assert_eq!(outcome, Opened::Erased { subject: subject() });
    assert_eq!(
        value["personal"],
        json!({"data_subject_id": SUBJECT, "full_name": ERASED_MARKER})
    );
    // The domain decodes the opened payload: aggregates still fold.
    let opened = open_stored("WardPanelMemberJoined", 1, &event.payload, &keys)
        .await
        .unwrap()
        .expect("sealed");
    engage_domain::decode("WardPanelMemberJoined", 1, &opened).expect("decodes");

    let err = seal_new_event(&mut member_joined("Zebedee again"), &keys)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "DATA_SUBJECT_ERASED", "{err}");
}

#[tokio::test]
async fn read_models_decode_sealed_payloads_without_keys() {
    let keys = MemoryKeyStore::new();
    let mut event = member_joined("Zebedee Quartermaine");
    seal_new_event(&mut event, &keys).await.unwrap();
    let decoded = engage_domain::catalogue::decode_new(&event).expect("decodes without a key");
    let text = format!("{decoded:?}");
    assert!(text.contains(SEALED_MARKER), "{text}");
    assert!(!text.contains("Zebedee"), "{text}");
}

#[test]
fn redaction_keeps_the_subject_and_hides_the_details() {
    let mut value = member_joined("Zebedee Quartermaine")
        .payload
        .to_value()
        .unwrap();
    assert!(redact_payload("WardPanelMemberJoined", 1, &mut value));
    assert_eq!(
        value["personal"],
        json!({"data_subject_id": SUBJECT, "full_name": REDACTED_MARKER})
    );
    let mut other = json!({"borough": "E09000007"});
    assert!(!redact_payload("BoardEstablished", 1, &mut other));
}
