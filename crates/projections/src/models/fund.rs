//! MOPAC's crime prevention fund: every funding round (its pot and bidding window, when it
//! closed) and every bid against a round — the project and the outcomes it promised, the
//! assessment, the decision (approved for an amount, rejected or withdrawn), each tranche of
//! money released and the milestones and outcome results reported. Amounts are in pence.
//!
//! The helpers give the scorecard and MOPAC's analysts bids submitted, approved and the
//! amounts requested, approved and released, per borough and period and per round.
//! `PreventionBidSubmitted` v1 (pounds) reaches this model already upcast to pence.

use super::period::within;
use std::collections::BTreeMap;

use engage_domain::fund_round;
use engage_domain::prevention_bid::{self, Recommendation};
use engage_domain::{BoroughCode, DomainEvent, Timestamp};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::provenance::Provenance;
use crate::event::ProjectedEvent;
use crate::model::ReadModel;

/// Whether a round takes bids.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum RoundStatus {
    Open,
    Closed,
}

/// One funding round.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FundRound {
    pub round_id: Uuid,
    pub name: String,
    /// The pot, in pence.
    pub pot_pence: i64,
    pub opens_at: Timestamp,
    pub closes_at: Timestamp,
    pub status: RoundStatus,
    pub closed_at: Option<Timestamp>,
    pub provenance: Provenance,
}

/// Where a bid is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum BidStatus {
    Submitted,
    Assessed,
    Approved,
    Rejected,
    Withdrawn,
}

impl BidStatus {
    fn rank(self) -> u8 {
        match self {
            Self::Submitted => 0,
            Self::Assessed => 1,
            Self::Approved | Self::Rejected | Self::Withdrawn => 2,
        }
    }

    /// Whether the bid has been decided (approved or rejected) or withdrawn.
    pub fn is_final(self) -> bool {
        self.rank() == 2
    }
}

/// A result reported against a promised outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutcomeResult {
    pub reported_at: Timestamp,
    pub result: String,
    pub achieved: bool,
}

/// An outcome the bid promised, and the results reported against it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BidOutcome {
    pub description: String,
    pub measure: String,
    pub target: String,
    /// In the order reported; the last is the latest.
    pub results: Vec<OutcomeResult>,
}

impl BidOutcome {
    /// Whether the latest result says the outcome was achieved (`None` before any result).
    pub fn achieved(&self) -> Option<bool> {
        self.results.last().map(|r| r.achieved)
    }
}

/// MOPAC's assessment of a bid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BidAssessment {
    pub assessed_at: Timestamp,
    /// 0 to 100.
    pub score: u8,
    pub recommendation: Recommendation,
    pub notes: String,
}

/// A tranche of money paid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FundsRelease {
    pub release_id: Uuid,
    pub released_at: Timestamp,
    pub amount_pence: i64,
}

/// A milestone the project reported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MilestoneReport {
    pub reported_at: Timestamp,
    pub milestone: String,
    pub achieved: bool,
    pub note: Option<String>,
}

/// One bid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreventionBid {
    pub bid_id: Uuid,
    pub round_id: Uuid,
    pub borough: BoroughCode,
    pub project_title: String,
    pub project_summary: String,
    /// Amount requested, in pence.
    pub requested_pence: i64,
    pub submitted_at: Timestamp,
    pub outcomes: Vec<BidOutcome>,
    pub status: BidStatus,
    pub assessment: Option<BidAssessment>,
    pub approved_at: Option<Timestamp>,
    pub approved_pence: Option<i64>,
    pub conditions: Vec<String>,
    pub rejected_at: Option<Timestamp>,
    pub rejection_reason: Option<String>,
    pub withdrawn_at: Option<Timestamp>,
    pub withdrawal_reason: Option<String>,
    /// Whole days from submission to approval or rejection.
    pub days_to_decision: Option<i64>,
    pub releases: Vec<FundsRelease>,
    /// The sum of the releases.
    pub released_pence: i64,
    pub milestones: Vec<MilestoneReport>,
    pub provenance: Provenance,
}

impl PreventionBid {
    /// Approved money not yet released (0 unless approved).
    pub fn unreleased_pence(&self) -> i64 {
        self.approved_pence
            .unwrap_or(0)
            .saturating_sub(self.released_pence)
    }

