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
