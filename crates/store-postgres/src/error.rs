//! Errors opening a PostgreSQL store, and the mapping of database errors to [`StoreError`].

use engage_log::StoreError;

use crate::config::UrlError;

/// Why a PostgreSQL store could not be opened. Every message names the server as
/// `postgres://user@host:port/db?schema=s`, never with the password.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error(transparent)]
    Url(#[from] UrlError),

    /// No connection could be made (wrong host or port, server down, firewall, timeout).
    #[error("cannot reach PostgreSQL at {target}: {}", describe(.error))]
    Unreachable {
        target: String,
        error: tokio_postgres::Error,
    },

    /// The server answered but refused us (authentication, missing database, no permission).
    #[error("PostgreSQL at {target} refused the connection: {}", describe(.error))]
    Refused {
        target: String,
        error: tokio_postgres::Error,
    },

    /// The schema holds tables that are not an engage event log.
    #[error(
        "schema `{schema}` at {target} has an `events` table that is not an engage event log; choose another schema with ?schema=NAME"
    )]
    NotAnEventStore { target: String, schema: String },

    /// The schema was written by a newer engage.
    #[error(
        "the event log at {target} is at schema version {found}, this build of engage supports up to {supported}; upgrade engage"
    )]
    TooNew {
        target: String,
        found: i32,
        supported: i32,
    },

    /// Opening read-only found an older schema, which only a read-write open may migrate.
    #[error(
        "the event log at {target} is at schema version {found}, this build needs {supported}; open it once read-write (e.g. `engage serve`) to migrate it"
    )]
    NeedsMigration {
        target: String,
        found: i32,
        supported: i32,
    },

    /// Opening read-only found no event log.
    #[error("there is no engage event log at {target}")]
    Missing { target: String },

    /// The database does not store UTF-8 text, so events could not be stored as written.
    #[error(
        "the database at {target} uses the {encoding} encoding; engage needs UTF8 (CREATE DATABASE … ENCODING 'UTF8')"
    )]
    WrongEncoding { target: String, encoding: String },

    /// Anything else the database reported while opening.
    #[error("PostgreSQL at {target}: could not {action}: {}", describe(.error))]
    Database {
        target: String,
        action: &'static str,
        error: tokio_postgres::Error,
    },

    /// The connection pool could not be set up.
    #[error("could not set up the connection pool for {target}: {detail}")]
    Pool { target: String, detail: String },

    /// The stored head cannot be read.
    #[error("the event log at {target} is damaged: {source}")]
    Store {
        target: String,
        #[source]
        source: StoreError,
    },
}

impl OpenError {
    /// Classify a failure to connect: refused by the server, or not reached at all.
    pub(crate) fn connect(target: &str, error: tokio_postgres::Error) -> Self {
        if error.as_db_error().is_some() {
            Self::Refused {
                target: target.to_owned(),
                error,
            }
        } else {
            Self::Unreachable {
                target: target.to_owned(),
                error,
            }
        }
    }

    pub(crate) fn database(
        target: &str,
        action: &'static str,
        error: tokio_postgres::Error,
    ) -> Self {
        Self::Database {
            target: target.to_owned(),
            action,
            error,
        }
    }
}

/// A tokio-postgres error with its causes on one line. Its own `Display` says only
/// "db error" for everything the server reports; the server's message is its source.
pub fn describe(error: &tokio_postgres::Error) -> String {
    let mut text = error.to_string();
    let mut cause = std::error::Error::source(error);
    while let Some(c) = cause {
        text.push_str(": ");
        text.push_str(&c.to_string());
        cause = c.source();
    }
    text.replace('\n', "; ")
}

/// A database failure while doing `action`, for callers of the store.
pub(crate) fn backend(action: &'static str, error: tokio_postgres::Error) -> StoreError {
    StoreError::backend(Context { action, error })
}

/// A failure that could not reach the database at all (pool exhausted or closed).
pub(crate) fn pool(source: deadpool_postgres::PoolError) -> StoreError {
    StoreError::backend(PoolContext { source })
}

#[derive(Debug, thiserror::Error)]
#[error("PostgreSQL: {action}: {}", describe(.error))]
pub(crate) struct Context {
    action: &'static str,
    error: tokio_postgres::Error,
}

#[derive(Debug, thiserror::Error)]
#[error("PostgreSQL: no connection available: {source}")]
pub(crate) struct PoolContext {
    #[source]
    source: deadpool_postgres::PoolError,
}

/// The same failure reported to every caller of one group commit.
pub(crate) fn shared(message: &str) -> StoreError {
    StoreError::backend(std::io::Error::other(message.to_owned()))
}
