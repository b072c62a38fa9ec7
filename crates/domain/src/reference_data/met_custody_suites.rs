//! The Metropolitan Police's custody suites as built-in reference data: each suite's id,
//! name and the borough it stands in.
//!
//! **Source and snapshot.** MOPAC's *Custody Visiting Policy and Handbook*, Appendix A
//! ("Custody map London", mid-2019): the MPS custody estate of 30 suites — 24 open around the
//! clock and 6 kept as contingency for repairs, maintenance or overflow — listed with the ICV
//! panel that visits them. Only the MPS suites are here (not the British Transport Police's
//! or Border Force's, which the same panels visit). It is a snapshot: suites open, close and
//! change role, and the list records no cell counts because the source gives none. An
//! operator keeps a live store current with `engage import custody-suites FILE` (a suite that
//! closes is recorded with `CustodySuiteClosed`); `engage seed` registers this list so that
//! seeded custody visits sit on real suites.
//!
//! A suite's borough is where it stands, which is what a logged visit is checked against:
//! e.g. Sutton's suite serves the Merton panel too, and Heathrow's is in Hillingdon.

/// One built-in custody suite.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MetCustodySuite {
    /// The suite id used in the log (`custody-suite-<id>`): upper-case letters, digits, `-`.
    pub id: &'static str,
    pub name: &'static str,
    /// GSS code of the borough the suite is in.
    pub borough: &'static str,
}

/// Where [`MET_CUSTODY_SUITES_2019`] comes from.
pub const SOURCE: &str = "MOPAC Custody Visiting Policy and Handbook, Appendix A (2019)";

const fn suite(id: &'static str, name: &'static str, borough: &'static str) -> MetCustodySuite {
    MetCustodySuite { id, name, borough }
}

/// The MPS custody suites of mid-2019, in borough order.
pub const MET_CUSTODY_SUITES_2019: &[MetCustodySuite] = &[
    suite("BARKING", "Barking (Freshwharf)", "E09000002"),
    suite("COLINDALE", "Colindale", "E09000003"),
    suite("WEMBLEY", "Wembley", "E09000005"),
    suite("BROMLEY", "Bromley", "E09000006"),
    suite("HOLBORN", "Holborn", "E09000007"),
    suite("KENTISH-TOWN", "Kentish Town", "E09000007"),
    suite("CROYDON", "Croydon", "E09000008"),
    suite("ACTON", "Acton", "E09000009"),
    suite("EDMONTON", "Edmonton", "E09000010"),
    suite("PLUMSTEAD", "Plumstead", "E09000011"),
    suite("STOKE-NEWINGTON", "Stoke Newington", "E09000012"),
    suite("WOOD-GREEN", "Wood Green", "E09000014"),
    suite("ROMFORD", "Romford", "E09000016"),
    suite("HEATHROW", "Heathrow", "E09000017"),
    suite("HOUNSLOW", "Hounslow", "E09000018"),
    suite("ISLINGTON", "Islington", "E09000019"),
    suite("KINGSTON", "Kingston", "E09000021"),
    suite("BRIXTON", "Brixton", "E09000022"),
    suite("LEWISHAM", "Lewisham", "E09000023"),
    suite("FOREST-GATE", "Forest Gate", "E09000025"),
    suite("ILFORD", "Ilford", "E09000026"),
    suite("WALWORTH", "Walworth", "E09000028"),
    suite("PECKHAM", "Peckham", "E09000028"),
    suite("SUTTON", "Sutton", "E09000029"),
    suite("BETHNAL-GREEN", "Bethnal Green", "E09000030"),
    suite("LEYTON", "Leyton", "E09000031"),
    suite("WANDSWORTH", "Wandsworth", "E09000032"),
    suite("BELGRAVIA", "Belgravia", "E09000033"),
    suite("CHARING-CROSS", "Charing Cross", "E09000033"),
    suite("WEST-END-CENTRAL", "West End Central", "E09000033"),
];

/// The built-in suites in `borough` (a GSS code).
pub fn suites_in(borough: &str) -> impl Iterator<Item = &'static MetCustodySuite> + '_ {
    MET_CUSTODY_SUITES_2019
        .iter()
        .filter(move |s| s.borough == borough)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reference::borough;
    use crate::reference_data::custody_suite::is_suite_id;

    #[test]
    fn thirty_suites_with_usable_ids_in_london_boroughs() {
        assert_eq!(MET_CUSTODY_SUITES_2019.len(), 30);
        let mut seen = std::collections::HashSet::new();
        for s in MET_CUSTODY_SUITES_2019 {
            assert!(is_suite_id(s.id), "{s:?}");
            assert!(seen.insert(s.id), "{} listed twice", s.id);
            assert!(borough(s.borough).is_some(), "{s:?}");
            assert_ne!(s.borough, "E09000001", "the City is not policed by the Met");
        }
        assert_eq!(suites_in("E09000033").count(), 3);
        assert_eq!(suites_in("E09000001").count(), 0);
    }
}
