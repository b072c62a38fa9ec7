//! Mutations over HTTP against a real SQLite store: commands of several aggregates are
//! recorded as the server's development identity, expected versions and idempotency keys
//! behave as documented, refusals carry `extensions.code`, and every command of the domain
//! has a mutation.

mod common;

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::Router;
use chrono::{Duration, Utc};
use common::*;
use engage_log::{Actor, EventStore};
use engage_server::ServerConfig;
use serde_json::{Value, json};
use uuid::Uuid;

const CAMDEN: &str = "E09000007";
const KENTISH_TOWN: &str = "E05000138";

fn dev_actor() -> Actor {
    Actor::new("ada", "secretary", "board-camden")
}

fn app_as_ada(store: Arc<dyn EventStore>) -> Router {
    let config = ServerConfig {
        access: engage_server::AccessConfig {
            dev_actor: Some(dev_actor()),
            ..engage_server::AccessConfig::default()
        },
        ..ServerConfig::default()
    };
    engage_server::router(config, store)
}

fn days_ago(days: i64) -> String {
    (Utc::now() - Duration::days(days)).to_rfc3339()
}

/// The single field of `data` (the mutation's result), after checking there is no error.
fn result(r: &Reply) -> Value {
    assert_eq!(r.status, 200, "{}", r.text());
    let body = r.json();
    assert!(body.get("errors").is_none(), "{}", r.text());
    let data = body["data"].as_object().expect("data").clone();
    assert_eq!(data.len(), 1, "{}", r.text());
    data.into_iter().next().map(|(_, v)| v).expect("one field")
}

/// The first error of a reply whose data is null.
fn error(r: &Reply) -> Value {
    assert_eq!(r.status, 200, "{}", r.text());
    let body = r.json();
    let errors = body["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), 1, "{}", r.text());
    errors[0].clone()
}

const RESULT: &str = "{ command streamId streamVersion alreadyRecorded events { eventId position streamVersion eventType } }";

fn raise_complaint(complaint_id: Uuid, ward: Option<&str>) -> Value {
    json!({
        "complaintId": complaint_id,
        "borough": CAMDEN,
        "ward": ward,
        "receivedAt": days_ago(10),
        "category": "COMMUNICATION",
        "channel": "EMAIL",
        "summary": "No update for six weeks after a burglary report",
        "personal": {
            "dataSubjectId": Uuid::now_v7(),
            "fullName": "Jane Doe",
            "email": "jane@example.org"
        }
    })
}

async fn raise(app: &Router, complaint_id: Uuid) -> Value {
    let q = format!(
        "mutation R($input: RaiseVictimComplaint!) {{ raiseVictimComplaint(input: $input) {RESULT} }}"
    );
    result(
        &query(
            app,
            &q,
            json!({ "input": raise_complaint(complaint_id, None) }),
        )
        .await,
    )
}

fn acknowledge_query() -> String {
    format!(
        "mutation A($id: UUID!, $at: DateTime!, $options: CommandOptions) {{
           acknowledgeVictimComplaint(complaintId: $id, input: {{ acknowledgedAt: $at }}, options: $options) {RESULT} }}"
    )
}

