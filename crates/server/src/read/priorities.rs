//! Policing priorities (borough-wide and ward) with their "you said, we did" timeline.

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use engage_domain::common::EvidenceRef;
use engage_projections::models::Priorities;
use engage_projections::models::priorities::{
    Priority, PriorityStatus, TimelineEntry, TimelineStep,
};

use super::{
    AsOfInput, ListArgs, ProvenanceObject, SortOrder, connection, list, time_key, wire_name,
    with_model,
};
use crate::schema::Uuid;

/// Where a priority is in its lifecycle.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "PriorityStatus")]
pub enum PriorityStatusEnum {
    Proposed,
    Set,
    Closed,
}

impl From<PriorityStatus> for PriorityStatusEnum {
    fn from(s: PriorityStatus) -> Self {
        match s {
            PriorityStatus::Proposed => Self::Proposed,
            PriorityStatus::Set => Self::Set,
            PriorityStatus::Closed => Self::Closed,
        }
    }
}

/// A kind of step in a priority's history.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "PriorityTimelineStep")]
pub enum TimelineStepEnum {
    Proposed,
    Set,
    ProgressReported,
    Reviewed,
    Closed,
    FeedbackPublished,
}

impl From<TimelineStep> for TimelineStepEnum {
    fn from(s: TimelineStep) -> Self {
        match s {
            TimelineStep::Proposed => Self::Proposed,
            TimelineStep::Set => Self::Set,
            TimelineStep::ProgressReported => Self::ProgressReported,
            TimelineStep::Reviewed => Self::Reviewed,
            TimelineStep::Closed => Self::Closed,
            TimelineStep::FeedbackPublished => Self::FeedbackPublished,
        }
    }
}

/// A piece of evidence a decision rests on.
#[derive(SimpleObject)]
#[graphql(name = "Evidence")]
pub struct EvidenceObject {
    /// The kind of evidence (the catalogue's `EvidenceKind`, in snake_case).
    kind: String,
    /// A URL, document id or file reference.
    reference: String,
    description: Option<String>,
}

pub(crate) fn evidence(list: &[EvidenceRef]) -> Vec<EvidenceObject> {
    list.iter()
        .map(|e| EvidenceObject {
            kind: wire_name(&e.kind),
            reference: e.reference.clone(),
            description: e.description.clone(),
        })
        .collect()
}

/// One step of a priority's history: what was said and what was done, when, by whom.
#[derive(SimpleObject)]
#[graphql(name = "PriorityTimelineEntry")]
pub struct TimelineEntryObject {
    step: TimelineStepEnum,
    /// When it happened in the world.
    at: DateTime<Utc>,
    /// What the community said (the "you said" of published feedback).
    said: Option<String>,
    /// What was done (the "we did").
    done: Option<String>,
    /// Who reported or decided it.
    by: Option<String>,
    /// A progress rating, on reports and reviews.
    rating: Option<String>,
    /// The outcome, on closure.
    outcome: Option<String>,
    review_due: Option<NaiveDate>,
    meeting_id: Option<Uuid>,
    evidence: Vec<EvidenceObject>,
    feedback_id: Option<Uuid>,
    /// How feedback was published.
    channel: Option<String>,
    url: Option<String>,
    /// The log position of the event that recorded the step.
    position: u64,
}

impl From<&TimelineEntry> for TimelineEntryObject {
    fn from(t: &TimelineEntry) -> Self {
        Self {
            step: t.step.into(),
            at: t.at,
            said: t.said.clone(),
            done: t.done.clone(),
            by: t.by.clone(),
            rating: t.rating.as_ref().map(wire_name),
            outcome: t.outcome.as_ref().map(wire_name),
            review_due: t.review_due,
            meeting_id: t.meeting_id.map(Uuid),
            evidence: evidence(&t.evidence),
            feedback_id: t.feedback_id.map(Uuid),
            channel: t.channel.as_ref().map(wire_name),
            url: t.url.clone(),
            position: t.position,
        }
    }
}

/// A borough-wide or ward policing priority.
pub struct PriorityObject(pub(crate) Priority);

/// Whether the caller may see `p`: published (set or closed) priorities are public;
/// proposals only in the caller's scope (see `docs/access.md`).
pub(crate) fn visible(who: &crate::identity::Identity, p: &Priority) -> bool {
    crate::access::may_see_as(
        who,
        engage_access::QueryClass::Priorities,
        Some(p.borough.as_str()),
        p.ward.as_ref().map(|w| w.as_str()),
        p.status != PriorityStatus::Proposed,
    )
}

