//! The tables, their versioned migrations, and every SQL statement the store runs,
//! qualified with the store's schema.
//!
//! Layout (schema version 1):
//! - `events`: one row per event, keyed by the gapless global `position`; unique `event_id`
//!   and `(stream_id, stream_version)`; every envelope field; instants as microseconds since
//!   the Unix epoch (`*_us`, exactly the hashed value); the payload as canonical JSON text
//!   (not `jsonb`, which would reorder keys and change the bytes the hash covers); the hash.
//!   A trigger refuses `UPDATE`, `DELETE` and `TRUNCATE`: the log is append-only.
//! - `engage_head`: exactly one row, the last position, its hash and `recorded_at`. Every
//!   append transaction locks it first (`SELECT … FOR UPDATE`): see the crate docs.
//! - `engage_schema_version`: one row per migration applied.

use engage_log::{EventHash, GENESIS_HASH, Head, StoreError};
use tokio_postgres::Client;

use crate::error::OpenError;

/// The schema version this build writes and reads.
pub const SCHEMA_VERSION: i32 = 1;

/// Migrations in order: `(version, description, SQL)`. `{s}` is replaced by the quoted
/// schema name. Each runs once, inside the transaction that records it.
const MIGRATIONS: &[(i32, &str, &str)] = &[(
    1,
    "events table, head row, append-only trigger",
    r#"
CREATE TABLE {s}.events (
    position        bigint  NOT NULL,
    event_id        uuid    NOT NULL,
    stream_id       text    NOT NULL,
    stream_version  bigint  NOT NULL,
    event_type      text    NOT NULL,
    schema_version  bigint  NOT NULL,
    occurred_at_us  bigint  NOT NULL,
    recorded_at_us  bigint  NOT NULL,
    actor_id        text    NOT NULL,
    actor_role      text    NOT NULL,
    actor_org       text    NOT NULL,
    correlation_id  uuid    NOT NULL,
    causation_id    uuid,
    reason          text,
    payload         text    NOT NULL,
    hash            bytea   NOT NULL,
    CONSTRAINT events_pkey PRIMARY KEY (position),
    CONSTRAINT events_event_id_key UNIQUE (event_id),
    CONSTRAINT events_stream_key UNIQUE (stream_id, stream_version),
    CONSTRAINT events_position_check CHECK (position >= 1),
    CONSTRAINT events_stream_version_check CHECK (stream_version >= 0),
    CONSTRAINT events_schema_version_check CHECK (schema_version BETWEEN 1 AND 4294967295),
    CONSTRAINT events_hash_check CHECK (octet_length(hash) = 32)
);
COMMENT ON TABLE {s}.events IS 'engage event log: append-only, hash-chained; see docs/event-log.md';

CREATE TABLE {s}.engage_head (
    only_row        boolean NOT NULL DEFAULT true,
    position        bigint  NOT NULL,
    hash            bytea   NOT NULL,
    recorded_at_us  bigint  NOT NULL,
    CONSTRAINT engage_head_pkey PRIMARY KEY (only_row),
    CONSTRAINT engage_head_one_row CHECK (only_row)
);
COMMENT ON TABLE {s}.engage_head IS 'engage: the last position and hash; every append locks this row first';
INSERT INTO {s}.engage_head (position, hash, recorded_at_us)
    VALUES (0, decode(repeat('00', 32), 'hex'), -9223372036854775808);

CREATE FUNCTION {s}.engage_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the engage event log is append-only: % on % is refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON {s}.events
    FOR EACH ROW EXECUTE FUNCTION {s}.engage_refuse_change();
CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON {s}.events
    FOR EACH STATEMENT EXECUTE FUNCTION {s}.engage_refuse_change();
"#,
)];

/// Columns in the order `reader::decode` expects.
pub(crate) const COLUMNS: &str = "position, event_id, stream_id, stream_version, event_type, schema_version, \
    occurred_at_us, recorded_at_us, actor_id, actor_role, actor_org, correlation_id, causation_id, reason, payload, hash";

/// Every statement, with the schema filled in once when the store opens.
#[derive(Debug)]
pub(crate) struct Sql {
    /// The LISTEN/NOTIFY channel of this log.
    pub channel: String,
    pub read_all: String,
    pub read_stream: String,
    pub read_stream_backwards: String,
    pub stream_version: String,
    pub event_by_id: String,
    pub head: String,
    pub head_position: String,
    pub lock_head: String,
    pub lookup_ids: String,
    pub lookup_versions: String,
    pub insert: String,
    pub update_head: String,
    pub notify: String,
    pub table_bytes: String,
}

