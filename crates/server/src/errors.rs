//! Error codes: every error this server returns carries one in `extensions.code`, and
//! they are all assigned here.

use async_graphql::{ErrorExtensions, ServerError};
use engage_commands::CommandError;
use engage_domain::DomainError;
use engage_log::{ActualVersion, ExpectedVersion, StoreError, StreamId};

use crate::reference::ReferenceError;

/// The `extensions.code` of an error. Store failures use [`StoreError::code`] verbatim
/// (`CONFLICT`, `VALIDATION`, `UNAVAILABLE`, ...); the codes below are the server's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    /// The HTTP request is not a well-formed GraphQL-over-HTTP request (bad JSON body,
    /// missing or mistyped `query`, `variables`, `operationName` or `extensions`).
    BadRequest,
    /// The `query` text is not a GraphQL document.
    GraphqlParseFailed,
    /// The document does not validate against the schema (unknown field, wrong argument
    /// type, variable coercion, depth or complexity limit, unknown operation).
    GraphqlValidationFailed,
    /// An argument's value is unacceptable (page size over the limit, malformed cursor,
    /// malformed id).
    Validation,
    /// Nothing here by that name (for a mutation: no aggregate, or no entity inside it, with
    /// that id).
    NotFound,
    /// The stream is not at the version the mutation expected (`expectedVersion`), or kept
    /// changing: `extensions.expectedVersion` and `extensions.actualVersion` say how.
    Conflict,
    /// The bearer token is missing where one is needed, malformed, forged, expired or not
    /// meant for this server (HTTP 401 with `WWW-Authenticate: Bearer`).
    Unauthenticated,
    /// The caller's role or scope does not allow this mutation or query (see
    /// `docs/access.md`); nothing was recorded.
    Forbidden,
    /// Too many requests from this token (or, without one, this address): HTTP 429 with
    /// `Retry-After`.
    RateLimited,
    /// Something the request needs is not ready yet (reference data still catching up with
    /// the log at startup); retrying later can succeed.
    Unavailable,
    /// The `Accept` header names no media type the server can answer with.
    NotAcceptable,
    /// A POST whose `Content-Type` is missing or not `application/json`.
    UnsupportedMediaType,
    /// The operation may not be sent with this HTTP method (a mutation over GET).
    MethodNotAllowed,
    /// The request body is over the configured limit.
    PayloadTooLarge,
    /// An automatic persisted query sent by hash only, whose hash the server does not know
    /// (yet, or any more): send the query with its hash. The message is
    /// `PersistedQueryNotFound`, as Apollo clients expect.
    PersistedQueryNotFound,
    /// A hash-only request to a server that keeps no persisted queries (message
    /// `PersistedQueryNotSupported`): send full queries.
    PersistedQueryNotSupported,
    /// Anything unexpected: the details are in the server's log, not in the response.
    Internal,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::BadRequest => "BAD_REQUEST",
            Self::GraphqlParseFailed => "GRAPHQL_PARSE_FAILED",
            Self::GraphqlValidationFailed => "GRAPHQL_VALIDATION_FAILED",
            Self::Validation => "VALIDATION",
            Self::NotFound => "NOT_FOUND",
            Self::Conflict => "CONFLICT",
            Self::Unauthenticated => "UNAUTHENTICATED",
            Self::Forbidden => "FORBIDDEN",
            Self::RateLimited => "RATE_LIMITED",
            Self::Unavailable => "UNAVAILABLE",
            Self::NotAcceptable => "NOT_ACCEPTABLE",
            Self::UnsupportedMediaType => "UNSUPPORTED_MEDIA_TYPE",
            Self::MethodNotAllowed => "METHOD_NOT_ALLOWED",
            Self::PayloadTooLarge => "PAYLOAD_TOO_LARGE",
            Self::PersistedQueryNotFound => "PERSISTED_QUERY_NOT_FOUND",
            Self::PersistedQueryNotSupported => "PERSISTED_QUERY_NOT_SUPPORTED",
            Self::Internal => "INTERNAL",
        }
    }

    /// A resolver error with this code.
    pub fn error(self, message: impl Into<String>) -> async_graphql::Error {
        async_graphql::Error::new(message).extend_with(|_, e| e.set("code", self.as_str()))
    }

    /// A request-level error (no path, no location) with this code.
    pub fn server_error(self, message: impl Into<String>) -> ServerError {
        let mut err = ServerError::new(message, None);
        set_code(&mut err, self.as_str());
        err
    }
}

