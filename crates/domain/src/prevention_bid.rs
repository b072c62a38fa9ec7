//! Bids to MOPAC's crime prevention fund: submitted by a board against an open round
//! (amount in pence, the project, the outcomes promised), assessed, approved (possibly for
//! less) / rejected / withdrawn, funds released in tranches up to the approved amount, and
//! milestones and outcomes reported. Stream: `bid-<uuid>`.
//!
//! `PreventionBidSubmitted` is at v2 (amount in integer pence); v1 (amount in pounds as a
//! decimal) is upcast by [`legacy`].

use engage_log::StreamId;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::context::{non_empty, ordered, positive, required};
use crate::reference::BoroughCode;
use crate::{DecisionContext, DomainError, Timestamp};

/// The stream of one bid.
pub fn stream_id(bid_id: Uuid) -> StreamId {
    StreamId::new(format!("bid-{bid_id}"))
}

/// An outcome a bid promises, and how it will be measured.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(
    feature = "graphql",
    derive(async_graphql::InputObject),
    graphql(name = "PromisedOutcomeInput")
)]
pub struct PromisedOutcome {
    pub description: String,
    pub measure: String,
    pub target: String,
}

/// The assessor's recommendation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[serde(rename_all = "snake_case")]
pub enum Recommendation {
    Fund,
    FundInPart,
    DoNotFund,
}

/// A board bid for a crime prevention project (v2: amount in pence).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PreventionBidSubmitted {
    pub bid_id: Uuid,
    pub round_id: Uuid,
    pub borough: BoroughCode,
    pub project_title: String,
    pub project_summary: String,
    /// Amount requested, in pence.
    pub amount_pence: i64,
    pub outcomes: Vec<PromisedOutcome>,
    pub submitted_at: Timestamp,
}

/// MOPAC assessed the bid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PreventionBidAssessed {
    pub bid_id: Uuid,
    pub assessed_at: Timestamp,
    /// 0 to 100.
    pub score: u8,
    pub recommendation: Recommendation,
    pub notes: String,
}

/// MOPAC approved the bid, for the requested amount or less.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PreventionBidApproved {
    pub bid_id: Uuid,
    pub approved_at: Timestamp,
    pub approved_amount_pence: i64,
    pub conditions: Vec<String>,
}

/// MOPAC rejected the bid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PreventionBidRejected {
    pub bid_id: Uuid,
    pub rejected_at: Timestamp,
    pub reason: String,
}

/// The board withdrew the bid before a decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PreventionBidWithdrawn {
    pub bid_id: Uuid,
    pub withdrawn_at: Timestamp,
    pub reason: String,
}

/// A tranche of an approved bid's money was paid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PreventionFundsReleased {
    pub bid_id: Uuid,
    pub release_id: Uuid,
    pub released_at: Timestamp,
    pub amount_pence: i64,
    /// Everything released for this bid so far, this tranche included.
    pub total_released_pence: i64,
}

/// The project reported a milestone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PreventionBidMilestoneReported {
    pub bid_id: Uuid,
    pub reported_at: Timestamp,
    pub milestone: String,
    pub achieved: bool,
    pub note: Option<String>,
}

/// The project reported the result against one of its promised outcomes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PreventionBidOutcomeReported {
    pub bid_id: Uuid,
    pub reported_at: Timestamp,
    /// Index into the bid's `outcomes`.
    pub outcome_index: u32,
    pub result: String,
    pub achieved: bool,
}

events! {
    pub enum Event {
        Submitted(PreventionBidSubmitted) = "PreventionBidSubmitted" v 2: "A board bid to a crime prevention fund round (amount in pence).",
        Assessed(PreventionBidAssessed) = "PreventionBidAssessed" v 1: "MOPAC assessed a prevention-fund bid (score, recommendation).",
        Approved(PreventionBidApproved) = "PreventionBidApproved" v 1: "MOPAC approved a prevention-fund bid for an amount.",
        Rejected(PreventionBidRejected) = "PreventionBidRejected" v 1: "MOPAC rejected a prevention-fund bid.",
        Withdrawn(PreventionBidWithdrawn) = "PreventionBidWithdrawn" v 1: "The board withdrew a prevention-fund bid before a decision.",
        FundsReleased(PreventionFundsReleased) = "PreventionFundsReleased" v 1: "A tranche of an approved bid's funds was released.",
        MilestoneReported(PreventionBidMilestoneReported) = "PreventionBidMilestoneReported" v 1: "A funded project reported a milestone.",
        OutcomeReported(PreventionBidOutcomeReported) = "PreventionBidOutcomeReported" v 1: "A funded project reported its result against a promised outcome.",
    }
}

