//! Crime performance figures and community confidence (Public Attitude Survey) results per
//! borough (or ward / neighbourhood) and period. A figure recorded again for the same area,
//! period and category or measure is a correction: the record keeps the current value and
//! every value it has had (with the position and time each was recorded, and the reason
//! given), so a client can show what changed and when.
//!
//! Periods are whole calendar days; a figure is "in" `[from, to)` when its whole period is.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use engage_domain::common::Period;
use engage_domain::performance::{
    ConfidenceMeasure, CrimeCategory, Event, FigureSource, Neighbourhood,
};
use engage_domain::{BoroughCode, DomainEvent, Timestamp, WardCode};
use serde::{Deserialize, Serialize};

use super::provenance::Provenance;
use crate::event::ProjectedEvent;
use crate::model::ReadModel;

/// What a crime figure counts: a borough (or one of its wards), period and category.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct CrimeFigureKey {
    pub borough: BoroughCode,
    /// None for the whole borough.
    pub ward: Option<WardCode>,
    pub period: Period,
    pub category: CrimeCategory,
}

/// What a confidence result measures: a borough (or one of its PAS neighbourhoods, by
/// code), period and measure.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ConfidenceKey {
    pub borough: BoroughCode,
    /// The neighbourhood's code; None for the whole borough.
    pub neighbourhood: Option<String>,
    pub period: Period,
    pub measure: ConfidenceMeasure,
}

/// One value a figure has had.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FigureRevision {
    /// 1 for the first value, then 2, 3, … for corrections.
    pub revision: u32,
    /// The log position of the event that recorded it.
    pub position: u64,
    pub recorded_at: Timestamp,
    pub occurred_at: Timestamp,
    pub value: u32,
    pub source: FigureSource,
    /// Why the earlier value was wrong (corrections only).
    pub correction_reason: Option<String>,
}

/// A count of recorded crime, its current value and every value it has had.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CrimeFigure {
    pub borough: BoroughCode,
    pub ward: Option<WardCode>,
    pub period: Period,
    pub category: CrimeCategory,
    /// The current count.
    pub count: u32,
    pub revision: u32,
    pub source: FigureSource,
    /// The value before the latest correction, if corrected.
    pub previous_count: Option<u32>,
    /// Oldest first; the last is the current value.
    pub history: Vec<FigureRevision>,
    pub provenance: Provenance,
}

impl CrimeFigure {
    pub fn is_corrected(&self) -> bool {
        self.history.len() > 1
    }
}

/// A community confidence result, its current value and every value it has had.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfidenceResult {
    pub borough: BoroughCode,
    pub neighbourhood: Option<Neighbourhood>,
    pub period: Period,
    pub measure: ConfidenceMeasure,
    /// The current percentage answering positively, 0 to 100.
    pub percent: u8,
    /// Respondents, when published (of the current value).
    pub sample_size: Option<u32>,
    pub revision: u32,
    pub source: FigureSource,
    /// The percentage before the latest correction, if corrected.
    pub previous_percent: Option<u8>,
    /// Oldest first; the last is the current value.
    pub history: Vec<FigureRevision>,
    pub provenance: Provenance,
}

impl ConfidenceResult {
    pub fn is_corrected(&self) -> bool {
        self.history.len() > 1
    }
}

/// One point of a confidence trend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrendPoint {
    pub period: Period,
    pub percent: u8,
    pub sample_size: Option<u32>,
    /// Change from the previous point, in percentage points.
    pub change: Option<i16>,
}

/// Every crime figure and confidence result, by what it measures.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PerformanceFigures {
    pub crime: BTreeMap<CrimeFigureKey, CrimeFigure>,
    pub confidence: BTreeMap<ConfidenceKey, ConfidenceResult>,
}

