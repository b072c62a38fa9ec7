//! The projection engine against a real store: live models equal a full replay under
//! concurrent appends, snapshots restore (and are refused when they belong to another log),
//! gaps are refused, rebuilds resume, and as-of replays show late corrections.

use std::sync::Arc;
use std::time::Duration;

use chrono::{TimeZone, Utc};
use engage_domain::personal::ComplainantDetails;
use engage_domain::victim_complaint::{
    self, ComplaintCategory, ComplaintChannel, ComplaintOutcome, Event,
    VictimComplaintAcknowledged, VictimComplaintRaised, VictimComplaintResolved,
};
use engage_domain::{BoroughCode, CatalogueEvent, Timestamp};
use engage_log::{Actor, EventStore, ExpectedVersion};
use engage_projections::models::{AuditFilter, ComplaintStatus, Complaints};
use engage_projections::{
    AsOf, Engine, EngineConfig, ProjectedEvent, Projection, ReadModels, RecordedBound,
    SnapshotStore, asof,
};
use engage_store_sqlite::{Durability, SqliteOptions, SqliteStore};
use uuid::Uuid;

fn store_in(dir: &std::path::Path) -> Arc<dyn EventStore> {
    Arc::new(
        SqliteStore::open_with(
            &dir.join("events.sqlite"),
            SqliteOptions {
                durability: Durability::Normal,
                ..SqliteOptions::default()
            },
        )
        .unwrap(),
    )
}

fn day(d: u32) -> Timestamp {
    Utc.with_ymd_and_hms(2026, 3, d, 10, 0, 0).unwrap()
}

fn raised(id: Uuid, borough: &str, received: Timestamp) -> Event {
    Event::Raised(VictimComplaintRaised {
        complaint_id: id,
        borough: BoroughCode::new(borough),
        ward: None,
        received_at: received,
        category: ComplaintCategory::Communication,
        category_detail: None,
        channel: ComplaintChannel::Email,
        summary: "No update for six weeks".into(),
        personal: ComplainantDetails {
            data_subject_id: Uuid::now_v7(),
            full_name: "A Person".into(),
            email: None,
            phone: None,
            postal_address: None,
        },
    })
}

fn acknowledged(id: Uuid, at: Timestamp) -> Event {
    Event::Acknowledged(VictimComplaintAcknowledged {
        complaint_id: id,
        acknowledged_at: at,
        days_to_acknowledge: 1,
    })
}

fn resolved(id: Uuid, at: Timestamp) -> Event {
    Event::Resolved(VictimComplaintResolved {
        complaint_id: id,
        resolved_at: at,
        outcome: ComplaintOutcome::Upheld,
        outcome_summary: "Apology and a named contact".into(),
        days_to_resolve: 9,
    })
}

async fn record(
    store: &dyn EventStore,
    actor: &str,
    id: Uuid,
    events: &[(Event, Timestamp)],
) -> u64 {
    let new = events
        .iter()
        .map(|(e, at)| {
            e.to_new_event(Actor::new(actor, "board_member", "snb-E09000007"), *at)
                .unwrap()
        })
        .collect();
    store
        .append(&victim_complaint::stream_id(id), ExpectedVersion::Any, new)
        .await
        .unwrap()
        .last_position()
}

/// Compare two sets of models: every model's state and checkpoint.
fn assert_same(a: &ReadModels, b: &ReadModels, what: &str) {
    let differing = a.differences(b);
    assert!(
        differing.is_empty(),
        "{what}: these read models differ: {differing:?} (checkpoints {:?} vs {:?})",
        a.checkpoints(),
        b.checkpoints()
    );
}

