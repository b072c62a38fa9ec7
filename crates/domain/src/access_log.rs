//! The access log: records of who looked at restricted records (personal data), kept in the
//! same tamper-evident log as everything else. It has no commands and no aggregate: the
//! server records one [`PersonalDataViewed`] for each request that showed personal data to
//! its caller, with the caller as the event's actor. Stream: `personal-data-access`.

use engage_log::StreamId;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::Timestamp;

/// The one stream of the access log.
pub fn stream_id() -> StreamId {
    StreamId::new("personal-data-access")
}

/// Someone was shown personal data (the event's actor is who, `recorded_at` is when).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PersonalDataViewed {
    /// What was asked: the GraphQL operation's name, or its top-level fields.
    pub query: String,
    /// Why, as the caller stated it (the `Engage-Access-Reason` header); auditors must give
    /// one to see personal data at all.
    pub purpose: Option<String>,
    /// The data subjects whose personal data was shown, each once.
    pub data_subject_ids: Vec<Uuid>,
    /// Log positions of the events whose personal data was shown, ascending.
    pub positions: Vec<u64>,
    /// When it was shown.
    pub viewed_at: Timestamp,
}

events! {
    pub enum Event {
        PersonalDataViewed(PersonalDataViewed) = "PersonalDataViewed" v 1: "Someone was shown personal data of these data subjects (who in the actor, why in the purpose).",
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn samples() -> Vec<Event> {
        vec![Event::PersonalDataViewed(PersonalDataViewed {
            query: "complaintHistory".into(),
            purpose: Some("subject access request 2024-117".into()),
            data_subject_ids: vec![Uuid::nil()],
            positions: vec![12, 40],
            viewed_at: chrono::Utc::now(),
        })]
    }

    #[test]
    fn the_access_log_has_one_stream() {
        assert_eq!(stream_id().as_str(), "personal-data-access");
    }
}
