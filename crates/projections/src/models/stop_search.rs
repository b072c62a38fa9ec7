//! Stop-and-search community monitoring: one record per imported batch of stop-and-search
//! records (a borough's month from data.police.uk, say) with what was imported, the samples
//! the monitoring group selected, each sampled record it reviewed (grounds, body-worn video,
//! outcome notes), and each concern it raised with the police, the police response and how
//! the concern was closed. The helpers give the scorecard records reviewed and concerns
//! raised and answered per borough and period.

use super::period::within;
use std::collections::{BTreeMap, BTreeSet};

use engage_domain::common::Period;
use engage_domain::stop_search_monitoring::{
    BatchSource, ConcernCategory, ConcernResolution, Event, GroundsAssessment, SampleMethod,
};
use engage_domain::{BoroughCode, DomainEvent, Timestamp};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::provenance::Provenance;
use crate::event::ProjectedEvent;
use crate::model::ReadModel;

/// The group's review of one sampled record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordReview {
    pub record_ref: String,
    pub reviewed_at: Timestamp,
    pub grounds: GroundsAssessment,
    pub body_worn_video_viewed: bool,
    pub body_worn_video_notes: Option<String>,
    pub outcome_notes: Option<String>,
}

/// A sample of the batch's records chosen for review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StopSearchSample {
    pub sample_id: Uuid,
    pub method: SampleMethod,
    pub rationale: Option<String>,
    /// The sampled records' references within the batch.
    pub record_refs: Vec<String>,
    pub selected_at: Timestamp,
    /// Reviews in the order they were recorded.
    pub reviews: Vec<RecordReview>,
}

impl StopSearchSample {
    /// Sampled records not reviewed yet.
    pub fn awaiting_review(&self) -> impl Iterator<Item = &String> {
        self.record_refs
            .iter()
            .filter(|r| !self.reviews.iter().any(|x| &x.record_ref == *r))
    }
}

/// Where a concern is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ConcernStatus {
    /// Raised, awaiting the police response.
    Raised,
    /// The police responded; the group has not closed it.
    Answered,
    Closed,
}

/// The police response to a concern.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PoliceResponse {
    pub received_at: Timestamp,
    /// Who responded (role).
    pub responder: String,
    pub response_summary: String,
    pub actions_agreed: Vec<String>,
    /// Whole days from raising the concern to the response.
    pub days_to_respond: i64,
}

/// A concern the group raised with the police.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StopSearchConcern {
    pub concern_id: Uuid,
    pub category: ConcernCategory,
    /// The reviewed records it is about (empty for a pattern across the batch).
    pub record_refs: Vec<String>,
    pub description: String,
    /// Whom it was raised with (role).
    pub raised_with: String,
    pub raised_at: Timestamp,
    pub status: ConcernStatus,
    pub response: Option<PoliceResponse>,
    pub closed_at: Option<Timestamp>,
    pub resolution: Option<ConcernResolution>,
    pub closing_note: Option<String>,
    /// Whole days from raising to closing.
    pub days_open: Option<i64>,
}

/// How the reviewed records' grounds were assessed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GroundsFindings {
    pub reasonable: usize,
    pub insufficient: usize,
    pub not_recorded: usize,
    pub unclear: usize,
}

impl GroundsFindings {
    fn add(&mut self, g: GroundsAssessment) {
        match g {
            GroundsAssessment::Reasonable => self.reasonable += 1,
            GroundsAssessment::Insufficient => self.insufficient += 1,
            GroundsAssessment::NotRecorded => self.not_recorded += 1,
            GroundsAssessment::Unclear => self.unclear += 1,
        }
    }
}

/// One imported batch and its monitoring.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StopSearchBatch {
    pub batch_id: Uuid,
    pub borough: BoroughCode,
    /// The period the records cover.
    pub period: Period,
    pub source: BatchSource,
    pub records_read: u32,
    pub records_accepted: u32,
    pub records_rejected: u32,
    /// Accepted records by officer-defined ethnicity, as published.
    pub by_officer_defined_ethnicity: BTreeMap<String, u32>,
    /// Accepted records by outcome, as published.
    pub by_outcome: BTreeMap<String, u32>,
    pub imported_at: Timestamp,
    pub samples: Vec<StopSearchSample>,
    pub concerns: Vec<StopSearchConcern>,
    pub provenance: Provenance,
}