#[tokio::test]
async fn commands_of_several_aggregates_are_recorded_as_the_request_identity() {
    let t = TestStore::new();
    let store = t.arc();
    let app = app_as_ada(Arc::clone(&store));

    // Reference data first: a ward registered by one request is known to the next.
    let ward = result(
        &query(
            &app,
            &format!(
                "mutation W($input: RegisterWard!) {{ registerWard(input: $input) {RESULT} }}"
            ),
            json!({ "input": {
                "ward": KENTISH_TOWN, "name": "Kentish Town", "borough": CAMDEN,
                "source": "GLA ward atlas"
            } }),
        )
        .await,
    );
    assert_eq!(ward["command"], "RegisterWard");
    assert_eq!(ward["streamId"], format!("ward-{KENTISH_TOWN}"));
    assert_eq!(ward["events"][0]["eventType"], "WardRegistered");

    let complaint = Uuid::now_v7();
    let q = format!(
        "mutation R($input: RaiseVictimComplaint!) {{ raiseVictimComplaint(input: $input) {RESULT} }}"
    );
    let raised = result(
        &query(
            &app,
            &q,
            json!({ "input": raise_complaint(complaint, Some(KENTISH_TOWN)) }),
        )
        .await,
    );
    assert_eq!(raised["streamId"], format!("complaint-{complaint}"));
    assert_eq!(raised["streamVersion"], 0);
    assert_eq!(raised["alreadyRecorded"], false);
    assert_eq!(raised["events"][0]["position"], 2);
    assert_eq!(raised["events"][0]["eventType"], "VictimComplaintRaised");

    let acked = result(
        &query(
            &app,
            &acknowledge_query(),
            json!({ "id": complaint, "at": days_ago(8),
                    "options": { "expectedVersion": 0, "reason": "letter sent" } }),
        )
        .await,
    );
    assert_eq!(acked["streamVersion"], 1);
    assert_eq!(
        acked["events"][0]["eventType"],
        "VictimComplaintAcknowledged"
    );

    let referred = result(
        &query(
            &app,
            &format!(
                "mutation F($id: UUID!, $input: ReferVictimComplaint!) {{
                   referVictimComplaint(complaintId: $id, input: $input) {RESULT} }}"
            ),
            json!({ "id": complaint, "input": {
                "referralId": Uuid::now_v7(), "referredTo": { "other": "Citizens Advice Camden" },
                "referredAt": days_ago(7)
            } }),
        )
        .await,
    );
    assert_eq!(
        referred["events"][0]["eventType"],
        "VictimComplaintReferred"
    );

    // A fund round, then a bid against it (the round is looked up from the log).
    let round = Uuid::now_v7();
    result(
        &query(
            &app,
            &format!(
                "mutation O($input: OpenFundRound!) {{ openFundRound(input: $input) {RESULT} }}"
            ),
            json!({ "input": {
                "roundId": round, "name": "Crime Prevention Fund 2025/26",
                "potPence": 100_000_000, "opensAt": days_ago(30), "closesAt": days_ago(-30)
            } }),
        )
        .await,
    );
    let bid = result(
        &query(
            &app,
            &format!(
                "mutation S($input: SubmitPreventionBid!) {{ submitPreventionBid(input: $input) {RESULT} }}"
            ),
            json!({ "input": {
                "bidId": Uuid::now_v7(), "roundId": round, "borough": CAMDEN,
                "projectTitle": "Safer stairwells", "projectSummary": "Lighting and doors",
                "amountPence": 2_500_000, "submittedAt": days_ago(1),
                "outcomes": [{ "description": "Fewer break-ins", "measure": "reported burglaries", "target": "-20%" }]
            } }),
        )
        .await,
    );
    assert_eq!(bid["events"][0]["eventType"], "PreventionBidSubmitted");

    // A board: created from its input, then addressed by its borough.
    result(
        &query(
            &app,
            &format!(
                "mutation E($input: EstablishBoard!) {{ establishBoard(input: $input) {RESULT} }}"
            ),
            json!({ "input": { "borough": CAMDEN, "name": "Camden Safer Neighbourhood Board",
                               "establishedOn": "2015-04-01" } }),
        )
        .await,
    );
    let member = result(
        &query(
            &app,
            &format!(
                "mutation M($borough: BoroughCode!, $input: AppointBoardMember!) {{
                   appointBoardMember(borough: $borough, input: $input) {RESULT} }}"
            ),
            json!({ "borough": CAMDEN, "input": {
                "memberId": Uuid::now_v7(), "role": "CHAIR", "termStart": "2024-04-01",
                "personal": { "dataSubjectId": Uuid::now_v7(), "fullName": "Sam Chair" }
            } }),
        )
        .await,
    );
    assert_eq!(member["streamId"], format!("board-{CAMDEN}"));
    assert_eq!(member["streamVersion"], 1);

    // LCP2: one stream, no key.
    let joined = result(
        &query(
            &app,
            &format!("mutation J($input: JoinLcp2!) {{ joinLcp2(input: $input) {RESULT} }}"),
            json!({ "input": { "groupId": Uuid::now_v7(), "name": "Camden SNB", "kind": "SNB",
                               "borough": CAMDEN, "joinedOn": "2016-01-01" } }),
        )
        .await,
    );
    assert_eq!(joined["streamId"], "lcp2");

    // Every event is in the log, recorded as the server's identity.
    let r = query(
        &app,
        "{ events(first: 50) { totalCount nodes { eventId position streamId eventType
             actor { id role organisation } reason } } }",
        json!({}),
    )
    .await;
    let events = r.json()["data"]["events"].clone();
    assert_eq!(events["totalCount"], 9, "{}", r.text());
    for node in events["nodes"].as_array().expect("nodes") {
        assert_eq!(
            node["actor"],
            json!({ "id": "ada", "role": "secretary", "organisation": "board-camden" })
        );
    }
    let r = query(
        &app,
        "query S($id: String!) { stream(id: $id) { nodes { eventId position streamVersion eventType reason } } }",
        json!({ "id": format!("complaint-{complaint}") }),
    )
    .await;
    let nodes = r.json()["data"]["stream"]["nodes"].clone();
    assert_eq!(nodes[0]["eventId"], raised["events"][0]["eventId"]);
    assert_eq!(nodes[1]["eventId"], acked["events"][0]["eventId"]);
    assert_eq!(nodes[1]["position"], acked["events"][0]["position"]);
    assert_eq!(nodes[1]["reason"], "letter sent");
    assert_eq!(nodes[2]["eventType"], "VictimComplaintReferred");
}

