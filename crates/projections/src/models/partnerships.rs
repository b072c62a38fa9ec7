//! London-wide partnerships: LCP2 (the London Communities Policing Partnership — its member
//! groups over time, the chairs' forum, training and mentoring, best-practice digests, the
//! monthly e-bulletin and canvasses of members' views) and the pan-London partnership
//! boards (the LCSP and the LCRB — member agencies over time, meetings, agreed themes or
//! shared priorities, terms of reference by version, annual work plans and
//! representations). Neither holds personal data: groups and agencies are named, people are
//! counted or identified by role.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use engage_domain::common::{EvidenceRef, Period};
use engage_domain::lcp2::{self, MemberGroupKind};
use engage_domain::partnership_board::{self, PanLondonBoard};
use engage_domain::{BoroughCode, DomainEvent};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::period::within;
use super::provenance::Provenance;
use crate::event::ProjectedEvent;
use crate::model::ReadModel;

/// One spell of membership: joined, and once it has, left.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MembershipSpell {
    pub joined_on: NaiveDate,
    pub left_on: Option<NaiveDate>,
    pub left_reason: Option<String>,
}

/// Membership questions over a list of spells (oldest first).
fn is_current(spells: &[MembershipSpell]) -> bool {
    spells.last().is_some_and(|s| s.left_on.is_none())
}

fn was_member_on(spells: &[MembershipSpell], day: NaiveDate) -> bool {
    spells
        .iter()
        .any(|s| s.joined_on <= day && s.left_on.is_none_or(|l| day <= l))
}

fn current_since(spells: &[MembershipSpell]) -> Option<NaiveDate> {
    spells
        .last()
        .filter(|s| s.left_on.is_none())
        .map(|s| s.joined_on)
}

fn leave(spells: &mut [MembershipSpell], on: NaiveDate, reason: &Option<String>) {
    if let Some(last) = spells.last_mut().filter(|s| s.left_on.is_none()) {
        last.left_on = Some(on);
        last.left_reason.clone_from(reason);
    }
}

/// An engagement group that is or was a member of LCP2.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lcp2Group {
    pub group_id: Uuid,
    pub name: String,
    pub kind: MemberGroupKind,
    /// The borough it works in; `None` for a pan-London group.
    pub borough: Option<BoroughCode>,
    /// Its spells of membership, oldest first.
    pub spells: Vec<MembershipSpell>,
    /// The day its current spell began, if it is a member now.
    pub member_since: Option<NaiveDate>,
    /// Chairs' forums it was represented at.
    pub forums_attended: u32,
    pub provenance: Provenance,
}

impl Lcp2Group {
    pub fn is_current(&self) -> bool {
        is_current(&self.spells)
    }

    pub fn was_member_on(&self, day: NaiveDate) -> bool {
        was_member_on(&self.spells, day)
    }
}

/// A meeting of LCP2's London-wide chairs' forum.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChairsForum {
    pub forum_id: Uuid,
    pub held_on: NaiveDate,
    /// Member groups whose chair (or delegate) attended.
    pub groups_represented: Vec<Uuid>,
    /// Others attending (a count).
    pub other_attendees: u32,
    pub topics: Vec<String>,
    pub provenance: Provenance,
}

/// A course LCP2 delivered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lcp2Training {
    pub training_id: Uuid,
    pub course: String,
    pub delivered_on: NaiveDate,
    /// People trained (a count).
    pub trainees: u32,
    pub mentoring: bool,
    /// Member groups the trainees came from (none for an open course).
    pub groups: Vec<Uuid>,
    pub provenance: Provenance,
}

/// A best-practice digest LCP2 published.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BestPracticeDigest {
    pub digest_id: Uuid,
    pub title: String,
    pub published_on: NaiveDate,
    pub reference: String,
    pub topics: Vec<String>,
    pub featured_groups: Vec<Uuid>,
    pub provenance: Provenance,
}

/// One issue of LCP2's monthly e-bulletin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EBulletin {
    pub issue_number: u32,
    /// The month it is for.
    pub year: i32,
    pub month: u32,
    pub issued_on: NaiveDate,
    pub headline: String,
    pub items: Vec<String>,
    pub reference: Option<String>,
    pub provenance: Provenance,
}

/// A canvass of LCP2 members' views.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Canvass {
    pub canvass_id: Uuid,
    pub topic: String,
    pub opened_on: NaiveDate,
    pub closed_on: NaiveDate,
    /// Whole days it was open.
    pub days_open: i64,
    pub responses: u32,
    pub summary: String,
    /// Where the views went, if anywhere.
    pub fed_into: Option<String>,
    pub provenance: Provenance,
}

