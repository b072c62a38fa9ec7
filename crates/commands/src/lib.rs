//! # engage-commands: the application layer that turns a command into recorded events
//!
//! The domain ([`engage_domain`]) is pure: `decide(state, command, context) -> events`. This
//! crate does the I/O around it, the same way for every aggregate and every caller (GraphQL
//! mutations, `engage seed`, importers):
//!
//! 1. **Load**: read the aggregate's whole stream, page by page, decode every event with
//!    [`engage_domain::catalogue::decode_recorded`] (older schema versions are upcast) and
//!    fold it into the aggregate's `State`.
//! 2. **Decide**: call [`Aggregate::decide`] with a [`DecisionContext`] (the decision clock and
//!    the reference-data [`Lookups`]). A refusal is [`CommandError::Domain`] and nothing is
//!    written.
//! 3. **Append**: turn the events into `NewEvent`s with
//!    [`CatalogueEvent::to_new_event`] — the actor is the caller's authenticated identity,
//!    never anything from the command's input — and append them with
//!    `ExpectedVersion::Exact(version the decision was based on)`, or `NoStream` for a new
//!    stream.
//!
//! **Concurrency.** If the caller states the version it saw
//! ([`ExecuteOptions::expected_version`]), any mismatch is returned as
//! [`CommandError::Conflict`]: the caller decided on what it saw and must look again. If not,
//! a [`StoreError::Conflict`] (someone appended in between) makes the service re-load,
//! re-decide and re-append, up to [`CommandService::with_max_attempts`] times.
//!
//! **Idempotency.** With an [`ExecuteOptions::idempotency_key`], the event ids (and the default
//! correlation id) are derived from the key ([`event_id_for_key`]), so a command re-sent with
//! the same key — after a timeout, a lost response, a crash — is recorded once: the second
//! call finds the first call's events and returns them with `already_recorded: true`.
//!
//! **Personal data.** Every service has a key store ([`engage_privacy::KeyStore`]). Before
//! appending, each event's `personal` object is sealed with its data subject's key
//! ([`engage_privacy::seal_new_event`]), so the log (and its hash chain) holds ciphertext
//! only; the seal is deterministic, so an idempotent retry seals to the same bytes. Loading
//! a stream opens sealed details for the decision (a subject whose key was destroyed reads
//! as the `[erased]` placeholder, so the aggregate still folds). Erasure is
//! [`CommandService::erase_data_subject`] (see [`erasure`]).
//!
//! **Long-running writers.** [`CommandService::execute_on`] keeps a [`Loaded`] aggregate
//! between commands, so a writer issuing many commands to one aggregate (a seeder, an
//! importer) neither re-reads its history for every command nor reads at all while it is
//! the only writer. Correctness is unchanged: the append still names the version the
//! decision was based on, and a conflict (or a refusal) makes the service catch up with the
//! events appended since and decide again.

pub mod erasure;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use engage_domain::catalogue::{DecodeError, decode_recorded};
use engage_domain::{Aggregate, CatalogueEvent, DecisionContext, DomainError, Lookups};
use engage_log::{
    Actor, ActualVersion, EventStore, ExpectedVersion, PayloadError, RecordedPosition, StoreError,
    StreamId, Timestamp,
};
use engage_privacy::{KeyStore, PrivacyError, open_stored, seal_new_event};
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// How many events one `read_stream` call asks for while loading an aggregate.
pub const LOAD_PAGE: usize = 1_000;

/// How many appends [`CommandService::execute`] tries before giving up on a stream that
/// keeps changing under it (only when the caller gave no expected version).
pub const DEFAULT_MAX_ATTEMPTS: u32 = 12;

