//! # engage-tests: tests that span crates
//!
//! - `tests/conformance_sqlite.rs`: the backend conformance suite against the embedded store.
//! - `tests/crash.rs`: kill -9 of a real appending process; every acknowledged append survives.
//! - `tests/tamper.rs`: editing the store file through SQL is caught by verify at that position.
//!
//! This library holds the shared fixtures: store factories per backend.

use std::sync::Arc;

use engage_conformance::{StoreFactory, TestStore};
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
