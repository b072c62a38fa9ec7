//! Safer Neighbourhood Boards: one record per board (its borough, name, establishment, and
//! every member over time with role, organisation represented and term), one record per
//! board meeting (scheduled, held with attendance, cancelled, minutes published, the action
//! items it raised), and one per action item (owner, due, completed or overdue). Meetings and
//! actions are findable by borough and period. Members are kept by member and data-subject
//! id; names and contact details stay in the log.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use engage_domain::board::{BoardRole, Event, MeetingKind};
use engage_domain::{BoroughCode, DomainEvent, Timestamp};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::period::within;
use super::provenance::Provenance;
use crate::event::ProjectedEvent;
use crate::model::ReadModel;

/// A member's appointment to a board.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BoardMember {
    pub member_id: Uuid,
    /// Whose contact details the appointing event holds.
    pub data_subject_id: Uuid,
    pub role: BoardRole,
    /// The organisation the member represents, if any.
    pub represents: Option<String>,
    pub term_start: NaiveDate,
    pub term_end: Option<NaiveDate>,
    pub stood_down_on: Option<NaiveDate>,
    pub stood_down_reason: Option<String>,
    pub provenance: Provenance,
}

impl BoardMember {
    /// Whether the member has not stood down.
    pub fn is_current(&self) -> bool {
        self.stood_down_on.is_none()
    }

    /// Whether they held their seat on `day`: their term had begun and not ended, and they
    /// had not stood down before it.
    pub fn in_post_on(&self, day: NaiveDate) -> bool {
        self.term_start <= day
            && self.term_end.is_none_or(|end| day <= end)
            && self.stood_down_on.is_none_or(|s| day <= s)
    }

    /// Whether their term ended before `today` while they are still recorded as serving
    /// (a reappointment or standing down is due).
    pub fn term_lapsed(&self, today: NaiveDate) -> bool {
        self.is_current() && self.term_end.is_some_and(|end| end < today)
    }
}

/// One Safer Neighbourhood Board.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Board {
    pub borough: BoroughCode,
    pub name: String,
    pub established_on: NaiveDate,
    /// Every appointment there has been, by member id.
    pub members: BTreeMap<Uuid, BoardMember>,
    /// Members who have not stood down.
    pub current_member_count: u32,
    pub provenance: Provenance,
}

impl Board {
    /// Members who have not stood down.
    pub fn current_members(&self) -> impl Iterator<Item = &BoardMember> {
        self.members.values().filter(|m| m.is_current())
    }

    /// Members in post on `day`.
    pub fn members_on(&self, day: NaiveDate) -> impl Iterator<Item = &BoardMember> {
        self.members.values().filter(move |m| m.in_post_on(day))
    }

    /// Current members in `role`.
    pub fn with_role(&self, role: BoardRole) -> impl Iterator<Item = &BoardMember> {
        self.current_members().filter(move |m| m.role == role)
    }
}

/// Where a meeting is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum MeetingStatus {
    Scheduled,
    Held,
    Cancelled,
}

/// One board meeting.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BoardMeeting {
    pub meeting_id: Uuid,
    pub borough: BoroughCode,
    pub kind: MeetingKind,
    pub scheduled_for: Timestamp,
    pub venue: String,
    pub agenda: Vec<String>,
    pub status: MeetingStatus,
    pub held_at: Option<Timestamp>,
    /// Member ids present and sending apologies.
    pub members_present: Vec<Uuid>,
    pub apologies: Vec<Uuid>,
    /// Members of the public attending (a count).
    pub public_attendance: u32,
    pub cancelled_reason: Option<String>,
    pub minutes_published_at: Option<Timestamp>,
    pub minutes_ref: Option<String>,
    /// Whole days from the meeting to its minutes being published.
    pub days_to_minutes: Option<i64>,
    /// Action items raised at it, in the order recorded.
    pub action_items: Vec<Uuid>,
    pub provenance: Provenance,
}

impl BoardMeeting {
    /// The meeting's date for period queries: when it was held, else when it was scheduled.
    pub fn date(&self) -> Timestamp {
        self.held_at.unwrap_or(self.scheduled_for)
    }

