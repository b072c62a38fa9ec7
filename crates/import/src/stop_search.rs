//! `engage import stop-and-search FILE`: a data.police.uk stop-and-search CSV, checked row
//! by row, counted into one `StopSearchRecordsImported` batch per calendar month.
//!
//! data.police.uk gives each search's time in UTC; a month's file runs from midnight London
//! time, so the first hour of a summer month appears as the last day of the month before
//! (`2018-06-30T23:01:00+00:00` is 00:01 on 1 July in London). Rows are therefore grouped by
//! their London date.

use std::collections::BTreeMap;
use std::io::Read;

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, Utc, Weekday};
use engage_commands::{CommandService, ExecuteOptions};
use engage_domain::BoroughCode;
use engage_domain::common::Period;
use engage_domain::stop_search_monitoring::{self, BatchSource, StopSearchMonitoring};
use engage_log::Actor;

use crate::report::{ImportReport, RejectedRow};
use crate::table::{Column, Row, Table, width_problem};
use crate::{ImportError, derived, no_lookups};

const FILE: &str = "data.police.uk stop-and-search CSV";

/// The search types data.police.uk publishes.
pub const SEARCH_TYPES: [&str; 3] = [
    "Person search",
    "Person and Vehicle search",
    "Vehicle search",
];

/// The age ranges data.police.uk publishes (blank: not recorded).
pub const AGE_RANGES: [&str; 5] = ["under 10", "10-17", "18-24", "25-34", "over 34"];

/// The officer-defined ethnicities data.police.uk publishes (blank: not recorded).
pub const OFFICER_DEFINED_ETHNICITIES: [&str; 5] = ["Asian", "Black", "Mixed", "Other", "White"];

/// The outcomes data.police.uk publishes, current and older wordings (blank: not recorded).
pub const OUTCOMES: [&str; 16] = [
    "A no further action disposal",
    "Arrest",
    "Caution (simple or conditional)",
    "Community resolution",
    "Khat or Cannabis warning",
    "Penalty Notice for Disorder",
    "Summons / charged by post",
    "Article found - Detailed outcome unavailable",
    "Local resolution",
    "Nothing found - no further action",
    "Offender cautioned",
    "Offender given drugs possession warning",
    "Offender given penalty notice",
    "Suspect arrested",
    "Suspect summonsed to court",
    "Suspected psychoactive substances seized - No further action",
];

/// The self-defined ethnic groups (2011 Census, the part before ` - `).
const SELF_DEFINED_GROUPS: [&str; 5] = [
    "White",
    "Black/African/Caribbean/Black British",
    "Asian/Asian British",
    "Mixed/Multiple ethnic groups",
    "Other ethnic group",
];

const GENDERS: [&str; 3] = ["Male", "Female", "Other"];

/// The count key for a blank officer-defined ethnicity or outcome.
const NOT_RECORDED: &str = "Not recorded";

const TYPE: Column = Column {
    label: "Type",
    names: &["type"],
};
const DATE: Column = Column {
    label: "Date",
    names: &["date", "datetime"],
};
const OFFICER_ETHNICITY: Column = Column {
    label: "Officer-defined ethnicity",
    names: &["officer defined ethnicity"],
};
const OUTCOME: Column = Column {
    label: "Outcome",
    names: &["outcome"],
};
const LATITUDE: Column = Column {
    label: "Latitude",
    names: &["latitude"],
};
const LONGITUDE: Column = Column {
    label: "Longitude",
    names: &["longitude"],
};
const GENDER: Column = Column {
    label: "Gender",
    names: &["gender"],
};
const AGE_RANGE: Column = Column {
    label: "Age range",
    names: &["age range"],
};
const SELF_ETHNICITY: Column = Column {
    label: "Self-defined ethnicity",
    names: &["self defined ethnicity"],
};
const OPERATION: Column = Column {
    label: "Part of a policing operation",
    names: &["part of a policing operation"],
};
const LINKED: Column = Column {
    label: "Outcome linked to object of search",
    names: &["outcome linked to object of search"],
};
const REMOVAL: Column = Column {
    label: "Removal of more than just outer clothing",
    names: &["removal of more than just outer clothing"],
};

