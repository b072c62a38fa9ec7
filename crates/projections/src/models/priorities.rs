//! Policing priorities for boroughs and wards: one record per priority with its whole
//! lifecycle — proposed (where it came from, the meeting and evidence), set by the board (at
//! which meeting, on what evidence, who decided, how success is judged, when it is reviewed),
//! progress reported by the police, reviewed, closed (achieved / not achieved / superseded) —
//! and its "you said, we did" timeline: every step in world-time order, each saying what was
//! said, what was done, when, and the meeting and evidence behind it.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use engage_domain::common::EvidenceRef;
use engage_domain::priority::{
    Event, FeedbackChannel, PriorityOutcome, PrioritySource, ProgressRating,
};
use engage_domain::{BoroughCode, DomainEvent, Timestamp, WardCode};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::period::within;
use super::provenance::Provenance;
use crate::event::ProjectedEvent;
use crate::model::ReadModel;

/// Where a priority is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PriorityStatus {
    /// Put forward; the board has not set it yet.
    Proposed,
    /// Set by the board: the police work on it and report progress.
    Set,
    /// Closed by the board (see [`Priority::closure`] for the outcome).
    Closed,
}

impl PriorityStatus {
    fn rank(self) -> u8 {
        match self {
            Self::Proposed => 0,
            Self::Set => 1,
            Self::Closed => 2,
        }
    }

    /// The later of two stages: a step recorded out of order never reopens a priority.
    fn max_with(self, other: Self) -> Self {
        if other.rank() > self.rank() {
            other
        } else {
            self
        }
    }
}

/// The board's decision to adopt the priority.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrioritySetting {
    pub set_at: Timestamp,
    pub meeting_id: Uuid,
    pub evidence: Vec<EvidenceRef>,
    /// Who took the decision (e.g. "Board vote, 9 for 1 against").
    pub decided_by: String,
    /// How success will be judged.
    pub success_measure: String,
    /// The first review date set with it.
    pub review_due: NaiveDate,
}

/// The board's decision to close the priority.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriorityClosure {
    pub closed_at: Timestamp,
    pub meeting_id: Uuid,
    pub evidence: Vec<EvidenceRef>,
    pub outcome: PriorityOutcome,
    /// The priority that replaces this one (for `superseded`).
    pub superseded_by: Option<Uuid>,
    pub notes: String,
}

/// What kind of step a timeline entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TimelineStep {
    Proposed,
    Set,
    ProgressReported,
    Reviewed,
    Closed,
    FeedbackPublished,
}

/// One step of a priority's "you said, we did" timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineEntry {
    pub step: TimelineStep,
    /// When it happened in the world (proposed, set, reported, reviewed, closed, published).
    pub at: Timestamp,
    /// What people said: the proposal's description (its title when that is empty), or the
    /// "you said" of published feedback.
    pub said: Option<String>,
    /// What was done or decided: the success measure the board set, the police's progress
    /// summary, the review's notes, the closing notes, or the "we did" of published feedback.
    pub done: Option<String>,
    /// Who: the decision-maker when set, the reporting officer or unit for progress.
    pub by: Option<String>,
    /// The police's rating (progress) or the board's assessment (review).
    pub rating: Option<ProgressRating>,
    /// How it ended (closed).
    pub outcome: Option<PriorityOutcome>,
    /// The review date fixed at this step (set: the first review; reviewed: the next).
    pub review_due: Option<NaiveDate>,
    /// The meeting the step was taken at (set, reviewed, closed; proposed when raised at one).
    pub meeting_id: Option<Uuid>,
    pub evidence: Vec<EvidenceRef>,
    /// For published feedback: its id, where it was published, and the link.
    pub feedback_id: Option<Uuid>,
    pub channel: Option<FeedbackChannel>,
    pub url: Option<String>,
    /// The log position of the event that recorded the step.
    pub position: u64,
}

