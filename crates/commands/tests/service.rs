//! The command service against the real embedded store: load–decide–append, domain refusals,
//! optimistic concurrency, idempotency keys, retries under contention, upcast history.

use std::sync::Arc;

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use engage_commands::{
    CommandError, CommandService, ExecuteOptions, Loaded, correlation_id_for_key, event_id_for_key,
};
use engage_domain::board::{self, Board, BoardRole};
use engage_domain::catalogue::decode_recorded;
use engage_domain::personal::{ComplainantDetails, ContactDetails};
use engage_domain::reference::InMemoryReference;
use engage_domain::victim_complaint::{self, ComplaintCategory, ComplaintChannel, VictimComplaint};
use engage_domain::{BoroughCode, DomainError, Timestamp};
use engage_log::{
    Actor, ActualVersion, EventStore, ExpectedVersion, NewEvent, Payload, StoreError, StreamId,
};
use engage_store_sqlite::SqliteStore;
use uuid::Uuid;

const CAMDEN: &str = "E09000007";
const CAMDEN_WARD: &str = "E05013652";

struct Fixture {
    _dir: tempfile::TempDir,
    store: Arc<dyn EventStore>,
    service: CommandService,
    lookups: InMemoryReference,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().expect("tmp");
    let store: Arc<dyn EventStore> = Arc::new(SqliteStore::open_in_dir(dir.path()).expect("open"));
    Fixture {
        _dir: dir,
        service: CommandService::new(
            Arc::clone(&store),
            Arc::new(engage_privacy::MemoryKeyStore::new()),
        ),
        store,
        lookups: InMemoryReference::new().with_ward(CAMDEN_WARD, "Kentish Town South", CAMDEN),
    }
}

fn secretary() -> Actor {
    Actor::new("user-17", "secretary", "Camden Safer Neighbourhood Board")
}

fn board_stream() -> StreamId {
    board::stream_id(&BoroughCode::new(CAMDEN))
}

fn establish() -> board::Command {
    board::Command::Establish(board::EstablishBoard {
        borough: CAMDEN.into(),
        name: "Camden Safer Neighbourhood Board".into(),
        established_on: date(2015, 4, 1),
    })
}

fn appoint(n: u128) -> board::Command {
    board::Command::AppointMember(board::AppointBoardMember {
        member_id: Uuid::from_u128(n),
        role: BoardRole::Member,
        represents: None,
        term_start: date(2024, 5, 1),
        term_end: Some(date(2027, 4, 30)),
        personal: ContactDetails {
            data_subject_id: Uuid::from_u128(1_000 + n),
            full_name: format!("Member {n}"),
            email: None,
            phone: None,
        },
    })
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("date")
}

fn at(y: i32, m: u32, d: u32) -> Timestamp {
    Utc.with_ymd_and_hms(y, m, d, 10, 0, 0)
        .single()
        .expect("time")
}

async fn all_events(store: &Arc<dyn EventStore>) -> Vec<engage_log::RecordedEvent> {
    store.read_all(1, 10_000).await.expect("read")
}

#[tokio::test]
async fn records_decided_events_with_the_callers_actor_and_options() {
    let f = fixture();
    let s = board_stream();
    let first = f
        .service
        .execute::<Board>(
            &s,
            establish(),
            &secretary(),
            &f.lookups,
            ExecuteOptions::default(),
        )
        .await
        .expect("establish");
    assert_eq!(first.stream_version, Some(0));
    assert_eq!(first.events.len(), 1);
    assert!(!first.already_recorded);
    assert_eq!(first.attempts, 1);
    assert_eq!(first.event_types, vec!["BoardEstablished"]);

    let correlation = Uuid::now_v7();
    let occurred = at(2024, 5, 2);
    let second = f
        .service
        .execute::<Board>(
            &s,
            appoint(1),
            &secretary(),
            &f.lookups,
            ExecuteOptions::default()
                .expect_version(0)
                .correlation(correlation, Some(first.events[0].event_id))
                .reason("AGM vote")
                .at(occurred),
        )
        .await
        .expect("appoint");
    assert_eq!(second.stream_version, Some(1));

    let recorded = all_events(&f.store).await;
    assert_eq!(recorded.len(), 2);
    assert_eq!(recorded[0].event_type, "BoardEstablished");
    let appointed = &recorded[1];
    assert_eq!(appointed.event_type, "BoardMemberAppointed");
    assert_eq!(appointed.actor, secretary());
    assert_eq!(appointed.correlation_id, correlation);
    assert_eq!(appointed.causation_id, Some(first.events[0].event_id));
    assert_eq!(appointed.reason.as_deref(), Some("AGM vote"));
    assert_eq!(appointed.occurred_at, occurred);
    assert_eq!(appointed.event_id, second.events[0].event_id);

    let loaded = f.service.load::<Board>(&s).await.expect("load");
    assert_eq!(loaded.version, Some(1));
    assert!(loaded.state.is_established());
    assert_eq!(loaded.state.members.len(), 1);
}

