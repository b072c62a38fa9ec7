//! Seeded reference data: the wards (from `--wards FILE`, or synthetic) and the real custody
//! suites the history uses, registered
//! through the command path at its start (one stream each, as `engage import wards` and
//! `engage import custody-suites` would), so that the log holds what its events refer to.

use engage_domain::reference_data::custody_suite::{self, CustodySuiteReference};
use engage_domain::reference_data::ward::{self, WardReference};

use super::{Actor, Step, Workflow, World, plan_of};

fn registrar() -> Vec<Actor> {
    vec![Actor::new("seed-reference", "administrator", "engage seed")]
}

/// Register ward `w` of borough `b` (from the `--wards` list, or synthetic).
pub(super) fn ward_workflow(world: &World, b: usize, w: usize) -> Workflow {
    let info = &world.boroughs[b];
    let (code, name) = &info.wards[w];
    let steps = vec![Step {
        at: world.start,
        actor: 0,
        command: ward::Command::Register(ward::RegisterWard {
            ward: code.clone(),
            name: name.clone(),
            borough: info.code.clone(),
            legacy_code: None,
            source: world.ward_source.clone(),
        }),
    }];
    Workflow {
        stream: ward::stream_id(code),
        actors: registrar(),
        steps: plan_of::<WardReference>(steps, world.end),
    }
}

/// Register custody suite `s` of borough `b` (from the built-in MOPAC list).
pub(super) fn suite_workflow(world: &World, b: usize, s: usize) -> Workflow {
    let info = &world.boroughs[b];
    let suite = info.suites[s];
    let steps = vec![Step {
        at: world.start,
        actor: 0,
        command: custody_suite::Command::Register(custody_suite::RegisterCustodySuite {
            suite: suite.id.to_owned(),
            name: suite.name.to_owned(),
            borough: info.code.clone(),
            cells: None,
        }),
    }];
    Workflow {
        stream: custody_suite::stream_id(suite.id),
        actors: registrar(),
        steps: plan_of::<CustodySuiteReference>(steps, world.end),
    }
}
