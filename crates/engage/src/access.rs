//! Access control on the command line: the token keys, development switch and rate limits
//! of `engage serve`, and `engage token`, which prints a signed bearer token for local use.
//!
//! Keys: `--token-secret-file` (HS256; `engage token` signs with it) and/or
//! `--token-public-key-file` with `--token-public-key-algorithm` (EdDSA, ES256, RS256) for
//! tokens issued elsewhere. With neither, `serve` and `token` share a random secret kept in
//! `<data dir>/token-secret` (created with mode 0600 on first use).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, bail};
use clap::Args;
use engage_access::token::{self, Claims};
use engage_access::{Role, Verifier, VerifierConfig};
use engage_server::AccessConfig;
use engage_server::ratelimit::RateLimits;

/// Keys and checks for bearer tokens (shared by `serve` and `token`).
#[derive(Debug, Args)]
pub struct TokenKeyArgs {
    /// File holding the HS256 secret (at least 32 bytes). Default: a random secret kept in
    /// <data dir>/token-secret, created on first use.
    #[arg(long, env = "ENGAGE_TOKEN_SECRET_FILE")]
    pub token_secret_file: Option<PathBuf>,
    /// Accept only tokens whose `iss` is this (and `engage token` writes it).
    #[arg(long, env = "ENGAGE_TOKEN_ISSUER")]
    pub token_issuer: Option<String>,
    /// Accept only tokens whose `aud` is this (and `engage token` writes it).
    #[arg(long, env = "ENGAGE_TOKEN_AUDIENCE")]
    pub token_audience: Option<String>,
}

/// Access control of `engage serve`.
#[derive(Debug, Args)]
pub struct ServeAccessArgs {
    #[command(flatten)]
    pub keys: TokenKeyArgs,
    /// PEM public key of an identity provider whose tokens are accepted too.
    #[arg(
        long,
        env = "ENGAGE_TOKEN_PUBLIC_KEY_FILE",
        requires = "token_public_key_algorithm"
    )]
    pub token_public_key_file: Option<PathBuf>,
    /// The public key's algorithm: EdDSA, ES256 or RS256.
    #[arg(long, env = "ENGAGE_TOKEN_PUBLIC_KEY_ALGORITHM")]
    pub token_public_key_algorithm: Option<String>,
    /// INSECURE, development only: requests without a token act as this identity
    /// (ID:ROLE:ORGANISATION, recorded as the actor) with an administrator's permissions.
    /// Off by default: without a token a request is the public.
    #[arg(
        long,
        env = "ENGAGE_DEV_ACTOR",
        value_parser = engage_server::identity::parse_actor
    )]
    pub dev_actor: Option<engage_log::Actor>,
    /// Requests per minute allowed per bearer token (0: unlimited).
    #[arg(long, env = "ENGAGE_RATE_LIMIT_PER_TOKEN", default_value_t = RateLimits::recommended().per_token_per_minute)]
    pub rate_limit_per_token: u32,
    /// Requests a token may send at once before the per-minute rate applies.
    #[arg(long, env = "ENGAGE_RATE_LIMIT_TOKEN_BURST", default_value_t = RateLimits::recommended().per_token_burst)]
    pub rate_limit_token_burst: u32,
    /// Requests per minute allowed per client address without a token (0: unlimited).
    #[arg(long, env = "ENGAGE_RATE_LIMIT_ANONYMOUS", default_value_t = RateLimits::recommended().anonymous_per_minute)]
    pub rate_limit_anonymous: u32,
    /// Requests an anonymous address may send at once.
    #[arg(long, env = "ENGAGE_RATE_LIMIT_ANONYMOUS_BURST", default_value_t = RateLimits::recommended().anonymous_burst)]
    pub rate_limit_anonymous_burst: u32,
}

/// `engage token`: print a signed bearer token.
#[derive(Debug, Args)]
pub struct TokenArgs {
    /// The role: public, board_member, board_chair, custody_visitor, ward_panel_member,
    /// mopac_officer, mopac_analyst, auditor, administrator.
    #[arg(long)]
    pub role: Role,
    /// A borough (GSS code, E09…) a borough-scoped role covers; repeat for more.
    #[arg(long = "borough")]
    pub boroughs: Vec<String>,
    /// A ward (GSS code, E05…) a ward-scoped role covers; repeat for more.
    #[arg(long = "ward")]
    pub wards: Vec<String>,
    /// Who acts: recorded as the actor's id on every event the token's requests cause.
    #[arg(long)]
    pub subject: String,
    /// The organisation they act for, recorded with them.
    #[arg(long)]
    pub organisation: String,
    /// How long the token is valid: e.g. 90s, 30m, 8h, 7d.
    #[arg(long, default_value = "8h", value_parser = parse_ttl)]
    pub ttl: u64,
    #[command(flatten)]
    pub keys: TokenKeyArgs,
}

