//! The policy table: which roles may give which command, which roles may ask which class of
//! query, and who may see personal data. Every decision the server makes about access is
//! taken here, so the rules can be read (and reviewed) in one place.
//!
//! Commands: a role listed for a command may give it only inside its scope (see
//! [`Principal::covers`]): a board member of Camden may acknowledge Camden's complaints, not
//! Hackney's. London-wide roles are not limited. Nothing not listed is allowed.

use crate::role::{Principal, Role, ScopeKind, Target};

use Role::{
    Administrator as ADMIN, Auditor as AUDITOR, BoardChair as CHAIR, BoardMember as MEMBER,
    CustodyVisitor as VISITOR, MopacAnalyst as ANALYST, MopacOfficer as OFFICER,
    WardPanelMember as PANEL,
};

/// Which roles may give a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommandRule {
    /// The command's name, as in `engage_domain::COMMANDS` (e.g. `RaiseVictimComplaint`).
    pub command: &'static str,
    /// The roles allowed (each limited to its scope).
    pub roles: &'static [Role],
}

const fn rule(command: &'static str, roles: &'static [Role]) -> CommandRule {
    CommandRule { command, roles }
}

// The groups of roles the table is written with.
const BOARD: &[Role] = &[MEMBER, CHAIR, ADMIN];
const CHAIR_ONLY: &[Role] = &[CHAIR, ADMIN];
const MOPAC: &[Role] = &[OFFICER, ADMIN];
const CHAIR_OR_MOPAC: &[Role] = &[CHAIR, OFFICER, ADMIN];
const LOCAL_PEOPLE: &[Role] = &[MEMBER, CHAIR, PANEL, ADMIN];
const PANEL_WORK: &[Role] = &[PANEL, CHAIR, ADMIN];
const VISITORS: &[Role] = &[VISITOR, ADMIN];
const VISITORS_OR_MOPAC: &[Role] = &[VISITOR, OFFICER, ADMIN];
const BOARD_OR_MOPAC: &[Role] = &[MEMBER, CHAIR, OFFICER, ADMIN];
const COMMUNITY: &[Role] = &[MEMBER, CHAIR, PANEL, OFFICER, ADMIN];
const ADMIN_ONLY: &[Role] = &[ADMIN];

