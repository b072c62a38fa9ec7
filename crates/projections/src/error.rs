//! Why a projection could not be built, restored or saved.

use engage_domain::DecodeError;
use engage_log::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum ProjectionError {
    #[error("the log could not be read: {0}")]
    Store(#[from] StoreError),

    #[error("the event at position {position} (stream `{stream}`) cannot be decoded: {source}")]
    Undecodable {
        position: u64,
        stream: String,
        #[source]
        source: DecodeError,
    },

    /// The feed skipped a position. The engine never applies past a gap.
    #[error(
        "read model `{model}` is at position {checkpoint} and was offered position {offered}: refusing to skip events"
    )]
    Gap {
        model: &'static str,
        checkpoint: u64,
        offered: u64,
    },

    #[error("no read model is called `{0}` (known: {1})")]
    UnknownModel(String, String),

    #[error("the snapshot store `{path}` cannot be used: {message}")]
    Snapshots { path: String, message: String },

    #[error(
        "the snapshot store `{path}` is in use by another engage process (pid file `{lock}`); stop it first"
    )]
    SnapshotsLocked { path: String, lock: String },

    #[error("the snapshot of `{model}` cannot be encoded or decoded: {message}")]
    Codec {
        model: &'static str,
        message: String,
    },

    #[error("the projection engine has stopped")]
    Stopped,
}

impl ProjectionError {
    /// A stable code for APIs and logs.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Store(e) => e.code(),
            Self::Undecodable { .. } => "UNDECODABLE_EVENT",
            Self::Gap { .. } => "PROJECTION_GAP",
            Self::UnknownModel(..) => "NOT_FOUND",
            Self::Snapshots { .. } | Self::SnapshotsLocked { .. } => "SNAPSHOT_STORE",
            Self::Codec { .. } => "SNAPSHOT_CODEC",
            Self::Stopped => "STOPPED",
        }
    }
}
