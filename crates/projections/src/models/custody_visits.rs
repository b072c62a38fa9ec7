//! Independent custody visits: one record per visit with the suite, the visitors (by
//! volunteer id), the times and access delay, every detainee offered a visit (whether they
//! consented and what was checked), and every issue raised with custody staff with its
//! escalations and resolution. The helpers give the board scorecard its custody-visiting
//! figures: visits made per borough and period, distinct suites covered, issues raised and
//! resolved.
//!
//! Detainees appear only by their data subject id and the position of the event that holds
//! their custody record number: the number itself is personal data and stays in the log.

use super::period::within;
use std::collections::{BTreeMap, BTreeSet};

use engage_domain::custody_visit::{
    Check, Consent, EscalationTarget, Event, IssueCategory, IssueOutcome,
};
use engage_domain::{BoroughCode, DomainEvent, Timestamp};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::provenance::Provenance;
use super::reference::{CustodySuiteRecord, ReferenceData};
use crate::event::ProjectedEvent;
use crate::model::ReadModel;

/// Whether the visit report is still open (detainees and issues can be added) or complete.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum VisitStatus {
    Logged,
    Closed,
}

/// Where an issue raised with custody staff is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum IssueStatus {
    /// Raised with the custody staff on duty, not yet escalated or resolved.
    Open,
    /// Escalated beyond the custody staff, not yet resolved.
    Escalated,
    Resolved,
}

/// A detainee offered a visit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DetaineeEncounter {
    pub encounter_id: Uuid,
    pub encountered_at: Timestamp,
    pub consent: Consent,
    /// What was checked and whether it was satisfactory (empty when consent was declined).
    pub checks: Vec<Check>,
    /// How many of the checks were found unsatisfactory.
    pub unsatisfactory_checks: u32,
    /// What the visitors observed (recorded without names).
    pub observations: Option<String>,
    /// Whose custody record this was.
    pub data_subject_id: Uuid,
    /// The log position of the event holding the custody record number, for readers
    /// allowed to see it.
    pub event_position: u64,
}

/// Whom an issue was escalated to. The domain's [`EscalationTarget`] is adjacently tagged
/// for its JSON payloads, which the snapshot codec (postcard) cannot read back, so the model
/// keeps this externally tagged copy.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum EscalatedTo {
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

impl From<&EscalationTarget> for EscalatedTo {
    fn from(t: &EscalationTarget) -> Self {
        match t {
            EscalationTarget::CustodyInspector => Self::CustodyInspector,
            EscalationTarget::MetDetention => Self::MetDetention,
            EscalationTarget::BoroughCommander => Self::BoroughCommander,
            EscalationTarget::MopacScheme => Self::MopacScheme,
            EscalationTarget::PanelMeeting => Self::PanelMeeting,
            EscalationTarget::Other(name) => Self::Other(name.clone()),
        }
    }
}

/// One escalation of an issue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssueEscalation {
    pub escalated_to: EscalatedTo,
    pub escalated_at: Timestamp,
    pub note: Option<String>,
}

/// An issue raised with custody staff, and what became of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VisitIssue {
    pub issue_id: Uuid,
    /// The encounter it arose from, when it is about one detainee.
    pub encounter_id: Option<Uuid>,
    pub category: IssueCategory,
    pub description: String,
    /// The role of the member of staff it was raised with.
    pub raised_with: String,
    pub raised_at: Timestamp,
    pub status: IssueStatus,
    /// In the order they were made.
    pub escalations: Vec<IssueEscalation>,
    pub resolved_at: Option<Timestamp>,
    pub outcome: Option<IssueOutcome>,
    pub outcome_summary: Option<String>,
    /// Whole days from raising to resolution.
    pub days_to_resolve: Option<i64>,
}

/// One custody visit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustodyVisit {
    pub visit_id: Uuid,
    /// The custody suite's id in the reference data.
    pub suite: String,
    pub borough: BoroughCode,
    /// The independent custody visitors (volunteer ids).
    pub visitors: Vec<Uuid>,
    pub arrived_at: Timestamp,
    pub left_at: Timestamp,
    /// Whole minutes from arrival to leaving.
    pub minutes_on_site: i64,
    /// Minutes the visitors were kept waiting before being admitted.
    pub access_delay_minutes: u32,
    /// Detainees held when the visitors arrived.
    pub detainees_held: u32,
    /// Detainees offered a visit (every encounter).
    pub detainees_offered: u32,
    /// Detainees who consented and were seen.
    pub detainees_seen: u32,
    pub encounters: Vec<DetaineeEncounter>,
    pub issues: Vec<VisitIssue>,
    pub status: VisitStatus,
    /// When the visit report was completed.
    pub closed_at: Option<Timestamp>,
    pub provenance: Provenance,
}

