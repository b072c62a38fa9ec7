//! Automatic persisted queries (Apollo's APQ protocol) through the HTTP handler, over POST
//! and GET, with the error codes Apollo clients act on and a cache bounded by bytes.

mod common;

use common::*;
use engage_server::ServerConfig;
use engage_server::persisted::sha256_hex;
use serde_json::{Value, json};

fn persisted(hash: &str) -> Value {
    json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } })
}

fn percent(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn post_json(app: &axum::Router, body: Value) -> Reply {
    post(app, body.to_string(), &[JSON, ACCEPT_GRJ]).await
}

async fn get_hash(app: &axum::Router, hash: &str, accept: (&str, &str)) -> Reply {
    let uri = format!(
        "/graphql?variables=%7B%7D&extensions={}",
        percent(&persisted(hash).to_string())
    );
    get(app, &uri, &[accept]).await
}

const QUERY: &str = "query Head { head { position hash } }";

#[tokio::test]
async fn not_found_then_registered_then_served_by_hash_over_post_and_get() {
    let t = TestStore::new();
    append(&t.store, "board-1", "BoardCreated", 3).await;
    let app = app(t.arc());
    let hash = sha256_hex(QUERY);

    // Hash only, unknown: a request error with the code and message Apollo clients expect.
    let r = post_json(&app, json!({ "extensions": persisted(&hash) })).await;
    assert_eq!(r.status, 400, "{}", r.text());
    assert!(r.json().get("data").is_none());
    assert_eq!(r.codes(), ["PERSISTED_QUERY_NOT_FOUND"]);
    assert_eq!(r.json()["errors"][0]["message"], "PersistedQueryNotFound");
    // The same answered as application/json: 200, as for any request error.
    let r = get_hash(&app, &hash, ACCEPT_JSON).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.codes(), ["PERSISTED_QUERY_NOT_FOUND"]);

    // Query and hash: run and remembered.
    let r = post_json(
        &app,
        json!({ "query": QUERY, "extensions": persisted(&hash) }),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["data"]["head"]["position"], 3);

    // Hash only, over POST and GET (upper-case hex too).
    let r = post_json(
        &app,
        json!({ "extensions": persisted(&hash), "variables": {} }),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["data"]["head"]["position"], 3);
    let r = get_hash(&app, &hash.to_uppercase(), ACCEPT_GRJ).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["data"]["head"]["position"], 3);
}

#[tokio::test]
async fn a_hash_that_does_not_match_is_refused_and_not_persisted() {
    let t = TestStore::new();
    let app = app(t.arc());
    let other = sha256_hex("{ head { hash } }");
    let r = post_json(
        &app,
        json!({ "query": QUERY, "extensions": persisted(&other) }),
    )
    .await;
    assert_eq!(r.status, 400, "{}", r.text());
    assert_eq!(r.codes(), ["BAD_REQUEST"]);
    let message = r.json()["errors"][0]["message"]
        .as_str()
        .unwrap_or("")
        .to_owned();
    assert!(
        message.starts_with("provided sha does not match query"),
        "{message}"
    );
    assert!(message.contains(&sha256_hex(QUERY)), "{message}");
    for hash in [other, sha256_hex(QUERY)] {
        let r = post_json(&app, json!({ "extensions": persisted(&hash) })).await;
        assert_eq!(r.codes(), ["PERSISTED_QUERY_NOT_FOUND"]);
    }
}

#[tokio::test]
async fn only_documents_that_validate_are_persisted() {
    let t = TestStore::new();
    let app = app(t.arc());
    for bad in ["{ head { nope } }", "{ head { position }"] {
        let hash = sha256_hex(bad);
        let r = post_json(
            &app,
            json!({ "query": bad, "extensions": persisted(&hash) }),
        )
        .await;
        assert_eq!(r.status, 400, "{}", r.text());
        let r = post_json(&app, json!({ "extensions": persisted(&hash) })).await;
        assert_eq!(r.codes(), ["PERSISTED_QUERY_NOT_FOUND"], "{bad}");
    }
}

