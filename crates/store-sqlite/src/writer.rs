//! The single writer thread and its group commit.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use chrono::Utc;
use engage_log::envelope::{timestamp_micros, to_log_precision};
use engage_log::hash::hash_event;
use engage_log::{
    ActualVersion, AppendOutcome, ExpectedVersion, Head, NewEvent, RecordedEvent, RecordedPosition,
    StoreError, StreamId, verify::check_event,
};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use tokio::sync::{mpsc, oneshot, watch};

use crate::SqliteOptions;
use crate::checkpoint::Checkpointer;
use crate::error::backend;
use crate::schema::read_head_and_time;

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
    fn is_ok(&self) -> bool {
        match self {
            Reply::Append(_, r) => r.is_ok(),
            Reply::Import(_, r) => r.is_ok(),
        }
    }

    fn fail(self, err: impl Fn() -> StoreError) -> Self {
        match self {
            Reply::Append(tx, Ok(_)) => Reply::Append(tx, Err(err())),
            Reply::Import(tx, Ok(_)) => Reply::Import(tx, Err(err())),
            other => other,
        }
    }

    fn send(self) {
        // A caller that gave up waiting is not an error for the writer.
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

/// Longest a group waits for more appends before it starts (see [`linger`]).
const MAX_LINGER: Duration = Duration::from_millis(2);

pub(crate) fn spawn(
    mut conn: Connection,
    checkpoint_conn: Connection,
    rx: mpsc::Receiver<WriteOp>,
    head: Arc<Mutex<Head>>,
    head_tx: watch::Sender<u64>,
    options: SqliteOptions,
) -> std::io::Result<JoinHandle<()>> {
    let checkpointer = Checkpointer::start(&mut conn, checkpoint_conn)?;
    std::thread::Builder::new()
        .name("engage-sqlite-writer".into())
        .spawn(move || {
            let mut checkpointer = checkpointer;
            run(&mut conn, &checkpointer, rx, head, head_tx, options);
            // Stop checkpointing before the write connection closes (which checkpoints once more).
            checkpointer.stop();
            drop(conn);
        })
}

fn run(
    conn: &mut Connection,
    checkpointer: &Checkpointer,
    mut rx: mpsc::Receiver<WriteOp>,
    head: Arc<Mutex<Head>>,
    head_tx: watch::Sender<u64>,
    options: SqliteOptions,
) {
    let mut group: Vec<WriteOp> = Vec::with_capacity(256);
    let mut versions = StreamVersions::new();
    // How many appends the next group can expect: those the last commit answered (their
    // callers are likely to send again at once) plus those that queued up meanwhile.
    let mut expected_ops = 1usize;
    let mut last_commit = Duration::ZERO;
    while let Some(first) = rx.blocking_recv() {
        let mut events = first.len();
        group.push(first);
        take_queued(&mut rx, &mut group, &mut events, options.max_group_events);
        linger(
            &mut rx,
            &mut group,
            &mut events,
            &options,
            expected_ops,
            last_commit,
        );
        let started = Instant::now();
        let (replies, new_head) = commit_group(
            conn,
            &mut versions,
            &mut group,
            &mut rx,
            events,
            options.max_group_events,
        );
        last_commit = started.elapsed();
        expected_ops = (replies.len() + rx.len()).max(1);
        if let Some(new_head) = new_head {
            if let Ok(mut h) = head.lock() {
                *h = new_head;
            }
            head_tx.send_replace(new_head.position);
        }
        for r in replies {
            r.send();
        }
        // While the callers just answered prepare their next appends.
        checkpointer.finish_between_groups(conn);
    }
    tracing::debug!("sqlite writer stopped");
}

/// Move whatever is queued into the group, up to the group's event limit.
fn take_queued(
    rx: &mut mpsc::Receiver<WriteOp>,
    group: &mut Vec<WriteOp>,
    events: &mut usize,
    max_events: usize,
) {
    while *events < max_events {
        match rx.try_recv() {
            Ok(op) => {
                *events += op.len();
                group.push(op);
            }
            Err(_) => break,
        }
    }
}

/// Group commit's gathering step. After a commit answers many concurrent appenders, they
/// send their next appends within a fraction of a millisecond; starting the next group on
/// the first arrival would split them over two commits (two fsyncs). So when fewer appends
/// are queued than the last round had, wait a little for the rest: at most half the last
/// commit's duration (so waiting never costs more than the fsync it saves) and at most
/// [`MAX_LINGER`]. A lone writer (last group of one) never waits.
fn linger(
    rx: &mut mpsc::Receiver<WriteOp>,
    group: &mut Vec<WriteOp>,
    events: &mut usize,
    options: &SqliteOptions,
    expected_ops: usize,
    last_commit: Duration,
) {
    if group.len() >= expected_ops || *events >= options.max_group_events {
        return;
    }
    let deadline = Instant::now() + (last_commit / 2).min(MAX_LINGER);
    while group.len() < expected_ops && *events < options.max_group_events {
        let now = Instant::now();
        if now >= deadline {
            break;
        }
        std::thread::sleep((deadline - now).min(Duration::from_micros(100)));
        take_queued(rx, group, events, options.max_group_events);
    }
}

/// The writer's cache of stream versions, valid only while nobody else writes the file.
pub(crate) struct StreamVersions {
    known: HashMap<StreamId, u64>,
    /// The head this writer last committed; if the file's head differs, the cache is stale.
    committed: Option<Head>,
}

/// Streams remembered before the cache is cleared (bounds memory; a miss costs one index seek).
const MAX_CACHED_STREAMS: usize = 200_000;

impl StreamVersions {
    pub(crate) fn new() -> Self {
        Self {
            known: HashMap::new(),
            committed: None,
        }
    }

    fn get(&mut self, tx: &Connection, stream: &StreamId) -> Result<Option<u64>, StoreError> {
        if let Some(v) = self.known.get(stream) {
            return Ok(Some(*v));
        }
        let v = current_version(tx, stream)?;
        if let Some(v) = v {
            self.set(stream, v);
        }
        Ok(v)
    }

    fn set(&mut self, stream: &StreamId, version: u64) {
        if self.known.len() >= MAX_CACHED_STREAMS {
            self.known.clear();
        }
        self.known.insert(stream.clone(), version);
    }

    fn invalidate(&mut self) {
        self.known.clear();
        self.committed = None;
    }
}

/// Run a group of operations in one transaction: those in `group`, then any that arrive
/// on `rx` meanwhile (up to `max_events` in all). Returns the replies and, if the commit
/// succeeded, the new head.
fn commit_group(
    conn: &mut Connection,
    versions: &mut StreamVersions,
    group: &mut Vec<WriteOp>,
    rx: &mut mpsc::Receiver<WriteOp>,
    mut events: usize,
    max_events: usize,
) -> (Vec<Reply>, Option<Head>) {
    let ops: Vec<WriteOp> = std::mem::take(group);
    let mut tx = match conn.transaction_with_behavior(TransactionBehavior::Immediate) {
        Ok(tx) => tx,
        Err(e) => return (fail_all(ops, "starting a write transaction", e), None),
    };
    let (mut head, last_recorded) = match read_head_and_time(&tx) {
        Ok(h) => h,
        Err(e) => {
            let msg = e.to_string();
            let replies = ops
                .into_iter()
                .map(|op| {
                    reply_err(op, || {
                        StoreError::backend(std::io::Error::other(msg.clone()))
                    })
                })
                .collect();
            return (replies, None);
        }
    };
    if versions.committed != Some(head) {
        // First group, or the file changed under us: trust nothing cached.
        versions.invalidate();
    }
    // One commit, one `recorded_at`; never earlier than the previous commit's, so
    // `recorded_at` is non-decreasing along positions even if the clock steps back.
    let now = timestamp_micros(to_log_precision(Utc::now())).max(last_recorded);

    let mut replies = Vec::with_capacity(ops.len());
    let mut cache_suspect = false;
    // Appends that arrive while this group is being written join it: they cost no extra fsync.
    let late = std::iter::from_fn(|| {
        if events >= max_events {
            return None;
        }
        let op = rx.try_recv().ok()?;
        events += op.len();
        Some(op)
    });
    for op in ops.into_iter().chain(late) {
        // A single-event append is one INSERT, atomic by itself, and every check runs
        // before it; anything writing more than one row gets a savepoint so that it can be
        // undone alone.
        let needs_savepoint = !matches!(&op, WriteOp::Append { events, .. } if events.len() == 1);
        let mut tentative = head;
        if !needs_savepoint {
            let reply = apply(&tx, versions, &mut tentative, now, op);
            if reply.is_ok() {
                head = tentative;
            }
            replies.push(reply);
            continue;
        }
        let sp = match tx.savepoint() {
            Ok(sp) => sp,
            Err(e) => {
                replies.push(reply_err(op, || shared_err("starting a savepoint", &e)));
                continue;
            }
        };
        let reply = apply(&sp, versions, &mut tentative, now, op);
        let reply = if reply.is_ok() {
            match sp.commit() {
                Ok(()) => {
                    head = tentative;
                    reply
                }
                Err(e) => {
                    cache_suspect = true;
                    reply.fail(|| shared_err("releasing a savepoint", &e))
                }
            }
        } else {
            // Dropping the savepoint rolls back this operation only. Versions are cached
            // only after an operation fully succeeds, so nothing cached refers to it.
            drop(sp);
            reply
        };
        replies.push(reply);
    }
    if let Err(e) = tx.commit() {
        tracing::error!(error = %e, "group commit failed; no append in the group was recorded");
        versions.invalidate();
        let replies = replies
            .into_iter()
            .map(|r| r.fail(|| shared_err("committing", &e)))
            .collect();
        return (replies, None);
    }
    if cache_suspect {
        versions.invalidate();
    } else {
        versions.committed = Some(head);
    }
    (replies, Some(head))
}

/// Run one operation against the open transaction (or savepoint), moving `head` forward on success.
fn apply(
    conn: &Connection,
    versions: &mut StreamVersions,
    head: &mut Head,
    now: i64,
    op: WriteOp,
) -> Reply {
    match op {
        WriteOp::Append {
            stream,
            expected,
            events,
            reply,
        } => Reply::Append(
            reply,
            append(conn, versions, head, now, &stream, expected, events),
        ),
        WriteOp::Import { events, reply } => {
            Reply::Import(reply, import(conn, versions, head, events))
        }
    }
}

/// The same SQLite failure reported to several callers.
fn shared_err(action: &str, e: &rusqlite::Error) -> StoreError {
    StoreError::backend(std::io::Error::other(format!("{action}: {e}")))
}

fn reply_err(op: WriteOp, err: impl Fn() -> StoreError) -> Reply {
    match op {
        WriteOp::Append { reply, .. } => Reply::Append(reply, Err(err())),
        WriteOp::Import { reply, .. } => Reply::Import(reply, Err(err())),
    }
}

fn fail_all(ops: Vec<WriteOp>, action: &'static str, e: rusqlite::Error) -> Vec<Reply> {
    tracing::error!(error = %e, "{action} failed");
    ops.into_iter()
        .map(|op| reply_err(op, || shared_err(action, &e)))
        .collect()
}

const INSERT: &str = "INSERT INTO events (position, event_id, stream_id, stream_version, event_type, schema_version, \
    occurred_at, recorded_at, actor_id, actor_role, actor_org, correlation_id, causation_id, reason, payload, hash) \
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)";

fn insert(tx: &Connection, e: &RecordedEvent) -> Result<(), StoreError> {
    let mut stmt = tx
        .prepare_cached(INSERT)
        .map_err(|err| backend("preparing the insert", err))?;
    stmt.execute(params![
        i64::try_from(e.position).unwrap_or(i64::MAX),
        e.event_id.as_bytes().as_slice(),
        e.stream_id.as_str(),
        i64::try_from(e.stream_version).unwrap_or(i64::MAX),
        e.event_type,
        i64::from(e.schema_version),
        timestamp_micros(e.occurred_at),
        timestamp_micros(e.recorded_at),
        e.actor.id,
        e.actor.role,
        e.actor.organisation,
        e.correlation_id.as_bytes().as_slice(),
        e.causation_id.as_ref().map(|c| c.as_bytes().to_vec()),
        e.reason,
        e.payload.as_str(),
        e.hash.as_bytes().as_slice(),
    ])
    .map_err(|err| {
        // The unique index on event_id refused the row: the id was reused by a different
        // append. That is the caller's mistake (an idempotency mismatch), not a backend failure.
        if let rusqlite::Error::SqliteFailure(code, Some(message)) = &err
            && code.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
            && message.contains("events.event_id")
        {
            return StoreError::IdempotencyMismatch {
                event_id: e.event_id,
                detail: "it was recorded by an earlier, different append".into(),
            };
        }
        backend("inserting an event", err)
    })?;
    Ok(())
}

fn current_version(tx: &Connection, stream: &StreamId) -> Result<Option<u64>, StoreError> {
    let v: Option<i64> = tx
        .prepare_cached("SELECT stream_version FROM events WHERE stream_id = ?1 ORDER BY stream_version DESC LIMIT 1")
        .and_then(|mut s| s.query_row([stream.as_str()], |r| r.get(0)).optional())
        .map_err(|e| backend("reading a stream's version", e))?;
    Ok(v.and_then(|v| u64::try_from(v).ok()))
}

/// Where an already-recorded event id sits, if it does.
fn recorded(tx: &Connection, id: &uuid::Uuid) -> Result<Option<(u64, String, u64)>, StoreError> {
    let row: Option<(i64, String, i64)> = tx
        .prepare_cached(
            "SELECT position, stream_id, stream_version FROM events WHERE event_id = ?1",
        )
        .and_then(|mut s| {
            s.query_row([id.as_bytes().as_slice()], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .optional()
        })
        .map_err(|e| backend("looking up an event id", e))?;
    Ok(row.map(|(p, s, v)| (p.max(0) as u64, s, v.max(0) as u64)))
}

fn append(
    tx: &Connection,
    versions: &mut StreamVersions,
    head: &mut Head,
    now_micros: i64,
    stream: &StreamId,
    expected: ExpectedVersion,
    events: Vec<NewEvent>,
) -> Result<AppendOutcome, StoreError> {
    // Idempotency first: a retry of an append that succeeded must not turn into a conflict.
    // A retry re-sends the same ids, so looking up the first one finds it; an id reused
    // further into a new append is refused by the unique index on insert (see `insert`).
    if let Some(first) = recorded(tx, &events[0].event_id)? {
        let mut previously = vec![(0, events[0].event_id, first.0, first.1, first.2)];
        for (i, e) in events.iter().enumerate().skip(1) {
            if let Some((position, s, version)) = recorded(tx, &e.event_id)? {
                previously.push((i, e.event_id, position, s, version));
            }
        }
        replay_outcome(stream, &events, &previously)?;
        return same_content(tx, stream, &events, previously);
    }

    let current = versions.get(tx, stream)?;
    if !expected.is_satisfied_by(current) {
        return Err(StoreError::Conflict {
            stream: stream.clone(),
            expected,
            actual: ActualVersion::from_option(current),
        });
    }
    let recorded_at =
        engage_log::envelope::timestamp_from_micros(now_micros).unwrap_or_else(Utc::now);
    let mut next_version = current.map_or(0, |v| v + 1);
    let mut positions = Vec::with_capacity(events.len());
    for e in events {
        let mut r = RecordedEvent {
            position: head.position + 1,
            stream_id: stream.clone(),
            stream_version: next_version,
            event_id: e.event_id,
            event_type: e.event_type,
            schema_version: e.schema_version,
            occurred_at: to_log_precision(e.occurred_at),
            recorded_at,
            actor: e.actor,
            correlation_id: e.correlation_id,
            causation_id: e.causation_id,
            reason: e.reason,
            payload: e.payload,
            hash: head.hash,
        };
        r.hash = hash_event(&head.hash, &r);
        insert(tx, &r)?;
        positions.push(RecordedPosition {
            event_id: r.event_id,
            position: r.position,
            stream_version: r.stream_version,
        });
        *head = Head {
            position: r.position,
            hash: r.hash,
        };
        next_version += 1;
    }
    versions.set(stream, next_version - 1);
    Ok(AppendOutcome {
        stream_id: stream.clone(),
        events: positions,
        already_recorded: false,
    })
}

/// Some event ids were recorded before: succeed only if this is an exact retry.
fn replay_outcome(
    stream: &StreamId,
    events: &[NewEvent],
    previously: &[(usize, uuid::Uuid, u64, String, u64)],
) -> Result<AppendOutcome, StoreError> {
    let first = &previously[0];
    if previously.len() != events.len() {
        let missing = events
            .iter()
            .find(|e| !previously.iter().any(|p| p.1 == e.event_id));
        return Err(StoreError::IdempotencyMismatch {
            event_id: first.1,
            detail: format!(
                "{} of the {} events were recorded before{}",
                previously.len(),
                events.len(),
                missing
                    .map(|m| format!(", but {} was not", m.event_id))
                    .unwrap_or_default()
            ),
        });
    }
    let mut out = Vec::with_capacity(events.len());
    for (k, (i, id, position, s, version)) in previously.iter().enumerate() {
        if s != stream.as_str() {
            return Err(StoreError::IdempotencyMismatch {
                event_id: *id,
                detail: format!("it is in stream `{s}`, not `{stream}`"),
            });
        }
        if *i != k || *position != first.2 + k as u64 || *version != first.4 + k as u64 {
            return Err(StoreError::IdempotencyMismatch {
                event_id: *id,
                detail: "the earlier append recorded these ids in a different order or grouping"
                    .into(),
            });
        }
        out.push(RecordedPosition {
            event_id: *id,
            position: *position,
            stream_version: *version,
        });
    }
    Ok(AppendOutcome {
        stream_id: stream.clone(),
        events: out,
        already_recorded: true,
    })
}

/// A retry must re-send what was recorded: same type, version, time, actor, ids, reason
/// and payload. Different content under a recorded id is a client bug, never a silent success.
fn same_content(
    tx: &Connection,
    stream: &StreamId,
    events: &[NewEvent],
    previously: Vec<(usize, uuid::Uuid, u64, String, u64)>,
) -> Result<AppendOutcome, StoreError> {
    let outcome = replay_outcome(stream, events, &previously)?;
    for e in events {
        let Some(r) = crate::reader::event_by_id(tx, e.event_id)? else {
            continue;
        };
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
    }
    Ok(outcome)
}

fn import(
    tx: &Connection,
    versions: &mut StreamVersions,
    head: &mut Head,
    events: Vec<RecordedEvent>,
) -> Result<Head, StoreError> {
    let mut touched: HashMap<StreamId, u64> = HashMap::new();
    for e in events {
        let reject = |reason: String| StoreError::ImportRejected {
            position: e.position,
            reason,
        };
        check_event(head.position + 1, &head.hash, &e).map_err(|f| reject(f.to_string()))?;
        let current = match touched.get(&e.stream_id) {
            Some(v) => Some(*v),
            None => versions.get(tx, &e.stream_id)?,
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
        if recorded(tx, &e.event_id)?.is_some() {
            return Err(reject(format!(
                "event id {} is already recorded",
                e.event_id
            )));
        }
        insert(tx, &e)?;
        touched.insert(e.stream_id.clone(), e.stream_version);
        *head = Head {
            position: e.position,
            hash: e.hash,
        };
    }
    for (stream, version) in touched {
        versions.set(&stream, version);
    }
    Ok(*head)
}
