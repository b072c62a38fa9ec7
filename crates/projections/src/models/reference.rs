//! Reference data as a read model: electoral wards (GSS code, name, borough, when they were
//! retired by a boundary review and by which wards) and custody suites (id, name, borough,
//! cells, when they closed). The scorecard takes "every ward of a borough" from here, and
//! custody-visit coverage "every suite of a borough".
//!
//! The log records when a ward or suite was registered (the event's world time) and when it
//! was retired or closed, not when it came into being; a ward is taken to be current on a
//! day unless it was retired on or before that day.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use engage_domain::reference_data::{custody_suite, ward};
use engage_domain::{BoroughCode, DomainEvent, Timestamp, WardCode};
use serde::{Deserialize, Serialize};

use super::provenance::Provenance;
use crate::event::ProjectedEvent;
use crate::model::ReadModel;

/// One electoral ward.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WardRecord {
    pub ward: WardCode,
    pub name: String,
    pub borough: BoroughCode,
    /// The pre-2011 ONS code, where the source gave one.
    pub legacy_code: Option<String>,
    /// Where the ward came from, e.g. `GLA ward atlas 2013`.
    pub source: String,
    /// When it was registered (world time of the registration).
    pub registered_at: Timestamp,
    /// The day a boundary review abolished it.
    pub retired_on: Option<NaiveDate>,
    /// Its successors, when retired.
    pub replaced_by: Vec<WardCode>,
    pub provenance: Provenance,
}

impl WardRecord {
    /// Whether the ward is in use on `day` (not retired on or before it).
    pub fn current_on(&self, day: NaiveDate) -> bool {
        self.retired_on.is_none_or(|r| day < r)
    }
}

/// One custody suite.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustodySuiteRecord {
    /// The suite's id, e.g. `KENTISH-TOWN`.
    pub suite: String,
    pub name: String,
    pub borough: BoroughCode,
    pub cells: Option<u32>,
    /// When it was registered (world time of the registration).
    pub registered_at: Timestamp,
    pub closed_on: Option<NaiveDate>,
    pub close_reason: Option<String>,
    pub provenance: Provenance,
}

impl CustodySuiteRecord {
    /// Whether the suite is in use on `day` (not closed on or before it).
    pub fn open_on(&self, day: NaiveDate) -> bool {
        self.closed_on.is_none_or(|c| day < c)
    }
}

/// Every ward by GSS code and every custody suite by id.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ReferenceData {
    pub wards: BTreeMap<WardCode, WardRecord>,
    pub suites: BTreeMap<String, CustodySuiteRecord>,
}

impl ReadModel for ReferenceData {
    const NAME: &'static str = "reference";
    const VERSION: u32 = 1;

    fn apply(&mut self, event: &ProjectedEvent) {
        match &event.domain {
            Some(DomainEvent::Ward(ward::Event::Registered(r))) => {
                let mut provenance = Provenance::default();
                provenance.touch(event);
                self.wards.insert(
                    r.ward.clone(),
                    WardRecord {
                        ward: r.ward.clone(),
                        name: r.name.clone(),
                        borough: r.borough.clone(),
                        legacy_code: r.legacy_code.clone(),
                        source: r.source.clone(),
                        registered_at: event.occurred_at(),
                        retired_on: None,
                        replaced_by: Vec::new(),
                        provenance,
                    },
                );
            }
            Some(DomainEvent::Ward(ward::Event::Retired(r))) => {
                if let Some(w) = self.wards.get_mut(&r.ward) {
                    w.retired_on = Some(r.retired_on);
                    w.replaced_by = r.replaced_by.clone();
                    w.provenance.touch(event);
                }
            }
            Some(DomainEvent::CustodySuite(custody_suite::Event::Registered(r))) => {
                let mut provenance = Provenance::default();
                provenance.touch(event);
                self.suites.insert(
                    r.suite.clone(),
                    CustodySuiteRecord {
                        suite: r.suite.clone(),
                        name: r.name.clone(),
                        borough: r.borough.clone(),
                        cells: r.cells,
                        registered_at: event.occurred_at(),
                        closed_on: None,
                        close_reason: None,
                        provenance,
                    },
                );
            }
            Some(DomainEvent::CustodySuite(custody_suite::Event::Closed(c))) => {
                if let Some(s) = self.suites.get_mut(&c.suite) {
                    s.closed_on = Some(c.closed_on);
                    s.close_reason = c.reason.clone();
                    s.provenance.touch(event);
                }
            }
            _ => {}
        }
    }
}

impl ReferenceData {
    pub fn ward(&self, code: &WardCode) -> Option<&WardRecord> {
        self.wards.get(code)
    }

