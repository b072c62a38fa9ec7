//! The boards' community oversight duties, one model with three kinds of record:
//! Community Payback projects (nominated, selected or declined by probation, completed with
//! the hours worked), the Independent Advisory Groups a board oversees (meetings observed,
//! advice given to the police), and the Neighbourhood Watch schemes it supports (support
//! given, funding). A scheme coordinator is kept by data-subject id only; their contact
//! details stay in the log.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use engage_domain::community_payback::{self, NominatedBy};
use engage_domain::iag;
use engage_domain::neighbourhood_watch::{self, SupportKind};
use engage_domain::{BoroughCode, DomainEvent, WardCode};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::period::within;
use super::provenance::Provenance;
use crate::event::ProjectedEvent;
use crate::model::ReadModel;

/// Where a Community Payback project is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PaybackStatus {
    Nominated,
    Selected,
    Declined,
    Completed,
}

/// A project nominated for Community Payback.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaybackProject {
    pub project_id: Uuid,
    pub borough: BoroughCode,
    pub ward: Option<WardCode>,
    pub title: String,
    pub description: String,
    pub nominated_by: NominatedBy,
    pub nominated_on: NaiveDate,
    pub status: PaybackStatus,
    pub selected_on: Option<NaiveDate>,
    /// Who runs the work (e.g. "London Probation Service").
    pub provider: Option<String>,
    pub planned_hours: Option<u32>,
    pub declined_on: Option<NaiveDate>,
    pub decline_reason: Option<String>,
    pub completed_on: Option<NaiveDate>,
    pub hours_worked: Option<u32>,
    pub outcome_summary: Option<String>,
    /// Whole days from nomination to probation's decision (selected or declined).
    pub days_to_decision: Option<i64>,
    /// Whole days from selection to completion.
    pub days_to_complete: Option<i64>,
    pub provenance: Provenance,
}

/// A meeting of an IAG that board members observed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IagObservation {
    pub meeting_id: Uuid,
    pub held_on: NaiveDate,
    /// Board member ids who observed.
    pub observed_by: Vec<Uuid>,
    /// IAG members present (a count).
    pub members_present: u32,
    pub police_attended: bool,
    pub observations: String,
    /// The log position of the event that recorded it.
    pub position: u64,
}

/// Advice an IAG gave the police.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IagAdvice {
    pub advice_id: Uuid,
    /// The observed meeting at which it was given, if any.
    pub meeting_id: Option<Uuid>,
    pub given_on: NaiveDate,
    /// Whom it was given to (e.g. "borough commander").
    pub given_to: String,
    pub topic: String,
    pub advice: String,
    pub position: u64,
}

/// An Independent Advisory Group a board oversees.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OverseenIag {
    pub iag_id: Uuid,
    /// The overseeing board's borough; `None` for a pan-London IAG.
    pub borough: Option<BoroughCode>,
    pub name: String,
    /// What it advises on.
    pub focus: String,
    pub registered_on: NaiveDate,
    /// Meetings observed, by date.
    pub observations: Vec<IagObservation>,
    /// Advice recorded, by date.
    pub advice: Vec<IagAdvice>,
    pub last_observed_on: Option<NaiveDate>,
    pub provenance: Provenance,
}

/// Support a board gave a Neighbourhood Watch scheme.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WatchSupport {
    pub support_id: Uuid,
    pub given_on: NaiveDate,
    pub kind: SupportKind,
    /// For funding: the amount in pence.
    pub amount_pence: Option<i64>,
    pub description: String,
    pub position: u64,
}

/// A Neighbourhood Watch scheme registered with a board.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WatchScheme {
    pub scheme_id: Uuid,
    pub borough: BoroughCode,
    pub ward: Option<WardCode>,
    pub name: String,
    /// Households covered.
    pub households: u32,
    pub registered_on: NaiveDate,
    /// The coordinator whose contact details the registration holds, if they gave them.
    pub coordinator_data_subject_id: Option<Uuid>,
    /// Support given, by date.
    pub support: Vec<WatchSupport>,
    /// All funding given, in pence.
    pub funding_pence: i64,
    pub last_supported_on: Option<NaiveDate>,
    pub provenance: Provenance,
}

