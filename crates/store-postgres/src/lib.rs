//! # engage-store-postgres: the event log in PostgreSQL
//!
//! [`PostgresStore`] implements [`EventStore`] with exactly the behaviour of the embedded
//! SQLite store (checked by the same conformance suite), for deployments that already run
//! PostgreSQL, want its backups and replicas, or run more than one engage process against
//! one log.
//!
//! ## Tables
//! One `events` table keyed by the gapless global `position`, unique `event_id` and
//! `(stream_id, stream_version)`, every envelope field and the chain hash; a one-row
//! `engage_head` table (last position, hash, `recorded_at`); `engage_schema_version`
//! recording the migrations applied. Opening read-write creates or migrates the schema
//! (under an advisory lock, in one transaction); a schema written by a newer engage is
//! refused with [`OpenError::TooNew`]. Stream metadata is events in `$$<stream>` streams,
//! as on every backend. See `schema.rs`.
//!
//! ## Why a reader can never skip an event (the in-flight transaction gap)
//! The classic failure of event stores on PostgreSQL: positions come from a sequence (or
//! `max(position) + 1`) taken early in each transaction, transactions commit in a different
//! order than they took their positions, and a reader that has seen position 11 commit and
//! moves on to "everything after 11" never sees position 10, which commits a moment later.
//!
//! Here every append transaction first locks the single head row
//! (`SELECT position, hash, recorded_at FROM engage_head FOR UPDATE`), assigns positions
//! `head + 1 …`, inserts, moves the head row and commits; the lock is held until the commit.
//! So:
//! 1. Two append transactions never overlap between taking their positions and
//!    committing: the second waits for the first's lock, and when it gets it, reads the head
//!    the first committed (PostgreSQL re-reads a row locked `FOR UPDATE` after waiting).
//!    Positions are therefore assigned *and committed* in one total order, across every
//!    connection and every engage process using the database.
//! 2. PostgreSQL makes a commit visible before it releases the transaction's locks, so by
//!    the time the next writer holds the head lock, every snapshot taken from then on
//!    contains the previous commit. A reader whose snapshot shows position `p` therefore
//!    also shows every position below `p`: there is never a hole that fills later.
//! 3. The notification that wakes subscribers (`pg_notify` in the same transaction) is
//!    delivered only after the commit, and our own writer publishes the new head only after
//!    its `COMMIT` returns, so `watch_head` never announces a position that is not yet
//!    readable.
//!
//! The cost is that appends to one database are serialised. That is what group commit is
//! for: each process batches every append waiting for it into one transaction.
//!
//! ## Writes: group commit
//! One writer task per store owns one connection. Appends are validated on the caller's
//! task, queued, and the writer turns everything queued (up to 20,000 events or 64 MiB)
//! into one transaction of two pipelined round trips: `BEGIN` + head lock + look-ups, then
//! a single multi-row `INSERT … unnest(…)` + head update + `pg_notify` + `COMMIT`. Each
//! operation is decided in memory, in order, under the lock (retry or mismatch,
//! expected version, positions, hashes chained exactly as [`engage_log::hash`] defines),
//! so an append that fails its expected-version check fails alone and takes no position.
//! Should the database refuse the group anyway, it is re-run with each operation in its
//! own savepoint, so only the faulty one fails. See `writer.rs`.
//!
//! `recorded_at` is the database server's clock when the lock was granted (one clock for
//! every engage process), but never earlier than the previous event's, so it does not go
//! backwards along positions.
//!
//! ## Durability
//! An append is acknowledged only after `COMMIT` returned, so it is as durable as the
//! server's `synchronous_commit` makes a commit (with the default `on`, flushed to the
//! server's WAL; with synchronous replicas, as the server is configured). If the connection
//! fails while `COMMIT` is in flight the caller gets an error saying the outcome is unknown:
//! retrying with the same event ids is safe (idempotent). A server running with
//! `fsync = off` or `synchronous_commit = off` is reported with a warning when the store opens.
//!
//! ## Live updates across processes
//! [`EventStore::watch_head`] is fed by this store's own commits, by LISTEN/NOTIFY (so a
//! second engage process sees the first's appends at once), and by polling the head row
//! every [`PostgresOptions::poll_interval`] in case a notification was lost with a dropped
//! connection. See `listener.rs`.
//!
//! ## Connections
//! [`PostgresConfig`] parses `postgres://user:password@host:port/database?schema=NAME`
//! (or `postgresql://`). Reads use a deadpool connection pool; the writer and the
//! listener have one connection each. The password is never written to logs or errors.

