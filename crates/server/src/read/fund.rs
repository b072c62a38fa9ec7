//! The crime prevention fund: funding rounds and the bids boards make in them, from
//! submission through assessment and decision to funds released and outcomes reported.

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use engage_domain::prevention_bid::Recommendation;
use engage_projections::models::PreventionFund;
use engage_projections::models::fund::{
    BidOutcome, BidStatus, FundRound, FundsRelease, MilestoneReport, PreventionBid, RoundStatus,
};

use super::{
    AsOfInput, ListArgs, ProvenanceObject, SortOrder, connection, list, time_key, with_model,
};
use crate::schema::Uuid;

/// Whether a round takes bids.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "FundRoundStatus")]
pub enum RoundStatusEnum {
    Open,
    Closed,
}

impl From<RoundStatus> for RoundStatusEnum {
    fn from(s: RoundStatus) -> Self {
        match s {
            RoundStatus::Open => Self::Open,
            RoundStatus::Closed => Self::Closed,
        }
    }
}

/// A funding round of the crime prevention fund.
pub struct FundRoundObject(pub(crate) FundRound);

#[Object(name = "FundRound")]
impl FundRoundObject {
    /// Global id (`FundRound:<uuid>`).
    pub(crate) async fn id(&self) -> ID {
        ID(format!("FundRound:{}", self.0.round_id))
    }
    async fn round_id(&self) -> Uuid {
        Uuid(self.0.round_id)
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// The money available, in pence.
    async fn pot_pence(&self) -> i64 {
        self.0.pot_pence
    }
    async fn opens_at(&self) -> DateTime<Utc> {
        self.0.opens_at
    }
    async fn closes_at(&self) -> DateTime<Utc> {
        self.0.closes_at
    }
    async fn status(&self) -> RoundStatusEnum {
        self.0.status.into()
    }
    async fn closed_at(&self) -> Option<DateTime<Utc>> {
        self.0.closed_at
    }
    async fn provenance(&self) -> ProvenanceObject {
        ProvenanceObject::from(&self.0.provenance)
    }
}

/// Where a bid is.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "BidStatus")]
pub enum BidStatusEnum {
    Submitted,
    Assessed,
    Approved,
    Rejected,
    Withdrawn,
}

impl From<BidStatus> for BidStatusEnum {
    fn from(s: BidStatus) -> Self {
        match s {
            BidStatus::Submitted => Self::Submitted,
            BidStatus::Assessed => Self::Assessed,
            BidStatus::Approved => Self::Approved,
            BidStatus::Rejected => Self::Rejected,
            BidStatus::Withdrawn => Self::Withdrawn,
        }
    }
}

/// An outcome a bid promised, with the results reported against it.
#[derive(SimpleObject)]
#[graphql(name = "BidOutcome")]
pub struct BidOutcomeObject {
    description: String,
    measure: String,
    target: String,
    /// Results reported, in order: `(reportedAt, result, achieved)`.
    results: Vec<BidOutcomeResult>,
    /// Whether the latest result achieved it; null before any result.
    achieved: Option<bool>,
}

/// One result reported against a bid's outcome.
#[derive(SimpleObject)]
pub struct BidOutcomeResult {
    reported_at: DateTime<Utc>,
    result: String,
    achieved: bool,
}

impl From<&BidOutcome> for BidOutcomeObject {
    fn from(o: &BidOutcome) -> Self {
        Self {
            description: o.description.clone(),
            measure: o.measure.clone(),
            target: o.target.clone(),
            results: o
                .results
                .iter()
                .map(|r| BidOutcomeResult {
                    reported_at: r.reported_at,
                    result: r.result.clone(),
                    achieved: r.achieved,
                })
                .collect(),
            achieved: o.achieved(),
        }
    }
}

/// Money released to an approved bid.
#[derive(SimpleObject)]
#[graphql(name = "FundsRelease")]
pub struct FundsReleaseObject {
    release_id: Uuid,
    released_at: DateTime<Utc>,
    amount_pence: i64,
}

impl From<&FundsRelease> for FundsReleaseObject {
    fn from(r: &FundsRelease) -> Self {
        Self {
            release_id: Uuid(r.release_id),
            released_at: r.released_at,
            amount_pence: r.amount_pence,
        }
    }
}

/// A milestone reported by a funded project.
#[derive(SimpleObject)]
#[graphql(name = "MilestoneReport")]
pub struct MilestoneReportObject {
    reported_at: DateTime<Utc>,
    milestone: String,
    achieved: bool,
    note: Option<String>,
}

impl From<&MilestoneReport> for MilestoneReportObject {
    fn from(m: &MilestoneReport) -> Self {
        Self {
            reported_at: m.reported_at,
            milestone: m.milestone.clone(),
            achieved: m.achieved,
            note: m.note.clone(),
        }
    }
}

/// A board's bid to the crime prevention fund.
pub struct PreventionBidObject(pub(crate) PreventionBid);

#[Object(name = "PreventionBid")]
impl PreventionBidObject {
    /// Global id (`PreventionBid:<uuid>`).
    pub(crate) async fn id(&self) -> ID {
        ID(format!("PreventionBid:{}", self.0.bid_id))
    }
    async fn bid_id(&self) -> Uuid {
        Uuid(self.0.bid_id)
    }
    async fn round_id(&self) -> Uuid {
        Uuid(self.0.round_id)
    }
    /// GSS code of the bidding board's borough.
    async fn borough(&self) -> &str {
        self.0.borough.as_str()
    }
    async fn project_title(&self) -> &str {
        &self.0.project_title
    }
    async fn project_summary(&self) -> &str {
        &self.0.project_summary
    }
    async fn requested_pence(&self) -> i64 {
        self.0.requested_pence
    }
    async fn submitted_at(&self) -> DateTime<Utc> {
        self.0.submitted_at
    }
    async fn outcomes(&self) -> Vec<BidOutcomeObject> {
        self.0.outcomes.iter().map(BidOutcomeObject::from).collect()
    }
    async fn status(&self) -> BidStatusEnum {
        self.0.status.into()
    }
    async fn assessed_at(&self) -> Option<DateTime<Utc>> {
        self.0.assessment.as_ref().map(|a| a.assessed_at)
    }
    /// MOPAC's score, 0 to 100.
    async fn assessment_score(&self) -> Option<i32> {
        self.0.assessment.as_ref().map(|a| i32::from(a.score))
    }
    async fn assessment_recommendation(&self) -> Option<Recommendation> {
        self.0.assessment.as_ref().map(|a| a.recommendation)
    }
    async fn assessment_notes(&self) -> Option<&str> {
        self.0.assessment.as_ref().map(|a| a.notes.as_str())
    }
    async fn approved_at(&self) -> Option<DateTime<Utc>> {
        self.0.approved_at
    }
    async fn approved_pence(&self) -> Option<i64> {
        self.0.approved_pence
    }
    async fn conditions(&self) -> &[String] {
        &self.0.conditions
    }
    async fn rejected_at(&self) -> Option<DateTime<Utc>> {
        self.0.rejected_at
    }
    async fn rejection_reason(&self) -> Option<&str> {
        self.0.rejection_reason.as_deref()
    }
    async fn withdrawn_at(&self) -> Option<DateTime<Utc>> {
        self.0.withdrawn_at
    }
    async fn withdrawal_reason(&self) -> Option<&str> {
        self.0.withdrawal_reason.as_deref()
    }
    /// Whole days from submission to approval or rejection.
    async fn days_to_decision(&self) -> Option<i64> {
        self.0.days_to_decision
    }
    async fn releases(&self) -> Vec<FundsReleaseObject> {
        self.0
            .releases
            .iter()
            .map(FundsReleaseObject::from)
            .collect()
    }
    async fn released_pence(&self) -> i64 {
        self.0.released_pence
    }
    /// Approved but not yet released, in pence.
    async fn unreleased_pence(&self) -> i64 {
        self.0.unreleased_pence()
    }
    async fn milestones(&self) -> Vec<MilestoneReportObject> {
        self.0
            .milestones
            .iter()
            .map(MilestoneReportObject::from)
            .collect()
    }
    async fn provenance(&self) -> ProvenanceObject {
        ProvenanceObject::from(&self.0.provenance)
    }
}

/// Which funding rounds to list.
#[derive(InputObject, Debug, Clone, Default)]
pub struct FundRoundFilter {
    pub status: Option<RoundStatusEnum>,
    /// Opening at or after.
    pub opens_from: Option<DateTime<Utc>>,
    /// Opening before.
    pub opens_before: Option<DateTime<Utc>>,
}

/// Which bids to list.
#[derive(InputObject, Debug, Clone, Default)]
pub struct PreventionBidFilter {
    /// GSS code of the borough.
    pub borough: Option<String>,
    pub round_id: Option<Uuid>,
    pub status: Option<BidStatusEnum>,
    /// Submitted at or after.
    pub submitted_from: Option<DateTime<Utc>>,
    /// Submitted before.
    pub submitted_before: Option<DateTime<Utc>>,
}

connection!(
    FundRoundConnection,
    FundRoundEdge,
    FundRoundObject,
    "funding rounds",
    "rounds"
);
connection!(
    PreventionBidConnection,
    PreventionBidEdge,
    PreventionBidObject,
    "prevention fund bids",
    "bids"
);

fn round_matches(r: &FundRound, f: &FundRoundFilter) -> bool {
    f.status
        .is_none_or(|s| RoundStatusEnum::from(r.status) == s)
        && f.opens_from.is_none_or(|t| r.opens_at >= t)
        && f.opens_before.is_none_or(|t| r.opens_at < t)
}

fn bid_matches(b: &PreventionBid, f: &PreventionBidFilter) -> bool {
    f.borough.as_deref().is_none_or(|x| b.borough.as_str() == x)
        && f.round_id.is_none_or(|r| b.round_id == r.0)
        && f.status.is_none_or(|s| BidStatusEnum::from(b.status) == s)
        && f.submitted_from.is_none_or(|t| b.submitted_at >= t)
        && f.submitted_before.is_none_or(|t| b.submitted_at < t)
}

#[derive(Default)]
pub struct FundQuery;

#[Object]
impl FundQuery {
    /// Crime prevention fund rounds, ordered by when they open. `asOf` reads the model at
    /// a past point.
    #[graphql(complexity = "crate::schema::page_cost(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn fund_rounds(
        &self,
        ctx: &Context<'_>,
        filter: Option<FundRoundFilter>,
        order: Option<SortOrder>,
        as_of: Option<AsOfInput>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<FundRoundConnection> {
        let filter = filter.unwrap_or_default();
        let args = ListArgs::new(ctx, order, first, after, last, before);
        with_model::<PreventionFund, _>(
            ctx,
            |m| &m.prevention_fund,
            as_of,
            |m| {
                let page = list(
                    m.model.rounds.values(),
                    |r| round_matches(r, &filter),
                    |r, order| time_key(r.opens_at, &r.round_id, order),
                    |r| FundRoundObject(r.clone()),
                    &args,
                )?;
                Ok(FundRoundConnection::new(page, m.checkpoint))
            },
        )
        .await
    }

