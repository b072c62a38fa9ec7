//! Policing priorities for a borough or a ward: proposed (from a ward panel, a survey, a
//! meeting or crime data), set by the board, progress reported by the police, reviewed,
//! closed (achieved / not achieved / superseded), and "you said, we did" feedback published
//! to the people who raised it. Every decision (set, review, close) links the meeting at
//! which it was taken and the evidence behind it. Stream: `priority-<uuid>`.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use engage_log::StreamId;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::common::{EvidenceRef, evidence_given};
use crate::context::{ordered, required};
use crate::reference::{BoroughCode, WardCode};
use crate::{DecisionContext, DomainError, Timestamp};

/// The stream of one priority.
pub fn stream_id(priority_id: Uuid) -> StreamId {
    StreamId::new(format!("priority-{priority_id}"))
}

/// Where a proposed priority came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[serde(rename_all = "snake_case")]
pub enum PrioritySource {
    WardPanel,
    Survey,
    Meeting,
    Data,
}

/// How a priority is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[serde(rename_all = "snake_case")]
pub enum ProgressRating {
    OnTrack,
    AtRisk,
    OffTrack,
}

/// How a priority ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[serde(rename_all = "snake_case")]
pub enum PriorityOutcome {
    Achieved,
    NotAchieved,
    Superseded,
}

/// Where "you said, we did" feedback was published.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[serde(rename_all = "snake_case")]
pub enum FeedbackChannel {
    Website,
    Newsletter,
    PublicMeeting,
    WardPanelMeeting,
    SocialMedia,
}

/// A priority was put forward for the board to consider.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PriorityProposed {
    pub priority_id: Uuid,
    pub borough: BoroughCode,
    /// Set for a ward priority; absent for a borough-wide one.
    pub ward: Option<WardCode>,
    pub title: String,
    pub description: String,
    pub source: PrioritySource,
    /// The meeting it was raised at, if any.
    pub meeting_id: Option<Uuid>,
    pub evidence: Vec<EvidenceRef>,
    pub proposed_at: Timestamp,
}

/// The board adopted the priority.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PrioritySet {
    pub priority_id: Uuid,
    pub set_at: Timestamp,
    pub meeting_id: Uuid,
    pub evidence: Vec<EvidenceRef>,
    /// Who took the decision (e.g. "Board vote, 9 for 1 against").
    pub decided_by: String,
    /// How success will be judged.
    pub success_measure: String,
    pub review_due: NaiveDate,
}

/// The police reported progress against the priority.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PriorityProgressReported {
    pub priority_id: Uuid,
    pub reported_at: Timestamp,
    /// Who reported (role or unit, e.g. "Camden SNT Inspector").
    pub reported_by: String,
    pub rating: ProgressRating,
    pub summary: String,
    pub evidence: Vec<EvidenceRef>,
}

/// The board reviewed the priority.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PriorityReviewed {
    pub priority_id: Uuid,
    pub reviewed_at: Timestamp,
    pub meeting_id: Uuid,
    pub evidence: Vec<EvidenceRef>,
    pub assessment: ProgressRating,
    pub notes: String,
    pub next_review_due: Option<NaiveDate>,
}

/// The board closed the priority.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PriorityClosed {
    pub priority_id: Uuid,
    pub closed_at: Timestamp,
    pub meeting_id: Uuid,
    pub evidence: Vec<EvidenceRef>,
    pub outcome: PriorityOutcome,
    /// The priority that replaces this one (only for `superseded`).
    pub superseded_by: Option<Uuid>,
    pub notes: String,
}

/// "You said, we did": what people asked for and what was done, published back to them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PriorityFeedbackPublished {
    pub priority_id: Uuid,
    pub feedback_id: Uuid,
    pub published_at: Timestamp,
    pub you_said: String,
    pub we_did: String,
    pub channel: FeedbackChannel,
    pub url: Option<String>,
}

events! {
    pub enum Event {
        Proposed(PriorityProposed) = "PriorityProposed" v 1: "A borough or ward policing priority was proposed, with its source and evidence.",
        Set(PrioritySet) = "PrioritySet" v 1: "The board set a policing priority at a meeting, on evidence.",
        ProgressReported(PriorityProgressReported) = "PriorityProgressReported" v 1: "The police reported progress against a priority.",
        Reviewed(PriorityReviewed) = "PriorityReviewed" v 1: "The board reviewed a priority at a meeting, on evidence.",
        Closed(PriorityClosed) = "PriorityClosed" v 1: "The board closed a priority as achieved, not achieved or superseded.",
        FeedbackPublished(PriorityFeedbackPublished) = "PriorityFeedbackPublished" v 1: "\"You said, we did\" feedback on a priority was published.",
    }
}