impl StopSearchBatch {
    pub fn sample(&self, sample_id: &Uuid) -> Option<&StopSearchSample> {
        self.samples.iter().find(|s| &s.sample_id == sample_id)
    }

    pub fn concern(&self, concern_id: &Uuid) -> Option<&StopSearchConcern> {
        self.concerns.iter().find(|c| &c.concern_id == concern_id)
    }

    /// Distinct records sampled, over every sample.
    pub fn records_sampled(&self) -> usize {
        self.samples
            .iter()
            .flat_map(|s| s.record_refs.iter())
            .collect::<BTreeSet<_>>()
            .len()
    }

    /// Every review of this batch, with its sample.
    pub fn reviews(&self) -> impl Iterator<Item = (&StopSearchSample, &RecordReview)> {
        self.samples
            .iter()
            .flat_map(|s| s.reviews.iter().map(move |r| (s, r)))
    }

    /// How the grounds of the reviewed records were assessed.
    pub fn grounds_findings(&self) -> GroundsFindings {
        let mut g = GroundsFindings::default();
        self.reviews().for_each(|(_, r)| g.add(r.grounds));
        g
    }
}

/// Every imported batch, by id.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StopSearchReviews {
    pub by_id: BTreeMap<Uuid, StopSearchBatch>,
}

impl ReadModel for StopSearchReviews {
    const NAME: &'static str = "stop_search_reviews";
    const VERSION: u32 = 1;

    fn apply(&mut self, event: &ProjectedEvent) {
        let Some(DomainEvent::StopSearchMonitoring(e)) = &event.domain else {
            return;
        };
        if let Event::RecordsImported(i) = e {
            let mut provenance = Provenance::default();
            provenance.touch(event);
            self.by_id.insert(
                i.batch_id,
                StopSearchBatch {
                    batch_id: i.batch_id,
                    borough: i.borough.clone(),
                    period: i.period,
                    source: i.source.clone(),
                    records_read: i.records_read,
                    records_accepted: i.records_accepted,
                    records_rejected: i.records_rejected,
                    by_officer_defined_ethnicity: i.by_officer_defined_ethnicity.clone(),
                    by_outcome: i.by_outcome.clone(),
                    imported_at: i.imported_at,
                    samples: Vec::new(),
                    concerns: Vec::new(),
                    provenance,
                },
            );
            return;
        }
        let batch_id = match e {
            Event::RecordsImported(i) => i.batch_id,
            Event::SampleSelected(s) => s.batch_id,
            Event::RecordReviewed(r) => r.batch_id,
            Event::ConcernRaised(c) => c.batch_id,
            Event::PoliceResponseReceived(r) => r.batch_id,
            Event::ConcernClosed(c) => c.batch_id,
        };
        // A batch this model has not seen (possible in a world-time as-of replay): ignored.
        let Some(b) = self.by_id.get_mut(&batch_id) else {
            return;
        };
        let changed = match e {
            Event::RecordsImported(_) => false,
            Event::SampleSelected(s) => {
                let new = b.sample(&s.sample_id).is_none();
                if new {
                    b.samples.push(StopSearchSample {
                        sample_id: s.sample_id,
                        method: s.method,
                        rationale: s.rationale.clone(),
                        record_refs: s.record_refs.clone(),
                        selected_at: s.selected_at,
                        reviews: Vec::new(),
                    });
                }
                new
            }
            Event::RecordReviewed(r) => {
                match b.samples.iter_mut().find(|s| s.sample_id == r.sample_id) {
                    Some(sample) => {
                        sample.reviews.push(RecordReview {
                            record_ref: r.record_ref.clone(),
                            reviewed_at: r.reviewed_at,
                            grounds: r.grounds,
                            body_worn_video_viewed: r.body_worn_video_viewed,
                            body_worn_video_notes: r.body_worn_video_notes.clone(),
                            outcome_notes: r.outcome_notes.clone(),
                        });
                        true
                    }
                    None => false,
                }
            }
            Event::ConcernRaised(c) => {
                let new = b.concern(&c.concern_id).is_none();
                if new {
                    b.concerns.push(StopSearchConcern {
                        concern_id: c.concern_id,
                        category: c.category,
                        record_refs: c.record_refs.clone(),
                        description: c.description.clone(),
                        raised_with: c.raised_with.clone(),
                        raised_at: c.raised_at,
                        status: ConcernStatus::Raised,
                        response: None,
                        closed_at: None,
                        resolution: None,
                        closing_note: None,
                        days_open: None,
                    });
                }
                new
            }
            Event::PoliceResponseReceived(r) => {
                match b.concerns.iter_mut().find(|c| c.concern_id == r.concern_id) {
                    Some(c) => {
                        c.response = Some(PoliceResponse {
                            received_at: r.received_at,
                            responder: r.responder.clone(),
                            response_summary: r.response_summary.clone(),
                            actions_agreed: r.actions_agreed.clone(),
                            days_to_respond: r.days_to_respond,
                        });
                        if c.status == ConcernStatus::Raised {
                            c.status = ConcernStatus::Answered;
                        }
                        true
                    }
                    None => false,
                }
            }
            Event::ConcernClosed(x) => {
                match b.concerns.iter_mut().find(|c| c.concern_id == x.concern_id) {
                    Some(c) => {
                        c.status = ConcernStatus::Closed;
                        c.closed_at = Some(x.closed_at);
                        c.resolution = Some(x.resolution);
                        c.closing_note = x.note.clone();
                        c.days_open = Some(x.days_open);
                        true
                    }
                    None => false,
                }
            }
        };
        if changed {
            b.provenance.touch(event);
        }
    }
}

