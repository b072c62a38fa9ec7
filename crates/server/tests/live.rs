//! The server on a real listener (127.0.0.1:0): GraphQL subscriptions over WebSocket
//! (graphql-transport-ws) and graceful shutdown.

mod common;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use common::*;
use engage_log::EventStore;
use engage_server::ServerConfig;
use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

const WAIT: Duration = Duration::from_secs(10);

struct Running {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<Result<(), engage_server::ServerError>>,
}

async fn start(store: Arc<dyn EventStore>) -> Running {
    start_with(store, dev_config()).await
}

async fn start_with(store: Arc<dyn EventStore>, config: ServerConfig) -> Running {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("address");
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(engage_server::serve_on(
        listener,
        config,
        store,
        async move {
            let _ = stopped.await;
        },
    ));
    Running {
        addr,
        stop: Some(stop),
        task,
    }
}

async fn connect(addr: SocketAddr) -> Ws {
    let mut request = format!("ws://{addr}/graphql")
        .into_client_request()
        .expect("request");
    request.headers_mut().insert(
        "sec-websocket-protocol",
        "graphql-transport-ws".parse().expect("header"),
    );
    let (mut ws, response) = tokio_tungstenite::connect_async(request)
        .await
        .expect("connect");
    assert_eq!(
        response
            .headers()
            .get("sec-websocket-protocol")
            .and_then(|v| v.to_str().ok()),
        Some("graphql-transport-ws")
    );
    send(&mut ws, json!({ "type": "connection_init", "payload": {} })).await;
    assert_eq!(next_json(&mut ws).await["type"], "connection_ack");
    ws
}

async fn send(ws: &mut Ws, message: Value) {
    ws.send(Message::text(message.to_string()))
        .await
        .expect("send");
}

/// The next JSON text message, skipping pings.
async fn next_json(ws: &mut Ws) -> Value {
    loop {
        let message = tokio::time::timeout(WAIT, ws.next())
            .await
            .expect("a message in time")
            .expect("connection open")
            .expect("valid frame");
        match message {
            Message::Text(text) => {
                let value: Value = serde_json::from_str(text.as_str()).expect("JSON");
                if value["type"] == "ping" {
                    send(ws, json!({ "type": "pong" })).await;
                    continue;
                }
                return value;
            }
            Message::Ping(_) | Message::Pong(_) => continue,
            other => panic!("unexpected message: {other:?}"),
        }
    }
}

fn subscribe(id: &str, query: &str, variables: Value) -> Value {
    json!({
        "id": id,
        "type": "subscribe",
        "payload": { "query": query, "variables": variables },
    })
}

const SUB: &str = "subscription S($from: Int, $type: String, $prefix: String) {
  events(fromPosition: $from, eventType: $type, streamPrefix: $prefix) {
    position streamId eventType payload
  }
}";

#[tokio::test]
async fn subscription_replays_history_then_delivers_live_events() {
    let t = TestStore::new();
    append(&t.store, "board-a", "BoardCreated", 2).await;
    let server = start(t.arc()).await;
    let mut ws = connect(server.addr).await;

    send(&mut ws, subscribe("1", SUB, json!({ "from": 2 }))).await;
    let first = next_json(&mut ws).await;
    assert_eq!(first["type"], "next", "{first}");
    assert_eq!(first["id"], "1");
    assert_eq!(first["payload"]["data"]["events"]["position"], 2);

    // A live event appended after subscribing arrives.
    append(&t.store, "panel-b", "PanelCreated", 1).await;
    let live = next_json(&mut ws).await;
    assert_eq!(
        live["payload"]["data"]["events"],
        json!({ "position": 3, "streamId": "panel-b", "eventType": "PanelCreated", "payload": { "n": 0, "title": "item 0" } })
    );

    send(&mut ws, json!({ "id": "1", "type": "complete" })).await;
    drop(ws);
    stop(server).await;
}

/// The next message for subscription `id`, skipping those of other operations.
async fn next_for(ws: &mut Ws, id: &str) -> Value {
    loop {
        let m = next_json(ws).await;
        if m["id"] == id {
            return m;
        }
    }
}

