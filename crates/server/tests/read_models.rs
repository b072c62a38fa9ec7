//! The read side over HTTP against a real SQLite store, with data created through the
//! mutations: scorecards, keyed pagination, as-of reads and `node(id:)`.

mod common;

use std::sync::Arc;
use std::time::Duration as StdDuration;

use axum::Router;
use chrono::{DateTime, Duration, Utc};
use common::*;
use engage_log::{Actor, EventStore};
use engage_server::ServerConfig;
use serde_json::{Value, json};
use uuid::Uuid;

const CAMDEN: &str = "E09000007";
const ISLINGTON: &str = "E09000019";

fn app_as_ada(store: Arc<dyn EventStore>) -> Router {
    let config = ServerConfig {
        access: engage_server::AccessConfig {
            dev_actor: Some(Actor::new("ada", "secretary", "board-camden")),
            ..engage_server::AccessConfig::default()
        },
        ..ServerConfig::default()
    };
    engage_server::router(config, store)
}

/// `data` of a reply, after checking there is no error.
fn data(r: &Reply) -> Value {
    assert_eq!(r.status, 200, "{}", r.text());
    let body = r.json();
    assert!(body.get("errors").is_none(), "{}", r.text());
    body["data"].clone()
}

/// Wait until every read model has applied the log's head; returns that position.
async fn caught_up(app: &Router) -> u64 {
    let d = data(&query(app, "{ head { position } }", json!({})).await);
    let head = d["head"]["position"].as_u64().unwrap();
    for _ in 0..200 {
        let d = data(&query(app, "{ projectionStatus { appliedPosition } }", json!({})).await);
        if d["projectionStatus"]["appliedPosition"].as_u64().unwrap() >= head {
            return head;
        }
        tokio::time::sleep(StdDuration::from_millis(20)).await;
    }
    panic!("the read models did not catch up");
}

async fn raise(app: &Router, id: Uuid, borough: &str, received_at: DateTime<Utc>) -> u64 {
    let r = query(
        app,
        "mutation R($input: RaiseVictimComplaint!, $options: CommandOptions) { raiseVictimComplaint(input: $input, options: $options) { events { position } } }",
        json!({ "options": { "occurredAt": received_at.to_rfc3339() }, "input": {
            "complaintId": id,
            "borough": borough,
            "receivedAt": received_at.to_rfc3339(),
            "category": "COMMUNICATION",
            "channel": "EMAIL",
            "summary": "No update for six weeks after a burglary report",
            "personal": { "dataSubjectId": Uuid::now_v7(), "fullName": "Jane Doe" }
        } }),
    )
    .await;
    data(&r)["raiseVictimComplaint"]["events"][0]["position"]
        .as_u64()
        .unwrap()
}

async fn acknowledge(app: &Router, id: Uuid, at: DateTime<Utc>) -> u64 {
    let r = query(
        app,
        "mutation A($id: UUID!, $at: DateTime!) { acknowledgeVictimComplaint(complaintId: $id, input: { acknowledgedAt: $at }) { events { position } } }",
        json!({ "id": id, "at": at.to_rfc3339() }),
    )
    .await;
    data(&r)["acknowledgeVictimComplaint"]["events"][0]["position"]
        .as_u64()
        .unwrap()
}

const FIGURES: &str = "borough name from to complaints { received acknowledged acknowledgedInTime acknowledgementTargetDays resolved medianDaysToAcknowledge openAtEnd } priorities { proposed set } wardPanels { wardsMet wardsTotal percentMet } preventionFund { bidsSubmitted requestedPence } confidence { percent }";

#[tokio::test]
async fn scorecards_count_a_small_history() {
    let t = TestStore::new();
    let app = app_as_ada(t.arc());
    let now = Utc::now();
    let (a, b, c, old) = (
        Uuid::now_v7(),
        Uuid::now_v7(),
        Uuid::now_v7(),
        Uuid::now_v7(),
    );
    raise(&app, a, CAMDEN, now - Duration::days(20)).await;
    raise(&app, b, CAMDEN, now - Duration::days(15)).await;
    raise(&app, c, ISLINGTON, now - Duration::days(12)).await;
    // Received before the period: not counted as received, but its acknowledgement is.
    raise(&app, old, CAMDEN, now - Duration::days(60)).await;
    acknowledge(&app, a, now - Duration::days(18)).await; // 2 days: in time
    acknowledge(&app, b, now - Duration::days(5)).await; // 10 days: late
    acknowledge(&app, old, now - Duration::days(25)).await; // 35 days: late
    caught_up(&app).await;

    let from = (now - Duration::days(30)).to_rfc3339();
    let to = now.to_rfc3339();
    let q = format!(
        "query S($b: String!, $from: DateTime!, $to: DateTime!) {{ scorecard(borough: $b, from: $from, to: $to) {{ {FIGURES} }} }}"
    );
    let d = data(&query(&app, &q, json!({ "b": CAMDEN, "from": from, "to": to })).await);
    let s = &d["scorecard"];
    assert_eq!(s["borough"], CAMDEN);
    assert_eq!(s["name"], "Camden");
    let complaints = &s["complaints"];
    assert_eq!(complaints["received"], 2, "{s}");
    assert_eq!(complaints["acknowledged"], 3, "{s}");
    assert_eq!(complaints["acknowledgedInTime"], 1, "{s}");
    assert_eq!(complaints["acknowledgementTargetDays"], 5);
    assert_eq!(complaints["resolved"], 0);
    assert_eq!(complaints["medianDaysToAcknowledge"], 10.0, "{s}");
    assert_eq!(complaints["openAtEnd"], 2);
    assert_eq!(s["wardPanels"]["wardsTotal"], 0);
    assert_eq!(s["wardPanels"]["percentMet"], Value::Null);
    assert_eq!(s["preventionFund"]["requestedPence"], 0);

    // A longer target makes the 10-day acknowledgement in time; the cached default answer
    // does not leak into it.
    let q12 = format!(
        "query S($b: String!, $from: DateTime!, $to: DateTime!) {{ scorecard(borough: $b, from: $from, to: $to, acknowledgementTargetDays: 12) {{ {FIGURES} }} }}"
    );
    let d = data(&query(&app, &q12, json!({ "b": CAMDEN, "from": from, "to": to })).await);
    assert_eq!(d["scorecard"]["complaints"]["acknowledgedInTime"], 2);
    // Asked again: the same (cached) answer.
    let again = data(&query(&app, &q, json!({ "b": CAMDEN, "from": from, "to": to })).await);
    assert_eq!(again["scorecard"]["complaints"]["acknowledgedInTime"], 1);

    // London: the roll-up and all 33 boroughs.
    let ql = format!(
        "query L($from: DateTime!, $to: DateTime!) {{ londonScorecard(from: $from, to: $to) {{ london {{ {FIGURES} }} boroughs {{ borough complaints {{ received }} }} }} }}"
    );
    let d = data(&query(&app, &ql, json!({ "from": from, "to": to })).await);
    let l = &d["londonScorecard"];
    assert_eq!(l["london"]["borough"], Value::Null);
    assert_eq!(l["london"]["name"], "London");
    assert_eq!(l["london"]["complaints"]["received"], 3);
    let boroughs = l["boroughs"].as_array().unwrap();
    assert_eq!(boroughs.len(), 33);
    let received = |code: &str| {
        boroughs.iter().find(|b| b["borough"] == code).unwrap()["complaints"]["received"].clone()
    };
    assert_eq!(received(CAMDEN), 2);
    assert_eq!(received(ISLINGTON), 1);
    assert_eq!(received("E09000001"), 0);

    // New events change the live answer (the cache is keyed by the applied position).
    raise(&app, Uuid::now_v7(), CAMDEN, now - Duration::days(1)).await;
    caught_up(&app).await;
    let d = data(&query(&app, &q, json!({ "b": CAMDEN, "from": from, "to": to })).await);
    assert_eq!(d["scorecard"]["complaints"]["received"], 3);
}