impl CustodyVisit {
    pub fn issue(&self, issue_id: &Uuid) -> Option<&VisitIssue> {
        self.issues.iter().find(|i| &i.issue_id == issue_id)
    }

    /// Issues not yet resolved (open or escalated).
    pub fn unresolved_issues(&self) -> impl Iterator<Item = &VisitIssue> {
        self.issues
            .iter()
            .filter(|i| i.status != IssueStatus::Resolved)
    }
}

/// Every custody visit, by id.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CustodyVisits {
    pub by_id: BTreeMap<Uuid, CustodyVisit>,
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl ReadModel for CustodyVisits {
    const NAME: &'static str = "custody_visits";
    const VERSION: u32 = 1;

    fn apply(&mut self, event: &ProjectedEvent) {
        let Some(DomainEvent::CustodyVisit(e)) = &event.domain else {
            return;
        };
        if let Event::Logged(l) = e {
            let mut provenance = Provenance::default();
            provenance.touch(event);
            self.by_id.insert(
                l.visit_id,
                CustodyVisit {
                    visit_id: l.visit_id,
                    suite: l.suite.clone(),
                    borough: l.borough.clone(),
                    visitors: l.visitors.clone(),
                    arrived_at: l.arrived_at,
                    left_at: l.left_at,
                    minutes_on_site: (l.left_at - l.arrived_at).num_minutes(),
                    access_delay_minutes: l.access_delay_minutes,
                    detainees_held: l.detainees_held,
                    detainees_offered: 0,
                    detainees_seen: 0,
                    encounters: Vec::new(),
                    issues: Vec::new(),
                    status: VisitStatus::Logged,
                    closed_at: None,
                    provenance,
                },
            );
            return;
        }
        let visit_id = match e {
            Event::Logged(l) => l.visit_id,
            Event::DetaineeEncountered(d) => d.visit_id,
            Event::IssueRaised(i) => i.visit_id,
            Event::IssueEscalated(i) => i.visit_id,
            Event::IssueResolved(i) => i.visit_id,
            Event::Closed(c) => c.visit_id,
        };
        // A visit this model has not seen (possible in a world-time as-of replay): ignored.
        let Some(v) = self.by_id.get_mut(&visit_id) else {
            return;
        };
        match e {
            Event::Logged(_) => return,
            Event::DetaineeEncountered(d) => {
                if v.encounters
                    .iter()
                    .any(|x| x.encounter_id == d.encounter_id)
                {
                    return;
                }
                v.encounters.push(DetaineeEncounter {
                    encounter_id: d.encounter_id,
                    encountered_at: d.encountered_at,
                    consent: d.consent,
                    checks: d.checks.clone(),
                    unsatisfactory_checks: count(
                        d.checks.iter().filter(|c| !c.satisfactory).count(),
                    ),
                    observations: d.observations.clone(),
                    data_subject_id: d.personal.data_subject_id,
                    event_position: event.position(),
                });
                v.detainees_offered = count(v.encounters.len());
                v.detainees_seen = count(
                    v.encounters
                        .iter()
                        .filter(|x| x.consent == Consent::Given)
                        .count(),
                );
            }
            Event::IssueRaised(i) => {
                if v.issue(&i.issue_id).is_some() {
                    return;
                }
                v.issues.push(VisitIssue {
                    issue_id: i.issue_id,
                    encounter_id: i.encounter_id,
                    category: i.category,
                    description: i.description.clone(),
                    raised_with: i.raised_with.clone(),
                    raised_at: i.raised_at,
                    status: IssueStatus::Open,
                    escalations: Vec::new(),
                    resolved_at: None,
                    outcome: None,
                    outcome_summary: None,
                    days_to_resolve: None,
                });
            }
            Event::IssueEscalated(x) => {
                let Some(issue) = v.issues.iter_mut().find(|i| i.issue_id == x.issue_id) else {
                    return;
                };
                issue.escalations.push(IssueEscalation {
                    escalated_to: EscalatedTo::from(&x.escalated_to),
                    escalated_at: x.escalated_at,
                    note: x.note.clone(),
                });
                if issue.status == IssueStatus::Open {
                    issue.status = IssueStatus::Escalated;
                }
            }
            Event::IssueResolved(r) => {
                let Some(issue) = v.issues.iter_mut().find(|i| i.issue_id == r.issue_id) else {
                    return;
                };
                issue.status = IssueStatus::Resolved;
                issue.resolved_at = Some(r.resolved_at);
                issue.outcome = Some(r.outcome);
                issue.outcome_summary = Some(r.outcome_summary.clone());
                issue.days_to_resolve = Some(r.days_to_resolve);
            }
            Event::Closed(c) => {
                v.status = VisitStatus::Closed;
                v.closed_at = Some(c.closed_at);
                // The report's own counts are what the visitors signed off.
                v.detainees_held = c.detainees_held;
                v.detainees_offered = c.detainees_offered;
                v.detainees_seen = c.detainees_seen;
            }
        }
        v.provenance.touch(event);
    }
}

