//! Ward panels: one per ward, with its members over time, its meetings (attendance, whether
//! the Safer Neighbourhood Team came) and the ward priorities it agreed.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use engage_domain::ward_panel::PanelRole;
use engage_projections::models::WardPanels;
use engage_projections::models::ward_panels::{
    AgreedPriority, PanelMeeting, PanelMember, WardPanel,
};

use super::{
    AsOfInput, ListArgs, ProvenanceObject, SortOrder, connection, day_text_key, list, with_model,
};
use crate::schema::Uuid;

/// A member of a ward panel, known by ids (personal details stay in the log).
#[derive(SimpleObject)]
#[graphql(name = "WardPanelMember")]
pub struct PanelMemberObject {
    member_id: Uuid,
    /// The data subject whose personal details the log holds.
    data_subject_id: Uuid,
    role: PanelRole,
    joined_on: NaiveDate,
    left_on: Option<NaiveDate>,
    /// Not left.
    current: bool,
}

impl From<&PanelMember> for PanelMemberObject {
    fn from(m: &PanelMember) -> Self {
        Self {
            member_id: Uuid(m.member_id),
            data_subject_id: Uuid(m.data_subject_id),
            role: m.role,
            joined_on: m.joined_on,
            left_on: m.left_on,
            current: m.is_current(),
        }
    }
}

/// One ward panel meeting.
#[derive(SimpleObject)]
#[graphql(name = "WardPanelMeeting")]
pub struct PanelMeetingObject {
    meeting_id: Uuid,
    held_at: DateTime<Utc>,
    /// Member ids of those present.
    members_present: Vec<Uuid>,
    /// Residents attending who are not members.
    residents_attending: u32,
    /// Whether the Safer Neighbourhood Team attended.
    snt_attended: bool,
    /// Ids of the ward priorities agreed at the meeting.
    priorities_agreed: Vec<Uuid>,
}

impl From<&PanelMeeting> for PanelMeetingObject {
    fn from(m: &PanelMeeting) -> Self {
        Self {
            meeting_id: Uuid(m.meeting_id),
            held_at: m.held_at,
            members_present: m.members_present.iter().copied().map(Uuid).collect(),
            residents_attending: m.residents_attending,
            snt_attended: m.snt_attended,
            priorities_agreed: m.priorities_agreed.iter().copied().map(Uuid).collect(),
        }
    }
}

/// A ward priority a panel agreed.
#[derive(SimpleObject)]
#[graphql(name = "WardPanelPriority")]
pub struct AgreedPriorityObject {
    priority_id: Uuid,
    meeting_id: Uuid,
    title: String,
    description: String,
    agreed_at: Option<DateTime<Utc>>,
}

impl From<&AgreedPriority> for AgreedPriorityObject {
    fn from(p: &AgreedPriority) -> Self {
        Self {
            priority_id: Uuid(p.priority_id),
            meeting_id: Uuid(p.meeting_id),
            title: p.title.clone(),
            description: p.description.clone(),
            agreed_at: p.agreed_at,
        }
    }
}

/// A ward's panel of residents.
pub struct WardPanelObject(pub(crate) WardPanel);

#[Object(name = "WardPanel")]
impl WardPanelObject {
    /// Global id (`WardPanel:<ward GSS code>`).
    pub(crate) async fn id(&self) -> ID {
        ID(format!("WardPanel:{}", self.0.ward.as_str()))
    }
    /// GSS code of the ward (one panel per ward).
    async fn ward(&self) -> &str {
        self.0.ward.as_str()
    }
    /// GSS code of the borough.
    async fn borough(&self) -> &str {
        self.0.borough.as_str()
    }
    async fn formed_on(&self) -> NaiveDate {
        self.0.formed_on
    }
    async fn current_member_count(&self) -> u32 {
        self.0.current_member_count
    }
    /// Members, ordered by id: everyone ever on the panel, or those on it on `on`
    /// (`currentOnly` for those who have not left).
    async fn members(
        &self,
        on: Option<NaiveDate>,
        current_only: Option<bool>,
    ) -> Vec<PanelMemberObject> {
        self.0
            .members
            .values()
            .filter(|m| on.is_none_or(|d| m.was_member_on(d)))
            .filter(|m| !current_only.unwrap_or(false) || m.is_current())
            .map(PanelMemberObject::from)
            .collect()
    }
    /// Meetings in the order they were held; `from` (inclusive) and `before` (exclusive)
    /// narrow them.
    async fn meetings(
        &self,
        from: Option<DateTime<Utc>>,
        before: Option<DateTime<Utc>>,
    ) -> Vec<PanelMeetingObject> {
        self.0
            .meetings
            .iter()
            .filter(|m| from.is_none_or(|t| m.held_at >= t) && before.is_none_or(|t| m.held_at < t))
            .map(PanelMeetingObject::from)
            .collect()
    }
    async fn first_met_at(&self) -> Option<DateTime<Utc>> {
        self.0.first_met_at
    }
    async fn last_met_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_met_at
    }
    /// The ward priorities the panel agreed.
    async fn priorities(&self) -> Vec<AgreedPriorityObject> {
        self.0
            .priorities
            .iter()
            .map(AgreedPriorityObject::from)
            .collect()
    }
    async fn provenance(&self) -> ProvenanceObject {
        ProvenanceObject::from(&self.0.provenance)
    }
}

