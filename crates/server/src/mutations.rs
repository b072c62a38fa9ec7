//! The Mutation root: one mutation for every command of the domain.
//!
//! Each mutation is named after its command, verb first (`raiseVictimComplaint`,
//! `openFundRound`), and takes the command's own struct as `input` — the GraphQL input
//! types are derived from `engage-domain`'s command structs (its `graphql` feature), so the
//! API cannot drift from the domain. A mutation that creates an aggregate finds its stream
//! from the id in its input; a mutation on an existing aggregate takes the aggregate's id as
//! an argument (`complaintId: UUID!`, `borough: BoroughCode!`, `ward: WardCode!`, ...) and
//! maps it to the stream with the module's `stream_id`.
//!
//! Every mutation also takes `options: CommandOptions` and returns a [`CommandResult`]. The
//! actor recorded on the events is the request's [`Identity`], never anything in the input.
//! Before anything is decided, the caller's role and scope are checked against the access
//! policy (`crate::access::authorize_mutation`): a refusal is `FORBIDDEN` and records
//! nothing. The work itself is `engage_commands::CommandService::execute`; refusals and conflicts
//! become errors with `extensions.code` (see [`crate::errors::command_error`]).

use std::sync::Arc;

use async_graphql::{Context, InputObject, MergedObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use engage_commands::{CommandService, ExecuteOptions, Executed};
use engage_domain::reference_data::{custody_suite, ward};
use engage_domain::{
    Aggregate, BoroughCode, WardCode, board, community_payback, custody_visit, fund_round, iag,
    lcp2, neighbourhood_watch, partnership_board, performance, police_complaint_case,
    prevention_bid, priority, stop_search_monitoring, victim_complaint, ward_panel,
};
use engage_log::{ExpectedVersion, StreamId};
use uuid::Uuid;

use crate::errors::{ErrorCode, command_error, reference_error, store_error};
use crate::identity::Identity;
use crate::reference::ReferenceData;

/// What mutations reach through the schema's data.
pub struct CommandContext {
    pub service: CommandService,
    pub reference: Arc<dyn ReferenceData>,
}

/// How a command is executed, besides the command itself. Every field is optional.
#[derive(InputObject, Debug, Clone, Default)]
pub struct CommandOptions {
    /// The stream version the client based the command on: the `streamVersion` it last saw
    /// (0 is the stream's first event). If the stream has moved on, nothing is recorded and
    /// the error is `CONFLICT` with the actual version. Without it, a command that races
    /// another writer is decided again on the newer state.
    pub expected_version: Option<u64>,
    /// A key the client chooses once per command (a fresh UUID) and sends again when it
    /// retries: the command is recorded once, and a repeat returns the first result with
    /// `alreadyRecorded: true`. Using the same key for a command on another stream is
    /// `IDEMPOTENCY_MISMATCH`.
    pub idempotency_key: Option<Uuid>,
    /// Why, in the actor's words; recorded on every event of the command.
    pub reason: Option<String>,
    /// When it happened in the world, if earlier than now (default: now). May not be in
    /// the future.
    pub occurred_at: Option<DateTime<Utc>>,
}

impl CommandOptions {
    pub(crate) fn into_execute(self, now: DateTime<Utc>) -> async_graphql::Result<ExecuteOptions> {
        if let Some(at) = self.occurred_at
            && at > now
        {
            return Err(ErrorCode::Validation
                .error(format!(
                    "occurredAt ({}) is in the future (now {})",
                    at.to_rfc3339(),
                    now.to_rfc3339()
                ))
                .extend_with_field("occurredAt"));
        }
        Ok(ExecuteOptions {
            expected_version: self.expected_version.map(ExpectedVersion::Exact),
            idempotency_key: self.idempotency_key,
            reason: self.reason,
            occurred_at: self.occurred_at,
            now: Some(now),
            ..ExecuteOptions::default()
        })
    }
}

trait WithField {
    fn extend_with_field(self, field: &'static str) -> Self;
}

impl WithField for async_graphql::Error {
    fn extend_with_field(self, field: &'static str) -> Self {
        use async_graphql::ErrorExtensions;
        self.extend_with(|_, e| e.set("field", field))
    }
}

/// One event a command recorded.
#[derive(SimpleObject, Debug, Clone)]
pub struct RecordedEventRef {
    pub event_id: Uuid,
    /// Its position in the whole log.
    pub position: u64,
    /// Its version within the stream.
    pub stream_version: u64,
    /// Catalogue name, e.g. `VictimComplaintRaised`.
    pub event_type: String,
}

/// What a command recorded.
#[derive(SimpleObject, Debug, Clone)]
pub struct CommandResult {
    /// The command, e.g. `RaiseVictimComplaint`.
    pub command: String,
    /// The aggregate's stream, e.g. `complaint-<uuid>`.
    pub stream_id: String,
    /// The stream's version after the command: send it as `expectedVersion` with the next
    /// command on this aggregate. Null only if the stream still has no events.
    pub stream_version: Option<u64>,
    /// True when this idempotency key had been executed before: nothing new was written and
    /// `events` are the ones recorded then.
    pub already_recorded: bool,
    /// The events recorded, in order.
    pub events: Vec<RecordedEventRef>,
}

impl CommandResult {
    fn new(command: &str, executed: Executed) -> Self {
        let events = executed
            .events
            .iter()
            .zip(&executed.event_types)
            .map(|(e, t)| RecordedEventRef {
                event_id: e.event_id,
                position: e.position,
                stream_version: e.stream_version,
                event_type: (*t).to_owned(),
            })
            .collect();
        Self {
            command: command.to_owned(),
            stream_id: executed.stream.as_str().to_owned(),
            stream_version: executed.stream_version,
            already_recorded: executed.already_recorded,
            events,
        }
    }
}

/// Decide `command` on `stream` as the request's identity and record its events.
async fn execute<A>(
    ctx: &Context<'_>,
    name: &'static str,
    stream: StreamId,
    command: A::Command,
    options: Option<CommandOptions>,
) -> async_graphql::Result<CommandResult>
where
    A: Aggregate,
    A::Command: Clone + Send,
    A::State: Send,
{
    let identity: &Identity = crate::access::identity(ctx)?;
    let shared = ctx.data::<CommandContext>().map_err(|_| {
        ErrorCode::Internal.error("the schema was built without its command service")
    })?;
    let options = options.unwrap_or_default().into_execute(Utc::now())?;
    // Reference data as of the head now: whatever earlier requests recorded is known.
    let head = shared.service.store().head().await.map_err(store_error)?;
    let lookups = shared
        .reference
        .as_of(head.position)
        .await
        .map_err(reference_error)?;
    // Authorized against the caller's role and scope before anything is decided.
    crate::access::authorize_mutation(
        ctx,
        name,
        &stream,
        shared.service.store().as_ref(),
        &*lookups,
    )
    .await?;
    let executed = shared
        .service
        .execute::<A>(&stream, command, identity.actor(), &*lookups, options)
        .await
        .map_err(|e| command_error(e, &stream))?;
    tracing::info!(
        command = name,
        stream = %stream,
        events = executed.events.len(),
        already_recorded = executed.already_recorded,
        actor = %identity.actor().id,
        "command recorded"
    );
    Ok(CommandResult::new(name, executed))
}

/// One object of mutations per aggregate.
///
/// `input` mutations find the stream from their input (they create the aggregate, or, like
/// performance figures, name it in every command); `existing` mutations take the
/// aggregate's key as an argument. `singleton` aggregates have one stream and no key.
macro_rules! aggregate_mutations {
    (
        $(#[$doc:meta])*
        $object:ident for $module:ident :: $aggregate:ident ($what:literal),
        key $key:ident : $key_ty:ty => |$k:ident| $stream:expr;
        input { $( $iname:ident($iinput:ident) => |$i:ident| $ikey:expr; )* }
        existing { $( $ename:ident($einput:ident); )* }
    ) => {
        $(#[$doc])*
        #[derive(Default)]
        pub struct $object;

        #[Object]
        impl $object {
            $(
                #[doc = concat!("Decide the `", stringify!($iinput), "` command (see its input type) and record its events in the stream of the ", $what, " its input names.")]
                async fn $iname(
                    &self,
                    ctx: &Context<'_>,
                    input: $module::$iinput,
                    options: Option<CommandOptions>,
                ) -> async_graphql::Result<CommandResult> {
                    let stream = {
                        let $i = &input;
                        let $k: $key_ty = $ikey;
                        $stream
                    };
                    execute::<$module::$aggregate>(ctx, stringify!($iinput), stream, input.into(), options).await
                }
            )*
            $(
                #[doc = concat!("Decide the `", stringify!($einput), "` command (see its input type) on the ", $what, " `", stringify!($key), "` and record its events.")]
                async fn $ename(
                    &self,
                    ctx: &Context<'_>,
                    $key: $key_ty,
                    input: $module::$einput,
                    options: Option<CommandOptions>,
                ) -> async_graphql::Result<CommandResult> {
                    let stream = {
                        let $k: $key_ty = $key;
                        $stream
                    };
                    execute::<$module::$aggregate>(ctx, stringify!($einput), stream, input.into(), options).await
                }
            )*
        }
    };
    (
        $(#[$doc:meta])*
        $object:ident for $module:ident :: $aggregate:ident ($what:literal),
        singleton $stream:expr;
        commands { $( $name:ident($input:ident); )* }
    ) => {
        $(#[$doc])*
        #[derive(Default)]
        pub struct $object;

        #[Object]
        impl $object {
            $(
                #[doc = concat!("Decide the `", stringify!($input), "` command (see its input type) on ", $what, " and record its events.")]
                async fn $name(
                    &self,
                    ctx: &Context<'_>,
                    input: $module::$input,
                    options: Option<CommandOptions>,
                ) -> async_graphql::Result<CommandResult> {
                    execute::<$module::$aggregate>(ctx, stringify!($input), $stream, input.into(), options).await
                }
            )*
        }
    };
}

aggregate_mutations! {
    /// Safer Neighbourhood Boards (stream `board-<borough>`).
    BoardMutations for board::Board ("board of the borough"),
    key borough: BoroughCode => |k| board::stream_id(&k);
    input { establish_board(EstablishBoard) => |c| c.borough.clone(); }
    existing {
        appoint_board_member(AppointBoardMember);
        stand_down_board_member(StandDownBoardMember);
        schedule_board_meeting(ScheduleBoardMeeting);
        record_board_meeting_held(RecordBoardMeetingHeld);
        cancel_board_meeting(CancelBoardMeeting);
        publish_board_minutes(PublishBoardMinutes);
        raise_board_action_item(RaiseBoardActionItem);
        complete_board_action_item(CompleteBoardActionItem);
    }
}

aggregate_mutations! {
    /// Victims' complaints (stream `complaint-<id>`).
    VictimComplaintMutations for victim_complaint::VictimComplaint ("complaint"),
    key complaint_id: Uuid => |k| victim_complaint::stream_id(k);
    input { raise_victim_complaint(RaiseVictimComplaint) => |c| c.complaint_id; }
    existing {
        acknowledge_victim_complaint(AcknowledgeVictimComplaint);
        refer_victim_complaint(ReferVictimComplaint);
        record_victim_complaint_response(RecordVictimComplaintResponse);
        resolve_victim_complaint(ResolveVictimComplaint);
        review_victim_complaint(ReviewVictimComplaint);
    }
}

aggregate_mutations! {
    /// Local policing priorities (stream `priority-<id>`).
    PriorityMutations for priority::Priority ("priority"),
    key priority_id: Uuid => |k| priority::stream_id(k);
    input { propose_priority(ProposePriority) => |c| c.priority_id; }
    existing {
        set_priority(SetPriority);
        report_priority_progress(ReportPriorityProgress);
        review_priority(ReviewPriority);
        close_priority(ClosePriority);
        publish_priority_feedback(PublishPriorityFeedback);
    }
}

aggregate_mutations! {
    /// Rounds of the crime prevention fund (stream `fund-round-<id>`).
    FundRoundMutations for fund_round::FundRound ("fund round"),
    key round_id: Uuid => |k| fund_round::stream_id(k);
    input { open_fund_round(OpenFundRound) => |c| c.round_id; }
    existing { close_fund_round(CloseFundRound); }
}

aggregate_mutations! {
    /// Bids to the crime prevention fund (stream `bid-<id>`).
    PreventionBidMutations for prevention_bid::PreventionBid ("bid"),
    key bid_id: Uuid => |k| prevention_bid::stream_id(k);
    input { submit_prevention_bid(SubmitPreventionBid) => |c| c.bid_id; }
    existing {
        assess_prevention_bid(AssessPreventionBid);
        approve_prevention_bid(ApprovePreventionBid);
        reject_prevention_bid(RejectPreventionBid);
        withdraw_prevention_bid(WithdrawPreventionBid);
        release_prevention_funds(ReleasePreventionFunds);
        report_prevention_bid_milestone(ReportPreventionBidMilestone);
        report_prevention_bid_outcome(ReportPreventionBidOutcome);
    }
}

aggregate_mutations! {
    /// Ward panels (stream `ward-panel-<ward>`).
    WardPanelMutations for ward_panel::WardPanel ("panel of the ward"),
    key ward: WardCode => |k| ward_panel::stream_id(&k);
    input { form_ward_panel(FormWardPanel) => |c| c.ward.clone(); }
    existing {
        join_ward_panel(JoinWardPanel);
        leave_ward_panel(LeaveWardPanel);
        record_ward_panel_meeting(RecordWardPanelMeeting);
        agree_ward_panel_priority(AgreeWardPanelPriority);
    }
}

aggregate_mutations! {
    /// Independent custody visits (stream `custody-visit-<id>`).
    CustodyVisitMutations for custody_visit::CustodyVisit ("custody visit"),
    key visit_id: Uuid => |k| custody_visit::stream_id(k);
    input { log_custody_visit(LogCustodyVisit) => |c| c.visit_id; }
    existing {
        record_custody_visit_encounter(RecordCustodyVisitEncounter);
        raise_custody_visit_issue(RaiseCustodyVisitIssue);
        escalate_custody_visit_issue(EscalateCustodyVisitIssue);
        resolve_custody_visit_issue(ResolveCustodyVisitIssue);
        close_custody_visit(CloseCustodyVisit);
    }
}

aggregate_mutations! {
    /// Stop-and-search monitoring of an imported batch (stream `stop-search-<batch id>`).
    StopSearchMonitoringMutations for stop_search_monitoring::StopSearchMonitoring ("stop-and-search batch"),
    key batch_id: Uuid => |k| stop_search_monitoring::stream_id(k);
    input { import_stop_search_records(ImportStopSearchRecords) => |c| c.batch_id; }
    existing {
        select_stop_search_sample(SelectStopSearchSample);
        review_stop_search_record(ReviewStopSearchRecord);
        raise_stop_search_concern(RaiseStopSearchConcern);
        record_stop_search_police_response(RecordStopSearchPoliceResponse);
        close_stop_search_concern(CloseStopSearchConcern);
    }
}

aggregate_mutations! {
    /// Police complaint cases the board monitors (stream `police-complaint-<id>`).
    PoliceComplaintCaseMutations for police_complaint_case::PoliceComplaintCase ("police complaint case"),
    key case_id: Uuid => |k| police_complaint_case::stream_id(k);
    input { note_police_complaint_case(NotePoliceComplaintCase) => |c| c.case_id; }
    existing {
        add_police_complaint_allegation(AddPoliceComplaintAllegation);
        record_police_complaint_handling_route(RecordPoliceComplaintHandlingRoute);
        record_police_complaint_allegation_outcome(RecordPoliceComplaintAllegationOutcome);
        record_police_complaint_learning(RecordPoliceComplaintLearning);
        close_police_complaint_case(ClosePoliceComplaintCase);
    }
}

aggregate_mutations! {
    /// Ward reference data (stream `ward-<GSS code>`).
    WardMutations for ward::WardReference ("ward"),
    key ward: WardCode => |k| ward::stream_id(&k);
    input { register_ward(RegisterWard) => |c| c.ward.clone(); }
    existing { retire_ward(RetireWard); }
}

aggregate_mutations! {
    /// Custody suite reference data (stream `custody-suite-<suite>`).
    CustodySuiteMutations for custody_suite::CustodySuiteReference ("custody suite"),
    key suite: String => |k| custody_suite::stream_id(&k);
    input { register_custody_suite(RegisterCustodySuite) => |c| c.suite.clone(); }
    existing { close_custody_suite(CloseCustodySuite); }
}

aggregate_mutations! {
    /// Crime figures and confidence results of a borough (stream `performance-<borough>`):
    /// every command names its borough.
    PerformanceMutations for performance::Performance ("borough"),
    key borough: BoroughCode => |k| performance::stream_id(&k);
    input {
        record_crime_figures(RecordCrimeFigures) => |c| c.borough.clone();
        record_confidence_survey_result(RecordConfidenceSurveyResult) => |c| c.borough.clone();
    }
    existing {}
}

aggregate_mutations! {
    /// Community Payback projects (stream `payback-project-<id>`).
    CommunityPaybackMutations for community_payback::CommunityPaybackProject ("Community Payback project"),
    key project_id: Uuid => |k| community_payback::stream_id(k);
    input { nominate_community_payback_project(NominateCommunityPaybackProject) => |c| c.project_id; }
    existing {
        select_community_payback_project(SelectCommunityPaybackProject);
        decline_community_payback_project(DeclineCommunityPaybackProject);
        complete_community_payback_project(CompleteCommunityPaybackProject);
    }
}

aggregate_mutations! {
    /// Independent Advisory Groups (stream `iag-<id>`).
    IagMutations for iag::Iag ("IAG"),
    key iag_id: Uuid => |k| iag::stream_id(k);
    input { register_iag(RegisterIag) => |c| c.iag_id; }
    existing {
        observe_iag_meeting(ObserveIagMeeting);
        record_iag_advice(RecordIagAdvice);
    }
}

aggregate_mutations! {
    /// Neighbourhood Watch schemes (stream `watch-scheme-<id>`).
    NeighbourhoodWatchMutations for neighbourhood_watch::NeighbourhoodWatchScheme ("scheme"),
    key scheme_id: Uuid => |k| neighbourhood_watch::stream_id(k);
    input { register_neighbourhood_watch_scheme(RegisterNeighbourhoodWatchScheme) => |c| c.scheme_id; }
    existing { give_neighbourhood_watch_support(GiveNeighbourhoodWatchSupport); }
}

aggregate_mutations! {
    /// LCP2's records (one stream, `lcp2`).
    Lcp2Mutations for lcp2::Lcp2 ("LCP2's records"),
    singleton lcp2::stream_id();
    commands {
        join_lcp2(JoinLcp2);
        leave_lcp2(LeaveLcp2);
        hold_lcp2_chairs_forum(HoldLcp2ChairsForum);
        deliver_lcp2_training(DeliverLcp2Training);
        publish_lcp2_best_practice_digest(PublishLcp2BestPracticeDigest);
        issue_lcp2_e_bulletin(IssueLcp2EBulletin);
        canvass_lcp2_members_views(CanvassLcp2MembersViews);
    }
}

aggregate_mutations! {
    /// The pan-London partnership boards (stream `partnership-board-<lcsp|lcrb>`).
    PartnershipBoardMutations for partnership_board::PartnershipBoard ("partnership board"),
    key board: partnership_board::PanLondonBoard => |k| partnership_board::stream_id(k);
    input { constitute_partnership_board(ConstitutePartnershipBoard) => |c| c.board; }
    existing {
        join_partnership_board(JoinPartnershipBoard);
        leave_partnership_board(LeavePartnershipBoard);
        record_partnership_board_meeting(RecordPartnershipBoardMeeting);
        agree_partnership_board_theme(AgreePartnershipBoardTheme);
        adopt_partnership_board_terms_of_reference(AdoptPartnershipBoardTermsOfReference);
        publish_partnership_board_work_plan(PublishPartnershipBoardWorkPlan);
        make_partnership_board_representation(MakePartnershipBoardRepresentation);
    }
}

/// Every mutation: one per command of the domain.
#[derive(MergedObject, Default)]
#[graphql(name = "Mutation")]
pub struct MutationRoot(
    BoardMutations,
    VictimComplaintMutations,
    PriorityMutations,
    FundRoundMutations,
    PreventionBidMutations,
    WardPanelMutations,
    CustodyVisitMutations,
    StopSearchMonitoringMutations,
    PoliceComplaintCaseMutations,
    WardMutations,
    CustodySuiteMutations,
    PerformanceMutations,
    CommunityPaybackMutations,
    IagMutations,
    NeighbourhoodWatchMutations,
    Lcp2Mutations,
    PartnershipBoardMutations,
    crate::erasure::ErasureMutations,
);
