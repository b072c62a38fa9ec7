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