/// Why a command was not recorded.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    /// The decision refused the command; nothing was written.
    #[error(transparent)]
    Domain(#[from] DomainError),

    /// The stream was not at the version the command was decided on: either the caller's own
    /// expected version did not match, or the stream kept changing for every retry.
    #[error(
        "stream `{stream}` changed: the command expected version {expected}, but the stream {actual}"
    )]
    Conflict {
        stream: StreamId,
        expected: ExpectedVersion,
        actual: ActualVersion,
    },

    /// An event in the aggregate's history could not be decoded.
    #[error("the event at position {position} of stream `{stream}` cannot be read: {source}")]
    Decode {
        stream: StreamId,
        position: u64,
        #[source]
        source: DecodeError,
    },

    /// An event in the stream belongs to a different aggregate.
    #[error(
        "the event at position {position} of stream `{stream}` is a {event_type}, which is not an event of a {kind}"
    )]
    ForeignEvent {
        stream: StreamId,
        position: u64,
        event_type: String,
        kind: &'static str,
    },

    /// The stream's name is not one of this aggregate's streams (`<kind>-...`).
    #[error("stream `{stream}` is not a {kind} stream (expected `{kind}-...`)")]
    WrongStream {
        stream: StreamId,
        kind: &'static str,
    },

    /// The idempotency key was already used for a command on another stream.
    #[error(
        "idempotency key {key} was already used for a command on stream `{recorded_in}`, not `{stream}`"
    )]
    IdempotencyKeyReused {
        key: Uuid,
        stream: StreamId,
        recorded_in: StreamId,
    },

    /// A decided event could not be serialised as a payload (a bug in the domain types).
    #[error("the {event_type} event could not be serialised: {source}")]
    Encode {
        event_type: &'static str,
        #[source]
        source: PayloadError,
    },

    /// Personal data in the aggregate's history could not be opened (its sealed form fails
    /// authentication, or the key store failed).
    #[error(
        "the personal data in the event at position {position} of stream `{stream}` cannot be opened: {source}"
    )]
    Unsealable {
        stream: StreamId,
        position: u64,
        #[source]
        source: PrivacyError,
    },

    /// The command's personal data could not be sealed (e.g. its data subject was erased).
    #[error(transparent)]
    Privacy(#[from] PrivacyError),

    /// Erasure of a data subject about whom nothing personal was ever recorded.
    #[error("no personal data was ever recorded for data subject {0}: there is nothing to erase")]
    UnknownDataSubject(Uuid),

    /// The event store failed or refused the append.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl CommandError {
    /// A short, stable code for APIs (`DOMAIN`, `CONFLICT`, ...; store errors keep theirs).
    pub fn code(&self) -> &'static str {
        match self {
            Self::Domain(_) => "DOMAIN",
            Self::Conflict { .. } => "CONFLICT",
            Self::Decode { .. } | Self::ForeignEvent { .. } => "UNREADABLE_HISTORY",
            Self::WrongStream { .. } => "WRONG_STREAM",
            Self::IdempotencyKeyReused { .. } => "IDEMPOTENCY_MISMATCH",
            Self::Encode { .. } => "INTERNAL",
            Self::Unsealable { source, .. } => source.code(),
            Self::Privacy(e) => e.code(),
            Self::UnknownDataSubject(_) => "UNKNOWN_DATA_SUBJECT",
            Self::Store(e) => e.code(),
        }
    }
}

impl From<engage_privacy::KeyStoreError> for CommandError {
    fn from(e: engage_privacy::KeyStoreError) -> Self {
        Self::Privacy(PrivacyError::KeyStore(e))
    }
}

/// How a command is executed, beyond the command itself. `Default` is: no expected version
/// (retry on conflict), no idempotency key, fresh correlation id, decided and occurring now.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExecuteOptions {
    /// The stream version the caller based the command on (e.g. `Exact(v)` from a read
    /// model, `NoStream` to create). A mismatch is [`CommandError::Conflict`], never retried.
    pub expected_version: Option<ExpectedVersion>,
    /// Makes a re-sent command record its events once (see [`event_id_for_key`]).
    pub idempotency_key: Option<Uuid>,
    /// Groups the events of one request or workflow (default: derived from the idempotency
    /// key if there is one, else fresh).
    pub correlation_id: Option<Uuid>,
    /// The event or command that directly caused this one.
    pub causation_id: Option<Uuid>,
    /// Why, in the actor's words (recorded on every event of the command).
    pub reason: Option<String>,
    /// When it happened in the world (default: the decision time).
    pub occurred_at: Option<Timestamp>,
    /// The decision clock: events may not claim to happen after it (default: the wall
    /// clock). Backfills and seeding set it to the time the command was historically given.
    pub now: Option<Timestamp>,
}

