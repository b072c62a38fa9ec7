//! The event catalogue: every event type the domain records, its stable name, its schema
//! version and JSON Schema, how a domain event becomes a log [`NewEvent`], and how stored
//! events (of any version ever written) are decoded back into [`DomainEvent`]s.
//!
//! Names are PascalCase past-tense facts (`VictimComplaintRaised`) and never change. A
//! payload shape that changes incompatibly gets a new schema version; older versions stay in
//! the catalogue with an *upcaster* that turns their payloads into the current type, so
//! history written years ago is still read by today's code. The checked-in files in
//! `events/` are generated from the types here and a test fails if they drift.

use engage_log::{Actor, NewEvent, Payload, PayloadError, RecordedEvent, Timestamp};
use schemars::generate::SchemaSettings;
use schemars::{JsonSchema, Schema};
use serde_json::Value;

use crate::reference_data::{custody_suite, ward};
use crate::{
    access_log, board, community_payback, custody_visit, data_subject, fund_round, iag, lcp2,
    neighbourhood_watch, partnership_board, performance, police_complaint_case, prevention_bid,
    priority, stop_search_monitoring, victim_complaint, ward_panel,
};

/// The JSON Schema keyword that marks an object holding personal data (UK GDPR) about one
/// data subject, whose id is in its `data_subject_id` field.
pub const PERSONAL_DATA_KEYWORD: &str = "x-personal-data";

/// One event type at one schema version.
#[derive(Debug, Clone, Copy)]
pub struct CatalogueEntry {
    pub event_type: &'static str,
    pub schema_version: u32,
    /// What the event means, in one line.
    pub summary: &'static str,
    /// The payload's JSON Schema as schemars derives it from the Rust type.
    pub schema: fn() -> Schema,
}

impl CatalogueEntry {
    /// The catalogue file name: `<EventType>.v<N>.schema.json`.
    pub fn file_name(&self) -> String {
        format!("{}.v{}.schema.json", self.event_type, self.schema_version)
    }

    /// The full JSON Schema as checked in under `events/`.
    pub fn json_schema(&self) -> Value {
        let mut schema = (self.schema)();
        schema.insert(
            "$id".into(),
            Value::String(format!(
                "urn:engage:event:{}:v{}",
                self.event_type, self.schema_version
            )),
        );
        schema.insert("title".into(), Value::String(self.event_type.into()));
        schema.insert("description".into(), Value::String(self.summary.into()));
        schema.insert("x-event-type".into(), Value::String(self.event_type.into()));
        schema.insert("x-schema-version".into(), Value::from(self.schema_version));
        schema.to_value()
    }

    /// The schema as stable, pretty JSON text (keys sorted at every depth, whatever
    /// serde_json features the build enables), ending in a newline.
    pub fn schema_text(&self) -> String {
        let mut canonical = String::new();
        engage_log::payload::write_canonical(&self.json_schema(), &mut canonical);
        let pretty = serde_json::from_str::<Value>(&canonical)
            .and_then(|v| serde_json::to_string_pretty(&v))
            .unwrap_or(canonical);
        pretty + "\n"
    }
}

/// The schema of a payload type (draft 2020-12).
pub fn schema_of<T: JsonSchema>() -> Schema {
    SchemaSettings::draft2020_12()
        .into_generator()
        .into_root_schema_for::<T>()
}

/// Implemented by every event enum: its catalogue identity and its payload.
pub trait CatalogueEvent {
    fn event_type(&self) -> &'static str;
    fn schema_version(&self) -> u32;
    fn payload(&self) -> Result<Payload, PayloadError>;

    /// The envelope to append: fresh event and correlation ids (chain
    /// [`NewEvent::with_correlation`] and [`NewEvent::with_reason`] for the why).
    fn to_new_event(&self, actor: Actor, occurred_at: Timestamp) -> Result<NewEvent, PayloadError> {
        Ok(NewEvent::new(
            self.event_type(),
            self.schema_version(),
            occurred_at,
            actor,
            self.payload()?,
        ))
    }
}

/// A stored event that cannot be read as a domain event.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("unknown event type {0}")]
    UnknownEventType(String),
    #[error("{event_type} v{schema_version} is not a known version (current is v{current})")]
    UnsupportedVersion {
        event_type: String,
        schema_version: u32,
        current: u32,
    },
    #[error("{event_type} v{schema_version} payload does not match its schema: {message}")]
    InvalidPayload {
        event_type: String,
        schema_version: u32,
        message: String,
    },
}

