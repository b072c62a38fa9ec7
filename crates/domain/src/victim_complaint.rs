//! Complaints from victims of crime heard by a Safer Neighbourhood Board: raised,
//! acknowledged, referred (to whom), responded to by whoever it was referred to, resolved
//! (with an outcome) and reviewed by the board, with the timeliness the board monitors (days
//! to acknowledge, days to resolve). Stream: `complaint-<uuid>`.
//!
//! `VictimComplaintRaised` is at v2; v1 payloads are upcast by [`legacy`].

use engage_log::StreamId;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::context::{days_between, ordered, required};
use crate::personal::ComplainantDetails;
use crate::reference::{BoroughCode, WardCode};
use crate::{DecisionContext, DomainError, Timestamp};

/// The stream of one complaint.
pub fn stream_id(complaint_id: Uuid) -> StreamId {
    StreamId::new(format!("complaint-{complaint_id}"))
}

/// What the complaint is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[serde(rename_all = "snake_case")]
pub enum ComplaintCategory {
    /// Slow or no police attendance.
    PoliceResponse,
    /// How the crime was investigated.
    InvestigationQuality,
    /// Updates and contact while the case was open.
    Communication,
    /// Support, referral to victim services, Victims' Code entitlements.
    VictimCare,
    /// How officers or staff behaved.
    OfficerConduct,
    /// Anti-social behaviour not dealt with.
    AntisocialBehaviour,
    Other,
}

/// How the complaint reached the board.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[serde(rename_all = "snake_case")]
pub enum ComplaintChannel {
    Email,
    Letter,
    Phone,
    PublicMeeting,
    WebForm,
    InPerson,
    /// Recorded before the channel was captured (v1 events).
    NotRecorded,
}

/// Whom the board referred the complaint to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", tag = "kind", content = "name")]
pub enum ReferralTarget {
    BoroughCommand,
    ProfessionalStandards,
    Mopac,
    VictimSupport,
    LocalAuthority,
    Other(String),
}

/// How the complaint ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[serde(rename_all = "snake_case")]
pub enum ComplaintOutcome {
    Upheld,
    PartiallyUpheld,
    NotUpheld,
    ResolvedInformally,
    WithdrawnByComplainant,
}

/// The board's view on how the complaint was handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[serde(rename_all = "snake_case")]
pub enum ReviewFinding {
    HandledWell,
    LessonsToLearn,
    HandledPoorly,
}

/// A victim of crime complained to the board (v2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct VictimComplaintRaised {
    pub complaint_id: Uuid,
    pub borough: BoroughCode,
    pub ward: Option<WardCode>,
    pub received_at: Timestamp,
    pub category: ComplaintCategory,
    /// Free-text detail of the category (always kept for `other`).
    pub category_detail: Option<String>,
    pub channel: ComplaintChannel,
    /// What happened, without names or contact details (those go in `personal`).
    pub summary: String,
    pub personal: ComplainantDetails,
}

/// The board acknowledged the complaint to the complainant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct VictimComplaintAcknowledged {
    pub complaint_id: Uuid,
    pub acknowledged_at: Timestamp,
    /// Whole days from receipt to acknowledgement.
    pub days_to_acknowledge: i64,
}

/// The board referred the complaint to someone who can act on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct VictimComplaintReferred {
    pub complaint_id: Uuid,
    pub referral_id: Uuid,
    pub referred_to: ReferralTarget,
    pub referred_at: Timestamp,
    pub note: Option<String>,
}

/// Whoever the complaint was referred to responded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct VictimComplaintResponded {
    pub complaint_id: Uuid,
    pub referral_id: Uuid,
    pub responded_at: Timestamp,
    pub response_summary: String,
}

/// The complaint was closed with an outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct VictimComplaintResolved {
    pub complaint_id: Uuid,
    pub resolved_at: Timestamp,
    pub outcome: ComplaintOutcome,
    pub outcome_summary: String,
    /// Whole days from receipt to resolution.
    pub days_to_resolve: i64,
}