#[tokio::test]
async fn scorecard_as_of_a_past_position() {
    let t = TestStore::new();
    let app = app_as_ada(t.arc());
    let now = Utc::now();
    let a = Uuid::now_v7();
    let raised = raise(&app, a, CAMDEN, now - Duration::days(3)).await;
    acknowledge(&app, a, now - Duration::days(2)).await;
    caught_up(&app).await;
    let q = "query S($b: String!, $from: DateTime!, $to: DateTime!, $asOf: AsOfInput) { scorecard(borough: $b, from: $from, to: $to, asOf: $asOf) { complaints { received acknowledged } } }";
    let vars = |as_of: Value| json!({ "b": CAMDEN, "from": (now - Duration::days(7)).to_rfc3339(), "to": now.to_rfc3339(), "asOf": as_of });
    let live = data(&query(&app, q, vars(Value::Null)).await);
    assert_eq!(live["scorecard"]["complaints"]["acknowledged"], 1);
    let past = data(&query(&app, q, vars(json!({ "position": raised }))).await);
    assert_eq!(past["scorecard"]["complaints"]["received"], 1);
    assert_eq!(past["scorecard"]["complaints"]["acknowledged"], 0);
}

#[tokio::test]
async fn scorecard_arguments_are_validated() {
    let t = TestStore::new();
    let app = app(t.arc());
    let now = Utc::now();
    let q = "query S($b: String!, $from: DateTime!, $to: DateTime!, $days: Int) { scorecard(borough: $b, from: $from, to: $to, acknowledgementTargetDays: $days) { borough } }";
    let run = |b: &str, from: DateTime<Utc>, to: DateTime<Utc>, days: i64| json!({ "b": b, "from": from.to_rfc3339(), "to": to.to_rfc3339(), "days": days });
    for (vars, needle) in [
        (
            run("E09000099", now - Duration::days(1), now, 5),
            "GSS code",
        ),
        (run(CAMDEN, now, now, 5), "`from`"),
        (run(CAMDEN, now, now - Duration::days(1), 5), "`from`"),
        (
            run(CAMDEN, now - Duration::days(1), now, -1),
            "acknowledgementTargetDays",
        ),
    ] {
        let r = query(&app, q, vars).await;
        assert_eq!(r.codes(), vec!["VALIDATION".to_owned()], "{}", r.text());
        assert!(r.text().contains(needle), "{}", r.text());
    }
    let r = query(
        &app,
        "query L($from: DateTime!, $to: DateTime!) { londonScorecard(from: $from, to: $to) { london { name } } }",
        json!({ "from": now.to_rfc3339(), "to": (now - Duration::days(1)).to_rfc3339() }),
    )
    .await;
    assert_eq!(r.codes(), vec!["VALIDATION".to_owned()], "{}", r.text());
}

const PAGE: &str = "query P($first: Int, $after: String, $last: Int, $before: String, $order: SortOrder, $asOf: AsOfInput) { complaints(first: $first, after: $after, last: $last, before: $before, order: $order, asOf: $asOf) { totalCount asOfPosition pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { id complaintId status provenance { positions } } } } }";