    fn advance(&mut self, to: BidStatus) {
        if to.rank() > self.status.rank() {
            self.status = to;
        }
    }
}

/// Every round and every bid, by id.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PreventionFund {
    pub rounds: BTreeMap<Uuid, FundRound>,
    pub bids: BTreeMap<Uuid, PreventionBid>,
}

impl ReadModel for PreventionFund {
    const NAME: &'static str = "prevention_fund";
    const VERSION: u32 = 1;

    fn apply(&mut self, event: &ProjectedEvent) {
        match &event.domain {
            Some(DomainEvent::FundRound(e)) => self.apply_round(event, e),
            Some(DomainEvent::PreventionBid(e)) => self.apply_bid(event, e),
            _ => {}
        }
    }
}

impl PreventionFund {
    fn apply_round(&mut self, event: &ProjectedEvent, e: &fund_round::Event) {
        match e {
            fund_round::Event::Opened(o) => {
                let mut provenance = Provenance::default();
                provenance.touch(event);
                self.rounds.insert(
                    o.round_id,
                    FundRound {
                        round_id: o.round_id,
                        name: o.name.clone(),
                        pot_pence: o.pot_pence,
                        opens_at: o.opens_at,
                        closes_at: o.closes_at,
                        status: RoundStatus::Open,
                        closed_at: None,
                        provenance,
                    },
                );
            }
            fund_round::Event::Closed(c) => {
                if let Some(r) = self.rounds.get_mut(&c.round_id) {
                    r.status = RoundStatus::Closed;
                    r.closed_at = Some(c.closed_at);
                    r.provenance.touch(event);
                }
            }
        }
    }

    fn apply_bid(&mut self, event: &ProjectedEvent, e: &prevention_bid::Event) {
        use prevention_bid::Event as E;
        if let E::Submitted(s) = e {
            let mut provenance = Provenance::default();
            provenance.touch(event);
            self.bids.insert(
                s.bid_id,
                PreventionBid {
                    bid_id: s.bid_id,
                    round_id: s.round_id,
                    borough: s.borough.clone(),
                    project_title: s.project_title.clone(),
                    project_summary: s.project_summary.clone(),
                    requested_pence: s.amount_pence,
                    submitted_at: s.submitted_at,
                    outcomes: s
                        .outcomes
                        .iter()
                        .map(|o| BidOutcome {
                            description: o.description.clone(),
                            measure: o.measure.clone(),
                            target: o.target.clone(),
                            results: Vec::new(),
                        })
                        .collect(),
                    status: BidStatus::Submitted,
                    assessment: None,
                    approved_at: None,
                    approved_pence: None,
                    conditions: Vec::new(),
                    rejected_at: None,
                    rejection_reason: None,
                    withdrawn_at: None,
                    withdrawal_reason: None,
                    days_to_decision: None,
                    releases: Vec::new(),
                    released_pence: 0,
                    milestones: Vec::new(),
                    provenance,
                },
            );
            return;
        }
        let bid_id = match e {
            E::Submitted(s) => s.bid_id,
            E::Assessed(a) => a.bid_id,
            E::Approved(a) => a.bid_id,
            E::Rejected(r) => r.bid_id,
            E::Withdrawn(w) => w.bid_id,
            E::FundsReleased(f) => f.bid_id,
            E::MilestoneReported(m) => m.bid_id,
            E::OutcomeReported(o) => o.bid_id,
        };
        // A bid this model has not seen (possible in a world-time as-of replay): ignored.
        let Some(b) = self.bids.get_mut(&bid_id) else {
            return;
        };
        match e {
            E::Submitted(_) => return,
            E::Assessed(a) => {
                b.assessment = Some(BidAssessment {
                    assessed_at: a.assessed_at,
                    score: a.score,
                    recommendation: a.recommendation,
                    notes: a.notes.clone(),
                });
                b.advance(BidStatus::Assessed);
            }
            E::Approved(a) => {
                b.approved_at = Some(a.approved_at);
                b.approved_pence = Some(a.approved_amount_pence);
                b.conditions = a.conditions.clone();
                b.days_to_decision = Some((a.approved_at - b.submitted_at).num_days());
                b.advance(BidStatus::Approved);
            }
            E::Rejected(r) => {
                b.rejected_at = Some(r.rejected_at);
                b.rejection_reason = Some(r.reason.clone());
                b.days_to_decision = Some((r.rejected_at - b.submitted_at).num_days());
                b.advance(BidStatus::Rejected);
            }
            E::Withdrawn(w) => {
                b.withdrawn_at = Some(w.withdrawn_at);
                b.withdrawal_reason = Some(w.reason.clone());
                b.advance(BidStatus::Withdrawn);
            }
            E::FundsReleased(f) => {
                if b.releases.iter().any(|r| r.release_id == f.release_id) {
                    return;
                }
                b.releases.push(FundsRelease {
                    release_id: f.release_id,
                    released_at: f.released_at,
                    amount_pence: f.amount_pence,
                });
                b.released_pence = b.released_pence.saturating_add(f.amount_pence);
            }
            E::MilestoneReported(m) => b.milestones.push(MilestoneReport {
                reported_at: m.reported_at,
                milestone: m.milestone.clone(),
                achieved: m.achieved,
                note: m.note.clone(),
            }),
            E::OutcomeReported(o) => {
                let Some(outcome) = usize::try_from(o.outcome_index)
                    .ok()
                    .and_then(|i| b.outcomes.get_mut(i))
                else {
                    return;
                };
                outcome.results.push(OutcomeResult {
                    reported_at: o.reported_at,
                    result: o.result.clone(),
                    achieved: o.achieved,
                });
            }
        }
        b.provenance.touch(event);
    }
}

