//! A board's monitoring of public complaints against its borough's officers: one record per
//! case with the police reference, when the police received it, each allegation (category,
//! officers involved, outcome), the handling route and every change of route, the learning
//! recorded, and closure with the days the case was open.
//!
//! The complainant, when the board holds their details at all, appears only as a data
//! subject id; the case's dates are calendar days, so its period helpers take days.

use super::period::within;
use std::collections::BTreeMap;

use chrono::NaiveDate;
use engage_domain::police_complaint_case::{
    AllegationCategory, AllegationOutcome, Event, HandlingRoute, LearningKind,
};
use engage_domain::{BoroughCode, DomainEvent, Timestamp};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::provenance::Provenance;
use crate::event::ProjectedEvent;
use crate::model::ReadModel;

/// Where a monitored case is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CaseStatus {
    /// Noted; no handling route recorded yet.
    Noted,
    /// The police are handling it by a recorded route; outcomes outstanding.
    BeingHandled,
    /// Every allegation has an outcome; the board has not closed the case.
    OutcomesRecorded,
    Closed,
}

/// The outcome of one allegation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AllegationOutcomeRecord {
    pub outcome: AllegationOutcome,
    pub decided_on: NaiveDate,
    pub summary: String,
    /// Whole days from the police receiving the complaint to this outcome.
    pub days_from_receipt: i64,
}

/// One allegation within the complaint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Allegation {
    pub allegation_id: Uuid,
    pub category: AllegationCategory,
    pub description: String,
    pub officers_involved: u32,
    pub outcome: Option<AllegationOutcomeRecord>,
}

/// A handling-route decision (the first, or a re-routing).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RouteDecision {
    pub route: HandlingRoute,
    pub decided_on: NaiveDate,
    pub previous_route: Option<HandlingRoute>,
    pub rationale: Option<String>,
}

/// Learning drawn from the complaint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Learning {
    pub learning_id: Uuid,
    pub kind: LearningKind,
    pub learning: String,
    pub recorded_on: NaiveDate,
}

/// One monitored complaint case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PoliceComplaintCase {
    pub case_id: Uuid,
    pub borough: BoroughCode,
    /// The police (or IOPC) complaint reference.
    pub reference: String,
    /// When the police received the complaint.
    pub received_on: NaiveDate,
    /// When the board noted it.
    pub noted_at: Timestamp,
    /// What the complaint is about (recorded without names).
    pub summary: String,
    /// The complainant, when the board holds their details.
    pub complainant_data_subject_id: Option<Uuid>,
    pub status: CaseStatus,
    pub allegations: Vec<Allegation>,
    /// The current handling route.
    pub route: Option<HandlingRoute>,
    /// Every route decision, in order.
    pub route_history: Vec<RouteDecision>,
    pub learning: Vec<Learning>,
    pub closed_on: Option<NaiveDate>,
    /// Whole days from the police receiving the complaint to closure.
    pub days_open: Option<i64>,
    pub board_comment: Option<String>,
    pub provenance: Provenance,
}

impl PoliceComplaintCase {
    pub fn allegation(&self, id: &Uuid) -> Option<&Allegation> {
        self.allegations.iter().find(|a| &a.allegation_id == id)
    }

    /// Allegations still awaiting an outcome.
    pub fn awaiting_outcome(&self) -> impl Iterator<Item = &Allegation> {
        self.allegations.iter().filter(|a| a.outcome.is_none())
    }

    fn derive_status(&mut self) {
        self.status = if self.closed_on.is_some() {
            CaseStatus::Closed
        } else if !self.allegations.is_empty() && self.awaiting_outcome().next().is_none() {
            CaseStatus::OutcomesRecorded
        } else if self.route.is_some() {
            CaseStatus::BeingHandled
        } else {
            CaseStatus::Noted
        };
    }
}

/// Every monitored case, by id.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PoliceComplaintCases {
    pub by_id: BTreeMap<Uuid, PoliceComplaintCase>,
}

impl ReadModel for PoliceComplaintCases {
    const NAME: &'static str = "police_complaint_cases";
    const VERSION: u32 = 1;

