//! Which borough an event concerns, for the `events(borough:)` subscription filter.
//!
//! The envelope carries no borough, so [`BoroughOf::borough`] derives it, in this order:
//! 1. the payload's top-level `borough` field (every event that creates a borough
//!    record carries it: `VictimComplaintRaised`, `PriorityProposed`, `WardRegistered`, ...);
//! 2. the stream id, for streams named after a borough (`board-<GSS>`, `performance-<GSS>`);
//! 3. the borough this subscription already learned for the same stream from an earlier
//!    event (kept for the last [`STREAMS_REMEMBERED`] streams);
//! 4. the aggregate's record in the live read models, found by the id in the stream name
//!    (`complaint-<uuid>`, `priority-<uuid>`, `custody-visit-<uuid>`, `ward-panel-<ward>`, ...);
//! 5. the payload's top-level `ward` (or custody `suite`) field, through the registered
//!    wards (or suites).
//!
//! Pan-London streams (LCP2, partnership boards, fund rounds, pan-London IAGs) have no
//! borough: a borough filter never matches them.

use std::num::NonZeroUsize;

use engage_domain::WardCode;
use engage_log::RecordedEvent;
use engage_projections::ReadModels;
use lru::LruCache;
use serde::Deserialize;
use uuid::Uuid;

/// How many streams' boroughs one subscription remembers.
pub const STREAMS_REMEMBERED: usize = 4096;

/// The payload fields that place an event.
#[derive(Deserialize)]
struct Place {
    borough: Option<String>,
    ward: Option<String>,
    /// A custody suite's id.
    suite: Option<String>,
}

/// Derives events' boroughs for one subscription (remembering what it learned per stream).
pub struct BoroughOf {
    models: ReadModels,
    streams: LruCache<String, Option<String>>,
}

impl BoroughOf {
    pub fn new(models: ReadModels) -> Self {
        Self {
            models,
            streams: LruCache::new(
                NonZeroUsize::new(STREAMS_REMEMBERED).unwrap_or(NonZeroUsize::MIN),
            ),
        }
    }

    /// The GSS code of the borough `event` concerns, if it concerns one (see the module
    /// documentation for how it is derived).
    pub fn borough(&mut self, event: &RecordedEvent) -> Option<String> {
        let stream = event.stream_id.as_str();
        let place: Option<Place> = event.payload.deserialize().ok();
        let (payload_borough, payload_ward, payload_suite) =
            place.map_or((None, None, None), |p| (p.borough, p.ward, p.suite));
        if let Some(b) = payload_borough {
            self.streams.put(stream.to_owned(), Some(b.clone()));
            return Some(b);
        }
        if let Some(code) = stream
            .strip_prefix("board-")
            .or_else(|| stream.strip_prefix("performance-"))
        {
            return Some(code.to_owned());
        }
        if let Some(known) = self.streams.get(stream) {
            return known.clone();
        }
        let found = self
            .aggregate_borough(stream)
            .or_else(|| payload_ward.and_then(|w| self.ward_borough(&w)))
            .or_else(|| payload_suite.and_then(|s| self.suite_borough(&s)));
        if found.is_some() {
            self.streams.put(stream.to_owned(), found.clone());
        }
        found
    }

    fn ward_borough(&self, ward: &str) -> Option<String> {
        let m = self.models.reference.read();
        m.model
            .ward(&WardCode::new(ward))
            .map(|w| w.borough.as_str().to_owned())
    }

    fn suite_borough(&self, suite: &str) -> Option<String> {
        let m = self.models.reference.read();
        m.model
            .borough_of_suite(suite)
            .map(|b| b.as_str().to_owned())
    }

    /// The borough of the aggregate a stream belongs to, from the live read models.
    fn aggregate_borough(&self, stream: &str) -> Option<String> {
        let uuid = |prefix: &str| {
            stream
                .strip_prefix(prefix)
                .and_then(|id| Uuid::parse_str(id).ok())
        };
        let m = &self.models;
        if let Some(ward) = stream.strip_prefix("ward-panel-") {
            let panels = m.ward_panels.read();
            return panels
                .model
                .get(&WardCode::new(ward))
                .map(|p| p.borough.as_str().to_owned())
                .or_else(|| self.ward_borough(ward));
        }
        if let Some(id) = uuid("complaint-") {
            return m
                .complaints
                .read()
                .model
                .get(&id)
                .map(|r| r.borough.0.clone());
        }
        if let Some(id) = uuid("priority-") {
            return m
                .priorities
                .read()
                .model
                .get(&id)
                .map(|r| r.borough.0.clone());
        }
        if let Some(id) = uuid("custody-visit-") {
            return m
                .custody_visits
                .read()
                .model
                .get(&id)
                .map(|r| r.borough.0.clone());
        }
        if let Some(id) = uuid("police-complaint-") {
            return m
                .police_complaint_cases
                .read()
                .model
                .get(&id)
                .map(|r| r.borough.0.clone());
        }
        if let Some(id) = uuid("stop-search-") {
            return m
                .stop_search_reviews
                .read()
                .model
                .get(&id)
                .map(|r| r.borough.0.clone());
        }
        if let Some(id) = uuid("bid-") {
            return m
                .prevention_fund
                .read()
                .model
                .bid(&id)
                .map(|r| r.borough.0.clone());
        }
        if let Some(id) = uuid("payback-project-") {
            return m
                .community_oversight
                .read()
                .model
                .payback_project(&id)
                .map(|r| r.borough.0.clone());
        }
        if let Some(id) = uuid("watch-scheme-") {
            return m
                .community_oversight
                .read()
                .model
                .watch_scheme(&id)
                .map(|r| r.borough.0.clone());
        }
        if let Some(id) = uuid("iag-") {
            return m
                .community_oversight
                .read()
                .model
                .iag(&id)
                .and_then(|r| r.borough.as_ref().map(|b| b.0.clone()));
        }
        None
    }
}