    /// Every ward ever registered in `borough`, retired ones included, in code order.
    pub fn all_wards_of<'a>(
        &'a self,
        borough: &'a BoroughCode,
    ) -> impl Iterator<Item = &'a WardRecord> + 'a {
        self.wards.values().filter(move |w| &w.borough == borough)
    }

    /// The wards of `borough` in use now (not retired), in code order.
    pub fn wards_of<'a>(
        &'a self,
        borough: &'a BoroughCode,
    ) -> impl Iterator<Item = &'a WardRecord> + 'a {
        self.all_wards_of(borough)
            .filter(|w| w.retired_on.is_none())
    }

    /// The wards of `borough` in use on `day` (not retired on or before it), in code order.
    pub fn wards_of_on<'a>(
        &'a self,
        borough: &'a BoroughCode,
        day: NaiveDate,
    ) -> impl Iterator<Item = &'a WardRecord> + 'a {
        self.all_wards_of(borough)
            .filter(move |w| w.current_on(day))
    }

    /// The wards a boundary review replaced with `ward`.
    pub fn predecessors_of<'a>(
        &'a self,
        ward: &'a WardCode,
    ) -> impl Iterator<Item = &'a WardRecord> + 'a {
        self.wards
            .values()
            .filter(move |w| w.replaced_by.contains(ward))
    }

    pub fn suite(&self, id: &str) -> Option<&CustodySuiteRecord> {
        self.suites.get(id)
    }

    /// Every custody suite ever registered in `borough`, closed ones included, in id order.
    pub fn all_suites_in<'a>(
        &'a self,
        borough: &'a BoroughCode,
    ) -> impl Iterator<Item = &'a CustodySuiteRecord> + 'a {
        self.suites.values().filter(move |s| &s.borough == borough)
    }

    /// The suites of `borough` open now.
    pub fn suites_in<'a>(
        &'a self,
        borough: &'a BoroughCode,
    ) -> impl Iterator<Item = &'a CustodySuiteRecord> + 'a {
        self.all_suites_in(borough)
            .filter(|s| s.closed_on.is_none())
    }

    /// The suites of `borough` open on `day` (not closed on or before it).
    pub fn suites_open_on<'a>(
        &'a self,
        borough: &'a BoroughCode,
        day: NaiveDate,
    ) -> impl Iterator<Item = &'a CustodySuiteRecord> + 'a {
        self.all_suites_in(borough).filter(move |s| s.open_on(day))
    }

    /// The borough a suite is in.
    pub fn borough_of_suite(&self, id: &str) -> Option<&BoroughCode> {
        self.suites.get(id).map(|s| &s.borough)
    }
}

#[cfg(test)]
mod tests {
    use engage_domain::reference_data::custody_suite::{
        CustodySuiteClosed, CustodySuiteRegistered,
    };
    use engage_domain::reference_data::ward::{WardRegistered, WardRetired};
    use engage_log::StreamId;

    use super::*;

    use crate::models::testing::{self, TestLog, day, fold, fold_checked};

    /// `days` days and `minutes` minutes after 09:00 UTC on Monday 6 January 2025.
    fn at(days: i64, minutes: i64) -> Timestamp {
        testing::at(2025, 1, 6)
            + chrono::Duration::hours(9)
            + chrono::Duration::days(days)
            + chrono::Duration::minutes(minutes)
    }

    /// Record any domain event on `stream`, as happening `when`.
    fn put(log: &mut TestLog, stream: &str, when: Timestamp, event: impl Into<DomainEvent>) -> u64 {
        log.record(StreamId::new(stream), event, when)
    }

    const CAMDEN: &str = "E09000007";
    const HACKNEY: &str = "E09000012";

    fn register(log: &mut TestLog, code: &str, name: &str, borough: &str) -> u64 {
        put(
            log,
            &format!("ward-{code}"),
            at(0, 0),
            ward::Event::from(WardRegistered {
                ward: code.into(),
                name: name.into(),
                borough: borough.into(),
                legacy_code: None,
                source: "GLA ward atlas 2013".into(),
            }),
        )
    }

