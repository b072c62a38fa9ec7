//! Ward panels: one record per ward's panel — its ward and borough, when it was formed, its
//! members over time (by member and data-subject id, with role, joined and left), the
//! meetings it held (when, attendance) and the ward priorities it agreed — and the queries
//! the board scorecard needs, above all "which wards' panels met in a period", per borough.
//! Members' names and contact details stay in the log.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use engage_domain::ward_panel::{Event, PanelRole};
use engage_domain::{BoroughCode, DomainEvent, Timestamp, WardCode};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::period::within;
use super::provenance::Provenance;
use crate::event::ProjectedEvent;
use crate::model::ReadModel;

/// A member of a panel, and when they joined and left.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PanelMember {
    pub member_id: Uuid,
    /// Whose contact details the joining event holds.
    pub data_subject_id: Uuid,
    pub role: PanelRole,
    pub joined_on: NaiveDate,
    pub left_on: Option<NaiveDate>,
}

impl PanelMember {
    /// Whether they are a member now (have not left).
    pub fn is_current(&self) -> bool {
        self.left_on.is_none()
    }

    /// Whether they were a member on `day` (joined on or before it, not left before it).
    pub fn was_member_on(&self, day: NaiveDate) -> bool {
        self.joined_on <= day && self.left_on.is_none_or(|l| day <= l)
    }
}

/// A meeting the panel held.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PanelMeeting {
    pub meeting_id: Uuid,
    pub held_at: Timestamp,
    /// Member ids present.
    pub members_present: Vec<Uuid>,
    /// Residents attending who are not members (a count).
    pub residents_attending: u32,
    /// Whether the Safer Neighbourhood Team attended.
    pub snt_attended: bool,
    /// The ward priorities agreed at it.
    pub priorities_agreed: Vec<Uuid>,
}

/// A ward priority the panel agreed (then proposed to the board as `priority-<id>`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgreedPriority {
    pub priority_id: Uuid,
    pub meeting_id: Uuid,
    pub title: String,
    pub description: String,
    /// When the meeting that agreed it was held (if that meeting is known).
    pub agreed_at: Option<Timestamp>,
}

/// One ward's panel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WardPanel {
    pub ward: WardCode,
    pub borough: BoroughCode,
    pub formed_on: NaiveDate,
    /// Every member there has been, by member id.
    pub members: BTreeMap<Uuid, PanelMember>,
    /// Members who have not left.
    pub current_member_count: u32,
    /// Meetings held, by when they were held.
    pub meetings: Vec<PanelMeeting>,
    pub first_met_at: Option<Timestamp>,
    pub last_met_at: Option<Timestamp>,
    /// Ward priorities agreed, in the order recorded.
    pub priorities: Vec<AgreedPriority>,
    pub provenance: Provenance,
}

impl WardPanel {
    /// The members who have not left.
    pub fn current_members(&self) -> impl Iterator<Item = &PanelMember> {
        self.members.values().filter(|m| m.is_current())
    }

    /// The members on `day`.
    pub fn members_on(&self, day: NaiveDate) -> impl Iterator<Item = &PanelMember> {
        self.members.values().filter(move |m| m.was_member_on(day))
    }

    /// The meetings held in `[from, to)`, in time order.
    pub fn meetings_in(&self, from: Timestamp, to: Timestamp) -> &[PanelMeeting] {
        let start = self.meetings.partition_point(|m| m.held_at < from);
        let end = self.meetings.partition_point(|m| m.held_at < to);
        self.meetings.get(start..end.max(start)).unwrap_or_default()
    }

    /// Whether the panel met in `[from, to)`.
    pub fn met_in(&self, from: Timestamp, to: Timestamp) -> bool {
        !self.meetings_in(from, to).is_empty()
    }

    fn refresh(&mut self) {
        let current = self.members.values().filter(|m| m.is_current()).count();
        self.current_member_count = u32::try_from(current).unwrap_or(u32::MAX);
        self.first_met_at = self.meetings.first().map(|m| m.held_at);
        self.last_met_at = self.meetings.last().map(|m| m.held_at);
    }
}

/// Every ward panel, by ward.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct WardPanels {
    pub by_ward: BTreeMap<WardCode, WardPanel>,
}

impl ReadModel for WardPanels {
    const NAME: &'static str = "ward_panels";
    const VERSION: u32 = 1;

