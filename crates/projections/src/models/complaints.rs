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

/// Whom a complaint was referred to. The model's own copy of the domain's
/// [`ReferralTarget`], whose adjacently tagged serde form the snapshot codec cannot read back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ReferredTo {
    BoroughCommand,
    ProfessionalStandards,
    Mopac,
    VictimSupport,
    LocalAuthority,
    Other(String),
}

impl From<&ReferralTarget> for ReferredTo {
    fn from(t: &ReferralTarget) -> Self {
        match t {
            ReferralTarget::BoroughCommand => Self::BoroughCommand,
            ReferralTarget::ProfessionalStandards => Self::ProfessionalStandards,
            ReferralTarget::Mopac => Self::Mopac,
            ReferralTarget::VictimSupport => Self::VictimSupport,
            ReferralTarget::LocalAuthority => Self::LocalAuthority,
            ReferralTarget::Other(name) => Self::Other(name.clone()),
        }
    }
}

impl ReferredTo {
    /// The catalogue's name for the kind of body (`borough_command`, ..., `other`).
    pub fn kind(&self) -> &'static str {
        match self {
            Self::BoroughCommand => "borough_command",
            Self::ProfessionalStandards => "professional_standards",
            Self::Mopac => "mopac",
            Self::VictimSupport => "victim_support",
            Self::LocalAuthority => "local_authority",
            Self::Other(_) => "other",
        }
    }

    /// The body's name, for `Other`.
    pub fn name(&self) -> Option<&str> {
        match self {
            Self::Other(name) => Some(name),
            _ => None,
        }
    }
}

/// A referral and its response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComplaintReferral {
    pub referral_id: Uuid,
    pub referred_to: ReferredTo,
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
    const VERSION: u32 = 2;

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
                referred_to: ReferredTo::from(&r.referred_to),
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

#[cfg(test)]
mod tests {
    use engage_domain::personal::ComplainantDetails;
    use engage_domain::victim_complaint::{
        VictimComplaintAcknowledged, VictimComplaintRaised, VictimComplaintReferred,
        VictimComplaintResolved, VictimComplaintResponded, VictimComplaintReviewed, stream_id,
    };

    use super::*;
    use crate::models::testing::{TestLog, at, fold_checked, id};

    fn raised(n: u128) -> Event {
        Event::Raised(VictimComplaintRaised {
            complaint_id: id(n),
            borough: BoroughCode::new("E09000007"),
            ward: None,
            received_at: at(2026, 3, 1),
            category: ComplaintCategory::Communication,
            category_detail: None,
            channel: ComplaintChannel::Email,
            summary: "No update for six weeks".into(),
            personal: ComplainantDetails {
                data_subject_id: id(900 + n),
                full_name: "Private Person".into(),
                email: Some("private@example.org".into()),
                phone: None,
                postal_address: None,
            },
        })
    }

    #[test]
    fn full_lifecycle_with_referrals_round_trips_through_a_snapshot() {
        let mut log = TestLog::new();
        let s = stream_id(id(1));
        log.record(s.clone(), raised(1), at(2026, 3, 1));
        log.record(
            s.clone(),
            Event::Acknowledged(VictimComplaintAcknowledged {
                complaint_id: id(1),
                acknowledged_at: at(2026, 3, 3),
                days_to_acknowledge: 2,
            }),
            at(2026, 3, 3),
        );
        for (n, target) in [
            (10, ReferralTarget::ProfessionalStandards),
            (11, ReferralTarget::Other("Housing association".into())),
        ] {
            log.record(
                s.clone(),
                Event::Referred(VictimComplaintReferred {
                    complaint_id: id(1),
                    referral_id: id(n),
                    referred_to: target,
                    referred_at: at(2026, 3, 4),
                    note: None,
                }),
                at(2026, 3, 4),
            );
        }
        log.record(
            s.clone(),
            Event::Responded(VictimComplaintResponded {
                complaint_id: id(1),
                referral_id: id(11),
                responded_at: at(2026, 3, 8),
                response_summary: "Repairs booked".into(),
            }),
            at(2026, 3, 8),
        );
        log.record(
            s.clone(),
            Event::Resolved(VictimComplaintResolved {
                complaint_id: id(1),
                resolved_at: at(2026, 3, 10),
                outcome: ComplaintOutcome::Upheld,
                outcome_summary: "Apology".into(),
                days_to_resolve: 9,
            }),
            at(2026, 3, 10),
        );
        log.record(
            s.clone(),
            Event::Reviewed(VictimComplaintReviewed {
                complaint_id: id(1),
                reviewed_at: at(2026, 4, 1),
                meeting_id: Some(id(50)),
                finding: ReviewFinding::HandledWell,
                notes: "Prompt".into(),
            }),
            at(2026, 4, 1),
        );
        // Events of a complaint never raised are ignored.
        log.record(
            stream_id(id(2)),
            Event::Acknowledged(VictimComplaintAcknowledged {
                complaint_id: id(2),
                acknowledged_at: at(2026, 3, 3),
                days_to_acknowledge: 2,
            }),
            at(2026, 3, 3),
        );
        let m: Complaints = fold_checked(&log.events);
        assert_eq!(m.by_id.len(), 1);
        let c = m.get(&id(1)).unwrap();
        assert_eq!(c.status, ComplaintStatus::Reviewed);
        assert_eq!(c.days_to_acknowledge, Some(2));
        assert_eq!(c.days_to_resolve, Some(9));
        assert_eq!(c.referrals.len(), 2);
        assert_eq!(c.referrals[0].referred_to.kind(), "professional_standards");
        assert_eq!(
            c.referrals[1].referred_to.name(),
            Some("Housing association")
        );
        assert_eq!(
            c.referrals[1].response_summary.as_deref(),
            Some("Repairs booked")
        );
        assert_eq!(c.referrals[0].responded_at, None);
        assert_eq!(c.provenance.positions, (1..=7).collect::<Vec<_>>());
        // No personal details in the model.
        let debug = format!("{m:?}");
        assert!(!debug.contains("Private Person") && !debug.contains("private@example.org"));
    }
}
