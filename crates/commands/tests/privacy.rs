//! Personal data through the command service, on the real embedded store and key store:
//! sealed before it is appended, opened for decisions, idempotent retries of sealed commands,
//! erasure (answers, key destruction, commands still working) and interrupted erasures.

use std::path::Path;
use std::sync::Arc;

use chrono::{TimeZone, Utc};
use engage_commands::{
    CommandError, CommandService, ExecuteOptions, correlation_id_for_key, event_id_for_key,
};
use engage_domain::custody_visit::{self, Check, CheckArea, Consent, CustodyVisit};
use engage_domain::data_subject::{self, DataSubject, EraseDataSubject};
use engage_domain::personal::{ComplainantDetails, DetaineeRecord};
use engage_domain::reference::InMemoryReference;
use engage_domain::victim_complaint::{self, ComplaintCategory, ComplaintChannel, VictimComplaint};
use engage_domain::{Aggregate, CatalogueEvent, DomainError, Timestamp};
use engage_log::{Actor, EventStore, ExpectedVersion};
use engage_privacy::{KeyStore, SqliteKeyStore, SubjectStatus};
use engage_store_sqlite::SqliteStore;
use uuid::Uuid;

const CAMDEN: &str = "E09000007";
const SUITE: &str = "HOLBORN";
const NAME: &str = "Zebedee Quartermaine";
const CRN: &str = "01KD/9876/25";

struct Fixture {
    dir: tempfile::TempDir,
    store: Arc<dyn EventStore>,
    keys: Arc<SqliteKeyStore>,
    service: CommandService,
    lookups: InMemoryReference,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().expect("tmp");
    let store: Arc<dyn EventStore> = Arc::new(SqliteStore::open_in_dir(dir.path()).expect("open"));
    let keys = Arc::new(SqliteKeyStore::in_dir(dir.path()).expect("keys"));
    Fixture {
        service: CommandService::new(Arc::clone(&store), Arc::clone(&keys) as Arc<dyn KeyStore>),
        dir,
        store,
        keys,
        lookups: InMemoryReference::new().with_custody_suite(SUITE, "Holborn", CAMDEN),
    }
}

fn visitor() -> Actor {
    Actor::new("icv-3", "custody_visitor", "Camden ICV panel")
}

fn t(day: u32, hour: u32) -> Timestamp {
    Utc.with_ymd_and_hms(2025, 3, day, hour, 0, 0)
        .single()
        .expect("time")
}

fn subject(n: u128) -> Uuid {
    Uuid::from_u128(0x5000 + n)
}

fn raise(complaint: u128, who: u128, name: &str) -> victim_complaint::Command {
    victim_complaint::RaiseVictimComplaint {
        complaint_id: Uuid::from_u128(complaint),
        borough: CAMDEN.into(),
        ward: None,
        received_at: t(3, 9),
        category: ComplaintCategory::Communication,
        category_detail: None,
        channel: ComplaintChannel::Email,
        summary: "Was not kept informed after reporting a burglary.".into(),
        personal: ComplainantDetails {
            data_subject_id: subject(who),
            full_name: name.into(),
            email: Some("zq@example.org".into()),
            phone: None,
            postal_address: Some("1 Quartermaine Mews, NW5".into()),
        },
    }
    .into()
}

fn encounter(n: u128, who: u128, crn: &str) -> custody_visit::Command {
    custody_visit::RecordCustodyVisitEncounter {
        encounter_id: Uuid::from_u128(n),
        encountered_at: t(4, 11),
        consent: Consent::Given,
        checks: vec![Check {
            area: CheckArea::Rights,
            satisfactory: true,
        }],
        observations: None,
        personal: DetaineeRecord {
            data_subject_id: subject(who),
            custody_record_number: crn.into(),
        },
    }
    .into()
}

async fn log_visit(f: &Fixture) -> engage_log::StreamId {
    let visit = Uuid::from_u128(900);
    let stream = custody_visit::stream_id(visit);
    f.service
        .execute::<CustodyVisit>(
            &stream,
            custody_visit::LogCustodyVisit {
                visit_id: visit,
                suite: SUITE.into(),
                borough: CAMDEN.into(),
                visitors: vec![Uuid::from_u128(1)],
                arrived_at: t(4, 10),
                left_at: t(4, 12),
                access_delay_minutes: 0,
                detainees_held: 3,
            }
            .into(),
            &visitor(),
            &f.lookups,
            ExecuteOptions::default().at(t(4, 13)),
        )
        .await
        .expect("log visit");
    stream
}

fn file_bytes(dir: &Path) -> Vec<(String, Vec<u8>)> {
    std::fs::read_dir(dir)
        .expect("dir")
        .flatten()
        .filter(|e| e.path().is_file())
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).expect("read"),
            )
        })
        .collect()
}