/// The board reviewed how a resolved complaint was handled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct VictimComplaintReviewed {
    pub complaint_id: Uuid,
    pub reviewed_at: Timestamp,
    /// The board meeting at which the review took place, if any.
    pub meeting_id: Option<Uuid>,
    pub finding: ReviewFinding,
    pub notes: String,
}

events! {
    pub enum Event {
        Raised(VictimComplaintRaised) = "VictimComplaintRaised" v 2: "A victim of crime raised a complaint with the board.",
        Acknowledged(VictimComplaintAcknowledged) = "VictimComplaintAcknowledged" v 1: "The board acknowledged a victim's complaint (with days taken).",
        Referred(VictimComplaintReferred) = "VictimComplaintReferred" v 1: "The board referred a victim's complaint to a body that can act on it.",
        Responded(VictimComplaintResponded) = "VictimComplaintResponded" v 1: "The body a complaint was referred to responded.",
        Resolved(VictimComplaintResolved) = "VictimComplaintResolved" v 1: "A victim's complaint was resolved with an outcome (with days taken).",
        Reviewed(VictimComplaintReviewed) = "VictimComplaintReviewed" v 1: "The board reviewed how a resolved complaint was handled.",
    }
}

/// Record a complaint a victim of crime raised with the board.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "graphql", derive(async_graphql::InputObject))]
pub struct RaiseVictimComplaint {
    pub complaint_id: Uuid,
    pub borough: BoroughCode,
    pub ward: Option<WardCode>,
    pub received_at: Timestamp,
    pub category: ComplaintCategory,
    pub category_detail: Option<String>,
    pub channel: ComplaintChannel,
    pub summary: String,
    pub personal: ComplainantDetails,
}

/// Acknowledge a complaint to the complainant.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "graphql", derive(async_graphql::InputObject))]
pub struct AcknowledgeVictimComplaint {
    pub acknowledged_at: Timestamp,
}

/// Refer an acknowledged complaint to a body that can act on it.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "graphql", derive(async_graphql::InputObject))]
pub struct ReferVictimComplaint {
    pub referral_id: Uuid,
    pub referred_to: ReferralTarget,
    pub referred_at: Timestamp,
    pub note: Option<String>,
}

/// Record the response of the body a complaint was referred to.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "graphql", derive(async_graphql::InputObject))]
pub struct RecordVictimComplaintResponse {
    pub referral_id: Uuid,
    pub responded_at: Timestamp,
    pub response_summary: String,
}

/// Resolve an acknowledged complaint with an outcome.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "graphql", derive(async_graphql::InputObject))]
pub struct ResolveVictimComplaint {
    pub resolved_at: Timestamp,
    pub outcome: ComplaintOutcome,
    pub outcome_summary: String,
}

/// Record the board's review of how a resolved complaint was handled.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "graphql", derive(async_graphql::InputObject))]
pub struct ReviewVictimComplaint {
    pub reviewed_at: Timestamp,
    pub meeting_id: Option<Uuid>,
    pub finding: ReviewFinding,
    pub notes: String,
}

commands! {
    /// What can be done with a complaint.
    pub enum Command {
        Raise(RaiseVictimComplaint),
        Acknowledge(AcknowledgeVictimComplaint),
        Refer(ReferVictimComplaint),
        RecordResponse(RecordVictimComplaintResponse),
        Resolve(ResolveVictimComplaint),
        Review(ReviewVictimComplaint),
    }
}

/// Where a complaint is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Status {
    #[default]
    NotRaised,
    Raised,
    Acknowledged,
    Resolved,
    Reviewed,
}

/// A referral and whether it has been answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Referral {
    pub referral_id: Uuid,
    pub referred_to: ReferralTarget,
    pub referred_at: Timestamp,
    pub responded_at: Option<Timestamp>,
}

