//! Rounds of MOPAC's crime prevention fund: a round opens with a pot (in pence) and a
//! bidding window, and closes. Bids against a round are in [`crate::prevention_bid`].
//! Stream: `fund-round-<uuid>`.

use engage_log::StreamId;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::context::{ordered, positive, required};
use crate::reference::FundRoundInfo;
use crate::{DecisionContext, DomainError, Timestamp};

/// The stream of one funding round.
pub fn stream_id(round_id: Uuid) -> StreamId {
    StreamId::new(format!("fund-round-{round_id}"))
}

/// MOPAC opened a funding round.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct FundRoundOpened {
    pub round_id: Uuid,
    pub name: String,
    /// The pot, in pence.
    pub pot_pence: i64,
    pub opens_at: Timestamp,
    pub closes_at: Timestamp,
}

/// The round stopped taking bids.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct FundRoundClosed {
    pub round_id: Uuid,
    pub closed_at: Timestamp,
}

events! {
    pub enum Event {
        Opened(FundRoundOpened) = "FundRoundOpened" v 1: "A crime prevention fund round opened with a pot and a bidding window.",
        Closed(FundRoundClosed) = "FundRoundClosed" v 1: "A crime prevention fund round closed to bids.",
    }
}

/// Open a round of MOPAC's crime prevention fund with its pot and dates.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "graphql", derive(async_graphql::InputObject))]
pub struct OpenFundRound {
    pub round_id: Uuid,
    pub name: String,
    pub pot_pence: i64,
    pub opens_at: Timestamp,
    pub closes_at: Timestamp,
}

/// Close a fund round (early, or at its closing date).
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "graphql", derive(async_graphql::InputObject))]
pub struct CloseFundRound {
    pub closed_at: Timestamp,
}

commands! {
    /// What can be done with a prevention-fund round.
    pub enum Command {
        Open(OpenFundRound),
        Close(CloseFundRound),
    }
}

/// A round's state; `Default` is "not opened".
#[derive(Debug, Clone, Default, PartialEq)]
pub struct State {
    pub round: Option<FundRoundInfo>,
    pub pot_pence: i64,
    pub closed_at: Option<Timestamp>,
}

impl State {
    pub fn apply(&mut self, event: &Event) {
        match event {
            Event::Opened(e) => {
                self.round = Some(FundRoundInfo {
                    round_id: e.round_id,
                    opens_at: e.opens_at,
                    closes_at: e.closes_at,
                    open: true,
                });
                self.pot_pence = e.pot_pence;
            }
            Event::Closed(e) => {
                self.closed_at = Some(e.closed_at);
                if let Some(r) = &mut self.round {
                    r.open = false;
                }
            }
        }
    }
}

aggregate!(FundRound, "fund-round");

pub fn decide(
    state: &State,
    command: Command,
    ctx: &DecisionContext<'_>,
) -> Result<Vec<Event>, DomainError> {
    match command {
        Command::Open(OpenFundRound {
            round_id,
            name,
            pot_pence,
            opens_at,
            closes_at,
        }) => {
            if state.round.is_some() {
                return Err(DomainError::already_exists("fund round", round_id));
            }
            required("name", &name)?;
            positive("pot_pence", pot_pence)?;
            ordered("opens_at", &opens_at, "closes_at", &closes_at)?;
            Ok(vec![
                FundRoundOpened {
                    round_id,
                    name,
                    pot_pence,
                    opens_at,
                    closes_at,
                }
                .into(),
            ])
        }
        Command::Close(CloseFundRound { closed_at }) => {
            let round = state
                .round
                .as_ref()
                .ok_or_else(|| DomainError::unknown("fund round", "(not opened)"))?;
            if !round.open {
                return Err(DomainError::already("fund round", round.round_id, "closed"));
            }
            ordered("opens_at", &round.opens_at, "closed_at", &closed_at)?;
            ctx.not_future("closed_at", closed_at)?;
            Ok(vec![
                FundRoundClosed {
                    round_id: round.round_id,
                    closed_at,
                }
                .into(),
            ])
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::Aggregate;
    use crate::testkit::*;

    fn open() -> Command {
        Command::Open(OpenFundRound {
            round_id: id(1),
            name: "Crime Prevention Fund 2025/26".into(),
            pot_pence: 100_000_000,
            opens_at: days_ago(60),
            closes_at: days_ago(10),
        })
    }

    pub(crate) fn samples() -> Vec<Event> {
        let mut s = State::default();
        let mut all = Vec::new();
        for c in [
            open(),
            Command::Close(CloseFundRound {
                closed_at: days_ago(10),
            }),
        ] {
            let events = decide(&s, c, &ctx()).expect("valid");
            events.iter().for_each(|e| s.apply(e));
            all.extend(events);
        }
        all
    }

    #[test]
    fn lifecycle_and_errors() {
        let s = FundRound::fold(&samples());
        assert!(s.round.as_ref().is_some_and(|r| !r.open));
        assert!(matches!(
            decide(
                &s,
                Command::Close(CloseFundRound {
                    closed_at: days_ago(1)
                }),
                &ctx()
            ),
            Err(DomainError::Already { .. })
        ));
        assert!(matches!(
            decide(&s, open(), &ctx()),
            Err(DomainError::AlreadyExists { .. })
        ));
        assert!(matches!(
            decide(
                &State::default(),
                Command::Close(CloseFundRound {
                    closed_at: days_ago(1)
                }),
                &ctx()
            ),
            Err(DomainError::Unknown { .. })
        ));
        let zero = Command::Open(OpenFundRound {
            round_id: id(2),
            name: "x".into(),
            pot_pence: 0,
            opens_at: days_ago(1),
            closes_at: days_ago(0),
        });
        assert_eq!(
            decide(&State::default(), zero, &ctx()),
            Err(DomainError::NotPositive {
                field: "pot_pence",
                value: 0
            })
        );
        let backwards = Command::Open(OpenFundRound {
            round_id: id(2),
            name: "x".into(),
            pot_pence: 5,
            opens_at: days_ago(1),
            closes_at: days_ago(2),
        });
        assert!(matches!(
            decide(&State::default(), backwards, &ctx()),
            Err(DomainError::EndBeforeStart { .. })
        ));
        assert_eq!(stream_id(id(1)).as_str(), format!("fund-round-{}", id(1)));
    }
}
