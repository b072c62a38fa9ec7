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
pub mod partnerships;
pub mod period;
pub mod priorities;
pub mod provenance;
#[cfg(test)]
pub(crate) mod testing;
pub mod ward_panels;

pub use audit::{AuditEntry, AuditFilter, AuditTrail};
pub use boards::Boards;
pub use community::CommunityOversight;
pub use complaints::{Complaint, ComplaintStatus, Complaints};
pub use partnerships::Partnerships;
pub use priorities::Priorities;
pub use provenance::Provenance;
pub use ward_panels::WardPanels;

use crate::engine::Engine;
use crate::error::ProjectionError;
use crate::model::{Projection, ReadModel};

/// Every built-in read model, shared (cloning shares them).
#[derive(Clone, Default)]
pub struct ReadModels {
    pub audit: Projection<AuditTrail>,
    pub complaints: Projection<Complaints>,
    pub priorities: Projection<Priorities>,
    pub ward_panels: Projection<WardPanels>,
    pub boards: Projection<Boards>,
    pub partnerships: Projection<Partnerships>,
    pub community_oversight: Projection<CommunityOversight>,
}

impl ReadModels {
    /// The names of every built-in read model, as `engage rebuild NAME` takes them.
    pub const NAMES: &'static [&'static str] = &[
        AuditTrail::NAME,
        Complaints::NAME,
        Priorities::NAME,
        WardPanels::NAME,
        Boards::NAME,
        Partnerships::NAME,
        CommunityOversight::NAME,
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
            priorities,
            ward_panels,
            boards,
            partnerships,
            community_oversight,
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
