//! Community Payback: the board (or a ward panel, or the public through it) nominates local
//! projects for people on community orders to work on; the probation service selects or
//! declines each, and a selected project is completed with the hours worked.
//! Stream: `payback-project-<uuid>`.

use chrono::NaiveDate;
use engage_log::StreamId;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::context::{ordered, positive, required};
use crate::reference::{BoroughCode, WardCode};
use crate::{DecisionContext, DomainError};

/// The stream of one nominated project.
pub fn stream_id(project_id: Uuid) -> StreamId {
    StreamId::new(format!("payback-project-{project_id}"))
}

/// Who put the project forward.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[serde(rename_all = "snake_case")]
pub enum NominatedBy {
    Board,
    WardPanel,
    /// A member of the public, through the board.
    Public,
    LocalAuthority,
}

/// A project was nominated for Community Payback.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct CommunityPaybackProjectNominated {
    pub project_id: Uuid,
    pub borough: BoroughCode,
    pub ward: Option<WardCode>,
    pub title: String,
    /// The work wanted (e.g. clearing an alley, removing graffiti), and where.
    pub description: String,
    pub nominated_by: NominatedBy,
    pub nominated_on: NaiveDate,
}

/// The probation service selected the project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct CommunityPaybackProjectSelected {
    pub project_id: Uuid,
    pub selected_on: NaiveDate,
    /// Who runs the work (e.g. `London Probation Service`).
    pub provider: String,
    pub planned_hours: Option<u32>,
}

/// The probation service declined the project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct CommunityPaybackProjectDeclined {
    pub project_id: Uuid,
    pub declined_on: NaiveDate,
    pub reason: String,
}

/// The work was completed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct CommunityPaybackProjectCompleted {
    pub project_id: Uuid,
    pub completed_on: NaiveDate,
    pub hours_worked: u32,
    pub outcome_summary: String,
}

events! {
    pub enum Event {
        Nominated(CommunityPaybackProjectNominated) = "CommunityPaybackProjectNominated" v 1: "A local project was nominated for Community Payback.",
        Selected(CommunityPaybackProjectSelected) = "CommunityPaybackProjectSelected" v 1: "A nominated Community Payback project was selected by the probation service.",
        Declined(CommunityPaybackProjectDeclined) = "CommunityPaybackProjectDeclined" v 1: "A nominated Community Payback project was declined (with the reason).",
        Completed(CommunityPaybackProjectCompleted) = "CommunityPaybackProjectCompleted" v 1: "A Community Payback project was completed (hours worked, outcome).",
    }
}

/// Nominate a local project for Community Payback.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "graphql", derive(async_graphql::InputObject))]
pub struct NominateCommunityPaybackProject {
    pub project_id: Uuid,
    pub borough: BoroughCode,
    pub ward: Option<WardCode>,
    pub title: String,
    pub description: String,
    pub nominated_by: NominatedBy,
    pub nominated_on: NaiveDate,
}

/// Record that the probation service selected a nominated project.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "graphql", derive(async_graphql::InputObject))]
pub struct SelectCommunityPaybackProject {
    pub selected_on: NaiveDate,
    pub provider: String,
    pub planned_hours: Option<u32>,
}

/// Record that a nominated project was declined, and why.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "graphql", derive(async_graphql::InputObject))]
pub struct DeclineCommunityPaybackProject {
    pub declined_on: NaiveDate,
    pub reason: String,
}

/// Record that a selected project was completed (hours worked, outcome).
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "graphql", derive(async_graphql::InputObject))]
pub struct CompleteCommunityPaybackProject {
    pub completed_on: NaiveDate,
    pub hours_worked: u32,
    pub outcome_summary: String,
}

commands! {
    /// What can be done with a Community Payback project.
    pub enum Command {
        Nominate(NominateCommunityPaybackProject),
        Select(SelectCommunityPaybackProject),
        Decline(DeclineCommunityPaybackProject),
        Complete(CompleteCommunityPaybackProject),
    }
}

/// Where a project is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Status {
    #[default]
    NotNominated,
    Nominated,
    Selected,
    Declined,
    Completed,
}

/// A project's state; `Default` is "not nominated".
#[derive(Debug, Clone, Default, PartialEq)]
pub struct State {
    pub status: Status,
    pub project_id: Option<Uuid>,
    pub borough: Option<BoroughCode>,
    /// The date of the latest step.
    pub last_step_on: Option<NaiveDate>,
    pub hours_worked: u32,
}

