//! `engage serve` as a newcomer runs it: a fresh data directory, the embedded store, a real
//! HTTP request, then a graceful stop on SIGTERM.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

fn http(port: u16, request: &str) -> Option<String> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    s.write_all(request.as_bytes()).ok()?;
    let mut out = String::new();
    s.read_to_string(&mut out).ok()?;
    Some(out)
}

#[test]
fn serve_starts_on_a_fresh_data_dir_answers_graphql_and_stops_cleanly() {
    let tmp = tempfile::tempdir().expect("tmp");
    let data_dir = tmp.path().join("engage-data");
    let port = free_port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_engage"))
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .env("ENGAGE_DATA_DIR", &data_dir)
        .env_remove("ENGAGE_STORE")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn engage serve");

    let started = Instant::now();
    let livez = loop {
        if let Some(r) = http(
            port,
            "GET /livez HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        ) {
            break r;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "engage serve did not start listening"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(livez.starts_with("HTTP/1.1 200"), "{livez}");
    assert!(
        data_dir.join("events.sqlite").exists(),
        "the data directory and store were created"
    );

    let body = r#"{"query":"{ head { position } }"}"#;
    let request = format!(
        "POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nAccept: application/graphql-response+json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let response = http(port, &request).expect("graphql response");
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(
        response.contains(r#"{"data":{"head":{"position":0}}}"#),
        "{response}"
    );

    let ready = http(
        port,
        "GET /readyz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )
    .expect("readyz");
    assert!(ready.starts_with("HTTP/1.1 200"), "{ready}");

    // Graceful stop on SIGTERM.
    let pid = child.id().to_string();
    let killed = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("send SIGTERM");
    assert!(killed.success());
    let status = child.wait().expect("wait");
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut stderr)
        .expect("read stderr");
    assert!(status.success(), "exit {status:?}: {stderr}");
    assert!(stderr.contains("stopped cleanly"), "{stderr}");

    // A second server on the same data directory while the first is down works; two at once do not.
    let mut first = Command::new(env!("CARGO_BIN_EXE_engage"))
        .args(["serve", "--listen", &format!("127.0.0.1:{}", free_port())])
        .env("ENGAGE_DATA_DIR", &data_dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    std::thread::sleep(Duration::from_millis(500));
    let second = Command::new(env!("CARGO_BIN_EXE_engage"))
        .args(["serve", "--listen", &format!("127.0.0.1:{}", free_port())])
        .env("ENGAGE_DATA_DIR", &data_dir)
        .output()
        .expect("run second");
    let _ = first.kill();
    let _ = first.wait();
    assert_eq!(second.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&second.stderr).contains("in use by another engage process"));
}

#[test]
fn serve_refuses_a_bad_listen_address_clearly() {
    let out = Command::new(env!("CARGO_BIN_EXE_engage"))
        .args(["serve", "--listen", "not-an-address"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--listen"));
}

fn post_graphql(port: u16, body: &str) -> String {
    let request = format!(
        "POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nAccept: application/graphql-response+json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    http(port, &request).expect("graphql response")
}

#[test]
fn serve_records_mutations_as_its_development_identity_and_says_so() {
    let tmp = tempfile::tempdir().expect("tmp");
    let port = free_port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_engage"))
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .env("ENGAGE_DATA_DIR", tmp.path().join("engage-data"))
        .env("ENGAGE_DEV_ACTOR", "ada:secretary:board-camden")
        .env("RUST_LOG", "info")
        .env_remove("ENGAGE_STORE")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn engage serve");
    let started = Instant::now();
    while http(
        port,
        "GET /livez HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )
    .is_none()
    {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "engage serve did not start listening"
        );
        std::thread::sleep(Duration::from_millis(50));
    }

    let mutation = r#"{"query":"mutation { joinLcp2(input: { groupId: \"0190f1f0-0000-7000-8000-000000000001\", name: \"Lambeth IAG\", kind: IAG, joinedOn: \"2016-01-01\" }) { streamId events { position eventType } } }"}"#;
    let response = post_graphql(port, mutation);
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(
        response.contains(r#""events":[{"position":1,"eventType":"Lcp2MemberGroupJoined"}]"#),
        "{response}"
    );
    let response = post_graphql(
        port,
        r#"{"query":"{ events(first: 1) { nodes { actor { id role organisation } } } }"}"#,
    );
    assert!(
        response.contains(r#"{"id":"ada","role":"secretary","organisation":"board-camden"}"#),
        "{response}"
    );

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("send SIGTERM");
    assert!(killed.success());
    let status = child.wait().expect("wait");
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut stderr)
        .expect("read stderr");
    assert!(status.success(), "exit {status:?}: {stderr}");
    assert!(
        stderr.contains("INSECURE development switch --dev-actor is on"),
        "{stderr}"
    );
}

#[test]
fn engage_token_issues_a_token_that_engage_serve_accepts_and_records_as_the_actor() {
    let tmp = tempfile::tempdir().expect("tmp");
    let data_dir = tmp.path().join("engage-data");
    let out = Command::new(env!("CARGO_BIN_EXE_engage"))
        .args([
            "token",
            "--role",
            "mopac_officer",
            "--subject",
            "officer-9",
            "--organisation",
            "mopac",
            "--ttl",
            "10m",
        ])
        .env("ENGAGE_DATA_DIR", &data_dir)
        .output()
        .expect("run engage token");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let token = String::from_utf8(out.stdout).expect("utf-8");
    let token = token.trim();
    assert_eq!(token.split('.').count(), 3, "{token}");

    let port = free_port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_engage"))
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .env("ENGAGE_DATA_DIR", &data_dir)
        .env_remove("ENGAGE_STORE")
        .env_remove("ENGAGE_DEV_ACTOR")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn engage serve");
    let started = Instant::now();
    while http(
        port,
        "GET /livez HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )
    .is_none()
    {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "engage serve did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let post = |body: &str, auth: &str| {
        let request = format!(
            "POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n{auth}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        http(port, &request).expect("graphql response")
    };
    let mutation = r#"{"query":"mutation { joinLcp2(input: { groupId: \"0190f1f0-0000-7000-8000-000000000001\", name: \"Lambeth IAG\", kind: IAG, joinedOn: \"2016-01-01\" }) { streamId } }"}"#;
    // Without a token: the public, which may not record anything.
    let anonymous = post(mutation, "");
    assert!(anonymous.contains("FORBIDDEN"), "{anonymous}");
    let bearer = format!("Authorization: Bearer {token}\r\n");
    let recorded = post(mutation, &bearer);
    assert!(recorded.contains(r#""streamId":"lcp2""#), "{recorded}");
    let actor = post(
        r#"{"query":"{ events(first: 1) { nodes { actor { id role organisation } } } }"}"#,
        &bearer,
    );
    assert!(
        actor.contains(r#"{"id":"officer-9","role":"mopac_officer","organisation":"mopac"}"#),
        "{actor}"
    );
    let expired = post(mutation, "Authorization: Bearer a.b.c\r\n");
    assert!(expired.starts_with("HTTP/1.1 401"), "{expired}");
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let _ = child.wait();
}

#[test]
fn serve_refuses_a_malformed_dev_actor_clearly() {
    let out = Command::new(env!("CARGO_BIN_EXE_engage"))
        .args(["serve", "--dev-actor", "ada:secretary"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--dev-actor") && stderr.contains("ID:ROLE:ORGANISATION"),
        "{stderr}"
    );
}
