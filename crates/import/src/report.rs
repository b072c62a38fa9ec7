//! What an import did: rows read, accepted and rejected (each with its line, column, value
//! and reason), events recorded and found already recorded.

use std::collections::BTreeMap;
use std::fmt;

/// How many rejected rows `Display` lists (the alternate form `{:#}` lists them all).
pub const DISPLAYED_REJECTIONS: usize = 20;

/// Longest value kept in a [`RejectedRow`] (longer ones are cut, with `…`).
const MAX_VALUE_CHARS: usize = 80;

/// One row that was not imported, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectedRow {
    /// The line of the file the row starts on (the header is line 1).
    pub line: u64,
    /// The column at fault, as the file's header names it (or a description of the row).
    pub field: String,
    /// The offending value as it appears in the file (cut to 80 characters).
    pub value: String,
    /// Why it was refused.
    pub reason: String,
}

impl RejectedRow {
    pub(crate) fn new(
        line: u64,
        field: impl Into<String>,
        value: &str,
        reason: impl Into<String>,
    ) -> Self {
        let value = if value.chars().count() > MAX_VALUE_CHARS {
            let mut cut: String = value.chars().take(MAX_VALUE_CHARS).collect();
            cut.push('…');
            cut
        } else {
            value.to_owned()
        };
        Self {
            line,
            field: field.into(),
            value,
            reason: reason.into(),
        }
    }
}

impl fmt::Display for RejectedRow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "line {}: {} {:?}: {}",
            self.line, self.field, self.value, self.reason
        )
    }
}

/// What an import read, recorded and refused.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// What the records are, e.g. `wards`.
    pub what: &'static str,
    /// Data rows read (blank rows and a units row under the header are not records).
    pub records_read: u64,
    /// Rows that passed every check and are in the store (recorded now or earlier).
    pub accepted: u64,
    /// Every row that was not imported, in file order.
    pub rejected: Vec<RejectedRow>,
    /// New events this import recorded.
    pub events_recorded: u64,
    /// Events an earlier import of the same data had already recorded (nothing new written).
    pub already_recorded: u64,
    /// Things worth knowing that are not rejections (ignored columns, skipped rows, ...).
    pub notes: Vec<String>,
}

impl ImportReport {
    pub(crate) fn new(what: &'static str) -> Self {
        Self {
            what,
            ..Self::default()
        }
    }

    pub(crate) fn reject(&mut self, row: RejectedRow) {
        self.rejected.push(row);
    }

    /// Rows rejected.
    pub fn rejected_count(&self) -> u64 {
        self.rejected.len() as u64
    }

    /// How many rows were rejected for each column and reason, most frequent first.
    pub fn reasons(&self) -> Vec<(String, String, u64)> {
        let mut counts: BTreeMap<(&str, &str), u64> = BTreeMap::new();
        for r in &self.rejected {
            *counts.entry((&r.field, &r.reason)).or_default() += 1;
        }
        let mut out: Vec<_> = counts
            .into_iter()
            .map(|((field, reason), n)| (field.to_owned(), reason.to_owned(), n))
            .collect();
        out.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| (&a.0, &a.1).cmp(&(&b.0, &b.1))));
        out
    }
}

impl fmt::Display for ImportReport {
    /// A summary, the rejection reasons with their counts, the notes, then the first
    /// [`DISPLAYED_REJECTIONS`] rejected rows (`{:#}`: all of them).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{}: {} read, {} accepted, {} rejected; {} events recorded, {} already recorded",
            self.what,
            self.records_read,
            self.accepted,
            self.rejected.len(),
            self.events_recorded,
            self.already_recorded
        )?;
        for note in &self.notes {
            writeln!(f, "note: {note}")?;
        }
        if self.rejected.is_empty() {
            return Ok(());
        }
        writeln!(f, "rejected rows by reason:")?;
        for (field, reason, n) in self.reasons() {
            writeln!(f, "  {n:>6}  {field}: {reason}")?;
        }
        let shown = if f.alternate() {
            self.rejected.len()
        } else {
            self.rejected.len().min(DISPLAYED_REJECTIONS)
        };
        if shown == self.rejected.len() {
            writeln!(f, "rejected rows:")?;
        } else {
            writeln!(f, "first {shown} of {} rejected rows:", self.rejected.len())?;
        }
        for r in &self.rejected[..shown] {
            writeln!(f, "  {r}")?;
        }
        Ok(())
    }
}

/// A header's columns for a message: all of them up to 12, else the first 12 and a count.
pub(crate) fn list_columns(columns: &[String]) -> String {
    const SHOWN: usize = 12;
    if columns.is_empty() {
        return "no columns".to_owned();
    }
    let quoted: Vec<String> = columns
        .iter()
        .take(SHOWN)
        .map(|c| format!("{c:?}"))
        .collect();
    if columns.len() > SHOWN {
        format!(
            "{} columns: {}, ... ({} more)",
            columns.len(),
            quoted.join(", "),
            columns.len() - SHOWN
        )
    } else {
        format!("the columns {}", quoted.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_summarises_and_lists_the_first_rejections() {
        let mut report = ImportReport::new("wards");
        report.records_read = 30;
        report.accepted = 5;
        for line in 2..27 {
            report.reject(RejectedRow::new(
                line,
                "New_Code",
                "x",
                "not a GSS ward code",
            ));
        }
        let text = report.to_string();
        assert!(
            text.starts_with("wards: 30 read, 5 accepted, 25 rejected;"),
            "{text}"
        );
        assert!(
            text.contains("    25  New_Code: not a GSS ward code"),
            "{text}"
        );
        assert!(text.contains("first 20 of 25 rejected rows:"), "{text}");
        assert!(text.contains("line 21: New_Code \"x\""), "{text}");
        assert!(!text.contains("line 22:"), "{text}");
        assert!(format!("{report:#}").contains("line 26:"));
    }

    #[test]
    fn long_values_are_cut() {
        let r = RejectedRow::new(2, "f", &"a".repeat(200), "too long");
        assert_eq!(r.value.chars().count(), 81);
        assert!(r.value.ends_with('…'));
    }
}
