//! Durability under kill -9: a real child process appends from several tasks; we kill it
//! without warning part-way through, reopen the store, and check that every append it had
//! acknowledged is there at the acknowledged positions, that no batch is partially
//! visible, and that the hash chain verifies. Repeated over several kill points, each
//! restart continuing the same store.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;

use engage_log::{EventStore, VerifyOutcome, verify};
use engage_store_sqlite::SqliteStore;
use uuid::Uuid;

struct Ack {
    correlation: Uuid,
    first: u64,
    last: u64,
    ids: Vec<Uuid>,
}

fn parse_ack(line: &str) -> Option<Ack> {
    let mut parts = line.split_whitespace();
    if parts.next()? != "ack" {
        return None;
    }
    let correlation = parts.next()?.parse().ok()?;
    let first = parts.next()?.parse().ok()?;
    let last = parts.next()?.parse().ok()?;
    let ids = parts
        .map(|p| p.parse().ok())
        .collect::<Option<Vec<Uuid>>>()?;
    Some(Ack {
        correlation,
        first,
        last,
        ids,
    })
}

/// Run the appender until it has acknowledged `acks_before_kill` appends, then SIGKILL it.
fn run_and_kill(dir: &std::path::Path, acks_before_kill: usize) -> Vec<Ack> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_append-until-killed"))
        .arg(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn appender");
    let stdout = child.stdout.take().expect("stdout");
    let mut reader = BufReader::new(stdout);
    let mut acks = Vec::new();
    let mut line = String::new();
    while acks.len() < acks_before_kill {
        line.clear();
        let n = reader.read_line(&mut line).expect("read ack");
        assert!(n > 0, "appender exited early after {} acks", acks.len());
        acks.push(parse_ack(&line).unwrap_or_else(|| panic!("bad ack line: {line}")));
    }
    child.kill().expect("kill -9"); // SIGKILL on Unix: no destructors, no flush, no goodbye
    // Acknowledgements already written before the kill still count: drain them.
    for line in reader.lines() {
        match line {
            Ok(l) => {
                if let Some(a) = parse_ack(&l) {
                    acks.push(a);
                }
            }
            Err(_) => break,
        }
    }
    let status = child.wait().expect("wait");
    assert!(!status.success(), "the appender was killed, not finished");
    acks
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_appends_survive_kill_9() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut all_acks: Vec<Ack> = Vec::new();
    for (round, kill_after) in [150usize, 400, 40, 900].into_iter().enumerate() {
        let acks = run_and_kill(dir.path(), kill_after);
        assert!(acks.len() >= kill_after);
        all_acks.extend(acks);

        let store: Arc<dyn EventStore> =
            Arc::new(SqliteStore::open_in_dir(dir.path()).expect("reopen after crash"));
        // Every acknowledged event is there, where the acknowledgement said.
        for ack in &all_acks {
            for (k, id) in ack.ids.iter().enumerate() {
                let e = store
                    .event_by_id(*id)
                    .await
                    .expect("read")
                    .unwrap_or_else(|| panic!("round {round}: acknowledged event {id} lost"));
                assert_eq!(
                    e.position,
                    ack.first + k as u64,
                    "acknowledged position kept"
                );
                assert_eq!(e.correlation_id, ack.correlation);
            }
            assert_eq!(ack.last, ack.first + ack.ids.len() as u64 - 1);
        }
        // No partial batch: every batch present has all its events.
        let mut batches: HashMap<Uuid, (usize, usize)> = HashMap::new();
        let mut next = 1;
        loop {
            let events = store.read_all(next, 4096).await.expect("read all");
            let Some(last) = events.last() else { break };
            next = last.position + 1;
            for e in events {
                let v: serde_json::Value = e.payload.to_value().expect("payload");
                let size = v["batch_size"].as_u64().expect("batch_size") as usize;
                let entry = batches.entry(e.correlation_id).or_insert((size, 0));
                entry.1 += 1;
            }
        }
        for (correlation, (size, seen)) in &batches {
            assert_eq!(
                size, seen,
                "round {round}: batch {correlation} is partially visible"
            );
        }
        assert!(batches.len() >= all_acks.len());
        match verify(Arc::clone(&store), |_| {}).await.expect("verify") {
            VerifyOutcome::Intact(r) => assert_eq!(r.count, next - 1),
            VerifyOutcome::Broken(f) => panic!("round {round}: chain broken after crash: {f}"),
        }
        drop(store);
    }
}
