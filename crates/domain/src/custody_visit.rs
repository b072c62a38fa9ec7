//! Independent custody visiting: a pair (or more) of independent custody visitors (ICVs)
//! makes an unannounced visit to a custody suite. The visit is logged (suite, visitors,
//! arrival and departure, how long they were kept waiting for access, how many detainees
//! were held), each detainee offered a visit is recorded by custody record number only —
//! never by name — with whether they consented and what was checked, issues are raised with
//! custody staff, escalated if need be, and resolved with an outcome. Closing the visit
//! report fixes the detainees offered/seen counts; issues can still be followed up after.
//! Stream: `custody-visit-<uuid>`.

use std::collections::BTreeMap;

use engage_log::StreamId;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::context::{after, days_between, non_empty, ordered, required};
use crate::personal::{DetaineeRecord, is_custody_record_number};
use crate::reference::BoroughCode;
use crate::{DecisionContext, DomainError, Timestamp};

/// The stream of one custody visit.
pub fn stream_id(visit_id: Uuid) -> StreamId {
    StreamId::new(format!("custody-visit-{visit_id}"))
}

/// Whether the detainee agreed to speak to the visitors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[serde(rename_all = "snake_case")]
pub enum Consent {
    Given,
    Declined,
}

/// What the visitors checked with a detainee or by looking.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[serde(rename_all = "snake_case")]
pub enum CheckArea {
    /// Told of their rights and entitlements (PACE Code C), and given the written notice.
    Rights,
    /// Offered free legal advice.
    LegalAdvice,
    /// Someone informed of their arrest, if wanted.
    SomeoneInformed,
    /// General welfare: how they are being treated, rest, exercise.
    Welfare,
    /// Access to a healthcare professional and medication.
    Healthcare,
    FoodAndDrink,
    /// Cell condition: cleanliness, temperature, bedding, toilet, lighting.
    CellConditions,
    /// Appropriate adult for a juvenile or vulnerable adult.
    AppropriateAdult,
    Interpreter,
    /// Religious, dietary or other cultural needs.
    ReligiousNeeds,
}

/// One thing checked and whether it was found satisfactory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(
    feature = "graphql",
    derive(async_graphql::InputObject),
    graphql(name = "CheckInput")
)]
pub struct Check {
    pub area: CheckArea,
    pub satisfactory: bool,
}

/// What an issue raised with custody staff is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[serde(rename_all = "snake_case")]
pub enum IssueCategory {
    Rights,
    Welfare,
    Healthcare,
    FoodAndDrink,
    CellConditions,
    /// Suite-wide conditions: maintenance, hygiene, CCTV, fire safety.
    SuiteConditions,
    Staffing,
    /// Custody records incomplete or inaccurate.
    Records,
    /// Visitors kept waiting or refused access.
    Access,
    Other,
}

/// Whom an issue was escalated to beyond the custody staff on duty.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", tag = "kind", content = "name")]
pub enum EscalationTarget {
    /// The custody inspector for the suite.
    CustodyInspector,
    /// Met Detention senior management.
    MetDetention,
    BoroughCommander,
    /// The MOPAC ICV scheme manager.
    MopacScheme,
    /// The ICV panel's meeting with the police.
    PanelMeeting,
    Other(String),
}

impl std::fmt::Display for EscalationTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::CustodyInspector => f.write_str("custody inspector"),
            Self::MetDetention => f.write_str("Met Detention"),
            Self::BoroughCommander => f.write_str("borough commander"),
            Self::MopacScheme => f.write_str("MOPAC ICV scheme"),
            Self::PanelMeeting => f.write_str("ICV panel meeting"),
            Self::Other(name) => f.write_str(name),
        }
    }
}

/// How an issue ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[serde(rename_all = "snake_case")]
pub enum IssueOutcome {
    /// Put right by custody staff during the visit.
    ResolvedDuringVisit,
    /// Put right after follow-up.
    ResolvedAfterFollowUp,
    /// Police explained why nothing could or would change; visitors accepted it.
    ExplanationAccepted,
    /// Not put right; the visitors do not accept the explanation.
    NotResolved,
}

/// Visitors logged a visit to a custody suite.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct CustodyVisitLogged {
    pub visit_id: Uuid,
    /// The custody suite's id in the reference data.
    pub suite: String,
    pub borough: BoroughCode,
    /// The ICVs who made the visit (volunteer ids; their names are in the volunteer register).
    pub visitors: Vec<Uuid>,
    pub arrived_at: Timestamp,
    pub left_at: Timestamp,
    /// Minutes the visitors were kept waiting at the door before being admitted.
    pub access_delay_minutes: u32,
    /// Detainees held in the suite when the visitors arrived.
    pub detainees_held: u32,
}

