//! Ward panels: residents who agree their ward's local policing priorities with the Safer
//! Neighbourhood Team. Every ward should have one: formed, members join and leave, the
//! panel meets, and agrees ward priorities (each then proposed as a
//! [`crate::priority`] with source `ward_panel`). Stream: `ward-panel-<ward GSS code>`.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use engage_log::StreamId;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::context::{ordered, required};
use crate::personal::ContactDetails;
use crate::reference::{BoroughCode, WardCode};
use crate::{DecisionContext, DomainError, Timestamp};

/// The stream of the panel of `ward`.
pub fn stream_id(ward: &WardCode) -> StreamId {
    StreamId::new(format!("ward-panel-{ward}"))
}

/// The part a member plays on the panel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[serde(rename_all = "snake_case")]
pub enum PanelRole {
    Chair,
    Resident,
    BusinessRepresentative,
    YouthRepresentative,
    FaithRepresentative,
    /// The Safer Neighbourhood Team officer who attends (non-voting).
    SntLiaison,
}

/// A ward panel was formed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct WardPanelFormed {
    pub ward: WardCode,
    pub borough: BoroughCode,
    pub formed_on: NaiveDate,
}

/// Someone joined the panel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct WardPanelMemberJoined {
    pub ward: WardCode,
    pub member_id: Uuid,
    pub role: PanelRole,
    pub joined_on: NaiveDate,
    pub personal: ContactDetails,
}

/// A member left the panel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct WardPanelMemberLeft {
    pub ward: WardCode,
    pub member_id: Uuid,
    pub left_on: NaiveDate,
}

/// The panel met.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct WardPanelMet {
    pub ward: WardCode,
    pub meeting_id: Uuid,
    pub held_at: Timestamp,
    pub members_present: Vec<Uuid>,
    /// Residents attending who are not members (a count; no names).
    pub residents_attending: u32,
    pub snt_attended: bool,
}

/// The panel agreed a ward priority at a meeting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct WardPanelPriorityAgreed {
    pub ward: WardCode,
    pub meeting_id: Uuid,
    /// The id under which the priority is proposed to the board (`priority-<id>`).
    pub priority_id: Uuid,
    pub title: String,
    pub description: String,
}

events! {
    pub enum Event {
        Formed(WardPanelFormed) = "WardPanelFormed" v 1: "A ward panel was formed for a ward.",
        MemberJoined(WardPanelMemberJoined) = "WardPanelMemberJoined" v 1: "A resident or representative joined a ward panel.",
        MemberLeft(WardPanelMemberLeft) = "WardPanelMemberLeft" v 1: "A member left a ward panel.",
        Met(WardPanelMet) = "WardPanelMet" v 1: "A ward panel met, with attendance recorded.",
        PriorityAgreed(WardPanelPriorityAgreed) = "WardPanelPriorityAgreed" v 1: "A ward panel agreed a ward policing priority at a meeting.",
    }
}

/// Form the panel of a ward.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "graphql", derive(async_graphql::InputObject))]
pub struct FormWardPanel {
    pub ward: WardCode,
    pub borough: BoroughCode,
    pub formed_on: NaiveDate,
}

/// Record that a member joined the ward panel.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "graphql", derive(async_graphql::InputObject))]
pub struct JoinWardPanel {
    pub member_id: Uuid,
    pub role: PanelRole,
    pub joined_on: NaiveDate,
    pub personal: ContactDetails,
}

/// Record that a member left the ward panel.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "graphql", derive(async_graphql::InputObject))]
pub struct LeaveWardPanel {
    pub member_id: Uuid,
    pub left_on: NaiveDate,
}

/// Record a ward panel meeting (members present, residents, SNT attendance).
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "graphql", derive(async_graphql::InputObject))]
pub struct RecordWardPanelMeeting {
    pub meeting_id: Uuid,
    pub held_at: Timestamp,
    pub members_present: Vec<Uuid>,
    pub residents_attending: u32,
    pub snt_attended: bool,
}

/// Record a priority the panel agreed at a meeting.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "graphql", derive(async_graphql::InputObject))]
pub struct AgreeWardPanelPriority {
    pub meeting_id: Uuid,
    pub priority_id: Uuid,
    pub title: String,
    pub description: String,
}

