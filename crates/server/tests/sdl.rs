//! The committed `schema.graphql` at the repository root is the schema the server serves.
//! When the schema changes on purpose, rewrite the file with
//! `ENGAGE_BLESS_SCHEMA=1 cargo test -p engage-server --test sdl` and commit it.

use std::path::PathBuf;

#[test]
fn committed_sdl_matches_the_served_schema() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../schema.graphql");
    let served = engage_server::sdl();
    if std::env::var_os("ENGAGE_BLESS_SCHEMA").is_some() {
        std::fs::write(&path, &served).expect("write schema.graphql");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == served,
        "schema.graphql differs from the schema the server serves.\n\
         If the change is intended, run `ENGAGE_BLESS_SCHEMA=1 cargo test -p engage-server --test sdl` and commit schema.graphql."
    );
}