/// Community Payback projects, IAGs overseen and Neighbourhood Watch schemes supported.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CommunityOversight {
    pub payback_projects: BTreeMap<Uuid, PaybackProject>,
    pub iags: BTreeMap<Uuid, OverseenIag>,
    pub watch_schemes: BTreeMap<Uuid, WatchScheme>,
}

impl ReadModel for CommunityOversight {
    const NAME: &'static str = "community_oversight";
    const VERSION: u32 = 1;

    fn apply(&mut self, event: &ProjectedEvent) {
        match &event.domain {
            Some(DomainEvent::CommunityPayback(e)) => self.apply_payback(e, event),
            Some(DomainEvent::Iag(e)) => self.apply_iag(e, event),
            Some(DomainEvent::NeighbourhoodWatch(e)) => self.apply_watch(e, event),
            _ => {}
        }
    }
}

/// Insert `item` after every item whose date is on or before its date.
fn insert_by_date<T>(items: &mut Vec<T>, item: T, date: impl Fn(&T) -> NaiveDate) {
    let d = date(&item);
    let i = items.partition_point(|x| date(x) <= d);
    items.insert(i, item);
}

impl CommunityOversight {
    fn apply_payback(&mut self, e: &community_payback::Event, event: &ProjectedEvent) {
        use community_payback::Event as E;
        if let E::Nominated(n) = e {
            let mut project = PaybackProject {
                project_id: n.project_id,
                borough: n.borough.clone(),
                ward: n.ward.clone(),
                title: n.title.clone(),
                description: n.description.clone(),
                nominated_by: n.nominated_by,
                nominated_on: n.nominated_on,
                status: PaybackStatus::Nominated,
                selected_on: None,
                provider: None,
                planned_hours: None,
                declined_on: None,
                decline_reason: None,
                completed_on: None,
                hours_worked: None,
                outcome_summary: None,
                days_to_decision: None,
                days_to_complete: None,
                provenance: Provenance::default(),
            };
            project.provenance.touch(event);
            self.payback_projects.insert(n.project_id, project);
            return;
        }
        let id = match e {
            E::Nominated(x) => x.project_id,
            E::Selected(x) => x.project_id,
            E::Declined(x) => x.project_id,
            E::Completed(x) => x.project_id,
        };
        // A step of a project this model has not seen nominated is ignored.
        let Some(p) = self.payback_projects.get_mut(&id) else {
            return;
        };
        p.provenance.touch(event);
        match e {
            E::Nominated(_) => {}
            E::Selected(s) => {
                if p.status == PaybackStatus::Nominated {
                    p.status = PaybackStatus::Selected;
                }
                p.selected_on = Some(s.selected_on);
                p.provider = Some(s.provider.clone());
                p.planned_hours = s.planned_hours;
                p.days_to_decision = Some((s.selected_on - p.nominated_on).num_days());
            }
            E::Declined(d) => {
                if p.status == PaybackStatus::Nominated {
                    p.status = PaybackStatus::Declined;
                }
                p.declined_on = Some(d.declined_on);
                p.decline_reason = Some(d.reason.clone());
                p.days_to_decision = Some((d.declined_on - p.nominated_on).num_days());
            }
            E::Completed(c) => {
                p.status = PaybackStatus::Completed;
                p.completed_on = Some(c.completed_on);
                p.hours_worked = Some(c.hours_worked);
                p.outcome_summary = Some(c.outcome_summary.clone());
            }
        }
        p.days_to_complete = p
            .selected_on
            .zip(p.completed_on)
            .map(|(s, c)| (c - s).num_days());
    }

