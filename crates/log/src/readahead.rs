//! Reading a range of the log fast: several batches fetched concurrently (positions are
//! gapless, so every batch's range is known in advance) and delivered in order.
//!
//! Used by full replays (projection rebuilds, benchmarks) where reading, not applying,
//! would otherwise be the bottleneck.

use std::sync::Arc;

use futures::stream::{BoxStream, StreamExt};

use crate::envelope::RecordedEvent;
use crate::error::StoreError;
use crate::store::EventStore;
use crate::verify::chunk_ranges;

/// Events at positions `from..=to`, as batches of up to `batch` events in position order,
/// with up to `concurrency` batches being read at once. Each batch is checked to start
/// where it should and to be contiguous, so a damaged log surfaces as an error rather than
/// a silent gap.
pub fn read_all_ahead(
    store: Arc<dyn EventStore>,
    from: u64,
    to: u64,
    batch: usize,
    concurrency: usize,
) -> BoxStream<'static, Result<Vec<RecordedEvent>, StoreError>> {
    let from = from.max(1);
    let ranges: Vec<(u64, u64)> = if to < from {
        Vec::new()
    } else {
        chunk_ranges(to - from + 1, batch.max(1) as u64)
            .into_iter()
            .map(|(s, e)| (s + from - 1, e + from - 1))
            .collect()
    };
    futures::stream::iter(ranges.into_iter().map(move |(start, end)| {
        let store = Arc::clone(&store);
        tokio::spawn(async move {
            let events = store.read_all(start, (end - start + 1) as usize).await?;
            for (i, e) in events.iter().enumerate() {
                if e.position != start + i as u64 {
                    return Err(StoreError::Corrupt {
                        position: start + i as u64,
                        detail: format!(
                            "expected position {}, read {}",
                            start + i as u64,
                            e.position
                        ),
                    });
                }
            }
            if events.len() as u64 != end - start + 1 {
                return Err(StoreError::Corrupt {
                    position: start + events.len() as u64,
                    detail: "the log ended before the requested position".into(),
                });
            }
            Ok(events)
        })
    }))
    .buffered(concurrency.max(1))
    .map(|joined| match joined {
        Ok(result) => result,
        Err(e) => Err(StoreError::backend(std::io::Error::other(format!(
            "read task: {e}"
        )))),
    })
    .boxed()
}