    fn history() -> TestLog {
        let mut log = TestLog::new();
        register(&mut log, "E05000128", "Kentish Town", CAMDEN);
        register(
            &mut log,
            "E05000129",
            "Camden Town with Primrose Hill",
            CAMDEN,
        );
        register(&mut log, "E05009367", "Hackney Downs", HACKNEY);
        register(&mut log, "E05013652", "Kentish Town South", CAMDEN);
        put(
            &mut log,
            "ward-E05000128",
            at(1, 0),
            ward::Event::from(WardRetired {
                ward: "E05000128".into(),
                retired_on: day(2022, 5, 5),
                replaced_by: vec!["E05013652".into()],
            }),
        );
        put(
            &mut log,
            "custody-suite-HOLBORN",
            at(0, 0),
            custody_suite::Event::from(CustodySuiteRegistered {
                suite: "HOLBORN".into(),
                name: "Holborn".into(),
                borough: CAMDEN.into(),
                cells: Some(14),
            }),
        );
        put(
            &mut log,
            "custody-suite-KENTISH-TOWN",
            at(0, 0),
            custody_suite::Event::from(CustodySuiteRegistered {
                suite: "KENTISH-TOWN".into(),
                name: "Kentish Town".into(),
                borough: CAMDEN.into(),
                cells: None,
            }),
        );
        put(
            &mut log,
            "custody-suite-HOLBORN",
            at(2, 0),
            custody_suite::Event::from(CustodySuiteClosed {
                suite: "HOLBORN".into(),
                closed_on: day(2023, 1, 1),
                reason: Some("Custody consolidated at Kentish Town".into()),
            }),
        );
        log
    }

    fn codes<'a>(wards: impl Iterator<Item = &'a WardRecord>) -> Vec<&'a str> {
        wards.map(|w| w.ward.as_str()).collect()
    }

    #[test]
    fn wards_and_suites_with_retirement_and_closure() {
        let log = history();
        let m: ReferenceData = fold(&log.events);
        let camden = BoroughCode::from(CAMDEN);

        let kt = m.ward(&"E05000128".into()).expect("ward");
        assert_eq!(kt.name, "Kentish Town");
        assert_eq!(kt.retired_on, Some(day(2022, 5, 5)));
        assert_eq!(kt.replaced_by, vec![WardCode::from("E05013652")]);
        assert_eq!(kt.registered_at, at(0, 0));
        assert_eq!(kt.provenance.positions, vec![1, 5]);
        assert_eq!(
            m.ward(&"E05013652".into())
                .map(|w| w.provenance.positions.clone()),
            Some(vec![4])
        );

        assert_eq!(
            codes(m.all_wards_of(&camden)),
            vec!["E05000128", "E05000129", "E05013652"]
        );
        assert_eq!(codes(m.wards_of(&camden)), vec!["E05000129", "E05013652"]);
        assert_eq!(
            codes(m.wards_of_on(&camden, day(2022, 5, 4))),
            vec!["E05000128", "E05000129", "E05013652"]
        );
        assert_eq!(
            codes(m.wards_of_on(&camden, day(2022, 5, 5))),
            vec!["E05000129", "E05013652"]
        );
        assert_eq!(
            codes(m.predecessors_of(&"E05013652".into())),
            vec!["E05000128"]
        );
        assert_eq!(codes(m.wards_of(&HACKNEY.into())), vec!["E05009367"]);

        let holborn = m.suite("HOLBORN").expect("suite");
        assert_eq!(holborn.cells, Some(14));
        assert_eq!(holborn.closed_on, Some(day(2023, 1, 1)));
        assert_eq!(
            holborn.close_reason.as_deref(),
            Some("Custody consolidated at Kentish Town")
        );
        assert_eq!(holborn.provenance.positions, vec![6, 8]);
        assert_eq!(m.borough_of_suite("KENTISH-TOWN"), Some(&camden));
        assert_eq!(m.borough_of_suite("NOWHERE"), None);
        let ids = |s: Vec<&CustodySuiteRecord>| -> Vec<String> {
            s.into_iter().map(|x| x.suite.clone()).collect()
        };
        assert_eq!(ids(m.suites_in(&camden).collect()), vec!["KENTISH-TOWN"]);
        assert_eq!(
            ids(m.suites_open_on(&camden, day(2022, 12, 31)).collect()),
            vec!["HOLBORN", "KENTISH-TOWN"]
        );
        assert_eq!(m.all_suites_in(&camden).count(), 2);
    }

    #[test]
    fn retiring_or_closing_the_unknown_is_ignored() {
        let mut log = TestLog::new();
        put(
            &mut log,
            "ward-E05000128",
            at(1, 0),
            ward::Event::from(WardRetired {
                ward: "E05000128".into(),
                retired_on: day(2022, 5, 5),
                replaced_by: vec![],
            }),
        );
        put(
            &mut log,
            "custody-suite-HOLBORN",
            at(2, 0),
            custody_suite::Event::from(CustodySuiteClosed {
                suite: "HOLBORN".into(),
                closed_on: day(2023, 1, 1),
                reason: None,
            }),
        );
        let m: ReferenceData = fold(&log.events);
        assert_eq!(m, ReferenceData::default());
    }

    #[test]
    fn replay_and_snapshot_agree() {
        fold_checked::<ReferenceData>(&history().events);
    }
}
