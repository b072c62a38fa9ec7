//! `engage seed`: a realistic, deterministic multi-year history of London's boards, written
//! through the command service ([`engage_commands::CommandService`]), so that every event is
//! one the domain accepted.
//!
//! The history is planned as *workflows*, one per stream, each a time-ordered list of
//! commands, in stages: reference data (the wards the history uses and the custody
//! suites of the seeded boroughs, [`reference`]); a funding round per year; per borough a
//! board (members with terms and turnover, meetings scheduled, held or cancelled, minutes,
//! action items) and ward panels (members, quarterly meetings, ward priorities agreed); per
//! borough its crime and confidence figures and its Independent Advisory Group; London-wide
//! LCP2's records and the two partnership boards ([`partners`]); then, month by month across
//! the years, the volume: victim complaints, borough and ward priorities (set, reviewed and
//! closed at real board meetings, progress reports, "you said, we did" feedback), bids to the
//! round that is open, custody visits, stop-and-search monitoring batches and police
//! complaint cases ([`oversight`]), Community Payback nominations and Neighbourhood Watch
//! schemes.
//!
//! Sizing: how busy the structure is scales with `--events` up to realistic rates (at most
//! 12 board and 4 panel meetings a year, every ward with a panel, monthly figures); the rest
//! of the budget goes to the volume workflows, spread over the months. The plan stops at
//! exactly `--events` (the last workflow is cut short, like a case still open).
//!
//! Determinism: the plan is drawn from one ChaCha8 generator seeded by `--seed`, in a fixed
//! order, and each stream's commands are executed in order; only the interleaving of streams
//! in the log (positions, recording times, event ids) depends on timing.
//!
//! Reference data: wards come from the ward list given with `--wards FILE` (a CSV as `engage
//! import wards` reads it, e.g. the GLA ward atlas, read with
//! [`engage_import::read_ward_list`]), so that ward panels sit on real ward codes; without
//! it each borough gets 14–24 synthetic wards with plausible GSS-style codes (`E0590xxxx`,
//! outside the range real ward codes use) named "<Borough> ward N". The repository holds no
//! ward list of its own. Custody suites come from the built-in MOPAC list
//! ([`engage_domain::reference_data::met_custody_suites`]). Both are registered in the log (so
//! the server's lookups, rebuilt from the log, know them) and held in an
//! [`InMemoryReference`], the same lookups the domain validates against.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, bail};
use chrono::{Datelike, Duration, NaiveDate, TimeZone, Utc};
use clap::Args;
use engage_commands::{CommandService, ExecuteOptions, Loaded};
use engage_domain::board::{self, Board, BoardRole, MeetingKind};
use engage_domain::common::{EvidenceKind, EvidenceRef};
use engage_domain::fund_round::{self, FundRound};
use engage_domain::partnership_board::PanLondonBoard;
use engage_domain::personal::{ComplainantDetails, ContactDetails};
use engage_domain::prevention_bid::{self, PreventionBid, PromisedOutcome, Recommendation};
use engage_domain::priority::{
    self, FeedbackChannel, Priority, PriorityOutcome, PrioritySource, ProgressRating,
};
use engage_domain::reference::{BOROUGHS, FundRoundInfo, InMemoryReference};
use engage_domain::reference_data::met_custody_suites::{self, MetCustodySuite};
use engage_domain::victim_complaint::{
    self, ComplaintCategory, ComplaintChannel, ComplaintOutcome, ReferralTarget, ReviewFinding,
    VictimComplaint,
};
use engage_domain::ward_panel::{self, PanelRole, WardPanel};
use engage_domain::{Aggregate, BoroughCode, Timestamp, WardCode};
use engage_log::{Actor, StreamId};
use futures::StreamExt;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use uuid::Uuid;

mod oversight;
mod partners;
mod reference;

use crate::progress::events_bar;
use crate::store_config::StoreLocation;

/// `engage seed` arguments.
#[derive(Debug, Args)]
pub struct SeedArgs {
    /// How many events to record: the history is sized to reach exactly this many.
    #[arg(long)]
    pub events: u64,
    /// Seed of the generator: the same seed and flags give the same history.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// How many boroughs take part, in GSS code order (the City of London first), 1 to 33.
    #[arg(long, default_value_t = 33, value_parser = clap::value_parser!(u8).range(1..=33))]
    pub boroughs: u8,
    /// The first year of the history (boards are established in its first weeks).
    #[arg(long, default_value_t = 2018)]
    pub from_year: i32,
    /// The history ends at the start of this day, YYYY-MM-DD (default: today, UTC). Give it
    /// to reproduce a history exactly on another day.
    #[arg(long)]
    pub until: Option<NaiveDate>,
    /// How many streams are written at once (appends are group-committed, so concurrency
    /// is what makes seeding fast).
    #[arg(long, default_value_t = 512, value_parser = clap::value_parser!(u16).range(1..))]
    pub concurrency: u16,
    /// A ward list CSV, as `engage import wards` reads it (e.g. the GLA ward atlas, with its
    /// `New_Code`, `Names` and `Borough` columns): the seeded ward panels sit on the listed
    /// wards of each borough. Without it each borough gets 14–24 synthetic wards (codes
    /// E0590xxxx, outside the range real wards use, named "<Borough> ward N").
    #[arg(long, value_name = "FILE")]
    pub wards: Option<PathBuf>,
}

/// Realistic events per borough per year at full activity (boards, panels, complaints,
/// priorities, bids), used to scale activity to the requested size.
const REALISTIC_EVENTS_PER_BOROUGH_YEAR: f64 = 700.0;
/// Average events of one complaint, priority or bid workflow (measured on generated plans).
const AVERAGE_VOLUME_WORKFLOW: f64 = 6.5;

pub async fn seed_cmd(location: &StoreLocation, args: SeedArgs) -> anyhow::Result<ExitCode> {
    if args.events == 0 {
        bail!("--events must be at least 1");
    }
    let today = Utc::now().date_naive();
    let until = args.until.unwrap_or(today);
    if until > today {
        bail!("--until {until} is in the future: a seeded history ends today at the latest");
    }
    let world = Arc::new(World::new(&args, until)?);
    if let StoreLocation::Sqlite(path) = location
        && let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
    {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("creating the data directory {}", dir.display()))?;
    }
    let store = location.open().await?;
    let head = store.head().await.context("reading the head of the log")?;
    if head.position > 0 {
        bail!(
            "{} already holds {} events: seed writes a whole history and needs an empty store \
             (use another --data-dir)",
            location.describe(),
            head.position
        );
    }
    let keys = crate::personal_data::open_keys(location).await?;
    let service = CommandService::new(Arc::clone(&store), keys);
    let planner = Planner::new(Arc::clone(&world), args.seed, args.events);

    eprintln!(
        "seeding {} events for {} boroughs, {} to {} (seed {}), on {}",
        args.events,
        world.boroughs.len(),
        world.start.date_naive(),
        world.end.date_naive(),
        args.seed,
        world.wards_from
    );
    let bar = events_bar(args.events, "seeding");
    let started = Instant::now();
    let mut totals = Totals::default();
    let mut running = futures::stream::iter(planner)
        .map(|workflow| {
            let service = service.clone();
            let world = Arc::clone(&world);
            let bar = bar.clone();
            tokio::spawn(async move { workflow.run(&service, &world, &bar).await })
        })
        .buffer_unordered(usize::from(args.concurrency));
    while let Some(joined) = running.next().await {
        let done = joined.context("a seeding task failed")??;
        totals.add(done);
    }
    bar.finish_and_clear();
    let elapsed = started.elapsed();
    drop(running);
    let head = store.head().await.context("reading the head of the log")?;
    totals.print(&world, head.position, elapsed);
    Ok(ExitCode::SUCCESS)
}

/// What one workflow recorded.
struct Done {
    kind: &'static str,
    types: HashMap<&'static str, u64>,
}

#[derive(Default)]
struct Totals {
    events: u64,
    streams: BTreeMap<&'static str, u64>,
    types: BTreeMap<&'static str, u64>,
}

impl Totals {
    fn add(&mut self, done: Done) {
        *self.streams.entry(done.kind).or_default() += 1;
        for (t, n) in done.types {
            *self.types.entry(t).or_default() += n;
            self.events += n;
        }
    }

    fn print(&self, world: &World, head: u64, elapsed: std::time::Duration) {
        let streams: u64 = self.streams.values().sum();
        let rate = self.events as f64 / elapsed.as_secs_f64().max(1e-9);
        println!(
            "seeded {} events in {} streams for {} boroughs ({} to {}) in {:.1?}: {:.0} events/s",
            self.events,
            streams,
            world.boroughs.len(),
            world.start.date_naive(),
            world.end.date_naive(),
            elapsed,
            rate
        );
        println!("log head: position {head}");
        println!("streams:");
        for (kind, n) in &self.streams {
            println!("  {kind:<12} {n:>10}");
        }
        println!("events:");
        let width = self.types.keys().map(|t| t.len()).max().unwrap_or(0);
        for (t, n) in &self.types {
            println!("  {t:<width$} {n:>10}");
        }
    }
}

// ---------------------------------------------------------------------------------------
// The world: boroughs, generated wards, funding rounds, the timeline.

struct BoroughInfo {
    code: BoroughCode,
    name: &'static str,
    /// The wards the seed uses (see [`World::new`]): all of the borough's at full scale,
    /// fewer for a small history; none if the ward list has none in the borough.
    wards: Vec<(WardCode, String)>,
    /// The Met custody suites in the borough (none for some boroughs).
    suites: Vec<&'static MetCustodySuite>,
    /// The borough panel's independent custody visitors (volunteer ids).
    visitors: Vec<Uuid>,
}

struct RoundPlan {
    id: Uuid,
    name: String,
    pot_pence: i64,
    opens_at: Timestamp,
    closes_at: Timestamp,
}

struct World {
    boroughs: Vec<BoroughInfo>,
    /// Where the wards come from, as recorded in `WardRegistered.source`.
    ward_source: String,
    /// Where the wards come from, for the operator (file, wards read, rows skipped).
    wards_from: String,
    reference: InMemoryReference,
    rounds: Vec<RoundPlan>,
    start: Timestamp,
    end: Timestamp,
    /// Requested size relative to a realistic history of this span (1.0 = realistic).
    scale: f64,
}

/// The synthetic wards of the borough at `index` (0-based GSS order) when no ward list is
/// given: 14 to 24 of them, with GSS-style codes `E0590xxxx` (outside the range real ward
/// codes use) and names that say what they are; independent of the seed so that ward codes
/// are stable between seeded stores.
fn synthetic_wards(index: usize, borough_name: &str) -> Vec<(WardCode, String)> {
    let count = 14 + (index * 7) % 11;
    (0..count)
        .map(|w| {
            let code = WardCode::new(format!("E05{:06}", 900_000 + index * 100 + w));
            (code, format!("{borough_name} ward {}", w + 1))
        })
        .collect()
}