#[tokio::test]
async fn a_persisted_mutation_or_subscription_is_still_refused_over_get_and_http() {
    let t = TestStore::new();
    let app = app(t.arc());
    // A subscription validates but is served over WebSocket only: refused before it could
    // be persisted, so a later hash-only request is not found.
    let sub = "subscription { events { position } }";
    let hash = sha256_hex(sub);
    let r = post_json(
        &app,
        json!({ "query": sub, "extensions": persisted(&hash) }),
    )
    .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.codes(), ["BAD_REQUEST"]);
    let r = get_hash(&app, &hash, ACCEPT_GRJ).await;
    assert_eq!(r.codes(), ["PERSISTED_QUERY_NOT_FOUND"]);
    // A mutation sent with its hash over GET is refused like any mutation over GET.
    let mutation = "mutation { __typename }";
    let uri = format!(
        "/graphql?query={}&extensions={}",
        percent(mutation),
        percent(&persisted(&sha256_hex(mutation)).to_string())
    );
    let r = get(&app, &uri, &[ACCEPT_GRJ]).await;
    assert_eq!(r.status, 405, "{}", r.text());
    assert_eq!(r.codes(), ["METHOD_NOT_ALLOWED"]);
}

#[tokio::test]
async fn malformed_persisted_query_extensions_are_bad_requests() {
    let t = TestStore::new();
    let app = app(t.arc());
    for extensions in [
        json!({ "persistedQuery": { "version": 2, "sha256Hash": sha256_hex(QUERY) } }),
        json!({ "persistedQuery": { "version": 1, "sha256Hash": "abc" } }),
        json!({ "persistedQuery": { "version": 1 } }),
        json!({ "persistedQuery": [] }),
    ] {
        let r = post_json(&app, json!({ "extensions": extensions })).await;
        assert_eq!(r.status, 400, "{extensions}: {}", r.text());
        assert_eq!(r.codes(), ["BAD_REQUEST"], "{extensions}");
    }
    // Without a persisted query, a request still needs a query.
    let r = post_json(&app, json!({ "extensions": {} })).await;
    assert_eq!(r.status, 400);
    assert!(r.text().contains("no `query`"), "{}", r.text());
    // Other extensions are ignored.
    let r = post_json(
        &app,
        json!({ "query": QUERY, "extensions": { "tracing": true } }),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
}

#[tokio::test]
async fn the_cache_is_bounded_and_can_be_turned_off() {
    let t = TestStore::new();
    // Room for about two small queries: the oldest is forgotten when a third arrives.
    let config = ServerConfig {
        persisted_query_cache_bytes: 2 * (100 + 96),
        ..dev_config()
    };
    let app = engage_server::router(config, t.arc());
    let query = |i: usize| format!("{{ q{i}: head {{ position }} }}{}", " ".repeat(75));
    for i in 0..3 {
        let q = query(i);
        let r = post_json(
            &app,
            json!({ "query": q, "extensions": persisted(&sha256_hex(&q)) }),
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.text());
    }
    let r = post_json(
        &app,
        json!({ "extensions": persisted(&sha256_hex(&query(0))) }),
    )
    .await;
    assert_eq!(r.codes(), ["PERSISTED_QUERY_NOT_FOUND"]);
    for i in 1..3 {
        let r = post_json(
            &app,
            json!({ "extensions": persisted(&sha256_hex(&query(i))) }),
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.text());
    }

    let off = ServerConfig {
        persisted_query_cache_bytes: 0,
        ..dev_config()
    };
    let app = engage_server::router(off, t.arc());
    let hash = sha256_hex(QUERY);
    let r = post_json(&app, json!({ "extensions": persisted(&hash) })).await;
    assert_eq!(r.codes(), ["PERSISTED_QUERY_NOT_SUPPORTED"]);
    assert_eq!(
        r.json()["errors"][0]["message"],
        "PersistedQueryNotSupported"
    );
    let r = post_json(
        &app,
        json!({ "query": QUERY, "extensions": persisted(&hash) }),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
}