/// Every command and the roles that may give it.
pub const COMMAND_RULES: &[CommandRule] = &[
    // Safer Neighbourhood Boards: MOPAC establishes them, chairs appoint, members run them.
    rule("EstablishBoard", MOPAC),
    rule("AppointBoardMember", CHAIR_OR_MOPAC),
    rule("StandDownBoardMember", CHAIR_OR_MOPAC),
    rule("ScheduleBoardMeeting", BOARD),
    rule("RecordBoardMeetingHeld", BOARD),
    rule("CancelBoardMeeting", BOARD),
    rule("PublishBoardMinutes", CHAIR_ONLY),
    rule("RaiseBoardActionItem", BOARD),
    rule("CompleteBoardActionItem", BOARD),
    // Victims' complaints heard by the board; the chair signs off the review.
    rule("RaiseVictimComplaint", BOARD),
    rule("AcknowledgeVictimComplaint", BOARD),
    rule("ReferVictimComplaint", BOARD),
    rule("RecordVictimComplaintResponse", BOARD),
    rule("ResolveVictimComplaint", BOARD),
    rule("ReviewVictimComplaint", CHAIR_ONLY),
    // Local priorities: anyone local proposes and reports; the chair decides.
    rule("ProposePriority", LOCAL_PEOPLE),
    rule("SetPriority", CHAIR_ONLY),
    rule("ReportPriorityProgress", LOCAL_PEOPLE),
    rule("ReviewPriority", CHAIR_ONLY),
    rule("ClosePriority", CHAIR_ONLY),
    rule("PublishPriorityFeedback", CHAIR_ONLY),
    // The crime prevention fund is MOPAC's; boards bid.
    rule("OpenFundRound", MOPAC),
    rule("CloseFundRound", MOPAC),
    rule("SubmitPreventionBid", BOARD),
    rule("AssessPreventionBid", MOPAC),
    rule("ApprovePreventionBid", MOPAC),
    rule("RejectPreventionBid", MOPAC),
    rule("WithdrawPreventionBid", CHAIR_ONLY),
    rule("ReleasePreventionFunds", MOPAC),
    rule("ReportPreventionBidMilestone", BOARD),
    rule("ReportPreventionBidOutcome", BOARD),
    // Ward panels.
    rule("FormWardPanel", CHAIR_OR_MOPAC),
    rule("JoinWardPanel", PANEL_WORK),
    rule("LeaveWardPanel", PANEL_WORK),
    rule("RecordWardPanelMeeting", PANEL_WORK),
    rule("AgreeWardPanelPriority", PANEL_WORK),
    // Independent custody visiting; MOPAC runs the scheme and may resolve issues.
    rule("LogCustodyVisit", VISITORS),
    rule("RecordCustodyVisitEncounter", VISITORS),
    rule("RaiseCustodyVisitIssue", VISITORS),
    rule("EscalateCustodyVisitIssue", VISITORS),
    rule("ResolveCustodyVisitIssue", VISITORS_OR_MOPAC),
    rule("CloseCustodyVisit", VISITORS),
    // Stop-and-search monitoring: MOPAC imports the data, boards monitor it.
    rule("ImportStopSearchRecords", MOPAC),
    rule("SelectStopSearchSample", BOARD),
    rule("ReviewStopSearchRecord", BOARD),
    rule("RaiseStopSearchConcern", BOARD),
    rule("RecordStopSearchPoliceResponse", BOARD),
    rule("CloseStopSearchConcern", BOARD),
    // Police complaint cases the boards and MOPAC monitor.
    rule("NotePoliceComplaintCase", BOARD_OR_MOPAC),
    rule("AddPoliceComplaintAllegation", BOARD_OR_MOPAC),
    rule("RecordPoliceComplaintHandlingRoute", BOARD_OR_MOPAC),
    rule("RecordPoliceComplaintAllegationOutcome", BOARD_OR_MOPAC),
    rule("RecordPoliceComplaintLearning", BOARD_OR_MOPAC),
    rule("ClosePoliceComplaintCase", BOARD_OR_MOPAC),
    // Reference data and performance figures: MOPAC's.
    rule("RegisterWard", MOPAC),
    rule("RetireWard", MOPAC),
    rule("RegisterCustodySuite", MOPAC),
    rule("CloseCustodySuite", MOPAC),
    rule("RecordCrimeFigures", MOPAC),
    rule("RecordConfidenceSurveyResult", MOPAC),
    // Community Payback: local people nominate, MOPAC decides.
    rule("NominateCommunityPaybackProject", LOCAL_PEOPLE),
    rule("SelectCommunityPaybackProject", MOPAC),
    rule("DeclineCommunityPaybackProject", MOPAC),
    rule("CompleteCommunityPaybackProject", MOPAC),
    // Independent Advisory Groups: MOPAC's.
    rule("RegisterIag", MOPAC),
    rule("ObserveIagMeeting", MOPAC),
    rule("RecordIagAdvice", MOPAC),
    // Neighbourhood Watch.
    rule("RegisterNeighbourhoodWatchScheme", COMMUNITY),
    rule("GiveNeighbourhoodWatchSupport", COMMUNITY),
    // LCP2 and the pan-London partnership boards: MOPAC's.
    rule("JoinLcp2", MOPAC),
    rule("LeaveLcp2", MOPAC),
    rule("HoldLcp2ChairsForum", MOPAC),
    rule("DeliverLcp2Training", MOPAC),
    rule("PublishLcp2BestPracticeDigest", MOPAC),
    rule("IssueLcp2EBulletin", MOPAC),
    rule("CanvassLcp2MembersViews", MOPAC),
    rule("ConstitutePartnershipBoard", MOPAC),
    rule("JoinPartnershipBoard", MOPAC),
    rule("LeavePartnershipBoard", MOPAC),
    rule("RecordPartnershipBoardMeeting", MOPAC),
    rule("AgreePartnershipBoardTheme", MOPAC),
    rule("AdoptPartnershipBoardTermsOfReference", MOPAC),
    rule("PublishPartnershipBoardWorkPlan", MOPAC),
    rule("MakePartnershipBoardRepresentation", MOPAC),
    // Erasure of a data subject (UK GDPR): administrators only.
    rule("EraseDataSubject", ADMIN_ONLY),
];

