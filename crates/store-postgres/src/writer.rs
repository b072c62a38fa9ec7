//! The writer task: group commit under the head-row lock.
//!
//! One task per [`crate::PostgresStore`] owns one connection and turns everything queued
//! into one transaction:
//!
//! 1. In one round trip (pipelined): `BEGIN`; lock the head row (`SELECT … FROM engage_head
//!    FOR UPDATE`, which also reads the server's clock); look up the event ids that could
//!    make an append a retry (each append's first id, every id of an import); look up the
//!    current version of every stream the group touches.
//! 2. In memory, in queue order: decide each operation exactly as the SQLite writer does
//!    (idempotent retry or mismatch, expected-version check, positions from the head,
//!    hashes chained). An operation that fails is answered with its error and takes no
//!    position; the ones after it carry on from the head as it was before it.
//! 3. In one round trip (pipelined): insert every planned row with a single
//!    `INSERT … SELECT * FROM unnest(…)`; move the head row; `pg_notify`; `COMMIT`.
//!
//! Nothing else can write between the lock and the commit (every engage writer takes the
//! same lock first), so the in-memory decisions are the database's truth. If the database
//! refuses the group anyway (a row it will not store, something writing without the lock),
//! the group is rolled back and run again the careful way: each operation in its own
//! savepoint with its own look-ups and insert, so the one at fault fails alone.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use engage_log::envelope::{timestamp_from_micros, timestamp_micros, to_log_precision};
use engage_log::hash::hash_event;
use engage_log::verify::check_event;
use engage_log::{
    ActualVersion, AppendOutcome, ExpectedVersion, Head, NewEvent, RecordedEvent, RecordedPosition,
    StoreError, StreamId,
};
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;
use tokio_postgres::error::SqlState;
use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, NoTls, Statement};
use uuid::Uuid;

use crate::config::PostgresConfig;
use crate::error::describe;
use crate::error::{backend, shared};
use crate::reader::decode;
use crate::schema::{Sql, head_from_row};

pub(crate) enum WriteOp {
    Append {
        stream: StreamId,
        expected: ExpectedVersion,
        events: Vec<NewEvent>,
        reply: oneshot::Sender<Result<AppendOutcome, StoreError>>,
    },
    Import {
        events: Vec<RecordedEvent>,
        reply: oneshot::Sender<Result<Head, StoreError>>,
    },
}

impl WriteOp {
    fn len(&self) -> usize {
        match self {
            WriteOp::Append { events, .. } => events.len(),
            WriteOp::Import { events, .. } => events.len(),
        }
    }

    fn bytes(&self) -> usize {
        match self {
            WriteOp::Append { events, .. } => events.iter().map(NewEvent::stored_size).sum(),
            WriteOp::Import { events, .. } => events
                .iter()
                .map(|e| e.payload.as_str().len() + e.reason.as_ref().map_or(0, String::len) + 256)
                .sum(),
        }
    }
}

/// Tuning of the writer.
#[derive(Debug, Clone)]
pub(crate) struct WriterOptions {
    pub max_group_events: usize,
    pub max_group_bytes: usize,
    /// `idle_in_transaction_session_timeout` of the writer's session: the server ends a
    /// transaction (and releases the head lock) of a writer that stopped mid-way.
    pub idle_in_transaction_timeout: Duration,
}

pub(crate) struct Writer {
    pub config: PostgresConfig,
    pub sql: Arc<Sql>,
    pub head_tx: Arc<watch::Sender<u64>>,
    pub options: WriterOptions,
}

/// The writer's connection and its prepared statements.
struct Conn {
    client: Client,
    driver: JoinHandle<()>,
    lock_head: Statement,
    lookup_ids: Statement,
    lookup_versions: Statement,
    insert: Statement,
    update_head: Statement,
    notify: Statement,
}

impl Drop for Conn {
    fn drop(&mut self) {
        self.driver.abort();
    }
}

impl Writer {
    async fn connect(&self) -> Result<Conn, StoreError> {
        let (client, connection) = self
            .config
            .connection_config("writer")
            .connect(NoTls)
            .await
            .map_err(|e| backend("connecting the writer", e))?;
        let driver = tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::warn!(error = %describe(&e), "the writer's PostgreSQL connection ended");
            }
        });
        let timeout_ms = self.options.idle_in_transaction_timeout.as_millis();
        client
            .batch_execute(&format!(
                "SET idle_in_transaction_session_timeout = {timeout_ms}"
            ))
            .await
            .map_err(|e| backend("configuring the writer's session", e))?;
        let prepare = |sql: &str| {
            let client = &client;
            let sql = sql.to_owned();
            async move {
                client
                    .prepare(&sql)
                    .await
                    .map_err(|e| backend("preparing the writer's statements", e))
            }
        };
        Ok(Conn {
            lock_head: prepare(&self.sql.lock_head).await?,
            lookup_ids: prepare(&self.sql.lookup_ids).await?,
            lookup_versions: prepare(&self.sql.lookup_versions).await?,
            insert: prepare(&self.sql.insert).await?,
            update_head: prepare(&self.sql.update_head).await?,
            notify: prepare(&self.sql.notify).await?,
            client,
            driver,
        })
    }

    fn publish(&self, position: u64) {
        self.head_tx.send_if_modified(|v| {
            if position > *v {
                *v = position;
                true
            } else {
                false
            }
        });
    }
}

