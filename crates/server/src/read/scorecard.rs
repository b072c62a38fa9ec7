//! The board scorecard per borough and period, and MOPAC's London-wide roll-up, over
//! [`engage_projections::scorecard`]: live (cached by the engine's applied position, so a
//! polling dashboard does not recompute) or as of a past point.

use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};

use async_graphql::{Context, Object, SimpleObject};
use chrono::{DateTime, Utc};
use engage_domain::BoroughCode;
use engage_projections::ReadModels;
use engage_projections::scorecard::{self, Scorecard, Sources};
use lru::LruCache;

use super::{AsOfInput, projection_error, read_side};
use crate::errors::ErrorCode;

/// How many live scorecards (and London roll-ups) are kept.
const CACHE_ENTRIES: usize = 256;

/// `(borough or None for the roll-up, from, to, target days, applied position)`.
type CacheKey = (Option<String>, DateTime<Utc>, DateTime<Utc>, i64, u64);

/// A cached live result: one borough's scorecard, or the London roll-up.
#[derive(Clone)]
enum Cached {
    One(Arc<Scorecard>),
    London(Arc<Scorecard>, Arc<[Arc<Scorecard>]>),
}

/// The last few live scorecards, keyed by their arguments and the applied position they
/// were computed at (a new event makes every older entry unreachable; the LRU drops them).
pub struct ScorecardCache {
    entries: Mutex<LruCache<CacheKey, Cached>>,
}

impl Default for ScorecardCache {
    fn default() -> Self {
        Self {
            entries: Mutex::new(LruCache::new(
                NonZeroUsize::new(CACHE_ENTRIES).unwrap_or(NonZeroUsize::MIN),
            )),
        }
    }
}

impl ScorecardCache {
    fn get(&self, key: &CacheKey) -> Option<Cached> {
        self.entries.lock().ok()?.get(key).cloned()
    }

    fn put(&self, key: CacheKey, value: Cached) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.put(key, value);
        }
    }
}

