//! `engage import wards|stop-and-search|confidence` on the real public files in
//! ../shared/data (see its SOURCES.md). In CI (env `CI` set) the files must be there.

use std::path::PathBuf;
use std::process::Command;

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
    eprintln!("note: {} not found; skipping", path.display());
    None
}

fn engage(dir: &std::path::Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_engage"))
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .env_remove("ENGAGE_STORE")
        .output()
        .expect("run engage");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn real_files_import_with_per_row_reports_and_the_log_verifies() {
    let (Some(wards), Some(stops), Some(pas)) = (
        shared("gla_2013_ward_atlas_london_wards_with_mps_crime_2014.csv"),
        shared("dpuk_2018-07-metropolitan-stop-and-search.csv"),
        shared("mopac_pas_2016_police-perceptions_by_neighbourhood.csv"),
    ) else {
        return;
    };
    let dir = tempfile::tempdir().expect("tmp");
    let (code, out, err) = engage(
        dir.path(),
        &["import", "wards", wards.to_str().expect("utf8")],
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("628 read, 624 accepted, 4 rejected"), "{out}");
    assert!(
        out.contains("line 2: New_Code \"E09000001\""),
        "the City's borough row is reported by line: {out}"
    );
    // Re-importing records nothing new.
    let (_, out, _) = engage(
        dir.path(),
        &["import", "wards", wards.to_str().expect("utf8")],
    );
    assert!(
        out.contains("0 events recorded, 624 already recorded"),
        "{out}"
    );

    let (code, out, err) = engage(
        dir.path(),
        &[
            "import",
            "stop-and-search",
            "--borough",
            "E09000007",
            stops.to_str().expect("utf8"),
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("9588 read, 9588 accepted, 0 rejected"),
        "{out}"
    );

    let (code, out, err) = engage(
        dir.path(),
        &[
            "import",
            "confidence",
            "--from",
            "2016-01-01",
            "--to",
            "2016-12-31",
            pas.to_str().expect("utf8"),
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("106 read, 106 accepted, 0 rejected; 1908 events recorded"),
        "{out}"
    );

    let (code, out, _) = engage(dir.path(), &["verify"]);
    assert_eq!(code, 0);
    assert!(out.contains("verified 2533 events"), "{out}");
}

#[test]
fn import_arguments_are_checked_before_anything_is_written() {
    let dir = tempfile::tempdir().expect("tmp");
    let (code, _, err) = engage(
        dir.path(),
        &[
            "import",
            "stop-and-search",
            "--borough",
            "E09999999",
            "/nope.csv",
        ],
    );
    assert_eq!(code, 1);
    assert!(err.contains("/nope.csv"), "{err}");
    let (code, _, err) = engage(
        dir.path(),
        &[
            "import",
            "confidence",
            "--from",
            "2016-12-31",
            "--to",
            "2016-01-01",
            "/nope.csv",
        ],
    );
    assert_eq!(code, 1);
    assert!(err.contains("before --from"), "{err}");
    let (code, _, _) = engage(
        dir.path(),
        &[
            "import",
            "confidence",
            "--from",
            "2016-13-01",
            "--to",
            "2016-12-31",
            "x",
        ],
    );
    assert_eq!(code, 2, "malformed date is a usage error");
}
