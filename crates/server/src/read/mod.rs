//! The read side of the schema: the read models the projection engine keeps current
//! (`engage-projections`), as Relay connections with filters and ordering, single records
//! by id and through `node(id:)`, as of any past point (`asOf`), with the provenance of every
//! record; plus the audit trail over the log.

use std::sync::Arc;

use async_graphql::{Context, Enum, ID, InputObject, Interface, Object, SimpleObject};
use chrono::{DateTime, Utc};
use engage_log::EventStore;
use engage_projections::models::{AuditFilter, Complaint, ComplaintStatus, Complaints};
use engage_projections::{
    AsOf, AsOfCache, Checkpointed, Engine, EngineConfig, ReadModel, ReadModels, RecordedBound,
};
use uuid::Uuid as RawUuid;

use crate::errors::{ErrorCode, store_error};

mod boards;
mod community;
mod custody_visits;
mod event_borough;
mod fund;
mod listing;
mod partnerships;
mod performance;
mod police_complaints;
mod priorities;
mod reference;
mod scorecard;
mod stop_search;
mod subscription;
mod ward_panels;
use crate::pagination::{CursorKind, PageArgs, PageSize};
use crate::schema::{ActorObject, Event, EventConnection, PageInfo, Uuid};
pub use boards::BoardQuery;
use boards::{ActionItemObject, BoardMeetingObject, BoardObject};
pub use community::CommunityQuery;
use community::{IagObject, PaybackProjectObject, WatchSchemeObject};
use custody_visits::CustodyVisitObject;
pub use custody_visits::CustodyVisitQuery;
pub use fund::FundQuery;
use fund::{FundRoundObject, PreventionBidObject};
pub(crate) use listing::{ListArgs, connection, day_key, day_text_key, list, text_key, time_key};
pub use partnerships::PartnershipQuery;
use partnerships::{Lcp2GroupObject, PartnershipBoardObject};
pub use performance::PerformanceQuery;
use performance::{ConfidenceResultObject, CrimeFigureObject};
use police_complaints::PoliceComplaintCaseObject;
pub use police_complaints::PoliceComplaintCaseQuery;
use priorities::PriorityObject;
pub use priorities::PriorityQuery;
pub use reference::ReferenceQuery;
use reference::{CustodySuiteObject, WardObject};
use scorecard::ScorecardCache;
pub use scorecard::ScorecardQuery;
use stop_search::StopSearchBatchObject;
pub use stop_search::StopSearchQuery;
pub use subscription::ReadSubscription;
use ward_panels::WardPanelObject;
pub use ward_panels::WardPanelQuery;

/// What the server reads from: the read models, the engine keeping them current, and a
/// cache of as-of replays.
#[derive(Clone)]
pub struct ReadSide {
    pub models: ReadModels,
    pub engine: Arc<Engine>,
    pub as_of: Arc<AsOfCache>,
    /// The last few live scorecards, by arguments and applied position.
    scorecards: Arc<ScorecardCache>,
}

impl ReadSide {
    /// Start the engine on the current tokio runtime: restore snapshots (if it keeps them),
    /// catch up, then follow the log until `stop` resolves, when it stores its snapshots.
    pub fn start(
        &self,
        stop: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> tokio::task::JoinHandle<()> {
        let engine = Arc::clone(&self.engine);
        tokio::spawn(async move {
            match engine.restore().await {
                Ok(restored) if !restored.is_empty() => {
                    tracing::info!(models = ?restored, "read models restored from their snapshots");
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(error = %e, "read-model snapshots could not be restored; rebuilding from the log")
                }
            }
            engine.run(stop).await;
        })
    }

    /// Every built-in read model over `store`, without snapshots (they are rebuilt from the
    /// log when the engine starts).
    pub fn in_memory(store: Arc<dyn EventStore>) -> Self {
        Self::with_engine(Engine::new(store, EngineConfig::default()))
    }

    /// Every built-in read model in `engine` (which may keep snapshots).
    pub fn with_engine(mut engine: Engine) -> Self {
        let models = ReadModels::new();
        // Registering every built-in model cannot name an unknown one.
        let _ = models.register(&mut engine, None);
        Self {
            models,
            engine: Arc::new(engine),
            as_of: Arc::new(AsOfCache::new(16)),
            scorecards: Arc::new(ScorecardCache::default()),
        }
    }

    fn store(&self) -> Arc<dyn EventStore> {
        Arc::clone(self.engine.store())
    }
}

/// What the `events(borough:)` subscription filters with: `borough` checked, and a
/// [`event_borough::BoroughOf`] over the live read models.
pub(crate) fn borough_filter(
    ctx: &Context<'_>,
    borough: &str,
) -> async_graphql::Result<(String, event_borough::BoroughOf)> {
    let code = scorecard::check_borough(borough)?;
    let models = read_side(ctx)?.models.clone();
    Ok((code.0, event_borough::BoroughOf::new(models)))
}

fn read_side<'a>(ctx: &Context<'a>) -> async_graphql::Result<&'a ReadSide> {
    ctx.data::<ReadSide>()
        .map_err(|_| ErrorCode::Internal.error("the schema was built without its read models"))
}