/// The rule for `command`, if the table has one (a command without one is refused).
pub fn command_rule(command: &str) -> Option<&'static CommandRule> {
    COMMAND_RULES.iter().find(|r| r.command == command)
}

/// Why a request was refused: said to the caller as it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Denied(pub String);

fn describe_target(target: &Target) -> String {
    match (&target.borough, &target.ward) {
        (Some(b), Some(w)) => format!("borough {b}, ward {w}"),
        (Some(b), None) => format!("borough {b}"),
        (None, Some(w)) => format!("ward {w}"),
        (None, None) => "London as a whole".to_owned(),
    }
}

fn describe_scope(who: &Principal) -> String {
    match who.role().scope_kind() {
        ScopeKind::Boroughs => {
            let mut all: Vec<&str> = who.boroughs().iter().map(String::as_str).collect();
            all.extend(who.wards().iter().map(String::as_str));
            format!("your token covers {}", all.join(", "))
        }
        ScopeKind::Wards => format!(
            "your token covers the wards {}",
            who.wards()
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>()
                .join(", ")
        ),
        _ => String::new(),
    }
}

/// May `who` give `command`, touching `target` (the borough/ward of the command or of the
/// aggregate it acts on)?
pub fn authorize_command(who: &Principal, command: &str, target: &Target) -> Result<(), Denied> {
    authorize_role(who, command)?;
    if !who.covers(target) {
        return Err(Denied(format!(
            "{command} touches {}, outside your scope as {}: {}",
            describe_target(target),
            who.role(),
            describe_scope(who)
        )));
    }
    Ok(())
}

/// May `who`'s role give `command` at all (wherever it is)?
pub fn authorize_role(who: &Principal, command: &str) -> Result<(), Denied> {
    let Some(rule) = command_rule(command) else {
        return Err(Denied(format!(
            "{command} is not in the access policy, so no one may give it"
        )));
    };
    if !rule.roles.contains(&who.role()) {
        let allowed: Vec<&str> = rule.roles.iter().map(|r| r.as_str()).collect();
        let signed_in = if who.is_anonymous() {
            " (send a bearer token to act as anyone but the public)"
        } else {
            ""
        };
        return Err(Denied(format!(
            "the role {} may not give {command}: it is for {}{signed_in}",
            who.role(),
            allowed.join(", ")
        )));
    }
    Ok(())
}

/// The classes of query, each with its own rule (see [`authorize_query`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryClass {
    /// `head`, `projectionStatus`: open to everyone.
    Status,
    /// Scorecards and other aggregates: open to everyone.
    Aggregates,
    /// Priorities: everyone sees published ones (set or closed); roles in scope and
    /// London-wide roles also see proposals.
    Priorities,
    /// The raw log: `events`, `stream`, `event`, `streamMetadata`, `auditTrail`, the
    /// `events` subscription. London-wide roles only.
    Log,
    /// Victims' complaints: board roles (their boroughs) and London-wide roles.
    Complaints,
    /// Custody visits: custody visitors (their boroughs) and London-wide roles.
    CustodyVisits,
    /// Police complaint cases: board roles (their boroughs) and London-wide roles.
    PoliceComplaintCases,
    /// The boards' local working records (meetings, action items, ward panels,
    /// stop-and-search monitoring, fund bids, Community Payback, IAGs, Neighbourhood
    /// Watch): every signed-in role; not the public. They hold no personal data.
    LocalRecords,
}

impl QueryClass {
    /// The roles that may ask this class of query (scoped roles see only their scope).
    pub fn roles(self) -> &'static [Role] {
        const EVERYONE: &[Role] = &Role::ALL;
        const LONDON: &[Role] = &[OFFICER, ANALYST, AUDITOR, ADMIN];
        const BOARD_AND_LONDON: &[Role] = &[MEMBER, CHAIR, OFFICER, ANALYST, AUDITOR, ADMIN];
        const VISITORS_AND_LONDON: &[Role] = &[VISITOR, OFFICER, ANALYST, AUDITOR, ADMIN];
        match self {
            Self::Status | Self::Aggregates | Self::Priorities => EVERYONE,
            Self::Log => LONDON,
            Self::Complaints | Self::PoliceComplaintCases => BOARD_AND_LONDON,
            Self::CustodyVisits => VISITORS_AND_LONDON,
            Self::LocalRecords => &[
                MEMBER, CHAIR, VISITOR, PANEL, OFFICER, ANALYST, AUDITOR, ADMIN,
            ],
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Self::Status => "the log's status",
            Self::Aggregates => "aggregates",
            Self::Priorities => "priorities",
            Self::Log => "the raw log and audit trail",
            Self::Complaints => "victims' complaints",
            Self::CustodyVisits => "custody visits",
            Self::PoliceComplaintCases => "police complaint cases",
            Self::LocalRecords => "the boards' local records",
        }
    }
}

