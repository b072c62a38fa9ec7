//! End-to-end tests of `engage verify`, `engage export` and `engage import log`, run as a
//! real process against stores on disk.

use std::path::Path;
use std::process::{Command, Output};

use engage_conformance::fixtures::{meeting_held, stream};
use engage_log::{EventStore, ExpectedVersion};
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

async fn populate(dir: &Path, n: u64) -> engage_log::Head {
    let store = SqliteStore::open_in_dir(dir).expect("open");
    let s = stream("board");
    for i in 0..n {
        store
            .append(&s, ExpectedVersion::Any, vec![meeting_held(i)])
            .await
            .expect("append");
    }
    store.head().await.expect("head")
}

#[tokio::test]
async fn verify_prints_count_and_head_and_exits_zero() {
    let dir = tempfile::tempdir().expect("tmp");
    let head = populate(dir.path(), 12).await;
    let out = engage(dir.path(), &["verify"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("verified 12 events"), "{stdout}");
    assert!(stdout.contains(&head.hash.to_hex()), "{stdout}");

    let out = engage(dir.path(), &["verify", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["status"], "intact");
    assert_eq!(v["count"], 12);
    // --expect-head accepts the current head and refuses an unknown one.
    assert!(
        engage(
            dir.path(),
            &["verify", "--expect-head", &head.hash.to_hex()]
        )
        .status
        .success()
    );
    let out = engage(dir.path(), &["verify", "--expect-head", &"ab".repeat(32)]);
    assert_eq!(out.status.code(), Some(3));
    assert!(text(&out.stderr).contains("not in this log"));
}

#[tokio::test]
async fn verify_names_the_tampered_position_and_exits_3() {
    let dir = tempfile::tempdir().expect("tmp");
    populate(dir.path(), 20).await;
    let conn = rusqlite::Connection::open(dir.path().join(EVENTS_FILE)).expect("open");
    conn.execute(
        "UPDATE events SET actor_id = 'intruder' WHERE position = 13",
        [],
    )
    .expect("tamper");
    drop(conn);
    let out = engage(dir.path(), &["verify"]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("broken at position 13"), "{stderr}");
    assert!(
        stderr.contains("12 events before position 13 verified"),
        "{stderr}"
    );
}

#[tokio::test]
async fn export_then_import_into_a_new_store_preserves_the_chain() {
    let src = tempfile::tempdir().expect("tmp");
    let head = populate(src.path(), 30).await;
    let file = src.path().join("log.ndjson");
    let out = engage(
        src.path(),
        &["export", "--output", file.to_str().expect("utf8")],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    // Export to stdout gives the same bytes.
    let out = engage(src.path(), &["export"]);
    assert_eq!(out.stdout, std::fs::read(&file).expect("read export"));

    let dst = tempfile::tempdir().expect("tmp");
    let out = engage(dst.path(), &["import", "log", file.to_str().expect("utf8")]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("imported 30 events"),
        "{}",
        text(&out.stdout)
    );
    let out = engage(dst.path(), &["verify"]);
    assert!(text(&out.stdout).contains(&head.hash.to_hex()));
    // Importing again is a no-op that skips what is there.
    let out = engage(dst.path(), &["import", "log", file.to_str().expect("utf8")]);
    assert!(
        text(&out.stdout).contains("imported 0 events (30 already present)"),
        "{}",
        text(&out.stdout)
    );
}

#[tokio::test]
async fn import_refuses_a_tampered_file_and_writes_nothing() {
    let src = tempfile::tempdir().expect("tmp");
    populate(src.path(), 10).await;
    let exported = engage(src.path(), &["export"]).stdout;
    let tampered = text(&exported).replacen("quarterly board meeting", "extraordinary meeting", 7);
    let tampered: String = {
        // Edit only line 7: restore the first six.
        let original = text(&exported);
        let orig_lines: Vec<&str> = original.lines().collect();
        let mut lines: Vec<&str> = tampered.lines().collect();
        lines[..6].copy_from_slice(&orig_lines[..6]);
        lines.join("\n")
    };
    let file = src.path().join("tampered.ndjson");
    std::fs::write(&file, tampered).expect("write");
    let dst = tempfile::tempdir().expect("tmp");
    let out = engage(dst.path(), &["import", "log", file.to_str().expect("utf8")]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("line 7") && stderr.contains("position 7"),
        "{stderr}"
    );
    let out = engage(dst.path(), &["verify"]);
    assert!(
        text(&out.stdout).contains("verified 0 events"),
        "nothing imported: {}",
        text(&out.stdout)
    );
}

#[tokio::test]
async fn bad_configuration_and_missing_stores_are_clear_errors() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = engage(dir.path(), &["--store", "mysql://db", "verify"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("not understood"),
        "{}",
        text(&out.stderr)
    );
    let out = engage(&dir.path().join("nowhere"), &["verify"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("no event store at"),
        "{}",
        text(&out.stderr)
    );
    let out = engage(
        dir.path(),
        &["import", "log", "/definitely/not/here.ndjson"],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("/definitely/not/here.ndjson"),
        "{}",
        text(&out.stderr)
    );
    let out = engage(dir.path(), &["verify", "--expect-head", "xyz"]);
    assert_eq!(out.status.code(), Some(2), "bad usage");
}

#[tokio::test]
async fn a_second_writer_is_refused_while_the_store_is_open() {
    let dir = tempfile::tempdir().expect("tmp");
    populate(dir.path(), 3).await;
    let store = SqliteStore::open_in_dir(dir.path()).expect("first writer");
    let export = dir.path().join("x.ndjson");
    std::fs::write(&export, "").expect("write");
    let out = engage(
        dir.path(),
        &["import", "log", export.to_str().expect("utf8")],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("in use by another engage process"),
        "{}",
        text(&out.stderr)
    );
    // Readers are still welcome next to the writer.
    assert!(engage(dir.path(), &["verify"]).status.success());
    drop(store);
}
