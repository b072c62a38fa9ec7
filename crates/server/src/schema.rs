//! The GraphQL schema: queries over the event log, a mutation for every command of the
//! domain (see [`crate::mutations`]) and a live subscription to the log.

use std::sync::Arc;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextSubscribe, NextValidation,
};
use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{
    Context, InputValueError, InputValueResult, Json, MergedObject, MergedSubscription, Object,
    Scalar, ScalarType, Schema, ServerError, ServerResult, SimpleObject, Subscription,
    ValidationResult, Value, Variables,
};
use chrono::{DateTime, Utc};
use engage_access::QueryClass;
use engage_log::{EventStore, RecordedEvent, StreamId};
use futures::stream::{BoxStream, Stream, StreamExt};

use crate::errors::{ErrorCode, ensure_code, store_error};
use crate::mutations::{CommandContext, MutationRoot};
use crate::pagination::{CursorKind, PageArgs};
use crate::read::{
    BoardQuery, CommunityQuery, CustodyVisitQuery, FundQuery, PartnershipQuery, PerformanceQuery,
    PoliceComplaintCaseQuery, PriorityQuery, ReadQuery, ReadSide, ReadSubscription, ReferenceQuery,
    ScorecardQuery, StopSearchQuery, WardPanelQuery,
};

/// The schema served at `/graphql`.
pub type EngageSchema = Schema<QueryRoot, MutationRoot, SubscriptionRoot>;

/// GraphQL names defined by two Rust types that mean the same thing: the server's `UUID`
/// scalar (which refuses malformed literals and variables during validation) and the
/// `uuid::Uuid` fields of the domain's command inputs. The query root registers the
/// server's first, so its definition is the one served; both read the same text.
const SHARED_TYPE_NAMES: [&str; 1] = ["UUID"];

/// Page size used when a connection is asked for neither `first` nor `last` (capped by the
/// configured maximum). Also the page size assumed when estimating a query's complexity.
pub const DEFAULT_PAGE_SIZE: usize = 100;

/// Limits the schema enforces.
#[derive(Debug, Clone, Copy)]
pub struct SchemaLimits {
    /// Largest `first` / `last` a connection accepts.
    pub max_page_size: usize,
    /// Deepest selection accepted (the standard introspection query needs 15).
    pub max_depth: usize,
    /// Largest estimated query cost accepted; a connection field costs its page size times
    /// the cost of its selection.
    pub max_complexity: usize,
}

/// What resolvers reach through the context.
struct Shared {
    store: Arc<dyn EventStore>,
    max_page_size: usize,
}

/// The largest page size, for resolvers outside this module.
pub(crate) struct MaxPageSize(pub usize);

fn shared<'a>(ctx: &Context<'a>) -> async_graphql::Result<&'a Shared> {
    ctx.data::<Shared>()
        .map_err(|_| ErrorCode::Internal.error("the schema was built without its event store"))
}

/// Build the schema over `store` and the read models of `read` (whose engine the caller
/// runs, see [`ReadSide::start`]); mutations execute commands through `commands`.
pub fn build_schema(
    store: Arc<dyn EventStore>,
    read: ReadSide,
    commands: CommandContext,
    limits: SchemaLimits,
) -> EngageSchema {
    Schema::build_with_ignore_name_conflicts(
        QueryRoot::default(),
        MutationRoot::default(),
        SubscriptionRoot::default(),
        SHARED_TYPE_NAMES,
    )
    .data(commands)
    .data(Shared {
        store,
        max_page_size: limits.max_page_size,
    })
    .data(MaxPageSize(limits.max_page_size))
    .data(read)
    .limit_depth(limits.max_depth)
    .limit_complexity(limits.max_complexity)
    .extension(ErrorCodes { limits })
    .finish()
}

/// The schema's SDL exactly as the server serves it (committed as `schema.graphql`; a test
/// fails when they differ), `@specifiedBy` included as introspection reports it.
pub fn sdl() -> String {
    Schema::build_with_ignore_name_conflicts(
        QueryRoot::default(),
        MutationRoot::default(),
        SubscriptionRoot::default(),
        SHARED_TYPE_NAMES,
    )
    .finish()
    .sdl_with_options(async_graphql::SDLExportOptions::new().include_specified_by())
}

