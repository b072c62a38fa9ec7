//! Bearer tokens: signed JWTs carrying who the caller is, their role and their scope.
//!
//! engage accepts two kinds of key, configured together or alone:
//!
//! - a shared secret (HS256): what `engage token` signs with. With no key configured,
//!   `engage serve` and `engage token` share a random 32-byte secret kept in the data
//!   directory ([`load_or_create_secret`], file mode 0600);
//! - a public key (PEM) for tokens issued elsewhere, with its algorithm: EdDSA (Ed25519),
//!   ES256 or RS256.
//!
//! Every token must carry `exp`; `nbf` is checked when present, and `iss` / `aud` when the
//! verifier is configured with them. The claims are checked too: a known role, a non-empty
//! subject and organisation, and a scope for the roles tied to places.

use std::io::Write;
use std::path::{Path, PathBuf};

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::role::{Principal, Role, ScopeKind};

/// The largest subject or organisation accepted (the log's limit on actor fields).
const MAX_ACTOR_FIELD_BYTES: usize = 256;
/// The most boroughs or wards one token may list.
const MAX_SCOPE_ENTRIES: usize = 700;
/// Seconds of clock difference tolerated on `exp` and `nbf`.
pub const DEFAULT_LEEWAY_SECONDS: u64 = 30;
/// The size of a generated local secret.
const SECRET_BYTES: usize = 32;
/// The shortest HS256 secret accepted from configuration.
pub const MIN_SECRET_BYTES: usize = 32;

/// What an engage token says (the JWT's claims).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The person or system acting: recorded as the actor's id.
    pub sub: String,
    /// Their role (`board_member`, `auditor`, ...).
    pub role: Role,
    /// The organisation they act for: recorded as the actor's organisation.
    pub org: String,
    /// GSS codes of the boroughs a borough-scoped role covers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub boroughs: Vec<String>,
    /// GSS codes of the wards a ward-scoped role covers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub wards: Vec<String>,
    /// Issued at (seconds since the epoch).
    pub iat: u64,
    /// Expires at (seconds since the epoch).
    pub exp: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iss: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aud: Option<String>,
}

impl Claims {
    /// Check what the signature cannot: the claims make a usable principal.
    pub fn check(&self) -> Result<(), TokenError> {
        for (claim, value) in [("sub", &self.sub), ("org", &self.org)] {
            if value.trim().is_empty() {
                return Err(TokenError::Claims(format!("`{claim}` is empty")));
            }
            if value.len() > MAX_ACTOR_FIELD_BYTES {
                return Err(TokenError::Claims(format!(
                    "`{claim}` is over {MAX_ACTOR_FIELD_BYTES} bytes"
                )));
            }
        }
        if self.boroughs.len() > MAX_SCOPE_ENTRIES || self.wards.len() > MAX_SCOPE_ENTRIES {
            return Err(TokenError::Claims(format!(
                "a token lists at most {MAX_SCOPE_ENTRIES} boroughs and {MAX_SCOPE_ENTRIES} wards"
            )));
        }
        for borough in &self.boroughs {
            if engage_domain::reference::borough(borough).is_none() {
                return Err(TokenError::Claims(format!(
                    "`boroughs` names `{borough}`, which is not the GSS code of a London borough (E09000001 to E09000033)"
                )));
            }
        }
        for ward in &self.wards {
            if !(ward.len() == 9
                && ward.starts_with("E05")
                && ward[3..].bytes().all(|b| b.is_ascii_digit()))
            {
                return Err(TokenError::Claims(format!(
                    "`wards` names `{ward}`, which is not a ward GSS code (E05 and six digits)"
                )));
            }
        }
        match self.role.scope_kind() {
            ScopeKind::Boroughs if self.boroughs.is_empty() => Err(TokenError::Claims(format!(
                "the role {} is scoped to boroughs: the token must list at least one in `boroughs`",
                self.role
            ))),
            ScopeKind::Wards if self.wards.is_empty() => Err(TokenError::Claims(format!(
                "the role {} is scoped to wards: the token must list at least one in `wards`",
                self.role
            ))),
            ScopeKind::London | ScopeKind::Nothing
                if !self.boroughs.is_empty() || !self.wards.is_empty() =>
            {
                Err(TokenError::Claims(format!(
                    "the role {} is not scoped to places: the token must not list boroughs or wards",
                    self.role
                )))
            }
            _ => Ok(()),
        }
    }

