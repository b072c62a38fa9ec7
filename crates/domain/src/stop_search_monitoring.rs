//! Stop-and-search community monitoring: a borough's monitoring group imports a batch of
//! stop-and-search records (data.police.uk publishes them per force and month), selects
//! samples of records, reviews each sampled record (were the grounds reasonable, was the
//! body-worn video viewed, what the outcome and any disproportionality show), raises
//! concerns with the police, records the police response and closes each concern.
//! Stream: `stop-search-<batch uuid>` (one per imported batch and its review).

use std::collections::{BTreeMap, BTreeSet};

use engage_log::StreamId;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::common::Period;
use crate::context::{days_between, non_empty, ordered, positive, required};
use crate::reference::BoroughCode;
use crate::{DecisionContext, DomainError, Timestamp};

/// The stream of one imported batch and its monitoring.
pub fn stream_id(batch_id: Uuid) -> StreamId {
    StreamId::new(format!("stop-search-{batch_id}"))
}

/// Where an imported batch came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(
    feature = "graphql",
    derive(async_graphql::InputObject),
    graphql(name = "BatchSourceInput")
)]
pub struct BatchSource {
    /// The publisher, e.g. `data.police.uk`.
    pub publisher: String,
    /// The force whose records these are, e.g. `metropolitan`.
    pub force: String,
    /// The file name as downloaded, e.g. `2018-07-metropolitan-stop-and-search.csv`.
    pub file_name: String,
    /// SHA-256 of the file, hex, if known (so the same file is recognised again).
    pub sha256: Option<String>,
}

/// How a sample was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[serde(rename_all = "snake_case")]
pub enum SampleMethod {
    Random,
    /// Chosen for a theme (e.g. all searches of under-18s, all strip searches).
    Thematic,
    /// Records the police were asked to bring to the group's meeting.
    RequestedByGroup,
}

/// The group's view of the recorded grounds for the search.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[serde(rename_all = "snake_case")]
pub enum GroundsAssessment {
    Reasonable,
    Insufficient,
    /// Grounds not recorded on the form.
    NotRecorded,
    /// Cannot tell from the record.
    Unclear,
}

/// What a concern raised with the police is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[serde(rename_all = "snake_case")]
pub enum ConcernCategory {
    Grounds,
    Disproportionality,
    BodyWornVideo,
    Conduct,
    /// Incomplete or inaccurate recording.
    Recording,
    /// More than outer clothing removed, or strip search.
    StripSearch,
    Other,
}

/// How a concern ended, in the group's view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[serde(rename_all = "snake_case")]
pub enum ConcernResolution {
    Addressed,
    PartlyAddressed,
    NotAddressed,
    /// Withdrawn by the group (no police response needed).
    Withdrawn,
}

/// A batch of stop-and-search records was imported for monitoring.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct StopSearchRecordsImported {
    pub batch_id: Uuid,
    pub borough: BoroughCode,
    pub period: Period,
    pub source: BatchSource,
    /// Rows read from the file.
    pub records_read: u32,
    pub records_accepted: u32,
    pub records_rejected: u32,
    /// Accepted records by officer-defined ethnicity (as published; may be empty).
    pub by_officer_defined_ethnicity: BTreeMap<String, u32>,
    /// Accepted records by outcome (as published; may be empty).
    pub by_outcome: BTreeMap<String, u32>,
    pub imported_at: Timestamp,
}

/// The group selected a sample of the batch's records to review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct StopSearchSampleSelected {
    pub batch_id: Uuid,
    pub sample_id: Uuid,
    pub method: SampleMethod,
    /// Why these records (the theme, or who asked for them).
    pub rationale: Option<String>,
    /// References of the sampled records within the batch.
    pub record_refs: Vec<String>,
    pub selected_at: Timestamp,
}

/// The group reviewed one sampled record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct StopSearchRecordReviewed {
    pub batch_id: Uuid,
    pub sample_id: Uuid,
    pub record_ref: String,
    pub reviewed_at: Timestamp,
    pub grounds: GroundsAssessment,
    pub body_worn_video_viewed: bool,
    /// What the video showed, when viewed.
    pub body_worn_video_notes: Option<String>,
    /// Notes on the outcome and any disproportionality.
    pub outcome_notes: Option<String>,
}

