//! # engage-server: the HTTP server behind `engage serve`
//!
//! Serves the event log of engage (the records of London's community–police engagement
//! bodies) to people and programs over HTTP, in front of any [`EventStore`] backend:
//!
//! - `POST /graphql` and `GET /graphql`: GraphQL queries, answered by a thin handler that
//!   follows the GraphQL-over-HTTP specification (see [`http`] for the status codes);
//! - `GET /graphql` with a WebSocket upgrade: GraphQL subscriptions (`graphql-transport-ws`);
//! - `GET /graphiql`: the GraphiQL IDE, only when [`ServerConfig::graphiql`] is on;
//! - `GET /livez`: the process is up; `GET /readyz`: the store answers and the read models
//!   have caught up with the log (JSON with the head and the projection lag);
//! - `GET /metrics`: Prometheus text (HTTP requests and latency by route, head position,
//!   projection position and lag).
//!
//! Queries: the log's head, the log and its streams as Relay connections, single events by
//! id, stream metadata, the audit trail and the read models ([`read`]); a live `events`
//! subscription; and a mutation for every command of the domain ([`mutations`]), recorded
//! as the request's [`identity`] with reference data that follows the log ([`reference`]).
//! Queries may be sent as automatic persisted queries (Apollo's APQ protocol, see
//! [`persisted`]), by hash over POST or GET. Every error carries `extensions.code` (see
//! [`errors`]).
//!
//! Use [`serve`] to run the server with graceful shutdown, or [`router`] to drive it
//! in-process (tests use `tower::ServiceExt::oneshot` or a listener on `127.0.0.1:0`).

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use engage_commands::CommandService;
use engage_log::{Actor, EventStore};
use tokio::sync::watch;
use tower_http::trace::{DefaultMakeSpan, DefaultOnResponse, TraceLayer};
use tracing::Level;

pub mod access;
pub mod erasure;
pub mod errors;
pub mod http;
pub mod identity;
mod metrics;
pub mod mutations;
pub mod pagination;
pub mod persisted;
pub mod ratelimit;
pub mod read;
pub mod reference;
pub mod schema;
mod ws;

pub use read::ReadSide;
pub use schema::{EngageSchema, SchemaLimits, build_schema, sdl};

/// How the server listens and what it allows.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// Serve the GraphiQL IDE at `/graphiql` (its page loads scripts from a CDN).
    pub graphiql: bool,
    /// Largest request body accepted (`413` above it).
    pub max_body_bytes: usize,
    /// Largest `first` / `last` a connection accepts.
    pub max_page_size: usize,
    /// Deepest query accepted. Keep it at 15 or more: the standard introspection query
    /// (GraphiQL, code generators) is 15 deep.
    pub max_depth: usize,
    /// Largest estimated query cost accepted (a connection costs its page size times its
    /// selection).
    pub max_complexity: usize,
    /// Bytes of query text kept for automatic persisted queries (least recently used
    /// forgotten first); `0` turns them off. See [`persisted`].
    pub persisted_query_cache_bytes: usize,
    /// How long `/readyz` waits for the store before answering 503.
    pub readiness_timeout: Duration,
    /// Close a `graphql-transport-ws` connection whose client does not answer a keep-alive
    /// ping within this time (`None`: never).
    pub websocket_keepalive: Option<Duration>,
    /// Tokens, the development switch and rate limits (see [`AccessConfig`]).
    pub access: AccessConfig,
    /// How long a mutation waits for reference data (wards, custody suites, fund rounds) to
    /// catch up with the log before answering `UNAVAILABLE` (only ever waited for while a
    /// long log is read at startup, or when the store is failing).
    pub reference_wait: Duration,
    /// The key store of personal data (see `engage_privacy`). `None` keeps keys in memory
    /// only, for tests: they are lost when the server stops, and with them every personal
    /// detail recorded meanwhile. `engage serve` always gives the store's key store.
    pub keys: Option<Arc<dyn engage_privacy::KeyStore>>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            graphiql: false,
            max_body_bytes: 1024 * 1024,
            max_page_size: 500,
            max_depth: 20,
            max_complexity: 20_000,
            persisted_query_cache_bytes: 4 * 1024 * 1024,
            readiness_timeout: Duration::from_secs(2),
            websocket_keepalive: Some(Duration::from_secs(30)),
            access: AccessConfig::default(),
            reference_wait: Duration::from_secs(10),
            keys: None,
        }
    }
}

/// Who may call the server and how often (see `docs/access.md`).
#[derive(Debug, Clone, Default)]
pub struct AccessConfig {
    /// Verifies bearer tokens; without one, a request with a token is refused (401) and
    /// every other request is the public.
    pub verifier: Option<Arc<engage_access::Verifier>>,
    /// INSECURE, for development only: requests without a token are recorded as this actor
    /// with an administrator's permissions (`engage serve --dev-actor ID:ROLE:ORG`). Off
    /// by default.
    pub dev_actor: Option<Actor>,
    /// Requests allowed per token and per anonymous client address.
    pub rate_limits: ratelimit::RateLimits,
}

