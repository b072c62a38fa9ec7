//! # engage-bench: measured, reproducible figures for the event log
//!
//! ```text
//! cargo run --release -p engage-bench -- log              # full run (1M events for read/verify)
//! cargo run --release -p engage-bench -- log --quick      # a smoke run in seconds
//! ```
//!
//! Measures, on the embedded SQLite store with full durability (fsync per commit), or on
//! PostgreSQL with `--store postgres://…` (durable as the server is configured; the
//! benchmark prints the server's `fsync` and `synchronous_commit`): durable single-event
//! appends/s with 1 writer and with 64 concurrent writers and their latency percentiles;
//! then read-all and verify throughput over the whole log.
//! Prints a Markdown table for `docs/benchmarks.md` and the machine it ran on.
//!
//! ```text
//! engage-bench log --store postgres://engage@127.0.0.1:5432/engage   # in a fresh schema, dropped afterwards
//! ```

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::{Parser, Subcommand};
use engage_log::{
    Actor, EventStore, ExpectedVersion, NewEvent, Payload, StreamId, VerifyOutcome, verify,
};
use engage_store_postgres::{PostgresConfig, PostgresStore};
use engage_store_sqlite::{Durability, SqliteOptions, SqliteStore};
use futures::StreamExt;
use hdrhistogram::Histogram;
use serde_json::json;
use uuid::Uuid;

mod projections;

#[derive(Parser)]
#[command(name = "engage-bench", about = "Benchmarks of engage")]
struct Cli {
    #[command(subcommand)]
    command: BenchCommand,
}

#[derive(Subcommand)]
enum BenchCommand {
    /// The event log: appends (1 and 64 writers), read-all and verify.
    Log(LogArgs),
    /// Read-all and verify only, over an existing store file (e.g. one kept by `log --keep`).
    Read(ReadArgs),
    /// Rebuild every built-in read model over an existing store file (e.g. one made by
    /// `engage seed --events 1000000`): read, decode and fold rates, and memory.
    Rebuild(projections::RebuildArgs),
    /// Live lag under sustained durable appends: acknowledged append → applied by every
    /// read model.
    Lag(projections::LagArgs),
}

#[derive(Parser)]
struct ReadArgs {
    /// The store to read: an SQLite store file, or a postgres:// URL (with ?schema=NAME).
    store: String,
}

#[derive(Parser)]
struct LogArgs {
    /// Single-event appends by the lone writer.
    #[arg(long, default_value_t = 10_000)]
    single_writer_appends: u64,
    /// Single-event appends in total by the concurrent writers.
    #[arg(long, default_value_t = 300_000)]
    concurrent_appends: u64,
    /// Concurrent writers.
    #[arg(long, default_value_t = 64)]
    writers: u64,
    /// Size of the log for the read-all and verify measurements.
    #[arg(long, default_value_t = 1_000_000)]
    log_events: u64,
    /// Where to put the store (default: a temporary directory, removed afterwards).
    #[arg(long)]
    dir: Option<PathBuf>,
    /// A small run for smoke-testing the benchmark itself.
    #[arg(long)]
    quick: bool,
    /// `normal` skips the per-commit fsync (NOT the product's setting): shows how much of the
    /// append cost is the disk's flush rather than CPU.
    #[arg(long, default_value = "full", value_parser = ["full", "normal"])]
    durability: String,
    /// Keep the store file (or PostgreSQL schema) afterwards, for `engage-bench read`.
    #[arg(long)]
    keep: bool,
    /// Benchmark PostgreSQL instead of the embedded store: postgres://USER@HOST:PORT/DB.
    /// A new schema `bench_<id>` is used (dropped afterwards unless --keep).
    #[arg(long)]
    store: Option<String>,
}

fn event(n: u64) -> NewEvent {
    let payload = Payload::from_value(&json!({
        "visit_id": format!("visit-{n}"),
        "suite": "Charing Cross",
        "borough": "E09000033",
        "visitors": ["icv-0412", "icv-0977"],
        "arrived_at": "2025-02-11T19:05:00Z",
        "access_delay_minutes": 4,
        "detainees_in_custody": 11,
        "detainees_offered": 9,
        "detainees_seen": 6,
        "conditions": {"cells_clean": true, "food_offered": true, "rights_leaflet": true},
    }))
    .unwrap_or_else(|e| panic!("payload: {e}"));
    NewEvent::new(
        "CustodyVisitLogged",
        1,
        chrono::Utc::now(),
        Actor::new("icv-0412", "custody_visitor", "icv-westminster"),
        payload,
    )
    .with_reason("unannounced visit")
}

struct AppendResult {
    events: u64,
    elapsed: Duration,
    latency: Histogram<u64>,
}

