//! GraphQL input types for the domain's own value types (only with the `graphql` feature).
//!
//! Command structs, nested value structs and plain enums derive their GraphQL input types
//! where they are declared (`#[cfg_attr(feature = "graphql", derive(...))]`). What cannot be
//! derived is here:
//!
//! - [`BoroughCode`] and [`WardCode`] are scalars (`BoroughCode`, `WardCode`): GSS codes
//!   written as strings. Whether a code names a London borough or a known ward is the
//!   decision's to say (`UnknownBorough`, `UnknownWard`), with the domain's own message.
//! - [`ReferralTarget`] and [`EscalationTarget`] carry data in one variant (`Other(name)`),
//!   which a GraphQL enum cannot; they are `@oneOf` input objects instead:
//!   `{ known: MOPAC }` or `{ other: "Citizens Advice Camden" }`. The conversions match every
//!   variant, so a new variant does not compile until it is given an input form.

use std::borrow::Cow;

use async_graphql::registry::Registry;
use async_graphql::{
    Enum, InputType, InputValueError, InputValueResult, OneofObject, Scalar, ScalarType, Value,
};

use crate::custody_visit::EscalationTarget;
use crate::reference::{BoroughCode, WardCode};
use crate::victim_complaint::ReferralTarget;

/// A code is a non-blank string without surrounding spaces.
fn code(value: &Value) -> Option<&str> {
    match value {
        Value::String(s) if !s.is_empty() && s.trim() == s => Some(s),
        _ => None,
    }
}

/// An ONS GSS code of a London borough or the City of London, e.g. `E09000007` (Camden).
#[Scalar(name = "BoroughCode")]
impl ScalarType for BoroughCode {
    fn parse(value: Value) -> InputValueResult<Self> {
        code(&value).map(BoroughCode::new).ok_or_else(|| {
            InputValueError::custom("a borough code is a GSS code such as E09000007")
        })
    }

    fn is_valid(value: &Value) -> bool {
        code(value).is_some()
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.clone())
    }
}

/// An ONS GSS code of an electoral ward, e.g. `E05013660`.
#[Scalar(name = "WardCode")]
impl ScalarType for WardCode {
    fn parse(value: Value) -> InputValueResult<Self> {
        code(&value)
            .map(WardCode::new)
            .ok_or_else(|| InputValueError::custom("a ward code is a GSS code such as E05013660"))
    }

    fn is_valid(value: &Value) -> bool {
        code(value).is_some()
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.clone())
    }
}

/// Implement [`InputType`] for a domain type through an input-only helper type that
/// converts both ways.
macro_rules! input_via {
    ($domain:ty, $input:ty) => {
        impl InputType for $domain {
            type RawValueType = Self;

            fn type_name() -> Cow<'static, str> {
                <$input as InputType>::type_name()
            }

            fn create_type_info(registry: &mut Registry) -> String {
                <$input as InputType>::create_type_info(registry)
            }

            fn parse(value: Option<Value>) -> InputValueResult<Self> {
                <$input as InputType>::parse(value)
                    .map(Self::from)
                    .map_err(InputValueError::propagate)
            }

            fn to_value(&self) -> Value {
                <$input>::from(self.clone()).to_value()
            }

            fn as_raw_value(&self) -> Option<&Self::RawValueType> {
                Some(self)
            }
        }
    };
}

/// The bodies a victim's complaint is usually referred to.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum KnownReferralTarget {
    /// The borough's police command unit.
    BoroughCommand,
    /// The Met's Directorate of Professional Standards.
    ProfessionalStandards,
    Mopac,
    VictimSupport,
    LocalAuthority,
}

/// Whom a complaint is referred to: one of the usual bodies (`known`) or any other, by
/// name (`other`).
#[derive(OneofObject, Debug, Clone, PartialEq, Eq)]
#[graphql(name = "ReferralTargetInput")]
pub enum ReferralTargetInput {
    Known(KnownReferralTarget),
    Other(String),
}

impl From<ReferralTargetInput> for ReferralTarget {
    fn from(input: ReferralTargetInput) -> Self {
        match input {
            ReferralTargetInput::Known(KnownReferralTarget::BoroughCommand) => Self::BoroughCommand,
            ReferralTargetInput::Known(KnownReferralTarget::ProfessionalStandards) => {
                Self::ProfessionalStandards
            }
            ReferralTargetInput::Known(KnownReferralTarget::Mopac) => Self::Mopac,
            ReferralTargetInput::Known(KnownReferralTarget::VictimSupport) => Self::VictimSupport,
            ReferralTargetInput::Known(KnownReferralTarget::LocalAuthority) => Self::LocalAuthority,
            ReferralTargetInput::Other(name) => Self::Other(name),
        }
    }
}