fn revision(
    event: &ProjectedEvent,
    revision: u32,
    value: u32,
    source: &FigureSource,
    reason: &Option<String>,
) -> FigureRevision {
    FigureRevision {
        revision,
        position: event.position(),
        recorded_at: event.recorded_at(),
        occurred_at: event.occurred_at(),
        value,
        source: source.clone(),
        correction_reason: reason.clone(),
    }
}

impl ReadModel for PerformanceFigures {
    const NAME: &'static str = "performance";
    const VERSION: u32 = 1;

    fn apply(&mut self, event: &ProjectedEvent) {
        match &event.domain {
            Some(DomainEvent::Performance(Event::CrimeFiguresRecorded(e))) => {
                let key = CrimeFigureKey {
                    borough: e.borough.clone(),
                    ward: e.ward.clone(),
                    period: e.period,
                    category: e.category,
                };
                let rev = revision(event, e.revision, e.count, &e.source, &e.correction_reason);
                let figure = self.crime.entry(key).or_insert_with(|| CrimeFigure {
                    borough: e.borough.clone(),
                    ward: e.ward.clone(),
                    period: e.period,
                    category: e.category,
                    count: e.count,
                    revision: e.revision,
                    source: e.source.clone(),
                    previous_count: None,
                    history: Vec::new(),
                    provenance: Provenance::default(),
                });
                figure.previous_count = figure.history.last().map(|h| h.value);
                figure.count = e.count;
                figure.revision = e.revision;
                figure.source = e.source.clone();
                figure.history.push(rev);
                figure.provenance.touch(event);
            }
            Some(DomainEvent::Performance(Event::ConfidenceSurveyResultRecorded(e))) => {
                let key = ConfidenceKey {
                    borough: e.borough.clone(),
                    neighbourhood: e.neighbourhood.as_ref().map(|n| n.code.clone()),
                    period: e.period,
                    measure: e.measure,
                };
                let rev = revision(
                    event,
                    e.revision,
                    u32::from(e.percent),
                    &e.source,
                    &e.correction_reason,
                );
                let result = self
                    .confidence
                    .entry(key)
                    .or_insert_with(|| ConfidenceResult {
                        borough: e.borough.clone(),
                        neighbourhood: e.neighbourhood.clone(),
                        period: e.period,
                        measure: e.measure,
                        percent: e.percent,
                        sample_size: e.sample_size,
                        revision: e.revision,
                        source: e.source.clone(),
                        previous_percent: None,
                        history: Vec::new(),
                        provenance: Provenance::default(),
                    });
                result.previous_percent = result
                    .history
                    .last()
                    .and_then(|h| u8::try_from(h.value).ok());
                result.neighbourhood = e.neighbourhood.clone();
                result.percent = e.percent;
                result.sample_size = e.sample_size;
                result.revision = e.revision;
                result.source = e.source.clone();
                result.history.push(rev);
                result.provenance.touch(event);
            }
            _ => {}
        }
    }
}

fn period_within(period: &Period, from: NaiveDate, to: NaiveDate) -> bool {
    from <= period.from && period.to < to
}

impl PerformanceFigures {
    pub fn crime_figure(&self, key: &CrimeFigureKey) -> Option<&CrimeFigure> {
        self.crime.get(key)
    }

    pub fn confidence_result(&self, key: &ConfidenceKey) -> Option<&ConfidenceResult> {
        self.confidence.get(key)
    }

