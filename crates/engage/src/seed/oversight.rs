//! Seeded oversight work: independent custody visits, stop-and-search monitoring batches and
//! the police complaint cases a board monitors — each one stream, planned as a whole.

use chrono::{Datelike, Duration};
use engage_domain::common::Period;
use engage_domain::custody_visit::{
    self, Check, CheckArea, Consent, CustodyVisit, EscalationTarget, IssueCategory, IssueOutcome,
};
use engage_domain::personal::{ComplainantDetails, DetaineeRecord};
use engage_domain::police_complaint_case::{
    self, AllegationCategory, AllegationOutcome, HandlingRoute, LearningKind, PoliceComplaintCase,
};
use engage_domain::stop_search_monitoring::{
    self, BatchSource, ConcernCategory, ConcernResolution, GroundsAssessment, SampleMethod,
    StopSearchMonitoring,
};
use engage_import::{OFFICER_DEFINED_ETHNICITIES, OUTCOMES};
use rand::Rng;
use rand::seq::{IndexedRandom, SliceRandom};
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeMap;

use super::{
    Actor, Step, Timestamp, Workflow, World, at_naive, board_actors, contact, days, plan_of,
    random_id, weighted,
};

// ---------------------------------------------------------------------------------------
// Independent custody visits.

const CHECKS: [CheckArea; 10] = [
    CheckArea::Rights,
    CheckArea::LegalAdvice,
    CheckArea::SomeoneInformed,
    CheckArea::Welfare,
    CheckArea::Healthcare,
    CheckArea::FoodAndDrink,
    CheckArea::CellConditions,
    CheckArea::AppropriateAdult,
    CheckArea::Interpreter,
    CheckArea::ReligiousNeeds,
];

const VISIT_ISSUES: [(IssueCategory, &str, &str); 8] = [
    (
        IssueCategory::FoodAndDrink,
        "Detainee had not been offered a meal for over eight hours",
        "custody sergeant",
    ),
    (
        IssueCategory::CellConditions,
        "Cell too cold; no blanket provided",
        "custody sergeant",
    ),
    (
        IssueCategory::Rights,
        "Detainee unsure whether a solicitor had been called",
        "custody sergeant",
    ),
    (
        IssueCategory::Healthcare,
        "Medication requested four hours ago not yet given",
        "healthcare professional",
    ),
    (
        IssueCategory::SuiteConditions,
        "Shower out of order and graffiti in two cells",
        "custody inspector",
    ),
    (
        IssueCategory::Records,
        "Custody record did not show the last welfare check",
        "custody sergeant",
    ),
    (
        IssueCategory::Staffing,
        "Only one detention officer on duty for a full suite",
        "custody inspector",
    ),
    (
        IssueCategory::Access,
        "Visitors kept waiting at the front counter",
        "duty officer",
    ),
];

