//! Choosing and opening the event store from `--store` / `--data-dir`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, bail};
use engage_log::EventStore;
use engage_store_sqlite::{EVENTS_FILE, SqliteStore};

/// Where the event log lives, parsed from a store URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreLocation {
    /// The embedded store: an SQLite file.
    Sqlite(PathBuf),
}

impl StoreLocation {
    /// `--store URL` if given, else the embedded store in `data_dir`.
    pub fn resolve(store: Option<&str>, data_dir: &Path) -> anyhow::Result<Self> {
        let Some(url) = store.map(str::trim).filter(|s| !s.is_empty()) else {
            return Ok(Self::Sqlite(data_dir.join(EVENTS_FILE)));
        };
        if let Some(path) = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
        {
            if path.is_empty() {
                bail!(
                    "store URL `{url}` names no file: use sqlite:PATH, e.g. sqlite:./engage-data/events.sqlite"
                );
            }
            return Ok(Self::Sqlite(PathBuf::from(path)));
        }
        let scheme = url.split(':').next().unwrap_or_default();
        match scheme {
            "postgres" | "postgresql" | "kurrentdb" | "esdb" | "kurrentdb+discover"
            | "esdb+discover" => bail!(
                "store URL `{url}`: the {scheme} backend is not part of this build yet; \
                 use the embedded store (no --store, or sqlite:PATH)"
            ),
            _ => bail!(
                "store URL `{url}` is not understood: use sqlite:PATH (embedded, the default)"
            ),
        }
    }

    /// Open for reading and writing (one process at a time).
    pub fn open(&self) -> anyhow::Result<Arc<dyn EventStore>> {
        match self {
            Self::Sqlite(path) => {
                let store = SqliteStore::open(path)
                    .with_context(|| format!("opening the event store {}", path.display()))?;
                Ok(Arc::new(store))
            }
        }
    }

    /// Open an existing store read-only (works next to a running server).
    pub fn open_read_only(&self) -> anyhow::Result<Arc<dyn EventStore>> {
        match self {
            Self::Sqlite(path) => {
                let store = SqliteStore::open_read_only(path).with_context(|| {
                    format!("opening the event store {} read-only", path.display())
                })?;
                Ok(Arc::new(store))
            }
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Self::Sqlite(path) => format!("sqlite:{}", path.display()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_is_the_embedded_store_in_the_data_dir() {
        let loc = StoreLocation::resolve(None, Path::new("./engage-data")).expect("default");
        assert_eq!(
            loc,
            StoreLocation::Sqlite(PathBuf::from("./engage-data/events.sqlite"))
        );
    }

    #[test]
    fn sqlite_urls() {
        let loc = StoreLocation::resolve(Some("sqlite:/var/lib/engage/log.sqlite"), Path::new("x"))
            .expect("url");
        assert_eq!(
            loc,
            StoreLocation::Sqlite(PathBuf::from("/var/lib/engage/log.sqlite"))
        );
        assert!(StoreLocation::resolve(Some("sqlite:"), Path::new("x")).is_err());
    }

    #[test]
    fn unknown_and_unbuilt_backends_are_clear_errors() {
        let e = StoreLocation::resolve(Some("postgres://localhost/engage"), Path::new("x"))
            .expect_err("pg");
        assert!(e.to_string().contains("not part of this build"), "{e}");
        let e = StoreLocation::resolve(Some("mysql://x"), Path::new("x")).expect_err("mysql");
        assert!(e.to_string().contains("not understood"), "{e}");
    }
}
