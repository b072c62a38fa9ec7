//! Shared by the import tests: a real SQLite store in a temporary directory, the fixtures,
//! the real public files in `../shared/data`, and reading back what was recorded.

#![allow(dead_code)]

use std::fs::File;
use std::path::PathBuf;
use std::sync::Arc;

use engage_commands::CommandService;
use engage_domain::DomainEvent;
use engage_domain::catalogue::decode_recorded;
use engage_log::{Actor, EventStore, VerifyOutcome, verify};
use engage_store_sqlite::{Durability, EVENTS_FILE, SqliteOptions, SqliteStore};

pub struct Fixture {
    _dir: tempfile::TempDir,
    pub store: Arc<dyn EventStore>,
    pub service: CommandService,
}

pub fn store() -> Fixture {
    let dir = tempfile::tempdir().expect("temporary directory");
    let options = SqliteOptions {
        durability: Durability::Normal,
        ..SqliteOptions::default()
    };
    let store: Arc<dyn EventStore> =
        Arc::new(SqliteStore::open_with(&dir.path().join(EVENTS_FILE), options).expect("open"));
    Fixture {
        _dir: dir,
        service: CommandService::new(
            Arc::clone(&store),
            Arc::new(engage_privacy::MemoryKeyStore::new()),
        ),
        store,
    }
}

pub fn analyst() -> Actor {
    Actor::new("analyst-3", "analyst", "MOPAC Evidence and Insight")
}

/// A fixture file of `tests/fixtures`.
pub fn fixture(name: &str) -> File {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    File::open(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A real public file from `../shared/data`: `None` (with a note) when it is not there,
/// but a failure in CI, where it must be.
pub fn real_file(name: &str) -> Option<PathBuf> {
    let path =
        PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data")).join(name);
    if path.is_file() {
        return Some(path);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "{} is missing: CI must run the importers on the real public files",
        path.display()
    );
    eprintln!(
        "note: {} is not here; skipping the real-file test",
        path.display()
    );
    None
}

/// Every domain event in the log, in order.
pub async fn all_events(store: &dyn EventStore) -> Vec<DomainEvent> {
    let mut out = Vec::new();
    let mut from = 1;
    loop {
        let page = store.read_all(from, 5_000).await.expect("read");
        for e in &page {
            out.push(decode_recorded(e).expect("decodes"));
            from = e.position + 1;
        }
        if page.len() < 5_000 {
            return out;
        }
    }
}

/// The hash chain must verify over the whole log.
pub async fn assert_verifies(store: &Arc<dyn EventStore>) -> u64 {
    match verify(Arc::clone(store), |_| {}).await.expect("verify") {
        VerifyOutcome::Intact(report) => report.count,
        VerifyOutcome::Broken(failure) => panic!("the log does not verify: {failure}"),
    }
}