/// Fund figures: counts of bids and sums in pence.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FundFigures {
    pub bids_submitted: usize,
    /// Requested by the bids submitted.
    pub requested_pence: i64,
    pub bids_approved: usize,
    /// Approved for the bids approved.
    pub approved_pence: i64,
    pub bids_rejected: usize,
    pub bids_withdrawn: usize,
    /// Released (in the period, for period figures).
    pub released_pence: i64,
}

/// A round's figures: its pot against every bid made to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoundFigures {
    pub pot_pence: i64,
    pub bids: FundFigures,
    /// Bids not yet decided or withdrawn.
    pub bids_undecided: usize,
    /// The pot less everything approved (negative if over-committed).
    pub unallocated_pence: i64,
}

impl PreventionFund {
    pub fn round(&self, id: &Uuid) -> Option<&FundRound> {
        self.rounds.get(id)
    }

    pub fn bid(&self, id: &Uuid) -> Option<&PreventionBid> {
        self.bids.get(id)
    }

    /// Rounds in a given status, in id order.
    pub fn rounds_with_status(&self, status: RoundStatus) -> impl Iterator<Item = &FundRound> {
        self.rounds.values().filter(move |r| r.status == status)
    }

    /// Bids of one borough (all when `None`), in id order.
    pub fn bids_in<'a>(
        &'a self,
        borough: Option<&'a BoroughCode>,
    ) -> impl Iterator<Item = &'a PreventionBid> + 'a {
        self.bids
            .values()
            .filter(move |b| borough.is_none_or(|x| &b.borough == x))
    }

    /// Bids made to one round, in id order.
    pub fn bids_in_round<'a>(
        &'a self,
        round: &'a Uuid,
    ) -> impl Iterator<Item = &'a PreventionBid> + 'a {
        self.bids.values().filter(move |b| &b.round_id == round)
    }

    /// Bids in a given status, in one borough (all when `None`).
    pub fn bids_with_status<'a>(
        &'a self,
        borough: Option<&'a BoroughCode>,
        status: BidStatus,
    ) -> impl Iterator<Item = &'a PreventionBid> + 'a {
        self.bids_in(borough).filter(move |b| b.status == status)
    }

    /// Bids submitted in `[from, to)`.
    pub fn submitted<'a>(
        &'a self,
        borough: Option<&'a BoroughCode>,
        from: Timestamp,
        to: Timestamp,
    ) -> impl Iterator<Item = &'a PreventionBid> + 'a {
        self.bids_in(borough)
            .filter(move |b| within(b.submitted_at, from, to))
    }

    /// Bids approved in `[from, to)`.
    pub fn approved<'a>(
        &'a self,
        borough: Option<&'a BoroughCode>,
        from: Timestamp,
        to: Timestamp,
    ) -> impl Iterator<Item = &'a PreventionBid> + 'a {
        self.bids_in(borough)
            .filter(move |b| b.approved_at.is_some_and(|t| within(t, from, to)))
    }

    /// Money released in `[from, to)`, whenever the bids were approved.
    pub fn released_pence(
        &self,
        borough: Option<&BoroughCode>,
        from: Timestamp,
        to: Timestamp,
    ) -> i64 {
        self.bids_in(borough)
            .flat_map(|b| b.releases.iter())
            .filter(|r| within(r.released_at, from, to))
            .fold(0i64, |sum, r| sum.saturating_add(r.amount_pence))
    }

    /// Figures for `[from, to)`: each count and sum by the date of its own step (bids
    /// submitted by submission, approved by approval, rejected and withdrawn by theirs,
    /// money by release).
    pub fn figures(
        &self,
        borough: Option<&BoroughCode>,
        from: Timestamp,
        to: Timestamp,
    ) -> FundFigures {
        let mut f = FundFigures::default();
        for b in self.submitted(borough, from, to) {
            f.bids_submitted += 1;
            f.requested_pence = f.requested_pence.saturating_add(b.requested_pence);
        }
        for b in self.approved(borough, from, to) {
            f.bids_approved += 1;
            f.approved_pence = f
                .approved_pence
                .saturating_add(b.approved_pence.unwrap_or(0));
        }
        f.bids_rejected = self
            .bids_in(borough)
            .filter(|b| b.rejected_at.is_some_and(|t| within(t, from, to)))
            .count();
        f.bids_withdrawn = self
            .bids_in(borough)
            .filter(|b| b.withdrawn_at.is_some_and(|t| within(t, from, to)))
            .count();
        f.released_pence = self.released_pence(borough, from, to);
        f
    }

    /// A round's figures over every bid made to it, in one borough (all when `None`);
    /// `None` for a round this model does not know.
    pub fn round_figures(
        &self,
        round: &Uuid,
        borough: Option<&BoroughCode>,
    ) -> Option<RoundFigures> {
        let r = self.rounds.get(round)?;
        let mut f = FundFigures::default();
        let mut undecided = 0;
        for b in self
            .bids_in_round(round)
            .filter(|b| borough.is_none_or(|x| &b.borough == x))
        {
            f.bids_submitted += 1;
            f.requested_pence = f.requested_pence.saturating_add(b.requested_pence);
            match b.status {
                BidStatus::Approved => {
                    f.bids_approved += 1;
                    f.approved_pence = f
                        .approved_pence
                        .saturating_add(b.approved_pence.unwrap_or(0));
                }
                BidStatus::Rejected => f.bids_rejected += 1,
                BidStatus::Withdrawn => f.bids_withdrawn += 1,
                BidStatus::Submitted | BidStatus::Assessed => undecided += 1,
            }
            f.released_pence = f.released_pence.saturating_add(b.released_pence);
        }
        Some(RoundFigures {
            pot_pence: r.pot_pence,
            bids: f,
            bids_undecided: undecided,
            unallocated_pence: r.pot_pence.saturating_sub(f.approved_pence),
        })
    }
}

