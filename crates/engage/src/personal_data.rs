//! Personal data from the command line: where the key store is (`keys.sqlite` beside the
//! embedded log, or tables beside a PostgreSQL log), `engage erase`, and
//! `engage keys export|import` (a log exported without its keys reads as if every data
//! subject had been erased, so keys are backed up separately).

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use engage_commands::{CommandService, ExecuteOptions};
use engage_domain::data_subject::{self, EraseDataSubject};
use engage_privacy::{KEYS_FILE, KeyRecord, KeyStore, PostgresKeyStore, SqliteKeyStore};
use uuid::Uuid;

use crate::store_config::StoreLocation;

#[derive(Debug, Args)]
pub struct EraseArgs {
    /// The data subject to erase (the `data_subject_id` of their details).
    pub data_subject_id: Uuid,
    /// Why (e.g. the erasure request's reference); recorded in the log.
    #[arg(long)]
    pub reason: String,
    /// The legal basis, e.g. "UK GDPR Art. 17(1)(b)"; recorded in the log.
    #[arg(long)]
    pub legal_basis: String,
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Write every data subject's key (and every erasure) as JSON lines. The file opens all
    /// personal data in the log: keep it as secret as the keys themselves.
    Export {
        /// Write to this file (created readable by its owner only) instead of standard output.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// Add keys from an export. Subjects erased here, or whose erasure is in the log, stay
    /// erased; a different key for a subject that has one is refused.
    Import {
        /// The JSON lines file written by `engage keys export`, or `-` for standard input.
        file: PathBuf,
    },
}

/// The key store that goes with the log at `location`: `keys.sqlite` in the directory of
/// the embedded log's file, or the key tables in a PostgreSQL log's schema.
pub async fn open_keys(location: &StoreLocation) -> anyhow::Result<Arc<dyn KeyStore>> {
    match location {
        StoreLocation::Sqlite(events) => {
            let dir = events
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            let path = dir.join(KEYS_FILE);
            let keys = SqliteKeyStore::open(&path)
                .with_context(|| format!("opening the key store {}", path.display()))?;
            Ok(Arc::new(keys))
        }
        StoreLocation::Postgres(config) => {
            let keys = PostgresKeyStore::open(config)
                .await
                .with_context(|| format!("opening the key store in {config}"))?;
            Ok(Arc::new(keys))
        }
        StoreLocation::Kurrent(_) => anyhow::bail!(
            "a KurrentDB log has no personal-data key store yet (keys must be kept apart from \
             the events, and KurrentDB has no place for them that erasure can destroy): use the \
             embedded store or PostgreSQL for records with personal data (docs/kurrentdb.md)"
        ),
    }
}

/// `engage erase`: record the erasure and destroy the subject's key.
pub async fn erase_cmd(location: &StoreLocation, args: EraseArgs) -> anyhow::Result<ExitCode> {
    let store = location.open().await?;
    let keys = open_keys(location).await?;
    let service = CommandService::new(store, keys);
    complete_pending(&service).await?;
    let actor = crate::cli::operator();
    let erasure = service
        .erase_data_subject(
            EraseDataSubject {
                data_subject_id: args.data_subject_id,
                reason: args.reason,
                legal_basis: args.legal_basis,
            },
            &actor,
            ExecuteOptions::default(),
        )
        .await
        .with_context(|| format!("erasing data subject {}", args.data_subject_id))?;
    let at = erasure
        .position
        .map_or_else(String::new, |p| format!(" (event at position {p})"));
    if erasure.already_erased {
        println!(
            "data subject {} was already erased{at}: {} ({})",
            erasure.data_subject_id, erasure.reason, erasure.legal_basis
        );
    } else {
        println!(
            "erased data subject {}{at}: their key is destroyed",
            erasure.data_subject_id
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Finish erasures a stopped process left half done (run before serving or erasing).
pub async fn complete_pending(service: &CommandService) -> anyhow::Result<()> {
    let completed = service
        .complete_pending_erasures()
        .await
        .context("completing interrupted erasures")?;
    for subject in completed {
        eprintln!("completed the interrupted erasure of data subject {subject}");
    }
    Ok(())
}

pub async fn keys_cmd(location: &StoreLocation, command: KeysCommand) -> anyhow::Result<ExitCode> {
    match command {
        KeysCommand::Export { output } => {
            let keys = open_keys(location).await?;
            let records = keys.export().await.context("reading the key store")?;
            let mut text = String::new();
            for record in &records {
                text.push_str(&serde_json::to_string(record).context("writing a key record")?);
                text.push('\n');
            }
            match &output {
                Some(path) => {
                    write_private(path, text.as_bytes())
                        .with_context(|| format!("writing {}", path.display()))?;
                    eprintln!(
                        "exported {} key records to {} (keep it secret: it opens the personal data)",
                        records.len(),
                        path.display()
                    );
                }
                None => std::io::stdout()
                    .write_all(text.as_bytes())
                    .context("writing to standard output")?,
            }
            Ok(ExitCode::SUCCESS)
        }
        KeysCommand::Import { file } => {
            let mut records = read_records(&file)?;
            let store = location.open_read_only().await?;
            // A key whose subject the log says was erased is not brought back.
            for record in &mut records {
                if record.key.is_none() {
                    continue;
                }
                let stream = data_subject::stream_id(record.data_subject_id);
                let erased = store
                    .read_stream(&stream, 0, 1)
                    .await
                    .with_context(|| format!("reading {stream}"))?;
                if let Some(event) = erased.first() {
                    record.key = None;
                    record.erased_at = Some(event.recorded_at);
                }
            }
            let keys = open_keys(location).await?;
            let report = keys
                .import(&records)
                .await
                .with_context(|| format!("importing keys from {}", file.display()))?;
            println!(
                "keys: {} added, {} unchanged, {} erasures recorded, {} refused (erased here)",
                report.added, report.unchanged, report.erased, report.refused_erased
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn read_records(file: &Path) -> anyhow::Result<Vec<KeyRecord>> {
    let reader: Box<dyn BufRead> = if file.as_os_str() == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        Box::new(std::io::BufReader::new(
            std::fs::File::open(file).with_context(|| format!("opening {}", file.display()))?,
        ))
    };
    let mut records = Vec::new();
    for (i, line) in reader.lines().enumerate() {
        let line = line.with_context(|| format!("reading {}", file.display()))?;
        if line.trim().is_empty() {
            continue;
        }
        let record: KeyRecord = serde_json::from_str(&line)
            .with_context(|| format!("{} line {}: not a key record", file.display(), i + 1))?;
        if let Err(reason) = record.subject_key() {
            bail!("{} line {}: {reason}", file.display(), i + 1);
        }
        records.push(record);
    }
    Ok(records)
}

/// Write `bytes` to a new file only its owner can read, and sync it.
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}