#[tokio::test]
async fn the_actor_cannot_be_given_in_the_input() {
    let t = TestStore::new();
    let app = app_as_ada(t.arc());
    let mut input = raise_complaint(Uuid::now_v7(), None);
    input["actor"] = json!({ "id": "mallory", "role": "chair", "organisation": "x" });
    let r = query(
        &app,
        "mutation R($input: RaiseVictimComplaint!) { raiseVictimComplaint(input: $input) { streamId } }",
        json!({ "input": input }),
    )
    .await;
    assert_eq!(r.status, 400, "{}", r.text());
    assert_eq!(r.codes(), ["GRAPHQL_VALIDATION_FAILED"]);
    assert_eq!(t.store.head().await.expect("head").position, 0);
}

#[tokio::test]
async fn a_stale_expected_version_is_a_conflict_naming_the_actual_version() {
    let t = TestStore::new();
    let app = app_as_ada(t.arc());
    let complaint = Uuid::now_v7();
    raise(&app, complaint).await;

    let r = query(
        &app,
        &acknowledge_query(),
        json!({ "id": complaint, "at": days_ago(8), "options": { "expectedVersion": 3 } }),
    )
    .await;
    let err = error(&r);
    assert_eq!(err["extensions"]["code"], "CONFLICT", "{}", r.text());
    assert_eq!(err["extensions"]["expectedVersion"], 3);
    assert_eq!(err["extensions"]["actualVersion"], 0);
    assert_eq!(
        err["extensions"]["streamId"],
        format!("complaint-{complaint}")
    );
    assert_eq!(r.json()["data"], Value::Null);
    assert_eq!(t.store.head().await.expect("head").position, 1);
}

#[tokio::test]
async fn a_repeated_idempotency_key_records_once() {
    let t = TestStore::new();
    let app = app_as_ada(t.arc());
    let complaint = Uuid::now_v7();
    raise(&app, complaint).await;

    let key = Uuid::now_v7();
    let vars = json!({ "id": complaint, "at": days_ago(8),
                       "options": { "idempotencyKey": key, "expectedVersion": 0 } });
    let first = result(&query(&app, &acknowledge_query(), vars.clone()).await);
    assert_eq!(first["alreadyRecorded"], false);
    let head = t.store.head().await.expect("head");
    assert_eq!(head.position, 2);

    // The retry (same key, same now-stale expected version) writes nothing.
    let again = result(&query(&app, &acknowledge_query(), vars).await);
    assert_eq!(again["alreadyRecorded"], true);
    assert_eq!(again["events"], first["events"]);
    assert_eq!(again["streamVersion"], first["streamVersion"]);
    assert_eq!(t.store.head().await.expect("head"), head);

    // The same key for a command on another stream is refused.
    let other = Uuid::now_v7();
    raise(&app, other).await;
    let r = query(
        &app,
        &acknowledge_query(),
        json!({ "id": other, "at": days_ago(8), "options": { "idempotencyKey": key } }),
    )
    .await;
    assert_eq!(
        error(&r)["extensions"]["code"],
        "IDEMPOTENCY_MISMATCH",
        "{}",
        r.text()
    );
}