#[cfg(test)]
mod tests {
    use engage_domain::fund_round::{FundRoundClosed, FundRoundOpened};
    use engage_domain::prevention_bid::{
        PreventionBidApproved, PreventionBidAssessed, PreventionBidMilestoneReported,
        PreventionBidOutcomeReported, PreventionBidRejected, PreventionBidSubmitted,
        PreventionBidWithdrawn, PreventionFundsReleased, PromisedOutcome,
    };
    use engage_log::{Payload, StreamId};

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
    fn rec(
        log: &mut TestLog,
        stream: &str,
        when: Timestamp,
        body: impl Into<prevention_bid::Event>,
    ) -> u64 {
        log.record(StreamId::new(stream), body.into(), when)
    }

    /// Record any domain event on `stream`, as happening `when`.
    fn put(log: &mut TestLog, stream: &str, when: Timestamp, event: impl Into<DomainEvent>) -> u64 {
        log.record(StreamId::new(stream), event, when)
    }

    const CAMDEN: &str = "E09000007";
    const HACKNEY: &str = "E09000012";
    const ROUND: u128 = 100;

    fn opened() -> FundRoundOpened {
        FundRoundOpened {
            round_id: id(ROUND),
            name: "Crime prevention fund 2025/26".into(),
            pot_pence: 100_000_000,
            opens_at: at(0, 0),
            closes_at: at(60, 0),
        }
    }