impl TimelineEntry {
    fn new(step: TimelineStep, at: Timestamp, position: u64) -> Self {
        Self {
            step,
            at,
            said: None,
            done: None,
            by: None,
            rating: None,
            outcome: None,
            review_due: None,
            meeting_id: None,
            evidence: Vec::new(),
            feedback_id: None,
            channel: None,
            url: None,
            position,
        }
    }
}

/// One borough or ward policing priority.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Priority {
    pub priority_id: Uuid,
    pub borough: BoroughCode,
    /// Set for a ward priority; `None` for a borough-wide one.
    pub ward: Option<WardCode>,
    pub title: String,
    pub description: String,
    pub source: PrioritySource,
    pub proposed_at: Timestamp,
    /// The meeting it was raised at, if any.
    pub proposal_meeting_id: Option<Uuid>,
    pub proposal_evidence: Vec<EvidenceRef>,
    pub status: PriorityStatus,
    pub setting: Option<PrioritySetting>,
    pub closure: Option<PriorityClosure>,
    pub progress_reports: u32,
    pub reviews: u32,
    pub feedback_published: u32,
    /// The most recent rating by world time, from a progress report or a review.
    pub latest_rating: Option<ProgressRating>,
    /// The review date in force: from the latest review, else from the setting; none once
    /// closed.
    pub next_review_due: Option<NaiveDate>,
    /// Whole days from proposal to being set.
    pub days_to_set: Option<i64>,
    /// Whole days from proposal to closure.
    pub days_to_close: Option<i64>,
    /// Whole days from being set to closure.
    pub days_in_force: Option<i64>,
    /// Every step, ordered by when it happened (ties in log order).
    pub timeline: Vec<TimelineEntry>,
    pub provenance: Provenance,
}

impl Priority {
    /// The timeline entries of one kind of step, in time order.
    pub fn steps(&self, step: TimelineStep) -> impl Iterator<Item = &TimelineEntry> {
        self.timeline.iter().filter(move |e| e.step == step)
    }

    /// Every meeting at which the board decided on it (set, reviewed, closed), in time order.
    pub fn decision_meetings(&self) -> Vec<Uuid> {
        self.timeline
            .iter()
            .filter(|e| {
                matches!(
                    e.step,
                    TimelineStep::Set | TimelineStep::Reviewed | TimelineStep::Closed
                )
            })
            .filter_map(|e| e.meeting_id)
            .collect()
    }

    /// Whether a review was due before `today` and the priority is still open.
    pub fn review_overdue(&self, today: NaiveDate) -> bool {
        self.status == PriorityStatus::Set && self.next_review_due.is_some_and(|d| d < today)
    }

    fn add_step(&mut self, entry: TimelineEntry) {
        let key = (entry.at, entry.position);
        let i = self.timeline.partition_point(|e| (e.at, e.position) <= key);
        self.timeline.insert(i, entry);
        self.refresh();
    }

    /// Recompute the values derived from the timeline and the decisions.
    fn refresh(&mut self) {
        let count = |step| {
            let n = self.timeline.iter().filter(|e| e.step == step).count();
            u32::try_from(n).unwrap_or(u32::MAX)
        };
        self.progress_reports = count(TimelineStep::ProgressReported);
        self.reviews = count(TimelineStep::Reviewed);
        self.feedback_published = count(TimelineStep::FeedbackPublished);
        self.latest_rating = self.timeline.iter().rev().find_map(|e| e.rating);
        self.next_review_due = if self.closure.is_some() {
            None
        } else {
            self.timeline
                .iter()
                .rev()
                .find(|e| matches!(e.step, TimelineStep::Reviewed | TimelineStep::Set))
                .and_then(|e| e.review_due)
        };
        let set_at = self.setting.as_ref().map(|s| s.set_at);
        let closed_at = self.closure.as_ref().map(|c| c.closed_at);
        self.days_to_set = set_at.map(|s| (s - self.proposed_at).num_days());
        self.days_to_close = closed_at.map(|c| (c - self.proposed_at).num_days());
        self.days_in_force = set_at.zip(closed_at).map(|(s, c)| (c - s).num_days());
    }
}