/// `90s`, `30m`, `8h`, `7d` (or bare seconds) as seconds; at most 366 days.
fn parse_ttl(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let (number, unit) = match text.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => (&text[..i], c),
        _ => (text, 's'),
    };
    let n: u64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a duration like 90s, 30m, 8h or 7d"))?;
    let seconds = match unit {
        's' => Some(n),
        'm' => n.checked_mul(60),
        'h' => n.checked_mul(3600),
        'd' => n.checked_mul(86_400),
        other => {
            return Err(format!(
                "unknown unit `{other}` in `{text}`: use s, m, h or d"
            ));
        }
    };
    match seconds {
        Some(0) => Err("the token must be valid for at least a second".into()),
        Some(s) if s <= 366 * 86_400 => Ok(s),
        _ => Err(format!(
            "`{text}` is longer than the 366 days a token may last"
        )),
    }
}

fn secret(keys: &TokenKeyArgs, data_dir: &Path) -> anyhow::Result<Vec<u8>> {
    match &keys.token_secret_file {
        Some(path) => token::read_secret(path)
            .with_context(|| format!("reading the token secret {}", path.display())),
        None => token::load_or_create_secret(data_dir).with_context(|| {
            format!(
                "using the local token secret in {} (or pass --token-secret-file)",
                data_dir.display()
            )
        }),
    }
}

/// The access configuration of the server from the command line.
pub fn server_access(args: &ServeAccessArgs, data_dir: &Path) -> anyhow::Result<AccessConfig> {
    let public_key = match (
        &args.token_public_key_file,
        &args.token_public_key_algorithm,
    ) {
        (Some(path), Some(alg)) => {
            let alg = token::public_key_algorithm(alg)?;
            let pem = std::fs::read(path)
                .with_context(|| format!("reading the token public key {}", path.display()))?;
            Some((alg, pem))
        }
        (None, Some(_)) => bail!("--token-public-key-algorithm needs --token-public-key-file"),
        _ => None,
    };
    // The shared secret is used when given, or when no public key is: a server configured
    // only with an identity provider's key does not create a local secret.
    let secret = if args.keys.token_secret_file.is_some() || public_key.is_none() {
        Some(secret(&args.keys, data_dir)?)
    } else {
        None
    };
    let verifier = Verifier::new(&VerifierConfig {
        secret,
        public_key,
        issuer: args.keys.token_issuer.clone(),
        audience: args.keys.token_audience.clone(),
        leeway_seconds: None,
    })
    .context("configuring bearer tokens")?;
    if let Some(actor) = &args.dev_actor {
        tracing::warn!(
            actor.id = %actor.id,
            actor.role = %actor.role,
            actor.organisation = %actor.organisation,
            "INSECURE development switch --dev-actor is on: requests without a token act as this identity with an administrator's permissions"
        );
    }
    Ok(AccessConfig {
        verifier: Some(Arc::new(verifier)),
        dev_actor: args.dev_actor.clone(),
        rate_limits: RateLimits {
            per_token_per_minute: args.rate_limit_per_token,
            per_token_burst: args.rate_limit_token_burst,
            anonymous_per_minute: args.rate_limit_anonymous,
            anonymous_burst: args.rate_limit_anonymous_burst,
        },
    })
}

/// `engage token`: print a token signed with the HS256 secret.
pub fn token_cmd(data_dir: &Path, args: TokenArgs) -> anyhow::Result<ExitCode> {
    let secret = secret(&args.keys, data_dir)?;
    let now = token::now_seconds();
    let claims = Claims {
        sub: args.subject,
        role: args.role,
        org: args.organisation,
        boroughs: args.boroughs,
        wards: args.wards,
        iat: now,
        exp: now + args.ttl,
        nbf: None,
        iss: args.keys.token_issuer,
        aud: args.keys.token_audience,
    };
    let token = token::issue(&claims, &secret).context("issuing the token")?;
    println!("{token}");
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ttls_read_as_seconds() {
        assert_eq!(parse_ttl("90s"), Ok(90));
        assert_eq!(parse_ttl("30m"), Ok(1800));
        assert_eq!(parse_ttl("8h"), Ok(28_800));
        assert_eq!(parse_ttl("7d"), Ok(604_800));
        assert_eq!(parse_ttl("120"), Ok(120));
        assert!(parse_ttl("0h").is_err());
        assert!(parse_ttl("8 hours").is_err());
        assert!(parse_ttl("400d").is_err());
        assert!(parse_ttl("5w").is_err());
    }
}