/// The columns found in the file.
struct Columns {
    kind: usize,
    date: usize,
    officer_ethnicity: usize,
    outcome: usize,
    latitude: Option<usize>,
    longitude: Option<usize>,
    gender: Option<usize>,
    age_range: Option<usize>,
    self_ethnicity: Option<usize>,
    flags: Vec<usize>,
}

/// One month's rows.
#[derive(Default)]
struct Month {
    read: u32,
    accepted: u32,
    rejected: u32,
    by_ethnicity: BTreeMap<String, u32>,
    by_outcome: BTreeMap<String, u32>,
}

/// A row's problem: the column index, and why.
type Problem = (usize, String);

/// Read a data.police.uk stop-and-search CSV and record its accepted rows as one
/// `StopSearchRecordsImported` batch per month for `borough`'s monitoring group.
///
/// The file has no borough column (only a location), so the borough is the monitoring
/// group's, given by the caller; the counts are those of the whole file (usually a whole
/// force's month), not of the rows inside the borough. `source_name` is the file name as
/// downloaded (e.g. `2018-07-metropolitan-stop-and-search.csv`): it is recorded as the
/// batch's source, the force is read from it, and with the borough and month it keys the
/// batch, so importing the same file again records nothing new.
///
/// Required columns: `Type`, `Date`, `Officer-defined ethnicity`, `Outcome`; `Latitude`,
/// `Longitude`, `Gender`, `Age range`, `Self-defined ethnicity` and the three true/false
/// columns are checked when present. A row is rejected if its type is not a search type,
/// its date is not a date-time or is in the future, a location is out of range or only half
/// there, or a category is not one data.police.uk publishes. Rejected rows whose date is
/// readable count in their month's `records_rejected`; rows without a readable date are in
/// the report only. `progress` is called with the rows read.
pub async fn import_stop_and_search(
    service: &CommandService,
    reader: impl Read,
    borough: BoroughCode,
    actor: &Actor,
    source_name: &str,
    mut progress: impl FnMut(u64),
) -> Result<ImportReport, ImportError> {
    let Some(london_borough) = borough.borough() else {
        return Err(ImportError::InvalidArgument(format!(
            "unknown borough {borough} (expected a London GSS code E09000001..E09000033)"
        )));
    };
    let source_name = source_name.trim();
    if source_name.is_empty() {
        return Err(ImportError::InvalidArgument(
            "the source file must be named (e.g. `2018-07-metropolitan-stop-and-search.csv`)"
                .into(),
        ));
    }
    let mut table = Table::open(reader)?;
    let [kind, date, officer_ethnicity, outcome] =
        table.require(FILE, [&TYPE, &DATE, &OFFICER_ETHNICITY, &OUTCOME])?;
    let columns = Columns {
        kind,
        date,
        officer_ethnicity,
        outcome,
        latitude: table.find(&LATITUDE),
        longitude: table.find(&LONGITUDE),
        gender: table.find(&GENDER),
        age_range: table.find(&AGE_RANGE),
        self_ethnicity: table.find(&SELF_ETHNICITY),
        flags: [&OPERATION, &LINKED, &REMOVAL]
            .into_iter()
            .filter_map(|c| table.find(c))
            .collect(),
    };
    let headers = table.headers().to_vec();
    let header = |i: usize| headers.get(i).cloned().unwrap_or_default();
    let width = headers.len();
    let now = Utc::now();

    let mut report = ImportReport::new("stop-and-search records");
    let mut months: BTreeMap<(i32, u32), Month> = BTreeMap::new();
    while let Some(row) = table.next_row()? {
        if row.is_blank() {
            continue;
        }
        report.records_read += 1;
        progress(report.records_read);
        if let Some(reason) = width_problem(&row, width) {
            report.reject(RejectedRow::new(
                row.line,
                "row",
                &row.fields.join(","),
                reason,
            ));
            continue;
        }
        let day = match search_day(row.get(columns.date), now) {
            Ok(day) => day,
            Err(reason) => {
                report.reject(RejectedRow::new(
                    row.line,
                    header(columns.date),
                    row.get(columns.date),
                    reason,
                ));
                continue;
            }
        };
        let month = months.entry((day.year(), day.month())).or_default();
        month.read += 1;
        if let Err((column, reason)) = check_row(&row, &columns) {
            month.rejected += 1;
            report.reject(RejectedRow::new(
                row.line,
                header(column),
                row.get(column),
                reason,
            ));
            continue;
        }
        month.accepted += 1;
        report.accepted += 1;
        *month
            .by_ethnicity
            .entry(or_not_recorded(row.get(columns.officer_ethnicity)))
            .or_default() += 1;
        *month
            .by_outcome
            .entry(or_not_recorded(row.get(columns.outcome)))
            .or_default() += 1;
    }

    let source = BatchSource {
        publisher: "data.police.uk".into(),
        force: force_of(source_name, london_borough.code),
        file_name: source_name.to_owned(),
        sha256: Some(table.sha256()),
    };
    for ((year, month_no), month) in months {
        let label = format!("{year}-{month_no:02}");
        if month.accepted == 0 {
            report.notes.push(format!(
                "{label}: all {} rows rejected, so no batch was recorded for the month",
                month.read
            ));
            continue;
        }
        let Some(period) = Period::month(year, month_no) else {
            continue;
        };
        let name = format!("stop-search/{borough}/{source_name}/{label}");
        let batch_id = derived(&format!("{name}/batch"));
        let stream = stop_search_monitoring::stream_id(batch_id);
        let command = stop_search_monitoring::Command::Import(
            stop_search_monitoring::ImportStopSearchRecords {
                batch_id,
                borough: borough.clone(),
                period,
                source: source.clone(),
                records_read: month.read,
                records_accepted: month.accepted,
                records_rejected: month.rejected,
                by_officer_defined_ethnicity: month.by_ethnicity,
                by_outcome: month.by_outcome,
                imported_at: Utc::now(),
            },
        );
        let options = ExecuteOptions::default()
            .idempotency_key(derived(&name))
            .reason(format!("imported from {source_name}"));
        let failed = |source| ImportError::Command {
            what: format!("the {label} batch of {source_name}"),
            source,
        };
        let done = service
            .execute::<StopSearchMonitoring>(&stream, command, actor, no_lookups(), options)
            .await
            .map_err(failed)?;
        if !done.already_recorded {
            report.events_recorded += done.events.len() as u64;
            continue;
        }
        report.already_recorded += done.events.len() as u64;
        let earlier = service
            .load::<StopSearchMonitoring>(&stream)
            .await
            .map_err(failed)?
            .state;
        if earlier.records_accepted != month.accepted {
            report.notes.push(format!(
                "{label}: a batch from {source_name} was already imported with {} accepted \
                 records; this file has {} for the month, so it was not recorded again \
                 (import a changed file under another name)",
                earlier.records_accepted, month.accepted
            ));
        }
    }
    Ok(report)
}