// ---------------------------------------------------------------------------------------
// Scalars and object types
// ---------------------------------------------------------------------------------------

/// A UUID in its hyphenated text form. Malformed literals fail validation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Uuid(pub uuid::Uuid);

/// A UUID, written as a string in its hyphenated form (RFC 9562).
#[Scalar(
    name = "UUID",
    specified_by_url = "https://www.rfc-editor.org/rfc/rfc9562"
)]
impl ScalarType for Uuid {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(s) => uuid::Uuid::parse_str(s)
                .map(Uuid)
                .map_err(|e| InputValueError::custom(format!("`{s}` is not a UUID: {e}"))),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn is_valid(value: &Value) -> bool {
        matches!(value, Value::String(s) if uuid::Uuid::parse_str(s).is_ok())
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.hyphenated().to_string())
    }
}

/// The end of the log.
#[derive(SimpleObject)]
pub struct LogHead {
    /// Position of the last event (0 for an empty log); also the number of events.
    position: u64,
    /// The chain hash sealing every event up to `position` (hex SHA-256).
    hash: String,
}

/// Who caused an event: the identity, the role it acted in, and the organisation it acted for.
#[derive(SimpleObject)]
#[graphql(name = "Actor")]
pub struct ActorObject {
    id: String,
    role: String,
    organisation: String,
}

impl ActorObject {
    pub(crate) fn new(id: String, role: String, organisation: String) -> Self {
        Self {
            id,
            role,
            organisation,
        }
    }
}

impl From<&engage_log::Actor> for ActorObject {
    fn from(a: &engage_log::Actor) -> Self {
        Self {
            id: a.id.clone(),
            role: a.role.clone(),
            organisation: a.organisation.clone(),
        }
    }
}

/// A recorded event, exactly as the log holds it.
#[derive(Clone)]
pub struct Event(Arc<RecordedEvent>);

impl From<RecordedEvent> for Event {
    fn from(e: RecordedEvent) -> Self {
        Self(Arc::new(e))
    }
}

#[Object]
impl Event {
    /// Id the writer gave the event (UUIDv7).
    async fn event_id(&self) -> Uuid {
        Uuid(self.0.event_id)
    }
    /// Global position: 1 for the log's first event, gapless.
    async fn position(&self) -> u64 {
        self.0.position
    }
    async fn stream_id(&self) -> &str {
        self.0.stream_id.as_str()
    }
    /// Version within the stream: 0 for the stream's first event, gapless.
    async fn stream_version(&self) -> u64 {
        self.0.stream_version
    }
    /// Catalogue name, e.g. `VictimComplaintRaised`.
    async fn event_type(&self) -> &str {
        &self.0.event_type
    }
    async fn schema_version(&self) -> u32 {
        self.0.schema_version
    }
    /// When it happened in the world.
    async fn occurred_at(&self) -> DateTime<Utc> {
        self.0.occurred_at
    }
    /// When the log recorded it.
    async fn recorded_at(&self) -> DateTime<Utc> {
        self.0.recorded_at
    }
    async fn actor(&self) -> ActorObject {
        ActorObject::from(&self.0.actor)
    }
    /// Groups every event caused by one request or workflow.
    async fn correlation_id(&self) -> Uuid {
        Uuid(self.0.correlation_id)
    }
    /// The event or command that directly caused this one.
    async fn causation_id(&self) -> Option<Uuid> {
        self.0.causation_id.map(Uuid)
    }
    /// Why, in the actor's words.
    async fn reason(&self) -> Option<&str> {
        self.0.reason.as_deref()
    }
    /// The event's body: a JSON object. Personal data (`personal` objects) the caller may
    /// not see is replaced by `{"data_subject_id": …, "redacted": true}`; personal data
    /// shown is recorded in the log (`PersonalDataViewed`). See `docs/access.md`.
    async fn payload(&self, ctx: &Context<'_>) -> async_graphql::Result<Json<serde_json::Value>> {
        let mut payload = self.0.payload.to_value().map_err(|e| {
            tracing::error!(position = self.0.position, error = %e, "stored payload is not JSON");
            ErrorCode::Internal.error(format!(
                "the payload of the event at position {} cannot be read",
                self.0.position
            ))
        })?;
        crate::access::shown_payload(ctx, &self.0, &mut payload).await?;
        Ok(Json(payload))
    }
    /// Chain hash of this event (hex SHA-256 over its envelope and the previous hash).
    async fn hash(&self) -> String {
        self.0.hash.to_hex()
    }
}

