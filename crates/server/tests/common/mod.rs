//! Shared test helpers: a real SQLite store in a temporary directory, event builders, and
//! an in-process HTTP client over the router.

#![allow(dead_code)]

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use async_trait::async_trait;
use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use engage_log::{
    Actor, AppendOutcome, EventStore, ExpectedVersion, Head, NewEvent, Payload, RecordedEvent,
    StoreError, StreamId,
};
use engage_server::ServerConfig;
use engage_store_sqlite::{Durability, SqliteOptions, SqliteStore};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tokio::sync::watch;
use tower::ServiceExt;
use uuid::Uuid;

/// A SQLite store in a temporary directory that lives as long as this value.
pub struct TestStore {
    pub store: SqliteStore,
    _dir: tempfile::TempDir,
}

impl TestStore {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let options = SqliteOptions {
            durability: Durability::Normal,
            ..Default::default()
        };
        let store =
            SqliteStore::open_with(&dir.path().join("events.sqlite"), options).expect("open store");
        Self { store, _dir: dir }
    }

    pub fn arc(&self) -> Arc<dyn EventStore> {
        Arc::new(self.store.clone())
    }
}

pub fn event(event_type: &str, n: u64) -> NewEvent {
    NewEvent::new(
        event_type,
        1,
        chrono::Utc::now(),
        Actor::new("user-7", "secretary", "board-lambeth"),
        Payload::from_value(&json!({ "n": n, "title": format!("item {n}") })).expect("payload"),
    )
}

/// Append `count` events of `event_type` to `stream`; returns their ids in order.
pub async fn append(
    store: &dyn EventStore,
    stream: &str,
    event_type: &str,
    count: u64,
) -> Vec<Uuid> {
    let events: Vec<NewEvent> = (0..count).map(|n| event(event_type, n)).collect();
    let ids = events.iter().map(|e| e.event_id).collect();
    store
        .append(&StreamId::new(stream), ExpectedVersion::Any, events)
        .await
        .expect("append");
    ids
}

/// The server's defaults with the insecure development switch on: requests without a
/// token act as `dev:administrator:local` with an administrator's permissions (the access
/// tests in `access.rs` use real tokens instead).
pub fn dev_config() -> ServerConfig {
    ServerConfig {
        access: engage_server::AccessConfig {
            dev_actor: Some(engage_server::identity::default_dev_actor()),
            ..engage_server::AccessConfig::default()
        },
        ..ServerConfig::default()
    }
}

pub fn app(store: Arc<dyn EventStore>) -> Router {
    engage_server::router(dev_config(), store)
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "body is not JSON ({e}): {}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn content_type(&self) -> &str {
        self.headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// The `extensions.code` of every error.
    pub fn codes(&self) -> Vec<String> {
        self.json()["errors"]
            .as_array()
            .map(|errs| {
                errs.iter()
                    .map(|e| {
                        e["extensions"]["code"]
                            .as_str()
                            .unwrap_or("<none>")
                            .to_owned()
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}

pub async fn send(app: &Router, request: Request<Body>) -> Reply {
    let response = app.clone().oneshot(request).await.expect("infallible");
    let status = response.status();
    let headers = response.headers().clone();
    let body = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes()
        .to_vec();
    Reply {
        status,
        headers,
        body,
    }
}

pub async fn get(app: &Router, uri: &str, headers: &[(&str, &str)]) -> Reply {
    let mut builder = Request::builder().method(Method::GET).uri(uri);
    for (k, v) in headers {
        builder = builder.header(*k, *v);
    }
    send(app, builder.body(Body::empty()).expect("request")).await
}

pub async fn post(app: &Router, body: impl Into<Body>, headers: &[(&str, &str)]) -> Reply {
    let mut builder = Request::builder().method(Method::POST).uri("/graphql");
    for (k, v) in headers {
        builder = builder.header(*k, *v);
    }
    send(app, builder.body(body.into()).expect("request")).await
}

pub const JSON: (&str, &str) = ("content-type", "application/json");
pub const ACCEPT_GRJ: (&str, &str) = ("accept", "application/graphql-response+json");
pub const ACCEPT_JSON: (&str, &str) = ("accept", "application/json");

/// POST a query (with variables) accepting application/graphql-response+json.
pub async fn query(app: &Router, query: &str, variables: Value) -> Reply {
    let body = json!({ "query": query, "variables": variables }).to_string();
    post(app, body, &[JSON, ACCEPT_GRJ]).await
}

/// A store whose `head` fails while `failing` is set, and otherwise delegates.
pub struct FlakyStore {
    pub inner: Arc<dyn EventStore>,
    pub failing: AtomicBool,
}

impl FlakyStore {
    pub fn set_failing(&self, failing: bool) {
        self.failing.store(failing, Ordering::SeqCst);
    }
}

#[async_trait]
impl EventStore for FlakyStore {
    async fn append(
        &self,
        stream: &StreamId,
        expected: ExpectedVersion,
        events: Vec<NewEvent>,
    ) -> Result<AppendOutcome, StoreError> {
        self.inner.append(stream, expected, events).await
    }
    async fn read_stream(
        &self,
        stream: &StreamId,
        from_version: u64,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        self.inner.read_stream(stream, from_version, limit).await
    }
    async fn read_stream_backwards(
        &self,
        stream: &StreamId,
        from_version: u64,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        self.inner
            .read_stream_backwards(stream, from_version, limit)
            .await
    }
    async fn stream_version(&self, stream: &StreamId) -> Result<Option<u64>, StoreError> {
        self.inner.stream_version(stream).await
    }
    async fn read_all(
        &self,
        from_position: u64,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        self.inner.read_all(from_position, limit).await
    }
    async fn event_by_id(&self, event_id: Uuid) -> Result<Option<RecordedEvent>, StoreError> {
        self.inner.event_by_id(event_id).await
    }
    async fn head(&self) -> Result<Head, StoreError> {
        if self.failing.load(Ordering::SeqCst) {
            return Err(StoreError::Closed);
        }
        self.inner.head().await
    }
    fn watch_head(&self) -> watch::Receiver<u64> {
        self.inner.watch_head()
    }
    async fn import(&self, events: Vec<RecordedEvent>) -> Result<Head, StoreError> {
        self.inner.import(events).await
    }
}