    fn apply(&mut self, event: &ProjectedEvent) {
        let Some(DomainEvent::PoliceComplaintCase(e)) = &event.domain else {
            return;
        };
        if let Event::Noted(n) = e {
            let mut provenance = Provenance::default();
            provenance.touch(event);
            self.by_id.insert(
                n.case_id,
                PoliceComplaintCase {
                    case_id: n.case_id,
                    borough: n.borough.clone(),
                    reference: n.reference.clone(),
                    received_on: n.received_on,
                    noted_at: n.noted_at,
                    summary: n.summary.clone(),
                    complainant_data_subject_id: n.personal.as_ref().map(|p| p.data_subject_id),
                    status: CaseStatus::Noted,
                    allegations: Vec::new(),
                    route: None,
                    route_history: Vec::new(),
                    learning: Vec::new(),
                    closed_on: None,
                    days_open: None,
                    board_comment: None,
                    provenance,
                },
            );
            return;
        }
        let case_id = match e {
            Event::Noted(n) => n.case_id,
            Event::AllegationAdded(a) => a.case_id,
            Event::HandlingRouteRecorded(r) => r.case_id,
            Event::AllegationOutcomeRecorded(o) => o.case_id,
            Event::LearningRecorded(l) => l.case_id,
            Event::Closed(c) => c.case_id,
        };
        // A case this model has not seen (possible in a world-time as-of replay): ignored.
        let Some(c) = self.by_id.get_mut(&case_id) else {
            return;
        };
        match e {
            Event::Noted(_) => return,
            Event::AllegationAdded(a) => {
                if c.allegation(&a.allegation_id).is_some() {
                    return;
                }
                c.allegations.push(Allegation {
                    allegation_id: a.allegation_id,
                    category: a.category,
                    description: a.description.clone(),
                    officers_involved: a.officers_involved,
                    outcome: None,
                });
            }
            Event::HandlingRouteRecorded(r) => {
                c.route = Some(r.route);
                c.route_history.push(RouteDecision {
                    route: r.route,
                    decided_on: r.decided_on,
                    previous_route: r.previous_route,
                    rationale: r.rationale.clone(),
                });
            }
            Event::AllegationOutcomeRecorded(o) => {
                let received_on = c.received_on;
                let Some(a) = c
                    .allegations
                    .iter_mut()
                    .find(|a| a.allegation_id == o.allegation_id)
                else {
                    return;
                };
                a.outcome = Some(AllegationOutcomeRecord {
                    outcome: o.outcome,
                    decided_on: o.decided_on,
                    summary: o.summary.clone(),
                    days_from_receipt: (o.decided_on - received_on).num_days(),
                });
            }
            Event::LearningRecorded(l) => {
                if c.learning.iter().any(|x| x.learning_id == l.learning_id) {
                    return;
                }
                c.learning.push(Learning {
                    learning_id: l.learning_id,
                    kind: l.kind,
                    learning: l.learning.clone(),
                    recorded_on: l.recorded_on,
                });
            }
            Event::Closed(x) => {
                c.closed_on = Some(x.closed_on);
                c.days_open = Some(x.days_open);
                c.board_comment = x.board_comment.clone();
            }
        }
        c.derive_status();
        c.provenance.touch(event);
    }
}

/// Police-complaint monitoring figures for one borough (or London) and period of days.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PoliceComplaintFigures {
    /// Cases the police received in the period.
    pub cases_received: usize,
    /// Allegations in those cases.
    pub allegations: usize,
    /// Allegation outcomes decided in the period.
    pub outcomes_decided: usize,
    /// Learning recorded in the period.
    pub learning_recorded: usize,
    /// Cases closed in the period, and their mean days open.
    pub cases_closed: usize,
    pub mean_days_open: Option<f64>,
}

impl PoliceComplaintCases {
    pub fn get(&self, id: &Uuid) -> Option<&PoliceComplaintCase> {
        self.by_id.get(id)
    }