impl DecodeError {
    pub(crate) fn invalid(event_type: &str, schema_version: u32, e: impl ToString) -> Self {
        Self::InvalidPayload {
            event_type: event_type.to_owned(),
            schema_version,
            message: e.to_string(),
        }
    }
}

/// An old version of an event type, kept so that history written with it is still read.
#[derive(Debug, Clone, Copy)]
pub struct LegacyEntry {
    pub entry: CatalogueEntry,
    /// Decode a payload of this version and upcast it to the current type.
    pub upcast: fn(&Payload) -> Result<DomainEvent, DecodeError>,
}

/// Every superseded event version and its upcaster.
pub const LEGACY: &[LegacyEntry] = &[
    victim_complaint::legacy::RAISED_V1,
    prevention_bid::legacy::SUBMITTED_V1,
];

macro_rules! domain_events {
    (
        $( $variant:ident => $module:ident ),+ $(,)?
        ; records: $( $rvariant:ident => $rmodule:ident ),+ $(,)?
    ) => {
        /// Any event of the engagement domain, grouped by the aggregate it belongs to.
        #[derive(Debug, Clone, PartialEq)]
        pub enum DomainEvent {
            $( $variant($module::Event), )+
            $( $rvariant($rmodule::Event), )+
        }

        impl CatalogueEvent for DomainEvent {
            fn event_type(&self) -> &'static str {
                match self { $( Self::$variant(e) => e.event_type(), )+ $( Self::$rvariant(e) => e.event_type(), )+ }
            }
            fn schema_version(&self) -> u32 {
                match self { $( Self::$variant(e) => e.schema_version(), )+ $( Self::$rvariant(e) => e.schema_version(), )+ }
            }
            fn payload(&self) -> Result<Payload, PayloadError> {
                match self { $( Self::$variant(e) => e.payload(), )+ $( Self::$rvariant(e) => e.payload(), )+ }
            }
        }

        /// Every command of the domain, aggregate by aggregate: what an API must offer
        /// (the server's coverage test checks it has one mutation for each).
        pub const COMMANDS: &[crate::CommandSet] = &[
            $( crate::CommandSet { aggregate: stringify!($variant), commands: $module::Command::NAMES }, )+
        ];

        /// The current version of every event type, aggregate by aggregate.
        pub fn current_entries() -> Vec<CatalogueEntry> {
            let mut all = Vec::new();
            $( all.extend_from_slice($module::Event::CATALOGUE); )+
            $( all.extend_from_slice($rmodule::Event::CATALOGUE); )+
            all
        }

        /// The current schema version of `event_type`.
        pub fn current_version(event_type: &str) -> Option<u32> {
            $( if let Some(v) = $module::Event::current_version(event_type) { return Some(v); } )+
            $( if let Some(v) = $rmodule::Event::current_version(event_type) { return Some(v); } )+
            None
        }

        fn decode_current(event_type: &str, payload: &Payload) -> Option<Result<DomainEvent, serde_json::Error>> {
            $(
                if let Some(r) = $module::Event::decode_current(event_type, payload) {
                    return Some(r.map(DomainEvent::$variant));
                }
            )+
            $(
                if let Some(r) = $rmodule::Event::decode_current(event_type, payload) {
                    return Some(r.map(DomainEvent::$rvariant));
                }
            )+
            None
        }

        $(
            impl From<$module::Event> for DomainEvent {
                fn from(e: $module::Event) -> Self {
                    Self::$variant(e)
                }
            }

            impl TryFrom<DomainEvent> for $module::Event {
                type Error = DomainEvent;
                fn try_from(e: DomainEvent) -> Result<Self, DomainEvent> {
                    match e {
                        DomainEvent::$variant(inner) => Ok(inner),
                        #[allow(unreachable_patterns)]
                        other => Err(other),
                    }
                }
            }
        )+
        $(
            impl From<$rmodule::Event> for DomainEvent {
                fn from(e: $rmodule::Event) -> Self {
                    Self::$rvariant(e)
                }
            }

            impl TryFrom<DomainEvent> for $rmodule::Event {
                type Error = DomainEvent;
                fn try_from(e: DomainEvent) -> Result<Self, DomainEvent> {
                    match e {
                        DomainEvent::$rvariant(inner) => Ok(inner),
                        #[allow(unreachable_patterns)]
                        other => Err(other),
                    }
                }
            }
        )+
    };
}

