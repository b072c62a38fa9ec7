//! Who is making a request: the [`Identity`] every mutation records as the actor of its
//! events and every query is answered for. It is never taken from a mutation's input.
//!
//! [`identify`] is the one place it is decided, from the request's headers:
//!
//! - `Authorization: Bearer <JWT>`: the token is verified with the configured keys
//!   ([`crate::AccessConfig::verifier`], see `engage_access::token`); the actor is the
//!   token's subject, role and organisation, and its scope limits what the request may do.
//!   A bad, forged or expired token is refused ([`AuthError`], HTTP 401), never downgraded
//!   to anonymous;
//! - no `Authorization` header: the public (anonymous), or — only when the server was
//!   started with the insecure development switch `--dev-actor` — that actor, with an
//!   administrator's permissions.
//!
//! `Engage-Access-Reason` states why the caller needs personal data (auditors must give one
//! to see it); it is recorded with every view of personal data.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex, PoisonError};

use axum::http::{HeaderMap, header};
use engage_access::{Principal, Role, TokenError};
use engage_log::Actor;

use crate::ServerConfig;

/// The header in which a caller states why they need personal data.
pub const ACCESS_REASON_HEADER: &str = "engage-access-reason";
/// The longest reason kept.
const MAX_REASON_BYTES: usize = 1000;

/// The authenticated caller of one request, put in the request's GraphQL data.
#[derive(Debug, Clone)]
pub struct Identity {
    principal: Principal,
    /// The actor recorded on events (the token's, or the development actor verbatim).
    actor: Actor,
    reason: Option<String>,
    viewed: Arc<Mutex<ViewedPersonalData>>,
    /// False where views of personal data cannot be recorded once per request (WebSocket
    /// subscriptions): personal data is then redacted for every role.
    personal_data_allowed: bool,
}

/// The personal data a request has shown its caller so far (see [`Identity::viewed`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ViewedPersonalData {
    /// Log positions of the events whose personal data was shown.
    pub positions: BTreeSet<u64>,
    /// The data subjects whose personal data was shown.
    pub data_subjects: BTreeSet<uuid::Uuid>,
}

impl ViewedPersonalData {
    pub fn is_empty(&self) -> bool {
        self.positions.is_empty()
    }
}

impl Identity {
    /// A caller with this principal; its actor is the principal's.
    pub fn new(principal: Principal) -> Self {
        let actor = principal.actor().clone();
        Self {
            principal,
            actor,
            reason: None,
            viewed: Arc::default(),
            personal_data_allowed: true,
        }
    }

    /// The insecure development identity: `actor` recorded verbatim, with an
    /// administrator's permissions.
    pub fn development(actor: Actor) -> Self {
        let principal = Principal::new(
            actor.id.clone(),
            Role::Administrator,
            actor.organisation.clone(),
            [],
            [],
        );
        Self {
            principal,
            actor,
            reason: None,
            viewed: Arc::default(),
            personal_data_allowed: true,
        }
    }

    /// The public.
    pub fn anonymous() -> Self {
        Self::new(Principal::anonymous())
    }

    /// This identity, stating why it needs personal data.
    pub fn with_reason(mut self, reason: Option<String>) -> Self {
        self.reason = reason;
        self
    }

    /// This identity, never shown personal data (for WebSocket subscriptions).
    pub fn without_personal_data(mut self) -> Self {
        self.personal_data_allowed = false;
        self
    }

    /// Whether this request may be shown personal data at all (its role decides the rest).
    pub fn personal_data_allowed(&self) -> bool {
        self.personal_data_allowed
    }

    /// The actor recorded on the events this request causes.
    pub fn actor(&self) -> &Actor {
        &self.actor
    }

    /// Role and scope.
    pub fn principal(&self) -> &Principal {
        &self.principal
    }

    /// Why the caller says it needs personal data, if it said.
    pub fn reason(&self) -> Option<&str> {
        self.reason.as_deref()
    }

    /// Note that the personal data of `subjects` in the event at `position` was shown.
    pub fn note_viewed(&self, position: u64, subjects: impl IntoIterator<Item = uuid::Uuid>) {
        let mut viewed = self.viewed.lock().unwrap_or_else(PoisonError::into_inner);
        viewed.positions.insert(position);
        viewed.data_subjects.extend(subjects);
    }

    /// The personal data shown so far (the server records it once the request is done).
    pub fn viewed(&self) -> ViewedPersonalData {
        self.viewed
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// Why a request's credentials were refused (HTTP 401).
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("the Authorization header must be `Bearer <token>`")]
    NotBearer,
    #[error("this server is not configured to accept bearer tokens")]
    NoVerifier,
    #[error(transparent)]
    Token(#[from] TokenError),
}

/// The identity of a request with these headers (see the module documentation).
pub fn identify(config: &ServerConfig, headers: &HeaderMap) -> Result<Identity, AuthError> {
    let reason = headers
        .get(ACCESS_REASON_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(|r| {
            let mut end = r.len().min(MAX_REASON_BYTES);
            while !r.is_char_boundary(end) {
                end -= 1;
            }
            r[..end].to_owned()
        });
    let identity = match headers.get(header::AUTHORIZATION) {
        Some(value) => {
            let text = value.to_str().map_err(|_| AuthError::NotBearer)?.trim();
            let token = text
                .split_once(' ')
                .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
                .map(|(_, token)| token.trim())
                .filter(|token| !token.is_empty())
                .ok_or(AuthError::NotBearer)?;
            let verifier = config
                .access
                .verifier
                .as_ref()
                .ok_or(AuthError::NoVerifier)?;
            Identity::new(verifier.verify(token)?)
        }
        None => match &config.access.dev_actor {
            Some(actor) => Identity::development(actor.clone()),
            None => Identity::anonymous(),
        },
    };
    Ok(identity.with_reason(reason))
}

/// The development actor suggested in documentation: obviously not a real person.
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
    use crate::AccessConfig;

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
    fn without_a_token_a_request_is_the_public_unless_the_dev_switch_is_on() {
        let config = ServerConfig::default();
        let who = identify(&config, &HeaderMap::new()).unwrap();
        assert_eq!(who.principal().role(), Role::Public);

        let dev = ServerConfig {
            access: AccessConfig {
                dev_actor: Some(Actor::new("ada", "secretary", "board-camden")),
                ..AccessConfig::default()
            },
            ..ServerConfig::default()
        };
        let who = identify(&dev, &HeaderMap::new()).unwrap();
        assert_eq!(who.actor(), &Actor::new("ada", "secretary", "board-camden"));
        assert_eq!(who.principal().role(), Role::Administrator);
    }

    #[test]
    fn a_token_without_a_verifier_or_scheme_is_refused() {
        let mut headers = HeaderMap::new();
        headers.insert(header::AUTHORIZATION, "Bearer abc".parse().unwrap());
        assert!(matches!(
            identify(&ServerConfig::default(), &headers),
            Err(AuthError::NoVerifier)
        ));
        headers.insert(header::AUTHORIZATION, "Basic abc".parse().unwrap());
        assert!(matches!(
            identify(&ServerConfig::default(), &headers),
            Err(AuthError::NotBearer)
        ));
    }
}