    fn apply_iag(&mut self, e: &iag::Event, event: &ProjectedEvent) {
        use iag::Event as E;
        if let E::Registered(r) = e {
            let mut group = OverseenIag {
                iag_id: r.iag_id,
                borough: r.borough.clone(),
                name: r.name.clone(),
                focus: r.focus.clone(),
                registered_on: r.registered_on,
                observations: Vec::new(),
                advice: Vec::new(),
                last_observed_on: None,
                provenance: Provenance::default(),
            };
            group.provenance.touch(event);
            self.iags.insert(r.iag_id, group);
            return;
        }
        let id = match e {
            E::Registered(x) => x.iag_id,
            E::MeetingObserved(x) => x.iag_id,
            E::AdviceRecorded(x) => x.iag_id,
        };
        let Some(g) = self.iags.get_mut(&id) else {
            return;
        };
        g.provenance.touch(event);
        match e {
            E::Registered(_) => {}
            E::MeetingObserved(m) => {
                let observation = IagObservation {
                    meeting_id: m.meeting_id,
                    held_on: m.held_on,
                    observed_by: m.observed_by.clone(),
                    members_present: m.members_present,
                    police_attended: m.police_attended,
                    observations: m.observations.clone(),
                    position: event.position(),
                };
                insert_by_date(&mut g.observations, observation, |o| o.held_on);
                g.last_observed_on = g.observations.last().map(|o| o.held_on);
            }
            E::AdviceRecorded(a) => {
                let advice = IagAdvice {
                    advice_id: a.advice_id,
                    meeting_id: a.meeting_id,
                    given_on: a.given_on,
                    given_to: a.given_to.clone(),
                    topic: a.topic.clone(),
                    advice: a.advice.clone(),
                    position: event.position(),
                };
                insert_by_date(&mut g.advice, advice, |a| a.given_on);
            }
        }
    }

    fn apply_watch(&mut self, e: &neighbourhood_watch::Event, event: &ProjectedEvent) {
        use neighbourhood_watch::Event as E;
        match e {
            E::SchemeRegistered(r) => {
                let mut scheme = WatchScheme {
                    scheme_id: r.scheme_id,
                    borough: r.borough.clone(),
                    ward: r.ward.clone(),
                    name: r.name.clone(),
                    households: r.households,
                    registered_on: r.registered_on,
                    coordinator_data_subject_id: r.personal.as_ref().map(|p| p.data_subject_id),
                    support: Vec::new(),
                    funding_pence: 0,
                    last_supported_on: None,
                    provenance: Provenance::default(),
                };
                scheme.provenance.touch(event);
                self.watch_schemes.insert(r.scheme_id, scheme);
            }
            E::SupportGiven(s) => {
                let Some(scheme) = self.watch_schemes.get_mut(&s.scheme_id) else {
                    return;
                };
                scheme.provenance.touch(event);
                let support = WatchSupport {
                    support_id: s.support_id,
                    given_on: s.given_on,
                    kind: s.kind,
                    amount_pence: s.amount_pence,
                    description: s.description.clone(),
                    position: event.position(),
                };
                insert_by_date(&mut scheme.support, support, |x| x.given_on);
                scheme.funding_pence = scheme
                    .support
                    .iter()
                    .filter_map(|x| x.amount_pence)
                    .fold(0i64, i64::saturating_add);
                scheme.last_supported_on = scheme.support.last().map(|x| x.given_on);
            }
        }
    }

    // ---- Community Payback ----

    pub fn payback_project(&self, id: &Uuid) -> Option<&PaybackProject> {
        self.payback_projects.get(id)
    }