#[tokio::test]
async fn node_changed_sends_the_record_after_each_mutation() {
    let t = TestStore::new();
    let server = start(t.arc()).await;
    let mut ws = connect(server.addr).await;
    let complaint = uuid::Uuid::now_v7();
    let sub = "subscription C($id: ID!) { nodeChanged(id: $id) { id ... on Complaint { status provenance { positions } } } }";
    send(
        &mut ws,
        subscribe("n", sub, json!({ "id": format!("Complaint:{complaint}") })),
    )
    .await;

    // Created after subscribing: sent once the read model has it.
    let raise = "mutation R($input: RaiseVictimComplaint!) { raiseVictimComplaint(input: $input) { events { position } } }";
    let received = (chrono::Utc::now() - chrono::Duration::days(2)).to_rfc3339();
    let input = json!({ "input": {
        "complaintId": complaint, "borough": "E09000007", "receivedAt": received,
        "category": "COMMUNICATION", "channel": "EMAIL", "summary": "No update",
        "personal": { "dataSubjectId": uuid::Uuid::now_v7(), "fullName": "Jane Doe" } } });
    send(&mut ws, subscribe("r", raise, input)).await;
    let first = next_for(&mut ws, "n").await;
    assert_eq!(first["type"], "next", "{first}");
    let node = &first["payload"]["data"]["nodeChanged"];
    assert_eq!(node["id"], format!("Complaint:{complaint}"));
    assert_eq!(node["status"], "RAISED");
    assert_eq!(node["provenance"]["positions"], json!([1]));

    // An event for another record sends nothing; the next one for this record does.
    let other = json!({ "input": {
        "complaintId": uuid::Uuid::now_v7(), "borough": "E09000007", "receivedAt": received,
        "category": "COMMUNICATION", "channel": "EMAIL", "summary": "Another",
        "personal": { "dataSubjectId": uuid::Uuid::now_v7(), "fullName": "John Doe" } } });
    send(&mut ws, subscribe("o", raise, other)).await;
    let ack = "mutation A($id: UUID!, $at: DateTime!) { acknowledgeVictimComplaint(complaintId: $id, input: { acknowledgedAt: $at }) { events { position } } }";
    send(
        &mut ws,
        subscribe(
            "a",
            ack,
            json!({ "id": complaint, "at": chrono::Utc::now().to_rfc3339() }),
        ),
    )
    .await;
    let second = next_for(&mut ws, "n").await;
    let node = &second["payload"]["data"]["nodeChanged"];
    assert_eq!(node["status"], "ACKNOWLEDGED", "{second}");
    assert_eq!(node["provenance"]["positions"], json!([1, 3]));

    // An id of an unknown type is an error (a resolver error: `next` with `errors`), and
    // the subscription completes.
    send(&mut ws, subscribe("x", sub, json!({ "id": "Nothing:1" }))).await;
    let error = next_for(&mut ws, "x").await;
    assert_eq!(error["type"], "next", "{error}");
    assert_eq!(
        error["payload"]["errors"][0]["extensions"]["code"], "VALIDATION",
        "{error}"
    );
    assert_eq!(next_for(&mut ws, "x").await["type"], "complete");

    drop(ws);
    stop(server).await;
}

#[tokio::test]
async fn a_mutation_over_websocket_is_recorded_as_the_servers_identity() {
    let t = TestStore::new();
    let server = start(t.arc()).await;
    let mut ws = connect(server.addr).await;
    let join = "mutation J($input: JoinLcp2!) { joinLcp2(input: $input) { streamId events { position } } }";
    let input = json!({ "input": { "groupId": uuid::Uuid::now_v7(), "name": "Lambeth IAG",
                                    "kind": "IAG", "joinedOn": "2016-01-01" } });
    send(&mut ws, subscribe("m", join, input)).await;
    let reply = next_json(&mut ws).await;
    assert_eq!(reply["type"], "next", "{reply}");
    assert_eq!(
        reply["payload"]["data"]["joinLcp2"],
        json!({ "streamId": "lcp2", "events": [{ "position": 1 }] })
    );
    let recorded = t.store.read_all(1, 1).await.expect("read");
    assert_eq!(
        Some(recorded[0].actor.clone()),
        dev_config().access.dev_actor
    );
    drop(ws);
    stop(server).await;
}

