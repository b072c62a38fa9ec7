//! A thin GraphQL-over-HTTP handler in front of `schema.execute`.
//!
//! It follows the GraphQL-over-HTTP specification (and passes the checks of the
//! `graphql-http` audit suite that apply to a server without batching or uploads):
//!
//! - `Accept` negotiation: `application/graphql-response+json` when the client names it
//!   (and does not prefer `application/json`), `application/json` when the client names
//!   that, sends a wildcard, or sends no `Accept`; `406` when nothing acceptable is named.
//! - A POST must say `Content-Type: application/json` (UTF-8): `415` otherwise.
//! - Bodies over the configured limit: `413`.
//! - A request that is not well-formed (unparsable JSON, no `query`, mistyped parameters):
//!   `400` and no `data` key.
//! - A document that does not parse or validate: `400` and no `data` key when answering
//!   `application/graphql-response+json`; `200` (still without `data`) when answering
//!   `application/json`, as the specification asks for legacy clients.
//! - A mutation over GET: `405` with `Allow: POST`.
//! - Automatic persisted queries (Apollo's APQ): `extensions.persistedQuery` in the body
//!   or, over GET, in the `extensions` URL parameter; see [`crate::persisted`]. An unknown
//!   hash is a request error with code `PERSISTED_QUERY_NOT_FOUND`; a hash that does not
//!   match the query sent with it is `400` (`BAD_REQUEST`).
//! - Subscriptions are served over WebSocket (`graphql-transport-ws`, or the legacy
//!   `graphql-ws`) on the same path (the protocol guard is in `ws.rs`).
//!
//! Every error carries `extensions.code` (see [`crate::errors`]).

use std::collections::BTreeMap;

use async_graphql::http::ALL_WEBSOCKET_PROTOCOLS;
use async_graphql::parser::types::{DocumentOperations, ExecutableDocument, OperationType};
use async_graphql::{ServerError, Value, Variables};
use axum::body::Body;
use axum::extract::{FromRequestParts, Request, State, WebSocketUpgrade};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use serde::Serialize;

use crate::AppState;
use crate::errors::{ErrorCode, ensure_code};
use crate::identity::{AuthError, identify};
use crate::persisted::{PersistedQuery, PersistedQueryError};

const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";
const JSON: &str = "application/json";

/// The media type a response is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseType {
    GraphqlResponseJson,
    Json,
}

impl ResponseType {
    fn content_type(self) -> HeaderValue {
        HeaderValue::from_static(match self {
            Self::GraphqlResponseJson => "application/graphql-response+json; charset=utf-8",
            Self::Json => "application/json; charset=utf-8",
        })
    }
}

/// One media range of an `Accept` header: type, subtype and quality.
fn media_ranges(accept: &str) -> impl Iterator<Item = (String, f32)> + '_ {
    accept.split(',').filter_map(|range| {
        let mut parts = range.split(';');
        let essence = parts.next()?.trim().to_ascii_lowercase();
        if essence.is_empty() {
            return None;
        }
        let mut q = 1.0_f32;
        for param in parts {
            if let Some((name, value)) = param.split_once('=')
                && name.trim().eq_ignore_ascii_case("q")
            {
                q = value.trim().parse().unwrap_or(0.0);
            }
        }
        Some((essence, q))
    })
}

/// Choose the response media type from the `Accept` headers, or `None` for 406.
pub fn negotiate(headers: &HeaderMap) -> Option<ResponseType> {
    let mut grj: Option<f32> = None;
    let mut json: Option<f32> = None;
    let mut wildcard: Option<f32> = None;
    let mut any_header = false;
    for value in headers.get_all(header::ACCEPT) {
        // A header that is not visible ASCII names nothing we can serve.
        let Ok(text) = value.to_str() else { continue };
        for (essence, q) in media_ranges(text) {
            any_header = true;
            let slot = match essence.as_str() {
                GRAPHQL_RESPONSE_JSON => &mut grj,
                JSON => &mut json,
                "*/*" | "application/*" => &mut wildcard,
                _ => continue,
            };
            *slot = Some(slot.map_or(q, |old: f32| old.max(q)));
        }
    }
    if !any_header {
        return Some(ResponseType::Json);
    }
    let grj = grj.filter(|q| *q > 0.0);
    let json = json.filter(|q| *q > 0.0);
    match (grj, json) {
        (Some(g), Some(j)) if j > g => Some(ResponseType::Json),
        (Some(_), _) => Some(ResponseType::GraphqlResponseJson),
        (None, Some(_)) => Some(ResponseType::Json),
        (None, None) => wildcard.filter(|q| *q > 0.0).map(|_| ResponseType::Json),
    }
}