/// Everything LCP2 has recorded.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Lcp2 {
    pub groups: BTreeMap<Uuid, Lcp2Group>,
    pub forums: BTreeMap<Uuid, ChairsForum>,
    pub trainings: BTreeMap<Uuid, Lcp2Training>,
    pub digests: BTreeMap<Uuid, BestPracticeDigest>,
    /// By running issue number.
    pub bulletins: BTreeMap<u32, EBulletin>,
    pub canvasses: BTreeMap<Uuid, Canvass>,
}

impl Lcp2 {
    fn apply(&mut self, e: &lcp2::Event, event: &ProjectedEvent) {
        use lcp2::Event as E;
        match e {
            E::MemberGroupJoined(j) => {
                let g = self.groups.entry(j.group_id).or_insert_with(|| Lcp2Group {
                    group_id: j.group_id,
                    name: j.name.clone(),
                    kind: j.kind,
                    borough: j.borough.clone(),
                    spells: Vec::new(),
                    member_since: None,
                    forums_attended: 0,
                    provenance: Provenance::default(),
                });
                g.name.clone_from(&j.name);
                g.kind = j.kind;
                g.borough.clone_from(&j.borough);
                g.spells.push(MembershipSpell {
                    joined_on: j.joined_on,
                    left_on: None,
                    left_reason: None,
                });
                g.member_since = current_since(&g.spells);
                g.provenance.touch(event);
            }
            E::MemberGroupLeft(l) => {
                // Leaving a group this model has not seen join is ignored.
                if let Some(g) = self.groups.get_mut(&l.group_id) {
                    leave(&mut g.spells, l.left_on, &l.reason);
                    g.member_since = current_since(&g.spells);
                    g.provenance.touch(event);
                }
            }
            E::ChairsForumHeld(f) => {
                for id in &f.groups_represented {
                    if let Some(g) = self.groups.get_mut(id) {
                        g.forums_attended = g.forums_attended.saturating_add(1);
                        g.provenance.touch(event);
                    }
                }
                let mut forum = ChairsForum {
                    forum_id: f.forum_id,
                    held_on: f.held_on,
                    groups_represented: f.groups_represented.clone(),
                    other_attendees: f.other_attendees,
                    topics: f.topics.clone(),
                    provenance: Provenance::default(),
                };
                forum.provenance.touch(event);
                self.forums.insert(f.forum_id, forum);
            }
            E::TrainingDelivered(t) => {
                let mut training = Lcp2Training {
                    training_id: t.training_id,
                    course: t.course.clone(),
                    delivered_on: t.delivered_on,
                    trainees: t.trainees,
                    mentoring: t.mentoring,
                    groups: t.groups.clone(),
                    provenance: Provenance::default(),
                };
                training.provenance.touch(event);
                self.trainings.insert(t.training_id, training);
            }
            E::BestPracticeDigestPublished(d) => {
                let mut digest = BestPracticeDigest {
                    digest_id: d.digest_id,
                    title: d.title.clone(),
                    published_on: d.published_on,
                    reference: d.reference.clone(),
                    topics: d.topics.clone(),
                    featured_groups: d.featured_groups.clone(),
                    provenance: Provenance::default(),
                };
                digest.provenance.touch(event);
                self.digests.insert(d.digest_id, digest);
            }
            E::EBulletinIssued(b) => {
                let mut bulletin = EBulletin {
                    issue_number: b.issue_number,
                    year: b.year,
                    month: b.month,
                    issued_on: b.issued_on,
                    headline: b.headline.clone(),
                    items: b.items.clone(),
                    reference: b.reference.clone(),
                    provenance: Provenance::default(),
                };
                bulletin.provenance.touch(event);
                self.bulletins.insert(b.issue_number, bulletin);
            }
            E::MembersViewsCanvassed(c) => {
                let mut canvass = Canvass {
                    canvass_id: c.canvass_id,
                    topic: c.topic.clone(),
                    opened_on: c.opened_on,
                    closed_on: c.closed_on,
                    days_open: (c.closed_on - c.opened_on).num_days(),
                    responses: c.responses,
                    summary: c.summary.clone(),
                    fed_into: c.fed_into.clone(),
                    provenance: Provenance::default(),
                };
                canvass.provenance.touch(event);
                self.canvasses.insert(c.canvass_id, canvass);
            }
        }
    }

    /// Groups that are members now.
    pub fn current_groups(&self) -> impl Iterator<Item = &Lcp2Group> {
        self.groups.values().filter(|g| g.is_current())
    }

    /// Groups that were members on `day`.
    pub fn groups_on(&self, day: NaiveDate) -> impl Iterator<Item = &Lcp2Group> {
        self.groups.values().filter(move |g| g.was_member_on(day))
    }