/// Every policing priority, by id.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Priorities {
    pub by_id: BTreeMap<Uuid, Priority>,
}

impl ReadModel for Priorities {
    const NAME: &'static str = "priorities";
    const VERSION: u32 = 1;

    fn apply(&mut self, event: &ProjectedEvent) {
        let Some(DomainEvent::Priority(e)) = &event.domain else {
            return;
        };
        let position = event.position();
        if let Event::Proposed(p) = e {
            let mut step = TimelineEntry::new(TimelineStep::Proposed, p.proposed_at, position);
            step.said = Some(if p.description.trim().is_empty() {
                p.title.clone()
            } else {
                p.description.clone()
            });
            step.meeting_id = p.meeting_id;
            step.evidence = p.evidence.clone();
            let mut record = Priority {
                priority_id: p.priority_id,
                borough: p.borough.clone(),
                ward: p.ward.clone(),
                title: p.title.clone(),
                description: p.description.clone(),
                source: p.source,
                proposed_at: p.proposed_at,
                proposal_meeting_id: p.meeting_id,
                proposal_evidence: p.evidence.clone(),
                status: PriorityStatus::Proposed,
                setting: None,
                closure: None,
                progress_reports: 0,
                reviews: 0,
                feedback_published: 0,
                latest_rating: None,
                next_review_due: None,
                days_to_set: None,
                days_to_close: None,
                days_in_force: None,
                timeline: Vec::new(),
                provenance: Provenance::default(),
            };
            record.provenance.touch(event);
            record.add_step(step);
            self.by_id.insert(p.priority_id, record);
            return;
        }
        let id = match e {
            Event::Proposed(p) => p.priority_id,
            Event::Set(s) => s.priority_id,
            Event::ProgressReported(r) => r.priority_id,
            Event::Reviewed(r) => r.priority_id,
            Event::Closed(c) => c.priority_id,
            Event::FeedbackPublished(f) => f.priority_id,
        };
        // A step of a priority this model has not seen (a world-time as-of replay can
        // filter out its proposal) is ignored.
        let Some(p) = self.by_id.get_mut(&id) else {
            return;
        };
        p.provenance.touch(event);
        let step = match e {
            Event::Proposed(_) => return,
            Event::Set(s) => {
                p.status = p.status.max_with(PriorityStatus::Set);
                p.setting = Some(PrioritySetting {
                    set_at: s.set_at,
                    meeting_id: s.meeting_id,
                    evidence: s.evidence.clone(),
                    decided_by: s.decided_by.clone(),
                    success_measure: s.success_measure.clone(),
                    review_due: s.review_due,
                });
                let mut step = TimelineEntry::new(TimelineStep::Set, s.set_at, position);
                step.done = Some(s.success_measure.clone());
                step.by = Some(s.decided_by.clone());
                step.review_due = Some(s.review_due);
                step.meeting_id = Some(s.meeting_id);
                step.evidence = s.evidence.clone();
                step
            }
            Event::ProgressReported(r) => {
                let mut step =
                    TimelineEntry::new(TimelineStep::ProgressReported, r.reported_at, position);
                step.done = Some(r.summary.clone());
                step.by = Some(r.reported_by.clone());
                step.rating = Some(r.rating);
                step.evidence = r.evidence.clone();
                step
            }
            Event::Reviewed(r) => {
                let mut step = TimelineEntry::new(TimelineStep::Reviewed, r.reviewed_at, position);
                step.done = Some(r.notes.clone());
                step.rating = Some(r.assessment);
                step.review_due = r.next_review_due;
                step.meeting_id = Some(r.meeting_id);
                step.evidence = r.evidence.clone();
                step
            }
            Event::Closed(c) => {
                p.status = PriorityStatus::Closed;
                p.closure = Some(PriorityClosure {
                    closed_at: c.closed_at,
                    meeting_id: c.meeting_id,
                    evidence: c.evidence.clone(),
                    outcome: c.outcome,
                    superseded_by: c.superseded_by,
                    notes: c.notes.clone(),
                });
                let mut step = TimelineEntry::new(TimelineStep::Closed, c.closed_at, position);
                step.done = Some(c.notes.clone());
                step.outcome = Some(c.outcome);
                step.meeting_id = Some(c.meeting_id);
                step.evidence = c.evidence.clone();
                step
            }
            Event::FeedbackPublished(f) => {
                let mut step =
                    TimelineEntry::new(TimelineStep::FeedbackPublished, f.published_at, position);
                step.said = Some(f.you_said.clone());
                step.done = Some(f.we_did.clone());
                step.feedback_id = Some(f.feedback_id);
                step.channel = Some(f.channel);
                step.url = f.url.clone();
                step
            }
        };
        p.add_step(step);
    }
}