#[tokio::test]
async fn subscription_filters_and_starts_live_by_default() {
    let t = TestStore::new();
    append(&t.store, "board-a", "BoardCreated", 3).await;
    let server = start(t.arc()).await;
    let mut ws = connect(server.addr).await;

    // No fromPosition: only events recorded from now on.
    send(
        &mut ws,
        subscribe(
            "live",
            SUB,
            json!({ "type": "MemberJoined", "prefix": "board-" }),
        ),
    )
    .await;
    // Give the subscription a moment to read the head before appending.
    tokio::time::sleep(Duration::from_millis(200)).await;
    append(&t.store, "board-a", "BoardRenamed", 1).await; // wrong type
    append(&t.store, "panel-b", "MemberJoined", 1).await; // wrong stream
    append(&t.store, "board-c", "MemberJoined", 1).await; // this one
    let got = next_json(&mut ws).await;
    assert_eq!(got["id"], "live");
    assert_eq!(got["payload"]["data"]["events"]["position"], 6, "{got}");
    assert_eq!(got["payload"]["data"]["events"]["streamId"], "board-c");
    drop(ws);
    stop(server).await;
}

#[tokio::test]
async fn subscription_errors_carry_codes() {
    let t = TestStore::new();
    let server = start(t.arc()).await;
    let mut ws = connect(server.addr).await;
    send(
        &mut ws,
        subscribe("bad", "subscription { events { nope } }", json!({})),
    )
    .await;
    // async-graphql reports validation failures as a `next` carrying errors (the protocol
    // has an `error` message for this), followed by `complete`.
    let got = next_json(&mut ws).await;
    assert_eq!(got["type"], "next", "{got}");
    assert_eq!(got["id"], "bad");
    assert_eq!(got["payload"]["data"], Value::Null, "{got}");
    assert_eq!(
        got["payload"]["errors"][0]["extensions"]["code"], "GRAPHQL_VALIDATION_FAILED",
        "{got}"
    );
    let done = next_json(&mut ws).await;
    assert_eq!(done, json!({ "id": "bad", "type": "complete" }));

    // A malformed document gets the parse code.
    send(&mut ws, subscribe("parse", "subscription {", json!({}))).await;
    let got = next_json(&mut ws).await;
    assert_eq!(
        got["payload"]["errors"][0]["extensions"]["code"], "GRAPHQL_PARSE_FAILED",
        "{got}"
    );
    drop(ws);
    stop(server).await;
}

#[tokio::test]
async fn graceful_shutdown_ends_subscriptions_and_returns() {
    let t = TestStore::new();
    let server = start(t.arc()).await;

    // Plain HTTP works on the real listener.
    let mut tcp = TcpStream::connect(server.addr).await.expect("connect");
    tokio::io::AsyncWriteExt::write_all(
        &mut tcp,
        b"GET /livez HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n",
    )
    .await
    .expect("write");
    let mut reply = String::new();
    tokio::io::AsyncReadExt::read_to_string(&mut tcp, &mut reply)
        .await
        .expect("read");
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
    assert!(reply.ends_with("ok"), "{reply}");

    let mut ws = connect(server.addr).await;
    send(&mut ws, subscribe("1", SUB, json!({}))).await;
    tokio::time::sleep(Duration::from_millis(100)).await;

    let addr = server.addr;
    stop(server).await;
    // The open subscription was ended by the shutdown...
    let ended = tokio::time::timeout(WAIT, async {
        loop {
            match ws.next().await {
                None | Some(Err(_)) | Some(Ok(Message::Close(_))) => break,
                Some(Ok(_)) => continue,
            }
        }
    })
    .await;
    assert!(ended.is_ok(), "the WebSocket stayed open after shutdown");
    // ...and nothing listens any more.
    assert!(TcpStream::connect(addr).await.is_err());
}

async fn stop(mut server: Running) {
    if let Some(stop) = server.stop.take() {
        let _ = stop.send(());
    }
    let result = tokio::time::timeout(WAIT, &mut server.task)
        .await
        .expect("the server stops in time")
        .expect("the server task did not panic");
    assert!(result.is_ok(), "{result:?}");
}

#[tokio::test]
async fn serve_reports_a_busy_address() {
    let taken = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = taken.local_addr().expect("address");
    let t = TestStore::new();
    let config = ServerConfig {
        listen: addr,
        ..dev_config()
    };
    let err = engage_server::serve(config, t.arc(), std::future::pending())
        .await
        .expect_err("address in use");
    assert!(
        matches!(err, engage_server::ServerError::Bind { .. }),
        "{err}"
    );
    assert!(err.to_string().contains(&addr.to_string()), "{err}");
}

