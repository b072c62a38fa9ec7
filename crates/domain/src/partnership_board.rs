//! The pan-London partnership boards: the London Community Safety Partnership (LCSP, set up
//! in 2006 after the London Crime Reduction Delivery Board, chaired by the MPS Deputy
//! Commissioner) and the London Crime Reduction Board (LCRB, set up under Met Forward in
//! 2010). Each is constituted under terms of reference; senior representatives of member
//! agencies (London Councils, the CPS, British Transport Police, London Probation, the GLA,
//! ...) join and leave; the board meets; agrees key themes (LCSP) or shared priorities
//! (LCRB); adopts new versions of its terms of reference; publishes one work plan a year;
//! and makes representations to government and others.
//!
//! Stream: `partnership-board-<lcsp|lcrb>`, one per board, for its whole life (a few dozen
//! events a year). Agencies are named and their representatives identified by role only
//! ("Deputy Commissioner"), so there is no personal data.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use chrono::{Datelike, NaiveDate};
use engage_log::StreamId;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::common::{EvidenceRef, Membership, Period, all_members_on, each_required};
use crate::context::{non_empty, ordered, positive, required};
use crate::{DecisionContext, DomainError};

/// Which pan-London partnership board.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[serde(rename_all = "snake_case")]
pub enum PanLondonBoard {
    /// The London Community Safety Partnership.
    Lcsp,
    /// The London Crime Reduction Board.
    Lcrb,
}

impl PanLondonBoard {
    /// The short code used in stream names: `lcsp`, `lcrb`.
    pub fn code(self) -> &'static str {
        match self {
            Self::Lcsp => "lcsp",
            Self::Lcrb => "lcrb",
        }
    }

    /// The board's full name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Lcsp => "London Community Safety Partnership",
            Self::Lcrb => "London Crime Reduction Board",
        }
    }
}

impl fmt::Display for PanLondonBoard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// The stream of `board`.
pub fn stream_id(board: PanLondonBoard) -> StreamId {
    StreamId::new(format!("partnership-board-{}", board.code()))
}

/// The board was constituted under its (first) terms of reference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PartnershipBoardConstituted {
    pub board: PanLondonBoard,
    pub constituted_on: NaiveDate,
    /// A URL or document reference to the terms of reference it was constituted under
    /// (version 1; later versions are adopted with `PartnershipBoardTermsOfReferenceAdopted`).
    pub terms_of_reference: String,
    /// Who chairs it, by role (e.g. `Deputy Commissioner, Metropolitan Police Service`).
    pub chair_role: Option<String>,
    /// The body it succeeds, if any (e.g. `London Crime Reduction Delivery Board`).
    pub predecessor: Option<String>,
}

/// An agency became a member of the board (or rejoined).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PartnershipBoardMemberAgencyJoined {
    pub board: PanLondonBoard,
    pub agency_id: Uuid,
    /// The agency's name (e.g. `London Councils`, `Crown Prosecution Service`).
    pub agency: String,
    /// The role of its representative on the board (e.g. `Chief Crown Prosecutor`), not a
    /// person's name.
    pub representative_role: String,
    pub joined_on: NaiveDate,
}

/// A member agency left the board.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PartnershipBoardMemberAgencyLeft {
    pub board: PanLondonBoard,
    pub agency_id: Uuid,
    pub left_on: NaiveDate,
    pub reason: Option<String>,
}

/// The board met.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PartnershipBoardMeetingHeld {
    pub board: PanLondonBoard,
    pub meeting_id: Uuid,
    pub held_on: NaiveDate,
    /// Member agencies represented, each a member on the day.
    pub agencies_present: Vec<Uuid>,
    pub agenda: Vec<String>,
    /// A URL or document reference to the minutes, once available.
    pub minutes_reference: Option<String>,
}

/// The board agreed a key theme (LCSP) or shared priority (LCRB).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PartnershipBoardThemeAgreed {
    pub board: PanLondonBoard,
    pub theme_id: Uuid,
    /// e.g. `Robbery`, `Youth crime and victimisation`.
    pub title: String,
    pub description: String,
    /// The period it is a theme for (e.g. 2006-04-01..=2007-03-31), if stated.
    pub period: Option<Period>,
    pub agreed_on: NaiveDate,
    /// The meeting that agreed it, if agreed at one.
    pub meeting_id: Option<Uuid>,
    /// What it was based on (consultation responses, crime data, ...).
    pub evidence: Vec<EvidenceRef>,
}

/// The board adopted a new version of its terms of reference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PartnershipBoardTermsOfReferenceAdopted {
    pub board: PanLondonBoard,
    /// Greater than every version before (the constitution's terms are version 1).
    pub version: u32,
    /// A URL or document reference.
    pub reference: String,
    pub adopted_on: NaiveDate,
    pub meeting_id: Option<Uuid>,
    /// What changed from the previous version.
    pub changes: Option<String>,
}

