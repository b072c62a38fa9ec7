//! Reference data the domain validates against: the 32 London boroughs and the City of
//! London with their ONS GSS codes (embedded, they change rarely), and the lookups for data
//! that is imported later (wards from the GLA ward atlas, custody suites, fund rounds),
//! which decisions reach through [`crate::DecisionContext`].

use std::collections::HashMap;
use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::Timestamp;

/// An ONS GSS code of a London borough (or the City of London), e.g. `E09000001`.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(transparent)]
pub struct BoroughCode(pub String);

impl BoroughCode {
    pub fn new(code: impl Into<String>) -> Self {
        Self(code.into())
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// The borough this code names, if it is one of the 33.
    pub fn borough(&self) -> Option<&'static Borough> {
        borough(&self.0)
    }
}

impl fmt::Display for BoroughCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for BoroughCode {
    fn from(s: &str) -> Self {
        Self(s.to_owned())
    }
}

/// An ONS GSS code of an electoral ward, e.g. `E05009317`.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(transparent)]
pub struct WardCode(pub String);

impl WardCode {
    pub fn new(code: impl Into<String>) -> Self {
        Self(code.into())
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for WardCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for WardCode {
    fn from(s: &str) -> Self {
        Self(s.to_owned())
    }
}

/// A London borough (or the City of London): each has one Safer Neighbourhood Board.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Borough {
    pub code: &'static str,
    pub name: &'static str,
}

/// The 32 London boroughs and the City of London, in GSS code order.
pub const BOROUGHS: [Borough; 33] = [
    Borough {
        code: "E09000001",
        name: "City of London",
    },
    Borough {
        code: "E09000002",
        name: "Barking and Dagenham",
    },
    Borough {
        code: "E09000003",
        name: "Barnet",
    },
    Borough {
        code: "E09000004",
        name: "Bexley",
    },
    Borough {
        code: "E09000005",
        name: "Brent",
    },
    Borough {
        code: "E09000006",
        name: "Bromley",
    },
    Borough {
        code: "E09000007",
        name: "Camden",
    },
    Borough {
        code: "E09000008",
        name: "Croydon",
    },
    Borough {
        code: "E09000009",
        name: "Ealing",
    },
    Borough {
        code: "E09000010",
        name: "Enfield",
    },
    Borough {
        code: "E09000011",
        name: "Greenwich",
    },
    Borough {
        code: "E09000012",
        name: "Hackney",
    },
    Borough {
        code: "E09000013",
        name: "Hammersmith and Fulham",
    },
    Borough {
        code: "E09000014",
        name: "Haringey",
    },
    Borough {
        code: "E09000015",
        name: "Harrow",
    },
    Borough {
        code: "E09000016",
        name: "Havering",
    },
    Borough {
        code: "E09000017",
        name: "Hillingdon",
    },
    Borough {
        code: "E09000018",
        name: "Hounslow",
    },
    Borough {
        code: "E09000019",
        name: "Islington",
    },
    Borough {
        code: "E09000020",
        name: "Kensington and Chelsea",
    },
    Borough {
        code: "E09000021",
        name: "Kingston upon Thames",
    },
    Borough {
        code: "E09000022",
        name: "Lambeth",
    },
    Borough {
        code: "E09000023",
        name: "Lewisham",
    },
    Borough {
        code: "E09000024",
        name: "Merton",
    },
    Borough {
        code: "E09000025",
        name: "Newham",
    },
    Borough {
        code: "E09000026",
        name: "Redbridge",
    },
    Borough {
        code: "E09000027",
        name: "Richmond upon Thames",
    },
    Borough {
        code: "E09000028",
        name: "Southwark",
    },
    Borough {
        code: "E09000029",
        name: "Sutton",
    },
    Borough {
        code: "E09000030",
        name: "Tower Hamlets",
    },
    Borough {
        code: "E09000031",
        name: "Waltham Forest",
    },
    Borough {
        code: "E09000032",
        name: "Wandsworth",
    },
    Borough {
        code: "E09000033",
        name: "Westminster",
    },
];

/// The borough with this GSS code.
pub fn borough(code: &str) -> Option<&'static Borough> {
    BOROUGHS.iter().find(|b| b.code == code)
}