mod config;
mod error;
mod listener;
mod reader;
mod schema;
mod writer;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use engage_log::{
    AppendOutcome, EventStore, ExpectedVersion, Head, Limits, NewEvent, RecordedEvent, StoreError,
    StreamId, validate_append,
};
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;
use tokio_postgres::NoTls;
use uuid::Uuid;

pub use config::{DEFAULT_SCHEMA, PostgresConfig, UrlError, redact};
pub use error::OpenError;
pub use schema::SCHEMA_VERSION;

use crate::error::{backend, describe, pool};
use crate::schema::Sql;

/// Tuning of a PostgreSQL store.
#[derive(Debug, Clone)]
pub struct PostgresOptions {
    pub limits: Limits,
    /// Most events one group commit may take (bounds commit latency and lock time).
    pub max_group_events: usize,
    /// Most bytes (approximately) one group commit may take.
    pub max_group_bytes: usize,
    /// Most pooled connections for reads.
    pub max_read_connections: usize,
    /// How often the head row is polled, in case a notification was lost.
    pub poll_interval: Duration,
    /// The server ends a writer transaction idle this long (releasing the head lock), so a
    /// writer that hangs mid-transaction cannot stop every other writer for good.
    pub idle_in_transaction_timeout: Duration,
}

impl Default for PostgresOptions {
    fn default() -> Self {
        Self {
            limits: Limits::default(),
            max_group_events: 20_000,
            max_group_bytes: 64 * 1024 * 1024,
            max_read_connections: 16,
            poll_interval: Duration::from_millis(500),
            idle_in_transaction_timeout: Duration::from_secs(60),
        }
    }
}

/// The event log in a PostgreSQL schema. Cheap to clone; clones share one writer, one pool
/// and one listener. Dropping the last clone stops them (queued appends are still answered).
#[derive(Clone)]
pub struct PostgresStore {
    shared: Arc<Shared>,
}

struct Shared {
    config: PostgresConfig,
    sql: Arc<Sql>,
    limits: Limits,
    pool: Pool,
    /// `None` when opened read-only.
    queue: Option<mpsc::Sender<writer::WriteOp>>,
    head_rx: watch::Receiver<u64>,
    /// The listener and the poller: stopped when the store is dropped.
    background: Vec<JoinHandle<()>>,
}

impl Drop for Shared {
    fn drop(&mut self) {
        for task in &self.background {
            task.abort();
        }
    }
}

/// A connection used only while opening (migrations, checks).
async fn setup_connection(
    config: &PostgresConfig,
) -> Result<(tokio_postgres::Client, JoinHandle<()>), OpenError> {
    let target = config.redacted();
    let (client, connection) = config
        .connection_config("setup")
        .connect(NoTls)
        .await
        .map_err(|e| OpenError::connect(target, e))?;
    let driver = tokio::spawn(async move {
        if let Err(e) = connection.await {
            tracing::debug!(error = %describe(&e), "setup connection ended");
        }
    });
    Ok((client, driver))
}

/// Warn when the server does not make commits durable.
async fn warn_if_not_durable(client: &tokio_postgres::Client, target: &str) {
    let row = client
        .query_one(
            "SELECT current_setting('fsync'), current_setting('synchronous_commit')",
            &[],
        )
        .await;
    if let Ok(row) = row {
        let fsync: String = row.try_get(0).unwrap_or_default();
        let sync: String = row.try_get(1).unwrap_or_default();
        if fsync == "off" || sync == "off" {
            tracing::warn!(
                target = %target, fsync = %fsync, synchronous_commit = %sync,
                "this PostgreSQL server does not make each commit durable: acknowledged appends can be lost if it crashes"
            );
        }
    }
}

async fn read_head(
    client: &tokio_postgres::Client,
    sql: &Sql,
    target: &str,
) -> Result<Head, OpenError> {
    let row = client
        .query_one(&sql.head, &[])
        .await
        .map_err(|e| OpenError::database(target, "read the head of the log", e))?;
    schema::head_from_row(&row)
        .map(|(h, _)| h)
        .map_err(|source| OpenError::Store {
            target: target.to_owned(),
            source,
        })
}

