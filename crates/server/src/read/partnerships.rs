//! Partnerships: the London Communities Policing Partnership (LCP2: its member groups,
//! chairs' forums, training, best-practice digests, e-bulletins and canvasses) and the
//! pan-London partnership boards (agencies, terms of reference, meetings, themes, work
//! plans and representations).

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::NaiveDate;
use engage_domain::lcp2::MemberGroupKind;
use engage_domain::partnership_board::PanLondonBoard;
use engage_projections::models::Partnerships;
use engage_projections::models::partnerships::{
    BestPracticeDigest, Canvass, ChairsForum, EBulletin, Lcp2, Lcp2Group, Lcp2Training,
    MemberAgency, MembershipSpell, PartnershipBoard, PartnershipMeeting, PartnershipTheme,
    Representation, TermsOfReference, WorkPlan,
};

use super::priorities::{EvidenceObject, evidence};
use super::{
    AsOfInput, ListArgs, ProvenanceObject, SortOrder, connection, list, text_key, with_model,
};
use crate::schema::Uuid;

/// A spell of membership (of LCP2 or a partnership board).
#[derive(SimpleObject)]
#[graphql(name = "MembershipSpell")]
pub struct MembershipSpellObject {
    joined_on: NaiveDate,
    left_on: Option<NaiveDate>,
    left_reason: Option<String>,
}

fn spells(list: &[MembershipSpell]) -> Vec<MembershipSpellObject> {
    list.iter()
        .map(|s| MembershipSpellObject {
            joined_on: s.joined_on,
            left_on: s.left_on,
            left_reason: s.left_reason.clone(),
        })
        .collect()
}

fn ids(list: &[uuid::Uuid]) -> Vec<Uuid> {
    list.iter().copied().map(Uuid).collect()
}

fn in_range(day: NaiveDate, from: Option<NaiveDate>, before: Option<NaiveDate>) -> bool {
    from.is_none_or(|f| day >= f) && before.is_none_or(|b| day < b)
}

/// A community group that is (or was) a member of LCP2.
pub struct Lcp2GroupObject(pub(crate) Lcp2Group);