    /// Cases of one borough (all when `None`), in id order.
    pub fn in_borough<'a>(
        &'a self,
        borough: Option<&'a BoroughCode>,
    ) -> impl Iterator<Item = &'a PoliceComplaintCase> + 'a {
        self.by_id
            .values()
            .filter(move |c| borough.is_none_or(|b| &c.borough == b))
    }

    /// Cases in a given status, in one borough (all when `None`).
    pub fn with_status<'a>(
        &'a self,
        borough: Option<&'a BoroughCode>,
        status: CaseStatus,
    ) -> impl Iterator<Item = &'a PoliceComplaintCase> + 'a {
        self.in_borough(borough).filter(move |c| c.status == status)
    }

    /// Cases currently handled by `route`.
    pub fn on_route<'a>(
        &'a self,
        borough: Option<&'a BoroughCode>,
        route: HandlingRoute,
    ) -> impl Iterator<Item = &'a PoliceComplaintCase> + 'a {
        self.in_borough(borough)
            .filter(move |c| c.route == Some(route))
    }

    /// Cases the police received in `[from, to)`.
    pub fn received<'a>(
        &'a self,
        borough: Option<&'a BoroughCode>,
        from: NaiveDate,
        to: NaiveDate,
    ) -> impl Iterator<Item = &'a PoliceComplaintCase> + 'a {
        self.in_borough(borough)
            .filter(move |c| within(c.received_on, from, to))
    }

    /// Cases closed in `[from, to)`.
    pub fn closed<'a>(
        &'a self,
        borough: Option<&'a BoroughCode>,
        from: NaiveDate,
        to: NaiveDate,
    ) -> impl Iterator<Item = &'a PoliceComplaintCase> + 'a {
        self.in_borough(borough)
            .filter(move |c| c.closed_on.is_some_and(|d| within(d, from, to)))
    }

    /// Allegations of a category, with their case, in one borough (all when `None`).
    pub fn allegations_of<'a>(
        &'a self,
        borough: Option<&'a BoroughCode>,
        category: AllegationCategory,
    ) -> impl Iterator<Item = (&'a PoliceComplaintCase, &'a Allegation)> + 'a {
        self.in_borough(borough).flat_map(move |c| {
            c.allegations
                .iter()
                .filter(move |a| a.category == category)
                .map(move |a| (c, a))
        })
    }

    /// The scorecard's figures for the days `[from, to)`.
    pub fn figures(
        &self,
        borough: Option<&BoroughCode>,
        from: NaiveDate,
        to: NaiveDate,
    ) -> PoliceComplaintFigures {
        let mut f = PoliceComplaintFigures::default();
        for c in self.received(borough, from, to) {
            f.cases_received += 1;
            f.allegations += c.allegations.len();
        }
        for c in self.in_borough(borough) {
            f.outcomes_decided += c
                .allegations
                .iter()
                .filter_map(|a| a.outcome.as_ref())
                .filter(|o| within(o.decided_on, from, to))
                .count();
            f.learning_recorded += c
                .learning
                .iter()
                .filter(|l| within(l.recorded_on, from, to))
                .count();
        }
        let days: Vec<i64> = self
            .closed(borough, from, to)
            .filter_map(|c| c.days_open)
            .collect();
        f.cases_closed = days.len();
        if !days.is_empty() {
            f.mean_days_open = Some(days.iter().sum::<i64>() as f64 / days.len() as f64);
        }
        f
    }
}