/// Submit a board's bid for a crime prevention project to an open fund round.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "graphql", derive(async_graphql::InputObject))]
pub struct SubmitPreventionBid {
    pub bid_id: Uuid,
    pub round_id: Uuid,
    pub borough: BoroughCode,
    pub project_title: String,
    pub project_summary: String,
    pub amount_pence: i64,
    pub outcomes: Vec<PromisedOutcome>,
    pub submitted_at: Timestamp,
}

/// Record the assessment of a submitted bid (score and recommendation).
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "graphql", derive(async_graphql::InputObject))]
pub struct AssessPreventionBid {
    pub assessed_at: Timestamp,
    pub score: u8,
    pub recommendation: Recommendation,
    pub notes: String,
}

/// Approve a bid for an amount, with conditions.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "graphql", derive(async_graphql::InputObject))]
pub struct ApprovePreventionBid {
    pub approved_at: Timestamp,
    pub approved_amount_pence: i64,
    pub conditions: Vec<String>,
}

/// Reject a bid, with the reason.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "graphql", derive(async_graphql::InputObject))]
pub struct RejectPreventionBid {
    pub rejected_at: Timestamp,
    pub reason: String,
}

/// Withdraw a bid before it is decided.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "graphql", derive(async_graphql::InputObject))]
pub struct WithdrawPreventionBid {
    pub withdrawn_at: Timestamp,
    pub reason: String,
}

/// Release approved funds to a bid (in one or more instalments).
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "graphql", derive(async_graphql::InputObject))]
pub struct ReleasePreventionFunds {
    pub release_id: Uuid,
    pub released_at: Timestamp,
    pub amount_pence: i64,
}

/// Report a milestone of an approved project.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "graphql", derive(async_graphql::InputObject))]
pub struct ReportPreventionBidMilestone {
    pub reported_at: Timestamp,
    pub milestone: String,
    pub achieved: bool,
    pub note: Option<String>,
}

/// Report the result against one of the bid's promised outcomes.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "graphql", derive(async_graphql::InputObject))]
pub struct ReportPreventionBidOutcome {
    pub reported_at: Timestamp,
    pub outcome_index: u32,
    pub result: String,
    pub achieved: bool,
}

commands! {
    /// What can be done with a prevention-fund bid.
    pub enum Command {
        Submit(SubmitPreventionBid),
        Assess(AssessPreventionBid),
        Approve(ApprovePreventionBid),
        Reject(RejectPreventionBid),
        Withdraw(WithdrawPreventionBid),
        ReleaseFunds(ReleasePreventionFunds),
        ReportMilestone(ReportPreventionBidMilestone),
        ReportOutcome(ReportPreventionBidOutcome),
    }
}

/// Where a bid is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Status {
    #[default]
    NotSubmitted,
    Submitted,
    Assessed,
    Approved,
    Rejected,
    Withdrawn,
}

/// A bid's state; `Default` is "not submitted".
#[derive(Debug, Clone, Default, PartialEq)]
pub struct State {
    pub status: Status,
    pub bid_id: Option<Uuid>,
    pub requested_pence: i64,
    pub approved_pence: i64,
    pub released_pence: i64,
    pub submitted_at: Option<Timestamp>,
    pub outcomes: usize,
    pub releases: Vec<Uuid>,
}

impl State {
    pub fn apply(&mut self, event: &Event) {
        match event {
            Event::Submitted(e) => {
                self.status = Status::Submitted;
                self.bid_id = Some(e.bid_id);
                self.requested_pence = e.amount_pence;
                self.submitted_at = Some(e.submitted_at);
                self.outcomes = e.outcomes.len();
            }
            Event::Assessed(_) => self.status = Status::Assessed,
            Event::Approved(e) => {
                self.status = Status::Approved;
                self.approved_pence = e.approved_amount_pence;
            }
            Event::Rejected(_) => self.status = Status::Rejected,
            Event::Withdrawn(_) => self.status = Status::Withdrawn,
            Event::FundsReleased(e) => {
                self.released_pence = e.total_released_pence;
                self.releases.push(e.release_id);
            }
            Event::MilestoneReported(_) | Event::OutcomeReported(_) => {}
        }
    }

    fn decided(&self) -> Option<&'static str> {
        match self.status {
            Status::Approved => Some("decided (approved)"),
            Status::Rejected => Some("decided (rejected)"),
            Status::Withdrawn => Some("withdrawn"),
            _ => None,
        }
    }
}