/// Longest a group waits for more appends before it starts (see [`linger`]).
const MAX_LINGER: Duration = Duration::from_millis(2);

/// The writer task: runs until every sender of the queue is gone.
pub(crate) async fn run(writer: Writer, mut rx: mpsc::Receiver<WriteOp>) {
    let mut conn: Option<Conn> = None;
    let mut expected_ops = 1usize;
    let mut last_commit = Duration::ZERO;
    while let Some(first) = rx.recv().await {
        let mut group = Gather {
            events: first.len(),
            bytes: first.bytes(),
            ops: vec![first],
        };
        group.take_queued(&mut rx, &writer.options);
        linger(
            &mut rx,
            &mut group,
            &writer.options,
            expected_ops,
            last_commit,
        )
        .await;
        let started = Instant::now();
        let ops = group.ops;
        let count = ops.len();
        if conn.as_ref().is_some_and(|c| c.client.is_closed()) {
            // The server ended the session while it was idle (restart, failover, an
            // administrator): reconnect instead of failing the next group.
            tracing::warn!("the writer's PostgreSQL connection was closed; reconnecting");
            conn = None;
        }
        if conn.is_none() {
            match writer.connect().await {
                Ok(c) => conn = Some(c),
                Err(e) => {
                    tracing::error!(error = %e, "the writer cannot connect to PostgreSQL");
                    let msg = e.to_string();
                    for op in ops {
                        reply_err(op, || shared(&msg)).send();
                    }
                    continue;
                }
            }
        }
        let Some(c) = conn.as_mut() else { continue };
        let outcome = commit_group(c, &writer, ops).await;
        last_commit = started.elapsed();
        expected_ops = (count + rx.len()).max(1);
        if outcome.broken {
            conn = None;
        }
        if let Some(head) = outcome.new_head {
            writer.publish(head.position);
        }
        for r in outcome.replies {
            r.send();
        }
    }
    tracing::debug!("postgres writer stopped");
}

struct Gather {
    ops: Vec<WriteOp>,
    events: usize,
    bytes: usize,
}

impl Gather {
    fn full(&self, options: &WriterOptions) -> bool {
        self.events >= options.max_group_events || self.bytes >= options.max_group_bytes
    }

    fn take_queued(&mut self, rx: &mut mpsc::Receiver<WriteOp>, options: &WriterOptions) {
        while !self.full(options) {
            match rx.try_recv() {
                Ok(op) => {
                    self.events += op.len();
                    self.bytes += op.bytes();
                    self.ops.push(op);
                }
                Err(_) => break,
            }
        }
    }
}

/// Group commit's gathering step, as in the SQLite writer: when fewer appends are queued
/// than the last group answered, wait a little for the rest (at most half the last
/// commit's time and [`MAX_LINGER`]), so concurrent callers who were just answered share
/// the next commit instead of splitting over two. A lone writer never waits.
async fn linger(
    rx: &mut mpsc::Receiver<WriteOp>,
    group: &mut Gather,
    options: &WriterOptions,
    expected_ops: usize,
    last_commit: Duration,
) {
    if group.ops.len() >= expected_ops || group.full(options) {
        return;
    }
    let deadline = tokio::time::Instant::now() + (last_commit / 2).min(MAX_LINGER);
    while group.ops.len() < expected_ops && !group.full(options) {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Some(op)) => {
                group.events += op.len();
                group.bytes += op.bytes();
                group.ops.push(op);
                group.take_queued(rx, options);
            }
            Ok(None) | Err(_) => break,
        }
    }
}

enum Reply {
    Append(
        oneshot::Sender<Result<AppendOutcome, StoreError>>,
        Result<AppendOutcome, StoreError>,
    ),
    Import(
        oneshot::Sender<Result<Head, StoreError>>,
        Result<Head, StoreError>,
    ),
}

impl Reply {
    /// Replace a success with `err` (the commit that would have recorded it failed).
    fn fail(self, err: impl Fn() -> StoreError) -> Self {
        match self {
            Reply::Append(tx, Ok(_)) => Reply::Append(tx, Err(err())),
            Reply::Import(tx, Ok(_)) => Reply::Import(tx, Err(err())),
            other => other,
        }
    }

    fn send(self) {
        // A caller that stopped waiting is not the writer's problem.
        match self {
            Reply::Append(tx, r) => {
                let _ = tx.send(r);
            }
            Reply::Import(tx, r) => {
                let _ = tx.send(r);
            }
        }
    }
}

fn reply_err(op: WriteOp, err: impl Fn() -> StoreError) -> Reply {
    match op {
        WriteOp::Append { reply, .. } => Reply::Append(reply, Err(err())),
        WriteOp::Import { reply, .. } => Reply::Import(reply, Err(err())),
    }
}

struct GroupOutcome {
    replies: Vec<Reply>,
    /// The head after a successful commit that recorded something.
    new_head: Option<Head>,
    /// The connection can no longer be trusted (closed, or a transaction state unknown).
    broken: bool,
}

/// What the group may assume while deciding: the head as locked (moved forward by each
/// operation decided so far) and the clock.
#[derive(Clone, Copy)]
struct Tentative {
    head: Head,
    /// `recorded_at` of the last event (µs): appends never record an earlier time.
    last_recorded: i64,
    /// The server's clock when the lock was granted (µs).
    now: i64,
}

