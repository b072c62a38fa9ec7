//! Independent custody visits: the visit, every detainee offered a visit (consent and what
//! was checked, never who they are) and every issue raised with custody staff.

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use engage_projections::models::CustodyVisits;
use engage_projections::models::custody_visits::{
    CustodyVisit, DetaineeEncounter, EscalatedTo, IssueStatus, VisitIssue, VisitStatus,
};

use super::{
    AsOfInput, ListArgs, ProvenanceObject, SortOrder, connection, list, time_key, wire_name,
    with_model,
};
use crate::schema::Uuid;

/// Whether a visit's report is still open.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "CustodyVisitStatus")]
pub enum VisitStatusEnum {
    /// Logged; the report is not yet complete.
    Logged,
    /// The visit report is complete.
    Closed,
}

impl From<VisitStatus> for VisitStatusEnum {
    fn from(s: VisitStatus) -> Self {
        match s {
            VisitStatus::Logged => Self::Logged,
            VisitStatus::Closed => Self::Closed,
        }
    }
}

/// Where an issue raised with custody staff is.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "CustodyIssueStatus")]
pub enum IssueStatusEnum {
    /// Raised with the custody staff on duty, not yet escalated or resolved.
    Open,
    /// Escalated beyond the custody staff, not yet resolved.
    Escalated,
    Resolved,
}

impl From<IssueStatus> for IssueStatusEnum {
    fn from(s: IssueStatus) -> Self {
        match s {
            IssueStatus::Open => Self::Open,
            IssueStatus::Escalated => Self::Escalated,
            IssueStatus::Resolved => Self::Resolved,
        }
    }
}

/// One area checked with a detainee, and whether it was satisfactory.
#[derive(SimpleObject)]
#[graphql(name = "CustodyCheck")]
pub struct CheckObject {
    /// The area checked (the catalogue's `CheckArea`, in snake_case).
    area: String,
    satisfactory: bool,
}

/// A detainee offered a visit. Who they are (their custody record) stays in the log.
#[derive(SimpleObject)]
#[graphql(name = "DetaineeEncounter")]
pub struct EncounterObject {
    encounter_id: Uuid,
    encountered_at: DateTime<Utc>,
    /// Whether they consented to the visit (the catalogue's `Consent`, in snake_case).
    consent: String,
    /// What was checked (empty when consent was declined).
    checks: Vec<CheckObject>,
    unsatisfactory_checks: u32,
    /// What the visitors observed (recorded without names).
    observations: Option<String>,
}

impl From<&DetaineeEncounter> for EncounterObject {
    fn from(e: &DetaineeEncounter) -> Self {
        Self {
            encounter_id: Uuid(e.encounter_id),
            encountered_at: e.encountered_at,
            consent: wire_name(&e.consent),
            checks: e
                .checks
                .iter()
                .map(|c| CheckObject {
                    area: wire_name(&c.area),
                    satisfactory: c.satisfactory,
                })
                .collect(),
            unsatisfactory_checks: e.unsatisfactory_checks,
            observations: e.observations.clone(),
        }
    }
}

/// An escalation of an issue beyond the custody staff.
#[derive(SimpleObject)]
#[graphql(name = "CustodyIssueEscalation")]
pub struct EscalationObject {
    /// `custody_inspector`, `met_detention`, `borough_commander`, `mopac_scheme`,
    /// `panel_meeting` or `other`.
    escalated_to: String,
    /// Who, when `escalatedTo` is `other`.
    escalated_to_name: Option<String>,
    escalated_at: DateTime<Utc>,
    note: Option<String>,
}

fn escalated_to(t: &EscalatedTo) -> (String, Option<String>) {
    let kind = match t {
        EscalatedTo::CustodyInspector => "custody_inspector",
        EscalatedTo::MetDetention => "met_detention",
        EscalatedTo::BoroughCommander => "borough_commander",
        EscalatedTo::MopacScheme => "mopac_scheme",
        EscalatedTo::PanelMeeting => "panel_meeting",
        EscalatedTo::Other(name) => return ("other".to_owned(), Some(name.clone())),
    };
    (kind.to_owned(), None)
}

