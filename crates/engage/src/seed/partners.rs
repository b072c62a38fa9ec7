//! Seeded partnership work: a borough's crime and confidence figures, Community Payback
//! nominations, Neighbourhood Watch support, Independent Advisory Group oversight, LCP2's
//! records and the two pan-London partnership boards.

use std::collections::BTreeSet;

use chrono::{Datelike, Duration, NaiveDate};
use engage_domain::common::{EvidenceKind, EvidenceRef, Period};
use engage_domain::community_payback::{self, CommunityPaybackProject, NominatedBy};
use engage_domain::iag::{self, Iag};
use engage_domain::lcp2::{self, Lcp2, MemberGroupKind};
use engage_domain::neighbourhood_watch::{self, NeighbourhoodWatchScheme, SupportKind};
use engage_domain::partnership_board::{self, PanLondonBoard, PartnershipBoard};
use engage_domain::performance::{
    self, ConfidenceMeasure, CrimeCategory, FigureSource, Performance, SourceKind,
};
use engage_domain::{BoroughCode, WardCode};
use rand::Rng;
use rand::seq::IndexedRandom;
use rand_chacha::ChaCha8Rng;
use uuid::Uuid;

use super::{
    Actor, SECRETARY, Step, Timestamp, Workflow, World, add_month, at_naive, board_actors, contact,
    days, plan_of, random_id, weighted,
};

/// The day `d` plus `n` whole days.
fn plus(d: NaiveDate, n: i64) -> NaiveDate {
    d + Duration::days(n)
}

/// A uniformly random day in `[from, to)` (`from` when the range is empty).
fn day_between(rng: &mut ChaCha8Rng, from: NaiveDate, to: NaiveDate) -> NaiveDate {
    let n = (to - from).num_days();
    if n <= 0 {
        return from;
    }
    plus(from, rng.random_range(0..n))
}

/// When someone belongs to a body (an LCP2 member group, a partnership board's agency):
/// planned spells of membership, so that every meeting can list members of that day.
#[derive(Default)]
struct Spells(Vec<(NaiveDate, Option<NaiveDate>)>);

impl Spells {
    fn member_on(&self, day: NaiveDate) -> bool {
        self.0
            .iter()
            .any(|(j, l)| *j <= day && l.is_none_or(|l| day <= l))
    }
}

/// Up to `n` of the members on `day`, in a random order.
fn members_on<T: Copy>(
    rng: &mut ChaCha8Rng,
    members: &[(T, Spells)],
    day: NaiveDate,
    n: usize,
) -> Vec<T> {
    let on: Vec<T> = members
        .iter()
        .filter(|(_, s)| s.member_on(day))
        .map(|(id, _)| *id)
        .collect();
    on.choose_multiple(rng, n.min(on.len())).copied().collect()
}

// ---------------------------------------------------------------------------------------
// Performance figures.

/// Typical monthly counts for a borough, by category.
const CRIME: [(CrimeCategory, u32); 7] = [
    (CrimeCategory::TotalNotifiableOffences, 2_400),
    (CrimeCategory::ViolenceAndSexualOffences, 720),
    (CrimeCategory::AntiSocialBehaviour, 600),
    (CrimeCategory::Burglary, 220),
    (CrimeCategory::VehicleCrime, 250),
    (CrimeCategory::Robbery, 110),
    (CrimeCategory::TheftFromThePerson, 90),
];

const MEASURES: [(ConfidenceMeasure, u8); 5] = [
    (ConfidenceMeasure::GoodJob, 62),
    (ConfidenceMeasure::TreatEveryoneFairly, 70),
    (ConfidenceMeasure::DealWithThingsThatMatter, 68),
    (ConfidenceMeasure::ListenToConcerns, 66),
    (ConfidenceMeasure::SafeAfterDark, 72),
];