    fn apply(&mut self, event: &ProjectedEvent) {
        let Some(DomainEvent::WardPanel(e)) = &event.domain else {
            return;
        };
        if let Event::Formed(f) = e {
            let mut panel = WardPanel {
                ward: f.ward.clone(),
                borough: f.borough.clone(),
                formed_on: f.formed_on,
                members: BTreeMap::new(),
                current_member_count: 0,
                meetings: Vec::new(),
                first_met_at: None,
                last_met_at: None,
                priorities: Vec::new(),
                provenance: Provenance::default(),
            };
            panel.provenance.touch(event);
            self.by_ward.insert(f.ward.clone(), panel);
            return;
        }
        let ward = match e {
            Event::Formed(f) => &f.ward,
            Event::MemberJoined(j) => &j.ward,
            Event::MemberLeft(l) => &l.ward,
            Event::Met(m) => &m.ward,
            Event::PriorityAgreed(p) => &p.ward,
        };
        // Events of a panel this model has not seen formed are ignored.
        let Some(panel) = self.by_ward.get_mut(ward) else {
            return;
        };
        panel.provenance.touch(event);
        match e {
            Event::Formed(_) => {}
            Event::MemberJoined(j) => {
                panel.members.insert(
                    j.member_id,
                    PanelMember {
                        member_id: j.member_id,
                        data_subject_id: j.personal.data_subject_id,
                        role: j.role,
                        joined_on: j.joined_on,
                        left_on: None,
                    },
                );
            }
            Event::MemberLeft(l) => {
                if let Some(m) = panel.members.get_mut(&l.member_id) {
                    m.left_on = Some(l.left_on);
                }
            }
            Event::Met(m) => {
                if panel.meetings.iter().all(|x| x.meeting_id != m.meeting_id) {
                    let i = panel.meetings.partition_point(|x| x.held_at <= m.held_at);
                    panel.meetings.insert(
                        i,
                        PanelMeeting {
                            meeting_id: m.meeting_id,
                            held_at: m.held_at,
                            members_present: m.members_present.clone(),
                            residents_attending: m.residents_attending,
                            snt_attended: m.snt_attended,
                            priorities_agreed: Vec::new(),
                        },
                    );
                }
            }
            Event::PriorityAgreed(p) => {
                let meeting = panel
                    .meetings
                    .iter_mut()
                    .find(|m| m.meeting_id == p.meeting_id);
                let agreed_at = meeting.map(|m| {
                    m.priorities_agreed.push(p.priority_id);
                    m.held_at
                });
                panel.priorities.push(AgreedPriority {
                    priority_id: p.priority_id,
                    meeting_id: p.meeting_id,
                    title: p.title.clone(),
                    description: p.description.clone(),
                    agreed_at,
                });
            }
        }
        panel.refresh();
    }
}

impl WardPanels {
    pub fn get(&self, ward: &WardCode) -> Option<&WardPanel> {
        self.by_ward.get(ward)
    }

    /// The panels of one borough (every borough when `None`), in ward-code order.
    pub fn in_borough<'a>(
        &'a self,
        borough: Option<&'a BoroughCode>,
    ) -> impl Iterator<Item = &'a WardPanel> + 'a {
        self.by_ward
            .values()
            .filter(move |p| borough.is_none_or(|b| &p.borough == b))
    }

    /// Panels formed on or before `day`.
    pub fn formed_by<'a>(
        &'a self,
        borough: Option<&'a BoroughCode>,
        day: NaiveDate,
    ) -> impl Iterator<Item = &'a WardPanel> + 'a {
        self.in_borough(borough).filter(move |p| p.formed_on <= day)
    }

    /// The panels that met at least once in `[from, to)`.
    pub fn met_in<'a>(
        &'a self,
        borough: Option<&'a BoroughCode>,
        from: Timestamp,
        to: Timestamp,
    ) -> impl Iterator<Item = &'a WardPanel> + 'a {
        self.in_borough(borough).filter(move |p| p.met_in(from, to))
    }

    /// The wards of `borough` whose panel met in `[from, to)` (for the scorecard).
    pub fn wards_met_in(
        &self,
        borough: &BoroughCode,
        from: Timestamp,
        to: Timestamp,
    ) -> BTreeSet<WardCode> {
        self.met_in(Some(borough), from, to)
            .map(|p| p.ward.clone())
            .collect()
    }

    /// For every borough with a panel, the wards whose panel met in `[from, to)` (empty
    /// when none did): the London-wide view in one pass.
    pub fn wards_met_in_by_borough(
        &self,
        from: Timestamp,
        to: Timestamp,
    ) -> BTreeMap<BoroughCode, BTreeSet<WardCode>> {
        let mut out: BTreeMap<BoroughCode, BTreeSet<WardCode>> = BTreeMap::new();
        for p in self.by_ward.values() {
            let wards = out.entry(p.borough.clone()).or_default();
            if p.met_in(from, to) {
                wards.insert(p.ward.clone());
            }
        }
        out
    }

    /// Every panel meeting held in `[from, to)`, with its panel.
    pub fn meetings_in<'a>(
        &'a self,
        borough: Option<&'a BoroughCode>,
        from: Timestamp,
        to: Timestamp,
    ) -> impl Iterator<Item = (&'a WardPanel, &'a PanelMeeting)> + 'a {
        self.in_borough(borough)
            .flat_map(move |p| p.meetings_in(from, to).iter().map(move |m| (p, m)))
    }

    /// Ward priorities agreed at meetings held in `[from, to)`, with their panel.
    pub fn priorities_agreed_in<'a>(
        &'a self,
        borough: Option<&'a BoroughCode>,
        from: Timestamp,
        to: Timestamp,
    ) -> impl Iterator<Item = (&'a WardPanel, &'a AgreedPriority)> + 'a {
        self.in_borough(borough).flat_map(move |p| {
            p.priorities
                .iter()
                .filter(move |a| a.agreed_at.is_some_and(|t| within(&t, &from, &to)))
                .map(move |a| (p, a))
        })
    }
}