#[Object(name = "Priority")]
impl PriorityObject {
    /// Global id (`Priority:<uuid>`).
    pub(crate) async fn id(&self) -> ID {
        ID(format!("Priority:{}", self.0.priority_id))
    }
    async fn priority_id(&self) -> Uuid {
        Uuid(self.0.priority_id)
    }
    /// GSS code of the borough.
    async fn borough(&self) -> &str {
        self.0.borough.as_str()
    }
    /// The ward, for a ward priority; null for a borough-wide one.
    async fn ward(&self) -> Option<&str> {
        self.0.ward.as_ref().map(|w| w.as_str())
    }
    async fn title(&self) -> &str {
        &self.0.title
    }
    async fn description(&self) -> &str {
        &self.0.description
    }
    /// Where the priority came from (the catalogue's `PrioritySource`, in snake_case).
    async fn source(&self) -> String {
        wire_name(&self.0.source)
    }
    async fn proposed_at(&self) -> DateTime<Utc> {
        self.0.proposed_at
    }
    async fn proposal_meeting_id(&self) -> Option<Uuid> {
        self.0.proposal_meeting_id.map(Uuid)
    }
    async fn proposal_evidence(&self) -> Vec<EvidenceObject> {
        evidence(&self.0.proposal_evidence)
    }
    async fn status(&self) -> PriorityStatusEnum {
        self.0.status.into()
    }
    async fn set_at(&self) -> Option<DateTime<Utc>> {
        self.0.setting.as_ref().map(|s| s.set_at)
    }
    /// How success will be judged, as agreed when it was set.
    async fn success_measure(&self) -> Option<&str> {
        self.0.setting.as_ref().map(|s| s.success_measure.as_str())
    }
    async fn decided_by(&self) -> Option<&str> {
        self.0.setting.as_ref().map(|s| s.decided_by.as_str())
    }
    async fn closed_at(&self) -> Option<DateTime<Utc>> {
        self.0.closure.as_ref().map(|c| c.closed_at)
    }
    /// The outcome once closed (the catalogue's `PriorityOutcome`, in snake_case).
    async fn outcome(&self) -> Option<String> {
        self.0.closure.as_ref().map(|c| wire_name(&c.outcome))
    }
    async fn superseded_by(&self) -> Option<Uuid> {
        self.0
            .closure
            .as_ref()
            .and_then(|c| c.superseded_by)
            .map(Uuid)
    }
    async fn progress_reports(&self) -> u32 {
        self.0.progress_reports
    }
    async fn reviews(&self) -> u32 {
        self.0.reviews
    }
    async fn feedback_published(&self) -> u32 {
        self.0.feedback_published
    }
    /// The most recent rating (by world time), from a progress report or a review.
    async fn latest_rating(&self) -> Option<String> {
        self.0.latest_rating.as_ref().map(wire_name)
    }
    /// The review date in force; none once closed.
    async fn next_review_due(&self) -> Option<NaiveDate> {
        self.0.next_review_due
    }
    /// Whole days from proposal to being set.
    async fn days_to_set(&self) -> Option<i64> {
        self.0.days_to_set
    }
    /// Whole days from proposal to closure.
    async fn days_to_close(&self) -> Option<i64> {
        self.0.days_to_close
    }
    /// Every step ("you said, we did"), ordered by when it happened (ties in log order).
    async fn timeline(&self) -> Vec<TimelineEntryObject> {
        self.0
            .timeline
            .iter()
            .map(TimelineEntryObject::from)
            .collect()
    }
    async fn provenance(&self) -> ProvenanceObject {
        ProvenanceObject::from(&self.0.provenance)
    }
}

/// Which priorities to list.
#[derive(InputObject, Debug, Clone, Default)]
pub struct PriorityFilter {
    /// GSS code of the borough.
    pub borough: Option<String>,
    /// Only this ward's priorities.
    pub ward: Option<String>,
    /// Only borough-wide priorities (true) or only ward ones (false).
    pub borough_wide: Option<bool>,
    pub status: Option<PriorityStatusEnum>,
    /// Proposed at or after.
    pub proposed_from: Option<DateTime<Utc>>,
    /// Proposed before.
    pub proposed_before: Option<DateTime<Utc>>,
}

fn matches(p: &Priority, f: &PriorityFilter) -> bool {
    f.borough.as_deref().is_none_or(|b| p.borough.as_str() == b)
        && f.ward
            .as_deref()
            .is_none_or(|w| p.ward.as_ref().is_some_and(|x| x.as_str() == w))
        && f.borough_wide.is_none_or(|bw| p.ward.is_none() == bw)
        && f.status
            .is_none_or(|s| PriorityStatusEnum::from(p.status) == s)
        && f.proposed_from.is_none_or(|t| p.proposed_at >= t)
        && f.proposed_before.is_none_or(|t| p.proposed_at < t)
}

connection!(
    PriorityConnection,
    PriorityEdge,
    PriorityObject,
    "priorities",
    "priorities"
);

#[derive(Default)]
pub struct PriorityQuery;

#[Object]
impl PriorityQuery {
    /// Policing priorities, with filters, ordered by when they were proposed. `asOf` reads
    /// the model at a past point.
    #[graphql(complexity = "crate::schema::page_cost(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn priorities(
        &self,
        ctx: &Context<'_>,
        filter: Option<PriorityFilter>,
        order: Option<SortOrder>,
        as_of: Option<AsOfInput>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<PriorityConnection> {
        let filter = filter.unwrap_or_default();
        let args = ListArgs::new(ctx, order, first, after, last, before);
        with_model::<Priorities, _>(
            ctx,
            |m| &m.priorities,
            as_of,
            |m| {
                let page = list(
                    m.model.by_id.values(),
                    |p| {
                        matches(p, &filter)
                            && crate::access::identity(ctx).is_ok_and(|who| visible(who, p))
                    },
                    |p, order| time_key(p.proposed_at, &p.priority_id, order),
                    |p| PriorityObject(p.clone()),
                    &args,
                )?;
                Ok(PriorityConnection::new(page, m.checkpoint))
            },
        )
        .await
    }

    /// One priority by its id (null if there is none, or none yet at `asOf`).
    async fn priority(
        &self,
        ctx: &Context<'_>,
        priority_id: Uuid,
        as_of: Option<AsOfInput>,
    ) -> async_graphql::Result<Option<PriorityObject>> {
        with_model::<Priorities, _>(
            ctx,
            |m| &m.priorities,
            as_of,
            |m| {
                Ok(m.model
                    .get(&priority_id.0)
                    .filter(|p| crate::access::identity(ctx).is_ok_and(|who| visible(who, p)))
                    .cloned()
                    .map(PriorityObject))
            },
        )
        .await
    }
}