    /// The principal these (checked) claims describe.
    pub fn principal(&self) -> Principal {
        Principal::new(
            self.sub.trim(),
            self.role,
            self.org.trim(),
            self.boroughs.iter().cloned(),
            self.wards.iter().cloned(),
        )
    }
}

/// Why a token was refused, or a key could not be used. The messages never contain the
/// token or a key.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("the bearer token is not a well-formed JWT")]
    Malformed,
    #[error("the bearer token's signature does not verify")]
    BadSignature,
    #[error("the bearer token has expired")]
    Expired,
    #[error("the bearer token is not valid yet (its `nbf` is in the future)")]
    NotYetValid,
    #[error("the bearer token was not issued by the issuer this server accepts")]
    WrongIssuer,
    #[error("the bearer token is not meant for this server (its `aud` does not match)")]
    WrongAudience,
    #[error("the bearer token uses the algorithm {0:?}, which this server has no key for")]
    UnacceptedAlgorithm(Algorithm),
    #[error("the bearer token's claims are unacceptable: {0}")]
    Claims(String),
    #[error("the token key is unusable: {0}")]
    Key(String),
    #[error("cannot use the token secret file {path}: {source}")]
    SecretFile {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot sign the token: {0}")]
    Signing(String),
}

impl TokenError {
    fn from_jwt(e: jsonwebtoken::errors::Error) -> Self {
        use jsonwebtoken::errors::ErrorKind as K;
        match e.kind() {
            K::ExpiredSignature => Self::Expired,
            K::ImmatureSignature => Self::NotYetValid,
            K::InvalidIssuer => Self::WrongIssuer,
            K::InvalidAudience => Self::WrongAudience,
            K::InvalidSignature => Self::BadSignature,
            K::MissingRequiredClaim(c) => Self::Claims(format!("the claim `{c}` is missing")),
            K::InvalidAlgorithm => Self::BadSignature,
            K::Json(e) => Self::Claims(format!("they do not match engage's claims: {e}")),
            _ => Self::Malformed,
        }
    }
}

/// The keys and checks a [`Verifier`] is built from.
#[derive(Clone, Default)]
pub struct VerifierConfig {
    /// HS256 shared secret (at least [`MIN_SECRET_BYTES`]).
    pub secret: Option<Vec<u8>>,
    /// A PEM public key and its algorithm (EdDSA, ES256 or RS256).
    pub public_key: Option<(Algorithm, Vec<u8>)>,
    /// Accept only tokens with this `iss`.
    pub issuer: Option<String>,
    /// Accept only tokens with this `aud`.
    pub audience: Option<String>,
    /// Seconds of clock difference tolerated (default [`DEFAULT_LEEWAY_SECONDS`]).
    pub leeway_seconds: Option<u64>,
}

impl std::fmt::Debug for VerifierConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print key material.
        f.debug_struct("VerifierConfig")
            .field("secret", &self.secret.as_ref().map(|_| "<hidden>"))
            .field("public_key", &self.public_key.as_ref().map(|(a, _)| a))
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .finish()
    }
}

/// The algorithm named on the command line: `EdDSA`, `ES256` or `RS256`.
pub fn public_key_algorithm(name: &str) -> Result<Algorithm, TokenError> {
    match name.trim().to_ascii_uppercase().as_str() {
        "EDDSA" => Ok(Algorithm::EdDSA),
        "ES256" => Ok(Algorithm::ES256),
        "RS256" => Ok(Algorithm::RS256),
        other => Err(TokenError::Key(format!(
            "public-key algorithm `{other}` is not supported: use EdDSA, ES256 or RS256"
        ))),
    }
}

/// Checks bearer tokens against the configured keys.
#[derive(Clone)]
pub struct Verifier {
    secret: Option<DecodingKey>,
    public_key: Option<(Algorithm, DecodingKey)>,
    validation: Validation,
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verifier")
            .field("hs256", &self.secret.is_some())
            .field("public_key", &self.public_key.as_ref().map(|(a, _)| a))
            .finish()
    }
}