/// What the database said about the ids and streams of the operations being decided.
#[derive(Default)]
struct Lookups {
    recorded: HashMap<Uuid, RecordedEvent>,
    versions: HashMap<StreamId, Option<u64>>,
}

/// Rows decided in this transaction but not yet inserted.
#[derive(Default)]
struct Planned {
    rows: Vec<RecordedEvent>,
    by_id: HashMap<Uuid, usize>,
}

impl Planned {
    fn known<'a>(&'a self, lookups: &'a Lookups, id: &Uuid) -> Option<&'a RecordedEvent> {
        self.by_id
            .get(id)
            .map(|&i| &self.rows[i])
            .or_else(|| lookups.recorded.get(id))
    }
}

/// Ids whose being recorded decides the fate of `ops`: each append's first id (a retry
/// re-sends it; a reused id further in is refused by the unique index), every import id.
fn ids_to_look_up(ops: &[WriteOp]) -> Vec<Uuid> {
    let mut ids = Vec::new();
    for op in ops {
        match op {
            WriteOp::Append { events, .. } => ids.extend(events.first().map(|e| e.event_id)),
            WriteOp::Import { events, .. } => ids.extend(events.iter().map(|e| e.event_id)),
        }
    }
    ids
}

fn streams_to_look_up(ops: &[WriteOp]) -> Vec<String> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    let mut add = |s: &StreamId| {
        if seen.insert(s.clone()) {
            out.push(s.as_str().to_owned());
        }
    };
    for op in ops {
        match op {
            WriteOp::Append { stream, .. } => add(stream),
            WriteOp::Import { events, .. } => events.iter().for_each(|e| add(&e.stream_id)),
        }
    }
    out
}

/// Is this failure the connection's (closed, I/O) rather than the statement's?
fn is_connection_failure(c: &Conn, e: &tokio_postgres::Error) -> bool {
    e.as_db_error().is_none() || c.client.is_closed()
}

async fn commit_group(c: &mut Conn, writer: &Writer, ops: Vec<WriteOp>) -> GroupOutcome {
    match fast_path(c, writer, &ops).await {
        Fast::Done(results, new_head) => GroupOutcome {
            replies: ops
                .into_iter()
                .zip(results)
                .map(|(op, r)| r.into_reply(op))
                .collect(),
            new_head,
            broken: false,
        },
        Fast::Unknown(message) => {
            tracing::error!(error = %message, "the outcome of a group commit is unknown");
            let msg = format!(
                "{message}; the append may or may not have been recorded: retry it with the same event ids (a retry is idempotent)"
            );
            GroupOutcome {
                replies: ops
                    .into_iter()
                    .map(|op| reply_err(op, || shared(&msg)))
                    .collect(),
                new_head: None,
                broken: true,
            }
        }
        Fast::Broken(message) => {
            tracing::error!(error = %message, "the writer's connection failed; nothing in the group was recorded");
            GroupOutcome {
                replies: ops
                    .into_iter()
                    .map(|op| reply_err(op, || shared(&message)))
                    .collect(),
                new_head: None,
                broken: true,
            }
        }
        Fast::Refused(message) => {
            tracing::warn!(error = %message, "the database refused a group; retrying each append in its own savepoint");
            careful_path(c, writer, ops).await
        }
    }
}

/// An operation's result before its caller's reply channel is attached.
enum Decided {
    Append(Result<AppendOutcome, StoreError>),
    Import(Result<Head, StoreError>),
}

impl Decided {
    fn is_ok(&self) -> bool {
        match self {
            Decided::Append(r) => r.is_ok(),
            Decided::Import(r) => r.is_ok(),
        }
    }

    fn into_reply(self, op: WriteOp) -> Reply {
        match (self, op) {
            (Decided::Append(r), WriteOp::Append { reply, .. }) => Reply::Append(reply, r),
            (Decided::Import(r), WriteOp::Import { reply, .. }) => Reply::Import(reply, r),
            // Results are produced in the operations' order and kind; keep a total function anyway.
            (_, op) => reply_err(op, || shared("internal error: result of another kind")),
        }
    }
}

enum Fast {
    Done(Vec<Decided>, Option<Head>),
    /// The database refused a statement (the connection is fine): try the careful way.
    Refused(String),
    /// The connection failed before `COMMIT` was sent: nothing was recorded.
    Broken(String),
    /// The connection failed around `COMMIT`: it may or may not have happened.
    Unknown(String),
}

async fn rollback(c: &Conn) {
    if let Err(e) = c.client.batch_execute("ROLLBACK").await {
        tracing::debug!(error = %describe(&e), "rollback failed");
    }
}