    /// Held, and no minutes published yet.
    pub fn minutes_outstanding(&self) -> bool {
        self.status == MeetingStatus::Held && self.minutes_published_at.is_none()
    }
}

/// Where an action item is, on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ActionStatus {
    Open,
    /// Open past its due date.
    Overdue,
    Completed,
    /// Completed after its due date.
    CompletedLate,
}

/// One action item raised at a board meeting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionItem {
    pub action_id: Uuid,
    pub borough: BoroughCode,
    pub meeting_id: Uuid,
    pub description: String,
    /// A role or organisation (e.g. "Borough Commander").
    pub owner: String,
    /// The day of the meeting that raised it (the day the event happened when that meeting
    /// is not known to the model).
    pub raised_on: NaiveDate,
    pub due_on: NaiveDate,
    pub completed_on: Option<NaiveDate>,
    pub outcome: Option<String>,
    /// Whole days completed after the due date (negative when early).
    pub days_after_due: Option<i64>,
    pub provenance: Provenance,
}

impl ActionItem {
    /// Its status on `today` (open items become overdue the day after they are due).
    pub fn status_on(&self, today: NaiveDate) -> ActionStatus {
        match self.completed_on {
            Some(done) if done > self.due_on => ActionStatus::CompletedLate,
            Some(_) => ActionStatus::Completed,
            None if today > self.due_on => ActionStatus::Overdue,
            None => ActionStatus::Open,
        }
    }
}

/// Every board, meeting and action item.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Boards {
    pub boards: BTreeMap<BoroughCode, Board>,
    pub meetings: BTreeMap<Uuid, BoardMeeting>,
    pub action_items: BTreeMap<Uuid, ActionItem>,
}

impl ReadModel for Boards {
    const NAME: &'static str = "boards";
    const VERSION: u32 = 1;