fn or_not_recorded(value: &str) -> String {
    if value.is_empty() {
        NOT_RECORDED.to_owned()
    } else {
        value.to_owned()
    }
}

/// The force in a data.police.uk file name (`2018-07-metropolitan-stop-and-search.csv`),
/// else London's force for the borough.
fn force_of(file_name: &str, borough: &str) -> String {
    let base = file_name.rsplit(['/', '\\']).next().unwrap_or(file_name);
    let force = base
        .strip_suffix("-stop-and-search.csv")
        .and_then(|rest| rest.get(8..))
        .filter(|f| !f.is_empty() && f.chars().all(|c| c.is_ascii_lowercase() || c == '-'));
    match force {
        Some(f) => f.to_owned(),
        None if borough == "E09000001" => "city-of-london".into(),
        None => "metropolitan".into(),
    }
}

/// The London date of a data.police.uk `Date` (RFC 3339, or a date-time without offset,
/// taken as London time), if it is not after `now`.
fn search_day(value: &str, now: DateTime<Utc>) -> Result<NaiveDate, String> {
    if value.is_empty() {
        return Err("the search has no date".into());
    }
    let (at, day) = if let Ok(at) = DateTime::parse_from_rfc3339(value) {
        let at = at.with_timezone(&Utc);
        (at, london_date(at))
    } else if let Ok(local) = NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M:%S") {
        (local.and_utc() - Duration::hours(1), local.date())
    } else {
        return Err("not a date-time (expected e.g. 2018-07-01T12:30:00+00:00)".into());
    };
    if at > now {
        return Err("the date is in the future".into());
    }
    Ok(day)
}