/// Propose a local policing priority, with its source and evidence.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "graphql", derive(async_graphql::InputObject))]
pub struct ProposePriority {
    pub priority_id: Uuid,
    pub borough: BoroughCode,
    pub ward: Option<WardCode>,
    pub title: String,
    pub description: String,
    pub source: PrioritySource,
    pub meeting_id: Option<Uuid>,
    pub evidence: Vec<EvidenceRef>,
    pub proposed_at: Timestamp,
}

/// Set a proposed priority at a meeting, with a success measure and a review date.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "graphql", derive(async_graphql::InputObject))]
pub struct SetPriority {
    pub set_at: Timestamp,
    pub meeting_id: Uuid,
    pub evidence: Vec<EvidenceRef>,
    pub decided_by: String,
    pub success_measure: String,
    pub review_due: NaiveDate,
}

/// Report progress on a set priority.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "graphql", derive(async_graphql::InputObject))]
pub struct ReportPriorityProgress {
    pub reported_at: Timestamp,
    pub reported_by: String,
    pub rating: ProgressRating,
    pub summary: String,
    pub evidence: Vec<EvidenceRef>,
}

/// Review a set priority at a meeting.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "graphql", derive(async_graphql::InputObject))]
pub struct ReviewPriority {
    pub reviewed_at: Timestamp,
    pub meeting_id: Uuid,
    pub evidence: Vec<EvidenceRef>,
    pub assessment: ProgressRating,
    pub notes: String,
    pub next_review_due: Option<NaiveDate>,
}

/// Close a priority with its outcome.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "graphql", derive(async_graphql::InputObject))]
pub struct ClosePriority {
    pub closed_at: Timestamp,
    pub meeting_id: Uuid,
    pub evidence: Vec<EvidenceRef>,
    pub outcome: PriorityOutcome,
    pub superseded_by: Option<Uuid>,
    pub notes: String,
}

/// Publish "you said, we did" feedback on a priority.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "graphql", derive(async_graphql::InputObject))]
pub struct PublishPriorityFeedback {
    pub feedback_id: Uuid,
    pub published_at: Timestamp,
    pub you_said: String,
    pub we_did: String,
    pub channel: FeedbackChannel,
    pub url: Option<String>,
}

commands! {
    /// What can be done with a priority.
    pub enum Command {
        Propose(ProposePriority),
        Set(SetPriority),
        ReportProgress(ReportPriorityProgress),
        Review(ReviewPriority),
        Close(ClosePriority),
        PublishFeedback(PublishPriorityFeedback),
    }
}

/// Where a priority is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Status {
    #[default]
    NotProposed,
    Proposed,
    Set,
    Closed(PriorityOutcome),
}

/// A priority's state; `Default` is "not proposed".
#[derive(Debug, Clone, Default, PartialEq)]
pub struct State {
    pub status: Status,
    pub priority_id: Option<Uuid>,
    pub borough: Option<BoroughCode>,
    pub ward: Option<WardCode>,
    pub proposed_at: Option<Timestamp>,
    pub set_at: Option<Timestamp>,
    pub last_rating: Option<ProgressRating>,
    pub progress_reports: usize,
    pub reviews: usize,
    /// Every meeting at which a decision on this priority was taken.
    pub decision_meetings: Vec<Uuid>,
    pub feedback: BTreeSet<Uuid>,
}

impl State {
    pub fn apply(&mut self, event: &Event) {
        match event {
            Event::Proposed(e) => {
                self.status = Status::Proposed;
                self.priority_id = Some(e.priority_id);
                self.borough = Some(e.borough.clone());
                self.ward = e.ward.clone();
                self.proposed_at = Some(e.proposed_at);
            }
            Event::Set(e) => {
                self.status = Status::Set;
                self.set_at = Some(e.set_at);
                self.decision_meetings.push(e.meeting_id);
            }
            Event::ProgressReported(e) => {
                self.progress_reports += 1;
                self.last_rating = Some(e.rating);
            }
            Event::Reviewed(e) => {
                self.reviews += 1;
                self.last_rating = Some(e.assessment);
                self.decision_meetings.push(e.meeting_id);
            }
            Event::Closed(e) => {
                self.status = Status::Closed(e.outcome);
                self.decision_meetings.push(e.meeting_id);
            }
            Event::FeedbackPublished(e) => {
                self.feedback.insert(e.feedback_id);
            }
        }
    }