// ---------------------------------------------------------------------------------------
// As of
// ---------------------------------------------------------------------------------------

/// A past point to read a model at. Record time (`position` or `recordedAt`: what the
/// system knew then) and world time (`occurredAt`: what had happened by then) can be
/// combined: "what was true on 1 March as recorded by 1 April" is
/// `{occurredAt: "…-03-01…", recordedAt: "…-04-01…"}`.
#[derive(InputObject, Debug, Clone, Copy, Default)]
pub struct AsOfInput {
    /// Only events at positions up to and including this one.
    pub position: Option<u64>,
    /// Only events recorded at or before this instant.
    pub recorded_at: Option<DateTime<Utc>>,
    /// Only events that occurred at or before this instant.
    pub occurred_at: Option<DateTime<Utc>>,
}

impl AsOfInput {
    fn to_as_of(self) -> async_graphql::Result<AsOf> {
        let recorded = match (self.position, self.recorded_at) {
            (Some(_), Some(_)) => {
                return Err(ErrorCode::Validation
                    .error("`asOf` takes `position` or `recordedAt`, not both"));
            }
            (Some(p), None) => Some(RecordedBound::Position(p)),
            (None, Some(t)) => Some(RecordedBound::At(t)),
            (None, None) => None,
        };
        Ok(AsOf {
            recorded,
            occurred: self.occurred_at,
        })
    }
}

/// Run `f` over model `M`: the live model, or the model as of `as_of`.
async fn with_model<M: ReadModel, R>(
    ctx: &Context<'_>,
    project: impl Fn(&ReadModels) -> &engage_projections::Projection<M>,
    as_of: Option<AsOfInput>,
    f: impl FnOnce(&Checkpointed<M>) -> async_graphql::Result<R>,
) -> async_graphql::Result<R> {
    let read = read_side(ctx)?;
    let as_of = as_of.map(AsOfInput::to_as_of).transpose()?;
    match as_of.filter(|a| !a.is_now()) {
        None => {
            let guard = project(&read.models).read();
            f(&guard)
        }
        Some(as_of) => {
            let models = read
                .as_of
                .models(read.store(), as_of)
                .await
                .map_err(projection_error)?;
            let guard = project(&models).read();
            f(&guard)
        }
    }
}

fn projection_error(e: engage_projections::ProjectionError) -> async_graphql::Error {
    match e {
        engage_projections::ProjectionError::Store(s) => store_error(s),
        other => {
            tracing::error!(error = %other, "a read model could not be computed");
            ErrorCode::Internal
                .error("the read model could not be computed; the details are in the server log")
        }
    }
}

// ---------------------------------------------------------------------------------------
// Keyed pagination over read-model records
// ---------------------------------------------------------------------------------------

/// Sort direction of a listing.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortOrder {
    /// Oldest first.
    #[default]
    Ascending,
    /// Newest first.
    Descending,
}

/// A page of `items`, which are sorted by their cursor keys (strings that sort like the
/// listing's order). Cursors are `key:<key>`.
pub(crate) struct KeyedPage<T> {
    pub items: Vec<(String, T)>,
    pub page_info: PageInfo,
    pub total_count: u64,
}

const KEY_CURSOR: &str = "key:";

fn decode_key(cursor: &str, argument: &str) -> async_graphql::Result<String> {
    cursor
        .strip_prefix(KEY_CURSOR)
        .map(str::to_owned)
        .ok_or_else(|| {
            ErrorCode::Validation.error(format!(
                "`{argument}` is not a cursor of this connection: `{cursor}` (pass a cursor returned by it)"
            ))
        })
}