/// Relay page information.
#[derive(SimpleObject)]
pub struct PageInfo {
    pub(crate) has_previous_page: bool,
    pub(crate) has_next_page: bool,
    pub(crate) start_cursor: Option<String>,
    pub(crate) end_cursor: Option<String>,
}

#[derive(SimpleObject)]
pub struct EventEdge {
    cursor: String,
    node: Event,
}

/// A page of events (Relay cursor connection).
#[derive(SimpleObject)]
pub struct EventConnection {
    edges: Vec<EventEdge>,
    /// The same events as `edges`, without cursors.
    nodes: Vec<Event>,
    page_info: PageInfo,
    /// How many events the whole sequence holds (the log's head position, or the stream's
    /// event count), not just this page.
    total_count: u64,
}

impl EventConnection {
    pub(crate) fn from_events(
        events: Vec<RecordedEvent>,
        kind: CursorKind,
        has_previous_page: bool,
        has_next_page: bool,
        total_count: u64,
    ) -> Self {
        Self::new(events, kind, has_previous_page, has_next_page, total_count)
    }

    fn new(
        events: Vec<RecordedEvent>,
        kind: CursorKind,
        has_previous_page: bool,
        has_next_page: bool,
        total_count: u64,
    ) -> Self {
        let key = |e: &RecordedEvent| match kind {
            CursorKind::Position => e.position,
            CursorKind::Version => e.stream_version,
        };
        let start_cursor = events.first().map(|e| kind.encode(key(e)));
        let end_cursor = events.last().map(|e| kind.encode(key(e)));
        let nodes: Vec<Event> = events.into_iter().map(Event::from).collect();
        let edges = nodes
            .iter()
            .map(|n| EventEdge {
                cursor: kind.encode(key(&n.0)),
                node: n.clone(),
            })
            .collect();
        Self {
            edges,
            nodes,
            page_info: PageInfo {
                has_previous_page,
                has_next_page,
                start_cursor,
                end_cursor,
            },
            total_count,
        }
    }
}

/// A stream's current metadata.
#[derive(SimpleObject)]
pub struct StreamMetadata {
    /// Version of the metadata (0 for the first metadata set on the stream).
    version: u64,
    metadata: Json<serde_json::Value>,
    set_at: DateTime<Utc>,
    set_by: ActorObject,
}

// ---------------------------------------------------------------------------------------
// Query
// ---------------------------------------------------------------------------------------

/// Complexity of a connection field: its selection's cost once per item of the page.
pub(crate) fn page_cost(first: Option<i32>, last: Option<i32>, child_complexity: usize) -> usize {
    let size = first
        .or(last)
        .map_or(DEFAULT_PAGE_SIZE, |n| usize::try_from(n).unwrap_or(0));
    size.max(1)
        .saturating_mul(child_complexity)
        .saturating_add(1)
}

/// The root query: the log ([`LogQuery`]) and the read models ([`ReadQuery`]).
#[derive(MergedObject, Default)]
#[graphql(name = "Query")]
pub struct QueryRoot(
    LogQuery,
    ReadQuery,
    ScorecardQuery,
    PriorityQuery,
    CustodyVisitQuery,
    PoliceComplaintCaseQuery,
    WardPanelQuery,
    BoardQuery,
    StopSearchQuery,
    FundQuery,
    ReferenceQuery,
    PerformanceQuery,
    CommunityQuery,
    PartnershipQuery,
);

/// Queries over the log itself.
#[derive(Default)]
pub struct LogQuery;

#[Object]
impl LogQuery {
    /// The end of the log: its length and the hash sealing it.
    async fn head(&self, ctx: &Context<'_>) -> async_graphql::Result<LogHead> {
        let head = shared(ctx)?.store.head().await.map_err(store_error)?;
        Ok(LogHead {
            position: head.position,
            hash: head.hash.to_hex(),
        })
    }

