//! # engage-privacy: personal data at rest, and erasure by destroying keys
//!
//! Every personal-data object in a payload (`personal`: a complainant's, member's,
//! coordinator's or detainee's details, see `engage_domain::personal`) is sealed before it is
//! appended, with a key of its own data subject, and the log keeps only ciphertext:
//!
//! ```json
//! "personal": {"data_subject_id": "0193…", "sealed": {"alg": "XChaCha20-Poly1305+HMAC-SHA256-SIV/v1", "nonce": "…", "ciphertext": "…"}}
//! ```
//!
//! - [`seal_new_event`]: seal a new event's personal data (the command layer calls it, so the
//!   hash chain covers the ciphertext and plaintext never reaches the events file). The nonce
//!   is derived from the event id and the plaintext, so a retried command seals to the same
//!   bytes and the log's idempotency check still recognises it.
//! - [`open_payload`] / [`open_stored`]: open for a caller allowed to see it, or for a
//!   decision that needs the details. A subject whose key is gone reads as an erased
//!   placeholder (the `data_subject_id` kept, every text `[erased]`).
//! - [`redact_payload`]: replace personal data with a `[redacted]` placeholder.
//! - [`KeyStore`]: keys per subject, held apart from the log ([`SqliteKeyStore`] in
//!   `keys.sqlite`, [`PostgresKeyStore`] in its own tables, [`MemoryKeyStore`] for tests).
//!   Erasure destroys the key; the log is never edited and still verifies.
//!
//! Decoding for read models needs no key at all: `engage_domain::catalogue::decode` reads a
//! sealed object as a `[personal data sealed]` placeholder.

mod keystore;
mod postgres;
mod seal;
mod sqlite;

pub use keystore::{
    ImportReport, KeyRecord, KeyStore, KeyStoreError, MemoryKeyStore, SubjectKey, SubjectStatus,
};
pub use postgres::PostgresKeyStore;
pub use seal::{
    ALGORITHM, Opened, REDACTED_MARKER, SealedBox, open_bytes, open_payload, open_stored,
    redact_payload, seal_bytes, seal_new_event,
};
pub use sqlite::{KEYS_FILE, SqliteKeyStore};

use uuid::Uuid;

/// Why personal data could not be sealed or opened.
#[derive(Debug, thiserror::Error)]
pub enum PrivacyError {
    #[error(transparent)]
    KeyStore(#[from] KeyStoreError),
    /// Authentication failed: the sealed data, its subject id or the key is not the one it
    /// was sealed with.
    #[error(
        "the sealed personal data of data subject {subject} fails authentication (altered, or the wrong key)"
    )]
    Tampered { subject: Uuid },
    #[error(
        "the personal data of data subject {subject} is sealed with `{alg}`, which this build does not know"
    )]
    UnknownAlgorithm { subject: Uuid, alg: String },
    #[error("a {event_type} payload has personal data without a valid data_subject_id")]
    NoDataSubject { event_type: String },
    #[error("personal data of data subject {subject} could not be sealed")]
    Seal { subject: Uuid },
    #[error("a subject key could not be used as a MAC key")]
    InvalidKey,
    #[error("the payload could not be read or written: {0}")]
    Payload(#[from] engage_log::PayloadError),
    #[error("the sealed object could not be written: {0}")]
    Json(#[from] serde_json::Error),
}

impl PrivacyError {
    /// A short, stable code for APIs.
    pub fn code(&self) -> &'static str {
        match self {
            Self::KeyStore(KeyStoreError::Erased(_)) => "DATA_SUBJECT_ERASED",
            Self::KeyStore(_) => "KEY_STORE",
            Self::Tampered { .. } | Self::UnknownAlgorithm { .. } => "SEALED_DATA_UNREADABLE",
            Self::NoDataSubject { .. } => "INVALID_PERSONAL_DATA",
            Self::Seal { .. } | Self::InvalidKey | Self::Payload(_) | Self::Json(_) => "INTERNAL",
        }
    }
}
