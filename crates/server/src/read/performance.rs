//! Performance figures: recorded crime by borough or ward, period and category, and
//! Public Attitude Survey confidence results, each with its corrections; and a borough's
//! (or neighbourhood's) confidence trend.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use engage_domain::common::Period;
use engage_domain::performance::{ConfidenceMeasure, CrimeCategory, SourceKind};
use engage_projections::models::PerformanceFigures;
use engage_projections::models::performance::{ConfidenceResult, CrimeFigure, FigureRevision};

use super::scorecard::{TrendPointObject, check_borough};
use super::{
    AsOfInput, ListArgs, ProvenanceObject, SortOrder, connection, day_text_key, list, wire_name,
    with_model,
};

/// One revision of a figure: the first value recorded, then each correction.
#[derive(SimpleObject)]
#[graphql(name = "FigureRevision")]
pub struct FigureRevisionObject {
    /// 1 for the first value, then 2, 3, ... for corrections.
    revision: u32,
    /// The log position of the event that recorded it.
    position: u64,
    recorded_at: DateTime<Utc>,
    occurred_at: DateTime<Utc>,
    value: u32,
    source_kind: SourceKind,
    /// The file name, URL or dataset reference.
    source_reference: String,
    correction_reason: Option<String>,
}

fn history(list: &[FigureRevision]) -> Vec<FigureRevisionObject> {
    list.iter()
        .map(|r| FigureRevisionObject {
            revision: r.revision,
            position: r.position,
            recorded_at: r.recorded_at,
            occurred_at: r.occurred_at,
            value: r.value,
            source_kind: r.source.kind,
            source_reference: r.source.reference.clone(),
            correction_reason: r.correction_reason.clone(),
        })
        .collect()
}

/// The key part of a crime figure's global id: `<borough>/<ward or ->/<from>/<to>/<category>`.
fn crime_key(f: &CrimeFigure) -> String {
    format!(
        "{}/{}/{}/{}/{}",
        f.borough.as_str(),
        f.ward.as_ref().map_or("-", |w| w.as_str()),
        f.period.from,
        f.period.to,
        wire_name(&f.category)
    )
}

/// The key part of a confidence result's global id:
/// `<borough>/<neighbourhood code or ->/<from>/<to>/<measure>`.
fn confidence_key(r: &ConfidenceResult) -> String {
    format!(
        "{}/{}/{}/{}/{}",
        r.borough.as_str(),
        r.neighbourhood.as_ref().map_or("-", |n| n.code.as_str()),
        r.period.from,
        r.period.to,
        wire_name(&r.measure)
    )
}

/// The crime figure with this global-id key, if any.
pub(crate) fn crime_figure<'a>(m: &'a PerformanceFigures, key: &str) -> Option<&'a CrimeFigure> {
    m.crime.values().find(|f| crime_key(f) == key)
}

/// The confidence result with this global-id key, if any.
pub(crate) fn confidence_result<'a>(
    m: &'a PerformanceFigures,
    key: &str,
) -> Option<&'a ConfidenceResult> {
    m.confidence.values().find(|r| confidence_key(r) == key)
}

/// Recorded crime for a borough or ward, one period and category, as last corrected.
pub struct CrimeFigureObject(pub(crate) CrimeFigure);

#[Object(name = "CrimeFigure")]
impl CrimeFigureObject {
    /// Global id (`CrimeFigure:<borough>/<ward or ->/<from>/<to>/<category>`).
    pub(crate) async fn id(&self) -> ID {
        ID(format!("CrimeFigure:{}", crime_key(&self.0)))
    }
    /// GSS code of the borough.
    async fn borough(&self) -> &str {
        self.0.borough.as_str()
    }
    /// The ward, for a ward figure; null for the whole borough.
    async fn ward(&self) -> Option<&str> {
        self.0.ward.as_ref().map(|w| w.as_str())
    }
    async fn period_from(&self) -> NaiveDate {
        self.0.period.from
    }
    /// Last day of the period (inclusive).
    async fn period_to(&self) -> NaiveDate {
        self.0.period.to
    }
    async fn category(&self) -> CrimeCategory {
        self.0.category
    }
    /// The count as last corrected.
    async fn count(&self) -> u32 {
        self.0.count
    }
    async fn revision(&self) -> u32 {
        self.0.revision
    }
    /// The count before the last correction.
    async fn previous_count(&self) -> Option<u32> {
        self.0.previous_count
    }
    async fn corrected(&self) -> bool {
        self.0.is_corrected()
    }
    async fn source_kind(&self) -> SourceKind {
        self.0.source.kind
    }
    async fn source_reference(&self) -> &str {
        &self.0.source.reference
    }
    /// Every value recorded, first to last.
    async fn history(&self) -> Vec<FigureRevisionObject> {
        history(&self.0.history)
    }
    async fn provenance(&self) -> ProvenanceObject {
        ProvenanceObject::from(&self.0.provenance)
    }
}

