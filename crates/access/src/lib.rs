//! # engage-access: who may do and see what
//!
//! engage holds complaints from victims of crime, complainants' details and custody
//! encounters, so every request is made by someone with a [`Role`] and, for the roles tied to
//! a place, a scope of boroughs or wards ([`Principal`]). This crate is that model, free of
//! HTTP:
//!
//! - [`token`]: signed bearer tokens (JWT, verified with `jsonwebtoken`): the [`Claims`]
//!   engage issues and accepts, a [`Verifier`] built from configured keys (an HS256 secret
//!   and/or a public key for EdDSA, ES256 or RS256 tokens issued elsewhere), [`issue`] for
//!   `engage token`, and the local secret file both share by default;
//! - [`policy`]: the one policy table of commands (command → roles allowed, checked against
//!   the borough/ward the command touches) and of query classes, and who may see personal
//!   data;
//! - [`redact`]: the one function that hides personal data (`personal` objects) in event
//!   payloads from callers who may not see it.
//!
//! The server (`engage-server`) turns a request's `Authorization` header into a
//! [`Principal`] with a [`Verifier`], records the principal's actor on every event, and asks
//! [`policy`] before every mutation and query. `docs/access.md` describes the rules for
//! people.

pub mod policy;
pub mod redact;
pub mod role;
pub mod token;

pub use policy::{
    CommandRule, Denied, QueryClass, authorize_command, authorize_query, command_rule,
    may_see_personal_data, may_see_record,
};
pub use redact::{personal_subjects, redact_personal_data};
pub use role::{Principal, Role, ScopeKind, Target};
pub use token::{Claims, TokenError, Verifier, VerifierConfig, issue};
