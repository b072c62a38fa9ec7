//! Who is making a request: the [`Identity`] every mutation records as the actor of its
//! events. It is never taken from a mutation's input.
//!
//! Access control does not exist yet, so [`identify`] gives every request the development
//! identity the server was started with ([`crate::ServerConfig::dev_actor`],
//! `engage serve --dev-actor ID:ROLE:ORG`). This module is the one seam where that is
//! decided: the access-control work replaces [`identify`] (verifying a bearer token, say)
//! and nothing that reads an [`Identity`] changes.

use axum::http::HeaderMap;
use engage_log::Actor;

use crate::ServerConfig;

/// The authenticated caller of one request, put in the request's GraphQL data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    actor: Actor,
}

impl Identity {
    pub fn new(actor: Actor) -> Self {
        Self { actor }
    }

    /// The actor recorded on the events this request causes.
    pub fn actor(&self) -> &Actor {
        &self.actor
    }
}

/// The identity of a request with these headers. Until access control exists, every
/// request is the configured development actor (the headers are not consulted).
pub fn identify(config: &ServerConfig, _headers: &HeaderMap) -> Identity {
    Identity::new(config.dev_actor.clone())
}

/// The development actor used when none is configured: obviously not a real person.
pub fn default_dev_actor() -> Actor {
    Actor::new("dev", "administrator", "local")
}

/// The largest id, role or organisation the log accepts (see `engage_log::Limits`).
const MAX_ACTOR_FIELD_BYTES: usize = 256;

/// Why an `ID:ROLE:ORG` actor was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ActorParseError {
    #[error("expected ID:ROLE:ORGANISATION (three parts separated by `:`), got `{0}`")]
    Shape(String),
    #[error("the {part} of `{text}` is empty")]
    Empty { part: &'static str, text: String },
    #[error("the {part} of the actor is over {MAX_ACTOR_FIELD_BYTES} bytes")]
    TooLong { part: &'static str },
}

/// Parse `ID:ROLE:ORGANISATION` (e.g. `dev:administrator:local`); the organisation may
/// itself contain `:`.
pub fn parse_actor(text: &str) -> Result<Actor, ActorParseError> {
    let mut parts = text.splitn(3, ':');
    let (Some(id), Some(role), Some(organisation)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(ActorParseError::Shape(text.to_owned()));
    };
    for (part, value) in [("id", id), ("role", role), ("organisation", organisation)] {
        if value.trim().is_empty() {
            return Err(ActorParseError::Empty {
                part,
                text: text.to_owned(),
            });
        }
        if value.len() > MAX_ACTOR_FIELD_BYTES {
            return Err(ActorParseError::TooLong { part });
        }
    }
    Ok(Actor::new(id.trim(), role.trim(), organisation.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actors_parse_from_id_role_organisation() {
        assert_eq!(
            parse_actor("dev:administrator:local"),
            Ok(Actor::new("dev", "administrator", "local"))
        );
        assert_eq!(
            parse_actor("u-1:secretary:urn:board:camden"),
            Ok(Actor::new("u-1", "secretary", "urn:board:camden"))
        );
        assert!(matches!(
            parse_actor("dev:administrator"),
            Err(ActorParseError::Shape(_))
        ));
        assert!(matches!(
            parse_actor("dev: :local"),
            Err(ActorParseError::Empty { part: "role", .. })
        ));
        let long = format!("{}:r:o", "x".repeat(300));
        assert_eq!(
            parse_actor(&long),
            Err(ActorParseError::TooLong { part: "id" })
        );
    }

    #[test]
    fn every_request_is_the_configured_actor_for_now() {
        let config = ServerConfig {
            dev_actor: Actor::new("ada", "secretary", "board-camden"),
            ..ServerConfig::default()
        };
        let who = identify(&config, &HeaderMap::new());
        assert_eq!(who.actor(), &Actor::new("ada", "secretary", "board-camden"));
    }
}