/// One unannounced visit to a suite in the borough, its encounters with detainees, the
/// issues raised and how they ended, and the closed report. `None` for a borough without a
/// custody suite.
pub(super) fn custody_visit_workflow(
    world: &World,
    b: usize,
    started: Timestamp,
    rng: &mut ChaCha8Rng,
) -> Option<Workflow> {
    use custody_visit::{
        CloseCustodyVisit, Command as C, EscalateCustodyVisitIssue, LogCustodyVisit,
        RaiseCustodyVisitIssue, RecordCustodyVisitEncounter, ResolveCustodyVisitIssue,
    };
    let info = &world.boroughs[b];
    let suite = *info.suites.choose(rng)?;
    let visit_id = random_id(rng);
    // Visits are at any time of day; most take one to three hours.
    let arrived = started + Duration::minutes(rng.random_range(0..24 * 60));
    let left = arrived + Duration::minutes(rng.random_range(60..=180));
    let delay: u32 = weighted(rng, &[(70, (0, 5)), (25, (6, 20)), (5, (21, 45))])
        .pipe(|(lo, hi)| rng.random_range(lo..=hi));
    let detainees_held: u32 = rng.random_range(0..=16);
    let pair = if rng.random_bool(0.85) { 2 } else { 3 };
    let visitors: Vec<_> = info
        .visitors
        .choose_multiple(rng, pair.min(info.visitors.len()))
        .copied()
        .collect();
    let mut steps = vec![Step {
        at: left,
        actor: ICV,
        command: C::Log(LogCustodyVisit {
            visit_id,
            suite: suite.id.to_owned(),
            borough: info.code.clone(),
            visitors,
            arrived_at: arrived,
            left_at: left,
            access_delay_minutes: delay,
            detainees_held,
        }),
    }];
    // The report is written up after the visit, step by step.
    let mut written = left;
    let mut write = |rng: &mut ChaCha8Rng| {
        written += Duration::minutes(rng.random_range(1..=5));
        written
    };
    let on_site = arrived + Duration::minutes(i64::from(delay));
    let usable = (left - on_site).num_minutes().max(1) - 20;
    let offered = rng.random_range(0..=detainees_held.min(8));
    let mut encounters = Vec::new();
    let year = arrived.year().rem_euclid(100);
    let base = rng.random_range(1_000..80_000);
    for i in 0..offered {
        let encounter_id = random_id(rng);
        let encountered_at = on_site
            + Duration::minutes((usable.max(1) * i64::from(i) / i64::from(offered.max(1))).max(0));
        let consent = if rng.random_bool(0.7) {
            Consent::Given
        } else {
            Consent::Declined
        };
        let checked = rng.random_range(2..=6);
        let checks: Vec<Check> = if consent == Consent::Given {
            CHECKS
                .choose_multiple(rng, checked)
                .map(|&area| Check {
                    area,
                    satisfactory: rng.random_bool(0.88),
                })
                .collect()
        } else {
            Vec::new()
        };
        steps.push(Step {
            at: write(rng),
            actor: ICV,
            command: C::RecordEncounter(RecordCustodyVisitEncounter {
                encounter_id,
                encountered_at,
                consent,
                checks,
                observations: (consent == Consent::Given && rng.random_bool(0.5)).then(|| {
                    "Detainee said they had been treated well and knew their rights".to_owned()
                }),
                personal: DetaineeRecord {
                    data_subject_id: random_id(rng),
                    custody_record_number: format!(
                        "{}/{:05}/{year:02}",
                        &suite.id[..suite.id.len().min(2)],
                        base + i
                    ),
                },
            }),
        });
        encounters.push((encounter_id, encountered_at, consent));
    }
    let issues = weighted(rng, &[(62, 0usize), (30, 1), (8, 2)]);
    let mut follow_ups = Vec::new();
    for _ in 0..issues {
        let issue_id = random_id(rng);
        let (category, description, raised_with) = *VISIT_ISSUES.choose(rng)?;
        let about = encounters
            .iter()
            .filter(|(_, _, c)| *c == Consent::Given)
            .collect::<Vec<_>>()
            .choose(rng)
            .map(|(id, at, _)| (*id, *at));
        let raised_at = match about {
            Some((_, at)) => at + Duration::minutes(5),
            None => on_site + Duration::minutes(rng.random_range(0..usable.max(1))),
        };
        steps.push(Step {
            at: write(rng),
            actor: ICV,
            command: C::RaiseIssue(RaiseCustodyVisitIssue {
                issue_id,
                encounter_id: about.map(|(id, _)| id),
                category,
                description: description.into(),
                raised_with: raised_with.into(),
                raised_at,
            }),
        });
        if rng.random_bool(0.45) {
            // Put right there and then.
            let resolved_at = (raised_at + Duration::minutes(rng.random_range(5..30))).min(left);
            steps.push(Step {
                at: write(rng),
                actor: ICV,
                command: C::Resolve(ResolveCustodyVisitIssue {
                    issue_id,
                    resolved_at,
                    outcome: IssueOutcome::ResolvedDuringVisit,
                    outcome_summary: "Put right by custody staff before the visitors left".into(),
                }),
            });
        } else {
            follow_ups.push((issue_id, raised_at));
        }
    }
    let closed_at = left + Duration::hours(rng.random_range(2..48));
    steps.push(Step {
        at: closed_at.max(write(rng)),
        actor: ICV,
        command: C::Close(CloseCustodyVisit { closed_at }),
    });
    // Issues not put right during the visit are followed up: some escalated, most resolved.
    for (issue_id, raised_at) in follow_ups {
        let mut last = closed_at.max(raised_at);
        if rng.random_bool(0.4) {
            let escalated_at = last + days(rng, 1, 14);
            steps.push(Step {
                at: escalated_at,
                actor: ICV,
                command: C::Escalate(EscalateCustodyVisitIssue {
                    issue_id,
                    escalated_to: weighted(
                        rng,
                        &[(45, 0u8), (20, 1), (15, 2), (10, 3), (8, 4), (2, 5)],
                    )
                    .pipe(|k| match k {
                        0 => EscalationTarget::CustodyInspector,
                        1 => EscalationTarget::MetDetention,
                        2 => EscalationTarget::PanelMeeting,
                        3 => EscalationTarget::MopacScheme,
                        4 => EscalationTarget::BoroughCommander,
                        _ => {
                            EscalationTarget::Other("Independent Office for Police Conduct".into())
                        }
                    }),
                    escalated_at,
                    note: rng
                        .random_bool(0.5)
                        .then(|| "Raised again at the panel's quarterly meeting".into()),
                }),
            });
            last = escalated_at;
        }
        if rng.random_bool(0.85) {
            let resolved_at = last + days(rng, 1, 40);
            let outcome = weighted(
                rng,
                &[
                    (55, IssueOutcome::ResolvedAfterFollowUp),
                    (30, IssueOutcome::ExplanationAccepted),
                    (15, IssueOutcome::NotResolved),
                ],
            );
            steps.push(Step {
                at: resolved_at,
                actor: ICV,
                command: C::Resolve(ResolveCustodyVisitIssue {
                    issue_id,
                    resolved_at,
                    outcome,
                    outcome_summary: match outcome {
                        IssueOutcome::ResolvedAfterFollowUp => {
                            "Fixed after follow-up with the custody inspector"
                        }
                        IssueOutcome::ExplanationAccepted => {
                            "Police explained the constraint; the panel accepted it"
                        }
                        _ => "Not put right; the panel will raise it with MOPAC",
                    }
                    .into(),
                }),
            });
        }
    }
    Some(Workflow {
        stream: custody_visit::stream_id(visit_id),
        actors: vec![Actor::new(
            format!("seed-icv-{}", info.code),
            "custody_visitor",
            format!("{} Independent Custody Visiting Panel", info.name),
        )],
        steps: plan_of::<CustodyVisit>(steps, world.end),
    })
}

