//! `engage import custody-suites FILE`: a list of custody suites (suite id, name, borough,
//! optionally cells) as `CustodySuiteRegistered` events, one per suite, each under the
//! idempotency key of its id.

use std::collections::HashMap;
use std::io::Read;

use engage_commands::CommandService;
use engage_domain::DomainError;
use engage_domain::reference::BoroughCode;
use engage_domain::reference_data::custody_suite::{self, CustodySuiteReference, is_suite_id};
use engage_log::Actor;

use crate::report::{ImportReport, RejectedRow};
use crate::table::{Column, Table, width_problem};
use crate::wards::resolve_borough;
use crate::{ImportError, derived, domain_refusal, no_lookups};

const FILE: &str = "custody suite list (suite id, name and borough columns)";

const ID: Column = Column {
    label: "suite id",
    names: &["suite", "suite id", "id", "suite code", "code"],
};

const NAME: Column = Column {
    label: "suite name",
    names: &["name", "suite name", "custody suite", "station"],
};

const BOROUGH_NAME: Column = Column {
    label: "borough",
    names: &["borough", "borough name", "local authority"],
};

const BOROUGH_CODE: Column = Column {
    label: "borough code",
    names: &["borough code", "borough gss code", "local authority code"],
};

const CELLS: Column = Column {
    label: "cells",
    names: &["cells", "number of cells"],
};

/// The idempotency key of the command registering custody suite `id` (`custody-suite/<id>`).
pub fn custody_suite_key(id: &str) -> uuid::Uuid {
    derived(&format!("custody-suite/{id}"))
}

/// Read a custody suite list and register every suite in it.
///
/// The file needs a suite id column (`Suite`, `Suite id`, `Id`: upper-case letters, digits
/// and `-`, e.g. `KENTISH-TOWN`), a name column (`Name`, `Suite name`) and a borough column by
/// name (`Borough`) or GSS code (`Borough code`); a `Cells` column is optional. Rows with a
/// bad id, no name, a borough outside London, a cell count that is not a positive whole
/// number, or an id listed twice are rejected with their line; every other suite is
/// registered. A suite already registered in the same borough counts as already recorded; one registered differently is rejected (a suite that moved is closed and a new
/// one registered). `progress` is called with the rows read.
pub async fn import_custody_suites(
    service: &CommandService,
    reader: impl Read,
    actor: &Actor,
    source_name: &str,
    mut progress: impl FnMut(u64),
) -> Result<ImportReport, ImportError> {
    let mut table = Table::open(reader)?;
    let [id_col, name_col] = table.require(FILE, [&ID, &NAME])?;
    let borough_name_col = table.find(&BOROUGH_NAME);
    let borough_code_col = table.find(&BOROUGH_CODE);
    if borough_name_col.is_none() && borough_code_col.is_none() {
        return Err(table.missing(
            FILE,
            vec![
                "\"borough\" (any of \"borough\", \"borough name\", \"local authority\"; or a \
                 borough code column: \"borough code\", \"borough gss code\")"
                    .into(),
            ],
        ));
    }
    let cells_col = table.find(&CELLS);
    let headers = table.headers().to_vec();
    let header = |i: usize| headers.get(i).cloned().unwrap_or_default();
    let width = headers.len();

    let mut report = ImportReport::new("custody suites");
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
        let id = row.get(id_col).to_owned();
        if !is_suite_id(&id) {
            let reason = if id.is_empty() {
                "the row has no suite id".to_owned()
            } else {
                "not a suite id: upper-case letters, digits and '-', up to 32 (e.g. \
                 KENTISH-TOWN)"
                    .to_owned()
            };
            report.reject(RejectedRow::new(line, header(id_col), &id, reason));
            continue;
        }
        let name = row.get(name_col);
        if name.is_empty() {
            report.reject(RejectedRow::new(
                line,
                header(name_col),
                name,
                "the suite has no name",
            ));
            continue;
        }
        let borough: BoroughCode = match resolve_borough(
            borough_code_col.map(|i| (header(i), row.get(i))),
            borough_name_col.map(|i| (header(i), row.get(i))),
        ) {
            Ok(b) => b,
            Err((field, value, reason)) => {
                report.reject(RejectedRow::new(line, field, &value, reason));
                continue;
            }
        };
        let cells = match cells_col.map(|i| (i, row.get(i))) {
            None | Some((_, "")) => None,
            Some((i, text)) => match text.parse::<u32>() {
                Ok(n) if n > 0 => Some(n),
                _ => {
                    report.reject(RejectedRow::new(
                        line,
                        header(i),
                        text,
                        "not a number of cells (a whole number above 0, or blank if unknown)",
                    ));
                    continue;
                }
            },
        };
        if let Some(first) = first_seen.get(&id) {
            report.reject(RejectedRow::new(
                line,
                header(id_col),
                &id,
                format!("the suite is listed twice (first at line {first})"),
            ));
            continue;
        }
        first_seen.insert(id.clone(), line);

        let stream = custody_suite::stream_id(&id);
        let command = custody_suite::Command::Register(custody_suite::RegisterCustodySuite {
            suite: id.clone(),
            name: name.to_owned(),
            borough: borough.clone(),
            cells,
        });
        let options = engage_commands::ExecuteOptions::default()
            .idempotency_key(custody_suite_key(&id))
            .reason(format!("imported from {source_name}"));
        let outcome = service
            .execute::<CustodySuiteReference>(&stream, command, actor, no_lookups(), options)
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
                        header(id_col),
                        &id,
                        refusal.to_string(),
                    ));
                    continue;
                }
                None => {
                    return Err(ImportError::Command {
                        what: format!("custody suite {id} (line {line})"),
                        source: e,
                    });
                }
            },
        };
        // Registered before: the same suite, or a different one under its id?
        let existing = service
            .load::<CustodySuiteReference>(&stream)
            .await
            .map_err(|source| ImportError::Command {
                what: format!("custody suite {id} (line {line})"),
                source,
            })?
            .state;
        if existing.borough.as_ref() == Some(&borough) {
            report.already_recorded += already.max(1);
            report.accepted += 1;
        } else {
            report.reject(RejectedRow::new(
                line,
                header(id_col),
                &id,
                format!(
                    "custody suite {id} is already registered in borough {}; a suite that \
                     moved is closed and registered again under a new id, not re-imported",
                    existing.borough.map(|b| b.to_string()).unwrap_or_default()
                ),
            ));
        }
    }
    Ok(report)
}
