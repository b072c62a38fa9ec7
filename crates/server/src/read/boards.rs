//! Safer Neighbourhood Boards: the boards with their members over time, their meetings
//! (scheduled, held, cancelled, minutes) and the action items the meetings raised.

use async_graphql::{Context, Enum, ID, InputObject, Object};
use chrono::{DateTime, NaiveDate, Utc};
use engage_domain::board::{BoardRole, MeetingKind};
use engage_projections::models::Boards;
use engage_projections::models::boards::{
    ActionItem, ActionStatus, Board, BoardMeeting, BoardMember, MeetingStatus,
};

use super::{
    AsOfInput, ListArgs, ProvenanceObject, SortOrder, connection, day_key, day_text_key, list,
    time_key, with_model,
};
use crate::schema::Uuid;

/// One member's appointment to a board. Names and contact details stay in the log: the
/// member is known by ids.
pub struct BoardMemberObject(BoardMember);

#[Object(name = "BoardMember")]
impl BoardMemberObject {
    async fn member_id(&self) -> Uuid {
        Uuid(self.0.member_id)
    }
    /// The data subject whose personal details the log holds.
    async fn data_subject_id(&self) -> Uuid {
        Uuid(self.0.data_subject_id)
    }
    async fn role(&self) -> BoardRole {
        self.0.role
    }
    /// The organisation or community the member represents.
    async fn represents(&self) -> Option<&str> {
        self.0.represents.as_deref()
    }
    async fn term_start(&self) -> NaiveDate {
        self.0.term_start
    }
    async fn term_end(&self) -> Option<NaiveDate> {
        self.0.term_end
    }
    async fn stood_down_on(&self) -> Option<NaiveDate> {
        self.0.stood_down_on
    }
    async fn stood_down_reason(&self) -> Option<&str> {
        self.0.stood_down_reason.as_deref()
    }
    /// Not stood down.
    async fn current(&self) -> bool {
        self.0.is_current()
    }
    async fn provenance(&self) -> ProvenanceObject {
        ProvenanceObject::from(&self.0.provenance)
    }
}

/// A borough's Safer Neighbourhood Board.
pub struct BoardObject(pub(crate) Board);

