//! Benchmarks of the projection engine:
//!
//! - `rebuild STORE`: over an existing log (an SQLite file, e.g. one made by
//!   `engage seed --events 1000000`, or a `postgres://` URL the log was imported into), how fast the log is read, read and decoded, and folded into every built-in read model
//!   (a full rebuild), and how much memory the read models take.
//! - `lag`: live lag under sustained appends — for each acknowledged append, the time until
//!   every read model has applied it — with the engine following a real, durable store.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::Utc;
use clap::Parser;
use engage_domain::personal::ComplainantDetails;
use engage_domain::victim_complaint::{
    self, ComplaintCategory, ComplaintChannel, Event, VictimComplaintRaised,
};
use engage_domain::{BoroughCode, CatalogueEvent};
use engage_log::{Actor, EventStore, ExpectedVersion, read_all_ahead};
use engage_projections::event::decode_batch;
use engage_projections::{Engine, EngineConfig, ReadModels};
use engage_store_postgres::{PostgresConfig, PostgresStore};
use engage_store_sqlite::{SqliteOptions, SqliteStore};
use futures::StreamExt;
use hdrhistogram::Histogram;
use parking_lot::Mutex;
use uuid::Uuid;

#[derive(Parser)]
pub struct RebuildArgs {
    /// The log to rebuild from, opened read-only: a store file (`events.sqlite`, or
    /// `sqlite:PATH`) or a PostgreSQL URL (`postgres://USER@HOST:PORT/DB?schema=NAME`).
    pub store: String,
    /// Times to repeat the full rebuild (the best and the median are reported).
    #[arg(long, default_value_t = 3)]
    pub runs: usize,
}

#[derive(Parser)]
pub struct LagArgs {
    /// Target appends per second (single-event appends, spread over the writers).
    #[arg(long, default_value_t = 2_000)]
    pub rate: u64,
    /// How long to append for.
    #[arg(long, default_value_t = 20)]
    pub seconds: u64,
    /// Concurrent writers.
    #[arg(long, default_value_t = 16)]
    pub writers: u64,
    /// Start from a copy of this store file (so the models already hold a history);
    /// default: an empty store.
    #[arg(long)]
    pub copy_of: Option<PathBuf>,
}

/// Peak and current resident memory of this process, in MiB (Linux).
fn memory_mib() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<f64>().ok())
            .map_or(0.0, |kb| kb / 1024.0)
    };
    (field("VmHWM:"), field("VmRSS:"))
}

/// Open the log named by `store` read-only: a PostgreSQL URL or an SQLite file. Returns
/// the store and how to name it (never with a password).
async fn open_log_read_only(store: &str) -> anyhow::Result<(Arc<dyn EventStore>, String)> {
    let store = store.trim();
    if store.starts_with("postgres://") || store.starts_with("postgresql://") {
        let config = PostgresConfig::from_url(store)?;
        let opened = PostgresStore::open_read_only(&config)
            .await
            .with_context(|| format!("opening {config}"))?;
        return Ok((Arc::new(opened), config.redacted().to_owned()));
    }
    let path = PathBuf::from(store.strip_prefix("sqlite:").unwrap_or(store));
    let opened = SqliteStore::open_read_only(&path)
        .with_context(|| format!("opening {}", path.display()))?;
    Ok((Arc::new(opened), path.display().to_string()))
}

