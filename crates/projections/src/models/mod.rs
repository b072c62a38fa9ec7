//! The built-in read models, and [`ReadModels`]: one shared handle on all of them.
//!
//! Rules every model here keeps:
//! - `apply` is total: any event, in any order (world-time as-of replays filter events),
//!   never panics; events it cannot place are ignored.
//! - No personal data (names, contact details, detainee details) is copied into a model:
//!   records keep the data subject's id, and the personal details stay in the log.
//! - Every record carries its [`Provenance`]: the positions of the events that made it.

pub mod audit;
pub mod boards;
pub mod community;
pub mod complaints;
pub mod custody_visits;
pub mod fund;
pub mod partnerships;
pub mod performance;
pub mod period;
pub mod police_complaints;
pub mod priorities;
pub mod provenance;
pub mod reference;
pub mod stop_search;
#[cfg(test)]
pub(crate) mod testing;
pub mod ward_panels;

pub use audit::{AuditEntry, AuditFilter, AuditTrail};
pub use boards::Boards;
pub use community::CommunityOversight;
pub use complaints::{Complaint, ComplaintStatus, Complaints};
pub use custody_visits::{CustodyVisit, CustodyVisits};
pub use fund::{PreventionBid, PreventionFund};
pub use partnerships::Partnerships;
pub use performance::PerformanceFigures;
pub use police_complaints::{PoliceComplaintCase, PoliceComplaintCases};
pub use priorities::Priorities;
pub use provenance::Provenance;
pub use reference::ReferenceData;
pub use stop_search::{StopSearchBatch, StopSearchReviews};
pub use ward_panels::WardPanels;

use crate::engine::Engine;
use crate::error::ProjectionError;
use crate::model::{Projection, ReadModel};

/// Declares [`ReadModels`] from one list of `field: Type`, so the struct, the names, the
/// registration and the comparison can never disagree.
macro_rules! read_models {
    ( $( $field:ident : $model:ty ),+ $(,)? ) => {
        /// Every built-in read model, shared (cloning shares them).
        #[derive(Clone, Default)]
        pub struct ReadModels {
            $( pub $field: Projection<$model>, )+
        }

        impl ReadModels {
            /// The names of every built-in read model, as `engage rebuild NAME` takes them.
            pub const NAMES: &'static [&'static str] = &[ $( <$model as ReadModel>::NAME, )+ ];

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
                let wanted =
                    |name: &str| only.is_none_or(|names| names.iter().any(|n| n == name));
                $( if wanted(<$model as ReadModel>::NAME) { engine.add(&self.$field); } )+
                Ok(())
            }

            /// Apply a batch to every model as an as-of replay does (see
            /// [`Projection::apply_as_of`]).
            pub fn apply_as_of(
                &self,
                batch: &[crate::event::ProjectedEvent],
                occurred: Option<engage_log::Timestamp>,
            ) {
                $( self.$field.apply_as_of(batch, occurred); )+
            }

            /// Every model encoded as its snapshot would be stored.
            pub fn snapshots(&self) -> Result<Vec<crate::model::Snapshot>, ProjectionError> {
                Ok(vec![ $( self.$field.encode()?, )+ ])
            }

            /// Each model's name and checkpoint.
            pub fn checkpoints(&self) -> Vec<(&'static str, u64)> {
                vec![ $( (<$model as ReadModel>::NAME, self.$field.checkpoint()), )+ ]
            }

            /// The names of the models whose state or checkpoint differs from `other`'s
            /// (empty when every model is equal): how a rebuild is checked against a live
            /// engine.
            pub fn differences(&self, other: &Self) -> Vec<&'static str> {
                let mut out = Vec::new();
                $(
                    {
                        let a = self.$field.read();
                        let b = other.$field.read();
                        if a.checkpoint != b.checkpoint || a.model != b.model {
                            out.push(<$model as ReadModel>::NAME);
                        }
                    }
                )+
                out
            }
        }
    };
}

read_models! {
    audit: AuditTrail,
    complaints: Complaints,
    priorities: Priorities,
    ward_panels: WardPanels,
    boards: Boards,
    partnerships: Partnerships,
    community_oversight: CommunityOversight,
    custody_visits: CustodyVisits,
    stop_search_reviews: StopSearchReviews,
    prevention_fund: PreventionFund,
    police_complaint_cases: PoliceComplaintCases,
    performance: PerformanceFigures,
    reference: ReferenceData,
}

impl ReadModels {
    pub fn new() -> Self {
        Self::default()
    }
}