async fn full_replay(store: &Arc<dyn EventStore>) -> ReadModels {
    let models = ReadModels::new();
    let mut engine = Engine::new(Arc::clone(store), EngineConfig::default());
    models.register(&mut engine, None).unwrap();
    let head = store.head().await.unwrap().position;
    engine.catch_up_to(head, |_| {}).await.unwrap();
    models
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn live_models_equal_a_full_replay_under_concurrent_appends() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_in(dir.path());
    // Some history before the engine starts, so it catches up and then goes live.
    for _ in 0..20 {
        let id = Uuid::now_v7();
        record(
            store.as_ref(),
            "early",
            id,
            &[(raised(id, "E09000007", day(1)), day(1))],
        )
        .await;
    }
    let models = ReadModels::new();
    let mut engine = Engine::new(
        Arc::clone(&store),
        EngineConfig {
            batch: 64,
            ..EngineConfig::default()
        },
    );
    models.register(&mut engine, None).unwrap();
    let engine = Arc::new(engine);
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let runner = tokio::spawn(Arc::clone(&engine).run(async move {
        let _ = stop_rx.await;
    }));

    let mut writers = Vec::new();
    for w in 0..16 {
        let store = Arc::clone(&store);
        writers.push(tokio::spawn(async move {
            for i in 0..40 {
                let id = Uuid::now_v7();
                let actor = format!("writer-{w}");
                record(
                    store.as_ref(),
                    &actor,
                    id,
                    &[(raised(id, "E09000001", day(2)), day(2))],
                )
                .await;
                if i % 2 == 0 {
                    record(
                        store.as_ref(),
                        &actor,
                        id,
                        &[(acknowledged(id, day(3)), day(3))],
                    )
                    .await;
                }
                if i % 4 == 0 {
                    // A two-event batch: applied together or not at all.
                    record(
                        store.as_ref(),
                        &actor,
                        id,
                        &[
                            (resolved(id, day(9)), day(9)),
                            (resolved(id, day(10)), day(10)),
                        ],
                    )
                    .await;
                }
            }
        }));
    }
    for w in writers {
        w.await.unwrap();
    }
    let head = store.head().await.unwrap().position;
    assert_eq!(head, 20 + 16 * (40 + 20 + 20));
    tokio::time::timeout(Duration::from_secs(30), engine.wait_for(head))
        .await
        .expect("the engine reaches the head");

    let status = engine.status().borrow().clone();
    assert_eq!(status.applied, head);
    assert!(status.ready());
    assert_eq!(models.audit.checkpoint(), head);
    assert_eq!(models.complaints.checkpoint(), head);

    let replayed = full_replay(&store).await;
    assert_same(&models, &replayed, "live vs full replay");
    {
        let audit = models.audit.read();
        let all = audit.model.find(&AuditFilter::default());
        assert_eq!(
            all,
            (1..=head).collect::<Vec<_>>(),
            "every position exactly once"
        );
        let by_writer = audit.model.find(&AuditFilter {
            actor: Some("writer-3".into()),
            ..AuditFilter::default()
        });
        assert_eq!(by_writer.len(), 40 + 20 + 20);
    }
    assert_eq!(models.complaints.read().model.by_id.len(), 20 + 16 * 40);

    stop_tx.send(()).unwrap();
    runner.await.unwrap();
}

