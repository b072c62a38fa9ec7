//! The key store: one 32-byte key per data subject, held apart from the log, and the record
//! of which subjects were erased (their keys destroyed). Three implementations: in memory
//! (tests), an SQLite file beside the embedded log ([`crate::SqliteKeyStore`]) and a
//! PostgreSQL table beside the PostgreSQL log ([`crate::PostgresKeyStore`]).

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Mutex;

use async_trait::async_trait;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use chacha20poly1305::aead::Generate;
use chrono::Utc;
use engage_log::Timestamp;
use serde::{Deserialize, Serialize};
use uuid::Uuid;
use zeroize::Zeroize;

/// A data subject's key. Zeroed when dropped; never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct SubjectKey([u8; 32]);

impl Drop for SubjectKey {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl SubjectKey {
    /// A new random key from the operating system's generator.
    pub fn generate() -> Result<Self, KeyStoreError> {
        let key = chacha20poly1305::Key::try_generate()
            .map_err(|e| KeyStoreError::Random(e.to_string()))?;
        let mut bytes = [0u8; 32];
        bytes.copy_from_slice(key.as_slice());
        Ok(Self(bytes))
    }

    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// A key read back from storage: exactly 32 bytes.
    pub fn from_slice(bytes: &[u8]) -> Option<Self> {
        bytes.try_into().ok().map(Self)
    }

    pub fn bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Debug for SubjectKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SubjectKey(***)")
    }
}

/// Where a data subject stands in the key store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubjectStatus {
    /// No key was ever made for this id: nothing personal was recorded about them.
    Unknown,
    /// The subject has a key. `erasure_pending`: an erasure has begun (its event may or may
    /// not be recorded yet) and the key has not been destroyed yet.
    Active { erasure_pending: bool },
    /// The key was destroyed at `erased_at`.
    Erased { erased_at: Timestamp },
}

/// Why the key store failed.
#[derive(Debug, thiserror::Error)]
pub enum KeyStoreError {
    /// New details cannot be sealed for a subject whose key was destroyed.
    #[error("data subject {0} was erased: record new details under a new data subject id")]
    Erased(Uuid),
    #[error("the operating system's random generator failed: {0}")]
    Random(String),
    #[error("the key store {path} could not be used: {source}")]
    Sqlite {
        path: String,
        #[source]
        source: Box<rusqlite::Error>,
    },
    #[error("the PostgreSQL key store failed: {0}")]
    Postgres(#[from] tokio_postgres::Error),
    #[error("the key store holds a damaged record for data subject {0}")]
    Corrupt(String),
    #[error("key file line {line}: {reason}")]
    BadKeyFile { line: usize, reason: String },
    #[error("the key store task stopped: {0}")]
    Task(String),
}

/// One subject's line in a key export: the key (base64) while they have one, or when they
/// were erased.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyRecord {
    pub data_subject_id: Uuid,
    /// The 32-byte key, standard base64; `null` once erased.
    pub key: Option<String>,
    pub created_at: Timestamp,
    pub erased_at: Option<Timestamp>,
}

impl KeyRecord {
    pub(crate) fn active(subject: Uuid, key: &SubjectKey, created_at: Timestamp) -> Self {
        Self {
            data_subject_id: subject,
            key: Some(BASE64.encode(key.bytes())),
            created_at,
            erased_at: None,
        }
    }

    /// The key this record carries, checked (32 bytes of base64).
    pub fn subject_key(&self) -> Result<Option<SubjectKey>, String> {
        let Some(text) = &self.key else {
            return Ok(None);
        };
        let bytes = BASE64
            .decode(text)
            .map_err(|e| format!("the key is not base64: {e}"))?;
        SubjectKey::from_slice(&bytes)
            .map(Some)
            .ok_or_else(|| format!("the key is {} bytes, not 32", bytes.len()))
    }
}

/// What an import did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// Keys added.
    pub added: usize,
    /// Subjects already in the store with the same key (or already erased there).
    pub unchanged: usize,
    /// Erasures recorded from the file (the store's key, if any, destroyed).
    pub erased: usize,
    /// Records skipped because the store knows the subject as erased: an erased subject is
    /// never brought back by an older key file.
    pub refused_erased: usize,
}

