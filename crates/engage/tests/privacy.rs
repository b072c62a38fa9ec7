//! Personal data end to end, with the real binary: complaints and custody encounters with
//! distinctive names are recorded through the command path; no file of the data directory
//! (events.sqlite and its WAL, projections.sqlite, keys.sqlite) holds their plaintext;
//! `engage erase` destroys one subject's key (its bytes gone from every file), the other
//! subjects still open, the scorecard is unchanged, the erased subject's events read as the
//! placeholder and `engage verify` passes; keys are backed up and restored apart from the log.

use std::path::Path;
use std::process::{Command, Output};
use std::sync::Arc;

use chrono::{TimeZone, Utc};
use engage_commands::{CommandService, ExecuteOptions};
use engage_domain::custody_visit::{self, Check, CheckArea, Consent, CustodyVisit};
use engage_domain::personal::{ComplainantDetails, DetaineeRecord, ERASED_MARKER};
use engage_domain::reference::InMemoryReference;
use engage_domain::victim_complaint::{self, ComplaintCategory, ComplaintChannel, VictimComplaint};
use engage_domain::{BoroughCode, Timestamp};
use engage_log::{Actor, EventStore, RecordedEvent};
use engage_privacy::{KeyStore, Opened, SqliteKeyStore, open_payload};
use engage_projections::scorecard::{Sources, scorecard};
use engage_projections::{Engine, EngineConfig, ReadModels};
use engage_store_sqlite::{EVENTS_FILE, SqliteStore};
use uuid::Uuid;

const CAMDEN: &str = "E09000007";
const SUITE: &str = "HOLBORN";
/// (data subject, name or custody record number, email) of each person recorded.
const PEOPLE: [(u128, &str, &str); 4] = [
    (1, "Zebedee Quartermaine", "zebedee.q@example.org"),
    (2, "Ottoline Fairweather-Pym", "ottoline.fp@example.org"),
    (3, "01KD/7341/25", ""),
    (4, "01KD/7342/25", ""),
];

