//! Board support for Neighbourhood Watch: schemes in the borough are registered (with their
//! coordinator's contact details as personal data) and the support the board gives them —
//! funding, training, materials, advice, attendance — is recorded.
//! Stream: `watch-scheme-<uuid>`.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use engage_log::StreamId;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::context::{ordered, positive, required};
use crate::personal::ContactDetails;
use crate::reference::{BoroughCode, WardCode};
use crate::{DecisionContext, DomainError};

/// The stream of one scheme.
pub fn stream_id(scheme_id: Uuid) -> StreamId {
    StreamId::new(format!("watch-scheme-{scheme_id}"))
}

/// What kind of support was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[serde(rename_all = "snake_case")]
pub enum SupportKind {
    /// A grant (its amount in `amount_pence`).
    Funding,
    Training,
    /// Signs, stickers, property-marking kits.
    Materials,
    CrimePreventionAdvice,
    /// A board member attended the scheme's meeting.
    MeetingAttendance,
}

/// A Neighbourhood Watch scheme was registered with the board.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct NeighbourhoodWatchSchemeRegistered {
    pub scheme_id: Uuid,
    pub borough: BoroughCode,
    pub ward: Option<WardCode>,
    pub name: String,
    /// Households covered.
    pub households: u32,
    pub registered_on: NaiveDate,
    /// The scheme coordinator, if they agreed to be contacted by the board.
    pub personal: Option<ContactDetails>,
}

/// The board supported a scheme.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct NeighbourhoodWatchSupportGiven {
    pub scheme_id: Uuid,
    pub support_id: Uuid,
    pub given_on: NaiveDate,
    pub kind: SupportKind,
    /// For funding only: the amount in pence.
    pub amount_pence: Option<i64>,
    pub description: String,
}

events! {
    pub enum Event {
        SchemeRegistered(NeighbourhoodWatchSchemeRegistered) = "NeighbourhoodWatchSchemeRegistered" v 1: "A Neighbourhood Watch scheme was registered with a board.",
        SupportGiven(NeighbourhoodWatchSupportGiven) = "NeighbourhoodWatchSupportGiven" v 1: "A board gave a Neighbourhood Watch scheme support (funding, training, materials, advice).",
    }
}

/// Register a Neighbourhood Watch scheme in a borough (and ward).
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "graphql", derive(async_graphql::InputObject))]
pub struct RegisterNeighbourhoodWatchScheme {
    pub scheme_id: Uuid,
    pub borough: BoroughCode,
    pub ward: Option<WardCode>,
    pub name: String,
    pub households: u32,
    pub registered_on: NaiveDate,
    pub personal: Option<ContactDetails>,
}

/// Record support (a grant, training, materials...) given to a scheme.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "graphql", derive(async_graphql::InputObject))]
pub struct GiveNeighbourhoodWatchSupport {
    pub support_id: Uuid,
    pub given_on: NaiveDate,
    pub kind: SupportKind,
    pub amount_pence: Option<i64>,
    pub description: String,
}

commands! {
    /// What is recorded about a Neighbourhood Watch scheme.
    pub enum Command {
        Register(RegisterNeighbourhoodWatchScheme),
        GiveSupport(GiveNeighbourhoodWatchSupport),
    }
}

/// A scheme's state; `Default` is "not registered".
#[derive(Debug, Clone, Default, PartialEq)]
pub struct State {
    pub scheme_id: Option<Uuid>,
    pub registered_on: Option<NaiveDate>,
    pub support: BTreeSet<Uuid>,
    pub funding_pence: i64,
}

impl State {
    pub fn apply(&mut self, event: &Event) {
        match event {
            Event::SchemeRegistered(e) => {
                self.scheme_id = Some(e.scheme_id);
                self.registered_on = Some(e.registered_on);
            }
            Event::SupportGiven(e) => {
                self.support.insert(e.support_id);
                self.funding_pence += e.amount_pence.unwrap_or(0);
            }
        }
    }
}

aggregate!(NeighbourhoodWatchScheme, "watch-scheme");

const KIND: &str = "neighbourhood watch scheme";

