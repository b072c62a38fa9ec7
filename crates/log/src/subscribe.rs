//! Catch-up-then-live subscriptions to the whole log, for any [`EventStore`].
//!
//! The subscriber reads forward in batches from its position; when it reaches the head it
//! waits on [`EventStore::watch_head`] and reads again. Because positions are gapless and
//! commit in order (a backend guarantee), reading `position >= next` after each head change
//! can neither skip nor repeat an event: the subscriber tracks the next position it expects
//! and checks every delivered event against it.

use std::collections::VecDeque;
use std::sync::Arc;

use futures::stream::{self, BoxStream, StreamExt};

use crate::envelope::RecordedEvent;
use crate::error::StoreError;
use crate::store::EventStore;

/// How many events a subscription reads per round trip while catching up.
pub const SUBSCRIPTION_BATCH: usize = 1024;

struct State {
    store: Arc<dyn EventStore>,
    next: u64,
    buffer: VecDeque<RecordedEvent>,
    head: tokio::sync::watch::Receiver<u64>,
    failed: bool,
}

/// Every event from `from_position` (inclusive; 1 = the beginning) onwards: first the
/// history, then new events as they are committed. The stream ends after yielding an error,
/// or when the store closes.
pub fn subscribe_all(
    store: Arc<dyn EventStore>,
    from_position: u64,
) -> BoxStream<'static, Result<RecordedEvent, StoreError>> {
    let head = store.watch_head();
    let state = State {
        store,
        next: from_position.max(1),
        buffer: VecDeque::new(),
        head,
        failed: false,
    };
    stream::unfold(state, |mut st| async move {
        if st.failed {
            return None;
        }
        loop {
            if let Some(event) = st.buffer.pop_front() {
                if event.position != st.next {
                    st.failed = true;
                    let err = StoreError::Corrupt {
                        position: st.next,
                        detail: format!(
                            "subscription expected position {} but read {}",
                            st.next, event.position
                        ),
                    };
                    return Some((Err(err), st));
                }
                st.next += 1;
                return Some((Ok(event), st));
            }
            // Mark the current head as seen *before* reading, so a commit that lands after
            // the read still wakes us below.
            let seen = *st.head.borrow_and_update();
            match st.store.read_all(st.next, SUBSCRIPTION_BATCH).await {
                Ok(batch) if !batch.is_empty() => {
                    st.buffer.extend(batch);
                    continue;
                }
                Ok(_) => {}
                Err(e) => {
                    st.failed = true;
                    return Some((Err(e), st));
                }
            }
            if seen >= st.next {
                // The head says there is more than we could read: read again.
                tokio::task::yield_now().await;
                continue;
            }
            if st.head.changed().await.is_err() {
                return None; // store closed
            }
        }
    })
    .boxed()
}