/// A detainee was offered a visit: custody record number only, whether they consented, and
/// what was checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct CustodyVisitDetaineeEncountered {
    pub visit_id: Uuid,
    pub encounter_id: Uuid,
    pub encountered_at: Timestamp,
    pub consent: Consent,
    /// What was checked (empty when consent was declined).
    pub checks: Vec<Check>,
    /// What the visitors observed, without names.
    pub observations: Option<String>,
    pub personal: DetaineeRecord,
}

/// The visitors raised an issue with custody staff during the visit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct CustodyVisitIssueRaised {
    pub visit_id: Uuid,
    pub issue_id: Uuid,
    /// The encounter the issue arose from, if it is about one detainee.
    pub encounter_id: Option<Uuid>,
    pub category: IssueCategory,
    pub description: String,
    /// The role of the member of staff it was raised with (e.g. `custody sergeant`).
    pub raised_with: String,
    pub raised_at: Timestamp,
}

/// An issue was escalated beyond the custody staff on duty.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct CustodyVisitIssueEscalated {
    pub visit_id: Uuid,
    pub issue_id: Uuid,
    pub escalated_to: EscalationTarget,
    pub escalated_at: Timestamp,
    pub note: Option<String>,
}

/// An issue was resolved with an outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct CustodyVisitIssueResolved {
    pub visit_id: Uuid,
    pub issue_id: Uuid,
    pub resolved_at: Timestamp,
    pub outcome: IssueOutcome,
    pub outcome_summary: String,
    /// Whole days from raising to resolution.
    pub days_to_resolve: i64,
}

/// The visit report was completed: no more detainees or issues can be added to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct CustodyVisitClosed {
    pub visit_id: Uuid,
    pub closed_at: Timestamp,
    pub detainees_held: u32,
    /// Detainees offered a visit (every encounter).
    pub detainees_offered: u32,
    /// Detainees who consented and were seen.
    pub detainees_seen: u32,
    pub issues_raised: u32,
}

events! {
    pub enum Event {
        Logged(CustodyVisitLogged) = "CustodyVisitLogged" v 1: "Independent custody visitors logged a visit to a custody suite (visitors, times, access delay).",
        DetaineeEncountered(CustodyVisitDetaineeEncountered) = "CustodyVisitDetaineeEncountered" v 1: "A detainee (custody record number only) was offered a visit: consent and what was checked.",
        IssueRaised(CustodyVisitIssueRaised) = "CustodyVisitIssueRaised" v 1: "Custody visitors raised an issue with custody staff.",
        IssueEscalated(CustodyVisitIssueEscalated) = "CustodyVisitIssueEscalated" v 1: "An issue from a custody visit was escalated (to whom).",
        IssueResolved(CustodyVisitIssueResolved) = "CustodyVisitIssueResolved" v 1: "An issue from a custody visit was resolved with an outcome (with days taken).",
        Closed(CustodyVisitClosed) = "CustodyVisitClosed" v 1: "A custody visit report was completed, with detainees held, offered and seen.",
    }
}

/// Log a visit by independent custody visitors to a custody suite.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "graphql", derive(async_graphql::InputObject))]
pub struct LogCustodyVisit {
    pub visit_id: Uuid,
    pub suite: String,
    pub borough: BoroughCode,
    pub visitors: Vec<Uuid>,
    pub arrived_at: Timestamp,
    pub left_at: Timestamp,
    pub access_delay_minutes: u32,
    pub detainees_held: u32,
}

/// Record an encounter with a detainee on a visit (consent and what was checked).
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "graphql", derive(async_graphql::InputObject))]
pub struct RecordCustodyVisitEncounter {
    pub encounter_id: Uuid,
    pub encountered_at: Timestamp,
    pub consent: Consent,
    pub checks: Vec<Check>,
    pub observations: Option<String>,
    pub personal: DetaineeRecord,
}

/// Raise an issue found on a visit with custody staff.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "graphql", derive(async_graphql::InputObject))]
pub struct RaiseCustodyVisitIssue {
    pub issue_id: Uuid,
    pub encounter_id: Option<Uuid>,
    pub category: IssueCategory,
    pub description: String,
    pub raised_with: String,
    pub raised_at: Timestamp,
}

/// Escalate an issue beyond the custody staff on duty.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "graphql", derive(async_graphql::InputObject))]
pub struct EscalateCustodyVisitIssue {
    pub issue_id: Uuid,
    pub escalated_to: EscalationTarget,
    pub escalated_at: Timestamp,
    pub note: Option<String>,
}

