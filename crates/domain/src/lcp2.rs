//! LCP2, the London Communities Policing Partnership: the charity whose members are London's
//! community–police engagement groups (Safer Neighbourhood Boards, local and pan-London
//! Independent Advisory Groups, Independent Custody Visitor panels, stop-and-search
//! monitoring groups, and their British Transport Police and Royal Parks equivalents). Its
//! records: member groups join and leave (and may rejoin), the London-wide chairs' forum
//! meets, training and mentoring are delivered, best-practice digests are published, the
//! monthly e-bulletin is issued, and members' views are canvassed to support policy.
//!
//! Stream: `lcp2`, one stream for the one organisation. Its volume is small (of the order of
//! a hundred events a year: a few dozen member groups, forums, courses and twelve
//! bulletins), and its rules span years — a group that joined in 2014 may leave in 2020,
//! forums and training may only count groups that were members on the day, and the
//! e-bulletin's issue numbers run on from month to month and year to year — so keeping it
//! in one stream keeps every rule inside one consistency boundary. A per-year stream would
//! have to carry membership and the last bulletin issue across years.
//!
//! No personal data: groups are named, people are counted, never named.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, NaiveDate};
use engage_log::StreamId;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::common::{Membership, all_members_on, each_required};
use crate::context::{non_empty, ordered, positive, required};
use crate::reference::BoroughCode;
use crate::{DecisionContext, DomainError};

/// The name of LCP2's stream.
pub const STREAM: &str = "lcp2";

/// The stream of LCP2's records (there is one).
pub fn stream_id() -> StreamId {
    StreamId::new(STREAM)
}

/// What kind of engagement group a member is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[serde(rename_all = "snake_case")]
pub enum MemberGroupKind {
    /// A borough's Safer Neighbourhood Board (at most one member per borough).
    Snb,
    /// A local or pan-London Independent Advisory Group.
    Iag,
    /// An Independent Custody Visitors panel.
    IcvPanel,
    /// A local stop-and-search community monitoring group.
    StopSearchGroup,
    /// Any other engagement, consultation or accountability group (e.g. a British Transport
    /// Police or Royal Parks Police equivalent).
    Other,
}

/// A group became a member of LCP2 (or rejoined).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Lcp2MemberGroupJoined {
    pub group_id: Uuid,
    pub name: String,
    pub kind: MemberGroupKind,
    /// The borough the group works in; none for a pan-London group. Required for an SNB.
    pub borough: Option<BoroughCode>,
    pub joined_on: NaiveDate,
}

/// A member group left LCP2.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Lcp2MemberGroupLeft {
    pub group_id: Uuid,
    pub left_on: NaiveDate,
    pub reason: Option<String>,
}

/// The London-wide chairs' forum met.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Lcp2ChairsForumHeld {
    pub forum_id: Uuid,
    pub held_on: NaiveDate,
    /// Member groups whose chair (or delegate) attended, each a member on the day.
    pub groups_represented: Vec<Uuid>,
    /// Others attending (MOPAC, MPS, guests): a count, no names.
    pub other_attendees: u32,
    /// What the forum discussed.
    pub topics: Vec<String>,
}

/// LCP2 delivered a training course (with or without follow-up mentoring).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Lcp2TrainingDelivered {
    pub training_id: Uuid,
    pub course: String,
    pub delivered_on: NaiveDate,
    /// People trained (a count, no names).
    pub trainees: u32,
    /// Whether the course included mentoring.
    pub mentoring: bool,
    /// The member groups the trainees came from, each a member on the day (none listed for
    /// an open course).
    pub groups: Vec<Uuid>,
}

/// LCP2 published a digest of best practice in community–police engagement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Lcp2BestPracticeDigestPublished {
    pub digest_id: Uuid,
    pub title: String,
    pub published_on: NaiveDate,
    /// A URL or document reference.
    pub reference: String,
    /// The practices it covers.
    pub topics: Vec<String>,
    /// Member groups whose practice it features, each a member on the day.
    pub featured_groups: Vec<Uuid>,
}

/// LCP2 issued its monthly e-bulletin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Lcp2EBulletinIssued {
    /// The year of the month the bulletin is for.
    pub year: i32,
    /// The month the bulletin is for, 1..=12 (one bulletin per month).
    pub month: u32,
    /// The running issue number: one more than the previous bulletin's.
    pub issue_number: u32,
    pub issued_on: NaiveDate,
    pub headline: String,
    /// The items it carries (MOPAC, MPS and national developments, member news).
    pub items: Vec<String>,
    /// A URL or document reference.
    pub reference: Option<String>,
}