impl Sql {
    pub(crate) fn new(schema: &str) -> Self {
        let s = quote(schema);
        let e = format!("{s}.events");
        let h = format!("{s}.engage_head");
        Self {
            channel: format!("engage_head_{schema}"),
            read_all: format!(
                "SELECT {COLUMNS} FROM {e} WHERE position >= $1 ORDER BY position LIMIT $2"
            ),
            read_stream: format!(
                "SELECT {COLUMNS} FROM {e} WHERE stream_id = $1 AND stream_version >= $2 ORDER BY stream_version LIMIT $3"
            ),
            read_stream_backwards: format!(
                "SELECT {COLUMNS} FROM {e} WHERE stream_id = $1 AND stream_version <= $2 ORDER BY stream_version DESC LIMIT $3"
            ),
            stream_version: format!(
                "SELECT stream_version FROM {e} WHERE stream_id = $1 ORDER BY stream_version DESC LIMIT 1"
            ),
            event_by_id: format!("SELECT {COLUMNS} FROM {e} WHERE event_id = $1"),
            head: format!("SELECT position, hash, recorded_at_us FROM {h}"),
            head_position: format!("SELECT position FROM {h}"),
            // The server's clock is read after the lock is granted: one clock for every
            // engage process writing to this database.
            lock_head: format!(
                "SELECT position, hash, recorded_at_us, \
                 (extract(epoch FROM clock_timestamp()) * 1000000)::bigint FROM {h} FOR UPDATE"
            ),
            lookup_ids: format!("SELECT {COLUMNS} FROM {e} WHERE event_id = ANY($1::uuid[])"),
            lookup_versions: format!(
                "SELECT s.stream_id, (SELECT e.stream_version FROM {e} e WHERE e.stream_id = s.stream_id \
                 ORDER BY e.stream_version DESC LIMIT 1) FROM unnest($1::text[]) AS s(stream_id)"
            ),
            insert: format!(
                "INSERT INTO {e} ({COLUMNS}) SELECT * FROM unnest($1::bigint[], $2::uuid[], $3::text[], \
                 $4::bigint[], $5::text[], $6::bigint[], $7::bigint[], $8::bigint[], $9::text[], $10::text[], \
                 $11::text[], $12::uuid[], $13::uuid[], $14::text[], $15::text[], $16::bytea[])"
            ),
            update_head: format!(
                "UPDATE {h} SET position = $1, hash = $2, recorded_at_us = greatest(recorded_at_us, $3)"
            ),
            notify: "SELECT pg_notify($1, $2)".to_owned(),
            table_bytes: format!("SELECT pg_total_relation_size('{s}.events'::regclass)"),
        }
    }
}

/// Quote an identifier (the schema name is already restricted to `[a-z0-9_]`).
pub(crate) fn quote(ident: &str) -> String {
    format!("\"{}\"", ident.replace('"', "\"\""))
}

/// Create or migrate the schema. Runs in one transaction under an advisory lock, so two
/// engage processes starting together do not both create the tables.
pub(crate) async fn migrate(
    client: &mut Client,
    schema: &str,
    target: &str,
) -> Result<(), OpenError> {
    let db = |action| move |e| OpenError::database(target, action, e);
    check_encoding(client, target).await?;
    let tx = client
        .transaction()
        .await
        .map_err(db("start the schema migration"))?;
    tx.execute(
        "SELECT pg_advisory_xact_lock(hashtext($1))",
        &[&format!("engage-migrate:{schema}")],
    )
    .await
    .map_err(db("take the migration lock"))?;
    let exists = tx
        .query_opt("SELECT 1 FROM pg_namespace WHERE nspname = $1", &[&schema])
        .await
        .map_err(db("look up the schema"))?
        .is_some();
    if !exists {
        tx.batch_execute(&format!("CREATE SCHEMA {}", quote(schema)))
            .await
            .map_err(db("create the schema"))?;
    }
    let found = installed_version(&tx, schema, target).await?;
    if found > SCHEMA_VERSION {
        return Err(OpenError::TooNew {
            target: target.to_owned(),
            found,
            supported: SCHEMA_VERSION,
        });
    }
    if found == 0 {
        tx.batch_execute(&format!(
            "CREATE TABLE {}.engage_schema_version (\
                 version integer PRIMARY KEY, description text NOT NULL, \
                 applied_at timestamptz NOT NULL DEFAULT now())",
            quote(schema)
        ))
        .await
        .map_err(db("create the schema version table"))?;
    }
    for (version, description, sql) in MIGRATIONS.iter().filter(|m| m.0 > found) {
        tracing::info!(target = %target, version, description, "migrating the event log schema");
        tx.batch_execute(&sql.replace("{s}", &quote(schema)))
            .await
            .map_err(db("apply a schema migration"))?;
        tx.execute(
            &format!(
                "INSERT INTO {}.engage_schema_version (version, description) VALUES ($1, $2)",
                quote(schema)
            ),
            &[version, description],
        )
        .await
        .map_err(db("record a schema migration"))?;
    }
    tx.commit().await.map_err(db("commit the schema migration"))
}

