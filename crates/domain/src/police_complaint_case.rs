//! A board's monitoring of public complaints against its borough's police officers: a case
//! is noted (the police complaint reference and when it was received), its allegations are
//! added (each with a category), the handling route is recorded (and re-recorded if the
//! case is escalated), an outcome is recorded per allegation, learning is recorded, and the
//! case is closed once every allegation has an outcome. The complainant's details, when the
//! board holds them at all, are personal data. Stream: `police-complaint-<uuid>`.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use engage_log::StreamId;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::context::{ordered, required};
use crate::personal::ComplainantDetails;
use crate::reference::BoroughCode;
use crate::{DecisionContext, DomainError, Timestamp};

/// The stream of one monitored complaint case.
pub fn stream_id(case_id: Uuid) -> StreamId {
    StreamId::new(format!("police-complaint-{case_id}"))
}

/// What an allegation is about (after the IOPC's categories).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[serde(rename_all = "snake_case")]
pub enum AllegationCategory {
    /// The service delivered: response, investigation, updates.
    DeliveryOfDuties,
    /// Use of police powers: stop and search, arrest, entry, seizure.
    PolicePowers,
    UseOfForce,
    /// Individual behaviour: rudeness, lack of professionalism.
    IndividualBehaviour,
    DiscriminatoryBehaviour,
    /// Handling of information and data.
    AccessToInformation,
    /// Abuse of position, corruption.
    AbuseOfPosition,
    HandlingOfProperty,
    Detention,
    Other,
}

/// How the police are handling the complaint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[serde(rename_all = "snake_case")]
pub enum HandlingRoute {
    /// Dealt with outside Schedule 3 (resolved informally on first contact).
    OutsideSchedule3,
    /// Recorded under Schedule 3, handled otherwise than by investigation.
    OtherwiseThanByInvestigation,
    /// Investigated by the force's professional standards.
    LocalInvestigation,
    /// Investigated by the force under IOPC direction.
    DirectedInvestigation,
    /// Investigated by the IOPC.
    IndependentInvestigation,
}

impl std::fmt::Display for HandlingRoute {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::OutsideSchedule3 => "outside Schedule 3",
            Self::OtherwiseThanByInvestigation => "otherwise than by investigation",
            Self::LocalInvestigation => "local investigation",
            Self::DirectedInvestigation => "directed investigation",
            Self::IndependentInvestigation => "independent investigation",
        })
    }
}

/// The outcome of one allegation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[serde(rename_all = "snake_case")]
pub enum AllegationOutcome {
    ServiceAcceptable,
    ServiceNotAcceptable,
    NotDetermined,
    /// Upheld (the pre-2020 regime's wording).
    Upheld,
    /// Not upheld (the pre-2020 regime's wording).
    NotUpheld,
    Withdrawn,
    Discontinued,
}

/// Whose learning it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[serde(rename_all = "snake_case")]
pub enum LearningKind {
    /// Reflective practice or learning for the officers involved.
    Individual,
    /// A change to the borough's or force's practice.
    Organisational,
}

/// The board noted a public complaint against borough officers for monitoring.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PoliceComplaintCaseNoted {
    pub case_id: Uuid,
    pub borough: BoroughCode,
    /// The police (or IOPC) complaint reference.
    pub reference: String,
    /// When the police received the complaint.
    pub received_on: NaiveDate,
    pub noted_at: Timestamp,
    /// What the complaint is about, without names.
    pub summary: String,
    /// The complainant, when the board holds their details (often it does not).
    pub personal: Option<ComplainantDetails>,
}

/// An allegation within the complaint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PoliceComplaintAllegationAdded {
    pub case_id: Uuid,
    pub allegation_id: Uuid,
    pub category: AllegationCategory,
    pub description: String,
    /// How many officers or staff the allegation is against.
    pub officers_involved: u32,
}

/// The route by which the police are handling the complaint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PoliceComplaintHandlingRouteRecorded {
    pub case_id: Uuid,
    pub route: HandlingRoute,
    pub decided_on: NaiveDate,
    /// The route it replaces, if the case was re-routed (e.g. referred to the IOPC).
    pub previous_route: Option<HandlingRoute>,
    pub rationale: Option<String>,
}