/// Run `f` over the scorecard's sources in `models`, taking the read locks in the field
/// order of [`ReadModels`] (every reader that holds several locks must use one order).
fn with_sources<R>(models: &ReadModels, f: impl FnOnce(&Sources<'_>) -> R) -> R {
    let complaints = models.complaints.read();
    let priorities = models.priorities.read();
    let ward_panels = models.ward_panels.read();
    let custody_visits = models.custody_visits.read();
    let stop_search = models.stop_search_reviews.read();
    let prevention_fund = models.prevention_fund.read();
    let police_complaints = models.police_complaint_cases.read();
    let performance = models.performance.read();
    let reference = models.reference.read();
    f(&Sources {
        complaints: &complaints.model,
        priorities: &priorities.model,
        custody_visits: &custody_visits.model,
        ward_panels: &ward_panels.model,
        reference: &reference.model,
        prevention_fund: &prevention_fund.model,
        stop_search: &stop_search.model,
        police_complaints: &police_complaints.model,
        performance: &performance.model,
    })
}

fn check_period(from: DateTime<Utc>, to: DateTime<Utc>) -> async_graphql::Result<()> {
    if from < to {
        Ok(())
    } else {
        Err(ErrorCode::Validation.error(format!(
            "the period is empty: `from` ({from}) must be before `to` ({to})"
        )))
    }
}

pub(super) fn check_borough(code: &str) -> async_graphql::Result<BoroughCode> {
    match engage_domain::reference::borough(code) {
        Some(b) => Ok(BoroughCode::new(b.code)),
        None => Err(ErrorCode::Validation.error(format!(
            "`{code}` is not the GSS code of a London borough (E09000001 to E09000033)"
        ))),
    }
}

fn check_target(days: i32) -> async_graphql::Result<i64> {
    if (0..=365).contains(&days) {
        Ok(i64::from(days))
    } else {
        Err(ErrorCode::Validation.error(format!(
            "`acknowledgementTargetDays` must be between 0 and 365, not {days}"
        )))
    }
}

/// Compute over the live models (through the cache) or over the models as of `as_of`.
async fn compute(
    ctx: &Context<'_>,
    borough: Option<&BoroughCode>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    target: i64,
    as_of: Option<AsOfInput>,
) -> async_graphql::Result<Cached> {
    let read = read_side(ctx)?;
    let run = |models: &ReadModels| {
        with_sources(models, |src| match borough {
            Some(b) => Cached::One(Arc::new(scorecard::scorecard(
                src,
                Some(b),
                from,
                to,
                target,
            ))),
            None => {
                let (london, boroughs) = scorecard::london(src, from, to, target);
                Cached::London(
                    Arc::new(london),
                    boroughs.into_iter().map(Arc::new).collect(),
                )
            }
        })
    };
    let as_of = as_of.map(AsOfInput::to_as_of).transpose()?;
    match as_of.filter(|a| !a.is_now()) {
        None => {
            // Every model has applied at least this much, so a result computed now reflects
            // this position or later: good for every reader at this position.
            let applied = read.engine.status().borrow().applied;
            let key: CacheKey = (
                borough.map(|b| b.as_str().to_owned()),
                from,
                to,
                target,
                applied,
            );
            if let Some(hit) = read.scorecards.get(&key) {
                return Ok(hit);
            }
            let fresh = run(&read.models);
            read.scorecards.put(key, fresh.clone());
            Ok(fresh)
        }
        Some(as_of) => {
            let models = read
                .as_of
                .models(read.store(), as_of)
                .await
                .map_err(projection_error)?;
            Ok(run(&models))
        }
    }
}

// ---------------------------------------------------------------------------------------
// Output types
// ---------------------------------------------------------------------------------------

/// Victims' complaints, each counted by the date of its own step in the period.
#[derive(SimpleObject)]
#[graphql(name = "ComplaintFigures")]
pub struct ComplaintFiguresObject {
    /// Received in the period (by `receivedAt`).
    received: u64,
    /// Acknowledged in the period (by `acknowledgedAt`).
    acknowledged: u64,
    /// Of those, acknowledged within the target number of days of receipt.
    acknowledged_in_time: u64,
    /// The target used, in days.
    acknowledgement_target_days: i64,
    /// Resolved in the period (by `resolvedAt`).
    resolved: u64,
    /// Median whole days from receipt to acknowledgement, over those acknowledged.
    median_days_to_acknowledge: Option<f64>,
    /// Median whole days from receipt to resolution, over those resolved.
    median_days_to_resolve: Option<f64>,
    /// Received in the period and not resolved by its end.
    open_at_end: u64,
}

/// Policing priorities, each step counted by its own date in the period.
#[derive(SimpleObject)]
#[graphql(name = "PriorityFigures")]
pub struct PriorityFiguresObject {
    proposed: u64,
    set: u64,
    /// Set (in force) at the end of the period: the police are reporting progress on them.
    progressing: u64,
    closed: u64,
    achieved: u64,
    not_achieved: u64,
    superseded: u64,
    /// "You said, we did" feedback published in the period.
    feedback_published: u64,
}

/// Independent custody visiting in the period.
#[derive(SimpleObject)]
#[graphql(name = "CustodyVisitingFigures")]
pub struct CustodyVisitingFiguresObject {
    /// Visits whose arrival falls in the period.
    visits: u64,
    /// Distinct suites visited in the period.
    suites_covered: u64,
    /// Detainees held, offered a visit and seen, over those visits.
    detainees_held: u64,
    detainees_offered: u64,
    detainees_seen: u64,
    /// Total minutes visitors were kept waiting for access on those visits.
    access_delay_minutes: u64,
    /// Issues raised in the period (on any visit).
    issues_raised: u64,
    /// Issues first escalated in the period.
    issues_escalated: u64,
    /// Issues resolved in the period (whenever they were raised).
    issues_resolved: u64,
}

/// How many wards had a panel that met.
#[derive(SimpleObject)]
#[graphql(name = "WardPanelCoverage")]
pub struct WardPanelCoverageObject {
    /// Wards whose panel met in the period.
    wards_met: u64,
    /// Wards of the borough in the reference data (0 when none are registered).
    wards_total: u64,
    /// Wards with a panel formed by the end of the period.
    wards_with_panel: u64,
    /// `wardsMet / wardsTotal` as a percentage, when the wards are known.
    percent_met: Option<f64>,
}

/// The crime prevention fund in the period (money in pence).
#[derive(SimpleObject)]
#[graphql(name = "FundFigures")]
pub struct FundFiguresObject {
    /// Bids submitted in the period, and what they requested.
    bids_submitted: u64,
    requested_pence: i64,
    /// Bids approved in the period, and what was approved for them.
    bids_approved: u64,
    approved_pence: i64,
    bids_rejected: u64,
    bids_withdrawn: u64,
    /// Released in the period.
    released_pence: i64,
}

/// How reviewed stop-and-search records' grounds were assessed.
#[derive(SimpleObject)]
#[graphql(name = "GroundsFindings")]
pub struct GroundsFindingsObject {
    reasonable: u64,
    insufficient: u64,
    not_recorded: u64,
    unclear: u64,
}

/// Community scrutiny of stop and search in the period.
#[derive(SimpleObject)]
#[graphql(name = "StopSearchFigures")]
pub struct StopSearchFiguresObject {
    /// Batches imported in the period, and the records accepted in them.
    batches_imported: u64,
    records_imported: u64,
    /// Records reviewed in the period, and how their grounds were assessed.
    records_reviewed: u64,
    grounds: GroundsFindingsObject,
    /// Of those, records whose body-worn video was viewed.
    body_worn_video_viewed: u64,
    /// Concerns raised in the period.
    concerns_raised: u64,
    /// Concerns the police answered in the period (whenever raised).
    concerns_answered: u64,
    /// Mean whole days to respond, over the concerns answered in the period.
    mean_days_to_respond: Option<f64>,
    /// Concerns closed in the period.
    concerns_closed: u64,
}

/// Complaints against the police (the force's own cases) in the period, by day.
#[derive(SimpleObject)]
#[graphql(name = "PoliceComplaintFigures")]
pub struct PoliceComplaintFiguresObject {
    /// Cases the police received in the period, and the allegations in them.
    cases_received: u64,
    allegations: u64,
    /// Allegation outcomes decided in the period.
    outcomes_decided: u64,
    /// Learning recorded in the period.
    learning_recorded: u64,
    /// Cases closed in the period, and their mean days open.
    cases_closed: u64,
    mean_days_open: Option<f64>,
}

/// One point of a confidence trend.
#[derive(SimpleObject)]
#[graphql(name = "TrendPoint")]
pub struct TrendPointObject {
    /// First day of the survey period.
    period_from: chrono::NaiveDate,
    /// Last day of the survey period (inclusive).
    period_to: chrono::NaiveDate,
    percent: i32,
    sample_size: Option<u32>,
    /// Change from the previous point, in percentage points.
    change: Option<i32>,
}

impl From<&engage_projections::models::performance::TrendPoint> for TrendPointObject {
    fn from(p: &engage_projections::models::performance::TrendPoint) -> Self {
        Self {
            period_from: p.period.from,
            period_to: p.period.to,
            percent: i32::from(p.percent),
            sample_size: p.sample_size,
            change: p.change.map(i32::from),
        }
    }
}

/// A borough's and the roll-up's cache entries have different keys, so this cannot happen.
fn mixed_up() -> async_graphql::Error {
    ErrorCode::Internal.error("the scorecard cache returned the wrong kind of scorecard")
}

fn n(x: usize) -> u64 {
    x as u64
}

/// The performance view of one borough (or all of London) for `[from, to)`: every figure
/// is a count or sum over records of the detailed read models, each counted by the date of
/// its own step in the period.
pub struct ScorecardObject(Arc<Scorecard>);

#[Object(name = "Scorecard")]
impl ScorecardObject {
    /// GSS code of the borough; null for London as a whole.
    async fn borough(&self) -> Option<&str> {
        self.0.borough.as_ref().map(|b| b.as_str())
    }
    /// The borough's name; "London" for London as a whole.
    async fn name(&self) -> &str {
        self.0
            .borough
            .as_ref()
            .and_then(|b| b.borough())
            .map_or("London", |b| b.name)
    }
    /// Start of the period (inclusive).
    async fn from(&self) -> DateTime<Utc> {
        self.0.from
    }
    /// End of the period (exclusive).
    async fn to(&self) -> DateTime<Utc> {
        self.0.to
    }
    async fn complaints(&self) -> ComplaintFiguresObject {
        let c = &self.0.complaints;
        ComplaintFiguresObject {
            received: n(c.received),
            acknowledged: n(c.acknowledged),
            acknowledged_in_time: n(c.acknowledged_in_time),
            acknowledgement_target_days: c.acknowledgement_target_days,
            resolved: n(c.resolved),
            median_days_to_acknowledge: c.median_days_to_acknowledge,
            median_days_to_resolve: c.median_days_to_resolve,
            open_at_end: n(c.open_at_end),
        }
    }
    async fn priorities(&self) -> PriorityFiguresObject {
        let p = &self.0.priorities;
        PriorityFiguresObject {
            proposed: n(p.proposed),
            set: n(p.set),
            progressing: n(p.progressing),
            closed: n(p.closed),
            achieved: n(p.achieved),
            not_achieved: n(p.not_achieved),
            superseded: n(p.superseded),
            feedback_published: n(p.feedback_published),
        }
    }
    async fn custody_visits(&self) -> CustodyVisitingFiguresObject {
        let c = &self.0.custody_visits;
        CustodyVisitingFiguresObject {
            visits: n(c.visits),
            suites_covered: n(c.suites_covered),
            detainees_held: c.detainees_held,
            detainees_offered: c.detainees_offered,
            detainees_seen: c.detainees_seen,
            access_delay_minutes: c.access_delay_minutes,
            issues_raised: n(c.issues_raised),
            issues_escalated: n(c.issues_escalated),
            issues_resolved: n(c.issues_resolved),
        }
    }
    async fn ward_panels(&self) -> WardPanelCoverageObject {
        let w = &self.0.ward_panels;
        WardPanelCoverageObject {
            wards_met: n(w.wards_met),
            wards_total: n(w.wards_total),
            wards_with_panel: n(w.wards_with_panel),
            percent_met: w.percent_met,
        }
    }
    async fn prevention_fund(&self) -> FundFiguresObject {
        let f = &self.0.prevention_fund;
        FundFiguresObject {
            bids_submitted: n(f.bids_submitted),
            requested_pence: f.requested_pence,
            bids_approved: n(f.bids_approved),
            approved_pence: f.approved_pence,
            bids_rejected: n(f.bids_rejected),
            bids_withdrawn: n(f.bids_withdrawn),
            released_pence: f.released_pence,
        }
    }
    async fn stop_search(&self) -> StopSearchFiguresObject {
        let s = &self.0.stop_search;
        StopSearchFiguresObject {
            batches_imported: n(s.batches_imported),
            records_imported: s.records_imported,
            records_reviewed: n(s.records_reviewed),
            grounds: GroundsFindingsObject {
                reasonable: n(s.grounds.reasonable),
                insufficient: n(s.grounds.insufficient),
                not_recorded: n(s.grounds.not_recorded),
                unclear: n(s.grounds.unclear),
            },
            body_worn_video_viewed: n(s.body_worn_video_viewed),
            concerns_raised: n(s.concerns_raised),
            concerns_answered: n(s.concerns_answered),
            mean_days_to_respond: s.mean_days_to_respond,
            concerns_closed: n(s.concerns_closed),
        }
    }
    async fn police_complaints(&self) -> PoliceComplaintFiguresObject {
        let p = &self.0.police_complaints;
        PoliceComplaintFiguresObject {
            cases_received: n(p.cases_received),
            allegations: n(p.allegations),
            outcomes_decided: n(p.outcomes_decided),
            learning_recorded: n(p.learning_recorded),
            cases_closed: n(p.cases_closed),
            mean_days_open: p.mean_days_open,
        }
    }
    /// Headline confidence ("the police do a good job") over time, ending with the last
    /// survey period that started before `to` (empty for London).
    async fn confidence(&self) -> Vec<TrendPointObject> {
        self.0
            .confidence
            .iter()
            .map(TrendPointObject::from)
            .collect()
    }
}

/// MOPAC's London-wide view of a period: London as a whole and every borough.
pub struct LondonScorecardObject {
    london: Arc<Scorecard>,
    boroughs: Arc<[Arc<Scorecard>]>,
}

#[Object(name = "LondonScorecard")]
impl LondonScorecardObject {
    /// Every borough together.
    async fn london(&self) -> ScorecardObject {
        ScorecardObject(Arc::clone(&self.london))
    }
    /// Each of the 33 boroughs, in GSS code order.
    async fn boroughs(&self) -> Vec<ScorecardObject> {
        self.boroughs
            .iter()
            .map(|s| ScorecardObject(Arc::clone(s)))
            .collect()
    }
}

// ---------------------------------------------------------------------------------------
// Queries
// ---------------------------------------------------------------------------------------

#[derive(Default)]
pub struct ScorecardQuery;

#[Object]
impl ScorecardQuery {
    /// The board scorecard of one borough for the period `[from, to)`. Complaints count as
    /// acknowledged in time within `acknowledgementTargetDays` of receipt. `asOf` computes
    /// it over the read models at a past point.
    async fn scorecard(
        &self,
        ctx: &Context<'_>,
        borough: String,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        #[graphql(default = 5)] acknowledgement_target_days: i32,
        as_of: Option<AsOfInput>,
    ) -> async_graphql::Result<ScorecardObject> {
        check_period(from, to)?;
        let borough = check_borough(&borough)?;
        let target = check_target(acknowledgement_target_days)?;
        match compute(ctx, Some(&borough), from, to, target, as_of).await? {
            Cached::One(s) => Ok(ScorecardObject(s)),
            Cached::London(..) => Err(mixed_up()),
        }
    }

    /// MOPAC's London-wide view for the period `[from, to)`: London as a whole and every
    /// borough's scorecard.
    async fn london_scorecard(
        &self,
        ctx: &Context<'_>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        #[graphql(default = 5)] acknowledgement_target_days: i32,
        as_of: Option<AsOfInput>,
    ) -> async_graphql::Result<LondonScorecardObject> {
        check_period(from, to)?;
        let target = check_target(acknowledgement_target_days)?;
        match compute(ctx, None, from, to, target, as_of).await? {
            Cached::London(london, boroughs) => Ok(LondonScorecardObject { london, boroughs }),
            Cached::One(_) => Err(mixed_up()),
        }
    }
}