pub(crate) fn keyed_page<T>(
    mut all: Vec<(String, T)>,
    args: &PageArgs,
    max_page_size: usize,
) -> async_graphql::Result<KeyedPage<T>> {
    // Validate sizes with the shared rules (the cursor kind is irrelevant: no cursors given).
    let sizes = PageArgs {
        first: args.first,
        last: args.last,
        after: None,
        before: None,
    }
    .check(
        CursorKind::Position,
        crate::schema::DEFAULT_PAGE_SIZE,
        max_page_size,
    )?;
    let after = args
        .after
        .as_deref()
        .map(|c| decode_key(c, "after"))
        .transpose()?;
    let before = args
        .before
        .as_deref()
        .map(|c| decode_key(c, "before"))
        .transpose()?;
    let total_count = all.len() as u64;
    let lo = after.map_or(0, |a| {
        all.partition_point(|(k, _)| k.as_str() <= a.as_str())
    });
    let hi = before
        .map_or(all.len(), |b| {
            all.partition_point(|(k, _)| k.as_str() < b.as_str())
        })
        .max(lo);
    let (start, end) = match sizes.size {
        PageSize::First(n) => (lo, hi.min(lo.saturating_add(n as usize))),
        PageSize::Last(n) => (hi.saturating_sub(n as usize).max(lo), hi),
    };
    let has_previous_page = start > 0;
    let has_next_page = end < all.len();
    all.truncate(end);
    let items: Vec<(String, T)> = all
        .into_iter()
        .skip(start)
        .map(|(k, v)| (format!("{KEY_CURSOR}{k}"), v))
        .collect();
    Ok(KeyedPage {
        page_info: PageInfo {
            has_previous_page,
            has_next_page,
            start_cursor: items.first().map(|(c, _)| c.clone()),
            end_cursor: items.last().map(|(c, _)| c.clone()),
        },
        items,
        total_count,
    })
}

/// The `max_page_size` the schema was built with.
fn max_page_size(ctx: &Context<'_>) -> usize {
    ctx.data::<crate::schema::MaxPageSize>()
        .map(|m| m.0)
        .unwrap_or(crate::schema::DEFAULT_PAGE_SIZE)
}

/// A serde enum's wire name (`snake_case`), for output.
fn wire_name<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(_) => String::new(),
    }
}

// ---------------------------------------------------------------------------------------
// Provenance
// ---------------------------------------------------------------------------------------

/// Which events made a record what it is: an auditor's way from a value to its history.
pub struct ProvenanceObject {
    positions: Vec<u64>,
    last_recorded_at: Option<DateTime<Utc>>,
    last_occurred_at: Option<DateTime<Utc>>,
}

impl From<&engage_projections::models::Provenance> for ProvenanceObject {
    fn from(p: &engage_projections::models::Provenance) -> Self {
        Self {
            positions: p.positions.clone(),
            last_recorded_at: p.last_recorded_at,
            last_occurred_at: p.last_occurred_at,
        }
    }
}