commands! {
    /// What can be done with a ward panel.
    pub enum Command {
        Form(FormWardPanel),
        Join(JoinWardPanel),
        Leave(LeaveWardPanel),
        RecordMeeting(RecordWardPanelMeeting),
        AgreePriority(AgreeWardPanelPriority),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PanelMember {
    pub role: PanelRole,
    pub joined_on: NaiveDate,
    pub left_on: Option<NaiveDate>,
}

/// A panel's state; `Default` is "not formed".
#[derive(Debug, Clone, Default, PartialEq)]
pub struct State {
    pub ward: Option<WardCode>,
    pub borough: Option<BoroughCode>,
    pub members: BTreeMap<Uuid, PanelMember>,
    pub meetings: BTreeSet<Uuid>,
    pub priorities: BTreeSet<Uuid>,
}

impl State {
    pub fn apply(&mut self, event: &Event) {
        match event {
            Event::Formed(e) => {
                self.ward = Some(e.ward.clone());
                self.borough = Some(e.borough.clone());
            }
            Event::MemberJoined(e) => {
                self.members.insert(
                    e.member_id,
                    PanelMember {
                        role: e.role,
                        joined_on: e.joined_on,
                        left_on: None,
                    },
                );
            }
            Event::MemberLeft(e) => {
                if let Some(m) = self.members.get_mut(&e.member_id) {
                    m.left_on = Some(e.left_on);
                }
            }
            Event::Met(e) => {
                self.meetings.insert(e.meeting_id);
            }
            Event::PriorityAgreed(e) => {
                self.priorities.insert(e.priority_id);
            }
        }
    }
}

aggregate!(WardPanel, "ward-panel");

pub fn decide(
    state: &State,
    command: Command,
    ctx: &DecisionContext<'_>,
) -> Result<Vec<Event>, DomainError> {
    if let Command::Form(FormWardPanel {
        ward,
        borough,
        formed_on,
    }) = command
    {
        if state.ward.is_some() {
            return Err(DomainError::already_exists("ward panel", ward));
        }
        ctx.borough(&borough)?;
        ctx.ward_in_borough(&ward, &borough)?;
        ordered("formed_on", &formed_on, "today", &ctx.now.date_naive())?;
        return Ok(vec![
            WardPanelFormed {
                ward,
                borough,
                formed_on,
            }
            .into(),
        ]);
    }
    let Some(ward) = state.ward.clone() else {
        return Err(DomainError::unknown("ward panel", "(not formed)"));
    };
    let event: Event = match command {
        Command::Form(FormWardPanel { .. }) => {
            return Err(DomainError::already_exists("ward panel", ward));
        }
        Command::Join(JoinWardPanel {
            member_id,
            role,
            joined_on,
            personal,
        }) => {
            if let Some(m) = state.members.get(&member_id) {
                return Err(if m.left_on.is_some() {
                    DomainError::already("panel member", member_id, "left")
                } else {
                    DomainError::already_exists("panel member", member_id)
                });
            }
            required("personal.full_name", &personal.full_name)?;
            WardPanelMemberJoined {
                ward,
                member_id,
                role,
                joined_on,
                personal,
            }
            .into()
        }
        Command::Leave(LeaveWardPanel { member_id, left_on }) => {
            let m = state
                .members
                .get(&member_id)
                .ok_or_else(|| DomainError::unknown("panel member", member_id))?;
            if m.left_on.is_some() {
                return Err(DomainError::already("panel member", member_id, "left"));
            }
            ordered("joined_on", &m.joined_on, "left_on", &left_on)?;
            WardPanelMemberLeft {
                ward,
                member_id,
                left_on,
            }
            .into()
        }
        Command::RecordMeeting(RecordWardPanelMeeting {
            meeting_id,
            held_at,
            members_present,
            residents_attending,
            snt_attended,
        }) => {
            if state.meetings.contains(&meeting_id) {
                return Err(DomainError::already_exists("panel meeting", meeting_id));
            }
            ctx.not_future("held_at", held_at)?;
            for id in &members_present {
                if state.members.get(id).is_none_or(|m| m.left_on.is_some()) {
                    return Err(DomainError::unknown("panel member", id));
                }
            }
            WardPanelMet {
                ward,
                meeting_id,
                held_at,
                members_present,
                residents_attending,
                snt_attended,
            }
            .into()
        }
        Command::AgreePriority(AgreeWardPanelPriority {
            meeting_id,
            priority_id,
            title,
            description,
        }) => {
            if !state.meetings.contains(&meeting_id) {
                return Err(DomainError::unknown("panel meeting", meeting_id));
            }
            if state.priorities.contains(&priority_id) {
                return Err(DomainError::already_exists("ward priority", priority_id));
            }
            required("title", &title)?;
            WardPanelPriorityAgreed {
                ward,
                meeting_id,
                priority_id,
                title,
                description,
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

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
    }

    fn form() -> Command {
        Command::Form(FormWardPanel {
            ward: CAMDEN_WARD.into(),
            borough: CAMDEN.into(),
            formed_on: d(2015, 1, 10),
        })
    }

    fn join(n: u128) -> Command {
        Command::Join(JoinWardPanel {
            member_id: id(n),
            role: PanelRole::Resident,
            joined_on: d(2024, 1, 1),
            personal: ContactDetails {
                data_subject_id: id(100 + n),
                full_name: "R Resident".into(),
                email: None,
                phone: Some("020 7946 0000".into()),
            },
        })
    }

    fn run(state: &mut State, cmd: Command) -> Result<Vec<Event>, DomainError> {
        let events = decide(state, cmd, &ctx())?;
        events.iter().for_each(|e| state.apply(e));
        Ok(events)
    }

    pub(crate) fn samples() -> Vec<Event> {
        let mut s = State::default();
        [
            form(),
            join(1),
            join(2),
            Command::RecordMeeting(RecordWardPanelMeeting {
                meeting_id: id(50),
                held_at: days_ago(7),
                members_present: vec![id(1), id(2)],
                residents_attending: 6,
                snt_attended: true,
            }),
            Command::AgreePriority(AgreeWardPanelPriority {
                meeting_id: id(50),
                priority_id: id(60),
                title: "Moped-enabled phone snatches".into(),
                description: "Around the high street after dark".into(),
            }),
            Command::Leave(LeaveWardPanel {
                member_id: id(2),
                left_on: d(2025, 6, 1),
            }),
        ]
        .into_iter()
        .flat_map(|c| run(&mut s, c).expect("valid"))
        .collect()
    }

    #[test]
    fn lifecycle() {
        let s = WardPanel::fold(&samples());
        assert_eq!(s.ward.as_ref().map(WardCode::as_str), Some(CAMDEN_WARD));
        assert_eq!(
            s.members.values().filter(|m| m.left_on.is_none()).count(),
            1
        );
        assert!(s.priorities.contains(&id(60)));
        assert_eq!(
            stream_id(&CAMDEN_WARD.into()).as_str(),
            format!("ward-panel-{CAMDEN_WARD}")
        );
    }

    #[test]
    fn errors() {
        let wrong_borough = Command::Form(FormWardPanel {
            ward: HACKNEY_WARD.into(),
            borough: CAMDEN.into(),
            formed_on: d(2015, 1, 1),
        });
        assert!(matches!(
            decide(&State::default(), wrong_borough, &ctx()),
            Err(DomainError::WardNotInBorough { .. })
        ));
        assert!(matches!(
            decide(&State::default(), join(1), &ctx()),
            Err(DomainError::Unknown {
                kind: "ward panel",
                ..
            })
        ));
        let mut s = State::default();
        run(&mut s, form()).expect("form");
        assert!(matches!(
            decide(&s, form(), &ctx()),
            Err(DomainError::AlreadyExists { .. })
        ));
        run(&mut s, join(1)).expect("join");
        assert!(matches!(
            decide(&s, join(1), &ctx()),
            Err(DomainError::AlreadyExists { .. })
        ));
        assert!(matches!(
            decide(
                &s,
                Command::Leave(LeaveWardPanel {
                    member_id: id(1),
                    left_on: d(2020, 1, 1)
                }),
                &ctx()
            ),
            Err(DomainError::EndBeforeStart { .. })
        ));
        assert!(matches!(
            decide(
                &s,
                Command::Leave(LeaveWardPanel {
                    member_id: id(9),
                    left_on: d(2025, 1, 1)
                }),
                &ctx()
            ),
            Err(DomainError::Unknown {
                kind: "panel member",
                ..
            })
        ));
        assert!(matches!(
            decide(
                &s,
                Command::AgreePriority(AgreeWardPanelPriority {
                    meeting_id: id(77),
                    priority_id: id(60),
                    title: "t".into(),
                    description: String::new()
                }),
                &ctx()
            ),
            Err(DomainError::Unknown {
                kind: "panel meeting",
                ..
            })
        ));
        assert!(matches!(
            decide(
                &s,
                Command::RecordMeeting(RecordWardPanelMeeting {
                    meeting_id: id(50),
                    held_at: days_ago(1),
                    members_present: vec![id(5)],
                    residents_attending: 0,
                    snt_attended: false
                }),
                &ctx()
            ),
            Err(DomainError::Unknown {
                kind: "panel member",
                ..
            })
        ));
    }
}