async fn fast_path(c: &mut Conn, writer: &Writer, ops: &[WriteOp]) -> Fast {
    let ids = ids_to_look_up(ops);
    let streams = streams_to_look_up(ops);
    let ids_param: [&(dyn ToSql + Sync); 1] = [&ids];
    let streams_param: [&(dyn ToSql + Sync); 1] = [&streams];
    let (begin, locked, found, versions) = tokio::join!(
        c.client.batch_execute("BEGIN"),
        c.client.query_one(&c.lock_head, &[]),
        c.client.query(&c.lookup_ids, &ids_param),
        c.client.query(&c.lookup_versions, &streams_param),
    );
    let first_error = [
        begin.as_ref().err(),
        locked.as_ref().err(),
        found.as_ref().err(),
        versions.as_ref().err(),
    ]
    .into_iter()
    .flatten()
    .next();
    if let Some(e) = first_error {
        let message = format!("starting a group commit: {}", describe(e));
        if is_connection_failure(c, e) {
            return Fast::Broken(message);
        }
        rollback(c).await;
        return Fast::Refused(message);
    }
    let (Ok(locked), Ok(found), Ok(versions)) = (locked, found, versions) else {
        return Fast::Broken("starting a group commit: a result went missing".into());
    };
    let mut tentative = match tentative_from(&locked) {
        Ok(t) => t,
        Err(e) => {
            rollback(c).await;
            return Fast::Refused(e.to_string());
        }
    };
    let mut lookups = match lookups_from(&found, &versions) {
        Ok(l) => l,
        Err(e) => {
            rollback(c).await;
            return Fast::Refused(e.to_string());
        }
    };
    if let Err(e) = look_up_retries(c, ops, &mut lookups).await {
        let message = format!("looking up a retried append: {}", describe(&e));
        if is_connection_failure(c, &e) {
            return Fast::Broken(message);
        }
        rollback(c).await;
        return Fast::Refused(message);
    }
    let mut planned = Planned::default();
    let results: Vec<Decided> = ops
        .iter()
        .map(|op| decide(op, &mut tentative, &mut lookups, &mut planned))
        .collect();
    if planned.rows.is_empty() {
        // Only retries and refusals: nothing to write.
        rollback(c).await;
        return Fast::Done(results, None);
    }
    match write_and_commit(c, writer, &planned.rows, tentative).await {
        Ok(()) => Fast::Done(results, Some(tentative.head)),
        Err(outcome) => outcome,
    }
}

/// Insert the rows, move the head, notify and commit, in one round trip.
async fn write_and_commit(
    c: &Conn,
    writer: &Writer,
    rows: &[RecordedEvent],
    tentative: Tentative,
) -> Result<(), Fast> {
    let columns = Columns::of(rows);
    let params = columns.params();
    let position = reader_param(tentative.head.position);
    let hash = tentative.head.hash.as_bytes().as_slice();
    let last = tentative.last_recorded;
    let head_text = tentative.head.position.to_string();
    let head_param: [&(dyn ToSql + Sync); 3] = [&position, &hash, &last];
    let notify_param: [&(dyn ToSql + Sync); 2] = [&writer.sql.channel, &head_text];
    let (inserted, moved, notified, committed) = tokio::join!(
        c.client.execute(&c.insert, &params),
        c.client.execute(&c.update_head, &head_param),
        c.client.execute(&c.notify, &notify_param),
        c.client.batch_execute("COMMIT"),
    );
    let before_commit = [
        inserted.as_ref().err(),
        moved.as_ref().err(),
        notified.as_ref().err(),
    ]
    .into_iter()
    .flatten()
    .next();
    if let Some(e) = before_commit {
        // COMMIT in an aborted transaction is a rollback: nothing was recorded.
        let message = format!("writing a group: {}", describe(e));
        if is_connection_failure(c, e) {
            return Err(Fast::Broken(message));
        }
        return Err(Fast::Refused(message));
    }
    if let Err(e) = committed {
        let message = format!("committing: {}", describe(&e));
        if is_connection_failure(c, &e) {
            return Err(Fast::Unknown(message));
        }
        // The server answered COMMIT with an error (e.g. a deferred constraint, or
        // serialization): the transaction is rolled back.
        return Err(Fast::Refused(message));
    }
    if inserted.ok() != Some(rows.len() as u64) {
        // Cannot happen when the statements succeeded; say so loudly if it ever does.
        tracing::error!("the database reported a different number of inserted events");
    }
    Ok(())
}