#[Object(name = "Lcp2Group")]
impl Lcp2GroupObject {
    /// Global id (`Lcp2Group:<uuid>`).
    pub(crate) async fn id(&self) -> ID {
        ID(format!("Lcp2Group:{}", self.0.group_id))
    }
    async fn group_id(&self) -> Uuid {
        Uuid(self.0.group_id)
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn kind(&self) -> MemberGroupKind {
        self.0.kind
    }
    /// GSS code of the borough it works in; null for a pan-London group.
    async fn borough(&self) -> Option<&str> {
        self.0.borough.as_ref().map(|b| b.as_str())
    }
    /// Its spells of membership, oldest first.
    async fn spells(&self) -> Vec<MembershipSpellObject> {
        spells(&self.0.spells)
    }
    /// The day its current spell began, if it is a member now.
    async fn member_since(&self) -> Option<NaiveDate> {
        self.0.member_since
    }
    async fn current(&self) -> bool {
        self.0.is_current()
    }
    /// Chairs' forums it was represented at.
    async fn forums_attended(&self) -> u32 {
        self.0.forums_attended
    }
    async fn provenance(&self) -> ProvenanceObject {
        ProvenanceObject::from(&self.0.provenance)
    }
}

/// An LCP2 chairs' forum.
#[derive(SimpleObject)]
#[graphql(name = "ChairsForum")]
pub struct ChairsForumObject {
    forum_id: Uuid,
    held_on: NaiveDate,
    /// Ids of the member groups represented.
    groups_represented: Vec<Uuid>,
    other_attendees: u32,
    topics: Vec<String>,
    provenance: ProvenanceObject,
}

impl From<&ChairsForum> for ChairsForumObject {
    fn from(f: &ChairsForum) -> Self {
        Self {
            forum_id: Uuid(f.forum_id),
            held_on: f.held_on,
            groups_represented: ids(&f.groups_represented),
            other_attendees: f.other_attendees,
            topics: f.topics.clone(),
            provenance: ProvenanceObject::from(&f.provenance),
        }
    }
}

/// Training LCP2 delivered.
#[derive(SimpleObject)]
#[graphql(name = "Lcp2Training")]
pub struct Lcp2TrainingObject {
    training_id: Uuid,
    course: String,
    delivered_on: NaiveDate,
    trainees: u32,
    mentoring: bool,
    /// Ids of the member groups trained.
    groups: Vec<Uuid>,
    provenance: ProvenanceObject,
}

impl From<&Lcp2Training> for Lcp2TrainingObject {
    fn from(t: &Lcp2Training) -> Self {
        Self {
            training_id: Uuid(t.training_id),
            course: t.course.clone(),
            delivered_on: t.delivered_on,
            trainees: t.trainees,
            mentoring: t.mentoring,
            groups: ids(&t.groups),
            provenance: ProvenanceObject::from(&t.provenance),
        }
    }
}

/// A best-practice digest LCP2 published.
#[derive(SimpleObject)]
#[graphql(name = "BestPracticeDigest")]
pub struct BestPracticeDigestObject {
    digest_id: Uuid,
    title: String,
    published_on: NaiveDate,
    reference: String,
    topics: Vec<String>,
    featured_groups: Vec<Uuid>,
    provenance: ProvenanceObject,
}

impl From<&BestPracticeDigest> for BestPracticeDigestObject {
    fn from(d: &BestPracticeDigest) -> Self {
        Self {
            digest_id: Uuid(d.digest_id),
            title: d.title.clone(),
            published_on: d.published_on,
            reference: d.reference.clone(),
            topics: d.topics.clone(),
            featured_groups: ids(&d.featured_groups),
            provenance: ProvenanceObject::from(&d.provenance),
        }
    }
}

/// A monthly LCP2 e-bulletin.
#[derive(SimpleObject)]
#[graphql(name = "EBulletin")]
pub struct EBulletinObject {
    issue_number: u32,
    year: i32,
    month: u32,
    issued_on: NaiveDate,
    headline: String,
    items: Vec<String>,
    reference: Option<String>,
    provenance: ProvenanceObject,
}

impl From<&EBulletin> for EBulletinObject {
    fn from(b: &EBulletin) -> Self {
        Self {
            issue_number: b.issue_number,
            year: b.year,
            month: b.month,
            issued_on: b.issued_on,
            headline: b.headline.clone(),
            items: b.items.clone(),
            reference: b.reference.clone(),
            provenance: ProvenanceObject::from(&b.provenance),
        }
    }
}

/// A canvass of LCP2 members' views.
#[derive(SimpleObject)]
#[graphql(name = "Canvass")]
pub struct CanvassObject {
    canvass_id: Uuid,
    topic: String,
    opened_on: NaiveDate,
    closed_on: NaiveDate,
    days_open: i64,
    responses: u32,
    summary: String,
    /// What the views fed into.
    fed_into: Option<String>,
    provenance: ProvenanceObject,
}

impl From<&Canvass> for CanvassObject {
    fn from(c: &Canvass) -> Self {
        Self {
            canvass_id: Uuid(c.canvass_id),
            topic: c.topic.clone(),
            opened_on: c.opened_on,
            closed_on: c.closed_on,
            days_open: c.days_open,
            responses: c.responses,
            summary: c.summary.clone(),
            fed_into: c.fed_into.clone(),
            provenance: ProvenanceObject::from(&c.provenance),
        }
    }
}

/// The London Communities Policing Partnership's activity. Each list takes `from`
/// (inclusive) and `before` (exclusive) days.
pub struct Lcp2Object(Lcp2);

#[Object(name = "Lcp2")]
impl Lcp2Object {
    /// Member groups now.
    async fn current_group_count(&self) -> u64 {
        self.0.current_groups().count() as u64
    }
    /// Chairs' forums, by day held.
    async fn chairs_forums(
        &self,
        from: Option<NaiveDate>,
        before: Option<NaiveDate>,
    ) -> Vec<ChairsForumObject> {
        let mut v: Vec<_> = self
            .0
            .forums
            .values()
            .filter(|f| in_range(f.held_on, from, before))
            .collect();
        v.sort_by_key(|f| (f.held_on, f.forum_id));
        v.into_iter().map(ChairsForumObject::from).collect()
    }
    /// Training delivered, by day.
    async fn trainings(
        &self,
        from: Option<NaiveDate>,
        before: Option<NaiveDate>,
    ) -> Vec<Lcp2TrainingObject> {
        let mut v: Vec<_> = self
            .0
            .trainings
            .values()
            .filter(|t| in_range(t.delivered_on, from, before))
            .collect();
        v.sort_by_key(|t| (t.delivered_on, t.training_id));
        v.into_iter().map(Lcp2TrainingObject::from).collect()
    }
    /// Best-practice digests, by day published.
    async fn digests(
        &self,
        from: Option<NaiveDate>,
        before: Option<NaiveDate>,
    ) -> Vec<BestPracticeDigestObject> {
        let mut v: Vec<_> = self
            .0
            .digests
            .values()
            .filter(|d| in_range(d.published_on, from, before))
            .collect();
        v.sort_by_key(|d| (d.published_on, d.digest_id));
        v.into_iter().map(BestPracticeDigestObject::from).collect()
    }
    /// E-bulletins, by issue number.
    async fn bulletins(
        &self,
        from: Option<NaiveDate>,
        before: Option<NaiveDate>,
    ) -> Vec<EBulletinObject> {
        self.0
            .bulletins
            .values()
            .filter(|b| in_range(b.issued_on, from, before))
            .map(EBulletinObject::from)
            .collect()
    }
    /// Canvasses of members' views, by day opened.
    async fn canvasses(
        &self,
        from: Option<NaiveDate>,
        before: Option<NaiveDate>,
    ) -> Vec<CanvassObject> {
        let mut v: Vec<_> = self
            .0
            .canvasses
            .values()
            .filter(|c| in_range(c.opened_on, from, before))
            .collect();
        v.sort_by_key(|c| (c.opened_on, c.canvass_id));
        v.into_iter().map(CanvassObject::from).collect()
    }
}

/// An agency that is (or was) a member of a pan-London partnership board.
#[derive(SimpleObject)]
#[graphql(name = "MemberAgency")]
pub struct MemberAgencyObject {
    agency_id: Uuid,
    agency: String,
    /// The role of its representative (not a person's name).
    representative_role: String,
    spells: Vec<MembershipSpellObject>,
    member_since: Option<NaiveDate>,
    current: bool,
    provenance: ProvenanceObject,
}

impl From<&MemberAgency> for MemberAgencyObject {
    fn from(a: &MemberAgency) -> Self {
        Self {
            agency_id: Uuid(a.agency_id),
            agency: a.agency.clone(),
            representative_role: a.representative_role.clone(),
            spells: spells(&a.spells),
            member_since: a.member_since,
            current: a.is_current(),
            provenance: ProvenanceObject::from(&a.provenance),
        }
    }
}

/// A version of a board's terms of reference.
#[derive(SimpleObject)]
#[graphql(name = "TermsOfReference")]
pub struct TermsOfReferenceObject {
    version: u32,
    reference: String,
    adopted_on: NaiveDate,
    meeting_id: Option<Uuid>,
    changes: Option<String>,
    /// The log position of the event that recorded it.
    position: u64,
}

impl From<&TermsOfReference> for TermsOfReferenceObject {
    fn from(t: &TermsOfReference) -> Self {
        Self {
            version: t.version,
            reference: t.reference.clone(),
            adopted_on: t.adopted_on,
            meeting_id: t.meeting_id.map(Uuid),
            changes: t.changes.clone(),
            position: t.position,
        }
    }
}

/// A partnership board meeting.
#[derive(SimpleObject)]
#[graphql(name = "PartnershipMeeting")]
pub struct PartnershipMeetingObject {
    meeting_id: Uuid,
    held_on: NaiveDate,
    /// Ids of the member agencies present.
    agencies_present: Vec<Uuid>,
    agenda: Vec<String>,
    minutes_reference: Option<String>,
    provenance: ProvenanceObject,
}

impl From<&PartnershipMeeting> for PartnershipMeetingObject {
    fn from(m: &PartnershipMeeting) -> Self {
        Self {
            meeting_id: Uuid(m.meeting_id),
            held_on: m.held_on,
            agencies_present: ids(&m.agencies_present),
            agenda: m.agenda.clone(),
            minutes_reference: m.minutes_reference.clone(),
            provenance: ProvenanceObject::from(&m.provenance),
        }
    }
}

/// A theme a partnership board agreed to work on.
#[derive(SimpleObject)]
#[graphql(name = "PartnershipTheme")]
pub struct PartnershipThemeObject {
    theme_id: Uuid,
    title: String,
    description: String,
    /// First day the theme is in force, when it has a period.
    period_from: Option<NaiveDate>,
    /// Last day (inclusive).
    period_to: Option<NaiveDate>,
    agreed_on: NaiveDate,
    meeting_id: Option<Uuid>,
    evidence: Vec<EvidenceObject>,
    /// Years of the work plans that include it.
    work_plans: Vec<i32>,
    provenance: ProvenanceObject,
}

impl From<&PartnershipTheme> for PartnershipThemeObject {
    fn from(t: &PartnershipTheme) -> Self {
        Self {
            theme_id: Uuid(t.theme_id),
            title: t.title.clone(),
            description: t.description.clone(),
            period_from: t.period.map(|p| p.from),
            period_to: t.period.map(|p| p.to),
            agreed_on: t.agreed_on,
            meeting_id: t.meeting_id.map(Uuid),
            evidence: evidence(&t.evidence),
            work_plans: t.work_plans.clone(),
            provenance: ProvenanceObject::from(&t.provenance),
        }
    }
}

/// A board's annual work plan.
#[derive(SimpleObject)]
#[graphql(name = "WorkPlan")]
pub struct WorkPlanObject {
    /// The year it covers (a financial-year plan: the year it starts).
    year: i32,
    published_on: NaiveDate,
    reference: String,
    /// Ids of the themes it covers.
    themes: Vec<Uuid>,
    summary: String,
    provenance: ProvenanceObject,
}

impl From<&WorkPlan> for WorkPlanObject {
    fn from(w: &WorkPlan) -> Self {
        Self {
            year: w.year,
            published_on: w.published_on,
            reference: w.reference.clone(),
            themes: ids(&w.themes),
            summary: w.summary.clone(),
            provenance: ProvenanceObject::from(&w.provenance),
        }
    }
}

/// A representation a board made (to a minister, a commissioner, ...).
#[derive(SimpleObject)]
#[graphql(name = "Representation")]
pub struct RepresentationObject {
    representation_id: Uuid,
    made_on: NaiveDate,
    made_to: String,
    subject: String,
    summary: String,
    meeting_id: Option<Uuid>,
    reference: Option<String>,
    provenance: ProvenanceObject,
}

impl From<&Representation> for RepresentationObject {
    fn from(r: &Representation) -> Self {
        Self {
            representation_id: Uuid(r.representation_id),
            made_on: r.made_on,
            made_to: r.made_to.clone(),
            subject: r.subject.clone(),
            summary: r.summary.clone(),
            meeting_id: r.meeting_id.map(Uuid),
            reference: r.reference.clone(),
            provenance: ProvenanceObject::from(&r.provenance),
        }
    }
}

/// A pan-London partnership board (the London Community Safety Partnership, the London
/// Crime Reduction Board). Lists taking `from`/`before` filter by day (inclusive,
/// exclusive).
pub struct PartnershipBoardObject(pub(crate) PartnershipBoard);

#[Object(name = "PartnershipBoard")]
impl PartnershipBoardObject {
    /// Global id (`PartnershipBoard:<lcsp|lcrb>`).
    pub(crate) async fn id(&self) -> ID {
        ID(format!("PartnershipBoard:{}", self.0.board.code()))
    }
    async fn board(&self) -> PanLondonBoard {
        self.0.board
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn constituted_on(&self) -> NaiveDate {
        self.0.constituted_on
    }
    /// The role that chairs it.
    async fn chair_role(&self) -> Option<&str> {
        self.0.chair_role.as_deref()
    }
    /// The body it succeeded.
    async fn predecessor(&self) -> Option<&str> {
        self.0.predecessor.as_deref()
    }
    /// Every version of its terms of reference, oldest first.
    async fn terms_of_reference(&self) -> Vec<TermsOfReferenceObject> {
        self.0
            .terms_of_reference
            .iter()
            .map(TermsOfReferenceObject::from)
            .collect()
    }
    /// The terms in force on `on` (default: the latest).
    async fn terms_of_reference_on(&self, on: Option<NaiveDate>) -> Option<TermsOfReferenceObject> {
        match on {
            Some(day) => self.0.terms_of_reference_on(day),
            None => self.0.current_terms_of_reference(),
        }
        .map(TermsOfReferenceObject::from)
    }
    /// Member agencies, ordered by id: every one, or those members on `on`.
    async fn agencies(&self, on: Option<NaiveDate>) -> Vec<MemberAgencyObject> {
        self.0
            .agencies
            .values()
            .filter(|a| on.is_none_or(|d| a.was_member_on(d)))
            .map(MemberAgencyObject::from)
            .collect()
    }
    /// Meetings, by day held.
    async fn meetings(
        &self,
        from: Option<NaiveDate>,
        before: Option<NaiveDate>,
    ) -> Vec<PartnershipMeetingObject> {
        let mut v: Vec<_> = self
            .0
            .meetings
            .values()
            .filter(|m| in_range(m.held_on, from, before))
            .collect();
        v.sort_by_key(|m| (m.held_on, m.meeting_id));
        v.into_iter().map(PartnershipMeetingObject::from).collect()
    }
    /// Themes, by day agreed; `inForceOn` keeps those in force on a day.
    async fn themes(&self, in_force_on: Option<NaiveDate>) -> Vec<PartnershipThemeObject> {
        let mut v: Vec<_> = self
            .0
            .themes
            .values()
            .filter(|t| in_force_on.is_none_or(|d| t.in_force_on(d)))
            .collect();
        v.sort_by_key(|t| (t.agreed_on, t.theme_id));
        v.into_iter().map(PartnershipThemeObject::from).collect()
    }
    /// Work plans, by year.
    async fn work_plans(&self) -> Vec<WorkPlanObject> {
        self.0
            .work_plans
            .values()
            .map(WorkPlanObject::from)
            .collect()
    }
    /// Representations made, by day.
    async fn representations(
        &self,
        from: Option<NaiveDate>,
        before: Option<NaiveDate>,
    ) -> Vec<RepresentationObject> {
        let mut v: Vec<_> = self
            .0
            .representations
            .values()
            .filter(|r| in_range(r.made_on, from, before))
            .collect();
        v.sort_by_key(|r| (r.made_on, r.representation_id));
        v.into_iter().map(RepresentationObject::from).collect()
    }
    async fn provenance(&self) -> ProvenanceObject {
        ProvenanceObject::from(&self.0.provenance)
    }
}

/// Which LCP2 member groups to list.
#[derive(InputObject, Debug, Clone, Default)]
pub struct Lcp2GroupFilter {
    /// GSS code of the borough the group works in.
    pub borough: Option<String>,
    /// Only pan-London groups (true) or only borough ones (false).
    pub pan_london: Option<bool>,
    pub kind: Option<MemberGroupKind>,
    /// Only members now (true) or former members (false).
    pub current: Option<bool>,
    /// Only groups that were members on this day.
    pub member_on: Option<NaiveDate>,
}

connection!(
    Lcp2GroupConnection,
    Lcp2GroupEdge,
    Lcp2GroupObject,
    "LCP2 member groups",
    "groups"
);

fn group_matches(g: &Lcp2Group, f: &Lcp2GroupFilter) -> bool {
    f.borough
        .as_deref()
        .is_none_or(|b| g.borough.as_ref().is_some_and(|x| x.as_str() == b))
        && f.pan_london.is_none_or(|p| g.borough.is_none() == p)
        && f.kind.is_none_or(|k| g.kind == k)
        && f.current.is_none_or(|c| g.is_current() == c)
        && f.member_on.is_none_or(|d| g.was_member_on(d))
}

#[derive(Default)]
pub struct PartnershipQuery;

#[Object]
impl PartnershipQuery {
    /// LCP2's member groups, ordered by name (then id). `asOf` reads the model at a past
    /// point.
    #[graphql(complexity = "crate::schema::page_cost(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn lcp2_groups(
        &self,
        ctx: &Context<'_>,
        filter: Option<Lcp2GroupFilter>,
        order: Option<SortOrder>,
        as_of: Option<AsOfInput>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<Lcp2GroupConnection> {
        let filter = filter.unwrap_or_default();
        let args = ListArgs::new(ctx, order, first, after, last, before);
        with_model::<Partnerships, _>(
            ctx,
            |m| &m.partnerships,
            as_of,
            |m| {
                let page = list(
                    m.model.lcp2.groups.values(),
                    |g| group_matches(g, &filter),
                    |g, order| text_key(&format!("{}\u{0}{}", g.name, g.group_id), order),
                    |g| Lcp2GroupObject(g.clone()),
                    &args,
                )?;
                Ok(Lcp2GroupConnection::new(page, m.checkpoint))
            },
        )
        .await
    }