    /// Groups (current or past) of one kind.
    pub fn groups_of_kind(&self, kind: MemberGroupKind) -> impl Iterator<Item = &Lcp2Group> {
        self.groups.values().filter(move |g| g.kind == kind)
    }

    /// Groups (current or past) working in `borough`.
    pub fn groups_in_borough<'a>(
        &'a self,
        borough: &'a BoroughCode,
    ) -> impl Iterator<Item = &'a Lcp2Group> + 'a {
        self.groups
            .values()
            .filter(move |g| g.borough.as_ref() == Some(borough))
    }

    /// Whether `borough`'s Safer Neighbourhood Board was an LCP2 member on `day`.
    pub fn snb_member_on(&self, borough: &BoroughCode, day: NaiveDate) -> bool {
        self.groups_in_borough(borough)
            .any(|g| g.kind == MemberGroupKind::Snb && g.was_member_on(day))
    }

    /// Chairs' forums held in `[from, to)`.
    pub fn forums_in(&self, from: NaiveDate, to: NaiveDate) -> impl Iterator<Item = &ChairsForum> {
        self.forums
            .values()
            .filter(move |f| within(&f.held_on, &from, &to))
    }

    /// Training delivered in `[from, to)`.
    pub fn trainings_in(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> impl Iterator<Item = &Lcp2Training> {
        self.trainings
            .values()
            .filter(move |t| within(&t.delivered_on, &from, &to))
    }

    /// People trained in `[from, to)`.
    pub fn trainees_in(&self, from: NaiveDate, to: NaiveDate) -> u64 {
        self.trainings_in(from, to)
            .map(|t| u64::from(t.trainees))
            .sum()
    }

    /// Digests published in `[from, to)`.
    pub fn digests_in(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> impl Iterator<Item = &BestPracticeDigest> {
        self.digests
            .values()
            .filter(move |d| within(&d.published_on, &from, &to))
    }

    /// E-bulletins issued in `[from, to)`, in issue order.
    pub fn bulletins_in(&self, from: NaiveDate, to: NaiveDate) -> impl Iterator<Item = &EBulletin> {
        self.bulletins
            .values()
            .filter(move |b| within(&b.issued_on, &from, &to))
    }

    /// The e-bulletin for a month, if one was issued.
    pub fn bulletin_for(&self, year: i32, month: u32) -> Option<&EBulletin> {
        self.bulletins
            .values()
            .find(|b| b.year == year && b.month == month)
    }

    /// The bulletin with the highest issue number.
    pub fn latest_bulletin(&self) -> Option<&EBulletin> {
        self.bulletins.values().next_back()
    }

    /// Canvasses that closed in `[from, to)`.
    pub fn canvasses_in(&self, from: NaiveDate, to: NaiveDate) -> impl Iterator<Item = &Canvass> {
        self.canvasses
            .values()
            .filter(move |c| within(&c.closed_on, &from, &to))
    }
}

/// An agency that is or was a member of a pan-London partnership board.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberAgency {
    pub agency_id: Uuid,
    pub agency: String,
    /// The role of its representative (not a person's name).
    pub representative_role: String,
    pub spells: Vec<MembershipSpell>,
    pub member_since: Option<NaiveDate>,
    pub provenance: Provenance,
}

impl MemberAgency {
    pub fn is_current(&self) -> bool {
        is_current(&self.spells)
    }

    pub fn was_member_on(&self, day: NaiveDate) -> bool {
        was_member_on(&self.spells, day)
    }
}

/// A version of a board's terms of reference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TermsOfReference {
    pub version: u32,
    pub reference: String,
    pub adopted_on: NaiveDate,
    pub meeting_id: Option<Uuid>,
    /// What changed from the previous version.
    pub changes: Option<String>,
    /// The log position of the event that adopted it.
    pub position: u64,
}

/// A meeting of a partnership board.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartnershipMeeting {
    pub meeting_id: Uuid,
    pub held_on: NaiveDate,
    pub agencies_present: Vec<Uuid>,
    pub agenda: Vec<String>,
    pub minutes_reference: Option<String>,
    pub provenance: Provenance,
}

/// A key theme (LCSP) or shared priority (LCRB).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartnershipTheme {
    pub theme_id: Uuid,
    pub title: String,
    pub description: String,
    pub period: Option<Period>,
    pub agreed_on: NaiveDate,
    pub meeting_id: Option<Uuid>,
    pub evidence: Vec<EvidenceRef>,
    /// The years of the work plans that deliver it.
    pub work_plans: Vec<i32>,
    pub provenance: Provenance,
}

