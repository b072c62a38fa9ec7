//! GraphQL over WebSocket: async-graphql's protocol engine behind a guard that enforces the
//! rules of `graphql-transport-ws` the engine leaves out.
//!
//! async-graphql closes with `1011` when a client subscribes before `connection_init`,
//! silently replaces a subscription when a client reuses an id that is still running, and
//! answers a client's `complete` with a `complete` of its own (which a client that has
//! already reused the id would take for the end of its new subscription). The protocol asks
//! for `4401 Unauthorized`, `4409 Subscriber for <id> already exists`, and no answer to a
//! client's `complete`; the guard watches the messages both ways, closes with those codes,
//! and drops the echoed `complete`. It also sends the keep-alive pings the engine expects
//! answers to but never sends. The legacy `graphql-ws`
//! subprotocol (subscriptions-transport-ws) is served as async-graphql serves it.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use async_graphql::Executor;
use async_graphql::http::{
    ALL_WEBSOCKET_PROTOCOLS, WebSocket as ProtocolEngine, WebSocketProtocols, WsMessage,
};
use axum::extract::ws::{CloseFrame, Message, WebSocket};
use axum::http::{HeaderMap, header};
use futures::{SinkExt, StreamExt, future};
use serde::Deserialize;

/// The `type` and `id` of a protocol message; everything else is the engine's business.
#[derive(Deserialize)]
struct Envelope {
    #[serde(rename = "type")]
    kind: Option<String>,
    id: Option<String>,
}

/// What the guard has seen of one connection.
#[derive(Default)]
struct Guard {
    initialised: bool,
    /// Subscriptions the client started that have not completed either way.
    running: HashSet<String>,
    /// Subscriptions the client completed, whose echoed `complete` is still to be dropped.
    completed_by_client: HashSet<String>,
    /// The close frame to send, once a client broke the protocol.
    violation: Option<(u16, String)>,
}

impl Guard {
    /// A client message: `false` when it breaks the protocol (the connection then closes).
    fn inbound(&mut self, data: &[u8]) -> bool {
        // Messages that are not JSON objects are left to the engine, which rejects them.
        let Ok(message) = serde_json::from_slice::<Envelope>(data) else {
            return true;
        };
        match (message.kind.as_deref(), message.id) {
            (Some("connection_init"), _) => self.initialised = true,
            (Some("subscribe"), _) if !self.initialised => {
                self.violation = Some((4401, "Unauthorized".to_owned()));
            }
            (Some("subscribe"), Some(id)) => {
                if self.running.contains(&id) {
                    self.violation = Some((4409, format!("Subscriber for {id} already exists")));
                } else {
                    self.running.insert(id);
                }
            }
            (Some("complete"), Some(id)) if self.running.remove(&id) => {
                self.completed_by_client.insert(id);
            }
            _ => {}
        }
        self.violation.is_none()
    }

    /// A server message: a subscription that completed or failed frees its id. `false` for
    /// the engine's answer to a client's `complete`, which is not sent.
    fn outbound(&mut self, text: &str) -> bool {
        let Ok(Envelope {
            kind: Some(kind),
            id: Some(id),
        }) = serde_json::from_str::<Envelope>(text)
        else {
            return true;
        };
        if kind == "complete" && self.completed_by_client.remove(&id) {
            return false;
        }
        if kind == "complete" || kind == "error" {
            self.running.remove(&id);
        }
        true
    }
}

/// The subprotocol to speak: the first of [`ALL_WEBSOCKET_PROTOCOLS`] the client offers in
/// `Sec-WebSocket-Protocol` (the one axum's upgrade then confirms), or `None`.
pub(crate) fn protocol(headers: &HeaderMap) -> Option<WebSocketProtocols> {
    let offered = headers
        .get_all(header::SEC_WEBSOCKET_PROTOCOL)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect::<Vec<_>>();
    ALL_WEBSOCKET_PROTOCOLS
        .iter()
        .find(|p| offered.contains(p))
        .and_then(|p| p.parse().ok())
}

fn lock(guard: &Mutex<Guard>) -> std::sync::MutexGuard<'_, Guard> {
    guard.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Serve one upgraded connection until either side ends it.