    /// One LCP2 member group by its id (null if there is none, or none yet at `asOf`).
    async fn lcp2_group(
        &self,
        ctx: &Context<'_>,
        group_id: Uuid,
        as_of: Option<AsOfInput>,
    ) -> async_graphql::Result<Option<Lcp2GroupObject>> {
        with_model::<Partnerships, _>(
            ctx,
            |m| &m.partnerships,
            as_of,
            |m| {
                Ok(m.model
                    .lcp2
                    .groups
                    .get(&group_id.0)
                    .cloned()
                    .map(Lcp2GroupObject))
            },
        )
        .await
    }

    /// LCP2's forums, training, digests, bulletins and canvasses. `asOf` reads the model
    /// at a past point.
    async fn lcp2(
        &self,
        ctx: &Context<'_>,
        as_of: Option<AsOfInput>,
    ) -> async_graphql::Result<Lcp2Object> {
        with_model::<Partnerships, _>(
            ctx,
            |m| &m.partnerships,
            as_of,
            |m| Ok(Lcp2Object(m.model.lcp2.clone())),
        )
        .await
    }

    /// The pan-London partnership boards constituted (at `asOf`), in board order.
    async fn partnership_boards(
        &self,
        ctx: &Context<'_>,
        as_of: Option<AsOfInput>,
    ) -> async_graphql::Result<Vec<PartnershipBoardObject>> {
        with_model::<Partnerships, _>(
            ctx,
            |m| &m.partnerships,
            as_of,
            |m| {
                Ok(m.model
                    .boards
                    .values()
                    .cloned()
                    .map(PartnershipBoardObject)
                    .collect())
            },
        )
        .await
    }

    /// One pan-London partnership board (null if not constituted, or not yet at `asOf`).
    async fn partnership_board(
        &self,
        ctx: &Context<'_>,
        board: PanLondonBoard,
        as_of: Option<AsOfInput>,
    ) -> async_graphql::Result<Option<PartnershipBoardObject>> {
        with_model::<Partnerships, _>(
            ctx,
            |m| &m.partnerships,
            as_of,
            |m| Ok(m.model.board(board).cloned().map(PartnershipBoardObject)),
        )
        .await
    }
}
