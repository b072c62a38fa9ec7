//! The embedded key store: its own SQLite file (`keys.sqlite` beside `events.sqlite`), so the
//! log and the keys can be kept, copied and backed up apart.
//!
//! - `synchronous=FULL` in WAL mode: a key is on disk before the event sealed with it is
//!   appended.
//! - `secure_delete=ON`: destroying a key overwrites its bytes with zeros in the page, and
//!   the WAL is then checkpointed and truncated, so the key's bytes are left in no file.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use chrono::Utc;
use engage_log::Timestamp;
use engage_log::envelope::{timestamp_from_micros, timestamp_micros};
use rusqlite::{Connection, OptionalExtension, params};
use uuid::Uuid;

use crate::keystore::{
    ImportReport, ImportStep, KeyRecord, KeyStore, KeyStoreError, SubjectKey, SubjectStatus,
    import_step,
};

/// The key store's file name in the data directory.
pub const KEYS_FILE: &str = "keys.sqlite";

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS subject_keys (
    data_subject_id TEXT PRIMARY KEY NOT NULL,
    key             BLOB NOT NULL,
    created_at_us   INTEGER NOT NULL,
    erasure_pending INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE TABLE IF NOT EXISTS erased_subjects (
    data_subject_id TEXT PRIMARY KEY NOT NULL,
    created_at_us   INTEGER NOT NULL,
    erased_at_us    INTEGER NOT NULL
) STRICT;
";

/// Keys in an SQLite file of their own.
#[derive(Clone)]
pub struct SqliteKeyStore {
    path: PathBuf,
    conn: Arc<Mutex<Connection>>,
}

impl std::fmt::Debug for SqliteKeyStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteKeyStore")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

type Row = (Option<SubjectKey>, Option<i64>, bool, Option<i64>);

impl SqliteKeyStore {
    /// Open (creating if needed) the key store at `path`.
    pub fn open(path: &Path) -> Result<Self, KeyStoreError> {
        let err = |source| KeyStoreError::Sqlite {
            path: path.display().to_string(),
            source: Box::new(source),
        };
        let conn = Connection::open(path).map_err(err)?;
        conn.busy_timeout(Duration::from_secs(10)).map_err(err)?;
        conn.pragma_update(None, "secure_delete", "ON")
            .map_err(err)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(err)?;
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(err)?;
        conn.execute_batch(SCHEMA).map_err(err)?;
        Ok(Self {
            path: path.to_owned(),
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    /// The key store of a data directory (`DIR/keys.sqlite`).
    pub fn in_dir(dir: &Path) -> Result<Self, KeyStoreError> {
        Self::open(&dir.join(KEYS_FILE))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Run `f` on the connection on a blocking thread.
    async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> rusqlite::Result<Result<T, KeyStoreError>> + Send + 'static,
    ) -> Result<T, KeyStoreError> {
        let conn = Arc::clone(&self.conn);
        let path = self.path.display().to_string();
        tokio::task::spawn_blocking(move || {
            let mut guard = match conn.lock() {
                Ok(guard) => guard,
                Err(poisoned) => poisoned.into_inner(),
            };
            f(&mut guard).map_err(|source| KeyStoreError::Sqlite {
                path,
                source: Box::new(source),
            })?
        })
        .await
        .map_err(|e| KeyStoreError::Task(e.to_string()))?
    }
}

fn uuid_text(subject: Uuid) -> String {
    subject.hyphenated().to_string()
}

fn read(conn: &Connection, subject: Uuid) -> rusqlite::Result<Option<Row>> {
    let id = uuid_text(subject);
    let active = conn
        .query_row(
            "SELECT key, created_at_us, erasure_pending FROM subject_keys WHERE data_subject_id = ?1",
            params![id],
            |r| {
                let key: Vec<u8> = r.get(0)?;
                Ok((
                    SubjectKey::from_slice(&key),
                    Some(r.get::<_, i64>(1)?),
                    r.get::<_, i64>(2)? != 0,
                    None,
                ))
            },
        )
        .optional()?;
    if active.is_some() {
        return Ok(active);
    }
    conn.query_row(
        "SELECT created_at_us, erased_at_us FROM erased_subjects WHERE data_subject_id = ?1",
        params![id],
        |r| Ok((None, Some(r.get(0)?), false, Some(r.get(1)?))),
    )
    .optional()
}

fn checked_key(subject: Uuid, row: &Row) -> Result<Option<SubjectKey>, KeyStoreError> {
    match row {
        (Some(key), _, _, None) => Ok(Some(key.clone())),
        (None, _, _, None) => Err(KeyStoreError::Corrupt(subject.to_string())),
        (_, _, _, Some(_)) => Ok(None),
    }
}

fn micros(t: Timestamp) -> i64 {
    timestamp_micros(t)
}

fn instant(us: i64, subject: &str) -> Result<Timestamp, KeyStoreError> {
    timestamp_from_micros(us).ok_or_else(|| KeyStoreError::Corrupt(subject.to_owned()))
}

fn active_record(id: &str, key: &[u8], created: i64) -> Result<KeyRecord, KeyStoreError> {
    let subject = Uuid::parse_str(id).map_err(|_| KeyStoreError::Corrupt(id.to_owned()))?;
    let key = SubjectKey::from_slice(key).ok_or_else(|| KeyStoreError::Corrupt(id.to_owned()))?;
    Ok(KeyRecord::active(subject, &key, instant(created, id)?))
}

fn erased_record(id: &str, created: i64, erased: i64) -> Result<KeyRecord, KeyStoreError> {
    Ok(KeyRecord {
        data_subject_id: Uuid::parse_str(id).map_err(|_| KeyStoreError::Corrupt(id.to_owned()))?,
        key: None,
        created_at: instant(created, id)?,
        erased_at: Some(instant(erased, id)?),
    })
}

/// Delete the key and record the erasure in one transaction, then checkpoint the WAL so the
/// old page (with the key) is in no file.
fn destroy(conn: &mut Connection, subject: Uuid, at: Timestamp) -> rusqlite::Result<()> {
    let id = uuid_text(subject);
    let tx = conn.transaction()?;
    let created: Option<i64> = tx
        .query_row(
            "SELECT created_at_us FROM subject_keys WHERE data_subject_id = ?1",
            params![id],
            |r| r.get(0),
        )
        .optional()?;
    tx.execute(
        "DELETE FROM subject_keys WHERE data_subject_id = ?1",
        params![id],
    )?;
    tx.execute(
        "INSERT INTO erased_subjects (data_subject_id, created_at_us, erased_at_us)
         VALUES (?1, ?2, ?3) ON CONFLICT (data_subject_id) DO NOTHING",
        params![id, created.unwrap_or_else(|| micros(at)), micros(at)],
    )?;
    tx.commit()?;
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    Ok(())
}

#[async_trait]
impl KeyStore for SqliteKeyStore {
    async fn key(&self, subject: Uuid) -> Result<Option<SubjectKey>, KeyStoreError> {
        self.run(move |conn| {
            Ok(match read(conn, subject)? {
                None => Ok(None),
                Some(row) => checked_key(subject, &row),
            })
        })
        .await
    }

    async fn key_for_sealing(&self, subject: Uuid) -> Result<SubjectKey, KeyStoreError> {
        let fresh = SubjectKey::generate()?;
        self.run(move |conn| {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            if let Some(row) = read(&tx, subject)? {
                return Ok(match checked_key(subject, &row) {
                    Ok(Some(key)) => Ok(key),
                    Ok(None) => Err(KeyStoreError::Erased(subject)),
                    Err(e) => Err(e),
                });
            }
            tx.execute(
                "INSERT INTO subject_keys (data_subject_id, key, created_at_us) VALUES (?1, ?2, ?3)",
                params![uuid_text(subject), fresh.bytes().as_slice(), micros(Utc::now())],
            )?;
            tx.commit()?;
            Ok(Ok(fresh))
        })
        .await
    }

    async fn status(&self, subject: Uuid) -> Result<SubjectStatus, KeyStoreError> {
        self.run(move |conn| {
            let id = uuid_text(subject);
            Ok(match read(conn, subject)? {
                None => Ok(SubjectStatus::Unknown),
                Some((_, _, _, Some(erased))) => {
                    instant(erased, &id).map(|erased_at| SubjectStatus::Erased { erased_at })
                }
                Some((_, _, pending, None)) => Ok(SubjectStatus::Active {
                    erasure_pending: pending,
                }),
            })
        })
        .await
    }

    async fn begin_erasure(&self, subject: Uuid) -> Result<(), KeyStoreError> {
        self.run(move |conn| {
            conn.execute(
                "UPDATE subject_keys SET erasure_pending = 1 WHERE data_subject_id = ?1",
                params![uuid_text(subject)],
            )?;
            Ok(Ok(()))
        })
        .await
    }

    async fn cancel_erasure(&self, subject: Uuid) -> Result<(), KeyStoreError> {
        self.run(move |conn| {
            conn.execute(
                "UPDATE subject_keys SET erasure_pending = 0 WHERE data_subject_id = ?1",
                params![uuid_text(subject)],
            )?;
            Ok(Ok(()))
        })
        .await
    }

    async fn destroy_key(&self, subject: Uuid, at: Timestamp) -> Result<(), KeyStoreError> {
        self.run(move |conn| destroy(conn, subject, at).map(Ok))
            .await
    }

    async fn pending_erasures(&self) -> Result<Vec<Uuid>, KeyStoreError> {
        self.run(|conn| {
            let mut stmt = conn.prepare(
                "SELECT data_subject_id FROM subject_keys WHERE erasure_pending = 1 ORDER BY data_subject_id",
            )?;
            let ids: Vec<String> = stmt
                .query_map([], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            Ok(ids
                .iter()
                .map(|id| Uuid::parse_str(id).map_err(|_| KeyStoreError::Corrupt(id.clone())))
                .collect())
        })
        .await
    }

    async fn export(&self) -> Result<Vec<KeyRecord>, KeyStoreError> {
        self.run(|conn| {
            let mut out = Vec::new();
            let mut stmt = conn.prepare(
                "SELECT data_subject_id, key, created_at_us FROM subject_keys ORDER BY data_subject_id",
            )?;
            let rows: Vec<(String, Vec<u8>, i64)> = stmt
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect::<rusqlite::Result<_>>()?;
            for (id, key, created) in rows {
                match active_record(&id, &key, created) {
                    Ok(r) => out.push(r),
                    Err(e) => return Ok(Err(e)),
                }
            }
            let mut stmt = conn.prepare(
                "SELECT data_subject_id, created_at_us, erased_at_us FROM erased_subjects ORDER BY data_subject_id",
            )?;
            let rows: Vec<(String, i64, i64)> = stmt
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect::<rusqlite::Result<_>>()?;
            for (id, created, erased) in rows {
                match erased_record(&id, created, erased) {
                    Ok(r) => out.push(r),
                    Err(e) => return Ok(Err(e)),
                }
            }
            Ok(Ok(out))
        })
        .await
    }

    async fn import(&self, records: &[KeyRecord]) -> Result<ImportReport, KeyStoreError> {
        let records = records.to_vec();
        self.run(move |conn| {
            let mut report = ImportReport::default();
            let mut erasures = Vec::new();
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            for (i, record) in records.iter().enumerate() {
                let existing = read(&tx, record.data_subject_id)?.map(|(key, _, _, erased)| {
                    (key, erased.and_then(timestamp_from_micros))
                });
                let step = match import_step(i + 1, record, existing) {
                    Ok(step) => step,
                    Err(e) => return Ok(Err(e)),
                };
                match step {
                    ImportStep::Add(key) => {
                        tx.execute(
                            "INSERT INTO subject_keys (data_subject_id, key, created_at_us) VALUES (?1, ?2, ?3)",
                            params![
                                uuid_text(record.data_subject_id),
                                key.bytes().as_slice(),
                                micros(record.created_at)
                            ],
                        )?;
                        report.added += 1;
                    }
                    ImportStep::Erase(at) => {
                        tx.execute(
                            "INSERT INTO erased_subjects (data_subject_id, created_at_us, erased_at_us)
                             VALUES (?1, ?2, ?3) ON CONFLICT (data_subject_id) DO NOTHING",
                            params![
                                uuid_text(record.data_subject_id),
                                micros(record.created_at),
                                micros(at)
                            ],
                        )?;
                        erasures.push(record.data_subject_id);
                        report.erased += 1;
                    }
                    ImportStep::Unchanged => report.unchanged += 1,
                    ImportStep::RefusedErased => report.refused_erased += 1,
                }
            }
            tx.commit()?;
            for subject in erasures {
                destroy(conn, subject, Utc::now())?;
            }
            Ok(Ok(report))
        })
        .await
    }
}