/// The calendar day in London (GMT, or BST from 01:00 UTC on the last Sunday of March to
/// 01:00 UTC on the last Sunday of October) at the instant `at`.
pub fn london_date(at: DateTime<Utc>) -> NaiveDate {
    let year = at.year();
    let starts = last_sunday(year, 3)
        .and_hms_opt(1, 0, 0)
        .map(|t| t.and_utc());
    let ends = last_sunday(year, 10)
        .and_hms_opt(1, 0, 0)
        .map(|t| t.and_utc());
    let summer = matches!((starts, ends), (Some(s), Some(e)) if s <= at && at < e);
    if summer {
        (at + Duration::hours(1)).date_naive()
    } else {
        at.date_naive()
    }
}

/// The last Sunday of `month` in `year` (both valid in practice; a fallback keeps it total).
fn last_sunday(year: i32, month: u32) -> NaiveDate {
    let first_of_next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)
    };
    let mut day = first_of_next
        .and_then(|d| d.pred_opt())
        .unwrap_or(NaiveDate::MIN);
    while day.weekday() != Weekday::Sun {
        match day.pred_opt() {
            Some(d) => day = d,
            None => break,
        }
    }
    day
}

/// Every check on a row but its date: the first problem found.
fn check_row(row: &Row, c: &Columns) -> Result<(), Problem> {
    let one_of = |index: usize, allowed: &[&str], blank_ok: bool, what: &str| {
        let v = row.get(index);
        if v.is_empty() {
            return if blank_ok {
                Ok(())
            } else {
                Err((index, format!("no {what}")))
            };
        }
        if allowed.iter().any(|a| a.eq_ignore_ascii_case(v)) {
            Ok(())
        } else {
            Err((
                index,
                format!(
                    "not one of the values data.police.uk publishes for the {what} ({})",
                    allowed.join(", ")
                ),
            ))
        }
    };
    one_of(c.kind, &SEARCH_TYPES, false, "search type")?;
    location(row, c.latitude, c.longitude)?;
    if let Some(i) = c.gender {
        one_of(i, &GENDERS, true, "gender")?;
    }
    if let Some(i) = c.age_range {
        one_of(i, &AGE_RANGES, true, "age range")?;
    }
    if let Some(i) = c.self_ethnicity {
        let v = row.get(i);
        let group = v.split(" - ").next().unwrap_or_default().trim();
        if !v.is_empty()
            && !SELF_DEFINED_GROUPS
                .iter()
                .any(|g| g.eq_ignore_ascii_case(group))
        {
            return Err((
                i,
                format!(
                    "not a self-defined ethnicity (a Census group: {}, then ` - ` and the \
                     background)",
                    SELF_DEFINED_GROUPS.join("; ")
                ),
            ));
        }
    }
    one_of(
        c.officer_ethnicity,
        &OFFICER_DEFINED_ETHNICITIES,
        true,
        "officer-defined ethnicity",
    )?;
    one_of(c.outcome, &OUTCOMES, true, "outcome")?;
    for &i in &c.flags {
        one_of(i, &["True", "False"], true, "true/false value")?;
    }
    Ok(())
}