/// Which ward panels to list.
#[derive(InputObject, Debug, Clone, Default)]
pub struct WardPanelFilter {
    /// GSS code of the borough.
    pub borough: Option<String>,
    pub ward: Option<String>,
    /// Only panels that met (true) or did not meet (false) in `[metFrom, metBefore)`
    /// (both needed).
    pub met: Option<bool>,
    pub met_from: Option<DateTime<Utc>>,
    pub met_before: Option<DateTime<Utc>>,
    /// Formed on or before this day.
    pub formed_by: Option<NaiveDate>,
}

connection!(
    WardPanelConnection,
    WardPanelEdge,
    WardPanelObject,
    "ward panels",
    "panels"
);

/// Whether panel `p` passes filter `f` (whose `met` arguments were checked by the query).
fn matches(p: &WardPanel, f: &WardPanelFilter) -> bool {
    let met = match (f.met, f.met_from, f.met_before) {
        (Some(want), Some(from), Some(to)) => p.met_in(from, to) == want,
        _ => true,
    };
    met && f.borough.as_deref().is_none_or(|b| p.borough.as_str() == b)
        && f.ward.as_deref().is_none_or(|w| p.ward.as_str() == w)
        && f.formed_by.is_none_or(|d| p.formed_on <= d)
}

#[derive(Default)]
pub struct WardPanelQuery;

#[Object]
impl WardPanelQuery {
    /// Ward panels, ordered by the day they were formed (then ward). `asOf` reads the
    /// model at a past point.
    #[graphql(complexity = "crate::schema::page_cost(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn ward_panels(
        &self,
        ctx: &Context<'_>,
        filter: Option<WardPanelFilter>,
        order: Option<SortOrder>,
        as_of: Option<AsOfInput>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<WardPanelConnection> {
        crate::access::require_query(ctx, engage_access::QueryClass::LocalRecords)?;
        let filter = filter.unwrap_or_default();
        // Checks the `met` filter's arguments once, before listing.
        if filter.met.is_some() && (filter.met_from.is_none() || filter.met_before.is_none()) {
            return Err(crate::errors::ErrorCode::Validation
                .error("the `met` filter needs both `metFrom` and `metBefore`"));
        }
        let args = ListArgs::new(ctx, order, first, after, last, before);
        with_model::<WardPanels, _>(
            ctx,
            |m| &m.ward_panels,
            as_of,
            |m| {
                let page = list(
                    m.model.by_ward.values(),
                    |p| matches(p, &filter),
                    |p, order| day_text_key(p.formed_on, p.ward.as_str(), order),
                    |p| WardPanelObject(p.clone()),
                    &args,
                )?;
                Ok(WardPanelConnection::new(page, m.checkpoint))
            },
        )
        .await
    }

    /// A ward's panel by the ward's GSS code (null if there is none, or none yet at
    /// `asOf`).
    async fn ward_panel(
        &self,
        ctx: &Context<'_>,
        ward: String,
        as_of: Option<AsOfInput>,
    ) -> async_graphql::Result<Option<WardPanelObject>> {
        crate::access::require_query(ctx, engage_access::QueryClass::LocalRecords)?;
        with_model::<WardPanels, _>(
            ctx,
            |m| &m.ward_panels,
            as_of,
            |m| {
                Ok(m.model
                    .by_ward
                    .values()
                    .find(|p| p.ward.as_str() == ward)
                    .cloned()
                    .map(WardPanelObject))
            },
        )
        .await
    }
}
