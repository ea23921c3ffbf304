//! The alliance's state, and `apply`: the fold of the log.
//!
//! `apply` re-checks what an event claims against the same rules `decide` used (`rules.rs`), so
//! replaying a log that was altered — a position from a non-elector, a decision that the
//! positions do not give — fails with the event's own error rather than producing a state no
//! command could have produced.

mod support;

use imbl::OrdMap;
use std::sync::Arc;

use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::decision::evaluate;
use crate::rules;
use crate::signature::Checked;
use crate::support::{Records, Support};
use crate::{
    Circulation, CountryCode, Decision, DecisionKind, Event, Member, Partner, Position, Procedure, Proposal,
    ProposalId, ProposalStatus, Refusal, Revision, Significance, Withdrawal,
};

/// What the log's first entry says about the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogSettings {
    /// The log's origin: its checkpoints' first line, and the prefix of member key names.
    pub origin: String,
    /// The log's verifier key.
    pub log_key: String,
    /// Whether member positions may be recorded without the member's signature.
    pub unsigned_positions: bool,
    /// The shortest silence allowed without a stated urgency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_silence: Option<jiff::SignedDuration>,
}

/// A member delegation's key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "MemberKeyRecord")]
pub struct MemberKey {
    /// The signed-note verifier key, `<origin>/member/<code>+<key id>+<base64>`.
    pub key: String,
    /// Its 8-hex-digit key id.
    pub key_id: String,
    pub valid_from: Timestamp,
    pub valid_until: Option<Timestamp>,
    pub revoked_at: Option<Timestamp>,
    /// The parsed key, kept so that each signature check does not parse (and re-check the
    /// curve point of) the key again: that check costs more than the signature itself.
    #[serde(skip)]
    pub(crate) verifier: Option<concord_ledger::keys::Verifier>,
}

/// What a [`MemberKey`] is read back from: everything but the parsed key, parsed again.
#[derive(Deserialize)]
struct MemberKeyRecord {
    key: String,
    key_id: String,
    valid_from: Timestamp,
    valid_until: Option<Timestamp>,
    revoked_at: Option<Timestamp>,
}

impl From<MemberKeyRecord> for MemberKey {
    fn from(r: MemberKeyRecord) -> Self {
        let verifier = concord_ledger::keys::Verifier::parse(&r.key).ok();
        Self {
            key: r.key,
            key_id: r.key_id,
            valid_from: r.valid_from,
            valid_until: r.valid_until,
            revoked_at: r.revoked_at,
            verifier,
        }
    }
}

impl MemberKey {
    /// Whether the key may sign at `t`.
    #[must_use]
    pub fn valid_at(&self, t: Timestamp) -> bool {
        self.valid_from <= t && self.valid_until.is_none_or(|u| t < u) && self.revoked_at.is_none_or(|r| t < r)
    }
}

/// Everything the alliance knows, folded from the log. Its serde form is what a server's
/// snapshot of the fold holds (never the log's format: the log holds events).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct State {
    /// Set by the log's first entry (logs written before it existed have none).
    pub log: Option<LogSettings>,
    /// Member delegations' keys, oldest first.
    pub keys: OrdMap<CountryCode, Vec<MemberKey>>,
    pub members: OrdMap<CountryCode, Member>,
    pub partners: OrdMap<CountryCode, Partner>,
    pub proposals: Records<ProposalId, Proposal>,
    /// The bodies established, by id; none: every proposal is the principal body's.
    #[serde(default, skip_serializing_if = "OrdMap::is_empty")]
    pub bodies: OrdMap<crate::BodyId, crate::Body>,
    /// Population figures by the year they apply to: the weights of the rules that count people.
    #[serde(default, skip_serializing_if = "OrdMap::is_empty")]
    pub populations: OrdMap<i16, crate::decision_rule::Populations>,
    /// Who chairs which body from when, in the order appointed.
    #[serde(default, skip_serializing_if = "imbl::Vector::is_empty")]
    pub chairs: imbl::Vector<crate::ChairTerm>,
    /// Authorisations to act for another member, by body, in the order given.
    #[serde(default, skip_serializing_if = "OrdMap::is_empty")]
    pub proxies: OrdMap<crate::BodyId, Vec<crate::Proxy>>,
    /// Requests, pledges, deliveries, coalitions, funds, donor states and exchange rates.
    #[serde(default)]
    pub support: Support,
    /// Entries the secretariat published, by place in the log: who may read each now.
    #[serde(default)]
    pub released: OrdMap<u64, crate::Marking>,
}