/// Open a `graphql-transport-ws` socket without `connection_init`.
async fn connect_raw(addr: SocketAddr) -> Ws {
    let mut request = format!("ws://{addr}/graphql")
        .into_client_request()
        .expect("request");
    request.headers_mut().insert(
        "sec-websocket-protocol",
        "graphql-transport-ws".parse().expect("header"),
    );
    tokio_tungstenite::connect_async(request)
        .await
        .expect("connect")
        .0
}

/// Wait for the server's close frame; its code and reason.
async fn close_frame(ws: &mut Ws) -> (u16, String) {
    loop {
        let message = tokio::time::timeout(WAIT, ws.next())
            .await
            .expect("a message in time")
            .expect("a close frame before the end")
            .expect("valid frame");
        match message {
            Message::Close(Some(frame)) => return (frame.code.into(), frame.reason.to_string()),
            Message::Text(_) | Message::Ping(_) | Message::Pong(_) => continue,
            other => panic!("unexpected message: {other:?}"),
        }
    }
}

#[tokio::test]
async fn subscribe_before_connection_init_closes_with_4401() {
    let t = TestStore::new();
    append(&t.store, "board-1", "BoardCreated", 1).await;
    let server = start(t.arc()).await;
    let mut ws = connect_raw(server.addr).await;
    send(&mut ws, subscribe("1", SUB, json!({ "from": 1 }))).await;
    assert_eq!(close_frame(&mut ws).await, (4401, "Unauthorized".into()));
    stop(server).await;
}

#[tokio::test]
async fn a_running_subscription_id_cannot_be_reused() {
    let t = TestStore::new();
    let server = start(t.arc()).await;
    let mut ws = connect(server.addr).await;
    send(&mut ws, subscribe("a", SUB, json!({}))).await;
    send(&mut ws, subscribe("a", SUB, json!({}))).await;
    assert_eq!(
        close_frame(&mut ws).await,
        (4409, "Subscriber for a already exists".into())
    );

    // Once the client completed it, the id is free again.
    let mut ws = connect(server.addr).await;
    send(&mut ws, subscribe("b", SUB, json!({}))).await;
    send(&mut ws, json!({ "id": "b", "type": "complete" })).await;
    send(&mut ws, subscribe("b", SUB, json!({ "from": 1 }))).await;
    append(&t.store, "board-1", "BoardCreated", 1).await;
    let next = next_json(&mut ws).await;
    assert_eq!(next["type"], "next", "{next}");
    assert_eq!(next["id"], "b");
    assert_eq!(next["payload"]["data"]["events"]["position"], 1);
    stop(server).await;
}

#[tokio::test]
async fn quiet_subscriptions_are_kept_alive_by_server_pings() {
    let t = TestStore::new();
    let config = ServerConfig {
        websocket_keepalive: Some(Duration::from_millis(600)),
        ..dev_config()
    };
    let server = start_with(t.arc(), config).await;
    let mut ws = connect(server.addr).await;
    send(&mut ws, subscribe("quiet", SUB, json!({}))).await;
    // Three keep-alive periods with nothing to deliver: the server pings, the client
    // answers, and the connection stays open.
    let until = tokio::time::Instant::now() + Duration::from_millis(1800);
    let mut pings = 0;
    while let Ok(message) = tokio::time::timeout_at(until, ws.next()).await {
        match message.expect("connection open").expect("valid frame") {
            Message::Text(text) if text.as_str() == r#"{"type":"ping"}"# => {
                pings += 1;
                send(&mut ws, json!({ "type": "pong" })).await;
            }
            other => panic!("unexpected message: {other:?}"),
        }
    }
    assert!(pings >= 4, "{pings} pings");
    append(&t.store, "board-1", "BoardCreated", 1).await;
    let next = next_json(&mut ws).await;
    assert_eq!(next["type"], "next", "{next}");
    assert_eq!(next["id"], "quiet");

    // A client that stops answering is disconnected.
    let mut silent = connect(server.addr).await;
    let closed = tokio::time::timeout(WAIT, async {
        loop {
            match silent.next().await {
                Some(Ok(Message::Close(frame))) => return frame.map(|f| u16::from(f.code)),
                Some(Ok(_)) => continue,
                _ => return None,
            }
        }
    })
    .await
    .expect("closed in time");
    assert_eq!(closed, Some(3008));
    stop(server).await;
}

