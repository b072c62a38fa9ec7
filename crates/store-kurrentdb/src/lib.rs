//! # engage-store-kurrentdb: the event log in KurrentDB (EventStoreDB)
//!
//! [`KurrentStore`] implements [`EventStore`] on a KurrentDB server or cluster through the
//! official `kurrentdb` client, with the behaviour every engage backend shares (checked by
//! the conformance suite in `tests/tests/conformance_kurrentdb.rs` when `KURRENTDB_URL` is
//! set). The design and its costs are explained for operators in `docs/kurrentdb.md`.
//!
//! ## The log is one KurrentDB stream
//! engage's log promises a gapless global position, a hash chain across all streams, and
//! atomic, idempotent appends checked against a stream's expected version. KurrentDB's own
//! global order (`$all`) has gaps in its commit positions and holds system and foreign
//! events, and the client has no append that spans two streams. So every engage event is
//! one KurrentDB event of a single stream, the **log stream** (`engage-log` unless the URL
//! says `?logStream=NAME`):
//!
//! - position `p` is revision `p − 1` of the log stream, so positions are gapless and
//!   commit in order (a stream's revisions are assigned by the leader, one append at a time);
//! - an engage append is one KurrentDB append of all its events, so it is atomic;
//! - each append is sent with the log stream's expected revision (`StreamState`) set to the
//!   head this process has decided against. That revision check is the cross-process lock:
//!   if another process appended first, KurrentDB refuses with a wrong expected version,
//!   nothing is written, and this process reads the new events and decides again;
//! - the engage stream, stream version, hash, previous hash and the other envelope fields
//!   are in the event's metadata, the payload is its JSON data, the engage event id is the
//!   KurrentDB event id (see [`metadata`]).
//!
//! Per-stream expected versions, idempotency and stream reads use an in-memory [`index`]
//! (where each stream's events and each event id are in the log) built by reading the log
//! stream when the store opens and kept current by a catch-up subscription to the log
//! stream, which also feeds [`EventStore::watch_head`] and so `subscribe_all`.
//!
//! ## Reads
//! `read_all` reads the log stream from revision `from − 1`. Stream reads, `stream_version`,
//! `event_by_id` and `head` first catch the index up with the server (one read that is
//! usually empty), so a process sees every append another process has acknowledged.
//!
//! ## Durability
//! An append is acknowledged after KurrentDB acknowledged it, i.e. after the leader wrote
//! it and (in a cluster) a quorum of nodes did.

mod config;
mod error;
pub mod index;
pub mod metadata;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, RwLock, RwLockReadGuard, RwLockWriteGuard, Weak};
use std::time::Duration;

use async_trait::async_trait;
use engage_log::envelope::{timestamp_from_micros, timestamp_micros, to_log_precision};
use engage_log::hash::hash_event;
use engage_log::verify::check_event;
use engage_log::{
    ActualVersion, AppendOutcome, EventHash, EventStore, ExpectedVersion, Head, Limits, NewEvent,
    RecordedEvent, RecordedPosition, StoreError, StreamId, validate_append,
};
use kurrentdb::{
    AppendToStreamOptions, Client, ReadStreamOptions, StreamPosition, StreamState,
    SubscribeToStreamOptions,
};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use uuid::Uuid;

pub use config::{DEFAULT_LOG_STREAM, KurrentConfig, LOG_STREAM_PARAM, UrlError, redact};
pub use error::{KurrentError, OpenError};

use crate::error::store_error;
use crate::index::Index;
use crate::metadata::{Decoded, Encoded, decode_recorded, encode};

/// Tuning of a KurrentDB store.
#[derive(Debug, Clone)]
pub struct KurrentOptions {
    pub limits: Limits,
    /// Events per read of the log stream when catching up.
    pub read_batch: usize,
    /// How many times an append is decided again after other writers moved the log on,
    /// before it fails.
    pub max_append_attempts: u32,
    /// Most bytes (about) of one KurrentDB append during an import; below the server's
    /// default `MaxAppendSize` of 1 MiB.
    pub import_chunk_bytes: usize,
    /// Most events of one KurrentDB append during an import.
    pub import_chunk_events: usize,
    /// Wait before re-subscribing after the live subscription failed.
    pub resubscribe_delay: Duration,
}