/// Stop-and-search monitoring figures for one borough (or London) and period.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StopSearchFigures {
    /// Batches imported in the period.
    pub batches_imported: usize,
    /// Records accepted in those batches.
    pub records_imported: u64,
    /// Records reviewed in the period, and how their grounds were assessed.
    pub records_reviewed: usize,
    pub grounds: GroundsFindings,
    /// Of those, records whose body-worn video was viewed.
    pub body_worn_video_viewed: usize,
    /// Concerns raised in the period.
    pub concerns_raised: usize,
    /// Concerns the police answered in the period (whenever raised).
    pub concerns_answered: usize,
    /// Mean whole days to respond, over the concerns answered in the period.
    pub mean_days_to_respond: Option<f64>,
    /// Concerns closed in the period.
    pub concerns_closed: usize,
}

impl StopSearchReviews {
    pub fn get(&self, id: &Uuid) -> Option<&StopSearchBatch> {
        self.by_id.get(id)
    }

    /// Batches of one borough (all when `None`), in id order.
    pub fn in_borough<'a>(
        &'a self,
        borough: Option<&'a BoroughCode>,
    ) -> impl Iterator<Item = &'a StopSearchBatch> + 'a {
        self.by_id
            .values()
            .filter(move |b| borough.is_none_or(|x| &b.borough == x))
    }

    /// Batches imported in `[from, to)`.
    pub fn imported<'a>(
        &'a self,
        borough: Option<&'a BoroughCode>,
        from: Timestamp,
        to: Timestamp,
    ) -> impl Iterator<Item = &'a StopSearchBatch> + 'a {
        self.in_borough(borough)
            .filter(move |b| within(b.imported_at, from, to))
    }

    /// Records reviewed in `[from, to)`, with their batch.
    pub fn reviewed<'a>(
        &'a self,
        borough: Option<&'a BoroughCode>,
        from: Timestamp,
        to: Timestamp,
    ) -> impl Iterator<Item = (&'a StopSearchBatch, &'a RecordReview)> + 'a {
        self.in_borough(borough).flat_map(move |b| {
            b.reviews()
                .filter(move |(_, r)| within(r.reviewed_at, from, to))
                .map(move |(_, r)| (b, r))
        })
    }

    /// Concerns raised in `[from, to)`, with their batch.
    pub fn concerns_raised<'a>(
        &'a self,
        borough: Option<&'a BoroughCode>,
        from: Timestamp,
        to: Timestamp,
    ) -> impl Iterator<Item = (&'a StopSearchBatch, &'a StopSearchConcern)> + 'a {
        self.in_borough(borough).flat_map(move |b| {
            b.concerns
                .iter()
                .filter(move |c| within(c.raised_at, from, to))
                .map(move |c| (b, c))
        })
    }

    /// Concerns the police answered in `[from, to)` (whenever they were raised).
    pub fn concerns_answered<'a>(
        &'a self,
        borough: Option<&'a BoroughCode>,
        from: Timestamp,
        to: Timestamp,
    ) -> impl Iterator<Item = (&'a StopSearchBatch, &'a StopSearchConcern)> + 'a {
        self.in_borough(borough).flat_map(move |b| {
            b.concerns
                .iter()
                .filter(move |c| {
                    c.response
                        .as_ref()
                        .is_some_and(|r| within(r.received_at, from, to))
                })
                .map(move |c| (b, c))
        })
    }

    /// Concerns in a given status, in one borough (all when `None`).
    pub fn concerns_with_status<'a>(
        &'a self,
        borough: Option<&'a BoroughCode>,
        status: ConcernStatus,
    ) -> impl Iterator<Item = (&'a StopSearchBatch, &'a StopSearchConcern)> + 'a {
        self.in_borough(borough).flat_map(move |b| {
            b.concerns
                .iter()
                .filter(move |c| c.status == status)
                .map(move |c| (b, c))
        })
    }

    /// The scorecard's stop-and-search figures for `[from, to)`.
    pub fn figures(
        &self,
        borough: Option<&BoroughCode>,
        from: Timestamp,
        to: Timestamp,
    ) -> StopSearchFigures {
        let mut f = StopSearchFigures::default();
        for b in self.imported(borough, from, to) {
            f.batches_imported += 1;
            f.records_imported += u64::from(b.records_accepted);
        }
        for (_, r) in self.reviewed(borough, from, to) {
            f.records_reviewed += 1;
            f.grounds.add(r.grounds);
            if r.body_worn_video_viewed {
                f.body_worn_video_viewed += 1;
            }
        }
        f.concerns_raised = self.concerns_raised(borough, from, to).count();
        let days: Vec<i64> = self
            .concerns_answered(borough, from, to)
            .filter_map(|(_, c)| c.response.as_ref().map(|r| r.days_to_respond))
            .collect();
        f.concerns_answered = days.len();
        if !days.is_empty() {
            f.mean_days_to_respond = Some(days.iter().sum::<i64>() as f64 / days.len() as f64);
        }
        f.concerns_closed = self
            .in_borough(borough)
            .flat_map(|b| b.concerns.iter())
            .filter(|c| c.closed_at.is_some_and(|t| within(t, from, to)))
            .count();
        f
    }
}

