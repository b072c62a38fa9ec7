//! Safer Neighbourhood Boards (one per borough and the City): establishment, members and
//! their roles and terms, meetings (scheduled, held with attendance, cancelled, minutes
//! published) and the action items meetings raise. Stream: `board-<borough GSS code>`.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use engage_log::StreamId;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::context::{non_empty, ordered, required};
use crate::personal::ContactDetails;
use crate::reference::BoroughCode;
use crate::{DecisionContext, DomainError, Timestamp};

/// The stream of the board of `borough`.
pub fn stream_id(borough: &BoroughCode) -> StreamId {
    StreamId::new(format!("board-{borough}"))
}

/// The part a member plays on the board.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[serde(rename_all = "snake_case")]
pub enum BoardRole {
    Chair,
    ViceChair,
    Secretary,
    Treasurer,
    Member,
    WardPanelRepresentative,
    IndependentCustodyVisitorRepresentative,
    StopAndSearchMonitoringRepresentative,
    IndependentAdvisoryGroupRepresentative,
    NeighbourhoodWatchRepresentative,
    YouthRepresentative,
    VictimsRepresentative,
    /// Non-voting: the borough commander or their delegate.
    PoliceAdviser,
    /// Non-voting: the local authority's community safety lead.
    CouncilAdviser,
}

/// What kind of meeting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[serde(rename_all = "snake_case")]
pub enum MeetingKind {
    Public,
    Private,
    AnnualGeneral,
    Extraordinary,
}

/// A board was set up for a borough.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct BoardEstablished {
    pub borough: BoroughCode,
    pub name: String,
    pub established_on: NaiveDate,
}

/// A person was appointed to the board in a role for a term.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct BoardMemberAppointed {
    pub borough: BoroughCode,
    pub member_id: Uuid,
    pub role: BoardRole,
    /// The organisation the member represents, if any.
    pub represents: Option<String>,
    pub term_start: NaiveDate,
    pub term_end: Option<NaiveDate>,
    pub personal: ContactDetails,
}

/// A member left the board.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct BoardMemberStoodDown {
    pub borough: BoroughCode,
    pub member_id: Uuid,
    pub stood_down_on: NaiveDate,
    pub reason: Option<String>,
}

/// A meeting was put in the diary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct BoardMeetingScheduled {
    pub borough: BoroughCode,
    pub meeting_id: Uuid,
    pub kind: MeetingKind,
    pub scheduled_for: Timestamp,
    pub venue: String,
    pub agenda: Vec<String>,
}

/// A meeting took place, with who attended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct BoardMeetingHeld {
    pub borough: BoroughCode,
    pub meeting_id: Uuid,
    pub held_at: Timestamp,
    pub members_present: Vec<Uuid>,
    pub apologies: Vec<Uuid>,
    /// Members of the public attending (a count; no names are kept).
    pub public_attendance: u32,
}

/// A scheduled meeting was called off.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct BoardMeetingCancelled {
    pub borough: BoroughCode,
    pub meeting_id: Uuid,
    pub reason: String,
}

/// The minutes of a held meeting were published.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct BoardMinutesPublished {
    pub borough: BoroughCode,
    pub meeting_id: Uuid,
    pub published_at: Timestamp,
    /// Where the minutes are (URL or document reference).
    pub minutes_ref: String,
}

/// A meeting gave someone an action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct BoardActionItemRaised {
    pub borough: BoroughCode,
    pub action_id: Uuid,
    pub meeting_id: Uuid,
    pub description: String,
    /// Who owns it: a role or organisation (e.g. "Borough Commander").
    pub owner: String,
    pub due_on: NaiveDate,
}

/// An action item was done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct BoardActionItemCompleted {
    pub borough: BoroughCode,
    pub action_id: Uuid,
    pub completed_on: NaiveDate,
    pub outcome: String,
}

