//! Electoral wards as reference data: registered with their ONS GSS code, name and borough
//! (from the GLA ward atlas or an ONS list), and retired when a boundary review replaces
//! them. Stream: `ward-<GSS code>`.

use chrono::NaiveDate;
use engage_log::StreamId;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::context::required;
use crate::reference::{BoroughCode, WardCode};
use crate::{DecisionContext, DomainError};

/// The stream of one ward.
pub fn stream_id(ward: &WardCode) -> StreamId {
    StreamId::new(format!("ward-{ward}"))
}

/// Whether `code` is an ONS GSS electoral-ward code: `E05` and six digits.
pub fn is_ward_code(code: &str) -> bool {
    code.len() == 9 && code.starts_with("E05") && code[3..].chars().all(|c| c.is_ascii_digit())
}

/// A ward was registered as reference data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct WardRegistered {
    pub ward: WardCode,
    pub name: String,
    pub borough: BoroughCode,
    /// The pre-2011 ONS code (e.g. `00AGGP`), where the source gives one.
    pub legacy_code: Option<String>,
    /// Where the ward came from, e.g. `GLA ward atlas 2013`.
    pub source: String,
}

/// A ward was abolished (boundary review); its successors, if known.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct WardRetired {
    pub ward: WardCode,
    pub retired_on: NaiveDate,
    pub replaced_by: Vec<WardCode>,
}

events! {
    pub enum Event {
        Registered(WardRegistered) = "WardRegistered" v 1: "An electoral ward (GSS code, name, borough) was registered as reference data.",
        Retired(WardRetired) = "WardRetired" v 1: "An electoral ward was abolished by a boundary review (with its successors).",
    }
}

/// Register an electoral ward (from the GLA ward atlas or an ONS list).
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "graphql", derive(async_graphql::InputObject))]
pub struct RegisterWard {
    pub ward: WardCode,
    pub name: String,
    pub borough: BoroughCode,
    pub legacy_code: Option<String>,
    pub source: String,
}

/// Retire a ward after a boundary review, naming the wards that replace it.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "graphql", derive(async_graphql::InputObject))]
pub struct RetireWard {
    pub retired_on: NaiveDate,
    pub replaced_by: Vec<WardCode>,
}

commands! {
    /// What can be done with a ward's reference record.
    pub enum Command {
        Register(RegisterWard),
        Retire(RetireWard),
    }
}

/// A ward's state; `Default` is "not registered".
#[derive(Debug, Clone, Default, PartialEq)]
pub struct State {
    pub ward: Option<WardCode>,
    pub name: Option<String>,
    pub borough: Option<BoroughCode>,
    pub retired_on: Option<NaiveDate>,
}

impl State {
    pub fn apply(&mut self, event: &Event) {
        match event {
            Event::Registered(e) => {
                self.ward = Some(e.ward.clone());
                self.name = Some(e.name.clone());
                self.borough = Some(e.borough.clone());
            }
            Event::Retired(e) => self.retired_on = Some(e.retired_on),
        }
    }
}

aggregate!(WardReference, "ward");

const KIND: &str = "ward";

fn ward_code(field: &'static str, ward: &WardCode) -> Result<(), DomainError> {
    if !is_ward_code(ward.as_str()) {
        return Err(DomainError::invalid(
            field,
            format!(
                "{ward} is not a GSS ward code (E05 and six digits){}",
                if ward.as_str().starts_with("E09") {
                    "; E09 codes are boroughs"
                } else {
                    ""
                }
            ),
        ));
    }
    Ok(())
}