    /// Projects of one borough (every borough when `None`).
    pub fn payback_in_borough<'a>(
        &'a self,
        borough: Option<&'a BoroughCode>,
    ) -> impl Iterator<Item = &'a PaybackProject> + 'a {
        self.payback_projects
            .values()
            .filter(move |p| borough.is_none_or(|b| &p.borough == b))
    }

    pub fn payback_in_ward<'a>(
        &'a self,
        ward: &'a WardCode,
    ) -> impl Iterator<Item = &'a PaybackProject> + 'a {
        self.payback_projects
            .values()
            .filter(move |p| p.ward.as_ref() == Some(ward))
    }

    pub fn payback_with_status<'a>(
        &'a self,
        borough: Option<&'a BoroughCode>,
        status: PaybackStatus,
    ) -> impl Iterator<Item = &'a PaybackProject> + 'a {
        self.payback_in_borough(borough)
            .filter(move |p| p.status == status)
    }

    /// Projects nominated in `[from, to)`.
    pub fn payback_nominated_in<'a>(
        &'a self,
        borough: Option<&'a BoroughCode>,
        from: NaiveDate,
        to: NaiveDate,
    ) -> impl Iterator<Item = &'a PaybackProject> + 'a {
        self.payback_in_borough(borough)
            .filter(move |p| within(&p.nominated_on, &from, &to))
    }

    /// Projects completed in `[from, to)`.
    pub fn payback_completed_in<'a>(
        &'a self,
        borough: Option<&'a BoroughCode>,
        from: NaiveDate,
        to: NaiveDate,
    ) -> impl Iterator<Item = &'a PaybackProject> + 'a {
        self.payback_in_borough(borough)
            .filter(move |p| p.completed_on.is_some_and(|c| within(&c, &from, &to)))
    }

    /// Hours worked on projects completed in `[from, to)`.
    pub fn payback_hours_in(
        &self,
        borough: Option<&BoroughCode>,
        from: NaiveDate,
        to: NaiveDate,
    ) -> u64 {
        self.payback_completed_in(borough, from, to)
            .filter_map(|p| p.hours_worked)
            .map(u64::from)
            .sum()
    }

    // ---- Independent Advisory Groups ----

    pub fn iag(&self, id: &Uuid) -> Option<&OverseenIag> {
        self.iags.get(id)
    }

    /// The IAGs `borough`'s board oversees.
    pub fn iags_overseen_by<'a>(
        &'a self,
        borough: &'a BoroughCode,
    ) -> impl Iterator<Item = &'a OverseenIag> + 'a {
        self.iags
            .values()
            .filter(move |g| g.borough.as_ref() == Some(borough))
    }

    /// The pan-London IAGs (overseen by no one borough).
    pub fn pan_london_iags(&self) -> impl Iterator<Item = &OverseenIag> {
        self.iags.values().filter(|g| g.borough.is_none())
    }

    /// IAG meetings observed in `[from, to)`, with their IAG: of one borough's IAGs, or of
    /// every IAG (pan-London ones included) when `borough` is `None`.
    pub fn iag_observations_in<'a>(
        &'a self,
        borough: Option<&'a BoroughCode>,
        from: NaiveDate,
        to: NaiveDate,
    ) -> impl Iterator<Item = (&'a OverseenIag, &'a IagObservation)> + 'a {
        self.iags
            .values()
            .filter(move |g| borough.is_none_or(|b| g.borough.as_ref() == Some(b)))
            .flat_map(move |g| {
                g.observations
                    .iter()
                    .filter(move |o| within(&o.held_on, &from, &to))
                    .map(move |o| (g, o))
            })
    }

    /// Advice given in `[from, to)`, with its IAG (borough as for
    /// [`Self::iag_observations_in`]).
    pub fn iag_advice_in<'a>(
        &'a self,
        borough: Option<&'a BoroughCode>,
        from: NaiveDate,
        to: NaiveDate,
    ) -> impl Iterator<Item = (&'a OverseenIag, &'a IagAdvice)> + 'a {
        self.iags
            .values()
            .filter(move |g| borough.is_none_or(|b| g.borough.as_ref() == Some(b)))
            .flat_map(move |g| {
                g.advice
                    .iter()
                    .filter(move |a| within(&a.given_on, &from, &to))
                    .map(move |a| (g, a))
            })
    }

    // ---- Neighbourhood Watch ----

    pub fn watch_scheme(&self, id: &Uuid) -> Option<&WatchScheme> {
        self.watch_schemes.get(id)
    }

    /// Schemes of one borough (every borough when `None`).
    pub fn watch_schemes_in<'a>(
        &'a self,
        borough: Option<&'a BoroughCode>,
    ) -> impl Iterator<Item = &'a WatchScheme> + 'a {
        self.watch_schemes
            .values()
            .filter(move |s| borough.is_none_or(|b| &s.borough == b))
    }

    pub fn watch_schemes_in_ward<'a>(
        &'a self,
        ward: &'a WardCode,
    ) -> impl Iterator<Item = &'a WatchScheme> + 'a {
        self.watch_schemes
            .values()
            .filter(move |s| s.ward.as_ref() == Some(ward))
    }

    /// Households covered by the schemes registered on or before `day`.
    pub fn households_covered(&self, borough: Option<&BoroughCode>, day: NaiveDate) -> u64 {
        self.watch_schemes_in(borough)
            .filter(|s| s.registered_on <= day)
            .map(|s| u64::from(s.households))
            .sum()
    }

    /// Support given in `[from, to)`, with its scheme.
    pub fn watch_support_in<'a>(
        &'a self,
        borough: Option<&'a BoroughCode>,
        from: NaiveDate,
        to: NaiveDate,
    ) -> impl Iterator<Item = (&'a WatchScheme, &'a WatchSupport)> + 'a {
        self.watch_schemes_in(borough).flat_map(move |s| {
            s.support
                .iter()
                .filter(move |x| within(&x.given_on, &from, &to))
                .map(move |x| (s, x))
        })
    }

    /// Funding given in `[from, to)`, in pence.
    pub fn watch_funding_in(
        &self,
        borough: Option<&BoroughCode>,
        from: NaiveDate,
        to: NaiveDate,
    ) -> i64 {
        self.watch_support_in(borough, from, to)
            .filter_map(|(_, x)| x.amount_pence)
            .fold(0i64, i64::saturating_add)
    }
}