impl ExecuteOptions {
    /// The command was decided on stream version `version`.
    pub fn expect_version(mut self, version: u64) -> Self {
        self.expected_version = Some(ExpectedVersion::Exact(version));
        self
    }

    /// The command creates the stream.
    pub fn expect_new_stream(mut self) -> Self {
        self.expected_version = Some(ExpectedVersion::NoStream);
        self
    }

    pub fn idempotency_key(mut self, key: Uuid) -> Self {
        self.idempotency_key = Some(key);
        self
    }

    pub fn correlation(mut self, correlation_id: Uuid, causation_id: Option<Uuid>) -> Self {
        self.correlation_id = Some(correlation_id);
        self.causation_id = causation_id;
        self
    }

    pub fn reason(mut self, reason: impl Into<String>) -> Self {
        self.reason = Some(reason.into());
        self
    }

    /// The command happened, and is decided, at `at` (for backfills and seeding).
    pub fn at(mut self, at: Timestamp) -> Self {
        self.occurred_at = Some(at);
        self.now = Some(at);
        self
    }
}

/// What an executed command recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Executed {
    pub stream: StreamId,
    /// Where each event landed, in order (empty if the decision produced no events).
    pub events: Vec<RecordedPosition>,
    /// The catalogue name of each event in `events`, in the same order.
    pub event_types: Vec<&'static str>,
    /// The stream's version after the command (`None` only if it still has no events).
    pub stream_version: Option<u64>,
    /// True when the idempotency key had already been executed: nothing new was written and
    /// `events` are the earlier call's.
    pub already_recorded: bool,
    /// How many appends it took (1 without conflicts; 0 if nothing needed appending).
    pub attempts: u32,
}

/// An aggregate's state as of a stream version, kept by a writer between commands.
pub struct Loaded<A: Aggregate> {
    pub state: A::State,
    /// The version of the last event folded in (`None`: the stream has no events).
    pub version: Option<u64>,
}

impl<A: Aggregate> Default for Loaded<A> {
    fn default() -> Self {
        Self {
            state: A::State::default(),
            version: None,
        }
    }
}

impl<A: Aggregate> Clone for Loaded<A>
where
    A::State: Clone,
{
    fn clone(&self) -> Self {
        Self {
            state: self.state.clone(),
            version: self.version,
        }
    }
}

impl<A: Aggregate> fmt::Debug for Loaded<A>
where
    A::State: fmt::Debug,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Loaded")
            .field("kind", &A::KIND)
            .field("state", &self.state)
            .field("version", &self.version)
            .finish()
    }
}

/// The id of the `index`-th event recorded by the command with idempotency key `key`: a
/// UUIDv8 from SHA-256 over a fixed tag, the key and the index. The same key always gives
/// the same ids, different keys (or indexes) different ones.
pub fn event_id_for_key(key: Uuid, index: u32) -> Uuid {
    derived_id(b"engage-commands/event-id/v1", key, index)
}

/// The correlation id used for a keyed command that names none.
pub fn correlation_id_for_key(key: Uuid) -> Uuid {
    derived_id(b"engage-commands/correlation-id/v1", key, 0)
}

fn derived_id(tag: &[u8], key: Uuid, index: u32) -> Uuid {
    let digest = Sha256::new()
        .chain_update(tag)
        .chain_update(key.as_bytes())
        .chain_update(index.to_be_bytes())
        .finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    Uuid::new_v8(bytes)
}