#[tokio::test]
async fn snapshots_restore_then_catch_up_and_are_refused_for_another_log() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_in(dir.path());
    let snapshots_path = dir.path().join("projections.sqlite");
    for _ in 0..30 {
        let id = Uuid::now_v7();
        record(
            store.as_ref(),
            "a",
            id,
            &[(raised(id, "E09000007", day(1)), day(1))],
        )
        .await;
    }
    {
        let snapshots = Arc::new(SnapshotStore::open(&snapshots_path).unwrap());
        // A second process cannot take the same snapshots.
        assert!(matches!(
            SnapshotStore::open(&snapshots_path),
            Err(engage_projections::ProjectionError::SnapshotsLocked { .. })
        ));
        let models = ReadModels::new();
        let mut engine = Engine::new(Arc::clone(&store), EngineConfig::default())
            .with_snapshots(Arc::clone(&snapshots));
        models.register(&mut engine, None).unwrap();
        let engine = Arc::new(engine);
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let run = tokio::spawn(Arc::clone(&engine).run(async move {
            let _ = rx.await;
        }));
        assert!(engine.wait_for(30).await);
        tx.send(()).unwrap();
        run.await.unwrap(); // stores snapshots on the way out
        let info = snapshots.list().unwrap();
        assert_eq!(info.len(), ReadModels::NAMES.len());
        assert!(info.iter().all(|i| i.checkpoint == 30 && !i.rebuilding));
    }
    for _ in 0..10 {
        let id = Uuid::now_v7();
        record(
            store.as_ref(),
            "b",
            id,
            &[(raised(id, "E09000007", day(2)), day(2))],
        )
        .await;
    }
    {
        let snapshots = Arc::new(SnapshotStore::open(&snapshots_path).unwrap());
        let models = ReadModels::new();
        let mut engine =
            Engine::new(Arc::clone(&store), EngineConfig::default()).with_snapshots(snapshots);
        models.register(&mut engine, None).unwrap();
        let restored = engine.restore().await.unwrap();
        assert_eq!(restored, ReadModels::NAMES.to_vec());
        assert_eq!(models.audit.checkpoint(), 30);
        engine.catch_up_to(40, |_| {}).await.unwrap();
        assert_same(
            &models,
            &full_replay(&store).await,
            "restored vs full replay",
        );
    }
    // The same snapshots against a different log of the same length: not trusted.
    let other_dir = tempfile::tempdir().unwrap();
    let other = store_in(other_dir.path());
    for _ in 0..40 {
        let id = Uuid::now_v7();
        record(
            other.as_ref(),
            "c",
            id,
            &[(raised(id, "E09000001", day(3)), day(3))],
        )
        .await;
    }
    let snapshots = Arc::new(SnapshotStore::open(&snapshots_path).unwrap());
    let models = ReadModels::new();
    let mut engine =
        Engine::new(Arc::clone(&other), EngineConfig::default()).with_snapshots(snapshots);
    models.register(&mut engine, None).unwrap();
    assert!(engine.restore().await.unwrap().is_empty());
    assert_eq!(models.audit.checkpoint(), 0);
    engine.catch_up_to(40, |_| {}).await.unwrap();
    assert_same(
        &models,
        &full_replay(&other).await,
        "restored vs full replay",
    );
}

#[tokio::test]
async fn a_model_refuses_to_skip_a_position() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_in(dir.path());
    for _ in 0..3 {
        let id = Uuid::now_v7();
        record(
            store.as_ref(),
            "a",
            id,
            &[(raised(id, "E09000007", day(1)), day(1))],
        )
        .await;
    }
    let events: Vec<ProjectedEvent> = store
        .read_all(1, 3)
        .await
        .unwrap()
        .into_iter()
        .map(|e| ProjectedEvent::decode(e).unwrap())
        .collect();
    let complaints = Projection::<Complaints>::new();
    assert_eq!(complaints.apply_batch(&events[..1]).unwrap(), 1);
    let err = complaints.apply_batch(&events[2..]).unwrap_err();
    assert!(matches!(
        err,
        engage_projections::ProjectionError::Gap {
            checkpoint: 1,
            offered: 3,
            ..
        }
    ));
    assert_eq!(complaints.checkpoint(), 1, "nothing applied past the gap");
    // Re-offering what is already applied changes nothing (no double application).
    assert_eq!(complaints.apply_batch(&events).unwrap(), 2);
    assert_eq!(complaints.apply_batch(&events).unwrap(), 0);
    assert_eq!(complaints.read().model.by_id.len(), 3);
}

