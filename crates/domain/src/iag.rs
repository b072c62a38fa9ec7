//! Board oversight of Independent Advisory Groups (IAGs): community members who advise the
//! police (on stop and search, critical incidents, particular communities). The board
//! registers the IAGs it oversees, observes their meetings, and records the advice they
//! give the police. Stream: `iag-<uuid>`.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use engage_log::StreamId;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::context::{non_empty, ordered, required};
use crate::reference::BoroughCode;
use crate::{DecisionContext, DomainError};

/// The stream of one IAG.
pub fn stream_id(iag_id: Uuid) -> StreamId {
    StreamId::new(format!("iag-{iag_id}"))
}

/// An IAG the board oversees was registered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct IagRegistered {
    pub iag_id: Uuid,
    /// The overseeing board's borough; none for a pan-London IAG.
    pub borough: Option<BoroughCode>,
    pub name: String,
    /// What it advises on (e.g. `stop and search`, `LGBT+ communities`).
    pub focus: String,
    pub registered_on: NaiveDate,
}

/// Board members observed a meeting of the IAG.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct IagMeetingObserved {
    pub iag_id: Uuid,
    pub meeting_id: Uuid,
    pub held_on: NaiveDate,
    /// Board members who observed (member ids).
    pub observed_by: Vec<Uuid>,
    /// IAG members present (a count).
    pub members_present: u32,
    pub police_attended: bool,
    pub observations: String,
}

/// The IAG gave the police advice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct IagAdviceRecorded {
    pub iag_id: Uuid,
    pub advice_id: Uuid,
    /// The observed meeting at which it was given, if any.
    pub meeting_id: Option<Uuid>,
    pub given_on: NaiveDate,
    /// Whom it was given to (e.g. `borough commander`).
    pub given_to: String,
    pub topic: String,
    pub advice: String,
}

events! {
    pub enum Event {
        Registered(IagRegistered) = "IagRegistered" v 1: "An Independent Advisory Group overseen by a board was registered.",
        MeetingObserved(IagMeetingObserved) = "IagMeetingObserved" v 1: "Board members observed a meeting of an Independent Advisory Group.",
        AdviceRecorded(IagAdviceRecorded) = "IagAdviceRecorded" v 1: "Advice an Independent Advisory Group gave the police was recorded.",
    }
}

/// Register an Independent Advisory Group the board oversees.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "graphql", derive(async_graphql::InputObject))]
pub struct RegisterIag {
    pub iag_id: Uuid,
    pub borough: Option<BoroughCode>,
    pub name: String,
    pub focus: String,
    pub registered_on: NaiveDate,
}

/// Record that board members observed an IAG meeting.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "graphql", derive(async_graphql::InputObject))]
pub struct ObserveIagMeeting {
    pub meeting_id: Uuid,
    pub held_on: NaiveDate,
    pub observed_by: Vec<Uuid>,
    pub members_present: u32,
    pub police_attended: bool,
    pub observations: String,
}

/// Record advice the IAG gave to the police or another body.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "graphql", derive(async_graphql::InputObject))]
pub struct RecordIagAdvice {
    pub advice_id: Uuid,
    pub meeting_id: Option<Uuid>,
    pub given_on: NaiveDate,
    pub given_to: String,
    pub topic: String,
    pub advice: String,
}

commands! {
    /// What is recorded about an Independent Advisory Group.
    pub enum Command {
        Register(RegisterIag),
        ObserveMeeting(ObserveIagMeeting),
        RecordAdvice(RecordIagAdvice),
    }
}

/// An IAG's state; `Default` is "not registered".
#[derive(Debug, Clone, Default, PartialEq)]
pub struct State {
    pub iag_id: Option<Uuid>,
    pub registered_on: Option<NaiveDate>,
    pub meetings: BTreeSet<Uuid>,
    pub advice: BTreeSet<Uuid>,
}

impl State {
    pub fn apply(&mut self, event: &Event) {
        match event {
            Event::Registered(e) => {
                self.iag_id = Some(e.iag_id);
                self.registered_on = Some(e.registered_on);
            }
            Event::MeetingObserved(e) => {
                self.meetings.insert(e.meeting_id);
            }
            Event::AdviceRecorded(e) => {
                self.advice.insert(e.advice_id);
            }
        }
    }
}

aggregate!(Iag, "iag");

const KIND: &str = "IAG";