/// A Public Attitude Survey result for a borough or neighbourhood, one period and measure,
/// as last corrected.
pub struct ConfidenceResultObject(pub(crate) ConfidenceResult);

#[Object(name = "ConfidenceResult")]
impl ConfidenceResultObject {
    /// Global id (`ConfidenceResult:<borough>/<neighbourhood or ->/<from>/<to>/<measure>`).
    pub(crate) async fn id(&self) -> ID {
        ID(format!("ConfidenceResult:{}", confidence_key(&self.0)))
    }
    /// GSS code of the borough.
    async fn borough(&self) -> &str {
        self.0.borough.as_str()
    }
    /// MOPAC's neighbourhood code, for a neighbourhood result; null for the borough.
    async fn neighbourhood_code(&self) -> Option<&str> {
        self.0.neighbourhood.as_ref().map(|n| n.code.as_str())
    }
    async fn neighbourhood_name(&self) -> Option<&str> {
        self.0.neighbourhood.as_ref().map(|n| n.name.as_str())
    }
    async fn period_from(&self) -> NaiveDate {
        self.0.period.from
    }
    /// Last day of the period (inclusive).
    async fn period_to(&self) -> NaiveDate {
        self.0.period.to
    }
    async fn measure(&self) -> ConfidenceMeasure {
        self.0.measure
    }
    /// Percentage agreeing, as last corrected.
    async fn percent(&self) -> i32 {
        i32::from(self.0.percent)
    }
    async fn sample_size(&self) -> Option<u32> {
        self.0.sample_size
    }
    async fn revision(&self) -> u32 {
        self.0.revision
    }
    /// The percentage before the last correction.
    async fn previous_percent(&self) -> Option<i32> {
        self.0.previous_percent.map(i32::from)
    }
    async fn corrected(&self) -> bool {
        self.0.is_corrected()
    }
    async fn source_kind(&self) -> SourceKind {
        self.0.source.kind
    }
    async fn source_reference(&self) -> &str {
        &self.0.source.reference
    }
    /// Every value recorded, first to last.
    async fn history(&self) -> Vec<FigureRevisionObject> {
        history(&self.0.history)
    }
    async fn provenance(&self) -> ProvenanceObject {
        ProvenanceObject::from(&self.0.provenance)
    }
}

/// Which crime figures to list.
#[derive(InputObject, Debug, Clone, Default)]
pub struct CrimeFigureFilter {
    /// GSS code of the borough.
    pub borough: Option<String>,
    pub ward: Option<String>,
    /// Only borough-wide figures (true) or only ward ones (false).
    pub borough_wide: Option<bool>,
    pub category: Option<CrimeCategory>,
    /// Figures whose period overlaps `[periodFrom, periodTo]` (days, inclusive).
    pub period_from: Option<NaiveDate>,
    pub period_to: Option<NaiveDate>,
    /// Only corrected figures (true) or never-corrected ones (false).
    pub corrected: Option<bool>,
}

/// Which confidence results to list.
#[derive(InputObject, Debug, Clone, Default)]
pub struct ConfidenceResultFilter {
    /// GSS code of the borough.
    pub borough: Option<String>,
    /// MOPAC's neighbourhood code.
    pub neighbourhood: Option<String>,
    /// Only borough-wide results (true) or only neighbourhood ones (false).
    pub borough_wide: Option<bool>,
    pub measure: Option<ConfidenceMeasure>,
    /// Results whose period overlaps `[periodFrom, periodTo]` (days, inclusive).
    pub period_from: Option<NaiveDate>,
    pub period_to: Option<NaiveDate>,
    /// Only corrected results (true) or never-corrected ones (false).
    pub corrected: Option<bool>,
}

connection!(
    CrimeFigureConnection,
    CrimeFigureEdge,
    CrimeFigureObject,
    "crime figures",
    "figures"
);
connection!(
    ConfidenceResultConnection,
    ConfidenceResultEdge,
    ConfidenceResultObject,
    "confidence results",
    "results"
);

