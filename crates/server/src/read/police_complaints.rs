//! Complaints against the police that a board monitors: the case, its allegations and their
//! outcomes, the handling route and its history, and the learning recorded.

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use engage_projections::models::PoliceComplaintCases;
use engage_projections::models::police_complaints::{CaseStatus, PoliceComplaintCase};

use super::{
    AsOfInput, ListArgs, ProvenanceObject, SortOrder, connection, day_key, list, wire_name,
    with_model,
};
use crate::schema::Uuid;

/// Where a monitored case is.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "PoliceComplaintCaseStatus")]
pub enum CaseStatusEnum {
    /// Noted; no handling route recorded yet.
    Noted,
    /// The police are handling it by a recorded route; outcomes outstanding.
    BeingHandled,
    /// Every allegation has an outcome; the board has not closed the case.
    OutcomesRecorded,
    Closed,
}

impl From<CaseStatus> for CaseStatusEnum {
    fn from(s: CaseStatus) -> Self {
        match s {
            CaseStatus::Noted => Self::Noted,
            CaseStatus::BeingHandled => Self::BeingHandled,
            CaseStatus::OutcomesRecorded => Self::OutcomesRecorded,
            CaseStatus::Closed => Self::Closed,
        }
    }
}

/// One allegation of a case, and its outcome once decided.
#[derive(SimpleObject)]
#[graphql(name = "PoliceComplaintAllegation")]
pub struct AllegationObject {
    allegation_id: Uuid,
    /// The catalogue's `AllegationCategory`, in snake_case.
    category: String,
    description: String,
    officers_involved: u32,
    /// The catalogue's `AllegationOutcome`, in snake_case, once decided.
    outcome: Option<String>,
    outcome_decided_on: Option<NaiveDate>,
    outcome_summary: Option<String>,
    /// Whole days from receipt to the outcome.
    outcome_days_from_receipt: Option<i64>,
}

/// A decision on how the case is handled.
#[derive(SimpleObject)]
#[graphql(name = "PoliceComplaintRouteDecision")]
pub struct RouteDecisionObject {
    /// The catalogue's `HandlingRoute`, in snake_case.
    route: String,
    decided_on: NaiveDate,
    previous_route: Option<String>,
    rationale: Option<String>,
}

/// Learning the police recorded from the case.
#[derive(SimpleObject)]
#[graphql(name = "PoliceComplaintLearning")]
pub struct LearningObject {
    learning_id: Uuid,
    /// The catalogue's `LearningKind`, in snake_case.
    kind: String,
    learning: String,
    recorded_on: NaiveDate,
}

/// A complaint against the police that the board monitors. The complainant appears only by
/// their data subject id.
pub struct PoliceComplaintCaseObject(pub(crate) PoliceComplaintCase);

/// Whether the caller may see the case `c` (board roles: their boroughs).
pub(crate) fn visible(who: &crate::identity::Identity, c: &PoliceComplaintCase) -> bool {
    crate::access::may_see_as(
        who,
        engage_access::QueryClass::PoliceComplaintCases,
        Some(c.borough.as_str()),
        None,
        false,
    )
}

#[Object(name = "PoliceComplaintCase")]
impl PoliceComplaintCaseObject {
    /// Global id (`PoliceComplaintCase:<uuid>`).
    pub(crate) async fn id(&self) -> ID {
        ID(format!("PoliceComplaintCase:{}", self.0.case_id))
    }
    async fn case_id(&self) -> Uuid {
        Uuid(self.0.case_id)
    }
    /// GSS code of the borough.
    async fn borough(&self) -> &str {
        self.0.borough.as_str()
    }
    /// The police (or IOPC) complaint reference.
    async fn reference(&self) -> &str {
        &self.0.reference
    }
    /// When the police received the complaint.
    async fn received_on(&self) -> NaiveDate {
        self.0.received_on
    }
    /// When the board noted it.
    async fn noted_at(&self) -> DateTime<Utc> {
        self.0.noted_at
    }
    /// What the complaint is about (recorded without names).
    async fn summary(&self) -> &str {
        &self.0.summary
    }
    /// The complainant, when the board holds their details.
    async fn complainant_data_subject_id(&self) -> Option<Uuid> {
        self.0.complainant_data_subject_id.map(Uuid)
    }
    async fn status(&self) -> CaseStatusEnum {
        self.0.status.into()
    }
    async fn allegations(&self) -> Vec<AllegationObject> {
        self.0
            .allegations
            .iter()
            .map(|a| AllegationObject {
                allegation_id: Uuid(a.allegation_id),
                category: wire_name(&a.category),
                description: a.description.clone(),
                officers_involved: a.officers_involved,
                outcome: a.outcome.as_ref().map(|o| wire_name(&o.outcome)),
                outcome_decided_on: a.outcome.as_ref().map(|o| o.decided_on),
                outcome_summary: a.outcome.as_ref().map(|o| o.summary.clone()),
                outcome_days_from_receipt: a.outcome.as_ref().map(|o| o.days_from_receipt),
            })
            .collect()
    }
    /// The current handling route (the catalogue's `HandlingRoute`, in snake_case).
    async fn route(&self) -> Option<String> {
        self.0.route.as_ref().map(wire_name)
    }
    /// Every route decision, in order.
    async fn route_history(&self) -> Vec<RouteDecisionObject> {
        self.0
            .route_history
            .iter()
            .map(|r| RouteDecisionObject {
                route: wire_name(&r.route),
                decided_on: r.decided_on,
                previous_route: r.previous_route.as_ref().map(wire_name),
                rationale: r.rationale.clone(),
            })
            .collect()
    }
    async fn learning(&self) -> Vec<LearningObject> {
        self.0
            .learning
            .iter()
            .map(|l| LearningObject {
                learning_id: Uuid(l.learning_id),
                kind: wire_name(&l.kind),
                learning: l.learning.clone(),
                recorded_on: l.recorded_on,
            })
            .collect()
    }
    async fn closed_on(&self) -> Option<NaiveDate> {
        self.0.closed_on
    }
    /// Whole days from receipt to closure.
    async fn days_open(&self) -> Option<i64> {
        self.0.days_open
    }
    async fn board_comment(&self) -> Option<&str> {
        self.0.board_comment.as_deref()
    }
    async fn provenance(&self) -> ProvenanceObject {
        ProvenanceObject::from(&self.0.provenance)
    }
}