impl Default for KurrentOptions {
    fn default() -> Self {
        Self {
            limits: Limits::default(),
            read_batch: 4096,
            max_append_attempts: 100,
            import_chunk_bytes: 768 * 1024,
            import_chunk_events: 2000,
            resubscribe_delay: Duration::from_secs(1),
        }
    }
}

/// Other writers kept moving the log on while an append was being decided.
#[derive(Debug, thiserror::Error)]
#[error(
    "KurrentDB: other writers appended to the log {attempts} times in a row while this append was decided; nothing was written, try again"
)]
pub struct Contended {
    pub attempts: u32,
}

/// The event log in one stream of a KurrentDB database. Cheap to clone; clones share one
/// client, one index and one live subscription, stopped when the last clone is dropped.
#[derive(Clone)]
pub struct KurrentStore {
    shared: Arc<Shared>,
}

struct Shared {
    config: KurrentConfig,
    client: Client,
    options: KurrentOptions,
    read_only: bool,
    index: RwLock<Index>,
    /// Held while the index is caught up or an append is decided and written, so both
    /// happen against one known head.
    sync: tokio::sync::Mutex<()>,
    head_tx: watch::Sender<u64>,
    follower: Mutex<Option<JoinHandle<()>>>,
}

impl Drop for Shared {
    fn drop(&mut self) {
        let task = self.follower.get_mut().map(Option::take);
        if let Ok(Some(task)) = task {
            task.abort();
        }
    }
}