impl Priorities {
    pub fn get(&self, id: &Uuid) -> Option<&Priority> {
        self.by_id.get(id)
    }

    /// Priorities of one borough (every borough when `None`), borough-wide and ward ones.
    pub fn in_borough<'a>(
        &'a self,
        borough: Option<&'a BoroughCode>,
    ) -> impl Iterator<Item = &'a Priority> + 'a {
        self.by_id
            .values()
            .filter(move |p| borough.is_none_or(|b| &p.borough == b))
    }

    /// The priorities of one ward.
    pub fn in_ward<'a>(&'a self, ward: &'a WardCode) -> impl Iterator<Item = &'a Priority> + 'a {
        self.by_id
            .values()
            .filter(move |p| p.ward.as_ref() == Some(ward))
    }

    /// A borough's borough-wide priorities (those for no particular ward).
    pub fn borough_wide<'a>(
        &'a self,
        borough: &'a BoroughCode,
    ) -> impl Iterator<Item = &'a Priority> + 'a {
        self.in_borough(Some(borough)).filter(|p| p.ward.is_none())
    }

    /// Priorities of a borough (all when `None`) in `status`.
    pub fn with_status<'a>(
        &'a self,
        borough: Option<&'a BoroughCode>,
        status: PriorityStatus,
    ) -> impl Iterator<Item = &'a Priority> + 'a {
        self.in_borough(borough).filter(move |p| p.status == status)
    }

    /// Priorities proposed in `[from, to)`.
    pub fn proposed_in<'a>(
        &'a self,
        borough: Option<&'a BoroughCode>,
        from: Timestamp,
        to: Timestamp,
    ) -> impl Iterator<Item = &'a Priority> + 'a {
        self.in_borough(borough)
            .filter(move |p| within(&p.proposed_at, &from, &to))
    }

    /// Priorities the board set in `[from, to)`.
    pub fn set_in<'a>(
        &'a self,
        borough: Option<&'a BoroughCode>,
        from: Timestamp,
        to: Timestamp,
    ) -> impl Iterator<Item = &'a Priority> + 'a {
        self.in_borough(borough).filter(move |p| {
            p.setting
                .as_ref()
                .is_some_and(|s| within(&s.set_at, &from, &to))
        })
    }

    /// Priorities the board closed in `[from, to)`.
    pub fn closed_in<'a>(
        &'a self,
        borough: Option<&'a BoroughCode>,
        from: Timestamp,
        to: Timestamp,
    ) -> impl Iterator<Item = &'a Priority> + 'a {
        self.in_borough(borough).filter(move |p| {
            p.closure
                .as_ref()
                .is_some_and(|c| within(&c.closed_at, &from, &to))
        })
    }

    /// Open (set) priorities whose review was due before `today`.
    pub fn reviews_overdue<'a>(
        &'a self,
        borough: Option<&'a BoroughCode>,
        today: NaiveDate,
    ) -> impl Iterator<Item = &'a Priority> + 'a {
        self.in_borough(borough)
            .filter(move |p| p.review_overdue(today))
    }

    /// "You said, we did" feedback published in `[from, to)`, with its priority.
    pub fn feedback_in<'a>(
        &'a self,
        borough: Option<&'a BoroughCode>,
        from: Timestamp,
        to: Timestamp,
    ) -> impl Iterator<Item = (&'a Priority, &'a TimelineEntry)> + 'a {
        self.in_borough(borough).flat_map(move |p| {
            p.steps(TimelineStep::FeedbackPublished)
                .filter(move |e| within(&e.at, &from, &to))
                .map(move |e| (p, e))
        })
    }

    /// The priorities closed as superseded by `successor`.
    pub fn superseded_by<'a>(
        &'a self,
        successor: &'a Uuid,
    ) -> impl Iterator<Item = &'a Priority> + 'a {
        self.by_id.values().filter(move |p| {
            p.closure
                .as_ref()
                .is_some_and(|c| c.superseded_by.as_ref() == Some(successor))
        })
    }
}