aggregate!(PreventionBid, "bid");

const KIND: &str = "bid";

pub fn decide(
    state: &State,
    command: Command,
    ctx: &DecisionContext<'_>,
) -> Result<Vec<Event>, DomainError> {
    if let Command::Submit(SubmitPreventionBid {
        bid_id,
        round_id,
        borough,
        project_title,
        project_summary,
        amount_pence,
        outcomes,
        submitted_at,
    }) = command
    {
        if state.status != Status::NotSubmitted {
            return Err(DomainError::already_exists(KIND, bid_id));
        }
        ctx.borough(&borough)?;
        let round = ctx
            .lookups
            .fund_round(round_id)
            .ok_or_else(|| DomainError::unknown("fund round", round_id))?;
        if !round.open || submitted_at < round.opens_at || submitted_at > round.closes_at {
            return Err(DomainError::invalid_state(
                "fund round",
                round_id,
                "bid to",
                "not open for bids at that time",
            ));
        }
        ctx.not_future("submitted_at", submitted_at)?;
        required("project_title", &project_title)?;
        positive("amount_pence", amount_pence)?;
        non_empty("outcomes", &outcomes)?;
        for o in &outcomes {
            required("outcomes.description", &o.description)?;
        }
        return Ok(vec![
            PreventionBidSubmitted {
                bid_id,
                round_id,
                borough,
                project_title,
                project_summary,
                amount_pence,
                outcomes,
                submitted_at,
            }
            .into(),
        ]);
    }
    let (Some(bid_id), Some(submitted_at)) = (state.bid_id, state.submitted_at) else {
        return Err(DomainError::unknown(KIND, "(not submitted)"));
    };
    let undecided = || match state.decided() {
        Some(status) => Err(DomainError::already(KIND, bid_id, status)),
        None => Ok(()),
    };
    let approved = |action| {
        if state.status == Status::Approved {
            Ok(())
        } else {
            Err(DomainError::invalid_state(
                KIND,
                bid_id,
                action,
                "not approved",
            ))
        }
    };
    let event: Event = match command {
        Command::Submit(SubmitPreventionBid { .. }) => {
            return Err(DomainError::already_exists(KIND, bid_id));
        }
        Command::Assess(AssessPreventionBid {
            assessed_at,
            score,
            recommendation,
            notes,
        }) => {
            undecided()?;
            if state.status == Status::Assessed {
                return Err(DomainError::already(KIND, bid_id, "assessed"));
            }
            if score > 100 {
                return Err(DomainError::ExceedsLimit {
                    field: "score",
                    value: i64::from(score),
                    limit_name: "the maximum score",
                    limit: 100,
                });
            }
            ordered("submitted_at", &submitted_at, "assessed_at", &assessed_at)?;
            ctx.not_future("assessed_at", assessed_at)?;
            PreventionBidAssessed {
                bid_id,
                assessed_at,
                score,
                recommendation,
                notes,
            }
            .into()
        }
        Command::Approve(ApprovePreventionBid {
            approved_at,
            approved_amount_pence,
            conditions,
        }) => {
            undecided()?;
            if state.status != Status::Assessed {
                return Err(DomainError::invalid_state(
                    KIND,
                    bid_id,
                    "approve",
                    "not yet assessed",
                ));
            }
            positive("approved_amount_pence", approved_amount_pence)?;
            if approved_amount_pence > state.requested_pence {
                return Err(DomainError::ExceedsLimit {
                    field: "approved_amount_pence",
                    value: approved_amount_pence,
                    limit_name: "the amount requested",
                    limit: state.requested_pence,
                });
            }
            ctx.not_future("approved_at", approved_at)?;
            PreventionBidApproved {
                bid_id,
                approved_at,
                approved_amount_pence,
                conditions,
            }
            .into()
        }
        Command::Reject(RejectPreventionBid {
            rejected_at,
            reason,
        }) => {
            undecided()?;
            if state.status != Status::Assessed {
                return Err(DomainError::invalid_state(
                    KIND,
                    bid_id,
                    "reject",
                    "not yet assessed",
                ));
            }
            required("reason", &reason)?;
            ctx.not_future("rejected_at", rejected_at)?;
            PreventionBidRejected {
                bid_id,
                rejected_at,
                reason,
            }
            .into()
        }
        Command::Withdraw(WithdrawPreventionBid {
            withdrawn_at,
            reason,
        }) => {
            undecided()?;
            required("reason", &reason)?;
            ctx.not_future("withdrawn_at", withdrawn_at)?;
            PreventionBidWithdrawn {
                bid_id,
                withdrawn_at,
                reason,
            }
            .into()
        }
        Command::ReleaseFunds(ReleasePreventionFunds {
            release_id,
            released_at,
            amount_pence,
        }) => {
            approved("release funds for")?;
            if state.releases.contains(&release_id) {
                return Err(DomainError::already_exists("release", release_id));
            }
            positive("amount_pence", amount_pence)?;
            let total = state.released_pence.saturating_add(amount_pence);
            if total > state.approved_pence {
                return Err(DomainError::ExceedsLimit {
                    field: "total released",
                    value: total,
                    limit_name: "the amount approved",
                    limit: state.approved_pence,
                });
            }
            ctx.not_future("released_at", released_at)?;
            PreventionFundsReleased {
                bid_id,
                release_id,
                released_at,
                amount_pence,
                total_released_pence: total,
            }
            .into()
        }
        Command::ReportMilestone(ReportPreventionBidMilestone {
            reported_at,
            milestone,
            achieved,
            note,
        }) => {
            approved("report a milestone for")?;
            required("milestone", &milestone)?;
            ctx.not_future("reported_at", reported_at)?;
            PreventionBidMilestoneReported {
                bid_id,
                reported_at,
                milestone,
                achieved,
                note,
            }
            .into()
        }
        Command::ReportOutcome(ReportPreventionBidOutcome {
            reported_at,
            outcome_index,
            result,
            achieved,
        }) => {
            approved("report an outcome for")?;
            if usize::try_from(outcome_index).map_or(true, |i| i >= state.outcomes) {
                return Err(DomainError::unknown("promised outcome", outcome_index));
            }
            required("result", &result)?;
            ctx.not_future("reported_at", reported_at)?;
            PreventionBidOutcomeReported {
                bid_id,
                reported_at,
                outcome_index,
                result,
                achieved,
            }
            .into()
        }
    };
    Ok(vec![event])
}

