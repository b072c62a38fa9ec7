//! Where read models are kept between runs: one SQLite file (`projections.sqlite` in the
//! data directory) holding, per read model, its encoded state **and** the checkpoint it is
//! exactly up to, written together in one transaction — so a restored model is never ahead
//! of or behind its checkpoint, whatever crashed when. The file is derived data: deleting it
//! only costs a rebuild from the log.
//!
//! A lock file (`projections.sqlite.lock`) keeps two engage processes from writing the same
//! snapshots (say `engage serve` and `engage rebuild`).

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};

use engage_log::EventHash;
use parking_lot::Mutex;
use rusqlite::{Connection, OptionalExtension, params};

use crate::error::ProjectionError;
use crate::model::Snapshot;

/// The snapshot file's name inside a data directory.
pub const SNAPSHOTS_FILE: &str = "projections.sqlite";

const FORMAT_VERSION: i64 = 1;

/// The snapshot store.
pub struct SnapshotStore {
    path: PathBuf,
    conn: Mutex<Connection>,
    _lock: File,
}

impl std::fmt::Debug for SnapshotStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SnapshotStore")
            .field("path", &self.path)
            .finish()
    }
}

/// What is stored about one read model, without its state.
#[derive(Debug, Clone, PartialEq)]
pub struct SnapshotInfo {
    pub model: String,
    pub version: u32,
    pub checkpoint: u64,
    /// A rebuild of this model was started and has not finished: the stored state is a
    /// rebuild's progress, to resume from.
    pub rebuilding: bool,
    pub bytes: u64,
}

impl SnapshotStore {
    /// Open (creating) the snapshot store in `dir`.
    pub fn open_in_dir(dir: &Path) -> Result<Self, ProjectionError> {
        Self::open(&dir.join(SNAPSHOTS_FILE))
    }

