//! Concord's domain, as pure code: members and partners, proposals, positions and decisions,
//! and the support the alliance coordinates ([`support`]: requests, pledges, deliveries,
//! coalitions, funds, money).
//!
//! The whole behaviour is two functions. [`decide`] takes the state, who acts, a command and the
//! time, and returns the events the command causes or a typed [`Refusal`]. [`State::apply`]
//! folds one event into the state. Every state change is an event; the log of events is the
//! source of truth, and replaying it through `apply` (as the offline verifier does) rebuilds the
//! same state and re-derives every decision.
//!
//! **Invariant:** this crate knows nothing of HTTP, SQL, files, clocks or randomness. Time comes
//! in as a value; ids are derived from the state.
//!
//! ```
//! use concord_core::*;
//! use jiff::{Timestamp, civil::date};
//!
//! let mut state = State::new();
//! let t0: Timestamp = "2024-02-27T09:00:00Z".parse().unwrap();
//! let admit = Command::AdmitMember { member: Member {
//!     code: CountryCode::parse("NOR").unwrap(), alpha2: "NO".into(), numeric: "578".into(),
//!     name: "Norway".into(), accession: date(1949, 8, 24), departure: None } };
//! for e in decide(&state, Actor::Secretariat, &admit, t0).unwrap() { state.apply(&e).unwrap(); }
//! let draft = Command::DraftProposal { body: None, follows: None, kind: DecisionKind::Statement, significance: None,
//!     title: "No combat troops".into(), text: "There are no plans ...".into() };
//! for e in decide(&state, Actor::Secretariat, &draft, t0).unwrap() { state.apply(&e).unwrap(); }
//! let id = ProposalId(1);
//! let circulate = Command::Circulate { proposal: id, procedure: Procedure::Silence,
//!     deadline: "2024-02-28T12:00:00Z".parse().unwrap(), marking: None, urgent: None };
//! for e in decide(&state, Actor::Secretariat, &circulate, t0).unwrap() { state.apply(&e).unwrap(); }
//! // Nobody breaks silence; at the deadline the scheduler closes it as adopted.
//! let close = Command::CloseAtDeadline { proposal: id };
//! let events = decide(&state, Actor::Scheduler, &close, "2024-02-28T12:00:00Z".parse().unwrap()).unwrap();
//! for e in &events { state.apply(e).unwrap(); }
//! assert_eq!(state.proposals[&id].status, ProposalStatus::Adopted);
//! ```

#![forbid(unsafe_code)]

pub mod access;
mod authorise;
pub mod body;
mod chair;
mod command;
mod country;
mod follows;
pub mod marking;
#[macro_use]
pub mod words;
mod decide;
mod decision;
pub mod decision_rule;
mod event;
mod member;
pub mod notice;
pub mod packed;
mod proposal;
pub mod proxy;
pub mod record;
mod refusal;
pub mod rules;
pub mod sealed;
pub mod search;
mod signature;
pub mod signed;
mod state;
pub mod support;

#[cfg(test)]
mod tests;

pub use access::{Marked, Marking, ProposalAccess, Reader};
pub use body::{Body, BodyId, Roster, RuleInForce};
pub use chair::{Chair, ChairTerm};
pub use command::{Actor, Command};
pub use country::{CountryCode, InvalidCountryCode};
pub use decide::{decide, decide_and_apply};
pub use decision::{Decision, Outcome, blocks, evaluate, evaluate_with};
pub use event::Event;
pub use member::{Member, Partner};
pub use proposal::{
    Awaiting, Circulation, DecisionKind, Position, Procedure, Proposal, ProposalId, ProposalStatus, Revision,
    Significance, Stance, Withdrawal, text_hash,
};
pub use proxy::Proxy;
pub use refusal::{MAX_STATEMENT, MAX_TEXT, MAX_TITLE, Refusal, RefusalClass};
pub use signature::{VerifiedSignature, verify_ahead};
pub use signed::{POSITION_HEADER, PROXY_HEADER, PositionStatement, ProxyStatement, member_key_name, partner_key_name};
pub use state::{ApplyError, LogSettings, MemberKey, State};
