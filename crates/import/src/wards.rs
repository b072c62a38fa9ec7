//! `engage import wards FILE`: a ward list (the GLA ward atlas, or an ONS ward lookup) as
//! `WardRegistered` events, one per ward, each under the idempotency key of its GSS code.

use std::collections::HashMap;
use std::io::Read;

use engage_commands::CommandService;
use engage_domain::reference::{BoroughCode, WardCode, borough, borough_by_name};
use engage_domain::reference_data::ward::{self, WardReference, is_ward_code};
use engage_domain::{DomainError, reference};
use engage_log::Actor;

use crate::report::{ImportReport, RejectedRow};
use crate::table::{Column, Table, width_problem};
use crate::{ImportError, domain_refusal, no_lookups, ward_key};

const FILE: &str = "ward list (ward code, name and borough columns)";

const CODE: Column = Column {
    label: "ward code",
    names: &[
        "new code",
        "ward code",
        "gss code",
        "ward gss code",
        "wd11cd",
        "wd12cd",
        "wd13cd",
        "wd14cd",
        "wd15cd",
        "wd16cd",
        "wd17cd",
        "wd18cd",
        "wd19cd",
        "wd20cd",
        "wd21cd",
        "wd22cd",
        "wd23cd",
        "wd24cd",
        "wd25cd",
    ],
};

const NAME: Column = Column {
    label: "ward name",
    names: &[
        "names",
        "name",
        "ward name",
        "ward",
        "wd11nm",
        "wd12nm",
        "wd13nm",
        "wd14nm",
        "wd15nm",
        "wd16nm",
        "wd17nm",
        "wd18nm",
        "wd19nm",
        "wd20nm",
        "wd21nm",
        "wd22nm",
        "wd23nm",
        "wd24nm",
        "wd25nm",
    ],
};

const BOROUGH_NAME: Column = Column {
    label: "borough",
    names: &[
        "borough",
        "borough name",
        "local authority",
        "local authority name",
        "la name",
        "lad11nm",
        "lad12nm",
        "lad13nm",
        "lad14nm",
        "lad15nm",
        "lad16nm",
        "lad17nm",
        "lad18nm",
        "lad19nm",
        "lad20nm",
        "lad21nm",
        "lad22nm",
        "lad23nm",
        "lad24nm",
        "lad25nm",
    ],
};

const BOROUGH_CODE: Column = Column {
    label: "borough code",
    names: &[
        "borough code",
        "borough gss code",
        "local authority code",
        "la code",
        "lad11cd",
        "lad12cd",
        "lad13cd",
        "lad14cd",
        "lad15cd",
        "lad16cd",
        "lad17cd",
        "lad18cd",
        "lad19cd",
        "lad20cd",
        "lad21cd",
        "lad22cd",
        "lad23cd",
        "lad24cd",
        "lad25cd",
    ],
};

const LEGACY_CODE: Column = Column {
    label: "legacy ward code",
    names: &["codes", "old code", "legacy code", "ons code"],
};