    fn status_text(&self) -> String {
        match self.status {
            Status::NotProposed => "not proposed".into(),
            Status::Proposed => "proposed, not yet set".into(),
            Status::Set => "set".into(),
            Status::Closed(o) => format!("closed ({o:?})").to_lowercase(),
        }
    }
}

aggregate!(Priority, "priority");

const KIND: &str = "priority";

/// Decide a priority command.
pub fn decide(
    state: &State,
    command: Command,
    ctx: &DecisionContext<'_>,
) -> Result<Vec<Event>, DomainError> {
    if let Command::Propose(ProposePriority {
        priority_id,
        borough,
        ward,
        title,
        description,
        source,
        meeting_id,
        evidence,
        proposed_at,
    }) = command
    {
        if state.status != Status::NotProposed {
            return Err(DomainError::already_exists(KIND, priority_id));
        }
        ctx.borough(&borough)?;
        match &ward {
            Some(w) => {
                ctx.ward_in_borough(w, &borough)?;
            }
            None if source == PrioritySource::WardPanel => {
                return Err(DomainError::Required { field: "ward" });
            }
            None => {}
        }
        required("title", &title)?;
        ctx.not_future("proposed_at", proposed_at)?;
        return Ok(vec![
            PriorityProposed {
                priority_id,
                borough,
                ward,
                title,
                description,
                source,
                meeting_id,
                evidence,
                proposed_at,
            }
            .into(),
        ]);
    }
    let (Some(priority_id), Some(proposed_at)) = (state.priority_id, state.proposed_at) else {
        return Err(DomainError::unknown(KIND, "(not proposed)"));
    };
    let must_be_set = |action: &'static str| {
        if state.status == Status::Set {
            Ok(())
        } else {
            Err(DomainError::invalid_state(
                KIND,
                priority_id,
                action,
                state.status_text(),
            ))
        }
    };
    let event: Event = match command {
        Command::Propose(ProposePriority { .. }) => {
            return Err(DomainError::already_exists(KIND, priority_id));
        }
        Command::Set(SetPriority {
            set_at,
            meeting_id,
            evidence,
            decided_by,
            success_measure,
            review_due,
        }) => {
            if state.status != Status::Proposed {
                return Err(DomainError::already(KIND, priority_id, state.status_text()));
            }
            evidence_given(&evidence)?;
            required("decided_by", &decided_by)?;
            required("success_measure", &success_measure)?;
            ordered("proposed_at", &proposed_at, "set_at", &set_at)?;
            ctx.not_future("set_at", set_at)?;
            ordered("set_at", &set_at.date_naive(), "review_due", &review_due)?;
            PrioritySet {
                priority_id,
                set_at,
                meeting_id,
                evidence,
                decided_by,
                success_measure,
                review_due,
            }
            .into()
        }
        Command::ReportProgress(ReportPriorityProgress {
            reported_at,
            reported_by,
            rating,
            summary,
            evidence,
        }) => {
            must_be_set("report progress on")?;
            required("reported_by", &reported_by)?;
            required("summary", &summary)?;
            ctx.not_future("reported_at", reported_at)?;
            PriorityProgressReported {
                priority_id,
                reported_at,
                reported_by,
                rating,
                summary,
                evidence,
            }
            .into()
        }
        Command::Review(ReviewPriority {
            reviewed_at,
            meeting_id,
            evidence,
            assessment,
            notes,
            next_review_due,
        }) => {
            must_be_set("review")?;
            evidence_given(&evidence)?;
            required("notes", &notes)?;
            ctx.not_future("reviewed_at", reviewed_at)?;
            if let Some(due) = &next_review_due {
                ordered(
                    "reviewed_at",
                    &reviewed_at.date_naive(),
                    "next_review_due",
                    due,
                )?;
            }
            PriorityReviewed {
                priority_id,
                reviewed_at,
                meeting_id,
                evidence,
                assessment,
                notes,
                next_review_due,
            }
            .into()
        }
        Command::Close(ClosePriority {
            closed_at,
            meeting_id,
            evidence,
            outcome,
            superseded_by,
            notes,
        }) => {
            if let Status::Closed(_) = state.status {
                return Err(DomainError::already(KIND, priority_id, state.status_text()));
            }
            must_be_set("close")?;
            evidence_given(&evidence)?;
            match (outcome, superseded_by) {
                (PriorityOutcome::Superseded, None) => {
                    return Err(DomainError::Required {
                        field: "superseded_by",
                    });
                }
                (PriorityOutcome::Superseded, Some(by)) if by == priority_id => {
                    return Err(DomainError::invalid(
                        "superseded_by",
                        "a priority cannot supersede itself",
                    ));
                }
                (PriorityOutcome::Achieved | PriorityOutcome::NotAchieved, Some(_)) => {
                    return Err(DomainError::invalid(
                        "superseded_by",
                        "only a superseded priority names its successor",
                    ));
                }
                _ => {}
            }
            if let Some(set_at) = state.set_at {
                ordered("set_at", &set_at, "closed_at", &closed_at)?;
            }
            ctx.not_future("closed_at", closed_at)?;
            PriorityClosed {
                priority_id,
                closed_at,
                meeting_id,
                evidence,
                outcome,
                superseded_by,
                notes,
            }
            .into()
        }
        Command::PublishFeedback(PublishPriorityFeedback {
            feedback_id,
            published_at,
            you_said,
            we_did,
            channel,
            url,
        }) => {
            if !matches!(state.status, Status::Set | Status::Closed(_)) {
                return Err(DomainError::invalid_state(
                    KIND,
                    priority_id,
                    "publish feedback on",
                    state.status_text(),
                ));
            }
            if state.feedback.contains(&feedback_id) {
                return Err(DomainError::already_exists("feedback", feedback_id));
            }
            required("you_said", &you_said)?;
            required("we_did", &we_did)?;
            ctx.not_future("published_at", published_at)?;
            PriorityFeedbackPublished {
                priority_id,
                feedback_id,
                published_at,
                you_said,
                we_did,
                channel,
                url,
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
    use crate::common::EvidenceKind;
    use crate::testkit::*;

    fn evidence() -> Vec<EvidenceRef> {
        vec![EvidenceRef::new(
            EvidenceKind::CrimeData,
            "data.police.uk 2025-04 Camden",
        )]
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
    }

    fn propose() -> Command {
        Command::Propose(ProposePriority {
            priority_id: id(1),
            borough: CAMDEN.into(),
            ward: Some(CAMDEN_WARD.into()),
            title: "Drug dealing near Kentish Town station".into(),
            description: "Residents report open dealing in the evenings".into(),
            source: PrioritySource::WardPanel,
            meeting_id: None,
            evidence: evidence(),
            proposed_at: days_ago(120),
        })
    }

    fn set() -> Command {
        Command::Set(SetPriority {
            set_at: days_ago(110),
            meeting_id: id(50),
            evidence: evidence(),
            decided_by: "Board vote".into(),
            success_measure: "Fewer drug-related calls over six months".into(),
            review_due: d(2025, 6, 1),
        })
    }

    fn close() -> Command {
        Command::Close(ClosePriority {
            closed_at: days_ago(5),
            meeting_id: id(52),
            evidence: evidence(),
            outcome: PriorityOutcome::Achieved,
            superseded_by: None,
            notes: "Calls down 40%".into(),
        })
    }

    fn run(state: &mut State, cmd: Command) -> Result<Vec<Event>, DomainError> {
        let events = decide(state, cmd, &ctx())?;
        for e in &events {
            state.apply(e);
        }
        Ok(events)
    }

    pub(crate) fn samples() -> Vec<Event> {
        let mut s = State::default();
        let cmds = vec![
            propose(),
            set(),
            Command::ReportProgress(ReportPriorityProgress {
                reported_at: days_ago(60),
                reported_by: "Camden SNT Inspector".into(),
                rating: ProgressRating::OnTrack,
                summary: "Weekly plain-clothes patrols; 12 arrests".into(),
                evidence: vec![],
            }),
            Command::Review(ReviewPriority {
                reviewed_at: days_ago(50),
                meeting_id: id(51),
                evidence: evidence(),
                assessment: ProgressRating::OnTrack,
                notes: "Continue".into(),
                next_review_due: Some(d(2025, 9, 1)),
            }),
            Command::PublishFeedback(PublishPriorityFeedback {
                feedback_id: id(70),
                published_at: days_ago(40),
                you_said: "Drug dealing near the station worries you".into(),
                we_did: "Weekly patrols and 12 arrests".into(),
                channel: FeedbackChannel::Website,
                url: Some("https://example.org/you-said-we-did".into()),
            }),
            close(),
        ];
        cmds.into_iter()
            .flat_map(|c| run(&mut s, c).expect("valid"))
            .collect()
    }

    #[test]
    fn full_lifecycle_links_meetings() {
        let s = Priority::fold(&samples());
        assert_eq!(s.status, Status::Closed(PriorityOutcome::Achieved));
        assert_eq!(s.decision_meetings, vec![id(50), id(51), id(52)]);
        assert_eq!((s.progress_reports, s.reviews, s.feedback.len()), (1, 1, 1));
        assert_eq!(stream_id(id(1)).as_str(), format!("priority-{}", id(1)));
    }

    #[test]
    fn proposal_errors() {
        let mut p = propose();
        if let Command::Propose(ProposePriority { ward, .. }) = &mut p {
            *ward = Some(HACKNEY_WARD.into());
        }
        assert!(matches!(
            decide(&State::default(), p, &ctx()),
            Err(DomainError::WardNotInBorough { .. })
        ));
        let mut p = propose();
        if let Command::Propose(ProposePriority { ward, .. }) = &mut p {
            *ward = None;
        }
        assert_eq!(
            decide(&State::default(), p, &ctx()),
            Err(DomainError::Required { field: "ward" })
        );
        assert!(matches!(
            decide(&State::default(), set(), &ctx()),
            Err(DomainError::Unknown {
                kind: "priority",
                ..
            })
        ));
    }

    #[test]
    fn decisions_need_evidence_and_order() {
        let mut s = State::default();
        run(&mut s, propose()).expect("propose");
        let mut no_evidence = set();
        if let Command::Set(SetPriority { evidence, .. }) = &mut no_evidence {
            evidence.clear();
        }
        assert_eq!(
            decide(&s, no_evidence, &ctx()),
            Err(DomainError::Required { field: "evidence" })
        );
        assert!(matches!(
            decide(&s, close(), &ctx()),
            Err(DomainError::InvalidState {
                action: "close",
                ..
            })
        ));
        let mut early_review = set();
        if let Command::Set(SetPriority { review_due, .. }) = &mut early_review {
            *review_due = d(2024, 1, 1);
        }
        assert!(matches!(
            decide(&s, early_review, &ctx()),
            Err(DomainError::EndBeforeStart {
                end_field: "review_due",
                ..
            })
        ));
        run(&mut s, set()).expect("set");
        assert!(matches!(
            decide(&s, set(), &ctx()),
            Err(DomainError::Already { .. })
        ));
        let superseded_self = Command::Close(ClosePriority {
            closed_at: days_ago(1),
            meeting_id: id(52),
            evidence: evidence(),
            outcome: PriorityOutcome::Superseded,
            superseded_by: Some(id(1)),
            notes: String::new(),
        });
        assert!(matches!(
            decide(&s, superseded_self, &ctx()),
            Err(DomainError::Invalid {
                field: "superseded_by",
                ..
            })
        ));
        let superseded_none = Command::Close(ClosePriority {
            closed_at: days_ago(1),
            meeting_id: id(52),
            evidence: evidence(),
            outcome: PriorityOutcome::Superseded,
            superseded_by: None,
            notes: String::new(),
        });
        assert_eq!(
            decide(&s, superseded_none, &ctx()),
            Err(DomainError::Required {
                field: "superseded_by"
            })
        );
        run(&mut s, close()).expect("close");
        assert!(matches!(
            decide(&s, close(), &ctx()),
            Err(DomainError::Already { .. })
        ));
        let progress_after_close = Command::ReportProgress(ReportPriorityProgress {
            reported_at: days_ago(1),
            reported_by: "x".into(),
            rating: ProgressRating::AtRisk,
            summary: "x".into(),
            evidence: vec![],
        });
        assert!(matches!(
            decide(&s, progress_after_close, &ctx()),
            Err(DomainError::InvalidState { .. })
        ));
        let feedback = Command::PublishFeedback(PublishPriorityFeedback {
            feedback_id: id(71),
            published_at: days_ago(1),
            you_said: "a".into(),
            we_did: "b".into(),
            channel: FeedbackChannel::Newsletter,
            url: None,
        });
        run(&mut s, feedback.clone()).expect("feedback after close is fine");
        assert!(matches!(
            decide(&s, feedback, &ctx()),
            Err(DomainError::AlreadyExists {
                kind: "feedback",
                ..
            })
        ));
    }

    #[test]
    fn feedback_before_set_is_refused() {
        let mut s = State::default();
        run(&mut s, propose()).expect("propose");
        let feedback = Command::PublishFeedback(PublishPriorityFeedback {
            feedback_id: id(71),
            published_at: days_ago(1),
            you_said: "a".into(),
            we_did: "b".into(),
            channel: FeedbackChannel::Newsletter,
            url: None,
        });
        assert!(matches!(
            decide(&s, feedback, &ctx()),
            Err(DomainError::InvalidState {
                action: "publish feedback on",
                ..
            })
        ));
    }
}