impl PartnershipTheme {
    /// Whether it is a theme on `day`: agreed by then, and `day` in its period if it has one.
    pub fn in_force_on(&self, day: NaiveDate) -> bool {
        self.agreed_on <= day && self.period.is_none_or(|p| p.contains(day))
    }
}

/// An annual work plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkPlan {
    /// The year it covers (a financial-year plan: the year it starts).
    pub year: i32,
    pub published_on: NaiveDate,
    pub reference: String,
    pub themes: Vec<Uuid>,
    pub summary: String,
    pub provenance: Provenance,
}

/// A representation the board made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Representation {
    pub representation_id: Uuid,
    pub made_on: NaiveDate,
    pub made_to: String,
    pub subject: String,
    pub summary: String,
    pub meeting_id: Option<Uuid>,
    pub reference: Option<String>,
    pub provenance: Provenance,
}

/// A pan-London partnership board (LCSP or LCRB) and everything it has recorded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartnershipBoard {
    pub board: PanLondonBoard,
    /// Its full name.
    pub name: String,
    pub constituted_on: NaiveDate,
    /// Who chairs it, by role.
    pub chair_role: Option<String>,
    pub predecessor: Option<String>,
    /// Every version of its terms of reference, by version (1 is the constitution's).
    pub terms_of_reference: Vec<TermsOfReference>,
    pub agencies: BTreeMap<Uuid, MemberAgency>,
    pub meetings: BTreeMap<Uuid, PartnershipMeeting>,
    pub themes: BTreeMap<Uuid, PartnershipTheme>,
    /// By year.
    pub work_plans: BTreeMap<i32, WorkPlan>,
    pub representations: BTreeMap<Uuid, Representation>,
    pub provenance: Provenance,
}

impl PartnershipBoard {
    /// The terms of reference in force (the highest version).
    pub fn current_terms_of_reference(&self) -> Option<&TermsOfReference> {
        self.terms_of_reference.last()
    }

    /// The terms of reference in force on `day`.
    pub fn terms_of_reference_on(&self, day: NaiveDate) -> Option<&TermsOfReference> {
        self.terms_of_reference
            .iter()
            .filter(|t| t.adopted_on <= day)
            .max_by_key(|t| t.version)
    }

    /// Agencies that are members now.
    pub fn current_agencies(&self) -> impl Iterator<Item = &MemberAgency> {
        self.agencies.values().filter(|a| a.is_current())
    }

    /// Agencies that were members on `day`.
    pub fn agencies_on(&self, day: NaiveDate) -> impl Iterator<Item = &MemberAgency> {
        self.agencies.values().filter(move |a| a.was_member_on(day))
    }