#[Object(name = "Board")]
impl BoardObject {
    /// Global id (`Board:<borough GSS code>`).
    pub(crate) async fn id(&self) -> ID {
        ID(format!("Board:{}", self.0.borough.as_str()))
    }
    /// GSS code of the borough (one board per borough).
    async fn borough(&self) -> &str {
        self.0.borough.as_str()
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn established_on(&self) -> NaiveDate {
        self.0.established_on
    }
    async fn current_member_count(&self) -> u32 {
        self.0.current_member_count
    }
    /// Members, ordered by id: everyone ever appointed, or only those in post on `on`
    /// (`currentOnly` for those not stood down), optionally with one role.
    async fn members(
        &self,
        on: Option<NaiveDate>,
        current_only: Option<bool>,
        role: Option<BoardRole>,
    ) -> Vec<BoardMemberObject> {
        self.0
            .members
            .values()
            .filter(|m| on.is_none_or(|d| m.in_post_on(d)))
            .filter(|m| !current_only.unwrap_or(false) || m.is_current())
            .filter(|m| role.is_none_or(|r| m.role == r))
            .map(|m| BoardMemberObject(m.clone()))
            .collect()
    }
    async fn provenance(&self) -> ProvenanceObject {
        ProvenanceObject::from(&self.0.provenance)
    }
}

/// Where a board meeting is.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "BoardMeetingStatus")]
pub enum MeetingStatusEnum {
    Scheduled,
    Held,
    Cancelled,
}

impl From<MeetingStatus> for MeetingStatusEnum {
    fn from(s: MeetingStatus) -> Self {
        match s {
            MeetingStatus::Scheduled => Self::Scheduled,
            MeetingStatus::Held => Self::Held,
            MeetingStatus::Cancelled => Self::Cancelled,
        }
    }
}

/// One board meeting.
pub struct BoardMeetingObject(pub(crate) BoardMeeting);

#[Object(name = "BoardMeeting")]
impl BoardMeetingObject {
    /// Global id (`BoardMeeting:<uuid>`).
    pub(crate) async fn id(&self) -> ID {
        ID(format!("BoardMeeting:{}", self.0.meeting_id))
    }
    async fn meeting_id(&self) -> Uuid {
        Uuid(self.0.meeting_id)
    }
    /// GSS code of the board's borough.
    async fn borough(&self) -> &str {
        self.0.borough.as_str()
    }
    async fn kind(&self) -> MeetingKind {
        self.0.kind
    }
    async fn scheduled_for(&self) -> DateTime<Utc> {
        self.0.scheduled_for
    }
    async fn venue(&self) -> &str {
        &self.0.venue
    }
    async fn agenda(&self) -> &[String] {
        &self.0.agenda
    }
    async fn status(&self) -> MeetingStatusEnum {
        self.0.status.into()
    }
    async fn held_at(&self) -> Option<DateTime<Utc>> {
        self.0.held_at
    }
    /// When it was held, else when it is scheduled: the date listings order and filter by.
    async fn date(&self) -> DateTime<Utc> {
        self.0.date()
    }
    /// Member ids of those present.
    async fn members_present(&self) -> Vec<Uuid> {
        self.0.members_present.iter().copied().map(Uuid).collect()
    }
    /// Member ids of those who sent apologies.
    async fn apologies(&self) -> Vec<Uuid> {
        self.0.apologies.iter().copied().map(Uuid).collect()
    }
    /// Members of the public attending.
    async fn public_attendance(&self) -> u32 {
        self.0.public_attendance
    }
    async fn cancelled_reason(&self) -> Option<&str> {
        self.0.cancelled_reason.as_deref()
    }
    async fn minutes_published_at(&self) -> Option<DateTime<Utc>> {
        self.0.minutes_published_at
    }
    async fn minutes_ref(&self) -> Option<&str> {
        self.0.minutes_ref.as_deref()
    }
    /// Whole days from the meeting to its minutes.
    async fn days_to_minutes(&self) -> Option<i64> {
        self.0.days_to_minutes
    }
    /// Held, and no minutes published yet.
    async fn minutes_outstanding(&self) -> bool {
        self.0.minutes_outstanding()
    }
    /// Ids of the action items the meeting raised.
    async fn action_item_ids(&self) -> Vec<Uuid> {
        self.0.action_items.iter().copied().map(Uuid).collect()
    }
    async fn provenance(&self) -> ProvenanceObject {
        ProvenanceObject::from(&self.0.provenance)
    }
}

/// Where an action item is on a given day.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "ActionItemStatus")]
pub enum ActionStatusEnum {
    Open,
    /// Open past its due date.
    Overdue,
    Completed,
    /// Completed after its due date.
    CompletedLate,
}

impl From<ActionStatus> for ActionStatusEnum {
    fn from(s: ActionStatus) -> Self {
        match s {
            ActionStatus::Open => Self::Open,
            ActionStatus::Overdue => Self::Overdue,
            ActionStatus::Completed => Self::Completed,
            ActionStatus::CompletedLate => Self::CompletedLate,
        }
    }
}

fn today() -> NaiveDate {
    Utc::now().date_naive()
}

/// An action item raised at a board meeting.
pub struct ActionItemObject(pub(crate) ActionItem);

#[Object(name = "ActionItem")]
impl ActionItemObject {
    /// Global id (`ActionItem:<uuid>`).
    pub(crate) async fn id(&self) -> ID {
        ID(format!("ActionItem:{}", self.0.action_id))
    }
    async fn action_id(&self) -> Uuid {
        Uuid(self.0.action_id)
    }
    /// GSS code of the board's borough.
    async fn borough(&self) -> &str {
        self.0.borough.as_str()
    }
    async fn meeting_id(&self) -> Uuid {
        Uuid(self.0.meeting_id)
    }
    async fn description(&self) -> &str {
        &self.0.description
    }
    /// A role or organisation (e.g. "Borough Commander").
    async fn owner(&self) -> &str {
        &self.0.owner
    }
    async fn raised_on(&self) -> NaiveDate {
        self.0.raised_on
    }
    async fn due_on(&self) -> NaiveDate {
        self.0.due_on
    }
    async fn completed_on(&self) -> Option<NaiveDate> {
        self.0.completed_on
    }
    async fn outcome(&self) -> Option<&str> {
        self.0.outcome.as_deref()
    }
    /// Whole days completed after the due date (negative when early).
    async fn days_after_due(&self) -> Option<i64> {
        self.0.days_after_due
    }
    /// Its status on `on` (default: today, UTC): open items are overdue the day after
    /// they are due.
    async fn status(&self, on: Option<NaiveDate>) -> ActionStatusEnum {
        self.0.status_on(on.unwrap_or_else(today)).into()
    }
    async fn provenance(&self) -> ProvenanceObject {
        ProvenanceObject::from(&self.0.provenance)
    }
}

/// Which boards to list.
#[derive(InputObject, Debug, Clone, Default)]
pub struct BoardFilter {
    /// GSS code of the borough.
    pub borough: Option<String>,
    /// Established on or after.
    pub established_from: Option<NaiveDate>,
    /// Established before.
    pub established_before: Option<NaiveDate>,
}

/// Which board meetings to list.
#[derive(InputObject, Debug, Clone, Default)]
pub struct BoardMeetingFilter {
    /// GSS code of the borough.
    pub borough: Option<String>,
    pub kind: Option<MeetingKind>,
    pub status: Option<MeetingStatusEnum>,
    /// Only meetings held whose minutes are not yet published (true), or the others.
    pub minutes_outstanding: Option<bool>,
    /// Meeting date (held, else scheduled) at or after.
    pub from: Option<DateTime<Utc>>,
    /// Meeting date before.
    pub before: Option<DateTime<Utc>>,
}

/// Which action items to list.
#[derive(InputObject, Debug, Clone, Default)]
pub struct ActionItemFilter {
    /// GSS code of the borough.
    pub borough: Option<String>,
    /// Only the items this meeting raised.
    pub meeting_id: Option<Uuid>,
    /// Status on `statusOn` (default today, UTC).
    pub status: Option<ActionStatusEnum>,
    pub status_on: Option<NaiveDate>,
    /// Due on or after.
    pub due_from: Option<NaiveDate>,
    /// Due before.
    pub due_before: Option<NaiveDate>,
}

connection!(BoardConnection, BoardEdge, BoardObject, "boards", "boards");
connection!(
    BoardMeetingConnection,
    BoardMeetingEdge,
    BoardMeetingObject,
    "board meetings",
    "meetings"
);
connection!(
    ActionItemConnection,
    ActionItemEdge,
    ActionItemObject,
    "action items",
    "action items"
);

fn board_matches(b: &Board, f: &BoardFilter) -> bool {
    f.borough.as_deref().is_none_or(|x| b.borough.as_str() == x)
        && f.established_from.is_none_or(|d| b.established_on >= d)
        && f.established_before.is_none_or(|d| b.established_on < d)
}

fn meeting_matches(m: &BoardMeeting, f: &BoardMeetingFilter) -> bool {
    f.borough.as_deref().is_none_or(|x| m.borough.as_str() == x)
        && f.kind.is_none_or(|k| m.kind == k)
        && f.status
            .is_none_or(|s| MeetingStatusEnum::from(m.status) == s)
        && f.minutes_outstanding
            .is_none_or(|o| m.minutes_outstanding() == o)
        && f.from.is_none_or(|t| m.date() >= t)
        && f.before.is_none_or(|t| m.date() < t)
}

fn action_matches(a: &ActionItem, f: &ActionItemFilter, on: NaiveDate) -> bool {
    f.borough.as_deref().is_none_or(|x| a.borough.as_str() == x)
        && f.meeting_id.is_none_or(|m| a.meeting_id == m.0)
        && f.status
            .is_none_or(|s| ActionStatusEnum::from(a.status_on(on)) == s)
        && f.due_from.is_none_or(|d| a.due_on >= d)
        && f.due_before.is_none_or(|d| a.due_on < d)
}

#[derive(Default)]
pub struct BoardQuery;

#[Object]
impl BoardQuery {
    /// Safer Neighbourhood Boards, ordered by the day they were established (then
    /// borough). `asOf` reads the model at a past point.
    #[graphql(complexity = "crate::schema::page_cost(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn boards(
        &self,
        ctx: &Context<'_>,
        filter: Option<BoardFilter>,
        order: Option<SortOrder>,
        as_of: Option<AsOfInput>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<BoardConnection> {
        let filter = filter.unwrap_or_default();
        let args = ListArgs::new(ctx, order, first, after, last, before);
        with_model::<Boards, _>(
            ctx,
            |m| &m.boards,
            as_of,
            |m| {
                let page = list(
                    m.model.boards.values(),
                    |b| board_matches(b, &filter),
                    |b, order| day_text_key(b.established_on, b.borough.as_str(), order),
                    |b| BoardObject(b.clone()),
                    &args,
                )?;
                Ok(BoardConnection::new(page, m.checkpoint))
            },
        )
        .await
    }