impl From<ReferralTarget> for ReferralTargetInput {
    fn from(target: ReferralTarget) -> Self {
        match target {
            ReferralTarget::BoroughCommand => Self::Known(KnownReferralTarget::BoroughCommand),
            ReferralTarget::ProfessionalStandards => {
                Self::Known(KnownReferralTarget::ProfessionalStandards)
            }
            ReferralTarget::Mopac => Self::Known(KnownReferralTarget::Mopac),
            ReferralTarget::VictimSupport => Self::Known(KnownReferralTarget::VictimSupport),
            ReferralTarget::LocalAuthority => Self::Known(KnownReferralTarget::LocalAuthority),
            ReferralTarget::Other(name) => Self::Other(name),
        }
    }
}

input_via!(ReferralTarget, ReferralTargetInput);

/// Where custody visitors usually escalate an issue.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum KnownEscalationTarget {
    /// The custody inspector for the suite.
    CustodyInspector,
    /// Met Detention senior management.
    MetDetention,
    BoroughCommander,
    /// The MOPAC ICV scheme manager.
    MopacScheme,
    /// The ICV panel's meeting with the police.
    PanelMeeting,
}

/// Whom an issue is escalated to: one of the usual places (`known`) or anyone else, by
/// name (`other`).
#[derive(OneofObject, Debug, Clone, PartialEq, Eq)]
#[graphql(name = "EscalationTargetInput")]
pub enum EscalationTargetInput {
    Known(KnownEscalationTarget),
    Other(String),
}

impl From<EscalationTargetInput> for EscalationTarget {
    fn from(input: EscalationTargetInput) -> Self {
        match input {
            EscalationTargetInput::Known(KnownEscalationTarget::CustodyInspector) => {
                Self::CustodyInspector
            }
            EscalationTargetInput::Known(KnownEscalationTarget::MetDetention) => Self::MetDetention,
            EscalationTargetInput::Known(KnownEscalationTarget::BoroughCommander) => {
                Self::BoroughCommander
            }
            EscalationTargetInput::Known(KnownEscalationTarget::MopacScheme) => Self::MopacScheme,
            EscalationTargetInput::Known(KnownEscalationTarget::PanelMeeting) => Self::PanelMeeting,
            EscalationTargetInput::Other(name) => Self::Other(name),
        }
    }
}

impl From<EscalationTarget> for EscalationTargetInput {
    fn from(target: EscalationTarget) -> Self {
        match target {
            EscalationTarget::CustodyInspector => {
                Self::Known(KnownEscalationTarget::CustodyInspector)
            }
            EscalationTarget::MetDetention => Self::Known(KnownEscalationTarget::MetDetention),
            EscalationTarget::BoroughCommander => {
                Self::Known(KnownEscalationTarget::BoroughCommander)
            }
            EscalationTarget::MopacScheme => Self::Known(KnownEscalationTarget::MopacScheme),
            EscalationTarget::PanelMeeting => Self::Known(KnownEscalationTarget::PanelMeeting),
            EscalationTarget::Other(name) => Self::Other(name),
        }
    }
}

input_via!(EscalationTarget, EscalationTargetInput);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_round_trip_through_their_input_form() {
        for target in [
            ReferralTarget::BoroughCommand,
            ReferralTarget::ProfessionalStandards,
            ReferralTarget::Mopac,
            ReferralTarget::VictimSupport,
            ReferralTarget::LocalAuthority,
            ReferralTarget::Other("Citizens Advice".into()),
        ] {
            let value = target.to_value();
            assert_eq!(
                <ReferralTarget as InputType>::parse(Some(value)).ok(),
                Some(target)
            );
        }
        let parsed = <EscalationTarget as InputType>::parse(Some(
            Value::from_json(serde_json::json!({ "known": "MET_DETENTION" })).expect("value"),
        ));
        assert_eq!(parsed.ok(), Some(EscalationTarget::MetDetention));
        let both = <EscalationTarget as InputType>::parse(Some(
            Value::from_json(serde_json::json!({ "known": "MET_DETENTION", "other": "x" }))
                .expect("value"),
        ));
        assert!(both.is_err());
    }

    #[test]
    fn codes_are_non_blank_strings() {
        assert!(<BoroughCode as ScalarType>::is_valid(&Value::from(
            "E09000007"
        )));
        assert!(!<BoroughCode as ScalarType>::is_valid(&Value::from(
            " E09000007"
        )));
        assert!(!<WardCode as ScalarType>::is_valid(&Value::from("")));
        assert!(!<WardCode as ScalarType>::is_valid(&Value::from(7)));
    }
}