/// A borough's monthly recorded-crime figures (borough-wide, now and then for a ward) and
/// quarterly Public Attitude Survey results, with the occasional correction.
pub(super) fn performance_workflow(world: &World, b: usize, rng: &mut ChaCha8Rng) -> Workflow {
    use performance::{Command as C, RecordConfidenceSurveyResult, RecordCrimeFigures};
    let info = &world.boroughs[b];
    let s = world.scale;
    let recorded = s.min(1.0);
    let categories = ((CRIME.len() as f64 - 1.0) * s).round().clamp(1.0, 6.0) as usize;
    let measures = (4.0 * s).round().clamp(1.0, 4.0) as usize;
    let size = rng.random_range(0.6..1.5);
    let crime = |category: CrimeCategory,
                 ward: Option<WardCode>,
                 period: Period,
                 count: u32,
                 correction_reason: Option<String>| {
        C::RecordCrimeFigures(RecordCrimeFigures {
            borough: info.code.clone(),
            ward,
            period,
            category,
            count,
            source: FigureSource {
                kind: SourceKind::PoliceUk,
                reference: format!(
                    "https://data.police.uk/data/archive/{}-{:02}.zip",
                    period.from.year(),
                    period.from.month()
                ),
            },
            correction_reason,
        })
    };
    let mut steps = Vec::new();
    let mut month = world.start;
    while month < world.end {
        let next = add_month(month);
        let (from, to) = (month.date_naive(), next.date_naive() - Duration::days(1));
        month = next;
        let at = at_naive(to, 10, 0) + days(rng, 10, 25);
        if !rng.random_bool(recorded) {
            continue;
        }
        let period = Period::new(from, to);
        let mut chosen: Vec<(CrimeCategory, u32)> = vec![CRIME[0]];
        chosen.extend(
            CRIME[1..]
                .choose_multiple(rng, categories)
                .copied()
                .collect::<Vec<_>>(),
        );
        for (i, (category, base)) in chosen.iter().enumerate() {
            let count = (f64::from(*base) * size * rng.random_range(0.8..1.2)) as u32;
            steps.push(Step {
                at: at + Duration::minutes(i as i64),
                actor: ANALYST,
                command: crime(*category, None, period, count.max(1), None),
            });
            // Now and then a figure is corrected (late-recorded offences).
            if rng.random_bool(0.02) {
                let corrected = count.max(1) + rng.random_range(1..40);
                steps.push(Step {
                    at: at + days(rng, 3, 20),
                    actor: ANALYST,
                    command: crime(
                        *category,
                        None,
                        period,
                        corrected,
                        Some("Late-recorded offences added by the MPS".into()),
                    ),
                });
            }
        }
        if !info.wards.is_empty() && rng.random_bool(0.3) {
            let ward = info.wards.choose(rng).map(|(w, _)| w.clone());
            let count = (f64::from(CRIME[0].1) * size / 18.0 * rng.random_range(0.6..1.4)) as u32;
            steps.push(Step {
                at: at + Duration::minutes(30),
                actor: ANALYST,
                command: crime(CRIME[0].0, ward, period, count.max(1), None),
            });
        }
        // The survey reports by quarter.
        if to.month().is_multiple_of(3) {
            let quarter = Period::new(
                NaiveDate::from_ymd_opt(to.year(), to.month() - 2, 1).unwrap_or(from),
                to,
            );
            let at = at + days(rng, 10, 20);
            let mut chosen = vec![MEASURES[0]];
            chosen.extend(
                MEASURES[1..]
                    .choose_multiple(rng, measures - 1)
                    .copied()
                    .collect::<Vec<_>>(),
            );
            for (i, (measure, base)) in chosen.into_iter().enumerate() {
                let percent = (i32::from(base) + rng.random_range(-12..=12)).clamp(0, 100) as u8;
                let sample_size = rng.random_range(250..600);
                let result = |percent: u8, correction_reason: Option<String>| {
                    C::RecordConfidenceResult(RecordConfidenceSurveyResult {
                        borough: info.code.clone(),
                        neighbourhood: None,
                        period: quarter,
                        measure,
                        percent,
                        sample_size: Some(sample_size),
                        source: FigureSource {
                            kind: SourceKind::MopacPublicAttitudeSurvey,
                            reference: format!(
                                "MOPAC Public Attitude Survey, {} Q{}",
                                to.year(),
                                to.month() / 3
                            ),
                        },
                        correction_reason,
                    })
                };
                steps.push(Step {
                    at: at + Duration::minutes(i as i64),
                    actor: ANALYST,
                    command: result(percent, None),
                });
                if rng.random_bool(0.02) {
                    let fixed = if percent < 100 { percent + 1 } else { 99 };
                    steps.push(Step {
                        at: at + days(rng, 5, 30),
                        actor: ANALYST,
                        command: result(
                            fixed,
                            Some("Re-weighted after the survey's population update".into()),
                        ),
                    });
                }
            }
        }
    }
    Workflow {
        stream: performance::stream_id(&info.code),
        actors: vec![Actor::new(
            "seed-mopac-analyst",
            "analyst",
            "MOPAC Evidence and Insight",
        )],
        steps: plan_of::<Performance>(steps, world.end),
    }
}

const ANALYST: u8 = 0;

// ---------------------------------------------------------------------------------------
// Community Payback.