    /// Crime figures of one borough (all when `None`) whose period lies in `[from, to)`,
    /// borough-wide and ward figures alike, in key order (borough, ward, period, category).
    pub fn crime_in<'a>(
        &'a self,
        borough: Option<&'a BoroughCode>,
        from: NaiveDate,
        to: NaiveDate,
    ) -> impl Iterator<Item = &'a CrimeFigure> + 'a {
        self.crime.values().filter(move |f| {
            borough.is_none_or(|b| &f.borough == b) && period_within(&f.period, from, to)
        })
    }

    /// Crime figures of one ward, in period then category order.
    pub fn crime_in_ward<'a>(
        &'a self,
        ward: &'a WardCode,
    ) -> impl Iterator<Item = &'a CrimeFigure> + 'a {
        self.crime
            .values()
            .filter(move |f| f.ward.as_ref() == Some(ward))
    }

    /// Confidence results of one borough (all when `None`) whose period lies in
    /// `[from, to)`, borough-wide and neighbourhood results alike.
    pub fn confidence_in<'a>(
        &'a self,
        borough: Option<&'a BoroughCode>,
        from: NaiveDate,
        to: NaiveDate,
    ) -> impl Iterator<Item = &'a ConfidenceResult> + 'a {
        self.confidence.values().filter(move |r| {
            borough.is_none_or(|b| &r.borough == b) && period_within(&r.period, from, to)
        })
    }

    /// A borough's confidence on `measure` (the neighbourhood's, when given by code) over
    /// time, ordered by period, with the change from each point to the next.
    pub fn confidence_trend(
        &self,
        borough: &BoroughCode,
        neighbourhood: Option<&str>,
        measure: ConfidenceMeasure,
    ) -> Vec<TrendPoint> {
        let mut points: Vec<TrendPoint> = self
            .confidence
            .values()
            .filter(|r| {
                &r.borough == borough
                    && r.neighbourhood.as_ref().map(|n| n.code.as_str()) == neighbourhood
                    && r.measure == measure
            })
            .map(|r| TrendPoint {
                period: r.period,
                percent: r.percent,
                sample_size: r.sample_size,
                change: None,
            })
            .collect();
        points.sort_by_key(|p| p.period);
        let mut previous: Option<u8> = None;
        for p in &mut points {
            p.change = previous.map(|q| i16::from(p.percent) - i16::from(q));
            previous = Some(p.percent);
        }
        points
    }

    /// Crime figures of one borough (all when `None`) that have been corrected.
    pub fn corrected_crime<'a>(
        &'a self,
        borough: Option<&'a BoroughCode>,
    ) -> impl Iterator<Item = &'a CrimeFigure> + 'a {
        self.crime
            .values()
            .filter(move |f| f.is_corrected() && borough.is_none_or(|b| &f.borough == b))
    }

    /// Confidence results of one borough (all when `None`) that have been corrected.
    pub fn corrected_confidence<'a>(
        &'a self,
        borough: Option<&'a BoroughCode>,
    ) -> impl Iterator<Item = &'a ConfidenceResult> + 'a {
        self.confidence
            .values()
            .filter(move |r| r.is_corrected() && borough.is_none_or(|b| &r.borough == b))
    }
}

#[cfg(test)]
mod tests {
    use engage_domain::performance::{
        ConfidenceSurveyResultRecorded, CrimeFiguresRecorded, SourceKind,
    };
    use engage_log::StreamId;

    use super::*;

    use crate::models::testing::{self, TestLog, fold, fold_checked};

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
    const WARD: &str = "E05013652";

    fn month(m: u32) -> Period {
        Period::month(2024, m).expect("month")
    }

    fn quarter(first: u32) -> Period {
        Period::new(month(first).from, month(first + 2).to)
    }

    fn crime(
        ward: Option<&str>,
        period: Period,
        count: u32,
        revision: u32,
    ) -> CrimeFiguresRecorded {
        CrimeFiguresRecorded {
            borough: CAMDEN.into(),
            ward: ward.map(WardCode::from),
            period,
            category: CrimeCategory::Burglary,
            count,
            source: FigureSource {
                kind: SourceKind::PoliceUk,
                reference: "2024-03-metropolitan-street.csv".into(),
            },
            revision,
            correction_reason: (revision > 1).then(|| "Late-recorded offences added".to_owned()),
        }
    }