fn found_in(dir: &Path, needle: &[u8]) -> Vec<String> {
    file_bytes(dir)
        .into_iter()
        .filter(|(_, bytes)| bytes.windows(needle.len()).any(|w| w == needle))
        .map(|(name, _)| name)
        .collect()
}

#[tokio::test]
async fn personal_data_is_sealed_in_the_log_and_opened_for_decisions() {
    let f = fixture();
    let complaint = victim_complaint::stream_id(Uuid::from_u128(10));
    f.service
        .execute::<VictimComplaint>(
            &complaint,
            raise(10, 1, NAME),
            &visitor(),
            &f.lookups,
            ExecuteOptions::default().at(t(3, 10)),
        )
        .await
        .expect("raise");
    let visit = log_visit(&f).await;
    f.service
        .execute::<CustodyVisit>(
            &visit,
            encounter(20, 2, CRN),
            &visitor(),
            &f.lookups,
            ExecuteOptions::default().at(t(4, 13)),
        )
        .await
        .expect("encounter");

    for needle in [NAME, "zq@example.org", "Quartermaine Mews", CRN] {
        assert!(
            found_in(f.dir.path(), needle.as_bytes()).is_empty(),
            "{needle} is in {:?}",
            found_in(f.dir.path(), needle.as_bytes())
        );
    }
    let stored = f.store.read_stream(&complaint, 0, 10).await.expect("read");
    let payload = stored[0].payload.to_value().expect("json");
    assert_eq!(
        payload["personal"]["data_subject_id"],
        subject(1).to_string()
    );
    assert!(payload["personal"]["sealed"]["ciphertext"].is_string());

    // The duplicate custody record check needs the plaintext: loading opens it.
    let err = f
        .service
        .execute::<CustodyVisit>(
            &visit,
            encounter(21, 3, CRN),
            &visitor(),
            &f.lookups,
            ExecuteOptions::default().at(t(4, 13)),
        )
        .await
        .expect_err("the same custody record twice");
    assert!(
        matches!(err, CommandError::Domain(DomainError::AlreadyExists { .. })),
        "{err}"
    );
}

#[tokio::test]
async fn a_retried_sealed_command_seals_to_the_same_bytes_and_returns_the_original_positions() {
    let f = fixture();
    let stream = victim_complaint::stream_id(Uuid::from_u128(11));
    let key = Uuid::now_v7();
    let options = || ExecuteOptions::default().idempotency_key(key).at(t(3, 10));

    // What the service appends for the command, made twice as two processes would.
    let decided = VictimComplaint::decide(
        &Default::default(),
        raise(11, 4, NAME),
        &engage_domain::DecisionContext::new(t(3, 10), &f.lookups),
    )
    .expect("decide");
    let mut attempts = Vec::new();
    for _ in 0..2 {
        let mut new = decided[0]
            .to_new_event(visitor(), t(3, 10))
            .expect("new event")
            .with_correlation(correlation_id_for_key(key), None)
            .with_event_id(event_id_for_key(key, 0));
        engage_privacy::seal_new_event(&mut new, &*f.keys)
            .await
            .expect("seal");
        attempts.push(new);
    }
    assert_eq!(attempts[0].payload, attempts[1].payload);
    let first = f
        .store
        .append(
            &stream,
            ExpectedVersion::NoStream,
            vec![attempts[0].clone()],
        )
        .await
        .expect("first append");
    let retry = f
        .store
        .append(
            &stream,
            ExpectedVersion::NoStream,
            vec![attempts[1].clone()],
        )
        .await
        .expect("a retry is not a conflict");
    assert!(retry.already_recorded);
    assert_eq!(retry.events, first.events);

    // Through the service: the same key again returns the same positions.
    let again = f
        .service
        .execute::<VictimComplaint>(
            &stream,
            raise(11, 4, NAME),
            &visitor(),
            &f.lookups,
            options(),
        )
        .await
        .expect("retry");
    assert!(again.already_recorded);
    assert_eq!(again.events, first.events);
    assert_eq!(f.store.head().await.expect("head").position, 1);
}