impl State {
    pub fn apply(&mut self, event: &Event) {
        match event {
            Event::Nominated(e) => {
                self.status = Status::Nominated;
                self.project_id = Some(e.project_id);
                self.borough = Some(e.borough.clone());
                self.last_step_on = Some(e.nominated_on);
            }
            Event::Selected(e) => {
                self.status = Status::Selected;
                self.last_step_on = Some(e.selected_on);
            }
            Event::Declined(e) => {
                self.status = Status::Declined;
                self.last_step_on = Some(e.declined_on);
            }
            Event::Completed(e) => {
                self.status = Status::Completed;
                self.last_step_on = Some(e.completed_on);
                self.hours_worked = e.hours_worked;
            }
        }
    }
}

aggregate!(CommunityPaybackProject, "payback-project");

const KIND: &str = "community payback project";

pub fn decide(
    state: &State,
    command: Command,
    ctx: &DecisionContext<'_>,
) -> Result<Vec<Event>, DomainError> {
    if let Command::Nominate(NominateCommunityPaybackProject {
        project_id,
        borough,
        ward,
        title,
        description,
        nominated_by,
        nominated_on,
    }) = command
    {
        if state.project_id.is_some() {
            return Err(DomainError::already_exists(KIND, project_id));
        }
        ctx.borough(&borough)?;
        if let Some(w) = &ward {
            ctx.ward_in_borough(w, &borough)?;
        }
        required("title", &title)?;
        required("description", &description)?;
        ctx.not_future_day("nominated_on", nominated_on)?;
        return Ok(vec![
            CommunityPaybackProjectNominated {
                project_id,
                borough,
                ward,
                title,
                description,
                nominated_by,
                nominated_on,
            }
            .into(),
        ]);
    }
    let (Some(project_id), Some(last)) = (state.project_id, state.last_step_on) else {
        return Err(DomainError::unknown(KIND, "(not nominated)"));
    };
    let decided = || match state.status {
        Status::Selected | Status::Completed => {
            Err(DomainError::already(KIND, project_id, "selected"))
        }
        Status::Declined => Err(DomainError::already(KIND, project_id, "declined")),
        _ => Ok(()),
    };
    let event: Event = match command {
        Command::Nominate(NominateCommunityPaybackProject { .. }) => {
            return Err(DomainError::already_exists(KIND, project_id));
        }
        Command::Select(SelectCommunityPaybackProject {
            selected_on,
            provider,
            planned_hours,
        }) => {
            decided()?;
            required("provider", &provider)?;
            if let Some(h) = planned_hours {
                positive("planned_hours", i64::from(h))?;
            }
            ordered("nominated_on", &last, "selected_on", &selected_on)?;
            ctx.not_future_day("selected_on", selected_on)?;
            CommunityPaybackProjectSelected {
                project_id,
                selected_on,
                provider,
                planned_hours,
            }
            .into()
        }
        Command::Decline(DeclineCommunityPaybackProject {
            declined_on,
            reason,
        }) => {
            decided()?;
            required("reason", &reason)?;
            ordered("nominated_on", &last, "declined_on", &declined_on)?;
            ctx.not_future_day("declined_on", declined_on)?;
            CommunityPaybackProjectDeclined {
                project_id,
                declined_on,
                reason,
            }
            .into()
        }
        Command::Complete(CompleteCommunityPaybackProject {
            completed_on,
            hours_worked,
            outcome_summary,
        }) => {
            match state.status {
                Status::Selected => {}
                Status::Completed => {
                    return Err(DomainError::already(KIND, project_id, "completed"));
                }
                Status::Declined => {
                    return Err(DomainError::invalid_state(
                        KIND, project_id, "complete", "declined",
                    ));
                }
                _ => {
                    return Err(DomainError::invalid_state(
                        KIND,
                        project_id,
                        "complete",
                        "not selected",
                    ));
                }
            }
            positive("hours_worked", i64::from(hours_worked))?;
            required("outcome_summary", &outcome_summary)?;
            ordered("selected_on", &last, "completed_on", &completed_on)?;
            ctx.not_future_day("completed_on", completed_on)?;
            CommunityPaybackProjectCompleted {
                project_id,
                completed_on,
                hours_worked,
                outcome_summary,
            }
            .into()
        }
    };
    Ok(vec![event])
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::testkit::*;

    fn nominate_project(n: u128) -> Command {
        Command::Nominate(NominateCommunityPaybackProject {
            project_id: id(n),
            borough: CAMDEN.into(),
            ward: Some(CAMDEN_WARD.into()),
            title: "Clear the alley behind the estate".into(),
            description: "Fly-tipping and overgrowth used for drug dealing".into(),
            nominated_by: NominatedBy::WardPanel,
            nominated_on: day(60),
        })
    }

    fn nominate() -> Command {
        nominate_project(1)
    }

    fn select(on: i64) -> Command {
        Command::Select(SelectCommunityPaybackProject {
            selected_on: day(on),
            provider: "London Probation Service".into(),
            planned_hours: Some(120),
        })
    }

    fn complete(on: i64, hours: u32) -> Command {
        Command::Complete(CompleteCommunityPaybackProject {
            completed_on: day(on),
            hours_worked: hours,
            outcome_summary: "Alley cleared; lighting reported to the council".into(),
        })
    }

    fn decline() -> Command {
        Command::Decline(DeclineCommunityPaybackProject {
            declined_on: day(40),
            reason: "Land is privately owned".into(),
        })
    }

    pub(crate) fn samples() -> Vec<Event> {
        let (_, mut events) =
            history::<CommunityPaybackProject>([nominate(), select(45), complete(5, 118)]);
        events.extend(history::<CommunityPaybackProject>([nominate_project(2), decline()]).1);
        events
    }

    #[test]
    fn lifecycle() {
        let (s, events) =
            history::<CommunityPaybackProject>([nominate(), select(45), complete(5, 118)]);
        assert_eq!(events.len(), 3);
        assert_eq!(s.status, Status::Completed);
        assert_eq!(s.hours_worked, 118);
        assert_eq!(samples().len(), 5);
        assert_eq!(
            stream_id(id(1)).as_str(),
            format!("payback-project-{}", id(1))
        );
    }

    #[test]
    fn nominate_errors() {
        let empty = State::default();
        assert_eq!(
            decide(&empty, select(1), &ctx()),
            Err(DomainError::unknown(
                "community payback project",
                "(not nominated)"
            ))
        );
        let mut wrong_ward = nominate();
        if let Command::Nominate(NominateCommunityPaybackProject { ward, .. }) = &mut wrong_ward {
            *ward = Some(HACKNEY_WARD.into());
        }
        assert!(matches!(
            decide(&empty, wrong_ward, &ctx()),
            Err(DomainError::WardNotInBorough { .. })
        ));
        let mut untitled = nominate();
        if let Command::Nominate(NominateCommunityPaybackProject { title, .. }) = &mut untitled {
            title.clear();
        }
        assert_eq!(
            decide(&empty, untitled, &ctx()),
            Err(DomainError::Required { field: "title" })
        );
        let mut future = nominate();
        if let Command::Nominate(NominateCommunityPaybackProject { nominated_on, .. }) = &mut future
        {
            *nominated_on = day(-1);
        }
        assert!(matches!(
            decide(&empty, future, &ctx()),
            Err(DomainError::InFuture {
                field: "nominated_on",
                ..
            })
        ));
        let (s, _) = history::<CommunityPaybackProject>([nominate()]);
        assert!(matches!(
            decide(&s, nominate(), &ctx()),
            Err(DomainError::AlreadyExists { .. })
        ));
    }

    #[test]
    fn decision_and_completion_errors() {
        let (nominated, _) = history::<CommunityPaybackProject>([nominate()]);
        assert_eq!(
            decide(&nominated, complete(5, 10), &ctx()),
            Err(DomainError::invalid_state(
                "community payback project",
                id(1),
                "complete",
                "not selected"
            ))
        );
        assert!(matches!(
            decide(&nominated, select(70), &ctx()),
            Err(DomainError::EndBeforeStart {
                end_field: "selected_on",
                ..
            })
        ));
        let mut no_provider = select(45);
        if let Command::Select(SelectCommunityPaybackProject { provider, .. }) = &mut no_provider {
            provider.clear();
        }
        assert_eq!(
            decide(&nominated, no_provider, &ctx()),
            Err(DomainError::Required { field: "provider" })
        );
        let (selected, _) = history::<CommunityPaybackProject>([nominate(), select(45)]);
        assert_eq!(
            decide(&selected, decline(), &ctx()),
            Err(DomainError::already(
                "community payback project",
                id(1),
                "selected"
            ))
        );
        assert_eq!(
            decide(&selected, complete(5, 0), &ctx()),
            Err(DomainError::NotPositive {
                field: "hours_worked",
                value: 0
            })
        );
        assert!(matches!(
            decide(&selected, complete(50, 10), &ctx()),
            Err(DomainError::EndBeforeStart {
                end_field: "completed_on",
                ..
            })
        ));
        let (done, _) =
            history::<CommunityPaybackProject>([nominate(), select(45), complete(5, 118)]);
        assert_eq!(
            decide(&done, complete(4, 1), &ctx()),
            Err(DomainError::already(
                "community payback project",
                id(1),
                "completed"
            ))
        );
        let (declined, _) = history::<CommunityPaybackProject>([nominate(), decline()]);
        assert_eq!(
            decide(&declined, select(30), &ctx()),
            Err(DomainError::already(
                "community payback project",
                id(1),
                "declined"
            ))
        );
        assert_eq!(
            decide(&declined, complete(5, 10), &ctx()),
            Err(DomainError::invalid_state(
                "community payback project",
                id(1),
                "complete",
                "declined"
            ))
        );
    }
}
