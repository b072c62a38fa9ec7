//! The figures a board monitors: recorded crime (by category, for the borough or a ward, per
//! period, from data.police.uk, the MPS dashboards or the GLA ward atlas) and community
//! confidence (Public Attitude Survey results, for the borough or a neighbourhood, per
//! measure, as a percentage). A figure is recorded once per area, period and category or
//! measure; a changed figure is a correction (a new revision with a reason), never an edit.
//! Stream: `performance-<borough GSS code>`.

use std::collections::BTreeMap;

use engage_log::StreamId;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::common::Period;
use crate::context::required;
use crate::reference::{BoroughCode, WardCode};
use crate::{DecisionContext, DomainError};

/// The stream of one borough's performance figures.
pub fn stream_id(borough: &BoroughCode) -> StreamId {
    StreamId::new(format!("performance-{borough}"))
}

/// A crime category, as data.police.uk publishes street-level crime.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[serde(rename_all = "snake_case")]
pub enum CrimeCategory {
    AntiSocialBehaviour,
    BicycleTheft,
    Burglary,
    CriminalDamageArson,
    Drugs,
    OtherTheft,
    PossessionOfWeapons,
    PublicOrder,
    Robbery,
    Shoplifting,
    TheftFromThePerson,
    VehicleCrime,
    ViolenceAndSexualOffences,
    OtherCrime,
    /// All notifiable offences together.
    TotalNotifiableOffences,
}

impl CrimeCategory {
    /// The category for a data.police.uk category slug (`violent-crime`, `burglary`, ...).
    pub fn from_police_uk(slug: &str) -> Option<Self> {
        Some(match slug.trim() {
            "anti-social-behaviour" => Self::AntiSocialBehaviour,
            "bicycle-theft" => Self::BicycleTheft,
            "burglary" => Self::Burglary,
            "criminal-damage-arson" => Self::CriminalDamageArson,
            "drugs" => Self::Drugs,
            "other-theft" => Self::OtherTheft,
            "possession-of-weapons" => Self::PossessionOfWeapons,
            "public-order" => Self::PublicOrder,
            "robbery" => Self::Robbery,
            "shoplifting" => Self::Shoplifting,
            "theft-from-the-person" => Self::TheftFromThePerson,
            "vehicle-crime" => Self::VehicleCrime,
            "violent-crime" | "violence-and-sexual-offences" => Self::ViolenceAndSexualOffences,
            "other-crime" => Self::OtherCrime,
            _ => return None,
        })
    }
}

/// A Public Attitude Survey measure (the percentage answering positively).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[serde(rename_all = "snake_case")]
pub enum ConfidenceMeasure {
    /// "Taking everything into account how good a job do you think the police in your area
    /// are doing?" (% excellent or good) — the headline confidence measure.
    GoodJob,
    DealWithThingsThatMatter,
    ReliedUponWhenNeeded,
    TreatEveryoneFairly,
    ListenToConcerns,
    WellInformed,
    KnowHowToContactSnt,
    TreatYouWithRespect,
    TackleGunCrime,
    TackleDrugs,
    GangsNotAProblem,
    NotWorriedAboutAsb,
    NotWorriedAboutCrime,
    SafeAfterDark,
    VisiblePatrolling,
    SatisfiedWithLife,
    FriendlyAndApproachable,
    UnderstandLocalIssues,
}

impl ConfidenceMeasure {
    /// The measure for a question heading of the MOPAC PAS neighbourhood file.
    pub fn from_pas_question(question: &str) -> Option<Self> {
        let q = question.trim().to_lowercase();
        let has = |s: &str| q.contains(s);
        Some(if has("how good a job") {
            Self::GoodJob
        } else if has("things that matter") {
            Self::DealWithThingsThatMatter
        } else if has("relied upon") {
            Self::ReliedUponWhenNeeded
        } else if has("treat everyone fairly") {
            Self::TreatEveryoneFairly
        } else if has("listen to the concerns") {
            Self::ListenToConcerns
        } else if has("well informed") {
            Self::WellInformed
        } else if has("how to contact") {
            Self::KnowHowToContactSnt
        } else if has("treat you with respect") {
            Self::TreatYouWithRespect
        } else if has("gun crime") {
            Self::TackleGunCrime
        } else if has("drug dealing") {
            Self::TackleDrugs
        } else if has("gangs") {
            Self::GangsNotAProblem
        } else if has("worried about asb") {
            Self::NotWorriedAboutAsb
        } else if has("worried about crime") {
            Self::NotWorriedAboutCrime
        } else if has("walking alone") {
            Self::SafeAfterDark
        } else if has("visible patrolling") {
            Self::VisiblePatrolling
        } else if has("satisfied with your life") {
            Self::SatisfiedWithLife
        } else if has("friendly and approachable") {
            Self::FriendlyAndApproachable
        } else if has("understand the issues") {
            Self::UnderstandLocalIssues
        } else {
            return None;
        })
    }
}

