//! Community oversight: Community Payback projects the public nominated, Independent
//! Advisory Groups the boards oversee (observations and advice), and Neighbourhood Watch
//! schemes with the support they were given.

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use chrono::NaiveDate;
use engage_domain::community_payback::NominatedBy;
use engage_domain::neighbourhood_watch::SupportKind;
use engage_projections::models::CommunityOversight;
use engage_projections::models::community::{
    IagAdvice, IagObservation, OverseenIag, PaybackProject, PaybackStatus, WatchScheme,
    WatchSupport,
};

use super::{
    AsOfInput, ListArgs, ProvenanceObject, SortOrder, connection, day_key, list, with_model,
};
use crate::schema::Uuid;

/// Where a Community Payback nomination is.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "PaybackStatus")]
pub enum PaybackStatusEnum {
    Nominated,
    Selected,
    Declined,
    Completed,
}

impl From<PaybackStatus> for PaybackStatusEnum {
    fn from(s: PaybackStatus) -> Self {
        match s {
            PaybackStatus::Nominated => Self::Nominated,
            PaybackStatus::Selected => Self::Selected,
            PaybackStatus::Declined => Self::Declined,
            PaybackStatus::Completed => Self::Completed,
        }
    }
}

/// A Community Payback project nominated by the public or a board.
pub struct PaybackProjectObject(pub(crate) PaybackProject);

#[Object(name = "PaybackProject")]
impl PaybackProjectObject {
    /// Global id (`PaybackProject:<uuid>`).
    pub(crate) async fn id(&self) -> ID {
        ID(format!("PaybackProject:{}", self.0.project_id))
    }
    async fn project_id(&self) -> Uuid {
        Uuid(self.0.project_id)
    }
    /// GSS code of the borough.
    async fn borough(&self) -> &str {
        self.0.borough.as_str()
    }
    async fn ward(&self) -> Option<&str> {
        self.0.ward.as_ref().map(|w| w.as_str())
    }
    async fn title(&self) -> &str {
        &self.0.title
    }
    async fn description(&self) -> &str {
        &self.0.description
    }
    async fn nominated_by(&self) -> NominatedBy {
        self.0.nominated_by
    }
    async fn nominated_on(&self) -> NaiveDate {
        self.0.nominated_on
    }
    async fn status(&self) -> PaybackStatusEnum {
        self.0.status.into()
    }
    async fn selected_on(&self) -> Option<NaiveDate> {
        self.0.selected_on
    }
    /// The probation provider running it.
    async fn provider(&self) -> Option<&str> {
        self.0.provider.as_deref()
    }
    async fn planned_hours(&self) -> Option<u32> {
        self.0.planned_hours
    }
    async fn declined_on(&self) -> Option<NaiveDate> {
        self.0.declined_on
    }
    async fn decline_reason(&self) -> Option<&str> {
        self.0.decline_reason.as_deref()
    }
    async fn completed_on(&self) -> Option<NaiveDate> {
        self.0.completed_on
    }
    async fn hours_worked(&self) -> Option<u32> {
        self.0.hours_worked
    }
    async fn outcome_summary(&self) -> Option<&str> {
        self.0.outcome_summary.as_deref()
    }
    /// Whole days from nomination to selection or decline.
    async fn days_to_decision(&self) -> Option<i64> {
        self.0.days_to_decision
    }
    /// Whole days from selection to completion.
    async fn days_to_complete(&self) -> Option<i64> {
        self.0.days_to_complete
    }
    async fn provenance(&self) -> ProvenanceObject {
        ProvenanceObject::from(&self.0.provenance)
    }
}

/// A board member's observation of an IAG meeting.
#[derive(SimpleObject)]
#[graphql(name = "IagObservation")]
pub struct IagObservationObject {
    meeting_id: Uuid,
    held_on: NaiveDate,
    /// Board member ids of the observers.
    observed_by: Vec<Uuid>,
    members_present: u32,
    police_attended: bool,
    observations: String,
    /// The log position of the event that recorded it.
    position: u64,
}

impl From<&IagObservation> for IagObservationObject {
    fn from(o: &IagObservation) -> Self {
        Self {
            meeting_id: Uuid(o.meeting_id),
            held_on: o.held_on,
            observed_by: o.observed_by.iter().copied().map(Uuid).collect(),
            members_present: o.members_present,
            police_attended: o.police_attended,
            observations: o.observations.clone(),
            position: o.position,
        }
    }
}