/// An issue raised with custody staff on a visit.
#[derive(SimpleObject)]
#[graphql(name = "CustodyIssue")]
pub struct IssueObject {
    issue_id: Uuid,
    /// The encounter it arose from, if any.
    encounter_id: Option<Uuid>,
    /// The catalogue's `IssueCategory`, in snake_case.
    category: String,
    description: String,
    /// Who on the custody staff it was raised with.
    raised_with: String,
    raised_at: DateTime<Utc>,
    status: IssueStatusEnum,
    /// In the order they were made.
    escalations: Vec<EscalationObject>,
    resolved_at: Option<DateTime<Utc>>,
    /// The catalogue's `IssueOutcome`, in snake_case.
    outcome: Option<String>,
    outcome_summary: Option<String>,
    /// Whole days from raising to resolution.
    days_to_resolve: Option<i64>,
}

impl From<&VisitIssue> for IssueObject {
    fn from(i: &VisitIssue) -> Self {
        Self {
            issue_id: Uuid(i.issue_id),
            encounter_id: i.encounter_id.map(Uuid),
            category: wire_name(&i.category),
            description: i.description.clone(),
            raised_with: i.raised_with.clone(),
            raised_at: i.raised_at,
            status: i.status.into(),
            escalations: i
                .escalations
                .iter()
                .map(|e| {
                    let (to, name) = escalated_to(&e.escalated_to);
                    EscalationObject {
                        escalated_to: to,
                        escalated_to_name: name,
                        escalated_at: e.escalated_at,
                        note: e.note.clone(),
                    }
                })
                .collect(),
            resolved_at: i.resolved_at,
            outcome: i.outcome.as_ref().map(wire_name),
            outcome_summary: i.outcome_summary.clone(),
            days_to_resolve: i.days_to_resolve,
        }
    }
}

/// One independent custody visit.
pub struct CustodyVisitObject(pub(crate) CustodyVisit);

/// Whether the caller may see the visit `v` (custody visitors: their boroughs).
pub(crate) fn visible(who: &crate::identity::Identity, v: &CustodyVisit) -> bool {
    crate::access::may_see_as(
        who,
        engage_access::QueryClass::CustodyVisits,
        Some(v.borough.as_str()),
        None,
        false,
    )
}

#[Object(name = "CustodyVisit")]
impl CustodyVisitObject {
    /// Global id (`CustodyVisit:<uuid>`).
    pub(crate) async fn id(&self) -> ID {
        ID(format!("CustodyVisit:{}", self.0.visit_id))
    }
    async fn visit_id(&self) -> Uuid {
        Uuid(self.0.visit_id)
    }
    /// The custody suite's id in the reference data.
    async fn suite(&self) -> &str {
        &self.0.suite
    }
    /// GSS code of the borough.
    async fn borough(&self) -> &str {
        self.0.borough.as_str()
    }
    /// The independent custody visitors (volunteer ids).
    async fn visitors(&self) -> Vec<Uuid> {
        self.0.visitors.iter().copied().map(Uuid).collect()
    }
    async fn arrived_at(&self) -> DateTime<Utc> {
        self.0.arrived_at
    }
    async fn left_at(&self) -> DateTime<Utc> {
        self.0.left_at
    }
    /// Whole minutes from arrival to leaving.
    async fn minutes_on_site(&self) -> i64 {
        self.0.minutes_on_site
    }
    /// Minutes the visitors were kept waiting before being admitted.
    async fn access_delay_minutes(&self) -> u32 {
        self.0.access_delay_minutes
    }
    /// Detainees held when the visitors arrived.
    async fn detainees_held(&self) -> u32 {
        self.0.detainees_held
    }
    /// Detainees offered a visit.
    async fn detainees_offered(&self) -> u32 {
        self.0.detainees_offered
    }
    /// Detainees who consented and were seen.
    async fn detainees_seen(&self) -> u32 {
        self.0.detainees_seen
    }
    async fn encounters(&self) -> Vec<EncounterObject> {
        self.0
            .encounters
            .iter()
            .map(EncounterObject::from)
            .collect()
    }
    async fn issues(&self) -> Vec<IssueObject> {
        self.0.issues.iter().map(IssueObject::from).collect()
    }
    async fn status(&self) -> VisitStatusEnum {
        self.0.status.into()
    }
    /// When the visit report was completed.
    async fn closed_at(&self) -> Option<DateTime<Utc>> {
        self.0.closed_at
    }
    async fn provenance(&self) -> ProvenanceObject {
        ProvenanceObject::from(&self.0.provenance)
    }
}