    fn submitted(bid: u128, borough: &str, day: i64, pence: i64) -> PreventionBidSubmitted {
        PreventionBidSubmitted {
            bid_id: id(bid),
            round_id: id(ROUND),
            borough: borough.into(),
            project_title: "Youth diversion boxing programme".into(),
            project_summary: "Weekly sessions for 11-17s in two estates".into(),
            amount_pence: pence,
            outcomes: vec![
                PromisedOutcome {
                    description: "Fewer first-time entrants".into(),
                    measure: "FTE count".into(),
                    target: "-10%".into(),
                },
                PromisedOutcome {
                    description: "Attendance".into(),
                    measure: "young people attending".into(),
                    target: "60".into(),
                },
            ],
            submitted_at: at(day, 0),
        }
    }

    fn assessed(bid: u128, day: i64) -> PreventionBidAssessed {
        PreventionBidAssessed {
            bid_id: id(bid),
            assessed_at: at(day, 0),
            score: 72,
            recommendation: Recommendation::FundInPart,
            notes: "Strong evidence base".into(),
        }
    }

    fn release(bid: u128, n: u128, day: i64, pence: i64, total: i64) -> PreventionFundsReleased {
        PreventionFundsReleased {
            bid_id: id(bid),
            release_id: id(n),
            released_at: at(day, 0),
            amount_pence: pence,
            total_released_pence: total,
        }
    }

    /// Round opened day 0; bid 1 (Camden, £25,000) submitted day 5, assessed day 20,
    /// approved for £20,000 on day 30, two releases (days 35 and 95), a milestone and an
    /// outcome result; round closed day 60.
    fn history() -> (TestLog, Vec<u64>) {
        let mut log = TestLog::new();
        let b = "bid-1";
        let mut p = Vec::new();
        put(
            &mut log,
            "fund-round-100",
            at(0, 0),
            fund_round::Event::from(opened()),
        );
        p.push(rec(
            &mut log,
            b,
            at(5, 0),
            submitted(1, CAMDEN, 5, 2_500_000),
        ));
        p.push(rec(&mut log, b, at(20, 0), assessed(1, 20)));
        p.push(rec(
            &mut log,
            b,
            at(30, 0),
            PreventionBidApproved {
                bid_id: id(1),
                approved_at: at(30, 0),
                approved_amount_pence: 2_000_000,
                conditions: vec!["Quarterly attendance returns".into()],
            },
        ));
        p.push(rec(
            &mut log,
            b,
            at(35, 0),
            release(1, 51, 35, 1_000_000, 1_000_000),
        ));
        put(
            &mut log,
            "fund-round-100",
            at(60, 0),
            fund_round::Event::from(FundRoundClosed {
                round_id: id(ROUND),
                closed_at: at(60, 0),
            }),
        );
        p.push(rec(
            &mut log,
            b,
            at(90, 0),
            PreventionBidMilestoneReported {
                bid_id: id(1),
                reported_at: at(90, 0),
                milestone: "Sessions running on both estates".into(),
                achieved: true,
                note: None,
            },
        ));
        p.push(rec(
            &mut log,
            b,
            at(95, 0),
            release(1, 52, 95, 500_000, 1_500_000),
        ));
        p.push(rec(
            &mut log,
            b,
            at(200, 0),
            PreventionBidOutcomeReported {
                bid_id: id(1),
                reported_at: at(200, 0),
                outcome_index: 1,
                result: "71 young people attended".into(),
                achieved: true,
            },
        ));
        (log, p)
    }

