//! Where the log lives: a KurrentDB / EventStoreDB connection string, parsed into the
//! client's settings plus the name of the stream that holds engage's log. Passwords never
//! leave this module in text: everything shown to people uses [`KurrentConfig::redacted`].

use std::fmt;
use std::str::FromStr;

use kurrentdb::ClientSettings;

/// The stream that holds the log when the URL names none.
pub const DEFAULT_LOG_STREAM: &str = "engage-log";

/// The query parameter that chooses the log stream (`?logStream=engage-log-test`). It is
/// engage's own and is removed before the URL reaches the client library.
pub const LOG_STREAM_PARAM: &str = "logStream";

/// The URL schemes the official client accepts.
const SCHEMES: [&str; 6] = [
    "kurrentdb",
    "kurrentdb+discover",
    "esdb",
    "esdb+discover",
    "kdb",
    "kdb+discover",
];

/// A URL that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("KurrentDB URL `{url}`: {reason}")]
pub struct UrlError {
    /// The URL with any password replaced by `***`.
    pub url: String,
    pub reason: String,
}

/// A parsed `kurrentdb://` / `esdb://` connection string.
#[derive(Clone)]
pub struct KurrentConfig {
    settings: ClientSettings,
    log_stream: String,
    redacted: String,
    /// Only for [`KurrentConfig::scrub`]; never shown.
    password: Option<String>,
}

impl fmt::Debug for KurrentConfig {
    // The client's own settings print their credentials in `Debug`: never show them.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KurrentConfig")
            .field("url", &self.redacted)
            .field("log_stream", &self.log_stream)
            .finish()
    }
}

impl fmt::Display for KurrentConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted)
    }
}

impl PartialEq for KurrentConfig {
    fn eq(&self, other: &Self) -> bool {
        self.settings == other.settings && self.log_stream == other.log_stream
    }
}

impl Eq for KurrentConfig {}

impl FromStr for KurrentConfig {
    type Err = UrlError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::from_url(s)
    }
}

impl KurrentConfig {
    /// Parse `kurrentdb://user:password@host:2113?tls=false&logStream=engage-log`.
    ///
    /// Every connection-string setting of the official client may follow (`tls`,
    /// `tlsVerifyCert`, `tlsCAFile`, `nodePreference`, `defaultDeadline`, …); cluster
    /// seeds are written `esdb://host1:2113,host2:2113,host3:2113`, DNS discovery with
    /// `+discover`. `logStream` is engage's own (default `engage-log`).
    pub fn from_url(url: &str) -> Result<Self, UrlError> {
        let url = url.trim();
        let redacted = redact(url);
        let bad = |reason: String| UrlError {
            url: redacted.clone(),
            reason,
        };
        let scheme = url.split("://").next().unwrap_or_default();
        if !url.contains("://") || !SCHEMES.contains(&scheme.to_ascii_lowercase().as_str()) {
            return Err(bad(
                "it must start with kurrentdb://, esdb:// or kdb:// (optionally +discover), \
                 e.g. kurrentdb://admin:changeit@localhost:2113?tls=false"
                    .into(),
            ));
        }
        let (client_url, log_stream) = take_log_stream(url).map_err(bad)?;
        // The client's parse errors quote the whole URL, password included: replace them
        // with what went wrong, in our words.
        let settings = client_url.parse::<ClientSettings>().map_err(|e| {
            let detail = e.error().map_or_else(
                || redact_in(e.message(), url),
                |parse| format!("not a valid URL ({parse})"),
            );
            bad(format!("the client refused it: {detail}"))
        })?;
        Ok(Self {
            settings,
            log_stream,
            redacted,
            password: password(url).filter(|p| !p.is_empty()).map(str::to_owned),
        })
    }

    /// The client's settings (they contain the credentials: do not print them).
    pub fn settings(&self) -> &ClientSettings {
        &self.settings
    }

    /// The stream that holds the whole log.
    pub fn log_stream(&self) -> &str {
        &self.log_stream
    }

    /// The URL with its password replaced by `***`.
    pub fn redacted(&self) -> &str {
        &self.redacted
    }

    /// `text` (e.g. an error message of the client) with this URL's password replaced by `***`.
    pub fn scrub(&self, text: &str) -> String {
        match &self.password {
            Some(p) => text.replace(p.as_str(), "***"),
            None => text.to_owned(),
        }
    }

    /// The same server with another log stream (each test uses a stream of its own).
    pub fn with_log_stream(&self, stream: &str) -> Result<Self, UrlError> {
        check_log_stream(stream).map_err(|reason| UrlError {
            url: self.redacted.clone(),
            reason,
        })?;
        let mut out = self.clone();
        out.log_stream = stream.to_owned();
        Ok(out)
    }
}

fn check_log_stream(name: &str) -> Result<(), String> {
    if name.is_empty() || name.len() > 256 {
        return Err(format!("{LOG_STREAM_PARAM} must be 1 to 256 bytes long"));
    }
    if name.starts_with('$') {
        return Err(format!(
            "{LOG_STREAM_PARAM} `{name}` starts with `$`, which KurrentDB reserves for system streams"
        ));
    }
    if name.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!(
            "{LOG_STREAM_PARAM} `{name}` contains whitespace or control characters"
        ));
    }
    Ok(())
}

