//! Access control over real HTTP (a server on a loopback port, requests written by hand on
//! a TCP socket) with real tokens: the authorization matrix of every role × every mutation
//! of the domain and every class of query, with the expected matrix written out here
//! independently of the server's policy table; plus expired and forged tokens, the actor
//! taken from the token, redaction of personal data, the record of personal data shown, and
//! rate limits.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::sync::Arc;

use chrono::{Duration, Utc};
use common::TestStore;
use engage_access::token::{Claims, now_seconds};
use engage_access::{Role, Verifier, VerifierConfig, issue};
use engage_log::{EventStore, StreamId};
use engage_server::ratelimit::RateLimits;
use engage_server::{AccessConfig, ServerConfig};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::oneshot;
use uuid::Uuid;

const SECRET: &[u8] = b"access-tests-secret-access-tests-secret";
const CAMDEN: &str = "E09000007";
const HACKNEY: &str = "E09000012";
const KENTISH_TOWN: &str = "E05000138";

// ---------------------------------------------------------------------------------------
// A server and a hand-written HTTP client
// ---------------------------------------------------------------------------------------

struct Server {
    addr: SocketAddr,
    _stop: oneshot::Sender<()>,
}

async fn start(store: Arc<dyn EventStore>, rate_limits: RateLimits) -> Server {
    let verifier = Verifier::new(&VerifierConfig {
        secret: Some(SECRET.to_vec()),
        ..VerifierConfig::default()
    })
    .expect("verifier");
    let config = ServerConfig {
        access: AccessConfig {
            verifier: Some(Arc::new(verifier)),
            dev_actor: None,
            rate_limits,
        },
        ..ServerConfig::default()
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("address");
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(engage_server::serve_on(
        listener,
        config,
        store,
        async move {
            let _ = stopped.await;
        },
    ));
    Server { addr, _stop: stop }
}

struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Value,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn codes(&self) -> Vec<String> {
        self.body["errors"]
            .as_array()
            .map(|errs| {
                errs.iter()
                    .map(|e| {
                        e["extensions"]["code"]
                            .as_str()
                            .unwrap_or("<none>")
                            .to_owned()
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    fn forbidden(&self) -> bool {
        self.codes().iter().any(|c| c == "FORBIDDEN")
    }
}

/// POST a GraphQL request over a fresh TCP connection, HTTP/1.1 written by hand.
async fn post(
    addr: SocketAddr,
    token: Option<&str>,
    extra_headers: &[(&str, &str)],
    query: &str,
    variables: Value,
) -> Reply {
    let body = json!({ "query": query, "variables": variables }).to_string();
    let mut head = format!(
        "POST /graphql HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nAccept: application/json\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    if let Some(token) = token {
        head.push_str(&format!("Authorization: Bearer {token}\r\n"));
    }
    for (name, value) in extra_headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    stream.write_all(head.as_bytes()).await.expect("write");
    stream.write_all(body.as_bytes()).await.expect("write");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.expect("read");
    let text = String::from_utf8(raw).expect("utf-8 response");
    let (head, body) = text.split_once("\r\n\r\n").expect("a head and a body");
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .expect("status line");
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let body = serde_json::from_str(body).unwrap_or(Value::String(body.to_owned()));
    Reply {
        status,
        headers,
        body,
    }
}

fn token_for(role: Role, boroughs: &[&str], wards: &[&str]) -> String {
    let now = now_seconds();
    issue(
        &Claims {
            sub: format!("{}-1", role.as_str()),
            role,
            org: format!("{}-org", role.as_str()),
            boroughs: boroughs.iter().map(|b| (*b).to_owned()).collect(),
            wards: wards.iter().map(|w| (*w).to_owned()).collect(),
            iat: now,
            exp: now + 3600,
            nbf: None,
            iss: None,
            aud: None,
        },
        SECRET,
    )
    .expect("token")
}

/// A token for every role; the roles tied to places are scoped to Camden (Kentish Town for
/// ward panel members).
fn camden_tokens() -> BTreeMap<Role, Option<String>> {
    Role::ALL
        .into_iter()
        .map(|role| {
            let token = match role {
                Role::Public => None,
                Role::BoardMember | Role::BoardChair | Role::CustodyVisitor => {
                    Some(token_for(role, &[CAMDEN], &[]))
                }
                Role::WardPanelMember => Some(token_for(role, &[], &[KENTISH_TOWN])),
                _ => Some(token_for(role, &[], &[])),
            };
            (role, token)
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// Inputs for every mutation, generated from the served schema
// ---------------------------------------------------------------------------------------

const INTROSPECTION: &str = r#"{ __schema {
  mutationType { fields { name args { name type { ...T } } } }
  types { kind name isOneOf enumValues { name } inputFields { name defaultValue type { ...T } } }
} }
fragment T on __Type { kind name ofType { kind name ofType { kind name ofType { kind name } } } }"#;

struct Schema {
    mutations: Vec<Value>,
    types: BTreeMap<String, Value>,
}

impl Schema {
    async fn load(addr: SocketAddr) -> Self {
        let r = post(addr, None, &[], INTROSPECTION, json!({})).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let schema = &r.body["data"]["__schema"];
        let mutations = schema["mutationType"]["fields"]
            .as_array()
            .expect("mutations")
            .clone();
        let types = schema["types"]
            .as_array()
            .expect("types")
            .iter()
            .map(|t| (t["name"].as_str().unwrap_or("").to_owned(), t.clone()))
            .collect();
        Self { mutations, types }
    }

    /// `UUID!`, `[String!]`, ...
    fn type_text(t: &Value) -> String {
        match t["kind"].as_str() {
            Some("NON_NULL") => format!("{}!", Self::type_text(&t["ofType"])),
            Some("LIST") => format!("[{}]", Self::type_text(&t["ofType"])),
            _ => t["name"].as_str().unwrap_or("").to_owned(),
        }
    }

    /// A value of type `t` for a field or argument called `name`: Camden for places,
    /// fresh ids, times in the recent past, the first value of enums, every required
    /// field of input objects (and `borough`/`ward` even when optional).
    fn value(&self, name: &str, t: &Value) -> Value {
        match t["kind"].as_str() {
            Some("NON_NULL") => self.value(name, &t["ofType"]),
            Some("LIST") => json!([]),
            Some("ENUM") => {
                let named = &self.types[t["name"].as_str().unwrap_or("")];
                named["enumValues"][0]["name"].clone()
            }
            Some("INPUT_OBJECT") => {
                let named = &self.types[t["name"].as_str().unwrap_or("")];
                let fields = named["inputFields"].as_array().cloned().unwrap_or_default();
                let mut out = serde_json::Map::new();
                if named["isOneOf"] == true {
                    let f = &fields[0];
                    let fname = f["name"].as_str().unwrap_or("");
                    out.insert(fname.to_owned(), self.value(fname, &f["type"]));
                    return Value::Object(out);
                }
                for f in &fields {
                    let fname = f["name"].as_str().unwrap_or("");
                    let required = f["type"]["kind"] == "NON_NULL" && f["defaultValue"].is_null();
                    if required || fname == "borough" || fname == "ward" {
                        out.insert(fname.to_owned(), self.value(fname, &f["type"]));
                    }
                }
                Value::Object(out)
            }
            _ => match (name, t["name"].as_str().unwrap_or("")) {
                ("borough", _) | (_, "BoroughCode") => json!(CAMDEN),
                ("ward", _) | (_, "WardCode") => json!(KENTISH_TOWN),
                (_, "UUID") => json!(Uuid::now_v7()),
                (_, "DateTime") => json!((Utc::now() - Duration::days(10)).to_rfc3339()),
                (_, "NaiveDate") | (_, "Date") => json!("2024-01-15"),
                (_, "Int") => json!(1),
                (_, "Float") => json!(1.0),
                (_, "Boolean") => json!(true),
                (_, "JSON") | (_, "JSONObject") => json!({}),
                _ => json!("x1"),
            },
        }
    }

    /// The request for mutation `field` with generated arguments (not `options`).
    fn request(&self, field: &Value) -> (String, Value) {
        let name = field["name"].as_str().unwrap_or("");
        let mut params = Vec::new();
        let mut args = Vec::new();
        let mut variables = serde_json::Map::new();
        for arg in field["args"].as_array().into_iter().flatten() {
            let arg_name = arg["name"].as_str().unwrap_or("");
            if arg_name == "options" {
                continue;
            }
            params.push(format!("${arg_name}: {}", Self::type_text(&arg["type"])));
            args.push(format!("{arg_name}: ${arg_name}"));
            variables.insert(arg_name.to_owned(), self.value(arg_name, &arg["type"]));
        }
        // Every command returns a `CommandResult` but erasure, which has its own result.
        let selection = if name == "eraseDataSubject" {
            "dataSubjectId"
        } else {
            "command"
        };
        let query = format!(
            "mutation M({}) {{ {name}({}) {{ {selection} }} }}",
            params.join(", "),
            args.join(", ")
        );
        (query, Value::Object(variables))
    }

    fn mutation(&self, name: &str) -> &Value {
        self.mutations
            .iter()
            .find(|m| m["name"] == name)
            .unwrap_or_else(|| panic!("no mutation {name}"))
    }
}

/// `RaiseVictimComplaint` -> `raiseVictimComplaint`.
fn mutation_name(command: &str) -> String {
    let mut chars = command.chars();
    chars
        .next()
        .map(|c| c.to_ascii_lowercase().to_string() + chars.as_str())
        .unwrap_or_default()
}

// ---------------------------------------------------------------------------------------
// The expected matrix, written out independently of the policy table
// ---------------------------------------------------------------------------------------

/// Who may give each command (m: board member, c: board chair, v: custody visitor,
/// p: ward panel member, o: MOPAC officer, a: administrator). Nobody else: never the
/// public, MOPAC analysts or auditors.
const EXPECTED_COMMANDS: &str = "
EstablishBoard o a
AppointBoardMember c o a
StandDownBoardMember c o a
ScheduleBoardMeeting m c a
RecordBoardMeetingHeld m c a
CancelBoardMeeting m c a
PublishBoardMinutes c a
RaiseBoardActionItem m c a
CompleteBoardActionItem m c a
RaiseVictimComplaint m c a
AcknowledgeVictimComplaint m c a
ReferVictimComplaint m c a
RecordVictimComplaintResponse m c a
ResolveVictimComplaint m c a
ReviewVictimComplaint c a
ProposePriority m c p a
SetPriority c a
ReportPriorityProgress m c p a
ReviewPriority c a
ClosePriority c a
PublishPriorityFeedback c a
OpenFundRound o a
CloseFundRound o a
SubmitPreventionBid m c a
AssessPreventionBid o a
ApprovePreventionBid o a
RejectPreventionBid o a
WithdrawPreventionBid c a
ReleasePreventionFunds o a
ReportPreventionBidMilestone m c a
ReportPreventionBidOutcome m c a
FormWardPanel c o a
JoinWardPanel p c a
LeaveWardPanel p c a
RecordWardPanelMeeting p c a
AgreeWardPanelPriority p c a
LogCustodyVisit v a
RecordCustodyVisitEncounter v a
RaiseCustodyVisitIssue v a
EscalateCustodyVisitIssue v a
ResolveCustodyVisitIssue v o a
CloseCustodyVisit v a
ImportStopSearchRecords o a
SelectStopSearchSample m c a
ReviewStopSearchRecord m c a
RaiseStopSearchConcern m c a
RecordStopSearchPoliceResponse m c a
CloseStopSearchConcern m c a
NotePoliceComplaintCase m c o a
AddPoliceComplaintAllegation m c o a
RecordPoliceComplaintHandlingRoute m c o a
RecordPoliceComplaintAllegationOutcome m c o a
RecordPoliceComplaintLearning m c o a
ClosePoliceComplaintCase m c o a
RegisterWard o a
RetireWard o a
RegisterCustodySuite o a
CloseCustodySuite o a
RecordCrimeFigures o a
RecordConfidenceSurveyResult o a
NominateCommunityPaybackProject m c p a
SelectCommunityPaybackProject o a
DeclineCommunityPaybackProject o a
CompleteCommunityPaybackProject o a
RegisterIag o a
ObserveIagMeeting o a
RecordIagAdvice o a
RegisterNeighbourhoodWatchScheme m c p o a
GiveNeighbourhoodWatchSupport m c p o a
JoinLcp2 o a
LeaveLcp2 o a
HoldLcp2ChairsForum o a
DeliverLcp2Training o a
PublishLcp2BestPracticeDigest o a
IssueLcp2EBulletin o a
CanvassLcp2MembersViews o a
ConstitutePartnershipBoard o a
JoinPartnershipBoard o a
LeavePartnershipBoard o a
RecordPartnershipBoardMeeting o a
AgreePartnershipBoardTheme o a
AdoptPartnershipBoardTermsOfReference o a
PublishPartnershipBoardWorkPlan o a
MakePartnershipBoardRepresentation o a
EraseDataSubject a
";

fn letter(role: Role) -> char {
    match role {
        Role::Public => '-',
        Role::BoardMember => 'm',
        Role::BoardChair => 'c',
        Role::CustodyVisitor => 'v',
        Role::WardPanelMember => 'p',
        Role::MopacOfficer => 'o',
        Role::MopacAnalyst => 'n',
        Role::Auditor => 'u',
        Role::Administrator => 'a',
    }
}

fn expected_commands() -> BTreeMap<String, BTreeSet<char>> {
    EXPECTED_COMMANDS
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let mut words = l.split_whitespace();
            let command = words.next().expect("command").to_owned();
            let roles = words.filter_map(|w| w.chars().next()).collect();
            (command, roles)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_role_may_give_exactly_the_commands_the_matrix_allows() {
    let t = TestStore::new();
    let server = start(t.arc(), RateLimits::default()).await;
    let schema = Schema::load(server.addr).await;
    let tokens = camden_tokens();
    let expected = expected_commands();

    // Every command of the domain is in the matrix, and nothing else.
    let commands: BTreeSet<String> = engage_domain::COMMANDS
        .iter()
        .flat_map(|set| set.commands.iter().map(|c| (*c).to_owned()))
        .collect();
    assert_eq!(
        commands,
        expected.keys().cloned().collect::<BTreeSet<_>>(),
        "the expected matrix must list every command of the domain"
    );

    // Kentish Town is a ward of Camden (so borough roles cover its ward panel).
    let admin = tokens[&Role::Administrator].as_deref();
    let (q, mut vars) = schema.request(schema.mutation("registerWard"));
    vars["input"]["ward"] = json!(KENTISH_TOWN);
    vars["input"]["borough"] = json!(CAMDEN);
    let r = post(server.addr, admin, &[], &q, vars).await;
    assert!(r.body.get("errors").is_none(), "{}", r.body);

    let mut mismatches = Vec::new();
    for command in &commands {
        let field = schema.mutation(&mutation_name(command));
        for role in Role::ALL {
            let (q, vars) = schema.request(field);
            let before = t.store.head().await.expect("head").position;
            let r = post(server.addr, tokens[&role].as_deref(), &[], &q, vars).await;
            assert_eq!(r.status, 200, "{command} as {role}: {}", r.body);
            let allowed = expected[command].contains(&letter(role));
            if allowed == r.forbidden() {
                mismatches.push(format!(
                    "{command} as {role}: expected {}, got {}",
                    if allowed { "allowed" } else { "FORBIDDEN" },
                    r.body
                ));
            }
            if r.forbidden() {
                let after = t.store.head().await.expect("head").position;
                assert_eq!(
                    before, after,
                    "{command} as {role} was refused but recorded"
                );
                let message = r.body["errors"][0]["message"].as_str().unwrap_or("");
                assert!(message.contains(command), "{message}");
            }
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} of {} cells differ:\n{}",
        mismatches.len(),
        commands.len() * Role::ALL.len(),
        mismatches.join("\n")
    );
}

/// Which roles may ask each class of query: everyone, London-wide roles, and so on.
const EXPECTED_QUERIES: &[(&str, &str, &str)] = &[
    (
        "status",
        "{ head { position } projectionStatus { ready } }",
        "- m c v p o n u a",
    ),
    (
        "aggregates",
        r#"{ londonScorecard(from: "2024-01-01T00:00:00Z", to: "2025-01-01T00:00:00Z") { __typename } }"#,
        "- m c v p o n u a",
    ),
    (
        "priorities",
        "{ priorities(first: 5) { totalCount } }",
        "- m c v p o n u a",
    ),
    ("log", "{ events(first: 1) { totalCount } }", "o n u a"),
    (
        "stream",
        r#"{ stream(id: "board-E09000007", first: 1) { totalCount } }"#,
        "o n u a",
    ),
    (
        "auditTrail",
        "{ auditTrail(first: 1) { totalCount } }",
        "o n u a",
    ),
    (
        "complaints",
        "{ complaints(first: 1) { totalCount } }",
        "m c o n u a",
    ),
    (
        "custodyVisits",
        "{ custodyVisits(first: 1) { totalCount } }",
        "v o n u a",
    ),
    (
        "policeComplaintCases",
        "{ policeComplaintCases(first: 1) { totalCount } }",
        "m c o n u a",
    ),
];

#[tokio::test]
async fn every_role_may_ask_exactly_the_query_classes_the_matrix_allows() {
    let t = TestStore::new();
    let server = start(t.arc(), RateLimits::default()).await;
    let tokens = camden_tokens();
    let mut mismatches = Vec::new();
    for (class, query, roles) in EXPECTED_QUERIES {
        let allowed: BTreeSet<char> = roles
            .split_whitespace()
            .filter_map(|w| w.chars().next())
            .collect();
        for role in Role::ALL {
            let r = post(server.addr, tokens[&role].as_deref(), &[], query, json!({})).await;
            assert_eq!(r.status, 200, "{class} as {role}: {}", r.body);
            let expect = allowed.contains(&letter(role));
            if expect == r.forbidden() {
                mismatches.push(format!("{class} as {role}: {}", r.body));
            }
            if expect {
                assert!(r.codes().is_empty(), "{class} as {role}: {}", r.body);
            }
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

// ---------------------------------------------------------------------------------------
// Tokens
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn expired_forged_and_malformed_tokens_are_401_with_a_bearer_challenge() {
    let t = TestStore::new();
    let server = start(t.arc(), RateLimits::default()).await;
    let now = now_seconds();
    let expired = issue(
        &Claims {
            sub: "old".into(),
            role: Role::Administrator,
            org: "x".into(),
            boroughs: vec![],
            wards: vec![],
            iat: now - 7200,
            exp: now - 3600,
            nbf: None,
            iss: None,
            aud: None,
        },
        SECRET,
    )
    .expect("token");
    let forged = {
        let good = token_for(Role::Administrator, &[], &[]);
        let other = issue(
            &Claims {
                sub: "mallory".into(),
                role: Role::Administrator,
                org: "x".into(),
                boroughs: vec![],
                wards: vec![],
                iat: now,
                exp: now + 60,
                nbf: None,
                iss: None,
                aud: None,
            },
            b"not-the-servers-secret-not-the-servers",
        )
        .expect("token");
        // A genuine header and claims with a signature from another key.
        let sig = other.rsplit('.').next().expect("signature").to_owned();
        let mut parts: Vec<&str> = good.split('.').collect();
        parts[2] = &sig;
        parts.join(".")
    };
    for (what, token, message) in [
        ("expired", expired.as_str(), "expired"),
        ("forged", forged.as_str(), "signature"),
        ("malformed", "abc.def", "not a well-formed JWT"),
    ] {
        let r = post(
            server.addr,
            Some(token),
            &[],
            "{ head { position } }",
            json!({}),
        )
        .await;
        assert_eq!(r.status, 401, "{what}: {}", r.body);
        assert_eq!(r.codes(), ["UNAUTHENTICATED"], "{what}");
        assert!(r.body.get("data").is_none(), "{what}");
        let challenge = r.header("www-authenticate").expect("WWW-Authenticate");
        assert!(challenge.starts_with("Bearer "), "{challenge}");
        assert!(challenge.contains("invalid_token"), "{challenge}");
        let text = r.body["errors"][0]["message"].as_str().unwrap_or("");
        assert!(text.contains(message), "{what}: {text}");
    }
    let r = post(
        server.addr,
        None,
        &[("Authorization", "Basic YTpi")],
        "{ head { position } }",
        json!({}),
    )
    .await;
    assert_eq!(r.status, 401);
    assert!(
        r.header("www-authenticate")
            .is_some_and(|c| c.contains("invalid_request"))
    );
}

fn raise_complaint_vars(complaint_id: Uuid, borough: &str, name: &str, subject: Uuid) -> Value {
    json!({ "input": {
        "complaintId": complaint_id,
        "borough": borough,
        "receivedAt": (Utc::now() - Duration::days(3)).to_rfc3339(),
        "category": "COMMUNICATION",
        "channel": "EMAIL",
        "summary": "No update for six weeks after a burglary report",
        "personal": { "dataSubjectId": subject, "fullName": name, "email": "ada@example.org" }
    } })
}

const RAISE: &str = "mutation R($input: RaiseVictimComplaint!) { raiseVictimComplaint(input: $input) { command events { position } } }";

#[tokio::test]
async fn the_actor_is_the_tokens_and_scope_is_enforced_on_existing_aggregates() {
    let t = TestStore::new();
    let server = start(t.arc(), RateLimits::default()).await;
    let camden = token_for(Role::BoardMember, &[CAMDEN], &[]);
    let hackney = token_for(Role::BoardMember, &[HACKNEY], &[]);
    let id = Uuid::now_v7();
    let r = post(
        server.addr,
        Some(&camden),
        &[],
        RAISE,
        raise_complaint_vars(id, CAMDEN, "Ada Lovelace", Uuid::now_v7()),
    )
    .await;
    assert!(r.body.get("errors").is_none(), "{}", r.body);
    let position = r.body["data"]["raiseVictimComplaint"]["events"][0]["position"]
        .as_u64()
        .expect("position");
    let recorded = t.store.read_all(position, 1).await.expect("read");
    assert_eq!(recorded[0].actor.id, "board_member-1");
    assert_eq!(recorded[0].actor.role, "board_member");
    assert_eq!(recorded[0].actor.organisation, "board_member-org");

    // Hackney's member may not raise a Camden complaint, nor act on Camden's.
    let r = post(
        server.addr,
        Some(&hackney),
        &[],
        RAISE,
        raise_complaint_vars(Uuid::now_v7(), CAMDEN, "x", Uuid::now_v7()),
    )
    .await;
    assert!(r.forbidden(), "{}", r.body);
    let ack = "mutation A($id: UUID!, $at: DateTime!) { acknowledgeVictimComplaint(complaintId: $id, input: { acknowledgedAt: $at }) { command } }";
    let vars = json!({ "id": id, "at": (Utc::now() - Duration::days(1)).to_rfc3339() });
    let before = t.store.head().await.expect("head").position;
    let r = post(server.addr, Some(&hackney), &[], ack, vars.clone()).await;
    assert!(r.forbidden(), "{}", r.body);
    let message = r.body["errors"][0]["message"].as_str().unwrap_or("");
    assert!(
        message.contains("outside your scope") && message.contains(CAMDEN),
        "{message}"
    );
    assert_eq!(t.store.head().await.expect("head").position, before);
    // ... and does not see it.
    let r = post(
        server.addr,
        Some(&hackney),
        &[],
        "{ complaints { totalCount } }",
        json!({}),
    )
    .await;
    assert_eq!(r.body["data"]["complaints"]["totalCount"], 0, "{}", r.body);
    let r = post(
        server.addr,
        Some(&camden),
        &[],
        "{ complaints { totalCount } }",
        json!({}),
    )
    .await;
    assert_eq!(r.body["data"]["complaints"]["totalCount"], 1, "{}", r.body);
    // Camden's member may act on it.
    let r = post(server.addr, Some(&camden), &[], ack, vars).await;
    assert!(r.body.get("errors").is_none(), "{}", r.body);
}

// ---------------------------------------------------------------------------------------
// Personal data
// ---------------------------------------------------------------------------------------

const PAYLOADS: &str = "{ events(first: 50) { nodes { position eventType payload } } }";

async fn views(store: &dyn EventStore) -> Vec<engage_log::RecordedEvent> {
    store
        .read_stream(&StreamId::new("personal-data-access"), 0, 100)
        .await
        .expect("read")
}

#[tokio::test]
async fn personal_data_is_redacted_for_roles_without_access_and_recorded_when_shown() {
    let t = TestStore::new();
    let server = start(t.arc(), RateLimits::default()).await;
    let member = token_for(Role::BoardMember, &[CAMDEN], &[]);
    let subject = Uuid::now_v7();
    let r = post(
        server.addr,
        Some(&member),
        &[],
        RAISE,
        raise_complaint_vars(Uuid::now_v7(), CAMDEN, "Ada Lovelace", subject),
    )
    .await;
    assert!(r.body.get("errors").is_none(), "{}", r.body);

    // An analyst, and an auditor without a reason: redacted, nothing recorded.
    for token in [
        token_for(Role::MopacAnalyst, &[], &[]),
        token_for(Role::Auditor, &[], &[]),
    ] {
        let r = post(server.addr, Some(&token), &[], PAYLOADS, json!({})).await;
        let text = r.body.to_string();
        assert!(
            !text.contains("Ada Lovelace") && !text.contains("ada@example.org"),
            "{text}"
        );
        let raised = &r.body["data"]["events"]["nodes"][0]["payload"];
        assert_eq!(
            raised["personal"],
            json!({ "data_subject_id": subject, "redacted": true })
        );
        assert_eq!(raised["borough"], CAMDEN);
    }
    assert!(views(&t.store).await.is_empty());

    // A MOPAC officer sees it; the view is recorded once for the request.
    let officer = token_for(Role::MopacOfficer, &[], &[]);
    let r = post(server.addr, Some(&officer), &[], PAYLOADS, json!({})).await;
    assert!(r.body.to_string().contains("Ada Lovelace"), "{}", r.body);
    let recorded = views(&t.store).await;
    assert_eq!(recorded.len(), 1);
    assert_eq!(recorded[0].event_type, "PersonalDataViewed");
    assert_eq!(recorded[0].actor.id, "mopac_officer-1");
    let payload = recorded[0].payload.to_value().expect("json");
    assert_eq!(payload["data_subject_ids"], json!([subject]));
    assert_eq!(payload["positions"], json!([1]));

    // An auditor who states why sees it, and the reason is recorded.
    let auditor = token_for(Role::Auditor, &[], &[]);
    let r = post(
        server.addr,
        Some(&auditor),
        &[("Engage-Access-Reason", "subject access request 42")],
        PAYLOADS,
        json!({}),
    )
    .await;
    assert!(r.body.to_string().contains("Ada Lovelace"), "{}", r.body);
    let recorded = views(&t.store).await;
    assert_eq!(recorded.len(), 2);
    assert_eq!(recorded[1].actor.role, "auditor");
    assert_eq!(
        recorded[1].reason.as_deref(),
        Some("subject access request 42")
    );
    let payload = recorded[1].payload.to_value().expect("json");
    assert_eq!(payload["purpose"], "subject access request 42");

    // The board member sees it through the complaint's provenance (their borough), and
    // that is recorded too; a query showing no personal data records nothing.
    let r = post(
        server.addr,
        Some(&member),
        &[],
        "{ complaints { edges { node { provenance { events { payload } } } } } }",
        json!({}),
    )
    .await;
    assert!(r.body.to_string().contains("Ada Lovelace"), "{}", r.body);
    assert_eq!(views(&t.store).await.len(), 3);
    let r = post(
        server.addr,
        Some(&member),
        &[],
        "{ complaints { totalCount } }",
        json!({}),
    )
    .await;
    assert_eq!(r.body["data"]["complaints"]["totalCount"], 1);
    assert_eq!(views(&t.store).await.len(), 3);
}

// ---------------------------------------------------------------------------------------
// Rate limits
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn a_token_over_its_rate_limit_gets_429_with_retry_after_and_others_do_not() {
    let t = TestStore::new();
    let server = start(
        t.arc(),
        RateLimits {
            per_token_per_minute: 6,
            per_token_burst: 2,
            anonymous_per_minute: 6,
            anonymous_burst: 3,
        },
    )
    .await;
    let a = token_for(Role::MopacAnalyst, &[], &[]);
    let b = token_for(Role::Auditor, &[], &[]);
    let q = "{ head { position } }";
    for _ in 0..2 {
        assert_eq!(
            post(server.addr, Some(&a), &[], q, json!({})).await.status,
            200
        );
    }
    let r = post(server.addr, Some(&a), &[], q, json!({})).await;
    assert_eq!(r.status, 429, "{}", r.body);
    assert_eq!(r.codes(), ["RATE_LIMITED"]);
    let retry: u64 = r
        .header("retry-after")
        .expect("Retry-After")
        .parse()
        .expect("seconds");
    assert!((1..=10).contains(&retry), "{retry}");
    assert_eq!(
        post(server.addr, Some(&b), &[], q, json!({})).await.status,
        200
    );

    // Anonymous requests count against their address.
    for _ in 0..3 {
        assert_eq!(post(server.addr, None, &[], q, json!({})).await.status, 200);
    }
    assert_eq!(post(server.addr, None, &[], q, json!({})).await.status, 429);
}