#[cfg(test)]
mod tests {
    use engage_domain::community_payback::{
        CommunityPaybackProjectCompleted, CommunityPaybackProjectDeclined,
        CommunityPaybackProjectNominated, CommunityPaybackProjectSelected,
    };
    use engage_domain::iag::{IagAdviceRecorded, IagMeetingObserved, IagRegistered};
    use engage_domain::neighbourhood_watch::{
        NeighbourhoodWatchSchemeRegistered, NeighbourhoodWatchSupportGiven,
    };
    use engage_domain::personal::ContactDetails;

    use engage_log::StreamId;

    use super::*;
    use crate::models::testing::{TestLog, at, day, fold, fold_checked, id};

    const CAMDEN: &str = "E09000007";
    const HACKNEY: &str = "E09000012";
    const WARD: &str = "E05013652";

    /// Record an event of one aggregate (a payload struct or its `Event`).
    fn rec<E: Into<DomainEvent>>(
        log: &mut TestLog,
        s: StreamId,
        e: impl Into<E>,
        when: engage_domain::Timestamp,
    ) -> u64 {
        log.record(s, e.into(), when)
    }

    fn nominated(n: u128, borough: &str, on: NaiveDate) -> CommunityPaybackProjectNominated {
        CommunityPaybackProjectNominated {
            project_id: id(n),
            borough: borough.into(),
            ward: (borough == CAMDEN).then(|| WARD.into()),
            title: "Clear the alley behind the parade".into(),
            description: "Fly-tipping and overgrowth".into(),
            nominated_by: NominatedBy::WardPanel,
            nominated_on: on,
        }
    }

    fn payback(log: &mut TestLog) -> Vec<u64> {
        let s = community_payback::stream_id(id(1));
        let mut p1 = vec![rec::<community_payback::Event>(
            log,
            s.clone(),
            nominated(1, CAMDEN, day(2025, 1, 6)),
            at(2025, 1, 6),
        )];
        rec::<community_payback::Event>(
            log,
            community_payback::stream_id(id(2)),
            nominated(2, HACKNEY, day(2025, 2, 1)),
            at(2025, 2, 1),
        );
        p1.push(rec::<community_payback::Event>(
            log,
            s.clone(),
            CommunityPaybackProjectSelected {
                project_id: id(1),
                selected_on: day(2025, 1, 20),
                provider: "London Probation Service".into(),
                planned_hours: Some(120),
            },
            at(2025, 1, 20),
        ));
        p1.push(rec::<community_payback::Event>(
            log,
            s,
            CommunityPaybackProjectCompleted {
                project_id: id(1),
                completed_on: day(2025, 3, 3),
                hours_worked: 96,
                outcome_summary: "Alley cleared, planters installed".into(),
            },
            at(2025, 3, 3),
        ));
        rec::<community_payback::Event>(
            log,
            community_payback::stream_id(id(2)),
            CommunityPaybackProjectDeclined {
                project_id: id(2),
                declined_on: day(2025, 2, 11),
                reason: "Private land".into(),
            },
            at(2025, 2, 11),
        );
        p1
    }