/// A store failure as a GraphQL error whose code is [`StoreError::code`].
///
/// Backend failures are logged in full and reported without their detail, which may name
/// files or hosts.
pub fn store_error(err: StoreError) -> async_graphql::Error {
    let code = err.code();
    let message = match &err {
        StoreError::Backend(_) => {
            tracing::error!(error = %err, "event store backend failed");
            "the event store failed; the details are in the server log".to_owned()
        }
        _ => {
            tracing::warn!(error = %err, code, "event store refused a request");
            err.to_string()
        }
    };
    async_graphql::Error::new(message).extend_with(|_, e| e.set("code", code))
}

/// The short name of a domain refusal, given as `extensions.reason` beside its code.
fn refusal_reason(err: &DomainError) -> &'static str {
    match err {
        DomainError::Unknown { .. } => "UNKNOWN",
        DomainError::AlreadyExists { .. } => "ALREADY_EXISTS",
        DomainError::Already { .. } => "ALREADY_DONE",
        DomainError::InvalidState { .. } => "INVALID_STATE",
        DomainError::UnknownBorough(_) => "UNKNOWN_BOROUGH",
        DomainError::UnknownWard(_) => "UNKNOWN_WARD",
        DomainError::WardNotInBorough { .. } => "WARD_NOT_IN_BOROUGH",
        DomainError::UnknownCustodySuite(_) => "UNKNOWN_CUSTODY_SUITE",
        DomainError::SuiteNotInBorough { .. } => "SUITE_NOT_IN_BOROUGH",
        DomainError::NotPositive { .. } => "NOT_POSITIVE",
        DomainError::ExceedsLimit { .. } => "EXCEEDS_LIMIT",
        DomainError::EndBeforeStart { .. } => "END_BEFORE_START",
        DomainError::InFuture { .. } => "IN_FUTURE",
        DomainError::Required { .. } => "REQUIRED",
        DomainError::Invalid { .. } => "INVALID",
    }
}

/// The input field a domain refusal is about, if it names one (in the domain's snake_case
/// path, e.g. `received_at`, `personal.full_name`).
fn refusal_field(err: &DomainError) -> Option<&'static str> {
    match err {
        DomainError::NotPositive { field, .. }
        | DomainError::ExceedsLimit { field, .. }
        | DomainError::InFuture { field, .. }
        | DomainError::Required { field }
        | DomainError::Invalid { field, .. } => Some(field),
        DomainError::EndBeforeStart { end_field, .. } => Some(end_field),
        _ => None,
    }
}

fn version_value(v: Option<u64>) -> async_graphql::Value {
    v.map_or(async_graphql::Value::Null, async_graphql::Value::from)
}

/// A command that was not recorded, as the GraphQL error every mutation returns:
///
/// - a domain refusal: `NOT_FOUND` when it names something unknown (the aggregate, or an
///   entity inside it), otherwise `VALIDATION`; the message is the domain's own, and
///   `extensions.reason` (e.g. `ALREADY_EXISTS`, `IN_FUTURE`) and `extensions.field` say more;
/// - a version mismatch: `CONFLICT`, with `extensions.expectedVersion` and
///   `extensions.actualVersion` (null when the stream does not exist);
/// - everything else keeps [`CommandError::code`] (`IDEMPOTENCY_MISMATCH`,
///   `UNREADABLE_HISTORY`, store codes); internal details are logged, not returned.
///
/// Every one carries `extensions.streamId`.
pub fn command_error(err: CommandError, stream: &StreamId) -> async_graphql::Error {
    let stream_id = stream.as_str().to_owned();
    match err {
        CommandError::Domain(refusal) => {
            let code = match refusal {
                DomainError::Unknown { .. } => ErrorCode::NotFound,
                _ => ErrorCode::Validation,
            };
            let message = match &refusal {
                // The aggregate itself does not exist: the domain cannot name it, the stream can.
                DomainError::Unknown { kind, id } if id.starts_with('(') => {
                    format!("unknown {kind} `{stream_id}` {id}")
                }
                other => other.to_string(),
            };
            let reason = refusal_reason(&refusal);
            let field = refusal_field(&refusal);
            async_graphql::Error::new(message).extend_with(|_, e| {
                e.set("code", code.as_str());
                e.set("reason", reason);
                if let Some(field) = field {
                    e.set("field", field);
                }
                e.set("streamId", stream_id.as_str());
            })
        }
        CommandError::Conflict {
            expected, actual, ..
        } => {
            let message = err.to_string();
            let expected = match expected {
                ExpectedVersion::Exact(v) => version_value(Some(v)),
                ExpectedVersion::NoStream => version_value(None),
                other => async_graphql::Value::from(other.to_string()),
            };
            let actual = match actual {
                ActualVersion::At(v) => version_value(Some(v)),
                ActualVersion::NoStream => version_value(None),
            };
            async_graphql::Error::new(message).extend_with(|_, e| {
                e.set("code", ErrorCode::Conflict.as_str());
                e.set("expectedVersion", expected.clone());
                e.set("actualVersion", actual.clone());
                e.set("streamId", stream_id.as_str());
            })
        }
        CommandError::Store(store) => {
            store_error(store).extend_with(|_, e| e.set("streamId", stream_id.as_str()))
        }
        CommandError::WrongStream { .. } => {
            async_graphql::Error::new(err.to_string()).extend_with(|_, e| {
                e.set("code", ErrorCode::Validation.as_str());
                e.set("streamId", stream_id.as_str());
            })
        }
        CommandError::IdempotencyKeyReused { .. } => {
            let code = err.code();
            async_graphql::Error::new(err.to_string()).extend_with(|_, e| {
                e.set("code", code);
                e.set("streamId", stream_id.as_str());
            })
        }
        // Personal data: an erased subject cannot be given new details, and an erasure of
        // a subject nobody recorded is a clear "not found".
        CommandError::Privacy(engage_privacy::PrivacyError::KeyStore(
            engage_privacy::KeyStoreError::Erased(_),
        )) => async_graphql::Error::new(err.to_string()).extend_with(|_, e| {
            e.set("code", ErrorCode::Validation.as_str());
            e.set("reason", "DATA_SUBJECT_ERASED");
            e.set("streamId", stream_id.as_str());
        }),
        CommandError::UnknownDataSubject(_) => async_graphql::Error::new(err.to_string())
            .extend_with(|_, e| {
                e.set("code", ErrorCode::NotFound.as_str());
                e.set("streamId", stream_id.as_str());
            }),
        CommandError::Decode { .. }
        | CommandError::ForeignEvent { .. }
        | CommandError::Unsealable { .. }
        | CommandError::Privacy(_)
        | CommandError::Encode { .. } => {
            let code = err.code();
            tracing::error!(error = %err, stream = %stream_id, "a command failed");
            async_graphql::Error::new(format!(
                "the command could not be executed on stream `{stream_id}` ({code}); the details are in the server log"
            ))
            .extend_with(|_, e| {
                e.set("code", code);
                e.set("streamId", stream_id.as_str());
            })
        }
    }
}

