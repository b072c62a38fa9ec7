//! Stop-and-search community monitoring: each imported batch of records with the samples
//! the monitoring group reviewed and the concerns it raised with the police.

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use engage_domain::stop_search_monitoring::{
    ConcernCategory, ConcernResolution, GroundsAssessment, SampleMethod,
};
use engage_projections::models::StopSearchReviews;
use engage_projections::models::stop_search::{
    ConcernStatus, RecordReview, StopSearchBatch, StopSearchConcern, StopSearchSample,
};

use super::{
    AsOfInput, ListArgs, ProvenanceObject, SortOrder, connection, list, time_key, with_model,
};
use crate::schema::Uuid;

/// A count under a label (an ethnicity, an outcome).
#[derive(SimpleObject)]
pub struct LabelledCount {
    label: String,
    count: u32,
}

fn counts(map: &std::collections::BTreeMap<String, u32>) -> Vec<LabelledCount> {
    map.iter()
        .map(|(label, count)| LabelledCount {
            label: label.clone(),
            count: *count,
        })
        .collect()
}

/// The group's review of one sampled record.
#[derive(SimpleObject)]
#[graphql(name = "StopSearchRecordReview")]
pub struct RecordReviewObject {
    /// The record's reference in the batch.
    record_ref: String,
    reviewed_at: DateTime<Utc>,
    grounds: GroundsAssessment,
    body_worn_video_viewed: bool,
    body_worn_video_notes: Option<String>,
    outcome_notes: Option<String>,
}

impl From<&RecordReview> for RecordReviewObject {
    fn from(r: &RecordReview) -> Self {
        Self {
            record_ref: r.record_ref.clone(),
            reviewed_at: r.reviewed_at,
            grounds: r.grounds,
            body_worn_video_viewed: r.body_worn_video_viewed,
            body_worn_video_notes: r.body_worn_video_notes.clone(),
            outcome_notes: r.outcome_notes.clone(),
        }
    }
}

/// Records the group selected for review.
#[derive(SimpleObject)]
#[graphql(name = "StopSearchSample")]
pub struct SampleObject {
    sample_id: Uuid,
    method: SampleMethod,
    rationale: Option<String>,
    record_refs: Vec<String>,
    selected_at: DateTime<Utc>,
    reviews: Vec<RecordReviewObject>,
    /// Sampled records not reviewed yet.
    awaiting_review: Vec<String>,
}

impl From<&StopSearchSample> for SampleObject {
    fn from(s: &StopSearchSample) -> Self {
        Self {
            sample_id: Uuid(s.sample_id),
            method: s.method,
            rationale: s.rationale.clone(),
            record_refs: s.record_refs.clone(),
            selected_at: s.selected_at,
            reviews: s.reviews.iter().map(RecordReviewObject::from).collect(),
            awaiting_review: s.awaiting_review().cloned().collect(),
        }
    }
}

/// Where a concern raised with the police is.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "StopSearchConcernStatus")]
pub enum ConcernStatusEnum {
    Raised,
    Answered,
    Closed,
}

impl From<ConcernStatus> for ConcernStatusEnum {
    fn from(s: ConcernStatus) -> Self {
        match s {
            ConcernStatus::Raised => Self::Raised,
            ConcernStatus::Answered => Self::Answered,
            ConcernStatus::Closed => Self::Closed,
        }
    }
}

/// A concern the group raised with the police, the response and the closure.
#[derive(SimpleObject)]
#[graphql(name = "StopSearchConcern")]
pub struct ConcernObject {
    concern_id: Uuid,
    category: ConcernCategory,
    record_refs: Vec<String>,
    description: String,
    /// Who it was raised with (a role or unit).
    raised_with: String,
    raised_at: DateTime<Utc>,
    status: ConcernStatusEnum,
    response_received_at: Option<DateTime<Utc>>,
    responder: Option<String>,
    response_summary: Option<String>,
    actions_agreed: Vec<String>,
    /// Whole days from raising to the police response.
    days_to_respond: Option<i64>,
    closed_at: Option<DateTime<Utc>>,
    resolution: Option<ConcernResolution>,
    closing_note: Option<String>,
    /// Whole days from raising to closure.
    days_open: Option<i64>,
}

impl From<&StopSearchConcern> for ConcernObject {
    fn from(c: &StopSearchConcern) -> Self {
        let r = c.response.as_ref();
        Self {
            concern_id: Uuid(c.concern_id),
            category: c.category,
            record_refs: c.record_refs.clone(),
            description: c.description.clone(),
            raised_with: c.raised_with.clone(),
            raised_at: c.raised_at,
            status: c.status.into(),
            response_received_at: r.map(|r| r.received_at),
            responder: r.map(|r| r.responder.clone()),
            response_summary: r.map(|r| r.response_summary.clone()),
            actions_agreed: r.map(|r| r.actions_agreed.clone()).unwrap_or_default(),
            days_to_respond: r.map(|r| r.days_to_respond),
            closed_at: c.closed_at,
            resolution: c.resolution,
            closing_note: c.closing_note.clone(),
            days_open: c.days_open,
        }
    }
}

/// One imported batch of stop-and-search records (a borough's month, say) and its
/// community monitoring.
pub struct StopSearchBatchObject(pub(crate) StopSearchBatch);