events! {
    pub enum Event {
        Established(BoardEstablished) = "BoardEstablished" v 1: "A Safer Neighbourhood Board was established for a borough.",
        MemberAppointed(BoardMemberAppointed) = "BoardMemberAppointed" v 1: "A member was appointed to a board in a role for a term.",
        MemberStoodDown(BoardMemberStoodDown) = "BoardMemberStoodDown" v 1: "A board member stood down.",
        MeetingScheduled(BoardMeetingScheduled) = "BoardMeetingScheduled" v 1: "A board meeting was scheduled.",
        MeetingHeld(BoardMeetingHeld) = "BoardMeetingHeld" v 1: "A board meeting was held, with attendance recorded.",
        MeetingCancelled(BoardMeetingCancelled) = "BoardMeetingCancelled" v 1: "A scheduled board meeting was cancelled.",
        MinutesPublished(BoardMinutesPublished) = "BoardMinutesPublished" v 1: "The minutes of a board meeting were published.",
        ActionItemRaised(BoardActionItemRaised) = "BoardActionItemRaised" v 1: "A board meeting raised an action item with an owner and a due date.",
        ActionItemCompleted(BoardActionItemCompleted) = "BoardActionItemCompleted" v 1: "A board action item was completed.",
    }
}

/// Establish the Safer Neighbourhood Board of a borough (one per borough).
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "graphql", derive(async_graphql::InputObject))]
pub struct EstablishBoard {
    pub borough: BoroughCode,
    pub name: String,
    pub established_on: NaiveDate,
}

/// Appoint a member to the board in a role for a term.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "graphql", derive(async_graphql::InputObject))]
pub struct AppointBoardMember {
    pub member_id: Uuid,
    pub role: BoardRole,
    pub represents: Option<String>,
    pub term_start: NaiveDate,
    pub term_end: Option<NaiveDate>,
    pub personal: ContactDetails,
}

/// Record that a board member stood down.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "graphql", derive(async_graphql::InputObject))]
pub struct StandDownBoardMember {
    pub member_id: Uuid,
    pub stood_down_on: NaiveDate,
    pub reason: Option<String>,
}

/// Schedule a board meeting with its venue and agenda.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "graphql", derive(async_graphql::InputObject))]
pub struct ScheduleBoardMeeting {
    pub meeting_id: Uuid,
    pub kind: MeetingKind,
    pub scheduled_for: Timestamp,
    pub venue: String,
    pub agenda: Vec<String>,
}

/// Record that a scheduled board meeting was held: who was present, apologies, public attendance.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "graphql", derive(async_graphql::InputObject))]
pub struct RecordBoardMeetingHeld {
    pub meeting_id: Uuid,
    pub held_at: Timestamp,
    pub members_present: Vec<Uuid>,
    pub apologies: Vec<Uuid>,
    pub public_attendance: u32,
}

/// Cancel a scheduled board meeting.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "graphql", derive(async_graphql::InputObject))]
pub struct CancelBoardMeeting {
    pub meeting_id: Uuid,
    pub reason: String,
}

/// Publish the minutes of a held board meeting.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "graphql", derive(async_graphql::InputObject))]
pub struct PublishBoardMinutes {
    pub meeting_id: Uuid,
    pub published_at: Timestamp,
    pub minutes_ref: String,
}

/// Raise an action item at a board meeting, with an owner and a due date.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "graphql", derive(async_graphql::InputObject))]
pub struct RaiseBoardActionItem {
    pub action_id: Uuid,
    pub meeting_id: Uuid,
    pub description: String,
    pub owner: String,
    pub due_on: NaiveDate,
}

/// Complete an open board action item.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "graphql", derive(async_graphql::InputObject))]
pub struct CompleteBoardActionItem {
    pub action_id: Uuid,
    pub completed_on: NaiveDate,
    pub outcome: String,
}