    fn apply(&mut self, event: &ProjectedEvent) {
        let Some(DomainEvent::Board(e)) = &event.domain else {
            return;
        };
        match e {
            Event::Established(b) => {
                let mut board = Board {
                    borough: b.borough.clone(),
                    name: b.name.clone(),
                    established_on: b.established_on,
                    members: BTreeMap::new(),
                    current_member_count: 0,
                    provenance: Provenance::default(),
                };
                board.provenance.touch(event);
                self.boards.insert(b.borough.clone(), board);
            }
            Event::MemberAppointed(a) => {
                let Some(board) = self.boards.get_mut(&a.borough) else {
                    return;
                };
                let mut member = BoardMember {
                    member_id: a.member_id,
                    data_subject_id: a.personal.data_subject_id,
                    role: a.role,
                    represents: a.represents.clone(),
                    term_start: a.term_start,
                    term_end: a.term_end,
                    stood_down_on: None,
                    stood_down_reason: None,
                    provenance: Provenance::default(),
                };
                member.provenance.touch(event);
                board.members.insert(a.member_id, member);
                board.provenance.touch(event);
                board.refresh();
            }
            Event::MemberStoodDown(s) => {
                let Some(board) = self.boards.get_mut(&s.borough) else {
                    return;
                };
                let Some(member) = board.members.get_mut(&s.member_id) else {
                    return;
                };
                member.stood_down_on = Some(s.stood_down_on);
                member.stood_down_reason.clone_from(&s.reason);
                member.provenance.touch(event);
                board.provenance.touch(event);
                board.refresh();
            }
            Event::MeetingScheduled(s) => {
                let mut meeting = BoardMeeting {
                    meeting_id: s.meeting_id,
                    borough: s.borough.clone(),
                    kind: s.kind,
                    scheduled_for: s.scheduled_for,
                    venue: s.venue.clone(),
                    agenda: s.agenda.clone(),
                    status: MeetingStatus::Scheduled,
                    held_at: None,
                    members_present: Vec::new(),
                    apologies: Vec::new(),
                    public_attendance: 0,
                    cancelled_reason: None,
                    minutes_published_at: None,
                    minutes_ref: None,
                    days_to_minutes: None,
                    action_items: Vec::new(),
                    provenance: Provenance::default(),
                };
                meeting.provenance.touch(event);
                self.meetings.insert(s.meeting_id, meeting);
            }
            Event::MeetingHeld(h) => {
                let Some(m) = self.meetings.get_mut(&h.meeting_id) else {
                    return;
                };
                m.status = MeetingStatus::Held;
                m.held_at = Some(h.held_at);
                m.members_present.clone_from(&h.members_present);
                m.apologies.clone_from(&h.apologies);
                m.public_attendance = h.public_attendance;
                m.refresh();
                m.provenance.touch(event);
            }
            Event::MeetingCancelled(c) => {
                let Some(m) = self.meetings.get_mut(&c.meeting_id) else {
                    return;
                };
                if m.status == MeetingStatus::Scheduled {
                    m.status = MeetingStatus::Cancelled;
                }
                m.cancelled_reason = Some(c.reason.clone());
                m.provenance.touch(event);
            }
            Event::MinutesPublished(p) => {
                let Some(m) = self.meetings.get_mut(&p.meeting_id) else {
                    return;
                };
                m.minutes_published_at = Some(p.published_at);
                m.minutes_ref = Some(p.minutes_ref.clone());
                m.refresh();
                m.provenance.touch(event);
            }
            Event::ActionItemRaised(r) => {
                let meeting = self.meetings.get_mut(&r.meeting_id);
                let raised_on = meeting
                    .as_ref()
                    .and_then(|m| m.held_at)
                    .unwrap_or(event.occurred_at())
                    .date_naive();
                if let Some(m) = meeting {
                    m.action_items.push(r.action_id);
                    m.provenance.touch(event);
                }
                let mut item = ActionItem {
                    action_id: r.action_id,
                    borough: r.borough.clone(),
                    meeting_id: r.meeting_id,
                    description: r.description.clone(),
                    owner: r.owner.clone(),
                    raised_on,
                    due_on: r.due_on,
                    completed_on: None,
                    outcome: None,
                    days_after_due: None,
                    provenance: Provenance::default(),
                };
                item.provenance.touch(event);
                self.action_items.insert(r.action_id, item);
            }
            Event::ActionItemCompleted(c) => {
                let Some(a) = self.action_items.get_mut(&c.action_id) else {
                    return;
                };
                a.completed_on = Some(c.completed_on);
                a.outcome = Some(c.outcome.clone());
                a.days_after_due = Some((c.completed_on - a.due_on).num_days());
                a.provenance.touch(event);
            }
        }
    }
}

impl Board {
    fn refresh(&mut self) {
        let n = self.members.values().filter(|m| m.is_current()).count();
        self.current_member_count = u32::try_from(n).unwrap_or(u32::MAX);
    }
}

impl BoardMeeting {
    fn refresh(&mut self) {
        self.days_to_minutes = self
            .held_at
            .zip(self.minutes_published_at)
            .map(|(held, published)| (published - held).num_days());
    }
}

impl Boards {
    pub fn board(&self, borough: &BoroughCode) -> Option<&Board> {
        self.boards.get(borough)
    }

    pub fn meeting(&self, id: &Uuid) -> Option<&BoardMeeting> {
        self.meetings.get(id)
    }

    pub fn action_item(&self, id: &Uuid) -> Option<&ActionItem> {
        self.action_items.get(id)
    }