/// A ward list file given with `--wards`, read as `engage import wards` reads it.
struct WardFile {
    /// Code and name of the listed wards, by borough GSS code.
    wards: HashMap<String, Vec<(WardCode, String)>>,
    count: usize,
    /// Rows that are not wards of a London borough (totals, the City's borough row, ...).
    skipped: usize,
}

impl WardFile {
    fn read(path: &Path) -> anyhow::Result<Self> {
        let file = std::fs::File::open(path)
            .with_context(|| format!("opening the ward list {}", path.display()))?;
        let list = engage_import::read_ward_list(std::io::BufReader::new(file))
            .with_context(|| format!("reading the ward list {}", path.display()))?;
        if list.wards.is_empty() {
            let why = list
                .rejected
                .first()
                .map(|r| format!(" (e.g. {r})"))
                .unwrap_or_default();
            bail!(
                "the ward list {} has no ward of a London borough: {} rows, none a ward with \
                 an E05 code, a name and a London borough{why}",
                path.display(),
                list.rejected.len()
            );
        }
        let count = list.wards.len();
        let mut wards: HashMap<String, Vec<(WardCode, String)>> = HashMap::new();
        for w in list.wards {
            wards
                .entry(w.borough.as_str().to_owned())
                .or_default()
                .push((w.code, w.name));
        }
        Ok(Self {
            wards,
            count,
            skipped: list.rejected.len(),
        })
    }

    fn describe(&self, path: &Path) -> String {
        format!(
            "the wards of {} ({} wards; {} rows that are not wards skipped)",
            path.display(),
            self.count,
            self.skipped
        )
    }
}

/// The file name of `path`, for the source recorded with seeded wards.
fn file_name(path: &Path) -> String {
    path.file_name()
        .unwrap_or(path.as_os_str())
        .to_string_lossy()
        .into_owned()
}

impl World {
    fn new(args: &SeedArgs, until: NaiveDate) -> anyhow::Result<Self> {
        if !(2000..=2100).contains(&args.from_year) {
            bail!("--from-year must be between 2000 and 2100");
        }
        let Some(first_day) = NaiveDate::from_ymd_opt(args.from_year, 1, 1) else {
            bail!("--from-year {} is not a year", args.from_year);
        };
        if until <= first_day + Duration::days(90) {
            bail!(
                "the history must span at least three months: --until {until} is too close to --from-year {}",
                args.from_year
            );
        }
        let start = midnight(first_day);
        let end = midnight(until);
        let years = (end - start).num_days() as f64 / 365.25;
        let realistic =
            REALISTIC_EVENTS_PER_BOROUGH_YEAR * years * f64::from(args.boroughs).max(1.0);
        let scale = args.events as f64 / realistic.max(1.0);
        // One generator for the world's own ids, apart from the planner's.
        let mut rng = ChaCha8Rng::seed_from_u64(args.seed ^ 0x5EED_F00D);
        let ward_list = match &args.wards {
            Some(path) => Some(WardFile::read(path)?),
            None => None,
        };
        let mut reference = InMemoryReference::new();
        let mut boroughs = Vec::new();
        for (index, b) in BOROUGHS.iter().enumerate().take(usize::from(args.boroughs)) {
            let mut all = match &ward_list {
                Some(list) => list.wards.get(b.code).cloned().unwrap_or_default(),
                None => synthetic_wards(index, b.name),
            };
            // A small history uses the first wards of each borough (in GSS code order)
            // rather than registering hundreds of wards it never mentions.
            all.sort();
            let used = ((all.len() as f64 * scale.min(1.0)).round() as usize)
                .clamp(all.len().min(1), all.len());
            all.truncate(used);
            let wards = all;
            for (code, name) in &wards {
                reference = reference.with_ward(code.as_str(), name, b.code);
            }
            let suites: Vec<&'static MetCustodySuite> =
                met_custody_suites::suites_in(b.code).collect();
            for s in &suites {
                reference = reference.with_custody_suite(s.id, s.name, s.borough);
            }
            let visitors = (0..rng.random_range(6..14))
                .map(|_| random_id(&mut rng))
                .collect();
            boroughs.push(BoroughInfo {
                code: BoroughCode::new(b.code),
                name: b.name,
                wards,
                suites,
                visitors,
            });
        }
        // One round a year: bids from April to June; its ids come from the seed.
        let mut rounds = Vec::new();
        for year in args.from_year..=until.year() {
            let opens_at = at_date(year, 4, 1, 9, 0);
            let closes_at = at_date(year, 6, 30, 17, 0);
            if opens_at >= end {
                break;
            }
            let id = random_id(&mut rng);
            let pot_pence = rng.random_range(150..400) * 1_000_000;
            reference = reference.with_fund_round(FundRoundInfo {
                round_id: id,
                opens_at,
                closes_at,
                open: true,
            });
            rounds.push(RoundPlan {
                id,
                name: format!(
                    "London Crime Prevention Fund {year}/{:02}",
                    (year + 1).rem_euclid(100)
                ),
                pot_pence,
                opens_at,
                closes_at,
            });
        }
        let (ward_source, wards_from) = match (&ward_list, &args.wards) {
            (Some(list), Some(path)) => (
                format!("engage seed --wards {}", file_name(path)),
                list.describe(path),
            ),
            _ => (
                "engage seed (synthetic wards)".to_owned(),
                "synthetic wards (no --wards FILE)".to_owned(),
            ),
        };
        Ok(Self {
            boroughs,
            ward_source,
            wards_from,
            reference,
            rounds,
            start,
            end,
            scale,
        })
    }

    fn years(&self) -> f64 {
        (self.end - self.start).num_days() as f64 / 365.25
    }

    fn round_open_at(&self, t: Timestamp) -> Option<&RoundPlan> {
        self.rounds
            .iter()
            .find(|r| r.opens_at <= t && t <= r.closes_at)
    }
}

fn midnight(d: NaiveDate) -> Timestamp {
    Utc.from_utc_datetime(&d.and_hms_opt(0, 0, 0).unwrap_or_default())
}

fn at_date(y: i32, m: u32, d: u32, h: u32, min: u32) -> Timestamp {
    Utc.with_ymd_and_hms(y, m, d, h, min, 0)
        .single()
        .unwrap_or_default()
}

fn random_id(rng: &mut ChaCha8Rng) -> Uuid {
    uuid::Builder::from_random_bytes(rng.random()).into_uuid()
}

/// A random instant in `[from, to)`, to the minute.
fn between(rng: &mut ChaCha8Rng, from: Timestamp, to: Timestamp) -> Timestamp {
    let minutes = (to - from).num_minutes();
    if minutes <= 0 {
        return from;
    }
    from + Duration::minutes(rng.random_range(0..minutes))
}

fn days(rng: &mut ChaCha8Rng, lo: i64, hi: i64) -> Duration {
    Duration::minutes(rng.random_range(lo * 1440..=hi * 1440))
}

fn pick<'a, T>(rng: &mut ChaCha8Rng, items: &'a [T]) -> &'a T {
    // Every list passed here is a non-empty constant.
    items.choose(rng).unwrap_or(&items[0])
}

/// One of the borough's wards with probability `p` (never for a borough without wards).
fn some_ward(rng: &mut ChaCha8Rng, info: &BoroughInfo, p: f64) -> Option<WardCode> {
    if info.wards.is_empty() || !rng.random_bool(p) {
        return None;
    }
    info.wards.choose(rng).map(|(code, _)| code.clone())
}

/// Choose among `(weight, value)` pairs.
fn weighted<T: Copy>(rng: &mut ChaCha8Rng, items: &[(u32, T)]) -> T {
    let total: u32 = items.iter().map(|(w, _)| w).sum();
    let mut roll = rng.random_range(0..total.max(1));
    for (w, v) in items {
        if roll < *w {
            return *v;
        }
        roll -= w;
    }
    items[items.len() - 1].1
}

const FIRST_NAMES: [&str; 32] = [
    "Aisha", "Ben", "Chloe", "Daniel", "Ebere", "Fatima", "George", "Hannah", "Imran", "Jade",
    "Kwame", "Laura", "Mohammed", "Niamh", "Olu", "Priya", "Rachel", "Sam", "Tariq", "Una",
    "Victor", "Wei", "Yasmin", "Zoe", "Adam", "Bola", "Ciaran", "Deepa", "Emma", "Femi", "Grace",
    "Hassan",
];
const LAST_NAMES: [&str; 32] = [
    "Ahmed",
    "Baker",
    "Campbell",
    "Da Silva",
    "Evans",
    "Francis",
    "Green",
    "Hussain",
    "Ibrahim",
    "Jones",
    "Khan",
    "Lewis",
    "Mensah",
    "Nowak",
    "O'Brien",
    "Patel",
    "Quinn",
    "Roberts",
    "Singh",
    "Taylor",
    "Uddin",
    "Vaughan",
    "Walker",
    "Xu",
    "Young",
    "Zielinski",
    "Adeyemi",
    "Brown",
    "Clarke",
    "Doyle",
    "Edwards",
    "Okafor",
];

fn contact(rng: &mut ChaCha8Rng) -> ContactDetails {
    let first = *pick(rng, &FIRST_NAMES);
    let last = *pick(rng, &LAST_NAMES);
    ContactDetails {
        data_subject_id: random_id(rng),
        full_name: format!("{first} {last}"),
        email: rng.random_bool(0.8).then(|| {
            format!(
                "{}.{}@example.org",
                first.to_lowercase(),
                last.to_lowercase().replace(['\'', ' '], "")
            )
        }),
        phone: rng
            .random_bool(0.4)
            .then(|| format!("07700 900{:03}", rng.random_range(0..1000))),
    }
}

// ---------------------------------------------------------------------------------------
// Workflows: one stream's commands, in time order.

struct Step<C> {
    at: Timestamp,
    actor: u8,
    command: C,
}

/// One stream's commands, typed by its aggregate, behind [`Plan`] so that the planner can
/// hold workflows of every aggregate in one queue.
struct Steps<A: Aggregate> {
    steps: Vec<Step<A::Command>>,
}

/// What the planner and the runner need of a workflow's steps, whatever the aggregate.
trait Plan: Send {
    fn len(&self) -> usize;
    fn truncate(&mut self, n: usize);
    fn kind(&self) -> &'static str;
    #[cfg(test)]
    fn times(&self) -> Vec<Timestamp>;
    fn run<'a>(
        self: Box<Self>,
        ctx: RunCtx<'a>,
        types: &'a mut HashMap<&'static str, u64>,
    ) -> futures::future::BoxFuture<'a, anyhow::Result<()>>;
}