#[Object(name = "Provenance")]
impl ProvenanceObject {
    /// Positions of the events that produced the record's current value, in log order.
    async fn positions(&self) -> &[u64] {
        &self.positions
    }
    /// When the last of them was recorded.
    async fn last_recorded_at(&self) -> Option<DateTime<Utc>> {
        self.last_recorded_at
    }
    /// When the last of them happened in the world.
    async fn last_occurred_at(&self) -> Option<DateTime<Utc>> {
        self.last_occurred_at
    }
    /// The events themselves, as the log holds them (with actor, time, reason and hash).
    async fn events(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Event>> {
        let store = read_side(ctx)?.store();
        Ok(events_at(store.as_ref(), &self.positions)
            .await?
            .into_iter()
            .map(Event::from)
            .collect())
    }
    /// Everyone who acted on the record, in order of first action.
    async fn actors(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ActorObject>> {
        let read = read_side(ctx)?;
        let audit = read.models.audit.read();
        let mut seen: Vec<(String, String, String)> = Vec::new();
        for p in &self.positions {
            if let Some(e) = audit.model.entry(*p) {
                let key = (e.actor, e.role, e.organisation);
                if !seen.contains(&key) {
                    seen.push(key);
                }
            }
        }
        Ok(seen
            .into_iter()
            .map(|(id, role, organisation)| ActorObject::new(id, role, organisation))
            .collect())
    }
}

/// The events at `positions` (sorted ascending), reading contiguous runs together.
async fn events_at(
    store: &dyn EventStore,
    positions: &[u64],
) -> async_graphql::Result<Vec<engage_log::RecordedEvent>> {
    let mut out = Vec::with_capacity(positions.len());
    let mut i = 0;
    while i < positions.len() {
        let start = positions[i];
        let mut len = 1;
        while i + len < positions.len() && positions[i + len] == start + len as u64 {
            len += 1;
        }
        let events = store.read_all(start, len).await.map_err(store_error)?;
        out.extend(events);
        i += len;
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------
// Node
// ---------------------------------------------------------------------------------------

/// Anything with a global id, fetchable with `node(id:)`.
#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID", desc = "Global id: `<Type>:<key>`."))]
pub enum Node {
    Complaint(ComplaintObject),
    Priority(PriorityObject),
    CustodyVisit(CustodyVisitObject),
    PoliceComplaintCase(PoliceComplaintCaseObject),
    WardPanel(WardPanelObject),
    Board(BoardObject),
    BoardMeeting(BoardMeetingObject),
    ActionItem(ActionItemObject),
    StopSearchBatch(StopSearchBatchObject),
    FundRound(FundRoundObject),
    PreventionBid(PreventionBidObject),
    Ward(WardObject),
    CustodySuite(CustodySuiteObject),
    CrimeFigure(CrimeFigureObject),
    ConfidenceResult(ConfidenceResultObject),
    PaybackProject(PaybackProjectObject),
    Iag(IagObject),
    WatchScheme(WatchSchemeObject),
    Lcp2Group(Lcp2GroupObject),
    PartnershipBoard(PartnershipBoardObject),
}

/// The types `node(id:)` knows, as they appear in global ids.
const NODE_TYPES: &str = "Complaint, Priority, CustodyVisit, PoliceComplaintCase, WardPanel, \
Board, BoardMeeting, ActionItem, StopSearchBatch, FundRound, PreventionBid, Ward, CustodySuite, \
CrimeFigure, ConfidenceResult, PaybackProject, Iag, WatchScheme, Lcp2Group, PartnershipBoard";

/// A live record of one model as a node, with the last position of its provenance:
/// `node_of!(read, field, m => lookup using m, Variant, Object)`.
macro_rules! node_of {
    ($read:expr, $field:ident, $m:ident => $get:expr, $variant:ident, $object:ident) => {{
        let guard = $read.models.$field.read();
        let $m = &guard.model;
        let found = $get;
        Ok(found.map(|r| {
            (
                Node::$variant($object(r.clone())),
                r.provenance.positions.last().copied().unwrap_or(0),
            )
        }))
    }};
}

/// The live record behind a global id, with the last position of its provenance (`None`
/// when there is no such record). Unknown types and malformed keys are VALIDATION errors.
pub(crate) fn live_node(read: &ReadSide, id: &str) -> async_graphql::Result<Option<(Node, u64)>> {
    let (kind, key) = parse_global_id(id)?;
    let last =
        |p: &engage_projections::models::Provenance| p.positions.last().copied().unwrap_or(0);
    match kind {
        "Complaint" => {
            let uuid = parse_uuid_key(kind, key)?;
            let m = read.models.complaints.read();
            Ok(m.model.get(&uuid).map(|c| {
                (
                    Node::Complaint(ComplaintObject(c.clone())),
                    last(&c.provenance),
                )
            }))
        }
        "Priority" => {
            let uuid = parse_uuid_key(kind, key)?;
            let m = read.models.priorities.read();
            Ok(m.model.get(&uuid).map(|p| {
                (
                    Node::Priority(PriorityObject(p.clone())),
                    last(&p.provenance),
                )
            }))
        }
        "CustodyVisit" => {
            let uuid = parse_uuid_key(kind, key)?;
            let m = read.models.custody_visits.read();
            Ok(m.model.get(&uuid).map(|v| {
                (
                    Node::CustodyVisit(CustodyVisitObject(v.clone())),
                    last(&v.provenance),
                )
            }))
        }
        "PoliceComplaintCase" => {
            let uuid = parse_uuid_key(kind, key)?;
            let m = read.models.police_complaint_cases.read();
            Ok(m.model.get(&uuid).map(|c| {
                (
                    Node::PoliceComplaintCase(PoliceComplaintCaseObject(c.clone())),
                    last(&c.provenance),
                )
            }))
        }
        "WardPanel" => node_of!(
            read,
            ward_panels,
            m => m.by_ward.values().find(|p| p.ward.as_str() == key),
            WardPanel,
            WardPanelObject
        ),
        "Board" => node_of!(
            read,
            boards,
            m => m.boards.values().find(|b| b.borough.as_str() == key),
            Board,
            BoardObject
        ),
        "BoardMeeting" => {
            let uuid = parse_uuid_key(kind, key)?;
            node_of!(read, boards, m => m.meeting(&uuid), BoardMeeting, BoardMeetingObject)
        }
        "ActionItem" => {
            let uuid = parse_uuid_key(kind, key)?;
            node_of!(read, boards, m => m.action_item(&uuid), ActionItem, ActionItemObject)
        }
        "StopSearchBatch" => {
            let uuid = parse_uuid_key(kind, key)?;
            node_of!(read, stop_search_reviews, m => m.get(&uuid), StopSearchBatch, StopSearchBatchObject)
        }
        "FundRound" => {
            let uuid = parse_uuid_key(kind, key)?;
            node_of!(read, prevention_fund, m => m.round(&uuid), FundRound, FundRoundObject)
        }
        "PreventionBid" => {
            let uuid = parse_uuid_key(kind, key)?;
            node_of!(read, prevention_fund, m => m.bid(&uuid), PreventionBid, PreventionBidObject)
        }
        "Ward" => node_of!(
            read,
            reference,
            m => m.ward(&engage_domain::WardCode::new(key)),
            Ward,
            WardObject
        ),
        "CustodySuite" => node_of!(
            read,
            reference,
            m => m.suite(key),
            CustodySuite,
            CustodySuiteObject
        ),
        "CrimeFigure" => node_of!(
            read,
            performance,
            m => performance::crime_figure(m, key),
            CrimeFigure,
            CrimeFigureObject
        ),
        "ConfidenceResult" => node_of!(
            read,
            performance,
            m => performance::confidence_result(m, key),
            ConfidenceResult,
            ConfidenceResultObject
        ),
        "PaybackProject" => {
            let uuid = parse_uuid_key(kind, key)?;
            node_of!(read, community_oversight, m => m.payback_project(&uuid), PaybackProject, PaybackProjectObject)
        }
        "Iag" => {
            let uuid = parse_uuid_key(kind, key)?;
            node_of!(read, community_oversight, m => m.iag(&uuid), Iag, IagObject)
        }
        "WatchScheme" => {
            let uuid = parse_uuid_key(kind, key)?;
            node_of!(read, community_oversight, m => m.watch_scheme(&uuid), WatchScheme, WatchSchemeObject)
        }
        "Lcp2Group" => {
            let uuid = parse_uuid_key(kind, key)?;
            node_of!(read, partnerships, m => m.lcp2.groups.get(&uuid), Lcp2Group, Lcp2GroupObject)
        }
        "PartnershipBoard" => node_of!(
            read,
            partnerships,
            m => m.boards.values().find(|b| b.board.code() == key),
            PartnershipBoard,
            PartnershipBoardObject
        ),
        other => Err(ErrorCode::Validation.error(format!(
            "`{other}` is not a type with global ids (known: {NODE_TYPES})"
        ))),
    }
}

/// Split a global id into its type and key.
fn parse_global_id(id: &str) -> async_graphql::Result<(&str, &str)> {
    id.split_once(':').ok_or_else(|| {
        ErrorCode::Validation.error(format!(
            "`{id}` is not a global id (expected `<Type>:<key>`, as returned in `id` fields)"
        ))
    })
}

fn parse_uuid_key(kind: &str, key: &str) -> async_graphql::Result<RawUuid> {
    RawUuid::parse_str(key).map_err(|e| {
        ErrorCode::Validation.error(format!("`{kind}:{key}` has a malformed key: {e}"))
    })
}

// ---------------------------------------------------------------------------------------
// Complaints
// ---------------------------------------------------------------------------------------

/// Where a victim's complaint is.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "ComplaintStatus")]
pub enum ComplaintStatusEnum {
    Raised,
    Acknowledged,
    Resolved,
    Reviewed,
}

impl From<ComplaintStatus> for ComplaintStatusEnum {
    fn from(s: ComplaintStatus) -> Self {
        match s {
            ComplaintStatus::Raised => Self::Raised,
            ComplaintStatus::Acknowledged => Self::Acknowledged,
            ComplaintStatus::Resolved => Self::Resolved,
            ComplaintStatus::Reviewed => Self::Reviewed,
        }
    }
}

/// A referral of a complaint and the response to it.
#[derive(SimpleObject)]
pub struct ComplaintReferralObject {
    referral_id: Uuid,
    /// `borough_command`, `professional_standards`, `mopac`, `victim_support`,
    /// `local_authority` or `other`.
    referred_to: String,
    /// The body's name when `referredTo` is `other`.
    referred_to_name: Option<String>,
    referred_at: DateTime<Utc>,
    note: Option<String>,
    responded_at: Option<DateTime<Utc>>,
    response_summary: Option<String>,
}

/// A complaint from a victim of crime, heard by a Safer Neighbourhood Board. The
/// complainant's personal details are not part of the read model.
pub struct ComplaintObject(Complaint);

/// Whether the caller may see the complaint `c` (board roles: their boroughs).
fn complaint_visible(who: &crate::identity::Identity, c: &Complaint) -> bool {
    crate::access::may_see_as(
        who,
        engage_access::QueryClass::Complaints,
        Some(c.borough.as_str()),
        c.ward.as_ref().map(|w| w.as_str()),
        false,
    )
}

/// Whether the caller may see `node` (the rule of its type's query class).
pub(crate) fn node_visible(who: &crate::identity::Identity, node: &Node) -> bool {
    match node {
        Node::Complaint(c) => complaint_visible(who, &c.0),
        Node::Priority(p) => priorities::visible(who, &p.0),
        Node::CustodyVisit(v) => custody_visits::visible(who, &v.0),
        Node::PoliceComplaintCase(c) => police_complaints::visible(who, &c.0),
        // Reference data, published figures and the bodies themselves are open to all.
        Node::Board(_)
        | Node::FundRound(_)
        | Node::Ward(_)
        | Node::CustodySuite(_)
        | Node::CrimeFigure(_)
        | Node::ConfidenceResult(_)
        | Node::Lcp2Group(_)
        | Node::PartnershipBoard(_) => true,
        // The boards' working records: signed-in roles only.
        Node::WardPanel(_)
        | Node::BoardMeeting(_)
        | Node::ActionItem(_)
        | Node::StopSearchBatch(_)
        | Node::PreventionBid(_)
        | Node::PaybackProject(_)
        | Node::Iag(_)
        | Node::WatchScheme(_) => {
            engage_access::authorize_query(who.principal(), engage_access::QueryClass::LocalRecords)
                .is_ok()
        }
    }
}

#[Object(name = "Complaint")]
impl ComplaintObject {
    /// Global id (`Complaint:<uuid>`).
    async fn id(&self) -> ID {
        ID(format!("Complaint:{}", self.0.complaint_id))
    }
    async fn complaint_id(&self) -> Uuid {
        Uuid(self.0.complaint_id)
    }
    /// GSS code of the borough.
    async fn borough(&self) -> &str {
        self.0.borough.as_str()
    }
    async fn ward(&self) -> Option<&str> {
        self.0.ward.as_ref().map(|w| w.as_str())
    }
    async fn received_at(&self) -> DateTime<Utc> {
        self.0.received_at
    }
    /// `police_response`, `investigation_quality`, `communication`, `victim_care`,
    /// `officer_conduct`, `antisocial_behaviour` or `other`.
    async fn category(&self) -> String {
        wire_name(&self.0.category)
    }
    async fn category_detail(&self) -> Option<&str> {
        self.0.category_detail.as_deref()
    }
    /// How it reached the board (`email`, `letter`, `phone`, `public_meeting`, ...).
    async fn channel(&self) -> String {
        wire_name(&self.0.channel)
    }
    /// What happened, without names or contact details.
    async fn summary(&self) -> &str {
        &self.0.summary
    }
    async fn status(&self) -> ComplaintStatusEnum {
        self.0.status.into()
    }
    async fn acknowledged_at(&self) -> Option<DateTime<Utc>> {
        self.0.acknowledged_at
    }
    /// Whole days from receipt to acknowledgement.
    async fn days_to_acknowledge(&self) -> Option<i64> {
        self.0.days_to_acknowledge
    }
    async fn referrals(&self) -> Vec<ComplaintReferralObject> {
        self.0
            .referrals
            .iter()
            .map(|r| {
                let kind = r.referred_to.kind().to_owned();
                let name = r.referred_to.name().map(str::to_owned);
                ComplaintReferralObject {
                    referral_id: Uuid(r.referral_id),
                    referred_to: kind,
                    referred_to_name: name,
                    referred_at: r.referred_at,
                    note: r.note.clone(),
                    responded_at: r.responded_at,
                    response_summary: r.response_summary.clone(),
                }
            })
            .collect()
    }
    async fn resolved_at(&self) -> Option<DateTime<Utc>> {
        self.0.resolved_at
    }
    /// `upheld`, `partially_upheld`, `not_upheld`, `resolved_informally` or
    /// `withdrawn_by_complainant`.
    async fn outcome(&self) -> Option<String> {
        self.0.outcome.as_ref().map(wire_name)
    }
    async fn outcome_summary(&self) -> Option<&str> {
        self.0.outcome_summary.as_deref()
    }
    /// Whole days from receipt to resolution.
    async fn days_to_resolve(&self) -> Option<i64> {
        self.0.days_to_resolve
    }
    async fn reviewed_at(&self) -> Option<DateTime<Utc>> {
        self.0.review.as_ref().map(|r| r.reviewed_at)
    }
    /// The board's finding on how the complaint was handled.
    async fn review_finding(&self) -> Option<String> {
        self.0.review.as_ref().map(|r| wire_name(&r.finding))
    }
    async fn review_meeting_id(&self) -> Option<Uuid> {
        self.0.review.as_ref().and_then(|r| r.meeting_id).map(Uuid)
    }
    async fn provenance(&self) -> ProvenanceObject {
        ProvenanceObject::from(&self.0.provenance)
    }
}

/// Which complaints to list.
#[derive(InputObject, Debug, Clone, Default)]
pub struct ComplaintFilter {
    /// GSS code of the borough.
    pub borough: Option<String>,
    pub ward: Option<String>,
    pub status: Option<ComplaintStatusEnum>,
    /// Received at or after.
    pub received_from: Option<DateTime<Utc>>,
    /// Received before.
    pub received_before: Option<DateTime<Utc>>,
}

connection!(
    ComplaintConnection,
    ComplaintEdge,
    ComplaintObject,
    "complaints",
    "complaints"
);

fn complaint_matches(c: &Complaint, f: &ComplaintFilter) -> bool {
    f.borough.as_deref().is_none_or(|b| c.borough.as_str() == b)
        && f.ward
            .as_deref()
            .is_none_or(|w| c.ward.as_ref().is_some_and(|x| x.as_str() == w))
        && f.status
            .is_none_or(|s| ComplaintStatusEnum::from(c.status) == s)
        && f.received_from.is_none_or(|t| c.received_at >= t)
        && f.received_before.is_none_or(|t| c.received_at < t)
}

// ---------------------------------------------------------------------------------------
// Audit trail
// ---------------------------------------------------------------------------------------

/// Which events of the audit trail to list. Every filter given must match.
#[derive(InputObject, Debug, Clone, Default)]
pub struct AuditTrailFilter {
    pub stream_id: Option<String>,
    /// The actor's id.
    pub actor: Option<String>,
    /// The organisation the actor acted for.
    pub organisation: Option<String>,
    /// Catalogue name, e.g. `VictimComplaintRaised`.
    pub event_type: Option<String>,
    /// Every event of one correlation chain (one request or workflow).
    pub correlation_id: Option<Uuid>,
    pub recorded_from: Option<DateTime<Utc>>,
    pub recorded_to: Option<DateTime<Utc>>,
    pub occurred_from: Option<DateTime<Utc>>,
    pub occurred_to: Option<DateTime<Utc>>,
}

impl From<AuditTrailFilter> for AuditFilter {
    fn from(f: AuditTrailFilter) -> Self {
        Self {
            stream: f.stream_id,
            actor: f.actor,
            organisation: f.organisation,
            event_type: f.event_type,
            correlation: f.correlation_id.map(|u| u.0),
            recorded_from: f.recorded_from,
            recorded_to: f.recorded_to,
            occurred_from: f.occurred_from,
            occurred_to: f.occurred_to,
        }
    }
}

// ---------------------------------------------------------------------------------------
// Projection status
// ---------------------------------------------------------------------------------------

/// How current the read models are.
#[derive(SimpleObject)]
pub struct ProjectionStatus {
    /// Every read model has applied every event up to here.
    applied_position: u64,
    /// The log's head as last seen.
    head_position: u64,
    /// Events recorded but not yet in every read model.
    lag_events: u64,
    /// Seconds the read models have been behind the head (0 when level).
    lag_seconds: f64,
    /// Caught up at least once since the server started, and not failing.
    ready: bool,
    /// Why the engine is failing, while it is.
    failure: Option<String>,
    /// The read models, by name.
    models: Vec<&'static str>,
}

// ---------------------------------------------------------------------------------------
// Queries
// ---------------------------------------------------------------------------------------

#[derive(Default)]
pub struct ReadQuery;

#[Object]
impl ReadQuery {
    /// How current the read models are (also on `/readyz` and `/metrics`).
    async fn projection_status(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<ProjectionStatus> {
        let read = read_side(ctx)?;
        let s = read.engine.status().borrow().clone();
        let lag_seconds = s.lag_seconds();
        Ok(ProjectionStatus {
            applied_position: s.applied,
            head_position: s.head,
            lag_events: s.lag_events(),
            lag_seconds: if lag_seconds.is_finite() {
                lag_seconds
            } else {
                -1.0
            },
            ready: s.ready(),
            failure: s.failure.clone(),
            models: read.engine.names(),
        })
    }

    /// The audit trail: every event matching the filter, in log order. Cursors are
    /// positions; `totalCount` counts every match.
    #[graphql(complexity = "crate::schema::page_cost(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn audit_trail(
        &self,
        ctx: &Context<'_>,
        filter: Option<AuditTrailFilter>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<EventConnection> {
        crate::access::require_query(ctx, engage_access::QueryClass::Log)?;
        let read = read_side(ctx)?;
        let args = PageArgs {
            first,
            after,
            last,
            before,
        };
        let page = args.check(
            CursorKind::Position,
            crate::schema::DEFAULT_PAGE_SIZE,
            max_page_size(ctx),
        )?;
        let filter: AuditFilter = filter.unwrap_or_default().into();
        let window = |lo: usize, hi: usize| match page.size {
            PageSize::First(n) => (lo, hi.min(lo.saturating_add(n as usize))),
            PageSize::Last(n) => (hi.saturating_sub(n as usize).max(lo), hi),
        };
        // The unfiltered trail pages by index into the model's rows, without collecting
        // every position (a million of them on a seeded store) for each request.
        let (positions, start, end, total) = {
            let audit = read.models.audit.read();
            if filter == AuditFilter::default() {
                let range = audit.model.index_range(page.after, page.before);
                let (start, end) = window(range.start, range.end);
                let positions: Vec<u64> = (start..end)
                    .filter_map(|i| audit.model.position_at(i))
                    .collect();
                (positions, start, end, audit.model.len())
            } else {
                let all = audit.model.find(&filter);
                let lo = page.after.map_or(0, |a| all.partition_point(|&p| p <= a));
                let hi = page
                    .before
                    .map_or(all.len(), |b| all.partition_point(|&p| p < b))
                    .max(lo);
                let (start, end) = window(lo, hi);
                let positions = all.get(start..end).unwrap_or_default().to_vec();
                (positions, start, end, all.len())
            }
        };
        let events = events_at(read.store().as_ref(), &positions).await?;
        Ok(EventConnection::from_events(
            events,
            CursorKind::Position,
            start > 0,
            end < total,
            total as u64,
        ))
    }

    /// Victims' complaints heard by the boards, with filters, ordered by when they were
    /// received. `asOf` reads the model at a past point.
    #[graphql(complexity = "crate::schema::page_cost(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn complaints(
        &self,
        ctx: &Context<'_>,
        filter: Option<ComplaintFilter>,
        order: Option<SortOrder>,
        as_of: Option<AsOfInput>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<ComplaintConnection> {
        crate::access::require_query(ctx, engage_access::QueryClass::Complaints)?;
        let filter = filter.unwrap_or_default();
        let args = ListArgs::new(ctx, order, first, after, last, before);
        with_model::<Complaints, _>(
            ctx,
            |m| &m.complaints,
            as_of,
            |m| {
                let page = list(
                    m.model.by_id.values(),
                    |c| {
                        complaint_matches(c, &filter)
                            && crate::access::identity(ctx)
                                .is_ok_and(|who| complaint_visible(who, c))
                    },
                    |c, order| time_key(c.received_at, &c.complaint_id, order),
                    |c| ComplaintObject(c.clone()),
                    &args,
                )?;
                Ok(ComplaintConnection::new(page, m.checkpoint))
            },
        )
        .await
    }

    /// One complaint by its id (null if there is none, or none yet at `asOf`).
    async fn complaint(
        &self,
        ctx: &Context<'_>,
        complaint_id: Uuid,
        as_of: Option<AsOfInput>,
    ) -> async_graphql::Result<Option<ComplaintObject>> {
        crate::access::require_query(ctx, engage_access::QueryClass::Complaints)?;
        with_model::<Complaints, _>(
            ctx,
            |m| &m.complaints,
            as_of,
            |m| {
                Ok(m.model
                    .get(&complaint_id.0)
                    .filter(|c| {
                        crate::access::identity(ctx).is_ok_and(|who| complaint_visible(who, c))
                    })
                    .cloned()
                    .map(ComplaintObject))
            },
        )
        .await
    }

    /// Any record with a global id (`<Type>:<key>`, from an `id` field), or null.
    async fn node(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Node>> {
        Ok(live_node(read_side(ctx)?, &id)?
            .map(|(node, _)| node)
            .filter(|node| crate::access::identity(ctx).is_ok_and(|who| node_visible(who, node))))
    }
}
