//! `engage import confidence FILE`: a MOPAC Public Attitude Survey (PAS) neighbourhood CSV
//! as `ConfidenceSurveyResultRecorded` events, one per neighbourhood and survey measure.
//!
//! The file names each neighbourhood `Borough - Neighbourhood` with an MPS code whose first
//! two letters are the borough's MPS code (`KG-KB`: Barking and Dagenham - Barking), and has
//! one column per survey question, headed by the question's wording
//! ([`ConfidenceMeasure::from_pas_question`]); a second line under the header gives each
//! question's positive answers (`% Excellent or Good`) and is not a neighbourhood. Values are
//! whole percentages; `N/A` or blank means not published.

use std::collections::HashMap;
use std::io::Read;

use engage_commands::{CommandService, ExecuteOptions, Loaded};
use engage_domain::common::Period;
use engage_domain::performance::{
    self, ConfidenceMeasure, FigureSource, Neighbourhood, Performance, SourceKind,
};
use engage_domain::reference::{Borough, borough_by_name};
use engage_domain::{BoroughCode, DomainError};
use engage_log::Actor;

use crate::report::{ImportReport, RejectedRow};
use crate::table::{Column, Row, Table, normalise, width_problem};
use crate::{ImportError, derived, domain_refusal, no_lookups};

const FILE: &str = "MOPAC Public Attitude Survey neighbourhood CSV";

const NEIGHBOURHOOD: Column = Column {
    label: "Neighbourhood",
    names: &["neighbourhood", "neighborhood", "area"],
};
const CODE: Column = Column {
    label: "Code",
    names: &["code", "neighbourhood code", "area code"],
};
/// Columns known not to be measures, ignored without a note.
const DESCRIPTIVE: [&str; 2] = ["group", "borough"];

/// The Metropolitan Police's two-letter borough codes (the first half of a PAS
/// neighbourhood code), by borough GSS code. The City of London is policed by the City of
/// London Police and has none.
pub const MPS_BOROUGH_CODES: [(&str, &str); 32] = [
    ("E09000002", "KG"),
    ("E09000003", "SX"),
    ("E09000004", "RY"),
    ("E09000005", "QK"),
    ("E09000006", "PY"),
    ("E09000007", "EK"),
    ("E09000008", "ZD"),
    ("E09000009", "XB"),
    ("E09000010", "YE"),
    ("E09000011", "RG"),
    ("E09000012", "GD"),
    ("E09000013", "FH"),
    ("E09000014", "YR"),
    ("E09000015", "QA"),
    ("E09000016", "KD"),
    ("E09000017", "XH"),
    ("E09000018", "TX"),
    ("E09000019", "NI"),
    ("E09000020", "BS"),
    ("E09000021", "VK"),
    ("E09000022", "LX"),
    ("E09000023", "PL"),
    ("E09000024", "VW"),
    ("E09000025", "KF"),
    ("E09000026", "JI"),
    ("E09000027", "TW"),
    ("E09000028", "MD"),
    ("E09000029", "ZT"),
    ("E09000030", "HT"),
    ("E09000031", "JC"),
    ("E09000032", "WW"),
    ("E09000033", "CW"),
];

/// The MPS two-letter code of the borough with GSS code `borough`.
pub fn mps_borough_code(borough: &str) -> Option<&'static str> {
    MPS_BOROUGH_CODES
        .iter()
        .find(|(gss, _)| *gss == borough)
        .map(|(_, mps)| *mps)
}

/// The borough whose MPS two-letter code is `mps`.
fn borough_of_mps_code(mps: &str) -> Option<&'static Borough> {
    MPS_BOROUGH_CODES
        .iter()
        .find(|(_, code)| *code == mps)
        .and_then(|(gss, _)| engage_domain::reference::borough(gss))
}

/// One valid row: where, and the published measures (column, measure, percent).
struct Area {
    borough: BoroughCode,
    neighbourhood: Option<Neighbourhood>,
    results: Vec<(usize, ConfidenceMeasure, u8)>,
}

impl Area {
    /// The key part naming the area: the neighbourhood code, or the borough.
    fn key(&self) -> String {
        match &self.neighbourhood {
            Some(n) => n.code.clone(),
            None => format!("borough {}", self.borough),
        }
    }
}