impl<A> Plan for Steps<A>
where
    A: Aggregate + 'static,
    A::Command: Clone + Send + Sync + 'static,
    A::State: Send + Sync,
    A::Event: Send + Sync,
{
    fn len(&self) -> usize {
        self.steps.len()
    }

    fn truncate(&mut self, n: usize) {
        self.steps.truncate(n);
    }

    fn kind(&self) -> &'static str {
        A::KIND
    }

    #[cfg(test)]
    fn times(&self) -> Vec<Timestamp> {
        self.steps.iter().map(|s| s.at).collect()
    }

    fn run<'a>(
        self: Box<Self>,
        ctx: RunCtx<'a>,
        types: &'a mut HashMap<&'static str, u64>,
    ) -> futures::future::BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(async move { ctx.run::<A>(self.steps, types).await })
    }
}

/// The steps of aggregate `A`'s workflow, sorted and cut at the end of the history.
fn plan_of<A>(steps: Vec<Step<A::Command>>, end: Timestamp) -> Box<dyn Plan>
where
    A: Aggregate + 'static,
    A::Command: Clone + Send + Sync + 'static,
    A::State: Send + Sync,
    A::Event: Send + Sync,
{
    Box::new(Steps::<A> {
        steps: finish(steps, end),
    })
}

struct Workflow {
    stream: StreamId,
    actors: Vec<Actor>,
    steps: Box<dyn Plan>,
}

impl Workflow {
    fn len(&self) -> usize {
        self.steps.len()
    }

    fn truncate(&mut self, n: usize) {
        self.steps.truncate(n);
    }

    fn kind(&self) -> &'static str {
        self.steps.kind()
    }

    async fn run(
        self,
        service: &CommandService,
        world: &World,
        bar: &indicatif::ProgressBar,
    ) -> anyhow::Result<Done> {
        let kind = self.kind();
        let mut types = HashMap::new();
        let ctx = RunCtx {
            service,
            world,
            bar,
            stream: &self.stream,
            actors: &self.actors,
        };
        self.steps.run(ctx, &mut types).await?;
        Ok(Done { kind, types })
    }
}

struct RunCtx<'a> {
    service: &'a CommandService,
    world: &'a World,
    bar: &'a indicatif::ProgressBar,
    stream: &'a StreamId,
    actors: &'a [Actor],
}

impl RunCtx<'_> {
    async fn run<A>(
        &self,
        steps: Vec<Step<A::Command>>,
        types: &mut HashMap<&'static str, u64>,
    ) -> anyhow::Result<()>
    where
        A: Aggregate,
        A::Command: Clone,
    {
        let mut loaded = Loaded::<A>::default();
        let fallback = Actor::new("seed", "seed", "engage seed");
        let total = steps.len();
        for (index, step) in steps.into_iter().enumerate() {
            let actor = self
                .actors
                .get(usize::from(step.actor))
                .unwrap_or(&fallback);
            let done = self
                .service
                .execute_on(
                    self.stream,
                    &mut loaded,
                    step.command,
                    actor,
                    &self.world.reference,
                    ExecuteOptions::default().at(step.at),
                )
                .await
                .with_context(|| {
                    format!(
                        "seeding stream {} (step {} of {}, at {})",
                        self.stream,
                        index + 1,
                        total,
                        step.at
                    )
                })?;
            for t in &done.event_types {
                *types.entry(*t).or_default() += 1;
            }
            self.bar.inc(done.events.len() as u64);
        }
        Ok(())
    }
}

/// Sort steps by time (stable: a step generated after its prerequisite at the same instant
/// stays after it) and drop those after the end of the history.
fn finish<C>(mut steps: Vec<Step<C>>, end: Timestamp) -> Vec<Step<C>> {
    steps.sort_by_key(|s| s.at);
    steps.retain(|s| s.at < end);
    steps
}

// ---------------------------------------------------------------------------------------
// The planner: workflows in a fixed order, charged against the event budget.

#[derive(Clone, Copy)]
struct BoardMeeting {
    id: Uuid,
    held_at: Timestamp,
}

struct PendingPriority {
    at: Timestamp,
    priority_id: Uuid,
    ward: Option<WardCode>,
    source: PrioritySource,
    meeting_id: Option<Uuid>,
    title: String,
    description: String,
}

enum Stage {
    /// Reference data first: the wards the history uses, then the custody suites.
    Wards {
        borough: usize,
        ward: usize,
    },
    Suites {
        borough: usize,
        suite: usize,
    },
    Rounds(usize),
    Boards(usize),
    Panels {
        borough: usize,
        ward: usize,
    },
    /// Per borough: its performance figures and its Independent Advisory Group.
    Structure(usize),
    /// London-wide: LCP2, the two partnership boards and the pan-London IAG.
    London(usize),
    Volume {
        month: usize,
        borough: usize,
    },
}

struct Planner {
    world: Arc<World>,
    rng: ChaCha8Rng,
    remaining: u64,
    stage: Stage,
    queue: VecDeque<Workflow>,
    /// Per borough: the board's held meetings, in time order.
    meetings: Vec<Vec<BoardMeeting>>,
    /// Per borough: the board's first members.
    founders: Vec<Vec<Uuid>>,
    /// Per borough: priorities agreed elsewhere (ward panels, supersessions) waiting to be
    /// proposed, in time order.
    pending: Vec<VecDeque<PendingPriority>>,
    months: Vec<(Timestamp, Timestamp)>,
    /// Volume workflows per borough and month.
    rate: f64,
}

impl Planner {
    fn new(world: Arc<World>, seed: u64, events: u64) -> Self {
        let n = world.boroughs.len();
        let mut months = Vec::new();
        let mut m = world.start;
        while m < world.end {
            let next = add_month(m);
            months.push((m, next.min(world.end)));
            m = next;
        }
        Self {
            world,
            rng: ChaCha8Rng::seed_from_u64(seed),
            remaining: events,
            stage: Stage::Wards {
                borough: 0,
                ward: 0,
            },
            queue: VecDeque::new(),
            meetings: vec![Vec::new(); n],
            founders: vec![Vec::new(); n],
            pending: (0..n).map(|_| VecDeque::new()).collect(),
            months,
            rate: 0.0,
        }
    }

    /// Plan the next workflows into the queue; false when the plan is complete.
    fn advance(&mut self) -> bool {
        let world = Arc::clone(&self.world);
        match self.stage {
            Stage::Wards { borough, ward } => {
                self.stage = match world.boroughs.get(borough) {
                    None => Stage::Suites {
                        borough: 0,
                        suite: 0,
                    },
                    Some(info) if ward < info.wards.len() => {
                        self.queue
                            .push_back(reference::ward_workflow(&world, borough, ward));
                        Stage::Wards {
                            borough,
                            ward: ward + 1,
                        }
                    }
                    Some(_) => Stage::Wards {
                        borough: borough + 1,
                        ward: 0,
                    },
                };
            }
            Stage::Suites { borough, suite } => {
                self.stage = match world.boroughs.get(borough) {
                    None => Stage::Rounds(0),
                    Some(info) if suite < info.suites.len() => {
                        self.queue
                            .push_back(reference::suite_workflow(&world, borough, suite));
                        Stage::Suites {
                            borough,
                            suite: suite + 1,
                        }
                    }
                    Some(_) => Stage::Suites {
                        borough: borough + 1,
                        suite: 0,
                    },
                };
            }
            Stage::Rounds(i) => {
                if let Some(r) = world.rounds.get(i) {
                    self.queue.push_back(round_workflow(&world, r));
                    self.stage = Stage::Rounds(i + 1);
                } else {
                    self.stage = Stage::Boards(0);
                }
            }
            Stage::Boards(b) => {
                if b < world.boroughs.len() {
                    let mut rng = self.child_rng();
                    let (wf, meetings, founders) = board_workflow(&world, b, &mut rng);
                    self.meetings[b] = meetings;
                    self.founders[b] = founders;
                    self.queue.push_back(wf);
                    self.stage = Stage::Boards(b + 1);
                } else {
                    self.stage = Stage::Panels {
                        borough: 0,
                        ward: 0,
                    };
                }
            }
            Stage::Panels { borough, ward } => {
                let Some(info) = world.boroughs.get(borough) else {
                    self.stage = Stage::Structure(0);
                    return true;
                };
                // Every ward the seed uses has a panel (the world uses fewer wards for a
                // small history).
                if ward < info.wards.len() {
                    let mut rng = self.child_rng();
                    let (wf, agreed) = panel_workflow(&world, borough, ward, &mut rng);
                    self.queue.push_back(wf);
                    for p in agreed {
                        insert_pending(&mut self.pending[borough], p);
                    }
                    self.stage = Stage::Panels {
                        borough,
                        ward: ward + 1,
                    };
                } else {
                    self.stage = Stage::Panels {
                        borough: borough + 1,
                        ward: 0,
                    };
                }
            }
            Stage::Structure(b) => {
                if b >= world.boroughs.len() {
                    self.stage = Stage::London(0);
                    return true;
                }
                let mut rng = self.child_rng();
                self.queue
                    .push_back(partners::performance_workflow(&world, b, &mut rng));
                // Most boroughs have an IAG the board oversees.
                let has_iag = rng.random_bool((0.7 * world.scale.max(0.1)).min(0.7));
                if has_iag {
                    self.queue.push_back(partners::iag_workflow(
                        &world,
                        Some(b),
                        &self.founders[b],
                        &mut rng,
                    ));
                }
                self.stage = Stage::Structure(b + 1);
            }
            Stage::London(i) => {
                let mut rng = self.child_rng();
                match i {
                    0 => self
                        .queue
                        .push_back(partners::lcp2_workflow(&world, &mut rng)),
                    1 => self.queue.push_back(partners::partnership_workflow(
                        &world,
                        PanLondonBoard::Lcsp,
                        &mut rng,
                    )),
                    2 => self.queue.push_back(partners::partnership_workflow(
                        &world,
                        PanLondonBoard::Lcrb,
                        &mut rng,
                    )),
                    3 => self
                        .queue
                        .push_back(partners::iag_workflow(&world, None, &[], &mut rng)),
                    _ => {
                        self.start_volume();
                        return true;
                    }
                }
                self.stage = Stage::London(i + 1);
            }
            Stage::Volume { month, borough } => {
                if month >= self.months.len() {
                    // Budget left after the last month: another pass over the years.
                    self.start_volume();
                    return true;
                }
                self.plan_borough_month(month, borough);
                self.stage = if borough + 1 < world.boroughs.len() {
                    Stage::Volume {
                        month,
                        borough: borough + 1,
                    }
                } else {
                    Stage::Volume {
                        month: month + 1,
                        borough: 0,
                    }
                };
            }
        }
        true
    }