#[cfg(test)]
mod tests {
    use engage_domain::personal::ContactDetails;
    use engage_domain::ward_panel::{
        WardPanelFormed, WardPanelMemberJoined, WardPanelMemberLeft, WardPanelMet,
        WardPanelPriorityAgreed, stream_id,
    };

    use engage_log::StreamId;

    use super::*;
    use crate::models::testing::{TestLog, at, day, fold, fold_checked, id};

    const CAMDEN: &str = "E09000007";
    const HACKNEY: &str = "E09000012";
    const KENTISH_TOWN: &str = "E05013652";
    const HAVERSTOCK: &str = "E05013653";
    const HACKNEY_DOWNS: &str = "E05009367";

    /// Record a ward panel event (a payload struct or an `Event`).
    fn rec(log: &mut TestLog, s: StreamId, e: impl Into<Event>, when: Timestamp) -> u64 {
        log.record(s, e.into(), when)
    }

    fn formed(ward: &str, borough: &str, formed_on: NaiveDate) -> WardPanelFormed {
        WardPanelFormed {
            ward: ward.into(),
            borough: borough.into(),
            formed_on,
        }
    }

    fn joined(ward: &str, n: u128, role: PanelRole) -> WardPanelMemberJoined {
        WardPanelMemberJoined {
            ward: ward.into(),
            member_id: id(n),
            role,
            joined_on: day(2024, 1, 1),
            personal: ContactDetails {
                data_subject_id: id(100 + n),
                full_name: "R Resident".into(),
                email: Some("resident@example.org".into()),
                phone: None,
            },
        }
    }

    fn met(ward: &str, meeting: u128, held_at: Timestamp, present: Vec<Uuid>) -> WardPanelMet {
        WardPanelMet {
            ward: ward.into(),
            meeting_id: id(meeting),
            held_at,
            members_present: present,
            residents_attending: 7,
            snt_attended: true,
        }
    }

    /// Kentish Town's panel: two members (one leaves), two meetings recorded out of date
    /// order, a priority; Haverstock's panel never meets; Hackney Downs' meets once.
    fn history() -> (TestLog, Vec<u64>) {
        let mut log = TestLog::new();
        let kt = stream_id(&KENTISH_TOWN.into());
        let mut kt_positions = vec![rec(
            &mut log,
            kt.clone(),
            formed(KENTISH_TOWN, CAMDEN, day(2015, 1, 10)),
            at(2015, 1, 10),
        )];
        rec(
            &mut log,
            stream_id(&HAVERSTOCK.into()),
            formed(HAVERSTOCK, CAMDEN, day(2016, 3, 1)),
            at(2016, 3, 1),
        );
        let hd = stream_id(&HACKNEY_DOWNS.into());
        rec(
            &mut log,
            hd.clone(),
            formed(HACKNEY_DOWNS, HACKNEY, day(2015, 2, 1)),
            at(2015, 2, 1),
        );
        let steps: [Event; 6] = [
            joined(KENTISH_TOWN, 1, PanelRole::Chair).into(),
            joined(KENTISH_TOWN, 2, PanelRole::Resident).into(),
            met(KENTISH_TOWN, 10, at(2025, 3, 5), vec![id(1), id(2)]).into(),
            WardPanelMemberLeft {
                ward: KENTISH_TOWN.into(),
                member_id: id(2),
                left_on: day(2025, 3, 31),
            }
            .into(),
            // Recorded after the March meeting, held before it.
            met(KENTISH_TOWN, 11, at(2025, 1, 15), vec![id(1)]).into(),
            WardPanelPriorityAgreed {
                ward: KENTISH_TOWN.into(),
                meeting_id: id(10),
                priority_id: id(500),
                title: "Drug dealing near the station".into(),
                description: "Open dealing in the evenings".into(),
            }
            .into(),
        ];
        for e in steps {
            kt_positions.push(rec(&mut log, kt.clone(), e, at(2025, 4, 1)));
        }
        rec(
            &mut log,
            hd,
            met(HACKNEY_DOWNS, 20, at(2025, 4, 2), vec![]),
            at(2025, 4, 2),
        );
        (log, kt_positions)
    }

