//! Read models as of a past moment, on both time axes:
//!
//! - **record time** — what the system knew at T: only events recorded up to a position, or
//!   up to a `recorded_at` instant (`recorded_at` never decreases along positions, so that
//!   is a prefix of the log);
//! - **world time** — what was true at T: only events that *occurred* by T;
//! - **both** — "what was true on 1 March as recorded by 1 April".
//!
//! A correction recorded later (a figure re-stated, a complaint's outcome amended, an event
//! recorded late with an earlier `occurred_at`) therefore shows as a difference between
//! "as of world time T, recorded by R1" and "… recorded by R2".
//!
//! An as-of model is computed by replaying the log from the start through the model's own
//! `apply` — the same code as the live model, so the two cannot disagree — and the last few
//! results are cached (a past prefix of the log never changes).

use std::any::Any;
use std::collections::VecDeque;
use std::sync::Arc;

use engage_log::{EventStore, Timestamp, read_all_ahead};
use futures::StreamExt;
use parking_lot::Mutex;

use crate::error::ProjectionError;
use crate::event::decode_batch;
use crate::model::{Checkpointed, ReadModel};
use crate::models::ReadModels;

/// The record-time bound of an as-of query.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RecordedBound {
    /// Events at positions up to and including this one.
    Position(u64),
    /// Events recorded at or before this instant.
    At(Timestamp),
}

/// A past point on either or both time axes. The default (neither) means "now, everything".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct AsOf {
    pub recorded: Option<RecordedBound>,
    pub occurred: Option<Timestamp>,
}

impl AsOf {
    pub fn is_now(&self) -> bool {
        self.recorded.is_none() && self.occurred.is_none()
    }

    pub fn recorded_by(at: Timestamp) -> Self {
        Self {
            recorded: Some(RecordedBound::At(at)),
            occurred: None,
        }
    }

    pub fn at_position(position: u64) -> Self {
        Self {
            recorded: Some(RecordedBound::Position(position)),
            occurred: None,
        }
    }

    pub fn occurred_by(at: Timestamp) -> Self {
        Self {
            recorded: None,
            occurred: Some(at),
        }
    }

    pub fn with_occurred(mut self, at: Timestamp) -> Self {
        self.occurred = Some(at);
        self
    }
}

/// The last position recorded at or before `at` (0 if none), by binary search over the log
/// (`recorded_at` is non-decreasing along positions).
pub async fn position_recorded_by(
    store: &dyn EventStore,
    at: Timestamp,
) -> Result<u64, ProjectionError> {
    let head = store.head().await?.position;
    let (mut lo, mut hi) = (0u64, head); // invariant: lo is recorded by `at`, hi+1.. is not known
    while lo < hi {
        let mid = lo + (hi - lo).div_ceil(2);
        let event = store.read_all(mid, 1).await?;
        match event.first() {
            Some(e) if e.recorded_at <= at => lo = mid,
            Some(_) => hi = mid - 1,
            None => hi = mid - 1,
        }
    }
    Ok(lo)
}

/// The position bound `as_of` stands for, given the log's current head.
pub async fn resolve_bound(store: &dyn EventStore, as_of: &AsOf) -> Result<u64, ProjectionError> {
    let head = store.head().await?.position;
    Ok(match as_of.recorded {
        None => head,
        Some(RecordedBound::Position(p)) => p.min(head),
        Some(RecordedBound::At(t)) => position_recorded_by(store, t).await?,
    })
}

/// Replay `M` over the log as of `as_of`. The result's checkpoint is the record-time bound.
pub async fn replay<M: ReadModel>(
    store: Arc<dyn EventStore>,
    as_of: AsOf,
) -> Result<Checkpointed<M>, ProjectionError> {
    let to = resolve_bound(store.as_ref(), &as_of).await?;
    replay_to::<M>(store, to, as_of.occurred).await
}

/// Replay `M` over positions `1..=to`, keeping only events that occurred by `occurred`.
pub async fn replay_to<M: ReadModel>(
    store: Arc<dyn EventStore>,
    to: u64,
    occurred: Option<Timestamp>,
) -> Result<Checkpointed<M>, ProjectionError> {
    let mut state = Checkpointed::<M>::default();
    let mut batches = read_all_ahead(store, 1, to, 4096, 4)
        .map(|batch| async move {
            let batch = batch?;
            tokio::task::spawn_blocking(move || decode_batch(batch))
                .await
                .map_err(|_| ProjectionError::Stopped)?
        })
        .buffered(4);
    while let Some(batch) = batches.next().await {
        let batch = batch?;
        for event in &batch {
            if occurred.is_none_or(|t| event.occurred_at() <= t) {
                state.model.apply(event);
            }
            state.checkpoint = event.position();
            state.checkpoint_hash = Some(event.recorded.hash);
        }
    }
    Ok(state)
}