/// Custody-visiting figures for one borough (or London) and period.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CustodyVisitingFigures {
    /// Visits whose arrival falls in the period.
    pub visits: usize,
    /// Distinct suites visited in the period.
    pub suites_covered: usize,
    /// Over those visits.
    pub detainees_held: u64,
    pub detainees_offered: u64,
    pub detainees_seen: u64,
    /// Total minutes visitors were kept waiting for access on those visits.
    pub access_delay_minutes: u64,
    /// Issues raised in the period (on any visit).
    pub issues_raised: usize,
    /// Issues escalated in the period (first escalation in the period).
    pub issues_escalated: usize,
    /// Issues resolved in the period (whenever they were raised).
    pub issues_resolved: usize,
}

impl CustodyVisits {
    pub fn get(&self, id: &Uuid) -> Option<&CustodyVisit> {
        self.by_id.get(id)
    }

    /// Visits in one borough (all when `None`), in id order.
    pub fn in_borough<'a>(
        &'a self,
        borough: Option<&'a BoroughCode>,
    ) -> impl Iterator<Item = &'a CustodyVisit> + 'a {
        self.by_id
            .values()
            .filter(move |v| borough.is_none_or(|b| &v.borough == b))
    }

    /// Visits to one suite, in id order.
    pub fn at_suite<'a>(&'a self, suite: &'a str) -> impl Iterator<Item = &'a CustodyVisit> + 'a {
        self.by_id.values().filter(move |v| v.suite == suite)
    }

    pub fn with_status(&self, status: VisitStatus) -> impl Iterator<Item = &CustodyVisit> {
        self.by_id.values().filter(move |v| v.status == status)
    }

    /// Visits made in `[from, to)` (by arrival) in one borough (all when `None`).
    pub fn visits_made<'a>(
        &'a self,
        borough: Option<&'a BoroughCode>,
        from: Timestamp,
        to: Timestamp,
    ) -> impl Iterator<Item = &'a CustodyVisit> + 'a {
        self.in_borough(borough)
            .filter(move |v| within(v.arrived_at, from, to))
    }

    /// The distinct suites visited in `[from, to)` in one borough (all when `None`).
    pub fn suites_covered<'a>(
        &'a self,
        borough: Option<&'a BoroughCode>,
        from: Timestamp,
        to: Timestamp,
    ) -> BTreeSet<&'a str> {
        self.visits_made(borough, from, to)
            .map(|v| v.suite.as_str())
            .collect()
    }

    /// The suites of `borough` open on `to` (by the reference data) that had no visit in
    /// `[from, to)`.
    pub fn suites_not_visited<'a>(
        &self,
        reference: &'a ReferenceData,
        borough: &BoroughCode,
        from: Timestamp,
        to: Timestamp,
    ) -> Vec<&'a CustodySuiteRecord> {
        let covered = self.suites_covered(Some(borough), from, to);
        let day = to.date_naive();
        reference
            .suites
            .values()
            .filter(|s| &s.borough == borough && s.open_on(day))
            .filter(|s| !covered.contains(s.suite.as_str()))
            .collect()
    }

    /// Issues raised in `[from, to)` in one borough (all when `None`), with their visit.
    pub fn issues_raised<'a>(
        &'a self,
        borough: Option<&'a BoroughCode>,
        from: Timestamp,
        to: Timestamp,
    ) -> impl Iterator<Item = (&'a CustodyVisit, &'a VisitIssue)> + 'a {
        self.in_borough(borough).flat_map(move |v| {
            v.issues
                .iter()
                .filter(move |i| within(i.raised_at, from, to))
                .map(move |i| (v, i))
        })
    }

    /// Issues resolved in `[from, to)` in one borough (all when `None`), with their visit.
    pub fn issues_resolved<'a>(
        &'a self,
        borough: Option<&'a BoroughCode>,
        from: Timestamp,
        to: Timestamp,
    ) -> impl Iterator<Item = (&'a CustodyVisit, &'a VisitIssue)> + 'a {
        self.in_borough(borough).flat_map(move |v| {
            v.issues
                .iter()
                .filter(move |i| i.resolved_at.is_some_and(|t| within(t, from, to)))
                .map(move |i| (v, i))
        })
    }

    /// Issues not resolved, in one borough (all when `None`).
    pub fn unresolved_issues<'a>(
        &'a self,
        borough: Option<&'a BoroughCode>,
    ) -> impl Iterator<Item = (&'a CustodyVisit, &'a VisitIssue)> + 'a {
        self.in_borough(borough)
            .flat_map(|v| v.unresolved_issues().map(move |i| (v, i)))
    }

    /// The scorecard's custody-visiting figures for `[from, to)`.
    pub fn figures(
        &self,
        borough: Option<&BoroughCode>,
        from: Timestamp,
        to: Timestamp,
    ) -> CustodyVisitingFigures {
        let mut f = CustodyVisitingFigures::default();
        let mut suites = BTreeSet::new();
        for v in self.visits_made(borough, from, to) {
            f.visits += 1;
            suites.insert(v.suite.as_str());
            f.detainees_held += u64::from(v.detainees_held);
            f.detainees_offered += u64::from(v.detainees_offered);
            f.detainees_seen += u64::from(v.detainees_seen);
            f.access_delay_minutes += u64::from(v.access_delay_minutes);
        }
        f.suites_covered = suites.len();
        f.issues_raised = self.issues_raised(borough, from, to).count();
        f.issues_resolved = self.issues_resolved(borough, from, to).count();
        f.issues_escalated = self
            .in_borough(borough)
            .flat_map(|v| v.issues.iter())
            .filter(|i| {
                i.escalations
                    .first()
                    .is_some_and(|e| within(e.escalated_at, from, to))
            })
            .count();
        f
    }
}

