//! Roles, their scope, and the [`Principal`] a request is made by.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use engage_log::Actor;
use serde::{Deserialize, Serialize};

/// What someone is in the engagement bodies, as named in tokens (`snake_case`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Anyone without a token: published items and aggregates only.
    Public,
    /// A member of a Safer Neighbourhood Board (scoped to boroughs).
    BoardMember,
    /// The chair of a Safer Neighbourhood Board (scoped to boroughs).
    BoardChair,
    /// An independent custody visitor (scoped to boroughs).
    CustodyVisitor,
    /// A member of a ward panel (scoped to wards).
    WardPanelMember,
    /// A MOPAC officer: runs MOPAC's own business across London.
    MopacOfficer,
    /// A MOPAC analyst: reads everything across London, never personal data.
    MopacAnalyst,
    /// An auditor: reads all history; personal data only when the request states why.
    Auditor,
    /// An administrator of the system: everything, including erasure.
    Administrator,
}

impl Role {
    /// Every role, in a fixed order (tests and documentation walk it).
    pub const ALL: [Role; 9] = [
        Role::Public,
        Role::BoardMember,
        Role::BoardChair,
        Role::CustodyVisitor,
        Role::WardPanelMember,
        Role::MopacOfficer,
        Role::MopacAnalyst,
        Role::Auditor,
        Role::Administrator,
    ];

    /// The name used in tokens and recorded as the actor's role.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Public => "public",
            Role::BoardMember => "board_member",
            Role::BoardChair => "board_chair",
            Role::CustodyVisitor => "custody_visitor",
            Role::WardPanelMember => "ward_panel_member",
            Role::MopacOfficer => "mopac_officer",
            Role::MopacAnalyst => "mopac_analyst",
            Role::Auditor => "auditor",
            Role::Administrator => "administrator",
        }
    }

    /// How far the role reaches.
    pub fn scope_kind(self) -> ScopeKind {
        match self {
            Role::Public => ScopeKind::Nothing,
            Role::BoardMember | Role::BoardChair | Role::CustodyVisitor => ScopeKind::Boroughs,
            Role::WardPanelMember => ScopeKind::Wards,
            Role::MopacOfficer | Role::MopacAnalyst | Role::Auditor | Role::Administrator => {
                ScopeKind::London
            }
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A role name that is not one of [`Role::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown role `{0}`: expected one of public, board_member, board_chair, custody_visitor, ward_panel_member, mopac_officer, mopac_analyst, auditor, administrator"
)]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s.trim())
            .ok_or_else(|| UnknownRole(s.to_owned()))
    }
}

/// How far a role reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScopeKind {
    /// Nowhere in particular: only what is published.
    Nothing,
    /// The boroughs listed in the token (and every ward in them).
    Boroughs,
    /// The wards listed in the token.
    Wards,
    /// All of London.
    London,
}

/// Where a command or a record is: its borough and ward, when it has them. A pan-London
/// target (a fund round, a partnership board) has neither.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Target {
    /// GSS code of the borough (`E09…`).
    pub borough: Option<String>,
    /// GSS code of the ward (`E05…`).
    pub ward: Option<String>,
}

impl Target {
    pub fn new(borough: Option<&str>, ward: Option<&str>) -> Self {
        Self {
            borough: borough.map(str::to_owned),
            ward: ward.map(str::to_owned),
        }
    }

    /// The borough and ward named at the top level of a JSON object (an event payload or a
    /// command's input): its `borough` and `ward` string fields.
    pub fn of_json(value: &serde_json::Value) -> Self {
        let field = |name: &str| {
            value
                .get(name)
                .and_then(serde_json::Value::as_str)
                .map(str::to_owned)
        };
        Self {
            borough: field("borough"),
            ward: field("ward"),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.borough.is_none() && self.ward.is_none()
    }
}

/// Who makes a request: the actor recorded on the events it causes, the role, and the
/// scope the role is limited to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    actor: Actor,
    role: Role,
    boroughs: BTreeSet<String>,
    wards: BTreeSet<String>,
    anonymous: bool,
}

impl Principal {
    /// A principal with this identity, role and scope. The actor's role is the role's name.
    pub fn new(
        id: impl Into<String>,
        role: Role,
        organisation: impl Into<String>,
        boroughs: impl IntoIterator<Item = String>,
        wards: impl IntoIterator<Item = String>,
    ) -> Self {
        Self {
            actor: Actor::new(id, role.as_str(), organisation),
            role,
            boroughs: boroughs.into_iter().collect(),
            wards: wards.into_iter().collect(),
            anonymous: false,
        }
    }

    /// A request without a token: the public.
    pub fn anonymous() -> Self {
        Self {
            actor: Actor::new("anonymous", Role::Public.as_str(), "public"),
            role: Role::Public,
            boroughs: BTreeSet::new(),
            wards: BTreeSet::new(),
            anonymous: true,
        }
    }

    /// The actor recorded on the events this principal's commands cause.
    pub fn actor(&self) -> &Actor {
        &self.actor
    }

    pub fn role(&self) -> Role {
        self.role
    }

    pub fn boroughs(&self) -> &BTreeSet<String> {
        &self.boroughs
    }

    pub fn wards(&self) -> &BTreeSet<String> {
        &self.wards
    }

    /// True for a request that carried no token.
    pub fn is_anonymous(&self) -> bool {
        self.anonymous
    }

    /// Whether `target` is inside this principal's scope. London-wide roles cover
    /// everything; borough roles cover targets in their boroughs (a target known only by
    /// its ward counts when the ward is listed); ward roles cover targets in their wards;
    /// the public covers nothing. A target with neither borough nor ward (pan-London) is
    /// covered by London-wide roles only.
    pub fn covers(&self, target: &Target) -> bool {
        match self.role.scope_kind() {
            ScopeKind::London => true,
            ScopeKind::Nothing => false,
            ScopeKind::Boroughs => {
                target
                    .borough
                    .as_ref()
                    .is_some_and(|b| self.boroughs.contains(b))
                    || target.ward.as_ref().is_some_and(|w| self.wards.contains(w))
            }
            ScopeKind::Wards => target.ward.as_ref().is_some_and(|w| self.wards.contains(w)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_through_their_names() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
            assert_eq!(
                serde_json::to_value(role).unwrap(),
                serde_json::Value::String(role.as_str().into())
            );
        }
        assert!("chief".parse::<Role>().is_err());
    }

    #[test]
    fn scope_follows_the_role() {
        let camden = || Target::new(Some("E09000007"), Some("E05000128"));
        let hackney = Target::new(Some("E09000012"), None);
        let london = Target::default();
        let member = Principal::new(
            "m",
            Role::BoardMember,
            "sn-board-camden",
            ["E09000007".to_owned()],
            [],
        );
        assert!(member.covers(&camden()));
        assert!(!member.covers(&hackney));
        assert!(!member.covers(&london));

        let panel = Principal::new(
            "p",
            Role::WardPanelMember,
            "panel",
            [],
            ["E05000128".to_owned()],
        );
        assert!(panel.covers(&camden()));
        assert!(!panel.covers(&Target::new(Some("E09000007"), None)));

        let officer = Principal::new("o", Role::MopacOfficer, "mopac", [], []);
        assert!(officer.covers(&london) && officer.covers(&hackney));
        assert!(!Principal::anonymous().covers(&camden()));
        assert_eq!(Principal::anonymous().actor().role, "public");
    }
}