#[tokio::test]
async fn an_interrupted_rebuild_resumes_and_a_fresh_one_starts_over() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_in(dir.path());
    for _ in 0..200 {
        let id = Uuid::now_v7();
        record(
            store.as_ref(),
            "a",
            id,
            &[(raised(id, "E09000007", day(1)), day(1))],
        )
        .await;
    }
    let snapshots_path = dir.path().join("projections.sqlite");
    {
        // What an interrupted rebuild leaves behind: progress stored as "rebuilding".
        let snapshots = Arc::new(SnapshotStore::open(&snapshots_path).unwrap());
        let models = ReadModels::new();
        let mut engine =
            Engine::new(Arc::clone(&store), EngineConfig::default()).with_snapshots(snapshots);
        models.register(&mut engine, None).unwrap();
        engine.catch_up_to(120, |_| {}).await.unwrap();
        engine.save_snapshots(true).await.unwrap();
    }
    let snapshots = Arc::new(SnapshotStore::open(&snapshots_path).unwrap());
    let models = ReadModels::new();
    let mut engine = Engine::new(Arc::clone(&store), EngineConfig::default())
        .with_snapshots(Arc::clone(&snapshots));
    models.register(&mut engine, None).unwrap();
    let mut seen = Vec::new();
    let outcome = engine
        .rebuild(false, 25, |p| seen.push(p.applied))
        .await
        .unwrap();
    assert_eq!(outcome.resumed_from, 120);
    assert_eq!(outcome.events, 80);
    assert_eq!(outcome.head, 200);
    assert_eq!(seen.last(), Some(&200));
    assert!(
        seen.windows(2).all(|w| w[0] <= w[1]),
        "progress only moves forward"
    );
    assert!(
        snapshots
            .list()
            .unwrap()
            .iter()
            .all(|i| !i.rebuilding && i.checkpoint == 200)
    );
    assert_same(
        &models,
        &full_replay(&store).await,
        "restored vs full replay",
    );

    // A finished rebuild is not "resumed": the next rebuild starts from zero.
    let again = engine.rebuild(false, 1000, |_| {}).await.unwrap();
    assert_eq!((again.resumed_from, again.events), (0, 200));
    let fresh = engine.rebuild(true, 1000, |_| {}).await.unwrap();
    assert_eq!((fresh.resumed_from, fresh.events), (0, 200));
    assert_same(
        &models,
        &full_replay(&store).await,
        "restored vs full replay",
    );
}