/// Keys per data subject, held apart from the event log.
///
/// Key creation is durable before it returns: an event sealed with a key is only appended
/// after the key is safely stored, so a crash can never leave sealed data without its key.
#[async_trait]
pub trait KeyStore: Send + Sync + fmt::Debug {
    /// The subject's key, if they have one (`None`: never had one, or erased).
    async fn key(&self, subject: Uuid) -> Result<Option<SubjectKey>, KeyStoreError>;

    /// The key to seal new details with: the subject's key, made (and stored durably) if
    /// they have none yet. [`KeyStoreError::Erased`] for an erased subject.
    async fn key_for_sealing(&self, subject: Uuid) -> Result<SubjectKey, KeyStoreError>;

    async fn status(&self, subject: Uuid) -> Result<SubjectStatus, KeyStoreError>;

    /// Mark the subject's erasure as begun (durably), before its event is recorded, so that
    /// [`pending_erasures`](Self::pending_erasures) finds it if the process stops half way.
    async fn begin_erasure(&self, subject: Uuid) -> Result<(), KeyStoreError>;

    /// Clear the mark of an erasure that was not recorded (it was refused).
    async fn cancel_erasure(&self, subject: Uuid) -> Result<(), KeyStoreError>;

    /// Destroy the subject's key (overwriting the stored bytes) and remember that they were
    /// erased. Idempotent.
    async fn destroy_key(&self, subject: Uuid, at: Timestamp) -> Result<(), KeyStoreError>;

    /// Subjects whose erasure began but whose key is not destroyed yet.
    async fn pending_erasures(&self) -> Result<Vec<Uuid>, KeyStoreError>;

    /// Every subject: active keys and erasures, for `engage keys export`.
    async fn export(&self) -> Result<Vec<KeyRecord>, KeyStoreError>;

    /// Add records from an export. A subject erased here stays erased; an erasure in the
    /// file destroys the key here; a subject with a different key here is an error, not
    /// overwritten.
    async fn import(&self, records: &[KeyRecord]) -> Result<ImportReport, KeyStoreError>;
}

/// Decide what importing `record` does to a subject whose state here is `existing`.
pub(crate) enum ImportStep {
    Add(SubjectKey),
    Erase(Timestamp),
    Unchanged,
    RefusedErased,
}

pub(crate) fn import_step(
    line: usize,
    record: &KeyRecord,
    existing: Option<(Option<SubjectKey>, Option<Timestamp>)>,
) -> Result<ImportStep, KeyStoreError> {
    let key = record
        .subject_key()
        .map_err(|reason| KeyStoreError::BadKeyFile { line, reason })?;
    match (existing, key, record.erased_at) {
        (Some((_, Some(_))), _, Some(_)) => Ok(ImportStep::Unchanged),
        (Some((_, Some(_))), _, None) => Ok(ImportStep::RefusedErased),
        (_, _, Some(at)) => Ok(ImportStep::Erase(at)),
        (None, Some(key), None) => Ok(ImportStep::Add(key)),
        (Some((Some(here), None)), Some(key), None) if here == key => Ok(ImportStep::Unchanged),
        (Some(_), Some(_), None) => Err(KeyStoreError::BadKeyFile {
            line,
            reason: format!(
                "data subject {} already has a different key here; refusing to replace it",
                record.data_subject_id
            ),
        }),
        (_, None, None) => Err(KeyStoreError::BadKeyFile {
            line,
            reason: "a record needs a key or an erased_at".to_owned(),
        }),
    }
}

#[derive(Debug, Default)]
struct MemoryEntry {
    key: Option<SubjectKey>,
    created_at: Option<Timestamp>,
    pending: bool,
    erased_at: Option<Timestamp>,
}

/// A key store in memory, for tests: every key is lost when it is dropped.
#[derive(Debug, Default)]
pub struct MemoryKeyStore {
    subjects: Mutex<BTreeMap<Uuid, MemoryEntry>>,
}

impl MemoryKeyStore {
    pub fn new() -> Self {
        Self::default()
    }

