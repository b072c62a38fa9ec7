//! Drift check of the event catalogue in `events/`: every event type and version has a
//! JSON Schema file generated from the Rust types, byte for byte, with no missing or extra
//! files, and the table in `events/README.md` lists the current catalogue. Run with
//! `ENGAGE_BLESS_SCHEMAS=1` to rewrite the files after an intended change.

use std::collections::BTreeSet;
use std::fs;
use std::path::PathBuf;

use engage_domain::catalogue::{PERSONAL_DATA_KEYWORD, all_entries, markdown_table};
use serde_json::Value;

const TABLE_START: &str = "<!-- catalogue-table:start (generated: do not edit by hand) -->\n";
const TABLE_END: &str = "<!-- catalogue-table:end -->";

fn events_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../events")
}

fn blessing() -> bool {
    std::env::var("ENGAGE_BLESS_SCHEMAS").is_ok_and(|v| v == "1")
}

const HOW_TO_FIX: &str = "the event catalogue in events/ is out of date with the Rust types. \
If the change is intended (a new event type, or a new version with its upcaster), run \
`ENGAGE_BLESS_SCHEMAS=1 cargo test -p engage-domain --test catalogue` and commit the files. \
Never edit a released version's schema: add a new version instead.";

#[test]
fn schema_files_match_the_rust_types() {
    let dir = events_dir();
    let mut problems = Vec::new();
    let mut expected = BTreeSet::new();
    for entry in all_entries() {
        let name = entry.file_name();
        let text = entry.schema_text();
        let path = dir.join(&name);
        match fs::read_to_string(&path) {
            Ok(found) if found == text => {}
            Ok(_) => problems.push(format!("differs: {name}")),
            Err(_) => problems.push(format!("missing: {name}")),
        }
        if blessing() {
            fs::write(&path, &text).expect("write schema file");
        }
        expected.insert(name);
    }
    for file in fs::read_dir(&dir).expect("events/ exists").flatten() {
        let name = file.file_name().to_string_lossy().into_owned();
        if name.ends_with(".schema.json") && !expected.contains(&name) {
            problems.push(format!("extra (no such event type/version): {name}"));
            if blessing() {
                fs::remove_file(file.path()).expect("remove extra schema");
            }
        }
    }
    if !blessing() {
        assert!(problems.is_empty(), "{HOW_TO_FIX}\n{}", problems.join("\n"));
    }
}

#[test]
fn readme_table_lists_the_catalogue() {
    let path = events_dir().join("README.md");
    let readme = fs::read_to_string(&path).expect("events/README.md exists");
    let (Some(start), Some(end)) = (readme.find(TABLE_START), readme.find(TABLE_END)) else {
        panic!("events/README.md lacks the catalogue table markers");
    };
    let current = &readme[start + TABLE_START.len()..end];
    let table = markdown_table();
    if blessing() {
        let updated = format!("{}{TABLE_START}{table}{}", &readme[..start], &readme[end..]);
        fs::write(&path, updated).expect("write README");
    } else {
        assert_eq!(current, table, "{HOW_TO_FIX}");
    }
}

/// Personal-data fields only ever appear inside `x-personal-data` objects that carry a
/// `data_subject_id`, and such objects sit under a payload's `personal` field.
#[test]
fn personal_data_is_marked_and_kept_apart() {
    const PERSONAL_FIELDS: [&str; 5] = [
        "full_name",
        "email",
        "phone",
        "postal_address",
        "custody_record_number",
    ];
    for entry in all_entries() {
        let schema = entry.json_schema();
        let defs = schema["$defs"].as_object().cloned().unwrap_or_default();
        let marked = |def: &Value| def[PERSONAL_DATA_KEYWORD] == Value::Bool(true);
        for (def_name, def) in &defs {
            if marked(def) {
                assert!(
                    def["properties"]["data_subject_id"].is_object()
                        && def["required"]
                            .as_array()
                            .is_some_and(|r| r.iter().any(|f| f == "data_subject_id")),
                    "{}: personal object {def_name} needs a required data_subject_id",
                    entry.file_name()
                );
            } else if let Some(props) = def["properties"].as_object() {
                for f in PERSONAL_FIELDS {
                    assert!(
                        !props.contains_key(f),
                        "{}: {def_name}.{f} looks like personal data outside a personal object",
                        entry.file_name()
                    );
                }
            }
        }
        let top = schema["properties"]
            .as_object()
            .cloned()
            .unwrap_or_default();
        for f in PERSONAL_FIELDS {
            assert!(
                !top.contains_key(f),
                "{}: top-level {f} must be under `personal`",
                entry.file_name()
            );
        }
        // Every marked object is reached through a `personal` field (directly or in a list).
        for def_name in defs.iter().filter(|(_, d)| marked(d)).map(|(n, _)| n) {
            let reference = format!("#/$defs/{def_name}");
            let text = serde_json::to_string(&schema).unwrap_or_default();
            assert!(
                text.contains(&format!("\"personal\":{{\"$ref\":\"{reference}\""))
                    || text.contains(&format!(
                        "\"personal\":{{\"anyOf\":[{{\"$ref\":\"{reference}\""
                    )),
                "{}: {def_name} is personal data but not held under a `personal` field",
                entry.file_name()
            );
        }
    }
}