#[derive(Serialize)]
struct GraphqlBody<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<&'a Value>,
    #[serde(skip_serializing_if = "<[ServerError]>::is_empty")]
    errors: &'a [ServerError],
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    extensions: &'a BTreeMap<String, Value>,
}

fn json_response(status: StatusCode, media: ResponseType, body: &GraphqlBody<'_>) -> Response {
    match serde_json::to_vec(body) {
        Ok(bytes) => (
            status,
            [(header::CONTENT_TYPE, media.content_type())],
            bytes,
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "cannot serialise a GraphQL response");
            let fallback = br#"{"errors":[{"message":"the response could not be serialised","extensions":{"code":"INTERNAL"}}]}"#;
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                [(header::CONTENT_TYPE, media.content_type())],
                fallback.as_slice(),
            )
                .into_response()
        }
    }
}

/// A response holding only request errors (no `data` key).
fn errors_response(status: StatusCode, media: ResponseType, errors: &[ServerError]) -> Response {
    json_response(
        status,
        media,
        &GraphqlBody {
            data: None,
            errors,
            extensions: &BTreeMap::new(),
        },
    )
}

fn http_error(status: StatusCode, media: ResponseType, code: ErrorCode, message: &str) -> Response {
    errors_response(status, media, &[code.server_error(message)])
}

fn not_acceptable() -> Response {
    http_error(
        StatusCode::NOT_ACCEPTABLE,
        ResponseType::Json,
        ErrorCode::NotAcceptable,
        "the Accept header names no media type this server answers with: accept application/graphql-response+json or application/json",
    )
}

/// The parameters of a GraphQL request, checked.
#[derive(Debug, Default)]
struct Params {
    /// Absent only when `persisted_query` stands for it.
    query: Option<String>,
    operation_name: Option<String>,
    variables: Option<serde_json::Map<String, serde_json::Value>>,
    /// `extensions.persistedQuery` (automatic persisted queries, see [`crate::persisted`]).
    persisted_query: Option<PersistedQuery>,
}

type BadRequest = String;

fn params_from_object(
    obj: serde_json::Map<String, serde_json::Value>,
) -> Result<Params, BadRequest> {
    use serde_json::Value as J;
    let mut params = Params::default();
    for (key, value) in obj {
        match (key.as_str(), value) {
            ("query", J::String(q)) => params.query = Some(q),
            ("query", J::Null) => {}
            ("query", _) => return Err("`query` must be a string".into()),
            ("operationName", J::String(name)) => params.operation_name = Some(name),
            ("operationName", J::Null) => {}
            ("operationName", _) => return Err("`operationName` must be a string or null".into()),
            ("variables", J::Object(vars)) => params.variables = Some(vars),
            ("variables", J::Null) => {}
            ("variables", _) => return Err("`variables` must be an object or null".into()),
            // `persistedQuery` is the only request extension used; others are ignored.
            ("extensions", J::Object(extensions)) => {
                params.persisted_query = extensions
                    .get("persistedQuery")
                    .filter(|v| !v.is_null())
                    .map(PersistedQuery::from_json)
                    .transpose()?;
            }
            ("extensions", J::Null) => {}
            ("extensions", _) => return Err("`extensions` must be an object or null".into()),
            _ => {}
        }
    }
    if params.query.is_none() && params.persisted_query.is_none() {
        return Err("the request has no `query` string".into());
    }
    Ok(params)
}

fn params_from_body(body: &[u8]) -> Result<Params, BadRequest> {
    if body.is_empty() {
        return Err("the request body is empty: send a JSON object with a `query`".into());
    }
    match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(serde_json::Value::Object(obj)) => params_from_object(obj),
        Ok(serde_json::Value::Array(_)) => {
            Err("batched requests are not supported: send one JSON object".into())
        }
        Ok(_) => Err("the request body must be a JSON object".into()),
        Err(e) => Err(format!("the request body is not valid JSON: {e}")),
    }
}

fn params_from_query_string(raw: Option<&str>) -> Result<Params, BadRequest> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(raw.unwrap_or(""))
        .map_err(|e| format!("the query string cannot be decoded: {e}"))?;
    let mut obj = serde_json::Map::new();
    for (key, value) in pairs {
        if obj.contains_key(&key) {
            return Err(format!("`{key}` is given more than once"));
        }
        let value = match key.as_str() {
            "variables" | "extensions" => serde_json::from_str(&value)
                .map_err(|e| format!("`{key}` is not valid JSON: {e}"))?,
            _ => serde_json::Value::String(value),
        };
        obj.insert(key, value);
    }
    params_from_object(obj)
}