    fn confidence(
        borough: &str,
        neighbourhood: Option<&str>,
        period: Period,
        percent: u8,
        revision: u32,
    ) -> ConfidenceSurveyResultRecorded {
        ConfidenceSurveyResultRecorded {
            borough: borough.into(),
            neighbourhood: neighbourhood.map(|c| Neighbourhood {
                code: c.into(),
                name: format!("Camden - {c}"),
            }),
            period,
            measure: ConfidenceMeasure::GoodJob,
            percent,
            sample_size: Some(400),
            source: FigureSource {
                kind: SourceKind::MopacPublicAttitudeSurvey,
                reference: "pas_2024.csv".into(),
            },
            revision,
            correction_reason: (revision > 1).then(|| "Weighting corrected".to_owned()),
        }
    }

    #[test]
    fn a_correction_keeps_the_current_value_and_the_history() {
        let mut log = TestLog::new();
        let s = "performance-E09000007";
        let first = rec(&mut log, s, at(0, 0), crime(None, month(3), 120, 1));
        rec(&mut log, s, at(0, 1), crime(Some(WARD), month(3), 9, 1));
        let second = rec(&mut log, s, at(30, 0), crime(None, month(3), 131, 2));
        let third = rec(&mut log, s, at(40, 0), crime(None, month(3), 129, 3));
        let m: PerformanceFigures = fold(&log.events);
        let key = CrimeFigureKey {
            borough: CAMDEN.into(),
            ward: None,
            period: month(3),
            category: CrimeCategory::Burglary,
        };
        let f = m.crime_figure(&key).expect("figure");
        assert_eq!((f.count, f.revision, f.previous_count), (129, 3, Some(131)));
        assert!(f.is_corrected());
        assert_eq!(
            f.history
                .iter()
                .map(|h| (h.revision, h.position, h.value))
                .collect::<Vec<_>>(),
            vec![(1, first, 120), (2, second, 131), (3, third, 129)]
        );
        assert_eq!(f.history[0].correction_reason, None);
        assert_eq!(
            f.history[1].correction_reason.as_deref(),
            Some("Late-recorded offences added")
        );
        let recorded: Vec<Timestamp> = log
            .events
            .iter()
            .filter(|e| [first, second, third].contains(&e.position()))
            .map(|e| e.recorded_at())
            .collect();
        assert_eq!(
            f.history.iter().map(|h| h.recorded_at).collect::<Vec<_>>(),
            recorded
        );
        assert_eq!(f.provenance.positions, vec![first, second, third]);

        let ward = m
            .crime_figure(&CrimeFigureKey {
                ward: Some(WARD.into()),
                ..key
            })
            .expect("ward figure");
        assert_eq!((ward.count, ward.previous_count), (9, None));
        assert!(!ward.is_corrected());
        assert_eq!(m.corrected_crime(None).count(), 1);
        assert_eq!(m.crime_in_ward(&WARD.into()).count(), 1);
    }

