//! Keeping `watch_head` current when other processes append: LISTEN/NOTIFY, with a
//! periodic poll of the head row as the fallback.
//!
//! Every append transaction calls `pg_notify('engage_head_<schema>', '<new head>')`;
//! PostgreSQL delivers it to every listening session when (and only if) that transaction
//! commits, in commit order. The listener task keeps one connection in `LISTEN` and raises
//! the watched head to the notified position. A notification can be lost when that
//! connection drops (the server forgets a session's subscriptions with it), so a second
//! task reads the head row every `poll_interval` as well, and the listener re-reads it
//! each time it reconnects. The watched head only ever increases.

use std::sync::Arc;
use std::time::Duration;

use deadpool_postgres::Pool;
use futures::StreamExt;
use tokio::sync::{mpsc, watch};
use tokio_postgres::{AsyncMessage, NoTls};

use crate::config::PostgresConfig;
use crate::error::describe;
use crate::schema::{Sql, quote};

/// Longest wait between two attempts to re-establish the LISTEN connection.
const MAX_BACKOFF: Duration = Duration::from_secs(5);

fn raise(head: &watch::Sender<u64>, position: u64) {
    head.send_if_modified(|v| {
        if position > *v {
            *v = position;
            true
        } else {
            false
        }
    });
}

/// Read the head row and raise the watch to it.
async fn poll_once(pool: &Pool, sql: &Sql, head: &watch::Sender<u64>) -> bool {
    let client = match pool.get().await {
        Ok(c) => c,
        Err(e) => {
            tracing::debug!(error = %e, "head poll: no connection");
            return false;
        }
    };
    let stmt = match client.prepare_cached(&sql.head_position).await {
        Ok(s) => s,
        Err(e) => {
            tracing::debug!(error = %describe(&e), "head poll failed");
            return false;
        }
    };
    match client.query_one(&stmt, &[]).await {
        Ok(row) => match row.try_get::<_, i64>(0) {
            Ok(p) => {
                raise(head, u64::try_from(p).unwrap_or(0));
                true
            }
            Err(e) => {
                tracing::warn!(error = %e, "head poll: unreadable head row");
                false
            }
        },
        Err(e) => {
            tracing::debug!(error = %describe(&e), "head poll failed");
            false
        }
    }
}

/// The fallback: read the head row every `interval`, until the store is dropped.
pub(crate) async fn poll(
    pool: Pool,
    sql: Arc<Sql>,
    head: Arc<watch::Sender<u64>>,
    interval: Duration,
) {
    let mut ticks = tokio::time::interval(interval);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        poll_once(&pool, &sql, &head).await;
    }
}

/// The LISTEN connection, re-established whenever it drops, until the store is dropped.
pub(crate) async fn listen(
    config: PostgresConfig,
    pool: Pool,
    sql: Arc<Sql>,
    head: Arc<watch::Sender<u64>>,
) {
    let mut backoff = Duration::from_millis(100);
    loop {
        match listen_once(&config, &pool, &sql, &head).await {
            Ok(()) => {
                tracing::warn!(target = %config.redacted(), "LISTEN connection ended; reconnecting");
                backoff = Duration::from_millis(100);
            }
            Err(e) => {
                tracing::warn!(error = %describe(&e), target = %config.redacted(), "LISTEN connection lost; reconnecting");
            }
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}

/// One LISTEN session: returns when its connection ends.
async fn listen_once(
    config: &PostgresConfig,
    pool: &Pool,
    sql: &Sql,
    head: &watch::Sender<u64>,
) -> Result<(), tokio_postgres::Error> {
    let (client, mut connection) = config.connection_config("listener").connect(NoTls).await?;
    let (tx, mut rx) = mpsc::unbounded_channel();
    // The connection must be polled for notifications to arrive; forward them.
    let driver = tokio::spawn(async move {
        let mut messages = futures::stream::poll_fn(move |cx| connection.poll_message(cx));
        while let Some(message) = messages.next().await {
            match message {
                Ok(AsyncMessage::Notification(n)) => {
                    if tx.send(n.payload().to_owned()).is_err() {
                        break;
                    }
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::debug!(error = %describe(&e), "LISTEN connection ended");
                    break;
                }
            }
        }
    });
    let _abort = AbortOnDrop(driver);
    client
        .batch_execute(&format!("LISTEN {}", quote(&sql.channel)))
        .await?;
    // Anything committed while we were not listening.
    poll_once(pool, sql, head).await;
    while let Some(payload) = rx.recv().await {
        match payload.trim().parse::<u64>() {
            Ok(position) => raise(head, position),
            Err(_) => {
                tracing::warn!(payload = %payload, "ignoring a notification that is not a position");
            }
        }
    }
    Ok(())
}

struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}