/// The group raised a concern with the police.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct StopSearchConcernRaised {
    pub batch_id: Uuid,
    pub concern_id: Uuid,
    pub category: ConcernCategory,
    /// The reviewed records it is about (empty for a pattern across the batch).
    pub record_refs: Vec<String>,
    pub description: String,
    /// Whom it was raised with (role), e.g. `borough commander`.
    pub raised_with: String,
    pub raised_at: Timestamp,
}

/// The police responded to a concern.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct StopSearchPoliceResponseReceived {
    pub batch_id: Uuid,
    pub concern_id: Uuid,
    pub received_at: Timestamp,
    /// Who responded (role).
    pub responder: String,
    pub response_summary: String,
    pub actions_agreed: Vec<String>,
    /// Whole days from raising the concern to the response.
    pub days_to_respond: i64,
}

/// The group closed a concern.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct StopSearchConcernClosed {
    pub batch_id: Uuid,
    pub concern_id: Uuid,
    pub closed_at: Timestamp,
    pub resolution: ConcernResolution,
    pub note: Option<String>,
    /// Whole days the concern was open.
    pub days_open: i64,
}

events! {
    pub enum Event {
        RecordsImported(StopSearchRecordsImported) = "StopSearchRecordsImported" v 1: "A batch of stop-and-search records (e.g. a data.police.uk month) was imported for community monitoring.",
        SampleSelected(StopSearchSampleSelected) = "StopSearchSampleSelected" v 1: "A monitoring group selected a sample of stop-and-search records to review.",
        RecordReviewed(StopSearchRecordReviewed) = "StopSearchRecordReviewed" v 1: "A monitoring group reviewed a sampled stop-and-search record (grounds, body-worn video, outcome).",
        ConcernRaised(StopSearchConcernRaised) = "StopSearchConcernRaised" v 1: "A monitoring group raised a stop-and-search concern with the police.",
        PoliceResponseReceived(StopSearchPoliceResponseReceived) = "StopSearchPoliceResponseReceived" v 1: "The police responded to a stop-and-search concern (with days taken).",
        ConcernClosed(StopSearchConcernClosed) = "StopSearchConcernClosed" v 1: "A monitoring group closed a stop-and-search concern with a resolution.",
    }
}

/// Record a batch of stop-and-search records imported for a borough and period.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "graphql", derive(async_graphql::InputObject))]
pub struct ImportStopSearchRecords {
    pub batch_id: Uuid,
    pub borough: BoroughCode,
    pub period: Period,
    pub source: BatchSource,
    pub records_read: u32,
    pub records_accepted: u32,
    pub records_rejected: u32,
    pub by_officer_defined_ethnicity: BTreeMap<String, u32>,
    pub by_outcome: BTreeMap<String, u32>,
    pub imported_at: Timestamp,
}

/// Select a sample of records from the batch for review.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "graphql", derive(async_graphql::InputObject))]
pub struct SelectStopSearchSample {
    pub sample_id: Uuid,
    pub method: SampleMethod,
    pub rationale: Option<String>,
    pub record_refs: Vec<String>,
    pub selected_at: Timestamp,
}

/// Record the group's review of one sampled record (grounds, body-worn video).
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "graphql", derive(async_graphql::InputObject))]
pub struct ReviewStopSearchRecord {
    pub sample_id: Uuid,
    pub record_ref: String,
    pub reviewed_at: Timestamp,
    pub grounds: GroundsAssessment,
    pub body_worn_video_viewed: bool,
    pub body_worn_video_notes: Option<String>,
    pub outcome_notes: Option<String>,
}

/// Raise a concern about records of the batch with the police.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "graphql", derive(async_graphql::InputObject))]
pub struct RaiseStopSearchConcern {
    pub concern_id: Uuid,
    pub category: ConcernCategory,
    pub record_refs: Vec<String>,
    pub description: String,
    pub raised_with: String,
    pub raised_at: Timestamp,
}

/// Record the police response to a concern.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "graphql", derive(async_graphql::InputObject))]
pub struct RecordStopSearchPoliceResponse {
    pub concern_id: Uuid,
    pub received_at: Timestamp,
    pub responder: String,
    pub response_summary: String,
    pub actions_agreed: Vec<String>,
}

/// Close a concern with its resolution.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "graphql", derive(async_graphql::InputObject))]
pub struct CloseStopSearchConcern {
    pub concern_id: Uuid,
    pub closed_at: Timestamp,
    pub resolution: ConcernResolution,
    pub note: Option<String>,
}

