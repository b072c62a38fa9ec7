//! Error codes: every error this server returns carries one in `extensions.code`, and
//! they are all assigned here.

use async_graphql::{ErrorExtensions, ServerError};
use engage_log::StoreError;

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
    /// Nothing here by that name.
    NotFound,
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
