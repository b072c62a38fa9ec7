//! # engage-conformance: the behaviour every event store backend must have
//!
//! One suite of behavioural tests — expected-version conflicts, idempotency, atomic
//! batches, ordering, read-all paging, subscriptions that catch up then go live without
//! gaps under concurrent appends, the hash chain and verify, export/import round trips —
//! written once against the [`EventStore`] trait and run against every backend.
//!
//! A backend's test file provides a [`StoreFactory`] and expands [`conformance_tests!`]:
//!
//! ```ignore
//! struct Sqlite;
//! #[async_trait::async_trait]
//! impl engage_conformance::StoreFactory for Sqlite { /* fresh empty store */ }
//! engage_conformance::conformance_tests!(Sqlite);
//! ```
//!
//! Each case becomes its own `#[tokio::test]`, so failures name the behaviour.

pub mod cases;
pub mod fixtures;

use std::any::Any;
use std::sync::Arc;

use engage_log::EventStore;

/// A store under test plus whatever keeps it alive (a temporary directory, a database).
pub struct TestStore {
    pub store: Arc<dyn EventStore>,
    pub guard: Box<dyn Any + Send + Sync>,
}

/// Makes fresh, empty stores of one backend.
#[async_trait::async_trait]
pub trait StoreFactory: Send + Sync {
    async fn fresh(&self) -> TestStore;

    /// Why this backend cannot be tested here (e.g. no database server was provided), or
    /// `None` to run the cases. A skipped case prints the reason and passes; a factory
    /// that must not be skipped (in CI) should panic here instead.
    fn skip_reason(&self) -> Option<String> {
        None
    }
}

/// Expand every conformance case as a `#[tokio::test]` using the given factory expression.
#[macro_export]
macro_rules! conformance_tests {
    ($factory:expr) => {
        $crate::conformance_tests!(@cases $factory;
            append_records_every_envelope_field,
            expected_version_rules,
            racing_writers_exactly_one_wins,
            retry_with_same_event_ids_is_idempotent,
            idempotency_mismatch_is_refused,
            batch_is_atomic,
            bad_input_is_refused_and_changes_nothing,
            global_order_and_read_all_paging,
            stream_reads_forwards_and_backwards,
            subscription_catches_up_then_goes_live_without_gaps,
            subscription_from_a_middle_position,
            verify_reports_count_and_head,
            export_import_round_trip_preserves_everything,
            import_refuses_a_broken_chain,
            import_resumes_after_interruption,
            stream_metadata_is_versioned,
            event_by_id_and_unknown_ids,
            occurred_at_is_kept_to_the_microsecond
        );
    };
    (@cases $factory:expr; $($case:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $case() {
                let factory = $factory;
                if let Some(reason) = $crate::StoreFactory::skip_reason(&factory) {
                    eprintln!("SKIPPED {}: {reason}", stringify!($case));
                    return;
                }
                $crate::cases::$case(&factory).await;
            }
        )*
    };
}