/// Reference data that could not be given in time, as a GraphQL error (`UNAVAILABLE`).
pub fn reference_error(err: ReferenceError) -> async_graphql::Error {
    tracing::warn!(error = %err, "reference data unavailable for a command");
    ErrorCode::Unavailable.error(err.to_string())
}

fn set_code(err: &mut ServerError, code: &str) {
    err.extensions
        .get_or_insert_with(Default::default)
        .set("code", code);
}

fn has_code(err: &ServerError) -> bool {
    err.extensions
        .as_ref()
        .is_some_and(|ext| ext.get("code").is_some())
}

/// Give `err` a code if it has none. `request_error` tells whether it was raised before
/// execution (parse, validation, variable coercion, limits) or by a resolver.
pub fn ensure_code(err: &mut ServerError, request_error: bool) {
    if has_code(err) {
        return;
    }
    let code = if request_error {
        ErrorCode::GraphqlValidationFailed
    } else if is_input_coercion_error(&err.message) {
        // Argument values that fail to parse into their scalar (a malformed UUID passed as
        // a variable, for example) are reported by async-graphql as field errors.
        ErrorCode::Validation
    } else {
        ErrorCode::Internal
    };
    set_code(err, code.as_str());
}

fn is_input_coercion_error(message: &str) -> bool {
    message.starts_with("Failed to parse ") || message.starts_with("Invalid value for argument")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code_of(err: &ServerError) -> Option<String> {
        match err.extensions.as_ref()?.get("code")? {
            async_graphql::Value::String(s) => Some(s.clone()),
            _ => None,
        }
    }

    #[test]
    fn existing_codes_are_kept_and_missing_ones_are_classified() {
        let mut coded = ErrorCode::NotFound.server_error("gone");
        ensure_code(&mut coded, true);
        assert_eq!(code_of(&coded).as_deref(), Some("NOT_FOUND"));

        let mut request = ServerError::new("Unknown field \"nope\"", None);
        ensure_code(&mut request, true);
        assert_eq!(
            code_of(&request).as_deref(),
            Some("GRAPHQL_VALIDATION_FAILED")
        );

        let mut coercion = ServerError::new("Failed to parse \"UUID\": bad", None);
        ensure_code(&mut coercion, false);
        assert_eq!(code_of(&coercion).as_deref(), Some("VALIDATION"));

        let mut other = ServerError::new("boom", None);
        ensure_code(&mut other, false);
        assert_eq!(code_of(&other).as_deref(), Some("INTERNAL"));
    }

    #[test]
    fn store_errors_keep_their_code() {
        let err = store_error(StoreError::Closed);
        let server = err.into_server_error(async_graphql::Pos::default());
        assert_eq!(code_of(&server).as_deref(), Some("UNAVAILABLE"));
    }
}