#[cfg(test)]
mod tests {
    use engage_domain::stop_search_monitoring::{
        StopSearchConcernClosed, StopSearchConcernRaised, StopSearchPoliceResponseReceived,
        StopSearchRecordReviewed, StopSearchRecordsImported, StopSearchSampleSelected,
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

    fn imported(batch: u128, borough: &str, day: i64) -> StopSearchRecordsImported {
        StopSearchRecordsImported {
            batch_id: id(batch),
            borough: borough.into(),
            period: Period::month(2024, 12).expect("month"),
            source: BatchSource {
                publisher: "data.police.uk".into(),
                force: "metropolitan".into(),
                file_name: "2024-12-metropolitan-stop-and-search.csv".into(),
                sha256: None,
            },
            records_read: 12,
            records_accepted: 10,
            records_rejected: 2,
            by_officer_defined_ethnicity: BTreeMap::from([
                ("Black".to_owned(), 4),
                ("White".to_owned(), 6),
            ]),
            by_outcome: BTreeMap::from([
                ("A no further action disposal".to_owned(), 7),
                ("Arrest".to_owned(), 3),
            ]),
            imported_at: at(day, 0),
        }
    }

    fn review(
        batch: u128,
        sample: u128,
        r: &str,
        day: i64,
        g: GroundsAssessment,
    ) -> StopSearchRecordReviewed {
        StopSearchRecordReviewed {
            batch_id: id(batch),
            sample_id: id(sample),
            record_ref: r.into(),
            reviewed_at: at(day, 0),
            grounds: g,
            body_worn_video_viewed: g == GroundsAssessment::Insufficient,
            body_worn_video_notes: None,
            outcome_notes: None,
        }
    }

    fn concern(batch: u128, c: u128, refs: &[&str], day: i64) -> StopSearchConcernRaised {
        StopSearchConcernRaised {
            batch_id: id(batch),
            concern_id: id(c),
            category: ConcernCategory::Grounds,
            record_refs: refs.iter().map(|r| (*r).to_owned()).collect(),
            description: "Grounds recorded as 'smell of cannabis' only".into(),
            raised_with: "borough commander".into(),
            raised_at: at(day, 0),
        }
    }

    fn response(batch: u128, c: u128, day: i64, days: i64) -> StopSearchPoliceResponseReceived {
        StopSearchPoliceResponseReceived {
            batch_id: id(batch),
            concern_id: id(c),
            received_at: at(day, 0),
            responder: "superintendent".into(),
            response_summary: "Officers reminded of the grounds guidance".into(),
            actions_agreed: vec!["Briefing at next parade".into()],
            days_to_respond: days,
        }
    }

    /// Batch 1 (Camden, imported day 0): a sample of three, all reviewed on days 3-4, two
    /// concerns raised on day 5; concern 31 answered on day 19 and closed on day 25,
    /// concern 32 withdrawn on day 6.
    fn history() -> (TestLog, Vec<u64>) {
        let mut log = TestLog::new();
        let s = "stop-search-1";
        let p = vec![
            rec(&mut log, s, at(0, 0), imported(1, CAMDEN, 0)),
            rec(
                &mut log,
                s,
                at(2, 0),
                StopSearchSampleSelected {
                    batch_id: id(1),
                    sample_id: id(11),
                    method: SampleMethod::Thematic,
                    rationale: Some("All searches of under-18s".into()),
                    record_refs: vec!["r1".into(), "r2".into(), "r3".into()],
                    selected_at: at(2, 0),
                },
            ),
            rec(
                &mut log,
                s,
                at(3, 0),
                review(1, 11, "r1", 3, GroundsAssessment::Reasonable),
            ),
            rec(
                &mut log,
                s,
                at(3, 0),
                review(1, 11, "r2", 3, GroundsAssessment::Insufficient),
            ),
            rec(
                &mut log,
                s,
                at(4, 0),
                review(1, 11, "r3", 4, GroundsAssessment::NotRecorded),
            ),
            rec(&mut log, s, at(5, 0), concern(1, 31, &["r2"], 5)),
            rec(&mut log, s, at(5, 0), concern(1, 32, &["r3"], 5)),
            rec(
                &mut log,
                s,
                at(6, 0),
                StopSearchConcernClosed {
                    batch_id: id(1),
                    concern_id: id(32),
                    closed_at: at(6, 0),
                    resolution: ConcernResolution::Withdrawn,
                    note: Some("Grounds found on the paper form".into()),
                    days_open: 1,
                },
            ),
            rec(&mut log, s, at(19, 0), response(1, 31, 19, 14)),
            rec(
                &mut log,
                s,
                at(25, 0),
                StopSearchConcernClosed {
                    batch_id: id(1),
                    concern_id: id(31),
                    closed_at: at(25, 0),
                    resolution: ConcernResolution::Addressed,
                    note: None,
                    days_open: 20,
                },
            ),
        ];
        (log, p)
    }

    #[test]
    fn a_full_batch_gives_the_record_and_its_derived_values() {
        let (log, positions) = history();
        let m: StopSearchReviews = fold(&log.events);
        let b = m.get(&id(1)).expect("batch");
        assert_eq!(b.borough, BoroughCode::from(CAMDEN));
        assert_eq!(
            (b.records_read, b.records_accepted, b.records_rejected),
            (12, 10, 2)
        );
        assert_eq!(b.by_outcome.get("Arrest"), Some(&3));
        assert_eq!(
            b.source.file_name,
            "2024-12-metropolitan-stop-and-search.csv"
        );
        assert_eq!(b.records_sampled(), 3);
        let sample = b.sample(&id(11)).expect("sample");
        assert_eq!(sample.method, SampleMethod::Thematic);
        assert_eq!(sample.reviews.len(), 3);
        assert_eq!(sample.awaiting_review().count(), 0);
        assert_eq!(
            b.grounds_findings(),
            GroundsFindings {
                reasonable: 1,
                insufficient: 1,
                not_recorded: 1,
                unclear: 0
            }
        );
        let answered = b.concern(&id(31)).expect("concern 31");
        assert_eq!(answered.status, ConcernStatus::Closed);
        assert_eq!(
            answered.response.as_ref().map(|r| r.days_to_respond),
            Some(14)
        );
        assert_eq!(answered.resolution, Some(ConcernResolution::Addressed));
        assert_eq!(answered.days_open, Some(20));
        let withdrawn = b.concern(&id(32)).expect("concern 32");
        assert_eq!(withdrawn.status, ConcernStatus::Closed);
        assert!(withdrawn.response.is_none());
        assert_eq!(withdrawn.resolution, Some(ConcernResolution::Withdrawn));
        assert_eq!(b.provenance.positions, positions);
    }

    #[test]
    fn concern_status_goes_raised_answered_closed() {
        let (log, _) = history();
        let status_after = |n: usize| {
            let m: StopSearchReviews = fold(&log.events[..n]);
            m.get(&id(1))
                .and_then(|b| b.concern(&id(31)))
                .map(|c| c.status)
        };
        assert_eq!(status_after(6), Some(ConcernStatus::Raised));
        assert_eq!(status_after(9), Some(ConcernStatus::Answered));
        assert_eq!(status_after(10), Some(ConcernStatus::Closed));
        let m: StopSearchReviews = fold(&log.events[..9]);
        assert_eq!(
            m.concerns_with_status(None, ConcernStatus::Answered)
                .count(),
            1
        );
        assert_eq!(
            m.concerns_with_status(None, ConcernStatus::Closed).count(),
            1
        );
    }

    #[test]
    fn events_for_unknown_batches_samples_and_concerns_are_ignored() {
        let mut log = TestLog::new();
        rec(
            &mut log,
            "stop-search-9",
            at(3, 0),
            review(9, 11, "r1", 3, GroundsAssessment::Unclear),
        );
        rec(
            &mut log,
            "stop-search-9",
            at(5, 0),
            concern(9, 31, &["r1"], 5),
        );
        let m: StopSearchReviews = fold(&log.events);
        assert!(m.by_id.is_empty());

        let (mut log, positions) = history();
        rec(
            &mut log,
            "stop-search-1",
            at(30, 0),
            review(1, 99, "r1", 30, GroundsAssessment::Unclear),
        );
        rec(&mut log, "stop-search-1", at(30, 0), response(1, 99, 30, 1));
        let m: StopSearchReviews = fold(&log.events);
        assert_eq!(
            m.get(&id(1)).map(|b| b.provenance.positions.clone()),
            Some(positions)
        );
    }

    #[test]
    fn replay_and_snapshot_agree() {
        let (mut log, _) = history();
        rec(&mut log, "stop-search-2", at(1, 0), imported(2, HACKNEY, 1));
        fold_checked::<StopSearchReviews>(&log.events);
    }

    #[test]
    fn scorecard_helpers_count_by_borough_and_period() {
        let (mut log, _) = history();
        rec(&mut log, "stop-search-2", at(1, 0), imported(2, HACKNEY, 1));
        rec(
            &mut log,
            "stop-search-2",
            at(2, 0),
            StopSearchSampleSelected {
                batch_id: id(2),
                sample_id: id(12),
                method: SampleMethod::Random,
                rationale: None,
                record_refs: vec!["h1".into(), "h2".into()],
                selected_at: at(2, 0),
            },
        );
        rec(
            &mut log,
            "stop-search-2",
            at(3, 0),
            review(2, 12, "h1", 3, GroundsAssessment::Unclear),
        );
        let m: StopSearchReviews = fold(&log.events);
        let camden = BoroughCode::from(CAMDEN);
        assert_eq!(
            m.get(&id(2))
                .and_then(|b| b.sample(&id(12)))
                .map(|s| s.awaiting_review().cloned().collect::<Vec<_>>()),
            Some(vec!["h2".to_owned()])
        );

        // Days [0, 10): Camden imported one batch, reviewed 3, raised 2, answered none,
        // closed one (the withdrawal).
        let f = m.figures(Some(&camden), at(0, 0), at(10, 0));
        assert_eq!(
            f,
            StopSearchFigures {
                batches_imported: 1,
                records_imported: 10,
                records_reviewed: 3,
                grounds: GroundsFindings {
                    reasonable: 1,
                    insufficient: 1,
                    not_recorded: 1,
                    unclear: 0
                },
                body_worn_video_viewed: 1,
                concerns_raised: 2,
                concerns_answered: 0,
                mean_days_to_respond: None,
                concerns_closed: 1,
            }
        );
        // Days [10, 30): the answer and the closing of concern 31, raised earlier.
        let later = m.figures(Some(&camden), at(10, 0), at(30, 0));
        assert_eq!(later.concerns_raised, 0);
        assert_eq!(later.concerns_answered, 1);
        assert_eq!(later.mean_days_to_respond, Some(14.0));
        assert_eq!(later.concerns_closed, 1);
        // London-wide: both boroughs' reviews.
        assert_eq!(m.reviewed(None, at(0, 0), at(10, 0)).count(), 4);
        assert_eq!(m.imported(None, at(0, 0), at(1, 0)).count(), 1);
        assert_eq!(m.in_borough(Some(&HACKNEY.into())).count(), 1);
    }
}