fn build_pool(config: &PostgresConfig, options: &PostgresOptions) -> Result<Pool, OpenError> {
    let pg = config.connection_config("reader");
    let create_timeout = pg.get_connect_timeout().copied();
    let manager = Manager::from_config(
        pg,
        NoTls,
        ManagerConfig {
            recycling_method: RecyclingMethod::Fast,
        },
    );
    Pool::builder(manager)
        .max_size(options.max_read_connections.max(1))
        .runtime(Runtime::Tokio1)
        .create_timeout(create_timeout)
        .wait_timeout(Some(Duration::from_secs(30)))
        .build()
        .map_err(|e| OpenError::Pool {
            target: config.redacted().to_owned(),
            detail: e.to_string(),
        })
}

impl PostgresStore {
    /// Parse `url` and open the store read-write (see [`PostgresStore::open`]).
    pub async fn connect(url: &str) -> Result<Self, OpenError> {
        Self::open(&PostgresConfig::from_url(url)?).await
    }

    /// Open the log read-write, creating or migrating its schema first. Any number of
    /// engage processes may open the same log read-write: the head lock orders their appends.
    pub async fn open(config: &PostgresConfig) -> Result<Self, OpenError> {
        Self::open_with(config, PostgresOptions::default()).await
    }

    pub async fn open_with(
        config: &PostgresConfig,
        options: PostgresOptions,
    ) -> Result<Self, OpenError> {
        let target = config.redacted();
        let (mut client, driver) = setup_connection(config).await?;
        let sql = Arc::new(Sql::new(config.schema()));
        let opened = async {
            schema::migrate(&mut client, config.schema(), target).await?;
            warn_if_not_durable(&client, target).await;
            read_head(&client, &sql, target).await
        }
        .await;
        drop(client);
        driver.abort();
        let head = opened?;
        let pool = build_pool(config, &options)?;
        let (head_tx, head_rx) = watch::channel(head.position);
        let head_tx = Arc::new(head_tx);
        let (queue, rx) = mpsc::channel(4096);
        tokio::spawn(writer::run(
            writer::Writer {
                config: config.clone(),
                sql: Arc::clone(&sql),
                head_tx: Arc::clone(&head_tx),
                options: writer::WriterOptions {
                    max_group_events: options.max_group_events,
                    max_group_bytes: options.max_group_bytes,
                    idle_in_transaction_timeout: options.idle_in_transaction_timeout,
                },
            },
            rx,
        ));
        let background = vec![
            tokio::spawn(listener::listen(
                config.clone(),
                pool.clone(),
                Arc::clone(&sql),
                Arc::clone(&head_tx),
            )),
            tokio::spawn(listener::poll(
                pool.clone(),
                Arc::clone(&sql),
                head_tx,
                options.poll_interval,
            )),
        ];
        tracing::debug!(target = %target, events = head.position, "PostgreSQL event store open");
        Ok(Self {
            shared: Arc::new(Shared {
                config: config.clone(),
                sql,
                limits: options.limits,
                pool,
                queue: Some(queue),
                head_rx,
                background,
            }),
        })
    }

    /// Open an existing log for reading only (verify, export): nothing is created or
    /// migrated, appends fail with [`StoreError::ReadOnly`], and `watch_head` stays at the
    /// head seen when opening.
    pub async fn open_read_only(config: &PostgresConfig) -> Result<Self, OpenError> {
        let options = PostgresOptions::default();
        let target = config.redacted();
        let (client, driver) = setup_connection(config).await?;
        let sql = Arc::new(Sql::new(config.schema()));
        let opened = async {
            schema::check(&client, config.schema(), target).await?;
            read_head(&client, &sql, target).await
        }
        .await;
        drop(client);
        driver.abort();
        let head = opened?;
        let pool = build_pool(config, &options)?;
        let (_head_tx, head_rx) = watch::channel(head.position);
        Ok(Self {
            shared: Arc::new(Shared {
                config: config.clone(),
                sql,
                limits: options.limits,
                pool,
                queue: None,
                head_rx,
                background: Vec::new(),
            }),
        })
    }

    /// Where this store lives, without the password.
    pub fn describe(&self) -> &str {
        self.shared.config.redacted()
    }

    pub fn config(&self) -> &PostgresConfig {
        &self.shared.config
    }