/// Record how an issue raised on a visit ended.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "graphql", derive(async_graphql::InputObject))]
pub struct ResolveCustodyVisitIssue {
    pub issue_id: Uuid,
    pub resolved_at: Timestamp,
    pub outcome: IssueOutcome,
    pub outcome_summary: String,
}

/// Close the visit's record (its totals: detainees held, offered a visit, seen; issues raised).
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "graphql", derive(async_graphql::InputObject))]
pub struct CloseCustodyVisit {
    pub closed_at: Timestamp,
}

commands! {
    /// What independent custody visitors record about a visit.
    pub enum Command {
        Log(LogCustodyVisit),
        RecordEncounter(RecordCustodyVisitEncounter),
        RaiseIssue(RaiseCustodyVisitIssue),
        Escalate(EscalateCustodyVisitIssue),
        Resolve(ResolveCustodyVisitIssue),
        Close(CloseCustodyVisit),
    }
}

/// A detainee encounter as the state keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Encounter {
    pub custody_record_number: String,
    pub consent: Consent,
    pub data_subject_id: Uuid,
}

/// An issue and how far it has got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    pub category: IssueCategory,
    pub raised_at: Timestamp,
    pub escalated_to: Vec<EscalationTarget>,
    pub last_step_at: Timestamp,
    pub resolved: Option<IssueOutcome>,
}

/// A visit's state; `Default` is "not logged".
#[derive(Debug, Clone, Default, PartialEq)]
pub struct State {
    pub visit_id: Option<Uuid>,
    pub suite: Option<String>,
    pub borough: Option<BoroughCode>,
    pub arrived_at: Option<Timestamp>,
    pub left_at: Option<Timestamp>,
    pub detainees_held: u32,
    pub encounters: BTreeMap<Uuid, Encounter>,
    pub issues: BTreeMap<Uuid, Issue>,
    pub closed_at: Option<Timestamp>,
}

impl State {
    /// Detainees who consented and were seen.
    pub fn detainees_seen(&self) -> u32 {
        count(
            self.encounters
                .values()
                .filter(|e| e.consent == Consent::Given),
        )
    }

    /// Issues not yet resolved.
    pub fn open_issues(&self) -> impl Iterator<Item = (&Uuid, &Issue)> {
        self.issues.iter().filter(|(_, i)| i.resolved.is_none())
    }

    pub fn apply(&mut self, event: &Event) {
        match event {
            Event::Logged(e) => {
                self.visit_id = Some(e.visit_id);
                self.suite = Some(e.suite.clone());
                self.borough = Some(e.borough.clone());
                self.arrived_at = Some(e.arrived_at);
                self.left_at = Some(e.left_at);
                self.detainees_held = e.detainees_held;
            }
            Event::DetaineeEncountered(e) => {
                self.encounters.insert(
                    e.encounter_id,
                    Encounter {
                        custody_record_number: e.personal.custody_record_number.clone(),
                        consent: e.consent,
                        data_subject_id: e.personal.data_subject_id,
                    },
                );
            }
            Event::IssueRaised(e) => {
                self.issues.insert(
                    e.issue_id,
                    Issue {
                        category: e.category,
                        raised_at: e.raised_at,
                        escalated_to: Vec::new(),
                        last_step_at: e.raised_at,
                        resolved: None,
                    },
                );
            }
            Event::IssueEscalated(e) => {
                if let Some(i) = self.issues.get_mut(&e.issue_id) {
                    i.escalated_to.push(e.escalated_to.clone());
                    i.last_step_at = e.escalated_at;
                }
            }
            Event::IssueResolved(e) => {
                if let Some(i) = self.issues.get_mut(&e.issue_id) {
                    i.resolved = Some(e.outcome);
                    i.last_step_at = e.resolved_at;
                }
            }
            Event::Closed(e) => self.closed_at = Some(e.closed_at),
        }
    }
}

fn count<T>(items: impl Iterator<Item = T>) -> u32 {
    u32::try_from(items.count()).unwrap_or(u32::MAX)
}

aggregate!(CustodyVisit, "custody-visit");

const KIND: &str = "custody visit";

