//! Where the log lives: a PostgreSQL URL, parsed into a connection config plus the schema
//! that holds engage's tables. Passwords never leave this module in text: everything that
//! is shown to people uses [`PostgresConfig::redacted`].

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use tokio_postgres::config::{Host, SslMode};

/// The schema used when the URL names none.
pub const DEFAULT_SCHEMA: &str = "public";

/// The query parameter that chooses the schema (`?schema=engage`).
pub const SCHEMA_PARAM: &str = "schema";

/// Longest schema name accepted: the LISTEN channel is `engage_head_<schema>` and
/// PostgreSQL channel names are at most 63 bytes.
pub const MAX_SCHEMA_LEN: usize = 48;

/// How long opening a connection may take when the URL sets no `connect_timeout`.
const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// A URL that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("PostgreSQL URL `{url}`: {reason}")]
pub struct UrlError {
    /// The URL with any password replaced by `***`.
    pub url: String,
    pub reason: String,
}

/// A parsed `postgres://` / `postgresql://` URL.
#[derive(Clone, PartialEq, Eq)]
pub struct PostgresConfig {
    pg: tokio_postgres::Config,
    schema: String,
    redacted: String,
}

impl fmt::Debug for PostgresConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // tokio-postgres redacts the password in its own Debug output too.
        f.debug_struct("PostgresConfig")
            .field("url", &self.redacted)
            .field("schema", &self.schema)
            .finish()
    }
}

impl fmt::Display for PostgresConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted)
    }
}

impl FromStr for PostgresConfig {
    type Err = UrlError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::from_url(s)
    }
}

impl PostgresConfig {
    /// Parse `postgres://user:password@host:port/database?schema=name&…`.
    ///
    /// Every libpq-style parameter tokio-postgres understands may follow (`sslmode`,
    /// `connect_timeout`, `application_name`, `options`, `host=/run/postgresql` for a unix
    /// socket, …); `schema` is engage's own and chooses the schema of the tables
    /// (default `public`). TLS is not built in: `sslmode=require` is refused.
    pub fn from_url(url: &str) -> Result<Self, UrlError> {
        let url = url.trim();
        let redacted = redact(url);
        let bad = |reason: String| UrlError {
            url: redacted.clone(),
            reason,
        };
        if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
            return Err(bad(
                "it must start with postgres:// or postgresql:// (e.g. postgres://engage@db.example:5432/engage)".into(),
            ));
        }
        let (base, query) = match url.split_once('?') {
            Some((b, q)) => (b, Some(q)),
            None => (url, None),
        };
        let mut schema: Option<String> = None;
        let mut kept: Vec<&str> = Vec::new();
        for pair in query.into_iter().flat_map(|q| q.split('&')) {
            if pair.is_empty() {
                continue;
            }
            match pair.split_once('=') {
                Some((SCHEMA_PARAM, value)) => {
                    if schema.is_some() {
                        return Err(bad("`schema` is given more than once".into()));
                    }
                    schema = Some(value.to_owned());
                }
                _ => kept.push(pair),
            }
        }
        let schema = schema.unwrap_or_else(|| DEFAULT_SCHEMA.to_owned());
        check_schema_name(&schema).map_err(|reason| bad(reason.to_owned()))?;
        let rest = if kept.is_empty() {
            base.to_owned()
        } else {
            format!("{base}?{}", kept.join("&"))
        };
        let mut pg: tokio_postgres::Config = rest.parse().map_err(|e: tokio_postgres::Error| {
            // tokio-postgres' parse errors name the option, never echo the value.
            bad(e.to_string())
        })?;
        if pg.get_user().is_none_or(str::is_empty) {
            return Err(bad(
                "it names no user: use postgres://USER@HOST/DATABASE".into()
            ));
        }
        if pg.get_hosts().is_empty() {
            return Err(bad(
                "it names no host: use postgres://USER@HOST/DATABASE".into()
            ));
        }
        if pg.get_ssl_mode() == SslMode::Require {
            return Err(bad(
                "sslmode=require is not supported by this build (no TLS); connect over a private network or a unix socket, or terminate TLS in front of the server".into(),
            ));
        }
        if pg.get_connect_timeout().is_none() {
            pg.connect_timeout(DEFAULT_CONNECT_TIMEOUT);
        }
        let redacted = describe(&pg, &schema);
        Ok(Self {
            pg,
            schema,
            redacted,
        })
    }

    /// The schema holding engage's tables.
    pub fn schema(&self) -> &str {
        &self.schema
    }

    /// A copy pointing at another schema (tests and benchmarks use one schema each).
    pub fn with_schema(&self, schema: &str) -> Result<Self, UrlError> {
        check_schema_name(schema).map_err(|reason| UrlError {
            url: self.redacted.clone(),
            reason: reason.to_owned(),
        })?;
        let mut out = self.clone();
        out.schema = schema.to_owned();
        out.redacted = describe(&out.pg, schema);
        Ok(out)
    }

    /// The URL for people and logs: user, host, port, database and schema; never the password.
    pub fn redacted(&self) -> &str {
        &self.redacted
    }

    /// The connection settings, with `application_name` set to `engage-<role>` unless the
    /// URL chose one (it shows in `pg_stat_activity`).
    pub fn connection_config(&self, role: &str) -> tokio_postgres::Config {
        let mut pg = self.pg.clone();
        if pg.get_application_name().is_none() {
            pg.application_name(format!("engage-{role}"));
        }
        pg
    }
}