/// Check an existing log can be read by this build without changing anything.
pub(crate) async fn check(client: &Client, schema: &str, target: &str) -> Result<(), OpenError> {
    check_encoding(client, target).await?;
    let found = installed_version(client, schema, target).await?;
    match found {
        0 => Err(OpenError::Missing {
            target: target.to_owned(),
        }),
        v if v > SCHEMA_VERSION => Err(OpenError::TooNew {
            target: target.to_owned(),
            found: v,
            supported: SCHEMA_VERSION,
        }),
        v if v < SCHEMA_VERSION => Err(OpenError::NeedsMigration {
            target: target.to_owned(),
            found: v,
            supported: SCHEMA_VERSION,
        }),
        _ => Ok(()),
    }
}

async fn check_encoding(client: &Client, target: &str) -> Result<(), OpenError> {
    let row = client
        .query_one("SELECT current_setting('server_encoding')", &[])
        .await
        .map_err(|e| OpenError::database(target, "read the server encoding", e))?;
    let encoding: String = row
        .try_get(0)
        .map_err(|e| OpenError::database(target, "read the server encoding", e))?;
    if encoding != "UTF8" {
        return Err(OpenError::WrongEncoding {
            target: target.to_owned(),
            encoding,
        });
    }
    Ok(())
}

/// The highest migration applied (0: no engage tables). Refuses a schema that has an
/// `events` table but no version table: something else lives there.
async fn installed_version(
    client: &impl tokio_postgres::GenericClient,
    schema: &str,
    target: &str,
) -> Result<i32, OpenError> {
    let db = |action| move |e| OpenError::database(target, action, e);
    let row = client
        .query_one(
            "SELECT to_regclass(format('%I.engage_schema_version', $1::text)) IS NOT NULL, \
                    to_regclass(format('%I.events', $1::text)) IS NOT NULL",
            &[&schema],
        )
        .await
        .map_err(db("look for the engage tables"))?;
    let has_versions: bool = row.try_get(0).map_err(db("look for the engage tables"))?;
    let has_events: bool = row.try_get(1).map_err(db("look for the engage tables"))?;
    if !has_versions {
        if has_events {
            return Err(OpenError::NotAnEventStore {
                target: target.to_owned(),
                schema: schema.to_owned(),
            });
        }
        return Ok(0);
    }
    let row = client
        .query_one(
            &format!(
                "SELECT coalesce(max(version), 0) FROM {}.engage_schema_version",
                quote(schema)
            ),
            &[],
        )
        .await
        .map_err(db("read the schema version"))?;
    row.try_get(0).map_err(db("read the schema version"))
}

/// Decode the head row `(position, hash, recorded_at_us)`.
pub(crate) fn head_from_row(row: &tokio_postgres::Row) -> Result<(Head, i64), StoreError> {
    let corrupt = |detail: String| StoreError::Corrupt {
        position: 0,
        detail: format!("engage_head: {detail}"),
    };
    let position: i64 = row.try_get(0).map_err(|e| corrupt(e.to_string()))?;
    let hash: &[u8] = row.try_get(1).map_err(|e| corrupt(e.to_string()))?;
    let recorded_at: i64 = row.try_get(2).map_err(|e| corrupt(e.to_string()))?;
    let position =
        u64::try_from(position).map_err(|_| corrupt(format!("negative position {position}")))?;
    let hash = if position == 0 {
        GENESIS_HASH
    } else {
        EventHash::from_slice(hash)
            .ok_or_else(|| corrupt(format!("hash is {} bytes, expected 32", hash.len())))?
    };
    Ok((Head { position, hash }, recorded_at))
}