/// Split engage's `logStream` parameter off the query string. Returns the URL the client
/// should see and the log stream's name.
fn take_log_stream(url: &str) -> Result<(String, String), String> {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, q),
        None => return Ok((url.to_owned(), DEFAULT_LOG_STREAM.to_owned())),
    };
    let mut kept = Vec::new();
    let mut stream = None;
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        if key.eq_ignore_ascii_case(LOG_STREAM_PARAM) {
            if stream.is_some() {
                return Err(format!("{LOG_STREAM_PARAM} is given more than once"));
            }
            stream = Some(value.to_owned());
        } else {
            kept.push(pair);
        }
    }
    let stream = stream.unwrap_or_else(|| DEFAULT_LOG_STREAM.to_owned());
    check_log_stream(&stream)?;
    let client_url = if kept.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    Ok((client_url, stream))
}

/// `url` with the password of its user-info part replaced by `***`. Also safe on text that
/// is not a URL (returned unchanged when there is no `user:password@`).
pub fn redact(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_owned();
    };
    let rest = &url[scheme_end + 3..];
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    // The last `@` ends the user info (a password may itself contain `@`).
    let Some(at) = authority.rfind('@') else {
        return url.to_owned();
    };
    let userinfo = &authority[..at];
    let Some(colon) = userinfo.find(':') else {
        return url.to_owned();
    };
    format!(
        "{}{}:***{}",
        &url[..scheme_end + 3],
        &userinfo[..colon],
        &rest[at..]
    )
}

/// Replace the password of `url` wherever it appears in `text`.
fn redact_in(text: &str, url: &str) -> String {
    let redacted = redact(url);
    let text = text.replace(url, &redacted);
    match password(url) {
        Some(p) if !p.is_empty() => text.replace(p, "***"),
        _ => text,
    }
}

fn password(url: &str) -> Option<&str> {
    let rest = &url[url.find("://")? + 3..];
    let authority = &rest[..rest.find(['/', '?']).unwrap_or(rest.len())];
    let userinfo = &authority[..authority.rfind('@')?];
    userinfo.split_once(':').map(|(_, p)| p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_scheme_parses_and_defaults_the_log_stream() {
        for url in [
            "kurrentdb://admin:changeit@localhost:2113?tls=false",
            "esdb://localhost:2113?tls=false",
            "kdb://localhost:2113",
            "esdb+discover://admin:changeit@cluster.example:2113",
            "kurrentdb://admin:changeit@node1:2113,node2:2113,node3:2113?tls=false",
        ] {
            let c = KurrentConfig::from_url(url).unwrap_or_else(|e| panic!("{url}: {e}"));
            assert_eq!(c.log_stream(), DEFAULT_LOG_STREAM, "{url}");
        }
    }

    #[test]
    fn log_stream_parameter_is_taken_out_of_the_url() {
        let c = KurrentConfig::from_url(
            "kurrentdb://admin:changeit@localhost:2113?tls=false&logStream=engage-test-1",
        )
        .expect("url");
        assert_eq!(c.log_stream(), "engage-test-1");
        let plain = KurrentConfig::from_url("kurrentdb://admin:changeit@localhost:2113?tls=false")
            .expect("url");
        // Same server settings: the parameter did not reach the client.
        assert_eq!(c.settings(), plain.settings());
        let only = KurrentConfig::from_url("esdb://localhost:2113?logStream=x").expect("url");
        assert_eq!(only.log_stream(), "x");
    }

    #[test]
    fn bad_log_streams_are_refused() {
        for (url, needle) in [
            ("esdb://localhost:2113?logStream=$all", "reserves"),
            ("esdb://localhost:2113?logStream=", "1 to 256"),
            (
                "esdb://localhost:2113?logStream=a&logStream=b",
                "more than once",
            ),
        ] {
            let e = KurrentConfig::from_url(url).expect_err(url);
            assert!(e.reason.contains(needle), "{url}: {e}");
        }
        let c = KurrentConfig::from_url("esdb://localhost:2113").expect("url");
        assert!(c.with_log_stream("has space").is_err());
        assert_eq!(
            c.with_log_stream("engage-2").expect("ok").log_stream(),
            "engage-2"
        );
    }

    #[test]
    fn wrong_schemes_are_refused_with_an_example() {
        for url in ["postgres://x", "localhost:2113", "http://localhost:2113"] {
            let e = KurrentConfig::from_url(url).expect_err(url);
            assert!(e.reason.contains("kurrentdb://"), "{e}");
        }
    }

    #[test]
    fn passwords_never_appear_in_text() {
        let url = "kurrentdb://admin:s3cr@t@localhost:2113?tls=false";
        assert_eq!(
            redact(url),
            "kurrentdb://admin:***@localhost:2113?tls=false"
        );
        let c = KurrentConfig::from_url(url).expect("url");
        assert!(!format!("{c} {c:?}").contains("s3cr"), "{c:?}");
        assert_eq!(redact("esdb://localhost:2113"), "esdb://localhost:2113");
        assert_eq!(redact("esdb://user@localhost"), "esdb://user@localhost");
        // A URL the client refuses: its error quotes the URL, ours must not.
        for bad in [
            "kurrentdb://admin:s3cret@localhost:2113?nodePreference=sideways",
            "kurrentdb://admin:s3cret@localhost:99999",
            "kurrentdb://admin:s3cret@localhost:2113/some/path",
        ] {
            let e = KurrentConfig::from_url(bad).expect_err(bad);
            let text = e.to_string();
            assert!(!text.contains("s3cret"), "{text}");
            assert!(text.contains("***"), "{text}");
        }
    }
}