#[cfg(test)]
mod tests {
    use engage_domain::custody_visit::{
        CheckArea, CustodyVisitClosed, CustodyVisitDetaineeEncountered, CustodyVisitIssueEscalated,
        CustodyVisitIssueRaised, CustodyVisitIssueResolved, CustodyVisitLogged, stream_id,
    };
    use engage_domain::personal::DetaineeRecord;
    use engage_domain::reference_data::custody_suite::{
        self, CustodySuiteClosed, CustodySuiteRegistered,
    };
    use engage_log::StreamId;

    use super::*;

    use crate::models::testing::{self, TestLog, fold, fold_checked, id};

    /// `days` days and `minutes` minutes after 09:00 UTC on Monday 6 January 2025.
    fn at(days: i64, minutes: i64) -> Timestamp {
        testing::at(2025, 1, 6)
            + chrono::Duration::hours(9)
            + chrono::Duration::days(days)
            + chrono::Duration::minutes(minutes)
    }

    /// Record one of this aggregate's payloads on `stream`, as happening `when`.
    fn rec(log: &mut TestLog, stream: &str, when: Timestamp, body: impl Into<Event>) -> u64 {
        log.record(StreamId::new(stream), body.into(), when)
    }

    /// Record any domain event on `stream`, as happening `when`.
    fn put(log: &mut TestLog, stream: &str, when: Timestamp, event: impl Into<DomainEvent>) -> u64 {
        log.record(StreamId::new(stream), event, when)
    }

    const CAMDEN: &str = "E09000007";
    const HACKNEY: &str = "E09000012";

