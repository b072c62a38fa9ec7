//! `engage rebuild [NAME]...`: rebuild read models from the log, with a progress bar,
//! resumable if interrupted; and `engage projections`: what is stored.

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::Args;
use engage_projections::{
    Engine, EngineConfig, ProjectionError, ReadModels, SNAPSHOTS_FILE, SnapshotStore,
};

use crate::progress::events_bar;
use crate::store_config::StoreLocation;

#[derive(Debug, Args)]
pub struct RebuildArgs {
    /// Read models to rebuild (default: all). `engage projections` lists them.
    pub names: Vec<String>,
    /// Start from the beginning even if an interrupted rebuild left progress to resume.
    #[arg(long)]
    pub fresh: bool,
    /// Store progress every this many events (an interrupted rebuild resumes from there).
    #[arg(long, default_value_t = 250_000)]
    pub save_every: u64,
}

/// Open the snapshot store of `data_dir`, explaining the usual reason it is locked.
pub fn open_snapshots(data_dir: &Path) -> anyhow::Result<SnapshotStore> {
    match SnapshotStore::open_in_dir(data_dir) {
        Ok(s) => Ok(s),
        Err(ProjectionError::SnapshotsLocked { .. }) => anyhow::bail!(
            "the read models in {} are in use by another engage process (is `engage serve` running \
             on this data directory?); stop it first",
            data_dir.join(SNAPSHOTS_FILE).display()
        ),
        Err(e) => Err(e).context("opening the read-model snapshots"),
    }
}

pub async fn rebuild_cmd(
    location: &StoreLocation,
    data_dir: &Path,
    args: RebuildArgs,
) -> anyhow::Result<ExitCode> {
    let store = location.open_read_only().await?;
    let snapshots = Arc::new(open_snapshots(data_dir)?);
    let models = ReadModels::new();
    let mut engine = Engine::new(store, EngineConfig::default()).with_snapshots(snapshots);
    let only = (!args.names.is_empty()).then_some(args.names.as_slice());
    models.register(&mut engine, only)?;
    let names = engine.names();
    eprintln!(
        "rebuilding {} from {}",
        names.join(", "),
        location.describe()
    );
    let bar = events_bar(0, "rebuilding");
    let outcome = engine
        .rebuild(args.fresh, args.save_every, |p| {
            bar.set_length(p.to.saturating_sub(p.from) + 1);
            bar.set_position(p.applied.saturating_sub(p.from) + 1);
        })
        .await;
    bar.finish_and_clear();
    let outcome =
        outcome.context("rebuilding the read models (run the same command again to resume)")?;
    if outcome.resumed_from > 0 {
        eprintln!(
            "resumed an interrupted rebuild at position {}",
            outcome.resumed_from
        );
    }
    let rate = if outcome.seconds > 0.0 {
        outcome.events as f64 / outcome.seconds
    } else {
        0.0
    };
    println!(
        "rebuilt {} to position {}: {} events in {:.2} s ({:.0} events/s)",
        outcome.models.join(", "),
        outcome.head,
        outcome.events,
        outcome.seconds,
        rate
    );
    Ok(ExitCode::SUCCESS)
}

/// `engage projections`: every built-in read model and what is stored for it.
pub async fn projections_cmd(
    location: &StoreLocation,
    data_dir: &Path,
) -> anyhow::Result<ExitCode> {
    let store = location.open_read_only().await?;
    let head = store
        .head()
        .await
        .context("reading the head of the log")?
        .position;
    let snapshots = open_snapshots(data_dir)?;
    let stored = snapshots.list()?;
    println!("log head: {head}");
    println!(
        "{:<26} {:>8} {:>12} {:>10} {:>12}",
        "read model", "version", "checkpoint", "behind", "snapshot"
    );
    for name in ReadModels::NAMES {
        match stored.iter().find(|s| s.model == *name) {
            Some(s) => println!(
                "{:<26} {:>8} {:>12} {:>10} {:>12}",
                name,
                s.version,
                s.checkpoint,
                head.saturating_sub(s.checkpoint),
                if s.rebuilding {
                    "rebuilding".to_owned()
                } else {
                    format!("{} KiB", s.bytes / 1024)
                }
            ),
            None => println!(
                "{:<26} {:>8} {:>12} {:>10} {:>12}",
                name, "-", "-", head, "none"
            ),
        }
    }
    Ok(ExitCode::SUCCESS)
}