    fn with<T>(&self, f: impl FnOnce(&mut BTreeMap<Uuid, MemoryEntry>) -> T) -> T {
        let mut guard = match self.subjects.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        f(&mut guard)
    }
}

#[async_trait]
impl KeyStore for MemoryKeyStore {
    async fn key(&self, subject: Uuid) -> Result<Option<SubjectKey>, KeyStoreError> {
        Ok(self.with(|m| m.get(&subject).and_then(|e| e.key.clone())))
    }

    async fn key_for_sealing(&self, subject: Uuid) -> Result<SubjectKey, KeyStoreError> {
        let fresh = SubjectKey::generate()?;
        self.with(|m| {
            let entry = m.entry(subject).or_default();
            if entry.erased_at.is_some() {
                return Err(KeyStoreError::Erased(subject));
            }
            if entry.key.is_none() {
                entry.key = Some(fresh);
                entry.created_at = Some(Utc::now());
            }
            entry
                .key
                .clone()
                .ok_or_else(|| KeyStoreError::Corrupt(subject.to_string()))
        })
    }

    async fn status(&self, subject: Uuid) -> Result<SubjectStatus, KeyStoreError> {
        Ok(self.with(|m| match m.get(&subject) {
            None => SubjectStatus::Unknown,
            Some(MemoryEntry {
                erased_at: Some(at),
                ..
            }) => SubjectStatus::Erased { erased_at: *at },
            Some(e) => SubjectStatus::Active {
                erasure_pending: e.pending,
            },
        }))
    }

    async fn begin_erasure(&self, subject: Uuid) -> Result<(), KeyStoreError> {
        self.with(|m| {
            if let Some(e) = m.get_mut(&subject)
                && e.erased_at.is_none()
            {
                e.pending = true;
            }
        });
        Ok(())
    }

    async fn cancel_erasure(&self, subject: Uuid) -> Result<(), KeyStoreError> {
        self.with(|m| {
            if let Some(e) = m.get_mut(&subject) {
                e.pending = false;
            }
        });
        Ok(())
    }

    async fn destroy_key(&self, subject: Uuid, at: Timestamp) -> Result<(), KeyStoreError> {
        self.with(|m| {
            let e = m.entry(subject).or_default();
            e.key = None;
            e.pending = false;
            e.erased_at.get_or_insert(at);
        });
        Ok(())
    }

    async fn pending_erasures(&self) -> Result<Vec<Uuid>, KeyStoreError> {
        Ok(self.with(|m| {
            m.iter()
                .filter(|(_, e)| e.pending && e.erased_at.is_none())
                .map(|(s, _)| *s)
                .collect()
        }))
    }

    async fn export(&self) -> Result<Vec<KeyRecord>, KeyStoreError> {
        Ok(self.with(|m| {
            m.iter()
                .map(|(s, e)| KeyRecord {
                    data_subject_id: *s,
                    key: e.key.as_ref().map(|k| BASE64.encode(k.bytes())),
                    created_at: e.created_at.unwrap_or_default(),
                    erased_at: e.erased_at,
                })
                .collect()
        }))
    }

    async fn import(&self, records: &[KeyRecord]) -> Result<ImportReport, KeyStoreError> {
        self.with(|m| {
            let mut report = ImportReport::default();
            for (i, record) in records.iter().enumerate() {
                let existing = m
                    .get(&record.data_subject_id)
                    .map(|e| (e.key.clone(), e.erased_at));
                match import_step(i + 1, record, existing)? {
                    ImportStep::Add(key) => {
                        let e = m.entry(record.data_subject_id).or_default();
                        e.key = Some(key);
                        e.created_at = Some(record.created_at);
                        report.added += 1;
                    }
                    ImportStep::Erase(at) => {
                        let e = m.entry(record.data_subject_id).or_default();
                        e.key = None;
                        e.pending = false;
                        e.erased_at = Some(at);
                        e.created_at.get_or_insert(record.created_at);
                        report.erased += 1;
                    }
                    ImportStep::Unchanged => report.unchanged += 1,
                    ImportStep::RefusedErased => report.refused_erased += 1,
                }
            }
            Ok(report)
        })
    }
}