    /// The whole log in position order. Cursors are positions; `totalCount` is the head
    /// position. `first` / `last` may be at most the server's maximum page size.
    #[graphql(complexity = "page_cost(first, last, child_complexity)")]
    async fn events(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<EventConnection> {
        crate::access::require_query(ctx, QueryClass::Log)?;
        let shared = shared(ctx)?;
        let args = PageArgs {
            first,
            after,
            last,
            before,
        };
        let page = args.check(
            CursorKind::Position,
            DEFAULT_PAGE_SIZE,
            shared.max_page_size,
        )?;
        let head = shared.store.head().await.map_err(store_error)?;
        let last_position = (head.position > 0).then_some(head.position);
        let window = page.window(1, last_position);
        let events = if window.len == 0 {
            Vec::new()
        } else {
            shared
                .store
                .read_all(window.start, window.len as usize)
                .await
                .map_err(store_error)?
        };
        Ok(EventConnection::new(
            events,
            CursorKind::Position,
            window.has_previous_page,
            window.has_next_page,
            head.position,
        ))
    }

    /// One stream in version order. Cursors are stream versions; `totalCount` is the
    /// stream's number of events. An unknown stream is an empty connection.
    #[graphql(complexity = "page_cost(first, last, child_complexity)")]
    async fn stream(
        &self,
        ctx: &Context<'_>,
        id: String,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<EventConnection> {
        crate::access::require_query(ctx, QueryClass::Log)?;
        let shared = shared(ctx)?;
        let args = PageArgs {
            first,
            after,
            last,
            before,
        };
        let page = args.check(CursorKind::Version, DEFAULT_PAGE_SIZE, shared.max_page_size)?;
        let stream = StreamId::new(id);
        let last_version = shared
            .store
            .stream_version(&stream)
            .await
            .map_err(store_error)?;
        let window = page.window(0, last_version);
        let events = if window.len == 0 {
            Vec::new()
        } else {
            shared
                .store
                .read_stream(&stream, window.start, window.len as usize)
                .await
                .map_err(store_error)?
        };
        Ok(EventConnection::new(
            events,
            CursorKind::Version,
            window.has_previous_page,
            window.has_next_page,
            last_version.map_or(0, |v| v + 1),
        ))
    }

    /// The event with this id, or null if the log has none.
    async fn event(&self, ctx: &Context<'_>, id: Uuid) -> async_graphql::Result<Option<Event>> {
        crate::access::require_query(ctx, QueryClass::Log)?;
        let found = shared(ctx)?
            .store
            .event_by_id(id.0)
            .await
            .map_err(store_error)?;
        Ok(found.map(Event::from))
    }

    /// The stream's current metadata, or null if none was ever set.
    async fn stream_metadata(
        &self,
        ctx: &Context<'_>,
        id: String,
    ) -> async_graphql::Result<Option<StreamMetadata>> {
        crate::access::require_query(ctx, QueryClass::Log)?;
        let found = shared(ctx)?
            .store
            .stream_metadata(&StreamId::new(id))
            .await
            .map_err(store_error)?;
        let Some(meta) = found else {
            return Ok(None);
        };
        let metadata = meta.metadata.to_value().map_err(|e| {
            tracing::error!(error = %e, "stored stream metadata is not JSON");
            ErrorCode::Internal.error("the stream's metadata cannot be read")
        })?;
        Ok(Some(StreamMetadata {
            version: meta.version,
            metadata: Json(metadata),
            set_at: meta.set_at,
            set_by: ActorObject::from(&meta.set_by),
        }))
    }
}

// ---------------------------------------------------------------------------------------
// Subscription
// ---------------------------------------------------------------------------------------

/// The root subscription: the log ([`LogSubscription`]) and the read models
/// ([`ReadSubscription`]).
#[derive(MergedSubscription, Default)]
#[graphql(name = "Subscription")]
pub struct SubscriptionRoot(LogSubscription, ReadSubscription);

#[derive(Default)]
pub struct LogSubscription;

#[Subscription]
impl LogSubscription {
    /// Events as the log records them. With `fromPosition`, the history from that position
    /// (inclusive; 1 = the beginning) comes first, then live events; without it, only events
    /// recorded after the subscription started. `eventType` keeps only events of that type;
    /// `streamPrefix` keeps only events of streams whose id starts with it; `borough` (a
    /// GSS code) keeps only events about that borough: the borough in the event, else the
    /// borough of the record its stream belongs to (pan-London events have none).
    async fn events(
        &self,
        ctx: &Context<'_>,
        from_position: Option<u64>,
        event_type: Option<String>,
        stream_prefix: Option<String>,
        borough: Option<String>,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<Event>> + use<>> {
        crate::access::require_query(ctx, QueryClass::Log)?;
        let mut borough = borough
            .map(|b| crate::read::borough_filter(ctx, &b))
            .transpose()?;
        let shared = shared(ctx)?;
        let store = Arc::clone(&shared.store);
        let from = match from_position {
            Some(p) => p.max(1),
            None => store.head().await.map_err(store_error)?.position + 1,
        };
        let events = engage_log::subscribe_all(store, from).filter_map(move |item| {
            let keep = match &item {
                Ok(e) => {
                    event_type.as_deref().is_none_or(|t| e.event_type == t)
                        && stream_prefix
                            .as_deref()
                            .is_none_or(|p| e.stream_id.as_str().starts_with(p))
                        && borough.as_mut().is_none_or(|(code, of)| {
                            of.borough(e).as_deref() == Some(code.as_str())
                        })
                }
                Err(_) => true,
            };
            let out = keep.then(|| item.map(Event::from).map_err(store_error));
            futures::future::ready(out)
        });
        Ok(events)
    }
}

// ---------------------------------------------------------------------------------------
// Error codes for errors async-graphql raises itself
// ---------------------------------------------------------------------------------------

/// Gives every error the schema produces an `extensions.code`: parse failures, validation
/// failures (including the depth and complexity limits), and, on subscriptions, anything
/// else. The HTTP handler classifies the errors of queries itself (see [`crate::http`]).
/// It also says which limit a query went over, and what the limit is.
struct ErrorCodes {
    limits: SchemaLimits,
}

impl ExtensionFactory for ErrorCodes {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(ErrorCodesExtension {
            limits: self.limits,
        })
    }
}

struct ErrorCodesExtension {
    limits: SchemaLimits,
}

impl ErrorCodesExtension {
    /// async-graphql's messages for its limits name neither the limit nor what to do.
    fn explain_limit(&self, mut err: ServerError) -> ServerError {
        match err.message.as_str() {
            "Query is nested too deep." => {
                err.message = format!(
                    "the query is nested more than {} levels deep, the server's limit: select fewer levels of nested fields",
                    self.limits.max_depth
                );
            }
            "Query is too complex." => {
                err.message = format!(
                    "the query's estimated cost is over the server's limit of {}: each connection costs its page size (`first`/`last`, {} when not given) times its selection, so ask for smaller pages or fewer fields",
                    self.limits.max_complexity, DEFAULT_PAGE_SIZE
                );
            }
            _ => {}
        }
        err
    }
}

fn coded(mut errors: Vec<ServerError>, code: ErrorCode) -> Vec<ServerError> {
    for err in &mut errors {
        if err
            .extensions
            .as_ref()
            .is_none_or(|e| e.get("code").is_none())
        {
            err.extensions
                .get_or_insert_with(Default::default)
                .set("code", code.as_str());
        }
    }
    errors
}

#[async_trait::async_trait]
impl Extension for ErrorCodesExtension {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        next.run(ctx, query, variables).await.map_err(|e| {
            coded(vec![e], ErrorCode::GraphqlParseFailed)
                .pop()
                .unwrap_or_else(|| ErrorCode::GraphqlParseFailed.server_error("parse failed"))
        })
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        next.run(ctx).await.map_err(|errors| {
            let errors = errors.into_iter().map(|e| self.explain_limit(e)).collect();
            coded(errors, ErrorCode::GraphqlValidationFailed)
        })
    }

    fn subscribe<'s>(
        &self,
        ctx: &ExtensionContext<'_>,
        stream: BoxStream<'s, async_graphql::Response>,
        next: NextSubscribe<'_>,
    ) -> BoxStream<'s, async_graphql::Response> {
        next.run(ctx, stream)
            .map(|mut response| {
                let request_error = response.data == Value::Null
                    && response.errors.iter().all(|e| e.path.is_empty());
                for err in &mut response.errors {
                    ensure_code(err, request_error);
                }
                response
            })
            .boxed()
    }
}