impl Shared {
    fn index(&self) -> RwLockReadGuard<'_, Index> {
        self.index.read().unwrap_or_else(|p| p.into_inner())
    }

    fn index_mut(&self) -> RwLockWriteGuard<'_, Index> {
        self.index.write().unwrap_or_else(|p| p.into_inner())
    }

    fn publish(&self, position: u64) {
        self.head_tx.send_if_modified(|h| {
            if position > *h {
                *h = position;
                true
            } else {
                false
            }
        });
    }

    /// Up to `count` events of the log stream from `revision` (= position − 1).
    async fn read_log(&self, revision: u64, count: usize) -> Result<Vec<Decoded>, StoreError> {
        if count == 0 {
            return Ok(Vec::new());
        }
        let options = ReadStreamOptions::default()
            .forwards()
            .position(StreamPosition::Position(revision))
            .max_count(count);
        let mut stream = match self
            .client
            .read_stream(self.config.log_stream(), &options)
            .await
        {
            Ok(s) => s,
            Err(kurrentdb::Error::ResourceNotFound) => return Ok(Vec::new()),
            Err(e) => return Err(store_error("reading the log stream", e)),
        };
        let mut out = Vec::with_capacity(count.min(self.options.read_batch));
        loop {
            match stream.next().await {
                Ok(Some(resolved)) => {
                    let Some(event) = resolved.event.as_ref() else {
                        return Err(StoreError::Corrupt {
                            position: revision + out.len() as u64 + 1,
                            detail: "KurrentDB returned a link without its event".into(),
                        });
                    };
                    out.push(decode_recorded(event)?);
                }
                Ok(None) | Err(kurrentdb::Error::ResourceNotFound) => break,
                Err(e) => return Err(store_error("reading the log stream", e)),
            }
        }
        Ok(out)
    }

    /// Read whatever the log stream holds past the index's head into the index. The caller
    /// holds `sync`.
    async fn catch_up_locked(&self) -> Result<(), StoreError> {
        loop {
            let from = self.index().head().position;
            let batch = self.read_log(from, self.options.read_batch).await?;
            let n = batch.len();
            if n == 0 {
                return Ok(());
            }
            let head = {
                let mut index = self.index_mut();
                for d in &batch {
                    index.apply(d)?;
                }
                index.head().position
            };
            self.publish(head);
            if n < self.options.read_batch {
                return Ok(());
            }
        }
    }

    async fn catch_up(&self) -> Result<(), StoreError> {
        let _sync = self.sync.lock().await;
        self.catch_up_locked().await
    }

    /// The events at these positions (ascending), fetched in runs of consecutive positions.
    async fn events_at(&self, positions: &[u64]) -> Result<Vec<RecordedEvent>, StoreError> {
        let mut out = Vec::with_capacity(positions.len());
        for (start, len) in index::runs(positions) {
            let got = self.read_log(start - 1, len).await?;
            if got.len() != len {
                return Err(StoreError::Corrupt {
                    position: start + got.len() as u64,
                    detail: "the index names an event the log stream does not return".into(),
                });
            }
            out.extend(got.into_iter().map(|d| d.event));
        }
        Ok(out)
    }

    /// Append encoded events at the end of the log stream, whose last revision must be
    /// `head − 1`. `Ok(false)`: another writer appended first, nothing was written.
    async fn write(
        &self,
        head: u64,
        encoded: Vec<Encoded>,
        action: &'static str,
    ) -> Result<bool, StoreError> {
        let state = match head {
            0 => StreamState::NoStream,
            h => StreamState::StreamRevision(h - 1),
        };
        let options = AppendToStreamOptions::default().stream_state(state);
        let events: Vec<kurrentdb::EventData> =
            encoded.into_iter().map(Encoded::into_event_data).collect();
        match self
            .client
            .append_to_stream(self.config.log_stream(), &options, events)
            .await
        {
            Ok(_) => Ok(true),
            Err(kurrentdb::Error::WrongExpectedVersion { current, .. }) => {
                tracing::debug!(
                    head, current = ?current,
                    "another writer appended to the KurrentDB log first; deciding again"
                );
                Ok(false)
            }
            Err(e) => Err(store_error(action, e)),
        }
    }
}

/// What deciding an append against the index came to.
enum Decision {
    /// The first id is recorded: compare with these recorded events (by position; `None`
    /// for an id that is not recorded).
    Retry(Vec<Option<u64>>),
    /// New events, ready to write after `head`.
    Write {
        head: Head,
        records: Vec<RecordedEvent>,
    },
}

fn decide(
    index: &Index,
    stream: &StreamId,
    expected: ExpectedVersion,
    events: &[NewEvent],
) -> Result<Decision, StoreError> {
    let Some(first) = events.first() else {
        return Err(engage_log::InvalidAppend::EmptyBatch.into());
    };
    // Idempotency first: a retry of an append that succeeded must not become a conflict.
    if index.position_of(&first.event_id).is_some() {
        return Ok(Decision::Retry(
            events
                .iter()
                .map(|e| index.position_of(&e.event_id))
                .collect(),
        ));
    }
    let current = index.stream_version(stream);
    if !expected.is_satisfied_by(current) {
        return Err(StoreError::Conflict {
            stream: stream.clone(),
            expected,
            actual: ActualVersion::from_option(current),
        });
    }
    if let Some(reused) = events[1..]
        .iter()
        .find(|e| index.position_of(&e.event_id).is_some())
    {
        return Err(StoreError::IdempotencyMismatch {
            event_id: reused.event_id,
            detail: "it was recorded by an earlier, different append".into(),
        });
    }
    let head = index.head();
    // This process's clock, never earlier than the previous event's time, so `recorded_at`
    // does not decrease along positions even across processes whose clocks differ.
    let micros = timestamp_micros(chrono::Utc::now()).max(index.last_recorded_micros());
    let recorded_at = timestamp_from_micros(micros).ok_or_else(|| StoreError::Corrupt {
        position: head.position,
        detail: format!("recorded_at {micros} µs is out of range"),
    })?;
    let mut prev = head;
    let first_version = current.map_or(0, |v| v + 1);
    let mut records = Vec::with_capacity(events.len());
    for (version, e) in (first_version..).zip(events) {
        let mut r = RecordedEvent {
            position: prev.position + 1,
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
            hash: prev.hash,
        };
        r.hash = hash_event(&prev.hash, &r);
        prev = Head {
            position: r.position,
            hash: r.hash,
        };
        records.push(r);
    }
    Ok(Decision::Write { head, records })
}