impl ServerConfig {
    fn schema_limits(&self) -> SchemaLimits {
        SchemaLimits {
            max_page_size: self.max_page_size,
            max_depth: self.max_depth,
            max_complexity: self.max_complexity,
        }
    }
}

/// Why the server could not run.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("the HTTP server failed: {0}")]
    Serve(#[source] std::io::Error),
}

/// What every handler shares.
#[derive(Clone)]
pub(crate) struct AppState {
    pub(crate) schema: EngageSchema,
    pub(crate) store: Arc<dyn EventStore>,
    pub(crate) read: ReadSide,
    pub(crate) config: Arc<ServerConfig>,
    pub(crate) metrics: metrics::Metrics,
    pub(crate) persisted_queries: Arc<persisted::PersistedQueries>,
    pub(crate) rate_limiter: Arc<ratelimit::RateLimiter>,
    /// Turns true when the server is shutting down; WebSocket connections end then.
    pub(crate) shutdown: watch::Receiver<bool>,
}

/// The server's routes over `store`, without a listener, with every built-in read model
/// kept in memory by an engine started on the current runtime (it runs until the runtime
/// ends). WebSocket connections opened through it last until their client leaves (see
/// [`serve`] for shutdown). Must be called inside a Tokio runtime: it also starts following
/// the log for reference data (a task that ends when the router is dropped).
pub fn router(config: ServerConfig, store: Arc<dyn EventStore>) -> Router {
    let read = ReadSide::in_memory(Arc::clone(&store));
    read.start(std::future::pending());
    router_with(config, store, read)
}

/// [`router`] over a read side whose engine the caller runs ([`ReadSide::start`]).
pub fn router_with(config: ServerConfig, store: Arc<dyn EventStore>, read: ReadSide) -> Router {
    // Nothing will ever send on this channel: its WebSockets end only with their clients.
    let (_, shutdown) = watch::channel(false);
    build_router(config, store, read, shutdown).0
}

/// The configured key store, or one in memory (with a warning) when none was given.
fn key_store(config: &ServerConfig) -> Arc<dyn engage_privacy::KeyStore> {
    match &config.keys {
        Some(keys) => Arc::clone(keys),
        None => {
            tracing::warn!(
                "no key store configured: personal-data keys are kept in memory and lost when the server stops"
            );
            Arc::new(engage_privacy::MemoryKeyStore::new())
        }
    }
}

fn build_router(
    config: ServerConfig,
    store: Arc<dyn EventStore>,
    read: ReadSide,
    shutdown: watch::Receiver<bool>,
) -> (Router, metrics::Metrics, Arc<ratelimit::RateLimiter>) {
    let commands = mutations::CommandContext {
        service: CommandService::new(Arc::clone(&store), key_store(&config)),
        reference: Arc::new(reference::LogReference::follow(
            Arc::clone(&store),
            config.reference_wait,
        )),
    };
    let schema = build_schema(
        Arc::clone(&store),
        read.clone(),
        commands,
        config.schema_limits(),
    );
    let graphiql = config.graphiql;
    let metrics = metrics::Metrics::new();
    let persisted_queries = Arc::new(persisted::PersistedQueries::new(
        config.persisted_query_cache_bytes,
    ));
    let rate_limiter = Arc::new(ratelimit::RateLimiter::new(&config.access.rate_limits));
    let state = AppState {
        schema,
        store,
        read,
        persisted_queries,
        rate_limiter: Arc::clone(&rate_limiter),
        config: Arc::new(config),
        metrics: metrics.clone(),
        shutdown,
    };

    let mut routes = Router::new()
        .route(
            "/graphql",
            get(http::graphql_get).post(http::graphql_post).layer(
                axum::middleware::from_fn_with_state(state.clone(), ratelimit::limit),
            ),
        )
        .route("/livez", get(livez))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics::render));
    if graphiql {
        routes = routes.route("/graphiql", get(graphiql_page));
    }
    let app = routes
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            metrics::track,
        ))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(DefaultMakeSpan::new().level(Level::INFO))
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        .with_state(state);
    (app, metrics, rate_limiter)
}

/// Listen on `config.listen` and serve until `shutdown` completes; then stop accepting,
/// end open WebSocket subscriptions, and wait for in-flight requests to finish. The read
/// models are kept in memory (see [`serve_with`] to keep snapshots).
pub async fn serve(
    config: ServerConfig,
    store: Arc<dyn EventStore>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServerError> {
    let addr = config.listen;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| ServerError::Bind { addr, source })?;
    serve_on(listener, config, store, shutdown).await
}