/// Advice an IAG gave the police.
#[derive(SimpleObject)]
#[graphql(name = "IagAdvice")]
pub struct IagAdviceObject {
    advice_id: Uuid,
    meeting_id: Option<Uuid>,
    given_on: NaiveDate,
    /// Who received it (a unit or role).
    given_to: String,
    topic: String,
    advice: String,
    /// The log position of the event that recorded it.
    position: u64,
}

impl From<&IagAdvice> for IagAdviceObject {
    fn from(a: &IagAdvice) -> Self {
        Self {
            advice_id: Uuid(a.advice_id),
            meeting_id: a.meeting_id.map(Uuid),
            given_on: a.given_on,
            given_to: a.given_to.clone(),
            topic: a.topic.clone(),
            advice: a.advice.clone(),
            position: a.position,
        }
    }
}

/// An Independent Advisory Group a board oversees (a borough's, or pan-London).
pub struct IagObject(pub(crate) OverseenIag);

#[Object(name = "Iag")]
impl IagObject {
    /// Global id (`Iag:<uuid>`).
    pub(crate) async fn id(&self) -> ID {
        ID(format!("Iag:{}", self.0.iag_id))
    }
    async fn iag_id(&self) -> Uuid {
        Uuid(self.0.iag_id)
    }
    /// GSS code of the overseeing board's borough; null for a pan-London IAG.
    async fn borough(&self) -> Option<&str> {
        self.0.borough.as_ref().map(|b| b.as_str())
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// What the group advises on.
    async fn focus(&self) -> &str {
        &self.0.focus
    }
    async fn registered_on(&self) -> NaiveDate {
        self.0.registered_on
    }
    async fn observations(&self) -> Vec<IagObservationObject> {
        self.0
            .observations
            .iter()
            .map(IagObservationObject::from)
            .collect()
    }
    async fn advice(&self) -> Vec<IagAdviceObject> {
        self.0.advice.iter().map(IagAdviceObject::from).collect()
    }
    async fn last_observed_on(&self) -> Option<NaiveDate> {
        self.0.last_observed_on
    }
    async fn provenance(&self) -> ProvenanceObject {
        ProvenanceObject::from(&self.0.provenance)
    }
}

/// Support given to a Neighbourhood Watch scheme.
#[derive(SimpleObject)]
#[graphql(name = "WatchSupport")]
pub struct WatchSupportObject {
    support_id: Uuid,
    given_on: NaiveDate,
    kind: SupportKind,
    /// Money given, in pence, for funding.
    amount_pence: Option<i64>,
    description: String,
    /// The log position of the event that recorded it.
    position: u64,
}

impl From<&WatchSupport> for WatchSupportObject {
    fn from(s: &WatchSupport) -> Self {
        Self {
            support_id: Uuid(s.support_id),
            given_on: s.given_on,
            kind: s.kind,
            amount_pence: s.amount_pence,
            description: s.description.clone(),
            position: s.position,
        }
    }
}

/// A Neighbourhood Watch scheme. Its coordinator is known by data-subject id only.
pub struct WatchSchemeObject(pub(crate) WatchScheme);

#[Object(name = "WatchScheme")]
impl WatchSchemeObject {
    /// Global id (`WatchScheme:<uuid>`).
    pub(crate) async fn id(&self) -> ID {
        ID(format!("WatchScheme:{}", self.0.scheme_id))
    }
    async fn scheme_id(&self) -> Uuid {
        Uuid(self.0.scheme_id)
    }
    /// GSS code of the borough.
    async fn borough(&self) -> &str {
        self.0.borough.as_str()
    }
    async fn ward(&self) -> Option<&str> {
        self.0.ward.as_ref().map(|w| w.as_str())
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn households(&self) -> u32 {
        self.0.households
    }
    async fn registered_on(&self) -> NaiveDate {
        self.0.registered_on
    }
    /// The data subject (coordinator) whose personal details the log holds.
    async fn coordinator_data_subject_id(&self) -> Option<Uuid> {
        self.0.coordinator_data_subject_id.map(Uuid)
    }
    async fn support(&self) -> Vec<WatchSupportObject> {
        self.0
            .support
            .iter()
            .map(WatchSupportObject::from)
            .collect()
    }
    /// Money given in total, in pence.
    async fn funding_pence(&self) -> i64 {
        self.0.funding_pence
    }
    async fn last_supported_on(&self) -> Option<NaiveDate> {
        self.0.last_supported_on
    }
    async fn provenance(&self) -> ProvenanceObject {
        ProvenanceObject::from(&self.0.provenance)
    }
}

/// Which Community Payback projects to list.
#[derive(InputObject, Debug, Clone, Default)]
pub struct PaybackProjectFilter {
    /// GSS code of the borough.
    pub borough: Option<String>,
    pub ward: Option<String>,
    pub status: Option<PaybackStatusEnum>,
    pub nominated_by: Option<NominatedBy>,
    /// Nominated on or after.
    pub nominated_from: Option<NaiveDate>,
    /// Nominated before.
    pub nominated_before: Option<NaiveDate>,
}

/// Which IAGs to list.
#[derive(InputObject, Debug, Clone, Default)]
pub struct IagFilter {
    /// GSS code of the overseeing board's borough.
    pub borough: Option<String>,
    /// Only pan-London IAGs (true) or only borough ones (false).
    pub pan_london: Option<bool>,
    /// Only IAGs observed on or after this day.
    pub observed_since: Option<NaiveDate>,
}

/// Which Neighbourhood Watch schemes to list.
#[derive(InputObject, Debug, Clone, Default)]
pub struct WatchSchemeFilter {
    /// GSS code of the borough.
    pub borough: Option<String>,
    pub ward: Option<String>,
    /// Registered on or after.
    pub registered_from: Option<NaiveDate>,
    /// Registered before.
    pub registered_before: Option<NaiveDate>,
}

connection!(
    PaybackProjectConnection,
    PaybackProjectEdge,
    PaybackProjectObject,
    "Community Payback projects",
    "projects"
);
connection!(IagConnection, IagEdge, IagObject, "IAGs", "IAGs");
connection!(
    WatchSchemeConnection,
    WatchSchemeEdge,
    WatchSchemeObject,
    "Neighbourhood Watch schemes",
    "schemes"
);

fn payback_matches(p: &PaybackProject, f: &PaybackProjectFilter) -> bool {
    f.borough.as_deref().is_none_or(|b| p.borough.as_str() == b)
        && f.ward
            .as_deref()
            .is_none_or(|w| p.ward.as_ref().is_some_and(|x| x.as_str() == w))
        && f.status
            .is_none_or(|s| PaybackStatusEnum::from(p.status) == s)
        && f.nominated_by.is_none_or(|n| p.nominated_by == n)
        && f.nominated_from.is_none_or(|d| p.nominated_on >= d)
        && f.nominated_before.is_none_or(|d| p.nominated_on < d)
}

fn iag_matches(i: &OverseenIag, f: &IagFilter) -> bool {
    f.borough
        .as_deref()
        .is_none_or(|b| i.borough.as_ref().is_some_and(|x| x.as_str() == b))
        && f.pan_london.is_none_or(|p| i.borough.is_none() == p)
        && f.observed_since
            .is_none_or(|d| i.last_observed_on.is_some_and(|l| l >= d))
}

fn watch_matches(s: &WatchScheme, f: &WatchSchemeFilter) -> bool {
    f.borough.as_deref().is_none_or(|b| s.borough.as_str() == b)
        && f.ward
            .as_deref()
            .is_none_or(|w| s.ward.as_ref().is_some_and(|x| x.as_str() == w))
        && f.registered_from.is_none_or(|d| s.registered_on >= d)
        && f.registered_before.is_none_or(|d| s.registered_on < d)
}

#[derive(Default)]
pub struct CommunityQuery;

#[Object]
impl CommunityQuery {
    /// Community Payback projects, ordered by the day they were nominated. `asOf` reads
    /// the model at a past point.
    #[graphql(complexity = "crate::schema::page_cost(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn payback_projects(
        &self,
        ctx: &Context<'_>,
        filter: Option<PaybackProjectFilter>,
        order: Option<SortOrder>,
        as_of: Option<AsOfInput>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<PaybackProjectConnection> {
        crate::access::require_query(ctx, engage_access::QueryClass::LocalRecords)?;
        let filter = filter.unwrap_or_default();
        let args = ListArgs::new(ctx, order, first, after, last, before);
        with_model::<CommunityOversight, _>(
            ctx,
            |m| &m.community_oversight,
            as_of,
            |m| {
                let page = list(
                    m.model.payback_projects.values(),
                    |p| payback_matches(p, &filter),
                    |p, order| day_key(p.nominated_on, &p.project_id, order),
                    |p| PaybackProjectObject(p.clone()),
                    &args,
                )?;
                Ok(PaybackProjectConnection::new(page, m.checkpoint))
            },
        )
        .await
    }