    /// The meetings of a borough's board (every board when `None`), in id order.
    pub fn meetings_of<'a>(
        &'a self,
        borough: Option<&'a BoroughCode>,
    ) -> impl Iterator<Item = &'a BoardMeeting> + 'a {
        self.meetings
            .values()
            .filter(move |m| borough.is_none_or(|b| &m.borough == b))
    }

    /// Meetings whose date ([`BoardMeeting::date`]) is in `[from, to)`, whatever their status.
    pub fn meetings_in<'a>(
        &'a self,
        borough: Option<&'a BoroughCode>,
        from: Timestamp,
        to: Timestamp,
    ) -> impl Iterator<Item = &'a BoardMeeting> + 'a {
        self.meetings_of(borough)
            .filter(move |m| within(&m.date(), &from, &to))
    }

    /// Meetings held in `[from, to)`.
    pub fn held_in<'a>(
        &'a self,
        borough: Option<&'a BoroughCode>,
        from: Timestamp,
        to: Timestamp,
    ) -> impl Iterator<Item = &'a BoardMeeting> + 'a {
        self.meetings_of(borough)
            .filter(move |m| m.held_at.is_some_and(|h| within(&h, &from, &to)))
    }

    /// Held meetings whose minutes are not yet published.
    pub fn minutes_outstanding<'a>(
        &'a self,
        borough: Option<&'a BoroughCode>,
    ) -> impl Iterator<Item = &'a BoardMeeting> + 'a {
        self.meetings_of(borough)
            .filter(|m| m.minutes_outstanding())
    }

    /// The action items of a borough's board (every board when `None`), in id order.
    pub fn actions_of<'a>(
        &'a self,
        borough: Option<&'a BoroughCode>,
    ) -> impl Iterator<Item = &'a ActionItem> + 'a {
        self.action_items
            .values()
            .filter(move |a| borough.is_none_or(|b| &a.borough == b))
    }

    /// Action items raised in `[from, to)` (by [`ActionItem::raised_on`]).
    pub fn actions_raised_in<'a>(
        &'a self,
        borough: Option<&'a BoroughCode>,
        from: NaiveDate,
        to: NaiveDate,
    ) -> impl Iterator<Item = &'a ActionItem> + 'a {
        self.actions_of(borough)
            .filter(move |a| within(&a.raised_on, &from, &to))
    }

    /// Action items due in `[from, to)`.
    pub fn actions_due_in<'a>(
        &'a self,
        borough: Option<&'a BoroughCode>,
        from: NaiveDate,
        to: NaiveDate,
    ) -> impl Iterator<Item = &'a ActionItem> + 'a {
        self.actions_of(borough)
            .filter(move |a| within(&a.due_on, &from, &to))
    }

    /// Action items still open after their due date, as of `today`.
    pub fn actions_overdue<'a>(
        &'a self,
        borough: Option<&'a BoroughCode>,
        today: NaiveDate,
    ) -> impl Iterator<Item = &'a ActionItem> + 'a {
        self.actions_of(borough)
            .filter(move |a| a.status_on(today) == ActionStatus::Overdue)
    }

    /// The action items a meeting raised.
    pub fn actions_of_meeting<'a>(
        &'a self,
        meeting: &'a Uuid,
    ) -> impl Iterator<Item = &'a ActionItem> + 'a {
        self.action_items
            .values()
            .filter(move |a| &a.meeting_id == meeting)
    }
}

#[cfg(test)]
mod tests {
    use engage_domain::board::{
        BoardActionItemCompleted, BoardActionItemRaised, BoardEstablished, BoardMeetingCancelled,
        BoardMeetingHeld, BoardMeetingScheduled, BoardMemberAppointed, BoardMemberStoodDown,
        BoardMinutesPublished, stream_id,
    };
    use engage_domain::personal::ContactDetails;

    use super::*;
    use crate::models::testing::{TestLog, at, day, fold, fold_checked, id};

    const CAMDEN: &str = "E09000007";
    const HACKNEY: &str = "E09000012";

    fn camden() -> BoroughCode {
        CAMDEN.into()
    }

    fn appointed(n: u128, role: BoardRole, term_end: Option<NaiveDate>) -> Event {
        BoardMemberAppointed {
            borough: camden(),
            member_id: id(n),
            role,
            represents: (role == BoardRole::PoliceAdviser)
                .then(|| "Metropolitan Police Service".to_owned()),
            term_start: day(2024, 4, 1),
            term_end,
            personal: ContactDetails {
                data_subject_id: id(1000 + n),
                full_name: "A Member".into(),
                email: Some("member@example.org".into()),
                phone: None,
            },
        }
        .into()
    }

    fn scheduled(meeting: u128, when: Timestamp) -> Event {
        BoardMeetingScheduled {
            borough: camden(),
            meeting_id: id(meeting),
            kind: MeetingKind::Public,
            scheduled_for: when,
            venue: "Camden Town Hall".into(),
            agenda: vec!["Priorities".into(), "Stop and search".into()],
        }
        .into()
    }