impl Verifier {
    /// A verifier over `config`'s keys; at least one key must be given.
    pub fn new(config: &VerifierConfig) -> Result<Self, TokenError> {
        let secret = match &config.secret {
            Some(s) if s.len() < MIN_SECRET_BYTES => {
                return Err(TokenError::Key(format!(
                    "the HS256 secret is {} bytes; use at least {MIN_SECRET_BYTES}",
                    s.len()
                )));
            }
            Some(s) => Some(DecodingKey::from_secret(s)),
            None => None,
        };
        let public_key = match &config.public_key {
            None => None,
            Some((alg, pem)) => {
                let key = match alg {
                    Algorithm::EdDSA => DecodingKey::from_ed_pem(pem),
                    Algorithm::ES256 => DecodingKey::from_ec_pem(pem),
                    Algorithm::RS256 => DecodingKey::from_rsa_pem(pem),
                    other => {
                        return Err(TokenError::Key(format!(
                            "public-key algorithm {other:?} is not supported: use EdDSA, ES256 or RS256"
                        )));
                    }
                }
                .map_err(|e| TokenError::Key(format!("the {alg:?} public key cannot be read: {e}")))?;
                Some((*alg, key))
            }
        };
        if secret.is_none() && public_key.is_none() {
            return Err(TokenError::Key(
                "no token key is configured (a secret or a public key)".into(),
            ));
        }
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = config.leeway_seconds.unwrap_or(DEFAULT_LEEWAY_SECONDS);
        validation.validate_nbf = true;
        // A configured issuer or audience must be present in the token, not just match
        // when it happens to be there.
        let mut required = vec!["exp", "sub"];
        match &config.issuer {
            Some(iss) => {
                validation.set_issuer(&[iss]);
                required.push("iss");
            }
            None => validation.iss = None,
        }
        match &config.audience {
            Some(aud) => {
                validation.set_audience(&[aud]);
                required.push("aud");
            }
            None => validation.validate_aud = false,
        }
        validation.set_required_spec_claims(&required);
        Ok(Self {
            secret,
            public_key,
            validation,
        })
    }

    /// The principal a bearer token stands for, or why it is refused.
    pub fn verify(&self, token: &str) -> Result<Principal, TokenError> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| TokenError::Malformed)?;
        let key = match (&self.secret, &self.public_key) {
            (Some(secret), _) if header.alg == Algorithm::HS256 => secret,
            (_, Some((alg, key))) if header.alg == *alg => key,
            _ => return Err(TokenError::UnacceptedAlgorithm(header.alg)),
        };
        let mut validation = self.validation.clone();
        validation.algorithms = vec![header.alg];
        let data = jsonwebtoken::decode::<Claims>(token, key, &validation)
            .map_err(TokenError::from_jwt)?;
        data.claims.check()?;
        Ok(data.claims.principal())
    }
}

/// Sign `claims` with the HS256 `secret` (what `engage token` prints). The claims are
/// checked first.
pub fn issue(claims: &Claims, secret: &[u8]) -> Result<String, TokenError> {
    claims.check()?;
    if secret.len() < MIN_SECRET_BYTES {
        return Err(TokenError::Key(format!(
            "the HS256 secret is {} bytes; use at least {MIN_SECRET_BYTES}",
            secret.len()
        )));
    }
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(secret),
    )
    .map_err(|e| TokenError::Signing(e.to_string()))
}

/// Read an HS256 secret from `path`: the file's bytes, with surrounding whitespace (a
/// trailing newline) removed.
pub fn read_secret(path: &Path) -> Result<Vec<u8>, TokenError> {
    let bytes = std::fs::read(path).map_err(|source| TokenError::SecretFile {
        path: path.to_owned(),
        source,
    })?;
    Ok(bytes.trim_ascii().to_vec())
}

/// The name of the local secret file inside the data directory.
pub const LOCAL_SECRET_FILE: &str = "token-secret";