/// Read a PAS neighbourhood CSV and record each neighbourhood's result for every measure.
///
/// `period` is the survey period the file covers (the file does not say: a file of
/// "2016" results may be a calendar or a financial year); `source_name` names the file (e.g.
/// `2016-police-perceptions.csv`) and is recorded as each result's source. Each row must
/// name a London borough (`Barnet - Colindale`, or a borough alone for a borough-wide
/// result) and, for a neighbourhood, carry an MPS code whose borough part matches; every
/// published value must be a percentage from 0 to 100 (`N/A` and blank are "not
/// published"). A row with a bad value is rejected whole. A result already recorded for the
/// same area, period and measure with the same value counts as already recorded; a
/// different value is rejected, since a correction needs a reason and is not an import.
/// Columns that are not survey questions (`Group`, `Total Notifiable Offences rate`) are
/// ignored. `progress` is called with the rows read.
pub async fn import_confidence(
    service: &CommandService,
    reader: impl Read,
    actor: &Actor,
    source_name: &str,
    period: Period,
    mut progress: impl FnMut(u64),
) -> Result<ImportReport, ImportError> {
    let source_name = source_name.trim();
    if source_name.is_empty() {
        return Err(ImportError::InvalidArgument(
            "the survey file must be named (e.g. `2016-police-perceptions.csv`)".into(),
        ));
    }
    if period.to < period.from {
        return Err(ImportError::InvalidArgument(format!(
            "the survey period ends ({}) before it starts ({})",
            period.to, period.from
        )));
    }
    let mut table = Table::open(reader)?;
    let [name_col, code_col] = table.require(FILE, [&NEIGHBOURHOOD, &CODE])?;
    let headers = table.headers().to_vec();
    let header = |i: usize| headers.get(i).cloned().unwrap_or_default();

    let mut report = ImportReport::new("survey rows");
    let mut measures: Vec<(usize, ConfidenceMeasure)> = Vec::new();
    for (i, h) in headers.iter().enumerate() {
        if i == name_col || i == code_col || DESCRIPTIVE.contains(&normalise(h).as_str()) {
            continue;
        }
        match ConfidenceMeasure::from_pas_question(h) {
            Some(m) if measures.iter().any(|(_, seen)| *seen == m) => report.notes.push(format!(
                "column {:?} asks a question already read from an earlier column ({m:?}); ignored",
                h
            )),
            Some(m) => measures.push((i, m)),
            None => report.notes.push(format!(
                "column {h:?} is not a Public Attitude Survey confidence measure; ignored"
            )),
        }
    }
    if measures.is_empty() {
        return Err(table.missing(
            FILE,
            vec![
                "survey question (e.g. \"Taking everything into account how good a job do you \
                 think the police in your area are doing?\")"
                    .into(),
            ],
        ));
    }
    let width = headers.len();
    let source = FigureSource {
        kind: SourceKind::MopacPublicAttitudeSurvey,
        reference: source_name.to_owned(),
    };
    let mut loaded: HashMap<BoroughCode, Loaded<Performance>> = HashMap::new();
    let mut first_seen: HashMap<String, u64> = HashMap::new();

    while let Some(row) = table.next_row()? {
        if row.is_blank() {
            continue;
        }
        if row.get(name_col).is_empty()
            && row.get(code_col).is_empty()
            && measures.iter().any(|(i, _)| row.get(*i).starts_with('%'))
        {
            report.notes.push(format!(
                "line {} gives the questions' positive answers (\"% ...\"), not a \
                 neighbourhood; skipped",
                row.line
            ));
            continue;
        }
        report.records_read += 1;
        progress(report.records_read);
        let line = row.line;
        if let Some(reason) = width_problem(&row, width) {
            report.reject(RejectedRow::new(line, "row", &row.fields.join(","), reason));
            continue;
        }
        let area = match read_area(&row, name_col, code_col, &measures) {
            Ok(area) => area,
            Err((column, reason)) => {
                report.reject(RejectedRow::new(
                    line,
                    column.map_or_else(|| "row".to_owned(), header),
                    column.map_or("", |c| row.get(c)),
                    reason,
                ));
                continue;
            }
        };
        let area_key = area.key();
        if let Some(first) = first_seen.get(&area_key) {
            report.reject(RejectedRow::new(
                line,
                header(name_col),
                row.get(name_col),
                format!("the area is listed twice (first at line {first})"),
            ));
            continue;
        }
        first_seen.insert(area_key.clone(), line);

        let stream = performance::stream_id(&area.borough);
        let state = loaded.entry(area.borough.clone()).or_default();
        let mut refused: Option<RejectedRow> = None;
        for (column, measure, percent) in area.results {
            let command = performance::Command::RecordConfidenceResult(
                performance::RecordConfidenceSurveyResult {
                    borough: area.borough.clone(),
                    neighbourhood: area.neighbourhood.clone(),
                    period,
                    measure,
                    percent,
                    sample_size: None,
                    source: source.clone(),
                    correction_reason: None,
                },
            );
            let options = ExecuteOptions::default()
                .idempotency_key(derived(&format!(
                    "pas/{source_name}/{period}/{area_key}/{measure:?}"
                )))
                .reason(format!("imported from {source_name}"));
            match service
                .execute_on::<Performance>(&stream, state, command, actor, no_lookups(), options)
                .await
            {
                Ok(done) if done.already_recorded => {
                    report.already_recorded += done.events.len() as u64;
                }
                Ok(done) => report.events_recorded += done.events.len() as u64,
                Err(e) => match domain_refusal(&e) {
                    // The same value, recorded before from another file.
                    Some(DomainError::Already { .. }) => report.already_recorded += 1,
                    Some(refusal) => {
                        let key = (
                            area.neighbourhood.as_ref().map(|n| n.code.clone()),
                            period,
                            measure,
                        );
                        let reason = match (refusal, state.state.confidence.get(&key)) {
                            (DomainError::Required { .. }, Some(previous)) => format!(
                                "{}% is already recorded for {measure:?} here for {period} \
                                 (revision {}); a correction needs a reason and is not made \
                                 by an import",
                                previous.value, previous.revision
                            ),
                            _ => refusal.to_string(),
                        };
                        refused.get_or_insert_with(|| {
                            RejectedRow::new(line, header(column), row.get(column), reason)
                        });
                    }
                    None => {
                        return Err(ImportError::Command {
                            what: format!("{measure:?} for {area_key} (line {line})"),
                            source: e,
                        });
                    }
                },
            }
        }
        match refused {
            Some(r) => report.reject(r),
            None => report.accepted += 1,
        }
    }
    Ok(report)
}