/// Which custody visits to list.
#[derive(InputObject, Debug, Clone, Default)]
pub struct CustodyVisitFilter {
    /// GSS code of the borough.
    pub borough: Option<String>,
    /// The custody suite's id.
    pub suite: Option<String>,
    pub status: Option<VisitStatusEnum>,
    /// Only visits with an issue in this state.
    pub issue_status: Option<IssueStatusEnum>,
    /// Arrived at or after.
    pub arrived_from: Option<DateTime<Utc>>,
    /// Arrived before.
    pub arrived_before: Option<DateTime<Utc>>,
}

fn matches(v: &CustodyVisit, f: &CustodyVisitFilter) -> bool {
    f.borough.as_deref().is_none_or(|b| v.borough.as_str() == b)
        && f.suite.as_deref().is_none_or(|s| v.suite == s)
        && f.status
            .is_none_or(|s| VisitStatusEnum::from(v.status) == s)
        && f.issue_status.is_none_or(|s| {
            v.issues
                .iter()
                .any(|i| IssueStatusEnum::from(i.status) == s)
        })
        && f.arrived_from.is_none_or(|t| v.arrived_at >= t)
        && f.arrived_before.is_none_or(|t| v.arrived_at < t)
}

connection!(
    CustodyVisitConnection,
    CustodyVisitEdge,
    CustodyVisitObject,
    "custody visits",
    "visits"
);

#[derive(Default)]
pub struct CustodyVisitQuery;

#[Object]
impl CustodyVisitQuery {
    /// Independent custody visits, with filters, ordered by arrival. `asOf` reads the
    /// model at a past point.
    #[graphql(complexity = "crate::schema::page_cost(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn custody_visits(
        &self,
        ctx: &Context<'_>,
        filter: Option<CustodyVisitFilter>,
        order: Option<SortOrder>,
        as_of: Option<AsOfInput>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<CustodyVisitConnection> {
        crate::access::require_query(ctx, engage_access::QueryClass::CustodyVisits)?;
        let filter = filter.unwrap_or_default();
        let args = ListArgs::new(ctx, order, first, after, last, before);
        with_model::<CustodyVisits, _>(
            ctx,
            |m| &m.custody_visits,
            as_of,
            |m| {
                let page = list(
                    m.model.by_id.values(),
                    |v| {
                        matches(v, &filter)
                            && crate::access::identity(ctx).is_ok_and(|who| visible(who, v))
                    },
                    |v, order| time_key(v.arrived_at, &v.visit_id, order),
                    |v| CustodyVisitObject(v.clone()),
                    &args,
                )?;
                Ok(CustodyVisitConnection::new(page, m.checkpoint))
            },
        )
        .await
    }

    /// One custody visit by its id (null if there is none, or none yet at `asOf`).
    async fn custody_visit(
        &self,
        ctx: &Context<'_>,
        visit_id: Uuid,
        as_of: Option<AsOfInput>,
    ) -> async_graphql::Result<Option<CustodyVisitObject>> {
        crate::access::require_query(ctx, engage_access::QueryClass::CustodyVisits)?;
        with_model::<CustodyVisits, _>(
            ctx,
            |m| &m.custody_visits,
            as_of,
            |m| {
                Ok(m.model
                    .get(&visit_id.0)
                    .filter(|v| crate::access::identity(ctx).is_ok_and(|who| visible(who, v)))
                    .cloned()
                    .map(CustodyVisitObject))
            },
        )
        .await
    }
}