/// LCP2 canvassed its members' views on a current issue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Lcp2MembersViewsCanvassed {
    pub canvass_id: Uuid,
    pub topic: String,
    pub opened_on: NaiveDate,
    pub closed_on: NaiveDate,
    /// Responses received (a count).
    pub responses: u32,
    pub summary: String,
    /// Where the views went (e.g. a MOPAC consultation, a letter to the MPS), if anywhere.
    pub fed_into: Option<String>,
}

events! {
    pub enum Event {
        MemberGroupJoined(Lcp2MemberGroupJoined) = "Lcp2MemberGroupJoined" v 1: "An engagement group (SNB, IAG, ICV panel, stop-and-search group, other) joined LCP2.",
        MemberGroupLeft(Lcp2MemberGroupLeft) = "Lcp2MemberGroupLeft" v 1: "A member group left LCP2.",
        ChairsForumHeld(Lcp2ChairsForumHeld) = "Lcp2ChairsForumHeld" v 1: "LCP2's London-wide chairs' forum met (groups represented, topics).",
        TrainingDelivered(Lcp2TrainingDelivered) = "Lcp2TrainingDelivered" v 1: "LCP2 delivered training (course, number trained, mentoring) to member groups.",
        BestPracticeDigestPublished(Lcp2BestPracticeDigestPublished) = "Lcp2BestPracticeDigestPublished" v 1: "LCP2 published a digest of best practice in community-police engagement.",
        EBulletinIssued(Lcp2EBulletinIssued) = "Lcp2EBulletinIssued" v 1: "LCP2 issued its monthly e-bulletin (month, running issue number).",
        MembersViewsCanvassed(Lcp2MembersViewsCanvassed) = "Lcp2MembersViewsCanvassed" v 1: "LCP2 canvassed its members' views on an issue (responses, summary).",
    }
}

/// Record that an engagement group joined LCP2 (or rejoined).
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "graphql", derive(async_graphql::InputObject))]
pub struct JoinLcp2 {
    pub group_id: Uuid,
    pub name: String,
    pub kind: MemberGroupKind,
    pub borough: Option<BoroughCode>,
    pub joined_on: NaiveDate,
}

/// Record that a member group left LCP2.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "graphql", derive(async_graphql::InputObject))]
pub struct LeaveLcp2 {
    pub group_id: Uuid,
    pub left_on: NaiveDate,
    pub reason: Option<String>,
}

/// Record a meeting of LCP2's London-wide chairs' forum.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "graphql", derive(async_graphql::InputObject))]
pub struct HoldLcp2ChairsForum {
    pub forum_id: Uuid,
    pub held_on: NaiveDate,
    pub groups_represented: Vec<Uuid>,
    pub other_attendees: u32,
    pub topics: Vec<String>,
}

/// Record training or mentoring LCP2 delivered to member groups.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "graphql", derive(async_graphql::InputObject))]
pub struct DeliverLcp2Training {
    pub training_id: Uuid,
    pub course: String,
    pub delivered_on: NaiveDate,
    pub trainees: u32,
    pub mentoring: bool,
    pub groups: Vec<Uuid>,
}

/// Publish a digest of best practice in community-police engagement.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "graphql", derive(async_graphql::InputObject))]
pub struct PublishLcp2BestPracticeDigest {
    pub digest_id: Uuid,
    pub title: String,
    pub published_on: NaiveDate,
    pub reference: String,
    pub topics: Vec<String>,
    pub featured_groups: Vec<Uuid>,
}

/// Issue LCP2's monthly e-bulletin (issue numbers run on from the last one).
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "graphql", derive(async_graphql::InputObject))]
pub struct IssueLcp2EBulletin {
    pub year: i32,
    pub month: u32,
    pub issue_number: u32,
    pub issued_on: NaiveDate,
    pub headline: String,
    pub items: Vec<String>,
    pub reference: Option<String>,
}

/// Record a canvass of LCP2 members' views on an issue.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "graphql", derive(async_graphql::InputObject))]
pub struct CanvassLcp2MembersViews {
    pub canvass_id: Uuid,
    pub topic: String,
    pub opened_on: NaiveDate,
    pub closed_on: NaiveDate,
    pub responses: u32,
    pub summary: String,
    pub fed_into: Option<String>,
}

commands! {
    /// What is recorded in LCP2's records.
    pub enum Command {
        JoinGroup(JoinLcp2),
        LeaveGroup(LeaveLcp2),
        HoldChairsForum(HoldLcp2ChairsForum),
        DeliverTraining(DeliverLcp2Training),
        PublishDigest(PublishLcp2BestPracticeDigest),
        IssueBulletin(IssueLcp2EBulletin),
        CanvassViews(CanvassLcp2MembersViews),
    }
}