/// Who published a figure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    PoliceUk,
    MpsCrimeDashboard,
    GlaWardAtlas,
    MopacPublicAttitudeSurvey,
    Other,
}

/// Where a figure came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(
    feature = "graphql",
    derive(async_graphql::InputObject),
    graphql(name = "FigureSourceInput")
)]
pub struct FigureSource {
    pub kind: SourceKind,
    /// The file name, URL or dataset reference.
    pub reference: String,
}

/// A Public Attitude Survey neighbourhood (MOPAC's code and name, e.g. `KG-KB`,
/// `Barking and Dagenham - Barking`).
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[cfg_attr(
    feature = "graphql",
    derive(async_graphql::InputObject),
    graphql(name = "NeighbourhoodInput")
)]
pub struct Neighbourhood {
    pub code: String,
    pub name: String,
}

/// A count of recorded crime for a borough or ward, period and category.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct CrimeFiguresRecorded {
    pub borough: BoroughCode,
    /// The ward, for a ward-level figure; none for the whole borough.
    pub ward: Option<WardCode>,
    pub period: Period,
    pub category: CrimeCategory,
    pub count: u32,
    pub source: FigureSource,
    /// 1 for the first figure recorded for this ward/period/category, then 2, 3, ... for
    /// corrections.
    pub revision: u32,
    /// Why the earlier revision was wrong (only on corrections).
    pub correction_reason: Option<String>,
}

/// A community confidence (survey) result for a borough or neighbourhood.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ConfidenceSurveyResultRecorded {
    pub borough: BoroughCode,
    /// The neighbourhood, for a neighbourhood result; none for the whole borough.
    pub neighbourhood: Option<Neighbourhood>,
    pub period: Period,
    pub measure: ConfidenceMeasure,
    /// Percentage answering positively, 0 to 100.
    pub percent: u8,
    /// Respondents, when published.
    pub sample_size: Option<u32>,
    pub source: FigureSource,
    /// 1 for the first result recorded for this neighbourhood/period/measure, then 2, 3,
    /// ... for corrections.
    pub revision: u32,
    /// Why the earlier revision was wrong (only on corrections).
    pub correction_reason: Option<String>,
}

events! {
    pub enum Event {
        CrimeFiguresRecorded(CrimeFiguresRecorded) = "CrimeFiguresRecorded" v 1: "A count of recorded crime (borough or ward, period, category, source) was recorded or corrected.",
        ConfidenceSurveyResultRecorded(ConfidenceSurveyResultRecorded) = "ConfidenceSurveyResultRecorded" v 1: "A community confidence survey result (borough or neighbourhood, period, measure, %) was recorded or corrected.",
    }
}

/// Record a count of recorded crime for a borough or ward, period and category.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "graphql", derive(async_graphql::InputObject))]
pub struct RecordCrimeFigures {
    pub borough: BoroughCode,
    pub ward: Option<WardCode>,
    pub period: Period,
    pub category: CrimeCategory,
    pub count: u32,
    pub source: FigureSource,
    /// Required when a figure is already recorded for the same ward, period and
    /// category (the command is then a correction).
    pub correction_reason: Option<String>,
}

/// Record a Public Attitude Survey result for a borough or neighbourhood, period and measure.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "graphql", derive(async_graphql::InputObject))]
pub struct RecordConfidenceSurveyResult {
    pub borough: BoroughCode,
    pub neighbourhood: Option<Neighbourhood>,
    pub period: Period,
    pub measure: ConfidenceMeasure,
    pub percent: u8,
    pub sample_size: Option<u32>,
    pub source: FigureSource,
    /// Required when a result is already recorded for the same neighbourhood, period
    /// and measure (the command is then a correction).
    pub correction_reason: Option<String>,
}

commands! {
    /// What is recorded about a borough's performance figures.
    pub enum Command {
        RecordCrimeFigures(RecordCrimeFigures),
        RecordConfidenceResult(RecordConfidenceSurveyResult),
    }
}

/// What a crime figure is for.
pub type CrimeKey = (Option<WardCode>, Period, CrimeCategory);
/// What a confidence result is for (the neighbourhood by code).
pub type ConfidenceKey = (Option<String>, Period, ConfidenceMeasure);