#[tokio::test]
async fn a_refused_command_writes_nothing() {
    let f = fixture();
    let s = board_stream();
    let err = f
        .service
        .execute::<Board>(
            &s,
            appoint(1),
            &secretary(),
            &f.lookups,
            ExecuteOptions::default(),
        )
        .await
        .expect_err("no board yet");
    assert!(
        matches!(
            err,
            CommandError::Domain(DomainError::Unknown { kind: "board", .. })
        ),
        "{err}"
    );
    assert_eq!(err.code(), "DOMAIN");
    assert_eq!(f.store.head().await.expect("head").position, 0);

    f.service
        .execute::<Board>(
            &s,
            establish(),
            &secretary(),
            &f.lookups,
            Default::default(),
        )
        .await
        .expect("establish");
    let err = f
        .service
        .execute::<Board>(
            &s,
            establish(),
            &secretary(),
            &f.lookups,
            Default::default(),
        )
        .await
        .expect_err("twice");
    assert!(matches!(
        err,
        CommandError::Domain(DomainError::AlreadyExists { .. })
    ));
    assert_eq!(f.store.head().await.expect("head").position, 1);

    // A stream of another aggregate is refused before anything is read.
    let err = f
        .service
        .execute::<Board>(
            &StreamId::new("complaint-x"),
            establish(),
            &secretary(),
            &f.lookups,
            Default::default(),
        )
        .await
        .expect_err("wrong stream");
    assert!(
        matches!(err, CommandError::WrongStream { kind: "board", .. }),
        "{err}"
    );
}

#[tokio::test]
async fn a_stale_expected_version_is_a_typed_conflict_and_is_not_retried() {
    let f = fixture();
    let s = board_stream();
    let actor = secretary();
    let run = |cmd, options| {
        f.service
            .execute::<Board>(&s, cmd, &actor, &f.lookups, options)
    };
    run(establish(), ExecuteOptions::default().expect_new_stream())
        .await
        .expect("create");
    run(appoint(1), ExecuteOptions::default().expect_version(0))
        .await
        .expect("at 0");
    // The caller still believes the stream is at 0.
    let err = run(appoint(2), ExecuteOptions::default().expect_version(0))
        .await
        .expect_err("stale");
    match err {
        CommandError::Conflict {
            stream,
            expected,
            actual,
        } => {
            assert_eq!(stream, s);
            assert_eq!(expected, ExpectedVersion::Exact(0));
            assert_eq!(actual, ActualVersion::At(1));
        }
        other => panic!("expected a conflict, got {other}"),
    }
    let err = run(establish(), ExecuteOptions::default().expect_new_stream())
        .await
        .expect_err("exists");
    assert!(matches!(
        err,
        CommandError::Conflict {
            expected: ExpectedVersion::NoStream,
            actual: ActualVersion::At(1),
            ..
        }
    ));
    assert_eq!(f.store.head().await.expect("head").position, 2);
}