/// The board published its annual work plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PartnershipBoardWorkPlanPublished {
    pub board: PanLondonBoard,
    /// The year the plan covers (for a financial-year plan, the year it starts: 2010 is
    /// 2010/11). One plan per year.
    pub year: i32,
    pub published_on: NaiveDate,
    /// A URL or document reference.
    pub reference: String,
    /// The agreed themes or shared priorities it delivers.
    pub themes: Vec<Uuid>,
    pub summary: String,
}

/// The board made a representation (to government or another body).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PartnershipBoardRepresentationMade {
    pub board: PanLondonBoard,
    pub representation_id: Uuid,
    pub made_on: NaiveDate,
    /// To whom (e.g. `Home Office`, `HM Treasury`).
    pub made_to: String,
    /// What about (e.g. `Comprehensive Spending Review`).
    pub subject: String,
    pub summary: String,
    /// The meeting that agreed it, if any.
    pub meeting_id: Option<Uuid>,
    /// A URL or document reference.
    pub reference: Option<String>,
}

events! {
    pub enum Event {
        Constituted(PartnershipBoardConstituted) = "PartnershipBoardConstituted" v 1: "A pan-London partnership board (LCSP or LCRB) was constituted under its terms of reference.",
        MemberAgencyJoined(PartnershipBoardMemberAgencyJoined) = "PartnershipBoardMemberAgencyJoined" v 1: "An agency joined a pan-London partnership board (its representative's role).",
        MemberAgencyLeft(PartnershipBoardMemberAgencyLeft) = "PartnershipBoardMemberAgencyLeft" v 1: "A member agency left a pan-London partnership board.",
        MeetingHeld(PartnershipBoardMeetingHeld) = "PartnershipBoardMeetingHeld" v 1: "A pan-London partnership board met (member agencies present, agenda).",
        ThemeAgreed(PartnershipBoardThemeAgreed) = "PartnershipBoardThemeAgreed" v 1: "A pan-London partnership board agreed a key theme or shared priority.",
        TermsOfReferenceAdopted(PartnershipBoardTermsOfReferenceAdopted) = "PartnershipBoardTermsOfReferenceAdopted" v 1: "A pan-London partnership board adopted a new version of its terms of reference.",
        WorkPlanPublished(PartnershipBoardWorkPlanPublished) = "PartnershipBoardWorkPlanPublished" v 1: "A pan-London partnership board published its annual work plan.",
        RepresentationMade(PartnershipBoardRepresentationMade) = "PartnershipBoardRepresentationMade" v 1: "A pan-London partnership board made a representation (to whom, on what).",
    }
}

/// Constitute a pan-London partnership board (LCSP or LCRB).
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "graphql", derive(async_graphql::InputObject))]
pub struct ConstitutePartnershipBoard {
    pub board: PanLondonBoard,
    pub constituted_on: NaiveDate,
    pub terms_of_reference: String,
    pub chair_role: Option<String>,
    pub predecessor: Option<String>,
}

/// Record that an agency joined the partnership board.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "graphql", derive(async_graphql::InputObject))]
pub struct JoinPartnershipBoard {
    pub agency_id: Uuid,
    pub agency: String,
    pub representative_role: String,
    pub joined_on: NaiveDate,
}

/// Record that a member agency left the partnership board.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "graphql", derive(async_graphql::InputObject))]
pub struct LeavePartnershipBoard {
    pub agency_id: Uuid,
    pub left_on: NaiveDate,
    pub reason: Option<String>,
}

/// Record a meeting of the partnership board.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "graphql", derive(async_graphql::InputObject))]
pub struct RecordPartnershipBoardMeeting {
    pub meeting_id: Uuid,
    pub held_on: NaiveDate,
    pub agencies_present: Vec<Uuid>,
    pub agenda: Vec<String>,
    pub minutes_reference: Option<String>,
}

/// Agree a theme of the partnership board's work, with its evidence.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "graphql", derive(async_graphql::InputObject))]
pub struct AgreePartnershipBoardTheme {
    pub theme_id: Uuid,
    pub title: String,
    pub description: String,
    pub period: Option<Period>,
    pub agreed_on: NaiveDate,
    pub meeting_id: Option<Uuid>,
    pub evidence: Vec<EvidenceRef>,
}

/// Adopt a new version of the partnership board's terms of reference.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "graphql", derive(async_graphql::InputObject))]
pub struct AdoptPartnershipBoardTermsOfReference {
    pub version: u32,
    pub reference: String,
    pub adopted_on: NaiveDate,
    pub meeting_id: Option<Uuid>,
    pub changes: Option<String>,
}

/// Publish the partnership board's work plan for a year.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "graphql", derive(async_graphql::InputObject))]
pub struct PublishPartnershipBoardWorkPlan {
    pub year: i32,
    pub published_on: NaiveDate,
    pub reference: String,
    pub themes: Vec<Uuid>,
    pub summary: String,
}

/// Record a representation the partnership board made to a body.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "graphql", derive(async_graphql::InputObject))]
pub struct MakePartnershipBoardRepresentation {
    pub representation_id: Uuid,
    pub made_on: NaiveDate,
    pub made_to: String,
    pub subject: String,
    pub summary: String,
    pub meeting_id: Option<Uuid>,
    pub reference: Option<String>,
}

