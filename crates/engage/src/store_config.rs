//! Choosing and opening the event store from `--store` / `--data-dir`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, bail};
use engage_log::EventStore;
use engage_store_kurrentdb::{KurrentConfig, KurrentStore};
use engage_store_postgres::{PostgresConfig, PostgresStore};
use engage_store_sqlite::{EVENTS_FILE, SqliteStore};

/// Where the event log lives, parsed from a store URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreLocation {
    /// The embedded store: an SQLite file.
    Sqlite(PathBuf),
    /// A schema in a PostgreSQL database (`postgres://…` / `postgresql://…`).
    Postgres(Box<PostgresConfig>),
    /// A stream in a KurrentDB / EventStoreDB database (`kurrentdb://…` / `esdb://…`).
    Kurrent(Box<KurrentConfig>),
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
            // The URL error already quotes the URL with its password hidden.
            "postgres" | "postgresql" => {
                Ok(Self::Postgres(Box::new(PostgresConfig::from_url(url)?)))
            }
            // The URL error already quotes the URL with its password hidden.
            "kurrentdb" | "esdb" | "kdb" | "kurrentdb+discover" | "esdb+discover"
            | "kdb+discover" => Ok(Self::Kurrent(Box::new(KurrentConfig::from_url(url)?))),
            _ => bail!(
                "store URL `{}` is not understood: use sqlite:PATH (embedded, the default), \
                 postgres://USER:PASSWORD@HOST:PORT/DATABASE[?schema=NAME] \
                 or kurrentdb://USER:PASSWORD@HOST:2113[?tls=false&logStream=NAME] (or esdb://)",
                engage_store_postgres::redact(url)
            ),
        }
    }

    /// Open for reading and writing (SQLite: one process at a time; PostgreSQL: any number).
    pub async fn open(&self) -> anyhow::Result<Arc<dyn EventStore>> {
        match self {
            Self::Sqlite(path) => {
                let store = SqliteStore::open(path)
                    .with_context(|| format!("opening the event store {}", path.display()))?;
                Ok(Arc::new(store))
            }
            Self::Postgres(config) => {
                let store = PostgresStore::open(config)
                    .await
                    .with_context(|| format!("opening the event store {config}"))?;
                Ok(Arc::new(store))
            }
            Self::Kurrent(config) => {
                let store = KurrentStore::open(config).await.with_context(|| {
                    format!(
                        "opening the event store {config} (log stream `{}`)",
                        config.log_stream()
                    )
                })?;
                Ok(Arc::new(store))
            }
        }
    }

    /// Open an existing store read-only (works next to a running server).
    pub async fn open_read_only(&self) -> anyhow::Result<Arc<dyn EventStore>> {
        match self {
            Self::Sqlite(path) => {
                let store = SqliteStore::open_read_only(path).with_context(|| {
                    format!("opening the event store {} read-only", path.display())
                })?;
                Ok(Arc::new(store))
            }
            Self::Postgres(config) => {
                let store = PostgresStore::open_read_only(config)
                    .await
                    .with_context(|| format!("opening the event store {config} read-only"))?;
                Ok(Arc::new(store))
            }
            Self::Kurrent(config) => {
                let store = KurrentStore::open_read_only(config)
                    .await
                    .with_context(|| {
                        format!(
                            "opening the event store {config} (log stream `{}`) read-only",
                            config.log_stream()
                        )
                    })?;
                Ok(Arc::new(store))
            }
        }
    }

    /// For messages and logs: never includes a password.
    pub fn describe(&self) -> String {
        match self {
            Self::Sqlite(path) => format!("sqlite:{}", path.display()),
            Self::Postgres(config) => config.redacted().to_owned(),
            Self::Kurrent(config) => config.redacted().to_owned(),
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
    fn postgres_urls_in_both_forms_without_the_password_in_text() {
        for url in [
            "postgres://engage:s3cret@db.internal:5432/records?schema=engage",
            "postgresql://engage:s3cret@db.internal:5432/records?schema=engage",
        ] {
            let loc = StoreLocation::resolve(Some(url), Path::new("x")).expect("pg");
            let StoreLocation::Postgres(config) = &loc else {
                panic!("not postgres: {loc:?}")
            };
            assert_eq!(config.schema(), "engage");
            assert_eq!(
                loc.describe(),
                "postgres://engage@db.internal:5432/records?schema=engage"
            );
            assert!(!format!("{loc:?}").contains("s3cret"));
        }
        let e = StoreLocation::resolve(Some("postgres://u:s3cret@h/d?schema=Bad"), Path::new("x"))
            .expect_err("bad schema");
        assert!(e.to_string().contains("schema"), "{e}");
        assert!(!e.to_string().contains("s3cret"), "{e}");
    }

    #[test]
    fn kurrentdb_and_esdb_urls_without_the_password_in_text() {
        for url in [
            "kurrentdb://admin:s3cret@localhost:2113?tls=false&logStream=engage-camden",
            "esdb://admin:s3cret@node1:2113,node2:2113,node3:2113?tls=false&logStream=engage-camden",
            "esdb+discover://admin:s3cret@cluster.internal:2113?logStream=engage-camden",
        ] {
            let loc = StoreLocation::resolve(Some(url), Path::new("x")).expect("kurrentdb");
            let StoreLocation::Kurrent(config) = &loc else {
                panic!("not kurrentdb: {loc:?}")
            };
            assert_eq!(config.log_stream(), "engage-camden");
            assert!(loc.describe().contains("admin:***@"), "{}", loc.describe());
            assert!(!format!("{} {loc:?}", loc.describe()).contains("s3cret"));
        }
        let e = StoreLocation::resolve(
            Some("kurrentdb://admin:s3cret@localhost:2113?logStream=$all"),
            Path::new("x"),
        )
        .expect_err("system stream");
        assert!(e.to_string().contains("logStream"), "{e}");
        assert!(!e.to_string().contains("s3cret"), "{e}");
    }

    #[test]
    fn unknown_backends_are_clear_errors() {
        let e =
            StoreLocation::resolve(Some("mysql://u:s3cret@x"), Path::new("x")).expect_err("mysql");
        assert!(e.to_string().contains("not understood"), "{e}");
        assert!(e.to_string().contains("kurrentdb://"), "{e}");
        assert!(!e.to_string().contains("s3cret"), "{e}");
    }
}
