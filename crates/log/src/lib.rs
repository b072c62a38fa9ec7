//! # engage-log: the contract of the event log
//!
//! Everything that every storage backend of engage shares lives here, so that the
//! embedded SQLite store, PostgreSQL and KurrentDB behave identically:
//!
//! - the event envelope ([`NewEvent`] proposed by a writer, [`RecordedEvent`] as stored),
//! - [`ExpectedVersion`] for optimistic concurrency on a stream,
//! - the typed [`StoreError`] every backend returns,
//! - input validation and size limits ([`Limits`], [`validate_append`]),
//! - the tamper-evident hash chain ([`hash`]),
//! - the async [`EventStore`] trait backends implement,
//! - catch-up-then-live subscriptions built on that trait ([`subscribe_all`]),
//! - whole-log verification ([`verify`]) and the NDJSON export/import format ([`ndjson`]).
//!
//! The log is append-only: nothing here updates or deletes a recorded event.

pub mod envelope;
pub mod error;
pub mod expected;
pub mod hash;
pub mod ndjson;
pub mod payload;
pub mod readahead;
pub mod store;
pub mod subscribe;
pub mod validate;
pub mod verify;

pub use envelope::{Actor, NewEvent, RecordedEvent, StreamId, Timestamp};
pub use error::{InvalidAppend, StoreError};
pub use expected::{ActualVersion, ExpectedVersion, ParseExpectedVersionError};
pub use hash::{EventHash, GENESIS_HASH};
pub use payload::{Payload, PayloadError};
pub use readahead::read_all_ahead;
pub use store::{AppendOutcome, EventStore, Head, RecordedPosition, StreamMetadata};
pub use subscribe::subscribe_all;
pub use validate::{Limits, validate_append};
pub use verify::{VerifyFailure, VerifyOutcome, VerifyProblem, VerifyReport, verify};