    #[test]
    fn full_history_gives_members_meetings_and_priorities() {
        let (log, positions) = history();
        let m: WardPanels = fold_checked(&log.events);
        let p = m.get(&KENTISH_TOWN.into()).unwrap();
        assert_eq!(p.borough, BoroughCode::from(CAMDEN));
        assert_eq!(p.formed_on, day(2015, 1, 10));
        assert_eq!(p.members.len(), 2);
        assert_eq!(p.current_member_count, 1);
        let current: Vec<(Uuid, Uuid)> = p
            .current_members()
            .map(|m| (m.member_id, m.data_subject_id))
            .collect();
        assert_eq!(current, vec![(id(1), id(101))]);
        assert_eq!(p.members[&id(2)].left_on, Some(day(2025, 3, 31)));
        assert_eq!(p.members_on(day(2025, 3, 31)).count(), 2);
        assert_eq!(p.members_on(day(2025, 4, 1)).count(), 1);
        let meetings: Vec<Uuid> = p.meetings.iter().map(|m| m.meeting_id).collect();
        assert_eq!(meetings, vec![id(11), id(10)], "in date order");
        assert_eq!(p.first_met_at, Some(at(2025, 1, 15)));
        assert_eq!(p.last_met_at, Some(at(2025, 3, 5)));
        assert_eq!(p.meetings[1].priorities_agreed, vec![id(500)]);
        assert_eq!(p.priorities.len(), 1);
        assert_eq!(p.priorities[0].agreed_at, Some(at(2025, 3, 5)));
        assert_eq!(p.provenance.positions, positions);
        assert_eq!(positions, vec![1, 4, 5, 6, 7, 8, 9]);
    }

    #[test]
    fn wards_whose_panel_met_in_a_period() {
        let (log, _) = history();
        let m: WardPanels = fold_checked(&log.events);
        let camden = BoroughCode::from(CAMDEN);
        let hackney = BoroughCode::from(HACKNEY);
        let q1 = (at(2025, 1, 1), at(2025, 4, 1));
        assert_eq!(
            m.wards_met_in(&camden, q1.0, q1.1),
            BTreeSet::from([WardCode::from(KENTISH_TOWN)])
        );
        assert!(m.wards_met_in(&hackney, q1.0, q1.1).is_empty());
        // [from, to): a meeting exactly at `to` is outside, one exactly at `from` inside.
        assert!(
            m.wards_met_in(&camden, at(2025, 1, 16), at(2025, 3, 5))
                .is_empty()
        );
        assert_eq!(
            m.wards_met_in(&camden, at(2025, 3, 5), at(2025, 3, 6))
                .len(),
            1
        );
        let london = m.wards_met_in_by_borough(at(2025, 1, 1), at(2025, 7, 1));
        assert_eq!(london[&camden].len(), 1);
        assert_eq!(
            london[&hackney],
            BTreeSet::from([WardCode::from(HACKNEY_DOWNS)])
        );
        assert_eq!(m.in_borough(Some(&camden)).count(), 2);
        assert_eq!(m.formed_by(Some(&camden), day(2016, 2, 29)).count(), 1);
        assert_eq!(m.meetings_in(None, q1.0, q1.1).count(), 2);
        let agreed: Vec<Uuid> = m
            .priorities_agreed_in(Some(&camden), q1.0, q1.1)
            .map(|(_, a)| a.priority_id)
            .collect();
        assert_eq!(agreed, vec![id(500)]);
    }

    #[test]
    fn events_of_an_unformed_panel_are_ignored() {
        let (log, _) = history();
        let without_formation: Vec<_> = log.events.get(1..).unwrap().to_vec();
        let m: WardPanels = fold(&without_formation);
        assert!(m.get(&KENTISH_TOWN.into()).is_none());
        assert_eq!(m.by_ward.len(), 2);
        // A priority agreed at a meeting the model has not seen keeps no date.
        let mut partial = vec![log.events[0].clone()];
        partial.push(log.events[8].clone());
        let m: WardPanels = fold(&partial);
        let p = m.get(&KENTISH_TOWN.into()).unwrap();
        assert_eq!(p.priorities[0].agreed_at, None);
        assert!(p.meetings.is_empty());
    }
}
