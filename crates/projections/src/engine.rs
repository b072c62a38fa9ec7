//! The projection engine: restores read models from their snapshots, catches them up from
//! their checkpoints, then follows the log live, one decoded batch at a time.
//!
//! ## Why no event is skipped or applied twice
//! - The log's positions are gapless and become visible in position order (a guarantee
//!   every backend gives: SQLite has one writer; PostgreSQL assigns positions under a lock
//!   held to commit). So "every event after position P" read at any moment is a prefix of
//!   the rest of the log, never a set with holes that fill in later.
//! - The feed ([`engage_log::read_all_ahead`] while catching up, then
//!   [`engage_log::subscribe_all`]) checks that each event is at the position it expects,
//!   and fails rather than deliver out of order.
//! - Each read model applies an event only if it is exactly `checkpoint + 1`
//!   ([`crate::Projection::apply_batch`]): anything at or before its checkpoint is already
//!   in it and is passed over; anything beyond is refused with [`ProjectionError::Gap`].
//!   The checkpoint and the state change under one write lock, and are stored together in
//!   one snapshot transaction, so they can never disagree — after a crash a model resumes
//!   from a snapshot whose state is exactly its checkpoint.

use std::sync::Arc;
use std::time::{Duration, Instant};

use engage_log::{EventStore, Timestamp, read_all_ahead, subscribe_all};
use futures::{Stream, StreamExt};
use tokio::sync::watch;
use tracing::{info, warn};

use crate::error::ProjectionError;
use crate::event::{ProjectedEvent, decode_batch};
use crate::model::{Projection, ReadModel, Slot};
use crate::snapshots::SnapshotStore;

/// How the engine reads and saves.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// Events per batch while catching up (also the most applied under one write lock).
    pub batch: usize,
    /// Batches read (and decoded) concurrently ahead of the one being applied.
    pub read_ahead: usize,
    /// How often snapshots are stored while running (also on shutdown).
    pub snapshot_every: Duration,
}

impl Default for EngineConfig {
    fn default() -> Self {
        Self {
            batch: 2048,
            read_ahead: 4,
            snapshot_every: Duration::from_secs(300),
        }
    }
}

/// Where the engine is. Watch it with [`Engine::status`].
#[derive(Debug, Clone, Default)]
pub struct EngineStatus {
    /// Every read model has applied every event up to here.
    pub applied: u64,
    /// The log's head as last seen.
    pub head: u64,
    /// The engine has reached the head at least once since it started.
    pub caught_up: bool,
    /// When the last applied event was recorded.
    pub last_recorded_at: Option<Timestamp>,
    /// When the read models were last level with the head (for "seconds behind").
    pub level_at: Option<Instant>,
    /// The last failure, while it lasts (the engine retries).
    pub failure: Option<String>,
}

impl EngineStatus {
    /// Events recorded but not yet in every read model.
    pub fn lag_events(&self) -> u64 {
        self.head.saturating_sub(self.applied)
    }

    /// How long the read models have been behind the head (zero when level).
    pub fn lag_seconds(&self) -> f64 {
        if self.lag_events() == 0 {
            return 0.0;
        }
        self.level_at
            .map(|t| t.elapsed().as_secs_f64())
            .unwrap_or(f64::INFINITY)
    }

    /// Ready to answer queries: caught up once and not failing.
    pub fn ready(&self) -> bool {
        self.caught_up && self.failure.is_none()
    }
}

/// Progress of a catch-up or rebuild, for progress bars.
#[derive(Debug, Clone, Copy)]
pub struct Progress {
    /// Last position applied by every model.
    pub applied: u64,
    /// Where this catch-up started.
    pub from: u64,
    /// Where it stops.
    pub to: u64,
}

/// What a rebuild did.
#[derive(Debug, Clone)]
pub struct RebuildOutcome {
    pub models: Vec<&'static str>,
    /// The position an interrupted rebuild was resumed from (0 = from the start).
    pub resumed_from: u64,
    /// The head the models were rebuilt to.
    pub head: u64,
    /// Events applied by this run.
    pub events: u64,
    pub seconds: f64,
}

/// Runs a set of read models over one log.
pub struct Engine {
    store: Arc<dyn EventStore>,
    slots: Vec<Arc<dyn Slot>>,
    snapshots: Option<Arc<SnapshotStore>>,
    config: EngineConfig,
    status: watch::Sender<EngineStatus>,
}