    /// Camden's board: three members (one stands down), a meeting held and minuted with two
    /// actions (one completed late), a meeting cancelled, one still scheduled.
    fn history() -> (TestLog, Vec<u64>) {
        let mut log = TestLog::new();
        let s = stream_id(&camden());
        let events: Vec<Event> = vec![
            BoardEstablished {
                borough: camden(),
                name: "Camden Safer Neighbourhood Board".into(),
                established_on: day(2014, 4, 1),
            }
            .into(),
            appointed(1, BoardRole::Chair, Some(day(2027, 3, 31))),
            appointed(2, BoardRole::Secretary, Some(day(2025, 3, 31))),
            appointed(3, BoardRole::PoliceAdviser, None),
            scheduled(10, at(2025, 2, 10)),
            BoardMeetingHeld {
                borough: camden(),
                meeting_id: id(10),
                held_at: at(2025, 2, 11),
                members_present: vec![id(1), id(3)],
                apologies: vec![id(2)],
                public_attendance: 14,
            }
            .into(),
            BoardMinutesPublished {
                borough: camden(),
                meeting_id: id(10),
                published_at: at(2025, 2, 25),
                minutes_ref: "https://example.org/minutes/2025-02".into(),
            }
            .into(),
            BoardActionItemRaised {
                borough: camden(),
                action_id: id(20),
                meeting_id: id(10),
                description: "Report stop-and-search figures by ward".into(),
                owner: "Borough Commander".into(),
                due_on: day(2025, 3, 31),
            }
            .into(),
            BoardActionItemRaised {
                borough: camden(),
                action_id: id(21),
                meeting_id: id(10),
                description: "Circulate the ICV annual report".into(),
                owner: "Secretary".into(),
                due_on: day(2025, 3, 1),
            }
            .into(),
            BoardActionItemCompleted {
                borough: camden(),
                action_id: id(20),
                completed_on: day(2025, 4, 4),
                outcome: "Figures presented at the April meeting".into(),
            }
            .into(),
            BoardMemberStoodDown {
                borough: camden(),
                member_id: id(2),
                stood_down_on: day(2025, 3, 31),
                reason: Some("End of term".into()),
            }
            .into(),
            scheduled(11, at(2025, 4, 10)),
            BoardMeetingCancelled {
                borough: camden(),
                meeting_id: id(11),
                reason: "Venue unavailable".into(),
            }
            .into(),
            scheduled(12, at(2025, 5, 12)),
        ];
        let positions = events
            .into_iter()
            .map(|e| log.record(s.clone(), e, at(2025, 5, 1)))
            .collect();
        (log, positions)
    }