const ICV: u8 = 0;

/// `value.pipe(f)`: apply `f`, to keep a choice and its use in one expression.
trait Pipe: Sized {
    fn pipe<T>(self, f: impl FnOnce(Self) -> T) -> T {
        f(self)
    }
}

impl<T> Pipe for T {}

// ---------------------------------------------------------------------------------------
// Stop-and-search monitoring.

/// Split `total` over `shares` (weights), exactly.
fn split(rng: &mut ChaCha8Rng, total: u32, shares: &[(&str, u32)]) -> BTreeMap<String, u32> {
    let weight: u32 = shares.iter().map(|(_, w)| w).sum::<u32>().max(1);
    let mut out = BTreeMap::new();
    let mut left = total;
    for (i, (name, w)) in shares.iter().enumerate() {
        let n = if i + 1 == shares.len() {
            left
        } else {
            let jitter = rng.random_range(0.85..1.15);
            ((f64::from(total) * f64::from(*w) / f64::from(weight) * jitter) as u32).min(left)
        };
        left -= n;
        if n > 0 {
            out.insert((*name).to_owned(), n);
        }
    }
    out
}

/// A borough monitoring group's month: the month's records imported as a batch, a sample
/// selected and reviewed, concerns raised with the police, their responses and closure.
pub(super) fn stop_search_workflow(
    world: &World,
    b: usize,
    started: Timestamp,
    rng: &mut ChaCha8Rng,
) -> Option<Workflow> {
    use stop_search_monitoring::{
        CloseStopSearchConcern, Command as C, ImportStopSearchRecords, RaiseStopSearchConcern,
        RecordStopSearchPoliceResponse, ReviewStopSearchRecord, SelectStopSearchSample,
    };
    let info = &world.boroughs[b];
    // The batch is the month before the one it is imported in (data.police.uk publishes
    // a month's records some weeks after it ends).
    let previous = started.date_naive().with_day(1)? - Duration::days(1);
    let period = Period::month(previous.year(), previous.month())?;
    if at_naive(period.from, 0, 0) < world.start {
        return None;
    }
    let batch_id = random_id(rng);
    let read: u32 = rng.random_range(250..900);
    let rejected = weighted(rng, &[(70, 0u32), (25, 1), (5, 4)]).min(read);
    let accepted = read - rejected;
    let ethnicity: Vec<(&str, u32)> = OFFICER_DEFINED_ETHNICITIES
        .iter()
        .zip([16, 36, 0, 6, 42])
        .map(|(n, w)| (*n, w))
        .collect();
    let outcomes: Vec<(&str, u32)> = OUTCOMES
        .iter()
        .take(7)
        .zip([68, 15, 1, 6, 6, 1, 3])
        .map(|(n, w)| (*n, w))
        .collect();
    let file_name = format!(
        "{}-{:02}-metropolitan-stop-and-search.csv",
        period.from.year(),
        period.from.month()
    );
    let imported_at = started;
    let mut steps = vec![Step {
        at: imported_at,
        actor: GROUP,
        command: C::Import(ImportStopSearchRecords {
            batch_id,
            borough: info.code.clone(),
            period,
            source: BatchSource {
                publisher: "data.police.uk".into(),
                force: "metropolitan".into(),
                file_name,
                sha256: None,
            },
            records_read: read,
            records_accepted: accepted,
            records_rejected: rejected,
            by_officer_defined_ethnicity: split(rng, accepted, &ethnicity),
            by_outcome: split(rng, accepted, &outcomes),
            imported_at,
        }),
    }];
    let sample_id = random_id(rng);
    let (method, rationale) = weighted(
        rng,
        &[
            (55, (SampleMethod::Random, None)),
            (
                30,
                (
                    SampleMethod::Thematic,
                    Some("Searches of under-18s and strip searches"),
                ),
            ),
            (
                15,
                (
                    SampleMethod::RequestedByGroup,
                    Some("Searches the group asked to see body-worn video of"),
                ),
            ),
        ],
    );
    let size = rng.random_range(4..=10).min(accepted as usize);
    let mut refs: Vec<u32> = (1..=accepted).collect();
    refs.shuffle(rng);
    let record_refs: Vec<String> = refs[..size].iter().map(|n| format!("R{n:05}")).collect();
    let selected_at = imported_at + days(rng, 1, 10);
    steps.push(Step {
        at: selected_at,
        actor: GROUP,
        command: C::SelectSample(SelectStopSearchSample {
            sample_id,
            method,
            rationale: rationale.map(str::to_owned),
            record_refs: record_refs.clone(),
            selected_at,
        }),
    });
    // Reviewed at the group's meeting a few weeks later.
    let meeting = selected_at + days(rng, 7, 28);
    let mut reviewed = Vec::new();
    for (i, r) in record_refs.iter().enumerate() {
        if !rng.random_bool(0.9) {
            continue;
        }
        let reviewed_at = meeting + Duration::minutes(10 * i as i64);
        let viewed = rng.random_bool(0.6);
        let grounds = weighted(
            rng,
            &[
                (62, GroundsAssessment::Reasonable),
                (18, GroundsAssessment::Insufficient),
                (8, GroundsAssessment::NotRecorded),
                (12, GroundsAssessment::Unclear),
            ],
        );
        steps.push(Step {
            at: reviewed_at,
            actor: GROUP,
            command: C::ReviewRecord(ReviewStopSearchRecord {
                sample_id,
                record_ref: r.clone(),
                reviewed_at,
                grounds,
                body_worn_video_viewed: viewed,
                body_worn_video_notes: viewed.then(|| {
                    if grounds == GroundsAssessment::Reasonable {
                        "Search conducted politely; grounds explained to the person".to_owned()
                    } else {
                        "Grounds not explained; officer's manner escalated the encounter".to_owned()
                    }
                }),
                outcome_notes: rng
                    .random_bool(0.3)
                    .then(|| "No further action; nothing found".to_owned()),
            }),
        });
        reviewed.push((r.clone(), grounds));
    }
    let after_reviews = meeting + Duration::hours(3);
    let concerns = weighted(rng, &[(55, 0usize), (35, 1), (10, 2)]);
    for _ in 0..concerns {
        let concern_id = random_id(rng);
        let doubtful: Vec<&String> = reviewed
            .iter()
            .filter(|(_, g)| *g != GroundsAssessment::Reasonable)
            .map(|(r, _)| r)
            .collect();
        let (category, record_refs, description) = match doubtful.choose(rng) {
            Some(r) if rng.random_bool(0.7) => {
                let category = weighted(
                    rng,
                    &[
                        (45, ConcernCategory::Grounds),
                        (20, ConcernCategory::BodyWornVideo),
                        (15, ConcernCategory::Conduct),
                        (12, ConcernCategory::Recording),
                        (8, ConcernCategory::StripSearch),
                    ],
                );
                (
                    category,
                    vec![(*r).clone()],
                    "The recorded grounds do not support the search",
                )
            }
            _ => (
                ConcernCategory::Disproportionality,
                Vec::new(),
                "Black Londoners were searched at several times the rate of white Londoners",
            ),
        };
        let raised_at = after_reviews + days(rng, 0, 7);
        steps.push(Step {
            at: raised_at,
            actor: GROUP,
            command: C::RaiseConcern(RaiseStopSearchConcern {
                concern_id,
                category,
                record_refs,
                description: description.into(),
                raised_with: "borough commander".into(),
                raised_at,
            }),
        });
        if rng.random_bool(0.85) {
            let received_at = raised_at + days(rng, 5, 45);
            steps.push(Step {
                at: received_at,
                actor: POLICE_LIAISON,
                command: C::RecordPoliceResponse(RecordStopSearchPoliceResponse {
                    concern_id,
                    received_at,
                    responder: "Superintendent, Neighbourhoods".into(),
                    response_summary: "Officers concerned given words of advice; search \
                                       briefing updated"
                        .into(),
                    actions_agreed: vec![
                        "Body-worn video of the searches shown at the next meeting".into(),
                    ],
                }),
            });
            if rng.random_bool(0.9) {
                let closed_at = received_at + days(rng, 3, 40);
                let resolution = weighted(
                    rng,
                    &[
                        (55, ConcernResolution::Addressed),
                        (30, ConcernResolution::PartlyAddressed),
                        (15, ConcernResolution::NotAddressed),
                    ],
                );
                steps.push(Step {
                    at: closed_at,
                    actor: GROUP,
                    command: C::CloseConcern(CloseStopSearchConcern {
                        concern_id,
                        closed_at,
                        resolution,
                        note: (resolution != ConcernResolution::Addressed)
                            .then(|| "The group will follow this up at its next meeting".into()),
                    }),
                });
            }
        } else if rng.random_bool(0.5) {
            let closed_at = raised_at + days(rng, 14, 60);
            steps.push(Step {
                at: closed_at,
                actor: GROUP,
                command: C::CloseConcern(CloseStopSearchConcern {
                    concern_id,
                    closed_at,
                    resolution: ConcernResolution::Withdrawn,
                    note: Some("Withdrawn: superseded by a borough-wide review".into()),
                }),
            });
        }
    }
    let mut actors = vec![Actor::new(
        format!("seed-ssmg-{}", info.code),
        "monitoring_group_secretary",
        format!("{} Stop and Search Monitoring Group", info.name),
    )];
    actors.push(board_actors(info).swap_remove(1));
    Some(Workflow {
        stream: stop_search_monitoring::stream_id(batch_id),
        actors,
        steps: plan_of::<StopSearchMonitoring>(steps, world.end),
    })
}