commands! {
    /// What a stop-and-search monitoring group records about an imported batch.
    pub enum Command {
        Import(ImportStopSearchRecords),
        SelectSample(SelectStopSearchSample),
        ReviewRecord(ReviewStopSearchRecord),
        RaiseConcern(RaiseStopSearchConcern),
        RecordPoliceResponse(RecordStopSearchPoliceResponse),
        CloseConcern(CloseStopSearchConcern),
    }
}

/// A sample and which of its records have been reviewed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sample {
    pub selected_at: Option<Timestamp>,
    pub record_refs: BTreeSet<String>,
    pub reviewed: BTreeMap<String, GroundsAssessment>,
}

/// A concern and how far it has got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Concern {
    pub category: ConcernCategory,
    pub raised_at: Timestamp,
    pub responded_at: Option<Timestamp>,
    pub closed: Option<ConcernResolution>,
}

/// A batch's state; `Default` is "not imported".
#[derive(Debug, Clone, Default, PartialEq)]
pub struct State {
    pub batch_id: Option<Uuid>,
    pub borough: Option<BoroughCode>,
    pub period: Option<Period>,
    pub imported_at: Option<Timestamp>,
    pub records_accepted: u32,
    pub samples: BTreeMap<Uuid, Sample>,
    pub concerns: BTreeMap<Uuid, Concern>,
}

impl State {
    /// Every record reference sampled so far, in any sample.
    pub fn sampled(&self) -> impl Iterator<Item = &String> {
        self.samples.values().flat_map(|s| s.record_refs.iter())
    }

    /// Whether `record_ref` has been reviewed in some sample.
    pub fn is_reviewed(&self, record_ref: &str) -> bool {
        self.samples
            .values()
            .any(|s| s.reviewed.contains_key(record_ref))
    }

    pub fn apply(&mut self, event: &Event) {
        match event {
            Event::RecordsImported(e) => {
                self.batch_id = Some(e.batch_id);
                self.borough = Some(e.borough.clone());
                self.period = Some(e.period);
                self.imported_at = Some(e.imported_at);
                self.records_accepted = e.records_accepted;
            }
            Event::SampleSelected(e) => {
                self.samples.insert(
                    e.sample_id,
                    Sample {
                        selected_at: Some(e.selected_at),
                        record_refs: e.record_refs.iter().cloned().collect(),
                        reviewed: BTreeMap::new(),
                    },
                );
            }
            Event::RecordReviewed(e) => {
                if let Some(s) = self.samples.get_mut(&e.sample_id) {
                    s.reviewed.insert(e.record_ref.clone(), e.grounds);
                }
            }
            Event::ConcernRaised(e) => {
                self.concerns.insert(
                    e.concern_id,
                    Concern {
                        category: e.category,
                        raised_at: e.raised_at,
                        responded_at: None,
                        closed: None,
                    },
                );
            }
            Event::PoliceResponseReceived(e) => {
                if let Some(c) = self.concerns.get_mut(&e.concern_id) {
                    c.responded_at = Some(e.received_at);
                }
            }
            Event::ConcernClosed(e) => {
                if let Some(c) = self.concerns.get_mut(&e.concern_id) {
                    c.closed = Some(e.resolution);
                }
            }
        }
    }
}

aggregate!(StopSearchMonitoring, "stop-search");

const KIND: &str = "stop-and-search batch";
const CONCERN: &str = "stop-and-search concern";

fn counts_add_up(
    field: &'static str,
    counts: &BTreeMap<String, u32>,
    accepted: u32,
) -> Result<(), DomainError> {
    if counts.is_empty() {
        return Ok(());
    }
    if counts.keys().any(|k| k.trim().is_empty()) {
        return Err(DomainError::Required { field });
    }
    let total: u64 = counts.values().map(|&n| u64::from(n)).sum();
    if total != u64::from(accepted) {
        return Err(DomainError::invalid(
            field,
            format!("counts add up to {total}, not records_accepted ({accepted})"),
        ));
    }
    Ok(())
}