fn is_unsupported_content_type(headers: &HeaderMap) -> bool {
    let Some(text) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return true;
    };
    let mut parts = text.split(';');
    let essence = parts.next().unwrap_or("").trim();
    if !essence.eq_ignore_ascii_case(JSON) {
        return true;
    }
    parts.any(|param| {
        param.split_once('=').is_some_and(|(name, value)| {
            name.trim().eq_ignore_ascii_case("charset")
                && !value.trim().trim_matches('"').eq_ignore_ascii_case("utf-8")
        })
    })
}

enum BodyError {
    TooLarge,
    Read(String),
}

/// Read the whole body, refusing more than `limit` bytes.
async fn read_body(headers: &HeaderMap, body: Body, limit: usize) -> Result<Vec<u8>, BodyError> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|len| len > limit as u64) {
        return Err(BodyError::TooLarge);
    }
    let mut buf = Vec::with_capacity(declared.map_or(0, |l| l as usize));
    let mut chunks = body.into_data_stream();
    while let Some(chunk) = chunks.next().await {
        let chunk = chunk.map_err(|e| BodyError::Read(e.to_string()))?;
        if buf.len() + chunk.len() > limit {
            return Err(BodyError::TooLarge);
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(buf)
}

fn selected_operation(doc: &ExecutableDocument, name: Option<&str>) -> Option<OperationType> {
    match (&doc.operations, name) {
        (DocumentOperations::Single(op), _) => Some(op.node.ty),
        (DocumentOperations::Multiple(ops), Some(name)) => ops
            .iter()
            .find(|(n, _)| n.as_str() == name)
            .map(|(_, op)| op.node.ty),
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => {
            ops.values().next().map(|op| op.node.ty)
        }
        (DocumentOperations::Multiple(_), None) => None,
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Via {
    Get,
    Post,
}

async fn execute(
    state: &AppState,
    headers: &HeaderMap,
    params: Params,
    media: ResponseType,
    via: Via,
) -> Response {
    let request_error_status = match media {
        ResponseType::GraphqlResponseJson => StatusCode::BAD_REQUEST,
        ResponseType::Json => StatusCode::OK,
    };
    // Automatic persisted queries: find the query a hash stands for, or check the hash sent
    // with a query, before anything looks at the document.
    let (query, register) = match &params.persisted_query {
        None => (params.query.unwrap_or_default(), None),
        Some(persisted) => match state.persisted_queries.resolve(params.query, persisted) {
            Ok(resolved) => (resolved.query, resolved.register),
            Err(e @ (PersistedQueryError::NotFound | PersistedQueryError::NotSupported)) => {
                let code = match e {
                    PersistedQueryError::NotFound => ErrorCode::PersistedQueryNotFound,
                    _ => ErrorCode::PersistedQueryNotSupported,
                };
                return errors_response(
                    request_error_status,
                    media,
                    &[code.server_error(e.to_string())],
                );
            }
            Err(e @ PersistedQueryError::HashMismatch { .. }) => {
                return http_error(
                    StatusCode::BAD_REQUEST,
                    media,
                    ErrorCode::BadRequest,
                    &e.to_string(),
                );
            }
        },
    };
    let identity = match identify(&state.config, headers) {
        Ok(identity) => identity,
        Err(e) => return unauthenticated(media, &e),
    };
    let label = operation_label(params.operation_name.as_deref(), &query);
    let mut request = async_graphql::Request::new(query).data(identity.clone());
    if let Some(name) = params.operation_name.clone() {
        request = request.operation_name(name);
    }
    if let Some(vars) = params.variables {
        request = request.variables(Variables::from_json(serde_json::Value::Object(vars)));
    }

    let operation = match request.parsed_query() {
        Ok(doc) => selected_operation(doc, params.operation_name.as_deref()),
        Err(mut err) => {
            err.extensions
                .get_or_insert_with(Default::default)
                .set("code", ErrorCode::GraphqlParseFailed.as_str());
            return errors_response(request_error_status, media, &[err]);
        }
    };
    match operation {
        Some(OperationType::Mutation) if via == Via::Get => {
            let mut response = http_error(
                StatusCode::METHOD_NOT_ALLOWED,
                media,
                ErrorCode::MethodNotAllowed,
                "mutations must be sent with POST",
            );
            response
                .headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static("POST"));
            return response;
        }
        Some(OperationType::Subscription) => {
            return http_error(
                request_error_status,
                media,
                ErrorCode::BadRequest,
                "subscriptions are served over WebSocket on this path (graphql-transport-ws)",
            );
        }
        _ => {}
    }

    let query_text = register.map(|hash| (hash, request.query.clone()));
    let mut response = state.schema.execute(request).await;
    // Errors raised before execution (validation, variable coercion, limits) leave no data
    // and no path; errors of resolvers always have a path.
    let request_error = response.data == Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|e| e.path.is_empty());
    // Only a query that parsed and validated is persisted.
    if let Some((hash, text)) = query_text
        && !request_error
    {
        state.persisted_queries.insert(hash, &text);
    }
    for err in &mut response.errors {
        ensure_code(err, request_error);
    }
    // Personal data is shown only once its viewing is recorded.
    if let Err(e) = crate::access::record_views(state.store.as_ref(), &identity, &label).await {
        tracing::error!(error = %e, "a view of personal data could not be recorded; the response is withheld");
        return http_error(
            StatusCode::SERVICE_UNAVAILABLE,
            media,
            ErrorCode::Unavailable,
            "the response holds personal data whose viewing could not be recorded in the audit trail, so it is withheld; retry later",
        );
    }
    if request_error {
        return errors_response(request_error_status, media, &response.errors);
    }
    json_response(
        StatusCode::OK,
        media,
        &GraphqlBody {
            data: Some(&response.data),
            errors: &response.errors,
            extensions: &response.extensions,
        },
    )
}

/// 401 for credentials that were refused, with `WWW-Authenticate: Bearer` (RFC 6750).
fn unauthenticated(media: ResponseType, err: &AuthError) -> Response {
    let message = err.to_string();
    let kind = match err {
        AuthError::NotBearer => "invalid_request",
        _ => "invalid_token",
    };
    let mut response = http_error(
        StatusCode::UNAUTHORIZED,
        media,
        ErrorCode::Unauthenticated,
        &message,
    );
    let challenge = format!(
        "Bearer realm=\"engage\", error=\"{kind}\", error_description=\"{}\"",
        message.replace(['"', '\\'], "'")
    );
    let value = HeaderValue::from_str(&challenge)
        .unwrap_or_else(|_| HeaderValue::from_static("Bearer realm=\"engage\""));
    response
        .headers_mut()
        .insert(header::WWW_AUTHENTICATE, value);
    response
}

/// How a request is named in the access log: its operation name, or the start of its text.
fn operation_label(operation_name: Option<&str>, query: &str) -> String {
    match operation_name {
        Some(name) => name.to_owned(),
        None => {
            let words: Vec<&str> = query.split_whitespace().collect();
            let mut text = words.join(" ");
            if text.len() > 200 {
                let mut end = 200;
                while !text.is_char_boundary(end) {
                    end -= 1;
                }
                text.truncate(end);
                text.push('…');
            }
            text
        }
    }
}

/// `POST /graphql`.
pub(crate) async fn graphql_post(State(state): State<AppState>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let Some(media) = negotiate(&parts.headers) else {
        return not_acceptable();
    };
    if is_unsupported_content_type(&parts.headers) {
        return http_error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            media,
            ErrorCode::UnsupportedMediaType,
            "send the request as Content-Type: application/json",
        );
    }
    let body = match read_body(&parts.headers, body, state.config.max_body_bytes).await {
        Ok(body) => body,
        Err(BodyError::TooLarge) => {
            return http_error(
                StatusCode::PAYLOAD_TOO_LARGE,
                media,
                ErrorCode::PayloadTooLarge,
                &format!(
                    "the request body is over the limit of {} bytes",
                    state.config.max_body_bytes
                ),
            );
        }
        Err(BodyError::Read(e)) => {
            return http_error(
                StatusCode::BAD_REQUEST,
                media,
                ErrorCode::BadRequest,
                &format!("the request body could not be read: {e}"),
            );
        }
    };
    match params_from_body(&body) {
        Ok(params) => execute(&state, &parts.headers, params, media, Via::Post).await,
        Err(message) => http_error(
            StatusCode::BAD_REQUEST,
            media,
            ErrorCode::BadRequest,
            &message,
        ),
    }
}