impl AppendResult {
    fn rate(&self) -> f64 {
        self.events as f64 / self.elapsed.as_secs_f64()
    }
    fn pct_ms(&self, q: f64) -> f64 {
        self.latency.value_at_quantile(q) as f64 / 1000.0
    }
}

async fn appends(
    store: Arc<dyn EventStore>,
    writers: u64,
    total: u64,
) -> anyhow::Result<AppendResult> {
    let per_writer = total / writers;
    let started = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..writers {
        let store = Arc::clone(&store);
        tasks.push(tokio::spawn(async move {
            let mut hist = Histogram::<u64>::new(3).map_err(|e| anyhow::anyhow!("{e}"))?;
            let stream = StreamId::new(format!("custody-visit-{}", Uuid::now_v7()));
            for i in 0..per_writer {
                let t = Instant::now();
                store
                    .append(
                        &stream,
                        ExpectedVersion::Any,
                        vec![event(w * per_writer + i)],
                    )
                    .await?;
                hist.record(t.elapsed().as_micros() as u64)
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
            }
            anyhow::Ok(hist)
        }));
    }
    let mut latency = Histogram::<u64>::new(3).map_err(|e| anyhow::anyhow!("{e}"))?;
    for t in tasks {
        latency.add(t.await??).map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    Ok(AppendResult {
        events: per_writer * writers,
        elapsed: started.elapsed(),
        latency,
    })
}

async fn fill_to(store: &Arc<dyn EventStore>, target: u64) -> anyhow::Result<()> {
    let mut head = store.head().await?.position;
    let stream = StreamId::new(format!("bulk-{}", Uuid::now_v7()));
    while head < target {
        let n = (target - head).min(1000);
        let events = (0..n).map(|i| event(head + i)).collect();
        store.append(&stream, ExpectedVersion::Any, events).await?;
        head += n;
    }
    Ok(())
}

async fn read_all_rate(
    store: &Arc<dyn EventStore>,
    concurrency: usize,
) -> anyhow::Result<(u64, Duration)> {
    let head = store.head().await?.position;
    let started = Instant::now();
    let mut count = 0u64;
    let mut batches = engage_log::read_all_ahead(Arc::clone(store), 1, head, 8192, concurrency);
    while let Some(batch) = batches.next().await {
        count += batch?.len() as u64;
    }
    Ok((count, started.elapsed()))
}

pub(crate) fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .next()
                .map(|l| l.split_whitespace().nth(1).unwrap_or("0").to_owned())
        })
        .and_then(|kb| kb.parse::<u64>().ok())
        .map(|kb| format!("{:.0} GiB", kb as f64 / 1024.0 / 1024.0))
        .unwrap_or_else(|| "unknown memory".into());
    let load = std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "unknown".into());
    format!("{cores} cores ({cpu}), {mem}, load average {load} at start")
}

/// CPU time (user + system) this process has used so far, in seconds. Unlike wall time it
/// barely moves when other work shares the machine, so per-event CPU costs compare across
/// runs on a busy machine.
pub(crate) fn cpu_seconds() -> f64 {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage writes a `rusage` into the pointer it is given and reads nothing else.
    let rc = unsafe { libc::getrusage(libc::RUSAGE_SELF, usage.as_mut_ptr()) };
    if rc != 0 {
        return 0.0;
    }
    // SAFETY: getrusage returned 0, so it filled the struct (it was zeroed before anyway).
    let u = unsafe { usage.assume_init() };
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    secs(u.ru_utime) + secs(u.ru_stime)
}

/// The store being measured and how to clean up after it.
enum Target {
    Sqlite {
        store: Arc<dyn EventStore>,
        path: PathBuf,
        durability: Durability,
        /// The temporary directory, removed on drop (`None` when kept or given with --dir).
        _tmp: Option<tempfile::TempDir>,
    },
    Postgres {
        store: PostgresStore,
        settings: String,
    },
}

impl Target {
    fn sqlite(args: &LogArgs) -> anyhow::Result<Self> {
        let tmp = tempfile::tempdir().context("temp dir")?;
        let tmp_path = tmp.path().to_path_buf();
        let tmp = if args.keep && args.dir.is_none() {
            // Keep the directory: `TempDir::keep` hands back its path without removing it.
            let _ = tmp.keep();
            None
        } else {
            Some(tmp)
        };
        let dir = args.dir.clone().unwrap_or(tmp_path);
        std::fs::create_dir_all(&dir)?;
        let path = dir.join(format!("bench-{}.sqlite", Uuid::now_v7()));
        let durability = if args.durability == "normal" {
            Durability::Normal
        } else {
            Durability::Full
        };
        let options = SqliteOptions {
            durability,
            ..SqliteOptions::default()
        };
        let store = Arc::new(SqliteStore::open_with(&path, options).context("open store")?);
        Ok(Self::Sqlite {
            store,
            path,
            durability,
            _tmp: tmp,
        })
    }