impl Engine {
    pub fn new(store: Arc<dyn EventStore>, config: EngineConfig) -> Self {
        let (status, _) = watch::channel(EngineStatus::default());
        Self {
            store,
            slots: Vec::new(),
            snapshots: None,
            config,
            status,
        }
    }

    /// Keep snapshots in `snapshots` (restored on start, stored periodically and on stop).
    pub fn with_snapshots(mut self, snapshots: Arc<SnapshotStore>) -> Self {
        self.snapshots = Some(snapshots);
        self
    }

    /// Run `projection` in this engine.
    pub fn add<M: ReadModel>(&mut self, projection: &Projection<M>) -> &mut Self {
        self.slots.push(Arc::new(projection.clone()));
        self
    }

    /// Create and run a new read model of type `M`.
    pub fn register<M: ReadModel>(&mut self) -> Projection<M> {
        let p = Projection::<M>::new();
        self.add(&p);
        p
    }

    /// The names of the read models, in registration order.
    pub fn names(&self) -> Vec<&'static str> {
        self.slots.iter().map(|s| s.name()).collect()
    }

    pub fn status(&self) -> watch::Receiver<EngineStatus> {
        self.status.subscribe()
    }

    pub fn store(&self) -> &Arc<dyn EventStore> {
        &self.store
    }

    fn applied(&self) -> u64 {
        self.slots.iter().map(|s| s.checkpoint()).min().unwrap_or(0)
    }

    /// Restore every read model from its snapshot where the snapshot is usable: the same
    /// version of the model, a checkpoint the log has, and the same event (by hash) at that
    /// checkpoint — so a snapshot of another log, or of a log since restored from an older
    /// backup, is never trusted. Anything else starts from zero. Returns the names restored.
    pub async fn restore(&self) -> Result<Vec<&'static str>, ProjectionError> {
        self.restore_where(|_| true).await
    }

    /// [`Engine::restore`], using only the snapshots `accept` agrees to.
    async fn restore_where(
        &self,
        accept: impl Fn(&crate::model::Snapshot) -> bool,
    ) -> Result<Vec<&'static str>, ProjectionError> {
        let Some(snapshots) = &self.snapshots else {
            return Ok(Vec::new());
        };
        let head = self.store.head().await?;
        let mut restored = Vec::new();
        for slot in &self.slots {
            slot.reset();
            let Some(snapshot) = snapshots.load(slot.name())?.filter(|s| accept(s)) else {
                continue;
            };
            let usable = if snapshot.version != slot.version() {
                Err(format!(
                    "it is of version {} and the model is now version {}",
                    snapshot.version,
                    slot.version()
                ))
            } else if snapshot.checkpoint > head.position {
                Err(format!(
                    "its checkpoint {} is beyond the log's head {}",
                    snapshot.checkpoint, head.position
                ))
            } else if snapshot.checkpoint == 0 {
                Ok(())
            } else {
                let at = self.store.read_all(snapshot.checkpoint, 1).await?;
                match at.first() {
                    Some(e) if Some(e.hash) == snapshot.checkpoint_hash => Ok(()),
                    _ => Err(format!(
                        "the log's event at its checkpoint {} is not the one it was built from",
                        snapshot.checkpoint
                    )),
                }
            };
            match usable {
                Ok(()) => {
                    let decoded = {
                        let slot = Arc::clone(slot);
                        tokio::task::spawn_blocking(move || slot.restore(&snapshot))
                            .await
                            .map_err(|e| ProjectionError::Codec {
                                model: "restore",
                                message: e.to_string(),
                            })?
                    };
                    match decoded {
                        Ok(()) => restored.push(slot.name()),
                        Err(e) => {
                            warn!(model = slot.name(), error = %e, "snapshot unreadable; rebuilding from the log");
                            slot.reset();
                        }
                    }
                }
                Err(why) => {
                    warn!(
                        model = slot.name(),
                        "snapshot not used because {why}; rebuilding from the log"
                    );
                }
            }
        }
        self.status.send_modify(|s| s.applied = self.applied());
        Ok(restored)
    }

    /// Forget the named models' state (for a rebuild from zero).
    pub fn reset(&self) {
        for slot in &self.slots {
            slot.reset();
        }
        self.status.send_modify(|s| s.applied = 0);
    }

    /// Store every model's snapshot, all in one transaction.
    pub async fn save_snapshots(&self, rebuilding: bool) -> Result<(), ProjectionError> {
        match self.spawn_save(rebuilding) {
            None => Ok(()),
            Some(task) => task.await.map_err(|e| ProjectionError::Codec {
                model: "snapshot",
                message: e.to_string(),
            })?,
        }
    }

    /// Encode and store every model's snapshot on a blocking thread, without waiting. Each
    /// model is encoded under its own read lock (its state and checkpoint together), so the
    /// engine keeps applying to the other models meanwhile. `None` without a snapshot store.
    fn spawn_save(
        &self,
        rebuilding: bool,
    ) -> Option<tokio::task::JoinHandle<Result<(), ProjectionError>>> {
        let snapshots = Arc::clone(self.snapshots.as_ref()?);
        let slots = self.slots.clone();
        Some(tokio::task::spawn_blocking(move || {
            let encoded = slots
                .iter()
                .map(|s| s.encode())
                .collect::<Result<Vec<_>, _>>()?;
            snapshots.save_all(&encoded, rebuilding)
        }))
    }

    /// Apply one decoded batch to every model (on a blocking thread: it takes write locks).
    async fn apply(&self, batch: Vec<ProjectedEvent>) -> Result<(), ProjectionError> {
        let Some(last) = batch.last() else {
            return Ok(());
        };
        let last_recorded = last.recorded_at();
        let slots = self.slots.clone();
        let batch = Arc::new(batch);
        tokio::task::spawn_blocking(move || {
            if slots.len() > 1 {
                // Models are independent: apply them on two threads.
                let (left, right) = slots.split_at(slots.len() / 2);
                std::thread::scope(|scope| {
                    let batch_ref = &batch;
                    let handle = scope.spawn(move || {
                        for s in right {
                            s.apply_batch(batch_ref)?;
                        }
                        Ok::<_, ProjectionError>(())
                    });
                    for s in left {
                        s.apply_batch(&batch)?;
                    }
                    handle.join().map_err(|_| ProjectionError::Stopped)?
                })
            } else {
                for s in &slots {
                    s.apply_batch(&batch)?;
                }
                Ok(())
            }
        })
        .await
        .map_err(|_| ProjectionError::Stopped)??;
        let applied = self.applied();
        let head = *self.store.watch_head().borrow();
        self.status.send_modify(|s| {
            s.applied = applied;
            s.head = s.head.max(head);
            s.last_recorded_at = Some(last_recorded);
            if applied >= s.head {
                s.level_at = Some(Instant::now());
            }
        });
        Ok(())
    }

    /// Catch every model up to `to` (inclusive), reading ahead and decoding in parallel.
    pub async fn catch_up_to(
        &self,
        to: u64,
        mut progress: impl FnMut(Progress),
    ) -> Result<(), ProjectionError> {
        let from = self.applied() + 1;
        if to < from {
            return Ok(());
        }
        let mut batches = decoded(read_all_ahead(
            Arc::clone(&self.store),
            from,
            to,
            self.config.batch,
            self.config.read_ahead,
        ))
        .buffered(self.config.read_ahead.max(1));
        while let Some(batch) = batches.next().await {
            self.apply(batch?).await?;
            progress(Progress {
                applied: self.applied(),
                from,
                to,
            });
        }
        Ok(())
    }

    /// Catch up to the current head, then follow the log live until `shutdown` resolves;
    /// stores snapshots every [`EngineConfig::snapshot_every`] and on the way out. Failures
    /// (the log unreachable, an undecodable event) are reported in the status and retried
    /// with backoff from the checkpoint: the engine never moves past an event it could not
    /// apply.
    pub async fn run(self: Arc<Self>, shutdown: impl std::future::Future<Output = ()>) {
        tokio::pin!(shutdown);
        let mut backoff = Duration::from_millis(250);
        loop {
            let outcome = tokio::select! {
                _ = &mut shutdown => None,
                r = self.follow() => Some(r),
            };
            match outcome {
                None => break,
                Some(Ok(())) => break,
                Some(Err(e)) => {
                    warn!(error = %e, code = e.code(), retry_in = ?backoff, "projection engine failed; retrying from its checkpoint");
                    self.status
                        .send_modify(|s| s.failure = Some(format!("{} ({})", e, e.code())));
                    tokio::select! {
                        _ = &mut shutdown => break,
                        _ = tokio::time::sleep(backoff) => {}
                    }
                    backoff = (backoff * 2).min(Duration::from_secs(30));
                }
            }
        }
        if let Err(e) = self.save_snapshots(false).await {
            warn!(error = %e, "could not store projection snapshots on shutdown");
        } else if self.snapshots.is_some() {
            info!(applied = self.applied(), "projection snapshots stored");
        }
    }

    async fn follow(&self) -> Result<(), ProjectionError> {
        let head = self.store.head().await?.position;
        self.status.send_modify(|s| s.head = s.head.max(head));
        let started = Instant::now();
        let from = self.applied();
        self.catch_up_to(head, |_| {}).await?;
        let applied = self.applied();
        if applied > from {
            let secs = started.elapsed().as_secs_f64();
            info!(
                events = applied - from,
                seconds = secs,
                "read models caught up to position {applied}"
            );
        }
        self.status.send_modify(|s| {
            s.caught_up = true;
            s.failure = None;
            s.level_at = Some(Instant::now());
        });
        let mut last_snapshot = Instant::now();
        // A periodic snapshot runs beside the live loop (one at a time) rather than in it,
        // so storing hundreds of MiB does not stall live updates.
        let mut saving: Option<tokio::task::JoinHandle<Result<(), ProjectionError>>> = None;
        let mut live = decoded(
            subscribe_all(Arc::clone(&self.store), self.applied() + 1)
                .ready_chunks(self.config.batch)
                .map(|chunk| chunk.into_iter().collect::<Result<Vec<_>, _>>()),
        )
        .buffered(2);
        while let Some(batch) = live.next().await {
            self.apply(batch?).await?;
            self.status.send_modify(|s| s.failure = None);
            if let Some(task) = saving.take_if(|t| t.is_finished()) {
                match task.await {
                    Ok(Ok(())) => {}
                    Ok(Err(e)) => warn!(error = %e, "could not store projection snapshots"),
                    Err(e) => warn!(error = %e, "the snapshot task ended abnormally"),
                }
            }
            if saving.is_none() && last_snapshot.elapsed() >= self.config.snapshot_every {
                saving = self.spawn_save(false);
                last_snapshot = Instant::now();
            }
        }
        Err(ProjectionError::Stopped)
    }

    /// Rebuild every model of this engine from the log, up to the head as it is now.
    ///
    /// Progress is stored every `save_every` events as a *rebuilding* snapshot, so an
    /// interrupted rebuild resumes where it was (unless `fresh`); the finished models are
    /// stored as ordinary snapshots, ready for `engage serve`.
    pub async fn rebuild(
        &self,
        fresh: bool,
        save_every: u64,
        mut progress: impl FnMut(Progress),
    ) -> Result<RebuildOutcome, ProjectionError> {
        let head = self.store.head().await?.position;
        let resumed = if fresh {
            self.reset();
            Vec::new()
        } else {
            self.restore_where(|s| s.rebuilding).await?
        };
        let from = self.applied();
        // Mark the rebuild as started (and what it has so far) before doing any work.
        self.save_snapshots(true).await?;
        let started = Instant::now();
        let mut at = from;
        while at < head {
            let to = head.min(at.saturating_add(save_every.max(1)));
            self.catch_up_to(to, |p| {
                progress(Progress {
                    applied: p.applied,
                    from,
                    to: head,
                })
            })
            .await?;
            at = self.applied();
            self.save_snapshots(at < head).await?;
            if at < to {
                return Err(ProjectionError::Gap {
                    model: "rebuild",
                    checkpoint: at,
                    offered: to,
                });
            }
        }
        self.save_snapshots(false).await?;
        Ok(RebuildOutcome {
            models: self.names(),
            resumed_from: if resumed.is_empty() { 0 } else { from },
            head,
            events: head.saturating_sub(from),
            seconds: started.elapsed().as_secs_f64(),
        })
    }

    /// Wait until every model has applied `position` (read-your-writes after an append).
    /// Returns false if the engine's status channel closed first.
    pub async fn wait_for(&self, position: u64) -> bool {
        let mut rx = self.status.subscribe();
        rx.wait_for(|s| s.applied >= position).await.is_ok()
    }
}

/// Turn a stream of raw batches into a stream of futures decoding each on a blocking thread.
fn decoded<S, E>(
    batches: S,
) -> impl Stream<Item = impl std::future::Future<Output = Result<Vec<ProjectedEvent>, ProjectionError>>>
where
    S: Stream<Item = Result<Vec<engage_log::RecordedEvent>, E>>,
    ProjectionError: From<E>,
{
    batches.map(|batch| async move {
        let batch = batch?;
        tokio::task::spawn_blocking(move || decode_batch(batch))
            .await
            .map_err(|_| ProjectionError::Stopped)?
    })
}
