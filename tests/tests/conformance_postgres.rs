//! The conformance suite against PostgreSQL (skipped with a notice when
//! `ENGAGE_TEST_POSTGRES_URL` is not set; a failure in CI). PostgreSQL-only behaviour is
//! tested in `postgres.rs`.

engage_conformance::conformance_tests!(engage_tests::PostgresFactory);
