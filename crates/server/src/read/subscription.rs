//! Subscriptions over the read models: a record pushed each time it changes.

use async_graphql::{Context, ID, Subscription};
use futures::Stream;

use super::{Node, live_node, node_visible, read_side};

#[derive(Default)]
pub struct ReadSubscription;

#[Subscription]
impl ReadSubscription {
    /// The record with this global id each time an event changes it (its provenance grows),
    /// as the live read model holds it once that event is applied. Nothing is sent for the
    /// record as it stands when the subscription starts; query `node(id:)` for that. A
    /// record that does not exist yet is sent when it is created. An id of an unknown type
    /// or with a malformed key is a VALIDATION error, and the subscription ends. Only
    /// versions of the record the subscriber may see are sent (see `docs/access.md`).
    async fn node_changed(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<impl Stream<Item = Node> + use<>> {
        let read = read_side(ctx)?.clone();
        let who = crate::access::identity(ctx)?.clone();
        // Checks the id now, and notes what the subscriber has already seen.
        let seen = live_node(&read, &id)?.map_or(0, |(_, last)| last);
        let status = read.engine.status();
        let id = id.0;
        Ok(futures::stream::unfold(
            (read, status, id, seen, who),
            |(read, mut status, id, seen, who)| async move {
                loop {
                    // The engine's status changes whenever it applies more of the log; it
                    // is gone only when the engine is, which ends the subscription.
                    status.changed().await.ok()?;
                    match live_node(&read, &id) {
                        // Only versions of the record the subscriber may see are sent.
                        Ok(Some((node, last))) if last > seen && node_visible(&who, &node) => {
                            return Some((node, (read, status, id, last, who)));
                        }
                        Ok(_) => {}
                        // The id was checked when the subscription started.
                        Err(_) => return None,
                    }
                }
            },
        ))
    }
}