    fn start_volume(&mut self) {
        let cells = (self.months.len() * self.world.boroughs.len()).max(1) as f64;
        let pending: usize = self.pending.iter().map(VecDeque::len).sum();
        let budget = (self.remaining as f64 - pending as f64 * AVERAGE_VOLUME_WORKFLOW).max(0.0);
        self.rate = (budget / (cells * AVERAGE_VOLUME_WORKFLOW)).max(1.0 / cells);
        self.stage = Stage::Volume {
            month: 0,
            borough: 0,
        };
    }

    fn child_rng(&mut self) -> ChaCha8Rng {
        ChaCha8Rng::seed_from_u64(self.rng.random())
    }

    fn plan_borough_month(&mut self, month: usize, b: usize) {
        let world = Arc::clone(&self.world);
        let (from, to) = self.months[month];
        // Priorities agreed by ward panels (or replacing superseded ones) come up for
        // proposal in the month after they were agreed.
        while self.pending[b].front().is_some_and(|p| p.at < to) {
            if let Some(p) = self.pending[b].pop_front() {
                let mut rng = self.child_rng();
                let (wf, follow_up) = priority_workflow(&world, &self.meetings[b], b, p, &mut rng);
                self.queue.push_back(wf);
                if let Some(f) = follow_up {
                    insert_pending(&mut self.pending[b], f);
                }
            }
        }
        let whole = self.rate.floor();
        let mut count = whole as u64;
        if self.rng.random_bool((self.rate - whole).clamp(0.0, 1.0)) {
            count += 1;
        }
        let round_open = world.round_open_at(from + Duration::days(14)).is_some();
        let suites = world.boroughs[b].suites.len() as u32;
        // The mix: complaints and custody visits are the most frequent; a borough's
        // visits grow with its suites (a suite is visited about weekly).
        let mut mix = vec![
            (60, Volume::Complaint),
            (15, Volume::Priority),
            (10, Volume::PoliceComplaint),
            (5, Volume::StopSearch),
            (3, Volume::Payback),
            (3, Volume::Watch),
        ];
        if suites > 0 {
            mix.push((15 * suites.min(3), Volume::CustodyVisit));
        }
        if round_open {
            mix.push((45, Volume::Bid));
        }
        for _ in 0..count {
            let mut rng = self.child_rng();
            let started = between(&mut rng, from, to);
            let workflow = match weighted(&mut rng, &mix) {
                Volume::Complaint => Some(complaint_workflow(
                    &world,
                    &self.meetings[b],
                    b,
                    started,
                    &mut rng,
                )),
                Volume::Priority => {
                    let p = borough_priority(&world, &self.meetings[b], b, started, &mut rng);
                    let (wf, follow_up) =
                        priority_workflow(&world, &self.meetings[b], b, p, &mut rng);
                    if let Some(f) = follow_up {
                        insert_pending(&mut self.pending[b], f);
                    }
                    Some(wf)
                }
                Volume::Bid => bid_workflow(&world, b, started, &mut rng),
                Volume::CustodyVisit => {
                    oversight::custody_visit_workflow(&world, b, started, &mut rng)
                }
                Volume::StopSearch => oversight::stop_search_workflow(&world, b, started, &mut rng),
                Volume::PoliceComplaint => Some(oversight::police_complaint_workflow(
                    &world, b, started, &mut rng,
                )),
                Volume::Payback => Some(partners::payback_workflow(&world, b, started, &mut rng)),
                Volume::Watch => Some(partners::watch_workflow(&world, b, started, &mut rng)),
            };
            if let Some(wf) = workflow {
                self.queue.push_back(wf);
            }
        }
    }
}

/// The kinds of workflow spread over the months (the rest are structure planned first).
#[derive(Clone, Copy)]
enum Volume {
    Complaint,
    Priority,
    Bid,
    CustodyVisit,
    StopSearch,
    PoliceComplaint,
    Payback,
    Watch,
}

impl Iterator for Planner {
    type Item = Workflow;

    fn next(&mut self) -> Option<Workflow> {
        loop {
            if self.remaining == 0 {
                return None;
            }
            if let Some(mut wf) = self.queue.pop_front() {
                let len = wf.len() as u64;
                if len == 0 {
                    continue;
                }
                if len > self.remaining {
                    wf.truncate(usize::try_from(self.remaining).unwrap_or(usize::MAX));
                }
                self.remaining -= wf.len() as u64;
                return Some(wf);
            }
            if !self.advance() {
                return None;
            }
        }
    }
}

fn insert_pending(queue: &mut VecDeque<PendingPriority>, p: PendingPriority) {
    let at = queue.partition_point(|q| q.at <= p.at);
    queue.insert(at, p);
}

fn add_month(t: Timestamp) -> Timestamp {
    let d = t.date_naive();
    let (y, m) = if d.month() == 12 {
        (d.year() + 1, 1)
    } else {
        (d.year(), d.month() + 1)
    };
    NaiveDate::from_ymd_opt(y, m, 1).map_or(t + Duration::days(31), midnight)
}

// ---------------------------------------------------------------------------------------
// Actors: who gives each command (the caller's identity, never part of the command).

fn board_actors(info: &BoroughInfo) -> Vec<Actor> {
    let code = info.code.as_str();
    vec![
        Actor::new(
            format!("seed-secretary-{code}"),
            "board_secretary",
            format!("{} Safer Neighbourhood Board", info.name),
        ),
        Actor::new(
            format!("seed-police-{code}"),
            "police_liaison",
            format!("Metropolitan Police, {} BCU", info.name),
        ),
        Actor::new("seed-mopac-grants", "grants_officer", "MOPAC"),
    ]
}

const SECRETARY: u8 = 0;
const POLICE: u8 = 1;
const MOPAC: u8 = 2;

// ---------------------------------------------------------------------------------------
// Funding rounds.

fn round_workflow(world: &World, r: &RoundPlan) -> Workflow {
    let steps = vec![
        Step {
            at: r.opens_at,
            actor: 0,
            command: fund_round::Command::Open(fund_round::OpenFundRound {
                round_id: r.id,
                name: r.name.clone(),
                pot_pence: r.pot_pence,
                opens_at: r.opens_at,
                closes_at: r.closes_at,
            }),
        },
        Step {
            at: r.closes_at,
            actor: 0,
            command: fund_round::Command::Close(fund_round::CloseFundRound {
                closed_at: r.closes_at,
            }),
        },
    ];
    Workflow {
        stream: fund_round::stream_id(r.id),
        actors: vec![Actor::new("seed-mopac-grants", "grants_officer", "MOPAC")],
        steps: plan_of::<FundRound>(steps, world.end),
    }
}

// ---------------------------------------------------------------------------------------
// Boards.

const BOARD_ROLES: [BoardRole; 14] = [
    BoardRole::Chair,
    BoardRole::ViceChair,
    BoardRole::Secretary,
    BoardRole::Treasurer,
    BoardRole::PoliceAdviser,
    BoardRole::WardPanelRepresentative,
    BoardRole::CouncilAdviser,
    BoardRole::IndependentCustodyVisitorRepresentative,
    BoardRole::StopAndSearchMonitoringRepresentative,
    BoardRole::VictimsRepresentative,
    BoardRole::YouthRepresentative,
    BoardRole::NeighbourhoodWatchRepresentative,
    BoardRole::IndependentAdvisoryGroupRepresentative,
    BoardRole::Member,
];

const AGENDA: [&str; 10] = [
    "Borough Commander's report",
    "Crime and confidence figures",
    "Ward panel updates",
    "Victims' complaints received",
    "Stop and search monitoring",
    "Custody visiting report",
    "Crime prevention fund projects",
    "Policing priorities review",
    "Youth engagement",
    "Any other business",
];

const ACTIONS: [(&str, &str); 8] = [
    (
        "Share ward-level burglary figures with panel chairs",
        "Borough Commander",
    ),
    (
        "Write to MOPAC about the custody visiting rota",
        "Board Chair",
    ),
    (
        "Report back on stop and search of under-18s",
        "Superintendent, Neighbourhoods",
    ),
    (
        "Arrange a street briefing on the high street",
        "SNT Inspector",
    ),
    ("Circulate the draft annual report", "Board Secretary"),
    (
        "Invite the council's community safety lead to the next meeting",
        "Board Secretary",
    ),
    (
        "Review the victims' complaints log",
        "Victims' Representative",
    ),
    ("Publish the crime prevention fund bid outcome", "Treasurer"),
];

struct ActiveMember {
    id: Uuid,
    role: BoardRole,
    term_end: NaiveDate,
}

