//! Errors opening a store, and the directory lock that keeps one writer per file.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};

use engage_log::StoreError;

/// Why a store could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("could not {action} at {path}: {source}")]
    Io {
        path: PathBuf,
        action: &'static str,
        source: std::io::Error,
    },
    #[error(
        "{path} is in use by another engage process (only one may write to a store; stop it, or open read-only)"
    )]
    Locked { path: PathBuf },
    #[error("no event store at {path}")]
    Missing { path: PathBuf },
    #[error("{path} is not an engage event store (it is another SQLite database)")]
    NotAnEventStore { path: PathBuf },
    #[error(
        "{path} was written by a newer engage (store format {found}, this build reads up to {supported}); upgrade engage"
    )]
    TooNew {
        path: PathBuf,
        found: i64,
        supported: i64,
    },
    #[error("SQLite could not open {path}: {source}")]
    Sqlite {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error("the store at {path} is damaged: {source}")]
    Store { path: PathBuf, source: StoreError },
}

impl OpenError {
    pub(crate) fn sqlite(path: &Path, source: rusqlite::Error) -> Self {
        Self::Sqlite {
            path: path.to_path_buf(),
            source,
        }
    }
    pub(crate) fn from_store(path: &Path, source: StoreError) -> Self {
        Self::Store {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// Take the exclusive lock `<file>.lock` beside the store file. Released when the returned
/// file is closed (also when the process dies, so a crash never leaves a stale lock).
pub(crate) fn lock_file(path: &Path) -> Result<File, OpenError> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| OpenError::Io {
            path: parent.to_path_buf(),
            action: "create the data directory",
            source: e,
        })?;
    }
    let mut lock_path = path.as_os_str().to_owned();
    lock_path.push(".lock");
    let lock_path = PathBuf::from(lock_path);
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|e| OpenError::Io {
            path: lock_path.clone(),
            action: "open the lock file",
            source: e,
        })?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(TryLockError::WouldBlock) => Err(OpenError::Locked {
            path: path.to_path_buf(),
        }),
        Err(TryLockError::Error(e)) => Err(OpenError::Io {
            path: lock_path,
            action: "lock the store",
            source: e,
        }),
    }
}

/// Wrap an SQLite error as a backend error with what we were doing.
pub(crate) fn backend(action: &'static str, e: rusqlite::Error) -> StoreError {
    StoreError::backend(Context { action, source: e })
}

#[derive(Debug, thiserror::Error)]
#[error("{action}: {source}")]
pub(crate) struct Context {
    action: &'static str,
    source: rusqlite::Error,
}