#[tokio::test]
async fn a_command_resent_with_the_same_idempotency_key_is_recorded_once() {
    let f = fixture();
    let s = board_stream();
    f.service
        .execute::<Board>(
            &s,
            establish(),
            &secretary(),
            &f.lookups,
            Default::default(),
        )
        .await
        .expect("establish");
    let key = Uuid::now_v7();
    let options = ExecuteOptions::default().idempotency_key(key);
    let first = f
        .service
        .execute::<Board>(&s, appoint(1), &secretary(), &f.lookups, options.clone())
        .await
        .expect("first");
    assert!(!first.already_recorded);
    assert_eq!(first.events[0].event_id, event_id_for_key(key, 0));
    // The retry would now be refused by the domain (member exists) — the key short-cuts it.
    let again = f
        .service
        .execute::<Board>(&s, appoint(1), &secretary(), &f.lookups, options.clone())
        .await
        .expect("retry");
    assert!(again.already_recorded);
    assert_eq!(again.events, first.events);
    assert_eq!(again.event_types, vec!["BoardMemberAppointed"]);
    assert_eq!(again.stream_version, Some(1));
    assert_eq!(f.store.head().await.expect("head").position, 2);
    let recorded = all_events(&f.store).await;
    assert_eq!(recorded[1].correlation_id, correlation_id_for_key(key));

    // Racing duplicates with one key: exactly one records, all report the same events.
    let key = Uuid::now_v7();
    let tasks: Vec<_> = (0..6)
        .map(|_| {
            let service = f.service.clone();
            let lookups = f.lookups.clone();
            let s = s.clone();
            tokio::spawn(async move {
                service
                    .execute::<Board>(
                        &s,
                        appoint(2),
                        &secretary(),
                        &lookups,
                        ExecuteOptions::default().idempotency_key(key),
                    )
                    .await
            })
        })
        .collect();
    let mut outcomes = Vec::new();
    for t in tasks {
        outcomes.push(t.await.expect("join").expect("executed"));
    }
    assert!(outcomes.iter().all(|o| o.events == outcomes[0].events));
    assert_eq!(outcomes.iter().filter(|o| !o.already_recorded).count(), 1);
    assert_eq!(f.store.head().await.expect("head").position, 3);

    // The same key on another stream is a clear error, not a silent success.
    let err = f
        .service
        .execute::<Board>(
            &board::stream_id(&BoroughCode::new("E09000012")),
            establish(),
            &secretary(),
            &f.lookups,
            ExecuteOptions::default().idempotency_key(key),
        )
        .await
        .expect_err("reused");
    assert!(
        matches!(err, CommandError::IdempotencyKeyReused { .. }),
        "{err}"
    );
}

#[tokio::test]
async fn concurrent_commands_on_one_aggregate_all_succeed_by_retrying() {
    let f = fixture();
    let s = board_stream();
    f.service
        .execute::<Board>(
            &s,
            establish(),
            &secretary(),
            &f.lookups,
            Default::default(),
        )
        .await
        .expect("establish");
    let writers = 12u128;
    let tasks: Vec<_> = (1..=writers)
        .map(|n| {
            let service = f.service.clone().with_max_attempts(32);
            let lookups = f.lookups.clone();
            let s = s.clone();
            tokio::spawn(async move {
                service
                    .execute::<Board>(&s, appoint(n), &secretary(), &lookups, Default::default())
                    .await
            })
        })
        .collect();
    let mut retried = 0;
    for t in tasks {
        let done = t.await.expect("join").expect("every writer succeeds");
        if done.attempts > 1 {
            retried += 1;
        }
    }
    let loaded = f.service.load::<Board>(&s).await.expect("load");
    assert_eq!(loaded.state.members.len(), writers as usize);
    assert_eq!(loaded.version, Some(writers as u64));
    let versions: Vec<u64> = f
        .store
        .read_stream(&s, 0, 100)
        .await
        .expect("read")
        .iter()
        .map(|e| e.stream_version)
        .collect();
    assert_eq!(versions, (0..=writers as u64).collect::<Vec<_>>());
    eprintln!("{retried} of {writers} writers had to decide again");
}

#[tokio::test]
async fn execute_on_keeps_state_between_commands_and_catches_up_with_others() {
    let f = fixture();
    let s = board_stream();
    async fn run(
        f: &Fixture,
        mine: &mut Loaded<Board>,
        cmd: board::Command,
    ) -> Result<engage_commands::Executed, CommandError> {
        f.service
            .execute_on(
                &board_stream(),
                mine,
                cmd,
                &secretary(),
                &f.lookups,
                Default::default(),
            )
            .await
    }
    // Someone else establishes the board. Our empty state would refuse an appointment, so
    // the refusal is checked again on the caught-up stream, and the command succeeds.
    f.service
        .execute::<Board>(
            &s,
            establish(),
            &secretary(),
            &f.lookups,
            Default::default(),
        )
        .await
        .expect("other writer");
    let mut mine = Loaded::<Board>::default();
    run(&f, &mut mine, appoint(3))
        .await
        .expect("decided again after catching up");
    assert_eq!(mine.version, Some(1));
    // A stale state that accepts the command is caught up when the append conflicts.
    f.service
        .execute::<Board>(&s, appoint(1), &secretary(), &f.lookups, Default::default())
        .await
        .expect("other writer");
    let err = run(&f, &mut mine, appoint(1)).await.expect_err("exists");
    assert!(matches!(
        err,
        CommandError::Domain(DomainError::AlreadyExists { .. })
    ));
    assert_eq!(mine.version, Some(2));
    let done = run(&f, &mut mine, appoint(2)).await.expect("appoint 2");
    assert_eq!(done.attempts, 1);
    assert_eq!(mine.version, Some(3));
    assert_eq!(
        mine.state,
        f.service.load::<Board>(&s).await.expect("load").state
    );
}