fn overlaps(p: &Period, from: Option<NaiveDate>, to: Option<NaiveDate>) -> bool {
    from.is_none_or(|d| p.to >= d) && to.is_none_or(|d| p.from <= d)
}

fn crime_matches(c: &CrimeFigure, f: &CrimeFigureFilter) -> bool {
    f.borough.as_deref().is_none_or(|b| c.borough.as_str() == b)
        && f.ward
            .as_deref()
            .is_none_or(|w| c.ward.as_ref().is_some_and(|x| x.as_str() == w))
        && f.borough_wide.is_none_or(|bw| c.ward.is_none() == bw)
        && f.category.is_none_or(|k| c.category == k)
        && overlaps(&c.period, f.period_from, f.period_to)
        && f.corrected.is_none_or(|x| c.is_corrected() == x)
}

fn confidence_matches(r: &ConfidenceResult, f: &ConfidenceResultFilter) -> bool {
    f.borough.as_deref().is_none_or(|b| r.borough.as_str() == b)
        && f.neighbourhood
            .as_deref()
            .is_none_or(|n| r.neighbourhood.as_ref().is_some_and(|x| x.code == n))
        && f.borough_wide
            .is_none_or(|bw| r.neighbourhood.is_none() == bw)
        && f.measure.is_none_or(|m| r.measure == m)
        && overlaps(&r.period, f.period_from, f.period_to)
        && f.corrected.is_none_or(|x| r.is_corrected() == x)
}

#[derive(Default)]
pub struct PerformanceQuery;

#[Object]
impl PerformanceQuery {
    /// Recorded crime figures, ordered by period (then borough, ward and category). `asOf`
    /// reads the model at a past point: what the figures were before a correction.
    #[graphql(complexity = "crate::schema::page_cost(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn crime_figures(
        &self,
        ctx: &Context<'_>,
        filter: Option<CrimeFigureFilter>,
        order: Option<SortOrder>,
        as_of: Option<AsOfInput>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<CrimeFigureConnection> {
        let filter = filter.unwrap_or_default();
        let args = ListArgs::new(ctx, order, first, after, last, before);
        with_model::<PerformanceFigures, _>(
            ctx,
            |m| &m.performance,
            as_of,
            |m| {
                let page = list(
                    m.model.crime.values(),
                    |c| crime_matches(c, &filter),
                    |c, order| day_text_key(c.period.from, &crime_key(c), order),
                    |c| CrimeFigureObject(c.clone()),
                    &args,
                )?;
                Ok(CrimeFigureConnection::new(page, m.checkpoint))
            },
        )
        .await
    }

    /// Public Attitude Survey confidence results, ordered by period (then borough,
    /// neighbourhood and measure). `asOf` reads the model at a past point.
    #[graphql(complexity = "crate::schema::page_cost(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn confidence_results(
        &self,
        ctx: &Context<'_>,
        filter: Option<ConfidenceResultFilter>,
        order: Option<SortOrder>,
        as_of: Option<AsOfInput>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<ConfidenceResultConnection> {
        let filter = filter.unwrap_or_default();
        let args = ListArgs::new(ctx, order, first, after, last, before);
        with_model::<PerformanceFigures, _>(
            ctx,
            |m| &m.performance,
            as_of,
            |m| {
                let page = list(
                    m.model.confidence.values(),
                    |r| confidence_matches(r, &filter),
                    |r, order| day_text_key(r.period.from, &confidence_key(r), order),
                    |r| ConfidenceResultObject(r.clone()),
                    &args,
                )?;
                Ok(ConfidenceResultConnection::new(page, m.checkpoint))
            },
        )
        .await
    }

    /// A borough's confidence on one measure over time (a neighbourhood's, when its MOPAC
    /// code is given), ordered by period, with the change between points.
    async fn confidence_trend(
        &self,
        ctx: &Context<'_>,
        borough: String,
        neighbourhood: Option<String>,
        measure: ConfidenceMeasure,
        as_of: Option<AsOfInput>,
    ) -> async_graphql::Result<Vec<TrendPointObject>> {
        let borough = check_borough(&borough)?;
        with_model::<PerformanceFigures, _>(
            ctx,
            |m| &m.performance,
            as_of,
            |m| {
                Ok(m.model
                    .confidence_trend(&borough, neighbourhood.as_deref(), measure)
                    .iter()
                    .map(TrendPointObject::from)
                    .collect())
            },
        )
        .await
    }
}