/// A borough's board, the meetings it held (for decisions taken at them) and its first
/// members (who observe Independent Advisory Group meetings).
fn board_workflow(
    world: &World,
    b: usize,
    rng: &mut ChaCha8Rng,
) -> (Workflow, Vec<BoardMeeting>, Vec<Uuid>) {
    let info = &world.boroughs[b];
    let s = world.scale;
    let years = world.years();
    let established = world.start + days(rng, 5, 60);
    let mut steps = Vec::new();
    steps.push(Step {
        at: established,
        actor: SECRETARY,
        command: board::Command::Establish(board::EstablishBoard {
            borough: info.code.clone(),
            name: format!("{} Safer Neighbourhood Board", info.name),
            established_on: established.date_naive(),
        }),
    });
    let members = (4.0 + 8.0 * s).round().clamp(4.0, 12.0) as usize;
    let mut active: Vec<ActiveMember> = Vec::new();
    let first_appointed = established + days(rng, 1, 20);
    for role in BOARD_ROLES.iter().take(members) {
        let at = first_appointed + Duration::minutes(active.len() as i64);
        let (step, member) = appoint(rng, *role, at);
        steps.push(step);
        active.push(member);
    }
    let founders: Vec<Uuid> = active.iter().take(3).map(|m| m.id).collect();
    let per_year = (6.0 * s).clamp(0.0, 12.0);
    let count = ((per_year * years).round() as usize).max(1);
    let first = first_appointed + Duration::days(30);
    let span = (world.end - first).num_minutes().max(1) as f64;
    let mut held = Vec::new();
    // The last step that named members (appointments, meetings held): a stand-down must
    // come after it, or a meeting would list someone who had already left.
    let mut last_named = first_appointed + Duration::hours(1);
    for i in 0..count {
        let slot = first + Duration::minutes((span * i as f64 / count as f64) as i64);
        let day = (slot + days(rng, 0, 10)).date_naive();
        let meeting_at = at_naive(day, 18, 30);
        if meeting_at >= world.end {
            break;
        }
        // Terms that ended before the meeting: the member stands down and someone new is
        // appointed to the role (turnover only where the board meets regularly).
        if per_year >= 2.0 {
            let mut k = 0;
            while k < active.len() {
                if active[k].term_end < day {
                    let leaving = active.swap_remove(k);
                    let when =
                        at_naive(leaving.term_end, 12, 0).max(last_named + Duration::hours(1));
                    steps.push(Step {
                        at: when,
                        actor: SECRETARY,
                        command: board::Command::StandDownMember(board::StandDownBoardMember {
                            member_id: leaving.id,
                            stood_down_on: when.date_naive(),
                            reason: Some("End of term".into()),
                        }),
                    });
                    let (step, member) = appoint(rng, leaving.role, when + Duration::minutes(1));
                    steps.push(step);
                    active.push(member);
                } else {
                    k += 1;
                }
            }
        }
        let meeting_id = random_id(rng);
        let scheduled_at =
            (meeting_at - days(rng, 21, 35)).max(first_appointed + Duration::hours(1));
        let kind = if i % 6 == 5 {
            MeetingKind::AnnualGeneral
        } else if rng.random_bool(0.15) {
            MeetingKind::Private
        } else {
            MeetingKind::Public
        };
        let items = rng.random_range(3..=6);
        let agenda: Vec<String> = AGENDA
            .choose_multiple(rng, items)
            .map(|a| (*a).to_owned())
            .collect();
        steps.push(Step {
            at: scheduled_at,
            actor: SECRETARY,
            command: board::Command::ScheduleMeeting(board::ScheduleBoardMeeting {
                meeting_id,
                kind,
                scheduled_for: meeting_at,
                venue: pick(
                    rng,
                    &[
                        format!("{} Town Hall", info.name),
                        format!("{} Civic Centre", info.name),
                        format!("{} Central Library", info.name),
                        "Online (video call)".to_owned(),
                    ],
                )
                .clone(),
                agenda,
            }),
        });
        if rng.random_bool(0.05) {
            steps.push(Step {
                at: meeting_at - days(rng, 1, 7),
                actor: SECRETARY,
                command: board::Command::CancelMeeting(board::CancelBoardMeeting {
                    meeting_id,
                    reason: pick(
                        rng,
                        &[
                            "Not quorate",
                            "Venue unavailable",
                            "Clash with a borough event",
                        ],
                    )
                    .to_string(),
                }),
            });
            continue;
        }
        let mut present = Vec::new();
        let mut apologies = Vec::new();
        for m in &active {
            if rng.random_bool(0.75) {
                present.push(m.id);
            } else if rng.random_bool(0.6) {
                apologies.push(m.id);
            }
        }
        if present.is_empty()
            && let Some(m) = active.first()
        {
            apologies.retain(|id| *id != m.id);
            present.push(m.id);
        }
        let held_at = meeting_at + Duration::hours(2);
        steps.push(Step {
            at: held_at,
            actor: SECRETARY,
            command: board::Command::RecordMeetingHeld(board::RecordBoardMeetingHeld {
                meeting_id,
                held_at: meeting_at,
                members_present: present,
                apologies,
                public_attendance: if kind == MeetingKind::Private {
                    0
                } else {
                    rng.random_range(4..70)
                },
            }),
        });
        held.push(BoardMeeting {
            id: meeting_id,
            held_at: meeting_at,
        });
        last_named = held_at;
        let published = held_at + days(rng, 5, 28);
        steps.push(Step {
            at: published,
            actor: SECRETARY,
            command: board::Command::PublishMinutes(board::PublishBoardMinutes {
                meeting_id,
                published_at: published,
                minutes_ref: format!(
                    "https://snb.example.org/{}/minutes/{}",
                    info.code,
                    meeting_at.date_naive()
                ),
            }),
        });
        for _ in 0..rng.random_range(0..=3) {
            let action_id = random_id(rng);
            let (description, owner) = *pick(rng, &ACTIONS);
            let due_on = (meeting_at + days(rng, 28, 90)).date_naive();
            steps.push(Step {
                at: held_at + Duration::minutes(5),
                actor: SECRETARY,
                command: board::Command::RaiseActionItem(board::RaiseBoardActionItem {
                    action_id,
                    meeting_id,
                    description: description.into(),
                    owner: owner.into(),
                    due_on,
                }),
            });
            if rng.random_bool(0.8) {
                let done = at_naive(due_on, 12, 0) + days(rng, -20, 30);
                let done = done.max(held_at + Duration::days(1));
                steps.push(Step {
                    at: done,
                    actor: SECRETARY,
                    command: board::Command::CompleteActionItem(board::CompleteBoardActionItem {
                        action_id,
                        completed_on: done.date_naive(),
                        outcome: pick(
                            rng,
                            &[
                                "Done and reported to the next meeting",
                                "Figures circulated to members",
                                "Letter sent; reply awaited",
                                "Briefing held",
                            ],
                        )
                        .to_string(),
                    }),
                });
            }
        }
    }
    let workflow = Workflow {
        stream: board::stream_id(&info.code),
        actors: board_actors(info),
        steps: plan_of::<Board>(steps, world.end),
    };
    (workflow, held, founders)
}

fn appoint(
    rng: &mut ChaCha8Rng,
    role: BoardRole,
    at: Timestamp,
) -> (Step<board::Command>, ActiveMember) {
    let id = random_id(rng);
    let term_start = at.date_naive();
    let term_end = term_start + Duration::days(365 * 3);
    let represents = match role {
        BoardRole::PoliceAdviser => Some("Metropolitan Police Service".to_owned()),
        BoardRole::CouncilAdviser => Some("Local authority community safety team".to_owned()),
        BoardRole::NeighbourhoodWatchRepresentative => Some("Neighbourhood Watch".to_owned()),
        BoardRole::IndependentCustodyVisitorRepresentative => {
            Some("Independent Custody Visitors".to_owned())
        }
        _ => None,
    };
    (
        Step {
            at,
            actor: SECRETARY,
            command: board::Command::AppointMember(board::AppointBoardMember {
                member_id: id,
                role,
                represents,
                term_start,
                term_end: Some(term_end),
                personal: contact(rng),
            }),
        },
        ActiveMember { id, role, term_end },
    )
}

fn at_naive(d: NaiveDate, h: u32, m: u32) -> Timestamp {
    Utc.from_utc_datetime(&d.and_hms_opt(h, m, 0).unwrap_or_default())
}

// ---------------------------------------------------------------------------------------
// Ward panels.

const WARD_ISSUES: [(&str, &str); 10] = [
    (
        "Drug dealing around the estate",
        "Residents report open dealing in stairwells and the car park in the evenings.",
    ),
    (
        "Anti-social behaviour in the park",
        "Groups gathering after dark, noise and damage to the play area.",
    ),
    (
        "Residential burglary",
        "A run of burglaries through rear gardens on neighbouring streets.",
    ),
    (
        "Speeding on residential roads",
        "Cars speeding on a cut-through used by children walking to school.",
    ),
    (
        "Theft from vehicles",
        "Catalytic converter and van tool thefts overnight.",
    ),
    (
        "Street drinking near the shops",
        "Street drinking and intimidation outside the parade of shops.",
    ),
    (
        "Phone snatches near the station",
        "Moped and cycle-enabled phone snatches at the station exits.",
    ),
    (
        "Shoplifting on the high street",
        "Traders report daily shoplifting and abuse of staff.",
    ),
    (
        "Violence in the night-time economy",
        "Assaults and harassment around late-night venues at weekends.",
    ),
    (
        "Fly-tipping and nuisance vehicles",
        "Repeated fly-tipping and abandoned vehicles in the service road.",
    ),
];

fn panel_workflow(
    world: &World,
    b: usize,
    w: usize,
    rng: &mut ChaCha8Rng,
) -> (Workflow, Vec<PendingPriority>) {
    let info = &world.boroughs[b];
    let (ward, ward_name) = &info.wards[w];
    let s = world.scale;
    let formed = world.start + days(rng, 14, 180);
    let mut steps = Vec::new();
    steps.push(Step {
        at: formed,
        actor: 0,
        command: ward_panel::Command::Form(ward_panel::FormWardPanel {
            ward: ward.clone(),
            borough: info.code.clone(),
            formed_on: formed.date_naive(),
        }),
    });
    let size = (3.0 + 5.0 * s).round().clamp(3.0, 8.0) as usize;
    let mut active: Vec<Uuid> = Vec::new();
    fn join(
        rng: &mut ChaCha8Rng,
        role: PanelRole,
        at: Timestamp,
        steps: &mut Vec<Step<ward_panel::Command>>,
    ) -> Uuid {
        let id = random_id(rng);
        steps.push(Step {
            at,
            actor: 0,
            command: ward_panel::Command::Join(ward_panel::JoinWardPanel {
                member_id: id,
                role,
                joined_on: at.date_naive(),
                personal: contact(rng),
            }),
        });
        id
    }
    for i in 0..size {
        let role = match i {
            0 => PanelRole::Chair,
            1 => PanelRole::SntLiaison,
            _ => *pick(
                rng,
                &[
                    PanelRole::Resident,
                    PanelRole::Resident,
                    PanelRole::Resident,
                    PanelRole::BusinessRepresentative,
                    PanelRole::YouthRepresentative,
                    PanelRole::FaithRepresentative,
                ],
            ),
        };
        let at = formed + Duration::days(i as i64 + 1);
        active.push(join(rng, role, at, &mut steps));
    }
    let per_year = (4.0 * s).clamp(0.0, 4.0);
    let count = ((per_year * world.years()).round() as usize).max(1);
    let first = formed + Duration::days(21);
    let span = (world.end - first).num_minutes().max(1) as f64;
    let mut agreed = Vec::new();
    let mut last_named = formed + Duration::days(size as i64 + 1);
    for i in 0..count {
        let slot = first + Duration::minutes((span * i as f64 / count as f64) as i64);
        let held_at = at_naive((slot + days(rng, 0, 14)).date_naive(), 19, 0);
        if held_at >= world.end {
            break;
        }
        // About one member in eight changes each year where panels meet regularly.
        if i > 0 && per_year >= 1.0 && active.len() > 2 && rng.random_bool(0.25) {
            let k = rng.random_range(2..active.len());
            let leaving = active.swap_remove(k);
            let left = (held_at - days(rng, 10, 40)).max(last_named + Duration::hours(1));
            steps.push(Step {
                at: left,
                actor: 0,
                command: ward_panel::Command::Leave(ward_panel::LeaveWardPanel {
                    member_id: leaving,
                    left_on: left.date_naive(),
                }),
            });
            active.push(join(
                rng,
                PanelRole::Resident,
                left + Duration::days(3),
                &mut steps,
            ));
        }
        let meeting_id = random_id(rng);
        let present: Vec<Uuid> = active
            .iter()
            .copied()
            .filter(|_| rng.random_bool(0.7))
            .collect();
        steps.push(Step {
            at: held_at + Duration::hours(2),
            actor: 0,
            command: ward_panel::Command::RecordMeeting(ward_panel::RecordWardPanelMeeting {
                meeting_id,
                held_at,
                members_present: present,
                residents_attending: rng.random_range(0..30),
                snt_attended: rng.random_bool(0.85),
            }),
        });
        last_named = held_at + Duration::hours(2);
        // About one ward priority a year (every fourth or fifth meeting).
        if rng.random_bool(0.22) {
            let (title, description) = *pick(rng, &WARD_ISSUES);
            let priority_id = random_id(rng);
            let at = held_at + Duration::hours(2) + Duration::minutes(10);
            steps.push(Step {
                at,
                actor: 0,
                command: ward_panel::Command::AgreePriority(ward_panel::AgreeWardPanelPriority {
                    meeting_id,
                    priority_id,
                    title: title.into(),
                    description: description.into(),
                }),
            });
            agreed.push(PendingPriority {
                at: at + days(rng, 2, 21),
                priority_id,
                ward: Some(ward.clone()),
                source: PrioritySource::WardPanel,
                meeting_id: Some(meeting_id),
                title: format!("{title} ({ward_name})"),
                description: description.into(),
            });
        }
    }
    let steps = finish(steps, world.end);
    // Priorities agreed too late to be proposed before the end of the history are not.
    agreed.retain(|p| p.at < world.end);
    let workflow = Workflow {
        stream: ward_panel::stream_id(ward),
        actors: vec![Actor::new(
            format!("seed-panel-chair-{ward}"),
            "ward_panel_chair",
            format!("{ward_name} Ward Panel"),
        )],
        steps: plan_of::<WardPanel>(steps, world.end),
    };
    (workflow, agreed)
}

