//! What only a server backend can show, on PostgreSQL: several independent stores (as
//! several engage processes would have) on one log, readers while appends are in flight,
//! the head-row lock ordering positions, lost notifications, group failures, schema
//! versions and connection errors. Skipped with a notice when `ENGAGE_TEST_POSTGRES_URL` is
//! not set; a failure in CI.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use engage_conformance::fixtures::{meeting_held, stream};
use engage_log::{
    EventStore, ExpectedVersion, Head, NewEvent, RecordedEvent, StoreError, VerifyOutcome,
    subscribe_all, verify,
};
use engage_store_postgres::{OpenError, PostgresOptions, PostgresStore};
use engage_tests::{PostgresSchema, postgres_test_url};
use futures::StreamExt;
use tokio_postgres::NoTls;

/// The test server's URL, or return from the test after printing why it is skipped.
macro_rules! server_or_skip {
    () => {
        match postgres_test_url() {
            Ok(url) => url,
            Err(reason) => {
                eprintln!("SKIPPED: {reason}");
                return;
            }
        }
    };
}

/// A plain connection to the test schema, for doing what another process (or an
/// intruder) would do with SQL.
async fn raw(schema: &PostgresSchema) -> tokio_postgres::Client {
    let (client, conn) = schema
        .config
        .connection_config("test-raw")
        .connect(NoTls)
        .await
        .expect("connect");
    tokio::spawn(conn);
    client
}

async fn all_events(store: &dyn EventStore) -> Vec<RecordedEvent> {
    let mut out = Vec::new();
    let mut next = 1;
    loop {
        let batch = store.read_all(next, 1000).await.expect("read_all");
        let Some(last) = batch.last() else { break };
        next = last.position + 1;
        out.extend(batch);
    }
    out
}

async fn intact(store: Arc<dyn EventStore>) -> Head {
    match verify(store, |_| {}).await.expect("verify ran") {
        VerifyOutcome::Intact(r) => Head {
            position: r.count,
            hash: r.head,
        },
        VerifyOutcome::Broken(f) => panic!("chain broken: {f}"),
    }
}

/// Collect `n` events from a subscription, failing if it stalls.
async fn take(
    sub: &mut futures::stream::BoxStream<'static, Result<RecordedEvent, StoreError>>,
    n: u64,
) -> Vec<RecordedEvent> {
    let mut out = Vec::with_capacity(n as usize);
    while (out.len() as u64) < n {
        let e = tokio::time::timeout(Duration::from_secs(20), sub.next())
            .await
            .expect("subscription stalled")
            .expect("subscription ended")
            .expect("subscription error");
        out.push(e);
    }
    out
}