/// Executes commands against aggregates stored in an [`EventStore`], sealing personal data
/// with the keys of a [`KeyStore`]. Cheap to clone.
#[derive(Clone)]
pub struct CommandService {
    store: Arc<dyn EventStore>,
    keys: Arc<dyn KeyStore>,
    max_attempts: u32,
}

impl fmt::Debug for CommandService {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CommandService")
            .field("max_attempts", &self.max_attempts)
            .finish_non_exhaustive()
    }
}

impl CommandService {
    /// A service appending to `store` and keeping personal data's keys in `keys` (which must
    /// be the key store of that log: see `engage_privacy`).
    pub fn new(store: Arc<dyn EventStore>, keys: Arc<dyn KeyStore>) -> Self {
        Self {
            store,
            keys,
            max_attempts: DEFAULT_MAX_ATTEMPTS,
        }
    }

    /// How many appends to try when the stream keeps changing (at least 1).
    pub fn with_max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    pub fn store(&self) -> &Arc<dyn EventStore> {
        &self.store
    }

    pub fn keys(&self) -> &Arc<dyn KeyStore> {
        &self.keys
    }

    /// Read and fold `stream` from its first event.
    pub async fn load<A: Aggregate>(&self, stream: &StreamId) -> Result<Loaded<A>, CommandError> {
        check_stream::<A>(stream)?;
        let mut loaded = Loaded::<A>::default();
        self.catch_up(stream, &mut loaded).await?;
        Ok(loaded)
    }

    /// Fold into `loaded` every event of `stream` after `loaded.version`.
    pub async fn catch_up<A: Aggregate>(
        &self,
        stream: &StreamId,
        loaded: &mut Loaded<A>,
    ) -> Result<(), CommandError> {
        loop {
            let from = loaded.version.map_or(0, |v| v + 1);
            let page = self.store.read_stream(stream, from, LOAD_PAGE).await?;
            let full = page.len() == LOAD_PAGE;
            for recorded in &page {
                let opened = open_stored(
                    &recorded.event_type,
                    recorded.schema_version,
                    &recorded.payload,
                    &*self.keys,
                )
                .await
                .map_err(|source| CommandError::Unsealable {
                    stream: stream.clone(),
                    position: recorded.position,
                    source,
                })?;
                let event = match &opened {
                    Some(payload) => engage_domain::decode(
                        &recorded.event_type,
                        recorded.schema_version,
                        payload,
                    ),
                    None => decode_recorded(recorded),
                }
                .map_err(|source| CommandError::Decode {
                    stream: stream.clone(),
                    position: recorded.position,
                    source,
                })?;
                let event_type = event.event_type();
                let event = A::Event::try_from(event).map_err(|_| CommandError::ForeignEvent {
                    stream: stream.clone(),
                    position: recorded.position,
                    event_type: event_type.to_owned(),
                    kind: A::KIND,
                })?;
                A::apply(&mut loaded.state, &event);
                loaded.version = Some(recorded.stream_version);
            }
            if !full {
                return Ok(());
            }
        }
    }

    /// Load `stream`, decide `command` and record its events (see the crate docs).
    pub async fn execute<A>(
        &self,
        stream: &StreamId,
        command: A::Command,
        actor: &Actor,
        lookups: &(dyn Lookups + Sync),
        options: ExecuteOptions,
    ) -> Result<Executed, CommandError>
    where
        A: Aggregate,
        A::Command: Clone,
    {
        let mut loaded = self.load::<A>(stream).await?;
        self.run(stream, &mut loaded, true, command, actor, lookups, options)
            .await
    }