    fn iags(log: &mut TestLog) -> Vec<u64> {
        let s = iag::stream_id(id(10));
        let mut positions = vec![rec::<iag::Event>(
            log,
            s.clone(),
            IagRegistered {
                iag_id: id(10),
                borough: Some(CAMDEN.into()),
                name: "Camden Stop and Search IAG".into(),
                focus: "stop and search".into(),
                registered_on: day(2024, 1, 1),
            },
            at(2024, 1, 1),
        )];
        rec::<iag::Event>(
            log,
            iag::stream_id(id(11)),
            IagRegistered {
                iag_id: id(11),
                borough: None,
                name: "Met LGBT+ IAG".into(),
                focus: "LGBT+ communities".into(),
                registered_on: day(2024, 1, 1),
            },
            at(2024, 1, 1),
        );
        for (meeting, held_on) in [(20, day(2025, 3, 10)), (21, day(2025, 1, 13))] {
            positions.push(rec::<iag::Event>(
                log,
                s.clone(),
                IagMeetingObserved {
                    iag_id: id(10),
                    meeting_id: id(meeting),
                    held_on,
                    observed_by: vec![id(1)],
                    members_present: 9,
                    police_attended: true,
                    observations: "Well chaired; data shared in advance".into(),
                },
                at(2025, 3, 10),
            ));
        }
        positions.push(rec::<iag::Event>(
            log,
            s,
            IagAdviceRecorded {
                iag_id: id(10),
                advice_id: id(30),
                meeting_id: Some(id(20)),
                given_on: day(2025, 3, 10),
                given_to: "borough commander".into(),
                topic: "Section 60 authorisations".into(),
                advice: "Publish the grounds within 24 hours".into(),
            },
            at(2025, 3, 10),
        ));
        positions
    }

    fn watch(log: &mut TestLog) -> Vec<u64> {
        let s = neighbourhood_watch::stream_id(id(40));
        let mut positions = vec![rec::<neighbourhood_watch::Event>(
            log,
            s.clone(),
            NeighbourhoodWatchSchemeRegistered {
                scheme_id: id(40),
                borough: CAMDEN.into(),
                ward: Some(WARD.into()),
                name: "Leighton Road Watch".into(),
                households: 85,
                registered_on: day(2024, 6, 1),
                personal: Some(ContactDetails {
                    data_subject_id: id(400),
                    full_name: "C Coordinator".into(),
                    email: Some("coordinator@example.org".into()),
                    phone: None,
                }),
            },
            at(2024, 6, 1),
        )];
        for (n, on, kind, amount) in [
            (41, day(2025, 2, 1), SupportKind::Funding, Some(25_000)),
            (42, day(2024, 7, 1), SupportKind::Materials, None),
            (43, day(2025, 4, 1), SupportKind::Funding, Some(10_000)),
        ] {
            positions.push(rec::<neighbourhood_watch::Event>(
                log,
                s.clone(),
                NeighbourhoodWatchSupportGiven {
                    scheme_id: id(40),
                    support_id: id(n),
                    given_on: on,
                    kind,
                    amount_pence: amount,
                    description: "Support".into(),
                },
                at(2025, 4, 1),
            ));
        }
        positions
    }

    #[test]
    fn payback_lifecycle_and_queries() {
        let mut log = TestLog::new();
        let positions = payback(&mut log);
        let m: CommunityOversight = fold_checked(&log.events);
        let p = m.payback_project(&id(1)).unwrap();
        assert_eq!(p.status, PaybackStatus::Completed);
        assert_eq!(p.provider.as_deref(), Some("London Probation Service"));
        assert_eq!((p.planned_hours, p.hours_worked), (Some(120), Some(96)));
        assert_eq!(p.days_to_decision, Some(14));
        assert_eq!(p.days_to_complete, Some(42));
        assert_eq!(p.provenance.positions, positions);
        let declined = m.payback_project(&id(2)).unwrap();
        assert_eq!(declined.status, PaybackStatus::Declined);
        assert_eq!(declined.decline_reason.as_deref(), Some("Private land"));
        assert_eq!(declined.days_to_decision, Some(10));
        let camden = BoroughCode::from(CAMDEN);
        assert_eq!(m.payback_in_borough(Some(&camden)).count(), 1);
        assert_eq!(m.payback_in_ward(&WARD.into()).count(), 1);
        assert_eq!(
            m.payback_with_status(None, PaybackStatus::Declined)
                .map(|p| p.project_id)
                .collect::<Vec<_>>(),
            vec![id(2)]
        );
        assert_eq!(
            m.payback_nominated_in(None, day(2025, 1, 1), day(2025, 2, 1))
                .count(),
            1
        );
        assert_eq!(
            m.payback_hours_in(None, day(2025, 3, 1), day(2025, 4, 1)),
            96
        );
        assert_eq!(
            m.payback_hours_in(None, day(2025, 1, 1), day(2025, 3, 3)),
            0
        );
    }

