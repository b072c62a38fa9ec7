//! Prometheus metrics: HTTP requests by route and the log's head position.
//!
//! Each router owns its own recorder (no process-global state), so several servers, or
//! several tests, in one process keep separate counts.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{
    Matcher, PrometheusBuilder, PrometheusHandle, PrometheusRecorder,
};

use crate::AppState;

pub const HTTP_REQUESTS: &str = "http_requests_total";
pub const HTTP_DURATION: &str = "http_request_duration_seconds";
pub const HEAD_POSITION: &str = "engage_log_head_position";
pub const PROJECTION_POSITION: &str = "engage_projection_applied_position";
pub const PROJECTION_LAG_EVENTS: &str = "engage_projection_lag_events";
pub const PROJECTION_LAG_SECONDS: &str = "engage_projection_lag_seconds";
pub const PROJECTION_READY: &str = "engage_projection_ready";

/// Latency buckets in seconds, 1 ms to 10 s.
const BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

#[derive(Clone)]
pub(crate) struct Metrics {
    recorder: Arc<PrometheusRecorder>,
    handle: PrometheusHandle,
}

impl Metrics {
    pub fn new() -> Self {
        let builder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Full(HTTP_DURATION.to_owned()), BUCKETS)
            // Only fails for an empty bucket list; fall back to summaries.
            .unwrap_or_else(|_| PrometheusBuilder::new());
        let recorder = builder.build_recorder();
        let handle = recorder.handle();
        let metrics = Self {
            recorder: Arc::new(recorder),
            handle,
        };
        metrics.with(|| {
            metrics::describe_counter!(
                HTTP_REQUESTS,
                "HTTP requests answered, by method, route and status."
            );
            metrics::describe_histogram!(
                HTTP_DURATION,
                metrics::Unit::Seconds,
                "Time to answer an HTTP request (to the response head), by method and route."
            );
            metrics::describe_gauge!(HEAD_POSITION, "Position of the last event in the log.");
            metrics::describe_gauge!(
                PROJECTION_POSITION,
                "Position every read model has applied up to."
            );
            metrics::describe_gauge!(
                PROJECTION_LAG_EVENTS,
                "Events recorded but not yet applied by every read model."
            );
            metrics::describe_gauge!(
                PROJECTION_LAG_SECONDS,
                metrics::Unit::Seconds,
                "How long the read models have been behind the log's head (0 when level)."
            );
            metrics::describe_gauge!(
                PROJECTION_READY,
                "1 when the read models have caught up and are not failing, else 0."
            );
        });
        metrics
    }

    fn with<T>(&self, f: impl FnOnce() -> T) -> T {
        metrics::with_local_recorder(self.recorder.as_ref(), f)
    }

    pub fn set_head_position(&self, position: u64) {
        self.with(|| metrics::gauge!(HEAD_POSITION).set(position as f64));
    }

    pub fn set_projection_status(&self, status: &engage_projections::EngineStatus) {
        let lag = status.lag_seconds();
        self.with(|| {
            metrics::gauge!(PROJECTION_POSITION).set(status.applied as f64);
            metrics::gauge!(PROJECTION_LAG_EVENTS).set(status.lag_events() as f64);
            metrics::gauge!(PROJECTION_LAG_SECONDS).set(if lag.is_finite() { lag } else { -1.0 });
            metrics::gauge!(PROJECTION_READY).set(if status.ready() { 1.0 } else { 0.0 });
        });
    }

    fn record_request(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let method = method.to_owned();
        let route = route.to_owned();
        self.with(|| {
            metrics::counter!(
                HTTP_REQUESTS,
                "method" => method.clone(),
                "route" => route.clone(),
                "status" => status.to_string()
            )
            .increment(1);
            metrics::histogram!(HTTP_DURATION, "method" => method, "route" => route)
                .record(seconds);
        });
    }

    pub fn render(&self) -> String {
        self.handle.render()
    }

    /// Drain histogram samples into their buckets; run periodically so memory stays flat
    /// between scrapes.
    pub fn run_upkeep(&self) {
        self.handle.run_upkeep();
    }
}

/// Middleware counting and timing every request by its route template (`/graphql`, not
/// the query string); requests matching no route count under `unmatched`.
pub async fn track(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().as_str().to_owned();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let response = next.run(request).await;
    state.metrics.record_request(
        &method,
        &route,
        response.status().as_u16(),
        started.elapsed().as_secs_f64(),
    );
    response
}

/// `GET /metrics`: Prometheus text format. Reads the head first so the gauge is current.
pub async fn render(State(state): State<AppState>) -> Response {
    match state.store.head().await {
        Ok(head) => state.metrics.set_head_position(head.position),
        Err(e) => tracing::warn!(error = %e, "metrics: the store did not report its head"),
    }
    let projections = state.read.engine.status().borrow().clone();
    state.metrics.set_projection_status(&projections);
    let body = state.metrics.render();
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
        )],
        body,
    )
        .into_response()
}
