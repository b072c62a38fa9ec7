//! Reference data for decisions: the wards, custody suites and fund rounds that commands
//! are checked against ([`Lookups`]), which are themselves recorded in the log
//! (`WardRegistered`, `CustodySuiteRegistered`, `FundRoundOpened`, ...).
//!
//! Mutations reach reference data only through [`ReferenceData::as_of`]: "lookups that
//! include every event up to this position". [`LogReference`] implements it by following
//! the log from its first event (`subscribe_all`, catch-up then live) and folding the
//! reference events into memory with `engage_domain::reference_data::apply_to`. A
//! mutation asks for the head it saw when it started, so a ward registered by an earlier
//! request is always known to a later one. The projection engine can replace this
//! implementation without touching the mutations.

use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use async_trait::async_trait;
use engage_domain::catalogue::decode_recorded;
use engage_domain::reference::{CustodySuite, FundRoundInfo, InMemoryReference, Ward};
use engage_domain::reference_data::{self, custody_suite, ward};
use engage_domain::{Lookups, WardCode, fund_round};
use engage_log::{EventStore, RecordedEvent, subscribe_all};
use futures::StreamExt;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use uuid::Uuid;

/// Lookups a decision can use from any thread.
pub type SharedLookups = Arc<dyn Lookups + Send + Sync>;

/// Why reference data could not be given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReferenceError {
    /// The reference data has not caught up with the log in time (it is still reading a
    /// long log at startup, or the store is failing).
    #[error(
        "reference data is not yet up to date with the log (at position {reached} of {wanted}); try again shortly"
    )]
    Behind { reached: u64, wanted: u64 },
    /// The log can no longer be followed (the store closed).
    #[error("reference data stopped following the log")]
    Stopped,
}

/// Where mutations get the reference data their decisions consult.
#[async_trait]
pub trait ReferenceData: Send + Sync {
    /// Lookups that reflect every event of the log up to at least `position`.
    async fn as_of(&self, position: u64) -> Result<SharedLookups, ReferenceError>;
}

/// Reference data kept in memory by following the log. Cheap to clone; the follower task
/// stops when the last clone is dropped.
#[derive(Clone)]
pub struct LogReference {
    tables: Arc<Tables>,
    /// The position of the last event folded in (0: none yet).
    reached: watch::Receiver<u64>,
    wait: Duration,
    _follower: Arc<AbortOnDrop>,
}

/// The reference tables, shared between the follower (writing) and decisions (reading).
#[derive(Default)]
struct Tables(RwLock<InMemoryReference>);

impl Lookups for Tables {
    fn ward(&self, code: &WardCode) -> Option<Ward> {
        self.0
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .ward(code)
    }
    fn custody_suite(&self, code: &str) -> Option<CustodySuite> {
        self.0
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .custody_suite(code)
    }
    fn fund_round(&self, round_id: Uuid) -> Option<FundRoundInfo> {
        self.0
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .fund_round(round_id)
    }
}

struct AbortOnDrop(JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// How long the follower waits before following again after the store failed.
const RETRY_AFTER: Duration = Duration::from_secs(1);

impl LogReference {
    /// Start following `store` from its first event (needs a Tokio runtime). `wait` is how
    /// long [`as_of`](ReferenceData::as_of) waits for the follower to reach a position.
    pub fn follow(store: Arc<dyn EventStore>, wait: Duration) -> Self {
        let tables = Arc::new(Tables::default());
        let (reached_tx, reached) = watch::channel(0);
        let follower = tokio::spawn(follow(store, Arc::clone(&tables), reached_tx));
        Self {
            tables,
            reached,
            wait,
            _follower: Arc::new(AbortOnDrop(follower)),
        }
    }
}

/// Whether this event type changes reference data.
fn is_reference_event(event_type: &str) -> bool {
    ward::Event::current_version(event_type).is_some()
        || custody_suite::Event::current_version(event_type).is_some()
        || fund_round::Event::current_version(event_type).is_some()
}

fn fold(tables: &Tables, recorded: &RecordedEvent) {
    if !is_reference_event(&recorded.event_type) {
        return;
    }
    match decode_recorded(recorded) {
        Ok(event) => {
            let mut t = tables.0.write().unwrap_or_else(PoisonError::into_inner);
            reference_data::apply_to(&mut t, &event);
        }
        Err(e) => tracing::error!(
            position = recorded.position,
            error = %e,
            "a reference-data event cannot be read; decisions will not see it"
        ),
    }
}

async fn follow(store: Arc<dyn EventStore>, tables: Arc<Tables>, reached: watch::Sender<u64>) {
    loop {
        let from = *reached.borrow() + 1;
        let mut events = subscribe_all(Arc::clone(&store), from);
        let mut failed = false;
        while let Some(item) = events.next().await {
            match item {
                Ok(recorded) => {
                    fold(&tables, &recorded);
                    reached.send_replace(recorded.position);
                }
                Err(e) => {
                    tracing::warn!(error = %e, "following the log for reference data failed; retrying");
                    failed = true;
                }
            }
        }
        if !failed {
            // The store closed: nothing more will come.
            tracing::debug!("the log closed; reference data stops following it");
            return;
        }
        tokio::time::sleep(RETRY_AFTER).await;
    }
}

#[async_trait]
impl ReferenceData for LogReference {
    async fn as_of(&self, position: u64) -> Result<SharedLookups, ReferenceError> {
        let mut reached = self.reached.clone();
        let caught_up = tokio::time::timeout(self.wait, reached.wait_for(|p| *p >= position)).await;
        match caught_up {
            Ok(Ok(_)) => Ok(Arc::clone(&self.tables) as SharedLookups),
            Ok(Err(_)) => Err(ReferenceError::Stopped),
            Err(_) => Err(ReferenceError::Behind {
                reached: *self.reached.borrow(),
                wanted: position,
            }),
        }
    }
}
