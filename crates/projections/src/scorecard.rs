//! The board scorecard (the performance view per borough and period) and MOPAC's
//! London-wide roll-up, computed from the detailed read models.
//!
//! A scorecard holds no state of its own: every figure is a count or sum over records of
//! the detailed models, each counted by the date of its own step in the period `[from,
//! to)`. So an auditor drills from any figure to the records behind it by listing the same
//! model with the same borough and period, and from each record to its events
//! (provenance). As-of scorecards come from as-of models.

use crate::models::period::within;
use std::collections::BTreeSet;

use chrono::NaiveDate;
use engage_domain::performance::ConfidenceMeasure;
use engage_domain::priority::PriorityOutcome;
use engage_domain::reference::BOROUGHS;
use engage_domain::{BoroughCode, Timestamp};

use crate::models::custody_visits::CustodyVisitingFigures;
use crate::models::fund::FundFigures;
use crate::models::performance::TrendPoint;
use crate::models::police_complaints::PoliceComplaintFigures;
use crate::models::priorities::PriorityStatus;
use crate::models::stop_search::StopSearchFigures;
use crate::models::{
    Complaints, CustodyVisits, PerformanceFigures, PoliceComplaintCases, PreventionFund,
    Priorities, ReferenceData, StopSearchReviews, WardPanels,
};

/// The models a scorecard reads.
#[derive(Clone, Copy)]
pub struct Sources<'a> {
    pub complaints: &'a Complaints,
    pub priorities: &'a Priorities,
    pub custody_visits: &'a CustodyVisits,
    pub ward_panels: &'a WardPanels,
    pub reference: &'a ReferenceData,
    pub prevention_fund: &'a PreventionFund,
    pub stop_search: &'a StopSearchReviews,
    pub police_complaints: &'a PoliceComplaintCases,
    pub performance: &'a PerformanceFigures,
}

/// Victims' complaints in the period.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ComplaintFigures {
    /// Received in the period.
    pub received: usize,
    /// Acknowledged in the period.
    pub acknowledged: usize,
    /// Of those, acknowledged within the target number of days of receipt.
    pub acknowledged_in_time: usize,
    /// The target used, in days.
    pub acknowledgement_target_days: i64,
    /// Resolved in the period.
    pub resolved: usize,
    /// Median whole days from receipt to acknowledgement, over those acknowledged.
    pub median_days_to_acknowledge: Option<f64>,
    /// Median whole days from receipt to resolution, over those resolved.
    pub median_days_to_resolve: Option<f64>,
    /// Received in the period and not resolved by its end.
    pub open_at_end: usize,
}

/// Policing priorities in the period.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PriorityFigures {
    pub proposed: usize,
    pub set: usize,
    /// Set (in force) at the end of the period: the police are reporting progress on them.
    pub progressing: usize,
    pub closed: usize,
    pub achieved: usize,
    pub not_achieved: usize,
    pub superseded: usize,
    /// "You said, we did" feedback published in the period.
    pub feedback_published: usize,
}

/// How many wards had a panel that met.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WardPanelCoverage {
    /// Wards whose panel met in the period.
    pub wards_met: usize,
    /// Wards of the borough in the reference data (0 when no wards are registered).
    pub wards_total: usize,
    /// Wards with a panel formed by the end of the period.
    pub wards_with_panel: usize,
    /// `wards_met / wards_total` as a percentage, when the wards are known.
    pub percent_met: Option<f64>,
}

/// The performance view of one borough (or all of London) for `[from, to)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Scorecard {
    /// `None` for London as a whole.
    pub borough: Option<BoroughCode>,
    pub from: Timestamp,
    pub to: Timestamp,
    pub complaints: ComplaintFigures,
    pub priorities: PriorityFigures,
    pub custody_visits: CustodyVisitingFigures,
    pub ward_panels: WardPanelCoverage,
    pub prevention_fund: FundFigures,
    pub stop_search: StopSearchFigures,
    pub police_complaints: PoliceComplaintFigures,
    /// Headline confidence ("the police do a good job") for the borough over time, ending
    /// with the last survey period that started before `to` (empty for London).
    pub confidence: Vec<TrendPoint>,
}

fn median(mut values: Vec<i64>) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable();
    let mid = values.len() / 2;
    Some(if values.len().is_multiple_of(2) {
        (values[mid - 1] + values[mid]) as f64 / 2.0
    } else {
        values[mid] as f64
    })
}

