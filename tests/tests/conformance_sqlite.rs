//! The conformance suite against the embedded SQLite store.

engage_conformance::conformance_tests!(engage_tests::SqliteFactory);