    fn logged(visit: u128, suite: &str, borough: &str, day: i64) -> CustodyVisitLogged {
        CustodyVisitLogged {
            visit_id: id(visit),
            suite: suite.into(),
            borough: borough.into(),
            visitors: vec![id(501), id(502)],
            arrived_at: at(day, 0),
            left_at: at(day, 95),
            access_delay_minutes: 10,
            detainees_held: 3,
        }
    }

    fn encounter(visit: u128, n: u128, consent: Consent) -> CustodyVisitDetaineeEncountered {
        CustodyVisitDetaineeEncountered {
            visit_id: id(visit),
            encounter_id: id(n),
            encountered_at: at(0, 20),
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
            personal: DetaineeRecord {
                data_subject_id: id(9000 + n),
                custody_record_number: format!("01KD/{n}/25"),
            },
        }
    }

    fn raised(visit: u128, issue: u128, day: i64) -> CustodyVisitIssueRaised {
        CustodyVisitIssueRaised {
            visit_id: id(visit),
            issue_id: id(issue),
            encounter_id: None,
            category: IssueCategory::FoodAndDrink,
            description: "Detainee not offered a meal in over six hours".into(),
            raised_with: "custody sergeant".into(),
            raised_at: at(day, 60),
        }
    }

    /// Visit 1 in Camden (day 0) with two encounters and two issues, one resolved during
    /// the visit and one escalated and resolved after follow-up (day 12).
    fn history() -> (TestLog, Vec<u64>) {
        let mut log = TestLog::new();
        let s = stream_id(id(1));
        let s = s.as_str();
        let mut p = Vec::new();
        p.push(rec(
            &mut log,
            s,
            at(0, 95),
            logged(1, "KENTISH-TOWN", CAMDEN, 0),
        ));
        p.push(rec(
            &mut log,
            s,
            at(0, 20),
            encounter(1, 11, Consent::Given),
        ));
        p.push(rec(
            &mut log,
            s,
            at(0, 30),
            encounter(1, 12, Consent::Declined),
        ));
        let mut on_encounter = raised(1, 21, 0);
        on_encounter.encounter_id = Some(id(11));
        p.push(rec(&mut log, s, at(0, 60), on_encounter));
        p.push(rec(&mut log, s, at(0, 61), raised(1, 22, 0)));
        p.push(rec(
            &mut log,
            s,
            at(0, 70),
            CustodyVisitIssueResolved {
                visit_id: id(1),
                issue_id: id(21),
                resolved_at: at(0, 70),
                outcome: IssueOutcome::ResolvedDuringVisit,
                outcome_summary: "Meal provided while visitors were present".into(),
                days_to_resolve: 0,
            },
        ));
        p.push(rec(
            &mut log,
            s,
            at(0, 90),
            CustodyVisitIssueEscalated {
                visit_id: id(1),
                issue_id: id(22),
                escalated_to: EscalationTarget::CustodyInspector,
                escalated_at: at(0, 90),
                note: Some("Pattern seen on three visits".into()),
            },
        ));
        p.push(rec(
            &mut log,
            s,
            at(0, 120),
            CustodyVisitClosed {
                visit_id: id(1),
                closed_at: at(0, 120),
                detainees_held: 3,
                detainees_offered: 2,
                detainees_seen: 1,
                issues_raised: 2,
            },
        ));
        p.push(rec(
            &mut log,
            s,
            at(12, 0),
            CustodyVisitIssueResolved {
                visit_id: id(1),
                issue_id: id(22),
                resolved_at: at(12, 0),
                outcome: IssueOutcome::ResolvedAfterFollowUp,
                outcome_summary: "Meal times added to the custody shift handover".into(),
                days_to_resolve: 11,
            },
        ));
        (log, p)
    }