    /// Open (creating) the snapshot store at `path`, taking its lock.
    pub fn open(path: &Path) -> Result<Self, ProjectionError> {
        let err = |message: String| ProjectionError::Snapshots {
            path: path.display().to_string(),
            message,
        };
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)
                .map_err(|e| err(format!("cannot create {}: {e}", parent.display())))?;
        }
        let mut lock_path = path.as_os_str().to_owned();
        lock_path.push(".lock");
        let lock_path = PathBuf::from(lock_path);
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| err(format!("cannot open the lock file: {e}")))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                return Err(ProjectionError::SnapshotsLocked {
                    path: path.display().to_string(),
                    lock: lock_path.display().to_string(),
                });
            }
            Err(TryLockError::Error(e)) => return Err(err(format!("cannot lock: {e}"))),
        }
        let conn = Connection::open(path).map_err(|e| err(e.to_string()))?;
        conn.execute_batch(
            "PRAGMA journal_mode = WAL;
             PRAGMA synchronous = NORMAL;
             CREATE TABLE IF NOT EXISTS snapshot_format (version INTEGER NOT NULL) STRICT;
             CREATE TABLE IF NOT EXISTS snapshots (
                 model TEXT PRIMARY KEY,
                 version INTEGER NOT NULL,
                 checkpoint INTEGER NOT NULL,
                 checkpoint_hash BLOB,
                 rebuilding INTEGER NOT NULL DEFAULT 0,
                 saved_at TEXT NOT NULL,
                 state BLOB NOT NULL
             ) STRICT;",
        )
        .map_err(|e| err(e.to_string()))?;
        let format: Option<i64> = conn
            .query_row("SELECT version FROM snapshot_format", [], |r| r.get(0))
            .optional()
            .map_err(|e| err(e.to_string()))?;
        match format {
            None => {
                conn.execute(
                    "INSERT INTO snapshot_format (version) VALUES (?1)",
                    [FORMAT_VERSION],
                )
                .map_err(|e| err(e.to_string()))?;
            }
            Some(v) if v == FORMAT_VERSION => {}
            Some(v) => {
                return Err(err(format!(
                    "format version {v} is not {FORMAT_VERSION}; delete the file to rebuild every read model"
                )));
            }
        }
        Ok(Self {
            path: path.to_path_buf(),
            conn: Mutex::new(conn),
            _lock: lock,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn err(&self, e: impl std::fmt::Display) -> ProjectionError {
        ProjectionError::Snapshots {
            path: self.path.display().to_string(),
            message: e.to_string(),
        }
    }

    /// The stored snapshot of `model`, if any.
    pub fn load(&self, model: &str) -> Result<Option<Snapshot>, ProjectionError> {
        let conn = self.conn.lock();
        conn.query_row(
            "SELECT version, checkpoint, checkpoint_hash, state, rebuilding FROM snapshots WHERE model = ?1",
            [model],
            |r| {
                let hash: Option<Vec<u8>> = r.get(2)?;
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, i64>(1)?,
                    hash,
                    r.get::<_, Vec<u8>>(3)?,
                    r.get::<_, bool>(4)?,
                ))
            },
        )
        .optional()
        .map_err(|e| self.err(e))?
        .map(|(version, checkpoint, hash, bytes, rebuilding)| {
            let checkpoint_hash = match hash {
                None => None,
                Some(h) => Some(
                    EventHash::from_slice(&h)
                        .ok_or_else(|| self.err(format!("`{model}` has a malformed hash")))?,
                ),
            };
            Ok(Snapshot {
                model: model.to_owned(),
                version: u32::try_from(version).map_err(|e| self.err(e))?,
                checkpoint: u64::try_from(checkpoint).map_err(|e| self.err(e))?,
                checkpoint_hash,
                bytes,
                rebuilding,
            })
        })
        .transpose()
    }

    /// Store `snapshots` together, in one transaction: all of them or none.
    /// `rebuilding` marks them as a rebuild's progress (see [`SnapshotInfo::rebuilding`]).
    pub fn save_all(
        &self,
        snapshots: &[Snapshot],
        rebuilding: bool,
    ) -> Result<(), ProjectionError> {
        let mut conn = self.conn.lock();
        let tx = conn.transaction().map_err(|e| self.err(e))?;
        let now = chrono::Utc::now().to_rfc3339();
        for s in snapshots {
            tx.execute(
                "INSERT INTO snapshots (model, version, checkpoint, checkpoint_hash, rebuilding, saved_at, state)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (model) DO UPDATE SET version = excluded.version,
                   checkpoint = excluded.checkpoint, checkpoint_hash = excluded.checkpoint_hash,
                   rebuilding = excluded.rebuilding, saved_at = excluded.saved_at, state = excluded.state",
                params![
                    s.model,
                    i64::from(s.version),
                    i64::try_from(s.checkpoint).map_err(|e| self.err(e))?,
                    s.checkpoint_hash.map(|h| h.0.to_vec()),
                    rebuilding,
                    now,
                    s.bytes,
                ],
            )
            .map_err(|e| self.err(e))?;
        }
        tx.commit().map_err(|e| self.err(e))
    }

    /// Forget the snapshot of `model` (it will be rebuilt from the log).
    pub fn delete(&self, model: &str) -> Result<(), ProjectionError> {
        self.conn
            .lock()
            .execute("DELETE FROM snapshots WHERE model = ?1", [model])
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Mark `models` as being rebuilt (or not).
    pub fn set_rebuilding(&self, models: &[&str], rebuilding: bool) -> Result<(), ProjectionError> {
        let mut conn = self.conn.lock();
        let tx = conn.transaction().map_err(|e| self.err(e))?;
        for m in models {
            tx.execute(
                "UPDATE snapshots SET rebuilding = ?2 WHERE model = ?1",
                params![m, rebuilding],
            )
            .map_err(|e| self.err(e))?;
        }
        tx.commit().map_err(|e| self.err(e))
    }

    /// What is stored, per model.
    pub fn list(&self) -> Result<Vec<SnapshotInfo>, ProjectionError> {
        let conn = self.conn.lock();
        let mut stmt = conn
            .prepare(
                "SELECT model, version, checkpoint, rebuilding, length(state) FROM snapshots ORDER BY model",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, bool>(3)?,
                    r.get::<_, i64>(4)?,
                ))
            })
            .map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        for row in rows {
            let (model, version, checkpoint, rebuilding, bytes) = row.map_err(|e| self.err(e))?;
            out.push(SnapshotInfo {
                model,
                version: u32::try_from(version).unwrap_or(0),
                checkpoint: u64::try_from(checkpoint).unwrap_or(0),
                rebuilding,
                bytes: u64::try_from(bytes).unwrap_or(0),
            });
        }
        Ok(out)
    }
}