/// The latest revision of a figure and its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Revision {
    pub revision: u32,
    pub value: u32,
}

/// A borough's figures; `Default` is "nothing recorded yet".
#[derive(Debug, Clone, Default, PartialEq)]
pub struct State {
    pub borough: Option<BoroughCode>,
    pub crime: BTreeMap<CrimeKey, Revision>,
    pub confidence: BTreeMap<ConfidenceKey, Revision>,
}

impl State {
    pub fn apply(&mut self, event: &Event) {
        match event {
            Event::CrimeFiguresRecorded(e) => {
                self.borough = Some(e.borough.clone());
                self.crime.insert(
                    (e.ward.clone(), e.period, e.category),
                    Revision {
                        revision: e.revision,
                        value: e.count,
                    },
                );
            }
            Event::ConfidenceSurveyResultRecorded(e) => {
                self.borough = Some(e.borough.clone());
                self.confidence.insert(
                    (
                        e.neighbourhood.as_ref().map(|n| n.code.clone()),
                        e.period,
                        e.measure,
                    ),
                    Revision {
                        revision: e.revision,
                        value: u32::from(e.percent),
                    },
                );
            }
        }
    }
}

aggregate!(Performance, "performance");

/// The revision a new figure gets: 1, or the next one for a correction with a reason.
fn next_revision(
    kind: &'static str,
    key: impl std::fmt::Display,
    previous: Option<&Revision>,
    value: u32,
    correction_reason: Option<&str>,
) -> Result<u32, DomainError> {
    match previous {
        None if correction_reason.is_some() => Err(DomainError::invalid(
            "correction_reason",
            format!("no {kind} is recorded for {key} yet, so there is nothing to correct"),
        )),
        None => Ok(1),
        Some(p) if p.value == value => Err(DomainError::already(
            kind,
            key,
            format!("recorded as {value} (revision {})", p.revision),
        )),
        Some(p) => {
            required("correction_reason", correction_reason.unwrap_or(""))?;
            Ok(p.revision + 1)
        }
    }
}

fn common_checks(
    state: &State,
    borough: &BoroughCode,
    period: &Period,
    source: &FigureSource,
    ctx: &DecisionContext<'_>,
) -> Result<(), DomainError> {
    ctx.borough(borough)?;
    if let Some(b) = state.borough.as_ref().filter(|b| *b != borough) {
        return Err(DomainError::invalid(
            "borough",
            format!("these are the figures of borough {b}, not {borough}"),
        ));
    }
    period.validate(ctx)?;
    ctx.not_future_day("period.to", period.to)?;
    required("source.reference", &source.reference)
}