    #[test]
    fn a_full_visit_gives_the_record_and_its_derived_values() {
        let (log, positions) = history();
        let m: CustodyVisits = fold(&log.events);
        let v = m.get(&id(1)).expect("visit");
        assert_eq!(v.suite, "KENTISH-TOWN");
        assert_eq!(v.borough, BoroughCode::from(CAMDEN));
        assert_eq!(v.visitors, vec![id(501), id(502)]);
        assert_eq!(v.minutes_on_site, 95);
        assert_eq!(v.access_delay_minutes, 10);
        assert_eq!(
            (v.detainees_held, v.detainees_offered, v.detainees_seen),
            (3, 2, 1)
        );
        assert_eq!(v.status, VisitStatus::Closed);
        assert_eq!(v.closed_at, Some(at(0, 120)));

        assert_eq!(v.encounters.len(), 2);
        let seen = &v.encounters[0];
        assert_eq!(seen.consent, Consent::Given);
        assert_eq!(seen.checks.len(), 2);
        assert_eq!(seen.unsatisfactory_checks, 1);
        assert_eq!(seen.data_subject_id, id(9011));
        assert_eq!(seen.event_position, positions[1]);
        assert!(v.encounters[1].checks.is_empty());

        let during = v.issue(&id(21)).expect("issue 21");
        assert_eq!(during.encounter_id, Some(id(11)));
        assert_eq!(during.status, IssueStatus::Resolved);
        assert_eq!(during.outcome, Some(IssueOutcome::ResolvedDuringVisit));
        assert!(during.escalations.is_empty());
        let followed_up = v.issue(&id(22)).expect("issue 22");
        assert_eq!(followed_up.status, IssueStatus::Resolved);
        assert_eq!(
            followed_up.escalations,
            vec![IssueEscalation {
                escalated_to: EscalatedTo::CustodyInspector,
                escalated_at: at(0, 90),
                note: Some("Pattern seen on three visits".into()),
            }]
        );
        assert_eq!(followed_up.resolved_at, Some(at(12, 0)));
        assert_eq!(followed_up.days_to_resolve, Some(11));
        assert_eq!(v.unresolved_issues().count(), 0);

        assert_eq!(v.provenance.positions, positions);
        assert_eq!(
            v.provenance.last_occurred_at,
            log.events.last().map(|e| e.occurred_at())
        );
    }

    #[test]
    fn issue_status_follows_escalation_then_resolution() {
        let (log, _) = history();
        // Up to the escalation (7 events): issue 22 escalated, visit still open.
        let m: CustodyVisits = fold(&log.events[..7]);
        let v = m.get(&id(1)).expect("visit");
        assert_eq!(v.status, VisitStatus::Logged);
        assert_eq!(
            v.issue(&id(22)).map(|i| i.status),
            Some(IssueStatus::Escalated)
        );
        assert_eq!(
            m.unresolved_issues(None)
                .map(|(_, i)| i.issue_id)
                .collect::<Vec<_>>(),
            vec![id(22)]
        );
        // Before it: open.
        let m: CustodyVisits = fold(&log.events[..6]);
        assert_eq!(
            m.get(&id(1))
                .and_then(|v| v.issue(&id(22)))
                .map(|i| i.status),
            Some(IssueStatus::Open)
        );
    }

    #[test]
    fn events_for_unknown_visits_and_issues_are_ignored() {
        let mut log = TestLog::new();
        rec(
            &mut log,
            "custody-visit-x",
            at(0, 20),
            encounter(7, 11, Consent::Given),
        );
        rec(&mut log, "custody-visit-x", at(0, 60), raised(7, 21, 0));
        let m: CustodyVisits = fold(&log.events);
        assert!(m.by_id.is_empty());

        let (mut log, positions) = history();
        rec(
            &mut log,
            "custody-visit-1",
            at(13, 0),
            CustodyVisitIssueEscalated {
                visit_id: id(1),
                issue_id: id(99),
                escalated_to: EscalationTarget::MetDetention,
                escalated_at: at(13, 0),
                note: None,
            },
        );
        let m: CustodyVisits = fold(&log.events);
        let v = m.get(&id(1)).expect("visit");
        assert_eq!(v.provenance.positions, positions);
        assert!(v.issue(&id(99)).is_none());
    }

    #[test]
    fn replay_and_snapshot_agree() {
        let (mut log, _) = history();
        rec(
            &mut log,
            "custody-visit-2",
            at(3, 95),
            logged(2, "HOLBORN", CAMDEN, 3),
        );
        rec(&mut log, "custody-visit-2", at(3, 60), raised(2, 41, 3));
        rec(
            &mut log,
            "custody-visit-2",
            at(4, 0),
            CustodyVisitIssueEscalated {
                visit_id: id(2),
                issue_id: id(41),
                escalated_to: EscalationTarget::Other("Borough custody lead".into()),
                escalated_at: at(4, 0),
                note: None,
            },
        );
        fold_checked::<CustodyVisits>(&log.events);
    }