    async fn postgres(url: &str) -> anyhow::Result<Self> {
        let base = PostgresConfig::from_url(url)?;
        let config = base.with_schema(&format!("bench_{}", Uuid::now_v7().simple()))?;
        let store = PostgresStore::open(&config)
            .await
            .with_context(|| format!("opening {config}"))?;
        let client = raw_postgres(&config).await?;
        let row = client
            .query_one(
                "SELECT version(), current_setting('fsync'), current_setting('synchronous_commit'), \
                 current_setting('full_page_writes'), current_setting('shared_buffers'), current_setting('wal_sync_method')",
                &[],
            )
            .await
            .context("reading the server's settings")?;
        let setting = |i: usize| -> anyhow::Result<String> {
            row.try_get::<_, String>(i)
                .context("reading the server's settings")
        };
        let version = setting(0)?;
        let settings = format!(
            "{} with fsync={}, synchronous_commit={}, full_page_writes={}, shared_buffers={}, wal_sync_method={}",
            version.split(" on ").next().unwrap_or(&version),
            setting(1)?,
            setting(2)?,
            setting(3)?,
            setting(4)?,
            setting(5)?,
        );
        Ok(Self::Postgres { store, settings })
    }

    fn store(&self) -> Arc<dyn EventStore> {
        match self {
            Self::Sqlite { store, .. } => Arc::clone(store),
            Self::Postgres { store, .. } => Arc::new(store.clone()),
        }
    }

    fn describe(&self) -> String {
        match self {
            Self::Sqlite {
                path, durability, ..
            } => format!(
                "{} ({})",
                path.display(),
                match durability {
                    Durability::Full => "synchronous=FULL: every acknowledged commit is fsynced",
                    Durability::Normal =>
                        "synchronous=NORMAL: NOT durable on power loss; for comparison only",
                }
            ),
            Self::Postgres { store, settings } => {
                format!("PostgreSQL {} ({settings})", store.describe())
            }
        }
    }

    async fn size(&self) -> u64 {
        match self {
            Self::Sqlite { path, .. } => std::fs::metadata(path).map(|m| m.len()).unwrap_or(0),
            Self::Postgres { store, .. } => store.storage_bytes().await.unwrap_or(0),
        }
    }

    /// Remove what the benchmark created unless it is to be kept.
    async fn finish(self, keep: bool) {
        match self {
            Self::Sqlite { path, .. } => {
                if keep {
                    eprintln!("kept {}", path.display());
                }
            }
            Self::Postgres { store, .. } => {
                let config = store.config().clone();
                drop(store);
                if keep {
                    eprintln!("kept {config}");
                    return;
                }
                let dropped = async {
                    let client = raw_postgres(&config).await?;
                    client
                        .batch_execute(&format!("DROP SCHEMA \"{}\" CASCADE", config.schema()))
                        .await?;
                    anyhow::Ok(())
                }
                .await;
                if let Err(e) = dropped {
                    eprintln!(
                        "could not drop the benchmark schema {}: {e:#}",
                        config.schema()
                    );
                }
            }
        }
    }
}

/// A plain connection for reading settings and cleaning up.
async fn raw_postgres(config: &PostgresConfig) -> anyhow::Result<tokio_postgres::Client> {
    let (client, connection) = config
        .connection_config("bench")
        .connect(tokio_postgres::NoTls)
        .await
        .with_context(|| format!("connecting to {config}"))?;
    tokio::spawn(connection);
    Ok(client)
}