/// A member group as LCP2 knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberGroup {
    pub name: String,
    pub kind: MemberGroupKind,
    pub borough: Option<BoroughCode>,
    pub membership: Membership,
}

/// The latest e-bulletin issued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LatestBulletin {
    pub year: i32,
    pub month: u32,
    pub issue_number: u32,
    pub issued_on: NaiveDate,
}

/// LCP2's state; `Default` is "nothing recorded yet" (the charity itself always exists).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct State {
    pub groups: BTreeMap<Uuid, MemberGroup>,
    pub forums: BTreeSet<Uuid>,
    pub trainings: BTreeSet<Uuid>,
    /// People trained, all courses.
    pub trainees: u64,
    pub digests: BTreeSet<Uuid>,
    /// Issue number of every bulletin by (year, month).
    pub bulletins: BTreeMap<(i32, u32), u32>,
    pub latest_bulletin: Option<LatestBulletin>,
    pub canvasses: BTreeSet<Uuid>,
}

impl State {
    pub fn apply(&mut self, event: &Event) {
        match event {
            Event::MemberGroupJoined(e) => {
                let group = self
                    .groups
                    .entry(e.group_id)
                    .or_insert_with(|| MemberGroup {
                        name: e.name.clone(),
                        kind: e.kind,
                        borough: e.borough.clone(),
                        membership: Membership::default(),
                    });
                group.name.clone_from(&e.name);
                group.kind = e.kind;
                group.borough.clone_from(&e.borough);
                group.membership.join(e.joined_on);
            }
            Event::MemberGroupLeft(e) => {
                if let Some(g) = self.groups.get_mut(&e.group_id) {
                    g.membership.leave(e.left_on);
                }
            }
            Event::ChairsForumHeld(e) => {
                self.forums.insert(e.forum_id);
            }
            Event::TrainingDelivered(e) => {
                self.trainings.insert(e.training_id);
                self.trainees += u64::from(e.trainees);
            }
            Event::BestPracticeDigestPublished(e) => {
                self.digests.insert(e.digest_id);
            }
            Event::EBulletinIssued(e) => {
                self.bulletins.insert((e.year, e.month), e.issue_number);
                self.latest_bulletin = Some(LatestBulletin {
                    year: e.year,
                    month: e.month,
                    issue_number: e.issue_number,
                    issued_on: e.issued_on,
                });
            }
            Event::MembersViewsCanvassed(e) => {
                self.canvasses.insert(e.canvass_id);
            }
        }
    }

    /// The groups that are members now.
    pub fn current_members(&self) -> impl Iterator<Item = (&Uuid, &MemberGroup)> {
        self.groups
            .iter()
            .filter(|(_, g)| g.membership.is_current())
    }

    /// Check `ids` were all members on `day`.
    fn members_on(
        &self,
        field: &'static str,
        ids: &[Uuid],
        day: NaiveDate,
    ) -> Result<(), DomainError> {
        all_members_on(GROUP, field, ids, day, |id| {
            self.groups.get(id).map(|g| &g.membership)
        })
    }
}

aggregate!(Lcp2, "lcp2", singleton);

const GROUP: &str = "LCP2 member group";

/// `2025-06` for a bulletin month.
fn month_label(year: i32, month: u32) -> String {
    format!("{year:04}-{month:02}")
}

