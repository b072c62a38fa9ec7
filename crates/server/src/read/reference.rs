//! Reference data as recorded in the log: London's boroughs (a fixed list), the wards
//! registered in them (with boundary-review retirements) and the custody suites.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use engage_domain::reference::BOROUGHS;
use engage_domain::{BoroughCode, WardCode};
use engage_projections::models::ReferenceData;
use engage_projections::models::reference::{CustodySuiteRecord, WardRecord};

use super::{
    AsOfInput, ListArgs, ProvenanceObject, SortOrder, connection, list, text_key, with_model,
};

/// A London borough (or the City of London), with how many of its wards and custody
/// suites are in use.
#[derive(SimpleObject)]
pub struct Borough {
    /// GSS code, e.g. `E09000007`.
    code: &'static str,
    name: &'static str,
    /// Registered wards not retired.
    current_wards: u64,
    /// Registered custody suites not closed.
    open_custody_suites: u64,
}

fn borough_of(m: &ReferenceData, code: &'static str, name: &'static str) -> Borough {
    let b = BoroughCode::new(code);
    Borough {
        code,
        name,
        current_wards: m.wards_of(&b).count() as u64,
        open_custody_suites: m.suites_in(&b).count() as u64,
    }
}

/// An electoral ward.
pub struct WardObject(pub(crate) WardRecord);

#[Object(name = "Ward")]
impl WardObject {
    /// Global id (`Ward:<GSS code>`).
    pub(crate) async fn id(&self) -> ID {
        ID(format!("Ward:{}", self.0.ward.as_str()))
    }
    /// GSS code, e.g. `E05000129`.
    async fn code(&self) -> &str {
        self.0.ward.as_str()
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// GSS code of the borough.
    async fn borough(&self) -> &str {
        self.0.borough.as_str()
    }
    /// The pre-2011 ONS code, where the source gave one.
    async fn legacy_code(&self) -> Option<&str> {
        self.0.legacy_code.as_deref()
    }
    /// Where the ward came from, e.g. `GLA ward atlas 2013`.
    async fn source(&self) -> &str {
        &self.0.source
    }
    async fn registered_at(&self) -> DateTime<Utc> {
        self.0.registered_at
    }
    /// The day a boundary review abolished it.
    async fn retired_on(&self) -> Option<NaiveDate> {
        self.0.retired_on
    }
    /// Its successors' codes, when retired.
    async fn replaced_by(&self) -> Vec<&str> {
        self.0.replaced_by.iter().map(WardCode::as_str).collect()
    }
    async fn provenance(&self) -> ProvenanceObject {
        ProvenanceObject::from(&self.0.provenance)
    }
}

/// A custody suite, visited by independent custody visitors.
pub struct CustodySuiteObject(pub(crate) CustodySuiteRecord);

#[Object(name = "CustodySuite")]
impl CustodySuiteObject {
    /// Global id (`CustodySuite:<suite id>`).
    pub(crate) async fn id(&self) -> ID {
        ID(format!("CustodySuite:{}", self.0.suite))
    }
    /// The suite's id, e.g. `KENTISH-TOWN`.
    async fn suite(&self) -> &str {
        &self.0.suite
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// GSS code of the borough.
    async fn borough(&self) -> &str {
        self.0.borough.as_str()
    }
    async fn cells(&self) -> Option<u32> {
        self.0.cells
    }
    async fn registered_at(&self) -> DateTime<Utc> {
        self.0.registered_at
    }
    async fn closed_on(&self) -> Option<NaiveDate> {
        self.0.closed_on
    }
    async fn close_reason(&self) -> Option<&str> {
        self.0.close_reason.as_deref()
    }
    async fn provenance(&self) -> ProvenanceObject {
        ProvenanceObject::from(&self.0.provenance)
    }
}

/// Which wards to list.
#[derive(InputObject, Debug, Clone, Default)]
pub struct WardFilter {
    /// GSS code of the borough.
    pub borough: Option<String>,
    /// Only wards in use on this day (not retired on or before it).
    pub current_on: Option<NaiveDate>,
    /// Only retired wards (true) or wards still in use (false).
    pub retired: Option<bool>,
}

/// Which custody suites to list.
#[derive(InputObject, Debug, Clone, Default)]
pub struct CustodySuiteFilter {
    /// GSS code of the borough.
    pub borough: Option<String>,
    /// Only suites open on this day (not closed on or before it).
    pub open_on: Option<NaiveDate>,
    /// Only closed suites (true) or suites still open (false).
    pub closed: Option<bool>,
}

connection!(WardConnection, WardEdge, WardObject, "wards", "wards");
connection!(
    CustodySuiteConnection,
    CustodySuiteEdge,
    CustodySuiteObject,
    "custody suites",
    "suites"
);

fn ward_matches(w: &WardRecord, f: &WardFilter) -> bool {
    f.borough.as_deref().is_none_or(|b| w.borough.as_str() == b)
        && f.current_on.is_none_or(|d| w.current_on(d))
        && f.retired.is_none_or(|r| w.retired_on.is_some() == r)
}

fn suite_matches(s: &CustodySuiteRecord, f: &CustodySuiteFilter) -> bool {
    f.borough.as_deref().is_none_or(|b| s.borough.as_str() == b)
        && f.open_on.is_none_or(|d| s.open_on(d))
        && f.closed.is_none_or(|c| s.closed_on.is_some() == c)
}

#[derive(Default)]
pub struct ReferenceQuery;

#[Object]
impl ReferenceQuery {
    /// London's 32 boroughs and the City of London, in GSS code order, with their wards
    /// and custody suites in use (as of `asOf`).
    async fn boroughs(
        &self,
        ctx: &Context<'_>,
        as_of: Option<AsOfInput>,
    ) -> async_graphql::Result<Vec<Borough>> {
        with_model::<ReferenceData, _>(
            ctx,
            |m| &m.reference,
            as_of,
            |m| {
                Ok(BOROUGHS
                    .iter()
                    .map(|b| borough_of(&m.model, b.code, b.name))
                    .collect())
            },
        )
        .await
    }

