//! End-to-end tests of `engage seed`, run as a real process: the history it writes verifies,
//! reaches the requested size, is the same for the same seed, covers every event type a
//! command can produce, sits on the wards of the `--wards` list (the GLA ward atlas from
//! `../shared/data`, read at run time) and the real custody suites, and replays into the read
//! models.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use engage_domain::reference_data::met_custody_suites;

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

/// A public data file from `../shared/data` (never copied into the repository): `None` (with
/// a note) when it is not there, but a failure in CI, where it must be.
fn shared(name: &str) -> Option<PathBuf> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data")
        .join(name);
    if path.exists() {
        return Some(path);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "{} is missing in CI",
        path.display()
    );
    eprintln!(
        "note: {} not found; seeding synthetic wards",
        path.display()
    );
    None
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

/// Event types the seed deliberately never writes, and why.
const NOT_SEEDED: [(&str, &str); 4] = [
    (
        "WardRetired",
        "a ward list is one snapshot with no successor wards; retiring a ward the seeded \
         panels sit on would leave them on an unknown ward",
    ),
    (
        "CustodySuiteClosed",
        "the built-in suite list (MOPAC, 2019) records suites in use, not closures",
    ),
    (
        "DataSubjectErased",
        "erasure is an operator's act on a real person's request (`engage erase`), never part \
         of a generated history: erasing seeded people would only hide the seed's own data",
    ),
    (
        "PersonalDataViewed",
        "recorded by the server when a caller is shown personal data, not by any command",
    ),
];

#[tokio::test]
async fn a_modest_seed_covers_every_lifecycle_on_real_reference_data_and_replays() {
    let dir = tempfile::tempdir().expect("tmp");
    let atlas = shared("gla_2013_ward_atlas_london_wards_with_mps_crime_2014.csv");
    let mut args = vec![
        "seed",
        "--events",
        "15000",
        "--boroughs",
        "6",
        "--seed",
        "11",
        "--until",
        "2026-06-01",
    ];
    if let Some(path) = &atlas {
        args.extend(["--wards", path.to_str().expect("a UTF-8 path")]);
    }
    let out = engage(dir.path(), &args);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("seeded 15000 events"));

    // Every current event type of the catalogue, but the deliberate exceptions.
    let lines = content(dir.path()).await;
    assert_eq!(lines.len(), 15000);
    let seeded: BTreeSet<&str> = lines
        .iter()
        .filter_map(|l| l.split_whitespace().nth(2))
        .collect();
    let expected: BTreeSet<&str> = engage_domain::catalogue::current_entries()
        .iter()
        .map(|e| e.event_type)
        .filter(|t| !NOT_SEEDED.iter().any(|(n, _)| n == t))
        .collect();
    let missing: Vec<&&str> = expected.difference(&seeded).collect();
    assert!(missing.is_empty(), "never seeded: {missing:?}");
    for (t, why) in NOT_SEEDED {
        assert!(!seeded.contains(t), "{t} is seeded after all ({why})");
    }
    // Corrections appear now and then.
    assert!(
        lines
            .iter()
            .any(|l| l.contains(" CrimeFiguresRecorded ") && l.contains("\"revision\":2")),
        "no corrected crime figure"
    );

    // Ward panels sit on the wards of the list (the GLA atlas codes), registered in the log
    // first (on synthetic E0590xxxx wards without the atlas); visits on real custody suites.
    let listed: Option<BTreeSet<String>> = atlas.as_ref().map(|path| {
        let file = std::fs::File::open(path).expect("open");
        engage_import::read_ward_list(file)
            .expect("read")
            .wards
            .into_iter()
            .map(|w| w.code.0)
            .collect()
    });
    let panels: Vec<&String> = lines
        .iter()
        .filter(|l| l.contains(" WardPanelFormed "))
        .collect();
    assert!(!panels.is_empty());
    for l in &panels {
        let stream = l.split_whitespace().next().unwrap_or_default();
        let ward = stream.trim_start_matches("ward-panel-");
        match &listed {
            Some(listed) => assert!(listed.contains(ward), "{l}"),
            None => assert!(ward.starts_with("E0590"), "{l}"),
        }
        assert!(
            lines
                .iter()
                .any(|r| r.starts_with(&format!("ward-{ward} "))),
            "ward {ward} is not registered"
        );
    }
    let known_suites: BTreeSet<&str> = met_custody_suites::MET_CUSTODY_SUITES_2019
        .iter()
        .map(|s| s.id)
        .collect();
    let visits: Vec<&String> = lines
        .iter()
        .filter(|l| l.contains(" CustodyVisitLogged "))
        .collect();
    assert!(!visits.is_empty());
    for l in visits {
        let suite = l
            .split("\"suite\":\"")
            .nth(1)
            .and_then(|r| r.split('"').next())
            .unwrap_or_default();
        assert!(known_suites.contains(suite), "{l}");
    }

    // The log verifies and every read model replays it.
    let out = engage(dir.path(), &["verify"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("verified 15000 events"));
    let out = engage(dir.path(), &["rebuild"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("to position 15000"),
        "{}",
        text(&out.stdout)
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
