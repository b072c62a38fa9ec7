//! Errors of the KurrentDB store: what opening can fail with, and how the client's errors
//! become [`StoreError`]s.

use engage_log::StoreError;

use crate::config::UrlError;

/// Why the store could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error(transparent)]
    Url(#[from] UrlError),

    /// The client library refused to start (it runs inside a tokio runtime).
    #[error("KurrentDB client for {target}: {detail}")]
    Client { target: String, detail: String },

    /// The server could not be reached or the log stream could not be read.
    #[error("KurrentDB {target}, log stream `{stream}`: {source}")]
    Store {
        target: String,
        stream: String,
        #[source]
        source: StoreError,
    },
}

/// A failed request to KurrentDB, with what engage was doing.
#[derive(Debug, thiserror::Error)]
#[error("KurrentDB: {action}: {detail}")]
pub struct KurrentError {
    pub action: &'static str,
    pub detail: String,
    #[source]
    pub source: kurrentdb::Error,
}

/// How an error of the client becomes a [`StoreError`] (conflicts are handled by the
/// writer before this is called).
pub fn store_error(action: &'static str, err: kurrentdb::Error) -> StoreError {
    use kurrentdb::Error as E;
    let detail = match &err {
        E::AccessDenied => "access denied: the user in the connection string may not do this \
             (check the user and the log stream's ACL)"
            .to_owned(),
        E::ResourceDeleted => {
            return StoreError::Corrupt {
                position: 0,
                detail: "the log stream was deleted or tombstoned in KurrentDB".into(),
            };
        }
        E::DeadlineExceeded
        | E::ServerError(_)
        | E::ConnectionClosed
        | E::GrpcConnectionError(_)
        | E::NotLeaderException(_) => format!(
            "{err}; if this was an append its outcome is unknown: retrying it with the same \
             event ids is safe (it is idempotent)"
        ),
        E::Grpc { message, .. } if message.to_ascii_lowercase().contains("append size") => {
            format!(
                "{err}; the server's MaxAppendSize is smaller than this append: raise it \
                 (KURRENTDB_MAX_APPEND_SIZE, see docs/kurrentdb.md)"
            )
        }
        _ => err.to_string(),
    };
    StoreError::backend(KurrentError {
        action,
        detail,
        source: err,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_are_mapped_with_guidance() {
        let e = store_error("appending", kurrentdb::Error::DeadlineExceeded);
        assert_eq!(e.code(), "BACKEND");
        assert!(e.to_string().contains("KurrentDB: appending"), "{e}");
        let text = format!(
            "{e} {}",
            std::error::Error::source(&e).map_or(String::new(), |s| s.to_string())
        );
        assert!(text.contains("idempotent"), "{text}");

        let e = store_error("reading", kurrentdb::Error::AccessDenied);
        let source = std::error::Error::source(&e)
            .map(ToString::to_string)
            .unwrap_or_default();
        assert!(source.contains("ACL"), "{source}");

        let e = store_error("reading", kurrentdb::Error::ResourceDeleted);
        assert_eq!(e.code(), "CORRUPT");

        let e = store_error(
            "appending",
            kurrentdb::Error::Grpc {
                code: tonic_code_invalid_argument(),
                message: "Maximum Append Size of 1048576 Exceeded.".into(),
            },
        );
        let source = std::error::Error::source(&e)
            .map(ToString::to_string)
            .unwrap_or_default();
        assert!(source.contains("KURRENTDB_MAX_APPEND_SIZE"), "{source}");
    }

    fn tonic_code_invalid_argument() -> tonic::Code {
        tonic::Code::InvalidArgument
    }
}
