//! # engage-import: the public files analysts already have, recorded through the command path
//!
//! Four importers, one per kind of file, each reading a CSV row by row:
//!
//! - [`import_wards`]: a ward list such as the GLA ward atlas (ward GSS code, name, borough):
//!   one `WardRegistered` per ward. [`read_ward_list`] reads such a list with the same checks
//!   without recording anything (`engage seed --wards FILE` uses it).
//! - [`import_custody_suites`]: a custody suite list (suite id, name, borough, cells):
//!   one `CustodySuiteRegistered` per suite.
//! - [`import_stop_and_search`]: a data.police.uk stop-and-search CSV: every row is checked
//!   (type, date, age range, ethnicity, outcome, location) and the accepted rows are counted
//!   into one `StopSearchRecordsImported` batch per calendar month (London time), with counts
//!   by officer-defined ethnicity and by outcome.
//! - [`import_confidence`]: a MOPAC Public Attitude Survey neighbourhood CSV: one
//!   `ConfidenceSurveyResultRecorded` per neighbourhood and survey measure.
//!
//! Every event goes through [`engage_commands::CommandService`], so the domain's decisions
//! check it like any other command. A bad row never stops the import: it is listed in the
//! [`ImportReport`] with its line number, the offending column and value, and why it was
//! refused, and every good row is still recorded. Only whole-file problems (unreadable, no
//! header, a required column missing) are an [`ImportError`].
//!
//! **Re-importing is safe.** Every command carries an idempotency key derived (UUIDv5) from
//! what it records — the ward code; the suite id; the source, borough and month of a stop-and-search
//! batch; the source, period, neighbourhood and measure of a survey result — so importing the
//! same file again records nothing new and the report counts it as already recorded.
//!
//! The importers need no reference data beyond the 33 boroughs built into the domain. For
//! the commands that do (ward panels, custody visits, ward crime figures),
//! [`reference_from_log`] rebuilds the wards and custody suites from the log.

mod confidence;
mod custody_suites;
mod report;
mod stop_search;
mod table;
mod wards;

use engage_commands::CommandError;
use engage_domain::Lookups;
use engage_domain::catalogue::{DecodeError, decode_recorded};
use engage_domain::reference::InMemoryReference;
use engage_domain::reference_data::{self, custody_suite, ward};
use engage_log::{EventStore, StoreError};
use uuid::Uuid;

pub use confidence::{MPS_BOROUGH_CODES, import_confidence, mps_borough_code};
pub use custody_suites::{custody_suite_key, import_custody_suites};
pub use report::{DISPLAYED_REJECTIONS, ImportReport, RejectedRow};
pub use stop_search::{
    AGE_RANGES, OFFICER_DEFINED_ETHNICITIES, OUTCOMES, SEARCH_TYPES, import_stop_and_search,
    london_date,
};
pub use wards::{ListedWard, WardList, import_wards, read_ward_list};

/// The UUIDv5 namespace of every idempotency key and batch id the importers derive.
pub const KEY_NAMESPACE: Uuid = Uuid::from_u128(0x5c1f_3a52_8d0e_4b7a_9e61_0d3c_2b7f_a4e9);

/// The idempotency key of the command registering ward `code` (`ward/<code>`).
pub fn ward_key(code: &str) -> Uuid {
    derived(&format!("ward/{code}"))
}

/// A UUIDv5 in [`KEY_NAMESPACE`].
pub(crate) fn derived(name: &str) -> Uuid {
    Uuid::new_v5(&KEY_NAMESPACE, name.as_bytes())
}

/// Why a whole file could not be imported. Problems with single rows are not errors: they
/// are listed in [`ImportReport::rejected`] and the other rows are imported.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file could not be read (I/O error).
    #[error("the file cannot be read: {0}")]
    Read(#[source] csv::Error),

    /// The file has no header row.
    #[error("the file is empty: there is no header row")]
    Empty,

    /// The header lacks columns the import needs.
    #[error(
        "this is not a {file}: the header has no {} column{}; it has {}",
        missing.join(", "),
        if missing.len() == 1 { "" } else { "s" },
        report::list_columns(found)
    )]
    MissingColumns {
        /// What kind of file was expected, e.g. `data.police.uk stop-and-search CSV`.
        file: &'static str,
        /// Each missing column, with the names accepted for it.
        missing: Vec<String>,
        /// The columns the header does have.
        found: Vec<String>,
    },

    /// An argument of the import is not usable (unknown borough, blank source name).
    #[error("{0}")]
    InvalidArgument(String),

    /// Recording failed for a reason that is not about one row (the store failed, the
    /// history could not be read, a batch was refused).
    #[error("recording {what} failed: {source}")]
    Command {
        what: String,
        #[source]
        source: CommandError,
    },

    /// Reading the log failed (rebuilding reference data).
    #[error(transparent)]
    Store(#[from] StoreError),

    /// An event in the log could not be decoded (rebuilding reference data).
    #[error("the event at position {position} cannot be read: {source}")]
    Decode {
        position: u64,
        #[source]
        source: DecodeError,
    },
}

/// How many events one page of [`reference_from_log`] reads.
const REFERENCE_PAGE: usize = 10_000;

/// The reference data recorded in the log — wards (`WardRegistered` less `WardRetired`) and
/// custody suites (registered less closed) — as [`Lookups`] for commands that check a ward or
/// a suite. Reads the whole log but decodes only the reference events.
pub async fn reference_from_log(store: &dyn EventStore) -> Result<InMemoryReference, ImportError> {
    let reference_types: Vec<&str> = ward::Event::CATALOGUE
        .iter()
        .chain(custody_suite::Event::CATALOGUE)
        .map(|entry| entry.event_type)
        .collect();
    let mut reference = InMemoryReference::new();
    let mut from = 1;
    loop {
        let page = store.read_all(from, REFERENCE_PAGE).await?;
        for recorded in &page {
            from = recorded.position + 1;
            if !reference_types.contains(&recorded.event_type.as_str()) {
                continue;
            }
            let event = decode_recorded(recorded).map_err(|source| ImportError::Decode {
                position: recorded.position,
                source,
            })?;
            reference_data::apply_to(&mut reference, &event);
        }
        if page.len() < REFERENCE_PAGE {
            return Ok(reference);
        }
    }
}

/// Lookups for the importers' own commands, which consult none (boroughs are built in).
pub(crate) fn no_lookups() -> &'static (dyn Lookups + Sync) {
    static EMPTY: std::sync::OnceLock<InMemoryReference> = std::sync::OnceLock::new();
    EMPTY.get_or_init(InMemoryReference::new)
}

/// Whether `e` is a refusal by the domain (a row problem), as opposed to a failure.
pub(crate) fn domain_refusal(e: &CommandError) -> Option<&engage_domain::DomainError> {
    match e {
        CommandError::Domain(d) => Some(d),
        _ => None,
    }
}
