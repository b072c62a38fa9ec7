//! [`DomainError`]: why a command was refused, in words a board secretary or an auditor
//! can act on ("unknown complaint ...", "bid ... is already decided (approved)", "ward ... is
//! in borough ..., not ...").

use crate::Timestamp;

/// A command refused by a decision function. Nothing is recorded when a command fails.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    /// The aggregate or an entity inside it does not exist (yet).
    #[error("unknown {kind} {id}")]
    Unknown { kind: &'static str, id: String },
    /// Creating something that already exists.
    #[error("{kind} {id} already exists")]
    AlreadyExists { kind: &'static str, id: String },
    /// A one-off step already taken (acknowledged, decided, resolved, published, ...).
    #[error("{kind} {id} is already {status}")]
    Already {
        kind: &'static str,
        id: String,
        status: String,
    },
    /// The step is not allowed in the current state of the lifecycle.
    #[error("cannot {action} {kind} {id}: it is {status}")]
    InvalidState {
        kind: &'static str,
        id: String,
        action: &'static str,
        status: String,
    },
    #[error("unknown borough {0} (expected a London GSS code E09000001..E09000033)")]
    UnknownBorough(String),
    #[error("unknown ward {0}")]
    UnknownWard(String),
    #[error("ward {ward} is in borough {actual}, not in {expected}")]
    WardNotInBorough {
        ward: String,
        expected: String,
        actual: String,
    },
    #[error("unknown custody suite {0}")]
    UnknownCustodySuite(String),
    #[error("custody suite {suite} is in borough {actual}, not in {expected}")]
    SuiteNotInBorough {
        suite: String,
        expected: String,
        actual: String,
    },
    #[error("{field} must be positive, got {value}")]
    NotPositive { field: &'static str, value: i64 },
    #[error("{field} ({value}) exceeds {limit_name} ({limit})")]
    ExceedsLimit {
        field: &'static str,
        value: i64,
        limit_name: &'static str,
        limit: i64,
    },
    #[error("{end_field} ({end}) is before {start_field} ({start})")]
    EndBeforeStart {
        start_field: &'static str,
        start: String,
        end_field: &'static str,
        end: String,
    },
    #[error("{field} ({at}) is in the future (now {now})")]
    InFuture {
        field: &'static str,
        at: Timestamp,
        now: Timestamp,
    },
    #[error("{field} must not be empty")]
    Required { field: &'static str },
    #[error("{field} is not valid: {reason}")]
    Invalid { field: &'static str, reason: String },
}

impl DomainError {
    pub fn unknown(kind: &'static str, id: impl ToString) -> Self {
        Self::Unknown {
            kind,
            id: id.to_string(),
        }
    }
    pub fn already_exists(kind: &'static str, id: impl ToString) -> Self {
        Self::AlreadyExists {
            kind,
            id: id.to_string(),
        }
    }
    pub fn already(kind: &'static str, id: impl ToString, status: impl Into<String>) -> Self {
        Self::Already {
            kind,
            id: id.to_string(),
            status: status.into(),
        }
    }
    pub fn invalid_state(
        kind: &'static str,
        id: impl ToString,
        action: &'static str,
        status: impl Into<String>,
    ) -> Self {
        Self::InvalidState {
            kind,
            id: id.to_string(),
            action,
            status: status.into(),
        }
    }
    pub fn invalid(field: &'static str, reason: impl Into<String>) -> Self {
        Self::Invalid {
            field,
            reason: reason.into(),
        }
    }
}