pub async fn rebuild_bench(args: RebuildArgs) -> anyhow::Result<()> {
    let (store, name) = open_log_read_only(&args.store).await?;
    let head = store.head().await?.position;
    anyhow::ensure!(head > 0, "{name} holds no events");
    println!("log: {head} events in {name}");
    println!("machine: {}", crate::machine());

    let cpu_us_per_event =
        |cpu_before: f64| (crate::cpu_seconds() - cpu_before) * 1e6 / head as f64;

    // 1. Read only.
    let cpu = crate::cpu_seconds();
    let started = Instant::now();
    let mut n = 0u64;
    let mut batches = read_all_ahead(Arc::clone(&store), 1, head, 4096, 4);
    while let Some(b) = batches.next().await {
        n += b?.len() as u64;
    }
    let read_rate = n as f64 / started.elapsed().as_secs_f64();
    let read_cpu = cpu_us_per_event(cpu);

    // 2. Read and decode (parallel decoding, as the engine does).
    let cpu = crate::cpu_seconds();
    let started = Instant::now();
    let mut n = 0u64;
    let mut decoded = read_all_ahead(Arc::clone(&store), 1, head, 4096, 4)
        .map(|b| async move {
            let b = b?;
            let d = tokio::task::spawn_blocking(move || decode_batch(b)).await??;
            anyhow::Ok(d.len() as u64)
        })
        .buffered(4);
    while let Some(k) = decoded.next().await {
        n += k?;
    }
    let decode_rate = n as f64 / started.elapsed().as_secs_f64();
    let decode_cpu = cpu_us_per_event(cpu);

    // 3. Full rebuilds of every built-in read model.
    let (_, rss_before) = memory_mib();
    let mut rates = Vec::new();
    let mut rebuild_cpu = Vec::new();
    let mut models_mib = 0.0;
    let mut snapshot_bytes = 0usize;
    for run in 0..args.runs.max(1) {
        let models = ReadModels::new();
        let mut engine = Engine::new(Arc::clone(&store), EngineConfig::default());
        models.register(&mut engine, None)?;
        let cpu = crate::cpu_seconds();
        let started = Instant::now();
        engine.catch_up_to(head, |_| {}).await?;
        let secs = started.elapsed().as_secs_f64();
        rates.push(head as f64 / secs);
        rebuild_cpu.push(cpu_us_per_event(cpu));
        println!(
            "  rebuild {}: {head} events in {secs:.2} s = {:.0} events/s",
            run + 1,
            head as f64 / secs
        );
        if run == 0 {
            let (_, rss) = memory_mib();
            models_mib = rss - rss_before;
            // Snapshot sizes (what `projections.sqlite` stores).
            snapshot_bytes = models.snapshots()?.iter().map(|s| s.bytes.len()).sum();
        }
        drop(models);
    }
    rates.sort_by(|a, b| a.total_cmp(b));
    let best = rates.last().copied().unwrap_or(0.0);
    let median = rates.get(rates.len() / 2).copied().unwrap_or(0.0);
    let (peak, _) = memory_mib();
    println!();
    println!("| measurement | result |");
    println!("| --- | --- |");
    println!("| read-all (4 readers) | {read_rate:.0} events/s ({read_cpu:.2} µs CPU per event) |");
    println!(
        "| read-all + decode/upcast (parallel) | {decode_rate:.0} events/s ({decode_cpu:.2} µs CPU per event) |"
    );
    rebuild_cpu.sort_by(|a, b| a.total_cmp(b));
    println!(
        "| full rebuild of all {} built-in read models | {best:.0} events/s best, {median:.0} median of {} ({:.2} µs CPU per event, least) |",
        ReadModels::NAMES.len(),
        rates.len(),
        rebuild_cpu.first().copied().unwrap_or(0.0)
    );
    println!(
        "| read-model memory after rebuild (RSS growth) | {models_mib:.0} MiB for {head} events ({:.0} bytes/event) |",
        models_mib * 1024.0 * 1024.0 / head as f64
    );
    println!(
        "| snapshots of all models (postcard) | {:.0} MiB |",
        snapshot_bytes as f64 / 1024.0 / 1024.0
    );
    println!("| peak RSS of the benchmark | {peak:.0} MiB |");
    Ok(())
}

fn complaint(n: u64) -> Event {
    Event::Raised(VictimComplaintRaised {
        complaint_id: Uuid::now_v7(),
        borough: BoroughCode::new(format!("E090000{:02}", 1 + n % 33)),
        ward: None,
        received_at: Utc::now(),
        category: ComplaintCategory::Communication,
        category_detail: None,
        channel: ComplaintChannel::WebForm,
        summary: format!("Complaint {n}: no update after reporting a burglary"),
        personal: ComplainantDetails {
            data_subject_id: Uuid::now_v7(),
            full_name: "Bench Complainant".into(),
            email: None,
            phone: None,
            postal_address: None,
        },
    })
}

