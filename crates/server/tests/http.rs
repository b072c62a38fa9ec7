//! The server driven in-process (tower `oneshot`) over a real SQLite store: GraphQL-over-HTTP
//! conformance, the read schema, health checks, metrics and the GraphiQL switch.

mod common;

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use common::*;
use engage_log::{Actor, ExpectedVersion, Payload, StreamId};
use engage_server::ServerConfig;
use serde_json::{Value, json};

const HEAD: &str = "{ head { position hash } }";

// ---------------------------------------------------------------------------------------
// GraphQL over HTTP
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn media_type_negotiation() {
    let t = TestStore::new();
    let app = app(t.arc());
    let body = json!({ "query": HEAD }).to_string();

    let r = post(&app, body.clone(), &[JSON, ACCEPT_GRJ]).await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.content_type(),
        "application/graphql-response+json; charset=utf-8"
    );
    assert_eq!(r.json()["data"]["head"]["position"], 0);

    let r = post(&app, body.clone(), &[JSON, ACCEPT_JSON]).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.content_type(), "application/json; charset=utf-8");

    // No Accept and */*: application/json, as the audit suite expects.
    let r = post(&app, body.clone(), &[JSON]).await;
    assert_eq!(r.content_type(), "application/json; charset=utf-8");
    let r = post(&app, body.clone(), &[JSON, ("accept", "*/*")]).await;
    assert_eq!(r.content_type(), "application/json; charset=utf-8");

    // Both named: the preferred one wins.
    let r = post(
        &app,
        body.clone(),
        &[
            JSON,
            (
                "accept",
                "application/json;q=0.9, application/graphql-response+json",
            ),
        ],
    )
    .await;
    assert!(
        r.content_type()
            .starts_with("application/graphql-response+json")
    );

    // Nothing acceptable: 406, for POST and GET.
    let r = post(&app, body, &[JSON, ("accept", "text/html")]).await;
    assert_eq!(r.status, 406);
    assert_eq!(r.codes(), ["NOT_ACCEPTABLE"]);
    assert!(r.json().get("data").is_none());
    let r = get(
        &app,
        "/graphql?query=%7B__typename%7D",
        &[("accept", "application/xml")],
    )
    .await;
    assert_eq!(r.status, 406);
}

#[tokio::test]
async fn post_requires_json_content_type() {
    let t = TestStore::new();
    let app = app(t.arc());
    let body = json!({ "query": HEAD }).to_string();

    let r = post(&app, body.clone(), &[ACCEPT_GRJ]).await;
    assert_eq!(r.status, 415, "{}", r.text());
    assert_eq!(r.codes(), ["UNSUPPORTED_MEDIA_TYPE"]);
    assert!(r.json().get("data").is_none());

    for ct in [
        "text/plain",
        "application/graphql",
        "application/x-www-form-urlencoded",
        "application/json; charset=iso-8859-1",
    ] {
        let r = post(&app, body.clone(), &[("content-type", ct), ACCEPT_GRJ]).await;
        assert_eq!(r.status, 415, "{ct}");
    }
    let r = post(
        &app,
        body,
        &[
            ("content-type", "application/json; charset=utf-8"),
            ACCEPT_GRJ,
        ],
    )
    .await;
    assert_eq!(r.status, 200);
}

#[tokio::test]
async fn mutation_over_get_is_405_with_allow_post() {
    let t = TestStore::new();
    let app = app(t.arc());
    let r = get(
        &app,
        "/graphql?query=mutation%20%7B%20__typename%20%7D",
        &[ACCEPT_GRJ],
    )
    .await;
    assert_eq!(r.status, 405);
    assert_eq!(
        r.headers.get("allow").and_then(|v| v.to_str().ok()),
        Some("POST")
    );
    assert_eq!(r.codes(), ["METHOD_NOT_ALLOWED"]);

    // The selected operation decides, not the first one in the document.
    let q = "query%20Q%7B__typename%7D%20mutation%20M%7B__typename%7D";
    let r = get(&app, &format!("/graphql?query={q}&operationName=M"), &[]).await;
    assert_eq!(r.status, 405);
    let r = get(
        &app,
        &format!("/graphql?query={q}&operationName=Q"),
        &[ACCEPT_GRJ],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["data"]["__typename"], "Query");
    let r = get(&app, "/graphql?query=query%20Q%7B__typename%7D", &[]).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["data"]["__typename"], "Query");
}