const PAYBACK: [(&str, &str); 5] = [
    (
        "Clear the overgrown alleyway behind the parade",
        "Cut back vegetation and remove rubbish where residents feel unsafe at night.",
    ),
    (
        "Repaint the graffiti-covered underpass",
        "Clean and repaint the underpass used by children walking to school.",
    ),
    (
        "Restore the community garden",
        "Weed, replant and fence the garden vandalised last summer.",
    ),
    (
        "Tidy the estate's play area",
        "Remove litter and paint the fencing around the play area.",
    ),
    (
        "Clean up fly-tipping hotspots",
        "Clear the service road and lanes used for fly-tipping.",
    ),
];

/// A local project nominated for Community Payback: selected (and usually completed),
/// declined, or still waiting.
pub(super) fn payback_workflow(
    world: &World,
    b: usize,
    nominated: Timestamp,
    rng: &mut ChaCha8Rng,
) -> Workflow {
    use community_payback::{
        Command as C, CompleteCommunityPaybackProject, DeclineCommunityPaybackProject,
        NominateCommunityPaybackProject, SelectCommunityPaybackProject,
    };
    let info = &world.boroughs[b];
    let project_id = random_id(rng);
    let (title, description) = *PAYBACK.choose(rng).unwrap_or(&PAYBACK[0]);
    let ward = super::some_ward(rng, info, 0.8);
    let mut steps = vec![Step {
        at: nominated,
        actor: SECRETARY,
        command: C::Nominate(NominateCommunityPaybackProject {
            project_id,
            borough: info.code.clone(),
            ward,
            title: title.into(),
            description: description.into(),
            nominated_by: weighted(
                rng,
                &[
                    (35, NominatedBy::Board),
                    (35, NominatedBy::WardPanel),
                    (20, NominatedBy::Public),
                    (10, NominatedBy::LocalAuthority),
                ],
            ),
            nominated_on: nominated.date_naive(),
        }),
    }];
    let decided = nominated + days(rng, 14, 60);
    match weighted(rng, &[(60, 0u8), (25, 1), (15, 2)]) {
        0 => {
            let planned = rng.random_range(40..400);
            steps.push(Step {
                at: decided,
                actor: SECRETARY,
                command: C::Select(SelectCommunityPaybackProject {
                    selected_on: decided.date_naive(),
                    provider: "London Probation Service Community Payback".into(),
                    planned_hours: Some(planned),
                }),
            });
            if rng.random_bool(0.85) {
                let done = decided + days(rng, 30, 180);
                steps.push(Step {
                    at: done,
                    actor: SECRETARY,
                    command: C::Complete(CompleteCommunityPaybackProject {
                        completed_on: done.date_naive(),
                        hours_worked: (f64::from(planned) * rng.random_range(0.7..1.2)) as u32 + 1,
                        outcome_summary: "Work finished; residents thanked the team".into(),
                    }),
                });
            }
        }
        1 => steps.push(Step {
            at: decided,
            actor: SECRETARY,
            command: C::Decline(DeclineCommunityPaybackProject {
                declined_on: decided.date_naive(),
                reason: "The land owner would not give permission".into(),
            }),
        }),
        _ => {}
    }
    Workflow {
        stream: community_payback::stream_id(project_id),
        actors: board_actors(info),
        steps: plan_of::<CommunityPaybackProject>(steps, world.end),
    }
}

// ---------------------------------------------------------------------------------------
// Neighbourhood Watch.

/// A Neighbourhood Watch scheme registered with the board and the support it is given.
pub(super) fn watch_workflow(
    world: &World,
    b: usize,
    registered: Timestamp,
    rng: &mut ChaCha8Rng,
) -> Workflow {
    use neighbourhood_watch::{
        Command as C, GiveNeighbourhoodWatchSupport, RegisterNeighbourhoodWatchScheme,
    };
    let info = &world.boroughs[b];
    let scheme_id = random_id(rng);
    let ward = super::some_ward(rng, info, 0.9);
    let street = ["Church", "Station", "Park", "Mill", "Victoria", "Grove"]
        .choose(rng)
        .copied()
        .unwrap_or("Church");
    let mut steps = vec![Step {
        at: registered,
        actor: SECRETARY,
        command: C::Register(RegisterNeighbourhoodWatchScheme {
            scheme_id,
            borough: info.code.clone(),
            ward,
            name: format!("{street} Road Neighbourhood Watch"),
            households: rng.random_range(12..400),
            registered_on: registered.date_naive(),
            personal: rng.random_bool(0.8).then(|| contact(rng)),
        }),
    }];
    let mut t = registered;
    for _ in 0..weighted(rng, &[(30, 0u8), (40, 1), (20, 2), (10, 4)]) {
        t += days(rng, 30, 240);
        let kind = weighted(
            rng,
            &[
                (30, SupportKind::Funding),
                (20, SupportKind::Training),
                (25, SupportKind::Materials),
                (15, SupportKind::CrimePreventionAdvice),
                (10, SupportKind::MeetingAttendance),
            ],
        );
        steps.push(Step {
            at: t,
            actor: SECRETARY,
            command: C::GiveSupport(GiveNeighbourhoodWatchSupport {
                support_id: random_id(rng),
                given_on: t.date_naive(),
                kind,
                amount_pence: (kind == SupportKind::Funding)
                    .then(|| rng.random_range(50..1_000) * 100),
                description: match kind {
                    SupportKind::Funding => "Grant for signs and window stickers",
                    SupportKind::Training => "Coordinator training evening",
                    SupportKind::Materials => "Property-marking kits and leaflets",
                    SupportKind::CrimePreventionAdvice => "Street briefing by the SNT",
                    SupportKind::MeetingAttendance => "Board member attended the AGM",
                }
                .into(),
            }),
        });
    }
    Workflow {
        stream: neighbourhood_watch::stream_id(scheme_id),
        actors: board_actors(info),
        steps: plan_of::<NeighbourhoodWatchScheme>(steps, world.end),
    }
}