/// The first id of an append is recorded: succeed with the original positions only if
/// this is an exact retry (every id recorded, in this stream, consecutively, in this order,
/// with the same content); anything else is an idempotency mismatch.
fn replayed(
    stream: &StreamId,
    events: &[NewEvent],
    recorded: &[Option<&RecordedEvent>],
) -> Result<AppendOutcome, StoreError> {
    let mismatch =
        |event_id: Uuid, detail: String| StoreError::IdempotencyMismatch { event_id, detail };
    let Some(Some(first)) = recorded.first() else {
        return Err(mismatch(
            events.first().map_or(Uuid::nil(), |e| e.event_id),
            "internal error: the first id is not recorded".into(),
        ));
    };
    let found = recorded.iter().flatten().count();
    if found != events.len() {
        let missing = events
            .iter()
            .zip(recorded)
            .find(|(_, r)| r.is_none())
            .map(|(e, _)| e.event_id);
        return Err(mismatch(
            first.event_id,
            format!(
                "{found} of the {} events were recorded before{}",
                events.len(),
                missing
                    .map(|m| format!(", but {m} was not"))
                    .unwrap_or_default()
            ),
        ));
    }
    let mut out = Vec::with_capacity(events.len());
    for (k, (e, r)) in events.iter().zip(recorded.iter().flatten()).enumerate() {
        if r.stream_id != *stream {
            return Err(mismatch(
                e.event_id,
                format!("it is in stream `{}`, not `{stream}`", r.stream_id),
            ));
        }
        if r.position != first.position + k as u64
            || r.stream_version != first.stream_version + k as u64
        {
            return Err(mismatch(
                e.event_id,
                "the earlier append recorded these ids in a different order or grouping".into(),
            ));
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
            return Err(mismatch(
                e.event_id,
                "it was recorded with different content; a retry must re-send the same event"
                    .into(),
            ));
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

/// Check an import against the index: it must continue the chain from the head, continue
/// each stream's versions, and bring only new ids. Returns the events' previous hashes.
fn check_import(index: &Index, events: &[RecordedEvent]) -> Result<Vec<EventHash>, StoreError> {
    let mut head = index.head();
    let mut touched: HashMap<&StreamId, u64> = HashMap::new();
    let mut ids: HashSet<Uuid> = HashSet::new();
    let mut previous = Vec::with_capacity(events.len());
    for e in events {
        let reject = |reason: String| StoreError::ImportRejected {
            position: e.position,
            reason,
        };
        check_event(head.position + 1, &head.hash, e).map_err(|f| reject(f.to_string()))?;
        let current = touched
            .get(&e.stream_id)
            .copied()
            .or_else(|| index.stream_version(&e.stream_id));
        let next = current.map_or(0, |v| v + 1);
        if e.stream_version != next {
            return Err(reject(format!(
                "stream `{}` is at version {}, the event says {}",
                e.stream_id,
                current.map_or("none".to_string(), |v| v.to_string()),
                e.stream_version
            )));
        }
        if index.position_of(&e.event_id).is_some() || !ids.insert(e.event_id) {
            return Err(reject(format!(
                "event id {} is already recorded",
                e.event_id
            )));
        }
        touched.insert(&e.stream_id, e.stream_version);
        previous.push(head.hash);
        head = Head {
            position: e.position,
            hash: e.hash,
        };
    }
    Ok(previous)
}

/// Split encoded events into appends of at most `max_bytes` (about) and `max_events`; an
/// event larger than `max_bytes` goes alone.
fn chunks(encoded: Vec<Encoded>, max_bytes: usize, max_events: usize) -> Vec<Vec<Encoded>> {
    let mut out: Vec<Vec<Encoded>> = Vec::new();
    let mut bytes = 0;
    for e in encoded {
        let size = e.size();
        let full = out
            .last()
            .is_none_or(|c| c.len() >= max_events.max(1) || bytes + size > max_bytes);
        if full {
            out.push(Vec::new());
            bytes = 0;
        }
        bytes += size;
        if let Some(c) = out.last_mut() {
            c.push(e);
        }
    }
    out
}

/// Follow the log stream with a catch-up subscription: every event another process
/// appends is read into the index and announced on `watch_head`.
async fn follow(shared: Weak<Shared>, delay: Duration) {
    loop {
        let (mut subscription, stream) = {
            let Some(s) = shared.upgrade() else { return };
            let head = s.index().head().position;
            // `start_from(Position(r))` delivers the events after revision `r`.
            let from = match head {
                0 => StreamPosition::Start,
                h => StreamPosition::Position(h - 1),
            };
            let options = SubscribeToStreamOptions::default().start_from(from);
            let sub = s
                .client
                .subscribe_to_stream(s.config.log_stream(), &options)
                .await;
            (sub, s.config.log_stream().to_owned())
        };
        loop {
            match subscription.next().await {
                Ok(event) => {
                    let Some(s) = shared.upgrade() else { return };
                    let revision = event.event.as_ref().map_or(0, |e| e.revision);
                    let known = s.index().head().position;
                    if revision + 1 > known
                        && let Err(e) = s.catch_up().await
                    {
                        tracing::warn!(error = %e, stream = %stream, "catching up with the KurrentDB log failed");
                    }
                }
                Err(e) => {
                    tracing::warn!(
                        error = %e, stream = %stream,
                        "the subscription to the KurrentDB log stream ended; subscribing again"
                    );
                    tokio::time::sleep(delay).await;
                    break;
                }
            }
        }
    }
}

impl KurrentStore {
    /// Parse `url` and open the store read-write (see [`KurrentStore::open`]).
    pub async fn connect(url: &str) -> Result<Self, OpenError> {
        Self::open(&KurrentConfig::from_url(url)?).await
    }

    /// Open the log read-write: read the whole log stream into the index, then follow it.
    /// Any number of engage processes may open one log read-write.
    pub async fn open(config: &KurrentConfig) -> Result<Self, OpenError> {
        Self::open_with(config, KurrentOptions::default()).await
    }

    pub async fn open_with(
        config: &KurrentConfig,
        options: KurrentOptions,
    ) -> Result<Self, OpenError> {
        let store = Self::start(config, options, false).await?;
        let delay = store.shared.options.resubscribe_delay;
        let task = tokio::spawn(follow(Arc::downgrade(&store.shared), delay));
        if let Ok(mut slot) = store.shared.follower.lock() {
            *slot = Some(task);
        }
        Ok(store)
    }

    /// Open an existing log for reading only (verify, export): appends and imports fail with
    /// [`StoreError::ReadOnly`]; `watch_head` moves only when a read catches the index up.
    pub async fn open_read_only(config: &KurrentConfig) -> Result<Self, OpenError> {
        Self::start(config, KurrentOptions::default(), true).await
    }

    async fn start(
        config: &KurrentConfig,
        options: KurrentOptions,
        read_only: bool,
    ) -> Result<Self, OpenError> {
        let target = config.redacted().to_owned();
        let client = Client::new(config.settings().clone()).map_err(|e| OpenError::Client {
            target: target.clone(),
            detail: config.scrub(&e.to_string()),
        })?;
        let (head_tx, _) = watch::channel(0);
        let shared = Arc::new(Shared {
            config: config.clone(),
            client,
            options,
            read_only,
            index: RwLock::new(Index::default()),
            sync: tokio::sync::Mutex::new(()),
            head_tx,
            follower: Mutex::new(None),
        });
        shared.catch_up().await.map_err(|source| OpenError::Store {
            target: target.clone(),
            stream: config.log_stream().to_owned(),
            source,
        })?;
        let events = shared.index().head().position;
        tracing::debug!(
            target = %target, stream = %config.log_stream(), events, read_only,
            "KurrentDB event store open"
        );
        Ok(Self { shared })
    }

    /// Where this store lives, without the password.
    pub fn describe(&self) -> &str {
        self.shared.config.redacted()
    }

    pub fn config(&self) -> &KurrentConfig {
        &self.shared.config
    }

    /// Read stream events at `positions` in the given order.
    async fn stream_events(
        &self,
        mut positions: Vec<u64>,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        let descending = positions.windows(2).any(|w| w[0] > w[1]);
        if descending {
            positions.reverse();
        }
        let mut events = self.shared.events_at(&positions).await?;
        if descending {
            events.reverse();
        }
        Ok(events)
    }
}

#[async_trait]
impl EventStore for KurrentStore {
    async fn append(
        &self,
        stream: &StreamId,
        expected: ExpectedVersion,
        events: Vec<NewEvent>,
    ) -> Result<AppendOutcome, StoreError> {
        let s = &self.shared;
        if s.read_only {
            return Err(StoreError::ReadOnly);
        }
        validate_append(stream, &events, &s.options.limits)?;
        let _sync = s.sync.lock().await;
        for _ in 0..s.options.max_append_attempts.max(1) {
            s.catch_up_locked().await?;
            let decision = decide(&s.index(), stream, expected, &events)?;
            match decision {
                Decision::Retry(positions) => {
                    let known: Vec<u64> = positions.iter().flatten().copied().collect();
                    let mut sorted = known.clone();
                    sorted.sort_unstable();
                    let fetched = s.events_at(&sorted).await?;
                    let by_position: HashMap<u64, &RecordedEvent> =
                        fetched.iter().map(|e| (e.position, e)).collect();
                    let recorded: Vec<Option<&RecordedEvent>> = positions
                        .iter()
                        .map(|p| p.and_then(|p| by_position.get(&p).copied()))
                        .collect();
                    return replayed(stream, &events, &recorded);
                }
                Decision::Write { head, records } => {
                    let mut prev = head.hash;
                    let encoded: Vec<Encoded> = records
                        .iter()
                        .map(|r| {
                            let e = encode(r, &prev);
                            prev = r.hash;
                            e
                        })
                        .collect();
                    if !s.write(head.position, encoded, "appending").await? {
                        continue;
                    }
                    let last = {
                        let mut index = s.index_mut();
                        index.apply_own(&records, head.hash);
                        index.head().position
                    };
                    s.publish(last);
                    return Ok(AppendOutcome {
                        stream_id: stream.clone(),
                        events: records
                            .iter()
                            .map(|r| RecordedPosition {
                                event_id: r.event_id,
                                position: r.position,
                                stream_version: r.stream_version,
                            })
                            .collect(),
                        already_recorded: false,
                    });
                }
            }
        }
        Err(StoreError::backend(Contended {
            attempts: s.options.max_append_attempts.max(1),
        }))
    }

    async fn read_stream(
        &self,
        stream: &StreamId,
        from_version: u64,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        self.shared.catch_up().await?;
        let positions = self
            .shared
            .index()
            .stream_positions(stream, from_version, limit);
        self.stream_events(positions).await
    }

    async fn read_stream_backwards(
        &self,
        stream: &StreamId,
        from_version: u64,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        self.shared.catch_up().await?;
        let positions = self
            .shared
            .index()
            .stream_positions_backwards(stream, from_version, limit);
        self.stream_events(positions).await
    }

    async fn stream_version(&self, stream: &StreamId) -> Result<Option<u64>, StoreError> {
        self.shared.catch_up().await?;
        Ok(self.shared.index().stream_version(stream))
    }

    async fn read_all(
        &self,
        from_position: u64,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        let from = from_position.max(1);
        let events = self.shared.read_log(from - 1, limit).await?;
        Ok(events.into_iter().map(|d| d.event).collect())
    }

    async fn event_by_id(&self, event_id: Uuid) -> Result<Option<RecordedEvent>, StoreError> {
        self.shared.catch_up().await?;
        let Some(position) = self.shared.index().position_of(&event_id) else {
            return Ok(None);
        };
        Ok(self.shared.events_at(&[position]).await?.into_iter().next())
    }

    async fn head(&self) -> Result<Head, StoreError> {
        self.shared.catch_up().await?;
        Ok(self.shared.index().head())
    }

    fn watch_head(&self) -> watch::Receiver<u64> {
        self.shared.head_tx.subscribe()
    }

    async fn import(&self, events: Vec<RecordedEvent>) -> Result<Head, StoreError> {
        let s = &self.shared;
        if s.read_only {
            return Err(StoreError::ReadOnly);
        }
        if events.is_empty() {
            return self.head().await;
        }
        let _sync = s.sync.lock().await;
        s.catch_up_locked().await?;
        let previous = check_import(&s.index(), &events)?;
        let encoded: Vec<Encoded> = events
            .iter()
            .zip(&previous)
            .map(|(e, prev)| encode(e, prev))
            .collect();
        let mut done = 0;
        for chunk in chunks(
            encoded,
            s.options.import_chunk_bytes,
            s.options.import_chunk_events,
        ) {
            let n = chunk.len();
            let head = s.index().head().position;
            if !s.write(head, chunk, "importing").await? {
                return Err(StoreError::ImportRejected {
                    position: head + 1,
                    reason: "another writer appended to the log during the import; the events \
                             before this position were imported, run the import again to resume"
                        .into(),
                });
            }
            let last = {
                let mut index = s.index_mut();
                index.apply_own(&events[done..done + n], previous[done]);
                index.head().position
            };
            s.publish(last);
            done += n;
        }
        Ok(s.index().head())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use engage_log::{Actor, GENESIS_HASH, Payload};

    fn new_event(n: u64) -> NewEvent {
        NewEvent::new(
            "MeetingHeld",
            1,
            chrono::Utc::now(),
            Actor::new("u", "chair", "snb"),
            Payload::parse(&format!(r#"{{"members":{n}}}"#)).expect("payload"),
        )
    }

    fn recorded(index: &mut Index, stream: &str, events: &[NewEvent]) -> Vec<RecordedEvent> {
        let Decision::Write { head, records } =
            decide(index, &stream.into(), ExpectedVersion::Any, events).expect("decide")
        else {
            panic!("not a write")
        };
        index.apply_own(&records, head.hash);
        records
    }

    #[test]
    fn decisions_chain_hashes_and_check_versions() {
        let mut index = Index::default();
        let first = recorded(&mut index, "a", &[new_event(1), new_event(2)]);
        assert_eq!(first[0].position, 1);
        assert_eq!(first[1].stream_version, 1);
        assert_eq!(first[0].hash, hash_event(&GENESIS_HASH, &first[0]));
        assert_eq!(first[1].hash, hash_event(&first[0].hash, &first[1]));
        assert!(first[0].recorded_at <= first[1].recorded_at);

        let err = decide(
            &index,
            &"a".into(),
            ExpectedVersion::NoStream,
            &[new_event(3)],
        )
        .err()
        .expect("conflict");
        assert!(
            matches!(
                err,
                StoreError::Conflict {
                    actual: ActualVersion::At(1),
                    ..
                }
            ),
            "{err}"
        );
        assert!(
            decide(
                &index,
                &"a".into(),
                ExpectedVersion::Exact(1),
                &[new_event(3)]
            )
            .is_ok()
        );
        // A retry is recognised before the expected version is checked.
        let mut again = new_event(1);
        again.event_id = first[0].event_id;
        let Ok(Decision::Retry(positions)) =
            decide(&index, &"a".into(), ExpectedVersion::NoStream, &[again])
        else {
            panic!("a retry")
        };
        assert_eq!(positions, vec![Some(1)]);
        // A known id later in a new append is reuse.
        let mut reuse = new_event(4);
        reuse.event_id = first[1].event_id;
        let err = decide(
            &index,
            &"b".into(),
            ExpectedVersion::Any,
            &[new_event(5), reuse],
        )
        .err()
        .expect("reuse");
        assert!(
            matches!(err, StoreError::IdempotencyMismatch { .. }),
            "{err}"
        );
    }

    #[test]
    fn retries_must_match_exactly() {
        let mut index = Index::default();
        let events = [new_event(1), new_event(2)];
        let rec = recorded(&mut index, "a", &events);
        let refs: Vec<Option<&RecordedEvent>> = rec.iter().map(Some).collect();
        let ok = replayed(&"a".into(), &events, &refs).expect("retry");
        assert!(ok.already_recorded);
        assert_eq!(ok.last_position(), 2);
        assert!(replayed(&"b".into(), &events, &refs).is_err());
        let mut changed = events.clone();
        changed[1].reason = Some("different".into());
        assert!(replayed(&"a".into(), &changed, &refs).is_err());
        assert!(replayed(&"a".into(), &events, &[refs[0], None]).is_err());
        let swapped = [events[1].clone(), events[0].clone()];
        assert!(replayed(&"a".into(), &swapped, &[refs[1], refs[0]]).is_err());
    }

    #[test]
    fn imports_must_continue_the_chain_streams_and_ids() {
        let mut source = Index::default();
        let log = recorded(
            &mut source,
            "a",
            &[new_event(1), new_event(2), new_event(3)],
        );
        let empty = Index::default();
        let previous = check_import(&empty, &log).expect("whole log");
        assert_eq!(previous[0], GENESIS_HASH);
        assert_eq!(previous[2], log[1].hash);
        let err = check_import(&empty, &log[1..]).expect_err("gap");
        assert!(
            matches!(err, StoreError::ImportRejected { position: 2, .. }),
            "{err}"
        );
        let mut forged = log.clone();
        forged[1].reason = Some("rewritten".into());
        let err = check_import(&empty, &forged).expect_err("forged");
        assert!(
            matches!(err, StoreError::ImportRejected { position: 2, .. }),
            "{err}"
        );
        // Already imported: the same ids again.
        let err = check_import(&source, &log).expect_err("again");
        assert!(
            matches!(err, StoreError::ImportRejected { position: 1, .. }),
            "{err}"
        );
    }

    #[test]
    fn import_chunks_respect_bytes_and_counts() {
        let mut index = Index::default();
        let events: Vec<NewEvent> = (0..10).map(new_event).collect();
        let log = recorded(&mut index, "a", &events);
        let encoded: Vec<Encoded> = log.iter().map(|e| encode(e, &GENESIS_HASH)).collect();
        let one = encoded[0].size();
        let by_count = chunks(encoded.clone(), usize::MAX, 4);
        assert_eq!(
            by_count.iter().map(Vec::len).collect::<Vec<_>>(),
            vec![4, 4, 2]
        );
        let by_bytes = chunks(encoded.clone(), one * 3 + one / 2, 100);
        assert!(by_bytes.iter().all(|c| c.len() <= 3), "{}", by_bytes.len());
        assert_eq!(by_bytes.iter().map(Vec::len).sum::<usize>(), 10);
        // An event larger than the limit still goes, alone.
        let tiny = chunks(encoded, 1, 100);
        assert_eq!(tiny.len(), 10);
    }
}