    /// Bytes the `events` table and its indexes take on the server.
    pub async fn storage_bytes(&self) -> Result<u64, StoreError> {
        let client = self.shared.pool.get().await.map_err(pool)?;
        let row = client
            .query_one(&self.shared.sql.table_bytes, &[])
            .await
            .map_err(|e| backend("measuring the events table", e))?;
        let bytes: i64 = row
            .try_get(0)
            .map_err(|e| backend("measuring the events table", e))?;
        Ok(u64::try_from(bytes).unwrap_or(0))
    }

    async fn query(
        &self,
        sql: &str,
        params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
    ) -> Result<Vec<tokio_postgres::Row>, StoreError> {
        let client = self.shared.pool.get().await.map_err(pool)?;
        let stmt = client
            .prepare_cached(sql)
            .await
            .map_err(|e| backend("preparing a read", e))?;
        client
            .query(&stmt, params)
            .await
            .map_err(|e| backend("reading events", e))
    }

    async fn send(&self, op: writer::WriteOp) -> Result<(), StoreError> {
        let queue = self.shared.queue.as_ref().ok_or(StoreError::ReadOnly)?;
        queue.send(op).await.map_err(|_| StoreError::Closed)
    }
}

#[async_trait]
impl EventStore for PostgresStore {
    async fn append(
        &self,
        stream: &StreamId,
        expected: ExpectedVersion,
        events: Vec<NewEvent>,
    ) -> Result<AppendOutcome, StoreError> {
        if self.shared.queue.is_none() {
            return Err(StoreError::ReadOnly);
        }
        validate_append(stream, &events, &self.shared.limits)?;
        let (reply, rx) = oneshot::channel();
        self.send(writer::WriteOp::Append {
            stream: stream.clone(),
            expected,
            events,
            reply,
        })
        .await?;
        rx.await.map_err(|_| StoreError::Closed)?
    }

    async fn read_stream(
        &self,
        stream: &StreamId,
        from_version: u64,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        let rows = self
            .query(
                &self.shared.sql.read_stream,
                &[
                    &stream.as_str(),
                    &reader::param(from_version),
                    &reader::param(limit as u64),
                ],
            )
            .await?;
        reader::decode_all(&rows)
    }

    async fn read_stream_backwards(
        &self,
        stream: &StreamId,
        from_version: u64,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        let rows = self
            .query(
                &self.shared.sql.read_stream_backwards,
                &[
                    &stream.as_str(),
                    &reader::param(from_version),
                    &reader::param(limit as u64),
                ],
            )
            .await?;
        reader::decode_all(&rows)
    }

    async fn stream_version(&self, stream: &StreamId) -> Result<Option<u64>, StoreError> {
        let rows = self
            .query(&self.shared.sql.stream_version, &[&stream.as_str()])
            .await?;
        let Some(row) = rows.first() else {
            return Ok(None);
        };
        let v: i64 = row
            .try_get(0)
            .map_err(|e| backend("reading a stream's version", e))?;
        u64::try_from(v).map(Some).map_err(|_| StoreError::Corrupt {
            position: 0,
            detail: format!("stream `{stream}` has the negative version {v}"),
        })
    }

    async fn read_all(
        &self,
        from_position: u64,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        let rows = self
            .query(
                &self.shared.sql.read_all,
                &[&reader::param(from_position), &reader::param(limit as u64)],
            )
            .await?;
        reader::decode_all(&rows)
    }

    async fn event_by_id(&self, event_id: Uuid) -> Result<Option<RecordedEvent>, StoreError> {
        let rows = self
            .query(&self.shared.sql.event_by_id, &[&event_id])
            .await?;
        rows.first().map(reader::decode).transpose()
    }

    async fn head(&self) -> Result<Head, StoreError> {
        let rows = self.query(&self.shared.sql.head, &[]).await?;
        let row = rows.first().ok_or_else(|| StoreError::Corrupt {
            position: 0,
            detail: "the engage_head row is missing".into(),
        })?;
        schema::head_from_row(row).map(|(h, _)| h)
    }

    fn watch_head(&self) -> watch::Receiver<u64> {
        self.shared.head_rx.clone()
    }

    async fn import(&self, events: Vec<RecordedEvent>) -> Result<Head, StoreError> {
        if self.shared.queue.is_none() {
            return Err(StoreError::ReadOnly);
        }
        if events.is_empty() {
            return self.head().await;
        }
        let (reply, rx) = oneshot::channel();
        self.send(writer::WriteOp::Import { events, reply }).await?;
        rx.await.map_err(|_| StoreError::Closed)?
    }
}