/// Superseded versions of this module's events and their upcasters.
pub mod legacy {
    use super::*;
    use crate::DomainEvent;
    use crate::catalogue::{CatalogueEntry, DecodeError, LegacyEntry, schema_of, upcast_via};

    /// `PreventionBidSubmitted` v1: the amount was in pounds, as a decimal number.
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
    pub struct PreventionBidSubmittedV1 {
        pub bid_id: Uuid,
        pub round_id: Uuid,
        pub borough: BoroughCode,
        pub project_title: String,
        pub project_summary: String,
        /// Amount requested, in pounds (e.g. 12500.5).
        pub amount_pounds: f64,
        pub outcomes: Vec<PromisedOutcome>,
        pub submitted_at: Timestamp,
    }

    /// Pounds as a decimal to whole pence (rounded to the nearest penny).
    pub fn pounds_to_pence(pounds: f64) -> Result<i64, String> {
        let pence = (pounds * 100.0).round();
        if !pence.is_finite() || pence <= 0.0 || pence > 9.0e15 {
            return Err(format!("amount_pounds {pounds} is not a positive amount"));
        }
        // In range and integral, checked above.
        #[allow(clippy::cast_possible_truncation)]
        Ok(pence as i64)
    }

    impl TryFrom<PreventionBidSubmittedV1> for PreventionBidSubmitted {
        type Error = String;
        fn try_from(v1: PreventionBidSubmittedV1) -> Result<Self, String> {
            Ok(Self {
                bid_id: v1.bid_id,
                round_id: v1.round_id,
                borough: v1.borough,
                project_title: v1.project_title,
                project_summary: v1.project_summary,
                amount_pence: pounds_to_pence(v1.amount_pounds)?,
                outcomes: v1.outcomes,
                submitted_at: v1.submitted_at,
            })
        }
    }

    fn upcast_submitted_v1(payload: &engage_log::Payload) -> Result<DomainEvent, DecodeError> {
        upcast_via::<PreventionBidSubmittedV1, PreventionBidSubmitted>(
            "PreventionBidSubmitted",
            1,
            payload,
        )
        .map(|e| DomainEvent::PreventionBid(Event::Submitted(e)))
    }