/// The careful way: one transaction, each operation in its own savepoint with its own
/// look-ups and insert, so that an operation the database refuses fails alone.
async fn careful_path(c: &mut Conn, writer: &Writer, ops: Vec<WriteOp>) -> GroupOutcome {
    let broken = |message: String, ops: Vec<WriteOp>| GroupOutcome {
        replies: ops
            .into_iter()
            .map(|op| reply_err(op, || shared(&message)))
            .collect(),
        new_head: None,
        broken: true,
    };
    let (begin, locked) = tokio::join!(
        c.client.batch_execute("BEGIN"),
        c.client.query_one(&c.lock_head, &[]),
    );
    let locked = match (begin, locked) {
        (Ok(()), Ok(row)) => row,
        (Err(e), _) | (_, Err(e)) => {
            rollback(c).await;
            return broken(format!("starting a transaction: {}", describe(&e)), ops);
        }
    };
    let mut tentative = match tentative_from(&locked) {
        Ok(t) => t,
        Err(e) => {
            rollback(c).await;
            let message = e.to_string();
            return GroupOutcome {
                replies: ops
                    .into_iter()
                    .map(|op| reply_err(op, || shared(&message)))
                    .collect(),
                new_head: None,
                broken: false,
            };
        }
    };
    let mut replies = Vec::with_capacity(ops.len());
    let mut wrote = false;
    let mut iter = ops.into_iter();
    while let Some(op) = iter.next() {
        let one = std::slice::from_ref(&op);
        match careful_one(c, one, &mut tentative).await {
            Ok((decided, rows)) => {
                wrote |= rows > 0 && decided.is_ok();
                replies.push(decided.into_reply(op));
            }
            Err(CarefulError::Op(decided)) => replies.push(decided.into_reply(op)),
            Err(CarefulError::Broken(message)) => {
                let mut rest: Vec<WriteOp> = vec![op];
                rest.extend(iter);
                let mut outcome = broken(message.clone(), rest);
                let mut all: Vec<Reply> = replies
                    .into_iter()
                    .map(|r| r.fail(|| shared(&message)))
                    .collect();
                all.append(&mut outcome.replies);
                outcome.replies = all;
                return outcome;
            }
        }
    }
    if !wrote {
        rollback(c).await;
        return GroupOutcome {
            replies,
            new_head: None,
            broken: false,
        };
    }
    let position = reader_param(tentative.head.position);
    let hash = tentative.head.hash.as_bytes().as_slice();
    let last = tentative.last_recorded;
    let head_text = tentative.head.position.to_string();
    let head_param: [&(dyn ToSql + Sync); 3] = [&position, &hash, &last];
    let notify_param: [&(dyn ToSql + Sync); 2] = [&writer.sql.channel, &head_text];
    let (moved, notified, committed) = tokio::join!(
        c.client.execute(&c.update_head, &head_param),
        c.client.execute(&c.notify, &notify_param),
        c.client.batch_execute("COMMIT"),
    );
    let failure = match (moved, notified, committed) {
        (Ok(_), Ok(_), Ok(())) => None,
        (Err(e), _, _) | (_, Err(e), _) => {
            Some((format!("writing the head: {}", describe(&e)), false, e))
        }
        (_, _, Err(e)) => Some((format!("committing: {}", describe(&e)), true, e)),
    };
    match failure {
        None => GroupOutcome {
            replies,
            new_head: Some(tentative.head),
            broken: false,
        },
        Some((message, at_commit, e)) => {
            let lost = is_connection_failure(c, &e);
            let message = if lost && at_commit {
                format!(
                    "{message}; the append may or may not have been recorded: retry it with the same event ids (a retry is idempotent)"
                )
            } else {
                message
            };
            tracing::error!(error = %message, "group commit failed");
            GroupOutcome {
                replies: replies
                    .into_iter()
                    .map(|r| r.fail(|| shared(&message)))
                    .collect(),
                new_head: None,
                broken: lost,
            }
        }
    }
}

enum CarefulError {
    /// This operation failed alone (its savepoint was rolled back).
    Op(Decided),
    /// The connection or transaction is unusable: fail everything.
    Broken(String),
}

/// One operation inside its own savepoint. Returns its result and how many rows it wrote.
async fn careful_one(
    c: &Conn,
    op: &[WriteOp],
    tentative: &mut Tentative,
) -> Result<(Decided, usize), CarefulError> {
    let ids = ids_to_look_up(op);
    let streams = streams_to_look_up(op);
    let ids_param: [&(dyn ToSql + Sync); 1] = [&ids];
    let streams_param: [&(dyn ToSql + Sync); 1] = [&streams];
    let (savepoint, found, versions) = tokio::join!(
        c.client.batch_execute("SAVEPOINT engage_op"),
        c.client.query(&c.lookup_ids, &ids_param),
        c.client.query(&c.lookup_versions, &streams_param),
    );
    if let Err(e) = savepoint {
        return Err(CarefulError::Broken(format!(
            "starting a savepoint: {}",
            describe(&e)
        )));
    }
    let undo = |e: StoreError| async move {
        let _ = c
            .client
            .batch_execute("ROLLBACK TO SAVEPOINT engage_op")
            .await;
        Err(CarefulError::Op(failed(op, e)))
    };
    let (found, versions) = match (found, versions) {
        (Ok(f), Ok(v)) => (f, v),
        (Err(e), _) | (_, Err(e)) => {
            if is_connection_failure(c, &e) {
                return Err(CarefulError::Broken(format!(
                    "looking up events: {}",
                    describe(&e)
                )));
            }
            return undo(backend("looking up events", e)).await;
        }
    };
    let mut lookups = match lookups_from(&found, &versions) {
        Ok(l) => l,
        Err(e) => return undo(e).await,
    };
    if let Err(e) = look_up_retries(c, op, &mut lookups).await {
        if is_connection_failure(c, &e) {
            return Err(CarefulError::Broken(format!(
                "looking up events: {}",
                describe(&e)
            )));
        }
        return undo(backend("looking up a retried append", e)).await;
    }
    let mut planned = Planned::default();
    let mut next = *tentative;
    let decided = decide(&op[0], &mut next, &mut lookups, &mut planned);
    if !decided.is_ok() || planned.rows.is_empty() {
        let _ = c.client.batch_execute("RELEASE SAVEPOINT engage_op").await;
        return Ok((decided, 0));
    }
    let columns = Columns::of(&planned.rows);
    let params = columns.params();
    let (inserted, released) = tokio::join!(
        c.client.execute(&c.insert, &params),
        c.client.batch_execute("RELEASE SAVEPOINT engage_op"),
    );
    match (inserted, released) {
        (Ok(_), Ok(())) => {
            *tentative = next;
            Ok((decided, planned.rows.len()))
        }
        (Err(e), _) | (_, Err(e)) => {
            if is_connection_failure(c, &e) {
                return Err(CarefulError::Broken(format!(
                    "inserting events: {}",
                    describe(&e)
                )));
            }
            let err = insert_error(&op[0], e);
            undo(err).await
        }
    }
}

