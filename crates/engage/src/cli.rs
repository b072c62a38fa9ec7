//! Command-line interface: arguments (flags and `ENGAGE_*` environment variables) and the
//! subcommands' work.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand, ValueEnum};
use engage_log::ndjson::{check_ndjson, export_ndjson, import_ndjson};
use engage_log::{EventHash, VerifyOutcome, verify};
use tokio::io::{AsyncWrite, BufReader};

use crate::progress::events_bar;
use crate::store_config::StoreLocation;

/// engage: the event-sourced records backend for London's community–police engagement bodies.
#[derive(Debug, Parser)]
#[command(name = "engage", version, about, long_about = None)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct Global {
    /// Directory of the embedded store (created if missing).
    #[arg(
        long,
        env = "ENGAGE_DATA_DIR",
        default_value = "./engage-data",
        global = true
    )]
    pub data_dir: PathBuf,
    /// Event store URL: sqlite:PATH, or postgres://USER:PASSWORD@HOST:PORT/DATABASE[?schema=NAME]
    /// (default: the embedded store in --data-dir).
    #[arg(long, env = "ENGAGE_STORE", hide_env_values = true, global = true)]
    pub store: Option<String>,
    /// Log format on stderr.
    #[arg(long, env = "ENGAGE_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text, global = true)]
    pub log_format: LogFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server: GraphQL at /graphql, GraphiQL at /graphiql, /livez, /readyz, /metrics.
    Serve(ServeArgs),
    /// Recompute the whole hash chain; print the event count and head hash.
    /// Exits 3 and names the first bad position if any event was edited, removed or reordered.
    Verify(VerifyArgs),
    /// Write the whole log as NDJSON (one event per line, ids, order and hashes preserved).
    Export(ExportArgs),
    /// Import data into the store.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Fill an empty store with a realistic, deterministic multi-year history (demo and load data).
    ///
    /// Every lifecycle of the domain — boards, ward panels, complaints, priorities, fund
    /// bids, custody visits, stop-and-search monitoring, police complaint cases, crime and
    /// confidence figures, Community Payback, IAGs, Neighbourhood Watch, LCP2 and the
    /// pan-London partnership boards — written through the same command path as real use,
    /// on the wards of a --wards FILE list (synthetic wards without one) and the Met custody
    /// suites (MOPAC, 2019), which it registers first. The same --seed and flags (with
    /// --until) give the same history.
    Seed(crate::seed::SeedArgs),
    /// Rebuild read models from the log (all, or those named), with progress; an interrupted
    /// rebuild resumes where it stopped. Stop `engage serve` on the data directory first.
    Rebuild(crate::rebuild::RebuildArgs),
    /// List the read models and how far each stored one is behind the log.
    Projections,
    /// Print a signed bearer token (JWT) for a role and scope, for local use: send it as
    /// `Authorization: Bearer <token>`. Signed with the secret `engage serve` uses.
    Token(crate::access::TokenArgs),
    /// Erase a data subject's personal data: record why and on what legal basis, then
    /// destroy their key (the log still verifies). Stop `engage serve` on the embedded store
    /// first, or use the `eraseDataSubject` mutation.
    Erase(crate::personal_data::EraseArgs),
    /// Back up or restore the personal-data keys, kept apart from the log (`keys.sqlite`).
    #[command(subcommand)]
    Keys(crate::personal_data::KeysCommand),
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Read settings from this TOML file (see docs/engage.example.toml); flags and
    /// `ENGAGE_*` variables override it.
    #[arg(long, env = "ENGAGE_CONFIG")]
    pub config: Option<PathBuf>,
    /// Address to listen on.
    #[arg(long, env = "ENGAGE_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: std::net::SocketAddr,
    /// Serve the GraphiQL IDE at /graphiql (`--graphiql false` to turn it off).
    #[arg(long, env = "ENGAGE_GRAPHIQL", default_value_t = true, action = clap::ArgAction::Set)]
    pub graphiql: bool,
    /// Largest request body accepted, in bytes (413 above it).
    #[arg(long, env = "ENGAGE_MAX_BODY_BYTES", default_value_t = 1024 * 1024)]
    pub max_body_bytes: usize,
    /// Bytes of query text kept for automatic persisted queries, least recently used
    /// forgotten first (0 turns them off).
    #[arg(long, env = "ENGAGE_PERSISTED_QUERY_CACHE_BYTES", default_value_t = 4 * 1024 * 1024)]
    pub persisted_query_cache_bytes: usize,
    /// Bearer tokens, the development switch and rate limits (see docs/access.md).
    #[command(flatten)]
    pub access: crate::access::ServeAccessArgs,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Also require the log to contain this head hash (from an earlier verify): detects truncation.
    #[arg(long)]
    pub expect_head: Option<EventHash>,
    /// Print the result as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Write to this file instead of standard output.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Import a whole log exported by `engage export` (verified line by line; a broken chain
    /// is refused before anything is written; re-running resumes an interrupted import).
    Log {
        /// The NDJSON file, or `-` for standard input.
        file: PathBuf,
    },
    /// Register London's wards from the GLA ward atlas CSV (or an ONS ward list with
    /// WD..CD / LAD..CD columns). Re-importing the same file records nothing new.
    Wards {
        file: PathBuf,
        /// Where the list comes from, recorded with every ward.
        #[arg(long, default_value = "GLA ward atlas")]
        source: String,
    },
    /// Register custody suites from a CSV (suite id, name, borough or borough code, optional
    /// cells); every rejected row is reported and re-importing records nothing new.
    CustodySuites { file: PathBuf },
    /// Record a data.police.uk stop-and-search CSV as monitoring batches (one per month),
    /// with counts by ethnicity and outcome; every rejected row is reported.
    StopAndSearch {
        file: PathBuf,
        /// GSS code of the borough whose monitoring group reviews these records, e.g.
        /// E09000007 (the file itself has no borough column).
        #[arg(long)]
        borough: String,
    },
    /// Record MOPAC Public Attitude Survey confidence results by neighbourhood.
    Confidence {
        file: PathBuf,
        /// First day of the survey period the file covers (YYYY-MM-DD).
        #[arg(long)]
        from: chrono::NaiveDate,
        /// Last day of the survey period (YYYY-MM-DD).
        #[arg(long)]
        to: chrono::NaiveDate,
    },
}