const GROUP: u8 = 0;
const POLICE_LIAISON: u8 = 1;

// ---------------------------------------------------------------------------------------
// Police complaint cases the board monitors.

const CASES: [(AllegationCategory, &str); 8] = [
    (
        AllegationCategory::DeliveryOfDuties,
        "Officers did not attend a reported burglary for two days",
    ),
    (
        AllegationCategory::PolicePowers,
        "Search carried out without grounds being explained",
    ),
    (
        AllegationCategory::UseOfForce,
        "Handcuffs applied too tightly during an arrest",
    ),
    (
        AllegationCategory::IndividualBehaviour,
        "Officer was rude and dismissive at the front counter",
    ),
    (
        AllegationCategory::DiscriminatoryBehaviour,
        "Complainant believes they were stopped because of their race",
    ),
    (
        AllegationCategory::AccessToInformation,
        "Not told the outcome of the investigation into their report",
    ),
    (
        AllegationCategory::HandlingOfProperty,
        "Seized phone not returned after the case was dropped",
    ),
    (
        AllegationCategory::Detention,
        "Kept in custody for hours after being told they would be released",
    ),
];

/// A public complaint against borough officers, as the board follows it: noted, its
/// allegations, the handling route (sometimes changed), an outcome per allegation,
/// learning, closed.
pub(super) fn police_complaint_workflow(
    world: &World,
    b: usize,
    noted_at: Timestamp,
    rng: &mut ChaCha8Rng,
) -> Workflow {
    use police_complaint_case::{
        AddPoliceComplaintAllegation, ClosePoliceComplaintCase, Command as C,
        NotePoliceComplaintCase, RecordPoliceComplaintAllegationOutcome,
        RecordPoliceComplaintHandlingRoute, RecordPoliceComplaintLearning,
    };
    let info = &world.boroughs[b];
    let case_id = random_id(rng);
    let received_on = (noted_at - days(rng, 0, 20)).date_naive();
    let (first_category, summary) = *CASES.choose(rng).unwrap_or(&CASES[0]);
    let person = contact(rng);
    let mut steps = vec![Step {
        at: noted_at,
        actor: SECRETARY,
        command: C::Note(NotePoliceComplaintCase {
            case_id,
            borough: info.code.clone(),
            reference: format!(
                "CO/{}/{:06}",
                received_on.year(),
                rng.random_range(1..999_999)
            ),
            received_on,
            noted_at,
            summary: summary.into(),
            personal: rng.random_bool(0.7).then_some(ComplainantDetails {
                data_subject_id: person.data_subject_id,
                full_name: person.full_name,
                email: person.email,
                phone: person.phone,
                postal_address: None,
            }),
        }),
    }];
    let mut allegations = Vec::new();
    for i in 0..weighted(rng, &[(60, 1usize), (30, 2), (10, 3)]) {
        let allegation_id = random_id(rng);
        let (category, description) = if i == 0 {
            (first_category, summary)
        } else {
            *CASES.choose(rng).unwrap_or(&CASES[0])
        };
        steps.push(Step {
            at: noted_at + Duration::minutes(1 + i as i64),
            actor: SECRETARY,
            command: C::AddAllegation(AddPoliceComplaintAllegation {
                allegation_id,
                category,
                description: description.into(),
                officers_involved: weighted(rng, &[(70, 1), (20, 2), (10, 3)]),
            }),
        });
        allegations.push(allegation_id);
    }
    let route = weighted(
        rng,
        &[
            (30, HandlingRoute::OutsideSchedule3),
            (35, HandlingRoute::OtherwiseThanByInvestigation),
            (27, HandlingRoute::LocalInvestigation),
            (6, HandlingRoute::DirectedInvestigation),
            (2, HandlingRoute::IndependentInvestigation),
        ],
    );
    let mut route_on = noted_at.date_naive() + days(rng, 2, 30);
    steps.push(Step {
        at: at_naive(route_on, 11, 0),
        actor: SECRETARY,
        command: C::RecordHandlingRoute(RecordPoliceComplaintHandlingRoute {
            route,
            decided_on: route_on,
            rationale: Some("Assessed by the borough's professional standards unit".into()),
        }),
    });
    let mut route_now = route;
    // Now and then the route changes before any outcome (e.g. escalated to investigation).
    if route != HandlingRoute::LocalInvestigation && rng.random_bool(0.08) {
        route_on += days(rng, 10, 60);
        route_now = HandlingRoute::LocalInvestigation;
        steps.push(Step {
            at: at_naive(route_on, 11, 0),
            actor: SECRETARY,
            command: C::RecordHandlingRoute(RecordPoliceComplaintHandlingRoute {
                route: route_now,
                decided_on: route_on,
                rationale: Some("New evidence: the complaint now needs investigating".into()),
            }),
        });
    }
    let investigated = matches!(
        route_now,
        HandlingRoute::LocalInvestigation
            | HandlingRoute::DirectedInvestigation
            | HandlingRoute::IndependentInvestigation
    );
    let mut last = route_on;
    let mut decided = 0;
    for allegation_id in &allegations {
        if !rng.random_bool(0.93) {
            continue;
        }
        let decided_on = route_on
            + if investigated {
                days(rng, 60, 300)
            } else {
                days(rng, 10, 90)
            };
        let outcome = if investigated {
            weighted(
                rng,
                &[
                    (20, AllegationOutcome::Upheld),
                    (60, AllegationOutcome::NotUpheld),
                    (10, AllegationOutcome::Withdrawn),
                    (10, AllegationOutcome::Discontinued),
                ],
            )
        } else {
            weighted(
                rng,
                &[
                    (55, AllegationOutcome::ServiceAcceptable),
                    (30, AllegationOutcome::ServiceNotAcceptable),
                    (10, AllegationOutcome::NotDetermined),
                    (5, AllegationOutcome::Withdrawn),
                ],
            )
        };
        steps.push(Step {
            at: at_naive(decided_on, 15, 0),
            actor: SECRETARY,
            command: C::RecordOutcome(RecordPoliceComplaintAllegationOutcome {
                allegation_id: *allegation_id,
                outcome,
                decided_on,
                summary: match outcome {
                    AllegationOutcome::Upheld => {
                        "Misconduct found; officer given a written warning"
                    }
                    AllegationOutcome::ServiceNotAcceptable => {
                        "Service not acceptable; apology given and practice changed"
                    }
                    _ => "Reviewed and explained to the complainant",
                }
                .into(),
            }),
        });
        last = last.max(decided_on);
        decided += 1;
    }
    if rng.random_bool(0.4) {
        let recorded_on = last + days(rng, 1, 30);
        steps.push(Step {
            at: at_naive(recorded_on, 16, 0),
            actor: SECRETARY,
            command: C::RecordLearning(RecordPoliceComplaintLearning {
                learning_id: random_id(rng),
                kind: if rng.random_bool(0.5) {
                    LearningKind::Individual
                } else {
                    LearningKind::Organisational
                },
                learning: "Front-counter staff reminded to give a named contact and timescale"
                    .into(),
                recorded_on,
            }),
        });
        last = last.max(recorded_on);
    }
    if decided == allegations.len() && rng.random_bool(0.9) {
        let closed_on = last + days(rng, 1, 30);
        steps.push(Step {
            at: at_naive(closed_on, 17, 0),
            actor: SECRETARY,
            command: C::Close(ClosePoliceComplaintCase {
                closed_on,
                board_comment: rng
                    .random_bool(0.5)
                    .then(|| "The board was satisfied the complaint was handled properly".into()),
            }),
        });
    }
    Workflow {
        stream: police_complaint_case::stream_id(case_id),
        actors: board_actors(info),
        steps: plan_of::<PoliceComplaintCase>(steps, world.end),
    }
}

const SECRETARY: u8 = super::SECRETARY;