fn complaint_figures(
    src: &Sources<'_>,
    borough: Option<&BoroughCode>,
    from: Timestamp,
    to: Timestamp,
    target_days: i64,
) -> ComplaintFigures {
    let mut f = ComplaintFigures {
        acknowledgement_target_days: target_days,
        ..ComplaintFigures::default()
    };
    let mut ack_days = Vec::new();
    let mut resolve_days = Vec::new();
    for c in src.complaints.in_borough(borough) {
        if within(c.received_at, from, to) {
            f.received += 1;
            if c.resolved_at.is_none_or(|r| r >= to) {
                f.open_at_end += 1;
            }
        }
        if let Some(at) = c.acknowledged_at.filter(|&t| within(t, from, to)) {
            let days = c
                .days_to_acknowledge
                .unwrap_or_else(|| (at - c.received_at).num_days());
            f.acknowledged += 1;
            if days <= target_days {
                f.acknowledged_in_time += 1;
            }
            ack_days.push(days);
        }
        if let Some(at) = c.resolved_at.filter(|&t| within(t, from, to)) {
            f.resolved += 1;
            resolve_days.push(
                c.days_to_resolve
                    .unwrap_or_else(|| (at - c.received_at).num_days()),
            );
        }
    }
    f.median_days_to_acknowledge = median(ack_days);
    f.median_days_to_resolve = median(resolve_days);
    f
}

fn priority_figures(
    src: &Sources<'_>,
    borough: Option<&BoroughCode>,
    from: Timestamp,
    to: Timestamp,
) -> PriorityFigures {
    let mut f = PriorityFigures {
        proposed: src.priorities.proposed_in(borough, from, to).count(),
        set: src.priorities.set_in(borough, from, to).count(),
        feedback_published: src.priorities.feedback_in(borough, from, to).count(),
        ..PriorityFigures::default()
    };
    for p in src.priorities.in_borough(borough) {
        let set_by_end = p.setting.as_ref().is_some_and(|s| s.set_at < to);
        let closed_by_end = p.closure.as_ref().is_some_and(|c| c.closed_at < to);
        if set_by_end && !closed_by_end && p.status != PriorityStatus::Proposed {
            f.progressing += 1;
        }
        if let Some(c) = p.closure.as_ref().filter(|c| within(c.closed_at, from, to)) {
            f.closed += 1;
            match c.outcome {
                PriorityOutcome::Achieved => f.achieved += 1,
                PriorityOutcome::NotAchieved => f.not_achieved += 1,
                PriorityOutcome::Superseded => f.superseded += 1,
            }
        }
    }
    f
}

fn ward_panel_coverage(
    src: &Sources<'_>,
    borough: Option<&BoroughCode>,
    from: Timestamp,
    to: Timestamp,
) -> WardPanelCoverage {
    let end_day: NaiveDate = to.date_naive();
    let wards_total = match borough {
        Some(b) => src.reference.wards_of_on(b, end_day).count(),
        None => BOROUGHS
            .iter()
            .map(|b| {
                src.reference
                    .wards_of_on(&BoroughCode::new(b.code), end_day)
                    .count()
            })
            .sum(),
    };
    let wards_met: BTreeSet<_> = src
        .ward_panels
        .met_in(borough, from, to)
        .map(|p| p.ward.clone())
        .collect();
    let wards_with_panel = src
        .ward_panels
        .in_borough(borough)
        .filter(|p| p.formed_on < end_day)
        .count();
    WardPanelCoverage {
        wards_met: wards_met.len(),
        wards_total,
        wards_with_panel,
        percent_met: (wards_total > 0).then(|| 100.0 * wards_met.len() as f64 / wards_total as f64),
    }
}

/// The scorecard of `borough` (London when `None`) for `[from, to)`; complaints count as
/// acknowledged in time within `acknowledgement_target_days` of receipt.
pub fn scorecard(
    src: &Sources<'_>,
    borough: Option<&BoroughCode>,
    from: Timestamp,
    to: Timestamp,
    acknowledgement_target_days: i64,
) -> Scorecard {
    let confidence = match borough {
        Some(b) => src
            .performance
            .confidence_trend(b, None, ConfidenceMeasure::GoodJob)
            .into_iter()
            .filter(|p| p.period.from < to.date_naive())
            .collect(),
        None => Vec::new(),
    };
    Scorecard {
        borough: borough.cloned(),
        from,
        to,
        complaints: complaint_figures(src, borough, from, to, acknowledgement_target_days),
        priorities: priority_figures(src, borough, from, to),
        custody_visits: src.custody_visits.figures(borough, from, to),
        ward_panels: ward_panel_coverage(src, borough, from, to),
        prevention_fund: src.prevention_fund.figures(borough, from, to),
        stop_search: src.stop_search.figures(borough, from, to),
        police_complaints: src.police_complaints.figures(
            borough,
            from.date_naive(),
            to.date_naive(),
        ),
        confidence,
    }
}

/// MOPAC's London-wide view for `[from, to)`: London as a whole and every borough's
/// scorecard, in GSS code order.
pub fn london(
    src: &Sources<'_>,
    from: Timestamp,
    to: Timestamp,
    acknowledgement_target_days: i64,
) -> (Scorecard, Vec<Scorecard>) {
    let total = scorecard(src, None, from, to, acknowledgement_target_days);
    let boroughs = BOROUGHS
        .iter()
        .map(|b| {
            scorecard(
                src,
                Some(&BoroughCode::new(b.code)),
                from,
                to,
                acknowledgement_target_days,
            )
        })
        .collect();
    (total, boroughs)
}