pub fn decide(
    state: &State,
    command: Command,
    ctx: &DecisionContext<'_>,
) -> Result<Vec<Event>, DomainError> {
    match command {
        Command::Register(RegisterNeighbourhoodWatchScheme {
            scheme_id,
            borough,
            ward,
            name,
            households,
            registered_on,
            personal,
        }) => {
            if state.scheme_id.is_some() {
                return Err(DomainError::already_exists(KIND, scheme_id));
            }
            ctx.borough(&borough)?;
            if let Some(w) = &ward {
                ctx.ward_in_borough(w, &borough)?;
            }
            required("name", &name)?;
            positive("households", i64::from(households))?;
            if let Some(p) = &personal {
                required("personal.full_name", &p.full_name)?;
            }
            ctx.not_future_day("registered_on", registered_on)?;
            Ok(vec![
                NeighbourhoodWatchSchemeRegistered {
                    scheme_id,
                    borough,
                    ward,
                    name,
                    households,
                    registered_on,
                    personal,
                }
                .into(),
            ])
        }
        Command::GiveSupport(GiveNeighbourhoodWatchSupport {
            support_id,
            given_on,
            kind,
            amount_pence,
            description,
        }) => {
            let (Some(scheme_id), Some(registered_on)) = (state.scheme_id, state.registered_on)
            else {
                return Err(DomainError::unknown(KIND, "(not registered)"));
            };
            if state.support.contains(&support_id) {
                return Err(DomainError::already_exists("support", support_id));
            }
            match (kind, amount_pence) {
                (SupportKind::Funding, Some(p)) => positive("amount_pence", p)?,
                (SupportKind::Funding, None) => {
                    return Err(DomainError::Required {
                        field: "amount_pence",
                    });
                }
                (_, Some(_)) => {
                    return Err(DomainError::invalid(
                        "amount_pence",
                        "only funding support has an amount",
                    ));
                }
                (_, None) => {}
            }
            required("description", &description)?;
            ordered("registered_on", &registered_on, "given_on", &given_on)?;
            ctx.not_future_day("given_on", given_on)?;
            Ok(vec![
                NeighbourhoodWatchSupportGiven {
                    scheme_id,
                    support_id,
                    given_on,
                    kind,
                    amount_pence,
                    description,
                }
                .into(),
            ])
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::testkit::*;

    fn register() -> Command {
        Command::Register(RegisterNeighbourhoodWatchScheme {
            scheme_id: id(1),
            borough: CAMDEN.into(),
            ward: Some(CAMDEN_WARD.into()),
            name: "Leighton Road Neighbourhood Watch".into(),
            households: 64,
            registered_on: day(300),
            personal: Some(ContactDetails {
                data_subject_id: id(9100),
                full_name: "C Coordinator".into(),
                email: Some("coordinator@example.org".into()),
                phone: None,
            }),
        })
    }

    fn support(n: u128, kind: SupportKind, amount: Option<i64>) -> Command {
        Command::GiveSupport(GiveNeighbourhoodWatchSupport {
            support_id: id(n),
            given_on: day(20),
            kind,
            amount_pence: amount,
            description: "Property-marking kits for the street".into(),
        })
    }

    pub(crate) fn samples() -> Vec<Event> {
        history::<NeighbourhoodWatchScheme>([
            register(),
            support(10, SupportKind::Funding, Some(25_000)),
        ])
        .1
    }

    #[test]
    fn lifecycle() {
        let (s, events) = history::<NeighbourhoodWatchScheme>([
            register(),
            support(10, SupportKind::Funding, Some(25_000)),
            support(11, SupportKind::Materials, None),
        ]);
        assert_eq!(events.len(), 3);
        assert_eq!(s.funding_pence, 25_000);
        assert_eq!(stream_id(id(1)).as_str(), format!("watch-scheme-{}", id(1)));
    }

    #[test]
    fn errors() {
        let empty = State::default();
        assert_eq!(
            decide(&empty, support(10, SupportKind::Training, None), &ctx()),
            Err(DomainError::unknown(
                "neighbourhood watch scheme",
                "(not registered)"
            ))
        );
        let mut wrong_ward = register();
        if let Command::Register(RegisterNeighbourhoodWatchScheme { ward, .. }) = &mut wrong_ward {
            *ward = Some(HACKNEY_WARD.into());
        }
        assert!(matches!(
            decide(&empty, wrong_ward, &ctx()),
            Err(DomainError::WardNotInBorough { .. })
        ));
        let mut no_households = register();
        if let Command::Register(RegisterNeighbourhoodWatchScheme { households, .. }) =
            &mut no_households
        {
            *households = 0;
        }
        assert_eq!(
            decide(&empty, no_households, &ctx()),
            Err(DomainError::NotPositive {
                field: "households",
                value: 0
            })
        );
        let (mut s, _) = history::<NeighbourhoodWatchScheme>([register()]);
        assert!(matches!(
            decide(&s, register(), &ctx()),
            Err(DomainError::AlreadyExists { .. })
        ));
        assert_eq!(
            decide(&s, support(10, SupportKind::Funding, None), &ctx()),
            Err(DomainError::Required {
                field: "amount_pence"
            })
        );
        assert_eq!(
            decide(&s, support(10, SupportKind::Funding, Some(-5)), &ctx()),
            Err(DomainError::NotPositive {
                field: "amount_pence",
                value: -5
            })
        );
        assert!(matches!(
            decide(&s, support(10, SupportKind::Training, Some(5)), &ctx()),
            Err(DomainError::Invalid {
                field: "amount_pence",
                ..
            })
        ));
        let mut early = support(10, SupportKind::Training, None);
        if let Command::GiveSupport(GiveNeighbourhoodWatchSupport { given_on, .. }) = &mut early {
            *given_on = day(301);
        }
        assert!(matches!(
            decide(&s, early, &ctx()),
            Err(DomainError::EndBeforeStart { .. })
        ));
        step::<NeighbourhoodWatchScheme>(&mut s, support(10, SupportKind::Training, None))
            .expect("support");
        assert!(matches!(
            decide(&s, support(10, SupportKind::Training, None), &ctx()),
            Err(DomainError::AlreadyExists {
                kind: "support",
                ..
            })
        ));
    }
}