/// The outcome of one allegation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PoliceComplaintAllegationOutcomeRecorded {
    pub case_id: Uuid,
    pub allegation_id: Uuid,
    pub outcome: AllegationOutcome,
    pub decided_on: NaiveDate,
    pub summary: String,
}

/// Learning drawn from the complaint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PoliceComplaintLearningRecorded {
    pub case_id: Uuid,
    pub learning_id: Uuid,
    pub kind: LearningKind,
    pub learning: String,
    pub recorded_on: NaiveDate,
}

/// The board closed its monitoring of the case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PoliceComplaintCaseClosed {
    pub case_id: Uuid,
    pub closed_on: NaiveDate,
    /// Whole days from the police receiving the complaint to closure.
    pub days_open: i64,
    pub board_comment: Option<String>,
}

events! {
    pub enum Event {
        Noted(PoliceComplaintCaseNoted) = "PoliceComplaintCaseNoted" v 1: "A board noted a public complaint against borough officers for monitoring.",
        AllegationAdded(PoliceComplaintAllegationAdded) = "PoliceComplaintAllegationAdded" v 1: "An allegation (with its category) was added to a monitored police complaint.",
        HandlingRouteRecorded(PoliceComplaintHandlingRouteRecorded) = "PoliceComplaintHandlingRouteRecorded" v 1: "The handling route of a monitored police complaint was recorded.",
        AllegationOutcomeRecorded(PoliceComplaintAllegationOutcomeRecorded) = "PoliceComplaintAllegationOutcomeRecorded" v 1: "The outcome of one allegation of a monitored police complaint was recorded.",
        LearningRecorded(PoliceComplaintLearningRecorded) = "PoliceComplaintLearningRecorded" v 1: "Learning from a monitored police complaint was recorded.",
        Closed(PoliceComplaintCaseClosed) = "PoliceComplaintCaseClosed" v 1: "A board closed its monitoring of a police complaint (with days open).",
    }
}

/// Note a police complaint case the board monitors.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "graphql", derive(async_graphql::InputObject))]
pub struct NotePoliceComplaintCase {
    pub case_id: Uuid,
    pub borough: BoroughCode,
    pub reference: String,
    pub received_on: NaiveDate,
    pub noted_at: Timestamp,
    pub summary: String,
    pub personal: Option<ComplainantDetails>,
}

/// Add an allegation to a police complaint case.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "graphql", derive(async_graphql::InputObject))]
pub struct AddPoliceComplaintAllegation {
    pub allegation_id: Uuid,
    pub category: AllegationCategory,
    pub description: String,
    pub officers_involved: u32,
}

/// Record how the complaint is being handled (its route under the Police Reform Act).
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "graphql", derive(async_graphql::InputObject))]
pub struct RecordPoliceComplaintHandlingRoute {
    pub route: HandlingRoute,
    pub decided_on: NaiveDate,
    pub rationale: Option<String>,
}

/// Record the outcome of one allegation.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "graphql", derive(async_graphql::InputObject))]
pub struct RecordPoliceComplaintAllegationOutcome {
    pub allegation_id: Uuid,
    pub outcome: AllegationOutcome,
    pub decided_on: NaiveDate,
    pub summary: String,
}

/// Record learning identified from the case.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "graphql", derive(async_graphql::InputObject))]
pub struct RecordPoliceComplaintLearning {
    pub learning_id: Uuid,
    pub kind: LearningKind,
    pub learning: String,
    pub recorded_on: NaiveDate,
}

/// Close the case once every allegation has an outcome.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "graphql", derive(async_graphql::InputObject))]
pub struct ClosePoliceComplaintCase {
    pub closed_on: NaiveDate,
    pub board_comment: Option<String>,
}

commands! {
    /// What the board records about a police complaint case it monitors.
    pub enum Command {
        Note(NotePoliceComplaintCase),
        AddAllegation(AddPoliceComplaintAllegation),
        RecordHandlingRoute(RecordPoliceComplaintHandlingRoute),
        RecordOutcome(RecordPoliceComplaintAllegationOutcome),
        RecordLearning(RecordPoliceComplaintLearning),
        Close(ClosePoliceComplaintCase),
    }
}

/// An allegation as the state keeps it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Allegation {
    pub category: AllegationCategory,
    pub outcome: Option<AllegationOutcome>,
}

