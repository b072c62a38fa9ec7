//! Reference data as events: wards (from the GLA ward atlas or ONS lists) and custody
//! suites are registered — and retired or closed — through the log like everything else,
//! so that `engage import wards FILE` leaves an auditable history and the application's
//! [`crate::Lookups`] can be rebuilt from it ([`apply_to`]).
//!
//! - [`ward`]: `WardRegistered`, `WardRetired`. Stream: `ward-<GSS code>`.
//! - [`custody_suite`]: `CustodySuiteRegistered`, `CustodySuiteClosed`. Stream:
//!   `custody-suite-<suite id>`.

pub mod custody_suite;
pub mod ward;

use crate::DomainEvent;
use crate::reference::{CustodySuite, InMemoryReference, Ward};

/// Keep `reference` up to date with one event from the log: registered wards and suites are
/// added, retired wards and closed suites removed; every other event is ignored.
pub fn apply_to(reference: &mut InMemoryReference, event: &DomainEvent) {
    match event {
        DomainEvent::Ward(ward::Event::Registered(e)) => reference.add_ward(Ward {
            code: e.ward.clone(),
            name: e.name.clone(),
            borough: e.borough.clone(),
        }),
        DomainEvent::Ward(ward::Event::Retired(e)) => reference.remove_ward(&e.ward),
        DomainEvent::CustodySuite(custody_suite::Event::Registered(e)) => {
            reference.add_custody_suite(CustodySuite {
                code: e.suite.clone(),
                name: e.name.clone(),
                borough: e.borough.clone(),
            });
        }
        DomainEvent::CustodySuite(custody_suite::Event::Closed(e)) => {
            reference.remove_custody_suite(&e.suite);
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reference::{Lookups, WardCode};

    #[test]
    fn lookups_follow_the_reference_events() {
        let mut r = InMemoryReference::new();
        for e in ward::tests::samples() {
            apply_to(&mut r, &e.into());
        }
        for e in custody_suite::tests::samples() {
            apply_to(&mut r, &e.into());
        }
        // The sample history registers then retires ward and suite.
        assert!(r.ward(&WardCode::new("E05000128")).is_none());
        assert!(r.custody_suite("HOLBORN").is_none());

        let mut r = InMemoryReference::new();
        let registered = ward::tests::samples().remove(0);
        apply_to(&mut r, &registered.into());
        assert_eq!(
            r.ward(&WardCode::new("E05000128")).map(|w| w.name),
            Some("Kentish Town".to_owned())
        );
        let suite = custody_suite::tests::samples().remove(0);
        apply_to(&mut r, &suite.into());
        assert_eq!(
            r.custody_suite("HOLBORN").map(|s| s.borough.0),
            Some("E09000007".to_owned())
        );
    }
}