    /// A borough's board by the borough's GSS code (null if there is none, or none yet at
    /// `asOf`).
    async fn board(
        &self,
        ctx: &Context<'_>,
        borough: String,
        as_of: Option<AsOfInput>,
    ) -> async_graphql::Result<Option<BoardObject>> {
        with_model::<Boards, _>(
            ctx,
            |m| &m.boards,
            as_of,
            |m| {
                Ok(m.model
                    .boards
                    .values()
                    .find(|b| b.borough.as_str() == borough)
                    .cloned()
                    .map(BoardObject))
            },
        )
        .await
    }

    /// Board meetings, ordered by date (held, else scheduled). `asOf` reads the model at a
    /// past point.
    #[graphql(complexity = "crate::schema::page_cost(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn board_meetings(
        &self,
        ctx: &Context<'_>,
        filter: Option<BoardMeetingFilter>,
        order: Option<SortOrder>,
        as_of: Option<AsOfInput>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<BoardMeetingConnection> {
        crate::access::require_query(ctx, engage_access::QueryClass::LocalRecords)?;
        let filter = filter.unwrap_or_default();
        let args = ListArgs::new(ctx, order, first, after, last, before);
        with_model::<Boards, _>(
            ctx,
            |m| &m.boards,
            as_of,
            |m| {
                let page = list(
                    m.model.meetings.values(),
                    |x| meeting_matches(x, &filter),
                    |x, order| time_key(x.date(), &x.meeting_id, order),
                    |x| BoardMeetingObject(x.clone()),
                    &args,
                )?;
                Ok(BoardMeetingConnection::new(page, m.checkpoint))
            },
        )
        .await
    }

