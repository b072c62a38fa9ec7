//! Victim-of-crime complaints heard by the boards: one record per complaint with its whole
//! lifecycle (raised, acknowledged, referrals and responses, resolved, reviewed) and its
//! timeliness. Personal details stay in the log (and, once erasure exists, encrypted there):
//! the record holds only the data subject's id.

use std::collections::BTreeMap;

use engage_domain::victim_complaint::{
    ComplaintCategory, ComplaintChannel, ComplaintOutcome, Event, ReferralTarget, ReviewFinding,
};
use engage_domain::{BoroughCode, DomainEvent, Timestamp, WardCode};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::provenance::Provenance;
use crate::event::ProjectedEvent;
use crate::model::ReadModel;

/// Where a complaint is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ComplaintStatus {
    Raised,
    Acknowledged,
    Resolved,
    Reviewed,
}

/// A referral and its response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComplaintReferral {
    pub referral_id: Uuid,
    pub referred_to: ReferralTarget,
    pub referred_at: Timestamp,
    pub note: Option<String>,
    pub responded_at: Option<Timestamp>,
    pub response_summary: Option<String>,
}

/// The board's review of how the complaint was handled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComplaintReview {
    pub reviewed_at: Timestamp,
    pub meeting_id: Option<Uuid>,
    pub finding: ReviewFinding,
    pub notes: String,
}

/// One complaint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Complaint {
    pub complaint_id: Uuid,
    pub borough: BoroughCode,
    pub ward: Option<WardCode>,
    pub received_at: Timestamp,
    pub category: ComplaintCategory,
    pub category_detail: Option<String>,
    pub channel: ComplaintChannel,
    pub summary: String,
    /// Whose personal details the raising event holds.
    pub data_subject_id: Uuid,
    pub status: ComplaintStatus,
    pub acknowledged_at: Option<Timestamp>,
    pub days_to_acknowledge: Option<i64>,
    pub referrals: Vec<ComplaintReferral>,
    pub resolved_at: Option<Timestamp>,
    pub outcome: Option<ComplaintOutcome>,
    pub outcome_summary: Option<String>,
    pub days_to_resolve: Option<i64>,
    pub review: Option<ComplaintReview>,
    pub provenance: Provenance,
}

/// Every complaint, by id.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Complaints {
    pub by_id: BTreeMap<Uuid, Complaint>,
}

impl ReadModel for Complaints {
    const NAME: &'static str = "complaints";
    const VERSION: u32 = 1;

    fn apply(&mut self, event: &ProjectedEvent) {
        let Some(DomainEvent::VictimComplaint(e)) = &event.domain else {
            return;
        };
        if let Event::Raised(r) = e {
            let mut provenance = Provenance::default();
            provenance.touch(event);
            self.by_id.insert(
                r.complaint_id,
                Complaint {
                    complaint_id: r.complaint_id,
                    borough: r.borough.clone(),
                    ward: r.ward.clone(),
                    received_at: r.received_at,
                    category: r.category,
                    category_detail: r.category_detail.clone(),
                    channel: r.channel,
                    summary: r.summary.clone(),
                    data_subject_id: r.personal.data_subject_id,
                    status: ComplaintStatus::Raised,
                    acknowledged_at: None,
                    days_to_acknowledge: None,
                    referrals: Vec::new(),
                    resolved_at: None,
                    outcome: None,
                    outcome_summary: None,
                    days_to_resolve: None,
                    review: None,
                    provenance,
                },
            );
            return;
        }
        let id = match e {
            Event::Raised(r) => r.complaint_id,
            Event::Acknowledged(a) => a.complaint_id,
            Event::Referred(r) => r.complaint_id,
            Event::Responded(r) => r.complaint_id,
            Event::Resolved(r) => r.complaint_id,
            Event::Reviewed(r) => r.complaint_id,
        };
        // An event for a complaint this model has not seen (possible in a world-time as-of
        // replay) is ignored.
        let Some(c) = self.by_id.get_mut(&id) else {
            return;
        };
        c.provenance.touch(event);
        match e {
            Event::Raised(_) => {}
            Event::Acknowledged(a) => {
                c.status = c.status.max_with(ComplaintStatus::Acknowledged);
                c.acknowledged_at = Some(a.acknowledged_at);
                c.days_to_acknowledge = Some(a.days_to_acknowledge);
            }
            Event::Referred(r) => c.referrals.push(ComplaintReferral {
                referral_id: r.referral_id,
                referred_to: r.referred_to.clone(),
                referred_at: r.referred_at,
                note: r.note.clone(),
                responded_at: None,
                response_summary: None,
            }),
            Event::Responded(r) => {
                if let Some(referral) = c
                    .referrals
                    .iter_mut()
                    .find(|x| x.referral_id == r.referral_id)
                {
                    referral.responded_at = Some(r.responded_at);
                    referral.response_summary = Some(r.response_summary.clone());
                }
            }
            Event::Resolved(r) => {
                c.status = c.status.max_with(ComplaintStatus::Resolved);
                c.resolved_at = Some(r.resolved_at);
                c.outcome = Some(r.outcome);
                c.outcome_summary = Some(r.outcome_summary.clone());
                c.days_to_resolve = Some(r.days_to_resolve);
            }
            Event::Reviewed(r) => {
                c.status = ComplaintStatus::Reviewed;
                c.review = Some(ComplaintReview {
                    reviewed_at: r.reviewed_at,
                    meeting_id: r.meeting_id,
                    finding: r.finding,
                    notes: r.notes.clone(),
                });
            }
        }
    }
}

impl ComplaintStatus {
    fn rank(self) -> u8 {
        match self {
            Self::Raised => 0,
            Self::Acknowledged => 1,
            Self::Resolved => 2,
            Self::Reviewed => 3,
        }
    }

    /// The later of two stages (a late-recorded acknowledgement does not reopen a resolved
    /// complaint).
    fn max_with(self, other: Self) -> Self {
        if other.rank() > self.rank() {
            other
        } else {
            self
        }
    }
}

impl Complaints {
    pub fn get(&self, id: &Uuid) -> Option<&Complaint> {
        self.by_id.get(id)
    }

    /// Complaints of one borough (all when `None`), in id order (ids are time-ordered UUIDv7
    /// when the system made them).
    pub fn in_borough<'a>(
        &'a self,
        borough: Option<&'a BoroughCode>,
    ) -> impl Iterator<Item = &'a Complaint> + 'a {
        self.by_id
            .values()
            .filter(move |c| borough.is_none_or(|b| &c.borough == b))
    }
}