#[cfg(test)]
mod tests {
    use engage_domain::common::EvidenceKind;
    use engage_domain::priority::{
        PriorityClosed, PriorityFeedbackPublished, PriorityProgressReported, PriorityProposed,
        PriorityReviewed, PrioritySet, stream_id,
    };

    use engage_log::StreamId;

    use super::*;
    use crate::models::testing::{TestLog, at, day, fold, fold_checked, id};

    const CAMDEN: &str = "E09000007";
    const HACKNEY: &str = "E09000012";
    const WARD: &str = "E05013652";

    /// Record a priority event (a payload struct or an `Event`).
    fn rec(log: &mut TestLog, s: StreamId, e: impl Into<Event>, when: Timestamp) -> u64 {
        log.record(s, e.into(), when)
    }

    fn evidence(r: &str) -> Vec<EvidenceRef> {
        vec![EvidenceRef::new(EvidenceKind::CrimeData, r)]
    }

    fn proposed(
        n: u128,
        borough: &str,
        ward: Option<&str>,
        proposed_at: Timestamp,
    ) -> PriorityProposed {
        PriorityProposed {
            priority_id: id(n),
            borough: borough.into(),
            ward: ward.map(Into::into),
            title: "Drug dealing near Kentish Town station".into(),
            description: "Residents report open dealing in the evenings".into(),
            source: PrioritySource::WardPanel,
            meeting_id: Some(id(40)),
            evidence: evidence("ward panel minutes 2025-01"),
            proposed_at,
        }
    }

    /// A ward priority's whole life, with a progress report recorded after the review it
    /// came before, and one borough-wide priority in Hackney that is only proposed.
    fn history() -> (TestLog, Vec<u64>) {
        let mut log = TestLog::new();
        let s = stream_id(id(1));
        let mut positions = vec![rec(
            &mut log,
            s.clone(),
            proposed(1, CAMDEN, Some(WARD), at(2025, 1, 10)),
            at(2025, 1, 10),
        )];
        let other = rec(
            &mut log,
            stream_id(id(2)),
            proposed(2, HACKNEY, None, at(2025, 2, 1)),
            at(2025, 2, 1),
        );
        positions.push(rec(
            &mut log,
            s.clone(),
            PrioritySet {
                priority_id: id(1),
                set_at: at(2025, 1, 20),
                meeting_id: id(50),
                evidence: evidence("data.police.uk 2024-12 Camden"),
                decided_by: "Board vote, 9 for 1 against".into(),
                success_measure: "Fewer drug-related calls over six months".into(),
                review_due: day(2025, 4, 1),
            },
            at(2025, 1, 20),
        ));
        positions.push(rec(
            &mut log,
            s.clone(),
            PriorityReviewed {
                priority_id: id(1),
                reviewed_at: at(2025, 4, 1),
                meeting_id: id(51),
                evidence: evidence("police report Q1"),
                assessment: ProgressRating::AtRisk,
                notes: "Calls down only 5%".into(),
                next_review_due: Some(day(2025, 7, 1)),
            },
            at(2025, 4, 1),
        ));
        // Recorded late: the police's March report arrives after the April review.
        positions.push(rec(
            &mut log,
            s.clone(),
            PriorityProgressReported {
                priority_id: id(1),
                reported_at: at(2025, 3, 15),
                reported_by: "Camden SNT Inspector".into(),
                rating: ProgressRating::OnTrack,
                summary: "Weekly plain-clothes patrols; 12 arrests".into(),
                evidence: vec![],
            },
            at(2025, 3, 15),
        ));
        positions.push(rec(
            &mut log,
            s.clone(),
            PriorityFeedbackPublished {
                priority_id: id(1),
                feedback_id: id(70),
                published_at: at(2025, 5, 1),
                you_said: "Drug dealing near the station worries you".into(),
                we_did: "Weekly patrols and 12 arrests".into(),
                channel: FeedbackChannel::Website,
                url: Some("https://example.org/you-said-we-did".into()),
            },
            at(2025, 5, 1),
        ));
        positions.push(rec(
            &mut log,
            s,
            PriorityClosed {
                priority_id: id(1),
                closed_at: at(2025, 6, 30),
                meeting_id: id(52),
                evidence: evidence("data.police.uk 2025-05 Camden"),
                outcome: PriorityOutcome::Superseded,
                superseded_by: Some(id(2)),
                notes: "Replaced by a borough-wide priority".into(),
            },
            at(2025, 6, 30),
        ));
        assert_eq!(other, 2);
        (log, positions)
    }