    /// One board meeting by its id (null if there is none, or none yet at `asOf`).
    async fn board_meeting(
        &self,
        ctx: &Context<'_>,
        meeting_id: Uuid,
        as_of: Option<AsOfInput>,
    ) -> async_graphql::Result<Option<BoardMeetingObject>> {
        crate::access::require_query(ctx, engage_access::QueryClass::LocalRecords)?;
        with_model::<Boards, _>(
            ctx,
            |m| &m.boards,
            as_of,
            |m| {
                Ok(m.model
                    .meeting(&meeting_id.0)
                    .cloned()
                    .map(BoardMeetingObject))
            },
        )
        .await
    }

    /// Action items raised at board meetings, ordered by the day they were raised.
    /// `asOf` reads the model at a past point.
    #[graphql(complexity = "crate::schema::page_cost(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn action_items(
        &self,
        ctx: &Context<'_>,
        filter: Option<ActionItemFilter>,
        order: Option<SortOrder>,
        as_of: Option<AsOfInput>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<ActionItemConnection> {
        crate::access::require_query(ctx, engage_access::QueryClass::LocalRecords)?;
        let filter = filter.unwrap_or_default();
        let on = filter.status_on.unwrap_or_else(today);
        let args = ListArgs::new(ctx, order, first, after, last, before);
        with_model::<Boards, _>(
            ctx,
            |m| &m.boards,
            as_of,
            |m| {
                let page = list(
                    m.model.action_items.values(),
                    |a| action_matches(a, &filter, on),
                    |a, order| day_key(a.raised_on, &a.action_id, order),
                    |a| ActionItemObject(a.clone()),
                    &args,
                )?;
                Ok(ActionItemConnection::new(page, m.checkpoint))
            },
        )
        .await
    }

    /// One action item by its id (null if there is none, or none yet at `asOf`).
    async fn action_item(
        &self,
        ctx: &Context<'_>,
        action_id: Uuid,
        as_of: Option<AsOfInput>,
    ) -> async_graphql::Result<Option<ActionItemObject>> {
        crate::access::require_query(ctx, engage_access::QueryClass::LocalRecords)?;
        with_model::<Boards, _>(
            ctx,
            |m| &m.boards,
            as_of,
            |m| {
                Ok(m.model
                    .action_item(&action_id.0)
                    .cloned()
                    .map(ActionItemObject))
            },
        )
        .await
    }
}