/// Schema names are plain lower-case identifiers, so they never need quoting rules beyond
/// double quotes and always make a valid channel name.
fn check_schema_name(schema: &str) -> Result<(), &'static str> {
    let mut chars = schema.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_');
    if !first_ok
        || !schema
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        return Err(
            "the schema must be a lower-case name of letters, digits and `_`, starting with a letter or `_`",
        );
    }
    if schema.len() > MAX_SCHEMA_LEN {
        return Err("the schema name is longer than 48 characters");
    }
    if schema.starts_with("pg_") {
        return Err("schema names starting with `pg_` are reserved by PostgreSQL");
    }
    Ok(())
}

/// `postgres://user@host:port/db?schema=s`, built from the parsed config (no password).
fn describe(pg: &tokio_postgres::Config, schema: &str) -> String {
    let user = pg.get_user().unwrap_or_default();
    let ports = pg.get_ports();
    let hosts: Vec<String> = pg
        .get_hosts()
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let host = match h {
                Host::Tcp(name) => name.clone(),
                Host::Unix(path) => path.display().to_string(),
            };
            match ports.get(i).or_else(|| ports.first()) {
                Some(port) => format!("{host}:{port}"),
                None => host,
            }
        })
        .collect();
    let db = pg.get_dbname().unwrap_or(user);
    format!("postgres://{user}@{}/{db}?schema={schema}", hosts.join(","))
}

/// Replace the password of a URL (`user:password@`, or a `password=` parameter) with `***`
/// so that even an unparseable URL can be quoted in an error.
pub fn redact(url: &str) -> String {
    let mut out = url.to_owned();
    if let Some(scheme_end) = out.find("://") {
        let after = scheme_end + 3;
        let authority_end = out[after..]
            .find(['/', '?'])
            .map_or(out.len(), |i| after + i);
        if let Some(at) = out[after..authority_end].rfind('@') {
            let userinfo = &out[after..after + at];
            if let Some(colon) = userinfo.find(':') {
                out.replace_range(after + colon + 1..after + at, "***");
            }
        }
    }
    if let Some(q) = out.find('?') {
        let (base, query) = out.split_at(q + 1);
        let query: Vec<String> = query
            .split('&')
            .map(|p| {
                if p.to_ascii_lowercase().starts_with("password=") {
                    "password=***".to_owned()
                } else {
                    p.to_owned()
                }
            })
            .collect();
        out = format!("{base}{}", query.join("&"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_both_schemes_and_the_schema_parameter() {
        let c = PostgresConfig::from_url("postgres://engage:s3cret@db.example:6543/records")
            .expect("url");
        assert_eq!(c.schema(), "public");
        assert_eq!(
            c.redacted(),
            "postgres://engage@db.example:6543/records?schema=public"
        );
        let c = PostgresConfig::from_url(
            "postgresql://engage@localhost/records?connect_timeout=3&schema=engage_test&application_name=x",
        )
        .expect("url");
        assert_eq!(c.schema(), "engage_test");
        assert_eq!(
            c.connection_config("reader").get_application_name(),
            Some("x"),
            "the URL's application_name is kept"
        );
        assert_eq!(
            c.connection_config("reader").get_connect_timeout(),
            Some(&Duration::from_secs(3))
        );
    }

    #[test]
    fn the_password_never_appears_in_text() {
        for url in [
            "postgres://engage:s3cret@db.example/records",
            "postgres://engage@db.example/records?password=s3cret",
            "postgres://engage:s3cret@db.example/records?schema=Bad-Name",
            "postgres://engage:s3cret@db.example/records?sslmode=require",
            "postgres://engage:s3cret@db.example:notaport/records",
        ] {
            let text = match PostgresConfig::from_url(url) {
                Ok(c) => format!("{c} {c:?} {}", c.redacted()),
                Err(e) => format!("{e} {e:?}"),
            };
            assert!(!text.contains("s3cret"), "{url}: {text}");
        }
        assert_eq!(
            redact("postgres://u:p@h/d?password=x&schema=s"),
            "postgres://u:***@h/d?password=***&schema=s"
        );
    }

    #[test]
    fn bad_urls_are_clear_errors() {
        let cases = [
            ("mysql://x@y/z", "must start with postgres://"),
            ("postgres://localhost/records", "names no user"),
            ("postgres://u@h/d?schema=Has-Dash", "lower-case name"),
            ("postgres://u@h/d?schema=a&schema=b", "more than once"),
            ("postgres://u@h/d?schema=pg_catalog", "reserved"),
            ("postgres://u@h/d?sslmode=require", "no TLS"),
            ("postgres://u@h/d?frobnicate=1", "frobnicate"),
        ];
        for (url, want) in cases {
            let e = PostgresConfig::from_url(url).expect_err(url);
            assert!(e.to_string().contains(want), "{url}: {e}");
        }
        let long = format!("postgres://u@h/d?schema={}", "a".repeat(49));
        assert!(PostgresConfig::from_url(&long).is_err());
    }
}