    #[test]
    fn full_lifecycle_gives_the_record_timeline_and_derived_values() {
        let (log, positions) = history();
        let m: Priorities = fold_checked(&log.events);
        let p = m.get(&id(1)).unwrap();
        assert_eq!(p.status, PriorityStatus::Closed);
        assert_eq!(p.ward, Some(WARD.into()));
        assert_eq!(p.source, PrioritySource::WardPanel);
        assert_eq!(p.proposal_meeting_id, Some(id(40)));
        assert_eq!(p.setting.as_ref().map(|s| s.meeting_id), Some(id(50)));
        let closure = p.closure.as_ref().unwrap();
        assert_eq!(closure.outcome, PriorityOutcome::Superseded);
        assert_eq!(closure.superseded_by, Some(id(2)));
        assert_eq!(
            (p.progress_reports, p.reviews, p.feedback_published),
            (1, 1, 1)
        );
        assert_eq!(p.days_to_set, Some(10));
        assert_eq!(p.days_to_close, Some(171));
        assert_eq!(p.days_in_force, Some(161));
        // The review (1 April) is later in world time than the late-recorded report.
        assert_eq!(p.latest_rating, Some(ProgressRating::AtRisk));
        assert_eq!(p.next_review_due, None, "closed: no review due");
        assert_eq!(p.decision_meetings(), vec![id(50), id(51), id(52)]);

        let steps: Vec<TimelineStep> = p.timeline.iter().map(|e| e.step).collect();
        assert_eq!(
            steps,
            vec![
                TimelineStep::Proposed,
                TimelineStep::Set,
                TimelineStep::ProgressReported,
                TimelineStep::Reviewed,
                TimelineStep::FeedbackPublished,
                TimelineStep::Closed,
            ]
        );
        let said: Vec<Option<&str>> = p.timeline.iter().map(|e| e.said.as_deref()).collect();
        assert_eq!(
            said[0],
            Some("Residents report open dealing in the evenings")
        );
        assert_eq!(said[4], Some("Drug dealing near the station worries you"));
        let feedback = &p.timeline[4];
        assert_eq!(
            feedback.done.as_deref(),
            Some("Weekly patrols and 12 arrests")
        );
        assert_eq!(feedback.channel, Some(FeedbackChannel::Website));
        assert_eq!(p.timeline[2].by.as_deref(), Some("Camden SNT Inspector"));
        assert_eq!(p.timeline[3].meeting_id, Some(id(51)));
        assert_eq!(p.timeline[3].evidence, evidence("police report Q1"));
        assert_eq!(p.timeline[5].outcome, Some(PriorityOutcome::Superseded));

        assert_eq!(p.provenance.positions, positions);
        assert_eq!(m.get(&id(2)).unwrap().provenance.positions, vec![2]);
    }