/// A case's state; `Default` is "not noted".
#[derive(Debug, Clone, Default, PartialEq)]
pub struct State {
    pub case_id: Option<Uuid>,
    pub borough: Option<BoroughCode>,
    pub received_on: Option<NaiveDate>,
    pub route: Option<HandlingRoute>,
    pub route_decided_on: Option<NaiveDate>,
    pub allegations: BTreeMap<Uuid, Allegation>,
    pub learning: Vec<Uuid>,
    pub closed_on: Option<NaiveDate>,
    pub data_subject_id: Option<Uuid>,
}

impl State {
    pub fn apply(&mut self, event: &Event) {
        match event {
            Event::Noted(e) => {
                self.case_id = Some(e.case_id);
                self.borough = Some(e.borough.clone());
                self.received_on = Some(e.received_on);
                self.data_subject_id = e.personal.as_ref().map(|p| p.data_subject_id);
            }
            Event::AllegationAdded(e) => {
                self.allegations.insert(
                    e.allegation_id,
                    Allegation {
                        category: e.category,
                        outcome: None,
                    },
                );
            }
            Event::HandlingRouteRecorded(e) => {
                self.route = Some(e.route);
                self.route_decided_on = Some(e.decided_on);
            }
            Event::AllegationOutcomeRecorded(e) => {
                if let Some(a) = self.allegations.get_mut(&e.allegation_id) {
                    a.outcome = Some(e.outcome);
                }
            }
            Event::LearningRecorded(e) => self.learning.push(e.learning_id),
            Event::Closed(e) => self.closed_on = Some(e.closed_on),
        }
    }
}

aggregate!(PoliceComplaintCase, "police-complaint");

const KIND: &str = "police complaint case";