#[tokio::test]
async fn as_of_by_record_time_and_world_time_shows_a_late_correction() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_in(dir.path());
    let id = Uuid::now_v7();
    // Raised on 1 March; acknowledged on 2 March; recorded as such.
    let p_raised = record(
        store.as_ref(),
        "a",
        id,
        &[(raised(id, "E09000007", day(1)), day(1))],
    )
    .await;
    let p_ack = record(
        store.as_ref(),
        "a",
        id,
        &[(acknowledged(id, day(2)), day(2))],
    )
    .await;
    tokio::time::sleep(Duration::from_millis(5)).await;
    let knew_then = store.read_all(p_ack, 1).await.unwrap()[0].recorded_at;
    tokio::time::sleep(Duration::from_millis(5)).await;
    // Later, a resolution that happened on 10 March is recorded late.
    let p_resolved = record(store.as_ref(), "b", id, &[(resolved(id, day(10)), day(10))]).await;

    let status_at = |m: &Complaints| m.get(&id).map(|c| c.status);
    let now = asof::replay::<Complaints>(Arc::clone(&store), AsOf::default())
        .await
        .unwrap();
    assert_eq!(status_at(&now.model), Some(ComplaintStatus::Resolved));
    assert_eq!(now.checkpoint, p_resolved);

    // What was true on 15 March, as recorded by the time of the acknowledgement: not resolved.
    let as_known = asof::replay::<Complaints>(
        Arc::clone(&store),
        AsOf::recorded_by(knew_then).with_occurred(day(15)),
    )
    .await
    .unwrap();
    assert_eq!(
        status_at(&as_known.model),
        Some(ComplaintStatus::Acknowledged)
    );
    assert_eq!(as_known.checkpoint, p_ack);
    // ... and as recorded now: resolved. The late record shows as the difference.
    let as_now = asof::replay::<Complaints>(Arc::clone(&store), AsOf::occurred_by(day(15)))
        .await
        .unwrap();
    assert_eq!(status_at(&as_now.model), Some(ComplaintStatus::Resolved));

    // World time alone: on 1 March it had been raised only.
    let first = asof::replay::<Complaints>(Arc::clone(&store), AsOf::occurred_by(day(1)))
        .await
        .unwrap();
    assert_eq!(status_at(&first.model), Some(ComplaintStatus::Raised));
    // Record time by position.
    let by_position = asof::replay::<Complaints>(
        Arc::clone(&store),
        AsOf {
            recorded: Some(RecordedBound::Position(p_raised)),
            occurred: None,
        },
    )
    .await
    .unwrap();
    assert_eq!(status_at(&by_position.model), Some(ComplaintStatus::Raised));
    // Before anything happened in the world: nothing.
    let before = asof::replay::<Complaints>(
        Arc::clone(&store),
        AsOf::occurred_by(Utc.with_ymd_and_hms(2026, 2, 1, 0, 0, 0).unwrap()),
    )
    .await
    .unwrap();
    assert!(before.model.by_id.is_empty());

    // The cache answers the same question with the same model.
    let cache = engage_projections::AsOfCache::new(4);
    let a = cache
        .get::<Complaints>(Arc::clone(&store), AsOf::occurred_by(day(1)))
        .await
        .unwrap();
    let b = cache
        .get::<Complaints>(Arc::clone(&store), AsOf::occurred_by(day(1)))
        .await
        .unwrap();
    assert!(Arc::ptr_eq(&a, &b));
    assert_eq!(status_at(&a.model), Some(ComplaintStatus::Raised));
    // Every model at once, in one replay: the same answer.
    let all = asof::replay_models(Arc::clone(&store), AsOf::occurred_by(day(1)))
        .await
        .unwrap();
    assert_eq!(
        status_at(&all.complaints.read().model),
        Some(ComplaintStatus::Raised)
    );
    assert_eq!(
        all.audit.read().model.len(),
        1,
        "only the raising occurred by 1 March"
    );
    assert_eq!(all.audit.checkpoint(), p_resolved);
    let cached = cache
        .models(
            Arc::clone(&store),
            AsOf::recorded_by(knew_then).with_occurred(day(15)),
        )
        .await
        .unwrap();
    assert_eq!(
        status_at(&cached.complaints.read().model),
        Some(ComplaintStatus::Acknowledged)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snapshots_are_stored_periodically_while_following_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_in(dir.path());
    let snapshots = Arc::new(SnapshotStore::open(&dir.path().join("projections.sqlite")).unwrap());
    let models = ReadModels::new();
    let mut engine = Engine::new(
        Arc::clone(&store),
        EngineConfig {
            snapshot_every: Duration::from_millis(20),
            ..EngineConfig::default()
        },
    )
    .with_snapshots(Arc::clone(&snapshots));
    models.register(&mut engine, None).unwrap();
    let engine = Arc::new(engine);
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let run = tokio::spawn(Arc::clone(&engine).run(async move {
        let _ = rx.await;
    }));
    // Keep appending until a periodic snapshot (not the one on shutdown) holds some of it.
    let mut stored = 0;
    for _ in 0..200 {
        let id = Uuid::now_v7();
        record(
            store.as_ref(),
            "a",
            id,
            &[(raised(id, "E09000007", day(1)), day(1))],
        )
        .await;
        tokio::time::sleep(Duration::from_millis(5)).await;
        stored = snapshots
            .list()
            .unwrap()
            .iter()
            .map(|i| i.checkpoint)
            .min()
            .unwrap_or(0);
        if stored > 0 {
            break;
        }
    }
    assert!(stored > 0, "no snapshot was stored while the engine ran");
    let info = snapshots.list().unwrap();
    assert_eq!(info.len(), ReadModels::NAMES.len());
    assert!(info.iter().all(|i| !i.rebuilding));
    tx.send(()).unwrap();
    run.await.unwrap();
}