#[tokio::test]
async fn queries_over_get() {
    let t = TestStore::new();
    append(&t.store, "board-1", "BoardCreated", 2).await;
    let app = app(t.arc());
    let q = "query%20H(%24n%3AInt)%7Bevents(first%3A%24n)%7BtotalCount%20nodes%7Bposition%7D%7D%7D";
    let vars = "%7B%22n%22%3A1%7D";
    let r = get(
        &app,
        &format!("/graphql?query={q}&variables={vars}"),
        &[ACCEPT_GRJ],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(
        r.json()["data"]["events"],
        json!({ "totalCount": 2, "nodes": [{ "position": 1 }] })
    );

    let r = get(&app, "/graphql", &[ACCEPT_GRJ]).await;
    assert_eq!(r.status, 400);
    assert_eq!(r.codes(), ["BAD_REQUEST"]);
    let r = get(&app, "/graphql?query=%7Ba%7D&variables=nope", &[ACCEPT_GRJ]).await;
    assert_eq!(r.status, 400);
}

#[tokio::test]
async fn malformed_requests_are_400_without_data() {
    let t = TestStore::new();
    let app = app(t.arc());
    for (body, accept) in [
        ("{ \"not a JSON", ACCEPT_GRJ),
        ("{ \"not a JSON", ACCEPT_JSON),
        ("", ACCEPT_GRJ),
        (r#"{"qeury":"{ __typename }"}"#, ACCEPT_GRJ),
        (r#"{"qeury":"{ __typename }"}"#, ACCEPT_JSON),
        (r#"{"query":{"obj":"ect"}}"#, ACCEPT_GRJ),
        (
            r#"{"query":"{ __typename }","variables":"string"}"#,
            ACCEPT_GRJ,
        ),
        (
            r#"{"query":"{ __typename }","operationName":0}"#,
            ACCEPT_GRJ,
        ),
        (
            r#"{"query":"{ __typename }","extensions":["array"]}"#,
            ACCEPT_GRJ,
        ),
        (r#"[{"query":"{ __typename }"}]"#, ACCEPT_GRJ),
    ] {
        let r = post(&app, body, &[JSON, accept]).await;
        assert_eq!(r.status, 400, "{body}: {}", r.text());
        let json = r.json();
        assert!(json.get("data").is_none(), "{body}: {json}");
        assert_eq!(r.codes(), ["BAD_REQUEST"], "{body}");
    }

    // Null optional parameters and a map of extensions are fine.
    let r = post(
        &app,
        r#"{"query":"{ __typename }","variables":null,"operationName":null,"extensions":{"some":"value"}}"#,
        &[JSON, ACCEPT_JSON],
    )
    .await;
    assert_eq!(r.status, 200);
    assert!(r.json().get("errors").is_none(), "{}", r.text());
}

#[tokio::test]
async fn document_errors_depend_on_the_response_type() {
    let t = TestStore::new();
    let app = app(t.arc());
    let cases = [
        (json!({ "query": "{" }), "GRAPHQL_PARSE_FAILED"),
        (
            json!({ "query": "{ noSuchField }" }),
            "GRAPHQL_VALIDATION_FAILED",
        ),
        (
            json!({ "query": "query C($id: ID!){ __typename }", "variables": { "id": null } }),
            "GRAPHQL_VALIDATION_FAILED",
        ),
        (
            json!({ "query": "{ event(id: \"not-a-uuid\") { position } }" }),
            "GRAPHQL_VALIDATION_FAILED",
        ),
        (
            json!({ "query": "query A { __typename } query B { __typename }" }),
            "GRAPHQL_VALIDATION_FAILED",
        ),
    ];
    for (body, code) in cases {
        let r = post(&app, body.to_string(), &[JSON, ACCEPT_GRJ]).await;
        assert_eq!(r.status, 400, "{body}: {}", r.text());
        assert!(r.json().get("data").is_none(), "{body}: {}", r.text());
        assert_eq!(r.codes()[0], code, "{body}: {}", r.text());

        // Legacy application/json clients get 200, still without data.
        let r = post(&app, body.to_string(), &[JSON, ACCEPT_JSON]).await;
        assert_eq!(r.status, 200, "{body}");
        assert!(r.json().get("data").is_none(), "{body}: {}", r.text());
        assert_eq!(r.codes()[0], code, "{body}");
    }
}

#[tokio::test]
async fn bodies_over_the_limit_are_413() {
    let t = TestStore::new();
    let config = ServerConfig {
        max_body_bytes: 1024,
        ..dev_config()
    };
    let app = engage_server::router(config, t.arc());
    let padding = " ".repeat(2000);
    let big = format!(r#"{{"query":"{{ __typename }}"{padding}}}"#);
    let r = post(&app, big.clone(), &[JSON, ACCEPT_GRJ]).await;
    assert_eq!(r.status, 413);
    assert_eq!(r.codes(), ["PAYLOAD_TOO_LARGE"]);

    // Without Content-Length (a streamed body) the limit still holds.
    let chunks: Vec<Result<String, std::io::Error>> = big
        .as_bytes()
        .chunks(100)
        .map(|c| Ok(String::from_utf8_lossy(c).into_owned()))
        .collect();
    let stream = axum::body::Body::from_stream(futures::stream::iter(chunks));
    let r = post(&app, stream, &[JSON, ACCEPT_GRJ]).await;
    assert_eq!(r.status, 413);

    let small = r#"{"query":"{ __typename }"}"#;
    assert_eq!(post(&app, small, &[JSON, ACCEPT_GRJ]).await.status, 200);
}

#[tokio::test]
async fn other_methods_are_405() {
    let t = TestStore::new();
    let app = app(t.arc());
    let request = axum::http::Request::builder()
        .method("PUT")
        .uri("/graphql")
        .body(axum::body::Body::empty())
        .expect("request");
    let r = send(&app, request).await;
    assert_eq!(r.status, 405);
}

#[tokio::test]
async fn subscriptions_over_http_are_refused() {
    let t = TestStore::new();
    let app = app(t.arc());
    let r = query(&app, "subscription { events { position } }", json!({})).await;
    assert_eq!(r.status, 400);
    assert_eq!(r.codes(), ["BAD_REQUEST"]);
}

#[tokio::test]
async fn introspection_passes_the_depth_limit_and_deep_queries_do_not() {
    let t = TestStore::new();
    let app = app(t.arc());
    let r = query(&app, INTROSPECTION, json!({})).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let json = r.json();
    assert!(json.get("errors").is_none(), "{json}");
    let types = json["data"]["__schema"]["types"].as_array().expect("types");
    assert!(types.iter().any(|t| t["name"] == "EventConnection"));

    // 21 levels of __type/ofType nesting is over the limit of 20.
    let mut deep = String::from("name");
    for _ in 0..20 {
        deep = format!("ofType {{ {deep} }}");
    }
    let r = query(
        &app,
        &format!("{{ __type(name: \"Event\") {{ {deep} }} }}"),
        json!({}),
    )
    .await;
    assert_eq!(r.status, 400, "{}", r.text());
    assert_eq!(r.codes(), ["GRAPHQL_VALIDATION_FAILED"]);
    assert!(
        r.text().contains("nested more than 20 levels deep"),
        "{}",
        r.text()
    );
}

#[tokio::test]
async fn complexity_limit_counts_page_sizes() {
    let t = TestStore::new();
    let app = app(t.arc());
    let fields = "edges { cursor node { eventId position streamId streamVersion eventType schemaVersion occurredAt recordedAt actor { id role organisation } correlationId causationId reason payload hash } }";
    // One full page of 500 is fine...
    let r = query(
        &app,
        &format!("{{ events(first: 500) {{ {fields} }} }}"),
        json!({}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    // ...five aliased ones are not.
    let aliased: String = (0..5)
        .map(|i| format!("a{i}: events(first: 500) {{ {fields} }} "))
        .collect();
    let r = query(&app, &format!("{{ {aliased} }}"), json!({})).await;
    assert_eq!(r.status, 400, "{}", r.text());
    assert_eq!(r.codes(), ["GRAPHQL_VALIDATION_FAILED"]);
    assert!(
        r.text()
            .contains("estimated cost is over the server's limit of 20000"),
        "{}",
        r.text()
    );
}

#[tokio::test]
async fn absurdly_nested_documents_fail_cleanly() {
    let t = TestStore::new();
    let app = app(t.arc());
    // Within the 1 MiB body limit, far beyond any sane nesting.
    let nested = format!("{}{}", "{a".repeat(50_000), "}".repeat(50_000));
    let r = query(&app, &nested, json!({})).await;
    assert_eq!(r.status, 400, "{}", &r.text()[..r.text().len().min(300)]);
    assert!(r.json().get("data").is_none());
}

// ---------------------------------------------------------------------------------------
// The read schema
// ---------------------------------------------------------------------------------------

const PAGE: &str = "query P($first: Int, $after: String, $last: Int, $before: String) {
  events(first: $first, after: $after, last: $last, before: $before) {
    totalCount
    edges { cursor node { position } }
    pageInfo { hasPreviousPage hasNextPage startCursor endCursor }
  }
}";

fn positions(page: &Value) -> Vec<u64> {
    page["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| e["node"]["position"].as_u64().expect("position"))
        .collect()
}

#[tokio::test]
async fn events_paginate_forward_and_backward() {
    let t = TestStore::new();
    append(&t.store, "board-a", "BoardCreated", 4).await;
    append(&t.store, "panel-b", "PanelCreated", 3).await;
    let app = app(t.arc());

    // Forward through all 7 in pages of 3.
    let mut after: Option<String> = None;
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        let r = query(&app, PAGE, json!({ "first": 3, "after": after })).await;
        assert_eq!(r.status, 200, "{}", r.text());
        let page = r.json()["data"]["events"].clone();
        assert_eq!(page["totalCount"], 7);
        seen.extend(positions(&page));
        pages += 1;
        assert_eq!(page["pageInfo"]["hasPreviousPage"], pages > 1);
        if page["pageInfo"]["hasNextPage"] == false {
            break;
        }
        after = page["pageInfo"]["endCursor"].as_str().map(str::to_owned);
    }
    assert_eq!(seen, [1, 2, 3, 4, 5, 6, 7]);
    assert_eq!(pages, 3);

    // Backward from the end.
    let r = query(&app, PAGE, json!({ "last": 3 })).await;
    let page = r.json()["data"]["events"].clone();
    assert_eq!(positions(&page), [5, 6, 7]);
    assert_eq!(page["pageInfo"]["hasPreviousPage"], true);
    assert_eq!(page["pageInfo"]["hasNextPage"], false);
    let before = page["pageInfo"]["startCursor"]
        .as_str()
        .expect("cursor")
        .to_owned();
    let r = query(&app, PAGE, json!({ "last": 3, "before": before })).await;
    let page = r.json()["data"]["events"].clone();
    assert_eq!(positions(&page), [2, 3, 4]);
    assert_eq!(page["pageInfo"]["hasNextPage"], true);
    let before = page["pageInfo"]["startCursor"]
        .as_str()
        .expect("cursor")
        .to_owned();
    let r = query(&app, PAGE, json!({ "last": 3, "before": before })).await;
    let page = r.json()["data"]["events"].clone();
    assert_eq!(positions(&page), [1]);
    assert_eq!(page["pageInfo"]["hasPreviousPage"], false);

    // Cursors identify edges.
    assert_eq!(page["edges"][0]["cursor"], page["pageInfo"]["startCursor"]);

    // Past the end: an empty page.
    let r = query(&app, PAGE, json!({ "first": 3, "after": "position:7" })).await;
    let page = r.json()["data"]["events"].clone();
    assert_eq!(positions(&page), Vec::<u64>::new());
    assert_eq!(page["pageInfo"]["startCursor"], Value::Null);
}

#[tokio::test]
async fn page_size_is_capped_with_a_clear_error() {
    let t = TestStore::new();
    append(&t.store, "board-a", "BoardCreated", 2).await;
    let config = ServerConfig {
        max_page_size: 10,
        ..dev_config()
    };
    let app = engage_server::router(config, t.arc());

    for vars in [json!({ "first": 11 }), json!({ "last": 11 })] {
        let r = query(&app, PAGE, vars.clone()).await;
        assert_eq!(r.status, 200, "{}", r.text());
        let json = r.json();
        assert_eq!(json["data"], Value::Null, "{json}");
        assert_eq!(r.codes(), ["VALIDATION"], "{json}");
        let message = json["errors"][0]["message"].as_str().expect("message");
        assert!(message.contains("at most 10"), "{message}");
        assert_eq!(json["errors"][0]["path"], json!(["events"]));
    }
    for (vars, needle) in [
        (json!({ "first": 1, "last": 1 }), "not both"),
        (json!({ "first": -1 }), "negative"),
        (json!({ "first": 1, "after": "version:1" }), "cursor"),
    ] {
        let r = query(&app, PAGE, vars).await;
        assert_eq!(r.codes(), ["VALIDATION"]);
        assert!(r.text().contains(needle), "{}", r.text());
    }
    let r = query(&app, PAGE, json!({ "first": 10 })).await;
    assert_eq!(positions(&r.json()["data"]["events"]), [1, 2]);
}

#[tokio::test]
async fn event_by_id_with_every_field() {
    let t = TestStore::new();
    let store = t.arc();
    let correlation = uuid::Uuid::now_v7();
    let cause = uuid::Uuid::now_v7();
    let e = event("BidSubmitted", 9)
        .with_correlation(correlation, Some(cause))
        .with_reason("minutes of 3 March");
    let id = e.event_id;
    store
        .append(&StreamId::new("bid-1"), ExpectedVersion::NoStream, vec![e])
        .await
        .expect("append");
    let app = app(Arc::clone(&store));

    let q = "query E($id: UUID!) { event(id: $id) {
        eventId position streamId streamVersion eventType schemaVersion occurredAt recordedAt
        actor { id role organisation } correlationId causationId reason payload hash } }";
    let r = query(&app, q, json!({ "id": id })).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let got = r.json()["data"]["event"].clone();
    let recorded = store.event_by_id(id).await.expect("read").expect("found");
    assert_eq!(got["eventId"], id.to_string());
    assert_eq!(got["position"], 1);
    assert_eq!(got["streamId"], "bid-1");
    assert_eq!(got["streamVersion"], 0);
    assert_eq!(got["eventType"], "BidSubmitted");
    assert_eq!(got["schemaVersion"], 1);
    assert_eq!(
        got["actor"],
        json!({ "id": "user-7", "role": "secretary", "organisation": "board-lambeth" })
    );
    assert_eq!(got["correlationId"], correlation.to_string());
    assert_eq!(got["causationId"], cause.to_string());
    assert_eq!(got["reason"], "minutes of 3 March");
    assert_eq!(got["payload"], json!({ "n": 9, "title": "item 9" }));
    assert_eq!(got["hash"], recorded.hash.to_hex());
    let occurred = chrono::DateTime::parse_from_rfc3339(got["occurredAt"].as_str().expect("time"))
        .expect("RFC 3339");
    assert_eq!(occurred, recorded.occurred_at);
    let recorded_at =
        chrono::DateTime::parse_from_rfc3339(got["recordedAt"].as_str().expect("time"))
            .expect("RFC 3339");
    assert_eq!(recorded_at, recorded.recorded_at);

    // An unknown id is null, not an error.
    let r = query(&app, q, json!({ "id": uuid::Uuid::now_v7() })).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json(), json!({ "data": { "event": null } }));

    // A malformed id in a variable is refused before anything runs.
    let r = query(&app, q, json!({ "id": "nope" })).await;
    assert_eq!(r.status, 400, "{}", r.text());
    assert!(r.json().get("data").is_none());
    assert!(!r.codes().is_empty());
}

#[tokio::test]
async fn stream_reads_and_metadata() {
    let t = TestStore::new();
    append(&t.store, "board-a", "BoardCreated", 1).await;
    append(&t.store, "panel-b", "PanelCreated", 1).await;
    append(&t.store, "board-a", "MemberJoined", 4).await;
    let store = t.arc();
    store
        .set_stream_metadata(
            &StreamId::new("board-a"),
            ExpectedVersion::NoStream,
            Payload::from_value(&json!({ "retention": "7y" })).expect("payload"),
            Actor::new("admin-1", "admin", "mopac"),
            Some("policy".into()),
        )
        .await
        .expect("metadata");
    let app = app(store);

    let q = "query S($id: String!, $first: Int, $after: String, $last: Int, $before: String) {
      stream(id: $id, first: $first, after: $after, last: $last, before: $before) {
        totalCount
        edges { cursor node { streamVersion position eventType } }
        pageInfo { hasPreviousPage hasNextPage endCursor }
      } }";
    let r = query(&app, q, json!({ "id": "board-a", "first": 2 })).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let page = r.json()["data"]["stream"].clone();
    assert_eq!(page["totalCount"], 5);
    assert_eq!(
        page["edges"],
        json!([
            { "cursor": "version:0", "node": { "streamVersion": 0, "position": 1, "eventType": "BoardCreated" } },
            { "cursor": "version:1", "node": { "streamVersion": 1, "position": 3, "eventType": "MemberJoined" } },
        ])
    );
    assert_eq!(page["pageInfo"]["hasNextPage"], true);
    assert_eq!(page["pageInfo"]["hasPreviousPage"], false);

    let r = query(
        &app,
        q,
        json!({ "id": "board-a", "first": 10, "after": "version:1" }),
    )
    .await;
    let page = r.json()["data"]["stream"].clone();
    let versions: Vec<u64> = page["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| e["node"]["streamVersion"].as_u64().expect("version"))
        .collect();
    assert_eq!(versions, [2, 3, 4]);
    assert_eq!(page["pageInfo"]["hasNextPage"], false);
    assert_eq!(page["pageInfo"]["hasPreviousPage"], true);

    let r = query(&app, q, json!({ "id": "board-a", "last": 1 })).await;
    assert_eq!(
        r.json()["data"]["stream"]["edges"][0]["node"]["streamVersion"],
        4
    );

    // A position cursor is not a stream cursor.
    let r = query(&app, q, json!({ "id": "board-a", "after": "position:1" })).await;
    assert_eq!(r.codes(), ["VALIDATION"]);

    let r = query(&app, q, json!({ "id": "nobody" })).await;
    assert_eq!(
        r.json()["data"]["stream"],
        json!({ "totalCount": 0, "edges": [], "pageInfo": { "hasPreviousPage": false, "hasNextPage": false, "endCursor": null } })
    );

    let m = "query M($id: String!) { streamMetadata(id: $id) { version metadata setAt setBy { id role organisation } } }";
    let r = query(&app, m, json!({ "id": "board-a" })).await;
    let meta = r.json()["data"]["streamMetadata"].clone();
    assert_eq!(meta["version"], 0);
    assert_eq!(meta["metadata"], json!({ "retention": "7y" }));
    assert_eq!(meta["setBy"]["organisation"], "mopac");
    let r = query(&app, m, json!({ "id": "panel-b" })).await;
    assert_eq!(r.json()["data"]["streamMetadata"], Value::Null);
}

#[tokio::test]
async fn head_matches_the_store() {
    let t = TestStore::new();
    append(&t.store, "board-a", "BoardCreated", 3).await;
    let store = t.arc();
    let app = app(Arc::clone(&store));
    let head = store.head().await.expect("head");
    let r = query(&app, HEAD, json!({})).await;
    assert_eq!(
        r.json(),
        json!({ "data": { "head": { "position": 3, "hash": head.hash.to_hex() } } })
    );
}

#[tokio::test]
async fn store_errors_carry_the_store_code() {
    let t = TestStore::new();
    let flaky = Arc::new(FlakyStore {
        inner: t.arc(),
        failing: AtomicBool::new(true),
    });
    let app = app(flaky);
    let r = query(
        &app,
        "{ head { position } events { totalCount } }",
        json!({}),
    )
    .await;
    assert_eq!(r.status, 200);
    let json = r.json();
    assert_eq!(json["data"], Value::Null, "{json}");
    assert_eq!(r.codes(), ["UNAVAILABLE", "UNAVAILABLE"], "{json}");
}

// ---------------------------------------------------------------------------------------
// Operations endpoints
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn livez_and_readyz() {
    let t = TestStore::new();
    append(&t.store, "board-a", "BoardCreated", 2).await;
    let flaky = Arc::new(FlakyStore {
        inner: t.arc(),
        failing: AtomicBool::new(false),
    });
    let app = app(flaky.clone());

    let r = get(&app, "/livez", &[]).await;
    assert_eq!((r.status.as_u16(), r.text().as_str()), (200, "ok"));

    // Ready once the read models have caught up with the log.
    let mut r = get(&app, "/readyz", &[]).await;
    for _ in 0..100 {
        if r.status == 200 {
            break;
        }
        assert_eq!(r.status, 503);
        assert_eq!(r.json()["error"]["code"], "CATCHING_UP");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        r = get(&app, "/readyz", &[]).await;
    }
    assert_eq!(r.status, 200);
    let json = r.json();
    assert_eq!(json["status"], "ready");
    assert_eq!(json["head"]["position"], 2);
    assert_eq!(json["head"]["hash"].as_str().map(str::len), Some(64));
    assert_eq!(json["projections"]["applied"], 2);
    assert_eq!(json["projections"]["lag_events"], 0);

    flaky.set_failing(true);
    let r = get(&app, "/readyz", &[]).await;
    assert_eq!(r.status, 503);
    assert_eq!(r.json()["error"]["code"], "UNAVAILABLE");
    // Liveness does not depend on the store.
    assert_eq!(get(&app, "/livez", &[]).await.status, 200);

    flaky.set_failing(false);
    assert_eq!(get(&app, "/readyz", &[]).await.status, 200);
}

#[tokio::test]
async fn metrics_count_requests_by_route_and_report_the_head() {
    let t = TestStore::new();
    append(&t.store, "board-a", "BoardCreated", 5).await;
    let app = app(t.arc());

    for _ in 0..3 {
        assert_eq!(query(&app, HEAD, json!({})).await.status, 200);
    }
    assert_eq!(post(&app, "{", &[JSON]).await.status, 400);
    assert_eq!(get(&app, "/livez", &[]).await.status, 200);
    assert_eq!(get(&app, "/no-such-page", &[]).await.status, 404);

    let r = get(&app, "/metrics", &[]).await;
    assert_eq!(r.status, 200);
    assert!(r.content_type().starts_with("text/plain"));
    let text = r.text();
    let has = |needle: &str| text.lines().any(|l| l == needle);
    assert!(
        has(r#"http_requests_total{method="POST",route="/graphql",status="200"} 3"#),
        "{text}"
    );
    assert!(
        has(r#"http_requests_total{method="POST",route="/graphql",status="400"} 1"#),
        "{text}"
    );
    assert!(
        has(r#"http_requests_total{method="GET",route="/livez",status="200"} 1"#),
        "{text}"
    );
    assert!(
        has(r#"http_requests_total{method="GET",route="unmatched",status="404"} 1"#),
        "{text}"
    );
    assert!(
        has(r#"http_request_duration_seconds_count{method="POST",route="/graphql"} 4"#),
        "{text}"
    );
    assert!(
        text.contains("http_request_duration_seconds_bucket{"),
        "{text}"
    );
    assert!(has("engage_log_head_position 5"), "{text}");
}

#[tokio::test]
async fn graphiql_is_served_only_when_enabled() {
    let t = TestStore::new();
    let off = app(t.arc());
    assert_eq!(get(&off, "/graphiql", &[]).await.status, 404);

    let config = ServerConfig {
        graphiql: true,
        ..dev_config()
    };
    let on = engage_server::router(config, t.arc());
    let r = get(&on, "/graphiql", &[]).await;
    assert_eq!(r.status, 200);
    assert!(r.content_type().starts_with("text/html"));
    let page = r.text();
    assert!(page.contains("graphiql"), "{page}");
    assert!(page.contains("/graphql"), "{page}");
}

/// The introspection query GraphiQL and graphql-js send (`getIntrospectionQuery()`),
/// 15 levels deep through `TypeRef`.
const INTROSPECTION: &str = r#"
query IntrospectionQuery {
  __schema {
    queryType { name }
    mutationType { name }
    subscriptionType { name }
    types { ...FullType }
    directives { name description locations args { ...InputValue } }
  }
}
fragment FullType on __Type {
  kind name description
  fields(includeDeprecated: true) {
    name description args { ...InputValue } type { ...TypeRef } isDeprecated deprecationReason
  }
  inputFields { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue {
  name description type { ...TypeRef } defaultValue
}
fragment TypeRef on __Type {
  kind name
  ofType { kind name ofType { kind name ofType { kind name ofType { kind name
    ofType { kind name ofType { kind name ofType { kind name } } } } } } }
}
"#;