/// A complaint's state; `Default` is "not raised".
#[derive(Debug, Clone, Default, PartialEq)]
pub struct State {
    pub status: Status,
    pub complaint_id: Option<Uuid>,
    pub borough: Option<BoroughCode>,
    pub category: Option<ComplaintCategory>,
    pub received_at: Option<Timestamp>,
    pub acknowledged_at: Option<Timestamp>,
    pub resolved_at: Option<Timestamp>,
    pub outcome: Option<ComplaintOutcome>,
    pub referrals: Vec<Referral>,
    pub data_subject_id: Option<Uuid>,
}

impl State {
    pub fn days_to_acknowledge(&self) -> Option<i64> {
        Some(days_between(self.received_at?, self.acknowledged_at?))
    }
    pub fn days_to_resolve(&self) -> Option<i64> {
        Some(days_between(self.received_at?, self.resolved_at?))
    }

    pub fn apply(&mut self, event: &Event) {
        match event {
            Event::Raised(e) => {
                self.status = Status::Raised;
                self.complaint_id = Some(e.complaint_id);
                self.borough = Some(e.borough.clone());
                self.category = Some(e.category);
                self.received_at = Some(e.received_at);
                self.data_subject_id = Some(e.personal.data_subject_id);
            }
            Event::Acknowledged(e) => {
                self.status = Status::Acknowledged;
                self.acknowledged_at = Some(e.acknowledged_at);
            }
            Event::Referred(e) => self.referrals.push(Referral {
                referral_id: e.referral_id,
                referred_to: e.referred_to.clone(),
                referred_at: e.referred_at,
                responded_at: None,
            }),
            Event::Responded(e) => {
                if let Some(r) = self
                    .referrals
                    .iter_mut()
                    .find(|r| r.referral_id == e.referral_id)
                {
                    r.responded_at = Some(e.responded_at);
                }
            }
            Event::Resolved(e) => {
                self.status = Status::Resolved;
                self.resolved_at = Some(e.resolved_at);
                self.outcome = Some(e.outcome);
            }
            Event::Reviewed(_) => self.status = Status::Reviewed,
        }
    }
}

aggregate!(VictimComplaint, "complaint");

const KIND: &str = "complaint";