    #[test]
    fn a_full_bid_and_round_give_their_records_and_derived_values() {
        let (log, positions) = history();
        let m: PreventionFund = fold(&log.events);
        let r = m.round(&id(ROUND)).expect("round");
        assert_eq!(r.pot_pence, 100_000_000);
        assert_eq!(r.status, RoundStatus::Closed);
        assert_eq!(r.closed_at, Some(at(60, 0)));
        assert_eq!(r.provenance.positions, vec![1, 6]);

        let b = m.bid(&id(1)).expect("bid");
        assert_eq!(b.status, BidStatus::Approved);
        assert_eq!(b.requested_pence, 2_500_000);
        assert_eq!(b.approved_pence, Some(2_000_000));
        assert_eq!(b.days_to_decision, Some(25));
        assert_eq!(
            b.assessment.as_ref().map(|a| (a.score, a.recommendation)),
            Some((72, Recommendation::FundInPart))
        );
        assert_eq!(
            b.conditions,
            vec!["Quarterly attendance returns".to_owned()]
        );
        assert_eq!(b.releases.len(), 2);
        assert_eq!(b.released_pence, 1_500_000);
        assert_eq!(b.unreleased_pence(), 500_000);
        assert_eq!(b.milestones.len(), 1);
        assert_eq!(b.outcomes.len(), 2);
        assert_eq!(b.outcomes[0].achieved(), None);
        assert_eq!(b.outcomes[1].achieved(), Some(true));
        assert_eq!(b.outcomes[1].results[0].result, "71 young people attended");
        assert_eq!(b.provenance.positions, positions);
    }

    #[test]
    fn a_version_1_submission_is_read_in_pence() {
        let mut log = TestLog::new();
        put(
            &mut log,
            "fund-round-100",
            at(0, 0),
            fund_round::Event::from(opened()),
        );
        let v1 = serde_json::json!({
            "bid_id": id(7),
            "round_id": id(ROUND),
            "borough": CAMDEN,
            "project_title": "Lighting the towpath",
            "project_summary": "",
            "amount_pounds": 12500.5,
            "outcomes": [{"description": "Fewer robberies", "measure": "count", "target": "-20%"}],
            "submitted_at": at(3, 0),
        });
        // Record a current submission, then make it the v1 payload an older release wrote.
        rec(&mut log, "bid-7", at(3, 0), submitted(7, CAMDEN, 3, 1));
        let mut recorded = log.events.pop().expect("recorded").recorded;
        recorded.schema_version = 1;
        recorded.payload = Payload::from_value(&v1).expect("payload");
        log.events
            .push(ProjectedEvent::decode(recorded).expect("v1 decodes"));
        let m: PreventionFund = fold(&log.events);
        assert_eq!(m.bid(&id(7)).map(|b| b.requested_pence), Some(1_250_050));
    }

    #[test]
    fn a_late_assessment_does_not_reopen_a_decided_bid_and_unknowns_are_ignored() {
        let mut log = TestLog::new();
        rec(&mut log, "bid-1", at(5, 0), submitted(1, CAMDEN, 5, 1_000));
        rec(
            &mut log,
            "bid-1",
            at(6, 0),
            PreventionBidWithdrawn {
                bid_id: id(1),
                withdrawn_at: at(6, 0),
                reason: "Project found other funding".into(),
            },
        );
        rec(&mut log, "bid-1", at(7, 0), assessed(1, 7));
        // Unknown bid, unknown round, unknown outcome index.
        rec(&mut log, "bid-9", at(8, 0), assessed(9, 8));
        put(
            &mut log,
            "fund-round-9",
            at(8, 0),
            fund_round::Event::from(FundRoundClosed {
                round_id: id(9),
                closed_at: at(8, 0),
            }),
        );
        rec(
            &mut log,
            "bid-1",
            at(9, 0),
            PreventionBidOutcomeReported {
                bid_id: id(1),
                reported_at: at(9, 0),
                outcome_index: 5,
                result: "n/a".into(),
                achieved: false,
            },
        );
        let m: PreventionFund = fold(&log.events);
        let b = m.bid(&id(1)).expect("bid");
        assert_eq!(b.status, BidStatus::Withdrawn);
        assert!(b.status.is_final());
        assert_eq!(b.withdrawn_at, Some(at(6, 0)));
        assert!(b.assessment.is_some());
        assert_eq!(b.provenance.positions, vec![1, 2, 3]);
        assert_eq!(m.bids.len(), 1);
        assert!(m.rounds.is_empty());
    }