/// [`serve`] on a listener the caller bound (for example to `127.0.0.1:0`, reading the
/// port from `listener.local_addr()`).
pub async fn serve_on(
    listener: tokio::net::TcpListener,
    config: ServerConfig,
    store: Arc<dyn EventStore>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServerError> {
    let read = ReadSide::in_memory(Arc::clone(&store));
    serve_with(listener, config, store, read, shutdown).await
}

/// [`serve_on`] with the caller's read side (e.g. an engine keeping snapshots). The
/// server runs its engine: after the HTTP server has finished its in-flight requests, the
/// engine stops and stores its snapshots before this returns.
pub async fn serve_with(
    listener: tokio::net::TcpListener,
    config: ServerConfig,
    store: Arc<dyn EventStore>,
    read: ReadSide,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServerError> {
    let (stop_engine, engine_stopping) = tokio::sync::oneshot::channel::<()>();
    let engine = read.start(async move {
        let _ = engine_stopping.await;
    });
    let (stop, stopping) = watch::channel(false);
    let (app, metrics, rate_limiter) = build_router(config, store, read, stopping.clone());
    // Scrapes drain latency samples into buckets; this keeps memory flat when nothing scrapes.
    let metrics_upkeep = tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(10));
        loop {
            tick.tick().await;
            metrics.run_upkeep();
            rate_limiter.upkeep();
        }
    });

    if let Ok(local) = listener.local_addr() {
        tracing::info!(address = %local, "engage server listening");
    }
    let mut wait = stopping;
    // Client addresses key the rate limits of anonymous requests.
    let app = app.into_make_service_with_connect_info::<SocketAddr>();
    let server = axum::serve(listener, app).with_graceful_shutdown(async move {
        let _ = wait.wait_for(|s| *s).await;
    });
    let signal = tokio::spawn(async move {
        shutdown.await;
        tracing::info!("engage server shutting down");
        let _ = stop.send(true);
    });
    let result = server.await.map_err(ServerError::Serve);
    signal.abort();
    metrics_upkeep.abort();
    let _ = stop_engine.send(());
    if engine.await.is_err() {
        tracing::warn!("the projection engine ended abnormally");
    }
    result
}

async fn livez() -> &'static str {
    "ok"
}

async fn readyz(State(state): State<AppState>) -> Response {
    let head = tokio::time::timeout(state.config.readiness_timeout, state.store.head()).await;
    match head {
        Ok(Ok(head)) => {
            state.metrics.set_head_position(head.position);
            let projections = state.read.engine.status().borrow().clone();
            state.metrics.set_projection_status(&projections);
            let lag_seconds = projections.lag_seconds();
            let body = serde_json::json!({
                "head": { "position": head.position, "hash": head.hash.to_hex() },
                "projections": {
                    "applied": projections.applied,
                    "lag_events": projections.lag_events(),
                    "lag_seconds": if lag_seconds.is_finite() { Some(lag_seconds) } else { None },
                    "caught_up": projections.caught_up,
                    "failure": projections.failure,
                },
            });
            if projections.ready() {
                let mut body = body;
                body["status"] = "ready".into();
                axum::Json(body).into_response()
            } else {
                let mut body = body;
                body["status"] = "unavailable".into();
                body["error"] = match &projections.failure {
                    Some(f) => serde_json::json!({ "code": "PROJECTION_FAILED", "message": f }),
                    None => serde_json::json!({
                        "code": "CATCHING_UP",
                        "message": format!(
                            "the read models are catching up with the log ({} of {} events applied)",
                            projections.applied, head.position
                        ),
                    }),
                };
                (StatusCode::SERVICE_UNAVAILABLE, axum::Json(body)).into_response()
            }
        }
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "readiness: the store failed");
            let message = match &e {
                engage_log::StoreError::Backend(_) => {
                    "the event store's backend failed; the details are in the server log".to_owned()
                }
                other => other.to_string(),
            };
            unavailable(e.code(), &message)
        }
        Err(_) => {
            tracing::warn!("readiness: the store did not answer in time");
            unavailable("TIMEOUT", "the event store did not answer in time")
        }
    }
}

fn unavailable(code: &str, message: &str) -> Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        axum::Json(serde_json::json!({
            "status": "unavailable",
            "error": { "code": code, "message": message },
        })),
    )
        .into_response()
}

async fn graphiql_page() -> Html<String> {
    Html(
        async_graphql::http::GraphiQLSource::build()
            .endpoint("/graphql")
            .subscription_endpoint("/graphql")
            .title("engage GraphiQL")
            .finish(),
    )
}

async fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        )],
        "not found",
    )
        .into_response()
}