async fn log_bench(mut args: LogArgs) -> anyhow::Result<()> {
    if args.quick {
        args.single_writer_appends = 500;
        args.concurrent_appends = 6_400;
        args.log_events = 50_000;
    }
    let target = match args.store.as_deref() {
        Some(url) => {
            if args.durability != "full" {
                anyhow::bail!(
                    "--durability applies to the embedded store; PostgreSQL's durability is the server's fsync/synchronous_commit"
                );
            }
            Target::postgres(url).await?
        }
        None => Target::sqlite(&args)?,
    };
    let store = target.store();
    eprintln!("store: {}", target.describe());

    eprintln!(
        "1 writer: {} single-event appends ...",
        args.single_writer_appends
    );
    let one = appends(Arc::clone(&store), 1, args.single_writer_appends).await?;
    eprintln!(
        "{} writers: {} single-event appends ...",
        args.writers, args.concurrent_appends
    );
    let many = appends(Arc::clone(&store), args.writers, args.concurrent_appends).await?;
    eprintln!(
        "filling the log to {} events (batches of 1000) ...",
        args.log_events
    );
    let fill_start = Instant::now();
    let before = store.head().await?.position;
    fill_to(&store, args.log_events).await?;
    let filled = store.head().await?.position - before;
    let fill_elapsed = fill_start.elapsed();
    eprintln!("read-all ...");
    let (seq_count, seq_elapsed) = read_all_rate(&store, 1).await?;
    let (read_count, read_elapsed) = read_all_rate(&store, 4).await?;
    eprintln!("verify ...");
    let v_start = Instant::now();
    let outcome = verify(Arc::clone(&store), |_| {}).await?;
    let v_elapsed = v_start.elapsed();
    let verified = match outcome {
        VerifyOutcome::Intact(r) => r.count,
        VerifyOutcome::Broken(f) => anyhow::bail!("verify failed: {f}"),
    };
    let file_size = target.size().await;
    drop(store);
    println!("Store: {}", target.describe());
    target.finish(args.keep || args.dir.is_some()).await;

    println!(
        "Machine: {}; {}",
        machine(),
        chrono::Utc::now().format("%Y-%m-%d")
    );
    println!();
    println!("| measurement | result |");
    println!("| --- | --- |");
    println!(
        "| durable appends, 1 writer, single-event ({} appends) | {:.0} events/s; p50 {:.2} ms, p99 {:.2} ms |",
        one.events,
        one.rate(),
        one.pct_ms(0.5),
        one.pct_ms(0.99)
    );
    println!(
        "| durable appends, {} writers, single-event ({} appends) | {:.0} events/s; p50 {:.2} ms, p99 {:.2} ms, p99.9 {:.2} ms |",
        args.writers,
        many.events,
        many.rate(),
        many.pct_ms(0.5),
        many.pct_ms(0.99),
        many.pct_ms(0.999)
    );
    println!(
        "| durable appends, 1 writer, batches of 1000 ({filled} events) | {:.0} events/s |",
        filled as f64 / fill_elapsed.as_secs_f64()
    );
    println!(
        "| read-all, one batch of 8192 at a time ({seq_count} events) | {:.0} events/s ({:.2} s) |",
        seq_count as f64 / seq_elapsed.as_secs_f64(),
        seq_elapsed.as_secs_f64()
    );
    println!(
        "| read-all, 4 batches of 8192 read ahead ({read_count} events) | {:.0} events/s ({:.2} s) |",
        read_count as f64 / read_elapsed.as_secs_f64(),
        read_elapsed.as_secs_f64()
    );
    println!(
        "| verify, whole chain ({verified} events) | {:.0} events/s ({:.2} s) |",
        verified as f64 / v_elapsed.as_secs_f64(),
        v_elapsed.as_secs_f64()
    );
    println!(
        "| store size on disk | {:.0} MiB ({:.0} bytes/event) |",
        file_size as f64 / 1024.0 / 1024.0,
        file_size as f64 / verified.max(1) as f64
    );
    Ok(())
}

async fn read_bench(args: ReadArgs) -> anyhow::Result<()> {
    let store: Arc<dyn EventStore> = if args.store.starts_with("postgres://")
        || args.store.starts_with("postgresql://")
    {
        let config = PostgresConfig::from_url(&args.store)?;
        Arc::new(
            PostgresStore::open_read_only(&config)
                .await
                .context("open store")?,
        )
    } else {
        Arc::new(SqliteStore::open_read_only(&PathBuf::from(&args.store)).context("open store")?)
    };
    let (seq_count, seq_elapsed) = read_all_rate(&store, 1).await?;
    let (read_count, read_elapsed) = read_all_rate(&store, 4).await?;
    let v_start = Instant::now();
    let outcome = verify(Arc::clone(&store), |_| {}).await?;
    let v_elapsed = v_start.elapsed();
    let verified = match outcome {
        VerifyOutcome::Intact(r) => r.count,
        VerifyOutcome::Broken(f) => anyhow::bail!("verify failed: {f}"),
    };
    println!("| measurement | result |");
    println!("| --- | --- |");
    println!(
        "| read-all, one batch of 8192 at a time ({seq_count} events) | {:.0} events/s ({:.2} s) |",
        seq_count as f64 / seq_elapsed.as_secs_f64(),
        seq_elapsed.as_secs_f64()
    );
    println!(
        "| read-all, 4 batches of 8192 read ahead ({read_count} events) | {:.0} events/s ({:.2} s) |",
        read_count as f64 / read_elapsed.as_secs_f64(),
        read_elapsed.as_secs_f64()
    );
    println!(
        "| verify, whole chain ({verified} events) | {:.0} events/s ({:.2} s) |",
        verified as f64 / v_elapsed.as_secs_f64(),
        v_elapsed.as_secs_f64()
    );
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        BenchCommand::Log(args) => log_bench(args).await,
        BenchCommand::Read(args) => read_bench(args).await,
        BenchCommand::Rebuild(args) => projections::rebuild_bench(args).await,
        BenchCommand::Lag(args) => projections::lag_bench(args).await,
    }
}