pub fn decide(
    state: &State,
    command: Command,
    ctx: &DecisionContext<'_>,
) -> Result<Vec<Event>, DomainError> {
    if let Command::Register(RegisterIag {
        iag_id,
        borough,
        name,
        focus,
        registered_on,
    }) = command
    {
        if state.iag_id.is_some() {
            return Err(DomainError::already_exists(KIND, iag_id));
        }
        if let Some(b) = &borough {
            ctx.borough(b)?;
        }
        required("name", &name)?;
        required("focus", &focus)?;
        ctx.not_future_day("registered_on", registered_on)?;
        return Ok(vec![
            IagRegistered {
                iag_id,
                borough,
                name,
                focus,
                registered_on,
            }
            .into(),
        ]);
    }
    let (Some(iag_id), Some(registered_on)) = (state.iag_id, state.registered_on) else {
        return Err(DomainError::unknown(KIND, "(not registered)"));
    };
    let event: Event = match command {
        Command::Register(RegisterIag { .. }) => {
            return Err(DomainError::already_exists(KIND, iag_id));
        }
        Command::ObserveMeeting(ObserveIagMeeting {
            meeting_id,
            held_on,
            observed_by,
            members_present,
            police_attended,
            observations,
        }) => {
            if state.meetings.contains(&meeting_id) {
                return Err(DomainError::already_exists("IAG meeting", meeting_id));
            }
            non_empty("observed_by", &observed_by)?;
            required("observations", &observations)?;
            ordered("registered_on", &registered_on, "held_on", &held_on)?;
            ctx.not_future_day("held_on", held_on)?;
            IagMeetingObserved {
                iag_id,
                meeting_id,
                held_on,
                observed_by,
                members_present,
                police_attended,
                observations,
            }
            .into()
        }
        Command::RecordAdvice(RecordIagAdvice {
            advice_id,
            meeting_id,
            given_on,
            given_to,
            topic,
            advice,
        }) => {
            if state.advice.contains(&advice_id) {
                return Err(DomainError::already_exists("IAG advice", advice_id));
            }
            if let Some(m) = meeting_id.filter(|m| !state.meetings.contains(m)) {
                return Err(DomainError::unknown("IAG meeting", m));
            }
            required("given_to", &given_to)?;
            required("topic", &topic)?;
            required("advice", &advice)?;
            ordered("registered_on", &registered_on, "given_on", &given_on)?;
            ctx.not_future_day("given_on", given_on)?;
            IagAdviceRecorded {
                iag_id,
                advice_id,
                meeting_id,
                given_on,
                given_to,
                topic,
                advice,
            }
            .into()
        }
    };
    Ok(vec![event])
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::testkit::*;

    fn register() -> Command {
        Command::Register(RegisterIag {
            iag_id: id(1),
            borough: Some(CAMDEN.into()),
            name: "Camden Stop and Search IAG".into(),
            focus: "stop and search".into(),
            registered_on: day(400),
        })
    }

    fn observe(n: u128, on: i64) -> Command {
        Command::ObserveMeeting(ObserveIagMeeting {
            meeting_id: id(n),
            held_on: day(on),
            observed_by: vec![id(700)],
            members_present: 9,
            police_attended: true,
            observations: "Good challenge on use of Section 60 authorisations".into(),
        })
    }

    fn advise(n: u128, meeting: Option<u128>, on: i64) -> Command {
        Command::RecordAdvice(RecordIagAdvice {
            advice_id: id(n),
            meeting_id: meeting.map(id),
            given_on: day(on),
            given_to: "borough commander".into(),
            topic: "Section 60 authorisation after a stabbing".into(),
            advice: "Publish the authorisation and its end time on social media".into(),
        })
    }

    pub(crate) fn samples() -> Vec<Event> {
        history::<Iag>([register(), observe(10, 30), advise(20, Some(10), 30)]).1
    }

    #[test]
    fn lifecycle() {
        let (s, events) = history::<Iag>([
            register(),
            observe(10, 30),
            advise(20, Some(10), 30),
            advise(21, None, 2),
        ]);
        assert_eq!(events.len(), 4);
        assert_eq!(s.advice.len(), 2);
        assert_eq!(stream_id(id(1)).as_str(), format!("iag-{}", id(1)));
    }

    #[test]
    fn errors() {
        let empty = State::default();
        assert_eq!(
            decide(&empty, observe(10, 30), &ctx()),
            Err(DomainError::unknown("IAG", "(not registered)"))
        );
        let mut nowhere = register();
        if let Command::Register(RegisterIag { borough, .. }) = &mut nowhere {
            *borough = Some("E09000077".into());
        }
        assert!(matches!(
            decide(&empty, nowhere, &ctx()),
            Err(DomainError::UnknownBorough(_))
        ));
        let mut pan_london = register();
        if let Command::Register(RegisterIag { borough, focus, .. }) = &mut pan_london {
            *borough = None;
            focus.clear();
        }
        assert_eq!(
            decide(&empty, pan_london, &ctx()),
            Err(DomainError::Required { field: "focus" })
        );
        let (mut s, _) = history::<Iag>([register()]);
        assert!(matches!(
            decide(&s, register(), &ctx()),
            Err(DomainError::AlreadyExists { kind: "IAG", .. })
        ));
        assert!(matches!(
            decide(&s, observe(10, 500), &ctx()),
            Err(DomainError::EndBeforeStart {
                end_field: "held_on",
                ..
            })
        ));
        let mut unobserved = observe(10, 30);
        if let Command::ObserveMeeting(ObserveIagMeeting { observed_by, .. }) = &mut unobserved {
            observed_by.clear();
        }
        assert_eq!(
            decide(&s, unobserved, &ctx()),
            Err(DomainError::Required {
                field: "observed_by"
            })
        );
        assert_eq!(
            decide(&s, advise(20, Some(10), 30), &ctx()),
            Err(DomainError::unknown("IAG meeting", id(10)))
        );
        step::<Iag>(&mut s, observe(10, 30)).expect("observe");
        assert!(matches!(
            decide(&s, observe(10, 20), &ctx()),
            Err(DomainError::AlreadyExists {
                kind: "IAG meeting",
                ..
            })
        ));
        assert!(matches!(
            decide(&s, advise(20, None, -3), &ctx()),
            Err(DomainError::InFuture {
                field: "given_on",
                ..
            })
        ));
        let mut blank = advise(20, None, 3);
        if let Command::RecordAdvice(RecordIagAdvice { advice, .. }) = &mut blank {
            advice.clear();
        }
        assert_eq!(
            decide(&s, blank, &ctx()),
            Err(DomainError::Required { field: "advice" })
        );
        step::<Iag>(&mut s, advise(20, Some(10), 30)).expect("advice");
        assert!(matches!(
            decide(&s, advise(20, None, 3), &ctx()),
            Err(DomainError::AlreadyExists {
                kind: "IAG advice",
                ..
            })
        ));
    }
}