/// Decide a complaint command.
pub fn decide(
    state: &State,
    command: Command,
    ctx: &DecisionContext<'_>,
) -> Result<Vec<Event>, DomainError> {
    if let Command::Raise(RaiseVictimComplaint {
        complaint_id,
        borough,
        ward,
        received_at,
        category,
        category_detail,
        channel,
        summary,
        personal,
    }) = command
    {
        if state.status != Status::NotRaised {
            return Err(DomainError::already_exists(KIND, complaint_id));
        }
        ctx.borough(&borough)?;
        if let Some(w) = &ward {
            ctx.ward_in_borough(w, &borough)?;
        }
        ctx.not_future("received_at", received_at)?;
        required("summary", &summary)?;
        required("personal.full_name", &personal.full_name)?;
        if category == ComplaintCategory::Other {
            required("category_detail", category_detail.as_deref().unwrap_or(""))?;
        }
        return Ok(vec![
            VictimComplaintRaised {
                complaint_id,
                borough,
                ward,
                received_at,
                category,
                category_detail,
                channel,
                summary,
                personal,
            }
            .into(),
        ]);
    }
    let (Some(complaint_id), Some(received_at)) = (state.complaint_id, state.received_at) else {
        return Err(DomainError::unknown(KIND, "(not raised)"));
    };
    let closed = |action| match state.status {
        Status::Resolved | Status::Reviewed => Err(DomainError::invalid_state(
            KIND,
            complaint_id,
            action,
            "resolved",
        )),
        _ => Ok(()),
    };
    let event: Event = match command {
        Command::Raise(RaiseVictimComplaint { .. }) => {
            return Err(DomainError::already_exists(KIND, complaint_id));
        }
        Command::Acknowledge(AcknowledgeVictimComplaint { acknowledged_at }) => {
            if state.acknowledged_at.is_some() {
                return Err(DomainError::already(KIND, complaint_id, "acknowledged"));
            }
            closed("acknowledge")?;
            ordered(
                "received_at",
                &received_at,
                "acknowledged_at",
                &acknowledged_at,
            )?;
            ctx.not_future("acknowledged_at", acknowledged_at)?;
            VictimComplaintAcknowledged {
                complaint_id,
                acknowledged_at,
                days_to_acknowledge: days_between(received_at, acknowledged_at),
            }
            .into()
        }
        Command::Refer(ReferVictimComplaint {
            referral_id,
            referred_to,
            referred_at,
            note,
        }) => {
            closed("refer")?;
            let Some(ack) = state.acknowledged_at else {
                return Err(DomainError::invalid_state(
                    KIND,
                    complaint_id,
                    "refer",
                    "not yet acknowledged",
                ));
            };
            if state.referrals.iter().any(|r| r.referral_id == referral_id) {
                return Err(DomainError::already_exists("referral", referral_id));
            }
            if let ReferralTarget::Other(name) = &referred_to {
                required("referred_to", name)?;
            }
            ordered("acknowledged_at", &ack, "referred_at", &referred_at)?;
            ctx.not_future("referred_at", referred_at)?;
            VictimComplaintReferred {
                complaint_id,
                referral_id,
                referred_to,
                referred_at,
                note,
            }
            .into()
        }
        Command::RecordResponse(RecordVictimComplaintResponse {
            referral_id,
            responded_at,
            response_summary,
        }) => {
            let referral = state
                .referrals
                .iter()
                .find(|r| r.referral_id == referral_id)
                .ok_or_else(|| DomainError::unknown("referral", referral_id))?;
            if referral.responded_at.is_some() {
                return Err(DomainError::already(
                    "referral",
                    referral_id,
                    "responded to",
                ));
            }
            required("response_summary", &response_summary)?;
            ordered(
                "referred_at",
                &referral.referred_at,
                "responded_at",
                &responded_at,
            )?;
            ctx.not_future("responded_at", responded_at)?;
            VictimComplaintResponded {
                complaint_id,
                referral_id,
                responded_at,
                response_summary,
            }
            .into()
        }
        Command::Resolve(ResolveVictimComplaint {
            resolved_at,
            outcome,
            outcome_summary,
        }) => {
            if matches!(state.status, Status::Resolved | Status::Reviewed) {
                return Err(DomainError::already(KIND, complaint_id, "resolved"));
            }
            if state.acknowledged_at.is_none() {
                return Err(DomainError::invalid_state(
                    KIND,
                    complaint_id,
                    "resolve",
                    "not yet acknowledged",
                ));
            }
            required("outcome_summary", &outcome_summary)?;
            ordered("received_at", &received_at, "resolved_at", &resolved_at)?;
            ctx.not_future("resolved_at", resolved_at)?;
            VictimComplaintResolved {
                complaint_id,
                resolved_at,
                outcome,
                outcome_summary,
                days_to_resolve: days_between(received_at, resolved_at),
            }
            .into()
        }
        Command::Review(ReviewVictimComplaint {
            reviewed_at,
            meeting_id,
            finding,
            notes,
        }) => {
            match state.status {
                Status::Resolved => {}
                Status::Reviewed => {
                    return Err(DomainError::already(KIND, complaint_id, "reviewed"));
                }
                _ => {
                    return Err(DomainError::invalid_state(
                        KIND,
                        complaint_id,
                        "review",
                        "not yet resolved",
                    ));
                }
            }
            required("notes", &notes)?;
            if let Some(resolved_at) = state.resolved_at {
                ordered("resolved_at", &resolved_at, "reviewed_at", &reviewed_at)?;
            }
            ctx.not_future("reviewed_at", reviewed_at)?;
            VictimComplaintReviewed {
                complaint_id,
                reviewed_at,
                meeting_id,
                finding,
                notes,
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

    /// `VictimComplaintRaised` v1: the category was free text and the channel unknown.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
    pub struct VictimComplaintRaisedV1 {
        pub complaint_id: Uuid,
        pub borough: BoroughCode,
        pub ward: Option<WardCode>,
        pub received_at: Timestamp,
        /// Free text, as typed by the board secretary.
        pub category: String,
        pub summary: String,
        pub personal: ComplainantDetails,
    }

    /// Map v1's free-text category onto v2's list; text that does not map is kept as
    /// `other` with the original words in `category_detail`.
    pub fn category_from_text(text: &str) -> ComplaintCategory {
        let t = text.to_lowercase();
        let has = |words: &[&str]| words.iter().any(|w| t.contains(w));
        if has(&["response", "attend", "999", "101"]) {
            ComplaintCategory::PoliceResponse
        } else if has(&["investigat", "evidence", "cctv"]) {
            ComplaintCategory::InvestigationQuality
        } else if has(&["update", "communicat", "contact", "call back", "informed"]) {
            ComplaintCategory::Communication
        } else if has(&["victim", "support", "care"]) {
            ComplaintCategory::VictimCare
        } else if has(&["conduct", "rude", "behaviour of officer", "attitude"]) {
            ComplaintCategory::OfficerConduct
        } else if has(&["asb", "anti-social", "antisocial", "anti social"]) {
            ComplaintCategory::AntisocialBehaviour
        } else {
            ComplaintCategory::Other
        }
    }

    impl From<VictimComplaintRaisedV1> for VictimComplaintRaised {
        fn from(v1: VictimComplaintRaisedV1) -> Self {
            let category = category_from_text(&v1.category);
            let detail = v1.category.trim();
            Self {
                complaint_id: v1.complaint_id,
                borough: v1.borough,
                ward: v1.ward,
                received_at: v1.received_at,
                category,
                category_detail: (!detail.is_empty()).then(|| detail.to_owned()),
                channel: ComplaintChannel::NotRecorded,
                summary: v1.summary,
                personal: v1.personal,
            }
        }
    }

    fn upcast_raised_v1(payload: &engage_log::Payload) -> Result<DomainEvent, DecodeError> {
        upcast_via::<VictimComplaintRaisedV1, VictimComplaintRaised>(
            "VictimComplaintRaised",
            1,
            payload,
        )
        .map(|e| DomainEvent::VictimComplaint(Event::Raised(e)))
    }

    pub const RAISED_V1: LegacyEntry = LegacyEntry {
        entry: CatalogueEntry {
            event_type: "VictimComplaintRaised",
            schema_version: 1,
            summary: "A victim of crime raised a complaint with the board (free-text category).",
            schema: schema_of::<VictimComplaintRaisedV1>,
        },
        upcast: upcast_raised_v1,
    };
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::Aggregate;
    use crate::testkit::*;
    use chrono::Duration;

    fn complainant() -> ComplainantDetails {
        ComplainantDetails {
            data_subject_id: id(9001),
            full_name: "Jane Doe".into(),
            email: Some("jane@example.org".into()),
            phone: None,
            postal_address: None,
        }
    }

    fn raise() -> Command {
        Command::Raise(RaiseVictimComplaint {
            complaint_id: id(1),
            borough: CAMDEN.into(),
            ward: Some(CAMDEN_WARD.into()),
            received_at: days_ago(30),
            category: ComplaintCategory::Communication,
            category_detail: None,
            channel: ComplaintChannel::Email,
            summary: "No update for six weeks after a burglary report".into(),
            personal: complainant(),
        })
    }

    fn run(state: &mut State, cmd: Command) -> Result<Vec<Event>, DomainError> {
        let events = decide(state, cmd, &ctx())?;
        for e in &events {
            state.apply(e);
        }
        Ok(events)
    }

    fn lifecycle() -> Vec<Command> {
        vec![
            raise(),
            Command::Acknowledge(AcknowledgeVictimComplaint {
                acknowledged_at: days_ago(27),
            }),
            Command::Refer(ReferVictimComplaint {
                referral_id: id(2),
                referred_to: ReferralTarget::BoroughCommand,
                referred_at: days_ago(26),
                note: Some("Asked for a named officer to call back".into()),
            }),
            Command::RecordResponse(RecordVictimComplaintResponse {
                referral_id: id(2),
                responded_at: days_ago(20),
                response_summary: "Officer allocated; victim called".into(),
            }),
            Command::Resolve(ResolveVictimComplaint {
                resolved_at: days_ago(10),
                outcome: ComplaintOutcome::Upheld,
                outcome_summary: "Victim updated; process changed".into(),
            }),
            Command::Review(ReviewVictimComplaint {
                reviewed_at: days_ago(2),
                meeting_id: Some(id(50)),
                finding: ReviewFinding::LessonsToLearn,
                notes: "Updates policy to be checked at next meeting".into(),
            }),
        ]
    }

    pub(crate) fn samples() -> Vec<Event> {
        let mut s = State::default();
        lifecycle()
            .into_iter()
            .flat_map(|c| run(&mut s, c).expect("valid"))
            .collect()
    }

    #[test]
    fn full_lifecycle_with_timeliness() {
        let events = samples();
        assert_eq!(events.len(), 6);
        let s = VictimComplaint::fold(&events);
        assert_eq!(s.status, Status::Reviewed);
        assert_eq!(s.days_to_acknowledge(), Some(3));
        assert_eq!(s.days_to_resolve(), Some(20));
        assert!(matches!(&events[1], Event::Acknowledged(a) if a.days_to_acknowledge == 3));
        assert!(matches!(&events[4], Event::Resolved(r) if r.days_to_resolve == 20));
        assert_eq!(stream_id(id(1)).as_str(), format!("complaint-{}", id(1)));
    }

    #[test]
    fn unknown_complaint() {
        let err = decide(
            &State::default(),
            Command::Acknowledge(AcknowledgeVictimComplaint {
                acknowledged_at: days_ago(1),
            }),
            &ctx(),
        );
        assert!(matches!(
            err,
            Err(DomainError::Unknown {
                kind: "complaint",
                ..
            })
        ));
    }

    #[test]
    fn raise_validation() {
        let mut bad = raise();
        if let Command::Raise(RaiseVictimComplaint { ward, .. }) = &mut bad {
            *ward = Some(HACKNEY_WARD.into());
        }
        assert!(matches!(
            decide(&State::default(), bad, &ctx()),
            Err(DomainError::WardNotInBorough { .. })
        ));
        let mut unknown_ward = raise();
        if let Command::Raise(RaiseVictimComplaint { ward, .. }) = &mut unknown_ward {
            *ward = Some("E05999999".into());
        }
        assert_eq!(
            decide(&State::default(), unknown_ward, &ctx()),
            Err(DomainError::UnknownWard("E05999999".into()))
        );
        let mut future = raise();
        if let Command::Raise(RaiseVictimComplaint { received_at, .. }) = &mut future {
            *received_at = now() + Duration::days(1);
        }
        assert!(matches!(
            decide(&State::default(), future, &ctx()),
            Err(DomainError::InFuture {
                field: "received_at",
                ..
            })
        ));
        let mut other = raise();
        if let Command::Raise(RaiseVictimComplaint { category, .. }) = &mut other {
            *category = ComplaintCategory::Other;
        }
        assert_eq!(
            decide(&State::default(), other, &ctx()),
            Err(DomainError::Required {
                field: "category_detail"
            })
        );
        let mut s = State::default();
        run(&mut s, raise()).expect("raise");
        assert!(matches!(
            decide(&s, raise(), &ctx()),
            Err(DomainError::AlreadyExists { .. })
        ));
    }

    #[test]
    fn lifecycle_order_errors() {
        let mut s = State::default();
        run(&mut s, raise()).expect("raise");
        let refer = Command::Refer(ReferVictimComplaint {
            referral_id: id(2),
            referred_to: ReferralTarget::Mopac,
            referred_at: days_ago(5),
            note: None,
        });
        assert!(matches!(
            decide(&s, refer.clone(), &ctx()),
            Err(DomainError::InvalidState {
                action: "refer",
                ..
            })
        ));
        let resolve = Command::Resolve(ResolveVictimComplaint {
            resolved_at: days_ago(1),
            outcome: ComplaintOutcome::NotUpheld,
            outcome_summary: "x".into(),
        });
        assert!(matches!(
            decide(&s, resolve.clone(), &ctx()),
            Err(DomainError::InvalidState {
                action: "resolve",
                ..
            })
        ));
        let early = Command::Acknowledge(AcknowledgeVictimComplaint {
            acknowledged_at: days_ago(40),
        });
        assert!(matches!(
            decide(&s, early, &ctx()),
            Err(DomainError::EndBeforeStart {
                end_field: "acknowledged_at",
                ..
            })
        ));
        let ack = Command::Acknowledge(AcknowledgeVictimComplaint {
            acknowledged_at: days_ago(20),
        });
        run(&mut s, ack.clone()).expect("ack");
        assert_eq!(
            decide(&s, ack, &ctx()),
            Err(DomainError::already("complaint", id(1), "acknowledged"))
        );
        assert!(matches!(
            decide(
                &s,
                Command::RecordResponse(RecordVictimComplaintResponse {
                    referral_id: id(3),
                    responded_at: days_ago(1),
                    response_summary: "x".into()
                }),
                &ctx()
            ),
            Err(DomainError::Unknown {
                kind: "referral",
                ..
            })
        ));
        let review = Command::Review(ReviewVictimComplaint {
            reviewed_at: days_ago(1),
            meeting_id: None,
            finding: ReviewFinding::HandledWell,
            notes: "n".into(),
        });
        assert!(matches!(
            decide(&s, review.clone(), &ctx()),
            Err(DomainError::InvalidState {
                action: "review",
                ..
            })
        ));
        run(&mut s, resolve.clone()).expect("resolve");
        assert_eq!(
            decide(&s, resolve, &ctx()),
            Err(DomainError::already("complaint", id(1), "resolved"))
        );
        assert!(matches!(
            decide(&s, refer, &ctx()),
            Err(DomainError::InvalidState {
                action: "refer",
                ..
            })
        ));
        run(&mut s, review.clone()).expect("review");
        assert_eq!(
            decide(&s, review, &ctx()),
            Err(DomainError::already("complaint", id(1), "reviewed"))
        );
    }

    #[test]
    fn v1_raised_payloads_upcast_to_v2() {
        let v1 = serde_json::json!({
            "complaint_id": id(1),
            "borough": CAMDEN,
            "ward": null,
            "received_at": "2019-03-04T10:00:00Z",
            "category": "Poor communication - no updates",
            "summary": "No update after reporting a theft",
            "personal": {
                "data_subject_id": id(9001),
                "full_name": "Jane Doe",
                "email": null,
                "phone": "07700 900123",
                "postal_address": null
            }
        });
        let payload = engage_log::Payload::from_value(&v1).expect("object");
        let decoded = crate::decode("VictimComplaintRaised", 1, &payload).expect("upcast");
        let crate::DomainEvent::VictimComplaint(Event::Raised(e)) = decoded else {
            panic!("wrong event: {decoded:?}");
        };
        assert_eq!(e.category, ComplaintCategory::Communication);
        assert_eq!(
            e.category_detail.as_deref(),
            Some("Poor communication - no updates")
        );
        assert_eq!(e.channel, ComplaintChannel::NotRecorded);
        assert_eq!(e.personal.phone.as_deref(), Some("07700 900123"));

        let unmapped = legacy::VictimComplaintRaisedV1 {
            complaint_id: id(2),
            borough: CAMDEN.into(),
            ward: None,
            received_at: days_ago(1),
            category: "Noise from a licensed venue".into(),
            summary: "s".into(),
            personal: complainant(),
        };
        let v2 = VictimComplaintRaised::from(unmapped);
        assert_eq!(v2.category, ComplaintCategory::Other);
        assert_eq!(
            v2.category_detail.as_deref(),
            Some("Noise from a licensed venue")
        );

        let broken = engage_log::Payload::parse(r#"{"complaint_id": 5}"#).expect("object");
        assert!(matches!(
            crate::decode("VictimComplaintRaised", 1, &broken),
            Err(crate::DecodeError::InvalidPayload {
                schema_version: 1,
                ..
            })
        ));
    }
}
