//! The conformance suite against KurrentDB / EventStoreDB (skipped with a notice when
//! `KURRENTDB_URL` is not set; see docs/kurrentdb.md to start a server). KurrentDB-only
//! behaviour: two stores (as two engage processes) appending to one log.

use std::sync::Arc;

use engage_conformance::fixtures::{meeting_held, stream};
use engage_log::{EventStore, ExpectedVersion, verify};
use engage_store_kurrentdb::KurrentStore;
use engage_tests::{kurrentdb_test_config, kurrentdb_test_url};

engage_conformance::conformance_tests!(engage_tests::KurrentFactory);

/// Two stores on one log stream, appending at once: positions stay gapless, every append
/// lands exactly once, the chain verifies, and each store sees the other's events.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_append_to_one_log() {
    let url = match kurrentdb_test_url() {
        Ok(url) => url,
        Err(reason) => {
            eprintln!("SKIPPED: {reason}");
            return;
        }
    };
    let config = kurrentdb_test_config(&url);
    let a = Arc::new(KurrentStore::open(&config).await.expect("open a"));
    let b = Arc::new(KurrentStore::open(&config).await.expect("open b"));
    let mut tasks = Vec::new();
    for (k, store) in [Arc::clone(&a), Arc::clone(&b)].into_iter().enumerate() {
        tasks.push(tokio::spawn(async move {
            let mut written = Vec::new();
            for i in 0..50u64 {
                let s = stream(&format!("writer{k}"));
                store
                    .append(
                        &s,
                        ExpectedVersion::NoStream,
                        vec![meeting_held(i), meeting_held(i + 1)],
                    )
                    .await
                    .expect("append");
                written.push(s);
            }
            written
        }));
    }
    let mut written = Vec::new();
    for t in tasks {
        written.push(t.await.expect("writer"));
    }
    for store in [&a, &b] {
        assert_eq!(store.head().await.expect("head").position, 200);
        let report = verify(Arc::clone(store) as Arc<dyn EventStore>, |_| {})
            .await
            .expect("verify");
        assert!(
            matches!(report, engage_log::VerifyOutcome::Intact(_)),
            "{report:?}"
        );
    }
    // Each store sees every stream the other wrote, at version 1 (two events each).
    for (store, theirs) in [(&a, &written[1]), (&b, &written[0])] {
        for s in theirs {
            assert_eq!(
                store.stream_version(s).await.expect("version"),
                Some(1),
                "{s}"
            );
        }
    }
    let all = a.read_all(1, 1000).await.expect("read all");
    let positions: Vec<u64> = all.iter().map(|e| e.position).collect();
    assert_eq!(positions, (1..=200).collect::<Vec<u64>>());
}