/// Read a ward list and register every ward in it.
///
/// The file needs a ward GSS code column (`New_Code`, `Ward code`, `WD13CD`, ...), a name
/// column (`Names`, `Ward name`, ...) and a borough column, by name (`Borough`) or GSS code
/// (`Borough code`, `LAD13CD`); a pre-2011 code column (`Codes`) is kept as the legacy code.
/// `source_name` is recorded as where each ward came from (e.g. `GLA ward atlas 2013`).
/// Rows that are not wards (the City of London's borough row, London and England totals),
/// codes that are not `E05` GSS codes, boroughs outside London and wards listed twice are
/// rejected with their line; every other ward is registered. A ward already registered with
/// the same name and borough (an earlier import of this or another list) counts as already
/// recorded; one registered differently is rejected, since changing a ward is a boundary
/// review (retire and register), not an import. `progress` is called with the rows read.
pub async fn import_wards(
    service: &CommandService,
    reader: impl Read,
    actor: &Actor,
    source_name: &str,
    mut progress: impl FnMut(u64),
) -> Result<ImportReport, ImportError> {
    let source_name = source_name.trim();
    if source_name.is_empty() {
        return Err(ImportError::InvalidArgument(
            "the source of the ward list must be named (e.g. `GLA ward atlas 2013`)".into(),
        ));
    }
    let mut table = Table::open(reader)?;
    let [code_col, name_col] = table.require(FILE, [&CODE, &NAME])?;
    let borough_name_col = table.find(&BOROUGH_NAME);
    let borough_code_col = table.find(&BOROUGH_CODE);
    if borough_name_col.is_none() && borough_code_col.is_none() {
        return Err(table.missing(
            FILE,
            vec![
                "\"borough\" (any of \"borough\", \"borough name\", \"local authority\", \
                 \"ladNNnm\"; or a borough code column: \"borough code\", \"ladNNcd\")"
                    .into(),
            ],
        ));
    }
    let legacy_col = table.find(&LEGACY_CODE);
    let headers = table.headers().to_vec();
    let header = |i: usize| headers.get(i).cloned().unwrap_or_default();
    let width = headers.len();

    let mut report = ImportReport::new("wards");
    let mut first_seen: HashMap<String, u64> = HashMap::new();
    while let Some(row) = table.next_row()? {
        if row.is_blank() {
            continue;
        }
        report.records_read += 1;
        progress(report.records_read);
        let line = row.line;
        if let Some(reason) = width_problem(&row, width) {
            report.reject(RejectedRow::new(line, "row", &row.fields.join(","), reason));
            continue;
        }
        let code = row.get(code_col).to_uppercase();
        if let Err(reason) = check_ward_code(&code) {
            report.reject(RejectedRow::new(
                line,
                header(code_col),
                row.get(code_col),
                reason,
            ));
            continue;
        }
        let name = row.get(name_col);
        if name.is_empty() {
            report.reject(RejectedRow::new(
                line,
                header(name_col),
                name,
                "the ward has no name",
            ));
            continue;
        }
        let resolved = resolve_borough(
            borough_code_col.map(|i| (header(i), row.get(i))),
            borough_name_col.map(|i| (header(i), row.get(i))),
        );
        let borough = match resolved {
            Ok(b) => b,
            Err((field, value, reason)) => {
                report.reject(RejectedRow::new(line, field, &value, reason));
                continue;
            }
        };
        if let Some(first) = first_seen.get(&code) {
            report.reject(RejectedRow::new(
                line,
                header(code_col),
                &code,
                format!("the ward is listed twice (first at line {first})"),
            ));
            continue;
        }
        first_seen.insert(code.clone(), line);
        let legacy_code = legacy_col
            .map(|i| row.get(i))
            .filter(|c| !c.is_empty())
            .map(str::to_owned);

        let ward = WardCode::new(code.clone());
        let stream = ward::stream_id(&ward);
        let command = ward::Command::Register(ward::RegisterWard {
            ward: ward.clone(),
            name: name.to_owned(),
            borough: borough.clone(),
            legacy_code,
            source: source_name.to_owned(),
        });
        let options = engage_commands::ExecuteOptions::default()
            .idempotency_key(ward_key(&code))
            .reason(format!("imported from {source_name}"));
        let outcome = service
            .execute::<WardReference>(&stream, command, actor, no_lookups(), options)
            .await;
        let already = match outcome {
            Ok(done) if !done.already_recorded => {
                report.events_recorded += done.events.len() as u64;
                report.accepted += 1;
                continue;
            }
            Ok(done) => done.events.len() as u64,
            Err(e) => match domain_refusal(&e) {
                Some(DomainError::AlreadyExists { .. }) => 0,
                Some(refusal) => {
                    report.reject(RejectedRow::new(
                        line,
                        header(code_col),
                        &code,
                        refusal.to_string(),
                    ));
                    continue;
                }
                None => {
                    return Err(ImportError::Command {
                        what: format!("ward {code} (line {line})"),
                        source: e,
                    });
                }
            },
        };
        // Registered before: the same ward, or a different registration under its code?
        let existing = service
            .load::<WardReference>(&stream)
            .await
            .map_err(|source| ImportError::Command {
                what: format!("ward {code} (line {line})"),
                source,
            })?
            .state;
        let same_name = existing.name.as_deref().map(str::trim) == Some(name);
        let same_borough = existing.borough.as_ref() == Some(&borough);
        if same_name && same_borough {
            report.already_recorded += already.max(1);
            report.accepted += 1;
        } else {
            report.reject(RejectedRow::new(
                line,
                header(code_col),
                &code,
                format!(
                    "ward {code} is already registered as {:?} in borough {}; changing a \
                     ward is a boundary review (retire it and register its successor), not \
                     an import",
                    existing.name.unwrap_or_default(),
                    existing.borough.map(|b| b.to_string()).unwrap_or_default()
                ),
            ));
        }
    }
    Ok(report)
}

