//! # engage-projections: read models folded from the log
//!
//! Projections turn the append-only log into the read models GraphQL serves — the audit
//! trail, one detailed model per lifecycle of the domain, the board scorecards and the
//! London-wide roll-up — and keep them current:
//!
//! - [`ReadModel`]: a pure, deterministic, total fold of [`ProjectedEvent`]s (each event is
//!   decoded and upcast once and shared by every model).
//! - [`Projection`]: a model shared between the engine (its only writer) and readers, with
//!   the exact position it is up to. An event is applied only if it is the next position:
//!   never skipped, never twice.
//! - [`Engine`]: restores models from [`SnapshotStore`] (state and checkpoint stored
//!   together), catches up with parallel read-ahead and decoding, follows the log live,
//!   reports lag and readiness ([`EngineStatus`]), and rebuilds on demand.
//! - [`asof`]: any model as of a past point by record time, world time, or both.

pub mod asof;
pub mod engine;
pub mod error;
pub mod event;
pub mod model;
pub mod models;
pub mod scorecard;
pub mod snapshots;

pub use asof::{AsOf, AsOfCache, RecordedBound};
pub use engine::{Engine, EngineConfig, EngineStatus, Progress, RebuildOutcome};
pub use error::ProjectionError;
pub use event::ProjectedEvent;
pub use model::{Checkpointed, Projection, ReadModel, Slot, Snapshot};
pub use models::ReadModels;
pub use snapshots::{SNAPSHOTS_FILE, SnapshotInfo, SnapshotStore};