/// May `who` ask a query of `class` at all? (Listings then keep only the records
/// [`may_see_record`] allows.)
pub fn authorize_query(who: &Principal, class: QueryClass) -> Result<(), Denied> {
    if class.roles().contains(&who.role()) {
        return Ok(());
    }
    let hint = if who.is_anonymous() {
        " (send a bearer token: the public sees published items and aggregates only)"
    } else {
        ""
    };
    Err(Denied(format!(
        "the role {} may not read {}{hint}",
        who.role(),
        class.describe()
    )))
}

/// May `who` see one record of `class` at `target`? `published` says whether the record
/// is published (only priorities have unpublished records the public cannot see).
pub fn may_see_record(
    who: &Principal,
    class: QueryClass,
    target: &Target,
    published: bool,
) -> bool {
    if !class.roles().contains(&who.role()) {
        return false;
    }
    match class {
        QueryClass::Status | QueryClass::Aggregates | QueryClass::LocalRecords => true,
        QueryClass::Priorities => published || who.covers(target),
        _ => who.covers(target),
    }
}

/// May `who` see the personal data (`personal` objects) of an event at `target`?
///
/// Administrators and MOPAC officers: yes. Board members and chairs, custody visitors and
/// ward panel members: for records in their scope. Auditors: only when the request states
/// why (`reason_given`), which is recorded. MOPAC analysts and the public: never.
pub fn may_see_personal_data(who: &Principal, target: &Target, reason_given: bool) -> bool {
    match who.role() {
        ADMIN | OFFICER => true,
        MEMBER | CHAIR | VISITOR | PANEL => who.covers(target),
        AUDITOR => reason_given,
        ANALYST | Role::Public => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn every_command_of_the_domain_has_exactly_one_rule() {
        let mut ruled = BTreeSet::new();
        for r in COMMAND_RULES {
            assert!(ruled.insert(r.command), "{} has two rules", r.command);
            assert!(!r.roles.is_empty(), "{} allows no one", r.command);
            assert!(r.roles.contains(&Role::Administrator), "{}", r.command);
            assert!(!r.roles.contains(&Role::Public), "{}", r.command);
        }
        for set in engage_domain::COMMANDS {
            for name in set.commands {
                assert!(
                    ruled.contains(name),
                    "{name} has no rule in the policy table"
                );
            }
        }
        // The privacy branch's erasure command is ruled here too.
        assert!(ruled.contains("EraseDataSubject"));
    }

    #[test]
    fn scope_limits_allowed_roles() {
        let member = Principal::new("m", Role::BoardMember, "b", ["E09000007".to_owned()], []);
        let camden = Target::new(Some("E09000007"), None);
        let hackney = Target::new(Some("E09000012"), None);
        assert!(authorize_command(&member, "AcknowledgeVictimComplaint", &camden).is_ok());
        let denied =
            authorize_command(&member, "AcknowledgeVictimComplaint", &hackney).unwrap_err();
        assert!(denied.0.contains("outside your scope"), "{denied}");
        let denied = authorize_command(&member, "OpenFundRound", &Target::default()).unwrap_err();
        assert!(denied.0.contains("may not give OpenFundRound"), "{denied}");
        assert!(authorize_command(&member, "NoSuchCommand", &camden).is_err());
    }

    #[test]
    fn personal_data_needs_scope_or_a_stated_reason() {
        let camden = Target::new(Some("E09000007"), None);
        let auditor = Principal::new("a", Role::Auditor, "audit", [], []);
        assert!(!may_see_personal_data(&auditor, &camden, false));
        assert!(may_see_personal_data(&auditor, &camden, true));
        let analyst = Principal::new("x", Role::MopacAnalyst, "mopac", [], []);
        assert!(!may_see_personal_data(&analyst, &camden, true));
        assert!(!may_see_personal_data(
            &Principal::anonymous(),
            &camden,
            true
        ));
    }
}