/// Decide a police-complaint monitoring command.
pub fn decide(
    state: &State,
    command: Command,
    ctx: &DecisionContext<'_>,
) -> Result<Vec<Event>, DomainError> {
    if let Command::Note(NotePoliceComplaintCase {
        case_id,
        borough,
        reference,
        received_on,
        noted_at,
        summary,
        personal,
    }) = command
    {
        if state.case_id.is_some() {
            return Err(DomainError::already_exists(KIND, case_id));
        }
        ctx.borough(&borough)?;
        required("reference", &reference)?;
        required("summary", &summary)?;
        if let Some(p) = &personal {
            required("personal.full_name", &p.full_name)?;
        }
        ordered(
            "received_on",
            &received_on,
            "noted_at",
            &noted_at.date_naive(),
        )?;
        ctx.not_future("noted_at", noted_at)?;
        return Ok(vec![
            PoliceComplaintCaseNoted {
                case_id,
                borough,
                reference,
                received_on,
                noted_at,
                summary,
                personal,
            }
            .into(),
        ]);
    }
    let (Some(case_id), Some(received_on)) = (state.case_id, state.received_on) else {
        return Err(DomainError::unknown(KIND, "(not noted)"));
    };
    if let Some(closed_on) = state.closed_on {
        if matches!(command, Command::Close(ClosePoliceComplaintCase { .. })) {
            return Err(DomainError::already(KIND, case_id, "closed"));
        }
        let action = match &command {
            Command::AddAllegation(AddPoliceComplaintAllegation { .. }) => "add an allegation to",
            Command::RecordHandlingRoute(RecordPoliceComplaintHandlingRoute { .. }) => {
                "record the handling route of"
            }
            Command::RecordOutcome(RecordPoliceComplaintAllegationOutcome { .. }) => {
                "record an outcome on"
            }
            Command::RecordLearning(RecordPoliceComplaintLearning { .. }) => "record learning on",
            Command::Note(NotePoliceComplaintCase { .. })
            | Command::Close(ClosePoliceComplaintCase { .. }) => "change",
        };
        return Err(DomainError::invalid_state(
            KIND,
            case_id,
            action,
            format!("closed on {closed_on}"),
        ));
    }
    let event: Event = match command {
        Command::Note(NotePoliceComplaintCase { .. }) => {
            return Err(DomainError::already_exists(KIND, case_id));
        }
        Command::AddAllegation(AddPoliceComplaintAllegation {
            allegation_id,
            category,
            description,
            officers_involved,
        }) => {
            if state.allegations.contains_key(&allegation_id) {
                return Err(DomainError::already_exists("allegation", allegation_id));
            }
            required("description", &description)?;
            PoliceComplaintAllegationAdded {
                case_id,
                allegation_id,
                category,
                description,
                officers_involved,
            }
            .into()
        }
        Command::RecordHandlingRoute(RecordPoliceComplaintHandlingRoute {
            route,
            decided_on,
            rationale,
        }) => {
            if state.route == Some(route) {
                return Err(DomainError::already(
                    KIND,
                    case_id,
                    format!("handled by {route}"),
                ));
            }
            if state.allegations.values().any(|a| a.outcome.is_some()) {
                return Err(DomainError::invalid_state(
                    KIND,
                    case_id,
                    "re-route",
                    "deciding outcomes",
                ));
            }
            let since = state.route_decided_on.unwrap_or(received_on);
            ordered("previous step", &since, "decided_on", &decided_on)?;
            ctx.not_future_day("decided_on", decided_on)?;
            PoliceComplaintHandlingRouteRecorded {
                case_id,
                route,
                decided_on,
                previous_route: state.route,
                rationale,
            }
            .into()
        }
        Command::RecordOutcome(RecordPoliceComplaintAllegationOutcome {
            allegation_id,
            outcome,
            decided_on,
            summary,
        }) => {
            let a = state
                .allegations
                .get(&allegation_id)
                .ok_or_else(|| DomainError::unknown("allegation", allegation_id))?;
            if a.outcome.is_some() {
                return Err(DomainError::already("allegation", allegation_id, "decided"));
            }
            let Some(route_on) = state.route_decided_on else {
                return Err(DomainError::invalid_state(
                    KIND,
                    case_id,
                    "record an outcome on",
                    "without a handling route",
                ));
            };
            required("summary", &summary)?;
            ordered("route decided_on", &route_on, "decided_on", &decided_on)?;
            ctx.not_future_day("decided_on", decided_on)?;
            PoliceComplaintAllegationOutcomeRecorded {
                case_id,
                allegation_id,
                outcome,
                decided_on,
                summary,
            }
            .into()
        }
        Command::RecordLearning(RecordPoliceComplaintLearning {
            learning_id,
            kind,
            learning,
            recorded_on,
        }) => {
            if state.learning.contains(&learning_id) {
                return Err(DomainError::already_exists("learning", learning_id));
            }
            required("learning", &learning)?;
            ordered("received_on", &received_on, "recorded_on", &recorded_on)?;
            ctx.not_future_day("recorded_on", recorded_on)?;
            PoliceComplaintLearningRecorded {
                case_id,
                learning_id,
                kind,
                learning,
                recorded_on,
            }
            .into()
        }
        Command::Close(ClosePoliceComplaintCase {
            closed_on,
            board_comment,
        }) => {
            if state.allegations.is_empty() {
                return Err(DomainError::invalid_state(
                    KIND,
                    case_id,
                    "close",
                    "without allegations",
                ));
            }
            if let Some((id, _)) = state.allegations.iter().find(|(_, a)| a.outcome.is_none()) {
                return Err(DomainError::invalid_state(
                    KIND,
                    case_id,
                    "close",
                    format!("awaiting the outcome of allegation {id}"),
                ));
            }
            ordered("received_on", &received_on, "closed_on", &closed_on)?;
            ctx.not_future_day("closed_on", closed_on)?;
            PoliceComplaintCaseClosed {
                case_id,
                closed_on,
                days_open: (closed_on - received_on).num_days(),
                board_comment,
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

    fn day(n: i64) -> NaiveDate {
        days_ago(n).date_naive()
    }

    fn note(personal: Option<ComplainantDetails>) -> Command {
        Command::Note(NotePoliceComplaintCase {
            case_id: id(1),
            borough: CAMDEN.into(),
            reference: "case 10000".into(),
            received_on: day(90),
            noted_at: days_ago(80),
            summary: "Complaint about a stop and search outside a station".into(),
            personal,
        })
    }

    fn complainant() -> ComplainantDetails {
        ComplainantDetails {
            data_subject_id: id(9001),
            full_name: "A Complainant".into(),
            email: None,
            phone: None,
            postal_address: None,
        }
    }

    fn allege(n: u128, category: AllegationCategory) -> Command {
        Command::AddAllegation(AddPoliceComplaintAllegation {
            allegation_id: id(n),
            category,
            description: "Search without explaining the grounds".into(),
            officers_involved: 2,
        })
    }

    fn route(route: HandlingRoute, on: i64) -> Command {
        Command::RecordHandlingRoute(RecordPoliceComplaintHandlingRoute {
            route,
            decided_on: day(on),
            rationale: None,
        })
    }

    fn outcome(n: u128, on: i64) -> Command {
        Command::RecordOutcome(RecordPoliceComplaintAllegationOutcome {
            allegation_id: id(n),
            outcome: AllegationOutcome::ServiceNotAcceptable,
            decided_on: day(on),
            summary: "Grounds not explained; reflective practice".into(),
        })
    }

    fn close(on: i64) -> Command {
        Command::Close(ClosePoliceComplaintCase {
            closed_on: day(on),
            board_comment: None,
        })
    }

    fn run(state: &mut State, cmd: Command) -> Result<Vec<Event>, DomainError> {
        let events = decide(state, cmd, &ctx())?;
        events.iter().for_each(|e| state.apply(e));
        Ok(events)
    }

    fn noted() -> State {
        let mut s = State::default();
        run(&mut s, note(None)).expect("note");
        s
    }

    pub(crate) fn samples() -> Vec<Event> {
        let mut s = State::default();
        [
            note(Some(complainant())),
            allege(10, AllegationCategory::PolicePowers),
            allege(11, AllegationCategory::IndividualBehaviour),
            route(HandlingRoute::OtherwiseThanByInvestigation, 85),
            route(HandlingRoute::LocalInvestigation, 70),
            outcome(10, 20),
            outcome(11, 20),
            Command::RecordLearning(RecordPoliceComplaintLearning {
                learning_id: id(30),
                kind: LearningKind::Organisational,
                learning: "Team briefing on explaining grounds (GOWISELY)".into(),
                recorded_on: day(15),
            }),
            Command::Close(ClosePoliceComplaintCase {
                closed_on: day(10),
                board_comment: Some("Reported to the board's public meeting".into()),
            }),
        ]
        .into_iter()
        .flat_map(|c| run(&mut s, c).expect("valid"))
        .collect()
    }

    #[test]
    fn full_lifecycle() {
        let events = samples();
        assert_eq!(events.len(), 9);
        let s = PoliceComplaintCase::fold(&events);
        assert_eq!(s.route, Some(HandlingRoute::LocalInvestigation));
        assert_eq!(s.data_subject_id, Some(id(9001)));
        assert!(matches!(
            &events[4],
            Event::HandlingRouteRecorded(r)
                if r.previous_route == Some(HandlingRoute::OtherwiseThanByInvestigation)
        ));
        assert!(matches!(&events[8], Event::Closed(c) if c.days_open == 80));
        assert_eq!(
            stream_id(id(1)).as_str(),
            format!("police-complaint-{}", id(1))
        );
    }

    #[test]
    fn note_validation() {
        assert!(matches!(
            decide(&noted(), note(None), &ctx()),
            Err(DomainError::AlreadyExists { .. })
        ));
        let mut late = note(None);
        if let Command::Note(NotePoliceComplaintCase { received_on, .. }) = &mut late {
            *received_on = day(70);
        }
        assert!(matches!(
            decide(&State::default(), late, &ctx()),
            Err(DomainError::EndBeforeStart {
                end_field: "noted_at",
                ..
            })
        ));
        let mut nameless = complainant();
        nameless.full_name = " ".into();
        assert_eq!(
            decide(&State::default(), note(Some(nameless)), &ctx()),
            Err(DomainError::Required {
                field: "personal.full_name"
            })
        );
        let mut no_ref = note(None);
        if let Command::Note(NotePoliceComplaintCase { reference, .. }) = &mut no_ref {
            reference.clear();
        }
        assert_eq!(
            decide(&State::default(), no_ref, &ctx()),
            Err(DomainError::Required { field: "reference" })
        );
        let mut borough_less = note(None);
        if let Command::Note(NotePoliceComplaintCase { borough, .. }) = &mut borough_less {
            *borough = "E08000001".into();
        }
        assert!(matches!(
            decide(&State::default(), borough_less, &ctx()),
            Err(DomainError::UnknownBorough(_))
        ));
        assert_eq!(
            decide(
                &State::default(),
                allege(10, AllegationCategory::UseOfForce),
                &ctx()
            ),
            Err(DomainError::unknown("police complaint case", "(not noted)"))
        );
    }

    #[test]
    fn allegation_route_and_outcome_errors() {
        let mut s = noted();
        run(&mut s, allege(10, AllegationCategory::UseOfForce)).expect("allege");
        assert!(matches!(
            decide(&s, allege(10, AllegationCategory::UseOfForce), &ctx()),
            Err(DomainError::AlreadyExists {
                kind: "allegation",
                ..
            })
        ));
        assert_eq!(
            decide(&s, outcome(10, 20), &ctx()),
            Err(DomainError::invalid_state(
                "police complaint case",
                id(1),
                "record an outcome on",
                "without a handling route"
            ))
        );
        assert!(matches!(
            decide(&s, route(HandlingRoute::LocalInvestigation, 95), &ctx()),
            Err(DomainError::EndBeforeStart {
                end_field: "decided_on",
                ..
            })
        ));
        assert!(matches!(
            decide(&s, route(HandlingRoute::LocalInvestigation, -2), &ctx()),
            Err(DomainError::InFuture {
                field: "decided_on",
                ..
            })
        ));
        run(&mut s, route(HandlingRoute::LocalInvestigation, 60)).expect("route");
        assert_eq!(
            decide(&s, route(HandlingRoute::LocalInvestigation, 50), &ctx()),
            Err(DomainError::already(
                "police complaint case",
                id(1),
                "handled by local investigation"
            ))
        );
        assert_eq!(
            decide(&s, outcome(11, 20), &ctx()),
            Err(DomainError::unknown("allegation", id(11)))
        );
        assert!(matches!(
            decide(&s, outcome(10, 70), &ctx()),
            Err(DomainError::EndBeforeStart {
                end_field: "decided_on",
                ..
            })
        ));
        run(&mut s, outcome(10, 20)).expect("outcome");
        assert_eq!(
            decide(&s, outcome(10, 19), &ctx()),
            Err(DomainError::already("allegation", id(10), "decided"))
        );
        assert_eq!(
            decide(
                &s,
                route(HandlingRoute::IndependentInvestigation, 10),
                &ctx()
            ),
            Err(DomainError::invalid_state(
                "police complaint case",
                id(1),
                "re-route",
                "deciding outcomes"
            ))
        );
        let learn = Command::RecordLearning(RecordPoliceComplaintLearning {
            learning_id: id(30),
            kind: LearningKind::Individual,
            learning: String::new(),
            recorded_on: day(5),
        });
        assert_eq!(
            decide(&s, learn, &ctx()),
            Err(DomainError::Required { field: "learning" })
        );
    }

    #[test]
    fn closing() {
        let mut s = noted();
        assert_eq!(
            decide(&s, close(5), &ctx()),
            Err(DomainError::invalid_state(
                "police complaint case",
                id(1),
                "close",
                "without allegations"
            ))
        );
        run(&mut s, allege(10, AllegationCategory::Detention)).expect("allege");
        assert_eq!(
            decide(&s, close(5), &ctx()),
            Err(DomainError::invalid_state(
                "police complaint case",
                id(1),
                "close",
                format!("awaiting the outcome of allegation {}", id(10))
            ))
        );
        run(&mut s, route(HandlingRoute::OutsideSchedule3, 88)).expect("route");
        run(&mut s, outcome(10, 87)).expect("outcome");
        assert!(matches!(
            decide(&s, close(95), &ctx()),
            Err(DomainError::EndBeforeStart {
                end_field: "closed_on",
                ..
            })
        ));
        run(&mut s, close(86)).expect("close");
        assert_eq!(
            decide(&s, close(5), &ctx()),
            Err(DomainError::already(
                "police complaint case",
                id(1),
                "closed"
            ))
        );
        assert!(matches!(
            decide(&s, allege(11, AllegationCategory::Other), &ctx()),
            Err(DomainError::InvalidState {
                action: "add an allegation to",
                ..
            })
        ));
    }
}
