//! Reading events: a small pool of read connections and the row decoder.
//!
//! Decoding never trusts the file: any column of the wrong type or size becomes
//! [`StoreError::Corrupt`] naming the position, so a damaged or hand-edited file is reported,
//! not panicked on.

use std::path::PathBuf;
use std::sync::Mutex;

use engage_log::envelope::timestamp_from_micros;
use engage_log::{Actor, EventHash, Payload, RecordedEvent, StoreError, StreamId};
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OptionalExtension, Row, params};
use uuid::Uuid;

use crate::SqliteOptions;
use crate::error::backend;

const COLUMNS: &str = "position, event_id, stream_id, stream_version, event_type, schema_version, occurred_at, \
                       recorded_at, actor_id, actor_role, actor_org, correlation_id, causation_id, reason, payload, hash";

/// Most idle read connections kept.
const POOL_SIZE: usize = 8;

pub(crate) struct Readers {
    path: PathBuf,
    options: SqliteOptions,
    idle: Mutex<Vec<Connection>>,
}

impl Readers {
    pub(crate) fn new(path: PathBuf, options: SqliteOptions) -> Self {
        Self {
            path,
            options,
            idle: Mutex::new(Vec::new()),
        }
    }

    /// Run `f` on a pooled read connection (blocking).
    pub(crate) fn with<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let pooled = self.idle.lock().ok().and_then(|mut idle| idle.pop());
        let conn = match pooled {
            Some(c) => c,
            None => {
                let c = crate::schema::open_connection(&self.path, &self.options, false)
                    .map_err(StoreError::backend)?;
                // Map the whole file (SQLite caps this at its compile-time limit): sequential
                // scans then read pages in place instead of copying them into the page cache.
                c.execute_batch("PRAGMA query_only = ON; PRAGMA mmap_size = 17179869184;")
                    .map_err(|e| backend("opening a reader", e))?;
                c
            }
        };
        let result = f(&conn);
        if let Ok(mut idle) = self.idle.lock()
            && idle.len() < POOL_SIZE
        {
            idle.push(conn);
        }
        result
    }
}

fn to_i64(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

pub(crate) fn read_all(
    c: &Connection,
    from: u64,
    limit: usize,
) -> Result<Vec<RecordedEvent>, StoreError> {
    let sql =
        format!("SELECT {COLUMNS} FROM events WHERE position >= ?1 ORDER BY position LIMIT ?2");
    query(c, &sql, params![to_i64(from), to_i64(limit as u64)], limit)
}

pub(crate) fn read_stream(
    c: &Connection,
    stream: &StreamId,
    from_version: u64,
    limit: usize,
    backwards: bool,
) -> Result<Vec<RecordedEvent>, StoreError> {
    let sql = if backwards {
        format!(
            "SELECT {COLUMNS} FROM events WHERE stream_id = ?1 AND stream_version <= ?2 ORDER BY stream_version DESC LIMIT ?3"
        )
    } else {
        format!(
            "SELECT {COLUMNS} FROM events WHERE stream_id = ?1 AND stream_version >= ?2 ORDER BY stream_version LIMIT ?3"
        )
    };
    query(
        c,
        &sql,
        params![stream.as_str(), to_i64(from_version), to_i64(limit as u64)],
        limit,
    )
}

pub(crate) fn event_by_id(c: &Connection, id: Uuid) -> Result<Option<RecordedEvent>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM events WHERE event_id = ?1");
    Ok(query(c, &sql, params![id.as_bytes().as_slice()], 1)?
        .into_iter()
        .next())
}

pub(crate) fn stream_version(c: &Connection, stream: &StreamId) -> Result<Option<u64>, StoreError> {
    let v: Option<i64> = c
        .prepare_cached("SELECT stream_version FROM events WHERE stream_id = ?1 ORDER BY stream_version DESC LIMIT 1")
        .and_then(|mut s| s.query_row([stream.as_str()], |r| r.get(0)).optional())
        .map_err(|e| backend("reading a stream's version", e))?;
    v.map(|v| u64::try_from(v).map_err(|_| corrupt(0, "stream_version", "negative")))
        .transpose()
}

fn query(
    c: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
    cap: usize,
) -> Result<Vec<RecordedEvent>, StoreError> {
    let mut stmt = c
        .prepare_cached(sql)
        .map_err(|e| backend("preparing a read", e))?;
    let mut rows = stmt
        .query(params)
        .map_err(|e| backend("reading events", e))?;
    let mut out = Vec::with_capacity(cap.min(8192));
    while let Some(row) = rows.next().map_err(|e| backend("reading events", e))? {
        out.push(decode(row)?);
    }
    Ok(out)
}

