//! The store file's layout: one STRICT `events` table keyed by global position, unique
//! indexes for event ids and (stream, version), and the format marker.

use std::path::Path;

use engage_log::{EventHash, GENESIS_HASH, Head, StoreError};
use rusqlite::{Connection, OpenFlags, OptionalExtension};

use crate::error::{OpenError, backend};
use crate::{Durability, SqliteOptions};

/// `PRAGMA application_id` of an engage store: "enga".
pub const APPLICATION_ID: i64 = 0x656E_6761;
/// `PRAGMA user_version`: the store format this build writes.
pub const FORMAT_VERSION: i64 = 1;

const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS events (
    position        INTEGER PRIMARY KEY,
    event_id        BLOB    NOT NULL,
    stream_id       TEXT    NOT NULL,
    stream_version  INTEGER NOT NULL,
    event_type      TEXT    NOT NULL,
    schema_version  INTEGER NOT NULL,
    occurred_at     INTEGER NOT NULL,
    recorded_at     INTEGER NOT NULL,
    actor_id        TEXT    NOT NULL,
    actor_role      TEXT    NOT NULL,
    actor_org       TEXT    NOT NULL,
    correlation_id  BLOB    NOT NULL,
    causation_id    BLOB,
    reason          TEXT,
    payload         TEXT    NOT NULL,
    hash            BLOB    NOT NULL
) STRICT;
CREATE UNIQUE INDEX IF NOT EXISTS events_by_event_id ON events(event_id);
CREATE UNIQUE INDEX IF NOT EXISTS events_by_stream ON events(stream_id, stream_version);
"#;

pub(crate) fn open_connection(
    path: &Path,
    options: &SqliteOptions,
    create: bool,
) -> Result<Connection, OpenError> {
    let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX
        | OpenFlags::SQLITE_OPEN_URI;
    if create {
        flags |= OpenFlags::SQLITE_OPEN_CREATE;
    }
    let conn = Connection::open_with_flags(path, flags).map_err(|e| OpenError::sqlite(path, e))?;
    let sync = match options.durability {
        Durability::Full => "FULL",
        Durability::Normal => "NORMAL",
    };
    let pragmas = format!(
        "PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL; PRAGMA synchronous = {sync}; \
         PRAGMA cache_size = -{}; PRAGMA temp_store = MEMORY; PRAGMA mmap_size = 268435456;",
        options.cache_size_kib
    );
    conn.execute_batch(&pragmas)
        .map_err(|e| OpenError::sqlite(path, e))?;
    Ok(conn)
}

/// Largest the WAL file is left at after it is reset (it is reused from its start after
/// each complete checkpoint, so it normally stays near the checkpoint threshold).
const JOURNAL_SIZE_LIMIT: i64 = 64 * 1024 * 1024;

/// Settings of the one write connection: checkpoints are left to the checkpoint thread
/// (see `checkpoint.rs`, which installs the WAL hook that replaces SQLite's own).
pub(crate) fn configure_writer(conn: &Connection, path: &Path) -> Result<(), OpenError> {
    conn.execute_batch(&format!(
        "PRAGMA wal_autocheckpoint = 0; PRAGMA journal_size_limit = {JOURNAL_SIZE_LIMIT};"
    ))
    .map_err(|e| OpenError::sqlite(path, e))
}

/// Create the schema in a new file, or check an existing one is ours and not too new.
pub(crate) fn initialise(conn: &Connection, path: &Path) -> Result<(), OpenError> {
    let app_id: i64 = conn
        .query_row("PRAGMA application_id", [], |r| r.get(0))
        .map_err(|e| OpenError::sqlite(path, e))?;
    if app_id == 0 {
        let tables: i64 = conn
            .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
            .map_err(|e| OpenError::sqlite(path, e))?;
        if tables > 0 {
            return Err(OpenError::NotAnEventStore {
                path: path.to_path_buf(),
            });
        }
        let init = format!(
            "BEGIN IMMEDIATE; {SCHEMA} PRAGMA application_id = {APPLICATION_ID}; PRAGMA user_version = {FORMAT_VERSION}; COMMIT;"
        );
        conn.execute_batch(&init)
            .map_err(|e| OpenError::sqlite(path, e))?;
        return Ok(());
    }
    check_existing(conn, path)
}

pub(crate) fn check_existing(conn: &Connection, path: &Path) -> Result<(), OpenError> {
    let app_id: i64 = conn
        .query_row("PRAGMA application_id", [], |r| r.get(0))
        .map_err(|e| OpenError::sqlite(path, e))?;
    if app_id != APPLICATION_ID {
        return Err(OpenError::NotAnEventStore {
            path: path.to_path_buf(),
        });
    }
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(|e| OpenError::sqlite(path, e))?;
    if version > FORMAT_VERSION {
        return Err(OpenError::TooNew {
            path: path.to_path_buf(),
            found: version,
            supported: FORMAT_VERSION,
        });
    }
    Ok(())
}

/// The last event's position and hash (the empty head for an empty log).
pub(crate) fn read_head(conn: &Connection) -> Result<Head, StoreError> {
    read_head_and_time(conn).map(|(h, _)| h)
}

/// The head and the last `recorded_at` (µs), used to keep `recorded_at` non-decreasing.
pub(crate) fn read_head_and_time(conn: &Connection) -> Result<(Head, i64), StoreError> {
    let row: Option<(i64, Vec<u8>, i64)> = conn
        .prepare_cached(
            "SELECT position, hash, recorded_at FROM events ORDER BY position DESC LIMIT 1",
        )
        .and_then(|mut s| {
            s.query_row([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .optional()
        })
        .map_err(|e| backend("reading the head of the log", e))?;
    match row {
        None => Ok((
            Head {
                position: 0,
                hash: GENESIS_HASH,
            },
            i64::MIN,
        )),
        Some((position, hash, recorded_at)) => {
            let position = u64::try_from(position).map_err(|_| StoreError::Corrupt {
                position: 0,
                detail: format!("negative position {position}"),
            })?;
            let hash = EventHash::from_slice(&hash).ok_or_else(|| StoreError::Corrupt {
                position,
                detail: format!("hash is {} bytes, expected 32", hash.len()),
            })?;
            Ok((Head { position, hash }, recorded_at))
        }
    }
}