#[cfg(test)]
mod tests {
    use engage_domain::personal::ComplainantDetails;
    use engage_domain::victim_complaint::{
        ComplaintCategory, ComplaintChannel, ComplaintOutcome, Event, VictimComplaintAcknowledged,
        VictimComplaintRaised, VictimComplaintResolved, stream_id,
    };
    use uuid::Uuid;

    use super::*;
    use crate::models::testing::{TestLog, at, fold, id};

    fn raise(log: &mut TestLog, n: u128, borough: &str, received: Timestamp) {
        log.record(
            stream_id(id(n)),
            Event::Raised(VictimComplaintRaised {
                complaint_id: id(n),
                borough: BoroughCode::new(borough),
                ward: None,
                received_at: received,
                category: ComplaintCategory::PoliceResponse,
                category_detail: None,
                channel: ComplaintChannel::Phone,
                summary: "Slow response".into(),
                personal: ComplainantDetails {
                    data_subject_id: Uuid::from_u128(1000 + n),
                    full_name: "X".into(),
                    email: None,
                    phone: None,
                    postal_address: None,
                },
            }),
            received,
        );
    }

    fn ack(log: &mut TestLog, n: u128, at_: Timestamp, days: i64) {
        log.record(
            stream_id(id(n)),
            Event::Acknowledged(VictimComplaintAcknowledged {
                complaint_id: id(n),
                acknowledged_at: at_,
                days_to_acknowledge: days,
            }),
            at_,
        );
    }

    fn resolve(log: &mut TestLog, n: u128, at_: Timestamp, days: i64) {
        log.record(
            stream_id(id(n)),
            Event::Resolved(VictimComplaintResolved {
                complaint_id: id(n),
                resolved_at: at_,
                outcome: ComplaintOutcome::Upheld,
                outcome_summary: "Done".into(),
                days_to_resolve: days,
            }),
            at_,
        );
    }

    #[test]
    fn complaint_figures_count_each_step_in_its_own_period_and_london_adds_up() {
        let mut log = TestLog::new();
        let westminster = "E09000033";
        let camden = "E09000007";
        // Westminster: two complaints in March, one acknowledged late, one resolved.
        raise(&mut log, 1, westminster, at(2026, 3, 2));
        ack(&mut log, 1, at(2026, 3, 4), 2);
        resolve(&mut log, 1, at(2026, 3, 20), 18);
        raise(&mut log, 2, westminster, at(2026, 3, 10));
        ack(&mut log, 2, at(2026, 3, 25), 15);
        // Camden: one in March acknowledged in April (outside the period), one in February
        // resolved in March.
        raise(&mut log, 3, camden, at(2026, 3, 30));
        ack(&mut log, 3, at(2026, 4, 2), 3);
        raise(&mut log, 4, camden, at(2026, 2, 1));
        resolve(&mut log, 4, at(2026, 3, 3), 30);

        let complaints: Complaints = fold(&log.events);
        let (priorities, custody, panels, reference, fund, stop_search, police, performance) = (
            Priorities::default(),
            CustodyVisits::default(),
            WardPanels::default(),
            ReferenceData::default(),
            PreventionFund::default(),
            StopSearchReviews::default(),
            PoliceComplaintCases::default(),
            PerformanceFigures::default(),
        );
        let src = Sources {
            complaints: &complaints,
            priorities: &priorities,
            custody_visits: &custody,
            ward_panels: &panels,
            reference: &reference,
            prevention_fund: &fund,
            stop_search: &stop_search,
            police_complaints: &police,
            performance: &performance,
        };
        let (from, to) = (at(2026, 3, 1), at(2026, 4, 1));
        let w = scorecard(&src, Some(&BoroughCode::new(westminster)), from, to, 5);
        assert_eq!(w.complaints.received, 2);
        assert_eq!(w.complaints.acknowledged, 2);
        assert_eq!(w.complaints.acknowledged_in_time, 1);
        assert_eq!(w.complaints.resolved, 1);
        assert_eq!(w.complaints.median_days_to_acknowledge, Some(8.5));
        assert_eq!(w.complaints.median_days_to_resolve, Some(18.0));
        assert_eq!(w.complaints.open_at_end, 1);

        let c = scorecard(&src, Some(&BoroughCode::new(camden)), from, to, 5);
        assert_eq!(
            (
                c.complaints.received,
                c.complaints.acknowledged,
                c.complaints.resolved
            ),
            (1, 0, 1)
        );
        assert_eq!(c.complaints.median_days_to_resolve, Some(30.0));

        let (london, boroughs) = london(&src, from, to, 5);
        assert_eq!(boroughs.len(), 33);
        assert_eq!(london.borough, None);
        let sum = |f: fn(&Scorecard) -> usize| boroughs.iter().map(f).sum::<usize>();
        assert_eq!(london.complaints.received, sum(|s| s.complaints.received));
        assert_eq!(london.complaints.received, 3);
        assert_eq!(london.complaints.resolved, sum(|s| s.complaints.resolved));
        assert_eq!(london.complaints.acknowledged_in_time, 1);
        assert_eq!(london.ward_panels.percent_met, None, "no wards registered");
    }
}