    /// Like [`execute`](Self::execute), starting from the state a long-running writer kept
    /// in `loaded` (start from `Loaded::default()`), which is left at the state after the
    /// command. `loaded` is trusted first: the append still names the version it is at, so
    /// if anyone else appended meanwhile the append conflicts and the command is decided
    /// again on the caught-up state; a refusal decided on it is also re-checked after
    /// catching up. So the result is the same as [`execute`](Self::execute)'s, without
    /// re-reading the stream for every command.
    pub async fn execute_on<A>(
        &self,
        stream: &StreamId,
        loaded: &mut Loaded<A>,
        command: A::Command,
        actor: &Actor,
        lookups: &(dyn Lookups + Sync),
        options: ExecuteOptions,
    ) -> Result<Executed, CommandError>
    where
        A: Aggregate,
        A::Command: Clone,
    {
        check_stream::<A>(stream)?;
        self.run(stream, loaded, false, command, actor, lookups, options)
            .await
    }

    /// Decide and append, retrying on conflicts. `fresh`: `loaded` was just read from the store.
    #[allow(clippy::too_many_arguments)]
    async fn run<A>(
        &self,
        stream: &StreamId,
        loaded: &mut Loaded<A>,
        mut fresh: bool,
        command: A::Command,
        actor: &Actor,
        lookups: &(dyn Lookups + Sync),
        options: ExecuteOptions,
    ) -> Result<Executed, CommandError>
    where
        A: Aggregate,
        A::Command: Clone,
    {
        let key = options.idempotency_key;
        if let Some(key) = key
            && let Some(done) = self.recorded_for_key(stream, key).await?
        {
            self.catch_up(stream, loaded).await?;
            return Ok(done);
        }
        let correlation_id = options
            .correlation_id
            .or_else(|| key.map(correlation_id_for_key))
            .unwrap_or_else(Uuid::now_v7);
        let mut attempts = 0u32;
        loop {
            if let Some(expected) = options.expected_version
                && !expected.is_satisfied_by(loaded.version)
            {
                if !fresh {
                    self.catch_up(stream, loaded).await?;
                    fresh = true;
                    continue;
                }
                return Err(CommandError::Conflict {
                    stream: stream.clone(),
                    expected,
                    actual: ActualVersion::from_option(loaded.version),
                });
            }
            let now = options.now.unwrap_or_else(Utc::now);
            let decided = {
                let ctx = DecisionContext::new(now, lookups);
                A::decide(&loaded.state, command.clone(), &ctx)
            };
            let events = match decided {
                Ok(events) => events,
                Err(refused) => {
                    if !fresh {
                        let before = loaded.version;
                        self.catch_up(stream, loaded).await?;
                        fresh = true;
                        if loaded.version != before {
                            continue;
                        }
                    }
                    return Err(refused.into());
                }
            };
            if events.is_empty() {
                return Ok(Executed {
                    stream: stream.clone(),
                    events: Vec::new(),
                    event_types: Vec::new(),
                    stream_version: loaded.version,
                    already_recorded: false,
                    attempts,
                });
            }
            let occurred_at = options.occurred_at.unwrap_or(now);
            let mut new_events = Vec::with_capacity(events.len());
            for (index, event) in events.iter().enumerate() {
                let mut new = event
                    .to_new_event(actor.clone(), occurred_at)
                    .map_err(|source| CommandError::Encode {
                        event_type: event.event_type(),
                        source,
                    })?
                    .with_correlation(correlation_id, options.causation_id);
                new.reason.clone_from(&options.reason);
                if let Some(key) = key {
                    let index = u32::try_from(index).unwrap_or(u32::MAX);
                    new = new.with_event_id(event_id_for_key(key, index));
                }
                // Sealed after the event id is final: the nonce is derived from it.
                seal_new_event(&mut new, &*self.keys).await?;
                new_events.push(new);
            }
            let expected = loaded
                .version
                .map_or(ExpectedVersion::NoStream, ExpectedVersion::Exact);
            attempts += 1;
            match self.store.append(stream, expected, new_events).await {
                Ok(outcome) => {
                    if outcome.already_recorded {
                        self.catch_up(stream, loaded).await?;
                    } else {
                        for event in &events {
                            A::apply(&mut loaded.state, event);
                        }
                        loaded.version = Some(outcome.stream_version());
                    }
                    return Ok(Executed {
                        stream: stream.clone(),
                        stream_version: Some(outcome.stream_version()),
                        events: outcome.events,
                        event_types: events.iter().map(|e| e.event_type()).collect(),
                        already_recorded: outcome.already_recorded,
                        attempts,
                    });
                }
                Err(StoreError::Conflict {
                    expected, actual, ..
                }) => {
                    if options.expected_version.is_some() || attempts >= self.max_attempts {
                        return Err(CommandError::Conflict {
                            stream: stream.clone(),
                            expected: options.expected_version.unwrap_or(expected),
                            actual,
                        });
                    }
                    tracing::debug!(%stream, attempts, %actual, "conflict; deciding again");
                    if fresh {
                        // A real race with another writer: let the racers spread out.
                        tokio::time::sleep(backoff(attempts, correlation_id)).await;
                    }
                    self.catch_up(stream, loaded).await?;
                    fresh = true;
                }
                Err(err @ StoreError::IdempotencyMismatch { .. }) => {
                    // A concurrent call with the same key may have won the race with
                    // slightly different content (another `occurred_at`): that call's
                    // events are the command's.
                    if let Some(key) = key
                        && let Some(done) = self.recorded_for_key(stream, key).await?
                    {
                        self.catch_up(stream, loaded).await?;
                        return Ok(done);
                    }
                    return Err(err.into());
                }
                Err(err) => return Err(err.into()),
            }
        }
    }

