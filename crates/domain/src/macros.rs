//! The `events!` macro every aggregate module uses to declare its `Event` enum, so that each
//! variant's catalogue name, schema version, one-line meaning, payload type and JSON Schema
//! are stated once, in one place, and cannot disagree.

/// Declare an aggregate's `Event` enum:
///
/// ```ignore
/// events! {
///     pub enum Event {
///         Raised(VictimComplaintRaised) = "VictimComplaintRaised" v 2: "A victim raised a complaint",
///     }
/// }
/// ```
///
/// Generates the enum (serde: adjacently tagged `{"event_type": .., "payload": ..}`),
/// `From<Body>` for each variant, [`crate::catalogue::CatalogueEvent`], the aggregate's
/// catalogue entries and its current-version decoder.
macro_rules! events {
    (
        $(#[$meta:meta])*
        pub enum Event {
            $( $variant:ident($body:ident) = $name:literal v $version:literal : $summary:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
        #[serde(tag = "event_type", content = "payload")]
        pub enum Event {
            $( #[doc = $summary] #[serde(rename = $name)] $variant($body), )+
        }

        impl Event {
            /// The current version of every event type of this aggregate.
            pub const CATALOGUE: &'static [$crate::catalogue::CatalogueEntry] = &[
                $( $crate::catalogue::CatalogueEntry {
                    event_type: $name,
                    schema_version: $version,
                    summary: $summary,
                    schema: $crate::catalogue::schema_of::<$body>,
                }, )+
            ];

            /// The current schema version of `event_type`, if this aggregate has it.
            pub fn current_version(event_type: &str) -> Option<u32> {
                match event_type {
                    $( $name => Some($version), )+
                    _ => None,
                }
            }

            /// Decode a payload written at the current version of `event_type`.
            pub(crate) fn decode_current(
                event_type: &str,
                payload: &engage_log::Payload,
            ) -> Option<Result<Self, serde_json::Error>> {
                match event_type {
                    $( $name => Some(payload.deserialize::<$body>().map(Self::$variant)), )+
                    _ => None,
                }
            }
        }

        impl $crate::catalogue::CatalogueEvent for Event {
            fn event_type(&self) -> &'static str {
                match self { $( Self::$variant(_) => $name, )+ }
            }
            fn schema_version(&self) -> u32 {
                match self { $( Self::$variant(_) => $version, )+ }
            }
            fn payload(&self) -> Result<engage_log::Payload, engage_log::PayloadError> {
                match self { $( Self::$variant(body) => engage_log::Payload::from_serialize(body), )+ }
            }
        }

        $(
            impl From<$body> for Event {
                fn from(body: $body) -> Self {
                    Self::$variant(body)
                }
            }
        )+
    };
}

/// Declare an aggregate's `Command` enum over one named struct per command:
///
/// ```ignore
/// commands! {
///     /// What can be done with a complaint.
///     pub enum Command {
///         Raise(RaiseVictimComplaint),
///         Acknowledge(AcknowledgeVictimComplaint),
///     }
/// }
/// ```
///
/// Each struct is the command's input in the domain's words (with the `graphql` feature it
/// is also a GraphQL input type of the same name). Generates the enum, `From<Struct>` for
/// each variant, [`Command::NAMES`](crate::victim_complaint::Command::NAMES) (every command
/// name, in order) and `Command::name`.
macro_rules! commands {
    (
        $(#[$meta:meta])*
        pub enum Command {
            $( $variant:ident($body:ident), )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq)]
        pub enum Command {
            $( #[doc = concat!("See [`", stringify!($body), "`].")] $variant($body), )+
        }

        impl Command {
            /// The name of every command of this aggregate (its struct's name), in order.
            pub const NAMES: &'static [&'static str] = &[ $( stringify!($body), )+ ];

            /// This command's name (its struct's name).
            pub fn name(&self) -> &'static str {
                match self { $( Self::$variant(_) => stringify!($body), )+ }
            }
        }

        $(
            impl From<$body> for Command {
                fn from(command: $body) -> Self {
                    Self::$variant(command)
                }
            }
        )+
    };
}

/// Implement [`crate::Aggregate`] for a module's marker type from its `State::apply` and `decide`.
macro_rules! aggregate {
    ($marker:ident, $kind:literal, singleton) => {
        aggregate!(@impl $marker, $kind, {
            /// This aggregate has one stream, named exactly [`crate::Aggregate::KIND`].
            fn is_own_stream(stream: &str) -> bool {
                stream == $kind
            }
        });
    };
    ($marker:ident, $kind:literal) => {
        aggregate!(@impl $marker, $kind, {});
    };
    (@impl $marker:ident, $kind:literal, { $($extra:item)* }) => {
        /// Marker type implementing [`crate::Aggregate`] for this module.
        #[derive(Debug, Clone, Copy, Default)]
        pub struct $marker;

        impl crate::Aggregate for $marker {
            const KIND: &'static str = $kind;
            type State = State;
            type Command = Command;
            type Event = Event;

            $($extra)*

            fn apply(state: &mut State, event: &Event) {
                state.apply(event);
            }

            fn decide(
                state: &State,
                command: Command,
                ctx: &crate::DecisionContext<'_>,
            ) -> Result<Vec<Event>, crate::DomainError> {
                decide(state, command, ctx)
            }
        }
    };
}