/// Decide a performance command.
pub fn decide(
    state: &State,
    command: Command,
    ctx: &DecisionContext<'_>,
) -> Result<Vec<Event>, DomainError> {
    let event: Event = match command {
        Command::RecordCrimeFigures(RecordCrimeFigures {
            borough,
            ward,
            period,
            category,
            count,
            source,
            correction_reason,
        }) => {
            common_checks(state, &borough, &period, &source, ctx)?;
            if let Some(w) = &ward {
                ctx.ward_in_borough(w, &borough)?;
            }
            let key = (ward, period, category);
            let label = format!(
                "{:?} in {} for {period}",
                category,
                key.0.as_ref().map_or(borough.as_str(), WardCode::as_str)
            );
            let revision = next_revision(
                "crime figure",
                label,
                state.crime.get(&key),
                count,
                correction_reason.as_deref(),
            )?;
            CrimeFiguresRecorded {
                borough,
                ward: key.0,
                period,
                category,
                count,
                source,
                revision,
                correction_reason,
            }
            .into()
        }
        Command::RecordConfidenceResult(RecordConfidenceSurveyResult {
            borough,
            neighbourhood,
            period,
            measure,
            percent,
            sample_size,
            source,
            correction_reason,
        }) => {
            common_checks(state, &borough, &period, &source, ctx)?;
            if percent > 100 {
                return Err(DomainError::ExceedsLimit {
                    field: "percent",
                    value: i64::from(percent),
                    limit_name: "100%",
                    limit: 100,
                });
            }
            if let Some(n) = &neighbourhood {
                required("neighbourhood.code", &n.code)?;
                required("neighbourhood.name", &n.name)?;
            }
            if let Some(n) = sample_size {
                crate::context::positive("sample_size", i64::from(n))?;
            }
            let key = (
                neighbourhood.as_ref().map(|n| n.code.clone()),
                period,
                measure,
            );
            let label = format!(
                "{:?} in {} for {period}",
                measure,
                key.0.as_deref().unwrap_or(borough.as_str())
            );
            let revision = next_revision(
                "confidence result",
                label,
                state.confidence.get(&key),
                u32::from(percent),
                correction_reason.as_deref(),
            )?;
            ConfidenceSurveyResultRecorded {
                borough,
                neighbourhood,
                period,
                measure,
                percent,
                sample_size,
                source,
                revision,
                correction_reason,
            }
            .into()
        }
    };
    Ok(vec![event])
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::Aggregate;
    use crate::testkit::*;

    fn may() -> Period {
        Period::month(2025, 5).unwrap_or(Period::new(
            days_ago(60).date_naive(),
            days_ago(31).date_naive(),
        ))
    }

    fn crime(count: u32, reason: Option<&str>) -> Command {
        Command::RecordCrimeFigures(RecordCrimeFigures {
            borough: CAMDEN.into(),
            ward: Some(CAMDEN_WARD.into()),
            period: may(),
            category: CrimeCategory::Burglary,
            count,
            source: FigureSource {
                kind: SourceKind::PoliceUk,
                reference: "2025-05-metropolitan-street.csv".into(),
            },
            correction_reason: reason.map(Into::into),
        })
    }

    fn confidence(percent: u8, reason: Option<&str>) -> Command {
        Command::RecordConfidenceResult(RecordConfidenceSurveyResult {
            borough: CAMDEN.into(),
            neighbourhood: Some(Neighbourhood {
                code: "CN-KT".into(),
                name: "Camden - Kentish Town".into(),
            }),
            period: Period::new(days_ago(400).date_naive(), days_ago(35).date_naive()),
            measure: ConfidenceMeasure::GoodJob,
            percent,
            sample_size: Some(412),
            source: FigureSource {
                kind: SourceKind::MopacPublicAttitudeSurvey,
                reference: "police-perceptions.csv".into(),
            },
            correction_reason: reason.map(Into::into),
        })
    }

    fn run(state: &mut State, cmd: Command) -> Result<Vec<Event>, DomainError> {
        let events = decide(state, cmd, &ctx())?;
        events.iter().for_each(|e| state.apply(e));
        Ok(events)
    }

    pub(crate) fn samples() -> Vec<Event> {
        let mut s = State::default();
        [
            crime(31, None),
            crime(33, Some("Late-recorded crimes added by police.uk")),
            confidence(71, None),
        ]
        .into_iter()
        .flat_map(|c| run(&mut s, c).expect("valid"))
        .collect()
    }

    #[test]
    fn figures_and_corrections() {
        let events = samples();
        let s = Performance::fold(&events);
        let key = (
            Some(WardCode::new(CAMDEN_WARD)),
            may(),
            CrimeCategory::Burglary,
        );
        assert_eq!(
            s.crime.get(&key),
            Some(&Revision {
                revision: 2,
                value: 33
            })
        );
        assert_eq!(s.confidence.len(), 1);
        assert_eq!(stream_id(&CAMDEN.into()).as_str(), "performance-E09000007");
    }

    #[test]
    fn crime_errors() {
        let mut s = State::default();
        assert!(matches!(
            decide(&s, crime(5, Some("why")), &ctx()),
            Err(DomainError::Invalid {
                field: "correction_reason",
                ..
            })
        ));
        run(&mut s, crime(31, None)).expect("first");
        assert!(matches!(
            decide(&s, crime(31, None), &ctx()),
            Err(DomainError::Already {
                kind: "crime figure",
                ..
            })
        ));
        assert_eq!(
            decide(&s, crime(32, None), &ctx()),
            Err(DomainError::Required {
                field: "correction_reason"
            })
        );
        let mut wrong_ward = crime(1, None);
        if let Command::RecordCrimeFigures(RecordCrimeFigures { ward, .. }) = &mut wrong_ward {
            *ward = Some(HACKNEY_WARD.into());
        }
        assert!(matches!(
            decide(&s, wrong_ward, &ctx()),
            Err(DomainError::WardNotInBorough { .. })
        ));
        let mut other_borough = crime(1, None);
        if let Command::RecordCrimeFigures(RecordCrimeFigures { borough, ward, .. }) =
            &mut other_borough
        {
            *borough = HACKNEY.into();
            *ward = None;
        }
        assert!(matches!(
            decide(&s, other_borough, &ctx()),
            Err(DomainError::Invalid {
                field: "borough",
                ..
            })
        ));
        let mut running = crime(1, None);
        if let Command::RecordCrimeFigures(RecordCrimeFigures { period, .. }) = &mut running {
            *period = Period::new(days_ago(20).date_naive(), days_ago(-20).date_naive());
        }
        assert!(matches!(
            decide(&s, running, &ctx()),
            Err(DomainError::InFuture {
                field: "period.to",
                ..
            })
        ));
        let mut no_source = crime(1, None);
        if let Command::RecordCrimeFigures(RecordCrimeFigures { source, .. }) = &mut no_source {
            source.reference.clear();
        }
        assert_eq!(
            decide(&State::default(), no_source, &ctx()),
            Err(DomainError::Required {
                field: "source.reference"
            })
        );
        let mut unknown = crime(1, None);
        if let Command::RecordCrimeFigures(RecordCrimeFigures { borough, .. }) = &mut unknown {
            *borough = "E09000000".into();
        }
        assert!(matches!(
            decide(&State::default(), unknown, &ctx()),
            Err(DomainError::UnknownBorough(_))
        ));
    }

    #[test]
    fn confidence_errors() {
        let mut s = State::default();
        assert_eq!(
            decide(&s, confidence(101, None), &ctx()),
            Err(DomainError::ExceedsLimit {
                field: "percent",
                value: 101,
                limit_name: "100%",
                limit: 100
            })
        );
        let mut nameless = confidence(50, None);
        if let Command::RecordConfidenceResult(RecordConfidenceSurveyResult {
            neighbourhood: Some(n),
            ..
        }) = &mut nameless
        {
            n.code.clear();
        }
        assert_eq!(
            decide(&s, nameless, &ctx()),
            Err(DomainError::Required {
                field: "neighbourhood.code"
            })
        );
        let mut empty = confidence(50, None);
        if let Command::RecordConfidenceResult(RecordConfidenceSurveyResult {
            sample_size, ..
        }) = &mut empty
        {
            *sample_size = Some(0);
        }
        assert!(matches!(
            decide(&s, empty, &ctx()),
            Err(DomainError::NotPositive { .. })
        ));
        let mut backwards = confidence(50, None);
        if let Command::RecordConfidenceResult(RecordConfidenceSurveyResult { period, .. }) =
            &mut backwards
        {
            *period = Period::new(period.to, period.from);
        }
        assert!(matches!(
            decide(&s, backwards, &ctx()),
            Err(DomainError::EndBeforeStart { .. })
        ));
        run(&mut s, confidence(71, None)).expect("first");
        assert!(matches!(
            decide(&s, confidence(71, Some("resent")), &ctx()),
            Err(DomainError::Already { .. })
        ));
        assert_eq!(
            decide(&s, confidence(72, None), &ctx()),
            Err(DomainError::Required {
                field: "correction_reason"
            })
        );
        let fixed = run(&mut s, confidence(72, Some("Weighting corrected"))).expect("fix");
        assert!(matches!(&fixed[0], Event::ConfidenceSurveyResultRecorded(e) if e.revision == 2));
    }

    #[test]
    fn public_file_vocabularies_map() {
        assert_eq!(
            CrimeCategory::from_police_uk("violent-crime"),
            Some(CrimeCategory::ViolenceAndSexualOffences)
        );
        assert_eq!(CrimeCategory::from_police_uk("unicorns"), None);
        let headings = [
            "Taking everything into account how good a job do you think the police in your area are doing?",
            "The police are dealing with the things that matter to this community",
            "The police can be relied upon to be there when needed",
            "The police treat everyone fairly regardless of who they are",
            "The police listen to the concerns of local people",
            "I feel well informed about local police activities over the last 12 months",
            "How to contact their local SNT or ward officer",
            "The police would treat you with respect if you had contact with them for any reason",
            "How well do you think the police tackle gun crime?",
            "How well do you think the police tackle drug dealing and drug use?",
            "Are gangs a problem in this area?",
            "Are you worried about ASB in this area?",
            "Are you worried about crime in this area?",
            "How safe do you feel walking alone in this area after dark?",
            "How well do you think the Metropolitan Police provide a visible patrolling presence",
            "Are you satisfied with your life as a whole nowadays?",
            "The police in this area are friendly and approachable",
            "The police in this area understand the issues that affect this community",
        ];
        let measures: std::collections::BTreeSet<_> = headings
            .iter()
            .map(|h| ConfidenceMeasure::from_pas_question(h).expect(h))
            .collect();
        assert_eq!(measures.len(), headings.len());
        assert_eq!(
            ConfidenceMeasure::from_pas_question("Total Notifiable Offences rate"),
            None
        );
    }
}
