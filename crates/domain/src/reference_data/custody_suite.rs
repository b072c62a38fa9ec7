//! Custody suites as reference data: registered with an id, name and borough, and closed
//! when the police stop using them (visits can then no longer be logged there).
//! Stream: `custody-suite-<suite id>`.

use chrono::NaiveDate;
use engage_log::StreamId;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::context::required;
use crate::reference::BoroughCode;
use crate::{DecisionContext, DomainError};

/// The stream of one custody suite.
pub fn stream_id(suite: &str) -> StreamId {
    StreamId::new(format!("custody-suite-{suite}"))
}

/// Whether `id` is a usable suite id: upper-case letters, digits and `-`, up to 32.
pub fn is_suite_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 32
        && id
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-')
}

/// A custody suite was registered as reference data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct CustodySuiteRegistered {
    /// The suite's id, e.g. `KENTISH-TOWN`.
    pub suite: String,
    pub name: String,
    pub borough: BoroughCode,
    /// Number of cells, if known.
    pub cells: Option<u32>,
}

/// A custody suite closed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct CustodySuiteClosed {
    pub suite: String,
    pub closed_on: NaiveDate,
    pub reason: Option<String>,
}

events! {
    pub enum Event {
        Registered(CustodySuiteRegistered) = "CustodySuiteRegistered" v 1: "A custody suite (id, name, borough) was registered as reference data.",
        Closed(CustodySuiteClosed) = "CustodySuiteClosed" v 1: "A custody suite closed.",
    }
}

/// Register a custody suite independent custody visitors can visit.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "graphql", derive(async_graphql::InputObject))]
pub struct RegisterCustodySuite {
    pub suite: String,
    pub name: String,
    pub borough: BoroughCode,
    pub cells: Option<u32>,
}

/// Record that a custody suite closed.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "graphql", derive(async_graphql::InputObject))]
pub struct CloseCustodySuite {
    pub closed_on: NaiveDate,
    pub reason: Option<String>,
}

commands! {
    /// What can be done with a custody suite's reference record.
    pub enum Command {
        Register(RegisterCustodySuite),
        Close(CloseCustodySuite),
    }
}

/// A suite's state; `Default` is "not registered".
#[derive(Debug, Clone, Default, PartialEq)]
pub struct State {
    pub suite: Option<String>,
    pub borough: Option<BoroughCode>,
    pub closed_on: Option<NaiveDate>,
}

impl State {
    pub fn apply(&mut self, event: &Event) {
        match event {
            Event::Registered(e) => {
                self.suite = Some(e.suite.clone());
                self.borough = Some(e.borough.clone());
            }
            Event::Closed(e) => self.closed_on = Some(e.closed_on),
        }
    }
}

aggregate!(CustodySuiteReference, "custody-suite");

const KIND: &str = "custody suite";

pub fn decide(
    state: &State,
    command: Command,
    ctx: &DecisionContext<'_>,
) -> Result<Vec<Event>, DomainError> {
    match command {
        Command::Register(RegisterCustodySuite {
            suite,
            name,
            borough,
            cells,
        }) => {
            if state.suite.is_some() {
                return Err(DomainError::already_exists(KIND, suite));
            }
            if !is_suite_id(&suite) {
                return Err(DomainError::invalid(
                    "suite",
                    format!("{suite:?} is not a suite id (A-Z, 0-9 and '-', up to 32)"),
                ));
            }
            required("name", &name)?;
            ctx.borough(&borough)?;
            if let Some(n) = cells {
                crate::context::positive("cells", i64::from(n))?;
            }
            Ok(vec![
                CustodySuiteRegistered {
                    suite,
                    name,
                    borough,
                    cells,
                }
                .into(),
            ])
        }
        Command::Close(CloseCustodySuite { closed_on, reason }) => {
            let Some(suite) = state.suite.clone() else {
                return Err(DomainError::unknown(KIND, "(not registered)"));
            };
            if state.closed_on.is_some() {
                return Err(DomainError::already(KIND, suite, "closed"));
            }
            ctx.not_future_day("closed_on", closed_on)?;
            Ok(vec![
                CustodySuiteClosed {
                    suite,
                    closed_on,
                    reason,
                }
                .into(),
            ])
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::Aggregate;
    use crate::testkit::*;

    fn register(suite: &str) -> Command {
        Command::Register(RegisterCustodySuite {
            suite: suite.into(),
            name: "Holborn".into(),
            borough: CAMDEN.into(),
            cells: Some(14),
        })
    }

    fn close() -> Command {
        Command::Close(CloseCustodySuite {
            closed_on: days_ago(100).date_naive(),
            reason: Some("Custody consolidated at Kentish Town".into()),
        })
    }

    pub(crate) fn samples() -> Vec<Event> {
        let mut s = State::default();
        let mut all = Vec::new();
        for c in [register("HOLBORN"), close()] {
            let events = decide(&s, c, &ctx()).expect("valid");
            events.iter().for_each(|e| s.apply(e));
            all.extend(events);
        }
        all
    }

    #[test]
    fn lifecycle_and_errors() {
        let s = CustodySuiteReference::fold(&samples());
        assert!(s.closed_on.is_some());
        assert_eq!(stream_id("HOLBORN").as_str(), "custody-suite-HOLBORN");
        assert!(matches!(
            decide(&s, register("HOLBORN"), &ctx()),
            Err(DomainError::AlreadyExists { .. })
        ));
        assert_eq!(
            decide(&s, close(), &ctx()),
            Err(DomainError::already("custody suite", "HOLBORN", "closed"))
        );
        assert_eq!(
            decide(&State::default(), close(), &ctx()),
            Err(DomainError::unknown("custody suite", "(not registered)"))
        );
        assert!(matches!(
            decide(
                &State::default(),
                register("Holborn police station"),
                &ctx()
            ),
            Err(DomainError::Invalid { field: "suite", .. })
        ));
        let mut elsewhere = register("HOLBORN");
        if let Command::Register(RegisterCustodySuite { borough, .. }) = &mut elsewhere {
            *borough = "W06000001".into();
        }
        assert!(matches!(
            decide(&State::default(), elsewhere, &ctx()),
            Err(DomainError::UnknownBorough(_))
        ));
        let mut no_cells = register("HOLBORN");
        if let Command::Register(RegisterCustodySuite { cells, .. }) = &mut no_cells {
            *cells = Some(0);
        }
        assert_eq!(
            decide(&State::default(), no_cells, &ctx()),
            Err(DomainError::NotPositive {
                field: "cells",
                value: 0
            })
        );
        let mut registered = State::default();
        for e in decide(&registered, register("HOLBORN"), &ctx()).expect("ok") {
            registered.apply(&e);
        }
        let future = Command::Close(CloseCustodySuite {
            closed_on: now().date_naive().succ_opt().unwrap_or_default(),
            reason: None,
        });
        assert!(matches!(
            decide(&registered, future, &ctx()),
            Err(DomainError::InFuture {
                field: "closed_on",
                ..
            })
        ));
    }
}