/// The area and published results of a row, or the column at fault (`None`: the row) and
/// why.
fn read_area(
    row: &Row,
    name_col: usize,
    code_col: usize,
    measures: &[(usize, ConfidenceMeasure)],
) -> Result<Area, (Option<usize>, String)> {
    let name = row.get(name_col);
    if name.is_empty() {
        return Err((Some(name_col), "the row names no neighbourhood".into()));
    }
    let code = row.get(code_col).to_uppercase();
    let (borough, neighbourhood) = match name.split_once(" - ") {
        Some((borough_name, local)) => {
            let Some(borough) = borough_by_name(borough_name) else {
                return Err((
                    Some(name_col),
                    "the borough part of the name (before ` - `) is not a London borough".into(),
                ));
            };
            if local.trim().is_empty() {
                return Err((Some(name_col), "the neighbourhood has no name".into()));
            }
            check_code(&code, borough).map_err(|reason| (Some(code_col), reason))?;
            (
                borough,
                Some(Neighbourhood {
                    code: code.clone(),
                    name: name.to_owned(),
                }),
            )
        }
        None => match borough_by_name(name) {
            Some(borough) => {
                if !code.is_empty() && !matches_borough(&code, borough) {
                    return Err((
                        Some(code_col),
                        format!("not the MPS code of {}", borough.name),
                    ));
                }
                (borough, None)
            }
            None => {
                return Err((
                    Some(name_col),
                    "not a neighbourhood (`Borough - Neighbourhood`) nor a London borough".into(),
                ));
            }
        },
    };
    let mut results = Vec::new();
    for &(column, measure) in measures {
        let value = row.get(column);
        if let Some(percent) = percentage(value).map_err(|reason| (Some(column), reason))? {
            results.push((column, measure, percent));
        }
    }
    if results.is_empty() {
        return Err((None, "no survey measure has a value on this row".into()));
    }
    Ok(Area {
        borough: BoroughCode::new(borough.code),
        neighbourhood,
        results,
    })
}