fn is_websocket_upgrade(headers: &HeaderMap) -> bool {
    headers
        .get(header::UPGRADE)
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"websocket"))
}

/// `GET /graphql`: a WebSocket upgrade for subscriptions, or a query in the query string.
pub(crate) async fn graphql_get(State(state): State<AppState>, request: Request) -> Response {
    let (mut parts, _body) = request.into_parts();
    if is_websocket_upgrade(&parts.headers) {
        return websocket(state, &mut parts).await;
    }
    let Some(media) = negotiate(&parts.headers) else {
        return not_acceptable();
    };
    match params_from_query_string(parts.uri.query()) {
        Ok(params) => execute(&state, &parts.headers, params, media, Via::Get).await,
        Err(message) => http_error(
            StatusCode::BAD_REQUEST,
            media,
            ErrorCode::BadRequest,
            &message,
        ),
    }
}

async fn websocket(state: AppState, parts: &mut axum::http::request::Parts) -> Response {
    let Some(protocol) = crate::ws::protocol(&parts.headers) else {
        return (
            StatusCode::BAD_REQUEST,
            "a GraphQL WebSocket must ask for the graphql-transport-ws subprotocol",
        )
            .into_response();
    };
    let upgrade = match WebSocketUpgrade::from_request_parts(parts, &()).await {
        Ok(upgrade) => upgrade,
        Err(rejection) => return rejection.into_response(),
    };
    let schema = state.schema.clone();
    let identity = match identify(&state.config, &parts.headers) {
        Ok(identity) => identity,
        Err(e) => return unauthenticated(ResponseType::Json, &e),
    };
    let mut data = async_graphql::Data::default();
    // Views of personal data cannot be recorded per request on a subscription: none is shown.
    data.insert(identity.without_personal_data());
    let mut shutdown = state.shutdown.clone();
    let keepalive = state.config.websocket_keepalive;
    upgrade
        .protocols(ALL_WEBSOCKET_PROTOCOLS)
        .on_upgrade(move |socket| async move {
            let connection = crate::ws::serve(socket, schema, protocol, keepalive, data);
            let stopping = async move {
                if shutdown.wait_for(|stop| *stop).await.is_err() {
                    // No one can stop this server (a bare `router()`): never.
                    std::future::pending::<()>().await;
                }
            };
            tokio::select! {
                () = connection => {}
                // On shutdown, drop the connection rather than keep the server waiting on it.
                () = stopping => {
                    tracing::debug!("closing a GraphQL WebSocket for shutdown");
                }
            }
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(value: &str) -> Option<ResponseType> {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::ACCEPT,
            HeaderValue::from_str(value).expect("header"),
        );
        negotiate(&headers)
    }

    #[test]
    fn accept_negotiation() {
        use ResponseType::*;
        assert_eq!(negotiate(&HeaderMap::new()), Some(Json));
        assert_eq!(
            accept("application/graphql-response+json"),
            Some(GraphqlResponseJson)
        );
        assert_eq!(accept("application/json"), Some(Json));
        assert_eq!(accept("*/*"), Some(Json));
        assert_eq!(
            accept("application/graphql-response+json, application/json;q=0.9"),
            Some(GraphqlResponseJson)
        );
        assert_eq!(
            accept("application/graphql-response+json;q=0.5, application/json"),
            Some(Json)
        );
        assert_eq!(accept("text/html, */*;q=0.8"), Some(Json));
        assert_eq!(accept("text/html"), None);
        assert_eq!(accept("application/json;q=0"), None);
    }

    #[test]
    fn content_type_check() {
        let check = |v: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_str(v).expect("header"),
            );
            is_unsupported_content_type(&headers)
        };
        assert!(!check("application/json"));
        assert!(!check("Application/JSON; charset=UTF-8"));
        assert!(!check("application/json; charset=\"utf-8\""));
        assert!(check("application/json; charset=latin1"));
        assert!(check("text/plain"));
        assert!(check("application/graphql"));
        assert!(is_unsupported_content_type(&HeaderMap::new()));
    }

    #[test]
    fn parameters_are_type_checked() {
        assert!(params_from_body(br#"{"query":"{ head { position } }"}"#).is_ok());
        assert!(
            params_from_body(
                br#"{"query":"{ a }","variables":null,"operationName":null,"extensions":null}"#
            )
            .is_ok()
        );
        for bad in [
            &br#"{"qeury":"{ a }"}"#[..],
            br#"{"query":1}"#,
            br#"{"query":"{ a }","variables":"x"}"#,
            br#"{"query":"{ a }","operationName":false}"#,
            br#"{"query":"{ a }","extensions":[]}"#,
            br#"[{"query":"{ a }"}]"#,
            br#"{ "not a JSON"#,
            b"",
        ] {
            assert!(
                params_from_body(bad).is_err(),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
        let p = params_from_query_string(Some(
            "query=query%20Q(%24a%3AInt)%7B__typename%7D&variables=%7B%22a%22%3A1%7D&operationName=Q",
        ))
        .expect("valid GET parameters");
        assert_eq!(p.operation_name.as_deref(), Some("Q"));
        assert!(p.variables.is_some());
        assert!(params_from_query_string(None).is_err());
        assert!(params_from_query_string(Some("query=a&variables=nope")).is_err());
    }
}