/// Appends from several tasks, some of them batches, to streams of their own.
fn spawn_writers(
    store: Arc<dyn EventStore>,
    writers: u64,
    appends: u64,
    tag: u64,
) -> Vec<tokio::task::JoinHandle<u64>> {
    (0..writers)
        .map(|w| {
            let store = Arc::clone(&store);
            tokio::spawn(async move {
                let s = stream(&format!("live-{tag}-{w}"));
                let mut written = 0;
                for i in 0..appends {
                    let n = if i % 5 == 0 { 4 } else { 1 };
                    let events: Vec<NewEvent> = (0..n)
                        .map(|k| meeting_held(tag * 1_000_000 + w * 10_000 + i * 10 + k))
                        .collect();
                    store
                        .append(&s, ExpectedVersion::Any, events)
                        .await
                        .expect("append");
                    written += n;
                }
                written
            })
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_processes_append_concurrently_and_each_sees_every_event() {
    let _url = server_or_skip!();
    let schema = PostgresSchema::new(&_url);
    // Two independent stores: own writer, own pool, own LISTEN connection — as two engage
    // processes would have. A long poll interval on A shows that B's appends reach A's
    // subscribers by NOTIFY, not by polling.
    let a: Arc<dyn EventStore> = Arc::new(
        PostgresStore::open_with(
            &schema.config,
            PostgresOptions {
                poll_interval: Duration::from_secs(3600),
                ..PostgresOptions::default()
            },
        )
        .await
        .expect("open a"),
    );
    let b: Arc<dyn EventStore> = Arc::new(schema.open().await);
    // Some history first, so that the subscriptions catch up before going live.
    for i in 0..5 {
        let events: Vec<NewEvent> = (0..10).map(|k| meeting_held(i * 10 + k)).collect();
        a.append(&stream("history"), ExpectedVersion::Any, events)
            .await
            .expect("history");
    }
    let mut sub_a = subscribe_all(Arc::clone(&a), 1);
    let mut sub_b = subscribe_all(Arc::clone(&b), 1);
    let mut tasks = spawn_writers(Arc::clone(&a), 6, 30, 1);
    tasks.extend(spawn_writers(Arc::clone(&b), 6, 30, 2));
    let mut written = 50;
    for t in tasks {
        written += t.await.expect("writer");
    }
    let head_a = a.head().await.expect("head");
    let head_b = b.head().await.expect("head");
    assert_eq!(head_a, head_b, "both see the same head");
    assert_eq!(head_a.position, written, "every append recorded once");

    let full = all_events(&*a).await;
    let positions: Vec<u64> = full.iter().map(|e| e.position).collect();
    assert_eq!(positions, (1..=written).collect::<Vec<_>>(), "gapless");
    for (name, sub) in [("a", &mut sub_a), ("b", &mut sub_b)] {
        let seen = take(sub, written).await;
        assert_eq!(seen, full, "subscriber {name}: every event once, in order");
        let ids: HashSet<_> = seen.iter().map(|e| e.event_id).collect();
        assert_eq!(ids.len(), seen.len(), "subscriber {name}: no duplicates");
    }
    assert_eq!(intact(Arc::clone(&a)).await, head_a, "chain intact");
    assert_eq!(intact(Arc::clone(&b)).await, head_a);

    // Live across processes: B appends, A's subscriber (which only polls hourly) gets it
    // promptly through NOTIFY; and the other way round.
    let o = b
        .append(
            &stream("later"),
            ExpectedVersion::Any,
            vec![meeting_held(1)],
        )
        .await
        .expect("append on b");
    let e = tokio::time::timeout(Duration::from_secs(5), sub_a.next())
        .await
        .expect("a did not hear of b's append")
        .expect("ended")
        .expect("error");
    assert_eq!(e.position, o.last_position());
    let o = a
        .append(
            &stream("later"),
            ExpectedVersion::Any,
            vec![meeting_held(2)],
        )
        .await
        .expect("append on a");
    let e = take(&mut sub_b, 2).await;
    assert_eq!(e[1].position, o.last_position());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_reader_never_sees_a_gap_while_appends_are_in_flight() {
    let url = server_or_skip!();
    let schema = PostgresSchema::new(&url);
    let a: Arc<dyn EventStore> = Arc::new(schema.open().await);
    let b: Arc<dyn EventStore> = Arc::new(schema.open().await);
    let reader: Arc<dyn EventStore> = Arc::new(
        PostgresStore::open_read_only(&schema.config)
            .await
            .expect("open read-only"),
    );
    let done = Arc::new(AtomicBool::new(false));
    // The reader: whatever head it sees committed, every position up to it must be
    // readable, and reading on from where it stopped must continue exactly there.
    let checker = {
        let done = Arc::clone(&done);
        let reader = Arc::clone(&reader);
        tokio::spawn(async move {
            let mut next = 1u64;
            let mut rounds = 0u64;
            loop {
                let finished = done.load(Ordering::SeqCst);
                let head = reader.head().await.expect("head").position;
                while next <= head {
                    let batch = reader.read_all(next, 97).await.expect("read");
                    assert!(
                        !batch.is_empty(),
                        "head is {head} but nothing is readable from {next}"
                    );
                    for e in &batch {
                        assert_eq!(e.position, next, "a gap: expected {next}");
                        next += 1;
                    }
                }
                // Reading past the head must never return an event beyond a hole.
                let ahead = reader.read_all(next, 97).await.expect("read ahead");
                for (i, e) in ahead.iter().enumerate() {
                    assert_eq!(e.position, next + i as u64, "a gap past the head");
                }
                rounds += 1;
                if finished {
                    return (next - 1, rounds);
                }
            }
        })
    };
    let mut tasks = spawn_writers(Arc::clone(&a), 8, 25, 1);
    tasks.extend(spawn_writers(Arc::clone(&b), 8, 25, 2));
    let mut written = 0;
    for t in tasks {
        written += t.await.expect("writer");
    }
    done.store(true, Ordering::SeqCst);
    let (read, rounds) = checker.await.expect("reader");
    assert_eq!(read, written, "the reader read every event");
    assert!(rounds > 1, "the reader ran while appends were in flight");
    intact(Arc::clone(&a)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_in_flight_append_holds_back_every_later_position() {
    let url = server_or_skip!();
    let schema = PostgresSchema::new(&url);
    let store: Arc<dyn EventStore> = Arc::new(schema.open().await);
    store
        .append(&stream("s"), ExpectedVersion::Any, vec![meeting_held(0)])
        .await
        .expect("first");
    let head = store.head().await.expect("head");

    // Another writer (here: by hand, as another engage process does) takes the head lock
    // and records position 2, then is slow to commit.
    let mut other = raw(&schema).await;
    let tx = other.transaction().await.expect("begin");
    let s = format!("\"{}\"", schema.config.schema());
    let row = tx
        .query_one(
            &format!("SELECT position, hash FROM {s}.engage_head FOR UPDATE"),
            &[],
        )
        .await
        .expect("lock");
    assert_eq!(row.get::<_, i64>(0), 1);
    let theirs = {
        let e = meeting_held(7);
        let mut r = RecordedEvent {
            position: 2,
            stream_id: stream("other-process"),
            stream_version: 0,
            event_id: e.event_id,
            event_type: e.event_type,
            schema_version: e.schema_version,
            occurred_at: engage_log::envelope::to_log_precision(e.occurred_at),
            recorded_at: engage_log::envelope::to_log_precision(chrono::Utc::now()),
            actor: e.actor,
            correlation_id: e.correlation_id,
            causation_id: e.causation_id,
            reason: e.reason,
            payload: e.payload,
            hash: head.hash,
        };
        r.hash = r.compute_hash(&head.hash);
        r
    };
    tx.execute(
        &format!(
            "INSERT INTO {s}.events (position, event_id, stream_id, stream_version, event_type, schema_version, \
             occurred_at_us, recorded_at_us, actor_id, actor_role, actor_org, correlation_id, causation_id, reason, payload, hash) \
             VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16)"
        ),
        &[
            &2i64,
            &theirs.event_id,
            &theirs.stream_id.as_str(),
            &0i64,
            &theirs.event_type,
            &i64::from(theirs.schema_version),
            &theirs.occurred_at.timestamp_micros(),
            &theirs.recorded_at.timestamp_micros(),
            &theirs.actor.id,
            &theirs.actor.role,
            &theirs.actor.organisation,
            &theirs.correlation_id,
            &theirs.causation_id,
            &theirs.reason,
            &theirs.payload.as_str(),
            &theirs.hash.as_bytes().as_slice(),
        ],
    )
    .await
    .expect("insert position 2");
    tx.execute(
        &format!(
            "UPDATE {s}.engage_head SET position = 2, hash = $1, recorded_at_us = greatest(recorded_at_us, $2)"
        ),
        &[
            &theirs.hash.as_bytes().as_slice(),
            &theirs.recorded_at.timestamp_micros(),
        ],
    )
    .await
    .expect("move head");

    // Our append must wait: it cannot take position 3 and commit before 2 does.
    let ours = {
        let store = Arc::clone(&store);
        tokio::spawn(async move {
            store
                .append(&stream("ours"), ExpectedVersion::Any, vec![meeting_held(8)])
                .await
        })
    };
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(
        !ours.is_finished(),
        "an append committed past an in-flight one"
    );
    assert!(
        store.read_all(2, 10).await.expect("read").is_empty(),
        "nothing after the head is visible while position 2 is in flight"
    );
    tx.commit().await.expect("commit position 2");
    let o = tokio::time::timeout(Duration::from_secs(10), ours)
        .await
        .expect("our append never finished")
        .expect("task")
        .expect("append");
    assert_eq!(
        o.last_position(),
        3,
        "ours is ordered after the in-flight one"
    );
    let all = all_events(&*store).await;
    assert_eq!(all[1], theirs);
    assert_eq!(intact(Arc::clone(&store)).await.position, 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_dropped_listen_connection_does_not_stall_subscribers() {
    let url = server_or_skip!();
    let schema = PostgresSchema::new(&url);
    let a: Arc<dyn EventStore> = Arc::new(
        PostgresStore::open_with(
            &schema.config,
            PostgresOptions {
                poll_interval: Duration::from_millis(200),
                ..PostgresOptions::default()
            },
        )
        .await
        .expect("open a"),
    );
    let b: Arc<dyn EventStore> = Arc::new(schema.open().await);
    let mut sub = subscribe_all(Arc::clone(&a), 1);
    b.append(&stream("s"), ExpectedVersion::Any, vec![meeting_held(0)])
        .await
        .expect("append");
    take(&mut sub, 1).await;
    // Cut every LISTEN connection of this log (as a network blip or a server restart
    // would), then append at once: the notification is sent while nobody listens.
    let admin = raw(&schema).await;
    let killed = admin
        .query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = $1",
            &[&format!(
                "LISTEN \"engage_head_{}\"",
                schema.config.schema()
            )],
        )
        .await
        .expect("terminate");
    assert_eq!(killed.len(), 2, "both stores were listening");
    let o = b
        .append(&stream("s"), ExpectedVersion::Any, vec![meeting_held(1)])
        .await
        .expect("append");
    let e = take(&mut sub, 1).await;
    assert_eq!(e[0].position, o.last_position());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_refused_append_does_not_fail_the_others_in_its_group() {
    let url = server_or_skip!();
    let schema = PostgresSchema::new(&url);
    let store: Arc<dyn EventStore> = Arc::new(schema.open().await);
    let first: Vec<NewEvent> = (0..2).map(meeting_held).collect();
    store
        .append(&stream("s"), ExpectedVersion::Any, first.clone())
        .await
        .expect("seed");
    // Hold the head lock so that the writer is stuck on a first group while 31 appends
    // queue up behind it; they then go into one group together.
    let mut admin = raw(&schema).await;
    let tx = admin.transaction().await.expect("begin");
    tx.query_one(
        &format!(
            "SELECT position FROM \"{}\".engage_head FOR UPDATE",
            schema.config.schema()
        ),
        &[],
    )
    .await
    .expect("lock");
    let warm_up = {
        let store = Arc::clone(&store);
        tokio::spawn(async move {
            store
                .append(&stream("w"), ExpectedVersion::Any, vec![meeting_held(9)])
                .await
        })
    };
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut good = Vec::new();
    for i in 0..30u64 {
        let writer = Arc::clone(&store);
        good.push(tokio::spawn(async move {
            writer
                .append(
                    &stream("g"),
                    ExpectedVersion::NoStream,
                    vec![meeting_held(100 + i), meeting_held(200 + i)],
                )
                .await
        }));
        if i == 14 {
            // A new first id, then an id already recorded: only the database's unique
            // index finds this one, so the group's single insert fails and the writer
            // has to fall back to one savepoint per append.
            let store = Arc::clone(&store);
            let reused = first[1].clone();
            good.push(tokio::spawn(async move {
                let r = store
                    .append(
                        &stream("bad"),
                        ExpectedVersion::Any,
                        vec![meeting_held(999), reused],
                    )
                    .await;
                assert!(
                    matches!(r, Err(StoreError::IdempotencyMismatch { .. })),
                    "{r:?}"
                );
                r
            }));
        }
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    tx.rollback().await.expect("release");
    warm_up.await.expect("task").expect("warm-up append");
    let mut ok = 0;
    for t in good {
        if t.await.expect("task").is_ok() {
            ok += 1;
        }
    }
    assert_eq!(ok, 30, "every good append of the group was recorded");
    let head = intact(Arc::clone(&store)).await;
    assert_eq!(head.position, 2 + 1 + 60);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_events_table_is_append_only_and_verify_catches_edits() {
    let url = server_or_skip!();
    let schema = PostgresSchema::new(&url);
    let store: Arc<dyn EventStore> = Arc::new(schema.open().await);
    for i in 0..5 {
        store
            .append(&stream("s"), ExpectedVersion::Any, vec![meeting_held(i)])
            .await
            .expect("append");
    }
    let client = raw(&schema).await;
    let s = format!("\"{}\"", schema.config.schema());
    for sql in [
        format!("UPDATE {s}.events SET reason = 'edited' WHERE position = 3"),
        format!("DELETE FROM {s}.events WHERE position = 5"),
        format!("TRUNCATE {s}.events"),
    ] {
        let err = client.batch_execute(&sql).await.expect_err(&sql);
        let message = err.as_db_error().map(|d| d.message().to_owned());
        assert!(
            message
                .as_deref()
                .is_some_and(|m| m.contains("append-only")),
            "{sql}: {message:?}"
        );
    }
    // Someone with the rights to switch the guard off can still edit; verify finds it.
    client
        .batch_execute(&format!(
            "ALTER TABLE {s}.events DISABLE TRIGGER events_append_only; \
             UPDATE {s}.events SET reason = 'edited' WHERE position = 3"
        ))
        .await
        .expect("tamper");
    match verify(Arc::clone(&store), |_| {}).await.expect("verify") {
        VerifyOutcome::Broken(f) => assert_eq!(f.position, 3, "{f}"),
        VerifyOutcome::Intact(_) => panic!("an edited event verified"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn opening_migrates_once_and_refuses_what_it_cannot_read() {
    let url = server_or_skip!();
    let schema = PostgresSchema::new(&url);
    // Nothing there yet: read-only opening says so.
    let err = PostgresStore::open_read_only(&schema.config)
        .await
        .err()
        .expect("missing");
    assert!(matches!(err, OpenError::Missing { .. }), "{err}");
    // Several processes starting at once create the schema once.
    let opened =
        futures::future::join_all((0..4).map(|_| PostgresStore::open(&schema.config))).await;
    for o in opened {
        o.expect("concurrent open");
    }
    let client = raw(&schema).await;
    let s = format!("\"{}\"", schema.config.schema());
    let versions: Vec<i32> = client
        .query(
            &format!("SELECT version FROM {s}.engage_schema_version"),
            &[],
        )
        .await
        .expect("versions")
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(versions, vec![engage_store_postgres::SCHEMA_VERSION]);
    // A newer engage migrated it: this build refuses, read-write and read-only.
    client
        .batch_execute(&format!(
            "INSERT INTO {s}.engage_schema_version (version, description) VALUES (999, 'from the future')"
        ))
        .await
        .expect("bump");
    for err in [
        PostgresStore::open(&schema.config).await.err(),
        PostgresStore::open_read_only(&schema.config).await.err(),
    ] {
        let err = err.expect("refused");
        assert!(matches!(err, OpenError::TooNew { found: 999, .. }), "{err}");
        assert!(err.to_string().contains("upgrade engage"), "{err}");
    }
    // A schema holding someone else's `events` table.
    let foreign = PostgresSchema::new(&url);
    client
        .batch_execute(&format!(
            "CREATE SCHEMA \"{0}\"; CREATE TABLE \"{0}\".events (id int)",
            foreign.config.schema()
        ))
        .await
        .expect("foreign table");
    let err = PostgresStore::open(&foreign.config)
        .await
        .err()
        .expect("foreign");
    assert!(matches!(err, OpenError::NotAnEventStore { .. }), "{err}");
}

#[tokio::test]
async fn connection_errors_are_typed_and_never_show_the_password() {
    let url = server_or_skip!();
    // Nothing listens on port 1.
    let err =
        PostgresStore::connect("postgres://engage:s3cret-pw@127.0.0.1:1/engage?connect_timeout=5")
            .await
            .err()
            .expect("unreachable");
    assert!(matches!(err, OpenError::Unreachable { .. }), "{err}");
    assert!(err.to_string().contains("127.0.0.1:1"), "{err}");
    // The server is there but the database is not.
    let base = engage_store_postgres::PostgresConfig::from_url(&url).expect("url");
    let mut missing_db = base.connection_config("x");
    missing_db.dbname("no_such_database_here");
    let host = match &missing_db.get_hosts()[0] {
        tokio_postgres::config::Host::Tcp(h) => h.clone(),
        tokio_postgres::config::Host::Unix(p) => p.display().to_string(),
    };
    let port = missing_db.get_ports().first().copied().unwrap_or(5432);
    let user = missing_db.get_user().unwrap_or("postgres").to_owned();
    let bad = format!("postgres://{user}:s3cret-pw@{host}:{port}/no_such_database_here");
    let err = PostgresStore::connect(&bad).await.err().expect("refused");
    assert!(matches!(err, OpenError::Refused { .. }), "{err}");
    for text in [err.to_string(), format!("{err:?}")] {
        assert!(!text.contains("s3cret-pw"), "{text}");
    }
    let err = PostgresStore::connect("postgres://engage:s3cret-pw@db/x?schema=Nope")
        .await
        .err()
        .expect("bad url");
    assert!(matches!(err, OpenError::Url(_)), "{err}");
    assert!(!err.to_string().contains("s3cret-pw"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_writer_reconnects_after_the_server_ends_its_session() {
    let url = server_or_skip!();
    // A name of its own for this store's sessions, so that only they are ended (other
    // tests run beside this one on the same server).
    let name = format!("engage-t{}", uuid::Uuid::now_v7().simple());
    let sep = if url.contains('?') { '&' } else { '?' };
    let schema = PostgresSchema::new(&format!("{url}{sep}application_name={name}"));
    let store: Arc<dyn EventStore> = Arc::new(schema.open().await);
    store
        .append(&stream("s"), ExpectedVersion::Any, vec![meeting_held(0)])
        .await
        .expect("first");
    // As a server restart or an administrator would: end every session of this store
    // (writer, readers, listener).
    let (admin, conn) = engage_store_postgres::PostgresConfig::from_url(&url)
        .expect("url")
        .connection_config("test-admin")
        .connect(NoTls)
        .await
        .expect("connect");
    tokio::spawn(conn);
    let ended = admin
        .query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1",
            &[&name],
        )
        .await
        .expect("terminate");
    assert!(ended.len() >= 2, "the writer and the listener had sessions");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let o = store
        .append(&stream("s"), ExpectedVersion::Any, vec![meeting_held(1)])
        .await
        .expect("append after the session ended");
    assert_eq!(o.last_position(), 2);
    assert_eq!(intact(Arc::clone(&store)).await.position, 2);
}