/// The secret `engage serve` and `engage token` share when no key is configured:
/// `<data dir>/token-secret`, created with 64 random hex characters and mode 0600 on first
/// use.
pub fn load_or_create_secret(data_dir: &Path) -> Result<Vec<u8>, TokenError> {
    let path = data_dir.join(LOCAL_SECRET_FILE);
    let io = |source| TokenError::SecretFile {
        path: path.clone(),
        source,
    };
    match std::fs::read(&path) {
        Ok(bytes) => return Ok(bytes.trim_ascii().to_vec()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(io(e)),
    }
    std::fs::create_dir_all(data_dir).map_err(io)?;
    let mut raw = [0u8; SECRET_BYTES];
    getrandom::fill(&mut raw).map_err(|e| TokenError::Key(format!("no randomness: {e}")))?;
    let text: String = raw.iter().map(|b| format!("{b:02x}")).collect();
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(&path) {
        Ok(mut file) => {
            file.write_all(text.as_bytes()).map_err(io)?;
            file.sync_all().map_err(io)?;
            Ok(text.into_bytes())
        }
        // Another process created it first: use theirs.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => read_secret(&path),
        Err(e) => Err(io(e)),
    }
}

/// Seconds since the Unix epoch now.
pub fn now_seconds() -> u64 {
    jsonwebtoken::get_current_timestamp()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";

    fn claims(role: Role, boroughs: &[&str]) -> Claims {
        let now = now_seconds();
        Claims {
            sub: "ada".into(),
            role,
            org: "sn-board-camden".into(),
            boroughs: boroughs.iter().map(|b| (*b).to_owned()).collect(),
            wards: vec![],
            iat: now,
            exp: now + 600,
            nbf: None,
            iss: None,
            aud: None,
        }
    }

    fn verifier() -> Verifier {
        Verifier::new(&VerifierConfig {
            secret: Some(SECRET.to_vec()),
            ..VerifierConfig::default()
        })
        .unwrap()
    }

    #[test]
    fn issued_tokens_verify_into_their_principal() {
        let token = issue(&claims(Role::BoardMember, &["E09000007"]), SECRET).unwrap();
        let who = verifier().verify(&token).unwrap();
        assert_eq!(who.role(), Role::BoardMember);
        assert_eq!(who.actor().id, "ada");
        assert_eq!(who.actor().role, "board_member");
        assert_eq!(who.actor().organisation, "sn-board-camden");
        assert!(who.boroughs().contains("E09000007"));
    }

    #[test]
    fn expired_forged_and_misdirected_tokens_are_refused() {
        let mut old = claims(Role::Auditor, &[]);
        old.iat -= 7200;
        old.exp = now_seconds() - 3600;
        let token = issue(&old, SECRET).unwrap();
        assert!(matches!(
            verifier().verify(&token),
            Err(TokenError::Expired)
        ));

        let forged = issue(
            &claims(Role::Administrator, &[]),
            b"another-secret-another-secret-xx",
        )
        .unwrap();
        assert!(matches!(
            verifier().verify(&forged),
            Err(TokenError::BadSignature)
        ));
        assert!(matches!(
            verifier().verify("not.a.jwt"),
            Err(TokenError::Malformed)
        ));

        let strict = Verifier::new(&VerifierConfig {
            secret: Some(SECRET.to_vec()),
            issuer: Some("https://idp.example".into()),
            audience: Some("engage".into()),
            ..VerifierConfig::default()
        })
        .unwrap();
        let plain = issue(&claims(Role::Auditor, &[]), SECRET).unwrap();
        assert!(strict.verify(&plain).is_err());
        let mut good = claims(Role::Auditor, &[]);
        good.iss = Some("https://idp.example".into());
        good.aud = Some("engage".into());
        assert!(strict.verify(&issue(&good, SECRET).unwrap()).is_ok());
        good.aud = Some("elsewhere".into());
        assert!(matches!(
            strict.verify(&issue(&good, SECRET).unwrap()),
            Err(TokenError::WrongAudience)
        ));
    }

    #[test]
    fn claims_must_fit_the_role() {
        assert!(matches!(
            issue(&claims(Role::BoardMember, &[]), SECRET),
            Err(TokenError::Claims(_))
        ));
        assert!(matches!(
            issue(&claims(Role::MopacAnalyst, &["E09000007"]), SECRET),
            Err(TokenError::Claims(_))
        ));
        assert!(matches!(
            issue(&claims(Role::BoardChair, &["E09999999"]), SECRET),
            Err(TokenError::Claims(_))
        ));
        let mut panel = claims(Role::WardPanelMember, &[]);
        panel.wards = vec!["E05000128".into()];
        assert!(issue(&panel, SECRET).is_ok());
        panel.wards = vec!["Camden Town".into()];
        assert!(issue(&panel, SECRET).is_err());
    }

    #[test]
    fn short_secrets_and_missing_keys_are_refused() {
        assert!(Verifier::new(&VerifierConfig::default()).is_err());
        assert!(
            Verifier::new(&VerifierConfig {
                secret: Some(b"short".to_vec()),
                ..VerifierConfig::default()
            })
            .is_err()
        );
    }

    #[test]
    fn the_local_secret_is_created_once_and_private() {
        let dir = tempfile::tempdir().unwrap();
        let first = load_or_create_secret(dir.path()).unwrap();
        assert_eq!(first.len(), 64);
        assert_eq!(load_or_create_secret(dir.path()).unwrap(), first);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(LOCAL_SECRET_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
