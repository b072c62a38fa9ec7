//! Test helpers: a fixed clock and reference data with a few real-looking wards, suites
//! and a fund round.

use chrono::{Duration, TimeZone, Utc};
use uuid::Uuid;

use crate::reference::{FundRoundInfo, InMemoryReference};
use crate::{DecisionContext, Timestamp};

pub const CAMDEN: &str = "E09000007";
pub const HACKNEY: &str = "E09000012";
pub const CAMDEN_WARD: &str = "E05013652";
pub const HACKNEY_WARD: &str = "E05009367";
pub const CAMDEN_SUITE: &str = "KENTISH-TOWN";
pub const OPEN_ROUND: Uuid = Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0001);

pub fn now() -> Timestamp {
    Utc.with_ymd_and_hms(2025, 6, 30, 12, 0, 0)
        .single()
        .unwrap_or_default()
}

pub fn days_ago(days: i64) -> Timestamp {
    now() - Duration::days(days)
}

pub fn reference() -> &'static InMemoryReference {
    static REF: std::sync::OnceLock<InMemoryReference> = std::sync::OnceLock::new();
    REF.get_or_init(|| {
        InMemoryReference::new()
            .with_ward(CAMDEN_WARD, "Kentish Town South", CAMDEN)
            .with_ward(HACKNEY_WARD, "Hackney Downs", HACKNEY)
            .with_custody_suite(CAMDEN_SUITE, "Kentish Town", CAMDEN)
            .with_fund_round(FundRoundInfo {
                round_id: OPEN_ROUND,
                opens_at: days_ago(60),
                closes_at: now() + Duration::days(30),
                open: true,
            })
    })
}

pub fn ctx() -> DecisionContext<'static> {
    DecisionContext::new(now(), reference())
}

pub fn id(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

/// Every event survives NewEvent -> decode unchanged, and its payload matches the keys its
/// catalogue schema declares.
pub fn assert_round_trips(events: &[crate::DomainEvent]) {
    use crate::CatalogueEvent;
    use engage_log::Actor;
    for e in events {
        let actor = Actor::new("user-1", "secretary", "Camden SNB");
        let new = e.to_new_event(actor, now()).expect("payload");
        assert_eq!(new.event_type, e.event_type());
        let back = crate::catalogue::decode_new(&new).expect("decodes");
        assert_eq!(&back, e, "{} round trip", e.event_type());
        let entry = crate::catalogue::current_entries()
            .into_iter()
            .find(|c| c.event_type == e.event_type())
            .expect("in catalogue");
        let schema = entry.json_schema();
        let payload = new.payload.to_value().expect("json");
        let props = schema["properties"].as_object().expect("properties");
        for key in payload.as_object().expect("object").keys() {
            assert!(
                props.contains_key(key),
                "{}: {key} not in schema",
                e.event_type()
            );
        }
        for req in schema["required"].as_array().into_iter().flatten() {
            let req = req.as_str().unwrap_or_default();
            assert!(
                payload.get(req).is_some(),
                "{}: required {req} missing",
                e.event_type()
            );
        }
    }
}

/// Decide `cmd` on `state` with [`ctx`] and apply the events: one step of a history.
pub fn step<A: crate::Aggregate>(
    state: &mut A::State,
    cmd: A::Command,
) -> Result<Vec<A::Event>, crate::DomainError> {
    let events = A::decide(state, cmd, &ctx())?;
    events.iter().for_each(|e| A::apply(state, e));
    Ok(events)
}

/// Play `cmds` from the empty state; every one must be accepted.
pub fn history<A: crate::Aggregate>(
    cmds: impl IntoIterator<Item = A::Command>,
) -> (A::State, Vec<A::Event>) {
    let mut state = A::State::default();
    let mut all = Vec::new();
    for c in cmds {
        match step::<A>(&mut state, c) {
            Ok(events) => all.extend(events),
            Err(e) => panic!("command refused in a valid history: {e}"),
        }
    }
    (state, all)
}

/// The calendar day `days` before [`now`].
pub fn day(days: i64) -> chrono::NaiveDate {
    days_ago(days).date_naive()
}