commands! {
    /// What can be asked of a board.
    pub enum Command {
        Establish(EstablishBoard),
        AppointMember(AppointBoardMember),
        StandDownMember(StandDownBoardMember),
        ScheduleMeeting(ScheduleBoardMeeting),
        RecordMeetingHeld(RecordBoardMeetingHeld),
        CancelMeeting(CancelBoardMeeting),
        PublishMinutes(PublishBoardMinutes),
        RaiseActionItem(RaiseBoardActionItem),
        CompleteActionItem(CompleteBoardActionItem),
    }
}

/// A member as the board knows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub role: BoardRole,
    pub term_start: NaiveDate,
    pub term_end: Option<NaiveDate>,
    pub stood_down_on: Option<NaiveDate>,
    pub data_subject_id: Uuid,
}

/// Where a meeting is in its lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MeetingStatus {
    Scheduled,
    Held,
    Cancelled,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Meeting {
    pub status: MeetingStatus,
    pub scheduled_for: Timestamp,
    pub held_at: Option<Timestamp>,
    pub minutes_ref: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionItem {
    pub meeting_id: Uuid,
    pub due_on: NaiveDate,
    pub completed_on: Option<NaiveDate>,
}

/// A board's state; `Default` is "not established".
#[derive(Debug, Clone, Default, PartialEq)]
pub struct State {
    pub borough: Option<BoroughCode>,
    pub name: String,
    pub established_on: Option<NaiveDate>,
    pub members: BTreeMap<Uuid, Member>,
    pub meetings: BTreeMap<Uuid, Meeting>,
    pub action_items: BTreeMap<Uuid, ActionItem>,
}

impl State {
    pub fn is_established(&self) -> bool {
        self.borough.is_some()
    }

    /// Members who have not stood down.
    pub fn active_members(&self) -> impl Iterator<Item = (&Uuid, &Member)> {
        self.members
            .iter()
            .filter(|(_, m)| m.stood_down_on.is_none())
    }

    pub fn apply(&mut self, event: &Event) {
        match event {
            Event::Established(e) => {
                self.borough = Some(e.borough.clone());
                self.name = e.name.clone();
                self.established_on = Some(e.established_on);
            }
            Event::MemberAppointed(e) => {
                self.members.insert(
                    e.member_id,
                    Member {
                        role: e.role,
                        term_start: e.term_start,
                        term_end: e.term_end,
                        stood_down_on: None,
                        data_subject_id: e.personal.data_subject_id,
                    },
                );
            }
            Event::MemberStoodDown(e) => {
                if let Some(m) = self.members.get_mut(&e.member_id) {
                    m.stood_down_on = Some(e.stood_down_on);
                }
            }
            Event::MeetingScheduled(e) => {
                self.meetings.insert(
                    e.meeting_id,
                    Meeting {
                        status: MeetingStatus::Scheduled,
                        scheduled_for: e.scheduled_for,
                        held_at: None,
                        minutes_ref: None,
                    },
                );
            }
            Event::MeetingHeld(e) => {
                if let Some(m) = self.meetings.get_mut(&e.meeting_id) {
                    m.status = MeetingStatus::Held;
                    m.held_at = Some(e.held_at);
                }
            }
            Event::MeetingCancelled(e) => {
                if let Some(m) = self.meetings.get_mut(&e.meeting_id) {
                    m.status = MeetingStatus::Cancelled;
                }
            }
            Event::MinutesPublished(e) => {
                if let Some(m) = self.meetings.get_mut(&e.meeting_id) {
                    m.minutes_ref = Some(e.minutes_ref.clone());
                }
            }
            Event::ActionItemRaised(e) => {
                self.action_items.insert(
                    e.action_id,
                    ActionItem {
                        meeting_id: e.meeting_id,
                        due_on: e.due_on,
                        completed_on: None,
                    },
                );
            }
            Event::ActionItemCompleted(e) => {
                if let Some(a) = self.action_items.get_mut(&e.action_id) {
                    a.completed_on = Some(e.completed_on);
                }
            }
        }
    }

    fn established(&self) -> Result<BoroughCode, DomainError> {
        self.borough
            .clone()
            .ok_or_else(|| DomainError::unknown("board", "(not established)"))
    }

    fn meeting(&self, id: Uuid) -> Result<&Meeting, DomainError> {
        self.meetings
            .get(&id)
            .ok_or_else(|| DomainError::unknown("meeting", id))
    }
}

aggregate!(Board, "board");

/// Decide a board command.
pub fn decide(
    state: &State,
    command: Command,
    ctx: &DecisionContext<'_>,
) -> Result<Vec<Event>, DomainError> {
    let today = ctx.now.date_naive();
    if let Command::Establish(EstablishBoard {
        borough,
        name,
        established_on,
    }) = command
    {
        if let Some(existing) = &state.borough {
            return Err(DomainError::already_exists("board", existing));
        }
        ctx.borough(&borough)?;
        required("name", &name)?;
        ordered("established_on", &established_on, "today", &today)?;
        return Ok(vec![
            BoardEstablished {
                borough,
                name,
                established_on,
            }
            .into(),
        ]);
    }
    let borough = state.established()?;
    let event: Event = match command {
        Command::Establish(EstablishBoard { .. }) => {
            return Err(DomainError::already_exists("board", borough));
        }
        Command::AppointMember(AppointBoardMember {
            member_id,
            role,
            represents,
            term_start,
            term_end,
            personal,
        }) => {
            if let Some(m) = state.members.get(&member_id) {
                return Err(if m.stood_down_on.is_some() {
                    DomainError::already("member", member_id, "stood down")
                } else {
                    DomainError::already_exists("member", member_id)
                });
            }
            required("personal.full_name", &personal.full_name)?;
            if let Some(end) = &term_end {
                ordered("term_start", &term_start, "term_end", end)?;
            }
            BoardMemberAppointed {
                borough,
                member_id,
                role,
                represents,
                term_start,
                term_end,
                personal,
            }
            .into()
        }
        Command::StandDownMember(StandDownBoardMember {
            member_id,
            stood_down_on,
            reason,
        }) => {
            let m = state
                .members
                .get(&member_id)
                .ok_or_else(|| DomainError::unknown("member", member_id))?;
            if m.stood_down_on.is_some() {
                return Err(DomainError::already("member", member_id, "stood down"));
            }
            ordered("term_start", &m.term_start, "stood_down_on", &stood_down_on)?;
            BoardMemberStoodDown {
                borough,
                member_id,
                stood_down_on,
                reason,
            }
            .into()
        }
        Command::ScheduleMeeting(ScheduleBoardMeeting {
            meeting_id,
            kind,
            scheduled_for,
            venue,
            agenda,
        }) => {
            if state.meetings.contains_key(&meeting_id) {
                return Err(DomainError::already_exists("meeting", meeting_id));
            }
            required("venue", &venue)?;
            BoardMeetingScheduled {
                borough,
                meeting_id,
                kind,
                scheduled_for,
                venue,
                agenda,
            }
            .into()
        }
        Command::RecordMeetingHeld(RecordBoardMeetingHeld {
            meeting_id,
            held_at,
            members_present,
            apologies,
            public_attendance,
        }) => {
            let meeting = state.meeting(meeting_id)?;
            match meeting.status {
                MeetingStatus::Held => {
                    return Err(DomainError::already("meeting", meeting_id, "held"));
                }
                MeetingStatus::Cancelled => {
                    return Err(DomainError::invalid_state(
                        "meeting",
                        meeting_id,
                        "record as held",
                        "cancelled",
                    ));
                }
                MeetingStatus::Scheduled => {}
            }
            ctx.not_future("held_at", held_at)?;
            non_empty("members_present", &members_present)?;
            for id in members_present.iter().chain(&apologies) {
                let active = state
                    .members
                    .get(id)
                    .is_some_and(|m| m.stood_down_on.is_none());
                if !active {
                    return Err(DomainError::unknown("member", id));
                }
            }
            BoardMeetingHeld {
                borough,
                meeting_id,
                held_at,
                members_present,
                apologies,
                public_attendance,
            }
            .into()
        }
        Command::CancelMeeting(CancelBoardMeeting { meeting_id, reason }) => {
            let meeting = state.meeting(meeting_id)?;
            if meeting.status != MeetingStatus::Scheduled {
                return Err(DomainError::already(
                    "meeting",
                    meeting_id,
                    format!("{:?}", meeting.status).to_lowercase(),
                ));
            }
            required("reason", &reason)?;
            BoardMeetingCancelled {
                borough,
                meeting_id,
                reason,
            }
            .into()
        }
        Command::PublishMinutes(PublishBoardMinutes {
            meeting_id,
            published_at,
            minutes_ref,
        }) => {
            let meeting = state.meeting(meeting_id)?;
            let Some(held_at) = meeting.held_at else {
                return Err(DomainError::invalid_state(
                    "meeting",
                    meeting_id,
                    "publish minutes of",
                    "not held",
                ));
            };
            if meeting.minutes_ref.is_some() {
                return Err(DomainError::already(
                    "meeting",
                    meeting_id,
                    "minuted (minutes published)",
                ));
            }
            required("minutes_ref", &minutes_ref)?;
            ordered("held_at", &held_at, "published_at", &published_at)?;
            ctx.not_future("published_at", published_at)?;
            BoardMinutesPublished {
                borough,
                meeting_id,
                published_at,
                minutes_ref,
            }
            .into()
        }
        Command::RaiseActionItem(RaiseBoardActionItem {
            action_id,
            meeting_id,
            description,
            owner,
            due_on,
        }) => {
            if state.action_items.contains_key(&action_id) {
                return Err(DomainError::already_exists("action item", action_id));
            }
            let meeting = state.meeting(meeting_id)?;
            let Some(held_at) = meeting.held_at else {
                return Err(DomainError::invalid_state(
                    "meeting",
                    meeting_id,
                    "raise an action at",
                    "not held",
                ));
            };
            required("description", &description)?;
            required("owner", &owner)?;
            ordered("meeting date", &held_at.date_naive(), "due_on", &due_on)?;
            BoardActionItemRaised {
                borough,
                action_id,
                meeting_id,
                description,
                owner,
                due_on,
            }
            .into()
        }
        Command::CompleteActionItem(CompleteBoardActionItem {
            action_id,
            completed_on,
            outcome,
        }) => {
            let item = state
                .action_items
                .get(&action_id)
                .ok_or_else(|| DomainError::unknown("action item", action_id))?;
            if item.completed_on.is_some() {
                return Err(DomainError::already("action item", action_id, "completed"));
            }
            required("outcome", &outcome)?;
            ordered("today", &completed_on, "today", &today).map_err(|_| {
                DomainError::invalid("completed_on", format!("{completed_on} is in the future"))
            })?;
            BoardActionItemCompleted {
                borough,
                action_id,
                completed_on,
                outcome,
            }
            .into()
        }
    };
    Ok(vec![event])
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::Aggregate;
    use crate::testkit::*;
    use chrono::Duration;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
    }

    fn contact(n: u128, name: &str) -> ContactDetails {
        ContactDetails {
            data_subject_id: id(1000 + n),
            full_name: name.into(),
            email: Some(format!("member{n}@example.org")),
            phone: None,
        }
    }

    fn run(state: &mut State, cmd: Command) -> Result<Vec<Event>, DomainError> {
        let events = decide(state, cmd, &ctx())?;
        for e in &events {
            state.apply(e);
        }
        Ok(events)
    }

    fn established() -> State {
        let mut s = State::default();
        run(
            &mut s,
            Command::Establish(EstablishBoard {
                borough: CAMDEN.into(),
                name: "Camden Safer Neighbourhood Board".into(),
                established_on: d(2014, 4, 1),
            }),
        )
        .expect("establish");
        for (n, role) in [(1, BoardRole::Chair), (2, BoardRole::Secretary)] {
            run(
                &mut s,
                Command::AppointMember(AppointBoardMember {
                    member_id: id(n),
                    role,
                    represents: None,
                    term_start: d(2024, 4, 1),
                    term_end: Some(d(2027, 3, 31)),
                    personal: contact(n, "A Member"),
                }),
            )
            .expect("appoint");
        }
        s
    }

    fn held_meeting(s: &mut State, meeting: Uuid) {
        run(
            s,
            Command::ScheduleMeeting(ScheduleBoardMeeting {
                meeting_id: meeting,
                kind: MeetingKind::Public,
                scheduled_for: days_ago(10),
                venue: "Camden Town Hall".into(),
                agenda: vec!["Priorities".into()],
            }),
        )
        .expect("schedule");
        run(
            s,
            Command::RecordMeetingHeld(RecordBoardMeetingHeld {
                meeting_id: meeting,
                held_at: days_ago(10),
                members_present: vec![id(1)],
                apologies: vec![id(2)],
                public_attendance: 14,
            }),
        )
        .expect("held");
    }

    /// One of every board event, from a valid history.
    pub(crate) fn samples() -> Vec<Event> {
        let mut s = State::default();
        let mut all = Vec::new();
        let mut go = |s: &mut State, cmd| all.extend(run(s, cmd).expect("valid command"));
        go(
            &mut s,
            Command::Establish(EstablishBoard {
                borough: CAMDEN.into(),
                name: "Camden Safer Neighbourhood Board".into(),
                established_on: d(2014, 4, 1),
            }),
        );
        for (n, role) in [(1, BoardRole::Chair), (2, BoardRole::Secretary)] {
            go(
                &mut s,
                Command::AppointMember(AppointBoardMember {
                    member_id: id(n),
                    role,
                    represents: Some("Kentish Town ward panel".into()),
                    term_start: d(2024, 4, 1),
                    term_end: Some(d(2027, 3, 31)),
                    personal: contact(n, "A Member"),
                }),
            );
        }
        let meeting = id(50);
        go(
            &mut s,
            Command::ScheduleMeeting(ScheduleBoardMeeting {
                meeting_id: meeting,
                kind: MeetingKind::Public,
                scheduled_for: days_ago(10),
                venue: "Camden Town Hall".into(),
                agenda: vec!["Priorities".into()],
            }),
        );
        go(
            &mut s,
            Command::RecordMeetingHeld(RecordBoardMeetingHeld {
                meeting_id: meeting,
                held_at: days_ago(10),
                members_present: vec![id(1)],
                apologies: vec![id(2)],
                public_attendance: 14,
            }),
        );
        go(
            &mut s,
            Command::PublishMinutes(PublishBoardMinutes {
                meeting_id: meeting,
                published_at: days_ago(3),
                minutes_ref: "https://example.org/minutes/2025-06.pdf".into(),
            }),
        );
        go(
            &mut s,
            Command::RaiseActionItem(RaiseBoardActionItem {
                action_id: id(60),
                meeting_id: meeting,
                description: "Report on knife crime hotspots".into(),
                owner: "Borough Commander".into(),
                due_on: d(2025, 9, 1),
            }),
        );
        go(
            &mut s,
            Command::CompleteActionItem(CompleteBoardActionItem {
                action_id: id(60),
                completed_on: d(2025, 6, 29),
                outcome: "Presented at July meeting".into(),
            }),
        );
        go(
            &mut s,
            Command::ScheduleMeeting(ScheduleBoardMeeting {
                meeting_id: id(51),
                kind: MeetingKind::AnnualGeneral,
                scheduled_for: now() + Duration::days(20),
                venue: "Online".into(),
                agenda: vec![],
            }),
        );
        go(
            &mut s,
            Command::CancelMeeting(CancelBoardMeeting {
                meeting_id: id(51),
                reason: "Clashes with borough election count".into(),
            }),
        );
        go(
            &mut s,
            Command::StandDownMember(StandDownBoardMember {
                member_id: id(2),
                stood_down_on: d(2025, 6, 1),
                reason: None,
            }),
        );
        all
    }

    #[test]
    fn full_board_lifecycle() {
        let events = samples();
        let s = Board::fold(&events);
        assert_eq!(stream_id(&CAMDEN.into()).as_str(), "board-E09000007");
        assert!(s.is_established());
        assert_eq!(s.active_members().count(), 1);
        assert_eq!(s.meetings[&id(50)].status, MeetingStatus::Held);
        assert!(s.meetings[&id(50)].minutes_ref.is_some());
        assert_eq!(s.meetings[&id(51)].status, MeetingStatus::Cancelled);
        assert!(s.action_items[&id(60)].completed_on.is_some());
    }

    #[test]
    fn establishing_needs_a_london_borough_and_happens_once() {
        let err = decide(
            &State::default(),
            Command::Establish(EstablishBoard {
                borough: "E09000099".into(),
                name: "Nowhere".into(),
                established_on: d(2014, 1, 1),
            }),
            &ctx(),
        );
        assert_eq!(err, Err(DomainError::UnknownBorough("E09000099".into())));
        let s = established();
        let again = decide(
            &s,
            Command::Establish(EstablishBoard {
                borough: CAMDEN.into(),
                name: "Again".into(),
                established_on: d(2014, 1, 1),
            }),
            &ctx(),
        );
        assert!(matches!(
            again,
            Err(DomainError::AlreadyExists { kind: "board", .. })
        ));
    }

    #[test]
    fn commands_on_an_unestablished_board_are_refused() {
        let err = decide(
            &State::default(),
            Command::CancelMeeting(CancelBoardMeeting {
                meeting_id: id(1),
                reason: "x".into(),
            }),
            &ctx(),
        );
        assert!(matches!(
            err,
            Err(DomainError::Unknown { kind: "board", .. })
        ));
    }

    #[test]
    fn member_errors() {
        let mut s = established();
        let dup = decide(
            &s,
            Command::AppointMember(AppointBoardMember {
                member_id: id(1),
                role: BoardRole::Member,
                represents: None,
                term_start: d(2024, 1, 1),
                term_end: None,
                personal: contact(1, "X"),
            }),
            &ctx(),
        );
        assert!(matches!(
            dup,
            Err(DomainError::AlreadyExists { kind: "member", .. })
        ));
        let backwards = decide(
            &s,
            Command::AppointMember(AppointBoardMember {
                member_id: id(3),
                role: BoardRole::Member,
                represents: None,
                term_start: d(2025, 1, 1),
                term_end: Some(d(2024, 1, 1)),
                personal: contact(3, "Y"),
            }),
            &ctx(),
        );
        assert!(matches!(
            backwards,
            Err(DomainError::EndBeforeStart {
                end_field: "term_end",
                ..
            })
        ));
        let unknown = decide(
            &s,
            Command::StandDownMember(StandDownBoardMember {
                member_id: id(9),
                stood_down_on: d(2025, 1, 1),
                reason: None,
            }),
            &ctx(),
        );
        assert!(matches!(
            unknown,
            Err(DomainError::Unknown { kind: "member", .. })
        ));
        run(
            &mut s,
            Command::StandDownMember(StandDownBoardMember {
                member_id: id(1),
                stood_down_on: d(2025, 1, 1),
                reason: None,
            }),
        )
        .expect("stand down");
        let twice = decide(
            &s,
            Command::StandDownMember(StandDownBoardMember {
                member_id: id(1),
                stood_down_on: d(2025, 2, 1),
                reason: None,
            }),
            &ctx(),
        );
        assert!(matches!(
            twice,
            Err(DomainError::Already { kind: "member", .. })
        ));
    }

    #[test]
    fn meeting_errors() {
        let mut s = established();
        let unknown = decide(
            &s,
            Command::PublishMinutes(PublishBoardMinutes {
                meeting_id: id(77),
                published_at: days_ago(1),
                minutes_ref: "m".into(),
            }),
            &ctx(),
        );
        assert!(matches!(
            unknown,
            Err(DomainError::Unknown {
                kind: "meeting",
                ..
            })
        ));
        run(
            &mut s,
            Command::ScheduleMeeting(ScheduleBoardMeeting {
                meeting_id: id(70),
                kind: MeetingKind::Private,
                scheduled_for: now() + Duration::days(7),
                venue: "Online".into(),
                agenda: vec![],
            }),
        )
        .expect("schedule");
        let not_held = decide(
            &s,
            Command::PublishMinutes(PublishBoardMinutes {
                meeting_id: id(70),
                published_at: days_ago(1),
                minutes_ref: "m".into(),
            }),
            &ctx(),
        );
        assert!(matches!(not_held, Err(DomainError::InvalidState { .. })));
        let future = decide(
            &s,
            Command::RecordMeetingHeld(RecordBoardMeetingHeld {
                meeting_id: id(70),
                held_at: now() + Duration::days(7),
                members_present: vec![id(1)],
                apologies: vec![],
                public_attendance: 0,
            }),
            &ctx(),
        );
        assert!(matches!(
            future,
            Err(DomainError::InFuture {
                field: "held_at",
                ..
            })
        ));
        let stranger = decide(
            &s,
            Command::RecordMeetingHeld(RecordBoardMeetingHeld {
                meeting_id: id(70),
                held_at: days_ago(1),
                members_present: vec![id(99)],
                apologies: vec![],
                public_attendance: 0,
            }),
            &ctx(),
        );
        assert!(matches!(
            stranger,
            Err(DomainError::Unknown { kind: "member", .. })
        ));
        run(
            &mut s,
            Command::CancelMeeting(CancelBoardMeeting {
                meeting_id: id(70),
                reason: "Venue unavailable".into(),
            }),
        )
        .expect("cancel");
        let held_after_cancel = decide(
            &s,
            Command::RecordMeetingHeld(RecordBoardMeetingHeld {
                meeting_id: id(70),
                held_at: days_ago(1),
                members_present: vec![id(1)],
                apologies: vec![],
                public_attendance: 0,
            }),
            &ctx(),
        );
        assert!(matches!(
            held_after_cancel,
            Err(DomainError::InvalidState { .. })
        ));
        held_meeting(&mut s, id(71));
        let minutes = Command::PublishMinutes(PublishBoardMinutes {
            meeting_id: id(71),
            published_at: days_ago(1),
            minutes_ref: "m".into(),
        });
        run(&mut s, minutes.clone()).expect("minutes");
        assert!(matches!(
            decide(&s, minutes, &ctx()),
            Err(DomainError::Already {
                kind: "meeting",
                ..
            })
        ));
        let early = decide(
            &s,
            Command::RaiseActionItem(RaiseBoardActionItem {
                action_id: id(80),
                meeting_id: id(71),
                description: "d".into(),
                owner: "o".into(),
                due_on: d(2020, 1, 1),
            }),
            &ctx(),
        );
        assert!(matches!(
            early,
            Err(DomainError::EndBeforeStart {
                end_field: "due_on",
                ..
            })
        ));
        let unknown_action = decide(
            &s,
            Command::CompleteActionItem(CompleteBoardActionItem {
                action_id: id(81),
                completed_on: d(2025, 6, 1),
                outcome: "o".into(),
            }),
            &ctx(),
        );
        assert!(matches!(
            unknown_action,
            Err(DomainError::Unknown {
                kind: "action item",
                ..
            })
        ));
    }
}