/// Why `code` is not a ward's GSS code, in words that say what the row is instead (without
/// the code itself, so that the report can count rows by reason).
fn check_ward_code(code: &str) -> Result<(), String> {
    if is_ward_code(code) {
        return Ok(());
    }
    if code.is_empty() {
        return Err("the row has no ward code".into());
    }
    if reference::borough(code).is_some() {
        return Err("a London borough's GSS code (E09), not a ward's: a borough-level row".into());
    }
    Err(match code.get(..3) {
        Some("E09") => "the GSS code of a borough outside London (E09), not of a ward",
        Some("E12") => "the GSS code of a region (E12): a total row, not a ward",
        Some("E92") => "the GSS code of England (E92): a total row, not a ward",
        Some("K04") => "the GSS code of England and Wales (K04): a total row, not a ward",
        Some("W05") => "a Welsh ward's GSS code (W05), not a London ward",
        _ => "not a GSS ward code (E05 and six digits)",
    }
    .into())
}

/// The borough of a row from its borough code and/or name column; both must agree when both
/// are given. On failure: the column, the value and why.
pub(crate) fn resolve_borough(
    code: Option<(String, &str)>,
    name: Option<(String, &str)>,
) -> Result<BoroughCode, (String, String, String)> {
    let by_code = match code {
        Some((field, value)) if !value.is_empty() => match borough(&value.to_uppercase()) {
            Some(b) => Some((field, value, b)),
            None => {
                return Err((
                    field,
                    value.to_owned(),
                    "not the GSS code of a London borough (E09000001..E09000033)".into(),
                ));
            }
        },
        _ => None,
    };
    let by_name = match name {
        Some((field, value)) if !value.is_empty() => match borough_by_name(value) {
            Some(b) => Some((field, value, b)),
            None => {
                return Err((
                    field,
                    value.to_owned(),
                    "not the name of a London borough".into(),
                ));
            }
        },
        Some((field, value)) if by_code.is_none() => {
            return Err((field, value.to_owned(), "the row names no borough".into()));
        }
        _ => None,
    };
    match (by_code, by_name) {
        (Some((_, _, c)), Some((field, value, n))) if c.code != n.code => Err((
            field,
            value.to_owned(),
            format!("the borough code column says {} ({})", c.code, c.name),
        )),
        (Some((_, _, b)), _) | (None, Some((_, _, b))) => Ok(BoroughCode::new(b.code)),
        (None, None) => Err((
            "borough".into(),
            String::new(),
            "the row names no borough".into(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ward_codes_and_what_else_a_row_may_be() {
        assert!(check_ward_code("E05000026").is_ok());
        let city = check_ward_code("E09000001").expect_err("borough");
        assert!(city.contains("borough-level row"), "{city}");
        assert!(
            check_ward_code("E12000007")
                .expect_err("region")
                .contains("total row")
        );
        assert!(
            check_ward_code("00ABFX")
                .expect_err("legacy")
                .contains("not a GSS ward code")
        );
        assert!(check_ward_code("").is_err());
    }

    #[test]
    fn borough_by_code_or_name_must_agree() {
        let c = |v: &'static str| Some(("Borough code".to_owned(), v));
        let n = |v: &'static str| Some(("Borough".to_owned(), v));
        assert_eq!(
            resolve_borough(None, n("Camden")),
            Ok(BoroughCode::new("E09000007"))
        );
        assert_eq!(
            resolve_borough(c("E09000007"), None),
            Ok(BoroughCode::new("E09000007"))
        );
        assert!(resolve_borough(c("E09000007"), n("Hackney")).is_err());
        assert!(resolve_borough(None, n("Gotham")).is_err());
        assert!(resolve_borough(None, n("")).is_err());
        assert!(resolve_borough(c("E09000099"), n("Camden")).is_err());
    }
}