/// Why the database refused an operation's rows, in the log's terms.
fn insert_error(op: &WriteOp, e: tokio_postgres::Error) -> StoreError {
    let constraint = e
        .as_db_error()
        .filter(|d| *d.code() == SqlState::UNIQUE_VIOLATION)
        .and_then(|d| d.constraint().map(str::to_owned));
    match (constraint.as_deref(), op) {
        (Some("events_event_id_key"), WriteOp::Append { events, .. }) => {
            StoreError::IdempotencyMismatch {
                event_id: reused_id(&e).unwrap_or(events[0].event_id),
                detail: "it was recorded by an earlier, different append".into(),
            }
        }
        (Some("events_event_id_key"), WriteOp::Import { events, .. }) => {
            StoreError::ImportRejected {
                position: events.first().map_or(0, |e| e.position),
                reason: "one of its event ids is already recorded".into(),
            }
        }
        (Some("events_stream_key"), _) | (Some("events_pkey"), _) => {
            StoreError::backend(std::io::Error::other(format!(
                "a position or stream version was taken by a write that did not hold the head lock ({}); \
                 only engage may write to its tables",
                describe(&e)
            )))
        }
        _ => backend("inserting events", e),
    }
}

/// The id named in a unique-violation detail: `Key (event_id)=(…) already exists.`
fn reused_id(e: &tokio_postgres::Error) -> Option<Uuid> {
    let detail = e.as_db_error()?.detail()?;
    let start = detail.find("=(")? + 2;
    let end = start + detail[start..].find(')')?;
    detail[start..end].parse().ok()
}

fn failed(op: &[WriteOp], e: StoreError) -> Decided {
    match op.first() {
        Some(WriteOp::Import { .. }) => Decided::Import(Err(e)),
        _ => Decided::Append(Err(e)),
    }
}

fn reader_param(v: u64) -> i64 {
    crate::reader::param(v)
}

fn tentative_from(row: &tokio_postgres::Row) -> Result<Tentative, StoreError> {
    let (head, last_recorded) = head_from_row(row)?;
    let now: i64 = row
        .try_get(3)
        .map_err(|e| backend("reading the clock", e))?;
    Ok(Tentative {
        head,
        last_recorded,
        now,
    })
}

fn lookups_from(
    found: &[tokio_postgres::Row],
    versions: &[tokio_postgres::Row],
) -> Result<Lookups, StoreError> {
    let mut lookups = Lookups::default();
    for row in found {
        let e = decode(row)?;
        lookups.recorded.insert(e.event_id, e);
    }
    for row in versions {
        let stream: String = row.try_get(0).map_err(|e| backend("reading a stream", e))?;
        let version: Option<i64> = row
            .try_get(1)
            .map_err(|e| backend("reading a stream version", e))?;
        let version = version
            .map(|v| {
                u64::try_from(v).map_err(|_| StoreError::Corrupt {
                    position: 0,
                    detail: format!("stream `{stream}` has the negative version {v}"),
                })
            })
            .transpose()?;
        lookups.versions.insert(StreamId::new(stream), version);
    }
    Ok(lookups)
}

/// A multi-event append whose first id is recorded is a retry only if all its ids are:
/// fetch the rest (rare: only retries get here).
async fn look_up_retries(
    c: &Conn,
    ops: &[WriteOp],
    lookups: &mut Lookups,
) -> Result<(), tokio_postgres::Error> {
    let more: Vec<Uuid> = ops
        .iter()
        .filter_map(|op| match op {
            WriteOp::Append { events, .. }
                if events.len() > 1 && lookups.recorded.contains_key(&events[0].event_id) =>
            {
                Some(events[1..].iter().map(|e| e.event_id))
            }
            _ => None,
        })
        .flatten()
        .collect();
    if more.is_empty() {
        return Ok(());
    }
    for row in c.client.query(&c.lookup_ids, &[&more]).await? {
        match decode(&row) {
            Ok(e) => {
                lookups.recorded.insert(e.event_id, e);
            }
            Err(err) => tracing::warn!(error = %err, "an undecodable event was looked up"),
        }
    }
    Ok(())
}

/// Decide one operation against the tentative state; on success its rows join `planned`
/// and the state moves forward, on failure nothing changes.
fn decide(
    op: &WriteOp,
    tentative: &mut Tentative,
    lookups: &mut Lookups,
    planned: &mut Planned,
) -> Decided {
    match op {
        WriteOp::Append {
            stream,
            expected,
            events,
            ..
        } => Decided::Append(decide_append(
            stream, *expected, events, tentative, lookups, planned,
        )),
        WriteOp::Import { events, .. } => {
            Decided::Import(decide_import(events, tentative, lookups, planned))
        }
    }
}