domain_events! {
    Board => board,
    VictimComplaint => victim_complaint,
    Priority => priority,
    FundRound => fund_round,
    PreventionBid => prevention_bid,
    WardPanel => ward_panel,
    CustodyVisit => custody_visit,
    StopSearchMonitoring => stop_search_monitoring,
    PoliceComplaintCase => police_complaint_case,
    Ward => ward,
    CustodySuite => custody_suite,
    Performance => performance,
    CommunityPayback => community_payback,
    Iag => iag,
    NeighbourhoodWatch => neighbourhood_watch,
    Lcp2 => lcp2,
    PartnershipBoard => partnership_board,
    DataSubject => data_subject,
    ; records:
    AccessLog => access_log,
}

/// Every catalogue entry, current and legacy, ordered by event type then version.
pub fn all_entries() -> Vec<CatalogueEntry> {
    let mut all = current_entries();
    all.extend(LEGACY.iter().map(|l| l.entry));
    all.sort_by(|a, b| (a.event_type, a.schema_version).cmp(&(b.event_type, b.schema_version)));
    all
}

/// Read a stored payload of `event_type` at `schema_version` as the current domain event,
/// upcasting older versions.
///
/// A sealed `personal` object (see [`crate::personal`]) decodes as a placeholder that keeps
/// its `data_subject_id`; only event types that carry personal data are looked at for it.
pub fn decode(
    event_type: &str,
    schema_version: u32,
    payload: &Payload,
) -> Result<DomainEvent, DecodeError> {
    if let Some(shape) = crate::personal::personal_shape(event_type, schema_version)
        && crate::personal::is_sealed_text(payload.as_str())
    {
        let withheld = crate::personal::withhold(shape, payload)?;
        return decode_plain(event_type, schema_version, &withheld);
    }
    decode_plain(event_type, schema_version, payload)
}

fn decode_plain(
    event_type: &str,
    schema_version: u32,
    payload: &Payload,
) -> Result<DomainEvent, DecodeError> {
    let current = current_version(event_type)
        .ok_or_else(|| DecodeError::UnknownEventType(event_type.to_owned()))?;
    if schema_version == current {
        return match decode_current(event_type, payload) {
            Some(Ok(e)) => Ok(e),
            Some(Err(e)) => Err(DecodeError::invalid(event_type, schema_version, e)),
            None => Err(DecodeError::UnknownEventType(event_type.to_owned())),
        };
    }
    LEGACY
        .iter()
        .find(|l| l.entry.event_type == event_type && l.entry.schema_version == schema_version)
        .map(|l| (l.upcast)(payload))
        .unwrap_or_else(|| {
            Err(DecodeError::UnsupportedVersion {
                event_type: event_type.to_owned(),
                schema_version,
                current,
            })
        })
}

/// Decode a recorded event's payload (see [`decode`]).
pub fn decode_recorded(event: &RecordedEvent) -> Result<DomainEvent, DecodeError> {
    decode(&event.event_type, event.schema_version, &event.payload)
}

/// Decode a proposed event's payload (see [`decode`]).
pub fn decode_new(event: &NewEvent) -> Result<DomainEvent, DecodeError> {
    decode(&event.event_type, event.schema_version, &event.payload)
}

/// Decode a legacy payload as `Old` and upcast it with `From<Old>` into the current body.
pub(crate) fn upcast_via<Old, New>(
    event_type: &str,
    schema_version: u32,
    payload: &Payload,
) -> Result<New, DecodeError>
where
    Old: serde::de::DeserializeOwned + TryInto<New>,
    <Old as TryInto<New>>::Error: ToString,
{
    let old: Old = payload
        .deserialize()
        .map_err(|e| DecodeError::invalid(event_type, schema_version, e))?;
    old.try_into()
        .map_err(|e| DecodeError::invalid(event_type, schema_version, e))
}

