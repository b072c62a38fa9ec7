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
use crate::table::{Column, Row, Table, width_problem};
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

/// One ward of a ward list, as [`read_ward_list`] reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedWard {
    /// The ward's GSS code (`E05` and six digits).
    pub code: WardCode,
    pub name: String,
    /// The GSS code of its London borough.
    pub borough: BoroughCode,
    /// The pre-2011 ONS code (e.g. `00AGGP`), where the list gives one.
    pub legacy_code: Option<String>,
}

/// A whole ward list read by [`read_ward_list`]: its wards, in file order, and the rows that
/// are not wards of a London borough (with their line and why).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WardList {
    pub wards: Vec<ListedWard>,
    pub rejected: Vec<RejectedRow>,
}

/// Read a ward list without recording anything: the same columns and checks as
/// [`import_wards`] (ward code, name, borough by name or code; rows that are not wards, codes
/// that are not `E05` GSS codes, boroughs outside London and wards listed twice are
/// rejected). Only whole-file problems (unreadable, no header, a column missing) are errors.
pub fn read_ward_list(reader: impl Read) -> Result<WardList, ImportError> {
    let mut rows = WardRows::open(reader)?;
    let mut list = WardList::default();
    while let Some((_, row)) = rows.next_ward()? {
        match row {
            Ok(ward) => list.wards.push(ward),
            Err(rejected) => list.rejected.push(rejected),
        }
    }
    Ok(list)
}

/// One row of a ward list: its line, and the ward or why it is not one.
type WardRow = (u64, Result<ListedWard, RejectedRow>);

/// A ward list being read row by row: its columns, and the codes seen so far.
struct WardRows<R: Read> {
    table: Table<R>,
    headers: Vec<String>,
    code_col: usize,
    name_col: usize,
    borough_name_col: Option<usize>,
    borough_code_col: Option<usize>,
    legacy_col: Option<usize>,
    first_seen: HashMap<String, u64>,
}

impl<R: Read> WardRows<R> {
    fn open(reader: R) -> Result<Self, ImportError> {
        let table = Table::open(reader)?;
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
        Ok(Self {
            table,
            headers,
            code_col,
            name_col,
            borough_name_col,
            borough_code_col,
            legacy_col,
            first_seen: HashMap::new(),
        })
    }

    /// The header of column `i`.
    fn header(&self, i: usize) -> String {
        self.headers.get(i).cloned().unwrap_or_default()
    }

    /// The header of the ward code column.
    fn code_header(&self) -> String {
        self.header(self.code_col)
    }

    /// The next non-blank row — its line, and the ward or the reason it is not one; `None`
    /// at the end of the file.
    fn next_ward(&mut self) -> Result<Option<WardRow>, ImportError> {
        loop {
            let Some(row) = self.table.next_row()? else {
                return Ok(None);
            };
            if row.is_blank() {
                continue;
            }
            return Ok(Some((row.line, self.ward(&row))));
        }
    }

    fn ward(&mut self, row: &Row) -> Result<ListedWard, RejectedRow> {
        let line = row.line;
        if let Some(reason) = width_problem(row, self.headers.len()) {
            return Err(RejectedRow::new(line, "row", &row.fields.join(","), reason));
        }
        let code = row.get(self.code_col).to_uppercase();
        if let Err(reason) = check_ward_code(&code) {
            return Err(RejectedRow::new(
                line,
                self.code_header(),
                row.get(self.code_col),
                reason,
            ));
        }
        let name = row.get(self.name_col);
        if name.is_empty() {
            return Err(RejectedRow::new(
                line,
                self.header(self.name_col),
                name,
                "the ward has no name",
            ));
        }
        let borough = resolve_borough(
            self.borough_code_col.map(|i| (self.header(i), row.get(i))),
            self.borough_name_col.map(|i| (self.header(i), row.get(i))),
        )
        .map_err(|(field, value, reason)| RejectedRow::new(line, field, &value, reason))?;
        if let Some(first) = self.first_seen.get(&code) {
            return Err(RejectedRow::new(
                line,
                self.code_header(),
                &code,
                format!("the ward is listed twice (first at line {first})"),
            ));
        }
        self.first_seen.insert(code.clone(), line);
        let legacy_code = self
            .legacy_col
            .map(|i| row.get(i))
            .filter(|c| !c.is_empty())
            .map(str::to_owned);
        Ok(ListedWard {
            code: WardCode::new(code),
            name: name.to_owned(),
            borough,
            legacy_code,
        })
    }
}

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
    let mut rows = WardRows::open(reader)?;
    let code_header = rows.code_header();

    let mut report = ImportReport::new("wards");
    while let Some((line, row)) = rows.next_ward()? {
        report.records_read += 1;
        progress(report.records_read);
        let listed = match row {
            Ok(listed) => listed,
            Err(rejected) => {
                report.reject(rejected);
                continue;
            }
        };
        let ListedWard {
            code: ward,
            name,
            borough,
            legacy_code,
        } = listed;
        let code = ward.as_str().to_owned();
        let name = name.as_str();
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
                        &code_header,
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
                &code_header,
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
