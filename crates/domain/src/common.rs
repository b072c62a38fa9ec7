//! Value types shared by several aggregates: evidence references behind decisions and the
//! roles people hold.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// What a piece of evidence is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum EvidenceKind {
    Minutes,
    Survey,
    CrimeData,
    ConsultationResponse,
    PoliceReport,
    Document,
}

/// A pointer to the evidence behind a decision (a document, a data extract, minutes): the
/// evidence itself lives outside the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct EvidenceRef {
    pub kind: EvidenceKind,
    /// A URL, document id or file reference.
    pub reference: String,
    pub description: Option<String>,
}

impl EvidenceRef {
    pub fn new(kind: EvidenceKind, reference: impl Into<String>) -> Self {
        Self {
            kind,
            reference: reference.into(),
            description: None,
        }
    }
}

/// Check that a decision links at least one piece of evidence, none blank.
pub fn evidence_given(evidence: &[EvidenceRef]) -> Result<(), crate::DomainError> {
    crate::context::non_empty("evidence", evidence)?;
    for e in evidence {
        crate::context::required("evidence.reference", &e.reference)?;
    }
    Ok(())
}

/// A reporting period of whole calendar days, both ends inclusive (a month, a quarter, a
/// financial year): `2018-07-01..=2018-07-31`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
pub struct Period {
    /// First day of the period.
    pub from: chrono::NaiveDate,
    /// Last day of the period (inclusive).
    pub to: chrono::NaiveDate,
}

impl Period {
    pub fn new(from: chrono::NaiveDate, to: chrono::NaiveDate) -> Self {
        Self { from, to }
    }

    /// The calendar month `year`-`month` (None for an invalid month).
    pub fn month(year: i32, month: u32) -> Option<Self> {
        let from = chrono::NaiveDate::from_ymd_opt(year, month, 1)?;
        let next = if month == 12 {
            chrono::NaiveDate::from_ymd_opt(year + 1, 1, 1)?
        } else {
            chrono::NaiveDate::from_ymd_opt(year, month + 1, 1)?
        };
        Some(Self {
            from,
            to: next.pred_opt()?,
        })
    }

    /// Check that the period does not end before it starts and has begun by now.
    pub fn validate(&self, ctx: &crate::DecisionContext<'_>) -> Result<(), crate::DomainError> {
        crate::context::ordered("period.from", &self.from, "period.to", &self.to)?;
        ctx.not_future_day("period.from", self.from)
    }

    /// Whether `day` falls inside the period.
    pub fn contains(&self, day: chrono::NaiveDate) -> bool {
        self.from <= day && day <= self.to
    }
}

impl std::fmt::Display for Period {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}..={}", self.from, self.to)
    }
}