    /// One Community Payback project by its id (null if there is none, or none yet at
    /// `asOf`).
    async fn payback_project(
        &self,
        ctx: &Context<'_>,
        project_id: Uuid,
        as_of: Option<AsOfInput>,
    ) -> async_graphql::Result<Option<PaybackProjectObject>> {
        crate::access::require_query(ctx, engage_access::QueryClass::LocalRecords)?;
        with_model::<CommunityOversight, _>(
            ctx,
            |m| &m.community_oversight,
            as_of,
            |m| {
                Ok(m.model
                    .payback_project(&project_id.0)
                    .cloned()
                    .map(PaybackProjectObject))
            },
        )
        .await
    }

    /// Independent Advisory Groups the boards oversee, ordered by the day they were
    /// registered. `asOf` reads the model at a past point.
    #[graphql(complexity = "crate::schema::page_cost(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn iags(
        &self,
        ctx: &Context<'_>,
        filter: Option<IagFilter>,
        order: Option<SortOrder>,
        as_of: Option<AsOfInput>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<IagConnection> {
        crate::access::require_query(ctx, engage_access::QueryClass::LocalRecords)?;
        let filter = filter.unwrap_or_default();
        let args = ListArgs::new(ctx, order, first, after, last, before);
        with_model::<CommunityOversight, _>(
            ctx,
            |m| &m.community_oversight,
            as_of,
            |m| {
                let page = list(
                    m.model.iags.values(),
                    |i| iag_matches(i, &filter),
                    |i, order| day_key(i.registered_on, &i.iag_id, order),
                    |i| IagObject(i.clone()),
                    &args,
                )?;
                Ok(IagConnection::new(page, m.checkpoint))
            },
        )
        .await
    }