fn decide_append(
    stream: &StreamId,
    expected: ExpectedVersion,
    events: &[NewEvent],
    tentative: &mut Tentative,
    lookups: &mut Lookups,
    planned: &mut Planned,
) -> Result<AppendOutcome, StoreError> {
    let Some(first) = events.first() else {
        return Err(engage_log::InvalidAppend::EmptyBatch.into());
    };
    // Idempotency first: a retry of an append that succeeded must not become a conflict.
    if planned.known(lookups, &first.event_id).is_some() {
        return replayed(stream, events, |id| planned.known(lookups, id));
    }
    let current = lookups.versions.get(stream).copied().flatten();
    if !expected.is_satisfied_by(current) {
        return Err(StoreError::Conflict {
            stream: stream.clone(),
            expected,
            actual: ActualVersion::from_option(current),
        });
    }
    // A later id already decided in this group: that is reuse, not a retry.
    if let Some(reused) = events[1..]
        .iter()
        .find(|e| planned.by_id.contains_key(&e.event_id))
    {
        return Err(StoreError::IdempotencyMismatch {
            event_id: reused.event_id,
            detail: "it was recorded by an earlier, different append".into(),
        });
    }
    // One commit, one clock; never earlier than the previous event's time, so
    // `recorded_at` is non-decreasing along positions even if a clock steps back.
    let recorded_micros = tentative.now.max(tentative.last_recorded);
    let recorded_at =
        timestamp_from_micros(recorded_micros).ok_or_else(|| StoreError::Corrupt {
            position: tentative.head.position,
            detail: format!("recorded_at {recorded_micros} µs is out of range"),
        })?;
    let mut head = tentative.head;
    let mut version = current.map_or(0, |v| v + 1);
    let mut positions = Vec::with_capacity(events.len());
    let start = planned.rows.len();
    for e in events {
        let mut r = RecordedEvent {
            position: head.position + 1,
            stream_id: stream.clone(),
            stream_version: version,
            event_id: e.event_id,
            event_type: e.event_type.clone(),
            schema_version: e.schema_version,
            occurred_at: to_log_precision(e.occurred_at),
            recorded_at,
            actor: e.actor.clone(),
            correlation_id: e.correlation_id,
            causation_id: e.causation_id,
            reason: e.reason.clone(),
            payload: e.payload.clone(),
            hash: head.hash,
        };
        r.hash = hash_event(&head.hash, &r);
        positions.push(RecordedPosition {
            event_id: r.event_id,
            position: r.position,
            stream_version: r.stream_version,
        });
        head = Head {
            position: r.position,
            hash: r.hash,
        };
        planned
            .by_id
            .insert(r.event_id, start + positions.len() - 1);
        planned.rows.push(r);
        version += 1;
    }
    lookups.versions.insert(stream.clone(), Some(version - 1));
    tentative.head = head;
    tentative.last_recorded = recorded_micros;
    Ok(AppendOutcome {
        stream_id: stream.clone(),
        events: positions,
        already_recorded: false,
    })
}

/// The first id of an append is recorded: succeed with the original positions only if
/// this is an exact retry (every id recorded, in this stream, consecutively, in this order,
/// with the same content); anything else is an idempotency mismatch.
fn replayed<'a>(
    stream: &StreamId,
    events: &[NewEvent],
    known: impl Fn(&Uuid) -> Option<&'a RecordedEvent>,
) -> Result<AppendOutcome, StoreError> {
    let recorded: Vec<Option<&RecordedEvent>> = events.iter().map(|e| known(&e.event_id)).collect();
    let found = recorded.iter().flatten().count();
    let Some(Some(first)) = recorded.first() else {
        return Err(StoreError::IdempotencyMismatch {
            event_id: events.first().map_or(Uuid::nil(), |e| e.event_id),
            detail: "internal error: the first id is not recorded".into(),
        });
    };
    if found != events.len() {
        let missing = events
            .iter()
            .zip(&recorded)
            .find(|(_, r)| r.is_none())
            .map(|(e, _)| e.event_id);
        return Err(StoreError::IdempotencyMismatch {
            event_id: first.event_id,
            detail: format!(
                "{found} of the {} events were recorded before{}",
                events.len(),
                missing
                    .map(|m| format!(", but {m} was not"))
                    .unwrap_or_default()
            ),
        });
    }
    let mut out = Vec::with_capacity(events.len());
    for (k, (e, r)) in events.iter().zip(recorded.iter().flatten()).enumerate() {
        if r.stream_id != *stream {
            return Err(StoreError::IdempotencyMismatch {
                event_id: e.event_id,
                detail: format!("it is in stream `{}`, not `{stream}`", r.stream_id),
            });
        }
        if r.position != first.position + k as u64
            || r.stream_version != first.stream_version + k as u64
        {
            return Err(StoreError::IdempotencyMismatch {
                event_id: e.event_id,
                detail: "the earlier append recorded these ids in a different order or grouping"
                    .into(),
            });
        }
        let same = r.event_type == e.event_type
            && r.schema_version == e.schema_version
            && r.occurred_at == to_log_precision(e.occurred_at)
            && r.actor == e.actor
            && r.correlation_id == e.correlation_id
            && r.causation_id == e.causation_id
            && r.reason == e.reason
            && r.payload == e.payload;
        if !same {
            return Err(StoreError::IdempotencyMismatch {
                event_id: e.event_id,
                detail:
                    "it was recorded with different content; a retry must re-send the same event"
                        .into(),
            });
        }
        out.push(RecordedPosition {
            event_id: r.event_id,
            position: r.position,
            stream_version: r.stream_version,
        });
    }
    Ok(AppendOutcome {
        stream_id: stream.clone(),
        events: out,
        already_recorded: true,
    })
}

