//! End-to-end tests of `engage seed`, run as a real process: the history it writes verifies,
//! reaches the requested size, and is the same for the same seed.

use std::path::Path;
use std::process::{Command, Output};

use engage_log::EventStore;
use engage_store_sqlite::{EVENTS_FILE, SqliteStore};

fn engage(data_dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_engage"))
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .env_remove("ENGAGE_STORE")
        .output()
        .expect("run engage")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn seed(dir: &Path, seed: &str) -> Output {
    engage(
        dir,
        &[
            "seed",
            "--events",
            "2000",
            "--seed",
            seed,
            "--until",
            "2026-06-01",
        ],
    )
}

/// Every event's content — not its id, position or recording time, which depend on timing —
/// in a canonical order. Personal data is compared opened (with the store's own keys):
/// each run makes its own random keys, so the sealed bytes differ.
async fn content(dir: &Path) -> Vec<String> {
    let store = SqliteStore::open_read_only(&dir.join(EVENTS_FILE)).expect("open");
    let keys = engage_privacy::SqliteKeyStore::in_dir(dir).expect("keys");
    let mut all = Vec::new();
    let mut from = 1;
    loop {
        let page = store.read_all(from, 1_000).await.expect("read");
        let Some(last) = page.last() else { break };
        from = last.position + 1;
        for e in page {
            let mut payload = e.payload.to_value().expect("payload");
            engage_privacy::open_payload(&e.event_type, e.schema_version, &mut payload, &keys)
                .await
                .expect("opens");
            all.push(format!(
                "{} {:>6} {} v{} {} {}/{}/{} {}",
                e.stream_id,
                e.stream_version,
                e.event_type,
                e.schema_version,
                e.occurred_at.to_rfc3339(),
                e.actor.id,
                e.actor.role,
                e.actor.organisation,
                payload
            ));
        }
    }
    all.sort();
    all
}

#[tokio::test]
async fn seed_writes_a_verifiable_history_of_the_requested_size_deterministically() {
    let a = tempfile::tempdir().expect("tmp");
    let out = seed(a.path(), "42");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("seeded 2000 events"), "{stdout}");
    for t in [
        "BoardEstablished",
        "BoardMeetingHeld",
        "WardPanelFormed",
        "VictimComplaintRaised",
        "PriorityProposed",
        "FundRoundOpened",
        "PreventionBidSubmitted",
    ] {
        assert!(
            stdout.contains(t),
            "{t} missing from the summary:\n{stdout}"
        );
    }

    let out = engage(a.path(), &["verify"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("verified 2000 events"));

    let first = content(a.path()).await;
    assert!(first.len() >= 2000);
    let boards = first
        .iter()
        .filter(|l| l.contains(" BoardEstablished "))
        .count();
    assert_eq!(boards, 33, "one board per borough");

    // The same seed gives the same history; another seed a different one.
    let b = tempfile::tempdir().expect("tmp");
    let out = seed(b.path(), "42");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(content(b.path()).await, first);

    let c = tempfile::tempdir().expect("tmp");
    let out = seed(c.path(), "43");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let other = content(c.path()).await;
    assert_eq!(other.len(), first.len());
    assert_ne!(other, first);

    // Seeding is for empty stores only.
    let out = seed(a.path(), "42");
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("needs an empty store"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn bad_sizes_are_refused_with_a_clear_message() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = engage(dir.path(), &["seed", "--events", "0"]);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("--events must be at least 1"));
    let out = engage(dir.path(), &["seed", "--events", "10", "--boroughs", "34"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let out = engage(
        dir.path(),
        &[
            "seed",
            "--events",
            "10",
            "--from-year",
            "2026",
            "--until",
            "2026-02-01",
        ],
    );
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("at least three months"));
    let out = engage(
        dir.path(),
        &["seed", "--events", "10", "--until", "2999-01-01"],
    );
    assert!(
        text(&out.stderr).contains("in the future"),
        "{}",
        text(&out.stderr)
    );
    assert!(
        !dir.path().join(EVENTS_FILE).exists(),
        "nothing is created for bad flags"
    );
}