commands! {
    /// What is recorded about a pan-London partnership board.
    pub enum Command {
        Constitute(ConstitutePartnershipBoard),
        JoinAgency(JoinPartnershipBoard),
        LeaveAgency(LeavePartnershipBoard),
        RecordMeeting(RecordPartnershipBoardMeeting),
        AgreeTheme(AgreePartnershipBoardTheme),
        AdoptTermsOfReference(AdoptPartnershipBoardTermsOfReference),
        PublishWorkPlan(PublishPartnershipBoardWorkPlan),
        MakeRepresentation(MakePartnershipBoardRepresentation),
    }
}

/// A member agency as the board knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberAgency {
    pub agency: String,
    pub representative_role: String,
    pub membership: Membership,
}

/// An agreed theme.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Theme {
    pub title: String,
    pub period: Option<Period>,
}

/// The terms of reference in force.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TermsOfReference {
    pub version: u32,
    pub reference: String,
    pub adopted_on: NaiveDate,
}

/// A board's state; `Default` is "not constituted".
#[derive(Debug, Clone, Default, PartialEq)]
pub struct State {
    pub board: Option<PanLondonBoard>,
    pub constituted_on: Option<NaiveDate>,
    pub terms_of_reference: Option<TermsOfReference>,
    pub agencies: BTreeMap<Uuid, MemberAgency>,
    /// The day of every meeting held.
    pub meetings: BTreeMap<Uuid, NaiveDate>,
    pub themes: BTreeMap<Uuid, Theme>,
    /// The year of every work plan published.
    pub work_plans: BTreeSet<i32>,
    pub representations: BTreeSet<Uuid>,
}

impl State {
    pub fn apply(&mut self, event: &Event) {
        match event {
            Event::Constituted(e) => {
                self.board = Some(e.board);
                self.constituted_on = Some(e.constituted_on);
                self.terms_of_reference = Some(TermsOfReference {
                    version: 1,
                    reference: e.terms_of_reference.clone(),
                    adopted_on: e.constituted_on,
                });
            }
            Event::MemberAgencyJoined(e) => {
                let a = self
                    .agencies
                    .entry(e.agency_id)
                    .or_insert_with(|| MemberAgency {
                        agency: e.agency.clone(),
                        representative_role: e.representative_role.clone(),
                        membership: Membership::default(),
                    });
                a.agency.clone_from(&e.agency);
                a.representative_role.clone_from(&e.representative_role);
                a.membership.join(e.joined_on);
            }
            Event::MemberAgencyLeft(e) => {
                if let Some(a) = self.agencies.get_mut(&e.agency_id) {
                    a.membership.leave(e.left_on);
                }
            }
            Event::MeetingHeld(e) => {
                self.meetings.insert(e.meeting_id, e.held_on);
            }
            Event::ThemeAgreed(e) => {
                self.themes.insert(
                    e.theme_id,
                    Theme {
                        title: e.title.clone(),
                        period: e.period,
                    },
                );
            }
            Event::TermsOfReferenceAdopted(e) => {
                self.terms_of_reference = Some(TermsOfReference {
                    version: e.version,
                    reference: e.reference.clone(),
                    adopted_on: e.adopted_on,
                });
            }
            Event::WorkPlanPublished(e) => {
                self.work_plans.insert(e.year);
            }
            Event::RepresentationMade(e) => {
                self.representations.insert(e.representation_id);
            }
        }
    }

    /// The agencies that are members now.
    pub fn current_agencies(&self) -> impl Iterator<Item = (&Uuid, &MemberAgency)> {
        self.agencies
            .iter()
            .filter(|(_, a)| a.membership.is_current())
    }

    /// A meeting named by a decision must have been held, on the decision's day.
    fn meeting_on(
        &self,
        meeting_id: Option<Uuid>,
        field: &'static str,
        day: NaiveDate,
    ) -> Result<(), DomainError> {
        let Some(m) = meeting_id else { return Ok(()) };
        let held_on = self
            .meetings
            .get(&m)
            .ok_or_else(|| DomainError::unknown(MEETING, m))?;
        if *held_on != day {
            return Err(DomainError::invalid(
                field,
                format!("{day} is not the day meeting {m} was held ({held_on})"),
            ));
        }
        Ok(())
    }
}

aggregate!(PartnershipBoard, "partnership-board");

const KIND: &str = "partnership board";
const AGENCY: &str = "partnership board member agency";
const MEETING: &str = "partnership board meeting";
const THEME: &str = "partnership board theme";

