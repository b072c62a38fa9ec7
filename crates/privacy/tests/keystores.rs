//! The key stores: keys survive reopening, destroying a key leaves its bytes in no file,
//! erasures are remembered and never undone by an import; PostgreSQL the same (skipped
//! without `ENGAGE_TEST_POSTGRES_URL`).

use std::path::Path;

use chrono::Utc;
use engage_privacy::{
    KeyRecord, KeyStore, KeyStoreError, MemoryKeyStore, PostgresKeyStore, SqliteKeyStore,
    SubjectStatus,
};
use engage_tests::{PostgresSchema, postgres_test_url};
use uuid::Uuid;

/// Every byte of every file in `dir` (the database, its WAL and journal).
fn all_bytes(dir: &Path) -> Vec<u8> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        if entry.path().is_file() {
            out.extend(std::fs::read(entry.path()).unwrap());
        }
    }
    out
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// The behaviour every key store shares.
async fn lifecycle(keys: &dyn KeyStore) {
    let a = Uuid::now_v7();
    let b = Uuid::now_v7();
    assert_eq!(keys.status(a).await.unwrap(), SubjectStatus::Unknown);
    assert!(keys.key(a).await.unwrap().is_none());
    let ka = keys.key_for_sealing(a).await.unwrap();
    assert_eq!(
        keys.key_for_sealing(a).await.unwrap(),
        ka,
        "one key per subject"
    );
    let kb = keys.key_for_sealing(b).await.unwrap();
    assert_ne!(ka, kb);
    assert_eq!(
        keys.status(a).await.unwrap(),
        SubjectStatus::Active {
            erasure_pending: false
        }
    );

    keys.begin_erasure(a).await.unwrap();
    assert_eq!(keys.pending_erasures().await.unwrap(), vec![a]);
    keys.cancel_erasure(a).await.unwrap();
    assert!(keys.pending_erasures().await.unwrap().is_empty());

    keys.begin_erasure(a).await.unwrap();
    let at = Utc::now();
    keys.destroy_key(a, at).await.unwrap();
    keys.destroy_key(a, at).await.unwrap();
    assert!(keys.key(a).await.unwrap().is_none());
    assert!(matches!(
        keys.status(a).await.unwrap(),
        SubjectStatus::Erased { .. }
    ));
    assert!(keys.pending_erasures().await.unwrap().is_empty());
    assert!(matches!(
        keys.key_for_sealing(a).await,
        Err(KeyStoreError::Erased(s)) if s == a
    ));
    assert_eq!(
        keys.key(b).await.unwrap(),
        Some(kb.clone()),
        "others keep theirs"
    );

    // Export, and import into a fresh store of the same kind is checked below; an import
    // never brings an erased subject back and never replaces a key.
    let exported = keys.export().await.unwrap();
    assert_eq!(exported.len(), 2);
    let a_record = exported.iter().find(|r| r.data_subject_id == a).unwrap();
    assert!(a_record.key.is_none() && a_record.erased_at.is_some());
    let stale = KeyRecord {
        data_subject_id: a,
        key: exported
            .iter()
            .find(|r| r.data_subject_id == b)
            .unwrap()
            .key
            .clone(),
        created_at: Utc::now(),
        erased_at: None,
    };
    let report = keys.import(&[stale]).await.unwrap();
    assert_eq!(report.refused_erased, 1);
    assert!(keys.key(a).await.unwrap().is_none());

    let c = Uuid::now_v7();
    keys.key_for_sealing(c).await.unwrap();
    let conflicting = KeyRecord {
        data_subject_id: c,
        key: Some(base64_of(&[7u8; 32])),
        created_at: Utc::now(),
        erased_at: None,
    };
    assert!(keys.import(&[conflicting]).await.is_err());
}

fn base64_of(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

async fn round_trip(from: &dyn KeyStore, to: &dyn KeyStore) {
    let exported = from.export().await.unwrap();
    let report = to.import(&exported).await.unwrap();
    assert_eq!(report.added + report.erased, exported.len());
    assert_eq!(
        to.import(&exported).await.unwrap().unchanged,
        exported.len()
    );
    for record in &exported {
        assert_eq!(
            to.key(record.data_subject_id).await.unwrap(),
            from.key(record.data_subject_id).await.unwrap()
        );
    }
}

#[tokio::test]
async fn memory_key_store() {
    let keys = MemoryKeyStore::new();
    lifecycle(&keys).await;
    round_trip(&keys, &MemoryKeyStore::new()).await;
}

#[tokio::test]
async fn sqlite_key_store_is_durable_and_destroyed_keys_leave_no_bytes_in_its_files() {
    let dir = tempfile::tempdir().unwrap();
    let keys = SqliteKeyStore::in_dir(dir.path()).unwrap();
    lifecycle(&keys).await;

    let doomed = Uuid::now_v7();
    let kept = Uuid::now_v7();
    let doomed_key = keys.key_for_sealing(doomed).await.unwrap();
    let kept_key = keys.key_for_sealing(kept).await.unwrap();
    drop(keys);
    let keys = SqliteKeyStore::in_dir(dir.path()).unwrap();
    assert_eq!(
        keys.key(doomed).await.unwrap(),
        Some(doomed_key.clone()),
        "durable"
    );
    let bytes = all_bytes(dir.path());
    assert!(contains(&bytes, doomed_key.bytes()), "the key is stored");

    keys.destroy_key(doomed, Utc::now()).await.unwrap();
    let bytes = all_bytes(dir.path());
    assert!(
        !contains(&bytes, doomed_key.bytes()),
        "a destroyed key's bytes are in no file of the key store"
    );
    assert!(contains(&bytes, kept_key.bytes()));
    drop(keys);
    let keys = SqliteKeyStore::in_dir(dir.path()).unwrap();
    assert!(
        keys.key(doomed).await.unwrap().is_none(),
        "still erased after reopening"
    );
    assert!(!contains(&all_bytes(dir.path()), doomed_key.bytes()));

    let other = tempfile::tempdir().unwrap();
    round_trip(&keys, &SqliteKeyStore::in_dir(other.path()).unwrap()).await;
}

#[tokio::test]
async fn postgres_key_store() {
    let url = match postgres_test_url() {
        Ok(url) => url,
        Err(reason) => {
            eprintln!("SKIPPED: {reason}");
            return;
        }
    };
    let schema = PostgresSchema::new(&url);
    let keys = PostgresKeyStore::open(&schema.config).await.unwrap();
    lifecycle(&keys).await;
    // Reopening finds the same keys; the tables are not the events table.
    let s = Uuid::now_v7();
    let k = keys.key_for_sealing(s).await.unwrap();
    let again = PostgresKeyStore::open(&schema.config).await.unwrap();
    assert_eq!(again.key(s).await.unwrap(), Some(k));
    let other = PostgresSchema::new(&url);
    round_trip(&keys, &PostgresKeyStore::open(&other.config).await.unwrap()).await;
}