/// Which police complaint cases to list.
#[derive(InputObject, Debug, Clone, Default)]
pub struct PoliceComplaintCaseFilter {
    /// GSS code of the borough.
    pub borough: Option<String>,
    pub status: Option<CaseStatusEnum>,
    /// Received by the police on or after.
    pub received_from: Option<NaiveDate>,
    /// Received by the police before.
    pub received_before: Option<NaiveDate>,
}

fn matches(c: &PoliceComplaintCase, f: &PoliceComplaintCaseFilter) -> bool {
    f.borough.as_deref().is_none_or(|b| c.borough.as_str() == b)
        && f.status.is_none_or(|s| CaseStatusEnum::from(c.status) == s)
        && f.received_from.is_none_or(|d| c.received_on >= d)
        && f.received_before.is_none_or(|d| c.received_on < d)
}

connection!(
    PoliceComplaintCaseConnection,
    PoliceComplaintCaseEdge,
    PoliceComplaintCaseObject,
    "police complaint cases",
    "cases"
);

#[derive(Default)]
pub struct PoliceComplaintCaseQuery;

#[Object]
impl PoliceComplaintCaseQuery {
    /// Complaints against the police that the boards monitor, with filters, ordered by the
    /// day the police received them. `asOf` reads the model at a past point.
    #[graphql(complexity = "crate::schema::page_cost(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn police_complaint_cases(
        &self,
        ctx: &Context<'_>,
        filter: Option<PoliceComplaintCaseFilter>,
        order: Option<SortOrder>,
        as_of: Option<AsOfInput>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<PoliceComplaintCaseConnection> {
        crate::access::require_query(ctx, engage_access::QueryClass::PoliceComplaintCases)?;
        let filter = filter.unwrap_or_default();
        let args = ListArgs::new(ctx, order, first, after, last, before);
        with_model::<PoliceComplaintCases, _>(
            ctx,
            |m| &m.police_complaint_cases,
            as_of,
            |m| {
                let page = list(
                    m.model.by_id.values(),
                    |c| {
                        matches(c, &filter)
                            && crate::access::identity(ctx).is_ok_and(|who| visible(who, c))
                    },
                    |c, order| day_key(c.received_on, &c.case_id, order),
                    |c| PoliceComplaintCaseObject(c.clone()),
                    &args,
                )?;
                Ok(PoliceComplaintCaseConnection::new(page, m.checkpoint))
            },
        )
        .await
    }

    /// One police complaint case by its id (null if there is none, or none yet at `asOf`).
    async fn police_complaint_case(
        &self,
        ctx: &Context<'_>,
        case_id: Uuid,
        as_of: Option<AsOfInput>,
    ) -> async_graphql::Result<Option<PoliceComplaintCaseObject>> {
        crate::access::require_query(ctx, engage_access::QueryClass::PoliceComplaintCases)?;
        with_model::<PoliceComplaintCases, _>(
            ctx,
            |m| &m.police_complaint_cases,
            as_of,
            |m| {
                Ok(m.model
                    .get(&case_id.0)
                    .filter(|c| crate::access::identity(ctx).is_ok_and(|who| visible(who, c)))
                    .cloned()
                    .map(PoliceComplaintCaseObject))
            },
        )
        .await
    }
}