pub async fn lag_bench(args: LagArgs) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("events.sqlite");
    if let Some(src) = &args.copy_of {
        std::fs::copy(src, &path).with_context(|| format!("copying {}", src.display()))?;
    }
    // The product's setting: fsync on every commit.
    let store: Arc<dyn EventStore> =
        Arc::new(SqliteStore::open_with(&path, SqliteOptions::default())?);
    let start_head = store.head().await?.position;
    let models = ReadModels::new();
    let mut engine = Engine::new(Arc::clone(&store), EngineConfig::default());
    models.register(&mut engine, None)?;
    let engine = Arc::new(engine);
    let catch_up = Instant::now();
    engine.catch_up_to(start_head, |_| {}).await?;
    println!(
        "history: {start_head} events, caught up in {:.2} s",
        catch_up.elapsed().as_secs_f64()
    );
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let runner = tokio::spawn(Arc::clone(&engine).run(async move {
        let _ = stop_rx.await;
    }));
    anyhow::ensure!(
        tokio::time::timeout(Duration::from_secs(60), engine.wait_for(start_head))
            .await
            .unwrap_or(false),
        "the engine did not start"
    );

    // position -> when its append was acknowledged / when every model had applied it.
    let acked: Arc<Mutex<Vec<(u64, Instant)>>> = Arc::new(Mutex::new(Vec::new()));
    let applied: Arc<Mutex<Vec<(u64, Instant)>>> = Arc::new(Mutex::new(Vec::new()));
    let watcher = {
        let applied = Arc::clone(&applied);
        let mut status = engine.status();
        tokio::spawn(async move {
            while status.changed().await.is_ok() {
                let at = Instant::now();
                let position = status.borrow_and_update().applied;
                applied.lock().push((position, at));
            }
        })
    };

    let per_writer_interval =
        Duration::from_secs_f64(args.writers as f64 / args.rate.max(1) as f64);
    let deadline = Instant::now() + Duration::from_secs(args.seconds);
    let actor = Actor::new("bench", "board_member", "snb-bench");
    let mut writers = Vec::new();
    for w in 0..args.writers {
        let store = Arc::clone(&store);
        let acked = Arc::clone(&acked);
        let actor = actor.clone();
        writers.push(tokio::spawn(async move {
            let mut tick = tokio::time::interval(per_writer_interval);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            let mut i = 0u64;
            while Instant::now() < deadline {
                tick.tick().await;
                let e = complaint(w * 1_000_000 + i);
                let id = match &e {
                    Event::Raised(r) => r.complaint_id,
                    _ => Uuid::now_v7(),
                };
                let new = e.to_new_event(actor.clone(), Utc::now())?;
                let out = store
                    .append(
                        &victim_complaint::stream_id(id),
                        ExpectedVersion::NoStream,
                        vec![new],
                    )
                    .await?;
                acked.lock().push((out.last_position(), Instant::now()));
                i += 1;
            }
            anyhow::Ok(i)
        }));
    }
    let started = Instant::now();
    let mut total = 0u64;
    for w in writers {
        total += w.await??;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let head = store.head().await?.position;
    anyhow::ensure!(
        tokio::time::timeout(Duration::from_secs(30), engine.wait_for(head))
            .await
            .unwrap_or(false),
        "the engine did not reach the head"
    );
    tokio::time::sleep(Duration::from_millis(50)).await;
    let _ = stop_tx.send(());
    runner.await?;
    watcher.abort();

    let mut applied = applied.lock().clone();
    applied.sort_by_key(|(p, t)| (*p, *t));
    let acked = acked.lock().clone();
    let mut hist = Histogram::<u64>::new(3).map_err(|e| anyhow::anyhow!("{e}"))?;
    for (position, acked_at) in &acked {
        // The first status update at or past this position.
        let i = applied.partition_point(|(p, _)| p < position);
        let Some((_, applied_at)) = applied.get(i) else {
            anyhow::bail!("position {position} was never applied");
        };
        let lag = applied_at.saturating_duration_since(*acked_at);
        hist.record(lag.as_micros() as u64)
            .map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    let ms = |q: f64| hist.value_at_quantile(q) as f64 / 1000.0;
    println!("machine: {}", crate::machine());
    println!();
    println!("| measurement | result |");
    println!("| --- | --- |");
    println!(
        "| sustained durable appends | {:.0} events/s for {elapsed:.0} s ({} writers, target {}/s) |",
        total as f64 / elapsed,
        args.writers,
        args.rate
    );
    println!(
        "| live lag, acknowledged append → applied by all {} read models | p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms ({} appends) |",
        ReadModels::NAMES.len(),
        ms(0.5),
        ms(0.99),
        hist.max() as f64 / 1000.0,
        hist.len()
    );
    let _ = models;
    Ok(())
}
