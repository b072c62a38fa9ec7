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
                c.execute_batch("PRAGMA query_only = ON")
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

fn int(row: &Row, i: usize, name: &str, pos: u64) -> Result<i64, StoreError> {
    match row.get_ref(i) {
        Ok(ValueRef::Integer(v)) => Ok(v),
        Ok(other) => Err(corrupt(
            pos,
            name,
            &format!("expected an integer, found {:?}", other.data_type()),
        )),
        Err(e) => Err(corrupt(pos, name, &e.to_string())),
    }
}

fn text(row: &Row, i: usize, name: &str, pos: u64) -> Result<String, StoreError> {
    match row.get_ref(i) {
        Ok(ValueRef::Text(t)) => std::str::from_utf8(t)
            .map(str::to_owned)
            .map_err(|_| corrupt(pos, name, "not valid UTF-8")),
        Ok(other) => Err(corrupt(
            pos,
            name,
            &format!("expected text, found {:?}", other.data_type()),
        )),
        Err(e) => Err(corrupt(pos, name, &e.to_string())),
    }
}

fn opt_text(row: &Row, i: usize, name: &str, pos: u64) -> Result<Option<String>, StoreError> {
    match row.get_ref(i) {
        Ok(ValueRef::Null) => Ok(None),
        _ => text(row, i, name, pos).map(Some),
    }
}

fn blob<'r>(row: &'r Row, i: usize, name: &str, pos: u64) -> Result<&'r [u8], StoreError> {
    match row.get_ref(i) {
        Ok(ValueRef::Blob(b)) => Ok(b),
        Ok(other) => Err(corrupt(
            pos,
            name,
            &format!("expected a blob, found {:?}", other.data_type()),
        )),
        Err(e) => Err(corrupt(pos, name, &e.to_string())),
    }
}

fn uuid(row: &Row, i: usize, name: &str, pos: u64) -> Result<Uuid, StoreError> {
    let b = blob(row, i, name, pos)?;
    Uuid::from_slice(b).map_err(|_| corrupt(pos, name, &format!("{} bytes, expected 16", b.len())))
}

fn time(
    row: &Row,
    i: usize,
    name: &str,
    pos: u64,
) -> Result<chrono::DateTime<chrono::Utc>, StoreError> {
    let v = int(row, i, name, pos)?;
    timestamp_from_micros(v).ok_or_else(|| corrupt(pos, name, "instant out of range"))
}

fn unsigned(row: &Row, i: usize, name: &str, pos: u64) -> Result<u64, StoreError> {
    let v = int(row, i, name, pos)?;
    u64::try_from(v).map_err(|_| corrupt(pos, name, "negative"))
}

pub(crate) fn decode(row: &Row) -> Result<RecordedEvent, StoreError> {
    let position = unsigned(row, 0, "position", 0)?;
    let p = position;
    let schema_version = unsigned(row, 5, "schema_version", p)?;
    let hash_bytes = blob(row, 15, "hash", p)?;
    Ok(RecordedEvent {
        position,
        event_id: uuid(row, 1, "event_id", p)?,
        stream_id: StreamId::new(text(row, 2, "stream_id", p)?),
        stream_version: unsigned(row, 3, "stream_version", p)?,
        event_type: text(row, 4, "event_type", p)?,
        schema_version: u32::try_from(schema_version)
            .map_err(|_| corrupt(p, "schema_version", "too large"))?,
        occurred_at: time(row, 6, "occurred_at", p)?,
        recorded_at: time(row, 7, "recorded_at", p)?,
        actor: Actor {
            id: text(row, 8, "actor_id", p)?,
            role: text(row, 9, "actor_role", p)?,
            organisation: text(row, 10, "actor_org", p)?,
        },
        correlation_id: uuid(row, 11, "correlation_id", p)?,
        causation_id: match row.get_ref(12) {
            Ok(ValueRef::Null) => None,
            _ => Some(uuid(row, 12, "causation_id", p)?),
        },
        reason: opt_text(row, 13, "reason", p)?,
        payload: Payload::from_stored(text(row, 14, "payload", p)?),
        hash: EventHash::from_slice(hash_bytes).ok_or_else(|| {
            corrupt(
                p,
                "hash",
                &format!("{} bytes, expected 32", hash_bytes.len()),
            )
        })?,
    })
}
