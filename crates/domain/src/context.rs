//! [`DecisionContext`]: what a decision may consult besides the aggregate's own state —
//! the current time and reference-data lookups — and the shared validation helpers every
//! aggregate uses (required text, positive amounts, ordered times, ward in borough).

use std::fmt::Display;

use crate::Timestamp;
use crate::error::DomainError;
use crate::reference::{BoroughCode, Lookups, Ward, WardCode, borough};

/// The world outside the aggregate, as a decision sees it. Decisions are pure: everything
/// they need comes from the state, the command and this context.
#[derive(Clone, Copy)]
pub struct DecisionContext<'a> {
    /// When the command is being decided (events may not claim to happen after this).
    pub now: Timestamp,
    pub lookups: &'a dyn Lookups,
}

impl<'a> DecisionContext<'a> {
    pub fn new(now: Timestamp, lookups: &'a dyn Lookups) -> Self {
        Self { now, lookups }
    }

    /// `code` must be one of the 33 London GSS codes.
    pub fn borough(&self, code: &BoroughCode) -> Result<(), DomainError> {
        borough(code.as_str())
            .map(|_| ())
            .ok_or_else(|| DomainError::UnknownBorough(code.to_string()))
    }

    /// `ward` must be known and lie in `in_borough`.
    pub fn ward_in_borough(
        &self,
        ward: &WardCode,
        in_borough: &BoroughCode,
    ) -> Result<Ward, DomainError> {
        let found = self
            .lookups
            .ward(ward)
            .ok_or_else(|| DomainError::UnknownWard(ward.to_string()))?;
        if &found.borough != in_borough {
            return Err(DomainError::WardNotInBorough {
                ward: ward.to_string(),
                expected: in_borough.to_string(),
                actual: found.borough.to_string(),
            });
        }
        Ok(found)
    }

    /// The calendar day `day` must not be after today.
    pub fn not_future_day(
        &self,
        field: &'static str,
        day: chrono::NaiveDate,
    ) -> Result<(), DomainError> {
        if day > self.now.date_naive() {
            return Err(DomainError::InFuture {
                field,
                at: day.and_time(chrono::NaiveTime::MIN).and_utc(),
                now: self.now,
            });
        }
        Ok(())
    }

    /// `at` must not be after now.
    pub fn not_future(&self, field: &'static str, at: Timestamp) -> Result<(), DomainError> {
        if at > self.now {
            return Err(DomainError::InFuture {
                field,
                at,
                now: self.now,
            });
        }
        Ok(())
    }
}

/// Text that must not be blank.
pub fn required(field: &'static str, text: &str) -> Result<(), DomainError> {
    if text.trim().is_empty() {
        return Err(DomainError::Required { field });
    }
    Ok(())
}

/// A list that must not be empty.
pub fn non_empty<T>(field: &'static str, items: &[T]) -> Result<(), DomainError> {
    if items.is_empty() {
        return Err(DomainError::Required { field });
    }
    Ok(())
}

/// An amount (pence, counts) that must be greater than zero.
pub fn positive(field: &'static str, value: i64) -> Result<(), DomainError> {
    if value <= 0 {
        return Err(DomainError::NotPositive { field, value });
    }
    Ok(())
}

/// `end` must not be before `start`.
pub fn ordered<T: PartialOrd + Display>(
    start_field: &'static str,
    start: &T,
    end_field: &'static str,
    end: &T,
) -> Result<(), DomainError> {
    if end < start {
        return Err(DomainError::EndBeforeStart {
            start_field,
            start: start.to_string(),
            end_field,
            end: end.to_string(),
        });
    }
    Ok(())
}

/// `end` must be strictly after `start` (a span of time that cannot be empty): before is
/// [`DomainError::EndBeforeStart`], equal is [`DomainError::Invalid`] on `end_field`.
pub fn after<T: PartialOrd + Display>(
    start_field: &'static str,
    start: &T,
    end_field: &'static str,
    end: &T,
) -> Result<(), DomainError> {
    ordered(start_field, start, end_field, end)?;
    if end == start {
        return Err(DomainError::invalid(
            end_field,
            format!("must be after {start_field} ({start})"),
        ));
    }
    Ok(())
}

/// Whole days from `from` to `to` (negative never happens once [`ordered`] has passed).
pub fn days_between(from: Timestamp, to: Timestamp) -> i64 {
    (to - from).num_days()
}