// ---------------------------------------------------------------------------------------
// Victim complaints.

const COMPLAINTS: [(ComplaintCategory, &str); 7] = [
    (
        ComplaintCategory::PoliceResponse,
        "Waited over two hours for officers after reporting an assault in progress",
    ),
    (
        ComplaintCategory::InvestigationQuality,
        "CCTV from the shop next door was never collected after the burglary",
    ),
    (
        ComplaintCategory::Communication,
        "No update for six weeks after reporting a burglary; calls not returned",
    ),
    (
        ComplaintCategory::VictimCare,
        "Not referred to victim support after a street robbery",
    ),
    (
        ComplaintCategory::OfficerConduct,
        "Officer was dismissive when the hate incident was reported at the front counter",
    ),
    (
        ComplaintCategory::AntisocialBehaviour,
        "Repeated reports of anti-social behaviour on the estate with no visible action",
    ),
    (
        ComplaintCategory::Other,
        "Crime reference number never issued for an online fraud report",
    ),
];

fn complaint_workflow(
    world: &World,
    meetings: &[BoardMeeting],
    b: usize,
    received: Timestamp,
    rng: &mut ChaCha8Rng,
) -> Workflow {
    use victim_complaint::{
        AcknowledgeVictimComplaint, Command as C, RaiseVictimComplaint,
        RecordVictimComplaintResponse, ReferVictimComplaint, ResolveVictimComplaint,
        ReviewVictimComplaint,
    };
    let info = &world.boroughs[b];
    let complaint_id = random_id(rng);
    let (category, summary) = *pick(rng, &COMPLAINTS);
    let person = contact(rng);
    let mut steps = vec![Step {
        at: received,
        actor: SECRETARY,
        command: C::Raise(RaiseVictimComplaint {
            complaint_id,
            borough: info.code.clone(),
            ward: some_ward(rng, info, 0.7),
            received_at: received,
            category,
            category_detail: (category == ComplaintCategory::Other)
                .then(|| "Crime recording".to_owned()),
            channel: weighted(
                rng,
                &[
                    (35, ComplaintChannel::Email),
                    (25, ComplaintChannel::WebForm),
                    (15, ComplaintChannel::Phone),
                    (10, ComplaintChannel::Letter),
                    (10, ComplaintChannel::PublicMeeting),
                    (5, ComplaintChannel::InPerson),
                ],
            ),
            summary: summary.into(),
            personal: ComplainantDetails {
                data_subject_id: person.data_subject_id,
                full_name: person.full_name,
                email: person.email,
                phone: person.phone,
                postal_address: rng
                    .random_bool(0.2)
                    .then(|| format!("{} High Street, {}", rng.random_range(1..300), info.name)),
            },
        }),
    }];
    // Timeliness: most acknowledged within two working days, some slips.
    let ack_days = weighted(rng, &[(60, (0, 2)), (30, (3, 7)), (10, (8, 30))]);
    let acknowledged = received + days(rng, ack_days.0, ack_days.1) + Duration::hours(1);
    steps.push(Step {
        at: acknowledged,
        actor: SECRETARY,
        command: C::Acknowledge(AcknowledgeVictimComplaint {
            acknowledged_at: acknowledged,
        }),
    });
    let mut last = acknowledged;
    let referrals = weighted(rng, &[(20, 0usize), (70, 1), (10, 2)]);
    for _ in 0..referrals {
        let referral_id = random_id(rng);
        let referred = acknowledged + days(rng, 0, 5) + Duration::hours(1);
        let to = weighted(rng, &[(55, 0u8), (15, 1), (10, 2), (10, 3), (5, 4), (5, 5)]);
        let referred_to = match to {
            0 => ReferralTarget::BoroughCommand,
            1 => ReferralTarget::ProfessionalStandards,
            2 => ReferralTarget::VictimSupport,
            3 => ReferralTarget::LocalAuthority,
            4 => ReferralTarget::Mopac,
            _ => ReferralTarget::Other("Independent Office for Police Conduct".into()),
        };
        steps.push(Step {
            at: referred,
            actor: SECRETARY,
            command: C::Refer(ReferVictimComplaint {
                referral_id,
                referred_to,
                referred_at: referred,
                note: rng
                    .random_bool(0.5)
                    .then(|| "Asked for a named contact and a reply within 20 working days".into()),
            }),
        });
        last = last.max(referred);
        if rng.random_bool(0.85) {
            let responded = referred + days(rng, 3, 45);
            steps.push(Step {
                at: responded,
                actor: POLICE,
                command: C::RecordResponse(RecordVictimComplaintResponse {
                    referral_id,
                    responded_at: responded,
                    response_summary: pick(
                        rng,
                        &[
                            "Officer allocated and the victim called back",
                            "Case reviewed by a supervisor; further enquiries made",
                            "Apology given and local procedure changed",
                            "Referred to victim support and a care plan agreed",
                        ],
                    )
                    .to_string(),
                }),
            });
            last = last.max(responded);
        }
    }
    if rng.random_bool(0.9) {
        let resolved = last + days(rng, 1, 30);
        let outcome = weighted(
            rng,
            &[
                (25, ComplaintOutcome::Upheld),
                (25, ComplaintOutcome::PartiallyUpheld),
                (20, ComplaintOutcome::NotUpheld),
                (22, ComplaintOutcome::ResolvedInformally),
                (8, ComplaintOutcome::WithdrawnByComplainant),
            ],
        );
        steps.push(Step {
            at: resolved,
            actor: SECRETARY,
            command: C::Resolve(ResolveVictimComplaint {
                resolved_at: resolved,
                outcome,
                outcome_summary: match outcome {
                    ComplaintOutcome::Upheld => "Complaint upheld; the borough changed its process",
                    ComplaintOutcome::PartiallyUpheld => {
                        "Partly upheld; apology given for the delay"
                    }
                    ComplaintOutcome::NotUpheld => "Not upheld; the response was explained",
                    ComplaintOutcome::ResolvedInformally => {
                        "Resolved by a call from the SNT sergeant"
                    }
                    ComplaintOutcome::WithdrawnByComplainant => "Withdrawn by the complainant",
                }
                .into(),
            }),
        });
        if rng.random_bool(0.5) {
            let meeting = meetings
                .iter()
                .find(|m| m.held_at >= resolved)
                .filter(|m| m.held_at - resolved < Duration::days(180));
            let (reviewed, meeting_id) = match meeting {
                Some(m) => (m.held_at + Duration::hours(3), Some(m.id)),
                None => (resolved + days(rng, 14, 60), None),
            };
            steps.push(Step {
                at: reviewed,
                actor: SECRETARY,
                command: C::Review(ReviewVictimComplaint {
                    reviewed_at: reviewed,
                    meeting_id,
                    finding: weighted(
                        rng,
                        &[
                            (50, ReviewFinding::HandledWell),
                            (35, ReviewFinding::LessonsToLearn),
                            (15, ReviewFinding::HandledPoorly),
                        ],
                    ),
                    notes: "Reviewed against the Victims' Code timescales".into(),
                }),
            });
        }
    }
    Workflow {
        stream: victim_complaint::stream_id(complaint_id),
        actors: board_actors(info),
        steps: plan_of::<VictimComplaint>(steps, world.end),
    }
}

// ---------------------------------------------------------------------------------------
// Priorities.

const BOROUGH_PRIORITIES: [(&str, &str); 8] = [
    (
        "Violence against women and girls",
        "Reduce harassment and violence in public spaces and the night-time economy.",
    ),
    (
        "Knife crime among young people",
        "Fewer young people carrying knives; more diversion and youth provision.",
    ),
    (
        "Residential burglary",
        "Bring burglary down to the London average.",
    ),
    (
        "Confidence in local policing",
        "Raise the share of residents who think the police do a good job locally.",
    ),
    (
        "Hate crime reporting",
        "More hate crime reported and more victims satisfied with the response.",
    ),
    (
        "Robbery of personal property",
        "Fewer phone and bag snatches in the town centres.",
    ),
    (
        "Drug-related anti-social behaviour",
        "Tackle drug dealing and the anti-social behaviour around it.",
    ),
    (
        "Road safety",
        "Fewer people killed or seriously injured on the borough's roads.",
    ),
];

fn borough_priority(
    world: &World,
    meetings: &[BoardMeeting],
    b: usize,
    at: Timestamp,
    rng: &mut ChaCha8Rng,
) -> PendingPriority {
    let info = &world.boroughs[b];
    let (title, description) = *pick(rng, &BOROUGH_PRIORITIES);
    let source = weighted(
        rng,
        &[
            (35, PrioritySource::Data),
            (35, PrioritySource::Survey),
            (30, PrioritySource::Meeting),
        ],
    );
    let meeting_id = (source == PrioritySource::Meeting)
        .then(|| {
            meetings
                .iter()
                .rev()
                .find(|m| m.held_at <= at)
                .map(|m| m.id)
        })
        .flatten();
    let ward = some_ward(rng, info, 0.3);
    PendingPriority {
        at,
        priority_id: random_id(rng),
        ward,
        source,
        meeting_id,
        title: title.into(),
        description: description.into(),
    }
}