/// Lower-cased, single-spaced: how names and titles are compared for duplicates.
fn normalised(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

fn optional_text(field: &'static str, text: &Option<String>) -> Result<(), DomainError> {
    match text {
        Some(t) => required(field, t),
        None => Ok(()),
    }
}

pub fn decide(
    state: &State,
    command: Command,
    ctx: &DecisionContext<'_>,
) -> Result<Vec<Event>, DomainError> {
    if let Command::Constitute(ConstitutePartnershipBoard {
        board,
        constituted_on,
        terms_of_reference,
        chair_role,
        predecessor,
    }) = command
    {
        if let Some(existing) = state.board {
            return Err(DomainError::already_exists(KIND, existing));
        }
        required("terms_of_reference", &terms_of_reference)?;
        optional_text("chair_role", &chair_role)?;
        optional_text("predecessor", &predecessor)?;
        ctx.not_future_day("constituted_on", constituted_on)?;
        return Ok(vec![
            PartnershipBoardConstituted {
                board,
                constituted_on,
                terms_of_reference,
                chair_role,
                predecessor,
            }
            .into(),
        ]);
    }
    let (Some(board), Some(constituted_on)) = (state.board, state.constituted_on) else {
        return Err(DomainError::unknown(KIND, "(not constituted)"));
    };
    // Every step happens on or after the constitution, and not in the future.
    let dated = |field: &'static str, day: NaiveDate| -> Result<(), DomainError> {
        ordered("constituted_on", &constituted_on, field, &day)?;
        ctx.not_future_day(field, day)
    };
    let event: Event = match command {
        Command::Constitute(ConstitutePartnershipBoard { .. }) => {
            return Err(DomainError::already_exists(KIND, board));
        }
        Command::JoinAgency(JoinPartnershipBoard {
            agency_id,
            agency,
            representative_role,
            joined_on,
        }) => {
            let known = state.agencies.get(&agency_id);
            if known.is_some_and(|a| a.membership.is_current()) {
                return Err(DomainError::already(AGENCY, agency_id, "a member"));
            }
            required("agency", &agency)?;
            required("representative_role", &representative_role)?;
            let name = normalised(&agency);
            if state
                .current_agencies()
                .any(|(id, a)| *id != agency_id && normalised(&a.agency) == name)
            {
                return Err(DomainError::already_exists(AGENCY, agency));
            }
            if let Some(left) = known.and_then(|a| a.membership.last_left_on()) {
                ordered("left_on", &left, "joined_on", &joined_on)?;
            }
            dated("joined_on", joined_on)?;
            PartnershipBoardMemberAgencyJoined {
                board,
                agency_id,
                agency,
                representative_role,
                joined_on,
            }
            .into()
        }
        Command::LeaveAgency(LeavePartnershipBoard {
            agency_id,
            left_on,
            reason,
        }) => {
            let agency = state
                .agencies
                .get(&agency_id)
                .ok_or_else(|| DomainError::unknown(AGENCY, agency_id))?;
            let Some(joined_on) = agency.membership.joined_on() else {
                return Err(DomainError::already(AGENCY, agency_id, "left"));
            };
            optional_text("reason", &reason)?;
            ordered("joined_on", &joined_on, "left_on", &left_on)?;
            ctx.not_future_day("left_on", left_on)?;
            PartnershipBoardMemberAgencyLeft {
                board,
                agency_id,
                left_on,
                reason,
            }
            .into()
        }
        Command::RecordMeeting(RecordPartnershipBoardMeeting {
            meeting_id,
            held_on,
            agencies_present,
            agenda,
            minutes_reference,
        }) => {
            if state.meetings.contains_key(&meeting_id) {
                return Err(DomainError::already_exists(MEETING, meeting_id));
            }
            dated("held_on", held_on)?;
            non_empty("agencies_present", &agencies_present)?;
            all_members_on(
                AGENCY,
                "agencies_present",
                &agencies_present,
                held_on,
                |id| state.agencies.get(id).map(|a| &a.membership),
            )?;
            non_empty("agenda", &agenda)?;
            each_required("agenda", &agenda)?;
            optional_text("minutes_reference", &minutes_reference)?;
            PartnershipBoardMeetingHeld {
                board,
                meeting_id,
                held_on,
                agencies_present,
                agenda,
                minutes_reference,
            }
            .into()
        }
        Command::AgreeTheme(AgreePartnershipBoardTheme {
            theme_id,
            title,
            description,
            period,
            agreed_on,
            meeting_id,
            evidence,
        }) => {
            if state.themes.contains_key(&theme_id) {
                return Err(DomainError::already_exists(THEME, theme_id));
            }
            required("title", &title)?;
            required("description", &description)?;
            if let Some(p) = &period {
                ordered("period.from", &p.from, "period.to", &p.to)?;
            }
            let name = normalised(&title);
            if state
                .themes
                .values()
                .any(|t| t.period == period && normalised(&t.title) == name)
            {
                return Err(DomainError::already_exists(THEME, title));
            }
            dated("agreed_on", agreed_on)?;
            state.meeting_on(meeting_id, "agreed_on", agreed_on)?;
            for e in &evidence {
                required("evidence.reference", &e.reference)?;
            }
            PartnershipBoardThemeAgreed {
                board,
                theme_id,
                title,
                description,
                period,
                agreed_on,
                meeting_id,
                evidence,
            }
            .into()
        }
        Command::AdoptTermsOfReference(AdoptPartnershipBoardTermsOfReference {
            version,
            reference,
            adopted_on,
            meeting_id,
            changes,
        }) => {
            positive("version", i64::from(version))?;
            if let Some(current) = &state.terms_of_reference {
                if version <= current.version {
                    return Err(DomainError::invalid(
                        "version",
                        format!(
                            "{version} is not greater than the version in force ({})",
                            current.version
                        ),
                    ));
                }
                ordered(
                    "previous adopted_on",
                    &current.adopted_on,
                    "adopted_on",
                    &adopted_on,
                )?;
            }
            required("reference", &reference)?;
            dated("adopted_on", adopted_on)?;
            state.meeting_on(meeting_id, "adopted_on", adopted_on)?;
            optional_text("changes", &changes)?;
            PartnershipBoardTermsOfReferenceAdopted {
                board,
                version,
                reference,
                adopted_on,
                meeting_id,
                changes,
            }
            .into()
        }
        Command::PublishWorkPlan(PublishPartnershipBoardWorkPlan {
            year,
            published_on,
            reference,
            themes,
            summary,
        }) => {
            if state.work_plans.contains(&year) {
                return Err(DomainError::already(
                    "partnership board work plan",
                    year,
                    "published",
                ));
            }
            if (year - published_on.year()).abs() > 1 {
                return Err(DomainError::invalid(
                    "year",
                    format!(
                        "a work plan for {year} cannot be published on {published_on} \
                         (at most a year before or after)"
                    ),
                ));
            }
            required("reference", &reference)?;
            required("summary", &summary)?;
            dated("published_on", published_on)?;
            let mut seen = BTreeSet::new();
            for t in &themes {
                if !state.themes.contains_key(t) {
                    return Err(DomainError::unknown(THEME, t));
                }
                if !seen.insert(t) {
                    return Err(DomainError::invalid(
                        "themes",
                        format!("{THEME} {t} is listed twice"),
                    ));
                }
            }
            PartnershipBoardWorkPlanPublished {
                board,
                year,
                published_on,
                reference,
                themes,
                summary,
            }
            .into()
        }
        Command::MakeRepresentation(MakePartnershipBoardRepresentation {
            representation_id,
            made_on,
            made_to,
            subject,
            summary,
            meeting_id,
            reference,
        }) => {
            if state.representations.contains(&representation_id) {
                return Err(DomainError::already_exists(
                    "partnership board representation",
                    representation_id,
                ));
            }
            required("made_to", &made_to)?;
            required("subject", &subject)?;
            required("summary", &summary)?;
            optional_text("reference", &reference)?;
            dated("made_on", made_on)?;
            if let Some(m) = meeting_id {
                let held_on = state
                    .meetings
                    .get(&m)
                    .ok_or_else(|| DomainError::unknown(MEETING, m))?;
                ordered("meeting held_on", held_on, "made_on", &made_on)?;
            }
            PartnershipBoardRepresentationMade {
                board,
                representation_id,
                made_on,
                made_to,
                subject,
                summary,
                meeting_id,
                reference,
            }
            .into()
        }
    };
    Ok(vec![event])
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::common::EvidenceKind;
    use crate::testkit::*;

    fn constitute() -> Command {
        Command::Constitute(ConstitutePartnershipBoard {
            board: PanLondonBoard::Lcsp,
            constituted_on: day(1000),
            terms_of_reference: "LCSP/ToR/2006".into(),
            chair_role: Some("Deputy Commissioner, Metropolitan Police Service".into()),
            predecessor: Some("London Crime Reduction Delivery Board".into()),
        })
    }

    fn join(n: u128, agency: &str, on: i64) -> Command {
        Command::JoinAgency(JoinPartnershipBoard {
            agency_id: id(n),
            agency: agency.into(),
            representative_role: "Chief Executive".into(),
            joined_on: day(on),
        })
    }

    fn leave(n: u128, on: i64) -> Command {
        Command::LeaveAgency(LeavePartnershipBoard {
            agency_id: id(n),
            left_on: day(on),
            reason: None,
        })
    }

    fn meet(n: u128, on: i64, present: &[u128]) -> Command {
        Command::RecordMeeting(RecordPartnershipBoardMeeting {
            meeting_id: id(n),
            held_on: day(on),
            agencies_present: present.iter().copied().map(id).collect(),
            agenda: vec!["Key themes for the year".into()],
            minutes_reference: Some("LCSP/minutes/2025-03".into()),
        })
    }

    fn theme(n: u128, title: &str, meeting: Option<u128>, on: i64) -> Command {
        Command::AgreeTheme(AgreePartnershipBoardTheme {
            theme_id: id(n),
            title: title.into(),
            description: "Reduce street robbery of young people".into(),
            period: Some(financial_year(2025)),
            agreed_on: day(on),
            meeting_id: meeting.map(id),
            evidence: vec![EvidenceRef::new(
                EvidenceKind::ConsultationResponse,
                "LCSP consultation 2025",
            )],
        })
    }

    fn financial_year(starting: i32) -> Period {
        let d = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd).unwrap_or_default();
        Period::new(d(starting, 4, 1), d(starting + 1, 3, 31))
    }

    fn adopt(version: u32, meeting: Option<u128>, on: i64) -> Command {
        Command::AdoptTermsOfReference(AdoptPartnershipBoardTermsOfReference {
            version,
            reference: format!("LCSP/ToR/v{version}"),
            adopted_on: day(on),
            meeting_id: meeting.map(id),
            changes: Some("Adds the Youth Justice Board".into()),
        })
    }

    fn plan(year: i32, on: i64, themes: &[u128]) -> Command {
        Command::PublishWorkPlan(PublishPartnershipBoardWorkPlan {
            year,
            published_on: day(on),
            reference: format!("LCSP/work-plan/{year}"),
            themes: themes.iter().copied().map(id).collect(),
            summary: "Delivering the key themes with local partnerships".into(),
        })
    }

    fn represent(n: u128, meeting: Option<u128>, on: i64) -> Command {
        Command::MakeRepresentation(MakePartnershipBoardRepresentation {
            representation_id: id(n),
            made_on: day(on),
            made_to: "Home Office".into(),
            subject: "Crime and Disorder Act review".into(),
            summary: "London partnerships need a regional tier".into(),
            meeting_id: meeting.map(id),
            reference: None,
        })
    }

    fn full_history() -> Vec<Command> {
        vec![
            constitute(),
            join(1, "London Councils", 900),
            join(2, "Crown Prosecution Service", 900),
            join(3, "British Transport Police", 800),
            meet(10, 100, &[1, 2, 3]),
            theme(20, "Robbery", Some(10), 100),
            adopt(2, Some(10), 100),
            plan(2025, 90, &[20]),
            represent(30, Some(10), 95),
            leave(3, 50),
        ]
    }

    pub(crate) fn samples() -> Vec<Event> {
        history::<PartnershipBoard>(full_history()).1
    }

    #[test]
    fn lifecycle() {
        let (s, events) = history::<PartnershipBoard>(full_history());
        assert_eq!(events.len(), 10);
        assert_eq!(s.current_agencies().count(), 2);
        assert_eq!(s.terms_of_reference.as_ref().map(|t| t.version), Some(2));
        assert!(s.work_plans.contains(&2025));
        assert_eq!(
            stream_id(PanLondonBoard::Lcsp).as_str(),
            "partnership-board-lcsp"
        );
        assert_eq!(
            stream_id(PanLondonBoard::Lcrb).as_str(),
            "partnership-board-lcrb"
        );
        assert_eq!(PanLondonBoard::Lcrb.name(), "London Crime Reduction Board");
    }

    #[test]
    fn constitution_errors() {
        let empty = State::default();
        assert_eq!(
            decide(&empty, join(1, "London Councils", 10), &ctx()),
            Err(DomainError::unknown(
                "partnership board",
                "(not constituted)"
            ))
        );
        let mut no_tor = constitute();
        if let Command::Constitute(ConstitutePartnershipBoard {
            terms_of_reference, ..
        }) = &mut no_tor
        {
            terms_of_reference.clear();
        }
        assert_eq!(
            decide(&empty, no_tor, &ctx()),
            Err(DomainError::Required {
                field: "terms_of_reference"
            })
        );
        let mut blank_chair = constitute();
        if let Command::Constitute(ConstitutePartnershipBoard { chair_role, .. }) = &mut blank_chair
        {
            *chair_role = Some(String::new());
        }
        assert_eq!(
            decide(&empty, blank_chair, &ctx()),
            Err(DomainError::Required {
                field: "chair_role"
            })
        );
        let mut future = constitute();
        if let Command::Constitute(ConstitutePartnershipBoard { constituted_on, .. }) = &mut future
        {
            *constituted_on = day(-1);
        }
        assert!(matches!(
            decide(&empty, future, &ctx()),
            Err(DomainError::InFuture {
                field: "constituted_on",
                ..
            })
        ));
        let (s, _) = history::<PartnershipBoard>([constitute()]);
        assert_eq!(
            decide(&s, constitute(), &ctx()),
            Err(DomainError::already_exists(
                "partnership board",
                PanLondonBoard::Lcsp
            ))
        );
    }

    #[test]
    fn membership_errors() {
        let (mut s, _) =
            history::<PartnershipBoard>([constitute(), join(1, "London Councils", 900)]);
        assert_eq!(
            decide(&s, join(1, "London Councils", 800), &ctx()),
            Err(DomainError::already(
                "partnership board member agency",
                id(1),
                "a member"
            ))
        );
        assert_eq!(
            decide(&s, join(2, " london  COUNCILS ", 800), &ctx()),
            Err(DomainError::already_exists(
                "partnership board member agency",
                " london  COUNCILS "
            ))
        );
        assert!(matches!(
            decide(&s, join(2, "Youth Justice Board", 1001), &ctx()),
            Err(DomainError::EndBeforeStart {
                start_field: "constituted_on",
                end_field: "joined_on",
                ..
            })
        ));
        let mut no_role = join(2, "Youth Justice Board", 10);
        if let Command::JoinAgency(JoinPartnershipBoard {
            representative_role,
            ..
        }) = &mut no_role
        {
            representative_role.clear();
        }
        assert_eq!(
            decide(&s, no_role, &ctx()),
            Err(DomainError::Required {
                field: "representative_role"
            })
        );
        assert_eq!(
            decide(&s, join(2, "", 10), &ctx()),
            Err(DomainError::Required { field: "agency" })
        );
        assert_eq!(
            decide(&s, leave(9, 10), &ctx()),
            Err(DomainError::unknown(
                "partnership board member agency",
                id(9)
            ))
        );
        assert!(matches!(
            decide(&s, leave(1, 950), &ctx()),
            Err(DomainError::EndBeforeStart {
                end_field: "left_on",
                ..
            })
        ));
        step::<PartnershipBoard>(&mut s, leave(1, 100)).expect("leave");
        assert_eq!(
            decide(&s, leave(1, 50), &ctx()),
            Err(DomainError::already(
                "partnership board member agency",
                id(1),
                "left"
            ))
        );
        assert!(matches!(
            decide(&s, join(1, "London Councils", 150), &ctx()),
            Err(DomainError::EndBeforeStart {
                start_field: "left_on",
                end_field: "joined_on",
                ..
            })
        ));
        // Rejoining after leaving is allowed, and a former member's name is free again.
        assert!(decide(&s, join(2, "London Councils", 50), &ctx()).is_ok());
        step::<PartnershipBoard>(&mut s, join(1, "London Councils", 50)).expect("rejoin");
        assert!(s.agencies[&id(1)].membership.is_current());
    }

    #[test]
    fn meeting_errors() {
        let (mut s, _) = history::<PartnershipBoard>([
            constitute(),
            join(1, "London Councils", 900),
            join(2, "Crown Prosecution Service", 300),
        ]);
        assert_eq!(
            decide(&s, meet(10, 100, &[]), &ctx()),
            Err(DomainError::Required {
                field: "agencies_present"
            })
        );
        assert_eq!(
            decide(&s, meet(10, 100, &[1, 7]), &ctx()),
            Err(DomainError::unknown(
                "partnership board member agency",
                id(7)
            ))
        );
        assert!(matches!(
            decide(&s, meet(10, 400, &[1, 2]), &ctx()),
            Err(DomainError::Invalid {
                field: "agencies_present",
                ..
            })
        ));
        assert!(matches!(
            decide(&s, meet(10, 100, &[1, 1]), &ctx()),
            Err(DomainError::Invalid {
                field: "agencies_present",
                ..
            })
        ));
        assert!(matches!(
            decide(&s, meet(10, 1200, &[1]), &ctx()),
            Err(DomainError::EndBeforeStart {
                end_field: "held_on",
                ..
            })
        ));
        assert!(matches!(
            decide(&s, meet(10, -3, &[1]), &ctx()),
            Err(DomainError::InFuture {
                field: "held_on",
                ..
            })
        ));
        let mut no_agenda = meet(10, 100, &[1]);
        if let Command::RecordMeeting(RecordPartnershipBoardMeeting { agenda, .. }) = &mut no_agenda
        {
            agenda.clear();
        }
        assert_eq!(
            decide(&s, no_agenda, &ctx()),
            Err(DomainError::Required { field: "agenda" })
        );
        step::<PartnershipBoard>(&mut s, meet(10, 100, &[1, 2])).expect("meet");
        assert_eq!(
            decide(&s, meet(10, 90, &[1]), &ctx()),
            Err(DomainError::already_exists(
                "partnership board meeting",
                id(10)
            ))
        );
    }

    #[test]
    fn theme_and_terms_of_reference_errors() {
        let (mut s, _) = history::<PartnershipBoard>([
            constitute(),
            join(1, "London Councils", 900),
            meet(10, 100, &[1]),
        ]);
        assert_eq!(
            decide(&s, theme(20, "Robbery", Some(11), 100), &ctx()),
            Err(DomainError::unknown("partnership board meeting", id(11)))
        );
        assert!(matches!(
            decide(&s, theme(20, "Robbery", Some(10), 99), &ctx()),
            Err(DomainError::Invalid {
                field: "agreed_on",
                ..
            })
        ));
        assert_eq!(
            decide(&s, theme(20, " ", None, 99), &ctx()),
            Err(DomainError::Required { field: "title" })
        );
        let mut backwards = theme(20, "Robbery", None, 99);
        if let Command::AgreeTheme(AgreePartnershipBoardTheme { period, .. }) = &mut backwards {
            *period = Some(Period::new(day(10), day(20)));
        }
        assert!(matches!(
            decide(&s, backwards, &ctx()),
            Err(DomainError::EndBeforeStart {
                end_field: "period.to",
                ..
            })
        ));
        let mut blank_evidence = theme(20, "Robbery", None, 99);
        if let Command::AgreeTheme(AgreePartnershipBoardTheme { evidence, .. }) =
            &mut blank_evidence
        {
            evidence[0].reference.clear();
        }
        assert_eq!(
            decide(&s, blank_evidence, &ctx()),
            Err(DomainError::Required {
                field: "evidence.reference"
            })
        );
        step::<PartnershipBoard>(&mut s, theme(20, "Robbery", Some(10), 100)).expect("theme");
        assert_eq!(
            decide(&s, theme(20, "Youth crime", None, 99), &ctx()),
            Err(DomainError::already_exists(
                "partnership board theme",
                id(20)
            ))
        );
        assert_eq!(
            decide(&s, theme(21, "robbery", None, 99), &ctx()),
            Err(DomainError::already_exists(
                "partnership board theme",
                "robbery"
            ))
        );
        // The same theme for another period is a new agreement.
        let mut next_year = theme(21, "Robbery", None, 99);
        if let Command::AgreeTheme(AgreePartnershipBoardTheme { period, .. }) = &mut next_year {
            *period = Some(financial_year(2026));
        }
        assert!(decide(&s, next_year, &ctx()).is_ok());

        // Terms of reference: the constitution's are version 1; versions only go up.
        assert_eq!(
            decide(&s, adopt(0, None, 90), &ctx()),
            Err(DomainError::NotPositive {
                field: "version",
                value: 0
            })
        );
        assert!(matches!(
            decide(&s, adopt(1, None, 90), &ctx()),
            Err(DomainError::Invalid {
                field: "version",
                ..
            })
        ));
        assert!(matches!(
            decide(&s, adopt(2, Some(10), 90), &ctx()),
            Err(DomainError::Invalid {
                field: "adopted_on",
                ..
            })
        ));
        let mut no_reference = adopt(2, None, 90);
        if let Command::AdoptTermsOfReference(AdoptPartnershipBoardTermsOfReference {
            reference,
            ..
        }) = &mut no_reference
        {
            reference.clear();
        }
        assert_eq!(
            decide(&s, no_reference, &ctx()),
            Err(DomainError::Required { field: "reference" })
        );
        step::<PartnershipBoard>(&mut s, adopt(3, None, 90)).expect("v3");
        assert!(matches!(
            decide(&s, adopt(3, None, 80), &ctx()),
            Err(DomainError::Invalid {
                field: "version",
                ..
            })
        ));
        assert!(matches!(
            decide(&s, adopt(4, None, 95), &ctx()),
            Err(DomainError::EndBeforeStart {
                end_field: "adopted_on",
                ..
            })
        ));
        assert!(matches!(
            decide(&s, adopt(4, None, -5), &ctx()),
            Err(DomainError::InFuture {
                field: "adopted_on",
                ..
            })
        ));
        step::<PartnershipBoard>(&mut s, adopt(5, None, 80)).expect("versions may skip");
    }

    #[test]
    fn work_plan_and_representation_errors() {
        let (mut s, _) = history::<PartnershipBoard>([
            constitute(),
            join(1, "London Councils", 900),
            meet(10, 100, &[1]),
            theme(20, "Robbery", Some(10), 100),
        ]);
        assert_eq!(
            decide(&s, plan(2025, 90, &[21]), &ctx()),
            Err(DomainError::unknown("partnership board theme", id(21)))
        );
        assert!(matches!(
            decide(&s, plan(2025, 90, &[20, 20]), &ctx()),
            Err(DomainError::Invalid {
                field: "themes",
                ..
            })
        ));
        assert!(matches!(
            decide(&s, plan(2030, 90, &[20]), &ctx()),
            Err(DomainError::Invalid { field: "year", .. })
        ));
        assert!(matches!(
            decide(&s, plan(2022, 1001, &[]), &ctx()),
            Err(DomainError::EndBeforeStart {
                end_field: "published_on",
                ..
            })
        ));
        let mut no_summary = plan(2025, 90, &[20]);
        if let Command::PublishWorkPlan(PublishPartnershipBoardWorkPlan { summary, .. }) =
            &mut no_summary
        {
            summary.clear();
        }
        assert_eq!(
            decide(&s, no_summary, &ctx()),
            Err(DomainError::Required { field: "summary" })
        );
        step::<PartnershipBoard>(&mut s, plan(2025, 90, &[20])).expect("plan");
        assert_eq!(
            decide(&s, plan(2025, 10, &[]), &ctx()),
            Err(DomainError::already(
                "partnership board work plan",
                2025,
                "published"
            ))
        );
        assert!(decide(&s, plan(2026, 10, &[]), &ctx()).is_ok());

        let mut nobody = represent(30, None, 95);
        if let Command::MakeRepresentation(MakePartnershipBoardRepresentation { made_to, .. }) =
            &mut nobody
        {
            made_to.clear();
        }
        assert_eq!(
            decide(&s, nobody, &ctx()),
            Err(DomainError::Required { field: "made_to" })
        );
        assert_eq!(
            decide(&s, represent(30, Some(12), 95), &ctx()),
            Err(DomainError::unknown("partnership board meeting", id(12)))
        );
        assert!(matches!(
            decide(&s, represent(30, Some(10), 101), &ctx()),
            Err(DomainError::EndBeforeStart {
                end_field: "made_on",
                ..
            })
        ));
        assert!(matches!(
            decide(&s, represent(30, None, -1), &ctx()),
            Err(DomainError::InFuture {
                field: "made_on",
                ..
            })
        ));
        step::<PartnershipBoard>(&mut s, represent(30, Some(10), 95)).expect("represent");
        assert_eq!(
            decide(&s, represent(30, None, 5), &ctx()),
            Err(DomainError::already_exists(
                "partnership board representation",
                id(30)
            ))
        );
    }
}