pub fn decide(
    state: &State,
    command: Command,
    ctx: &DecisionContext<'_>,
) -> Result<Vec<Event>, DomainError> {
    match command {
        Command::Register(RegisterWard {
            ward,
            name,
            borough,
            legacy_code,
            source,
        }) => {
            if state.ward.is_some() {
                return Err(DomainError::already_exists(KIND, ward));
            }
            ward_code("ward", &ward)?;
            ctx.borough(&borough)?;
            required("name", &name)?;
            required("source", &source)?;
            if let Some(code) = &legacy_code {
                required("legacy_code", code)?;
            }
            Ok(vec![
                WardRegistered {
                    ward,
                    name: name.trim().to_owned(),
                    borough,
                    legacy_code,
                    source,
                }
                .into(),
            ])
        }
        Command::Retire(RetireWard {
            retired_on,
            replaced_by,
        }) => {
            let Some(ward) = state.ward.clone() else {
                return Err(DomainError::unknown(KIND, "(not registered)"));
            };
            if let Some(on) = state.retired_on {
                return Err(DomainError::already(KIND, ward, format!("retired on {on}")));
            }
            for w in &replaced_by {
                ward_code("replaced_by", w)?;
                if w == &ward {
                    return Err(DomainError::invalid(
                        "replaced_by",
                        "a ward cannot replace itself",
                    ));
                }
            }
            ctx.not_future_day("retired_on", retired_on)?;
            Ok(vec![
                WardRetired {
                    ward,
                    retired_on,
                    replaced_by,
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

    fn register(code: &str, borough: &str) -> Command {
        Command::Register(RegisterWard {
            ward: code.into(),
            name: "Kentish Town".into(),
            borough: borough.into(),
            legacy_code: Some("00AGGP".into()),
            source: "GLA ward atlas 2013".into(),
        })
    }

    fn retire() -> Command {
        Command::Retire(RetireWard {
            retired_on: NaiveDate::from_ymd_opt(2022, 5, 5).unwrap_or_default(),
            replaced_by: vec![CAMDEN_WARD.into()],
        })
    }

    pub(crate) fn samples() -> Vec<Event> {
        let mut s = State::default();
        let mut all = Vec::new();
        for c in [register("E05000128", CAMDEN), retire()] {
            let events = decide(&s, c, &ctx()).expect("valid");
            events.iter().for_each(|e| s.apply(e));
            all.extend(events);
        }
        all
    }

    #[test]
    fn lifecycle_and_errors() {
        let s = WardReference::fold(&samples());
        assert!(s.retired_on.is_some());
        assert_eq!(s.borough.as_ref().map(BoroughCode::as_str), Some(CAMDEN));
        assert_eq!(stream_id(&"E05000128".into()).as_str(), "ward-E05000128");
        assert!(matches!(
            decide(&s, register("E05000128", CAMDEN), &ctx()),
            Err(DomainError::AlreadyExists { kind: "ward", .. })
        ));
        assert_eq!(
            decide(&s, retire(), &ctx()),
            Err(DomainError::already(
                "ward",
                "E05000128",
                "retired on 2022-05-05"
            ))
        );
        assert!(matches!(
            decide(
                &State::default(),
                register("E05000128", "E09000034"),
                &ctx()
            ),
            Err(DomainError::UnknownBorough(_))
        ));
        assert!(matches!(
            decide(&State::default(), register("E09000001", "E09000001"), &ctx()),
            Err(DomainError::Invalid { field: "ward", reason }) if reason.contains("boroughs")
        ));
        assert!(matches!(
            decide(&State::default(), register("00AGGP", CAMDEN), &ctx()),
            Err(DomainError::Invalid { field: "ward", .. })
        ));
        let mut nameless = register("E05000128", CAMDEN);
        if let Command::Register(RegisterWard { name, .. }) = &mut nameless {
            *name = " ".into();
        }
        assert_eq!(
            decide(&State::default(), nameless, &ctx()),
            Err(DomainError::Required { field: "name" })
        );
        assert_eq!(
            decide(&State::default(), retire(), &ctx()),
            Err(DomainError::unknown("ward", "(not registered)"))
        );
        let mut registered = State::default();
        for e in decide(&registered, register("E05000128", CAMDEN), &ctx()).expect("ok") {
            registered.apply(&e);
        }
        let self_replacing = Command::Retire(RetireWard {
            retired_on: NaiveDate::from_ymd_opt(2022, 5, 5).unwrap_or_default(),
            replaced_by: vec!["E05000128".into()],
        });
        assert!(matches!(
            decide(&registered, self_replacing, &ctx()),
            Err(DomainError::Invalid {
                field: "replaced_by",
                ..
            })
        ));
        let future = Command::Retire(RetireWard {
            retired_on: NaiveDate::from_ymd_opt(2030, 5, 5).unwrap_or_default(),
            replaced_by: vec![],
        });
        assert!(matches!(
            decide(&registered, future, &ctx()),
            Err(DomainError::InFuture {
                field: "retired_on",
                ..
            })
        ));
    }
}
