//! Value types shared by several aggregates: evidence references behind decisions and the
//! roles people hold, reporting periods, and spells of membership.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// What a piece of evidence is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
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
#[cfg_attr(
    feature = "graphql",
    derive(async_graphql::InputObject),
    graphql(name = "EvidenceRefInput")
)]
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
#[cfg_attr(
    feature = "graphql",
    derive(async_graphql::InputObject),
    graphql(name = "PeriodInput")
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

/// The spells of one member (a group, an agency) in a body it can join, leave and rejoin:
/// each spell is the day it joined and, once it has, the day it left.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Membership {
    spells: Vec<(chrono::NaiveDate, Option<chrono::NaiveDate>)>,
}

impl Membership {
    /// Start a spell (the decision has checked it is not a member now).
    pub fn join(&mut self, on: chrono::NaiveDate) {
        self.spells.push((on, None));
    }

    /// End the current spell, if there is one.
    pub fn leave(&mut self, on: chrono::NaiveDate) {
        if let Some((_, left @ None)) = self.spells.last_mut() {
            *left = Some(on);
        }
    }

    /// Whether the member is a member now (its latest spell has not ended).
    pub fn is_current(&self) -> bool {
        self.spells.last().is_some_and(|(_, left)| left.is_none())
    }

    /// The day the current spell began, if it is a member now.
    pub fn joined_on(&self) -> Option<chrono::NaiveDate> {
        self.spells
            .last()
            .filter(|(_, left)| left.is_none())
            .map(|(joined, _)| *joined)
    }

    /// The day it last left, if it has left at least once.
    pub fn last_left_on(&self) -> Option<chrono::NaiveDate> {
        self.spells.iter().rev().find_map(|(_, left)| *left)
    }

    /// Whether it was a member on `day` (joined on or before it, and had not left before it).
    pub fn was_member_on(&self, day: chrono::NaiveDate) -> bool {
        self.spells
            .iter()
            .any(|(joined, left)| *joined <= day && left.is_none_or(|l| day <= l))
    }
}

/// Check that every id in `ids` (listed once each) names a member that was a member on
/// `day`: an id `member` does not know is [`crate::DomainError::Unknown`] of `kind`; one that
/// was not a member that day, or is listed twice, is [`crate::DomainError::Invalid`] on
/// `field`.
pub fn all_members_on<'m>(
    kind: &'static str,
    field: &'static str,
    ids: &[uuid::Uuid],
    day: chrono::NaiveDate,
    member: impl Fn(&uuid::Uuid) -> Option<&'m Membership>,
) -> Result<(), crate::DomainError> {
    let mut seen = std::collections::BTreeSet::new();
    for id in ids {
        if !seen.insert(id) {
            return Err(crate::DomainError::invalid(
                field,
                format!("{kind} {id} is listed twice"),
            ));
        }
        let m = member(id).ok_or_else(|| crate::DomainError::unknown(kind, id))?;
        if !m.was_member_on(day) {
            return Err(crate::DomainError::invalid(
                field,
                format!("{kind} {id} was not a member on {day}"),
            ));
        }
    }
    Ok(())
}

/// Check that no item of a list of text is blank.
pub fn each_required(field: &'static str, items: &[String]) -> Result<(), crate::DomainError> {
    for item in items {
        crate::context::required(field, item)?;
    }
    Ok(())
}