    pub const SUBMITTED_V1: LegacyEntry = LegacyEntry {
        entry: CatalogueEntry {
            event_type: "PreventionBidSubmitted",
            schema_version: 1,
            summary: "A board bid to a crime prevention fund round (amount in pounds).",
            schema: schema_of::<PreventionBidSubmittedV1>,
        },
        upcast: upcast_submitted_v1,
    };
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::Aggregate;
    use crate::testkit::*;
    use chrono::Duration;

    fn submit() -> Command {
        Command::Submit(SubmitPreventionBid {
            bid_id: id(1),
            round_id: OPEN_ROUND,
            borough: CAMDEN.into(),
            project_title: "Youth diversion boxing club".into(),
            project_summary: "Evening sessions for 11-17 year olds".into(),
            amount_pence: 1_250_000,
            outcomes: vec![PromisedOutcome {
                description: "Young people engaged".into(),
                measure: "Attendance register".into(),
                target: "60 regular attendees".into(),
            }],
            submitted_at: days_ago(30),
        })
    }

    fn assess() -> Command {
        Command::Assess(AssessPreventionBid {
            assessed_at: days_ago(20),
            score: 78,
            recommendation: Recommendation::FundInPart,
            notes: "Strong; equipment costs high".into(),
        })
    }

    fn approve(amount: i64) -> Command {
        Command::Approve(ApprovePreventionBid {
            approved_at: days_ago(15),
            approved_amount_pence: amount,
            conditions: vec!["Quarterly attendance returns".into()],
        })
    }

    fn run(state: &mut State, cmd: Command) -> Result<Vec<Event>, DomainError> {
        let events = decide(state, cmd, &ctx())?;
        events.iter().for_each(|e| state.apply(e));
        Ok(events)
    }

    pub(crate) fn samples() -> Vec<Event> {
        let mut s = State::default();
        let mut all: Vec<Event> = [
            submit(),
            assess(),
            approve(1_000_000),
            Command::ReleaseFunds(ReleasePreventionFunds {
                release_id: id(2),
                released_at: days_ago(10),
                amount_pence: 500_000,
            }),
            Command::ReportMilestone(ReportPreventionBidMilestone {
                reported_at: days_ago(5),
                milestone: "Venue booked".into(),
                achieved: true,
                note: None,
            }),
            Command::ReportOutcome(ReportPreventionBidOutcome {
                reported_at: days_ago(1),
                outcome_index: 0,
                result: "48 regular attendees".into(),
                achieved: false,
            }),
        ]
        .into_iter()
        .flat_map(|c| run(&mut s, c).expect("valid"))
        .collect();
        let mut rejected = State::default();
        for c in [
            submit(),
            assess(),
            Command::Reject(RejectPreventionBid {
                rejected_at: days_ago(1),
                reason: "Duplicates existing provision".into(),
            }),
        ] {
            all.extend(run(&mut rejected, c).expect("valid"));
        }
        let mut withdrawn = State::default();
        for c in [
            submit(),
            Command::Withdraw(WithdrawPreventionBid {
                withdrawn_at: days_ago(1),
                reason: "Venue fell through".into(),
            }),
        ] {
            all.extend(run(&mut withdrawn, c).expect("valid"));
        }
        all
    }

    #[test]
    fn approved_bid_lifecycle() {
        let events = samples();
        let s = PreventionBid::fold(events.iter().take(6));
        assert_eq!(s.status, Status::Approved);
        assert_eq!(
            (s.requested_pence, s.approved_pence, s.released_pence),
            (1_250_000, 1_000_000, 500_000)
        );
        assert_eq!(stream_id(id(1)).as_str(), format!("bid-{}", id(1)));
    }

    #[test]
    fn submission_errors() {
        let mut c = submit();
        if let Command::Submit(SubmitPreventionBid { amount_pence, .. }) = &mut c {
            *amount_pence = 0;
        }
        assert_eq!(
            decide(&State::default(), c, &ctx()),
            Err(DomainError::NotPositive {
                field: "amount_pence",
                value: 0
            })
        );
        let mut c = submit();
        if let Command::Submit(SubmitPreventionBid { round_id, .. }) = &mut c {
            *round_id = id(99);
        }
        assert!(matches!(
            decide(&State::default(), c, &ctx()),
            Err(DomainError::Unknown {
                kind: "fund round",
                ..
            })
        ));
        let mut c = submit();
        if let Command::Submit(SubmitPreventionBid { submitted_at, .. }) = &mut c {
            *submitted_at = days_ago(90);
        }
        assert!(matches!(
            decide(&State::default(), c, &ctx()),
            Err(DomainError::InvalidState {
                kind: "fund round",
                ..
            })
        ));
        let mut c = submit();
        if let Command::Submit(SubmitPreventionBid { outcomes, .. }) = &mut c {
            outcomes.clear();
        }
        assert_eq!(
            decide(&State::default(), c, &ctx()),
            Err(DomainError::Required { field: "outcomes" })
        );
        assert!(matches!(
            decide(&State::default(), assess(), &ctx()),
            Err(DomainError::Unknown { kind: "bid", .. })
        ));
    }