    /// One funding round by its id (null if there is none, or none yet at `asOf`).
    async fn fund_round(
        &self,
        ctx: &Context<'_>,
        round_id: Uuid,
        as_of: Option<AsOfInput>,
    ) -> async_graphql::Result<Option<FundRoundObject>> {
        with_model::<PreventionFund, _>(
            ctx,
            |m| &m.prevention_fund,
            as_of,
            |m| Ok(m.model.round(&round_id.0).cloned().map(FundRoundObject)),
        )
        .await
    }

    /// Bids to the crime prevention fund, ordered by when they were submitted. `asOf`
    /// reads the model at a past point.
    #[graphql(complexity = "crate::schema::page_cost(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn prevention_bids(
        &self,
        ctx: &Context<'_>,
        filter: Option<PreventionBidFilter>,
        order: Option<SortOrder>,
        as_of: Option<AsOfInput>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<PreventionBidConnection> {
        crate::access::require_query(ctx, engage_access::QueryClass::LocalRecords)?;
        let filter = filter.unwrap_or_default();
        let args = ListArgs::new(ctx, order, first, after, last, before);
        with_model::<PreventionFund, _>(
            ctx,
            |m| &m.prevention_fund,
            as_of,
            |m| {
                let page = list(
                    m.model.bids.values(),
                    |b| bid_matches(b, &filter),
                    |b, order| time_key(b.submitted_at, &b.bid_id, order),
                    |b| PreventionBidObject(b.clone()),
                    &args,
                )?;
                Ok(PreventionBidConnection::new(page, m.checkpoint))
            },
        )
        .await
    }

    /// One bid by its id (null if there is none, or none yet at `asOf`).
    async fn prevention_bid(
        &self,
        ctx: &Context<'_>,
        bid_id: Uuid,
        as_of: Option<AsOfInput>,
    ) -> async_graphql::Result<Option<PreventionBidObject>> {
        crate::access::require_query(ctx, engage_access::QueryClass::LocalRecords)?;
        with_model::<PreventionFund, _>(
            ctx,
            |m| &m.prevention_fund,
            as_of,
            |m| Ok(m.model.bid(&bid_id.0).cloned().map(PreventionBidObject)),
        )
        .await
    }
}