/// The Markdown table of the catalogue used in `events/README.md` (generated, drift-checked).
pub fn markdown_table() -> String {
    let mut out = String::from(
        "| event type | current version | older versions | meaning |\n| --- | --- | --- | --- |\n",
    );
    let mut current = current_entries();
    current.sort_by_key(|e| e.event_type);
    for e in current {
        let older: Vec<String> = LEGACY
            .iter()
            .filter(|l| l.entry.event_type == e.event_type)
            .map(|l| format!("v{}", l.entry.schema_version))
            .collect();
        let older = if older.is_empty() {
            "–".to_owned()
        } else {
            older.join(", ")
        };
        out.push_str(&format!(
            "| `{}` | v{} | {} | {} |\n",
            e.event_type, e.schema_version, older, e.summary
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn every_aggregate_lists_its_commands_once() {
        let mut names = BTreeSet::new();
        for set in COMMANDS {
            assert!(
                !set.commands.is_empty(),
                "{} has no commands",
                set.aggregate
            );
            for name in set.commands {
                assert!(names.insert(*name), "command {name} is listed twice");
            }
        }
        assert_eq!(
            COMMANDS
                .iter()
                .map(|s| s.aggregate)
                .collect::<BTreeSet<_>>()
                .len(),
            COMMANDS.len()
        );
        assert!(names.contains("RaiseVictimComplaint"));
        assert_eq!(
            victim_complaint::Command::from(victim_complaint::AcknowledgeVictimComplaint {
                acknowledged_at: chrono::Utc::now(),
            })
            .name(),
            "AcknowledgeVictimComplaint"
        );
    }

    #[test]
    fn aggregates_know_their_own_streams() {
        use crate::Aggregate;
        assert!(lcp2::Lcp2::is_own_stream(lcp2::stream_id().as_str()));
        assert!(!lcp2::Lcp2::is_own_stream("lcp2-2016"));
        let complaint = victim_complaint::stream_id(uuid::Uuid::nil());
        assert!(victim_complaint::VictimComplaint::is_own_stream(
            complaint.as_str()
        ));
        assert!(!victim_complaint::VictimComplaint::is_own_stream(
            "complaint"
        ));
        assert!(!victim_complaint::VictimComplaint::is_own_stream(
            "complaint-"
        ));
        assert!(!board::Board::is_own_stream(complaint.as_str()));
    }

    /// One sample of every current event type, from valid histories.
    fn samples() -> Vec<DomainEvent> {
        fn each<E: Into<DomainEvent>>(events: Vec<E>) -> impl Iterator<Item = DomainEvent> {
            events.into_iter().map(Into::into)
        }
        let mut all: Vec<DomainEvent> = Vec::new();
        all.extend(each(board::tests::samples()));
        all.extend(each(victim_complaint::tests::samples()));
        all.extend(each(priority::tests::samples()));
        all.extend(each(fund_round::tests::samples()));
        all.extend(each(prevention_bid::tests::samples()));
        all.extend(each(ward_panel::tests::samples()));
        all.extend(each(custody_visit::tests::samples()));
        all.extend(each(stop_search_monitoring::tests::samples()));
        all.extend(each(police_complaint_case::tests::samples()));
        all.extend(each(ward::tests::samples()));
        all.extend(each(custody_suite::tests::samples()));
        all.extend(each(performance::tests::samples()));
        all.extend(each(community_payback::tests::samples()));
        all.extend(each(iag::tests::samples()));
        all.extend(each(neighbourhood_watch::tests::samples()));
        all.extend(each(lcp2::tests::samples()));
        all.extend(each(partnership_board::tests::samples()));
        all.extend(each(access_log::tests::samples()));
        all.extend(each(data_subject::tests::samples()));
        all
    }

    #[test]
    fn every_current_event_type_round_trips_through_new_event_and_decode() {
        let samples = samples();
        crate::testkit::assert_round_trips(&samples);
        let covered: BTreeSet<&str> = samples.iter().map(|e| e.event_type()).collect();
        let missing: Vec<&str> = current_entries()
            .iter()
            .map(|e| e.event_type)
            .filter(|t| !covered.contains(t))
            .collect();
        assert!(missing.is_empty(), "no round-trip sample for {missing:?}");
    }

    #[test]
    fn event_type_names_are_unique_pascal_case_and_versions_start_at_one() {
        let mut seen = BTreeSet::new();
        for e in all_entries() {
            assert!(
                seen.insert((e.event_type, e.schema_version)),
                "duplicate {}",
                e.file_name()
            );
            assert!(
                e.event_type
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_uppercase())
            );
            assert!(e.event_type.chars().all(|c| c.is_ascii_alphanumeric()));
            assert!(e.schema_version >= 1);
        }
        for e in current_entries() {
            for v in 1..e.schema_version {
                assert!(
                    LEGACY
                        .iter()
                        .any(|l| l.entry.event_type == e.event_type && l.entry.schema_version == v),
                    "{} v{v} has no upcaster",
                    e.event_type
                );
            }
        }
    }

    #[test]
    fn unknown_types_and_versions_are_reported() {
        let p = Payload::parse("{}").expect("object");
        assert_eq!(
            decode("NoSuchEvent", 1, &p),
            Err(DecodeError::UnknownEventType("NoSuchEvent".into()))
        );
        assert!(matches!(
            decode("BoardEstablished", 9, &p),
            Err(DecodeError::UnsupportedVersion {
                schema_version: 9,
                current: 1,
                ..
            })
        ));
        assert!(matches!(
            decode("BoardEstablished", 1, &p),
            Err(DecodeError::InvalidPayload { .. })
        ));
    }
}
