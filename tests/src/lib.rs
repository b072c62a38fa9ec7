//! # engage-tests: tests that span crates
//!
//! - `tests/conformance_sqlite.rs`: the backend conformance suite against the embedded store.
//! - `tests/conformance_postgres.rs`: the same suite against PostgreSQL, plus what only a
//!   server backend can show (two processes on one log, readers during in-flight appends).
//! - `tests/conformance_kurrentdb.rs`: the same suite against a KurrentDB server named by
//!   `KURRENTDB_URL` (skipped with a notice when it is not set).
//! - `tests/crash.rs`: kill -9 of a real appending process; every acknowledged append survives.
//! - `tests/tamper.rs`: editing the store file through SQL is caught by verify at that position.
//!
//! This library holds the shared fixtures: store factories per backend, and the
//! PostgreSQL test server's URL (`ENGAGE_TEST_POSTGRES_URL`, set by `scripts/with-postgres`).

use std::sync::Arc;

use engage_conformance::{StoreFactory, TestStore};
use engage_store_kurrentdb::{KurrentConfig, KurrentStore};
use engage_store_postgres::{PostgresConfig, PostgresStore};
use engage_store_sqlite::SqliteStore;

/// Fresh embedded stores, each in its own temporary directory.
pub struct SqliteFactory;

#[async_trait::async_trait]
impl StoreFactory for SqliteFactory {
    async fn fresh(&self) -> TestStore {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("temp dir: {e}"));
        let store =
            SqliteStore::open_in_dir(dir.path()).unwrap_or_else(|e| panic!("open store: {e}"));
        TestStore {
            store: Arc::new(store),
            guard: Box::new(dir),
        }
    }
}

/// The variable naming the PostgreSQL server tests may use (any database in it; each test
/// works in a schema of its own and drops it afterwards).
pub const POSTGRES_URL_VAR: &str = "ENGAGE_TEST_POSTGRES_URL";

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// The PostgreSQL test server's URL, or `None` (with the reason) when tests of it should be
/// skipped. In CI (`CI` set) a missing server is a failure, not a skip.
pub fn postgres_test_url() -> Result<String, String> {
    match std::env::var(POSTGRES_URL_VAR) {
        Ok(url) if !url.trim().is_empty() => Ok(url),
        _ => {
            let reason = format!(
                "{POSTGRES_URL_VAR} is not set, so the PostgreSQL tests cannot run; \
                 run them with scripts/with-postgres (e.g. `scripts/with-postgres cargo nextest run`)"
            );
            if in_ci() {
                panic!("CI is set: {reason}");
            }
            Err(reason)
        }
    }
}

/// A schema of its own on the test server, dropped when this guard is dropped.
pub struct PostgresSchema {
    pub config: PostgresConfig,
}

impl PostgresSchema {
    /// A new, empty schema name on the server `url` (created when a store opens it).
    pub fn new(url: &str) -> Self {
        let base =
            PostgresConfig::from_url(url).unwrap_or_else(|e| panic!("{POSTGRES_URL_VAR}: {e}"));
        let name = format!("engage_test_{}", uuid::Uuid::now_v7().simple());
        let config = base
            .with_schema(&name)
            .unwrap_or_else(|e| panic!("schema name: {e}"));
        Self { config }
    }

    /// The URL of this schema, for processes (`engage --store URL`).
    pub fn url(&self, base_url: &str) -> String {
        let sep = if base_url.contains('?') { '&' } else { '?' };
        format!("{base_url}{sep}schema={}", self.config.schema())
    }

    /// A store on this schema (created and migrated on first open).
    pub async fn open(&self) -> PostgresStore {
        PostgresStore::open(&self.config)
            .await
            .unwrap_or_else(|e| panic!("open PostgreSQL store: {e}"))
    }
}

impl Drop for PostgresSchema {
    fn drop(&mut self) {
        // Best effort, on a thread of its own (Drop cannot await): the server is usually a
        // throwaway one anyway, but a developer's own server should not fill up with schemas.
        let connect = self.config.connection_config("test-cleanup");
        let schema = self.config.schema().to_owned();
        let dropper = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async move {
                let Ok((client, conn)) = connect.connect(tokio_postgres::NoTls).await else {
                    return;
                };
                let driver = tokio::spawn(conn);
                let sql =
                    format!("SET lock_timeout = '5s'; DROP SCHEMA IF EXISTS \"{schema}\" CASCADE");
                if let Err(e) = client.batch_execute(&sql).await {
                    eprintln!("could not drop test schema {schema}: {e}");
                }
                drop(client);
                let _ = driver.await;
            });
        });
        let _ = dropper.join();
    }
}

/// Fresh PostgreSQL stores, each in a new schema of the server named by
/// `ENGAGE_TEST_POSTGRES_URL`.
pub struct PostgresFactory;

#[async_trait::async_trait]
impl StoreFactory for PostgresFactory {
    async fn fresh(&self) -> TestStore {
        let url = postgres_test_url().unwrap_or_else(|reason| panic!("{reason}"));
        let schema = PostgresSchema::new(&url);
        let store = schema.open().await;
        TestStore {
            store: Arc::new(store),
            guard: Box::new(schema),
        }
    }

    fn skip_reason(&self) -> Option<String> {
        postgres_test_url().err()
    }
}

/// The variable naming the KurrentDB server the KurrentDB tests use, e.g.
/// `kurrentdb://admin:changeit@localhost:2113?tls=false` (each test appends to a log stream
/// of its own; KurrentDB streams cannot be dropped cheaply, so they are left behind).
pub const KURRENTDB_URL_VAR: &str = "KURRENTDB_URL";

/// The KurrentDB server's URL, or `None` (with the reason) when its tests are skipped. No
/// KurrentDB server is started by the project's scripts, so a missing one is a skip, also
/// in CI: see docs/kurrentdb.md for starting one.
pub fn kurrentdb_test_url() -> Result<String, String> {
    match std::env::var(KURRENTDB_URL_VAR) {
        Ok(url) if !url.trim().is_empty() => Ok(url),
        _ => Err(format!(
            "{KURRENTDB_URL_VAR} is not set, so the KurrentDB tests cannot run; start a server \
             (docs/kurrentdb.md) and set e.g. {KURRENTDB_URL_VAR}=kurrentdb://admin:changeit@localhost:2113?tls=false"
        )),
    }
}

/// A log stream of its own on the test server.
pub fn kurrentdb_test_config(url: &str) -> KurrentConfig {
    let base = KurrentConfig::from_url(url).unwrap_or_else(|e| panic!("{KURRENTDB_URL_VAR}: {e}"));
    base.with_log_stream(&format!("engage-test-{}", uuid::Uuid::now_v7().simple()))
        .unwrap_or_else(|e| panic!("log stream: {e}"))
}

/// Fresh KurrentDB stores, each on a new log stream of the server named by `KURRENTDB_URL`.
pub struct KurrentFactory;

#[async_trait::async_trait]
impl StoreFactory for KurrentFactory {
    async fn fresh(&self) -> TestStore {
        let url = kurrentdb_test_url().unwrap_or_else(|reason| panic!("{reason}"));
        let config = kurrentdb_test_config(&url);
        let store = KurrentStore::open(&config)
            .await
            .unwrap_or_else(|e| panic!("open KurrentDB store: {e}"));
        TestStore {
            store: Arc::new(store),
            guard: Box::new(()),
        }
    }

    fn skip_reason(&self) -> Option<String> {
        kurrentdb_test_url().err()
    }
}