    #[test]
    fn board_members_meetings_and_actions() {
        let (log, _) = history();
        let m: Boards = fold_checked(&log.events);
        let b = m.board(&camden()).unwrap();
        assert_eq!(b.established_on, day(2014, 4, 1));
        assert_eq!(b.members.len(), 3);
        assert_eq!(b.current_member_count, 2);
        let secretary = &b.members[&id(2)];
        assert_eq!(secretary.data_subject_id, id(1002));
        assert_eq!(secretary.stood_down_on, Some(day(2025, 3, 31)));
        assert_eq!(secretary.stood_down_reason.as_deref(), Some("End of term"));
        assert_eq!(secretary.provenance.positions, vec![3, 11]);
        assert_eq!(b.members_on(day(2025, 3, 31)).count(), 3);
        assert_eq!(b.members_on(day(2025, 4, 1)).count(), 2);
        assert_eq!(b.with_role(BoardRole::Chair).count(), 1);
        assert_eq!(
            b.members[&id(3)].represents.as_deref(),
            Some("Metropolitan Police Service")
        );
        assert!(!b.members[&id(1)].term_lapsed(day(2027, 3, 31)));
        assert!(b.members[&id(1)].term_lapsed(day(2027, 4, 1)));
        assert_eq!(b.provenance.positions, vec![1, 2, 3, 4, 11]);

        let held = m.meeting(&id(10)).unwrap();
        assert_eq!(held.status, MeetingStatus::Held);
        assert_eq!(held.held_at, Some(at(2025, 2, 11)));
        assert_eq!(held.members_present, vec![id(1), id(3)]);
        assert_eq!(held.apologies, vec![id(2)]);
        assert_eq!(held.public_attendance, 14);
        assert_eq!(held.days_to_minutes, Some(14));
        assert_eq!(held.action_items, vec![id(20), id(21)]);
        assert_eq!(held.provenance.positions, vec![5, 6, 7, 8, 9]);
        let cancelled = m.meeting(&id(11)).unwrap();
        assert_eq!(cancelled.status, MeetingStatus::Cancelled);
        assert_eq!(
            cancelled.cancelled_reason.as_deref(),
            Some("Venue unavailable")
        );
        assert_eq!(cancelled.provenance.positions, vec![12, 13]);

        let late = m.action_item(&id(20)).unwrap();
        assert_eq!(late.raised_on, day(2025, 2, 11));
        assert_eq!(late.days_after_due, Some(4));
        assert_eq!(late.status_on(day(2025, 5, 1)), ActionStatus::CompletedLate);
        assert_eq!(late.provenance.positions, vec![8, 10]);
        let open = m.action_item(&id(21)).unwrap();
        assert_eq!(open.status_on(day(2025, 3, 1)), ActionStatus::Open);
        assert_eq!(open.status_on(day(2025, 3, 2)), ActionStatus::Overdue);
    }

    #[test]
    fn meetings_and_actions_by_borough_and_period() {
        let (log, _) = history();
        let m: Boards = fold_checked(&log.events);
        let c = camden();
        let ids = |it: &mut dyn Iterator<Item = Uuid>| it.collect::<Vec<_>>();
        assert_eq!(
            ids(&mut m
                .meetings_in(Some(&c), at(2025, 2, 1), at(2025, 5, 1))
                .map(|x| x.meeting_id)),
            vec![id(10), id(11)]
        );
        assert_eq!(
            ids(&mut m
                .held_in(None, at(2025, 1, 1), at(2026, 1, 1))
                .map(|x| x.meeting_id)),
            vec![id(10)]
        );
        assert!(
            m.held_in(None, at(2025, 1, 1), at(2025, 2, 11))
                .next()
                .is_none()
        );
        assert!(m.meetings_of(Some(&HACKNEY.into())).next().is_none());
        assert!(m.minutes_outstanding(None).next().is_none());
        assert_eq!(
            ids(&mut m
                .actions_due_in(Some(&c), day(2025, 3, 1), day(2025, 4, 1))
                .map(|a| a.action_id)),
            vec![id(20), id(21)]
        );
        assert_eq!(
            ids(&mut m
                .actions_raised_in(None, day(2025, 2, 11), day(2025, 2, 12))
                .map(|a| a.action_id)),
            vec![id(20), id(21)]
        );
        assert_eq!(
            ids(&mut m
                .actions_overdue(Some(&c), day(2025, 6, 1))
                .map(|a| a.action_id)),
            vec![id(21)]
        );
        assert_eq!(m.actions_of_meeting(&id(10)).count(), 2);
    }

    #[test]
    fn events_for_unknown_boards_meetings_and_actions_are_ignored() {
        let (log, _) = history();
        // Without the establishment, appointments have no board to join.
        let m: Boards = fold(log.events.get(1..4).unwrap());
        assert!(m.boards.is_empty());
        // Without the scheduling, the holding, minutes and cancellation are ignored; the
        // actions it raised are kept, dated by when they were recorded as happening.
        let later: Vec<_> = log
            .events
            .iter()
            .filter(|e| ![5, 12].contains(&e.position()))
            .cloned()
            .collect();
        let m: Boards = fold(&later);
        assert!(m.meeting(&id(10)).is_none());
        assert!(m.meeting(&id(11)).is_none());
        assert_eq!(m.action_item(&id(20)).unwrap().raised_on, day(2025, 5, 1));
        // A completion without its action is ignored.
        let m: Boards = fold(log.events.get(9..10).unwrap());
        assert!(m.action_items.is_empty());
    }
}
