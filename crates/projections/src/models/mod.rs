//! The built-in read models, and [`ReadModels`]: one shared handle on all of them.
//!
//! Rules every model here keeps:
//! - `apply` is total: any event, in any order (world-time as-of replays filter events),
//!   never panics; events it cannot place are ignored.
//! - No personal data (names, contact details, detainee details) is copied into a model:
//!   records keep the data subject's id, and the personal details stay in the log.
//! - Every record carries its [`Provenance`]: the positions of the events that made it.

pub mod audit;
pub mod complaints;
pub mod custody_visits;
pub mod fund;
pub mod performance;
pub mod police_complaints;
pub mod provenance;
pub mod reference;
pub mod stop_search;
#[cfg(test)]
pub(crate) mod testing;

pub use audit::{AuditEntry, AuditFilter, AuditTrail};
pub use complaints::{Complaint, ComplaintStatus, Complaints};
pub use custody_visits::{CustodyVisit, CustodyVisits};
pub use fund::{PreventionBid, PreventionFund};
pub use performance::PerformanceFigures;
pub use police_complaints::{PoliceComplaintCase, PoliceComplaintCases};
pub use provenance::Provenance;
pub use reference::ReferenceData;
pub use stop_search::{StopSearchBatch, StopSearchReviews};

use crate::engine::Engine;
use crate::error::ProjectionError;
use crate::model::{Projection, ReadModel};

/// Every built-in read model, shared (cloning shares them).
#[derive(Clone, Default)]
pub struct ReadModels {
    pub audit: Projection<AuditTrail>,
    pub complaints: Projection<Complaints>,
    pub custody_visits: Projection<CustodyVisits>,
    pub stop_search_reviews: Projection<StopSearchReviews>,
    pub prevention_fund: Projection<PreventionFund>,
    pub police_complaint_cases: Projection<PoliceComplaintCases>,
    pub performance: Projection<PerformanceFigures>,
    pub reference: Projection<ReferenceData>,
}

impl ReadModels {
    /// The names of every built-in read model, as `engage rebuild NAME` takes them.
    pub const NAMES: &'static [&'static str] = &[
        AuditTrail::NAME,
        Complaints::NAME,
        CustodyVisits::NAME,
        StopSearchReviews::NAME,
        PreventionFund::NAME,
        PoliceComplaintCases::NAME,
        PerformanceFigures::NAME,
        ReferenceData::NAME,
    ];

    pub fn new() -> Self {
        Self::default()
    }

    /// Run these models in `engine`: all of them, or only those named in `only`.
    pub fn register(
        &self,
        engine: &mut Engine,
        only: Option<&[String]>,
    ) -> Result<(), ProjectionError> {
        if let Some(names) = only {
            for n in names {
                if !Self::NAMES.contains(&n.as_str()) {
                    return Err(ProjectionError::UnknownModel(
                        n.clone(),
                        Self::NAMES.join(", "),
                    ));
                }
            }
        }
        let wanted = |name: &str| only.is_none_or(|names| names.iter().any(|n| n == name));
        macro_rules! add {
            ($($field:ident),+ $(,)?) => {
                $( if wanted(self.$field.name()) { engine.add(&self.$field); } )+
            };
        }
        add!(
            audit,
            complaints,
            custody_visits,
            stop_search_reviews,
            prevention_fund,
            police_complaint_cases,
            performance,
            reference,
        );
        Ok(())
    }
}

trait Named {
    fn name(&self) -> &'static str;
}

impl<M: ReadModel> Named for Projection<M> {
    fn name(&self) -> &'static str {
        M::NAME
    }
}