fn evidence(rng: &mut ChaCha8Rng, code: &BoroughCode, at: Timestamp) -> Vec<EvidenceRef> {
    let kind = weighted(
        rng,
        &[
            (30, EvidenceKind::CrimeData),
            (25, EvidenceKind::Minutes),
            (20, EvidenceKind::Survey),
            (15, EvidenceKind::PoliceReport),
            (10, EvidenceKind::ConsultationResponse),
        ],
    );
    let mut e = EvidenceRef::new(
        kind,
        format!(
            "https://snb.example.org/{code}/evidence/{}/{:?}",
            at.date_naive(),
            kind
        )
        .to_lowercase(),
    );
    e.description = Some(
        match kind {
            EvidenceKind::CrimeData => "Borough crime figures, rolling 12 months",
            EvidenceKind::Minutes => "Minutes of the meeting",
            EvidenceKind::Survey => "Public Attitude Survey results for the borough",
            EvidenceKind::PoliceReport => "BCU performance report",
            EvidenceKind::ConsultationResponse => "Responses to the board's consultation",
            EvidenceKind::Document => "Supporting document",
        }
        .into(),
    );
    vec![e]
}

fn priority_workflow(
    world: &World,
    meetings: &[BoardMeeting],
    b: usize,
    p: PendingPriority,
    rng: &mut ChaCha8Rng,
) -> (Workflow, Option<PendingPriority>) {
    use priority::{
        ClosePriority, Command as C, ProposePriority, PublishPriorityFeedback,
        ReportPriorityProgress, ReviewPriority, SetPriority,
    };
    let info = &world.boroughs[b];
    let code = &info.code;
    let proposed = p.at;
    let mut steps = vec![Step {
        at: proposed,
        actor: SECRETARY,
        command: C::Propose(ProposePriority {
            priority_id: p.priority_id,
            borough: code.clone(),
            ward: p.ward.clone(),
            title: p.title.clone(),
            description: p.description.clone(),
            source: p.source,
            meeting_id: p.meeting_id,
            evidence: evidence(rng, code, proposed),
            proposed_at: proposed,
        }),
    }];
    let mut follow_up = None;
    let next_meeting = |after: Timestamp| meetings.iter().find(|m| m.held_at > after).copied();
    let set = next_meeting(proposed + Duration::days(7)).filter(|_| rng.random_bool(0.85));
    if let Some(set) = set {
        let set_at = set.held_at + Duration::hours(1);
        steps.push(Step {
            at: set_at,
            actor: SECRETARY,
            command: C::Set(SetPriority {
                set_at,
                meeting_id: set.id,
                evidence: evidence(rng, code, set_at),
                decided_by: format!(
                    "Board vote, {} for, {} against",
                    rng.random_range(6..12),
                    rng.random_range(0..3)
                ),
                success_measure: pick(
                    rng,
                    &[
                        "A 10% fall in recorded offences over 12 months",
                        "Confidence in the ward up 5 points in the Public Attitude Survey",
                        "Monthly patrol plan delivered and reported to the board",
                        "Fewer repeat calls from the same addresses",
                    ],
                )
                .to_string(),
                review_due: (set_at + Duration::days(182)).date_naive(),
            }),
        });
        // Police progress reports every two to four months.
        let lifetime = days(rng, 180, 540);
        let closes_after = set_at + lifetime;
        let mut t = set_at + days(rng, 45, 100);
        while t < closes_after {
            steps.push(Step {
                at: t,
                actor: POLICE,
                command: C::ReportProgress(ReportPriorityProgress {
                    reported_at: t,
                    reported_by: format!("{} SNT Inspector", info.name),
                    rating: weighted(
                        rng,
                        &[
                            (60, ProgressRating::OnTrack),
                            (30, ProgressRating::AtRisk),
                            (10, ProgressRating::OffTrack),
                        ],
                    ),
                    summary: pick(
                        rng,
                        &[
                            "Targeted patrols in the hotspot; two arrests",
                            "Joint operation with the council; CCTV redeployed",
                            "Weekly action days held; offences down on the quarter",
                            "Staffing abstractions slowed progress this period",
                        ],
                    )
                    .to_string(),
                    evidence: evidence(rng, code, t),
                }),
            });
            t += days(rng, 60, 120);
        }
        // Reviews at board meetings while it runs.
        for m in meetings
            .iter()
            .filter(|m| m.held_at > set_at && m.held_at < closes_after)
            .take(2)
        {
            if rng.random_bool(0.6) {
                let at = m.held_at + Duration::hours(1);
                steps.push(Step {
                    at,
                    actor: SECRETARY,
                    command: C::Review(ReviewPriority {
                        reviewed_at: at,
                        meeting_id: m.id,
                        evidence: evidence(rng, code, at),
                        assessment: weighted(
                            rng,
                            &[
                                (60, ProgressRating::OnTrack),
                                (30, ProgressRating::AtRisk),
                                (10, ProgressRating::OffTrack),
                            ],
                        ),
                        notes: "Board reviewed the police update and asked for ward-level figures"
                            .into(),
                        next_review_due: Some((at + Duration::days(120)).date_naive()),
                    }),
                });
            }
        }
        let mut last_decision = set_at;
        if let Some(m) = next_meeting(closes_after).filter(|_| rng.random_bool(0.8)) {
            let closed_at = m.held_at + Duration::hours(1);
            let outcome = weighted(
                rng,
                &[
                    (50, PriorityOutcome::Achieved),
                    (25, PriorityOutcome::NotAchieved),
                    (25, PriorityOutcome::Superseded),
                ],
            );
            let superseded_by = (outcome == PriorityOutcome::Superseded).then(|| random_id(rng));
            steps.push(Step {
                at: closed_at,
                actor: SECRETARY,
                command: C::Close(ClosePriority {
                    closed_at,
                    meeting_id: m.id,
                    evidence: evidence(rng, code, closed_at),
                    outcome,
                    superseded_by,
                    notes: match outcome {
                        PriorityOutcome::Achieved => "Target met; returned to business as usual",
                        PriorityOutcome::NotAchieved => {
                            "Target missed; lessons recorded for next year"
                        }
                        PriorityOutcome::Superseded => "Replaced by a sharper priority",
                    }
                    .into(),
                }),
            });
            last_decision = closed_at;
            if let Some(next) = superseded_by {
                follow_up = Some(PendingPriority {
                    at: closed_at + Duration::hours(1),
                    priority_id: next,
                    ward: p.ward.clone(),
                    source: PrioritySource::Meeting,
                    meeting_id: Some(m.id),
                    title: format!("{} (renewed)", p.title.trim_end_matches(" (renewed)")),
                    description: p.description.clone(),
                });
            }
        }
        // "You said, we did".
        for _ in 0..weighted(rng, &[(30, 0u8), (50, 1), (20, 2)]) {
            let published = last_decision + days(rng, 7, 45);
            steps.push(Step {
                at: published,
                actor: SECRETARY,
                command: C::PublishFeedback(PublishPriorityFeedback {
                    feedback_id: random_id(rng),
                    published_at: published,
                    you_said: format!("You told us: {}", p.title.to_lowercase()),
                    we_did: pick(
                        rng,
                        &[
                            "We made it a priority, patrols were increased and offences fell",
                            "We asked the police to report monthly and shared the figures",
                            "We funded a crime prevention project with the council",
                        ],
                    )
                    .to_string(),
                    channel: weighted(
                        rng,
                        &[
                            (35, FeedbackChannel::Website),
                            (25, FeedbackChannel::Newsletter),
                            (15, FeedbackChannel::PublicMeeting),
                            (15, FeedbackChannel::WardPanelMeeting),
                            (10, FeedbackChannel::SocialMedia),
                        ],
                    ),
                    url: Some(format!(
                        "https://snb.example.org/{code}/you-said-we-did/{}",
                        published.date_naive()
                    )),
                }),
            });
        }
    }
    let steps = finish(steps, world.end);
    let follow_up = follow_up.filter(|f| f.at < world.end);
    (
        Workflow {
            stream: priority::stream_id(p.priority_id),
            actors: board_actors(info),
            steps: plan_of::<Priority>(steps, world.end),
        },
        follow_up,
    )
}

// ---------------------------------------------------------------------------------------
// Crime prevention fund bids.

const PROJECTS: [(&str, &str); 6] = [
    (
        "Safer Streets lighting and CCTV",
        "Better lighting and two redeployable cameras in the burglary hotspot.",
    ),
    (
        "Youth mentoring after school",
        "Mentoring and sport for young people at risk of exclusion.",
    ),
    (
        "Women's night safety walks",
        "Night walks with women and girls to map unsafe places and fix them.",
    ),
    (
        "Bike marking and lock scheme",
        "Free bike marking events and subsidised locks at stations.",
    ),
    (
        "Business crime reduction partnership",
        "Radio link and shared exclusion scheme for high-street traders.",
    ),
    (
        "Hate crime reporting centres",
        "Third-party reporting centres in community venues with trained staff.",
    ),
];