fn ids(page: &Value) -> Vec<String> {
    page["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["complaintId"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn complaints_paginate_both_ways_and_read_as_of() {
    let t = TestStore::new();
    let app = app_as_ada(t.arc());
    let now = Utc::now();
    let mut all = Vec::new();
    for days in (1..=5).rev() {
        let id = Uuid::now_v7();
        raise(&app, id, CAMDEN, now - Duration::days(days)).await;
        all.push(id.to_string());
    }
    let before_ack = caught_up(&app).await;
    acknowledge(&app, Uuid::parse_str(&all[0]).unwrap(), now).await;
    caught_up(&app).await;

    // Forward, oldest first.
    let p1 = data(&query(&app, PAGE, json!({ "first": 2 })).await)["complaints"].clone();
    assert_eq!(p1["totalCount"], 5);
    assert_eq!(ids(&p1), all[0..2]);
    assert_eq!(p1["pageInfo"]["hasNextPage"], true);
    assert_eq!(p1["pageInfo"]["hasPreviousPage"], false);
    let p2 = data(
        &query(
            &app,
            PAGE,
            json!({ "first": 2, "after": p1["pageInfo"]["endCursor"] }),
        )
        .await,
    )["complaints"]
        .clone();
    assert_eq!(ids(&p2), all[2..4]);
    let p3 = data(
        &query(
            &app,
            PAGE,
            json!({ "first": 2, "after": p2["pageInfo"]["endCursor"] }),
        )
        .await,
    )["complaints"]
        .clone();
    assert_eq!(ids(&p3), all[4..5]);
    assert_eq!(p3["pageInfo"]["hasNextPage"], false);

    // Backward from the end, then before that page.
    let l1 = data(&query(&app, PAGE, json!({ "last": 2 })).await)["complaints"].clone();
    assert_eq!(ids(&l1), all[3..5]);
    assert_eq!(l1["pageInfo"]["hasPreviousPage"], true);
    let l2 = data(
        &query(
            &app,
            PAGE,
            json!({ "last": 2, "before": l1["pageInfo"]["startCursor"] }),
        )
        .await,
    )["complaints"]
        .clone();
    assert_eq!(ids(&l2), all[1..3]);

    // Newest first.
    let d =
        data(&query(&app, PAGE, json!({ "first": 1, "order": "DESCENDING" })).await)["complaints"]
            .clone();
    assert_eq!(ids(&d), all[4..5]);

    // A cursor from elsewhere is refused.
    let r = query(&app, PAGE, json!({ "first": 1, "after": "position:3" })).await;
    assert_eq!(r.codes(), vec!["VALIDATION".to_owned()], "{}", r.text());

    // As of the position before the acknowledgement: still raised, with less provenance.
    let live = data(&query(&app, PAGE, json!({ "first": 1 })).await)["complaints"].clone();
    assert_eq!(live["edges"][0]["node"]["status"], "ACKNOWLEDGED");
    assert_eq!(
        live["edges"][0]["node"]["provenance"]["positions"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let past = data(
        &query(
            &app,
            PAGE,
            json!({ "first": 1, "asOf": { "position": before_ack } }),
        )
        .await,
    )["complaints"]
        .clone();
    assert_eq!(past["asOfPosition"], before_ack);
    assert_eq!(past["totalCount"], 5);
    assert_eq!(past["edges"][0]["node"]["status"], "RAISED");
    assert_eq!(
        past["edges"][0]["node"]["provenance"]["positions"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    // World time: only what had happened three days ago.
    let world = data(&query(&app, PAGE, json!({ "first": 10, "asOf": { "occurredAt": (now - Duration::days(3)).to_rfc3339() } })).await)["complaints"].clone();
    assert_eq!(world["totalCount"], 3, "{world}");
}

async fn propose(app: &Router, id: Uuid, ward: Option<&str>, proposed_at: DateTime<Utc>) {
    let r = query(
        app,
        "mutation P($input: ProposePriority!) { proposePriority(input: $input) { events { position } } }",
        json!({ "input": {
            "priorityId": id,
            "borough": CAMDEN,
            "ward": ward,
            "title": "Moped-enabled phone snatching",
            "description": "Snatches on the high street after dark",
            "source": "SURVEY",
            "evidence": [{ "kind": "SURVEY", "reference": "https://example.org/survey-2026" }],
            "proposedAt": proposed_at.to_rfc3339()
        } }),
    )
    .await;
    data(&r);
}

#[tokio::test]
async fn node_fetches_complaints_and_priorities_by_global_id() {
    let t = TestStore::new();
    let app = app_as_ada(t.arc());
    let now = Utc::now();
    let complaint = Uuid::now_v7();
    let priority = Uuid::now_v7();
    raise(&app, complaint, CAMDEN, now - Duration::days(2)).await;
    propose(&app, priority, None, now - Duration::days(1)).await;
    caught_up(&app).await;

    let q = "query N($id: ID!) { node(id: $id) { __typename id ... on Complaint { complaintId status } ... on Priority { priorityId title status borough ward timeline { step at } proposalEvidence { kind reference } provenance { positions } } } }";
    let c = data(&query(&app, q, json!({ "id": format!("Complaint:{complaint}") })).await);
    assert_eq!(c["node"]["__typename"], "Complaint");
    assert_eq!(c["node"]["complaintId"], complaint.to_string());
    assert_eq!(c["node"]["status"], "RAISED");

    let p = data(&query(&app, q, json!({ "id": format!("Priority:{priority}") })).await);
    let node = &p["node"];
    assert_eq!(node["__typename"], "Priority", "{p}");
    assert_eq!(node["id"], format!("Priority:{priority}"));
    assert_eq!(node["status"], "PROPOSED");
    assert_eq!(node["ward"], Value::Null);
    assert_eq!(node["timeline"][0]["step"], "PROPOSED");
    assert_eq!(node["proposalEvidence"][0]["kind"], "survey");
    assert_eq!(node["provenance"]["positions"], json!([2]));

    // The same record through its own query and through the listing.
    let one = data(
        &query(
            &app,
            "query O($id: UUID!) { priority(priorityId: $id) { id } }",
            json!({ "id": priority }),
        )
        .await,
    );
    assert_eq!(one["priority"]["id"], format!("Priority:{priority}"));
    let list = data(&query(&app, "{ priorities(filter: { borough: \"E09000007\", boroughWide: true, status: PROPOSED }) { totalCount edges { node { id } } } }", json!({})).await);
    assert_eq!(list["priorities"]["totalCount"], 1);
    let none = data(
        &query(
            &app,
            "{ priorities(filter: { status: CLOSED }) { totalCount } }",
            json!({}),
        )
        .await,
    );
    assert_eq!(none["priorities"]["totalCount"], 0);

    // Unknown: null for a missing record, VALIDATION for an unknown type or a bad key.
    let missing = data(
        &query(
            &app,
            q,
            json!({ "id": format!("Priority:{}", Uuid::now_v7()) }),
        )
        .await,
    );
    assert_eq!(missing["node"], Value::Null);
    for bad in ["Nothing:1", "Priority:not-a-uuid", "no-colon"] {
        let r = query(&app, q, json!({ "id": bad })).await;
        assert_eq!(r.codes(), vec!["VALIDATION".to_owned()], "{}", r.text());
    }
}

#[tokio::test]
async fn custody_visits_list_with_issues_and_filters() {
    let t = TestStore::new();
    let app = app_as_ada(t.arc());
    let now = Utc::now();
    data(&query(
        &app,
        "mutation { registerCustodySuite(input: { suite: \"HOLBORN\", name: \"Holborn\", borough: \"E09000007\", cells: 20 }) { streamId } }",
        json!({}),
    )
    .await);
    let visit = Uuid::now_v7();
    let arrived = now - Duration::days(3);
    data(
        &query(
            &app,
            "mutation V($input: LogCustodyVisit!) { logCustodyVisit(input: $input) { streamId } }",
            json!({ "input": {
            "visitId": visit, "suite": "HOLBORN", "borough": CAMDEN,
            "visitors": [Uuid::now_v7(), Uuid::now_v7()],
            "arrivedAt": arrived.to_rfc3339(),
            "leftAt": (arrived + Duration::minutes(90)).to_rfc3339(),
            "accessDelayMinutes": 15, "detaineesHeld": 6
        } }),
        )
        .await,
    );
    let issue = Uuid::now_v7();
    data(&query(
        &app,
        "mutation I($id: UUID!, $input: RaiseCustodyVisitIssue!) { raiseCustodyVisitIssue(visitId: $id, input: $input) { streamId } }",
        json!({ "id": visit, "input": {
            "issueId": issue, "category": "WELFARE", "description": "Cell 4 too cold",
            "raisedWith": "custody sergeant", "raisedAt": (arrived + Duration::minutes(30)).to_rfc3339()
        } }),
    )
    .await);
    caught_up(&app).await;

    let q = "query C($f: CustodyVisitFilter) { custodyVisits(filter: $f, first: 5) { totalCount edges { node { id visitId suite borough minutesOnSite accessDelayMinutes detaineesHeld status issues { issueId category status raisedWith } provenance { positions } } } } }";
    let d = data(
        &query(
            &app,
            q,
            json!({ "f": { "borough": CAMDEN, "issueStatus": "OPEN" } }),
        )
        .await,
    );
    let list = &d["custodyVisits"];
    assert_eq!(list["totalCount"], 1, "{d}");
    let v = &list["edges"][0]["node"];
    assert_eq!(v["id"], format!("CustodyVisit:{visit}"));
    assert_eq!(v["suite"], "HOLBORN");
    assert_eq!(v["minutesOnSite"], 90);
    assert_eq!(v["accessDelayMinutes"], 15);
    assert_eq!(v["status"], "LOGGED");
    assert_eq!(v["issues"][0]["issueId"], issue.to_string());
    assert_eq!(v["issues"][0]["category"], "welfare");
    assert_eq!(v["issues"][0]["status"], "OPEN");
    assert_eq!(v["provenance"]["positions"], json!([2, 3]));

    for f in [
        json!({ "borough": ISLINGTON }),
        json!({ "issueStatus": "RESOLVED" }),
        json!({ "status": "CLOSED" }),
        json!({ "arrivedBefore": (arrived - Duration::days(1)).to_rfc3339() }),
    ] {
        let d = data(&query(&app, q, json!({ "f": f })).await);
        assert_eq!(d["custodyVisits"]["totalCount"], 0, "{f}");
    }
    let n = data(
        &query(
            &app,
            "query N($id: ID!) { node(id: $id) { ... on CustodyVisit { visitId } } }",
            json!({ "id": format!("CustodyVisit:{visit}") }),
        )
        .await,
    );
    assert_eq!(n["node"]["visitId"], visit.to_string());
}

#[tokio::test]
async fn police_complaint_cases_with_allegations() {
    let t = TestStore::new();
    let app = app_as_ada(t.arc());
    let case = Uuid::now_v7();
    data(&query(
        &app,
        "mutation N($input: NotePoliceComplaintCase!) { notePoliceComplaintCase(input: $input) { streamId } }",
        json!({ "input": {
            "caseId": case, "borough": CAMDEN, "reference": "CO/1234/26",
            "receivedOn": "2026-01-05", "notedAt": "2026-01-10T10:00:00Z",
            "summary": "Complaint about a stop in Camden Town"
        } }),
    )
    .await);
    let allegation = Uuid::now_v7();
    let r = query(
        &app,
        "mutation A($id: UUID!, $input: AddPoliceComplaintAllegation!) { addPoliceComplaintAllegation(caseId: $id, input: $input) { streamId } }",
        json!({ "id": case, "input": {
            "allegationId": allegation, "category": "DISCRIMINATORY_BEHAVIOUR",
            "description": "Stopped because of ethnicity", "officersInvolved": 2
        } }),
    )
    .await;
    data(&r);
    caught_up(&app).await;

    let q = "query P($f: PoliceComplaintCaseFilter) { policeComplaintCases(filter: $f) { totalCount edges { node { id caseId reference receivedOn status allegations { allegationId category officersInvolved outcome } provenance { positions } } } } }";
    let d = data(&query(&app, q, json!({ "f": { "borough": CAMDEN, "status": "NOTED", "receivedFrom": "2026-01-01", "receivedBefore": "2026-02-01" } })).await);
    let list = &d["policeComplaintCases"];
    assert_eq!(list["totalCount"], 1, "{d}");
    let c = &list["edges"][0]["node"];
    assert_eq!(c["id"], format!("PoliceComplaintCase:{case}"));
    assert_eq!(c["reference"], "CO/1234/26");
    assert_eq!(c["receivedOn"], "2026-01-05");
    assert_eq!(c["allegations"][0]["allegationId"], allegation.to_string());
    assert_eq!(c["allegations"][0]["officersInvolved"], 2);
    assert_eq!(c["allegations"][0]["outcome"], Value::Null);
    assert_eq!(c["provenance"]["positions"], json!([1, 2]));
    let d = data(&query(&app, q, json!({ "f": { "receivedBefore": "2026-01-05" } })).await);
    assert_eq!(d["policeComplaintCases"]["totalCount"], 0);
    let one = data(
        &query(
            &app,
            "query O($id: UUID!) { policeComplaintCase(caseId: $id) { id } }",
            json!({ "id": case }),
        )
        .await,
    );
    assert_eq!(
        one["policeComplaintCase"]["id"],
        format!("PoliceComplaintCase:{case}")
    );
}

// ---------------------------------------------------------------------------------------
// The remaining read models: boards, ward panels, reference data, stop and search, the
// prevention fund, performance figures, community oversight and partnerships.
// ---------------------------------------------------------------------------------------

/// Run a mutation and return its data (panics with the reply on any error).
async fn mutate(app: &Router, document: &str, variables: Value) -> Value {
    data(&query(app, document, variables).await)
}

/// Run a query that must succeed.
async fn read(app: &Router, document: &str, variables: Value) -> Value {
    data(&query(app, document, variables).await)
}

fn node_ids(page: &Value, field: &str) -> Vec<String> {
    page["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"][field].as_str().unwrap().to_owned())
        .collect()
}

const NODE: &str = "query N($id: ID!) { node(id: $id) { __typename id } }";

async fn node_type(app: &Router, id: &str) -> Value {
    read(app, NODE, json!({ "id": id })).await["node"]["__typename"].clone()
}

#[tokio::test]
async fn boards_meetings_and_action_items() {
    let t = TestStore::new();
    let app = app_as_ada(t.arc());
    let now = Utc::now();
    for (borough, name, on) in [
        (CAMDEN, "Camden SNB", "2014-04-01"),
        (ISLINGTON, "Islington SNB", "2014-06-01"),
    ] {
        mutate(
            &app,
            "mutation E($input: EstablishBoard!) { establishBoard(input: $input) { streamId } }",
            json!({ "input": { "borough": borough, "name": name, "establishedOn": on } }),
        )
        .await;
    }
    let member = Uuid::now_v7();
    mutate(&app, "mutation A($b: BoroughCode!, $input: AppointBoardMember!) { appointBoardMember(borough: $b, input: $input) { streamId } }",
        json!({ "b": CAMDEN, "input": { "memberId": member, "role": "CHAIR", "termStart": "2024-01-01",
            "personal": { "dataSubjectId": Uuid::now_v7(), "fullName": "Sam Chair" } } })).await;
    let mut meetings = Vec::new();
    for days in [30, 20, 10] {
        let id = Uuid::now_v7();
        mutate(&app, "mutation S($b: BoroughCode!, $input: ScheduleBoardMeeting!) { scheduleBoardMeeting(borough: $b, input: $input) { streamId } }",
            json!({ "b": CAMDEN, "input": { "meetingId": id, "kind": "PUBLIC",
                "scheduledFor": (now - Duration::days(days)).to_rfc3339(), "venue": "Town hall", "agenda": ["Priorities"] } })).await;
        meetings.push(id.to_string());
    }
    let before_held = caught_up(&app).await;
    mutate(&app, "mutation H($b: BoroughCode!, $input: RecordBoardMeetingHeld!) { recordBoardMeetingHeld(borough: $b, input: $input) { streamId } }",
        json!({ "b": CAMDEN, "input": { "meetingId": meetings[0], "heldAt": (now - Duration::days(30)).to_rfc3339(),
            "membersPresent": [member], "apologies": [], "publicAttendance": 12 } })).await;
    let action = Uuid::now_v7();
    mutate(&app, "mutation R($b: BoroughCode!, $input: RaiseBoardActionItem!) { raiseBoardActionItem(borough: $b, input: $input) { streamId } }",
        json!({ "b": CAMDEN, "input": { "actionId": action, "meetingId": meetings[0],
            "description": "Report back on knife crime", "owner": "Borough Commander", "dueOn": "2099-01-01" } })).await;
    caught_up(&app).await;

    let boards = read(&app, "{ boards(order: DESCENDING) { totalCount edges { node { id borough name currentMemberCount members(currentOnly: true) { memberId role } } } } }", json!({})).await;
    assert_eq!(boards["boards"]["totalCount"], 2);
    assert_eq!(
        node_ids(&boards["boards"], "borough"),
        [ISLINGTON, CAMDEN],
        "newest first"
    );
    let camden = &boards["boards"]["edges"][1]["node"];
    assert_eq!(camden["currentMemberCount"], 1);
    assert_eq!(camden["members"][0]["role"], "CHAIR");
    let one = read(
        &app,
        "{ board(borough: \"E09000019\") { name } none: board(borough: \"E09000001\") { name } }",
        json!({}),
    )
    .await;
    assert_eq!(one["board"]["name"], "Islington SNB");
    assert_eq!(one["none"], Value::Null);

    let q = "query M($first: Int, $after: String, $filter: BoardMeetingFilter, $asOf: AsOfInput) { boardMeetings(first: $first, after: $after, filter: $filter, asOf: $asOf) { totalCount asOfPosition pageInfo { hasNextPage endCursor } edges { node { meetingId status publicAttendance minutesOutstanding actionItemIds } } } }";
    let p1 = read(&app, q, json!({ "first": 2 })).await["boardMeetings"].clone();
    assert_eq!(p1["totalCount"], 3);
    assert_eq!(node_ids(&p1, "meetingId"), meetings[0..2]);
    assert_eq!(p1["pageInfo"]["hasNextPage"], true);
    assert_eq!(p1["edges"][0]["node"]["status"], "HELD");
    assert_eq!(p1["edges"][0]["node"]["publicAttendance"], 12);
    assert_eq!(p1["edges"][0]["node"]["minutesOutstanding"], true);
    assert_eq!(
        p1["edges"][0]["node"]["actionItemIds"],
        json!([action.to_string()])
    );
    let p2 = read(
        &app,
        q,
        json!({ "first": 2, "after": p1["pageInfo"]["endCursor"] }),
    )
    .await["boardMeetings"]
        .clone();
    assert_eq!(node_ids(&p2, "meetingId"), meetings[2..3]);
    let held = read(
        &app,
        q,
        json!({ "filter": { "status": "HELD", "borough": CAMDEN } }),
    )
    .await["boardMeetings"]
        .clone();
    assert_eq!(held["totalCount"], 1);
    let past = read(
        &app,
        q,
        json!({ "filter": { "status": "HELD" }, "asOf": { "position": before_held } }),
    )
    .await["boardMeetings"]
        .clone();
    assert_eq!(past["totalCount"], 0, "not yet held at that position");
    assert_eq!(past["asOfPosition"], before_held);

    let actions = read(&app, "query A($m: UUID!) { open: actionItems(filter: { meetingId: $m, status: OPEN }) { totalCount edges { node { actionId owner dueOn status } } } overdue: actionItems(filter: { status: OVERDUE }) { totalCount } }", json!({ "m": meetings[0] })).await;
    assert_eq!(actions["open"]["totalCount"], 1);
    assert_eq!(
        actions["open"]["edges"][0]["node"]["owner"],
        "Borough Commander"
    );
    assert_eq!(actions["overdue"]["totalCount"], 0);
    let later = read(
        &app,
        "query A($id: UUID!) { actionItem(actionId: $id) { status(on: \"2099-01-02\") } }",
        json!({ "id": action }),
    )
    .await;
    assert_eq!(later["actionItem"]["status"], "OVERDUE");

    assert_eq!(node_type(&app, "Board:E09000007").await, "Board");
    assert_eq!(
        node_type(&app, &format!("BoardMeeting:{}", meetings[1])).await,
        "BoardMeeting"
    );
    assert_eq!(
        node_type(&app, &format!("ActionItem:{action}")).await,
        "ActionItem"
    );
    assert_eq!(
        node_type(&app, &format!("ActionItem:{}", Uuid::now_v7())).await,
        Value::Null
    );
    let r = query(&app, NODE, json!({ "id": "BoardMeeting:nope" })).await;
    assert_eq!(r.codes(), vec!["VALIDATION".to_owned()], "{}", r.text());
    let r = query(
        &app,
        q,
        json!({ "first": 1, "after": "key:zzz-not-from-here" }),
    )
    .await;
    assert_eq!(r.status, 200);
    let r = query(&app, q, json!({ "first": 1, "after": "position:1" })).await;
    assert_eq!(r.codes(), vec!["VALIDATION".to_owned()], "{}", r.text());
}

async fn register_ward(app: &Router, ward: &str, name: &str, borough: &str) {
    mutate(
        app,
        "mutation W($input: RegisterWard!) { registerWard(input: $input) { streamId } }",
        json!({ "input": { "ward": ward, "name": name, "borough": borough, "source": "test" } }),
    )
    .await;
}

#[tokio::test]
async fn reference_data_and_ward_panels() {
    let t = TestStore::new();
    let app = app_as_ada(t.arc());
    register_ward(&app, "E05000129", "Belsize", CAMDEN).await;
    register_ward(&app, "E05000130", "Bloomsbury", CAMDEN).await;
    register_ward(&app, "E05000367", "Barnsbury", ISLINGTON).await;
    mutate(&app, "mutation { registerCustodySuite(input: { suite: \"HOLBORN\", name: \"Holborn\", borough: \"E09000007\", cells: 20 }) { streamId } }", json!({})).await;
    let before_panels = caught_up(&app).await;
    for (ward, on) in [("E05000130", "2015-01-01"), ("E05000129", "2014-01-01")] {
        mutate(
            &app,
            "mutation F($input: FormWardPanel!) { formWardPanel(input: $input) { streamId } }",
            json!({ "input": { "ward": ward, "borough": CAMDEN, "formedOn": on } }),
        )
        .await;
    }
    caught_up(&app).await;

    let wards = read(&app, "{ wards(filter: { borough: \"E09000007\" }) { totalCount edges { node { id code name borough } } } all: wards(order: DESCENDING, first: 1) { totalCount edges { node { code } } } }", json!({})).await;
    assert_eq!(wards["wards"]["totalCount"], 2);
    assert_eq!(
        node_ids(&wards["wards"], "code"),
        ["E05000129", "E05000130"]
    );
    assert_eq!(wards["all"]["totalCount"], 3);
    assert_eq!(node_ids(&wards["all"], "code"), ["E05000367"]);
    let one = read(&app, "{ ward(code: \"E05000367\") { name borough } custodySuite(suite: \"HOLBORN\") { name cells borough } custodySuites(filter: { closed: false }) { totalCount } }", json!({})).await;
    assert_eq!(one["ward"]["name"], "Barnsbury");
    assert_eq!(one["custodySuite"]["cells"], 20);
    assert_eq!(one["custodySuites"]["totalCount"], 1);
    let boroughs = read(&app, "{ boroughs { code name currentWards openCustodySuites } borough(code: \"E09000007\") { name currentWards } }", json!({})).await;
    assert_eq!(boroughs["boroughs"].as_array().unwrap().len(), 33);
    assert_eq!(boroughs["borough"]["name"], "Camden");
    assert_eq!(boroughs["borough"]["currentWards"], 2);
    assert_eq!(node_type(&app, "Ward:E05000129").await, "Ward");
    assert_eq!(
        node_type(&app, "CustodySuite:HOLBORN").await,
        "CustodySuite"
    );
    assert_eq!(node_type(&app, "Ward:E05999999").await, Value::Null);

    let q = "query P($filter: WardPanelFilter, $asOf: AsOfInput) { wardPanels(filter: $filter, asOf: $asOf) { totalCount edges { node { id ward borough formedOn currentMemberCount meetings { meetingId } provenance { positions } } } } }";
    let panels = read(&app, q, json!({})).await["wardPanels"].clone();
    assert_eq!(panels["totalCount"], 2);
    assert_eq!(
        node_ids(&panels, "ward"),
        ["E05000129", "E05000130"],
        "oldest panel first"
    );
    let past =
        read(&app, q, json!({ "asOf": { "position": before_panels } })).await["wardPanels"].clone();
    assert_eq!(past["totalCount"], 0);
    let r = query(&app, q, json!({ "filter": { "met": true } })).await;
    assert_eq!(r.codes(), vec!["VALIDATION".to_owned()], "{}", r.text());
    let none_met = read(&app, q, json!({ "filter": { "met": false, "metFrom": "2020-01-01T00:00:00Z", "metBefore": "2030-01-01T00:00:00Z" } })).await;
    assert_eq!(none_met["wardPanels"]["totalCount"], 2);
    let single = read(
        &app,
        "{ wardPanel(ward: \"E05000129\") { formedOn } }",
        json!({}),
    )
    .await;
    assert_eq!(single["wardPanel"]["formedOn"], "2014-01-01");
    assert_eq!(node_type(&app, "WardPanel:E05000130").await, "WardPanel");
}

#[tokio::test]
async fn fund_rounds_and_bids() {
    let t = TestStore::new();
    let app = app_as_ada(t.arc());
    let now = Utc::now();
    let round = Uuid::now_v7();
    mutate(&app, "mutation O($input: OpenFundRound!) { openFundRound(input: $input) { streamId } }",
        json!({ "input": { "roundId": round, "name": "2026/27", "potPence": 10_000_000,
            "opensAt": (now - Duration::days(10)).to_rfc3339(), "closesAt": (now + Duration::days(10)).to_rfc3339() } })).await;
    let mut bids = Vec::new();
    for (borough, days) in [(CAMDEN, 5), (ISLINGTON, 4), (CAMDEN, 3)] {
        let id = Uuid::now_v7();
        mutate(&app, "mutation S($input: SubmitPreventionBid!) { submitPreventionBid(input: $input) { streamId } }",
            json!({ "input": { "bidId": id, "roundId": round, "borough": borough, "projectTitle": "Youth diversion",
                "projectSummary": "Evening sessions", "amountPence": 500_000,
                "outcomes": [{ "description": "Fewer first-time entrants", "measure": "FTE count", "target": "-10%" }],
                "submittedAt": (now - Duration::days(days)).to_rfc3339() } })).await;
        bids.push(id.to_string());
    }
    caught_up(&app).await;
    let rounds = read(&app, "{ fundRounds(filter: { status: OPEN }) { totalCount edges { node { roundId name potPence status } } } }", json!({})).await;
    assert_eq!(rounds["fundRounds"]["totalCount"], 1);
    assert_eq!(
        rounds["fundRounds"]["edges"][0]["node"]["potPence"],
        10_000_000
    );
    let q = "query B($filter: PreventionBidFilter, $last: Int, $before: String) { preventionBids(filter: $filter, last: $last, before: $before) { totalCount pageInfo { hasPreviousPage startCursor } edges { node { bidId borough status requestedPence outcomes { description achieved } } } } }";
    let camden = read(
        &app,
        q,
        json!({ "filter": { "borough": CAMDEN, "roundId": round } }),
    )
    .await["preventionBids"]
        .clone();
    assert_eq!(camden["totalCount"], 2);
    assert_eq!(
        node_ids(&camden, "bidId"),
        [bids[0].clone(), bids[2].clone()]
    );
    assert_eq!(camden["edges"][0]["node"]["status"], "SUBMITTED");
    assert_eq!(
        camden["edges"][0]["node"]["outcomes"][0]["achieved"],
        Value::Null
    );
    let l1 = read(&app, q, json!({ "last": 1 })).await["preventionBids"].clone();
    assert_eq!(node_ids(&l1, "bidId"), bids[2..3]);
    assert_eq!(l1["pageInfo"]["hasPreviousPage"], true);
    let l2 = read(
        &app,
        q,
        json!({ "last": 5, "before": l1["pageInfo"]["startCursor"] }),
    )
    .await["preventionBids"]
        .clone();
    assert_eq!(node_ids(&l2, "bidId"), bids[0..2]);
    let r = query(
        &app,
        "{ preventionBids(last: 501) { totalCount } }",
        json!({}),
    )
    .await;
    assert_eq!(
        r.codes(),
        vec!["VALIDATION".to_owned()],
        "page size is capped: {}",
        r.text()
    );
    let one = read(&app, "query O($r: UUID!, $b: UUID!) { fundRound(roundId: $r) { name } preventionBid(bidId: $b) { projectTitle } }", json!({ "r": round, "b": bids[1] })).await;
    assert_eq!(one["fundRound"]["name"], "2026/27");
    assert_eq!(one["preventionBid"]["projectTitle"], "Youth diversion");
    assert_eq!(
        node_type(&app, &format!("PreventionBid:{}", bids[0])).await,
        "PreventionBid"
    );
    assert_eq!(
        node_type(&app, &format!("FundRound:{round}")).await,
        "FundRound"
    );
}

#[tokio::test]
async fn performance_figures_and_confidence_trend() {
    let t = TestStore::new();
    let app = app_as_ada(t.arc());
    let crime = "mutation C($input: RecordCrimeFigures!) { recordCrimeFigures(input: $input) { streamId } }";
    for (from, to, count) in [
        ("2024-01-01", "2024-01-31", 40),
        ("2024-02-01", "2024-02-29", 35),
    ] {
        mutate(&app, crime, json!({ "input": { "borough": CAMDEN, "period": { "from": from, "to": to },
            "category": "BURGLARY", "count": count, "source": { "kind": "POLICE_UK", "reference": "test.csv" } } })).await;
    }
    let before_fix = caught_up(&app).await;
    mutate(&app, crime, json!({ "input": { "borough": CAMDEN, "period": { "from": "2024-01-01", "to": "2024-01-31" },
        "category": "BURGLARY", "count": 42, "source": { "kind": "POLICE_UK", "reference": "test-v2.csv" },
        "correctionReason": "late records" } })).await;
    let conf = "mutation P($input: RecordConfidenceSurveyResult!) { recordConfidenceSurveyResult(input: $input) { streamId } }";
    for (from, to, percent) in [
        ("2023-04-01", "2023-06-30", 70),
        ("2023-07-01", "2023-09-30", 66),
    ] {
        mutate(
            &app,
            conf,
            json!({ "input": { "borough": CAMDEN, "period": { "from": from, "to": to },
            "measure": "GOOD_JOB", "percent": percent, "sampleSize": 400,
            "source": { "kind": "MOPAC_PUBLIC_ATTITUDE_SURVEY", "reference": "pas.csv" } } }),
        )
        .await;
    }
    caught_up(&app).await;

    let q = "query F($filter: CrimeFigureFilter, $asOf: AsOfInput) { crimeFigures(filter: $filter, asOf: $asOf) { totalCount edges { node { id count revision previousCount corrected periodFrom history { value } } } } }";
    let all = read(
        &app,
        q,
        json!({ "filter": { "borough": CAMDEN, "category": "BURGLARY" } }),
    )
    .await["crimeFigures"]
        .clone();
    assert_eq!(all["totalCount"], 2);
    let jan = &all["edges"][0]["node"];
    assert_eq!(jan["periodFrom"], "2024-01-01");
    assert_eq!(jan["count"], 42);
    assert_eq!(jan["previousCount"], 40);
    assert_eq!(jan["corrected"], true);
    assert_eq!(jan["history"], json!([{ "value": 40 }, { "value": 42 }]));
    let corrected = read(&app, q, json!({ "filter": { "corrected": true } })).await["crimeFigures"]
        ["totalCount"]
        .clone();
    assert_eq!(corrected, 1);
    let feb = read(
        &app,
        q,
        json!({ "filter": { "periodFrom": "2024-02-10", "periodTo": "2024-02-11" } }),
    )
    .await["crimeFigures"]
        .clone();
    assert_eq!(feb["totalCount"], 1);
    assert_eq!(feb["edges"][0]["node"]["count"], 35);
    let past = read(
        &app,
        q,
        json!({ "filter": { "periodTo": "2024-01-31" }, "asOf": { "position": before_fix } }),
    )
    .await["crimeFigures"]
        .clone();
    assert_eq!(
        past["edges"][0]["node"]["count"], 40,
        "before the correction"
    );
    let id = jan["id"].as_str().unwrap().to_owned();
    assert_eq!(id, "CrimeFigure:E09000007/-/2024-01-01/2024-01-31/burglary");
    assert_eq!(node_type(&app, &id).await, "CrimeFigure");

    let c = read(&app, "{ confidenceResults(filter: { measure: GOOD_JOB }, order: DESCENDING) { totalCount edges { node { id percent periodFrom } } } confidenceTrend(borough: \"E09000007\", measure: GOOD_JOB) { periodFrom percent change } }", json!({})).await;
    assert_eq!(c["confidenceResults"]["totalCount"], 2);
    assert_eq!(
        c["confidenceResults"]["edges"][0]["node"]["percent"], 66,
        "newest first"
    );
    assert_eq!(c["confidenceTrend"][1]["change"], -4);
    let cid = c["confidenceResults"]["edges"][0]["node"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(node_type(&app, &cid).await, "ConfidenceResult");
    let r = query(
        &app,
        "{ confidenceTrend(borough: \"E0900\", measure: GOOD_JOB) { percent } }",
        json!({}),
    )
    .await;
    assert_eq!(r.codes(), vec!["VALIDATION".to_owned()], "{}", r.text());
}

#[tokio::test]
async fn community_oversight_and_partnerships() {
    let t = TestStore::new();
    let app = app_as_ada(t.arc());
    let project = Uuid::now_v7();
    mutate(&app, "mutation N($input: NominateCommunityPaybackProject!) { nominateCommunityPaybackProject(input: $input) { streamId } }",
        json!({ "input": { "projectId": project, "borough": CAMDEN, "title": "Clear the towpath", "description": "Litter and graffiti",
            "nominatedBy": "PUBLIC", "nominatedOn": "2025-03-01" } })).await;
    let iag = Uuid::now_v7();
    let pan_london_iag = Uuid::now_v7();
    for (id, borough) in [(iag, Some(CAMDEN)), (pan_london_iag, None)] {
        mutate(&app, "mutation I($input: RegisterIag!) { registerIag(input: $input) { streamId } }",
            json!({ "input": { "iagId": id, "borough": borough, "name": "An IAG", "focus": "Stop and search", "registeredOn": "2024-05-01" } })).await;
    }
    let scheme = Uuid::now_v7();
    mutate(&app, "mutation W($input: RegisterNeighbourhoodWatchScheme!) { registerNeighbourhoodWatchScheme(input: $input) { streamId } }",
        json!({ "input": { "schemeId": scheme, "borough": ISLINGTON, "name": "Barnsbury Street", "households": 40, "registeredOn": "2024-02-01" } })).await;
    let group = Uuid::now_v7();
    mutate(&app, "mutation J($input: JoinLcp2!) { joinLcp2(input: $input) { streamId } }",
        json!({ "input": { "groupId": group, "name": "Camden SNB", "kind": "SNB", "borough": CAMDEN, "joinedOn": "2023-01-01" } })).await;
    mutate(&app, "mutation C($input: ConstitutePartnershipBoard!) { constitutePartnershipBoard(input: $input) { streamId } }",
        json!({ "input": { "board": "LCRB", "constitutedOn": "2022-01-01", "termsOfReference": "tor-v1.pdf" } })).await;
    caught_up(&app).await;

    let c = read(&app, "{ paybackProjects(filter: { borough: \"E09000007\", status: NOMINATED }) { totalCount edges { node { projectId title nominatedBy status } } } \
        iags(filter: { panLondon: true }) { totalCount edges { node { iagId borough } } } boroughIags: iags(filter: { borough: \"E09000007\" }) { totalCount } \
        watchSchemes(filter: { borough: \"E09000019\" }) { totalCount edges { node { name households coordinatorDataSubjectId } } } }", json!({})).await;
    assert_eq!(c["paybackProjects"]["totalCount"], 1);
    assert_eq!(
        c["paybackProjects"]["edges"][0]["node"]["nominatedBy"],
        "PUBLIC"
    );
    assert_eq!(c["iags"]["totalCount"], 1);
    assert_eq!(
        c["iags"]["edges"][0]["node"]["iagId"],
        pan_london_iag.to_string()
    );
    assert_eq!(c["boroughIags"]["totalCount"], 1);
    assert_eq!(c["watchSchemes"]["edges"][0]["node"]["households"], 40);
    for id in [
        format!("PaybackProject:{project}"),
        format!("Iag:{iag}"),
        format!("WatchScheme:{scheme}"),
        format!("Lcp2Group:{group}"),
        "PartnershipBoard:lcrb".to_owned(),
    ] {
        let kind = id.split(':').next().unwrap().to_owned();
        assert_eq!(node_type(&app, &id).await, kind.as_str(), "{id}");
    }

    let p = read(&app, "{ lcp2Groups(filter: { current: true, kind: SNB }) { totalCount edges { node { name borough memberSince current } } } \
        lcp2 { currentGroupCount chairsForums { forumId } } partnershipBoards { board constitutedOn termsOfReference { version reference } } \
        partnershipBoard(board: LCSP) { name } }", json!({})).await;
    assert_eq!(p["lcp2Groups"]["totalCount"], 1);
    assert_eq!(
        p["lcp2Groups"]["edges"][0]["node"]["memberSince"],
        "2023-01-01"
    );
    assert_eq!(p["lcp2"]["currentGroupCount"], 1);
    assert_eq!(p["partnershipBoards"][0]["board"], "LCRB");
    assert_eq!(
        p["partnershipBoards"][0]["termsOfReference"][0]["reference"],
        "tor-v1.pdf"
    );
    assert_eq!(p["partnershipBoard"], Value::Null, "LCSP not constituted");
}

#[tokio::test]
async fn stop_search_batches() {
    let t = TestStore::new();
    let app = app_as_ada(t.arc());
    let now = Utc::now();
    let mut batches = Vec::new();
    for (borough, from, to, days) in [
        (CAMDEN, "2018-06-01", "2018-06-30", 3),
        (CAMDEN, "2018-07-01", "2018-07-31", 2),
        (ISLINGTON, "2018-07-01", "2018-07-31", 1),
    ] {
        let id = Uuid::now_v7();
        mutate(&app, "mutation I($input: ImportStopSearchRecords!) { importStopSearchRecords(input: $input) { streamId } }",
            json!({ "input": { "batchId": id, "borough": borough, "period": { "from": from, "to": to },
                "source": { "publisher": "data.police.uk", "force": "metropolitan", "fileName": "x.csv" },
                "recordsRead": 10, "recordsAccepted": 9, "recordsRejected": 1,
                "byOfficerDefinedEthnicity": { "White": 5, "Black": 4 }, "byOutcome": { "Arrest": 2, "A no further action disposal": 7 },
                "importedAt": (now - Duration::days(days)).to_rfc3339() } })).await;
        batches.push(id.to_string());
    }
    caught_up(&app).await;
    let q = "query B($filter: StopSearchBatchFilter) { stopSearchBatches(filter: $filter) { totalCount edges { node { id batchId borough periodFrom recordsAccepted byOutcome { label count } samples { sampleId } concerns { concernId } } } } }";
    let camden =
        read(&app, q, json!({ "filter": { "borough": CAMDEN } })).await["stopSearchBatches"]
            .clone();
    assert_eq!(camden["totalCount"], 2);
    assert_eq!(node_ids(&camden, "batchId"), batches[0..2]);
    assert_eq!(
        camden["edges"][0]["node"]["byOutcome"],
        json!([{ "label": "A no further action disposal", "count": 7 }, { "label": "Arrest", "count": 2 }])
    );
    let july = read(
        &app,
        q,
        json!({ "filter": { "periodFrom": "2018-07-15", "periodTo": "2018-07-15" } }),
    )
    .await["stopSearchBatches"]
        .clone();
    assert_eq!(node_ids(&july, "batchId"), batches[1..3]);
    let sampled = read(&app, q, json!({ "filter": { "sampled": true } })).await["stopSearchBatches"]["totalCount"].clone();
    assert_eq!(sampled, 0);
    let one = read(
        &app,
        "query O($id: UUID!) { stopSearchBatch(batchId: $id) { recordsRead sourcePublisher } }",
        json!({ "id": batches[2] }),
    )
    .await;
    assert_eq!(one["stopSearchBatch"]["sourcePublisher"], "data.police.uk");
    assert_eq!(
        node_type(&app, &format!("StopSearchBatch:{}", batches[0])).await,
        "StopSearchBatch"
    );
}

#[tokio::test]
async fn audit_trail_pages_filtered_and_unfiltered() {
    let t = TestStore::new();
    let app = app_as_ada(t.arc());
    let now = Utc::now();
    for days in 1..=4 {
        raise(&app, Uuid::now_v7(), CAMDEN, now - Duration::days(days)).await;
    }
    append(&t.store, "other-stream", "SomethingElse", 3).await;
    caught_up(&app).await;
    let q = "query A($filter: AuditTrailFilter, $first: Int, $after: String, $last: Int, $before: String) { auditTrail(filter: $filter, first: $first, after: $after, last: $last, before: $before) { totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { node { position } } } }";
    let positions = |v: &Value| -> Vec<u64> {
        v["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["node"]["position"].as_u64().unwrap())
            .collect()
    };
    // Unfiltered: every event, forward then backward.
    let p1 = read(&app, q, json!({ "first": 3 })).await["auditTrail"].clone();
    assert_eq!(p1["totalCount"], 7);
    assert_eq!(positions(&p1), [1, 2, 3]);
    assert_eq!(p1["pageInfo"]["hasNextPage"], true);
    assert_eq!(p1["pageInfo"]["hasPreviousPage"], false);
    let p2 = read(
        &app,
        q,
        json!({ "first": 10, "after": p1["pageInfo"]["endCursor"] }),
    )
    .await["auditTrail"]
        .clone();
    assert_eq!(positions(&p2), [4, 5, 6, 7]);
    assert_eq!(p2["pageInfo"]["hasNextPage"], false);
    assert_eq!(p2["pageInfo"]["hasPreviousPage"], true);
    let l1 =
        read(&app, q, json!({ "last": 2, "before": "position:7" })).await["auditTrail"].clone();
    assert_eq!(positions(&l1), [5, 6]);
    assert_eq!(l1["pageInfo"]["hasNextPage"], true);
    let mid = read(
        &app,
        q,
        json!({ "first": 10, "after": "position:2", "before": "position:5" }),
    )
    .await["auditTrail"]
        .clone();
    assert_eq!(positions(&mid), [3, 4]);
    // Filtered: the same paging over the matches only.
    let f = json!({ "eventType": "SomethingElse" });
    let f1 = read(&app, q, json!({ "filter": f, "first": 2 })).await["auditTrail"].clone();
    assert_eq!(f1["totalCount"], 3);
    assert_eq!(positions(&f1), [5, 6]);
    assert_eq!(f1["pageInfo"]["hasNextPage"], true);
    let f2 = read(
        &app,
        q,
        json!({ "filter": f, "last": 2, "before": "position:7" }),
    )
    .await["auditTrail"]
        .clone();
    assert_eq!(positions(&f2), [5, 6]);
    assert_eq!(f2["pageInfo"]["hasPreviousPage"], false);
    let r = query(&app, q, json!({ "first": 1, "after": "key:x" })).await;
    assert_eq!(r.codes(), vec!["VALIDATION".to_owned()], "{}", r.text());
}