/// A neighbourhood's MPS code: `XX-YY`, `XX` being its borough's.
fn check_code(code: &str, borough: &Borough) -> Result<(), String> {
    if code.is_empty() {
        return Err("the neighbourhood has no code".into());
    }
    let well_formed = code.split_once('-').is_some_and(|(b, n)| {
        b.len() == 2
            && b.chars().all(|c| c.is_ascii_uppercase())
            && (1..=4).contains(&n.len())
            && n.chars().all(|c| c.is_ascii_alphanumeric())
    });
    if !well_formed {
        return Err(
            "not an MPS neighbourhood code (two letters for the borough, `-`, \
                    then the neighbourhood, e.g. KG-KB)"
                .into(),
        );
    }
    if matches_borough(code, borough) {
        return Ok(());
    }
    let prefix = code.get(..2).unwrap_or_default();
    Err(
        match (mps_borough_code(borough.code), borough_of_mps_code(prefix)) {
            (_, Some(other)) => format!(
                "the code is of a neighbourhood in {}, but the name says {}",
                other.name, borough.name
            ),
            (Some(expected), None) => format!(
                "{prefix} is not an MPS borough code ({} is {expected})",
                borough.name
            ),
            (None, None) => format!("{prefix} is not an MPS borough code"),
        },
    )
}

/// Whether `code` starts with `borough`'s MPS code (always, for a borough without one).
fn matches_borough(code: &str, borough: &Borough) -> bool {
    match mps_borough_code(borough.code) {
        Some(mps) => code.get(..2) == Some(mps),
        None => true,
    }
}

/// A published percentage (0–100, rounded to a whole number), `None` when not published.
fn percentage(value: &str) -> Result<Option<u8>, String> {
    let v = value.trim();
    if v.is_empty()
        || v.eq_ignore_ascii_case("n/a")
        || v.eq_ignore_ascii_case("na")
        || v == "-"
        || v == ".."
    {
        return Ok(None);
    }
    let number = v.strip_suffix('%').unwrap_or(v).trim();
    match number.parse::<f64>() {
        Ok(p) if p.is_finite() && (0.0..=100.0).contains(&p) => {
            // In range, so the rounded value fits a u8.
            Ok(Some(u8::try_from(p.round() as i64).unwrap_or(100)))
        }
        Ok(_) => Err("a percentage must be between 0 and 100".into()),
        Err(_) => Err("not a percentage (a number from 0 to 100, or N/A)".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use engage_domain::reference::borough;

    #[test]
    fn percentages() {
        assert_eq!(percentage("71"), Ok(Some(71)));
        assert_eq!(percentage("70.6"), Ok(Some(71)));
        assert_eq!(percentage("45%"), Ok(Some(45)));
        assert_eq!(percentage("100"), Ok(Some(100)));
        assert_eq!(percentage("N/A"), Ok(None));
        assert_eq!(percentage(""), Ok(None));
        assert!(percentage("101").is_err());
        assert!(percentage("-1").is_err());
        assert!(percentage("NaN").is_err());
        assert!(percentage("lots").is_err());
    }

    #[test]
    fn neighbourhood_codes_name_their_borough() {
        let barnet = borough("E09000003").expect("Barnet");
        assert!(check_code("SX-SC", barnet).is_ok());
        let wrong = check_code("KG-KB", barnet).expect_err("wrong borough");
        assert!(wrong.contains("Barking and Dagenham"), "{wrong}");
        assert!(check_code("SXSC", barnet).is_err());
        assert!(check_code("", barnet).is_err());
        assert!(
            check_code("QQ-SC", barnet)
                .expect_err("unknown")
                .contains("not an MPS borough code")
        );
        assert_eq!(MPS_BOROUGH_CODES.len(), 32);
        assert!(
            MPS_BOROUGH_CODES
                .iter()
                .all(|(gss, _)| borough(gss).is_some())
        );
    }
}