    #[test]
    fn decision_errors() {
        let mut s = State::default();
        run(&mut s, submit()).expect("submit");
        assert!(matches!(
            decide(&s, approve(1), &ctx()),
            Err(DomainError::InvalidState {
                action: "approve",
                ..
            })
        ));
        run(&mut s, assess()).expect("assess");
        assert!(matches!(
            decide(&s, assess(), &ctx()),
            Err(DomainError::Already { .. })
        ));
        assert!(matches!(
            decide(&s, approve(2_000_000), &ctx()),
            Err(DomainError::ExceedsLimit {
                field: "approved_amount_pence",
                ..
            })
        ));
        assert!(matches!(
            decide(
                &s,
                Command::ReleaseFunds(ReleasePreventionFunds {
                    release_id: id(3),
                    released_at: days_ago(1),
                    amount_pence: 1
                }),
                &ctx()
            ),
            Err(DomainError::InvalidState { .. })
        ));
        run(&mut s, approve(1_000_000)).expect("approve");
        assert_eq!(
            decide(&s, approve(1_000_000), &ctx()),
            Err(DomainError::already("bid", id(1), "decided (approved)"))
        );
        assert_eq!(
            decide(
                &s,
                Command::Withdraw(WithdrawPreventionBid {
                    withdrawn_at: days_ago(1),
                    reason: "x".into()
                }),
                &ctx()
            ),
            Err(DomainError::already("bid", id(1), "decided (approved)"))
        );
        assert!(matches!(
            decide(
                &s,
                Command::ReleaseFunds(ReleasePreventionFunds {
                    release_id: id(3),
                    released_at: days_ago(1),
                    amount_pence: 1_000_001
                }),
                &ctx()
            ),
            Err(DomainError::ExceedsLimit {
                field: "total released",
                ..
            })
        ));
        assert!(matches!(
            decide(
                &s,
                Command::ReportOutcome(ReportPreventionBidOutcome {
                    reported_at: days_ago(1),
                    outcome_index: 5,
                    result: "x".into(),
                    achieved: true
                }),
                &ctx()
            ),
            Err(DomainError::Unknown {
                kind: "promised outcome",
                ..
            })
        ));
        assert!(matches!(
            decide(
                &s,
                Command::ReportMilestone(ReportPreventionBidMilestone {
                    reported_at: now() + Duration::days(1),
                    milestone: "m".into(),
                    achieved: true,
                    note: None
                }),
                &ctx()
            ),
            Err(DomainError::InFuture { .. })
        ));
    }

    #[test]
    fn v1_amount_in_pounds_upcasts_to_pence() {
        let v1 = serde_json::json!({
            "bid_id": id(1),
            "round_id": OPEN_ROUND,
            "borough": CAMDEN,
            "project_title": "Safer parks",
            "project_summary": "Lighting audit",
            "amount_pounds": 12500.5,
            "outcomes": [{"description": "d", "measure": "m", "target": "t"}],
            "submitted_at": "2016-02-01T09:00:00Z"
        });
        let payload = engage_log::Payload::from_value(&v1).expect("object");
        let decoded = crate::decode("PreventionBidSubmitted", 1, &payload).expect("upcast");
        let crate::DomainEvent::PreventionBid(Event::Submitted(e)) = decoded else {
            panic!("wrong event {decoded:?}");
        };
        assert_eq!(e.amount_pence, 1_250_050);
        assert_eq!(legacy::pounds_to_pence(0.1 + 0.2), Ok(30));
        let negative = serde_json::json!({
            "bid_id": id(1), "round_id": OPEN_ROUND, "borough": CAMDEN, "project_title": "p",
            "project_summary": "s", "amount_pounds": -3.0, "outcomes": [],
            "submitted_at": "2016-02-01T09:00:00Z"
        });
        let payload = engage_log::Payload::from_value(&negative).expect("object");
        assert!(matches!(
            crate::decode("PreventionBidSubmitted", 1, &payload),
            Err(crate::DecodeError::InvalidPayload {
                schema_version: 1,
                ..
            })
        ));
    }
}