fn corrupt(position: u64, column: &str, detail: &str) -> StoreError {
    StoreError::Corrupt {
        position,
        detail: format!("column `{column}`: {detail}"),
    }
}

/// One column of one row, with what is needed to report it if it is damaged. Each column is
/// fetched from SQLite exactly once.
struct Col<'r> {
    value: ValueRef<'r>,
    name: &'static str,
    pos: u64,
}

fn col<'r>(row: &'r Row, i: usize, name: &'static str, pos: u64) -> Result<Col<'r>, StoreError> {
    row.get_ref(i)
        .map(|value| Col { value, name, pos })
        .map_err(|e| corrupt(pos, name, &e.to_string()))
}

impl<'r> Col<'r> {
    fn wrong(&self, expected: &str) -> StoreError {
        corrupt(
            self.pos,
            self.name,
            &format!("expected {expected}, found {:?}", self.value.data_type()),
        )
    }

    fn int(&self) -> Result<i64, StoreError> {
        match self.value {
            ValueRef::Integer(v) => Ok(v),
            _ => Err(self.wrong("an integer")),
        }
    }

    fn unsigned(&self) -> Result<u64, StoreError> {
        let v = self.int()?;
        u64::try_from(v).map_err(|_| corrupt(self.pos, self.name, "negative"))
    }

    fn time(&self) -> Result<chrono::DateTime<chrono::Utc>, StoreError> {
        let v = self.int()?;
        timestamp_from_micros(v).ok_or_else(|| corrupt(self.pos, self.name, "instant out of range"))
    }

    fn str(&self) -> Result<&'r str, StoreError> {
        match self.value {
            ValueRef::Text(t) => {
                std::str::from_utf8(t).map_err(|_| corrupt(self.pos, self.name, "not valid UTF-8"))
            }
            _ => Err(self.wrong("text")),
        }
    }

    fn text(&self) -> Result<String, StoreError> {
        self.str().map(str::to_owned)
    }

    fn opt_text(&self) -> Result<Option<String>, StoreError> {
        match self.value {
            ValueRef::Null => Ok(None),
            _ => self.text().map(Some),
        }
    }

    fn blob(&self) -> Result<&'r [u8], StoreError> {
        match self.value {
            ValueRef::Blob(b) => Ok(b),
            _ => Err(self.wrong("a blob")),
        }
    }

    fn uuid(&self) -> Result<Uuid, StoreError> {
        let b = self.blob()?;
        Uuid::from_slice(b).map_err(|_| {
            corrupt(
                self.pos,
                self.name,
                &format!("{} bytes, expected 16", b.len()),
            )
        })
    }

    fn opt_uuid(&self) -> Result<Option<Uuid>, StoreError> {
        match self.value {
            ValueRef::Null => Ok(None),
            _ => self.uuid().map(Some),
        }
    }

    fn hash(&self) -> Result<EventHash, StoreError> {
        let b = self.blob()?;
        EventHash::from_slice(b).ok_or_else(|| {
            corrupt(
                self.pos,
                self.name,
                &format!("{} bytes, expected 32", b.len()),
            )
        })
    }
}

pub(crate) fn decode(row: &Row) -> Result<RecordedEvent, StoreError> {
    let position = col(row, 0, "position", 0)?.unsigned()?;
    let p = position;
    let schema_version = col(row, 5, "schema_version", p)?.unsigned()?;
    Ok(RecordedEvent {
        position,
        event_id: col(row, 1, "event_id", p)?.uuid()?,
        stream_id: StreamId::new(col(row, 2, "stream_id", p)?.text()?),
        stream_version: col(row, 3, "stream_version", p)?.unsigned()?,
        event_type: col(row, 4, "event_type", p)?.text()?,
        schema_version: u32::try_from(schema_version)
            .map_err(|_| corrupt(p, "schema_version", "too large"))?,
        occurred_at: col(row, 6, "occurred_at", p)?.time()?,
        recorded_at: col(row, 7, "recorded_at", p)?.time()?,
        actor: Actor {
            id: col(row, 8, "actor_id", p)?.text()?,
            role: col(row, 9, "actor_role", p)?.text()?,
            organisation: col(row, 10, "actor_org", p)?.text()?,
        },
        correlation_id: col(row, 11, "correlation_id", p)?.uuid()?,
        causation_id: col(row, 12, "causation_id", p)?.opt_uuid()?,
        reason: col(row, 13, "reason", p)?.opt_text()?,
        payload: Payload::from_stored(col(row, 14, "payload", p)?.text()?),
        hash: col(row, 15, "hash", p)?.hash()?,
    })
}
