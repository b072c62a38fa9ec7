//! `engage` against PostgreSQL, as an operator moving from the embedded store would use it:
//! export from an SQLite data directory, `import log` into PostgreSQL, verify both; then
//! `seed` and `serve` on PostgreSQL. Each test uses a schema of its own on the server named by
//! `ENGAGE_TEST_POSTGRES_URL` (set by `scripts/with-postgres`); without it the tests are
//! skipped with a notice, and fail in CI.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use engage_conformance::fixtures::{chair, meeting_held, stream};
use engage_log::{EventStore, ExpectedVersion, NewEvent, Payload, RecordedEvent, StreamId};
use engage_store_postgres::PostgresStore;
use engage_store_sqlite::{EVENTS_FILE, SqliteStore};
use engage_tests::{PostgresSchema, postgres_test_url};

macro_rules! server_or_skip {
    () => {
        match postgres_test_url() {
            Ok(url) => url,
            Err(reason) => {
                eprintln!("SKIPPED: {reason}");
                return;
            }
        }
    };
}

/// Run engage with `--store` (or the embedded store in `data_dir` when `store` is `None`).
fn engage(data_dir: &Path, store: Option<&str>, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_engage"));
    cmd.arg("--data-dir")
        .arg(data_dir)
        .env_remove("ENGAGE_STORE");
    if let Some(url) = store {
        cmd.arg("--store").arg(url);
    }
    cmd.args(args).output().expect("run engage")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

async fn all_events(store: &dyn EventStore) -> Vec<RecordedEvent> {
    let mut out = Vec::new();
    let mut next = 1;
    loop {
        let batch = store.read_all(next, 1000).await.expect("read_all");
        let Some(last) = batch.last() else { break };
        next = last.position + 1;
        out.extend(batch);
    }
    out
}

fn verify_json(out: &Output) -> serde_json::Value {
    assert!(out.status.success(), "verify: {}", text(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("verify --json")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_from_sqlite_then_import_into_postgres_keeps_every_id_order_and_hash() {
    let url = server_or_skip!();
    let src = tempfile::tempdir().expect("tmp");
    {
        let store = SqliteStore::open_in_dir(src.path()).expect("open sqlite");
        for s in 0..5 {
            let st = stream("board");
            for i in 0..8u64 {
                let mut e: NewEvent = meeting_held(s * 100 + i);
                if i % 3 == 0 {
                    e.causation_id = None;
                    e.reason = None;
                }
                store
                    .append(&st, ExpectedVersion::Any, vec![e])
                    .await
                    .expect("append");
            }
        }
        store
            .set_stream_metadata(
                &StreamId::new("board-camden"),
                ExpectedVersion::Any,
                Payload::parse(r#"{"retention":"forever"}"#).expect("payload"),
                chair(),
                Some("board decision 2025-14".into()),
            )
            .await
            .expect("metadata");
    }
    let file = src.path().join("log.ndjson");
    let out = engage(
        src.path(),
        None,
        &["export", "--output", file.to_str().expect("utf8")],
    );
    assert!(out.status.success(), "export: {}", text(&out.stderr));

    let schema = PostgresSchema::new(&url);
    let pg = schema.url(&url);
    let out = engage(
        src.path(),
        Some(&pg),
        &["import", "log", file.to_str().expect("utf8")],
    );
    assert!(out.status.success(), "import: {}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("imported 41 events"),
        "{}",
        text(&out.stdout)
    );

    // verify passes on both, with the same count and head hash.
    let on_sqlite = verify_json(&engage(src.path(), None, &["verify", "--json"]));
    let on_postgres = verify_json(&engage(src.path(), Some(&pg), &["verify", "--json"]));
    assert_eq!(on_sqlite["status"], "intact");
    assert_eq!(on_postgres["status"], "intact");
    assert_eq!(on_sqlite["count"], 41);
    assert_eq!(on_postgres["count"], on_sqlite["count"]);
    assert_eq!(on_postgres["head"], on_sqlite["head"]);
    let head = on_sqlite["head"].as_str().expect("head hash").to_owned();
    assert!(
        engage(src.path(), Some(&pg), &["verify", "--expect-head", &head])
            .status
            .success()
    );

    // Every event, field by field: ids, order, times and hashes.
    let sqlite = SqliteStore::open_read_only(&src.path().join(EVENTS_FILE)).expect("open");
    let postgres = PostgresStore::open_read_only(&schema.config)
        .await
        .expect("open pg");
    assert_eq!(all_events(&postgres).await, all_events(&sqlite).await);

    // Exporting from PostgreSQL gives back the same bytes; ENGAGE_STORE works like --store.
    let out = Command::new(env!("CARGO_BIN_EXE_engage"))
        .arg("export")
        .env("ENGAGE_STORE", &pg)
        .output()
        .expect("run engage");
    assert!(out.status.success(), "export: {}", text(&out.stderr));
    assert_eq!(out.stdout, std::fs::read(&file).expect("read export"));

    // Importing again resumes (nothing to do) rather than duplicating.
    let out = engage(
        src.path(),
        Some(&pg),
        &["import", "log", file.to_str().expect("utf8")],
    );
    assert!(
        text(&out.stdout).contains("imported 0 events (41 already present)"),
        "{}",
        text(&out.stdout)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seed_writes_a_verifiable_history_into_postgres() {
    let url = server_or_skip!();
    let schema = PostgresSchema::new(&url);
    let pg = schema.url(&url);
    let dir = tempfile::tempdir().expect("tmp");
    let out = engage(
        dir.path(),
        Some(&pg),
        &["seed", "--events", "500", "--until", "2026-06-01"],
    );
    assert!(out.status.success(), "seed: {}", text(&out.stderr));
    let v = verify_json(&engage(dir.path(), Some(&pg), &["verify", "--json"]));
    assert_eq!(v["status"], "intact");
    assert_eq!(v["count"], 500);
    // A second seed refuses the non-empty store.
    let out = engage(dir.path(), Some(&pg), &["seed", "--events", "10"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("already holds 500 events"),
        "{}",
        text(&out.stderr)
    );
}

fn http(port: u16, request: &str) -> Option<String> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    s.write_all(request.as_bytes()).ok()?;
    let mut out = String::new();
    s.read_to_string(&mut out).ok()?;
    Some(out)
}

fn graphql_request(query: &str) -> String {
    let body = serde_json::json!({ "query": query }).to_string();
    format!(
        "POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nAccept: application/graphql-response+json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}

fn graphql_request_with(query: &str, variables: serde_json::Value) -> String {
    let body = serde_json::json!({ "query": query, "variables": variables }).to_string();
    format!(
        "POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nAccept: application/graphql-response+json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}

const RAISE: &str = "mutation R($input: RaiseVictimComplaint!) { raiseVictimComplaint(input: $input) { streamId } }";

/// The input of a `raiseVictimComplaint` mutation for a new complaint in Camden.
fn raise_input() -> serde_json::Value {
    serde_json::json!({
        "complaintId": uuid::Uuid::now_v7(),
        "borough": "E09000007",
        "receivedAt": (chrono::Utc::now() - chrono::Duration::days(3)).to_rfc3339(),
        "category": "COMMUNICATION",
        "channel": "EMAIL",
        "summary": "No update after a burglary report",
        "personal": { "dataSubjectId": uuid::Uuid::now_v7(), "fullName": "Jane Doe" }
    })
}

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A graphql-transport-ws connection to the server on `port`, initialised.
async fn ws_connect(port: u16) -> Ws {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let mut request = format!("ws://127.0.0.1:{port}/graphql")
        .into_client_request()
        .expect("request");
    request.headers_mut().insert(
        "sec-websocket-protocol",
        "graphql-transport-ws".parse().expect("header"),
    );
    let (mut ws, _) = tokio_tungstenite::connect_async(request)
        .await
        .expect("WebSocket connect");
    ws_send(
        &mut ws,
        serde_json::json!({ "type": "connection_init", "payload": {} }),
    )
    .await;
    assert_eq!(ws_next(&mut ws).await["type"], "connection_ack");
    ws
}

async fn ws_send(ws: &mut Ws, message: serde_json::Value) {
    use futures::SinkExt;
    ws.send(tokio_tungstenite::tungstenite::Message::text(
        message.to_string(),
    ))
    .await
    .expect("send");
}

/// The next JSON message (answering pings), failing after 30 s.
async fn ws_next(ws: &mut Ws) -> serde_json::Value {
    ws_next_within(ws, Duration::from_secs(30))
        .await
        .expect("a message in time")
}

async fn ws_next_within(ws: &mut Ws, wait: Duration) -> Option<serde_json::Value> {
    use futures::StreamExt;
    use tokio_tungstenite::tungstenite::Message;
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let message = tokio::time::timeout_at(deadline, ws.next()).await.ok()?;
        match message.expect("connection open").expect("valid frame") {
            Message::Text(text) => {
                let value: serde_json::Value = serde_json::from_str(text.as_str()).expect("JSON");
                if value["type"] == "ping" {
                    ws_send(ws, serde_json::json!({ "type": "pong" })).await;
                    continue;
                }
                return Some(value);
            }
            Message::Ping(_) | Message::Pong(_) => continue,
            other => panic!("unexpected message: {other:?}"),
        }
    }
}

/// The JSON body of an HTTP response.
fn json_body(response: &str) -> serde_json::Value {
    let body = response.split("\r\n\r\n").nth(1).unwrap_or_default();
    serde_json::from_str(body).unwrap_or(serde_json::Value::Null)
}

/// A victim's complaint raised, as the domain records it.
fn complaint_raised(borough: &str) -> NewEvent {
    use engage_domain::CatalogueEvent;
    use engage_domain::victim_complaint::{
        ComplaintCategory, ComplaintChannel, Event, VictimComplaintRaised,
    };
    Event::Raised(VictimComplaintRaised {
        complaint_id: uuid::Uuid::now_v7(),
        borough: engage_domain::BoroughCode::new(borough),
        ward: None,
        received_at: chrono::Utc::now(),
        category: ComplaintCategory::Communication,
        category_detail: None,
        channel: ComplaintChannel::Email,
        summary: "No update".into(),
        personal: engage_domain::personal::ComplainantDetails {
            data_subject_id: uuid::Uuid::now_v7(),
            full_name: "A Person".into(),
            email: None,
            phone: None,
            postal_address: None,
        },
    })
    .to_new_event(chair(), chrono::Utc::now())
    .expect("payload")
}

/// Ask `port` until `check` holds for the response, for up to 30 s.
fn wait_for(port: u16, query: &str, what: &str, check: impl Fn(&serde_json::Value) -> bool) {
    let started = Instant::now();
    let mut last = None;
    loop {
        if let Some(r) = http(port, &graphql_request(query)) {
            let body = json_body(&r);
            if check(&body) {
                return;
            }
            last = Some(body);
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "server on port {port}: {what} did not happen; last answer: {last:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_on_one_postgres_log_accept_writes_and_see_each_others() {
    let url = server_or_skip!();
    let schema = PostgresSchema::new(&url);
    let pg = schema.url(&url);
    let writer = schema.open().await;
    for i in 0..3 {
        writer
            .append(
                &stream("board"),
                ExpectedVersion::Any,
                vec![meeting_held(i)],
            )
            .await
            .expect("append");
    }
    let ports: Vec<u16> = (0..2)
        .map(|_| {
            TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .map(|a| a.port())
                .expect("free port")
        })
        .collect();
    // Unlike the embedded store, any number of processes may serve one PostgreSQL log; each
    // keeps its own read models (and their snapshots in its own data directory).
    let data_dirs: Vec<_> = ports
        .iter()
        .map(|_| tempfile::tempdir().expect("tmp"))
        .collect();
    let mut children: Vec<_> = ports
        .iter()
        .zip(&data_dirs)
        .map(|(port, dir)| {
            Command::new(env!("CARGO_BIN_EXE_engage"))
                .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
                .arg("--data-dir")
                .arg(dir.path())
                .env("ENGAGE_STORE", &pg)
                // No tokens here: the insecure development switch, and no anonymous limit
                // for the polling below.
                .env("ENGAGE_DEV_ACTOR", "ci:administrator:engage-tests")
                .env("ENGAGE_RATE_LIMIT_ANONYMOUS", "0")
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawn engage serve")
        })
        .collect();
    for port in &ports {
        wait_for(*port, "{ head { position } }", "serving the head", |j| {
            j["data"]["head"]["position"] == 3
        });
    }
    // Each server streams the log's complaint events to a GraphQL subscription (from
    // position 4, so nothing recorded after subscribing can be missed).
    let mut subscriptions = Vec::new();
    for port in &ports {
        let mut ws = ws_connect(*port).await;
        ws_send(
            &mut ws,
            serde_json::json!({
                "id": "complaints",
                "type": "subscribe",
                "payload": { "query": "subscription { events(fromPosition: 4, streamPrefix: \"complaint-\") { position streamId } }" },
            }),
        )
        .await;
        subscriptions.push(ws);
    }
    // Three writers: a third process's store connection, then each server through a
    // GraphQL mutation. Both servers accept writes on the one log.
    writer
        .append(
            &StreamId::new(format!("complaint-{}", uuid::Uuid::now_v7())),
            ExpectedVersion::NoStream,
            vec![complaint_raised("E09000007")],
        )
        .await
        .expect("append");
    let mut written = Vec::new();
    for port in &ports {
        let r = http(
            *port,
            &graphql_request_with(RAISE, serde_json::json!({ "input": raise_input() })),
        )
        .expect("mutation response");
        let j = json_body(&r);
        let stream_id = j["data"]["raiseVictimComplaint"]["streamId"]
            .as_str()
            .unwrap_or_else(|| panic!("server on port {port} refused the write: {r}"))
            .to_owned();
        written.push(stream_id);
    }
    // Every subscription sees all three complaints, each exactly once and in log order:
    // each server sees the other's write as soon as its own.
    for (ws, port) in subscriptions.iter_mut().zip(&ports) {
        let mut seen = Vec::new();
        for _ in 0..3 {
            let m = ws_next(ws).await;
            assert_eq!(m["type"], "next", "server on port {port}: {m}");
            let e = &m["payload"]["data"]["events"];
            seen.push((
                e["position"].as_u64().expect("position"),
                e["streamId"].as_str().expect("stream").to_owned(),
            ));
        }
        let positions: Vec<u64> = seen.iter().map(|(p, _)| *p).collect();
        assert_eq!(positions, vec![4, 5, 6], "server on port {port}: {seen:?}");
        for w in &written {
            assert!(
                seen.iter().any(|(_, s)| s == w),
                "server on port {port} did not stream {w}: {seen:?}"
            );
        }
        // Nothing is delivered twice.
        assert!(
            ws_next_within(ws, Duration::from_millis(500))
                .await
                .is_none(),
            "server on port {port} sent more than the three events"
        );
    }
    // Both servers' read models hold every write exactly once: the audit trail has each
    // position once and both complaints raised through the servers are counted.
    let query = "{ projectionStatus { appliedPosition } auditTrail(first: 10) { totalCount edges { node { position } } } complaints(filter: {borough: \"E09000007\"}) { totalCount } }";
    for port in &ports {
        wait_for(*port, query, "applying the complaints", |j| {
            j["data"]["projectionStatus"]["appliedPosition"] == 6
        });
        let r = http(*port, &graphql_request(query)).expect("response");
        let j = json_body(&r);
        assert_eq!(j["data"]["auditTrail"]["totalCount"], 6, "{r}");
        let mut positions: Vec<u64> = j["data"]["auditTrail"]["edges"]
            .as_array()
            .expect("edges")
            .iter()
            .filter_map(|e| e["node"]["position"].as_u64())
            .collect();
        positions.sort_unstable();
        assert_eq!(positions, vec![1, 2, 3, 4, 5, 6], "{r}");
        assert_eq!(j["data"]["complaints"]["totalCount"], 3, "{r}");
    }
    for ws in &mut subscriptions {
        let _ = ws.close(None).await;
    }
    for child in &mut children {
        let _ = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status();
        let status = child.wait().expect("wait");
        let mut stderr = String::new();
        if let Some(mut e) = child.stderr.take() {
            let _ = e.read_to_string(&mut stderr);
        }
        assert!(status.success(), "{stderr}");
        assert!(
            stderr.contains("schema=") && !stderr.contains("password"),
            "{stderr}"
        );
    }
    // Each stored its own read models on the way out.
    for dir in &data_dirs {
        assert!(dir.path().join("projections.sqlite").exists());
    }
}

#[test]
fn an_unreachable_server_is_a_clear_error_without_the_password() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = engage(
        dir.path(),
        Some("postgres://engage:s3cret-pw@127.0.0.1:1/engage?connect_timeout=5"),
        &["verify"],
    );
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("cannot reach PostgreSQL at"), "{stderr}");
    assert!(!stderr.contains("s3cret-pw"), "{stderr}");
    let out = engage(
        dir.path(),
        Some("postgres://engage:s3cret-pw@db/x?sslmode=require"),
        &["export"],
    );
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("sslmode=require"), "{stderr}");
    assert!(!stderr.contains("s3cret-pw"), "{stderr}");
}