fn engage(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_engage"))
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .env_remove("ENGAGE_STORE")
        .output()
        .expect("run engage")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn t(day: u32, hour: u32) -> Timestamp {
    Utc.with_ymd_and_hms(2025, 3, day, hour, 0, 0)
        .single()
        .expect("time")
}

fn subject(n: u128) -> Uuid {
    Uuid::from_u128(0xD5_0000 + n)
}

/// The names of the files in `dir` that contain `needle`.
fn files_containing(dir: &Path, needle: &[u8]) -> Vec<String> {
    std::fs::read_dir(dir)
        .expect("dir")
        .flatten()
        .filter(|e| e.path().is_file())
        .filter(|e| {
            let bytes = std::fs::read(e.path()).expect("read");
            bytes.windows(needle.len()).any(|w| w == needle)
        })
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect()
}

async fn record_people(dir: &Path) {
    let store: Arc<dyn EventStore> = Arc::new(SqliteStore::open_in_dir(dir).expect("store"));
    let keys: Arc<dyn KeyStore> = Arc::new(SqliteKeyStore::in_dir(dir).expect("keys"));
    let service = CommandService::new(Arc::clone(&store), keys);
    let lookups = InMemoryReference::new().with_custody_suite(SUITE, "Holborn", CAMDEN);
    let actor = Actor::new("sec-1", "secretary", "Camden SNB");
    for (n, name, email) in &PEOPLE[..2] {
        let id = Uuid::from_u128(100 + n);
        service
            .execute::<VictimComplaint>(
                &victim_complaint::stream_id(id),
                victim_complaint::RaiseVictimComplaint {
                    complaint_id: id,
                    borough: CAMDEN.into(),
                    ward: None,
                    received_at: t(3, 9),
                    category: ComplaintCategory::Communication,
                    category_detail: None,
                    channel: ComplaintChannel::Email,
                    summary: "Not kept informed after reporting a burglary.".into(),
                    personal: ComplainantDetails {
                        data_subject_id: subject(*n),
                        full_name: (*name).into(),
                        email: Some((*email).into()),
                        phone: None,
                        postal_address: None,
                    },
                }
                .into(),
                &actor,
                &lookups,
                ExecuteOptions::default().at(t(3, 10)),
            )
            .await
            .expect("raise");
    }
    let visit = Uuid::from_u128(900);
    let stream = custody_visit::stream_id(visit);
    service
        .execute::<CustodyVisit>(
            &stream,
            custody_visit::LogCustodyVisit {
                visit_id: visit,
                suite: SUITE.into(),
                borough: CAMDEN.into(),
                visitors: vec![Uuid::from_u128(1)],
                arrived_at: t(4, 10),
                left_at: t(4, 12),
                access_delay_minutes: 5,
                detainees_held: 4,
            }
            .into(),
            &actor,
            &lookups,
            ExecuteOptions::default().at(t(4, 13)),
        )
        .await
        .expect("visit");
    for (n, crn, _) in &PEOPLE[2..] {
        service
            .execute::<CustodyVisit>(
                &stream,
                custody_visit::RecordCustodyVisitEncounter {
                    encounter_id: Uuid::from_u128(200 + n),
                    encountered_at: t(4, 11),
                    consent: Consent::Given,
                    checks: vec![Check {
                        area: CheckArea::Welfare,
                        satisfactory: true,
                    }],
                    observations: None,
                    personal: DetaineeRecord {
                        data_subject_id: subject(*n),
                        custody_record_number: (*crn).into(),
                    },
                }
                .into(),
                &actor,
                &lookups,
                ExecuteOptions::default().at(t(4, 13)),
            )
            .await
            .expect("encounter");
    }
}

/// Camden's scorecard for March 2025 and the custody and complaint figures, from every read
/// model caught up with the log (no keys involved).
async fn figures(dir: &Path) -> String {
    let store: Arc<dyn EventStore> =
        Arc::new(SqliteStore::open_read_only(&dir.join(EVENTS_FILE)).expect("store"));
    let head = store.head().await.expect("head").position;
    let models = ReadModels::default();
    let mut engine = Engine::new(Arc::clone(&store), EngineConfig::default());
    models.register(&mut engine, None).expect("register");
    engine.catch_up_to(head, |_| {}).await.expect("catch up");
    let complaints = models.complaints.read();
    let priorities = models.priorities.read();
    let ward_panels = models.ward_panels.read();
    let custody_visits = models.custody_visits.read();
    let stop_search = models.stop_search_reviews.read();
    let prevention_fund = models.prevention_fund.read();
    let police_complaints = models.police_complaint_cases.read();
    let performance = models.performance.read();
    let reference = models.reference.read();
    let src = Sources {
        complaints: &complaints.model,
        priorities: &priorities.model,
        custody_visits: &custody_visits.model,
        ward_panels: &ward_panels.model,
        reference: &reference.model,
        prevention_fund: &prevention_fund.model,
        stop_search: &stop_search.model,
        police_complaints: &police_complaints.model,
        performance: &performance.model,
    };
    let card = scorecard(&src, Some(&BoroughCode::new(CAMDEN)), t(1, 0), t(31, 0), 5);
    assert_eq!(card.complaints.received, 2, "{card:?}");
    format!("{card:?}")
}

async fn events_of(dir: &Path, event_type: &str) -> Vec<RecordedEvent> {
    let store = SqliteStore::open_read_only(&dir.join(EVENTS_FILE)).expect("store");
    let all = store.read_all(1, 10_000).await.expect("read");
    all.into_iter()
        .filter(|e| e.event_type == event_type)
        .collect()
}

async fn opened(dir: &Path, event: &RecordedEvent) -> (Opened, serde_json::Value) {
    let keys = SqliteKeyStore::in_dir(dir).expect("keys");
    let mut payload = event.payload.to_value().expect("json");
    let outcome = open_payload(&event.event_type, event.schema_version, &mut payload, &keys)
        .await
        .expect("open");
    (outcome, payload["personal"].clone())
}

#[tokio::test]
async fn no_plaintext_in_any_file_and_erasure_keeps_the_log_verifiable_and_the_figures() {
    let dir = tempfile::tempdir().expect("tmp");
    let dir = dir.path();
    record_people(dir).await;
    let out = engage(dir, &["rebuild"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(dir.join("projections.sqlite").exists());

    // (a) No plaintext anywhere in the data directory.
    for (_, name, email) in PEOPLE {
        for needle in [name, email].into_iter().filter(|s| !s.is_empty()) {
            assert_eq!(
                files_containing(dir, needle.as_bytes()),
                Vec::<String>::new(),
                "{needle} found in plaintext"
            );
        }
    }
    let before = figures(dir).await;
    let zebedee_key = SqliteKeyStore::in_dir(dir)
        .expect("keys")
        .key(subject(1))
        .await
        .expect("key")
        .expect("has a key");
    assert!(!files_containing(dir, zebedee_key.bytes()).is_empty());

    // (b) Erase Zebedee with the real binary.
    let id = subject(1).to_string();
    let erase = |id: &str| {
        engage(
            dir,
            &[
                "erase",
                id,
                "--reason",
                "erasure request ER-7",
                "--legal-basis",
                "UK GDPR Art. 17(1)(b)",
            ],
        )
    };
    let out = erase(&id);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("erased data subject"),
        "{}",
        text(&out.stdout)
    );
    assert_eq!(
        files_containing(dir, zebedee_key.bytes()),
        Vec::<String>::new(),
        "the destroyed key's bytes are in no file"
    );

    let raised = events_of(dir, "VictimComplaintRaised").await;
    let (outcome, personal) = opened(dir, &raised[0]).await;
    assert_eq!(
        outcome,
        Opened::Erased {
            subject: subject(1)
        }
    );
    assert_eq!(personal["full_name"], ERASED_MARKER);
    assert_eq!(personal["data_subject_id"], id);
    let (outcome, personal) = opened(dir, &raised[1]).await;
    assert_eq!(
        outcome,
        Opened::Opened {
            subject: subject(2)
        }
    );
    assert_eq!(personal["full_name"], "Ottoline Fairweather-Pym");
    let encounters = events_of(dir, "CustodyVisitDetaineeEncountered").await;
    let (_, personal) = opened(dir, &encounters[0]).await;
    assert_eq!(personal["custody_record_number"], "01KD/7341/25");

    let out = engage(dir, &["verify"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let erased = events_of(dir, "DataSubjectErased").await;
    assert_eq!(erased.len(), 1);
    assert_eq!(
        figures(dir).await,
        before,
        "every figure is the same after the erasure"
    );

    // Erasing again answers the first erasure; an unknown subject is a clear error.
    let out = erase(&id);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("already erased"),
        "{}",
        text(&out.stdout)
    );
    let out = erase(&Uuid::from_u128(42).to_string());
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("nothing to erase"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(events_of(dir, "DataSubjectErased").await.len(), 1);

    // Backups: the log and the keys are exported apart; restored together, the details
    // open again, except the erased subject's.
    let log = dir.join("log.ndjson");
    let keys = dir.join("keys.ndjson");
    let out = engage(dir, &["export", "--output", log.to_str().expect("utf8")]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = engage(
        dir,
        &["keys", "export", "--output", keys.to_str().expect("utf8")],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(files_containing(dir, b"Ottoline").is_empty());
    let restored = tempfile::tempdir().expect("tmp");
    let restored = restored.path();
    let out = engage(restored, &["import", "log", log.to_str().expect("utf8")]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let raised = events_of(restored, "VictimComplaintRaised").await;
    let (outcome, _) = opened(restored, &raised[1]).await;
    assert_eq!(
        outcome,
        Opened::Erased {
            subject: subject(2)
        },
        "a log restored without its keys reads as erased"
    );
    let out = engage(restored, &["keys", "import", keys.to_str().expect("utf8")]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let (outcome, personal) = opened(restored, &raised[1]).await;
    assert_eq!(
        outcome,
        Opened::Opened {
            subject: subject(2)
        }
    );
    assert_eq!(personal["full_name"], "Ottoline Fairweather-Pym");
    let (outcome, _) = opened(restored, &raised[0]).await;
    assert_eq!(
        outcome,
        Opened::Erased {
            subject: subject(1)
        }
    );
}