pub(crate) async fn serve<E: Executor>(
    socket: WebSocket,
    executor: E,
    protocol: WebSocketProtocols,
    keepalive: Option<Duration>,
    data: async_graphql::Data,
) {
    let strict = protocol == WebSocketProtocols::GraphQLWS;
    let guard = Arc::new(Mutex::new(Guard::default()));
    let (mut sink, source) = socket.split();

    let inbound_guard = Arc::clone(&guard);
    let input = source
        .take_while(|frame| future::ready(frame.is_ok()))
        .filter_map(|frame| {
            future::ready(match frame {
                Ok(message @ (Message::Text(_) | Message::Binary(_))) => Some(message.into_data()),
                _ => None,
            })
        })
        // Ending the input ends the engine's stream; the close frame is sent below.
        .take_while(move |data| future::ready(!strict || lock(&inbound_guard).inbound(data)));

    let outbound_guard = Arc::clone(&guard);
    let output = ProtocolEngine::new(executor, input, protocol)
        .connection_data(data)
        .keepalive_timeout(keepalive)
        .filter_map(move |message| {
            future::ready(match message {
                WsMessage::Text(text) => (!strict || lock(&outbound_guard).outbound(&text))
                    .then(|| Message::Text(text.into())),
                WsMessage::Close(code, reason) => Some(Message::Close(Some(CloseFrame {
                    code,
                    reason: reason.into(),
                }))),
            })
        });
    futures::pin_mut!(output);
    // The engine closes a connection from which nothing arrived within `keepalive`, but
    // never pings, so a client quietly waiting for events would be cut off. The server
    // pings (graphql-transport-ws `ping`) three times per period; clients answer `pong`.
    let mut pings = keepalive
        .filter(|period| strict && !period.is_zero())
        .map(|period| {
            let every = period / 3;
            let mut ticker = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
            ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            ticker
        });
    loop {
        let message = match &mut pings {
            Some(ticker) => tokio::select! {
                message = output.next() => message,
                _ = ticker.tick() => Some(Message::Text(r#"{"type":"ping"}"#.into())),
            },
            None => output.next().await,
        };
        let Some(message) = message else { break };
        if sink.send(message).await.is_err() {
            return;
        }
    }
    let violation = lock(&guard).violation.take();
    if let Some((code, reason)) = violation {
        tracing::debug!(code, %reason, "closing a GraphQL WebSocket that broke the protocol");
        let _ = sink
            .send(Message::Close(Some(CloseFrame {
                code,
                reason: reason.into(),
            })))
            .await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subscribe_before_init_is_unauthorised() {
        let mut guard = Guard::default();
        assert!(!guard.inbound(br#"{"type":"subscribe","id":"1","payload":{"query":"{a}"}}"#));
        assert_eq!(guard.violation, Some((4401, "Unauthorized".into())));
    }

    #[test]
    fn ids_are_unique_while_running() {
        let mut guard = Guard::default();
        assert!(guard.inbound(br#"{"type":"connection_init"}"#));
        let subscribe = br#"{"type":"subscribe","id":"a","payload":{"query":"{a}"}}"#;
        assert!(guard.inbound(subscribe));
        // Completed by the server: the id may be used again.
        assert!(guard.outbound(r#"{"type":"complete","id":"a"}"#));
        assert!(guard.inbound(subscribe));
        // Completed by the client: likewise, and the engine's echo is dropped, once.
        assert!(guard.inbound(br#"{"type":"complete","id":"a"}"#));
        assert!(!guard.outbound(r#"{"type":"complete","id":"a"}"#));
        assert!(guard.inbound(subscribe));
        assert!(guard.outbound(r#"{"type":"next","id":"a","payload":{}}"#));
        // Failed: likewise.
        assert!(guard.outbound(r#"{"type":"error","id":"a","payload":[]}"#));
        assert!(guard.inbound(subscribe));
        // Still running: refused.
        assert!(!guard.inbound(subscribe));
        assert_eq!(
            guard.violation,
            Some((4409, "Subscriber for a already exists".into()))
        );
    }

    #[test]
    fn subprotocol_choice() {
        let offer = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(
                header::SEC_WEBSOCKET_PROTOCOL,
                value.parse().expect("header"),
            );
            protocol(&headers)
        };
        assert_eq!(
            offer("graphql-transport-ws"),
            Some(WebSocketProtocols::GraphQLWS)
        );
        assert_eq!(
            offer("graphql-ws"),
            Some(WebSocketProtocols::SubscriptionsTransportWS)
        );
        assert_eq!(
            offer("graphql-ws, graphql-transport-ws"),
            Some(WebSocketProtocols::GraphQLWS)
        );
        assert_eq!(offer("chat"), None);
        assert_eq!(protocol(&HeaderMap::new()), None);
    }

    #[test]
    fn other_messages_pass() {
        let mut guard = Guard::default();
        assert!(guard.inbound(b"not json"));
        assert!(guard.inbound(br#"{"type":"ping"}"#));
        assert!(guard.inbound(br#"{"type":"connection_init","payload":{}}"#));
        assert!(guard.inbound(br#"{"type":"pong"}"#));
        assert!(guard.outbound(r#"{"type":"next","id":"x","payload":{}}"#));
        // A client's `complete` for an id that is not running has no echo to drop.
        assert!(guard.inbound(br#"{"type":"complete","id":"x"}"#));
        assert!(guard.outbound(r#"{"type":"complete","id":"x"}"#));
        assert!(guard.violation.is_none());
    }
}