    /// The events an earlier execution with idempotency key `key` recorded, if any.
    async fn recorded_for_key(
        &self,
        stream: &StreamId,
        key: Uuid,
    ) -> Result<Option<Executed>, CommandError> {
        let Some(first) = self.store.event_by_id(event_id_for_key(key, 0)).await? else {
            return Ok(None);
        };
        if &first.stream_id != stream {
            return Err(CommandError::IdempotencyKeyReused {
                key,
                stream: stream.clone(),
                recorded_in: first.stream_id,
            });
        }
        let mut events = Vec::new();
        let mut event_types = Vec::new();
        let mut from = first.stream_version;
        'pages: loop {
            let page = self.store.read_stream(stream, from, LOAD_PAGE).await?;
            let full = page.len() == LOAD_PAGE;
            for e in &page {
                let index = u32::try_from(events.len()).unwrap_or(u32::MAX);
                if e.event_id != event_id_for_key(key, index) {
                    break 'pages;
                }
                let decoded = decode_recorded(e).map_err(|source| CommandError::Decode {
                    stream: stream.clone(),
                    position: e.position,
                    source,
                })?;
                event_types.push(decoded.event_type());
                events.push(RecordedPosition {
                    event_id: e.event_id,
                    position: e.position,
                    stream_version: e.stream_version,
                });
                from = e.stream_version + 1;
            }
            if !full {
                break;
            }
        }
        let stream_version = events.last().map(|e| e.stream_version);
        Ok(Some(Executed {
            stream: stream.clone(),
            events,
            event_types,
            stream_version,
            already_recorded: true,
            attempts: 0,
        }))
    }
}

/// `stream` must be one of `A`'s streams (`<A::KIND>-...`, see [`Aggregate::is_own_stream`]).
fn check_stream<A: Aggregate>(stream: &StreamId) -> Result<(), CommandError> {
    if A::is_own_stream(stream.as_str()) {
        Ok(())
    } else {
        Err(CommandError::WrongStream {
            stream: stream.clone(),
            kind: A::KIND,
        })
    }
}

/// A short, jittered pause before deciding again, growing with the attempt (at most ~64 ms),
/// so that writers racing for one stream spread out instead of colliding again.
fn backoff(attempt: u32, salt: Uuid) -> Duration {
    let cap_micros = 500u64 << attempt.min(7);
    let noise = Uuid::now_v7().as_u128() ^ salt.as_u128().rotate_left(attempt);
    let jitter = u64::try_from(noise % u128::from(cap_micros)).unwrap_or(0);
    Duration::from_micros(cap_micros / 2 + jitter)
}