/// Latitude and longitude: both blank, or both numbers in range.
fn location(row: &Row, lat: Option<usize>, lon: Option<usize>) -> Result<(), Problem> {
    let (Some(lat), Some(lon)) = (lat, lon) else {
        return Ok(());
    };
    let (lat_text, lon_text) = (row.get(lat), row.get(lon));
    match (lat_text.is_empty(), lon_text.is_empty()) {
        (true, true) => return Ok(()),
        (true, false) => return Err((lat, "a longitude is given but no latitude".into())),
        (false, true) => return Err((lon, "a latitude is given but no longitude".into())),
        (false, false) => {}
    }
    let coordinate = |index: usize, text: &str, limit: f64, what: &str| match text.parse::<f64>() {
        Ok(v) if v.is_finite() && v.abs() <= limit => Ok(()),
        Ok(_) => Err((
            index,
            format!("a {what} must be between -{limit} and {limit}"),
        )),
        Err(_) => Err((index, format!("not a {what} (a decimal number of degrees)"))),
    };
    coordinate(lat, lat_text, 90.0, "latitude")?;
    coordinate(lon, lon_text, 180.0, "longitude")
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, 0)
            .single()
            .unwrap_or_default()
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    #[test]
    fn london_dates_follow_british_summer_time() {
        // BST 2018: 25 March 01:00 UTC to 28 October 01:00 UTC.
        assert_eq!(london_date(utc(2018, 6, 30, 23, 1)), date(2018, 7, 1));
        assert_eq!(london_date(utc(2018, 6, 30, 22, 59)), date(2018, 6, 30));
        assert_eq!(london_date(utc(2018, 12, 31, 23, 30)), date(2018, 12, 31));
        assert_eq!(london_date(utc(2018, 3, 25, 0, 59)), date(2018, 3, 25));
        assert_eq!(london_date(utc(2018, 3, 24, 23, 30)), date(2018, 3, 24));
        assert_eq!(london_date(utc(2018, 10, 27, 23, 30)), date(2018, 10, 28));
        assert_eq!(london_date(utc(2018, 10, 28, 23, 30)), date(2018, 10, 28));
        assert_eq!(last_sunday(2018, 3), date(2018, 3, 25));
        assert_eq!(last_sunday(2018, 10), date(2018, 10, 28));
        assert_eq!(last_sunday(2024, 12), date(2024, 12, 29));
    }

    #[test]
    fn dates() {
        let now = utc(2025, 1, 1, 0, 0);
        assert_eq!(
            search_day("2018-06-30T23:01:00+00:00", now),
            Ok(date(2018, 7, 1))
        );
        assert_eq!(search_day("2018-07-01T00:30:00", now), Ok(date(2018, 7, 1)));
        assert!(search_day("31/07/2018", now).is_err());
        assert!(search_day("2030-01-01T00:00:00+00:00", now).is_err());
        assert!(search_day("", now).is_err());
    }

    #[test]
    fn forces_from_file_names() {
        assert_eq!(
            force_of("2018-07-metropolitan-stop-and-search.csv", "E09000007"),
            "metropolitan"
        );
        assert_eq!(
            force_of(
                "/tmp/x/2018-07-city-of-london-stop-and-search.csv",
                "E09000001"
            ),
            "city-of-london"
        );
        assert_eq!(force_of("searches.csv", "E09000001"), "city-of-london");
        assert_eq!(force_of("searches.csv", "E09000007"), "metropolitan");
    }
}
