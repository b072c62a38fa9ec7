//! The conformance cases. Each takes a factory and panics (fails) on a broken promise.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use chrono::{TimeZone, Utc};
use engage_log::ndjson::{ImportError, export_ndjson, import_ndjson};
use engage_log::{
    ActualVersion, EventStore, ExpectedVersion, GENESIS_HASH, Head, InvalidAppend, NewEvent,
    Payload, RecordedEvent, StoreError, StreamId, VerifyOutcome, subscribe_all, verify,
};
use futures::StreamExt;
use serde_json::json;

use crate::StoreFactory;
use crate::fixtures::{chair, meeting_held, stream};

async fn append_n(store: &dyn EventStore, s: &StreamId, n: u64) -> Vec<NewEvent> {
    let events: Vec<NewEvent> = (0..n).map(meeting_held).collect();
    store
        .append(s, ExpectedVersion::Any, events.clone())
        .await
        .expect("append");
    events
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

async fn verified_head(store: Arc<dyn EventStore>) -> Head {
    match verify(store, |_| {}).await.expect("verify ran") {
        VerifyOutcome::Intact(r) => Head {
            position: r.count,
            hash: r.head,
        },
        VerifyOutcome::Broken(f) => panic!("chain broken: {f}"),
    }
}

pub async fn append_records_every_envelope_field(f: &dyn StoreFactory) {
    let t = f.fresh().await;
    let s = stream("board");
    let sent = append_n(&*t.store, &s, 3).await;
    let got = t.store.read_stream(&s, 0, 10).await.expect("read");
    assert_eq!(got.len(), 3);
    let mut previous = GENESIS_HASH;
    for (i, (e, r)) in sent.iter().zip(&got).enumerate() {
        assert_eq!(r.position, i as u64 + 1, "positions start at 1, gapless");
        assert_eq!(r.stream_version, i as u64, "stream versions start at 0");
        assert_eq!(r.stream_id, s);
        assert_eq!(r.event_id, e.event_id);
        assert_eq!(r.event_type, e.event_type);
        assert_eq!(r.schema_version, e.schema_version);
        assert_eq!(r.occurred_at, e.occurred_at);
        assert_eq!(r.actor, e.actor);
        assert_eq!(r.correlation_id, e.correlation_id);
        assert_eq!(r.causation_id, e.causation_id);
        assert_eq!(r.reason, e.reason);
        assert_eq!(r.payload, e.payload);
        assert!(
            r.recorded_at <= Utc::now()
                && r.recorded_at > Utc::now() - chrono::Duration::minutes(5)
        );
        assert_eq!(
            r.hash,
            r.compute_hash(&previous),
            "hash chains to the previous event"
        );
        previous = r.hash;
    }
    assert_eq!(
        t.store.head().await.expect("head"),
        Head {
            position: 3,
            hash: previous
        }
    );
    assert_eq!(t.store.stream_version(&s).await.expect("version"), Some(2));
}

pub async fn expected_version_rules(f: &dyn StoreFactory) {
    let t = f.fresh().await;
    let st = &*t.store;
    let s = stream("priority");
    let conflict = |r: Result<_, StoreError>, want: ActualVersion| match r {
        Err(StoreError::Conflict { actual, .. }) => assert_eq!(actual, want),
        other => panic!("expected a conflict, got {other:?}"),
    };
    conflict(
        st.append(&s, ExpectedVersion::StreamExists, vec![meeting_held(0)])
            .await,
        ActualVersion::NoStream,
    );
    conflict(
        st.append(&s, ExpectedVersion::Exact(0), vec![meeting_held(0)])
            .await,
        ActualVersion::NoStream,
    );
    let o = st
        .append(
            &s,
            ExpectedVersion::NoStream,
            vec![meeting_held(0), meeting_held(1)],
        )
        .await
        .expect("create");
    assert_eq!(o.stream_version(), 1);
    conflict(
        st.append(&s, ExpectedVersion::NoStream, vec![meeting_held(2)])
            .await,
        ActualVersion::At(1),
    );
    conflict(
        st.append(&s, ExpectedVersion::Exact(0), vec![meeting_held(2)])
            .await,
        ActualVersion::At(1),
    );
    conflict(
        st.append(&s, ExpectedVersion::Exact(5), vec![meeting_held(2)])
            .await,
        ActualVersion::At(1),
    );
    let o = st
        .append(&s, ExpectedVersion::Exact(1), vec![meeting_held(2)])
        .await
        .expect("exact");
    assert_eq!(o.stream_version(), 2);
    st.append(&s, ExpectedVersion::StreamExists, vec![meeting_held(3)])
        .await
        .expect("exists");
    st.append(&s, ExpectedVersion::Any, vec![meeting_held(4)])
        .await
        .expect("any");
    assert_eq!(st.stream_version(&s).await.expect("version"), Some(4));
    // The conflict message names the actual version, for people reading logs.
    let err = st
        .append(&s, ExpectedVersion::Exact(1), vec![meeting_held(5)])
        .await
        .expect_err("conflict");
    assert!(err.to_string().contains("is at version 4"), "{err}");
    assert_eq!(err.code(), "CONFLICT");
}

pub async fn racing_writers_exactly_one_wins(f: &dyn StoreFactory) {
    let t = f.fresh().await;
    let s = stream("bid");
    t.store
        .append(&s, ExpectedVersion::NoStream, vec![meeting_held(0)])
        .await
        .expect("create");
    for round in 0..5u64 {
        let mut tasks = Vec::new();
        for w in 0..16u64 {
            let store = Arc::clone(&t.store);
            let s = s.clone();
            tasks.push(tokio::spawn(async move {
                store
                    .append(
                        &s,
                        ExpectedVersion::Exact(round),
                        vec![meeting_held(100 * round + w)],
                    )
                    .await
            }));
        }
        let mut wins = 0;
        for task in tasks {
            match task.await.expect("task") {
                Ok(o) => {
                    wins += 1;
                    assert_eq!(o.stream_version(), round + 1);
                }
                Err(StoreError::Conflict {
                    actual, expected, ..
                }) => {
                    assert_eq!(expected, ExpectedVersion::Exact(round));
                    assert_eq!(
                        actual,
                        ActualVersion::At(round + 1),
                        "the loser is told the winner's version"
                    );
                }
                Err(e) => panic!("unexpected error: {e}"),
            }
        }
        assert_eq!(wins, 1, "round {round}: exactly one writer wins");
    }
    assert_eq!(t.store.stream_version(&s).await.expect("version"), Some(5));
    verified_head(Arc::clone(&t.store)).await;
}

pub async fn retry_with_same_event_ids_is_idempotent(f: &dyn StoreFactory) {
    let t = f.fresh().await;
    let s = stream("complaint");
    let events: Vec<NewEvent> = (0..3).map(meeting_held).collect();
    let first = t
        .store
        .append(&s, ExpectedVersion::NoStream, events.clone())
        .await
        .expect("first");
    assert!(!first.already_recorded);
    let head = t.store.head().await.expect("head");
    // A retry (e.g. after a lost acknowledgement) with the same expected version...
    let again = t
        .store
        .append(&s, ExpectedVersion::NoStream, events.clone())
        .await
        .expect("retry");
    assert!(again.already_recorded);
    assert_eq!(
        again.events, first.events,
        "original positions are returned"
    );
    // ...or with any other expectation, still writes nothing new.
    let again = t
        .store
        .append(&s, ExpectedVersion::Any, events)
        .await
        .expect("retry any");
    assert_eq!(again.events, first.events);
    assert_eq!(
        t.store.head().await.expect("head"),
        head,
        "nothing new was written"
    );
    assert_eq!(all_events(&*t.store).await.len(), 3);
}

pub async fn idempotency_mismatch_is_refused(f: &dyn StoreFactory) {
    let t = f.fresh().await;
    let s = stream("complaint");
    let events: Vec<NewEvent> = (0..2).map(meeting_held).collect();
    t.store
        .append(&s, ExpectedVersion::Any, events.clone())
        .await
        .expect("first");
    let head = t.store.head().await.expect("head");
    let other = stream("complaint");
    let err = t
        .store
        .append(&other, ExpectedVersion::Any, events.clone())
        .await
        .expect_err("other stream");
    assert!(
        matches!(err, StoreError::IdempotencyMismatch { .. }),
        "{err}"
    );
    let mixed = vec![events[0].clone(), meeting_held(9)];
    let err = t
        .store
        .append(&s, ExpectedVersion::Any, mixed)
        .await
        .expect_err("partial");
    assert!(
        matches!(err, StoreError::IdempotencyMismatch { .. }),
        "{err}"
    );
    let reused_later = vec![meeting_held(10), events[1].clone()];
    let err = t
        .store
        .append(&s, ExpectedVersion::Any, reused_later)
        .await
        .expect_err("reused id in second place");
    assert!(
        matches!(err, StoreError::IdempotencyMismatch { .. }),
        "{err}"
    );
    let reused_single = vec![events[0].clone().with_reason("edited")];
    let again = t
        .store
        .append(&s, ExpectedVersion::Any, reused_single)
        .await;
    assert!(
        matches!(again, Err(StoreError::IdempotencyMismatch { .. })),
        "one of two ids alone: {again:?}"
    );
    let reversed = vec![events[1].clone(), events[0].clone()];
    let err = t
        .store
        .append(&s, ExpectedVersion::Any, reversed)
        .await
        .expect_err("reordered");
    assert!(
        matches!(err, StoreError::IdempotencyMismatch { .. }),
        "{err}"
    );
    assert_eq!(t.store.head().await.expect("head"), head);
    assert_eq!(t.store.stream_version(&other).await.expect("v"), None);
}

pub async fn batch_is_atomic(f: &dyn StoreFactory) {
    let t = f.fresh().await;
    let s = stream("visit");
    t.store
        .append(&s, ExpectedVersion::Any, vec![meeting_held(0)])
        .await
        .expect("seed");
    let head = t.store.head().await.expect("head");
    // A conflict fails the whole batch.
    let batch: Vec<NewEvent> = (1..50).map(meeting_held).collect();
    assert!(
        t.store
            .append(&s, ExpectedVersion::Exact(7), batch.clone())
            .await
            .is_err()
    );
    // An event already recorded in another stream fails the whole batch too (checked by the writer).
    let recorded = t.store.read_stream(&s, 0, 1).await.expect("read");
    let mut with_dup = batch.clone();
    with_dup[25] = with_dup[25].clone().with_event_id(recorded[0].event_id);
    assert!(
        t.store
            .append(&stream("visit"), ExpectedVersion::Any, with_dup)
            .await
            .is_err()
    );
    assert_eq!(
        t.store.head().await.expect("head"),
        head,
        "no partial batch is visible"
    );
    // And a valid batch lands whole, at consecutive positions.
    let o = t
        .store
        .append(&s, ExpectedVersion::Exact(0), batch)
        .await
        .expect("batch");
    let positions: Vec<u64> = o.events.iter().map(|e| e.position).collect();
    assert_eq!(positions, (2..=50).collect::<Vec<_>>());
}

pub async fn bad_input_is_refused_and_changes_nothing(f: &dyn StoreFactory) {
    let t = f.fresh().await;
    let s = stream("board");
    append_n(&*t.store, &s, 2).await;
    let head = t.store.head().await.expect("head");
    let invalid = |r: Result<_, StoreError>| match r {
        Err(StoreError::Invalid(reason)) => reason,
        other => panic!("expected a validation error, got {other:?}"),
    };
    assert_eq!(
        invalid(t.store.append(&s, ExpectedVersion::Any, vec![]).await),
        InvalidAppend::EmptyBatch
    );
    let mut big = meeting_held(1);
    big.payload =
        Payload::from_value(&json!({"minutes": "x".repeat(2 * 1024 * 1024)})).expect("object");
    assert!(matches!(
        invalid(
            t.store
                .append(&s, ExpectedVersion::Any, vec![meeting_held(2), big])
                .await
        ),
        InvalidAppend::EventTooLarge { index: 1, .. }
    ));
    assert!(matches!(
        invalid(
            t.store
                .append(
                    &StreamId::new(""),
                    ExpectedVersion::Any,
                    vec![meeting_held(3)]
                )
                .await
        ),
        InvalidAppend::InvalidStreamId { .. }
    ));
    assert!(matches!(
        invalid(
            t.store
                .append(
                    &StreamId::new("$all"),
                    ExpectedVersion::Any,
                    vec![meeting_held(3)]
                )
                .await
        ),
        InvalidAppend::InvalidStreamId { .. }
    ));
    let e = meeting_held(4);
    assert!(matches!(
        invalid(
            t.store
                .append(&s, ExpectedVersion::Any, vec![e.clone(), e])
                .await
        ),
        InvalidAppend::DuplicateEventId { .. }
    ));
    let mut bad_type = meeting_held(5);
    bad_type.event_type = "meeting held!".into();
    assert!(matches!(
        invalid(
            t.store
                .append(&s, ExpectedVersion::Any, vec![bad_type])
                .await
        ),
        InvalidAppend::InvalidEventType { .. }
    ));
    // Invalid JSON and non-object payloads never become a Payload at all.
    assert!(Payload::parse("{\"unterminated\": ").is_err());
    assert!(Payload::parse("[1,2]").is_err());
    assert_eq!(
        t.store.head().await.expect("head"),
        head,
        "nothing stored changed"
    );
    assert_eq!(verified_head(Arc::clone(&t.store)).await, head);
}

pub async fn global_order_and_read_all_paging(f: &dyn StoreFactory) {
    let t = f.fresh().await;
    let streams: Vec<StreamId> = (0..5).map(|_| stream("ward-panel")).collect();
    for round in 0..8 {
        for s in &streams {
            t.store
                .append(s, ExpectedVersion::Any, vec![meeting_held(round)])
                .await
                .expect("append");
        }
    }
    let all = all_events(&*t.store).await;
    assert_eq!(all.len(), 40);
    for (i, e) in all.iter().enumerate() {
        assert_eq!(e.position, i as u64 + 1);
    }
    for page in [1usize, 7, 40, 100] {
        let mut paged = Vec::new();
        let mut next = 1;
        loop {
            let batch = t.store.read_all(next, page).await.expect("page");
            assert!(batch.len() <= page);
            let Some(last) = batch.last() else { break };
            next = last.position + 1;
            paged.extend(batch);
        }
        assert_eq!(paged, all, "page size {page}");
    }
    assert!(t.store.read_all(41, 10).await.expect("past end").is_empty());
    assert_eq!(t.store.read_all(38, 10).await.expect("tail").len(), 3);
    // Each stream's events appear in stream-version order within the global order.
    for s in &streams {
        let versions: Vec<u64> = all
            .iter()
            .filter(|e| &e.stream_id == s)
            .map(|e| e.stream_version)
            .collect();
        assert_eq!(versions, (0..8).collect::<Vec<_>>());
    }
}

pub async fn stream_reads_forwards_and_backwards(f: &dyn StoreFactory) {
    let t = f.fresh().await;
    let s = stream("meeting");
    let noise = stream("noise");
    for i in 0..10 {
        t.store
            .append(&s, ExpectedVersion::Any, vec![meeting_held(i)])
            .await
            .expect("append");
        t.store
            .append(&noise, ExpectedVersion::Any, vec![meeting_held(i)])
            .await
            .expect("append");
    }
    let fwd = t.store.read_stream(&s, 3, 4).await.expect("fwd");
    assert_eq!(
        fwd.iter().map(|e| e.stream_version).collect::<Vec<_>>(),
        vec![3, 4, 5, 6]
    );
    let back = t
        .store
        .read_stream_backwards(&s, u64::MAX, 3)
        .await
        .expect("back");
    assert_eq!(
        back.iter().map(|e| e.stream_version).collect::<Vec<_>>(),
        vec![9, 8, 7]
    );
    let back = t
        .store
        .read_stream_backwards(&s, 1, 10)
        .await
        .expect("back");
    assert_eq!(
        back.iter().map(|e| e.stream_version).collect::<Vec<_>>(),
        vec![1, 0]
    );
    assert!(
        t.store
            .read_stream(&stream("unknown"), 0, 10)
            .await
            .expect("unknown")
            .is_empty()
    );
    assert_eq!(
        t.store.stream_version(&stream("unknown")).await.expect("v"),
        None
    );
}

pub async fn subscription_catches_up_then_goes_live_without_gaps(f: &dyn StoreFactory) {
    let t = f.fresh().await;
    let history = 300u64;
    let s = stream("history");
    for chunk in 0..3 {
        let events: Vec<NewEvent> = (0..history / 3)
            .map(|i| meeting_held(chunk * 1000 + i))
            .collect();
        t.store
            .append(&s, ExpectedVersion::Any, events)
            .await
            .expect("history");
    }
    let mut sub = subscribe_all(Arc::clone(&t.store), 1);
    // Concurrent writers while the subscriber is catching up and after.
    let writers = 8u64;
    let per_writer = 60u64;
    let mut tasks = Vec::new();
    for w in 0..writers {
        let store = Arc::clone(&t.store);
        tasks.push(tokio::spawn(async move {
            let s = stream("live");
            for i in 0..per_writer {
                let n = if i % 7 == 0 { 3 } else { 1 };
                let events: Vec<NewEvent> = (0..n)
                    .map(|k| meeting_held(w * 10_000 + i * 10 + k))
                    .collect();
                store
                    .append(&s, ExpectedVersion::Any, events)
                    .await
                    .expect("live append");
                if i % 10 == 0 {
                    tokio::time::sleep(Duration::from_millis(1)).await;
                }
            }
        }));
    }
    for task in tasks {
        task.await.expect("writer");
    }
    let total = t.store.head().await.expect("head").position;
    let mut seen = Vec::with_capacity(total as usize);
    while (seen.len() as u64) < total {
        let next = tokio::time::timeout(Duration::from_secs(20), sub.next())
            .await
            .expect("subscription stalled")
            .expect("subscription ended")
            .expect("subscription error");
        seen.push(next);
    }
    let positions: Vec<u64> = seen.iter().map(|e| e.position).collect();
    assert_eq!(
        positions,
        (1..=total).collect::<Vec<_>>(),
        "every position exactly once, in order"
    );
    assert_eq!(
        seen,
        all_events(&*t.store).await,
        "the subscription delivers what a full read returns"
    );
    // And it stays live: a later append arrives.
    let o = t
        .store
        .append(
            &stream("later"),
            ExpectedVersion::Any,
            vec![meeting_held(1)],
        )
        .await
        .expect("later");
    let live = tokio::time::timeout(Duration::from_secs(10), sub.next())
        .await
        .expect("live event did not arrive")
        .expect("ended")
        .expect("error");
    assert_eq!(live.position, o.last_position());
    let ids: HashSet<_> = seen.iter().map(|e| e.event_id).collect();
    assert_eq!(ids.len(), seen.len(), "no duplicates");
}

pub async fn subscription_from_a_middle_position(f: &dyn StoreFactory) {
    let t = f.fresh().await;
    append_n(&*t.store, &stream("a"), 20).await;
    let mut sub = subscribe_all(Arc::clone(&t.store), 15);
    for want in 15..=20 {
        let e = tokio::time::timeout(Duration::from_secs(10), sub.next())
            .await
            .expect("stalled")
            .expect("ended")
            .expect("error");
        assert_eq!(e.position, want);
    }
    // Nothing more until something is appended.
    assert!(
        tokio::time::timeout(Duration::from_millis(100), sub.next())
            .await
            .is_err()
    );
}

pub async fn verify_reports_count_and_head(f: &dyn StoreFactory) {
    let t = f.fresh().await;
    assert_eq!(verified_head(Arc::clone(&t.store)).await, Head::EMPTY);
    for i in 0..25 {
        t.store
            .append(&stream("s"), ExpectedVersion::Any, vec![meeting_held(i)])
            .await
            .expect("append");
    }
    let mut progress = 0;
    let outcome = verify(Arc::clone(&t.store), |n| progress = n)
        .await
        .expect("verify");
    let head = t.store.head().await.expect("head");
    assert_eq!(
        outcome,
        VerifyOutcome::Intact(engage_log::VerifyReport {
            count: 25,
            head: head.hash
        })
    );
    assert_eq!(progress, 25);
}

async fn export_to_vec(store: &dyn EventStore) -> Vec<u8> {
    let mut out = Vec::new();
    export_ndjson(store, &mut out, |_| {})
        .await
        .expect("export");
    out
}

pub async fn export_import_round_trip_preserves_everything(f: &dyn StoreFactory) {
    let a = f.fresh().await;
    for i in 0..30 {
        let mut e = meeting_held(i);
        if i % 3 == 0 {
            e.causation_id = None;
            e.reason = None;
        }
        a.store
            .append(&stream("s"), ExpectedVersion::Any, vec![e])
            .await
            .expect("append");
    }
    a.store
        .set_stream_metadata(
            &StreamId::new("board-camden"),
            ExpectedVersion::Any,
            Payload::from_value(&json!({"retention": "forever"})).expect("object"),
            chair(),
            None,
        )
        .await
        .expect("metadata");
    let exported = export_to_vec(&*a.store).await;
    assert_eq!(
        exported.iter().filter(|b| **b == b'\n').count(),
        31,
        "one line per event"
    );
    let b = f.fresh().await;
    let summary = import_ndjson(Arc::clone(&b.store), exported.as_slice(), |_| {})
        .await
        .expect("import");
    assert_eq!(summary.written, 31);
    assert_eq!(
        all_events(&*b.store).await,
        all_events(&*a.store).await,
        "ids, order, times and hashes kept"
    );
    assert_eq!(
        verified_head(Arc::clone(&b.store)).await,
        a.store.head().await.expect("head")
    );
    // The imported log goes on like the original: appends chain from the imported head.
    b.store
        .append(
            &stream("after"),
            ExpectedVersion::Any,
            vec![meeting_held(99)],
        )
        .await
        .expect("append after");
    verified_head(Arc::clone(&b.store)).await;
    // Exporting the imported log gives back the same bytes for the shared prefix.
    let again = export_to_vec(&*b.store).await;
    assert!(again.starts_with(&exported));
}

pub async fn import_refuses_a_broken_chain(f: &dyn StoreFactory) {
    let a = f.fresh().await;
    append_n(&*a.store, &stream("s"), 10).await;
    let text = String::from_utf8(export_to_vec(&*a.store).await).expect("utf8");
    let lines: Vec<&str> = text.lines().collect();

    // An edited payload on line 4.
    let mut edited: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    edited[3] = edited[3].replace("\"members\":9", "\"members\":8");
    assert_ne!(edited[3], lines[3]);
    // A removed line 6, and lines 2 and 3 swapped.
    let mut removed: Vec<&str> = lines.clone();
    removed.remove(5);
    let mut swapped: Vec<&str> = lines.clone();
    swapped.swap(1, 2);

    for (name, body, bad_line) in [
        ("edited", edited.join("\n"), 4u64),
        ("removed", removed.join("\n"), 6),
        ("swapped", swapped.join("\n"), 2),
    ] {
        let b = f.fresh().await;
        match import_ndjson(Arc::clone(&b.store), body.as_bytes(), |_| {}).await {
            Err(ImportError::BrokenChain { line, .. }) => assert_eq!(line, bad_line, "{name}"),
            other => panic!("{name}: expected a broken chain, got {other:?}"),
        }
        assert_eq!(
            b.store.head().await.expect("head"),
            Head::EMPTY,
            "{name}: nothing imported"
        );
    }
    // Garbage is a clear per-line error.
    let b = f.fresh().await;
    let garbage = format!("{}\nnot json\n", lines[0]);
    match import_ndjson(Arc::clone(&b.store), garbage.as_bytes(), |_| {}).await {
        Err(ImportError::Malformed { line: 2, .. }) => {}
        other => panic!("expected malformed line 2, got {other:?}"),
    }
    // The store itself refuses events that do not continue its chain.
    let events = all_events(&*a.store).await;
    let c = f.fresh().await;
    let err = c
        .store
        .import(vec![events[1].clone()])
        .await
        .expect_err("gap");
    assert!(
        matches!(err, StoreError::ImportRejected { position: 2, .. }),
        "{err}"
    );
    let mut forged = events[0].clone();
    forged.reason = Some("rewritten".into());
    let err = c.store.import(vec![forged]).await.expect_err("forged");
    assert!(
        matches!(err, StoreError::ImportRejected { position: 1, .. }),
        "{err}"
    );
    assert_eq!(c.store.head().await.expect("head"), Head::EMPTY);
}

pub async fn import_resumes_after_interruption(f: &dyn StoreFactory) {
    let a = f.fresh().await;
    append_n(&*a.store, &stream("s"), 12).await;
    let text = String::from_utf8(export_to_vec(&*a.store).await).expect("utf8");
    let lines: Vec<&str> = text.lines().collect();
    let b = f.fresh().await;
    let first_part = lines[..5].join("\n");
    import_ndjson(Arc::clone(&b.store), first_part.as_bytes(), |_| {})
        .await
        .expect("partial");
    let summary = import_ndjson(Arc::clone(&b.store), text.as_bytes(), |_| {})
        .await
        .expect("resume");
    assert_eq!((summary.skipped, summary.written), (5, 7));
    assert_eq!(all_events(&*b.store).await, all_events(&*a.store).await);
    // A different log cannot be "resumed" into this one.
    let other = f.fresh().await;
    append_n(&*other.store, &stream("x"), 3).await;
    let err = import_ndjson(Arc::clone(&other.store), text.as_bytes(), |_| {})
        .await
        .expect_err("different log");
    assert!(
        matches!(err, ImportError::DifferentLog { position: 1, .. }),
        "{err}"
    );
}

pub async fn stream_metadata_is_versioned(f: &dyn StoreFactory) {
    let t = f.fresh().await;
    let s = stream("complaint");
    assert!(t.store.stream_metadata(&s).await.expect("none").is_none());
    let m1 = Payload::from_value(&json!({"data_subject": "ds-1"})).expect("object");
    t.store
        .set_stream_metadata(&s, ExpectedVersion::NoStream, m1.clone(), chair(), None)
        .await
        .expect("set");
    let got = t
        .store
        .stream_metadata(&s)
        .await
        .expect("get")
        .expect("some");
    assert_eq!((got.version, &got.metadata), (0, &m1));
    let m2 =
        Payload::from_value(&json!({"data_subject": "ds-1", "restricted": true})).expect("object");
    let err = t
        .store
        .set_stream_metadata(&s, ExpectedVersion::NoStream, m2.clone(), chair(), None)
        .await;
    assert!(matches!(err, Err(StoreError::Conflict { .. })));
    t.store
        .set_stream_metadata(
            &s,
            ExpectedVersion::Exact(0),
            m2.clone(),
            chair(),
            Some("restrict".into()),
        )
        .await
        .expect("update");
    let got = t
        .store
        .stream_metadata(&s)
        .await
        .expect("get")
        .expect("some");
    assert_eq!(
        (got.version, &got.metadata, &got.set_by),
        (1, &m2, &chair())
    );
    // Metadata changes are part of the verified log too.
    assert_eq!(verified_head(Arc::clone(&t.store)).await.position, 2);
}

pub async fn event_by_id_and_unknown_ids(f: &dyn StoreFactory) {
    let t = f.fresh().await;
    let s = stream("s");
    let sent = append_n(&*t.store, &s, 3).await;
    let got = t
        .store
        .event_by_id(sent[1].event_id)
        .await
        .expect("get")
        .expect("found");
    assert_eq!((got.position, got.stream_version), (2, 1));
    assert!(
        t.store
            .event_by_id(uuid::Uuid::now_v7())
            .await
            .expect("get")
            .is_none()
    );
}

pub async fn occurred_at_is_kept_to_the_microsecond(f: &dyn StoreFactory) {
    let t = f.fresh().await;
    let mut e = meeting_held(0);
    e.occurred_at = Utc
        .with_ymd_and_hms(2019, 11, 5, 10, 0, 0)
        .single()
        .expect("date")
        + chrono::Duration::nanoseconds(123_456_789);
    let s = stream("s");
    t.store
        .append(&s, ExpectedVersion::Any, vec![e])
        .await
        .expect("append");
    let got = &t.store.read_stream(&s, 0, 1).await.expect("read")[0];
    assert_eq!(
        got.occurred_at.timestamp_subsec_nanos(),
        123_456_000,
        "truncated to microseconds"
    );
    assert!(
        got.recorded_at > got.occurred_at,
        "recorded long after it happened"
    );
}
