//! Test helper for `tests/crash.rs`: appends batches to a store from several tasks until it
//! is killed, printing one line per *acknowledged* append:
//! `ack <correlation-id> <first-position> <last-position> <event-id>...`.
//!
//! Every event of a batch shares the batch's correlation id and carries the batch size in
//! its payload, so the test can check that no partial batch is ever visible.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use engage_log::{Actor, EventStore, ExpectedVersion, NewEvent, Payload, StreamId};
use engage_store_sqlite::SqliteStore;
use serde_json::json;
use uuid::Uuid;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let dir: PathBuf = std::env::args()
        .nth(1)
        .context("usage: append-until-killed DATA_DIR")?
        .into();
    let store: Arc<dyn EventStore> =
        Arc::new(SqliteStore::open_in_dir(&dir).context("open store")?);
    let out = Arc::new(std::sync::Mutex::new(std::io::stdout()));
    let mut tasks = Vec::new();
    for writer in 0..8u32 {
        let store = Arc::clone(&store);
        let out = Arc::clone(&out);
        tasks.push(tokio::spawn(async move {
            let stream = StreamId::new(format!("custody-visit-{}", Uuid::now_v7()));
            for i in 0u64.. {
                let size = 1 + (i % 5) as usize;
                let correlation = Uuid::now_v7();
                let events: Vec<NewEvent> = (0..size)
                    .map(|k| {
                        let payload = Payload::from_value(&json!({
                            "batch_size": size, "index": k, "writer": writer, "suite": "Holborn",
                            "notes": "detainee offered a visit; conditions checked",
                        }))
                        .unwrap_or_else(|e| panic!("payload: {e}"));
                        NewEvent::new(
                            "CustodyVisitLogged",
                            1,
                            chrono::Utc::now(),
                            Actor::new("icv-1", "custody_visitor", "icv-camden"),
                            payload,
                        )
                        .with_correlation(correlation, None)
                    })
                    .collect();
                let ids: Vec<String> = events.iter().map(|e| e.event_id.to_string()).collect();
                match store.append(&stream, ExpectedVersion::Any, events).await {
                    Ok(o) => {
                        let first = o.events.first().map_or(0, |e| e.position);
                        let line = format!(
                            "ack {correlation} {first} {} {}\n",
                            o.last_position(),
                            ids.join(" ")
                        );
                        if let Ok(mut out) = out.lock() {
                            let _ = out.write_all(line.as_bytes());
                            let _ = out.flush();
                        }
                    }
                    Err(e) => {
                        eprintln!("append failed: {e}");
                        std::process::exit(3);
                    }
                }
            }
        }));
    }
    for t in tasks {
        t.await.context("writer task")?;
    }
    Ok(())
}