#[tokio::test]
async fn erasure_records_why_destroys_the_key_and_commands_still_work() {
    let f = fixture();
    let visit = log_visit(&f).await;
    f.service
        .execute::<CustodyVisit>(
            &visit,
            encounter(20, 2, CRN),
            &visitor(),
            &f.lookups,
            ExecuteOptions::default().at(t(4, 13)),
        )
        .await
        .expect("encounter");
    let complaint = victim_complaint::stream_id(Uuid::from_u128(12));
    f.service
        .execute::<VictimComplaint>(
            &complaint,
            raise(12, 5, NAME),
            &visitor(),
            &f.lookups,
            ExecuteOptions::default().at(t(3, 10)),
        )
        .await
        .expect("raise");
    let key_bytes = f
        .keys
        .key(subject(2))
        .await
        .expect("key")
        .expect("has a key");

    let admin = Actor::new("admin-1", "administrator", "MOPAC");
    let erase = |who: u128| EraseDataSubject {
        data_subject_id: subject(who),
        reason: "erasure request ER-2025-14".into(),
        legal_basis: "UK GDPR Art. 17(1)(a)".into(),
    };
    let erased = f
        .service
        .erase_data_subject(erase(2), &admin, ExecuteOptions::default())
        .await
        .expect("erase");
    assert!(!erased.already_erased);
    let position = erased.position.expect("recorded");
    let recorded = f.store.read_all(position, 1).await.expect("read");
    assert_eq!(recorded[0].event_type, "DataSubjectErased");
    assert_eq!(recorded[0].actor, admin);
    let body = recorded[0].payload.to_value().expect("json");
    assert_eq!(body["legal_basis"], "UK GDPR Art. 17(1)(a)");
    assert_eq!(body["reason"], "erasure request ER-2025-14");

    assert!(f.keys.key(subject(2)).await.expect("key").is_none());
    assert!(matches!(
        f.keys.status(subject(2)).await.expect("status"),
        SubjectStatus::Erased { .. }
    ));
    assert!(
        found_in(f.dir.path(), key_bytes.bytes()).is_empty(),
        "the destroyed key's bytes are in no file"
    );
    assert!(
        f.keys.key(subject(5)).await.expect("key").is_some(),
        "others keep theirs"
    );

    // Erasing again answers the first erasure; an unknown subject is an error.
    let again = f
        .service
        .erase_data_subject(erase(2), &admin, ExecuteOptions::default())
        .await
        .expect("again");
    assert!(again.already_erased);
    assert_eq!(again.position, Some(position));
    let unknown = f
        .service
        .erase_data_subject(erase(99), &admin, ExecuteOptions::default())
        .await
        .expect_err("unknown");
    assert!(matches!(unknown, CommandError::UnknownDataSubject(s) if s == subject(99)));
    assert_eq!(unknown.code(), "UNKNOWN_DATA_SUBJECT");

    // The visit still folds (the erased detainee is a placeholder) and takes commands.
    let loaded = f.service.load::<CustodyVisit>(&visit).await.expect("load");
    assert_eq!(loaded.state.detainees_seen(), 1);
    f.service
        .execute::<CustodyVisit>(
            &visit,
            encounter(22, 6, "01KD/1111/25"),
            &visitor(),
            &f.lookups,
            ExecuteOptions::default().at(t(4, 13)),
        )
        .await
        .expect("a new encounter on the visit");

    // An erased subject cannot be given new details.
    let err = f
        .service
        .execute::<CustodyVisit>(
            &visit,
            encounter(23, 2, "01KD/2222/25"),
            &visitor(),
            &f.lookups,
            ExecuteOptions::default().at(t(4, 13)),
        )
        .await
        .expect_err("erased subject");
    assert_eq!(err.code(), "DATA_SUBJECT_ERASED", "{err}");
}

#[tokio::test]
async fn an_erasure_interrupted_before_its_key_was_destroyed_is_completed_on_start() {
    let f = fixture();
    let complaint = |n: u128| victim_complaint::stream_id(Uuid::from_u128(n));
    for (n, who) in [(13, 7), (14, 8)] {
        f.service
            .execute::<VictimComplaint>(
                &complaint(n),
                raise(n, who, NAME),
                &visitor(),
                &f.lookups,
                ExecuteOptions::default().at(t(3, 10)),
            )
            .await
            .expect("raise");
    }
    // Subject 7: the erasure was recorded, then the process stopped.
    f.keys.begin_erasure(subject(7)).await.expect("begin");
    f.service
        .execute::<DataSubject>(
            &data_subject::stream_id(subject(7)),
            EraseDataSubject {
                data_subject_id: subject(7),
                reason: "request".into(),
                legal_basis: "Art. 17".into(),
            }
            .into(),
            &visitor(),
            &f.lookups,
            ExecuteOptions::default(),
        )
        .await
        .expect("recorded");
    // Subject 8: the process stopped before the erasure was recorded.
    f.keys.begin_erasure(subject(8)).await.expect("begin");
    assert!(f.keys.key(subject(7)).await.expect("key").is_some());

    let restarted = CommandService::new(
        Arc::clone(&f.store),
        Arc::new(SqliteKeyStore::in_dir(f.dir.path()).expect("keys")),
    );
    let completed = restarted
        .complete_pending_erasures()
        .await
        .expect("complete");
    assert_eq!(completed, vec![subject(7)]);
    assert!(f.keys.key(subject(7)).await.expect("key").is_none());
    assert!(
        f.keys.key(subject(8)).await.expect("key").is_some(),
        "not recorded: not erased"
    );
    assert!(f.keys.pending_erasures().await.expect("pending").is_empty());
}