// ---------------------------------------------------------------------------------------
// Independent Advisory Groups.

const IAG_TOPICS: [(&str, &str); 5] = [
    (
        "Stop and search",
        "Explain searches to young people before a planned operation",
    ),
    (
        "Community impact",
        "Brief faith leaders early after a serious incident",
    ),
    (
        "Hate crime",
        "Use third-party reporting centres to reach under-reporting communities",
    ),
    (
        "Use of force",
        "Publish the borough's use-of-force figures quarterly",
    ),
    (
        "Recruitment",
        "Hold open evenings in the borough's most diverse wards",
    ),
];

/// An IAG the board oversees (`b` None: a pan-London group): registered, its meetings
/// observed by board members, and its advice recorded.
pub(super) fn iag_workflow(
    world: &World,
    b: Option<usize>,
    observers: &[Uuid],
    rng: &mut ChaCha8Rng,
) -> Workflow {
    use iag::{Command as C, ObserveIagMeeting, RecordIagAdvice, RegisterIag};
    let info = b.and_then(|b| world.boroughs.get(b));
    let iag_id = random_id(rng);
    let registered = world.start + days(rng, 20, 200);
    let (name, focus) = match info {
        Some(i) => (
            format!("{} Independent Advisory Group", i.name),
            "Community impact of policing operations in the borough",
        ),
        None => (
            "Pan-London Independent Advisory Group".to_owned(),
            "Critical incidents and London-wide policing policy",
        ),
    };
    let mut steps = vec![Step {
        at: registered,
        actor: SECRETARY,
        command: C::Register(RegisterIag {
            iag_id,
            borough: info.map(|i| i.code.clone()),
            name,
            focus: focus.into(),
            registered_on: registered.date_naive(),
        }),
    }];
    let per_year = (4.0 * world.scale).clamp(0.0, 4.0);
    let count = ((per_year * world.years()).round() as usize).max(1);
    let first = registered + Duration::days(30);
    let span = (world.end - first).num_minutes().max(1) as f64;
    let fallback = [random_id(rng)];
    let observers = if observers.is_empty() {
        &fallback[..]
    } else {
        observers
    };
    for i in 0..count {
        let slot = first + Duration::minutes((span * i as f64 / count as f64) as i64);
        let held_on = (slot + days(rng, 0, 10)).date_naive();
        let meeting_id = random_id(rng);
        let observing = rng.random_range(1..=2);
        steps.push(Step {
            at: at_naive(held_on, 21, 0),
            actor: SECRETARY,
            command: C::ObserveMeeting(ObserveIagMeeting {
                meeting_id,
                held_on,
                observed_by: observers.choose_multiple(rng, observing).copied().collect(),
                members_present: rng.random_range(5..20),
                police_attended: rng.random_bool(0.9),
                observations: "Frank discussion; the police answered the group's questions".into(),
            }),
        });
        if rng.random_bool(0.6) {
            let (topic, advice) = *IAG_TOPICS.choose(rng).unwrap_or(&IAG_TOPICS[0]);
            let given_on = plus(held_on, rng.random_range(0..7));
            steps.push(Step {
                at: at_naive(given_on, 22, 0),
                actor: SECRETARY,
                command: C::RecordAdvice(RecordIagAdvice {
                    advice_id: random_id(rng),
                    meeting_id: Some(meeting_id),
                    given_on,
                    given_to: match info {
                        Some(i) => format!("{} Borough Commander", i.name),
                        None => "MPS Deputy Commissioner".to_owned(),
                    },
                    topic: topic.into(),
                    advice: advice.into(),
                }),
            });
        }
    }
    let actors = match info {
        Some(i) => board_actors(i),
        None => vec![Actor::new(
            "seed-mopac-engagement",
            "board_secretary",
            "MOPAC",
        )],
    };
    Workflow {
        stream: iag::stream_id(iag_id),
        actors,
        steps: plan_of::<Iag>(steps, world.end),
    }
}