pub fn decide(
    state: &State,
    command: Command,
    ctx: &DecisionContext<'_>,
) -> Result<Vec<Event>, DomainError> {
    let event: Event = match command {
        Command::JoinGroup(JoinLcp2 {
            group_id,
            name,
            kind,
            borough,
            joined_on,
        }) => {
            let known = state.groups.get(&group_id);
            if known.is_some_and(|g| g.membership.is_current()) {
                return Err(DomainError::already(GROUP, group_id, "a member"));
            }
            required("name", &name)?;
            match &borough {
                Some(b) => ctx.borough(b)?,
                None if kind == MemberGroupKind::Snb => {
                    return Err(DomainError::Required { field: "borough" });
                }
                None => {}
            }
            let same_snb = state.current_members().find(|(id, g)| {
                kind == MemberGroupKind::Snb
                    && **id != group_id
                    && g.kind == MemberGroupKind::Snb
                    && g.borough == borough
            });
            if let Some((other, _)) = same_snb {
                return Err(DomainError::invalid(
                    "borough",
                    format!(
                        "{} already has a Safer Neighbourhood Board in membership ({other})",
                        borough
                            .as_ref()
                            .map(BoroughCode::as_str)
                            .unwrap_or_default()
                    ),
                ));
            }
            if let Some(left) = known.and_then(|g| g.membership.last_left_on()) {
                ordered("left_on", &left, "joined_on", &joined_on)?;
            }
            ctx.not_future_day("joined_on", joined_on)?;
            Lcp2MemberGroupJoined {
                group_id,
                name,
                kind,
                borough,
                joined_on,
            }
            .into()
        }
        Command::LeaveGroup(LeaveLcp2 {
            group_id,
            left_on,
            reason,
        }) => {
            let group = state
                .groups
                .get(&group_id)
                .ok_or_else(|| DomainError::unknown(GROUP, group_id))?;
            let Some(joined_on) = group.membership.joined_on() else {
                return Err(DomainError::already(GROUP, group_id, "left"));
            };
            if let Some(r) = &reason {
                required("reason", r)?;
            }
            ordered("joined_on", &joined_on, "left_on", &left_on)?;
            ctx.not_future_day("left_on", left_on)?;
            Lcp2MemberGroupLeft {
                group_id,
                left_on,
                reason,
            }
            .into()
        }
        Command::HoldChairsForum(HoldLcp2ChairsForum {
            forum_id,
            held_on,
            groups_represented,
            other_attendees,
            topics,
        }) => {
            if state.forums.contains(&forum_id) {
                return Err(DomainError::already_exists("LCP2 chairs' forum", forum_id));
            }
            ctx.not_future_day("held_on", held_on)?;
            non_empty("groups_represented", &groups_represented)?;
            state.members_on("groups_represented", &groups_represented, held_on)?;
            non_empty("topics", &topics)?;
            each_required("topics", &topics)?;
            Lcp2ChairsForumHeld {
                forum_id,
                held_on,
                groups_represented,
                other_attendees,
                topics,
            }
            .into()
        }
        Command::DeliverTraining(DeliverLcp2Training {
            training_id,
            course,
            delivered_on,
            trainees,
            mentoring,
            groups,
        }) => {
            if state.trainings.contains(&training_id) {
                return Err(DomainError::already_exists("LCP2 training", training_id));
            }
            required("course", &course)?;
            ctx.not_future_day("delivered_on", delivered_on)?;
            positive("trainees", i64::from(trainees))?;
            let group_count = i64::try_from(groups.len()).unwrap_or(i64::MAX);
            if group_count > i64::from(trainees) {
                return Err(DomainError::ExceedsLimit {
                    field: "groups",
                    value: group_count,
                    limit_name: "trainees",
                    limit: i64::from(trainees),
                });
            }
            state.members_on("groups", &groups, delivered_on)?;
            Lcp2TrainingDelivered {
                training_id,
                course,
                delivered_on,
                trainees,
                mentoring,
                groups,
            }
            .into()
        }
        Command::PublishDigest(PublishLcp2BestPracticeDigest {
            digest_id,
            title,
            published_on,
            reference,
            topics,
            featured_groups,
        }) => {
            if state.digests.contains(&digest_id) {
                return Err(DomainError::already_exists(
                    "LCP2 best-practice digest",
                    digest_id,
                ));
            }
            required("title", &title)?;
            required("reference", &reference)?;
            non_empty("topics", &topics)?;
            each_required("topics", &topics)?;
            ctx.not_future_day("published_on", published_on)?;
            state.members_on("featured_groups", &featured_groups, published_on)?;
            Lcp2BestPracticeDigestPublished {
                digest_id,
                title,
                published_on,
                reference,
                topics,
                featured_groups,
            }
            .into()
        }
        Command::IssueBulletin(IssueLcp2EBulletin {
            year,
            month,
            issue_number,
            issued_on,
            headline,
            items,
            reference,
        }) => {
            if !(1..=12).contains(&month) {
                return Err(DomainError::invalid(
                    "month",
                    format!("{month} is not a month (1..=12)"),
                ));
            }
            let label = month_label(year, month);
            if let Some(issue) = state.bulletins.get(&(year, month)) {
                return Err(DomainError::already(
                    "LCP2 e-bulletin",
                    &label,
                    format!("issued (issue {issue})"),
                ));
            }
            positive("issue_number", i64::from(issue_number))?;
            let months = |y: i32, m: u32| i64::from(y) * 12 + i64::from(m);
            let issued_month = months(issued_on.year(), issued_on.month());
            if (months(year, month) - issued_month).abs() > 1 {
                return Err(DomainError::invalid(
                    "month",
                    format!(
                        "a bulletin for {label} cannot be issued on {issued_on} \
                         (at most a month before or after)"
                    ),
                ));
            }
            if let Some(latest) = state.latest_bulletin {
                if (year, month) < (latest.year, latest.month) {
                    return Err(DomainError::invalid(
                        "month",
                        format!(
                            "{label} is before the latest bulletin's month {}",
                            month_label(latest.year, latest.month)
                        ),
                    ));
                }
                let next = latest.issue_number.saturating_add(1);
                if issue_number != next {
                    return Err(DomainError::invalid(
                        "issue_number",
                        format!(
                            "{issue_number} does not follow issue {}: the next issue is {next}",
                            latest.issue_number
                        ),
                    ));
                }
                ordered(
                    "previous issued_on",
                    &latest.issued_on,
                    "issued_on",
                    &issued_on,
                )?;
            }
            ctx.not_future_day("issued_on", issued_on)?;
            required("headline", &headline)?;
            non_empty("items", &items)?;
            each_required("items", &items)?;
            if let Some(r) = &reference {
                required("reference", r)?;
            }
            Lcp2EBulletinIssued {
                year,
                month,
                issue_number,
                issued_on,
                headline,
                items,
                reference,
            }
            .into()
        }
        Command::CanvassViews(CanvassLcp2MembersViews {
            canvass_id,
            topic,
            opened_on,
            closed_on,
            responses,
            summary,
            fed_into,
        }) => {
            if state.canvasses.contains(&canvass_id) {
                return Err(DomainError::already_exists("LCP2 canvass", canvass_id));
            }
            required("topic", &topic)?;
            ordered("opened_on", &opened_on, "closed_on", &closed_on)?;
            ctx.not_future_day("closed_on", closed_on)?;
            positive("responses", i64::from(responses))?;
            required("summary", &summary)?;
            if let Some(f) = &fed_into {
                required("fed_into", f)?;
            }
            Lcp2MembersViewsCanvassed {
                canvass_id,
                topic,
                opened_on,
                closed_on,
                responses,
                summary,
                fed_into,
            }
            .into()
        }
    };
    Ok(vec![event])
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::testkit::*;

    fn join(n: u128, kind: MemberGroupKind, borough: Option<&str>, on: i64) -> Command {
        Command::JoinGroup(JoinLcp2 {
            group_id: id(n),
            name: format!("Member group {n}"),
            kind,
            borough: borough.map(Into::into),
            joined_on: day(on),
        })
    }

    fn camden_snb() -> Command {
        join(1, MemberGroupKind::Snb, Some(CAMDEN), 900)
    }

    fn pan_london_iag() -> Command {
        join(2, MemberGroupKind::Iag, None, 800)
    }

    fn leave(n: u128, on: i64) -> Command {
        Command::LeaveGroup(LeaveLcp2 {
            group_id: id(n),
            left_on: day(on),
            reason: Some("Board reconstituted".into()),
        })
    }

    fn forum(n: u128, on: i64, groups: &[u128]) -> Command {
        Command::HoldChairsForum(HoldLcp2ChairsForum {
            forum_id: id(n),
            held_on: day(on),
            groups_represented: groups.iter().copied().map(id).collect(),
            other_attendees: 3,
            topics: vec![
                "MOPAC funding for SNBs next year".into(),
                "Section 60 authorisations".into(),
            ],
        })
    }

    fn training(n: u128, on: i64, trainees: u32, groups: &[u128]) -> Command {
        Command::DeliverTraining(DeliverLcp2Training {
            training_id: id(n),
            course: "Chairing a public SNB meeting".into(),
            delivered_on: day(on),
            trainees,
            mentoring: true,
            groups: groups.iter().copied().map(id).collect(),
        })
    }

    fn digest(n: u128, on: i64) -> Command {
        Command::PublishDigest(PublishLcp2BestPracticeDigest {
            digest_id: id(n),
            title: "Running ward panels that reach young people".into(),
            published_on: day(on),
            reference: "https://lcp2.example/digest/2025-1".into(),
            topics: vec!["ward panels".into(), "youth engagement".into()],
            featured_groups: vec![id(1)],
        })
    }

    fn bulletin(year: i32, month: u32, issue: u32, on: NaiveDate) -> Command {
        Command::IssueBulletin(IssueLcp2EBulletin {
            year,
            month,
            issue_number: issue,
            issued_on: on,
            headline: "MOPAC consults on the Police and Crime Plan".into(),
            items: vec!["Police and Crime Plan consultation".into()],
            reference: Some("https://lcp2.example/bulletin".into()),
        })
    }

    fn d(y: i32, m: u32, dd: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, dd).unwrap_or_default()
    }

    fn canvass(n: u128) -> Command {
        Command::CanvassViews(CanvassLcp2MembersViews {
            canvass_id: id(n),
            topic: "Proposed closure of front counters".into(),
            opened_on: day(60),
            closed_on: day(30),
            responses: 21,
            summary: "Most boards oppose closures without a public consultation".into(),
            fed_into: Some("MOPAC public access strategy consultation".into()),
        })
    }

    fn full_history() -> Vec<Command> {
        vec![
            camden_snb(),
            pan_london_iag(),
            join(3, MemberGroupKind::IcvPanel, Some(HACKNEY), 700),
            forum(10, 100, &[1, 2, 3]),
            training(20, 90, 12, &[1, 3]),
            digest(30, 80),
            bulletin(2025, 4, 41, d(2025, 4, 2)),
            bulletin(2025, 5, 42, d(2025, 5, 1)),
            canvass(40),
            leave(3, 20),
        ]
    }

    pub(crate) fn samples() -> Vec<Event> {
        history::<Lcp2>(full_history()).1
    }

    #[test]
    fn lifecycle() {
        let (s, events) = history::<Lcp2>(full_history());
        assert_eq!(events.len(), 10);
        assert_eq!(s.current_members().count(), 2);
        assert_eq!(s.trainees, 12);
        assert_eq!(s.bulletins.get(&(2025, 5)), Some(&42));
        assert_eq!(stream_id().as_str(), "lcp2");
    }

    #[test]
    fn a_group_that_left_may_rejoin_but_not_before_it_left() {
        let (mut s, _) = history::<Lcp2>([pan_london_iag(), leave(2, 100)]);
        assert!(matches!(
            decide(&s, join(2, MemberGroupKind::Iag, None, 200), &ctx()),
            Err(DomainError::EndBeforeStart {
                end_field: "joined_on",
                ..
            })
        ));
        step::<Lcp2>(&mut s, join(2, MemberGroupKind::Iag, None, 50)).expect("rejoin");
        assert!(s.groups[&id(2)].membership.is_current());
        // It was a member before it left and after it rejoined, not in between.
        assert!(matches!(
            decide(&s, forum(10, 70, &[2]), &ctx()),
            Err(DomainError::Invalid {
                field: "groups_represented",
                ..
            })
        ));
        step::<Lcp2>(&mut s, forum(10, 150, &[2])).expect("before it left");
        step::<Lcp2>(&mut s, forum(11, 10, &[2])).expect("after it rejoined");
    }

    #[test]
    fn membership_errors() {
        let empty = State::default();
        assert_eq!(
            decide(&empty, leave(1, 10), &ctx()),
            Err(DomainError::unknown("LCP2 member group", id(1)))
        );
        assert_eq!(
            decide(&empty, join(1, MemberGroupKind::Snb, None, 10), &ctx()),
            Err(DomainError::Required { field: "borough" })
        );
        assert!(matches!(
            decide(
                &empty,
                join(1, MemberGroupKind::Snb, Some("E09000099"), 10),
                &ctx()
            ),
            Err(DomainError::UnknownBorough(_))
        ));
        let mut unnamed = pan_london_iag();
        if let Command::JoinGroup(JoinLcp2 { name, .. }) = &mut unnamed {
            name.clear();
        }
        assert_eq!(
            decide(&empty, unnamed, &ctx()),
            Err(DomainError::Required { field: "name" })
        );
        assert!(matches!(
            decide(&empty, join(1, MemberGroupKind::Iag, None, -2), &ctx()),
            Err(DomainError::InFuture {
                field: "joined_on",
                ..
            })
        ));
        let (s, _) = history::<Lcp2>([camden_snb()]);
        assert_eq!(
            decide(&s, camden_snb(), &ctx()),
            Err(DomainError::already("LCP2 member group", id(1), "a member"))
        );
        assert!(matches!(
            decide(&s, join(5, MemberGroupKind::Snb, Some(CAMDEN), 10), &ctx()),
            Err(DomainError::Invalid {
                field: "borough",
                ..
            })
        ));
        // Another borough's SNB, or another kind of group in Camden, is fine.
        assert!(decide(&s, join(5, MemberGroupKind::Snb, Some(HACKNEY), 10), &ctx()).is_ok());
        assert!(
            decide(
                &s,
                join(5, MemberGroupKind::StopSearchGroup, Some(CAMDEN), 10),
                &ctx()
            )
            .is_ok()
        );
        assert!(matches!(
            decide(&s, leave(1, 901), &ctx()),
            Err(DomainError::EndBeforeStart {
                end_field: "left_on",
                ..
            })
        ));
        assert!(matches!(
            decide(&s, leave(1, -1), &ctx()),
            Err(DomainError::InFuture {
                field: "left_on",
                ..
            })
        ));
        let mut blank_reason = leave(1, 10);
        if let Command::LeaveGroup(LeaveLcp2 { reason, .. }) = &mut blank_reason {
            *reason = Some(" ".into());
        }
        assert_eq!(
            decide(&s, blank_reason, &ctx()),
            Err(DomainError::Required { field: "reason" })
        );
        let (gone, _) = history::<Lcp2>([camden_snb(), leave(1, 10)]);
        assert_eq!(
            decide(&gone, leave(1, 5), &ctx()),
            Err(DomainError::already("LCP2 member group", id(1), "left"))
        );
        // Once Camden's SNB has left, another may join for Camden.
        assert!(
            decide(
                &gone,
                join(5, MemberGroupKind::Snb, Some(CAMDEN), 5),
                &ctx()
            )
            .is_ok()
        );
    }

    #[test]
    fn forum_training_digest_and_canvass_errors() {
        let (mut s, _) = history::<Lcp2>([camden_snb(), pan_london_iag()]);
        assert_eq!(
            decide(&s, forum(10, 100, &[]), &ctx()),
            Err(DomainError::Required {
                field: "groups_represented"
            })
        );
        assert_eq!(
            decide(&s, forum(10, 100, &[1, 9]), &ctx()),
            Err(DomainError::unknown("LCP2 member group", id(9)))
        );
        assert!(matches!(
            decide(&s, forum(10, 100, &[1, 1]), &ctx()),
            Err(DomainError::Invalid {
                field: "groups_represented",
                ..
            })
        ));
        assert!(matches!(
            decide(&s, forum(10, 850, &[1, 2]), &ctx()),
            Err(DomainError::Invalid {
                field: "groups_represented",
                ..
            })
        ));
        assert!(matches!(
            decide(&s, forum(10, -1, &[1]), &ctx()),
            Err(DomainError::InFuture {
                field: "held_on",
                ..
            })
        ));
        let mut blank_topic = forum(10, 100, &[1]);
        if let Command::HoldChairsForum(HoldLcp2ChairsForum { topics, .. }) = &mut blank_topic {
            topics.push(String::new());
        }
        assert_eq!(
            decide(&s, blank_topic, &ctx()),
            Err(DomainError::Required { field: "topics" })
        );
        step::<Lcp2>(&mut s, forum(10, 100, &[1])).expect("forum");
        assert_eq!(
            decide(&s, forum(10, 90, &[1]), &ctx()),
            Err(DomainError::already_exists("LCP2 chairs' forum", id(10)))
        );

        assert_eq!(
            decide(&s, training(20, 90, 0, &[]), &ctx()),
            Err(DomainError::NotPositive {
                field: "trainees",
                value: 0
            })
        );
        assert_eq!(
            decide(&s, training(20, 90, 1, &[1, 2]), &ctx()),
            Err(DomainError::ExceedsLimit {
                field: "groups",
                value: 2,
                limit_name: "trainees",
                limit: 1
            })
        );
        assert_eq!(
            decide(&s, training(20, 90, 5, &[7]), &ctx()),
            Err(DomainError::unknown("LCP2 member group", id(7)))
        );
        let mut no_course = training(20, 90, 5, &[]);
        if let Command::DeliverTraining(DeliverLcp2Training { course, .. }) = &mut no_course {
            course.clear();
        }
        assert_eq!(
            decide(&s, no_course, &ctx()),
            Err(DomainError::Required { field: "course" })
        );
        step::<Lcp2>(&mut s, training(20, 90, 5, &[])).expect("open course");
        assert_eq!(
            decide(&s, training(20, 80, 5, &[]), &ctx()),
            Err(DomainError::already_exists("LCP2 training", id(20)))
        );

        let mut no_reference = digest(30, 80);
        if let Command::PublishDigest(PublishLcp2BestPracticeDigest { reference, .. }) =
            &mut no_reference
        {
            reference.clear();
        }
        assert_eq!(
            decide(&s, no_reference, &ctx()),
            Err(DomainError::Required { field: "reference" })
        );
        assert!(matches!(
            decide(&s, digest(30, 950), &ctx()),
            Err(DomainError::Invalid {
                field: "featured_groups",
                ..
            })
        ));
        step::<Lcp2>(&mut s, digest(30, 80)).expect("digest");
        assert_eq!(
            decide(&s, digest(30, 70), &ctx()),
            Err(DomainError::already_exists(
                "LCP2 best-practice digest",
                id(30)
            ))
        );

        let mut no_responses = canvass(40);
        if let Command::CanvassViews(CanvassLcp2MembersViews { responses, .. }) = &mut no_responses
        {
            *responses = 0;
        }
        assert_eq!(
            decide(&s, no_responses, &ctx()),
            Err(DomainError::NotPositive {
                field: "responses",
                value: 0
            })
        );
        let mut backwards = canvass(40);
        if let Command::CanvassViews(CanvassLcp2MembersViews { closed_on, .. }) = &mut backwards {
            *closed_on = day(61);
        }
        assert!(matches!(
            decide(&s, backwards, &ctx()),
            Err(DomainError::EndBeforeStart {
                end_field: "closed_on",
                ..
            })
        ));
        let mut still_open = canvass(40);
        if let Command::CanvassViews(CanvassLcp2MembersViews { closed_on, .. }) = &mut still_open {
            *closed_on = day(-7);
        }
        assert!(matches!(
            decide(&s, still_open, &ctx()),
            Err(DomainError::InFuture {
                field: "closed_on",
                ..
            })
        ));
        let mut no_summary = canvass(40);
        if let Command::CanvassViews(CanvassLcp2MembersViews { summary, .. }) = &mut no_summary {
            summary.clear();
        }
        assert_eq!(
            decide(&s, no_summary, &ctx()),
            Err(DomainError::Required { field: "summary" })
        );
        step::<Lcp2>(&mut s, canvass(40)).expect("canvass");
        assert_eq!(
            decide(&s, canvass(40), &ctx()),
            Err(DomainError::already_exists("LCP2 canvass", id(40)))
        );
    }

    #[test]
    fn bulletins_are_monthly_with_running_issue_numbers() {
        let empty = State::default();
        assert!(matches!(
            decide(&empty, bulletin(2025, 13, 1, d(2025, 5, 1)), &ctx()),
            Err(DomainError::Invalid { field: "month", .. })
        ));
        assert_eq!(
            decide(&empty, bulletin(2025, 5, 0, d(2025, 5, 1)), &ctx()),
            Err(DomainError::NotPositive {
                field: "issue_number",
                value: 0
            })
        );
        assert!(matches!(
            decide(&empty, bulletin(2025, 7, 1, d(2025, 7, 1)), &ctx()),
            Err(DomainError::InFuture {
                field: "issued_on",
                ..
            })
        ));
        assert!(matches!(
            decide(&empty, bulletin(2020, 5, 1, d(2025, 5, 1)), &ctx()),
            Err(DomainError::Invalid { field: "month", .. })
        ));
        assert!(decide(&empty, bulletin(2025, 6, 1, d(2025, 5, 28)), &ctx()).is_ok());
        let mut no_items = bulletin(2025, 5, 1, d(2025, 5, 1));
        if let Command::IssueBulletin(IssueLcp2EBulletin { items, .. }) = &mut no_items {
            items.clear();
        }
        assert_eq!(
            decide(&empty, no_items, &ctx()),
            Err(DomainError::Required { field: "items" })
        );
        let mut no_headline = bulletin(2025, 5, 1, d(2025, 5, 1));
        if let Command::IssueBulletin(IssueLcp2EBulletin { headline, .. }) = &mut no_headline {
            headline.clear();
        }
        assert_eq!(
            decide(&empty, no_headline, &ctx()),
            Err(DomainError::Required { field: "headline" })
        );

        // The first bulletin recorded may carry any issue number (the series predates the
        // system); each later one is the next number, for a later month, across years.
        let (mut s, _) = history::<Lcp2>([
            bulletin(2024, 11, 37, d(2024, 11, 4)),
            bulletin(2024, 12, 38, d(2024, 12, 2)),
            bulletin(2025, 2, 39, d(2025, 2, 3)),
        ]);
        assert_eq!(
            decide(&s, bulletin(2025, 2, 40, d(2025, 2, 20)), &ctx()),
            Err(DomainError::already(
                "LCP2 e-bulletin",
                "2025-02",
                "issued (issue 39)"
            ))
        );
        assert!(matches!(
            decide(&s, bulletin(2025, 1, 40, d(2025, 2, 20)), &ctx()),
            Err(DomainError::Invalid { field: "month", .. })
        ));
        assert!(matches!(
            decide(&s, bulletin(2025, 3, 41, d(2025, 3, 3)), &ctx()),
            Err(DomainError::Invalid {
                field: "issue_number",
                ..
            })
        ));
        assert!(matches!(
            decide(&s, bulletin(2025, 3, 39, d(2025, 3, 3)), &ctx()),
            Err(DomainError::Invalid {
                field: "issue_number",
                ..
            })
        ));
        assert!(matches!(
            decide(&s, bulletin(2025, 3, 40, d(2025, 2, 1)), &ctx()),
            Err(DomainError::EndBeforeStart {
                end_field: "issued_on",
                ..
            })
        ));
        step::<Lcp2>(&mut s, bulletin(2025, 3, 40, d(2025, 3, 3))).expect("next issue");
        assert_eq!(
            s.latest_bulletin.map(|b| (b.year, b.month, b.issue_number)),
            Some((2025, 3, 40))
        );
    }
}