#[tokio::test]
async fn domain_refusals_are_validation_errors_with_the_domains_message() {
    let t = TestStore::new();
    let app = app_as_ada(t.arc());
    let complaint = Uuid::now_v7();
    raise(&app, complaint).await;

    // Acknowledged before it was received.
    let r = query(
        &app,
        &acknowledge_query(),
        json!({ "id": complaint, "at": days_ago(20) }),
    )
    .await;
    let err = error(&r);
    assert_eq!(err["extensions"]["code"], "VALIDATION", "{}", r.text());
    assert_eq!(err["extensions"]["reason"], "END_BEFORE_START");
    assert_eq!(err["extensions"]["field"], "acknowledged_at");
    let message = err["message"].as_str().expect("message");
    assert!(
        message.starts_with("acknowledged_at (") && message.contains(") is before received_at ("),
        "{message}"
    );

    // Raised twice.
    let q = "mutation R($input: RaiseVictimComplaint!) { raiseVictimComplaint(input: $input) { streamId } }";
    let r = query(
        &app,
        q,
        json!({ "input": raise_complaint(complaint, None) }),
    )
    .await;
    let err = error(&r);
    assert_eq!(err["extensions"]["code"], "VALIDATION");
    assert_eq!(err["extensions"]["reason"], "ALREADY_EXISTS");
    assert_eq!(
        err["message"],
        format!("complaint {complaint} already exists")
    );

    // A ward the log does not know, and a borough that is not in London.
    let r = query(
        &app,
        q,
        json!({ "input": raise_complaint(Uuid::now_v7(), Some("E05999999")) }),
    )
    .await;
    let err = error(&r);
    assert_eq!(err["extensions"]["reason"], "UNKNOWN_WARD");
    assert_eq!(err["message"], "unknown ward E05999999");

    let mut elsewhere = raise_complaint(Uuid::now_v7(), None);
    elsewhere["borough"] = json!("E09000099");
    let r = query(&app, q, json!({ "input": elsewhere })).await;
    assert_eq!(error(&r)["extensions"]["reason"], "UNKNOWN_BOROUGH");

    // An occurredAt in the future is refused before anything is decided.
    let r = query(
        &app,
        &acknowledge_query(),
        json!({ "id": complaint, "at": days_ago(8),
                "options": { "occurredAt": days_ago(-1) } }),
    )
    .await;
    let err = error(&r);
    assert_eq!(err["extensions"]["code"], "VALIDATION");
    assert_eq!(err["extensions"]["field"], "occurredAt");
    assert_eq!(t.store.head().await.expect("head").position, 1);
}

#[tokio::test]
async fn an_unknown_id_is_not_found() {
    let t = TestStore::new();
    let app = app_as_ada(t.arc());
    let nobody = Uuid::now_v7();
    let r = query(
        &app,
        &acknowledge_query(),
        json!({ "id": nobody, "at": days_ago(1) }),
    )
    .await;
    let err = error(&r);
    assert_eq!(err["extensions"]["code"], "NOT_FOUND", "{}", r.text());
    assert_eq!(
        err["message"],
        format!("unknown complaint `complaint-{nobody}` (not raised)")
    );
    assert_eq!(err["path"], json!(["acknowledgeVictimComplaint"]));

    // An unknown entity inside an existing aggregate, too.
    let complaint = Uuid::now_v7();
    raise(&app, complaint).await;
    result(
        &query(
            &app,
            &acknowledge_query(),
            json!({ "id": complaint, "at": days_ago(8) }),
        )
        .await,
    );
    let missing = Uuid::now_v7();
    let r = query(
        &app,
        "mutation P($id: UUID!, $input: RecordVictimComplaintResponse!) {
           recordVictimComplaintResponse(complaintId: $id, input: $input) { streamId } }",
        json!({ "id": complaint, "input": {
            "referralId": missing, "respondedAt": days_ago(1), "responseSummary": "Called back"
        } }),
    )
    .await;
    let err = error(&r);
    assert_eq!(err["extensions"]["code"], "NOT_FOUND");
    assert_eq!(err["message"], format!("unknown referral {missing}"));
    assert_eq!(t.store.head().await.expect("head").position, 2);
}