fn bid_workflow(
    world: &World,
    b: usize,
    started: Timestamp,
    rng: &mut ChaCha8Rng,
) -> Option<Workflow> {
    use prevention_bid::{
        ApprovePreventionBid, AssessPreventionBid, Command as C, RejectPreventionBid,
        ReleasePreventionFunds, ReportPreventionBidMilestone, ReportPreventionBidOutcome,
        SubmitPreventionBid, WithdrawPreventionBid,
    };
    let round = world.round_open_at(started)?;
    let info = &world.boroughs[b];
    let bid_id = random_id(rng);
    let (title, summary) = *pick(rng, &PROJECTS);
    let amount_pence = rng.random_range(50..1500) * 10_000;
    let outcomes: Vec<PromisedOutcome> = (0..rng.random_range(1..=3u32))
        .map(|i| PromisedOutcome {
            description: [
                "Fewer offences in the target area",
                "More people feel safe",
                "Young people engaged",
            ][i as usize % 3]
                .into(),
            measure: [
                "Recorded offences",
                "Survey of residents",
                "Attendance records",
            ][i as usize % 3]
                .into(),
            target: ["-15% in 12 months", "+10 points", "120 young people"][i as usize % 3].into(),
        })
        .collect();
    let promised = outcomes.len() as u32;
    let mut steps = vec![Step {
        at: started,
        actor: SECRETARY,
        command: C::Submit(SubmitPreventionBid {
            bid_id,
            round_id: round.id,
            borough: info.code.clone(),
            project_title: title.into(),
            project_summary: summary.into(),
            amount_pence,
            outcomes,
            submitted_at: started,
        }),
    }];
    if rng.random_bool(0.06) {
        let at = started + days(rng, 3, 30);
        steps.push(Step {
            at,
            actor: SECRETARY,
            command: C::Withdraw(WithdrawPreventionBid {
                withdrawn_at: at,
                reason: "Match funding fell through".into(),
            }),
        });
    } else {
        let assessed = round.closes_at + days(rng, 14, 42);
        let score: u8 = rng.random_range(25..96);
        let recommendation = if score >= 70 {
            Recommendation::Fund
        } else if score >= 50 {
            Recommendation::FundInPart
        } else {
            Recommendation::DoNotFund
        };
        steps.push(Step {
            at: assessed,
            actor: MOPAC,
            command: C::Assess(AssessPreventionBid {
                assessed_at: assessed,
                score,
                recommendation,
                notes: "Assessed against the fund's criteria: need, deliverability, value".into(),
            }),
        });
        let decided = assessed + days(rng, 7, 28);
        if recommendation == Recommendation::DoNotFund {
            steps.push(Step {
                at: decided,
                actor: MOPAC,
                command: C::Reject(RejectPreventionBid {
                    rejected_at: decided,
                    reason: "Scored below the funding threshold".into(),
                }),
            });
        } else {
            let approved = if recommendation == Recommendation::Fund {
                amount_pence
            } else {
                (amount_pence * rng.random_range(50..90) / 100 / 100).max(1) * 100
            };
            steps.push(Step {
                at: decided,
                actor: MOPAC,
                command: C::Approve(ApprovePreventionBid {
                    approved_at: decided,
                    approved_amount_pence: approved,
                    conditions: vec!["Quarterly monitoring returns to MOPAC".into()],
                }),
            });
            let tranches: &[i64] = match rng.random_range(1..=3) {
                1 => &[100],
                2 => &[60, 40],
                _ => &[50, 30, 20],
            };
            let mut paid = 0;
            let mut t = decided + days(rng, 10, 30);
            for (i, pct) in tranches.iter().enumerate() {
                let amount = if i + 1 == tranches.len() {
                    approved - paid
                } else {
                    approved * pct / 100
                };
                if amount <= 0 {
                    continue;
                }
                paid += amount;
                steps.push(Step {
                    at: t,
                    actor: MOPAC,
                    command: C::ReleaseFunds(ReleasePreventionFunds {
                        release_id: random_id(rng),
                        released_at: t,
                        amount_pence: amount,
                    }),
                });
                t += days(rng, 90, 150);
            }
            for (i, milestone) in ["Project started", "Half-way report", "Delivery complete"]
                .iter()
                .enumerate()
                .take(rng.random_range(1..=3))
            {
                let at = decided + Duration::days(60 + 120 * i as i64) + days(rng, 0, 30);
                steps.push(Step {
                    at,
                    actor: SECRETARY,
                    command: C::ReportMilestone(ReportPreventionBidMilestone {
                        reported_at: at,
                        milestone: (*milestone).into(),
                        achieved: rng.random_bool(0.85),
                        note: None,
                    }),
                });
            }
            let report = decided + days(rng, 330, 420);
            for outcome_index in 0..promised {
                steps.push(Step {
                    at: report + Duration::minutes(i64::from(outcome_index)),
                    actor: SECRETARY,
                    command: C::ReportOutcome(ReportPreventionBidOutcome {
                        reported_at: report + Duration::minutes(i64::from(outcome_index)),
                        outcome_index,
                        result: pick(
                            rng,
                            &[
                                "Target met",
                                "Partly met; see the evaluation",
                                "Not met; delivery started late",
                            ],
                        )
                        .to_string(),
                        achieved: rng.random_bool(0.65),
                    }),
                });
            }
        }
    }
    Some(Workflow {
        stream: prevention_bid::stream_id(bid_id),
        actors: board_actors(info),
        steps: plan_of::<PreventionBid>(steps, world.end),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(events: u64, boroughs: u8, wards: Option<PathBuf>) -> SeedArgs {
        SeedArgs {
            events,
            seed: 7,
            boroughs,
            from_year: 2018,
            until: NaiveDate::from_ymd_opt(2026, 6, 1),
            concurrency: 8,
            wards,
        }
    }

    fn world_with(events: u64, boroughs: u8, wards: Option<PathBuf>) -> anyhow::Result<World> {
        let args = args(events, boroughs, wards);
        World::new(&args, args.until.expect("date"))
    }

    fn world(events: u64, boroughs: u8) -> Arc<World> {
        Arc::new(world_with(events, boroughs, None).expect("world"))
    }

    fn plan(events: u64, boroughs: u8) -> Vec<Workflow> {
        Planner::new(world(events, boroughs), 7, events).collect()
    }

    #[test]
    fn the_plan_has_exactly_the_requested_events_in_time_order() {
        for n in [1, 37, 2_000, 40_000] {
            let workflows = plan(n, 33);
            let total: usize = workflows.iter().map(Workflow::len).sum();
            assert_eq!(total as u64, n);
            for wf in &workflows {
                let times = wf.steps.times();
                assert!(times.windows(2).all(|w| w[0] <= w[1]), "{}", wf.stream);
            }
        }
    }

    #[test]
    fn the_plan_covers_every_borough_and_lifecycle() {
        let workflows = plan(20_000, 33);
        let mut kinds = BTreeMap::new();
        for wf in &workflows {
            *kinds.entry(wf.kind()).or_insert(0) += 1;
        }
        for kind in [
            "ward",
            "custody-suite",
            "board",
            "ward-panel",
            "complaint",
            "priority",
            "bid",
            "fund-round",
            "custody-visit",
            "stop-search",
            "police-complaint",
            "performance",
            "payback-project",
            "watch-scheme",
            "iag",
            "lcp2",
            "partnership-board",
        ] {
            assert!(kinds.get(kind).is_some_and(|n| *n > 0), "{kind}: {kinds:?}");
        }
        assert_eq!(kinds.get("board"), Some(&33));
    }

    #[test]
    fn the_plan_is_the_same_for_the_same_seed() {
        let a: Vec<(String, usize)> = plan(5_000, 5)
            .iter()
            .map(|w| (w.stream.to_string(), w.len()))
            .collect();
        let b: Vec<(String, usize)> = plan(5_000, 5)
            .iter()
            .map(|w| (w.stream.to_string(), w.len()))
            .collect();
        assert_eq!(a, b);
    }

    /// Every seeded ward is registered in its borough, once; a small history uses a ward or
    /// so per borough, a full one every ward.
    fn assert_wards_in_their_borough(w: &World) -> std::collections::HashSet<WardCode> {
        let mut seen = std::collections::HashSet::new();
        for b in &w.boroughs {
            for (code, _) in &b.wards {
                assert!(seen.insert(code.clone()), "{code} seeded twice");
                let ward = engage_domain::Lookups::ward(&w.reference, code).expect("known");
                assert_eq!(ward.borough, b.code, "{code}");
            }
        }
        seen
    }

    #[test]
    fn synthetic_wards_are_unique_in_their_borough_and_outside_the_real_range() {
        for (events, at_least, at_most) in [(100, 33, 33), (2_000_000, 33 * 14, 33 * 24)] {
            let w = world(events, 33);
            let seen = assert_wards_in_their_borough(&w);
            assert!((at_least..=at_most).contains(&seen.len()), "{}", seen.len());
            for b in &w.boroughs {
                for (code, name) in &b.wards {
                    assert!(
                        engage_domain::reference_data::ward::is_ward_code(code.as_str()),
                        "{code}"
                    );
                    assert!(code.as_str().starts_with("E0590"), "{code}");
                    assert!(name.starts_with(&format!("{} ward ", b.name)), "{name}");
                }
            }
            assert_eq!(w.ward_source, "engage seed (synthetic wards)");
            for s in met_custody_suites::MET_CUSTODY_SUITES_2019 {
                assert!(engage_domain::Lookups::custody_suite(&w.reference, s.id).is_some());
            }
        }
    }

    #[test]
    fn a_ward_list_gives_the_seeded_wards() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("wards.csv");
        // Made-up wards in the GLA atlas's layout, with a borough row and a total row.
        std::fs::write(
            &path,
            "Codes,New_Code,Borough,Names\n\
             ,E09000001,City of London,City of London\n\
             00AB01,E05800002,Barking and Dagenham,Riverside Test\n\
             00AB02,E05800001,Barking and Dagenham,Abbey Test\n\
             00AC01,E05800101,Barnet,Hill Test\n\
             ,E12000007,London,London\n",
        )
        .expect("write");
        for (events, per_borough) in [(100, 1), (2_000_000, 2)] {
            let w = world_with(events, 3, Some(path.clone())).expect("world");
            let seen = assert_wards_in_their_borough(&w);
            let wards: Vec<(&str, &str, &str)> = w
                .boroughs
                .iter()
                .flat_map(|b| {
                    b.wards
                        .iter()
                        .map(|(c, n)| (b.code.as_str(), c.as_str(), n.as_str()))
                })
                .collect();
            let mut expected = vec![("E09000002", "E05800001", "Abbey Test")];
            if per_borough == 2 {
                expected.push(("E09000002", "E05800002", "Riverside Test"));
            }
            expected.push(("E09000003", "E05800101", "Hill Test"));
            assert_eq!(wards, expected);
            assert_eq!(seen.len(), expected.len());
            assert!(w.boroughs[0].wards.is_empty(), "the list has no City ward");
            assert_eq!(w.ward_source, "engage seed --wards wards.csv");
            assert!(w.wards_from.contains("3 wards; 2 rows"), "{}", w.wards_from);
        }
    }

    #[test]
    fn a_bad_ward_list_is_refused_clearly() {
        let dir = tempfile::tempdir().expect("tmp");
        let missing = dir.path().join("missing.csv");
        let e = world_with(100, 3, Some(missing)).err().expect("refused");
        assert!(format!("{e:#}").contains("opening the ward list"), "{e:#}");

        let no_borough = dir.path().join("no-borough.csv");
        std::fs::write(&no_borough, "New_Code,Names\nE05800001,Abbey Test\n").expect("write");
        let e = world_with(100, 3, Some(no_borough)).err().expect("refused");
        let e = format!("{e:#}");
        assert!(
            e.contains("reading the ward list") && e.contains("borough"),
            "{e}"
        );

        let no_wards = dir.path().join("no-wards.csv");
        std::fs::write(
            &no_wards,
            "New_Code,Borough,Names\nE09000001,City of London,City of London\n",
        )
        .expect("write");
        let e = world_with(100, 3, Some(no_wards)).err().expect("refused");
        assert!(
            format!("{e:#}").contains("has no ward of a London borough"),
            "{e:#}"
        );
    }
}