    #[test]
    fn confidence_trend_is_ordered_by_period_with_changes() {
        let mut log = TestLog::new();
        let s = "performance-E09000007";
        // Recorded out of period order, one corrected, plus a neighbourhood result and
        // another borough that must not appear.
        rec(
            &mut log,
            s,
            at(0, 0),
            confidence(CAMDEN, None, quarter(7), 71, 1),
        );
        rec(
            &mut log,
            s,
            at(0, 1),
            confidence(CAMDEN, None, quarter(1), 64, 1),
        );
        rec(
            &mut log,
            s,
            at(0, 2),
            confidence(CAMDEN, None, quarter(4), 70, 1),
        );
        rec(
            &mut log,
            s,
            at(9, 0),
            confidence(CAMDEN, None, quarter(4), 68, 2),
        );
        rec(
            &mut log,
            s,
            at(0, 3),
            confidence(CAMDEN, Some("CA-KT"), quarter(1), 59, 1),
        );
        rec(
            &mut log,
            "performance-E09000012",
            at(0, 4),
            confidence(HACKNEY, None, quarter(1), 55, 1),
        );
        let m: PerformanceFigures = fold(&log.events);

        let trend = m.confidence_trend(&CAMDEN.into(), None, ConfidenceMeasure::GoodJob);
        assert_eq!(
            trend
                .iter()
                .map(|p| (p.period, p.percent, p.change))
                .collect::<Vec<_>>(),
            vec![
                (quarter(1), 64, None),
                (quarter(4), 68, Some(4)),
                (quarter(7), 71, Some(3)),
            ]
        );
        let local = m.confidence_trend(&CAMDEN.into(), Some("CA-KT"), ConfidenceMeasure::GoodJob);
        assert_eq!(local.len(), 1);
        assert!(
            m.confidence_trend(&CAMDEN.into(), None, ConfidenceMeasure::SafeAfterDark)
                .is_empty()
        );

        let camden = BoroughCode::from(CAMDEN);
        let corrected: Vec<&ConfidenceResult> = m.corrected_confidence(Some(&camden)).collect();
        assert_eq!(corrected.len(), 1);
        assert_eq!(corrected[0].previous_percent, Some(70));
        assert_eq!(corrected[0].history.len(), 2);

        // Whole periods within [from, to): the first half of 2024 holds Q1 and Q2.
        let h1 = |b: Option<&BoroughCode>| m.confidence_in(b, month(1).from, month(7).from).count();
        assert_eq!(
            h1(Some(&CAMDEN.into())),
            3,
            "Q1 and Q2, borough and neighbourhood"
        );
        assert_eq!(h1(None), 4);
        // A quarter ending on the last day of March is not within [1 Jan, 31 Mar).
        assert_eq!(m.confidence_in(None, month(1).from, month(3).to).count(), 0);
        assert_eq!(
            m.confidence_in(None, month(1).from, month(4).from).count(),
            3
        );
    }

    #[test]
    fn crime_in_takes_whole_periods() {
        let mut log = TestLog::new();
        let s = "performance-E09000007";
        for (m, n) in [(1, 100), (2, 110), (3, 90)] {
            rec(
                &mut log,
                s,
                at(0, i64::from(m)),
                crime(None, month(m), n, 1),
            );
        }
        rec(&mut log, s, at(0, 9), crime(None, quarter(1), 300, 1));
        let m: PerformanceFigures = fold(&log.events);
        let camden = BoroughCode::from(CAMDEN);
        let in_feb_mar: Vec<u32> = m
            .crime_in(Some(&camden), month(2).from, month(4).from)
            .map(|f| f.count)
            .collect();
        assert_eq!(in_feb_mar, vec![110, 90]);
        assert_eq!(
            m.crime_in(Some(&camden), month(1).from, month(4).from)
                .count(),
            4
        );
        assert_eq!(
            m.crime_in(Some(&HACKNEY.into()), month(1).from, month(4).from)
                .count(),
            0
        );
    }

    #[test]
    fn other_events_are_ignored_and_replay_and_snapshot_agree() {
        let mut log = TestLog::new();
        let s = "performance-E09000007";
        rec(&mut log, s, at(0, 0), crime(None, month(3), 120, 1));
        rec(&mut log, s, at(30, 0), crime(None, month(3), 131, 2));
        rec(
            &mut log,
            s,
            at(0, 1),
            confidence(CAMDEN, Some("CA-KT"), quarter(1), 59, 1),
        );
        put(
            &mut log,
            "ward-E05013652",
            at(0, 2),
            engage_domain::reference_data::ward::Event::from(
                engage_domain::reference_data::ward::WardRegistered {
                    ward: WARD.into(),
                    name: "Kentish Town South".into(),
                    borough: CAMDEN.into(),
                    legacy_code: None,
                    source: "ONS".into(),
                },
            ),
        );
        let m: PerformanceFigures = fold(&log.events);
        assert_eq!((m.crime.len(), m.confidence.len()), (1, 1));
        fold_checked::<PerformanceFigures>(&log.events);
    }
}