#[Object(name = "StopSearchBatch")]
impl StopSearchBatchObject {
    /// Global id (`StopSearchBatch:<uuid>`).
    pub(crate) async fn id(&self) -> ID {
        ID(format!("StopSearchBatch:{}", self.0.batch_id))
    }
    async fn batch_id(&self) -> Uuid {
        Uuid(self.0.batch_id)
    }
    /// GSS code of the borough whose monitoring group reviews the batch.
    async fn borough(&self) -> &str {
        self.0.borough.as_str()
    }
    /// First day the records cover.
    async fn period_from(&self) -> NaiveDate {
        self.0.period.from
    }
    /// Last day the records cover (inclusive).
    async fn period_to(&self) -> NaiveDate {
        self.0.period.to
    }
    /// The publisher, e.g. `data.police.uk`.
    async fn source_publisher(&self) -> &str {
        &self.0.source.publisher
    }
    /// The force whose records these are.
    async fn source_force(&self) -> &str {
        &self.0.source.force
    }
    async fn source_file_name(&self) -> &str {
        &self.0.source.file_name
    }
    async fn records_read(&self) -> u32 {
        self.0.records_read
    }
    async fn records_accepted(&self) -> u32 {
        self.0.records_accepted
    }
    async fn records_rejected(&self) -> u32 {
        self.0.records_rejected
    }
    /// Accepted records by officer-defined ethnicity.
    async fn by_officer_defined_ethnicity(&self) -> Vec<LabelledCount> {
        counts(&self.0.by_officer_defined_ethnicity)
    }
    /// Accepted records by outcome.
    async fn by_outcome(&self) -> Vec<LabelledCount> {
        counts(&self.0.by_outcome)
    }
    async fn imported_at(&self) -> DateTime<Utc> {
        self.0.imported_at
    }
    async fn records_sampled(&self) -> u64 {
        self.0.records_sampled() as u64
    }
    async fn samples(&self) -> Vec<SampleObject> {
        self.0.samples.iter().map(SampleObject::from).collect()
    }
    /// Concerns raised about the batch's records, optionally only those in one state.
    async fn concerns(&self, status: Option<ConcernStatusEnum>) -> Vec<ConcernObject> {
        self.0
            .concerns
            .iter()
            .filter(|c| status.is_none_or(|s| ConcernStatusEnum::from(c.status) == s))
            .map(ConcernObject::from)
            .collect()
    }
    async fn provenance(&self) -> ProvenanceObject {
        ProvenanceObject::from(&self.0.provenance)
    }
}

/// Which stop-and-search batches to list.
#[derive(InputObject, Debug, Clone, Default)]
pub struct StopSearchBatchFilter {
    /// GSS code of the borough.
    pub borough: Option<String>,
    /// Batches whose period overlaps `[periodFrom, periodTo]` (days, inclusive).
    pub period_from: Option<NaiveDate>,
    pub period_to: Option<NaiveDate>,
    /// Only batches with a concern in this state.
    pub concern_status: Option<ConcernStatusEnum>,
    /// Only batches with (true) or without (false) any sample.
    pub sampled: Option<bool>,
}

connection!(
    StopSearchBatchConnection,
    StopSearchBatchEdge,
    StopSearchBatchObject,
    "stop-and-search batches",
    "batches"
);

fn matches(b: &StopSearchBatch, f: &StopSearchBatchFilter) -> bool {
    f.borough.as_deref().is_none_or(|x| b.borough.as_str() == x)
        && f.period_from.is_none_or(|d| b.period.to >= d)
        && f.period_to.is_none_or(|d| b.period.from <= d)
        && f.concern_status.is_none_or(|s| {
            b.concerns
                .iter()
                .any(|c| ConcernStatusEnum::from(c.status) == s)
        })
        && f.sampled.is_none_or(|s| b.samples.is_empty() != s)
}

#[derive(Default)]
pub struct StopSearchQuery;

#[Object]
impl StopSearchQuery {
    /// Stop-and-search batches under community monitoring, ordered by when they were
    /// imported. `asOf` reads the model at a past point.
    #[graphql(complexity = "crate::schema::page_cost(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn stop_search_batches(
        &self,
        ctx: &Context<'_>,
        filter: Option<StopSearchBatchFilter>,
        order: Option<SortOrder>,
        as_of: Option<AsOfInput>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<StopSearchBatchConnection> {
        crate::access::require_query(ctx, engage_access::QueryClass::LocalRecords)?;
        let filter = filter.unwrap_or_default();
        let args = ListArgs::new(ctx, order, first, after, last, before);
        with_model::<StopSearchReviews, _>(
            ctx,
            |m| &m.stop_search_reviews,
            as_of,
            |m| {
                let page = list(
                    m.model.by_id.values(),
                    |b| matches(b, &filter),
                    |b, order| time_key(b.imported_at, &b.batch_id, order),
                    |b| StopSearchBatchObject(b.clone()),
                    &args,
                )?;
                Ok(StopSearchBatchConnection::new(page, m.checkpoint))
            },
        )
        .await
    }

    /// One stop-and-search batch by its id (null if there is none, or none yet at
    /// `asOf`).
    async fn stop_search_batch(
        &self,
        ctx: &Context<'_>,
        batch_id: Uuid,
        as_of: Option<AsOfInput>,
    ) -> async_graphql::Result<Option<StopSearchBatchObject>> {
        crate::access::require_query(ctx, engage_access::QueryClass::LocalRecords)?;
        with_model::<StopSearchReviews, _>(
            ctx,
            |m| &m.stop_search_reviews,
            as_of,
            |m| Ok(m.model.get(&batch_id.0).cloned().map(StopSearchBatchObject)),
        )
        .await
    }
}