fn complainant() -> ComplainantDetails {
    ComplainantDetails {
        data_subject_id: Uuid::from_u128(77),
        full_name: "Jane Doe".into(),
        email: Some("jane@example.org".into()),
        phone: None,
        postal_address: None,
    }
}

#[tokio::test]
async fn v1_events_in_history_are_upcast_and_folded() {
    let f = fixture();
    let complaint_id = Uuid::from_u128(5);
    let s = victim_complaint::stream_id(complaint_id);
    let received = Utc::now() - Duration::days(20);
    // Written years ago by an older release: free-text category, no channel.
    let v1 = serde_json::json!({
        "complaint_id": complaint_id,
        "borough": CAMDEN,
        "ward": CAMDEN_WARD,
        "received_at": received,
        "category": "No call back or update after reporting a burglary",
        "summary": "No update for six weeks",
        "personal": complainant(),
    });
    f.store
        .append(
            &s,
            ExpectedVersion::NoStream,
            vec![NewEvent::new(
                "VictimComplaintRaised",
                1,
                received,
                secretary(),
                Payload::from_value(&v1).expect("payload"),
            )],
        )
        .await
        .expect("legacy append");

    let loaded = f.service.load::<VictimComplaint>(&s).await.expect("load");
    assert_eq!(
        loaded.state.category,
        Some(ComplaintCategory::Communication)
    );
    assert_eq!(loaded.state.received_at, Some(received));

    let acknowledged = received + Duration::days(3);
    f.service
        .execute::<VictimComplaint>(
            &s,
            victim_complaint::Command::Acknowledge(victim_complaint::AcknowledgeVictimComplaint {
                acknowledged_at: acknowledged,
            }),
            &secretary(),
            &f.lookups,
            Default::default(),
        )
        .await
        .expect("acknowledge on upcast history");
    let recorded = all_events(&f.store).await;
    let decoded = decode_recorded(&recorded[1]).expect("decode");
    match decoded {
        engage_domain::DomainEvent::VictimComplaint(victim_complaint::Event::Acknowledged(a)) => {
            assert_eq!(a.days_to_acknowledge, 3);
        }
        other => panic!("unexpected {other:?}"),
    }
    // The upcast event reads as v2 with the channel unknown and the original words kept.
    match decode_recorded(&recorded[0]).expect("decode v1") {
        engage_domain::DomainEvent::VictimComplaint(victim_complaint::Event::Raised(r)) => {
            assert_eq!(r.channel, ComplaintChannel::NotRecorded);
            assert_eq!(
                r.category_detail.as_deref(),
                Some("No call back or update after reporting a burglary")
            );
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[tokio::test]
async fn unreadable_or_foreign_history_is_reported_with_its_position() {
    let f = fixture();
    let s = board_stream();
    let bad = NewEvent::new(
        "BoardEstablished",
        1,
        Utc::now(),
        secretary(),
        Payload::parse(r#"{"borough": 7}"#).expect("payload"),
    );
    f.store
        .append(&s, ExpectedVersion::NoStream, vec![bad])
        .await
        .expect("append");
    let err = f
        .service
        .execute::<Board>(&s, appoint(1), &secretary(), &f.lookups, Default::default())
        .await
        .expect_err("undecodable");
    assert!(
        matches!(err, CommandError::Decode { position: 1, .. }),
        "{err}"
    );

    let other = board::stream_id(&BoroughCode::new("E09000012"));
    let raised = victim_complaint::Event::Raised(victim_complaint::VictimComplaintRaised {
        complaint_id: Uuid::from_u128(1),
        borough: CAMDEN.into(),
        ward: None,
        received_at: Utc::now(),
        category: ComplaintCategory::Communication,
        category_detail: None,
        channel: ComplaintChannel::Email,
        summary: "x".into(),
        personal: complainant(),
    });
    use engage_domain::CatalogueEvent;
    f.store
        .append(
            &other,
            ExpectedVersion::NoStream,
            vec![raised.to_new_event(secretary(), Utc::now()).expect("event")],
        )
        .await
        .expect("append");
    let err = f.service.load::<Board>(&other).await.expect_err("foreign");
    assert!(
        matches!(
            err,
            CommandError::ForeignEvent {
                position: 2,
                kind: "board",
                ..
            }
        ),
        "{err}"
    );
    assert!(!matches!(err, CommandError::Store(StoreError::Closed)));
}