    #[test]
    fn queries_by_borough_ward_status_and_period() {
        let (log, _) = history();
        let m: Priorities = fold_checked(&log.events);
        let camden = BoroughCode::from(CAMDEN);
        let hackney = BoroughCode::from(HACKNEY);
        let ids = |it: &mut dyn Iterator<Item = &Priority>| -> Vec<Uuid> {
            it.map(|p| p.priority_id).collect()
        };
        assert_eq!(ids(&mut m.in_borough(Some(&camden))), vec![id(1)]);
        assert_eq!(ids(&mut m.in_borough(None)), vec![id(1), id(2)]);
        assert_eq!(ids(&mut m.in_ward(&WARD.into())), vec![id(1)]);
        assert_eq!(ids(&mut m.borough_wide(&hackney)), vec![id(2)]);
        assert!(m.borough_wide(&camden).next().is_none());
        assert_eq!(
            ids(&mut m.with_status(None, PriorityStatus::Proposed)),
            vec![id(2)]
        );
        assert_eq!(
            ids(&mut m.proposed_in(None, at(2025, 1, 10), at(2025, 2, 1))),
            vec![id(1)],
            "[from, to): the 1 February proposal is outside"
        );
        assert_eq!(
            ids(&mut m.set_in(Some(&camden), at(2025, 1, 1), at(2025, 2, 1))),
            vec![id(1)]
        );
        assert!(
            m.closed_in(None, at(2025, 1, 1), at(2025, 6, 30))
                .next()
                .is_none()
        );
        assert_eq!(
            ids(&mut m.closed_in(None, at(2025, 6, 30), at(2025, 7, 1))),
            vec![id(1)]
        );
        let fb: Vec<Option<Uuid>> = m
            .feedback_in(Some(&camden), at(2025, 5, 1), at(2025, 6, 1))
            .map(|(_, e)| e.feedback_id)
            .collect();
        assert_eq!(fb, vec![Some(id(70))]);
        assert_eq!(ids(&mut m.superseded_by(&id(2))), vec![id(1)]);
    }

    #[test]
    fn review_due_follows_the_latest_decision() {
        let (log, _) = history();
        // Up to the late progress report: set and reviewed, not closed.
        let m: Priorities = fold(log.events.get(..5).unwrap());
        let p = m.get(&id(1)).unwrap();
        assert_eq!(p.status, PriorityStatus::Set);
        assert_eq!(p.next_review_due, Some(day(2025, 7, 1)));
        assert!(!p.review_overdue(day(2025, 7, 1)));
        assert!(p.review_overdue(day(2025, 7, 2)));
        let overdue: Vec<Uuid> = m
            .reviews_overdue(None, day(2025, 8, 1))
            .map(|p| p.priority_id)
            .collect();
        assert_eq!(overdue, vec![id(1)]);
        // Before the review, the setting's review date is in force.
        let m: Priorities = fold(log.events.get(..3).unwrap());
        assert_eq!(
            m.get(&id(1)).unwrap().next_review_due,
            Some(day(2025, 4, 1))
        );
    }

    #[test]
    fn steps_of_an_unknown_priority_are_ignored() {
        let (log, _) = history();
        // As a world-time replay might see it: everything but the proposal of priority 1.
        let without_proposal: Vec<_> = log.events.get(1..).unwrap().to_vec();
        let m: Priorities = fold(&without_proposal);
        assert!(m.get(&id(1)).is_none());
        assert_eq!(m.by_id.len(), 1);
        // A closure without the setting still closes what is known, and keeps the order.
        let mut partial = vec![log.events[0].clone()];
        partial.push(log.events[6].clone());
        let m: Priorities = fold(&partial);
        let p = m.get(&id(1)).unwrap();
        assert_eq!(p.status, PriorityStatus::Closed);
        assert_eq!(p.days_in_force, None);
        assert_eq!(p.provenance.positions, vec![1, 7]);
    }
}