// ---------------------------------------------------------------------------------------
// LCP2.

const COURSES: [&str; 4] = [
    "Chairing effective public meetings",
    "Scrutinising stop and search data",
    "Safeguarding for volunteers",
    "Understanding police performance figures",
];

const FORUM_TOPICS: [&str; 6] = [
    "MOPAC's engagement funding",
    "Stop and search scrutiny",
    "Violence against women and girls",
    "Recruiting younger members",
    "The new neighbourhood policing model",
    "Custody visiting findings",
];

/// LCP2's records over the years: member groups joining (and some leaving and rejoining),
/// the monthly e-bulletin, quarterly chairs' forums, training, best-practice digests and
/// canvasses of members' views.
pub(super) fn lcp2_workflow(world: &World, rng: &mut ChaCha8Rng) -> Workflow {
    use lcp2::{
        CanvassLcp2MembersViews, Command as C, DeliverLcp2Training, HoldLcp2ChairsForum,
        IssueLcp2EBulletin, JoinLcp2, LeaveLcp2, PublishLcp2BestPracticeDigest,
    };
    let s = world.scale;
    let start = world.start.date_naive();
    let end = world.end.date_naive();
    // Candidate groups: each seeded borough's SNB, its ICV panel and stop-and-search group,
    // and two pan-London groups.
    let mut candidates: Vec<(String, MemberGroupKind, Option<BoroughCode>)> = Vec::new();
    for b in &world.boroughs {
        candidates.push((
            format!("{} Safer Neighbourhood Board", b.name),
            MemberGroupKind::Snb,
            Some(b.code.clone()),
        ));
        if !b.suites.is_empty() {
            candidates.push((
                format!("{} Independent Custody Visiting Panel", b.name),
                MemberGroupKind::IcvPanel,
                Some(b.code.clone()),
            ));
        }
        candidates.push((
            format!("{} Stop and Search Monitoring Group", b.name),
            MemberGroupKind::StopSearchGroup,
            Some(b.code.clone()),
        ));
    }
    candidates.push((
        "Pan-London Independent Advisory Group".into(),
        MemberGroupKind::Iag,
        None,
    ));
    candidates.push((
        "British Transport Police Independent Advisory Group".into(),
        MemberGroupKind::Other,
        None,
    ));
    let join_p = (0.8 * s).clamp(0.1, 0.8);
    let mut steps = Vec::new();
    let mut groups: Vec<(Uuid, Spells)> = Vec::new();
    for (name, kind, borough) in candidates {
        if !rng.random_bool(join_p) {
            continue;
        }
        let group_id = random_id(rng);
        let joined = day_between(rng, plus(start, 1), plus(start, 365));
        let mut spells = Spells(vec![(joined, None)]);
        let join = |on: NaiveDate| Step {
            at: at_naive(on, 9, 0),
            actor: 0,
            command: C::JoinGroup(JoinLcp2 {
                group_id,
                name: name.clone(),
                kind,
                borough: borough.clone(),
                joined_on: on,
            }),
        };
        steps.push(join(joined));
        // About one group in six leaves at some point; a third of those rejoin later.
        if rng.random_bool(0.16) {
            let left = day_between(rng, plus(joined, 90), end);
            spells.0[0].1 = Some(left);
            steps.push(Step {
                at: at_naive(left, 12, 0),
                actor: 0,
                command: C::LeaveGroup(LeaveLcp2 {
                    group_id,
                    left_on: left,
                    reason: rng
                        .random_bool(0.7)
                        .then(|| "Group wound up pending new volunteers".into()),
                }),
            });
            if rng.random_bool(0.35) {
                let back = plus(left, rng.random_range(120..540));
                spells.0.push((back, None));
                steps.push(join(back));
            }
        }
        groups.push((group_id, spells));
    }
    // Every history has at least one group that left (membership is not for ever).
    if !groups
        .iter()
        .any(|(_, s)| s.0.iter().any(|(_, l)| l.is_some()))
        && let Some((group_id, spells)) = groups.first_mut()
        && let Some((joined, left @ None)) = spells.0.first_mut()
    {
        let on = day_between(rng, plus(*joined, 90), end);
        *left = Some(on);
        steps.push(Step {
            at: at_naive(on, 12, 0),
            actor: 0,
            command: C::LeaveGroup(LeaveLcp2 {
                group_id: *group_id,
                left_on: on,
                reason: Some("No chair after the AGM".into()),
            }),
        });
    }
    let mut issue_number = rng.random_range(20..60);
    let mut month = world.start;
    let busy = s.min(1.0);
    while month < world.end {
        let from = month.date_naive();
        month = add_month(month);
        if rng.random_bool(busy) {
            let issued_on = plus(from, rng.random_range(2..10));
            steps.push(Step {
                at: at_naive(issued_on, 8, 0),
                actor: 0,
                command: C::IssueBulletin(IssueLcp2EBulletin {
                    year: from.year(),
                    month: from.month(),
                    issue_number,
                    issued_on,
                    headline: format!("LCP2 e-bulletin, {}", from.format("%B %Y")),
                    items: vec![
                        "MOPAC news".into(),
                        "Member groups' news".into(),
                        "Training dates".into(),
                    ],
                    reference: Some(format!(
                        "https://lcp2.example.org/bulletins/{}",
                        from.format("%Y-%m")
                    )),
                }),
            });
            issue_number += 1;
        }
        if from.month().is_multiple_of(3) && rng.random_bool(busy) {
            let held_on = plus(from, rng.random_range(10..20));
            let wanted = rng.random_range(4..20);
            let present = members_on(rng, &groups, held_on, wanted);
            if !present.is_empty() {
                steps.push(Step {
                    at: at_naive(held_on, 20, 0),
                    actor: 0,
                    command: C::HoldChairsForum(HoldLcp2ChairsForum {
                        forum_id: random_id(rng),
                        held_on,
                        groups_represented: present,
                        other_attendees: rng.random_range(0..8),
                        topics: FORUM_TOPICS
                            .choose_multiple(rng, 2)
                            .map(|t| (*t).to_owned())
                            .collect(),
                    }),
                });
            }
        }
        if rng.random_bool(0.25 * busy) {
            let delivered_on = plus(from, rng.random_range(10..25));
            let trainees = rng.random_range(6..25);
            let wanted = rng.random_range(0..6);
            let from_groups = members_on(rng, &groups, delivered_on, wanted);
            steps.push(Step {
                at: at_naive(delivered_on, 17, 0),
                actor: 0,
                command: C::DeliverTraining(DeliverLcp2Training {
                    training_id: random_id(rng),
                    course: COURSES.choose(rng).copied().unwrap_or(COURSES[0]).into(),
                    delivered_on,
                    trainees,
                    mentoring: rng.random_bool(0.3),
                    groups: from_groups,
                }),
            });
        }
        if rng.random_bool(0.08 * busy) {
            let published_on = plus(from, rng.random_range(20..27));
            steps.push(Step {
                at: at_naive(published_on, 11, 0),
                actor: 0,
                command: C::PublishDigest(PublishLcp2BestPracticeDigest {
                    digest_id: random_id(rng),
                    title: "Good practice in community monitoring".into(),
                    published_on,
                    reference: format!(
                        "https://lcp2.example.org/digests/{}",
                        published_on.format("%Y-%m")
                    ),
                    topics: vec!["Ward panel attendance".into(), "Youth engagement".into()],
                    featured_groups: members_on(rng, &groups, published_on, 3),
                }),
            });
        }
        if rng.random_bool(0.06 * busy) {
            let opened_on = plus(from, rng.random_range(0..10));
            let closed_on = plus(opened_on, rng.random_range(14..42));
            steps.push(Step {
                at: at_naive(closed_on, 18, 0),
                actor: 0,
                command: C::CanvassViews(CanvassLcp2MembersViews {
                    canvass_id: random_id(rng),
                    topic: "The future of Safer Neighbourhood Board funding".into(),
                    opened_on,
                    closed_on,
                    responses: rng.random_range(5..40),
                    summary: "Most members want multi-year funding and less reporting".into(),
                    fed_into: rng
                        .random_bool(0.6)
                        .then(|| "MOPAC consultation on community engagement".into()),
                }),
            });
        }
    }
    Workflow {
        stream: lcp2::stream_id(),
        actors: vec![Actor::new("seed-lcp2", "lcp2_coordinator", "LCP2")],
        steps: plan_of::<Lcp2>(steps, world.end),
    }
}