/// Append one event with this payload to `stream`.
async fn append_payload(store: &dyn EventStore, stream: &str, event_type: &str, payload: Value) {
    let e = engage_log::NewEvent::new(
        event_type,
        1,
        chrono::Utc::now(),
        engage_log::Actor::new("user-7", "secretary", "board-camden"),
        engage_log::Payload::from_value(&payload).expect("payload"),
    );
    store
        .append(
            &engage_log::StreamId::new(stream),
            engage_log::ExpectedVersion::Any,
            vec![e],
        )
        .await
        .expect("append");
}

const BY_BOROUGH: &str = "subscription S($from: Int, $borough: String) {
  events(fromPosition: $from, borough: $borough) { position streamId }
}";

#[tokio::test]
async fn events_filter_by_borough() {
    let t = TestStore::new();
    let complaint = format!("complaint-{}", uuid::Uuid::now_v7());
    append_payload(
        &t.store,
        &complaint,
        "Raised",
        json!({ "borough": "E09000007" }),
    )
    .await; // 1: payload
    append_payload(&t.store, &complaint, "Acknowledged", json!({ "n": 1 })).await; // 2: same stream
    append_payload(&t.store, "board-E09000019", "Held", json!({ "n": 2 })).await; // 3: Islington
    append_payload(&t.store, "board-E09000007", "Held", json!({ "n": 3 })).await; // 4: stream name
    append_payload(&t.store, "lcp2", "Joined", json!({ "n": 4 })).await; // 5: pan-London
    let server = start(t.arc()).await;
    let mut ws = connect(server.addr).await;

    send(
        &mut ws,
        subscribe(
            "b",
            BY_BOROUGH,
            json!({ "from": 1, "borough": "E09000007" }),
        ),
    )
    .await;
    let mut positions = Vec::new();
    for _ in 0..3 {
        let m = next_for(&mut ws, "b").await;
        positions.push(m["payload"]["data"]["events"]["position"].as_u64().unwrap());
    }
    assert_eq!(positions, [1, 2, 4]);

    // Live, for a record created before the subscription started: its borough comes from
    // the read models (the acknowledgement carries none).
    let raise = "mutation R($input: RaiseVictimComplaint!) { raiseVictimComplaint(input: $input) { events { position } } }";
    let id = uuid::Uuid::now_v7();
    let received = (chrono::Utc::now() - chrono::Duration::days(2)).to_rfc3339();
    let input = json!({ "input": {
        "complaintId": id, "borough": "E09000019", "receivedAt": received,
        "category": "COMMUNICATION", "channel": "EMAIL", "summary": "No update",
        "personal": { "dataSubjectId": uuid::Uuid::now_v7(), "fullName": "Jane Doe" } } });
    send(&mut ws, subscribe("r", raise, input)).await;
    assert_eq!(next_for(&mut ws, "r").await["type"], "next");
    // Wait until the read models have the complaint, then subscribe live for Islington.
    let mut ws2 = connect(server.addr).await;
    for i in 0..100 {
        let q = format!("q{i}");
        send(
            &mut ws2,
            subscribe(
                &q,
                "query Q($id: UUID!) { complaint(complaintId: $id) { status } }",
                json!({ "id": id }),
            ),
        )
        .await;
        let got = next_for(&mut ws2, &q).await;
        if got["payload"]["data"]["complaint"] != Value::Null {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    send(
        &mut ws2,
        subscribe("i", BY_BOROUGH, json!({ "borough": "E09000019" })),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    append_payload(&t.store, "board-E09000007", "Held", json!({ "n": 5 })).await; // Camden: not sent
    let ack = "mutation A($id: UUID!, $at: DateTime!) { acknowledgeVictimComplaint(complaintId: $id, input: { acknowledgedAt: $at }) { events { position } } }";
    send(
        &mut ws,
        subscribe(
            "a",
            ack,
            json!({ "id": id, "at": chrono::Utc::now().to_rfc3339() }),
        ),
    )
    .await;
    let got = next_for(&mut ws2, "i").await;
    assert_eq!(
        got["payload"]["data"]["events"]["streamId"],
        format!("complaint-{id}"),
        "{got}"
    );

    // A borough that is not a London GSS code is refused.
    send(
        &mut ws2,
        subscribe("x", BY_BOROUGH, json!({ "borough": "Camden" })),
    )
    .await;
    let error = next_for(&mut ws2, "x").await;
    assert_eq!(
        error["payload"]["errors"][0]["extensions"]["code"], "VALIDATION",
        "{error}"
    );
    drop(ws);
    drop(ws2);
    stop(server).await;
}
