//! # engage-domain: the engagement domain as pure code
//!
//! Every duty of London's community–police engagement bodies — Safer Neighbourhood Boards,
//! ward panels, independent custody visitors, stop-and-search monitoring groups, MOPAC's
//! crime prevention fund, LCP2 and the pan-London partnership boards — as commands,
//! versioned events, state and decision functions. No I/O: the application loads a stream,
//! decodes it ([`catalogue::decode`]), folds it into state ([`Aggregate::fold`]), decides a
//! command ([`Aggregate::decide`]) and appends the resulting events
//! ([`CatalogueEvent::to_new_event`]).
//!
//! Each aggregate module has a `Command` enum with one variant per command, each over a
//! named struct in the domain's words (`Command::Raise(RaiseVictimComplaint)`), an `Event`
//! enum (one struct per event type), a `State` whose `Default` is "not yet created" with
//! `apply`, a pure `decide`, a `stream_id` function naming its stream (`<kind>-<id>`), and a
//! marker type implementing [`Aggregate`]. [`COMMANDS`] lists every command by name.
//!
//! With the `graphql` feature, every command struct (and the value types inside it) is
//! also an `async_graphql` input type of the same name, so the GraphQL API's inputs are the
//! domain's own types and cannot drift from them (see [`graphql`] for what is not derived).

#[macro_use]
mod macros;

pub mod access_log;
pub mod catalogue;
pub mod common;
pub mod context;
pub mod error;
#[cfg(feature = "graphql")]
pub mod graphql;
pub mod personal;
pub mod reference;

pub mod board;
pub mod community_payback;
pub mod custody_visit;
pub mod data_subject;
pub mod fund_round;
pub mod iag;
pub mod lcp2;
pub mod neighbourhood_watch;
pub mod partnership_board;
pub mod performance;
pub mod police_complaint_case;
pub mod prevention_bid;
pub mod priority;
pub mod reference_data;
pub mod stop_search_monitoring;
pub mod victim_complaint;
pub mod ward_panel;

#[cfg(test)]
pub(crate) mod testkit;

pub use catalogue::{COMMANDS, CatalogueEntry, CatalogueEvent, DecodeError, DomainEvent, decode};
pub use context::DecisionContext;
pub use engage_log::Timestamp;
pub use error::DomainError;
pub use reference::{BoroughCode, Lookups, WardCode};

/// The commands of one aggregate, by name (each name is the command's struct, e.g.
/// `RaiseVictimComplaint`). [`COMMANDS`] lists every aggregate's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommandSet {
    /// The aggregate, as named in [`DomainEvent`]'s variants (e.g. `VictimComplaint`).
    pub aggregate: &'static str,
    pub commands: &'static [&'static str],
}

/// One aggregate: its state, commands and events, and the two pure functions over them.
pub trait Aggregate {
    /// The stream name prefix, e.g. `complaint` for `complaint-<uuid>`.
    const KIND: &'static str;
    type State: Default;
    type Command;
    type Event: CatalogueEvent + Into<DomainEvent> + TryFrom<DomainEvent>;

    /// Whether `stream` is one of this aggregate's streams: `<KIND>-<id>`, or, for an
    /// aggregate with a single stream (LCP2's records), exactly `<KIND>`.
    fn is_own_stream(stream: &str) -> bool {
        stream
            .strip_prefix(Self::KIND)
            .and_then(|rest| rest.strip_prefix('-'))
            .is_some_and(|id| !id.is_empty())
    }

    /// Evolve: the state after `event`.
    fn apply(state: &mut Self::State, event: &Self::Event);

    /// Decide: the events `command` causes in `state`, or why it is refused.
    fn decide(
        state: &Self::State,
        command: Self::Command,
        ctx: &DecisionContext<'_>,
    ) -> Result<Vec<Self::Event>, DomainError>;

    /// The state after a history of events.
    fn fold<'e>(events: impl IntoIterator<Item = &'e Self::Event>) -> Self::State
    where
        Self::Event: 'e,
    {
        let mut state = Self::State::default();
        for e in events {
            Self::apply(&mut state, e);
        }
        state
    }
}