// ---------------------------------------------------------------------------------------
// Pan-London partnership boards.

const AGENCIES: [(&str, &str); 10] = [
    ("Metropolitan Police Service", "Deputy Commissioner"),
    ("Mayor's Office for Policing and Crime", "Deputy Mayor"),
    ("London Councils", "Executive Member for Crime"),
    ("Crown Prosecution Service London", "Chief Crown Prosecutor"),
    ("British Transport Police", "Chief Superintendent"),
    ("London Probation Service", "Regional Director"),
    ("City of London Police", "Assistant Commissioner"),
    ("London Fire Brigade", "Assistant Commissioner"),
    ("NHS London", "Director of Public Health"),
    ("Greater London Authority", "Head of Community Safety"),
];

const THEMES: [(&str, &str); 6] = [
    (
        "Reducing serious youth violence",
        "Joint work on knife crime, diversion and youth services",
    ),
    (
        "Violence against women and girls",
        "A shared plan across agencies for safer streets and support",
    ),
    (
        "Reducing reoffending",
        "Integrated offender management across London",
    ),
    (
        "Safer transport",
        "Crime and disorder on buses, the Tube and at stations",
    ),
    (
        "Drugs and exploitation",
        "County lines and the exploitation of children",
    ),
    (
        "Confidence and trust",
        "Raising confidence in policing among London's communities",
    ),
];

