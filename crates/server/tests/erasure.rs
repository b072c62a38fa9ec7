//! `eraseDataSubject` over HTTP: personal data recorded by a mutation is sealed in the log,
//! erasure records who, why and the legal basis and destroys the key, a repeat answers the
//! first erasure, an unknown subject is `NOT_FOUND`, and new details for an erased subject
//! are refused.

mod common;

use std::sync::Arc;

use chrono::{Duration, Utc};
use common::*;
use engage_log::Actor;
use engage_privacy::{KeyStore, MemoryKeyStore};
use engage_server::ServerConfig;
use serde_json::{Value, json};
use uuid::Uuid;

fn complaint(subject: Uuid) -> Value {
    json!({
        "complaintId": Uuid::now_v7(),
        "borough": "E09000007",
        "receivedAt": (Utc::now() - Duration::days(3)).to_rfc3339(),
        "category": "COMMUNICATION",
        "channel": "EMAIL",
        "summary": "No update after a burglary report",
        "personal": { "dataSubjectId": subject, "fullName": "Philippa Wrenfield-Oakes" }
    })
}

const RAISE: &str = "mutation R($input: RaiseVictimComplaint!) { raiseVictimComplaint(input: $input) { streamId } }";
const ERASE: &str = "mutation E($input: EraseDataSubject!) { eraseDataSubject(input: $input) { dataSubjectId alreadyErased position erasedBy reason legalBasis erasedAt } }";

fn erase_input(subject: Uuid) -> Value {
    json!({ "input": {
        "dataSubjectId": subject,
        "reason": "request ER-9",
        "legalBasis": "UK GDPR Art. 17(1)(a)"
    }})
}

#[tokio::test]
async fn erase_data_subject_records_the_erasure_and_destroys_the_key() {
    let t = TestStore::new();
    let store = t.arc();
    let keys = Arc::new(MemoryKeyStore::new());
    let config = ServerConfig {
        access: engage_server::AccessConfig {
            dev_actor: Some(Actor::new("root", "administrator", "mopac")),
            ..engage_server::AccessConfig::default()
        },
        keys: Some(Arc::clone(&keys) as Arc<dyn KeyStore>),
        ..ServerConfig::default()
    };
    let app = engage_server::router(config, Arc::clone(&store));
    let subject = Uuid::now_v7();
    let r = query(&app, RAISE, json!({ "input": complaint(subject) })).await;
    assert!(r.json().get("errors").is_none(), "{}", r.text());
    let events = store.read_all(1, 100).await.expect("read");
    assert!(
        !events[0].payload.as_str().contains("Wrenfield"),
        "sealed in the log"
    );
    assert!(keys.key(subject).await.expect("key").is_some());

    let r = query(&app, ERASE, erase_input(subject)).await;
    let body = r.json();
    let erased = &body["data"]["eraseDataSubject"];
    assert_eq!(erased["alreadyErased"], false, "{}", r.text());
    assert_eq!(erased["erasedBy"], "root");
    assert_eq!(erased["legalBasis"], "UK GDPR Art. 17(1)(a)");
    let position = erased["position"].as_u64().expect("position");
    let recorded = store.read_all(position, 1).await.expect("read");
    assert_eq!(recorded[0].event_type, "DataSubjectErased");
    assert!(
        keys.key(subject).await.expect("key").is_none(),
        "key destroyed"
    );

    let again = query(&app, ERASE, erase_input(subject)).await.json();
    assert_eq!(again["data"]["eraseDataSubject"]["alreadyErased"], true);
    assert_eq!(again["data"]["eraseDataSubject"]["position"], position);

    let unknown = query(&app, ERASE, erase_input(Uuid::now_v7())).await.json();
    assert_eq!(
        unknown["errors"][0]["extensions"]["code"], "NOT_FOUND",
        "{unknown}"
    );

    let refused = query(&app, RAISE, json!({ "input": complaint(subject) }))
        .await
        .json();
    assert_eq!(
        refused["errors"][0]["extensions"]["code"], "VALIDATION",
        "{refused}"
    );
    assert_eq!(
        refused["errors"][0]["extensions"]["reason"],
        "DATA_SUBJECT_ERASED"
    );
}