    /// One borough by GSS code (null if it is not a London borough).
    async fn borough(
        &self,
        ctx: &Context<'_>,
        code: String,
        as_of: Option<AsOfInput>,
    ) -> async_graphql::Result<Option<Borough>> {
        with_model::<ReferenceData, _>(
            ctx,
            |m| &m.reference,
            as_of,
            |m| {
                Ok(engage_domain::reference::borough(&code)
                    .map(|b| borough_of(&m.model, b.code, b.name)))
            },
        )
        .await
    }

    /// Registered wards, ordered by GSS code. `asOf` reads the model at a past point.
    #[graphql(complexity = "crate::schema::page_cost(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn wards(
        &self,
        ctx: &Context<'_>,
        filter: Option<WardFilter>,
        order: Option<SortOrder>,
        as_of: Option<AsOfInput>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<WardConnection> {
        let filter = filter.unwrap_or_default();
        let args = ListArgs::new(ctx, order, first, after, last, before);
        with_model::<ReferenceData, _>(
            ctx,
            |m| &m.reference,
            as_of,
            |m| {
                let page = list(
                    m.model.wards.values(),
                    |w| ward_matches(w, &filter),
                    |w, order| text_key(w.ward.as_str(), order),
                    |w| WardObject(w.clone()),
                    &args,
                )?;
                Ok(WardConnection::new(page, m.checkpoint))
            },
        )
        .await
    }

    /// One ward by GSS code (null if none is registered, or none yet at `asOf`).
    async fn ward(
        &self,
        ctx: &Context<'_>,
        code: String,
        as_of: Option<AsOfInput>,
    ) -> async_graphql::Result<Option<WardObject>> {
        with_model::<ReferenceData, _>(
            ctx,
            |m| &m.reference,
            as_of,
            |m| Ok(m.model.ward(&WardCode::new(code)).cloned().map(WardObject)),
        )
        .await
    }

    /// Registered custody suites, ordered by id. `asOf` reads the model at a past point.
    #[graphql(complexity = "crate::schema::page_cost(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn custody_suites(
        &self,
        ctx: &Context<'_>,
        filter: Option<CustodySuiteFilter>,
        order: Option<SortOrder>,
        as_of: Option<AsOfInput>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<CustodySuiteConnection> {
        let filter = filter.unwrap_or_default();
        let args = ListArgs::new(ctx, order, first, after, last, before);
        with_model::<ReferenceData, _>(
            ctx,
            |m| &m.reference,
            as_of,
            |m| {
                let page = list(
                    m.model.suites.values(),
                    |s| suite_matches(s, &filter),
                    |s, order| text_key(&s.suite, order),
                    |s| CustodySuiteObject(s.clone()),
                    &args,
                )?;
                Ok(CustodySuiteConnection::new(page, m.checkpoint))
            },
        )
        .await
    }

    /// One custody suite by its id (null if none is registered, or none yet at `asOf`).
    async fn custody_suite(
        &self,
        ctx: &Context<'_>,
        suite: String,
        as_of: Option<AsOfInput>,
    ) -> async_graphql::Result<Option<CustodySuiteObject>> {
        with_model::<ReferenceData, _>(
            ctx,
            |m| &m.reference,
            as_of,
            |m| Ok(m.model.suite(&suite).cloned().map(CustodySuiteObject)),
        )
        .await
    }
}