    /// One IAG by its id (null if there is none, or none yet at `asOf`).
    async fn iag(
        &self,
        ctx: &Context<'_>,
        iag_id: Uuid,
        as_of: Option<AsOfInput>,
    ) -> async_graphql::Result<Option<IagObject>> {
        crate::access::require_query(ctx, engage_access::QueryClass::LocalRecords)?;
        with_model::<CommunityOversight, _>(
            ctx,
            |m| &m.community_oversight,
            as_of,
            |m| Ok(m.model.iag(&iag_id.0).cloned().map(IagObject)),
        )
        .await
    }

    /// Neighbourhood Watch schemes, ordered by the day they were registered. `asOf` reads
    /// the model at a past point.
    #[graphql(complexity = "crate::schema::page_cost(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn watch_schemes(
        &self,
        ctx: &Context<'_>,
        filter: Option<WatchSchemeFilter>,
        order: Option<SortOrder>,
        as_of: Option<AsOfInput>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<WatchSchemeConnection> {
        crate::access::require_query(ctx, engage_access::QueryClass::LocalRecords)?;
        let filter = filter.unwrap_or_default();
        let args = ListArgs::new(ctx, order, first, after, last, before);
        with_model::<CommunityOversight, _>(
            ctx,
            |m| &m.community_oversight,
            as_of,
            |m| {
                let page = list(
                    m.model.watch_schemes.values(),
                    |s| watch_matches(s, &filter),
                    |s, order| day_key(s.registered_on, &s.scheme_id, order),
                    |s| WatchSchemeObject(s.clone()),
                    &args,
                )?;
                Ok(WatchSchemeConnection::new(page, m.checkpoint))
            },
        )
        .await
    }

    /// One Neighbourhood Watch scheme by its id (null if there is none, or none yet at
    /// `asOf`).
    async fn watch_scheme(
        &self,
        ctx: &Context<'_>,
        scheme_id: Uuid,
        as_of: Option<AsOfInput>,
    ) -> async_graphql::Result<Option<WatchSchemeObject>> {
        crate::access::require_query(ctx, engage_access::QueryClass::LocalRecords)?;
        with_model::<CommunityOversight, _>(
            ctx,
            |m| &m.community_oversight,
            as_of,
            |m| {
                Ok(m.model
                    .watch_scheme(&scheme_id.0)
                    .cloned()
                    .map(WatchSchemeObject))
            },
        )
        .await
    }
}