    /// Meetings held in `[from, to)`.
    pub fn meetings_in(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> impl Iterator<Item = &PartnershipMeeting> {
        self.meetings
            .values()
            .filter(move |m| within(&m.held_on, &from, &to))
    }

    /// Themes in force on `day`.
    pub fn themes_on(&self, day: NaiveDate) -> impl Iterator<Item = &PartnershipTheme> {
        self.themes.values().filter(move |t| t.in_force_on(day))
    }

    /// Themes agreed in `[from, to)`.
    pub fn themes_agreed_in(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> impl Iterator<Item = &PartnershipTheme> {
        self.themes
            .values()
            .filter(move |t| within(&t.agreed_on, &from, &to))
    }

    pub fn work_plan(&self, year: i32) -> Option<&WorkPlan> {
        self.work_plans.get(&year)
    }

    /// Representations made in `[from, to)`.
    pub fn representations_in(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> impl Iterator<Item = &Representation> {
        self.representations
            .values()
            .filter(move |r| within(&r.made_on, &from, &to))
    }

    fn apply(&mut self, e: &partnership_board::Event, event: &ProjectedEvent) {
        use partnership_board::Event as E;
        self.provenance.touch(event);
        match e {
            E::Constituted(_) => {}
            E::MemberAgencyJoined(j) => {
                let a = self
                    .agencies
                    .entry(j.agency_id)
                    .or_insert_with(|| MemberAgency {
                        agency_id: j.agency_id,
                        agency: j.agency.clone(),
                        representative_role: j.representative_role.clone(),
                        spells: Vec::new(),
                        member_since: None,
                        provenance: Provenance::default(),
                    });
                a.agency.clone_from(&j.agency);
                a.representative_role.clone_from(&j.representative_role);
                a.spells.push(MembershipSpell {
                    joined_on: j.joined_on,
                    left_on: None,
                    left_reason: None,
                });
                a.member_since = current_since(&a.spells);
                a.provenance.touch(event);
            }
            E::MemberAgencyLeft(l) => {
                if let Some(a) = self.agencies.get_mut(&l.agency_id) {
                    leave(&mut a.spells, l.left_on, &l.reason);
                    a.member_since = current_since(&a.spells);
                    a.provenance.touch(event);
                }
            }
            E::MeetingHeld(m) => {
                let mut meeting = PartnershipMeeting {
                    meeting_id: m.meeting_id,
                    held_on: m.held_on,
                    agencies_present: m.agencies_present.clone(),
                    agenda: m.agenda.clone(),
                    minutes_reference: m.minutes_reference.clone(),
                    provenance: Provenance::default(),
                };
                meeting.provenance.touch(event);
                self.meetings.insert(m.meeting_id, meeting);
            }
            E::ThemeAgreed(t) => {
                let mut theme = PartnershipTheme {
                    theme_id: t.theme_id,
                    title: t.title.clone(),
                    description: t.description.clone(),
                    period: t.period,
                    agreed_on: t.agreed_on,
                    meeting_id: t.meeting_id,
                    evidence: t.evidence.clone(),
                    work_plans: Vec::new(),
                    provenance: Provenance::default(),
                };
                theme.provenance.touch(event);
                self.themes.insert(t.theme_id, theme);
            }
            E::TermsOfReferenceAdopted(t) => {
                self.add_terms(TermsOfReference {
                    version: t.version,
                    reference: t.reference.clone(),
                    adopted_on: t.adopted_on,
                    meeting_id: t.meeting_id,
                    changes: t.changes.clone(),
                    position: event.position(),
                });
            }
            E::WorkPlanPublished(w) => {
                for id in &w.themes {
                    if let Some(t) = self.themes.get_mut(id) {
                        if !t.work_plans.contains(&w.year) {
                            t.work_plans.push(w.year);
                            t.work_plans.sort_unstable();
                        }
                        t.provenance.touch(event);
                    }
                }
                let mut plan = WorkPlan {
                    year: w.year,
                    published_on: w.published_on,
                    reference: w.reference.clone(),
                    themes: w.themes.clone(),
                    summary: w.summary.clone(),
                    provenance: Provenance::default(),
                };
                plan.provenance.touch(event);
                self.work_plans.insert(w.year, plan);
            }
            E::RepresentationMade(r) => {
                let mut rep = Representation {
                    representation_id: r.representation_id,
                    made_on: r.made_on,
                    made_to: r.made_to.clone(),
                    subject: r.subject.clone(),
                    summary: r.summary.clone(),
                    meeting_id: r.meeting_id,
                    reference: r.reference.clone(),
                    provenance: Provenance::default(),
                };
                rep.provenance.touch(event);
                self.representations.insert(r.representation_id, rep);
            }
        }
    }

    /// Keep the versions in order; a version recorded again replaces the earlier record.
    fn add_terms(&mut self, terms: TermsOfReference) {
        self.terms_of_reference
            .retain(|t| t.version != terms.version);
        let i = self
            .terms_of_reference
            .partition_point(|t| t.version < terms.version);
        self.terms_of_reference.insert(i, terms);
    }
}

/// LCP2 and the pan-London partnership boards.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Partnerships {
    pub lcp2: Lcp2,
    pub boards: BTreeMap<PanLondonBoard, PartnershipBoard>,
}

impl ReadModel for Partnerships {
    const NAME: &'static str = "partnerships";
    const VERSION: u32 = 1;

    fn apply(&mut self, event: &ProjectedEvent) {
        match &event.domain {
            Some(DomainEvent::Lcp2(e)) => self.lcp2.apply(e, event),
            Some(DomainEvent::PartnershipBoard(e)) => {
                use partnership_board::Event as E;
                if let E::Constituted(c) = e {
                    let mut board = PartnershipBoard {
                        board: c.board,
                        name: c.board.name().to_owned(),
                        constituted_on: c.constituted_on,
                        chair_role: c.chair_role.clone(),
                        predecessor: c.predecessor.clone(),
                        terms_of_reference: Vec::new(),
                        agencies: BTreeMap::new(),
                        meetings: BTreeMap::new(),
                        themes: BTreeMap::new(),
                        work_plans: BTreeMap::new(),
                        representations: BTreeMap::new(),
                        provenance: Provenance::default(),
                    };
                    board.add_terms(TermsOfReference {
                        version: 1,
                        reference: c.terms_of_reference.clone(),
                        adopted_on: c.constituted_on,
                        meeting_id: None,
                        changes: None,
                        position: event.position(),
                    });
                    board.apply(e, event);
                    self.boards.insert(c.board, board);
                    return;
                }
                let which = match e {
                    E::Constituted(c) => c.board,
                    E::MemberAgencyJoined(x) => x.board,
                    E::MemberAgencyLeft(x) => x.board,
                    E::MeetingHeld(x) => x.board,
                    E::ThemeAgreed(x) => x.board,
                    E::TermsOfReferenceAdopted(x) => x.board,
                    E::WorkPlanPublished(x) => x.board,
                    E::RepresentationMade(x) => x.board,
                };
                // Events of a board this model has not seen constituted are ignored.
                if let Some(board) = self.boards.get_mut(&which) {
                    board.apply(e, event);
                }
            }
            _ => {}
        }
    }
}

impl Partnerships {
    pub fn board(&self, board: PanLondonBoard) -> Option<&PartnershipBoard> {
        self.boards.get(&board)
    }
}

#[cfg(test)]
mod tests {
    use engage_domain::common::EvidenceKind;
    use engage_domain::lcp2::{
        Lcp2BestPracticeDigestPublished, Lcp2ChairsForumHeld, Lcp2EBulletinIssued,
        Lcp2MemberGroupJoined, Lcp2MemberGroupLeft, Lcp2MembersViewsCanvassed,
        Lcp2TrainingDelivered,
    };
    use engage_domain::partnership_board::{
        PartnershipBoardConstituted, PartnershipBoardMeetingHeld,
        PartnershipBoardMemberAgencyJoined, PartnershipBoardMemberAgencyLeft,
        PartnershipBoardRepresentationMade, PartnershipBoardTermsOfReferenceAdopted,
        PartnershipBoardThemeAgreed, PartnershipBoardWorkPlanPublished,
    };

    use super::*;
    use crate::models::testing::{TestLog, at, day, fold, fold_checked, id};

    const CAMDEN: &str = "E09000007";

    fn joined(n: u128, name: &str, kind: MemberGroupKind, on: NaiveDate) -> lcp2::Event {
        Lcp2MemberGroupJoined {
            group_id: id(n),
            name: name.into(),
            kind,
            borough: (kind == MemberGroupKind::Snb).then(|| CAMDEN.into()),
            joined_on: on,
        }
        .into()
    }

    fn lcp2_history(log: &mut TestLog) -> Vec<u64> {
        let events: Vec<lcp2::Event> = vec![
            joined(1, "Camden SNB", MemberGroupKind::Snb, day(2014, 6, 1)),
            joined(
                2,
                "Met Stop and Search IAG",
                MemberGroupKind::Iag,
                day(2015, 1, 1),
            ),
            Lcp2ChairsForumHeld {
                forum_id: id(10),
                held_on: day(2018, 3, 14),
                groups_represented: vec![id(1), id(2)],
                other_attendees: 3,
                topics: vec!["MOPAC engagement review".into()],
            }
            .into(),
            Lcp2MemberGroupLeft {
                group_id: id(1),
                left_on: day(2019, 3, 31),
                reason: Some("Board reconstituted".into()),
            }
            .into(),
            joined(
                1,
                "Camden Safer Neighbourhood Board",
                MemberGroupKind::Snb,
                day(2020, 4, 1),
            ),
            Lcp2TrainingDelivered {
                training_id: id(20),
                course: "Chairing public meetings".into(),
                delivered_on: day(2020, 5, 6),
                trainees: 12,
                mentoring: true,
                groups: vec![id(1)],
            }
            .into(),
            Lcp2TrainingDelivered {
                training_id: id(21),
                course: "Stop and search monitoring".into(),
                delivered_on: day(2020, 9, 9),
                trainees: 8,
                mentoring: false,
                groups: vec![],
            }
            .into(),
            Lcp2BestPracticeDigestPublished {
                digest_id: id(30),
                title: "Ward panels that work".into(),
                published_on: day(2020, 6, 1),
                reference: "https://example.org/digest-1".into(),
                topics: vec!["ward panels".into()],
                featured_groups: vec![id(1)],
            }
            .into(),
            Lcp2EBulletinIssued {
                year: 2020,
                month: 6,
                issue_number: 41,
                issued_on: day(2020, 6, 2),
                headline: "June news".into(),
                items: vec!["MOPAC update".into()],
                reference: None,
            }
            .into(),
            Lcp2EBulletinIssued {
                year: 2020,
                month: 7,
                issue_number: 42,
                issued_on: day(2020, 7, 1),
                headline: "July news".into(),
                items: vec!["MPS update".into()],
                reference: Some("https://example.org/bulletin-42".into()),
            }
            .into(),
            Lcp2MembersViewsCanvassed {
                canvass_id: id(40),
                topic: "Body-worn video".into(),
                opened_on: day(2020, 8, 1),
                closed_on: day(2020, 8, 31),
                responses: 17,
                summary: "Broad support, concerns on retention".into(),
                fed_into: Some("MOPAC consultation".into()),
            }
            .into(),
        ];
        events
            .into_iter()
            .map(|e| log.record(lcp2::stream_id(), e, at(2020, 9, 30)))
            .collect()
    }

    fn lcsp_history(log: &mut TestLog) -> Vec<u64> {
        let b = PanLondonBoard::Lcsp;
        let events: Vec<partnership_board::Event> = vec![
            PartnershipBoardConstituted {
                board: b,
                constituted_on: day(2006, 4, 1),
                terms_of_reference: "https://example.org/lcsp-tor-v1".into(),
                chair_role: Some("Deputy Commissioner, Metropolitan Police Service".into()),
                predecessor: Some("London Crime Reduction Delivery Board".into()),
            }
            .into(),
            PartnershipBoardMemberAgencyJoined {
                board: b,
                agency_id: id(100),
                agency: "London Councils".into(),
                representative_role: "Director of Policy".into(),
                joined_on: day(2006, 4, 1),
            }
            .into(),
            PartnershipBoardMemberAgencyJoined {
                board: b,
                agency_id: id(101),
                agency: "Crown Prosecution Service".into(),
                representative_role: "Chief Crown Prosecutor".into(),
                joined_on: day(2006, 4, 1),
            }
            .into(),
            PartnershipBoardMeetingHeld {
                board: b,
                meeting_id: id(110),
                held_on: day(2006, 5, 10),
                agencies_present: vec![id(100), id(101)],
                agenda: vec!["Key themes".into()],
                minutes_reference: None,
            }
            .into(),
            PartnershipBoardThemeAgreed {
                board: b,
                theme_id: id(120),
                title: "Robbery".into(),
                description: "Reduce street robbery".into(),
                period: Some(Period::new(day(2006, 4, 1), day(2007, 3, 31))),
                agreed_on: day(2006, 5, 10),
                meeting_id: Some(id(110)),
                evidence: vec![EvidenceRef::new(EvidenceKind::CrimeData, "MPS 2005/06")],
            }
            .into(),
            PartnershipBoardWorkPlanPublished {
                board: b,
                year: 2006,
                published_on: day(2006, 6, 1),
                reference: "https://example.org/lcsp-plan-2006".into(),
                themes: vec![id(120)],
                summary: "Robbery reduction programme".into(),
            }
            .into(),
            PartnershipBoardTermsOfReferenceAdopted {
                board: b,
                version: 2,
                reference: "https://example.org/lcsp-tor-v2".into(),
                adopted_on: day(2006, 5, 10),
                meeting_id: Some(id(110)),
                changes: Some("Adds the GLA".into()),
            }
            .into(),
            PartnershipBoardMemberAgencyLeft {
                board: b,
                agency_id: id(101),
                left_on: day(2007, 1, 31),
                reason: None,
            }
            .into(),
            PartnershipBoardRepresentationMade {
                board: b,
                representation_id: id(130),
                made_on: day(2007, 2, 1),
                made_to: "Home Office".into(),
                subject: "Comprehensive Spending Review".into(),
                summary: "Protect neighbourhood policing".into(),
                meeting_id: Some(id(110)),
                reference: None,
            }
            .into(),
        ];
        events
            .into_iter()
            .map(|e| log.record(partnership_board::stream_id(b), e, at(2007, 2, 1)))
            .collect()
    }

    #[test]
    fn lcp2_groups_forums_training_bulletins() {
        let mut log = TestLog::new();
        let positions = lcp2_history(&mut log);
        let m: Partnerships = fold_checked(&log.events);
        let l = &m.lcp2;
        let snb = &l.groups[&id(1)];
        assert_eq!(
            snb.name, "Camden Safer Neighbourhood Board",
            "renamed on rejoining"
        );
        assert_eq!(snb.spells.len(), 2);
        assert_eq!(snb.spells[0].left_on, Some(day(2019, 3, 31)));
        assert_eq!(
            snb.spells[0].left_reason.as_deref(),
            Some("Board reconstituted")
        );
        assert_eq!(snb.member_since, Some(day(2020, 4, 1)));
        assert_eq!(snb.forums_attended, 1);
        assert_eq!(snb.provenance.positions, vec![1, 3, 4, 5]);
        let camden = BoroughCode::from(CAMDEN);
        assert!(l.snb_member_on(&camden, day(2018, 1, 1)));
        assert!(!l.snb_member_on(&camden, day(2019, 6, 1)));
        assert!(l.snb_member_on(&camden, day(2020, 4, 1)));
        assert_eq!(l.current_groups().count(), 2);
        assert_eq!(l.groups_on(day(2019, 6, 1)).count(), 1);
        assert_eq!(l.groups_of_kind(MemberGroupKind::Iag).count(), 1);

        assert_eq!(l.forums[&id(10)].groups_represented, vec![id(1), id(2)]);
        assert_eq!(l.forums_in(day(2018, 1, 1), day(2019, 1, 1)).count(), 1);
        assert_eq!(l.trainees_in(day(2020, 1, 1), day(2021, 1, 1)), 20);
        assert_eq!(l.trainees_in(day(2020, 1, 1), day(2020, 9, 9)), 12);
        assert!(l.trainings[&id(20)].mentoring);
        assert_eq!(l.digests_in(day(2020, 6, 1), day(2020, 6, 2)).count(), 1);
        assert_eq!(l.bulletin_for(2020, 7).map(|b| b.issue_number), Some(42));
        assert_eq!(l.latest_bulletin().map(|b| b.issue_number), Some(42));
        assert_eq!(l.bulletins_in(day(2020, 6, 1), day(2020, 7, 1)).count(), 1);
        let canvass = &l.canvasses[&id(40)];
        assert_eq!((canvass.days_open, canvass.responses), (30, 17));
        assert_eq!(l.canvasses_in(day(2020, 8, 1), day(2020, 9, 1)).count(), 1);
        assert_eq!(
            canvass.provenance.positions,
            vec![*positions.last().unwrap()]
        );
    }

    #[test]
    fn partnership_board_members_themes_terms_and_work_plan() {
        let mut log = TestLog::new();
        let positions = lcsp_history(&mut log);
        let m: Partnerships = fold_checked(&log.events);
        let b = m.board(PanLondonBoard::Lcsp).unwrap();
        assert_eq!(b.name, "London Community Safety Partnership");
        assert_eq!(b.provenance.positions, positions);
        assert_eq!(b.terms_of_reference.len(), 2);
        assert_eq!(b.current_terms_of_reference().map(|t| t.version), Some(2));
        assert_eq!(
            b.terms_of_reference_on(day(2006, 5, 9)).map(|t| t.version),
            Some(1)
        );
        assert_eq!(
            b.terms_of_reference[1].changes.as_deref(),
            Some("Adds the GLA")
        );
        assert_eq!(b.current_agencies().count(), 1);
        assert_eq!(b.agencies_on(day(2007, 1, 31)).count(), 2);
        assert_eq!(b.agencies[&id(101)].provenance.positions, vec![3, 8]);
        assert_eq!(b.meetings_in(day(2006, 5, 1), day(2006, 6, 1)).count(), 1);
        let theme = &b.themes[&id(120)];
        assert_eq!(theme.work_plans, vec![2006]);
        assert_eq!(theme.provenance.positions, vec![5, 6]);
        assert!(theme.in_force_on(day(2007, 3, 31)));
        assert!(!theme.in_force_on(day(2007, 4, 1)));
        assert_eq!(b.themes_on(day(2006, 12, 1)).count(), 1);
        assert_eq!(
            b.themes_agreed_in(day(2006, 1, 1), day(2007, 1, 1)).count(),
            1
        );
        assert_eq!(
            b.work_plan(2006).map(|w| w.themes.clone()),
            Some(vec![id(120)])
        );
        assert_eq!(
            b.representations_in(day(2007, 1, 1), day(2008, 1, 1))
                .map(|r| r.made_to.as_str())
                .collect::<Vec<_>>(),
            vec!["Home Office"]
        );
        assert!(m.board(PanLondonBoard::Lcrb).is_none());
    }

    #[test]
    fn unknown_boards_and_groups_are_ignored() {
        let mut log = TestLog::new();
        lcsp_history(&mut log);
        lcp2_history(&mut log);
        // Without the constitution every LCSP event is ignored; LCP2 still folds, and a
        // group leaving that was never seen joining is ignored.
        let events: Vec<_> = log
            .events
            .iter()
            .filter(|e| e.position() != 1 && e.position() != 10)
            .cloned()
            .collect();
        let m: Partnerships = fold(&events);
        assert!(m.boards.is_empty());
        let snb = &m.lcp2.groups[&id(1)];
        assert_eq!(snb.spells.len(), 1, "only the rejoining is known");
        assert_eq!(snb.spells[0].joined_on, day(2020, 4, 1));
        assert_eq!(snb.forums_attended, 0);
        assert_eq!(m.lcp2.forums[&id(10)].groups_represented.len(), 2);
    }
}
