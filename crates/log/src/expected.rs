//! Optimistic concurrency: what a writer believes a stream's version to be.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The writer's expectation of the stream's current version when it appends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "version")]
pub enum ExpectedVersion {
    /// Append whatever the stream's state.
    Any,
    /// The stream must not exist yet (this append creates it).
    NoStream,
    /// The stream must exist, at any version.
    StreamExists,
    /// The stream's last event must have exactly this version (0 = its first event).
    Exact(u64),
}

impl fmt::Display for ExpectedVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Any => f.write_str("any"),
            Self::NoStream => f.write_str("no_stream"),
            Self::StreamExists => f.write_str("stream_exists"),
            Self::Exact(v) => write!(f, "{v}"),
        }
    }
}

/// An expected-version text that is none of the accepted forms.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown expected version `{0}`: use `any`, `no_stream`, `stream_exists` or the stream's current version as a number (0 after its first event)"
)]
pub struct ParseExpectedVersionError(pub String);

impl FromStr for ExpectedVersion {
    type Err = ParseExpectedVersionError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        match t.to_ascii_lowercase().as_str() {
            "any" => Ok(Self::Any),
            "no_stream" | "no-stream" | "nostream" => Ok(Self::NoStream),
            "stream_exists" | "stream-exists" | "exists" => Ok(Self::StreamExists),
            _ => t
                .parse::<u64>()
                .map(Self::Exact)
                .map_err(|_| ParseExpectedVersionError(s.to_owned())),
        }
    }
}

/// What a stream's version actually was, as reported in a conflict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "version")]
pub enum ActualVersion {
    NoStream,
    At(u64),
}

impl ActualVersion {
    pub fn from_option(v: Option<u64>) -> Self {
        v.map_or(Self::NoStream, Self::At)
    }

    pub fn as_option(self) -> Option<u64> {
        match self {
            Self::NoStream => None,
            Self::At(v) => Some(v),
        }
    }
}

impl fmt::Display for ActualVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoStream => f.write_str("does not exist"),
            Self::At(v) => write!(f, "is at version {v}"),
        }
    }
}

impl ExpectedVersion {
    /// Does a stream currently at `actual` satisfy this expectation?
    pub fn is_satisfied_by(self, actual: Option<u64>) -> bool {
        match (self, actual) {
            (Self::Any, _) => true,
            (Self::NoStream, None) => true,
            (Self::NoStream, Some(_)) => false,
            (Self::StreamExists, a) => a.is_some(),
            (Self::Exact(e), Some(a)) => e == a,
            (Self::Exact(_), None) => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_documented_form() {
        assert_eq!("any".parse::<ExpectedVersion>(), Ok(ExpectedVersion::Any));
        assert_eq!(
            "no_stream".parse::<ExpectedVersion>(),
            Ok(ExpectedVersion::NoStream)
        );
        assert_eq!(
            "stream_exists".parse::<ExpectedVersion>(),
            Ok(ExpectedVersion::StreamExists)
        );
        assert_eq!(
            " 7 ".parse::<ExpectedVersion>(),
            Ok(ExpectedVersion::Exact(7))
        );
    }

    #[test]
    fn rejects_unknown_forms_with_guidance() {
        for bad in ["", "-1", "latest", "1.5", "18446744073709551616"] {
            let err = bad.parse::<ExpectedVersion>().expect_err(bad);
            assert!(err.to_string().contains("use `any`"), "{err}");
        }
    }

    #[test]
    fn satisfaction_rules() {
        use ExpectedVersion::*;
        assert!(Any.is_satisfied_by(None) && Any.is_satisfied_by(Some(3)));
        assert!(NoStream.is_satisfied_by(None) && !NoStream.is_satisfied_by(Some(0)));
        assert!(!StreamExists.is_satisfied_by(None) && StreamExists.is_satisfied_by(Some(0)));
        assert!(Exact(2).is_satisfied_by(Some(2)) && !Exact(2).is_satisfied_by(Some(3)));
        assert!(!Exact(0).is_satisfied_by(None));
    }
}
