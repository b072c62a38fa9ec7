//! Erasure of a data subject (UK GDPR Article 17, the right to erasure). Personal data in the
//! log is sealed with a key per data subject; erasing the subject records a
//! `DataSubjectErased` event (who, in the envelope's actor; why; on what legal basis) and then
//! destroys the key, so every sealed copy of their details becomes unreadable while the log
//! itself is never edited and still verifies. This module is the decision only; the key is
//! destroyed by the application layer (`engage-commands`' erasure) right after the event is
//! recorded. Stream: `data-subject-<uuid>`.

use engage_log::StreamId;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::context::required;
use crate::{DecisionContext, DomainError};

/// The stream of one data subject's erasure.
pub fn stream_id(data_subject_id: Uuid) -> StreamId {
    StreamId::new(format!("data-subject-{data_subject_id}"))
}

/// A data subject's personal data was erased: their key was destroyed, so every sealed copy
/// of their details in the log can no longer be opened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct DataSubjectErased {
    pub data_subject_id: Uuid,
    /// Why the subject was erased (e.g. the request's reference).
    pub reason: String,
    /// The legal basis, e.g. `UK GDPR Art. 17(1)(b): consent withdrawn`.
    pub legal_basis: String,
}

events! {
    pub enum Event {
        Erased(DataSubjectErased) = "DataSubjectErased" v 1: "A data subject's personal data was erased (their key destroyed), with why and on what legal basis.",
    }
}

/// Erase a data subject: destroy the key that opens their personal data everywhere in the log.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "graphql", derive(async_graphql::InputObject))]
pub struct EraseDataSubject {
    pub data_subject_id: Uuid,
    /// Why (e.g. the erasure request's reference).
    pub reason: String,
    /// The legal basis for erasing.
    pub legal_basis: String,
}

commands! {
    /// What can be done with a data subject.
    pub enum Command {
        Erase(EraseDataSubject),
    }
}

/// A data subject's state; `Default` is "not erased".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct State {
    /// The erasure, once recorded.
    pub erased: Option<DataSubjectErased>,
}

impl State {
    pub fn apply(&mut self, event: &Event) {
        match event {
            Event::Erased(e) => self.erased = Some(e.clone()),
        }
    }
}

aggregate!(DataSubject, "data-subject");

const KIND: &str = "data subject";

pub fn decide(
    state: &State,
    command: Command,
    _ctx: &DecisionContext<'_>,
) -> Result<Vec<Event>, DomainError> {
    match command {
        Command::Erase(EraseDataSubject {
            data_subject_id,
            reason,
            legal_basis,
        }) => {
            if state.erased.is_some() {
                return Err(DomainError::already(KIND, data_subject_id, "erased"));
            }
            required("reason", &reason)?;
            required("legal_basis", &legal_basis)?;
            Ok(vec![
                DataSubjectErased {
                    data_subject_id,
                    reason: reason.trim().to_owned(),
                    legal_basis: legal_basis.trim().to_owned(),
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

    fn erase(reason: &str, basis: &str) -> Command {
        EraseDataSubject {
            data_subject_id: id(7),
            reason: reason.into(),
            legal_basis: basis.into(),
        }
        .into()
    }

    /// One of each event type, for the catalogue's round-trip test.
    pub(crate) fn samples() -> Vec<Event> {
        DataSubject::decide(
            &State::default(),
            erase("request 42", "Art. 17(1)(a)"),
            &ctx(),
        )
        .unwrap()
    }

    #[test]
    fn erasure_is_recorded_once_with_reason_and_basis() {
        let ctx = ctx();
        let events = DataSubject::decide(
            &State::default(),
            erase(" request 42 ", "Art. 17(1)(b)"),
            &ctx,
        )
        .unwrap();
        assert_eq!(
            events,
            vec![Event::Erased(DataSubjectErased {
                data_subject_id: id(7),
                reason: "request 42".into(),
                legal_basis: "Art. 17(1)(b)".into(),
            })]
        );
        let state = DataSubject::fold(&events);
        let again = DataSubject::decide(&state, erase("again", "Art. 17"), &ctx).unwrap_err();
        assert_eq!(
            again,
            DomainError::already(KIND, id(7), "erased"),
            "a second erasure is refused"
        );
    }

    #[test]
    fn reason_and_legal_basis_are_required() {
        let ctx = ctx();
        assert_eq!(
            DataSubject::decide(&State::default(), erase(" ", "Art. 17"), &ctx).unwrap_err(),
            DomainError::Required { field: "reason" }
        );
        assert_eq!(
            DataSubject::decide(&State::default(), erase("why", ""), &ctx).unwrap_err(),
            DomainError::Required {
                field: "legal_basis"
            }
        );
    }
}