#[tokio::test]
async fn a_mutation_over_get_is_405_and_records_nothing() {
    let t = TestStore::new();
    let app = app_as_ada(t.arc());
    let q = format!(
        "mutation {{ joinLcp2(input: {{ groupId: \"{}\", name: \"Camden SNB\", kind: IAG, joinedOn: \"2016-01-01\" }}) {{ streamId }} }}",
        Uuid::now_v7()
    );
    let uri = format!(
        "/graphql?{}",
        serde_urlencoded::to_string([("query", q.as_str())]).expect("encode")
    );
    let r = get(&app, &uri, &[ACCEPT_GRJ]).await;
    assert_eq!(r.status, 405, "{}", r.text());
    assert_eq!(r.codes(), ["METHOD_NOT_ALLOWED"]);
    assert_eq!(
        r.headers.get("allow").and_then(|v| v.to_str().ok()),
        Some("POST")
    );
    assert_eq!(t.store.head().await.expect("head").position, 0);

    // The same document over POST is recorded.
    let r = post(&app, json!({ "query": q }).to_string(), &[JSON, ACCEPT_GRJ]).await;
    assert_eq!(result(&r)["streamId"], "lcp2");
}

#[tokio::test]
async fn malformed_ids_and_codes_in_inputs_fail_validation() {
    let t = TestStore::new();
    let app = app_as_ada(t.arc());
    let mut input = raise_complaint(Uuid::now_v7(), None);
    input["complaintId"] = json!("not-a-uuid");
    let q = "mutation R($input: RaiseVictimComplaint!) { raiseVictimComplaint(input: $input) { streamId } }";
    let r = query(&app, q, json!({ "input": input })).await;
    assert_eq!(r.status, 400, "{}", r.text());
    assert!(r.json().get("data").is_none());

    let mut input = raise_complaint(Uuid::now_v7(), None);
    input["borough"] = json!(" E09000007");
    let r = query(&app, q, json!({ "input": input })).await;
    assert_eq!(r.status, 400, "{}", r.text());

    // A referral target is one of `known` or `other`, not both.
    let r = query(
        &app,
        "mutation F($id: UUID!, $input: ReferVictimComplaint!) {
           referVictimComplaint(complaintId: $id, input: $input) { streamId } }",
        json!({ "id": Uuid::now_v7(), "input": {
            "referralId": Uuid::now_v7(), "referredTo": { "known": "MOPAC", "other": "x" },
            "referredAt": days_ago(1)
        } }),
    )
    .await;
    assert_eq!(r.status, 400, "{}", r.text());
    assert_eq!(t.store.head().await.expect("head").position, 0);
}

/// `RaiseVictimComplaint` -> `raiseVictimComplaint`.
fn mutation_name(command: &str) -> String {
    let mut chars = command.chars();
    chars
        .next()
        .map(|c| c.to_ascii_lowercase().to_string() + chars.as_str())
        .unwrap_or_default()
}

#[tokio::test]
async fn every_command_of_the_domain_has_a_mutation_taking_it_as_input() {
    let t = TestStore::new();
    let app = app_as_ada(t.arc());
    let r = query(
        &app,
        "{ __schema { mutationType { fields { name args { name type { kind ofType { name } } } } } } }",
        json!({}),
    )
    .await;
    let fields = r.json()["data"]["__schema"]["mutationType"]["fields"].clone();
    let served: BTreeSet<String> = fields
        .as_array()
        .expect("fields")
        .iter()
        .map(|f| f["name"].as_str().expect("name").to_owned())
        .collect();
    let commands: BTreeSet<String> = engage_domain::COMMANDS
        .iter()
        .flat_map(|set| set.commands.iter().map(|c| mutation_name(c)))
        .collect();
    assert_eq!(
        served, commands,
        "the Mutation fields must be exactly the domain's commands"
    );
    // ... and each takes its command as `input`.
    for set in engage_domain::COMMANDS {
        for command in set.commands {
            let field = fields
                .as_array()
                .expect("fields")
                .iter()
                .find(|f| f["name"] == mutation_name(command))
                .expect("field");
            let input = field["args"]
                .as_array()
                .expect("args")
                .iter()
                .find(|a| a["name"] == "input")
                .unwrap_or_else(|| panic!("{command} has no input argument"));
            assert_eq!(input["type"]["ofType"]["name"], *command);
        }
    }

    // The committed SDL says the same.
    let sdl = engage_server::sdl();
    let block = sdl
        .split("type Mutation {")
        .nth(1)
        .and_then(|rest| rest.split("\n}").next())
        .expect("a Mutation type in the SDL");
    let in_sdl: BTreeSet<String> = block
        .lines()
        .filter_map(|l| l.strip_prefix('\t'))
        .filter_map(|l| l.split_once('(').map(|(name, _)| name.to_owned()))
        .filter(|name| name.chars().all(|c| c.is_ascii_alphanumeric()))
        .collect();
    assert_eq!(in_sdl, commands);
}