/// Decide a stop-and-search monitoring command.
pub fn decide(
    state: &State,
    command: Command,
    ctx: &DecisionContext<'_>,
) -> Result<Vec<Event>, DomainError> {
    if let Command::Import(ImportStopSearchRecords {
        batch_id,
        borough,
        period,
        source,
        records_read,
        records_accepted,
        records_rejected,
        by_officer_defined_ethnicity,
        by_outcome,
        imported_at,
    }) = command
    {
        if state.batch_id.is_some() {
            return Err(DomainError::already_exists(KIND, batch_id));
        }
        ctx.borough(&borough)?;
        period.validate(ctx)?;
        required("source.publisher", &source.publisher)?;
        required("source.force", &source.force)?;
        required("source.file_name", &source.file_name)?;
        positive("records_read", i64::from(records_read))?;
        if u64::from(records_accepted) + u64::from(records_rejected) != u64::from(records_read) {
            return Err(DomainError::invalid(
                "records_read",
                format!(
                    "{records_read} rows read but {records_accepted} accepted + \
                     {records_rejected} rejected"
                ),
            ));
        }
        counts_add_up(
            "by_officer_defined_ethnicity",
            &by_officer_defined_ethnicity,
            records_accepted,
        )?;
        counts_add_up("by_outcome", &by_outcome, records_accepted)?;
        ctx.not_future("imported_at", imported_at)?;
        return Ok(vec![
            StopSearchRecordsImported {
                batch_id,
                borough,
                period,
                source,
                records_read,
                records_accepted,
                records_rejected,
                by_officer_defined_ethnicity,
                by_outcome,
                imported_at,
            }
            .into(),
        ]);
    }
    let (Some(batch_id), Some(imported_at)) = (state.batch_id, state.imported_at) else {
        return Err(DomainError::unknown(KIND, "(not imported)"));
    };
    let concern = |concern_id: Uuid| {
        let c = state
            .concerns
            .get(&concern_id)
            .ok_or_else(|| DomainError::unknown(CONCERN, concern_id))?;
        if c.closed.is_some() {
            return Err(DomainError::already(CONCERN, concern_id, "closed"));
        }
        Ok(c)
    };
    let event: Event = match command {
        Command::Import(ImportStopSearchRecords { .. }) => {
            return Err(DomainError::already_exists(KIND, batch_id));
        }
        Command::SelectSample(SelectStopSearchSample {
            sample_id,
            method,
            rationale,
            record_refs,
            selected_at,
        }) => {
            if state.samples.contains_key(&sample_id) {
                return Err(DomainError::already_exists("sample", sample_id));
            }
            non_empty("record_refs", &record_refs)?;
            let mut seen = BTreeSet::new();
            for r in &record_refs {
                required("record_refs", r)?;
                if !seen.insert(r.as_str()) {
                    return Err(DomainError::invalid(
                        "record_refs",
                        format!("record {r} is listed twice"),
                    ));
                }
            }
            let sampled: BTreeSet<&String> = state.sampled().collect();
            let new = record_refs.iter().filter(|r| !sampled.contains(r)).count();
            let total = sampled.len() + new;
            if total > state.records_accepted as usize {
                return Err(DomainError::ExceedsLimit {
                    field: "records sampled",
                    value: i64::try_from(total).unwrap_or(i64::MAX),
                    limit_name: "records_accepted",
                    limit: i64::from(state.records_accepted),
                });
            }
            if method != SampleMethod::Random {
                required("rationale", rationale.as_deref().unwrap_or(""))?;
            }
            ordered("imported_at", &imported_at, "selected_at", &selected_at)?;
            ctx.not_future("selected_at", selected_at)?;
            StopSearchSampleSelected {
                batch_id,
                sample_id,
                method,
                rationale,
                record_refs,
                selected_at,
            }
            .into()
        }
        Command::ReviewRecord(ReviewStopSearchRecord {
            sample_id,
            record_ref,
            reviewed_at,
            grounds,
            body_worn_video_viewed,
            body_worn_video_notes,
            outcome_notes,
        }) => {
            let sample = state
                .samples
                .get(&sample_id)
                .ok_or_else(|| DomainError::unknown("sample", sample_id))?;
            if !sample.record_refs.contains(&record_ref) {
                return Err(DomainError::unknown("sampled record", &record_ref));
            }
            if sample.reviewed.contains_key(&record_ref) {
                return Err(DomainError::already(
                    "sampled record",
                    &record_ref,
                    "reviewed",
                ));
            }
            if !body_worn_video_viewed && body_worn_video_notes.is_some() {
                return Err(DomainError::invalid(
                    "body_worn_video_notes",
                    "notes on body-worn video that was not viewed",
                ));
            }
            if let Some(selected_at) = sample.selected_at {
                ordered("selected_at", &selected_at, "reviewed_at", &reviewed_at)?;
            }
            ctx.not_future("reviewed_at", reviewed_at)?;
            StopSearchRecordReviewed {
                batch_id,
                sample_id,
                record_ref,
                reviewed_at,
                grounds,
                body_worn_video_viewed,
                body_worn_video_notes,
                outcome_notes,
            }
            .into()
        }
        Command::RaiseConcern(RaiseStopSearchConcern {
            concern_id,
            category,
            record_refs,
            description,
            raised_with,
            raised_at,
        }) => {
            if state.concerns.contains_key(&concern_id) {
                return Err(DomainError::already_exists(CONCERN, concern_id));
            }
            for r in &record_refs {
                if !state.is_reviewed(r) {
                    return Err(DomainError::unknown("reviewed record", r));
                }
            }
            if category != ConcernCategory::Disproportionality && record_refs.is_empty() {
                // Only a disproportionality concern is about the batch as a whole.
                return Err(DomainError::Required {
                    field: "record_refs",
                });
            }
            required("description", &description)?;
            required("raised_with", &raised_with)?;
            ordered("imported_at", &imported_at, "raised_at", &raised_at)?;
            ctx.not_future("raised_at", raised_at)?;
            StopSearchConcernRaised {
                batch_id,
                concern_id,
                category,
                record_refs,
                description,
                raised_with,
                raised_at,
            }
            .into()
        }
        Command::RecordPoliceResponse(RecordStopSearchPoliceResponse {
            concern_id,
            received_at,
            responder,
            response_summary,
            actions_agreed,
        }) => {
            let c = concern(concern_id)?;
            if c.responded_at.is_some() {
                return Err(DomainError::already(CONCERN, concern_id, "responded to"));
            }
            required("responder", &responder)?;
            required("response_summary", &response_summary)?;
            ordered("raised_at", &c.raised_at, "received_at", &received_at)?;
            ctx.not_future("received_at", received_at)?;
            StopSearchPoliceResponseReceived {
                batch_id,
                concern_id,
                received_at,
                responder,
                response_summary,
                actions_agreed,
                days_to_respond: days_between(c.raised_at, received_at),
            }
            .into()
        }
        Command::CloseConcern(CloseStopSearchConcern {
            concern_id,
            closed_at,
            resolution,
            note,
        }) => {
            let c = concern(concern_id)?;
            let since = match (c.responded_at, resolution) {
                (Some(at), _) => ("received_at", at),
                (None, ConcernResolution::Withdrawn) => ("raised_at", c.raised_at),
                (None, _) => {
                    return Err(DomainError::invalid_state(
                        CONCERN,
                        concern_id,
                        "close",
                        "awaiting the police response",
                    ));
                }
            };
            if resolution != ConcernResolution::Addressed {
                required("note", note.as_deref().unwrap_or(""))?;
            }
            ordered(since.0, &since.1, "closed_at", &closed_at)?;
            ctx.not_future("closed_at", closed_at)?;
            StopSearchConcernClosed {
                batch_id,
                concern_id,
                closed_at,
                resolution,
                note,
                days_open: days_between(c.raised_at, closed_at),
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
    use chrono::Duration;

    fn period() -> Period {
        Period::month(2025, 5).unwrap_or(Period::new(
            days_ago(60).date_naive(),
            days_ago(30).date_naive(),
        ))
    }

    fn import() -> Command {
        Command::Import(ImportStopSearchRecords {
            batch_id: id(1),
            borough: CAMDEN.into(),
            period: period(),
            source: BatchSource {
                publisher: "data.police.uk".into(),
                force: "metropolitan".into(),
                file_name: "2025-05-metropolitan-stop-and-search.csv".into(),
                sha256: None,
            },
            records_read: 10,
            records_accepted: 9,
            records_rejected: 1,
            by_officer_defined_ethnicity: [("Black".to_owned(), 4), ("White".to_owned(), 5)].into(),
            by_outcome: [
                ("A no further action disposal".to_owned(), 7),
                ("Arrest".to_owned(), 2),
            ]
            .into(),
            imported_at: days_ago(20),
        })
    }

    fn refs(rs: &[&str]) -> Vec<String> {
        rs.iter().map(|r| (*r).to_owned()).collect()
    }

    fn sample(n: u128, rs: &[&str]) -> Command {
        Command::SelectSample(SelectStopSearchSample {
            sample_id: id(n),
            method: SampleMethod::Random,
            rationale: None,
            record_refs: refs(rs),
            selected_at: days_ago(15),
        })
    }

    fn review(r: &str, grounds: GroundsAssessment) -> Command {
        Command::ReviewRecord(ReviewStopSearchRecord {
            sample_id: id(10),
            record_ref: r.into(),
            reviewed_at: days_ago(14),
            grounds,
            body_worn_video_viewed: true,
            body_worn_video_notes: Some("Search explained; officer courteous".into()),
            outcome_notes: None,
        })
    }

    fn concern(n: u128, category: ConcernCategory, rs: &[&str]) -> Command {
        Command::RaiseConcern(RaiseStopSearchConcern {
            concern_id: id(n),
            category,
            record_refs: refs(rs),
            description: "Grounds recorded as 'smell of cannabis' only".into(),
            raised_with: "borough commander".into(),
            raised_at: days_ago(13),
        })
    }

    fn respond(n: u128) -> Command {
        Command::RecordPoliceResponse(RecordStopSearchPoliceResponse {
            concern_id: id(n),
            received_at: days_ago(5),
            responder: "superintendent, neighbourhoods".into(),
            response_summary: "Briefing issued on grounds for drugs searches".into(),
            actions_agreed: vec!["Refresher training for the response team".into()],
        })
    }

    fn run(state: &mut State, cmd: Command) -> Result<Vec<Event>, DomainError> {
        let events = decide(state, cmd, &ctx())?;
        events.iter().for_each(|e| state.apply(e));
        Ok(events)
    }

    fn reviewed() -> State {
        let mut s = State::default();
        for c in [
            import(),
            sample(10, &["r1", "r2"]),
            review("r1", GroundsAssessment::Insufficient),
        ] {
            run(&mut s, c).expect("valid");
        }
        s
    }

    pub(crate) fn samples() -> Vec<Event> {
        let mut s = State::default();
        [
            import(),
            sample(10, &["r1", "r2"]),
            review("r1", GroundsAssessment::Insufficient),
            review("r2", GroundsAssessment::Reasonable),
            concern(20, ConcernCategory::Grounds, &["r1"]),
            concern(21, ConcernCategory::Disproportionality, &[]),
            respond(20),
            Command::CloseConcern(CloseStopSearchConcern {
                concern_id: id(20),
                closed_at: days_ago(2),
                resolution: ConcernResolution::Addressed,
                note: None,
            }),
            Command::CloseConcern(CloseStopSearchConcern {
                concern_id: id(21),
                closed_at: days_ago(1),
                resolution: ConcernResolution::Withdrawn,
                note: Some("To be taken up with next quarter's data".into()),
            }),
        ]
        .into_iter()
        .flat_map(|c| run(&mut s, c).expect("valid"))
        .collect()
    }

    #[test]
    fn full_lifecycle() {
        let events = samples();
        assert_eq!(events.len(), 9);
        let s = StopSearchMonitoring::fold(&events);
        assert_eq!(s.samples[&id(10)].reviewed.len(), 2);
        assert!(s.concerns.values().all(|c| c.closed.is_some()));
        assert!(matches!(&events[6], Event::PoliceResponseReceived(r) if r.days_to_respond == 8));
        assert!(matches!(&events[7], Event::ConcernClosed(c) if c.days_open == 11));
        assert_eq!(stream_id(id(1)).as_str(), format!("stop-search-{}", id(1)));
    }

    #[test]
    fn import_validation() {
        let with = |f: fn(&mut Command)| {
            let mut c = import();
            f(&mut c);
            decide(&State::default(), c, &ctx())
        };
        assert!(matches!(
            with(
                |c| if let Command::Import(ImportStopSearchRecords { borough, .. }) = c {
                    *borough = "E09000099".into()
                }
            ),
            Err(DomainError::UnknownBorough(_))
        ));
        assert!(matches!(
            with(
                |c| if let Command::Import(ImportStopSearchRecords { period, .. }) = c {
                    *period = Period::new(period.to, period.from)
                }
            ),
            Err(DomainError::EndBeforeStart {
                end_field: "period.to",
                ..
            })
        ));
        assert!(matches!(
            with(
                |c| if let Command::Import(ImportStopSearchRecords { period, .. }) = c {
                    *period = Period::month(2031, 1).unwrap_or(*period)
                }
            ),
            Err(DomainError::InFuture {
                field: "period.from",
                ..
            })
        ));
        assert_eq!(
            with(
                |c| if let Command::Import(ImportStopSearchRecords { source, .. }) = c {
                    source.file_name = String::new()
                }
            ),
            Err(DomainError::Required {
                field: "source.file_name"
            })
        );
        assert_eq!(
            with(|c| {
                if let Command::Import(ImportStopSearchRecords {
                    records_read,
                    records_accepted,
                    records_rejected,
                    by_officer_defined_ethnicity,
                    by_outcome,
                    ..
                }) = c
                {
                    *records_read = 0;
                    *records_accepted = 0;
                    *records_rejected = 0;
                    by_officer_defined_ethnicity.clear();
                    by_outcome.clear();
                }
            }),
            Err(DomainError::NotPositive {
                field: "records_read",
                value: 0
            })
        );
        assert!(matches!(
            with(|c| {
                if let Command::Import(ImportStopSearchRecords {
                    records_rejected, ..
                }) = c
                {
                    *records_rejected = 5
                }
            }),
            Err(DomainError::Invalid {
                field: "records_read",
                ..
            })
        ));
        assert!(matches!(
            with(
                |c| if let Command::Import(ImportStopSearchRecords { by_outcome, .. }) = c {
                    by_outcome.insert("Caution".into(), 1);
                }
            ),
            Err(DomainError::Invalid {
                field: "by_outcome",
                ..
            })
        ));
        assert!(matches!(
            with(
                |c| if let Command::Import(ImportStopSearchRecords { imported_at, .. }) = c {
                    *imported_at = now() + Duration::hours(1)
                }
            ),
            Err(DomainError::InFuture { .. })
        ));
        assert!(matches!(
            decide(&reviewed(), import(), &ctx()),
            Err(DomainError::AlreadyExists { .. })
        ));
        assert_eq!(
            decide(&State::default(), sample(10, &["r1"]), &ctx()),
            Err(DomainError::unknown(
                "stop-and-search batch",
                "(not imported)"
            ))
        );
    }

    #[test]
    fn sample_and_review_errors() {
        let s = reviewed();
        assert!(matches!(
            decide(&s, sample(10, &["r3"]), &ctx()),
            Err(DomainError::AlreadyExists { kind: "sample", .. })
        ));
        assert_eq!(
            decide(&s, sample(11, &[]), &ctx()),
            Err(DomainError::Required {
                field: "record_refs"
            })
        );
        assert!(matches!(
            decide(&s, sample(11, &["r3", "r3"]), &ctx()),
            Err(DomainError::Invalid {
                field: "record_refs",
                ..
            })
        ));
        assert_eq!(
            decide(
                &s,
                sample(11, &["r1", "r3", "r4", "r5", "r6", "r7", "r8", "r9", "r10"]),
                &ctx()
            ),
            Err(DomainError::ExceedsLimit {
                field: "records sampled",
                value: 10,
                limit_name: "records_accepted",
                limit: 9
            })
        );
        let mut thematic = sample(11, &["r3"]);
        if let Command::SelectSample(SelectStopSearchSample { method, .. }) = &mut thematic {
            *method = SampleMethod::Thematic;
        }
        assert_eq!(
            decide(&s, thematic, &ctx()),
            Err(DomainError::Required { field: "rationale" })
        );
        let mut early = sample(11, &["r3"]);
        if let Command::SelectSample(SelectStopSearchSample { selected_at, .. }) = &mut early {
            *selected_at = days_ago(30);
        }
        assert!(matches!(
            decide(&s, early, &ctx()),
            Err(DomainError::EndBeforeStart {
                end_field: "selected_at",
                ..
            })
        ));
        assert_eq!(
            decide(&s, review("r1", GroundsAssessment::Reasonable), &ctx()),
            Err(DomainError::already("sampled record", "r1", "reviewed"))
        );
        assert_eq!(
            decide(&s, review("r9", GroundsAssessment::Reasonable), &ctx()),
            Err(DomainError::unknown("sampled record", "r9"))
        );
        let mut other_sample = review("r2", GroundsAssessment::Reasonable);
        if let Command::ReviewRecord(ReviewStopSearchRecord { sample_id, .. }) = &mut other_sample {
            *sample_id = id(99);
        }
        assert_eq!(
            decide(&s, other_sample, &ctx()),
            Err(DomainError::unknown("sample", id(99)))
        );
        let mut no_video = review("r2", GroundsAssessment::Reasonable);
        if let Command::ReviewRecord(ReviewStopSearchRecord {
            body_worn_video_viewed,
            ..
        }) = &mut no_video
        {
            *body_worn_video_viewed = false;
        }
        assert!(matches!(
            decide(&s, no_video, &ctx()),
            Err(DomainError::Invalid {
                field: "body_worn_video_notes",
                ..
            })
        ));
        let mut before = review("r2", GroundsAssessment::Reasonable);
        if let Command::ReviewRecord(ReviewStopSearchRecord { reviewed_at, .. }) = &mut before {
            *reviewed_at = days_ago(16);
        }
        assert!(matches!(
            decide(&s, before, &ctx()),
            Err(DomainError::EndBeforeStart {
                end_field: "reviewed_at",
                ..
            })
        ));
    }

    #[test]
    fn concern_errors() {
        let mut s = reviewed();
        assert_eq!(
            decide(&s, concern(20, ConcernCategory::Grounds, &["r2"]), &ctx()),
            Err(DomainError::unknown("reviewed record", "r2"))
        );
        assert_eq!(
            decide(&s, concern(20, ConcernCategory::BodyWornVideo, &[]), &ctx()),
            Err(DomainError::Required {
                field: "record_refs"
            })
        );
        let mut blank = concern(20, ConcernCategory::Grounds, &["r1"]);
        if let Command::RaiseConcern(RaiseStopSearchConcern { description, .. }) = &mut blank {
            description.clear();
        }
        assert_eq!(
            decide(&s, blank, &ctx()),
            Err(DomainError::Required {
                field: "description"
            })
        );
        run(&mut s, concern(20, ConcernCategory::Grounds, &["r1"])).expect("raise");
        assert!(matches!(
            decide(&s, concern(20, ConcernCategory::Grounds, &["r1"]), &ctx()),
            Err(DomainError::AlreadyExists { .. })
        ));
        assert_eq!(
            decide(&s, respond(99), &ctx()),
            Err(DomainError::unknown("stop-and-search concern", id(99)))
        );
        let close = |resolution, note: Option<&str>| {
            Command::CloseConcern(CloseStopSearchConcern {
                concern_id: id(20),
                closed_at: days_ago(1),
                resolution,
                note: note.map(Into::into),
            })
        };
        assert_eq!(
            decide(&s, close(ConcernResolution::Addressed, None), &ctx()),
            Err(DomainError::invalid_state(
                "stop-and-search concern",
                id(20),
                "close",
                "awaiting the police response"
            ))
        );
        let mut early = respond(20);
        if let Command::RecordPoliceResponse(RecordStopSearchPoliceResponse {
            received_at, ..
        }) = &mut early
        {
            *received_at = days_ago(14);
        }
        assert!(matches!(
            decide(&s, early, &ctx()),
            Err(DomainError::EndBeforeStart {
                end_field: "received_at",
                ..
            })
        ));
        run(&mut s, respond(20)).expect("respond");
        assert_eq!(
            decide(&s, respond(20), &ctx()),
            Err(DomainError::already(
                "stop-and-search concern",
                id(20),
                "responded to"
            ))
        );
        assert_eq!(
            decide(&s, close(ConcernResolution::NotAddressed, None), &ctx()),
            Err(DomainError::Required { field: "note" })
        );
        run(&mut s, close(ConcernResolution::PartlyAddressed, Some("n"))).expect("close");
        assert_eq!(
            decide(&s, close(ConcernResolution::Addressed, None), &ctx()),
            Err(DomainError::already(
                "stop-and-search concern",
                id(20),
                "closed"
            ))
        );
        assert_eq!(
            decide(&s, respond(20), &ctx()),
            Err(DomainError::already(
                "stop-and-search concern",
                id(20),
                "closed"
            ))
        );
    }
}