/// One pan-London partnership board's life: constituted, agencies joining and leaving,
/// meetings, themes, new terms of reference, yearly work plans and representations.
pub(super) fn partnership_workflow(
    world: &World,
    board: PanLondonBoard,
    rng: &mut ChaCha8Rng,
) -> Workflow {
    use partnership_board::{
        AdoptPartnershipBoardTermsOfReference, AgreePartnershipBoardTheme, Command as C,
        ConstitutePartnershipBoard, JoinPartnershipBoard, LeavePartnershipBoard,
        MakePartnershipBoardRepresentation, PublishPartnershipBoardWorkPlan,
        RecordPartnershipBoardMeeting,
    };
    let code = board.code();
    let start = world.start.date_naive();
    let end = world.end.date_naive();
    let constituted_on = plus(start, rng.random_range(1..30));
    let mut steps = vec![Step {
        at: at_naive(constituted_on, 9, 0),
        actor: 0,
        command: C::Constitute(ConstitutePartnershipBoard {
            board,
            constituted_on,
            terms_of_reference: format!("https://london.example.org/{code}/terms-of-reference-v1"),
            chair_role: Some(
                match board {
                    PanLondonBoard::Lcsp => "MPS Deputy Commissioner",
                    PanLondonBoard::Lcrb => "Mayor of London",
                }
                .into(),
            ),
            predecessor: (board == PanLondonBoard::Lcsp)
                .then(|| "London Crime Reduction Delivery Board".into()),
        }),
    }];
    let mut agencies: Vec<(Uuid, Spells)> = Vec::new();
    let joining = rng.random_range(5..=AGENCIES.len());
    for (agency, role) in AGENCIES.iter().take(joining) {
        let agency_id = random_id(rng);
        let joined = plus(constituted_on, rng.random_range(0..45));
        let mut spells = Spells(vec![(joined, None)]);
        steps.push(Step {
            at: at_naive(joined, 10, 0),
            actor: 0,
            command: C::JoinAgency(JoinPartnershipBoard {
                agency_id,
                agency: (*agency).into(),
                representative_role: (*role).into(),
                joined_on: joined,
            }),
        });
        if rng.random_bool(0.15) {
            let left = day_between(rng, plus(joined, 180), end);
            spells.0[0].1 = Some(left);
            steps.push(Step {
                at: at_naive(left, 10, 0),
                actor: 0,
                command: C::LeaveAgency(LeavePartnershipBoard {
                    agency_id,
                    left_on: left,
                    reason: Some("Represented through London Councils instead".into()),
                }),
            });
        }
        agencies.push((agency_id, spells));
    }
    // Every history has at least one agency that left.
    if !agencies
        .iter()
        .any(|(_, s)| s.0.iter().any(|(_, l)| l.is_some()))
        && let Some((agency_id, spells)) = agencies.last_mut()
        && let Some((joined, left @ None)) = spells.0.first_mut()
    {
        let on = day_between(rng, plus(*joined, 180), end);
        *left = Some(on);
        steps.push(Step {
            at: at_naive(on, 10, 0),
            actor: 0,
            command: C::LeaveAgency(LeavePartnershipBoard {
                agency_id: *agency_id,
                left_on: on,
                reason: None,
            }),
        });
    }
    let per_year = (4.0 * world.scale).clamp(0.0, 4.0);
    let count = ((per_year * world.years()).round() as usize).max(1);
    let first = plus(constituted_on, 60);
    let span = (end - first).num_days().max(1);
    let mut themes: Vec<(Uuid, NaiveDate)> = Vec::new();
    let mut agreed: BTreeSet<(&str, i32)> = BTreeSet::new();
    let mut version = 1;
    for i in 0..count {
        let held_on = plus(
            first,
            span * i as i64 / count as i64 + rng.random_range(0..10),
        );
        if held_on >= end {
            break;
        }
        let present = members_on(rng, &agencies, held_on, AGENCIES.len());
        if present.is_empty() {
            continue;
        }
        let meeting_id = random_id(rng);
        steps.push(Step {
            at: at_naive(held_on, 16, 0),
            actor: 0,
            command: C::RecordMeeting(RecordPartnershipBoardMeeting {
                meeting_id,
                held_on,
                agencies_present: present,
                agenda: vec![
                    "Performance against the partnership's priorities".into(),
                    "Updates from member agencies".into(),
                ],
                minutes_reference: Some(format!(
                    "https://london.example.org/{code}/minutes/{held_on}"
                )),
            }),
        });
        if rng.random_bool(0.4) {
            let (title, description) = *THEMES.choose(rng).unwrap_or(&THEMES[0]);
            if agreed.insert((title, held_on.year())) {
                let theme_id = random_id(rng);
                let mut e = EvidenceRef::new(
                    EvidenceKind::CrimeData,
                    format!("https://london.example.org/{code}/evidence/{held_on}"),
                );
                e.description = Some("London-wide crime and confidence figures".into());
                steps.push(Step {
                    at: at_naive(held_on, 17, 0),
                    actor: 0,
                    command: C::AgreeTheme(AgreePartnershipBoardTheme {
                        theme_id,
                        title: title.into(),
                        description: description.into(),
                        period: NaiveDate::from_ymd_opt(held_on.year(), 1, 1)
                            .zip(NaiveDate::from_ymd_opt(held_on.year(), 12, 31))
                            .map(|(from, to)| Period::new(from, to)),
                        agreed_on: held_on,
                        meeting_id: Some(meeting_id),
                        evidence: vec![e],
                    }),
                });
                themes.push((theme_id, held_on));
            }
        }
        // New terms of reference now and then, and at least once (half-way through).
        if rng.random_bool(0.08) || (i == count / 2 && version == 1) {
            version += 1;
            steps.push(Step {
                at: at_naive(held_on, 17, 30),
                actor: 0,
                command: C::AdoptTermsOfReference(AdoptPartnershipBoardTermsOfReference {
                    version,
                    reference: format!(
                        "https://london.example.org/{code}/terms-of-reference-v{version}"
                    ),
                    adopted_on: held_on,
                    meeting_id: Some(meeting_id),
                    changes: Some("Membership widened; quorum changed to five agencies".into()),
                }),
            });
        }
        if rng.random_bool(0.25) {
            let made_on = plus(held_on, rng.random_range(1..21));
            steps.push(Step {
                at: at_naive(made_on, 12, 0),
                actor: 0,
                command: C::MakeRepresentation(MakePartnershipBoardRepresentation {
                    representation_id: random_id(rng),
                    made_on,
                    made_to: "Home Office".into(),
                    subject: "Funding for violence reduction".into(),
                    summary: "Asked for multi-year funding for London's violence reduction work"
                        .into(),
                    meeting_id: Some(meeting_id),
                    reference: None,
                }),
            });
        }
    }
    // A work plan a year, early in the year, with the themes agreed so far.
    for year in start.year()..=end.year() {
        let Some(jan) = NaiveDate::from_ymd_opt(year, 1, 15) else {
            continue;
        };
        let published_on = plus(jan, rng.random_range(0..60)).max(constituted_on);
        if published_on >= end || !rng.random_bool(world.scale.min(1.0)) {
            continue;
        }
        let mut chosen: Vec<Uuid> = themes
            .iter()
            .filter(|(_, on)| *on < published_on)
            .map(|(id, _)| *id)
            .collect();
        chosen = chosen.split_off(chosen.len().saturating_sub(3));
        steps.push(Step {
            at: at_naive(published_on, 13, 0),
            actor: 0,
            command: C::PublishWorkPlan(PublishPartnershipBoardWorkPlan {
                year,
                published_on,
                reference: format!("https://london.example.org/{code}/work-plan-{year}"),
                themes: chosen,
                summary: "What the partners will do together this year".into(),
            }),
        });
    }
    Workflow {
        stream: partnership_board::stream_id(board),
        actors: vec![Actor::new(
            format!("seed-{code}-secretariat"),
            "partnership_secretariat",
            board.name(),
        )],
        steps: plan_of::<PartnershipBoard>(steps, world.end),
    }
}