#[cfg(test)]
mod tests {
    use engage_domain::personal::ComplainantDetails;
    use engage_domain::police_complaint_case::{
        PoliceComplaintAllegationAdded, PoliceComplaintAllegationOutcomeRecorded,
        PoliceComplaintCaseClosed, PoliceComplaintCaseNoted, PoliceComplaintHandlingRouteRecorded,
        PoliceComplaintLearningRecorded,
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

    const CAMDEN: &str = "E09000007";
    const HACKNEY: &str = "E09000012";

    /// A day of 2025.
    fn day(m: u32, d: u32) -> NaiveDate {
        testing::day(2025, m, d)
    }

    fn noted(case: u128, borough: &str, received: NaiveDate) -> PoliceComplaintCaseNoted {
        PoliceComplaintCaseNoted {
            case_id: id(case),
            borough: borough.into(),
            reference: format!("CO/{case}/25"),
            received_on: received,
            noted_at: at(0, 0),
            summary: "Search of a vehicle without stated grounds".into(),
            personal: Some(ComplainantDetails {
                data_subject_id: id(8000 + case),
                full_name: "A Complainant".into(),
                email: Some("a@example.org".into()),
                phone: None,
                postal_address: None,
            }),
        }
    }

    fn allegation(
        case: u128,
        a: u128,
        category: AllegationCategory,
    ) -> PoliceComplaintAllegationAdded {
        PoliceComplaintAllegationAdded {
            case_id: id(case),
            allegation_id: id(a),
            category,
            description: "Officer did not explain the grounds".into(),
            officers_involved: 2,
        }
    }

    fn route(
        case: u128,
        r: HandlingRoute,
        previous: Option<HandlingRoute>,
        on: NaiveDate,
    ) -> PoliceComplaintHandlingRouteRecorded {
        PoliceComplaintHandlingRouteRecorded {
            case_id: id(case),
            route: r,
            decided_on: on,
            previous_route: previous,
            rationale: None,
        }
    }

    fn outcome(
        case: u128,
        a: u128,
        o: AllegationOutcome,
        on: NaiveDate,
    ) -> PoliceComplaintAllegationOutcomeRecorded {
        PoliceComplaintAllegationOutcomeRecorded {
            case_id: id(case),
            allegation_id: id(a),
            outcome: o,
            decided_on: on,
            summary: "Body-worn video reviewed".into(),
        }
    }

    /// Case 1 (Camden, received 6 Jan): two allegations, routed locally then re-routed to
    /// the IOPC, outcomes on 10 Mar and 20 Mar, learning, closed 1 Apr.
    fn history() -> (TestLog, Vec<u64>) {
        let mut log = TestLog::new();
        let s = "police-complaint-1";
        let p = vec![
            rec(&mut log, s, at(1, 0), noted(1, CAMDEN, day(1, 6))),
            rec(
                &mut log,
                s,
                at(1, 5),
                allegation(1, 11, AllegationCategory::PolicePowers),
            ),
            rec(
                &mut log,
                s,
                at(1, 6),
                allegation(1, 12, AllegationCategory::IndividualBehaviour),
            ),
            rec(
                &mut log,
                s,
                at(10, 0),
                route(1, HandlingRoute::LocalInvestigation, None, day(1, 16)),
            ),
            rec(
                &mut log,
                s,
                at(20, 0),
                route(
                    1,
                    HandlingRoute::IndependentInvestigation,
                    Some(HandlingRoute::LocalInvestigation),
                    day(1, 26),
                ),
            ),
            rec(
                &mut log,
                s,
                at(63, 0),
                outcome(1, 11, AllegationOutcome::ServiceNotAcceptable, day(3, 10)),
            ),
            rec(
                &mut log,
                s,
                at(64, 0),
                PoliceComplaintLearningRecorded {
                    case_id: id(1),
                    learning_id: id(21),
                    kind: LearningKind::Organisational,
                    learning: "Grounds briefing for the response team".into(),
                    recorded_on: day(3, 12),
                },
            ),
            rec(
                &mut log,
                s,
                at(73, 0),
                outcome(1, 12, AllegationOutcome::ServiceAcceptable, day(3, 20)),
            ),
            rec(
                &mut log,
                s,
                at(85, 0),
                PoliceComplaintCaseClosed {
                    case_id: id(1),
                    closed_on: day(4, 1),
                    days_open: 85,
                    board_comment: Some("Board satisfied with the learning".into()),
                },
            ),
        ];
        (log, p)
    }

    #[test]
    fn a_full_case_gives_the_record_and_its_derived_values() {
        let (log, positions) = history();
        let m: PoliceComplaintCases = fold(&log.events);
        let c = m.get(&id(1)).expect("case");
        assert_eq!(c.reference, "CO/1/25");
        assert_eq!(c.received_on, day(1, 6));
        assert_eq!(c.complainant_data_subject_id, Some(id(8001)));
        assert_eq!(c.status, CaseStatus::Closed);
        assert_eq!(c.route, Some(HandlingRoute::IndependentInvestigation));
        assert_eq!(c.route_history.len(), 2);
        assert_eq!(
            c.route_history[1].previous_route,
            Some(HandlingRoute::LocalInvestigation)
        );
        let a = c.allegation(&id(11)).expect("allegation");
        assert_eq!(a.category, AllegationCategory::PolicePowers);
        assert_eq!(
            a.outcome.as_ref().map(|o| (o.outcome, o.days_from_receipt)),
            Some((AllegationOutcome::ServiceNotAcceptable, 63))
        );
        assert_eq!(c.awaiting_outcome().count(), 0);
        assert_eq!(c.learning.len(), 1);
        assert_eq!(c.learning[0].kind, LearningKind::Organisational);
        assert_eq!(c.closed_on, Some(day(4, 1)));
        assert_eq!(c.days_open, Some(85));
        assert_eq!(c.provenance.positions, positions);
        // No personal details are copied: the serialised record has no name or email.
        let text = serde_json::to_string(&m).expect("json");
        assert!(!text.contains("A Complainant") && !text.contains("a@example.org"));
    }

    #[test]
    fn status_follows_the_case() {
        let (log, _) = history();
        let status_after = |n: usize| {
            let m: PoliceComplaintCases = fold(&log.events[..n]);
            m.get(&id(1)).map(|c| c.status)
        };
        assert_eq!(status_after(3), Some(CaseStatus::Noted));
        assert_eq!(status_after(4), Some(CaseStatus::BeingHandled));
        assert_eq!(status_after(7), Some(CaseStatus::BeingHandled));
        assert_eq!(status_after(8), Some(CaseStatus::OutcomesRecorded));
        assert_eq!(status_after(9), Some(CaseStatus::Closed));
    }

    #[test]
    fn events_for_unknown_cases_and_allegations_are_ignored() {
        let mut log = TestLog::new();
        rec(
            &mut log,
            "police-complaint-9",
            at(0, 0),
            allegation(9, 11, AllegationCategory::UseOfForce),
        );
        let m: PoliceComplaintCases = fold(&log.events);
        assert!(m.by_id.is_empty());

        let (mut log, positions) = history();
        rec(
            &mut log,
            "police-complaint-1",
            at(90, 0),
            outcome(1, 99, AllegationOutcome::Upheld, day(4, 5)),
        );
        let m: PoliceComplaintCases = fold(&log.events);
        assert_eq!(
            m.get(&id(1)).map(|c| c.provenance.positions.clone()),
            Some(positions)
        );
    }

    #[test]
    fn replay_and_snapshot_agree() {
        let (mut log, _) = history();
        rec(
            &mut log,
            "police-complaint-2",
            at(2, 0),
            noted(2, HACKNEY, day(1, 20)),
        );
        fold_checked::<PoliceComplaintCases>(&log.events);
    }

    #[test]
    fn figures_by_borough_and_period() {
        let (mut log, _) = history();
        rec(
            &mut log,
            "police-complaint-2",
            at(2, 0),
            noted(2, CAMDEN, day(2, 3)),
        );
        rec(
            &mut log,
            "police-complaint-2",
            at(2, 1),
            allegation(2, 31, AllegationCategory::UseOfForce),
        );
        rec(
            &mut log,
            "police-complaint-3",
            at(2, 0),
            noted(3, HACKNEY, day(1, 20)),
        );
        let m: PoliceComplaintCases = fold(&log.events);
        let camden = BoroughCode::from(CAMDEN);

        let q1 = m.figures(Some(&camden), day(1, 1), day(4, 1));
        assert_eq!(
            q1,
            PoliceComplaintFigures {
                cases_received: 2,
                allegations: 3,
                outcomes_decided: 2,
                learning_recorded: 1,
                cases_closed: 0,
                mean_days_open: None,
            }
        );
        let april = m.figures(Some(&camden), day(4, 1), day(5, 1));
        assert_eq!(april.cases_closed, 1);
        assert_eq!(april.mean_days_open, Some(85.0));
        assert_eq!(m.received(None, day(1, 1), day(2, 1)).count(), 2);
        assert_eq!(m.with_status(Some(&camden), CaseStatus::Noted).count(), 1);
        assert_eq!(
            m.on_route(None, HandlingRoute::IndependentInvestigation)
                .count(),
            1
        );
        assert_eq!(
            m.allegations_of(Some(&camden), AllegationCategory::UseOfForce)
                .map(|(c, a)| (c.case_id, a.allegation_id))
                .collect::<Vec<_>>(),
            vec![(id(2), id(31))]
        );
    }
}
