//! Decoding stored rows. Nothing read from the database is trusted: a value of the wrong
//! type, out of range or of the wrong size becomes [`StoreError::Corrupt`] naming the
//! position, never a panic.

use engage_log::envelope::timestamp_from_micros;
use engage_log::{Actor, EventHash, Payload, RecordedEvent, StoreError, StreamId, Timestamp};
use tokio_postgres::Row;
use tokio_postgres::types::FromSql;
use uuid::Uuid;

fn corrupt(position: u64, column: &str, detail: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt {
        position,
        detail: format!("column `{column}`: {detail}"),
    }
}

fn get<'a, T: FromSql<'a>>(row: &'a Row, i: usize, name: &str, pos: u64) -> Result<T, StoreError> {
    row.try_get(i).map_err(|e| corrupt(pos, name, e))
}

fn unsigned(row: &Row, i: usize, name: &str, pos: u64) -> Result<u64, StoreError> {
    let v: i64 = get(row, i, name, pos)?;
    u64::try_from(v).map_err(|_| corrupt(pos, name, format!("negative value {v}")))
}

fn time(row: &Row, i: usize, name: &str, pos: u64) -> Result<Timestamp, StoreError> {
    let v: i64 = get(row, i, name, pos)?;
    timestamp_from_micros(v).ok_or_else(|| corrupt(pos, name, "instant out of range"))
}

/// A row selected with [`crate::schema::COLUMNS`].
pub(crate) fn decode(row: &Row) -> Result<RecordedEvent, StoreError> {
    let p = unsigned(row, 0, "position", 0)?;
    let schema_version = unsigned(row, 5, "schema_version", p)?;
    let hash: &[u8] = get(row, 15, "hash", p)?;
    Ok(RecordedEvent {
        position: p,
        event_id: get::<Uuid>(row, 1, "event_id", p)?,
        stream_id: StreamId::new(get::<String>(row, 2, "stream_id", p)?),
        stream_version: unsigned(row, 3, "stream_version", p)?,
        event_type: get(row, 4, "event_type", p)?,
        schema_version: u32::try_from(schema_version)
            .map_err(|_| corrupt(p, "schema_version", "too large"))?,
        occurred_at: time(row, 6, "occurred_at_us", p)?,
        recorded_at: time(row, 7, "recorded_at_us", p)?,
        actor: Actor {
            id: get(row, 8, "actor_id", p)?,
            role: get(row, 9, "actor_role", p)?,
            organisation: get(row, 10, "actor_org", p)?,
        },
        correlation_id: get(row, 11, "correlation_id", p)?,
        causation_id: get(row, 12, "causation_id", p)?,
        reason: get(row, 13, "reason", p)?,
        payload: Payload::from_stored(get(row, 14, "payload", p)?),
        hash: EventHash::from_slice(hash)
            .ok_or_else(|| corrupt(p, "hash", format!("{} bytes, expected 32", hash.len())))?,
    })
}

pub(crate) fn decode_all(rows: &[Row]) -> Result<Vec<RecordedEvent>, StoreError> {
    rows.iter().map(decode).collect()
}

/// A `u64` as a query parameter (`u64::MAX` and anything above `i64::MAX` mean "no limit").
pub(crate) fn param(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}