    #[test]
    fn iag_oversight_in_date_order() {
        let mut log = TestLog::new();
        let positions = iags(&mut log);
        let m: CommunityOversight = fold_checked(&log.events);
        let g = m.iag(&id(10)).unwrap();
        let meetings: Vec<Uuid> = g.observations.iter().map(|o| o.meeting_id).collect();
        assert_eq!(meetings, vec![id(21), id(20)], "by date, not by recording");
        assert_eq!(g.last_observed_on, Some(day(2025, 3, 10)));
        assert_eq!(g.advice[0].meeting_id, Some(id(20)));
        assert_eq!(g.advice[0].position, 5);
        assert_eq!(g.provenance.positions, positions);
        let camden = BoroughCode::from(CAMDEN);
        assert_eq!(m.iags_overseen_by(&camden).count(), 1);
        assert_eq!(m.pan_london_iags().count(), 1);
        assert_eq!(
            m.iag_observations_in(Some(&camden), day(2025, 1, 1), day(2025, 3, 10))
                .map(|(_, o)| o.meeting_id)
                .collect::<Vec<_>>(),
            vec![id(21)]
        );
        assert_eq!(
            m.iag_advice_in(None, day(2025, 3, 1), day(2025, 4, 1))
                .count(),
            1
        );
    }

    #[test]
    fn watch_support_and_funding() {
        let mut log = TestLog::new();
        let positions = watch(&mut log);
        let m: CommunityOversight = fold_checked(&log.events);
        let s = m.watch_scheme(&id(40)).unwrap();
        assert_eq!(s.coordinator_data_subject_id, Some(id(400)));
        assert_eq!(s.funding_pence, 35_000);
        let order: Vec<Uuid> = s.support.iter().map(|x| x.support_id).collect();
        assert_eq!(order, vec![id(42), id(41), id(43)]);
        assert_eq!(s.last_supported_on, Some(day(2025, 4, 1)));
        assert_eq!(s.provenance.positions, positions);
        let camden = BoroughCode::from(CAMDEN);
        assert_eq!(m.households_covered(Some(&camden), day(2024, 6, 1)), 85);
        assert_eq!(m.households_covered(None, day(2024, 5, 31)), 0);
        assert_eq!(
            m.watch_funding_in(Some(&camden), day(2025, 1, 1), day(2025, 4, 1)),
            25_000
        );
        assert_eq!(
            m.watch_support_in(None, day(2024, 1, 1), day(2026, 1, 1))
                .count(),
            3
        );
        assert_eq!(m.watch_schemes_in_ward(&WARD.into()).count(), 1);
    }

    #[test]
    fn steps_of_unknown_records_are_ignored() {
        let mut log = TestLog::new();
        payback(&mut log);
        iags(&mut log);
        watch(&mut log);
        let creations = [1, 2, 6, 7, 11];
        let rest: Vec<_> = log
            .events
            .iter()
            .filter(|e| !creations.contains(&e.position()))
            .cloned()
            .collect();
        assert_eq!(rest.len(), log.events.len() - creations.len());
        let m: CommunityOversight = fold(&rest);
        assert_eq!(m, CommunityOversight::default());
        // A completion without the selection still completes what is known.
        let m: CommunityOversight = fold(&[log.events[0].clone(), log.events[3].clone()]);
        let p = m.payback_project(&id(1)).unwrap();
        assert_eq!(p.status, PaybackStatus::Completed);
        assert_eq!(p.days_to_complete, None);
    }
}
