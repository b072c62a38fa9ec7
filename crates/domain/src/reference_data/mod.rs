//! Reference data as events: wards (from the GLA ward atlas or ONS lists) and custody
//! suites are registered — and retired or closed — through the log like everything else,
//! so that `engage import wards FILE` leaves an auditable history and the application's
//! [`crate::Lookups`] can be rebuilt from it ([`apply_to`]).
//!
//! - [`ward`]: `WardRegistered`, `WardRetired`. Stream: `ward-<GSS code>`.
//! - [`custody_suite`]: `CustodySuiteRegistered`, `CustodySuiteClosed`. Stream:
//!   `custody-suite-<suite id>`.
//!
//! - [`met_custody_suites`]: the built-in list of the Met's custody suites (MOPAC, 2019, a
//!   snapshot).
//!
//! There is no built-in ward list: wards are registered from a ward list file with `engage
//! import wards FILE` (or `engage seed --wards FILE`). The built-in suite list is not
//! reference data until registered: `engage seed` registers it through the command path, and
//! an operator registers a current list with `engage import custody-suites FILE`.
//!
//! [`apply_to`] also follows the prevention fund's rounds (`FundRoundOpened`,
//! `FundRoundClosed`), the third thing decisions look up.

pub mod custody_suite;
pub mod met_custody_suites;
pub mod ward;

use crate::reference::{CustodySuite, FundRoundInfo, InMemoryReference, Ward};
use crate::{DomainEvent, fund_round};

/// Keep `reference` up to date with one event from the log: registered wards and suites are
/// added, retired wards and closed suites removed, opened fund rounds added and closed ones
/// marked closed; every other event is ignored.
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
        DomainEvent::FundRound(fund_round::Event::Opened(e)) => {
            reference.add_fund_round(FundRoundInfo {
                round_id: e.round_id,
                opens_at: e.opens_at,
                closes_at: e.closes_at,
                open: true,
            });
        }
        DomainEvent::FundRound(fund_round::Event::Closed(e)) => {
            reference.close_fund_round(e.round_id);
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
        let mut rounds = fund_round::tests::samples().into_iter();
        let opened = rounds.next().expect("opened");
        let fund_round::Event::Opened(o) = &opened else {
            panic!("the first sample opens the round");
        };
        let round_id = o.round_id;
        apply_to(&mut r, &opened.into());
        assert_eq!(r.fund_round(round_id).map(|f| f.open), Some(true));
        for e in rounds {
            apply_to(&mut r, &e.into());
        }
        assert_eq!(r.fund_round(round_id).map(|f| f.open), Some(false));
        let suite = custody_suite::tests::samples().remove(0);
        apply_to(&mut r, &suite.into());
        assert_eq!(
            r.custody_suite("HOLBORN").map(|s| s.borough.0),
            Some("E09000007".to_owned())
        );
    }
}