    #[test]
    fn replay_and_snapshot_agree() {
        let (mut log, _) = history();
        rec(
            &mut log,
            "bid-2",
            at(8, 0),
            submitted(2, HACKNEY, 8, 900_000),
        );
        fold_checked::<PreventionFund>(&log.events);
    }

    #[test]
    fn figures_per_borough_period_and_round() {
        let (mut log, _) = history();
        // Bid 2 (Camden, day 10) rejected day 40; bid 3 (Hackney, day 12) still undecided;
        // bid 4 (Camden, day 50) withdrawn day 52.
        rec(
            &mut log,
            "bid-2",
            at(10, 0),
            submitted(2, CAMDEN, 10, 3_000_000),
        );
        rec(&mut log, "bid-2", at(25, 0), assessed(2, 25));
        rec(
            &mut log,
            "bid-2",
            at(40, 0),
            PreventionBidRejected {
                bid_id: id(2),
                rejected_at: at(40, 0),
                reason: "Outside the fund's priorities".into(),
            },
        );
        rec(
            &mut log,
            "bid-3",
            at(12, 0),
            submitted(3, HACKNEY, 12, 700_000),
        );
        rec(
            &mut log,
            "bid-4",
            at(50, 0),
            submitted(4, CAMDEN, 50, 100_000),
        );
        rec(
            &mut log,
            "bid-4",
            at(52, 0),
            PreventionBidWithdrawn {
                bid_id: id(4),
                withdrawn_at: at(52, 0),
                reason: "Lead organisation folded".into(),
            },
        );
        let m: PreventionFund = fold(&log.events);
        let camden = BoroughCode::from(CAMDEN);

        assert_eq!(
            m.figures(Some(&camden), at(0, 0), at(31, 0)),
            FundFigures {
                bids_submitted: 2,
                requested_pence: 5_500_000,
                bids_approved: 1,
                approved_pence: 2_000_000,
                bids_rejected: 0,
                bids_withdrawn: 0,
                released_pence: 0,
            }
        );
        assert_eq!(
            m.figures(Some(&camden), at(31, 0), at(100, 0)),
            FundFigures {
                bids_submitted: 1,
                requested_pence: 100_000,
                bids_approved: 0,
                approved_pence: 0,
                bids_rejected: 1,
                bids_withdrawn: 1,
                released_pence: 1_500_000,
            }
        );
        assert_eq!(m.released_pence(None, at(90, 0), at(100, 0)), 500_000);
        assert_eq!(m.submitted(None, at(0, 0), at(31, 0)).count(), 3);

        let all = m.round_figures(&id(ROUND), None).expect("round");
        assert_eq!(all.pot_pence, 100_000_000);
        assert_eq!(all.bids.bids_submitted, 4);
        assert_eq!(all.bids.requested_pence, 6_300_000);
        assert_eq!(all.bids.approved_pence, 2_000_000);
        assert_eq!(all.bids.released_pence, 1_500_000);
        assert_eq!(
            (
                all.bids.bids_rejected,
                all.bids.bids_withdrawn,
                all.bids_undecided
            ),
            (1, 1, 1)
        );
        assert_eq!(all.unallocated_pence, 98_000_000);
        let hackney = m
            .round_figures(&id(ROUND), Some(&HACKNEY.into()))
            .expect("round");
        assert_eq!(hackney.bids.bids_submitted, 1);
        assert_eq!(m.round_figures(&id(999), None), None);

        assert_eq!(m.bids_in_round(&id(ROUND)).count(), 4);
        assert_eq!(
            m.bids_with_status(Some(&camden), BidStatus::Rejected)
                .map(|b| b.bid_id)
                .collect::<Vec<_>>(),
            vec![id(2)]
        );
        assert_eq!(m.rounds_with_status(RoundStatus::Closed).count(), 1);

        // Before the round closed (first 5 events), it was open.
        let early: PreventionFund = fold(&log.events[..5]);
        assert_eq!(early.rounds_with_status(RoundStatus::Open).count(), 1);
    }
}