/// Decide a custody-visit command.
pub fn decide(
    state: &State,
    command: Command,
    ctx: &DecisionContext<'_>,
) -> Result<Vec<Event>, DomainError> {
    if let Command::Log(LogCustodyVisit {
        visit_id,
        suite,
        borough,
        visitors,
        arrived_at,
        left_at,
        access_delay_minutes,
        detainees_held,
    }) = command
    {
        if state.visit_id.is_some() {
            return Err(DomainError::already_exists(KIND, visit_id));
        }
        ctx.borough(&borough)?;
        let found = ctx
            .lookups
            .custody_suite(&suite)
            .ok_or_else(|| DomainError::UnknownCustodySuite(suite.clone()))?;
        if found.borough != borough {
            return Err(DomainError::SuiteNotInBorough {
                suite,
                expected: borough.to_string(),
                actual: found.borough.to_string(),
            });
        }
        non_empty("visitors", &visitors)?;
        for (i, v) in visitors.iter().enumerate() {
            if visitors[..i].contains(v) {
                return Err(DomainError::invalid(
                    "visitors",
                    format!("visitor {v} is listed twice"),
                ));
            }
        }
        after("arrived_at", &arrived_at, "left_at", &left_at)?;
        ctx.not_future("left_at", left_at)?;
        let minutes_on_site = (left_at - arrived_at).num_minutes();
        if i64::from(access_delay_minutes) > minutes_on_site {
            return Err(DomainError::ExceedsLimit {
                field: "access_delay_minutes",
                value: i64::from(access_delay_minutes),
                limit_name: "minutes from arrival to leaving",
                limit: minutes_on_site,
            });
        }
        return Ok(vec![
            CustodyVisitLogged {
                visit_id,
                suite,
                borough,
                visitors,
                arrived_at,
                left_at,
                access_delay_minutes,
                detainees_held,
            }
            .into(),
        ]);
    }
    let (Some(visit_id), Some(arrived_at), Some(left_at)) =
        (state.visit_id, state.arrived_at, state.left_at)
    else {
        return Err(DomainError::unknown(KIND, "(not logged)"));
    };
    let open = |action| match state.closed_at {
        Some(_) => Err(DomainError::invalid_state(KIND, visit_id, action, "closed")),
        None => Ok(()),
    };
    let during_visit = |field: &'static str, at: Timestamp| {
        ordered("arrived_at", &arrived_at, field, &at)?;
        ordered(field, &at, "left_at", &left_at)
    };
    let issue = |issue_id: Uuid| {
        state
            .issues
            .get(&issue_id)
            .ok_or_else(|| DomainError::unknown("custody visit issue", issue_id))
    };
    let event: Event = match command {
        Command::Log(LogCustodyVisit { .. }) => {
            return Err(DomainError::already_exists(KIND, visit_id));
        }
        Command::RecordEncounter(RecordCustodyVisitEncounter {
            encounter_id,
            encountered_at,
            consent,
            checks,
            observations,
            personal,
        }) => {
            open("record a detainee encounter on")?;
            if state.encounters.contains_key(&encounter_id) {
                return Err(DomainError::already_exists(
                    "detainee encounter",
                    encounter_id,
                ));
            }
            let crn = personal.custody_record_number.trim().to_owned();
            if !is_custody_record_number(&crn) {
                return Err(DomainError::invalid(
                    "personal.custody_record_number",
                    "a custody record number is letters, digits, '/' and '-' with at least one \
                     digit (never a name)",
                ));
            }
            if state
                .encounters
                .values()
                .any(|e| e.custody_record_number == crn)
            {
                return Err(DomainError::already_exists(
                    "detainee encounter for custody record",
                    crn,
                ));
            }
            let offered = count(state.encounters.values()) + 1;
            if offered > state.detainees_held {
                return Err(DomainError::ExceedsLimit {
                    field: "detainees offered a visit",
                    value: i64::from(offered),
                    limit_name: "detainees_held",
                    limit: i64::from(state.detainees_held),
                });
            }
            during_visit("encountered_at", encountered_at)?;
            match consent {
                Consent::Given => non_empty("checks", &checks)?,
                Consent::Declined if !checks.is_empty() => {
                    return Err(DomainError::invalid(
                        "checks",
                        "nothing can be checked with a detainee who declined the visit",
                    ));
                }
                Consent::Declined => {}
            }
            for (i, c) in checks.iter().enumerate() {
                if checks[..i].iter().any(|p| p.area == c.area) {
                    return Err(DomainError::invalid(
                        "checks",
                        format!("{:?} is checked twice", c.area),
                    ));
                }
            }
            CustodyVisitDetaineeEncountered {
                visit_id,
                encounter_id,
                encountered_at,
                consent,
                checks,
                observations,
                personal: DetaineeRecord {
                    data_subject_id: personal.data_subject_id,
                    custody_record_number: crn,
                },
            }
            .into()
        }
        Command::RaiseIssue(RaiseCustodyVisitIssue {
            issue_id,
            encounter_id,
            category,
            description,
            raised_with,
            raised_at,
        }) => {
            open("raise an issue on")?;
            if state.issues.contains_key(&issue_id) {
                return Err(DomainError::already_exists("custody visit issue", issue_id));
            }
            if let Some(e) = encounter_id.filter(|e| !state.encounters.contains_key(e)) {
                return Err(DomainError::unknown("detainee encounter", e));
            }
            required("description", &description)?;
            required("raised_with", &raised_with)?;
            during_visit("raised_at", raised_at)?;
            CustodyVisitIssueRaised {
                visit_id,
                issue_id,
                encounter_id,
                category,
                description,
                raised_with,
                raised_at,
            }
            .into()
        }
        Command::Escalate(EscalateCustodyVisitIssue {
            issue_id,
            escalated_to,
            escalated_at,
            note,
        }) => {
            let i = issue(issue_id)?;
            if i.resolved.is_some() {
                return Err(DomainError::already(
                    "custody visit issue",
                    issue_id,
                    "resolved",
                ));
            }
            if let EscalationTarget::Other(name) = &escalated_to {
                required("escalated_to", name)?;
            }
            if i.escalated_to.contains(&escalated_to) {
                return Err(DomainError::already(
                    "custody visit issue",
                    issue_id,
                    format!("escalated to {escalated_to}"),
                ));
            }
            ordered("last step", &i.last_step_at, "escalated_at", &escalated_at)?;
            ctx.not_future("escalated_at", escalated_at)?;
            CustodyVisitIssueEscalated {
                visit_id,
                issue_id,
                escalated_to,
                escalated_at,
                note,
            }
            .into()
        }
        Command::Resolve(ResolveCustodyVisitIssue {
            issue_id,
            resolved_at,
            outcome,
            outcome_summary,
        }) => {
            let i = issue(issue_id)?;
            if i.resolved.is_some() {
                return Err(DomainError::already(
                    "custody visit issue",
                    issue_id,
                    "resolved",
                ));
            }
            if outcome == IssueOutcome::ResolvedDuringVisit && resolved_at > left_at {
                return Err(DomainError::invalid(
                    "outcome",
                    format!("resolved_during_visit, but resolved_at is after left_at ({left_at})"),
                ));
            }
            required("outcome_summary", &outcome_summary)?;
            ordered("last step", &i.last_step_at, "resolved_at", &resolved_at)?;
            ctx.not_future("resolved_at", resolved_at)?;
            CustodyVisitIssueResolved {
                visit_id,
                issue_id,
                resolved_at,
                outcome,
                outcome_summary,
                days_to_resolve: days_between(i.raised_at, resolved_at),
            }
            .into()
        }
        Command::Close(CloseCustodyVisit { closed_at }) => {
            if state.closed_at.is_some() {
                return Err(DomainError::already(KIND, visit_id, "closed"));
            }
            ordered("left_at", &left_at, "closed_at", &closed_at)?;
            ctx.not_future("closed_at", closed_at)?;
            CustodyVisitClosed {
                visit_id,
                closed_at,
                detainees_held: state.detainees_held,
                detainees_offered: count(state.encounters.values()),
                detainees_seen: state.detainees_seen(),
                issues_raised: count(state.issues.values()),
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

    fn arrived() -> Timestamp {
        days_ago(3)
    }

    fn at(minutes: i64) -> Timestamp {
        arrived() + Duration::minutes(minutes)
    }

    fn log() -> Command {
        Command::Log(LogCustodyVisit {
            visit_id: id(1),
            suite: CAMDEN_SUITE.into(),
            borough: CAMDEN.into(),
            visitors: vec![id(501), id(502)],
            arrived_at: arrived(),
            left_at: at(95),
            access_delay_minutes: 10,
            detainees_held: 3,
        })
    }

    fn detainee(n: u128, crn: &str) -> DetaineeRecord {
        DetaineeRecord {
            data_subject_id: id(9000 + n),
            custody_record_number: crn.into(),
        }
    }

    fn encounter(n: u128, crn: &str, consent: Consent) -> Command {
        Command::RecordEncounter(RecordCustodyVisitEncounter {
            encounter_id: id(n),
            encountered_at: at(20 + 10 * n as i64 % 60),
            consent,
            checks: match consent {
                Consent::Given => vec![
                    Check {
                        area: CheckArea::Rights,
                        satisfactory: true,
                    },
                    Check {
                        area: CheckArea::FoodAndDrink,
                        satisfactory: false,
                    },
                ],
                Consent::Declined => vec![],
            },
            observations: Some("Had not been offered a meal since arrival".into()),
            personal: detainee(n, crn),
        })
    }

    fn raise(issue: u128, on: Option<u128>) -> Command {
        Command::RaiseIssue(RaiseCustodyVisitIssue {
            issue_id: id(issue),
            encounter_id: on.map(id),
            category: IssueCategory::FoodAndDrink,
            description: "Detainee not offered a meal in over six hours".into(),
            raised_with: "custody sergeant".into(),
            raised_at: at(60),
        })
    }

    fn run(state: &mut State, cmd: Command) -> Result<Vec<Event>, DomainError> {
        let events = decide(state, cmd, &ctx())?;
        events.iter().for_each(|e| state.apply(e));
        Ok(events)
    }

    fn logged() -> State {
        let mut s = State::default();
        run(&mut s, log()).expect("log");
        s
    }

    pub(crate) fn samples() -> Vec<Event> {
        let mut s = State::default();
        [
            log(),
            encounter(11, "01KD/1234/25", Consent::Given),
            encounter(12, "01KD/1240/25", Consent::Declined),
            raise(21, Some(11)),
            raise(22, None),
            Command::Resolve(ResolveCustodyVisitIssue {
                issue_id: id(21),
                resolved_at: at(70),
                outcome: IssueOutcome::ResolvedDuringVisit,
                outcome_summary: "Meal provided while visitors were present".into(),
            }),
            Command::Escalate(EscalateCustodyVisitIssue {
                issue_id: id(22),
                escalated_to: EscalationTarget::CustodyInspector,
                escalated_at: at(90),
                note: Some("Pattern seen on three visits".into()),
            }),
            Command::Close(CloseCustodyVisit { closed_at: at(120) }),
            Command::Resolve(ResolveCustodyVisitIssue {
                issue_id: id(22),
                resolved_at: days_ago(1),
                outcome: IssueOutcome::ResolvedAfterFollowUp,
                outcome_summary: "Meal times added to the custody shift handover".into(),
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
        let s = CustodyVisit::fold(&events);
        assert_eq!(s.encounters.len(), 2);
        assert_eq!(s.detainees_seen(), 1);
        assert_eq!(s.open_issues().count(), 0);
        assert!(matches!(
            &events[7],
            Event::Closed(c) if c.detainees_held == 3
                && c.detainees_offered == 2
                && c.detainees_seen == 1
                && c.issues_raised == 2
        ));
        assert!(matches!(&events[8], Event::IssueResolved(r) if r.days_to_resolve == 1));
        assert_eq!(
            stream_id(id(1)).as_str(),
            format!("custody-visit-{}", id(1))
        );
    }

    #[test]
    fn log_validation() {
        let with = |f: fn(&mut Command)| {
            let mut c = log();
            f(&mut c);
            decide(&State::default(), c, &ctx())
        };
        assert_eq!(
            with(|c| if let Command::Log(LogCustodyVisit { suite, .. }) = c {
                *suite = "NOWHERE".into()
            }),
            Err(DomainError::UnknownCustodySuite("NOWHERE".into()))
        );
        assert!(matches!(
            with(
                |c| if let Command::Log(LogCustodyVisit { borough, .. }) = c {
                    *borough = HACKNEY.into()
                }
            ),
            Err(DomainError::SuiteNotInBorough { .. })
        ));
        assert!(matches!(
            with(
                |c| if let Command::Log(LogCustodyVisit { borough, .. }) = c {
                    *borough = "E09000099".into()
                }
            ),
            Err(DomainError::UnknownBorough(_))
        ));
        assert_eq!(
            with(
                |c| if let Command::Log(LogCustodyVisit { visitors, .. }) = c {
                    visitors.clear()
                }
            ),
            Err(DomainError::Required { field: "visitors" })
        );
        assert!(matches!(
            with(
                |c| if let Command::Log(LogCustodyVisit { visitors, .. }) = c {
                    visitors.push(id(501))
                }
            ),
            Err(DomainError::Invalid {
                field: "visitors",
                ..
            })
        ));
        assert!(matches!(
            with(
                |c| if let Command::Log(LogCustodyVisit { left_at, .. }) = c {
                    *left_at = arrived() - Duration::minutes(5)
                }
            ),
            Err(DomainError::EndBeforeStart {
                end_field: "left_at",
                ..
            })
        ));
        assert!(matches!(
            with(
                |c| if let Command::Log(LogCustodyVisit { left_at, .. }) = c {
                    *left_at = arrived()
                }
            ),
            Err(DomainError::Invalid {
                field: "left_at",
                ..
            })
        ));
        assert!(matches!(
            with(
                |c| if let Command::Log(LogCustodyVisit { left_at, .. }) = c {
                    *left_at = now() + Duration::hours(1)
                }
            ),
            Err(DomainError::InFuture {
                field: "left_at",
                ..
            })
        ));
        assert_eq!(
            with(|c| {
                if let Command::Log(LogCustodyVisit {
                    access_delay_minutes,
                    ..
                }) = c
                {
                    *access_delay_minutes = 96
                }
            }),
            Err(DomainError::ExceedsLimit {
                field: "access_delay_minutes",
                value: 96,
                limit_name: "minutes from arrival to leaving",
                limit: 95
            })
        );
        assert!(matches!(
            decide(&logged(), log(), &ctx()),
            Err(DomainError::AlreadyExists {
                kind: "custody visit",
                ..
            })
        ));
    }

    #[test]
    fn unknown_visit() {
        for cmd in [
            encounter(11, "01KD/1/25", Consent::Given),
            raise(21, None),
            Command::Close(CloseCustodyVisit { closed_at: at(100) }),
        ] {
            assert_eq!(
                decide(&State::default(), cmd, &ctx()),
                Err(DomainError::unknown("custody visit", "(not logged)"))
            );
        }
    }

    #[test]
    fn encounter_validation() {
        let mut s = logged();
        assert!(matches!(
            decide(&s, encounter(11, "John Smith", Consent::Given), &ctx()),
            Err(DomainError::Invalid {
                field: "personal.custody_record_number",
                ..
            })
        ));
        let mut no_checks = encounter(11, "01KD/1/25", Consent::Given);
        if let Command::RecordEncounter(RecordCustodyVisitEncounter { checks, .. }) = &mut no_checks
        {
            checks.clear();
        }
        assert_eq!(
            decide(&s, no_checks, &ctx()),
            Err(DomainError::Required { field: "checks" })
        );
        let mut declined_checked = encounter(11, "01KD/1/25", Consent::Declined);
        if let Command::RecordEncounter(RecordCustodyVisitEncounter { checks, .. }) =
            &mut declined_checked
        {
            checks.push(Check {
                area: CheckArea::Welfare,
                satisfactory: true,
            });
        }
        assert!(matches!(
            decide(&s, declined_checked, &ctx()),
            Err(DomainError::Invalid {
                field: "checks",
                ..
            })
        ));
        let mut twice = encounter(11, "01KD/1/25", Consent::Given);
        if let Command::RecordEncounter(RecordCustodyVisitEncounter { checks, .. }) = &mut twice {
            checks.push(checks[0]);
        }
        assert!(matches!(
            decide(&s, twice, &ctx()),
            Err(DomainError::Invalid {
                field: "checks",
                ..
            })
        ));
        let mut outside = encounter(11, "01KD/1/25", Consent::Given);
        if let Command::RecordEncounter(RecordCustodyVisitEncounter { encountered_at, .. }) =
            &mut outside
        {
            *encountered_at = at(200);
        }
        assert!(matches!(
            decide(&s, outside, &ctx()),
            Err(DomainError::EndBeforeStart {
                start_field: "encountered_at",
                end_field: "left_at",
                ..
            })
        ));
        run(&mut s, encounter(11, "01KD/1/25", Consent::Given)).expect("first");
        assert!(matches!(
            decide(&s, encounter(11, "01KD/2/25", Consent::Given), &ctx()),
            Err(DomainError::AlreadyExists {
                kind: "detainee encounter",
                ..
            })
        ));
        assert!(matches!(
            decide(&s, encounter(12, " 01KD/1/25 ", Consent::Given), &ctx()),
            Err(DomainError::AlreadyExists {
                kind: "detainee encounter for custody record",
                ..
            })
        ));
        run(&mut s, encounter(12, "01KD/2/25", Consent::Declined)).expect("second");
        run(&mut s, encounter(13, "01KD/3/25", Consent::Declined)).expect("third");
        assert_eq!(
            decide(&s, encounter(14, "01KD/4/25", Consent::Declined), &ctx()),
            Err(DomainError::ExceedsLimit {
                field: "detainees offered a visit",
                value: 4,
                limit_name: "detainees_held",
                limit: 3
            })
        );
    }

    #[test]
    fn encounter_and_issue_after_visit_closed() {
        let mut s = logged();
        run(
            &mut s,
            Command::Close(CloseCustodyVisit { closed_at: at(100) }),
        )
        .expect("close");
        assert_eq!(
            decide(&s, encounter(11, "01KD/1/25", Consent::Given), &ctx()),
            Err(DomainError::invalid_state(
                "custody visit",
                id(1),
                "record a detainee encounter on",
                "closed"
            ))
        );
        assert_eq!(
            decide(&s, raise(21, None), &ctx()),
            Err(DomainError::invalid_state(
                "custody visit",
                id(1),
                "raise an issue on",
                "closed"
            ))
        );
        assert_eq!(
            decide(
                &s,
                Command::Close(CloseCustodyVisit { closed_at: at(101) }),
                &ctx()
            ),
            Err(DomainError::already("custody visit", id(1), "closed"))
        );
        assert!(matches!(
            decide(
                &logged(),
                Command::Close(CloseCustodyVisit { closed_at: at(90) }),
                &ctx()
            ),
            Err(DomainError::EndBeforeStart {
                end_field: "closed_at",
                ..
            })
        ));
    }

    #[test]
    fn issue_errors() {
        let mut s = logged();
        assert_eq!(
            decide(&s, raise(21, Some(11)), &ctx()),
            Err(DomainError::unknown("detainee encounter", id(11)))
        );
        let mut blank = raise(21, None);
        if let Command::RaiseIssue(RaiseCustodyVisitIssue { raised_with, .. }) = &mut blank {
            *raised_with = " ".into();
        }
        assert_eq!(
            decide(&s, blank, &ctx()),
            Err(DomainError::Required {
                field: "raised_with"
            })
        );
        run(&mut s, raise(21, None)).expect("raise");
        assert!(matches!(
            decide(&s, raise(21, None), &ctx()),
            Err(DomainError::AlreadyExists { .. })
        ));
        let escalate = |to: EscalationTarget, when: Timestamp| {
            Command::Escalate(EscalateCustodyVisitIssue {
                issue_id: id(21),
                escalated_to: to,
                escalated_at: when,
                note: None,
            })
        };
        assert_eq!(
            decide(
                &s,
                Command::Escalate(EscalateCustodyVisitIssue {
                    issue_id: id(99),
                    escalated_to: EscalationTarget::MetDetention,
                    escalated_at: at(90),
                    note: None
                }),
                &ctx()
            ),
            Err(DomainError::unknown("custody visit issue", id(99)))
        );
        assert!(matches!(
            decide(&s, escalate(EscalationTarget::MetDetention, at(30)), &ctx()),
            Err(DomainError::EndBeforeStart {
                end_field: "escalated_at",
                ..
            })
        ));
        assert_eq!(
            decide(
                &s,
                escalate(EscalationTarget::Other(" ".into()), at(90)),
                &ctx()
            ),
            Err(DomainError::Required {
                field: "escalated_to"
            })
        );
        run(&mut s, escalate(EscalationTarget::MetDetention, at(90))).expect("escalate");
        assert_eq!(
            decide(&s, escalate(EscalationTarget::MetDetention, at(91)), &ctx()),
            Err(DomainError::already(
                "custody visit issue",
                id(21),
                "escalated to Met Detention"
            ))
        );
        let resolve = |outcome, when| {
            Command::Resolve(ResolveCustodyVisitIssue {
                issue_id: id(21),
                resolved_at: when,
                outcome,
                outcome_summary: "Fixed".into(),
            })
        };
        assert!(matches!(
            decide(
                &s,
                resolve(IssueOutcome::ResolvedDuringVisit, days_ago(1)),
                &ctx()
            ),
            Err(DomainError::Invalid {
                field: "outcome",
                ..
            })
        ));
        assert!(matches!(
            decide(&s, resolve(IssueOutcome::NotResolved, at(80)), &ctx()),
            Err(DomainError::EndBeforeStart {
                end_field: "resolved_at",
                ..
            })
        ));
        assert!(matches!(
            decide(
                &s,
                resolve(IssueOutcome::NotResolved, now() + Duration::days(1)),
                &ctx()
            ),
            Err(DomainError::InFuture { .. })
        ));
        run(
            &mut s,
            resolve(IssueOutcome::ExplanationAccepted, days_ago(1)),
        )
        .expect("resolve");
        assert_eq!(
            decide(
                &s,
                resolve(IssueOutcome::ExplanationAccepted, days_ago(0)),
                &ctx()
            ),
            Err(DomainError::already(
                "custody visit issue",
                id(21),
                "resolved"
            ))
        );
        assert_eq!(
            decide(
                &s,
                escalate(EscalationTarget::MopacScheme, days_ago(0)),
                &ctx()
            ),
            Err(DomainError::already(
                "custody visit issue",
                id(21),
                "resolved"
            ))
        );
    }
}