/// An event that cannot follow the state it is applied to: the log is corrupt or was altered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApplyError {
    #[error("{event} breaks a rule: {refusal}")]
    Refused { event: &'static str, refusal: Refusal },
    #[error("{event} does not follow: {reason}")]
    Inconsistent { event: &'static str, reason: String },
    #[error("the recorded decision on proposal {proposal} differs from the one its positions give")]
    OutcomeMismatch { proposal: ProposalId, recorded: Box<Decision>, recomputed: Option<Box<Decision>> },
}

impl State {
    /// An empty alliance.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// The members on `day`, in code order.
    pub fn members_on(&self, day: Date) -> impl Iterator<Item = &Member> {
        self.members.values().filter(move |m| m.is_member_on(day))
    }

    /// Who may read entry `entry`, recorded with the marking `was`: the widest audience the
    /// secretariat published it to since, or `was`.
    #[must_use]
    pub fn released(&self, entry: u64, was: crate::Marking) -> crate::Marking {
        self.released.get(&entry).copied().unwrap_or(was)
    }

    /// The id the next drafted proposal gets.
    #[must_use]
    pub fn next_proposal_id(&self) -> ProposalId {
        ProposalId(self.proposals.keys().next_back().map_or(1, |p| p.0 + 1))
    }

    /// Folds a `proposal_drafted` entry whose sealed part is withheld from this reader: a member
    /// replaying the log while the secretariat still holds a draft (`State::may_read`). The draft
    /// takes the next proposal number, as the real one did, so that every later proposal keeps
    /// its own; its text stays unknown. Nothing can refer to it while it is a draft (circulating
    /// or withdrawing it releases it), so the rest of the log replays as it would with it.
    ///
    /// So does a proposal of a body the reader does not sit in (`body`), which it does not
    /// replay at all: the placeholder keeps the body, so that its later entries are known as
    /// that body's business ([`State::scope`]).
    pub fn hold_withheld_draft(&mut self, at: Timestamp, body: Option<crate::BodyId>) {
        let id = self.next_proposal_id();
        let revision = Revision {
            number: 1,
            title: String::new(),
            text: String::new(),
            text_hash: String::new(),
            at,
            circulated: false,
        };
        let mut held = Proposal::draft(id, DecisionKind::Routine, Significance::Routine, revision);
        held.body = body;
        self.proposals.insert(id, Arc::new(held));
    }

    /// Open proposals with their deadlines: what the scheduler must close.
    pub fn deadlines(&self) -> impl Iterator<Item = (ProposalId, Timestamp)> + '_ {
        self.proposals
            .values()
            .filter(|p| p.status.is_open())
            .filter_map(|p| p.circulation.as_ref().map(|c| (p.id, c.deadline)))
    }

    pub(crate) fn proposal(&self, id: ProposalId) -> Result<&Proposal, Refusal> {
        self.proposals.get(&id).map(|p| &**p).ok_or(Refusal::UnknownProposal { proposal: id })
    }

    /// Folds one event into the state. On error the state is unchanged.
    pub fn apply(&mut self, event: &Event) -> Result<(), ApplyError> {
        self.apply_checking(event, Checked::No)
    }

    /// [`State::apply`] for an event `decide` has just produced from this very state: a signed
    /// position's signature is not verified again. Only [`crate::decide_and_apply`] calls it.
    pub(crate) fn apply_decided(&mut self, event: &Event) -> Result<(), ApplyError> {
        self.apply_checking(event, Checked::Here)
    }

    fn apply_checking(&mut self, event: &Event, signature: Checked<'_>) -> Result<(), ApplyError> {
        let name = event.name();
        let refused = |refusal| ApplyError::Refused { event: name, refusal };
        let inconsistent = |reason: String| ApplyError::Inconsistent { event: name, reason };
        match event {
            Event::LogCreated { origin, log_key, unsigned_positions, min_silence } => {
                rules::check_log(self, origin, log_key).map_err(refused)?;
                rules::check_min_silence(*min_silence).map_err(refused)?;
                self.log = Some(LogSettings {
                    origin: origin.clone(),
                    log_key: log_key.clone(),
                    unsigned_positions: *unsigned_positions,
                    min_silence: *min_silence,
                });
            }
            Event::MemberKeyRegistered { member, key, valid_from, valid_until } => {
                let key_id = rules::check_member_key(self, *member, key, *valid_from, *valid_until).map_err(refused)?;
                self.keys.entry(*member).or_default().push(MemberKey {
                    key: key.clone(),
                    key_id,
                    valid_from: *valid_from,
                    valid_until: *valid_until,
                    revoked_at: None,
                    verifier: concord_ledger::keys::Verifier::parse(key).ok(),
                });
            }
            Event::MemberKeyRevoked { member, key_id, at } => {
                rules::check_revocation(self, *member, key_id).map_err(refused)?;
                if let Some(k) = self.keys.get_mut(member).and_then(|ks| ks.iter_mut().find(|k| &k.key_id == key_id)) {
                    k.revoked_at = Some(*at);
                }
            }
            Event::MemberAdmitted { member } => {
                rules::check_admission(self, member).map_err(refused)?;
                self.members.insert(member.code, member.clone());
            }
            Event::MemberDeparted { member, on } => {
                rules::check_departure(self, *member, *on).map_err(refused)?;
                if let Some(m) = self.members.get_mut(member) {
                    m.departure = Some(*on);
                }
            }
            Event::PartnerRegistered { partner } => {
                rules::check_partner(self, partner).map_err(refused)?;
                self.partners.insert(partner.code, partner.clone());
            }
            Event::BodyEstablished { body } => {
                crate::body::check_body(self, body).map_err(refused)?;
                self.bodies.insert(body.id.clone(), body.clone());
            }
            Event::RuleChanged { body, version, rule, reason, at } => {
                let next = crate::body::check_rule_change(self, body, rule, reason, *at).map_err(refused)?;
                if *version != next {
                    return Err(inconsistent(format!("rule version {version} is not the next, {next}")));
                }
                let b = self.bodies.get_mut(body).expect("checked above");
                b.rule = rule.clone();
                b.rule_version = *version;
            }
            Event::ChairAppointed { body, chair, from, at } => {
                let term = crate::ChairTerm { body: body.clone(), chair: *chair, from: *from };
                crate::chair::check_appointment(self, &term, *at).map_err(refused)?;
                self.chairs.push_back(term);
            }
            Event::ProxyAuthorised { body, proxy, at } => {
                crate::proxy::check_proxy(self, body, proxy, *at).map_err(refused)?;
                self.proxies.entry(body.clone()).or_default().push(proxy.clone());
            }
            Event::ProxyEnded { body, member, at } => {
                crate::proxy::check_end(self, body, *member, *at).map_err(refused)?;
                crate::proxy::end(self, body, *member, *at);
            }
            Event::PopulationsRecorded { populations, .. } => {
                crate::body::check_populations(self, populations).map_err(refused)?;
                self.populations.insert(populations.year, populations.clone());
            }
            Event::ProposalDrafted { proposal, body, follows, kind, significance, title, text, text_hash, at } => {
                if *proposal != self.next_proposal_id() {
                    return Err(inconsistent(format!("proposal {proposal} is not the next number")));
                }
                rules::check_draft(*kind, *significance, title, text).map_err(refused)?;
                crate::body::check_body_decides(self, body.as_ref(), *kind).map_err(refused)?;
                if let Some(prior) = follows {
                    crate::follows::check_follows(self, body.as_ref(), *prior).map_err(refused)?;
                }
                check_hash(text, text_hash).map_err(inconsistent)?;
                let revision = Revision {
                    number: 1,
                    title: title.clone(),
                    text: text.clone(),
                    text_hash: text_hash.clone(),
                    at: *at,
                    circulated: false,
                };
                let mut p = Proposal::draft(*proposal, *kind, *significance, revision);
                p.body = body.clone();
                p.follows = *follows;
                self.proposals.insert(*proposal, Arc::new(p));
            }
            Event::ProposalAmended { proposal, revision, title, text, text_hash, at } => {
                let p = self.proposal(*proposal).map_err(refused)?;
                rules::check_amendable(p, *at).map_err(refused)?;
                check_undecided(p, *at).map_err(inconsistent)?;
                if *revision != p.current().number + 1 {
                    return Err(inconsistent(format!("revision {revision} does not follow {}", p.current().number)));
                }
                rules::check_text("title", title, crate::refusal::MAX_TITLE).map_err(refused)?;
                rules::check_text("text", text, crate::refusal::MAX_TEXT).map_err(refused)?;
                check_hash(text, text_hash).map_err(inconsistent)?;
                let p = Arc::make_mut(self.proposals.get_mut(proposal).expect("checked above"));
                p.revisions.push(Revision {
                    number: *revision,
                    title: title.clone(),
                    text: text.clone(),
                    text_hash: text_hash.clone(),
                    at: *at,
                    circulated: false,
                });
                // Positions are bound to a text; a new text needs new positions. The old ones are
                // kept aside, so that a delegation can be told its position lapsed.
                let lapsed = std::mem::take(&mut p.positions);
                p.superseded.extend(lapsed);
            }
            Event::ProposalCirculated {
                proposal,
                revision,
                procedure,
                deadline,
                electorate,
                at,
                marking,
                urgent,
                rule,
            } => {
                let p = self.proposal(*proposal).map_err(refused)?;
                // A recirculation, or a new round, goes to the audience the first circulation
                // chose.
                let audience = if p.status == ProposalStatus::Draft {
                    let checked = rules::check_circulation_marking(self, *marking).map_err(refused)?;
                    if checked != *marking {
                        return Err(inconsistent("the members are spelled as no marking".into()));
                    }
                    checked
                } else if *marking != p.audience {
                    return Err(inconsistent("a recirculation may not change the audience".into()));
                } else {
                    p.audience
                };
                if *revision != p.current().number {
                    return Err(inconsistent(format!("revision {revision} is not the current one")));
                }
                rules::check_circulation(p, *procedure, *deadline, *at).map_err(refused)?;
                // As `decide` does: a procedure opening (an amended text circulated again in an
                // open one rests on the decision its opening did).
                if p.status.awaits_circulation() {
                    crate::follows::check_prior_adopted(self, p, audience).map_err(refused)?;
                }
                let needed = rules::check_silence_period(self, *procedure, *at, *deadline, urgent.as_deref())
                    .map_err(refused)?;
                if needed != *urgent {
                    return Err(inconsistent(
                        "an urgency is recorded, trimmed, exactly when the silence is under the minimum".into(),
                    ));
                }
                // An amended text goes out again under the procedure it was opened with.
                if p.circulation.as_ref().is_some_and(|c| c.procedure != *procedure) {
                    return Err(inconsistent("a recirculation may not change the procedure".into()));
                }
                let opened_at = p.circulation.as_ref().map_or(*at, |c| c.opened_at);
                let changes = p.circulation.as_ref().map_or(0, |c| c.changes + 1);
                let (expected, expected_rule) = match &p.circulation {
                    Some(c) => (c.electorate.clone(), c.rule.clone()),
                    None => (
                        self.roster(p.body.as_ref(), *at).map_err(refused)?,
                        self.rule_in_force(p.body.as_ref(), *at).map_err(refused)?,
                    ),
                };
                if *electorate != expected {
                    return Err(inconsistent(
                        "the electorate is not the body's roster on the day of first circulation".into(),
                    ));
                }
                if *rule != expected_rule {
                    return Err(inconsistent("the rule is not the body's rule when the procedure opened".into()));
                }
                crate::body::check_body_uses(self, p.body.as_ref(), *procedure).map_err(refused)?;
                crate::body::check_electorate(electorate, rule.as_ref(), *at).map_err(refused)?;
                let p = Arc::make_mut(self.proposals.get_mut(proposal).expect("checked above"));
                p.status = match procedure {
                    Procedure::Silence => ProposalStatus::UnderSilence,
                    Procedure::ConsensusRound => ProposalStatus::ConsensusRound,
                    Procedure::Vote => ProposalStatus::Voting,
                };
                p.audience = audience;
                if let Some(r) = p.revisions.last_mut() {
                    r.circulated = true;
                }
                p.circulation = Some(Circulation {
                    procedure: *procedure,
                    revision: *revision,
                    opened_at,
                    circulated_at: *at,
                    deadline: *deadline,
                    electorate: electorate.clone(),
                    urgent: urgent.clone(),
                    changes,
                    rule: rule.clone(),
                });
            }
            Event::DeadlineExtended { proposal, deadline, at } => {
                let p = self.proposal(*proposal).map_err(refused)?;
                rules::check_deadline_change(p, *deadline, *at, true).map_err(refused)?;
                check_undecided(p, *at).map_err(inconsistent)?;
                let p = Arc::make_mut(self.proposals.get_mut(proposal).expect("checked above"));
                if let Some(c) = p.circulation.as_mut() {
                    c.deadline = *deadline;
                    c.changes += 1;
                }
            }
            Event::DeadlineCurtailed { proposal, deadline, at, urgent } => {
                let p = self.proposal(*proposal).map_err(refused)?;
                rules::check_deadline_change(p, *deadline, *at, false).map_err(refused)?;
                check_undecided(p, *at).map_err(inconsistent)?;
                let needed = rules::check_curtailed_silence(self, p, *deadline, urgent.as_deref()).map_err(refused)?;
                if needed != *urgent {
                    return Err(inconsistent(
                        "an urgency is recorded, trimmed, exactly when the silence is under the minimum".into(),
                    ));
                }
                let p = Arc::make_mut(self.proposals.get_mut(proposal).expect("checked above"));
                if let Some(c) = p.circulation.as_mut() {
                    c.deadline = *deadline;
                    c.changes += 1;
                    if urgent.is_some() {
                        c.urgent = urgent.clone();
                    }
                }
            }
            Event::PositionTaken { proposal, member, revision, text_hash, stance, text, at, evidence, proxy } => {
                let p = self.proposal(*proposal).map_err(refused)?;
                let signed_at = rules::check_position(
                    self,
                    p,
                    rules::PositionClaim {
                        member: *member,
                        revision: *revision,
                        stance: *stance,
                        text: text.as_deref(),
                        evidence: evidence.as_deref(),
                        signature,
                        proxy: *proxy,
                    },
                    *at,
                )
                .map_err(refused)?;
                if *text_hash != p.current().text_hash {
                    return Err(inconsistent("the position quotes another text".into()));
                }
                check_undecided(p, *at).map_err(inconsistent)?;
                let p = Arc::make_mut(self.proposals.get_mut(proposal).expect("checked above"));
                p.awaiting.remove(member);
                p.positions.insert(
                    *member,
                    Position {
                        member: *member,
                        revision: *revision,
                        stance: *stance,
                        text: text.clone(),
                        at: *at,
                        signed: evidence.is_some(),
                        signed_at,
                        proxy: *proxy,
                    },
                );
            }
            Event::InstructionsAwaited { proposal, member, note, at } => {
                let p = self.proposal(*proposal).map_err(refused)?;
                if note.as_deref().is_some_and(|n| n.trim() != n || n.is_empty()) {
                    return Err(inconsistent("a note is recorded trimmed, and only when there is one".into()));
                }
                rules::check_awaiting(self, p, *member, note.as_deref(), *at).map_err(refused)?;
                check_undecided(p, *at).map_err(inconsistent)?;
                let p = Arc::make_mut(self.proposals.get_mut(proposal).expect("checked above"));
                p.awaiting.insert(*member, crate::Awaiting { at: *at, note: note.clone() });
            }
            Event::ProposalDecided { proposal, decision } => {
                let p = self.proposal(*proposal).map_err(refused)?;
                let recomputed = evaluate(p, decision.decided_at);
                if recomputed.as_ref() != Some(decision) {
                    return Err(ApplyError::OutcomeMismatch {
                        proposal: *proposal,
                        recorded: Box::new(decision.clone()),
                        recomputed: recomputed.map(Box::new),
                    });
                }
                let p = Arc::make_mut(self.proposals.get_mut(proposal).expect("checked above"));
                p.status = decision.outcome.into();
                p.decision = Some(decision.clone());
            }
            Event::ProposalWithdrawn { proposal, reason, at } => {
                let p = self.proposal(*proposal).map_err(refused)?;
                rules::check_withdrawable(p, *at).map_err(refused)?;
                check_undecided(p, *at).map_err(inconsistent)?;
                rules::check_text("reason", reason, crate::refusal::MAX_STATEMENT).map_err(refused)?;
                let p = Arc::make_mut(self.proposals.get_mut(proposal).expect("checked above"));
                p.status = ProposalStatus::Withdrawn;
                p.withdrawal = Some(Withdrawal { at: *at, reason: reason.clone() });
            }
            Event::ProposalReopened { proposal, reason, at: _ } => {
                let p = self.proposal(*proposal).map_err(refused)?;
                rules::check_reopenable(p).map_err(refused)?;
                rules::check_text("reason", reason, crate::refusal::MAX_STATEMENT).map_err(refused)?;
                let p = Arc::make_mut(self.proposals.get_mut(proposal).expect("checked above"));
                p.rounds.extend(p.decision.take());
                // The round's positions lapse with it: a delegation is told, when the next
                // round opens, that it must take a position again.
                let lapsed = std::mem::take(&mut p.positions);
                p.superseded.extend(lapsed);
                p.awaiting.clear();
                p.circulation = None;
                p.status = ProposalStatus::Negotiating;
                // A publication released that round's decision, not what is negotiated next.
                p.published = None;
            }
            Event::EntryPublished { entry, marking, revealed, .. } => {
                rules::check_publication(self, *entry, *marking, revealed).map_err(refused)?;
                self.released.insert(*entry, *marking);
                // Only the proposal's current decision opens it wider; publishing an earlier
                // round's decision releases that entry alone.
                if let Event::ProposalDecided { proposal, decision } = &revealed.content.event {
                    if let Some(p) = self.proposals.get_mut(proposal).filter(|p| p.decision.as_ref() == Some(decision))
                    {
                        Arc::make_mut(p).published = Some(*marking);
                    }
                }
            }
            Event::DonorStateRegistered { .. }
            | Event::RequestFiled { .. }
            | Event::RequestWithdrawn { .. }
            | Event::PledgeRecorded { .. }
            | Event::PledgeStatusChanged { .. }
            | Event::DeliveryRecorded { .. }
            | Event::ReceiptConfirmed { .. }
            | Event::CoalitionFormed { .. }
            | Event::CoalitionJoined { .. }
            | Event::FundCreated { .. }
            | Event::ExchangeRateRecorded { .. }
            | Event::GdpRecorded { .. } => return self.apply_support(event),
        }
        Ok(())
    }

    /// Folds a sequence of events, stopping at the first that does not follow.
    pub fn replay<'a>(events: impl IntoIterator<Item = &'a Event>) -> Result<Self, (usize, ApplyError)> {
        let mut state = Self::new();
        for (i, e) in events.into_iter().enumerate() {
            state.apply(e).map_err(|err| (i, err))?;
        }
        Ok(state)
    }
}

/// An open proposal whose positions already decide it must have that decision recorded next
/// (`decide` emits it with the position): nothing else may follow and hide it.
fn check_undecided(p: &Proposal, at: Timestamp) -> Result<(), String> {
    if evaluate(p, at).is_some() { Err(format!("proposal {} was already decided", p.id)) } else { Ok(()) }
}

fn check_hash(text: &str, claimed: &str) -> Result<(), String> {
    if crate::text_hash(text) == claimed { Ok(()) } else { Err("the text hash does not match the text".into()) }
}

impl From<crate::Outcome> for ProposalStatus {
    fn from(o: crate::Outcome) -> Self {
        match o {
            crate::Outcome::Adopted => Self::Adopted,
            crate::Outcome::AdoptedWithReservations => Self::AdoptedWithReservations,
            crate::Outcome::Blocked => Self::Blocked,
            crate::Outcome::NotAdopted => Self::NotAdopted,
        }
    }
}