/// The borough with this name (case-insensitive, `&` accepted for `and`).
pub fn borough_by_name(name: &str) -> Option<&'static Borough> {
    let wanted = name.trim().replace('&', "and").to_lowercase();
    BOROUGHS.iter().find(|b| b.name.to_lowercase() == wanted)
}

/// A ward as the ward atlas describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ward {
    pub code: WardCode,
    pub name: String,
    pub borough: BoroughCode,
}

/// A custody suite independent custody visitors can visit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustodySuite {
    pub code: String,
    pub name: String,
    pub borough: BoroughCode,
}

/// What a decision needs to know about a prevention-fund round (kept by the round's stream).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FundRoundInfo {
    pub round_id: Uuid,
    pub opens_at: Timestamp,
    pub closes_at: Timestamp,
    /// False once the round has been closed early.
    pub open: bool,
}

/// Reference data looked up during decisions. The application implements this over its
/// imported reference tables and read models; [`InMemoryReference`] serves tests and seeding.
pub trait Lookups {
    fn ward(&self, code: &WardCode) -> Option<Ward>;
    fn custody_suite(&self, code: &str) -> Option<CustodySuite>;
    fn fund_round(&self, round_id: Uuid) -> Option<FundRoundInfo>;
}

/// Reference data held in memory.
#[derive(Debug, Clone, Default)]
pub struct InMemoryReference {
    wards: HashMap<WardCode, Ward>,
    suites: HashMap<String, CustodySuite>,
    rounds: HashMap<Uuid, FundRoundInfo>,
}

impl InMemoryReference {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn with_ward(mut self, code: &str, name: &str, borough: &str) -> Self {
        self.add_ward(Ward {
            code: WardCode::new(code),
            name: name.to_owned(),
            borough: BoroughCode::new(borough),
        });
        self
    }
    pub fn add_ward(&mut self, ward: Ward) {
        self.wards.insert(ward.code.clone(), ward);
    }
    pub fn with_custody_suite(mut self, code: &str, name: &str, borough: &str) -> Self {
        self.suites.insert(
            code.to_owned(),
            CustodySuite {
                code: code.to_owned(),
                name: name.to_owned(),
                borough: BoroughCode::new(borough),
            },
        );
        self
    }
    pub fn add_custody_suite(&mut self, suite: CustodySuite) {
        self.suites.insert(suite.code.clone(), suite);
    }
    /// Forget a ward (retired by a boundary review).
    pub fn remove_ward(&mut self, code: &WardCode) {
        self.wards.remove(code);
    }
    /// Forget a custody suite (closed).
    pub fn remove_custody_suite(&mut self, code: &str) {
        self.suites.remove(code);
    }
    pub fn with_fund_round(mut self, round: FundRoundInfo) -> Self {
        self.add_fund_round(round);
        self
    }
    pub fn add_fund_round(&mut self, round: FundRoundInfo) {
        self.rounds.insert(round.round_id, round);
    }
    /// Mark a fund round closed to bids (kept, so bids against it are refused as closed).
    pub fn close_fund_round(&mut self, round_id: Uuid) {
        if let Some(round) = self.rounds.get_mut(&round_id) {
            round.open = false;
        }
    }
    pub fn wards(&self) -> impl Iterator<Item = &Ward> {
        self.wards.values()
    }
}

impl Lookups for InMemoryReference {
    fn ward(&self, code: &WardCode) -> Option<Ward> {
        self.wards.get(code).cloned()
    }
    fn custody_suite(&self, code: &str) -> Option<CustodySuite> {
        self.suites.get(code).cloned()
    }
    fn fund_round(&self, round_id: Uuid) -> Option<FundRoundInfo> {
        self.rounds.get(&round_id).cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thirty_three_boroughs_with_sequential_gss_codes() {
        assert_eq!(BOROUGHS.len(), 33);
        for (i, b) in BOROUGHS.iter().enumerate() {
            assert_eq!(b.code, format!("E090000{:02}", i + 1));
        }
        assert_eq!(borough("E09000033").map(|b| b.name), Some("Westminster"));
        assert_eq!(
            borough_by_name("Hammersmith & Fulham").map(|b| b.code),
            Some("E09000013")
        );
        assert!(borough("E09000034").is_none());
    }
}