pub fn init_tracing(global: &Global) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match global.log_format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Text => builder.try_init(),
    };
}

pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let location = StoreLocation::resolve(cli.global.store.as_deref(), &cli.global.data_dir)?;
    match cli.command {
        Command::Serve(args) => serve_cmd(&location, &cli.global.data_dir, args).await,
        Command::Token(args) => crate::access::token_cmd(&cli.global.data_dir, args),
        Command::Verify(args) => verify_cmd(&location, args).await,
        Command::Export(args) => export_cmd(&location, args).await,
        Command::Import(ImportCommand::Log { file }) => import_log_cmd(&location, file).await,
        Command::Import(data) => import_data_cmd(&location, data).await,
        Command::Seed(args) => crate::seed::seed_cmd(&location, args).await,
        Command::Rebuild(args) => {
            crate::rebuild::rebuild_cmd(&location, &cli.global.data_dir, args).await
        }
        Command::Projections => {
            crate::rebuild::projections_cmd(&location, &cli.global.data_dir).await
        }
        Command::Erase(args) => crate::personal_data::erase_cmd(&location, args).await,
        Command::Keys(command) => crate::personal_data::keys_cmd(&location, command).await,
    }
}

async fn serve_cmd(
    location: &StoreLocation,
    data_dir: &std::path::Path,
    args: ServeArgs,
) -> anyhow::Result<ExitCode> {
    if let StoreLocation::Sqlite(path) = location
        && let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
    {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("creating the data directory {}", dir.display()))?;
    }
    let store = location.open().await?;
    let head = store.head().await.context("reading the head of the log")?;
    tracing::info!(store = %location.describe(), events = head.position, "event store open");
    let keys = crate::personal_data::open_keys(location).await?;
    crate::personal_data::complete_pending(&engage_commands::CommandService::new(
        Arc::clone(&store),
        Arc::clone(&keys),
    ))
    .await?;
    let config = engage_server::ServerConfig {
        keys: Some(keys),
        listen: args.listen,
        graphiql: args.graphiql,
        max_body_bytes: args.max_body_bytes,
        persisted_query_cache_bytes: args.persisted_query_cache_bytes,
        access: crate::access::server_access(&args.access, data_dir)?,
        ..engage_server::ServerConfig::default()
    };
    eprintln!(
        "engage is serving {} events from {} on http://{}/graphql{}",
        head.position,
        location.describe(),
        args.listen,
        if args.graphiql {
            format!(" (GraphiQL: http://{}/graphiql)", args.listen)
        } else {
            String::new()
        }
    );
    // Read models: restored from their snapshots in the data directory, caught up, kept
    // current, and stored again on shutdown.
    let snapshots = Arc::new(crate::rebuild::open_snapshots(data_dir)?);
    let engine = engage_projections::Engine::new(
        Arc::clone(&store),
        engage_projections::EngineConfig::default(),
    )
    .with_snapshots(snapshots);
    let read = engage_server::ReadSide::with_engine(engine);
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("listening on {}", args.listen))?;
    engage_server::serve_with(listener, config, store, read, shutdown_signal())
        .await
        .context("running the server")?;
    eprintln!("engage stopped cleanly");
    Ok(ExitCode::SUCCESS)
}