/// Every built-in model as of `as_of`, in one replay. The models' checkpoints are the
/// record-time bound.
pub async fn replay_models(
    store: Arc<dyn EventStore>,
    as_of: AsOf,
) -> Result<ReadModels, ProjectionError> {
    let to = resolve_bound(store.as_ref(), &as_of).await?;
    replay_models_to(store, to, as_of.occurred).await
}

async fn replay_models_to(
    store: Arc<dyn EventStore>,
    to: u64,
    occurred: Option<Timestamp>,
) -> Result<ReadModels, ProjectionError> {
    let models = ReadModels::new();
    let mut batches = read_all_ahead(store, 1, to, 4096, 4)
        .map(|batch| async move {
            let batch = batch?;
            tokio::task::spawn_blocking(move || decode_batch(batch))
                .await
                .map_err(|_| ProjectionError::Stopped)?
        })
        .buffered(4);
    while let Some(batch) = batches.next().await {
        let batch = batch?;
        let models = models.clone();
        tokio::task::spawn_blocking(move || models.apply_as_of(&batch, occurred))
            .await
            .map_err(|_| ProjectionError::Stopped)?;
    }
    Ok(models)
}

type CacheKey = (&'static str, u64, Option<Timestamp>);

/// The last few as-of results, by model, record-time position bound and world-time bound.
pub struct AsOfCache {
    capacity: usize,
    entries: Mutex<VecDeque<(CacheKey, Arc<dyn Any + Send + Sync>)>>,
}

impl std::fmt::Debug for AsOfCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AsOfCache")
            .field("capacity", &self.capacity)
            .finish()
    }
}

impl AsOfCache {
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity: capacity.max(1),
            entries: Mutex::new(VecDeque::new()),
        }
    }

    /// `M` as of `as_of`, from the cache or by replay.
    pub async fn get<M: ReadModel>(
        &self,
        store: Arc<dyn EventStore>,
        as_of: AsOf,
    ) -> Result<Arc<Checkpointed<M>>, ProjectionError> {
        let to = resolve_bound(store.as_ref(), &as_of).await?;
        let key: CacheKey = (M::NAME, to, as_of.occurred);
        if let Some(hit) = self.lookup::<M>(&key) {
            return Ok(hit);
        }
        let built = Arc::new(replay_to::<M>(store, to, as_of.occurred).await?);
        let mut entries = self.entries.lock();
        entries.push_front((key, built.clone() as Arc<dyn Any + Send + Sync>));
        entries.truncate(self.capacity);
        Ok(built)
    }

    /// Every built-in model as of `as_of`, from the cache or by one replay.
    pub async fn models(
        &self,
        store: Arc<dyn EventStore>,
        as_of: AsOf,
    ) -> Result<ReadModels, ProjectionError> {
        let to = resolve_bound(store.as_ref(), &as_of).await?;
        let key: CacheKey = ("*", to, as_of.occurred);
        {
            let mut entries = self.entries.lock();
            if let Some(i) = entries.iter().position(|(k, _)| k == &key)
                && let Some(entry) = entries.remove(i)
            {
                let hit = Arc::clone(&entry.1).downcast::<ReadModels>().ok();
                entries.push_front(entry);
                if let Some(hit) = hit {
                    return Ok((*hit).clone());
                }
            }
        }
        let built = replay_models_to(store, to, as_of.occurred).await?;
        let mut entries = self.entries.lock();
        entries.push_front((key, Arc::new(built.clone()) as Arc<dyn Any + Send + Sync>));
        entries.truncate(self.capacity);
        Ok(built)
    }

    fn lookup<M: ReadModel>(&self, key: &CacheKey) -> Option<Arc<Checkpointed<M>>> {
        let mut entries = self.entries.lock();
        let i = entries.iter().position(|(k, _)| k == key)?;
        let entry = entries.remove(i)?;
        let hit = Arc::clone(&entry.1).downcast::<Checkpointed<M>>().ok();
        entries.push_front(entry);
        hit
    }
}