    #[test]
    fn scorecard_helpers_count_by_borough_and_period() {
        let (mut log, _) = history();
        // A second Camden visit to the same suite on day 5, one to another suite on day 40,
        // and a Hackney visit on day 5.
        rec(
            &mut log,
            "cv-2",
            at(5, 95),
            logged(2, "KENTISH-TOWN", CAMDEN, 5),
        );
        rec(&mut log, "cv-2", at(5, 60), raised(2, 31, 5));
        rec(
            &mut log,
            "cv-3",
            at(40, 95),
            logged(3, "HOLBORN", CAMDEN, 40),
        );
        rec(
            &mut log,
            "cv-4",
            at(5, 95),
            logged(4, "STOKE-NEWINGTON", HACKNEY, 5),
        );
        let m: CustodyVisits = fold(&log.events);
        let camden = BoroughCode::from(CAMDEN);
        let (from, to) = (at(0, 0), at(30, 0));

        assert_eq!(m.visits_made(Some(&camden), from, to).count(), 2);
        assert_eq!(m.visits_made(None, from, to).count(), 3);
        assert_eq!(
            m.suites_covered(Some(&camden), from, to)
                .into_iter()
                .collect::<Vec<_>>(),
            vec!["KENTISH-TOWN"]
        );
        assert_eq!(
            m.suites_covered(Some(&camden), from, at(41, 0)).len(),
            2,
            "the day-40 visit is in the longer period"
        );
        // [from, to) excludes the end.
        assert_eq!(m.visits_made(Some(&camden), from, at(5, 0)).count(), 1);

        // Issue 22 was resolved on day 12: in [10, 20) but raised before it.
        assert_eq!(
            m.issues_raised(Some(&camden), at(10, 0), at(20, 0)).count(),
            0
        );
        assert_eq!(
            m.issues_resolved(Some(&camden), at(10, 0), at(20, 0))
                .map(|(v, i)| (v.visit_id, i.issue_id))
                .collect::<Vec<_>>(),
            vec![(id(1), id(22))]
        );

        let f = m.figures(Some(&camden), from, to);
        assert_eq!(
            f,
            CustodyVisitingFigures {
                visits: 2,
                suites_covered: 1,
                detainees_held: 6,
                detainees_offered: 2,
                detainees_seen: 1,
                access_delay_minutes: 20,
                issues_raised: 3,
                issues_escalated: 1,
                issues_resolved: 2,
            }
        );
        assert_eq!(m.at_suite("KENTISH-TOWN").count(), 2);
        assert_eq!(m.with_status(VisitStatus::Logged).count(), 3);
    }

    #[test]
    fn suites_not_visited_come_from_the_reference_data() {
        let mut log = TestLog::new();
        for (suite, borough) in [
            ("KENTISH-TOWN", CAMDEN),
            ("HOLBORN", CAMDEN),
            ("ALBANY-STREET", CAMDEN),
            ("STOKE-NEWINGTON", HACKNEY),
        ] {
            put(
                &mut log,
                &format!("custody-suite-{suite}"),
                at(-100, 0),
                custody_suite::Event::from(CustodySuiteRegistered {
                    suite: suite.into(),
                    name: suite.to_lowercase(),
                    borough: borough.into(),
                    cells: Some(12),
                }),
            );
        }
        put(
            &mut log,
            "custody-suite-ALBANY-STREET",
            at(-50, 0),
            custody_suite::Event::from(CustodySuiteClosed {
                suite: "ALBANY-STREET".into(),
                closed_on: at(-50, 0).date_naive(),
                reason: None,
            }),
        );
        rec(
            &mut log,
            "cv-1",
            at(2, 95),
            logged(1, "KENTISH-TOWN", CAMDEN, 2),
        );
        let reference: ReferenceData = fold(&log.events);
        let visits: CustodyVisits = fold(&log.events);
        let missing: Vec<&str> = visits
            .suites_not_visited(&reference, &CAMDEN.into(), at(0, 0), at(30, 0))
            .into_iter()
            .map(|s| s.suite.as_str())
            .collect();
        assert_eq!(missing, vec!["HOLBORN"]);
    }
}