fn decide_import(
    events: &[RecordedEvent],
    tentative: &mut Tentative,
    lookups: &mut Lookups,
    planned: &mut Planned,
) -> Result<Head, StoreError> {
    let mut head = tentative.head;
    let mut last_recorded = tentative.last_recorded;
    let mut touched: HashMap<&StreamId, u64> = HashMap::new();
    let mut ids: HashSet<Uuid> = HashSet::new();
    for e in events {
        let reject = |reason: String| StoreError::ImportRejected {
            position: e.position,
            reason,
        };
        check_event(head.position + 1, &head.hash, e).map_err(|f| reject(f.to_string()))?;
        let current = match touched.get(&e.stream_id) {
            Some(v) => Some(*v),
            None => lookups.versions.get(&e.stream_id).copied().flatten(),
        };
        let expected_version = current.map_or(0, |v| v + 1);
        if e.stream_version != expected_version {
            return Err(reject(format!(
                "stream `{}` is at version {}, the event says {}",
                e.stream_id,
                current.map_or("none".to_string(), |v| v.to_string()),
                e.stream_version
            )));
        }
        if planned.known(lookups, &e.event_id).is_some() || !ids.insert(e.event_id) {
            return Err(reject(format!(
                "event id {} is already recorded",
                e.event_id
            )));
        }
        touched.insert(&e.stream_id, e.stream_version);
        head = Head {
            position: e.position,
            hash: e.hash,
        };
        last_recorded = last_recorded.max(timestamp_micros(e.recorded_at));
    }
    for (stream, version) in touched {
        lookups.versions.insert(stream.clone(), Some(version));
    }
    for e in events {
        planned.by_id.insert(e.event_id, planned.rows.len());
        planned.rows.push(e.clone());
    }
    tentative.head = head;
    tentative.last_recorded = last_recorded;
    Ok(head)
}

/// The rows of one insert as column arrays for `unnest`.
struct Columns<'a> {
    position: Vec<i64>,
    event_id: Vec<Uuid>,
    stream_id: Vec<&'a str>,
    stream_version: Vec<i64>,
    event_type: Vec<&'a str>,
    schema_version: Vec<i64>,
    occurred_at: Vec<i64>,
    recorded_at: Vec<i64>,
    actor_id: Vec<&'a str>,
    actor_role: Vec<&'a str>,
    actor_org: Vec<&'a str>,
    correlation_id: Vec<Uuid>,
    causation_id: Vec<Option<Uuid>>,
    reason: Vec<Option<&'a str>>,
    payload: Vec<&'a str>,
    hash: Vec<&'a [u8]>,
}

impl<'a> Columns<'a> {
    fn of(rows: &'a [RecordedEvent]) -> Self {
        let n = rows.len();
        let mut c = Columns {
            position: Vec::with_capacity(n),
            event_id: Vec::with_capacity(n),
            stream_id: Vec::with_capacity(n),
            stream_version: Vec::with_capacity(n),
            event_type: Vec::with_capacity(n),
            schema_version: Vec::with_capacity(n),
            occurred_at: Vec::with_capacity(n),
            recorded_at: Vec::with_capacity(n),
            actor_id: Vec::with_capacity(n),
            actor_role: Vec::with_capacity(n),
            actor_org: Vec::with_capacity(n),
            correlation_id: Vec::with_capacity(n),
            causation_id: Vec::with_capacity(n),
            reason: Vec::with_capacity(n),
            payload: Vec::with_capacity(n),
            hash: Vec::with_capacity(n),
        };
        for r in rows {
            c.position.push(reader_param(r.position));
            c.event_id.push(r.event_id);
            c.stream_id.push(r.stream_id.as_str());
            c.stream_version.push(reader_param(r.stream_version));
            c.event_type.push(&r.event_type);
            c.schema_version.push(i64::from(r.schema_version));
            c.occurred_at.push(timestamp_micros(r.occurred_at));
            c.recorded_at.push(timestamp_micros(r.recorded_at));
            c.actor_id.push(&r.actor.id);
            c.actor_role.push(&r.actor.role);
            c.actor_org.push(&r.actor.organisation);
            c.correlation_id.push(r.correlation_id);
            c.causation_id.push(r.causation_id);
            c.reason.push(r.reason.as_deref());
            c.payload.push(r.payload.as_str());
            c.hash.push(r.hash.as_bytes().as_slice());
        }
        c
    }

    fn params(&self) -> [&(dyn ToSql + Sync); 16] {
        [
            &self.position,
            &self.event_id,
            &self.stream_id,
            &self.stream_version,
            &self.event_type,
            &self.schema_version,
            &self.occurred_at,
            &self.recorded_at,
            &self.actor_id,
            &self.actor_role,
            &self.actor_org,
            &self.correlation_id,
            &self.causation_id,
            &self.reason,
            &self.payload,
            &self.hash,
        ]
    }
}