/// Completes on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => tracing::info!("interrupt received; shutting down"),
        _ = term => tracing::info!("SIGTERM received; shutting down"),
    }
}

async fn verify_cmd(location: &StoreLocation, args: VerifyArgs) -> anyhow::Result<ExitCode> {
    let store = location.open_read_only().await?;
    let head = store.head().await.context("reading the head of the log")?;
    let bar = events_bar(head.position, "verifying");
    let started = std::time::Instant::now();
    let outcome = verify(Arc::clone(&store), |n| bar.set_position(n))
        .await
        .context("verifying the log")?;
    bar.finish_and_clear();
    let elapsed = started.elapsed();
    if args.json {
        println!(
            "{}",
            serde_json::to_string(&outcome).context("printing the result")?
        );
    }
    match outcome {
        VerifyOutcome::Intact(report) => {
            if !args.json {
                println!("verified {} events: the hash chain is intact", report.count);
                println!("head {}", report.head);
                eprintln!(
                    "({:.2?}, {:.0} events/s)",
                    elapsed,
                    report.count as f64 / elapsed.as_secs_f64().max(1e-9)
                );
            }
            // The usual case, the expected head is still the head, needs no second pass.
            if let Some(expected) = args.expect_head.filter(|h| *h != report.head) {
                let events = engage_log::verify::contains_hash(&*store, &expected)
                    .await
                    .context("searching for the expected head")?;
                match events {
                    Some(position) if position == report.count => {}
                    Some(position) => eprintln!(
                        "note: the expected head is at position {position}; {} events were recorded since",
                        report.count - position
                    ),
                    None => {
                        eprintln!(
                            "TAMPERED: the expected head {expected} is not in this log (truncated or replaced)"
                        );
                        return Ok(ExitCode::from(3));
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        VerifyOutcome::Broken(failure) => {
            eprintln!("TAMPERED: the hash chain is broken at {failure}");
            eprintln!(
                "{} events before position {} verified",
                failure.verified, failure.position
            );
            Ok(ExitCode::from(3))
        }
    }
}

async fn export_cmd(location: &StoreLocation, args: ExportArgs) -> anyhow::Result<ExitCode> {
    let store = location.open_read_only().await?;
    let head = store.head().await.context("reading the head of the log")?;
    let bar = events_bar(head.position, "exporting");
    let mut out: Box<dyn AsyncWrite + Unpin + Send> = match &args.output {
        Some(path) => Box::new(tokio::io::BufWriter::new(
            tokio::fs::File::create(path)
                .await
                .with_context(|| format!("creating {}", path.display()))?,
        )),
        None => Box::new(tokio::io::BufWriter::new(tokio::io::stdout())),
    };
    let summary = export_ndjson(&*store, &mut out, |n| bar.set_position(n))
        .await
        .context("exporting")?;
    bar.finish_and_clear();
    if let Some(path) = &args.output {
        let file = tokio::fs::File::options().write(true).open(path).await?;
        file.sync_all()
            .await
            .with_context(|| format!("syncing {}", path.display()))?;
        eprintln!(
            "exported {} events to {}; head {}",
            summary.written,
            path.display(),
            summary.head.hash
        );
    } else {
        eprintln!(
            "exported {} events; head {}",
            summary.written, summary.head.hash
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// The identity recorded for imports run from the command line (until tokens exist).
pub(crate) fn operator() -> engage_log::Actor {
    let user = std::env::var("USER").unwrap_or_else(|_| "operator".into());
    engage_log::Actor::new(format!("cli:{user}"), "administrator", "engage-cli")
}

async fn import_data_cmd(
    location: &StoreLocation,
    command: ImportCommand,
) -> anyhow::Result<ExitCode> {
    let store = location.open().await?;
    let keys = crate::personal_data::open_keys(location).await?;
    let service = engage_commands::CommandService::new(Arc::clone(&store), keys);
    let actor = operator();
    let open = |file: &PathBuf| {
        std::fs::File::open(file)
            .map(std::io::BufReader::new)
            .with_context(|| format!("opening {}", file.display()))
    };
    let name = |file: &PathBuf| {
        file.file_name().map_or_else(
            || file.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        )
    };
    let bar = events_bar(0, "importing");
    let progress = |n: u64| {
        bar.set_length(n);
        bar.set_position(n);
    };
    let report = match &command {
        ImportCommand::Log { .. } => bail!("internal: log imports are handled separately"),
        ImportCommand::Wards { file, source } => {
            engage_import::import_wards(&service, open(file)?, &actor, source, progress)
                .await
                .with_context(|| format!("importing wards from {}", file.display()))?
        }
        ImportCommand::CustodySuites { file } => engage_import::import_custody_suites(
            &service,
            open(file)?,
            &actor,
            &name(file),
            progress,
        )
        .await
        .with_context(|| format!("importing custody suites from {}", file.display()))?,
        ImportCommand::StopAndSearch { file, borough } => engage_import::import_stop_and_search(
            &service,
            open(file)?,
            engage_domain::BoroughCode::new(borough.trim()),
            &actor,
            &name(file),
            progress,
        )
        .await
        .with_context(|| format!("importing stop-and-search records from {}", file.display()))?,
        ImportCommand::Confidence { file, from, to } => {
            if to < from {
                bail!("--to {to} is before --from {from}");
            }
            engage_import::import_confidence(
                &service,
                open(file)?,
                &actor,
                &name(file),
                engage_domain::common::Period::new(*from, *to),
                progress,
            )
            .await
            .with_context(|| format!("importing confidence results from {}", file.display()))?
        }
    };
    bar.finish_and_clear();
    println!("{report}");
    Ok(ExitCode::SUCCESS)
}

async fn import_log_cmd(location: &StoreLocation, file: PathBuf) -> anyhow::Result<ExitCode> {
    let store = location.open().await?;
    let from_stdin = file.as_os_str() == "-";
    if !from_stdin {
        // First pass: check the whole file's chain so a broken file imports nothing.
        let input = tokio::fs::File::open(&file)
            .await
            .with_context(|| format!("opening {}", file.display()))?;
        let bar = events_bar(0, "checking");
        let checked = check_ndjson(BufReader::with_capacity(1 << 20, input), |n| {
            bar.set_length(n);
            bar.set_position(n);
        })
        .await
        .with_context(|| format!("{} was not imported", file.display()))?;
        bar.finish_and_clear();
        eprintln!(
            "checked {} events: chain intact, head {}",
            checked.position, checked.hash
        );
    }
    let bar = events_bar(0, "importing");
    let summary = if from_stdin {
        import_ndjson(
            Arc::clone(&store),
            BufReader::with_capacity(1 << 20, tokio::io::stdin()),
            |n| {
                bar.set_length(n);
                bar.set_position(n)
            },
        )
        .await
        .context("importing from standard input")?
    } else {
        let input = tokio::fs::File::open(&file)
            .await
            .with_context(|| format!("opening {}", file.display()))?;
        import_ndjson(
            Arc::clone(&store),
            BufReader::with_capacity(1 << 20, input),
            |n| {
                bar.set_length(n);
                bar.set_position(n)
            },
        )
        .await
        .with_context(|| format!("importing {}", file.display()))?
    };
    bar.finish_and_clear();
    if summary.written == 0 && summary.skipped == 0 && summary.head.position == 0 {
        bail!("the import file held no events");
    }
    println!(
        "imported {} events ({} already present); head {} at position {}",
        summary.written, summary.skipped, summary.head.hash, summary.head.position
    );
    Ok(ExitCode::SUCCESS)
}
