//! The [`ReadModel`] trait every projection implements, and [`Projection`]: a read model
//! shared between the engine (the only writer) and its readers, together with the
//! checkpoint it is exactly up to.

use std::sync::Arc;

use engage_log::EventHash;
use parking_lot::{RwLock, RwLockReadGuard};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::ProjectionError;
use crate::event::ProjectedEvent;

/// A read model: a pure fold of the log.
///
/// `apply` must be deterministic (the same events give the same state, so a rebuild equals
/// the live model) and total: it must accept any event in any order without panicking — an
/// as-of replay by world time filters events, so a model can see, say, a complaint's
/// acknowledgement without its raising, and must then simply ignore what it cannot place.
pub trait ReadModel:
    Default + Clone + PartialEq + Serialize + DeserializeOwned + Send + Sync + 'static
{
    /// The model's name: in `engage rebuild NAME`, the snapshot store and metrics.
    const NAME: &'static str;
    /// Bump when `apply` or the state's shape changes: a stored snapshot of another version
    /// is discarded and the model rebuilt from the log.
    const VERSION: u32;

    fn apply(&mut self, event: &ProjectedEvent);
}

/// A read model and the position it is exactly up to.
#[derive(Debug, Clone)]
pub struct Checkpointed<M> {
    pub model: M,
    /// The last position applied (0 = nothing).
    pub checkpoint: u64,
    /// The hash of the event at `checkpoint`, to recognise the same log when restoring.
    pub checkpoint_hash: Option<EventHash>,
}

impl<M: Default> Default for Checkpointed<M> {
    fn default() -> Self {
        Self {
            model: M::default(),
            checkpoint: 0,
            checkpoint_hash: None,
        }
    }
}

/// A read model shared between the engine and readers. Cloning shares it.
#[derive(Debug)]
pub struct Projection<M> {
    inner: Arc<RwLock<Checkpointed<M>>>,
}

impl<M> Clone for Projection<M> {
    fn clone(&self) -> Self {
        Self {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<M: ReadModel> Default for Projection<M> {
    fn default() -> Self {
        Self::new()
    }
}

impl<M: ReadModel> Projection<M> {
    pub fn new() -> Self {
        Self {
            inner: Arc::new(RwLock::new(Checkpointed::default())),
        }
    }

    /// A consistent view: the model exactly as of [`Checkpointed::checkpoint`]. Hold it
    /// briefly; the engine waits for readers before applying the next batch.
    pub fn read(&self) -> RwLockReadGuard<'_, Checkpointed<M>> {
        self.inner.read()
    }

    pub fn checkpoint(&self) -> u64 {
        self.inner.read().checkpoint
    }

    /// Apply the events of `batch` that come after the checkpoint, in order. Events at or
    /// before the checkpoint are already in the model and are passed over (that is how a
    /// model restored from a newer snapshot than its siblings joins a shared feed); an event
    /// that is not exactly the next position is refused, never skipped.
    pub fn apply_batch(&self, batch: &[ProjectedEvent]) -> Result<usize, ProjectionError> {
        let mut guard = self.inner.write();
        let mut applied = 0;
        for event in batch {
            let position = event.position();
            if position <= guard.checkpoint {
                continue;
            }
            if position != guard.checkpoint + 1 {
                return Err(ProjectionError::Gap {
                    model: M::NAME,
                    checkpoint: guard.checkpoint,
                    offered: position,
                });
            }
            guard.model.apply(event);
            guard.checkpoint = position;
            guard.checkpoint_hash = Some(event.recorded.hash);
            applied += 1;
        }
        Ok(applied)
    }

    /// Apply the events of `batch` after the checkpoint that occurred by `occurred` (all,
    /// when `None`), moving the checkpoint past every event offered: how a world-time as-of
    /// model is built. Not for live models (it passes over events by design).
    pub fn apply_as_of(&self, batch: &[ProjectedEvent], occurred: Option<engage_log::Timestamp>) {
        let mut guard = self.inner.write();
        for event in batch {
            if event.position() <= guard.checkpoint {
                continue;
            }
            if occurred.is_none_or(|t| event.occurred_at() <= t) {
                guard.model.apply(event);
            }
            guard.checkpoint = event.position();
            guard.checkpoint_hash = Some(event.recorded.hash);
        }
    }

    /// Replace the model (restoring a snapshot, or resetting for a rebuild).
    pub fn replace(&self, state: Checkpointed<M>) {
        *self.inner.write() = state;
    }

    /// Encode the model and its checkpoint for the snapshot store.
    pub fn encode(&self) -> Result<Snapshot, ProjectionError> {
        let guard = self.inner.read();
        let bytes = postcard::to_stdvec(&guard.model).map_err(|e| ProjectionError::Codec {
            model: M::NAME,
            message: e.to_string(),
        })?;
        Ok(Snapshot {
            model: M::NAME.to_owned(),
            version: M::VERSION,
            checkpoint: guard.checkpoint,
            checkpoint_hash: guard.checkpoint_hash,
            bytes,
            rebuilding: false,
        })
    }

    /// Decode a snapshot written by [`Projection::encode`].
    pub fn decode(snapshot: &Snapshot) -> Result<Checkpointed<M>, ProjectionError> {
        let model = postcard::from_bytes(&snapshot.bytes).map_err(|e| ProjectionError::Codec {
            model: M::NAME,
            message: e.to_string(),
        })?;
        Ok(Checkpointed {
            model,
            checkpoint: snapshot.checkpoint,
            checkpoint_hash: snapshot.checkpoint_hash,
        })
    }
}

/// A stored read model: its state at `checkpoint`, encoded.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    pub model: String,
    pub version: u32,
    pub checkpoint: u64,
    pub checkpoint_hash: Option<EventHash>,
    pub bytes: Vec<u8>,
    /// Stored as a rebuild's progress (see [`crate::SnapshotInfo::rebuilding`]).
    pub rebuilding: bool,
}

/// The engine's type-erased handle on a [`Projection`].
pub trait Slot: Send + Sync {
    fn name(&self) -> &'static str;
    fn version(&self) -> u32;
    fn checkpoint(&self) -> u64;
    fn checkpoint_hash(&self) -> Option<EventHash>;
    fn apply_batch(&self, batch: &[ProjectedEvent]) -> Result<usize, ProjectionError>;
    fn encode(&self) -> Result<Snapshot, ProjectionError>;
    fn restore(&self, snapshot: &Snapshot) -> Result<(), ProjectionError>;
    fn reset(&self);
}

impl<M: ReadModel> Slot for Projection<M> {
    fn name(&self) -> &'static str {
        M::NAME
    }
    fn version(&self) -> u32 {
        M::VERSION
    }
    fn checkpoint(&self) -> u64 {
        Projection::checkpoint(self)
    }
    fn checkpoint_hash(&self) -> Option<EventHash> {
        self.inner.read().checkpoint_hash
    }
    fn apply_batch(&self, batch: &[ProjectedEvent]) -> Result<usize, ProjectionError> {
        Projection::apply_batch(self, batch)
    }
    fn encode(&self) -> Result<Snapshot, ProjectionError> {
        Projection::encode(self)
    }
    fn restore(&self, snapshot: &Snapshot) -> Result<(), ProjectionError> {
        let state = Projection::<M>::decode(snapshot)?;
        self.replace(state);
        Ok(())
    }
    fn reset(&self) {
        self.replace(Checkpointed::default());
    }
}
