//! The domain's test suite, one file per rule family of domain.md §5.3, each test named as the
//! rule it checks.
//!
//! Every scenario runs through [`decide`](crate::decide) and [`State::apply`](crate::State::apply)
//! the way the server does ([`fixtures::World`]): an accepted command's events must apply cleanly,
//! and a refused command must change nothing. Instants are fixed; nothing reads the clock.
//!
//! - `bodies`: bodies, their rosters, kinds, procedures and rules, fixed when a procedure opens;
//!   consensus minus one.
//! - `chairs`: who chairs a body on a day, appointed ahead or now, never back in time.
//! - `follows`: a decision that needs another's first, and who may read both.
//! - `membership`: the electorate snapshot (rule 1), partners, unknown and departed members.
//! - `partners`: a partner taking part in a body as an equal participant (the NATO-Ukraine
//!   Council): elector, reader of the body's business, signer with its own key.
//! - `silence`: the silence procedure (rule 4) and rule 8's ban on deploying forces by silence.
//! - `consensus_round`: no voting (rule 2) and the explicit consensus round (rule 3).
//! - `reservations`: reservations and opt-outs never block (rule 5); `Decision::explain`.
//! - `lifecycle`: draft, amend, circulate, extend, curtail, withdraw; final proposals never change.
//! - `authorisation`: who may do what (DESIGN.md, "Who uses it").
//! - `rounds`: a blocked proposal back in negotiation and its new round; the minimum silence
//!   and its logged urgency.
//! - `instructions`: a delegation awaiting instructions, which is not a position.
//! - `notices`: who is told what and when; the reminder ladder's laws as properties.
//! - `replay`: the log is the database; altered logs fail to apply.
//! - `properties`: the consensus rules that are laws, as proptest properties.
//! - `signatures`: the log's creation, member keys, and signed positions (issue: the verifiable record).
//! - `sequences`: random command sequences; decide and apply agree, replay equals live state.
//! - `support_policy`: support coordination, rules 6–15 (funds, channels, decisions, statuses,
//!   deliveries and corrections, money, coalitions, requests) and who may do what.
//! - `support_properties`: random support command sequences: statuses never move backward,
//!   deliveries never exceed pledges without a correction, replay equals live state.
//! - `support_import`: bulk pledge import, all or nothing, the refused row named.
//! - `support_reports`: the reports (rules 10, 11, 12, 14, 15): measures, conversion, the
//!   unknown month, shares over time, burden share, request gaps; totals add up.

pub(crate) mod fixtures;
mod support_fixtures;

mod access;
mod authorisation;
mod bodies;
mod chairs;
mod consensus_round;
mod follows;
mod instructions;
mod lifecycle;
mod membership;
mod notices;
mod partners;
mod properties;
mod proxies;
mod publication;
mod replay;
mod reservations;
mod rounds;
mod sequences;
mod signatures;
mod silence;
mod support_gdp;
mod support_import;
mod support_index;
mod support_policy;
mod support_properties;
mod support_reports;
mod support_zero;
mod votes;
