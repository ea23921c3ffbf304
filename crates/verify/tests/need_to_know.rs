//! Need to know among the members: a body's entries are for its members. Every envelope names
//! the body whose business it is; a member outside the body checks those entries (chain, tree,
//! any part it holds) without being owed their parts or replaying them, and replays the rest of
//! the log; a member inside is owed and replays them all; an envelope that names the wrong body
//! is caught by anyone who replays the entry.

mod common;

use common::{Writer, code, stored, t};
use concord_core::decision_rule::Rule;
use concord_core::{Actor, BodyId, Command, DecisionKind, Procedure, ProposalId, Reader, Roster, Stance};
use concord_ledger::keys::Signer;
use concord_log::Loaded;
use concord_store::StoredEntry;
use concord_verify::{LogVerifier, Owed, Report, VerifyError};

fn position(proposal: u64, member: &str, stance: Stance) -> Command {
    let text = (stance == Stance::Object).then(|| "We object.".to_owned());
    Command::TakePosition {
        proposal: ProposalId(proposal),
        member: code(member),
        revision: 1,
        stance,
        text,
        evidence: None,
    }
}

/// Three members; a group of all but Hungary adopts proposal 1 in a consensus round (an
/// announced statement: its decision is public); then the principal body's proposal 2, under
/// silence, is blocked by Hungary.
fn log() -> Writer {
    let mut w = Writer::new(
        8,
        &[("AUT", "AT", "040", "Austria"), ("HUN", "HU", "348", "Hungary"), ("SWE", "SE", "752", "Sweden")],
    );
    let group = BodyId::parse("group").expect("an id");
    let establish = Command::EstablishBody {
        id: group.clone(),
        name: "Group".into(),
        parent: None,
        roster: Roster::AllMembers { except: vec![code("HUN")] },
        kinds: Vec::new(),
        procedures: Vec::new(),
        rule: Rule::Consensus,
        proxies: false,
    };
    w.run(Actor::Secretariat, establish, "2024-02-20T09:00:00Z");
    for (body, title, procedure, day) in [
        (Some(group), "The group's text", Procedure::ConsensusRound, "21"),
        (None, "Everyone's text", Procedure::Silence, "22"),
    ] {
        let draft = Command::DraftProposal {
            body,
            follows: None,
            kind: DecisionKind::Statement,
            significance: None,
            title: title.into(),
            text: format!("{title}, in full."),
        };
        w.run(Actor::Secretariat, draft, &format!("2024-02-{day}T08:00:00Z"));
        let id = w.loaded.state.next_proposal_id().0 - 1;
        let circulate = Command::Circulate {
            proposal: ProposalId(id),
            procedure,
            deadline: t(&format!("2024-02-{day}T18:00:00Z")),
            marking: None,
            urgent: None,
        };
        w.run(Actor::Secretariat, circulate, &format!("2024-02-{day}T09:00:00Z"));
    }
    for m in ["AUT", "SWE"] {
        w.run(Actor::Member(code(m)), position(1, m, Stance::Concur), "2024-02-21T10:00:00Z");
    }
    w.run(Actor::Member(code("HUN")), position(2, "HUN", Stance::Object), "2024-02-22T10:00:00Z");
    w
}

fn verify(
    entries: &[StoredEntry],
    checkpoint: &[u8],
    key: &Signer,
    owed: Owed,
    delegation: Option<&str>,
) -> Result<Report, VerifyError> {
    let mut v = LogVerifier::new(common::options(owed, key, delegation.map(code)))?;
    v.feed(entries)?;
    v.finish(checkpoint)
}

/// The group's entries: its proposal's draft, circulation, two positions and decision.
const GROUPS: u64 = 5;

#[test]
fn a_member_outside_a_body_is_not_owed_its_entries_and_replays_the_rest() {
    let w = log();
    let state = w.loaded.state.clone();
    assert_eq!(state.proposals[&ProposalId(1)].status, concord_core::ProposalStatus::Adopted);
    assert_eq!(state.proposals[&ProposalId(2)].status, concord_core::ProposalStatus::Blocked);
    let loaded: Loaded = w.loaded.clone();
    let (all, checkpoint, key) = w.sealed();
    let group: Vec<u64> = all
        .iter()
        .filter(|e| concord_core::record::decode(&e.bytes).expect("an envelope").body.is_some())
        .map(|e| e.seq)
        .collect();
    assert_eq!(group.len() as u64, GROUPS, "every entry about the group's proposal names it");

    // Hungary is given of the group's business what the public is: the announced decision and
    // the text it adopted, not the circulation nor the positions.
    let mut hungary = all.clone();
    loaded.redact(Reader::Member(code("HUN")), &mut hungary);
    let withheld: Vec<u64> = hungary.iter().filter(|e| e.part.is_none()).map(|e| e.seq).collect();
    assert_eq!(withheld, group[1..4].to_vec(), "circulation and positions");
    let r = verify(&hungary, &checkpoint, &key, Owed::AllButDrafts, Some("HUN")).expect("Hungary verifies");
    assert_eq!((r.outside, r.withheld, r.replay_stopped_at), (GROUPS, 3, None));
    assert_eq!(r.replayed, all.len() as u64 - GROUPS);
    assert_eq!(r.decisions, 1, "the principal body's decision, recomputed");
    assert_eq!(r.proposals, 2, "the group's proposal keeps its number");
    assert_eq!(r.outside_proposals, std::collections::BTreeMap::from([("group".to_owned(), vec![1])]));
    // A member-cleared reader who names no delegation checks every body's entries the same way.
    let r = verify(&hungary, &checkpoint, &key, Owed::AllButDrafts, None).expect("verifies");
    assert_eq!(r.outside, GROUPS);

    // Austria sits in the group: it is owed those parts, and one held back is caught.
    let err = verify(&hungary, &checkpoint, &key, Owed::AllButDrafts, Some("AUT")).expect_err("owed to Austria");
    assert!(err.to_string().contains(&format!("entry {}: its sealed part is withheld", group[1])), "{err}");
    let mut austria = all.clone();
    loaded.redact(Reader::Member(code("AUT")), &mut austria);
    assert!(austria.iter().all(|e| e.part.is_some()));
    let r = verify(&austria, &checkpoint, &key, Owed::AllButDrafts, Some("AUT")).expect("Austria verifies");
    assert_eq!((r.outside, r.replayed, r.decisions), (0, all.len() as u64, 2));
}

/// `w`'s log with the envelopes of the entries `which` picks rewritten by `edit` (their parts
/// unchanged), re-chained from there and signed under a fresh checkpoint with the log's own key:
/// what an operator can do.
fn rewritten(
    w: Writer,
    which: impl Fn(&concord_core::record::LogRecord) -> bool,
    edit: impl Fn(&mut concord_core::record::Envelope),
) -> (Vec<StoredEntry>, Vec<u8>, Signer) {
    let mut out: Vec<concord_store::NewEntry> = Vec::new();
    for honest in w.entries {
        let envelope = concord_core::record::decode(&honest.bytes).expect("an envelope");
        let opened = concord_core::record::open(&envelope, &honest.part).expect("it opens");
        let mut envelope = envelope;
        envelope.prev = out.last().map_or_else(|| concord_core::record::genesis().to_hex(), |e| e.leaf_hash.to_hex());
        if which(&opened) {
            edit(&mut envelope);
        }
        let bytes = concord_ledger::canonical::to_vec(&envelope).expect("canonical");
        let leaf_hash = concord_ledger::leaf_hash(&bytes);
        out.push(concord_store::NewEntry { seq: honest.seq, bytes, leaf_hash, part: honest.part });
    }
    let mut fold = Loaded::empty();
    fold.size = out.len() as u64;
    let (_, checkpoint) = fold.seal(&out, &w.key).expect("sealed");
    (stored(out), checkpoint.note.into_bytes(), w.key)
}

fn of_proposal(id: u64) -> impl Fn(&concord_core::record::LogRecord) -> bool {
    move |r| r.event.proposal() == Some(ProposalId(id))
}

#[test]
fn an_envelope_that_names_the_wrong_body_is_caught() {
    let loaded = log().loaded.clone();
    let redacted_for = |entries: &[StoredEntry], who: &str| {
        let mut entries = entries.to_vec();
        loaded.redact(Reader::Member(code(who)), &mut entries);
        entries
    };
    // The operator files the principal body's proposal 2 under the group, to keep Hungary from
    // replaying it. Anyone who replays those entries sees it; so does Hungary, which holds them.
    let group = || Some(BodyId::parse("group").expect("an id"));
    let (entries, checkpoint, key) = rewritten(log(), of_proposal(2), |e| e.body = group());
    let err = verify(&entries, &checkpoint, &key, Owed::Every, None).expect_err("misfiled");
    assert!(err.to_string().contains("its envelope names the body group"), "{err}");
    let hungary = redacted_for(&entries, "HUN");
    let err = verify(&hungary, &checkpoint, &key, Owed::AllButDrafts, Some("HUN")).expect_err("held, and checked");
    assert!(err.to_string().contains("its envelope names the body group"), "{err}");
    // Filed under a body that does not exist, or as a kind no body has, it is refused unreplayed.
    let nowhere = || Some(BodyId::parse("nowhere").expect("an id"));
    let (entries, checkpoint, key) = rewritten(log(), of_proposal(2), |e| e.body = nowhere());
    let err = verify(&redacted_for(&entries, "HUN"), &checkpoint, &key, Owed::AllButDrafts, Some("HUN"))
        .expect_err("no such body");
    assert!(err.to_string().contains("the log never established a body nowhere"), "{err}");
    let members = |r: &concord_core::record::LogRecord| matches!(r.event, concord_core::Event::MemberAdmitted { .. });
    let (entries, checkpoint, key) = rewritten(log(), members, |e| e.body = group());
    let err = verify(&entries, &checkpoint, &key, Owed::AllButDrafts, None).expect_err("not a body's kind");
    assert!(err.to_string().contains("a member_admitted entry is never a body's business"), "{err}");
}

#[test]
fn a_v2_log_written_before_envelopes_named_bodies_still_replays() {
    let (entries, checkpoint, key) = rewritten(
        log(),
        |_| true,
        |e| {
            e.v = 2;
            e.body = None;
        },
    );
    let r = verify(&entries, &checkpoint, &key, Owed::Every, None).expect("a v2 log verifies");
    assert_eq!(r.replayed, entries.len() as u64);
    // A v3 entry must name its body, though.
    let (entries, checkpoint, key) = rewritten(log(), of_proposal(1), |e| e.body = None);
    let err = verify(&entries, &checkpoint, &key, Owed::Every, None).expect_err("unnamed");
    assert!(err.to_string().contains("but its event is group's business"), "{err}");
    // Nor may a body's entry be written as v2 among v3 ones, to name no body: a log never goes
    // back to an older format.
    let (entries, checkpoint, key) = rewritten(log(), of_proposal(1), |e| {
        e.v = 2;
        e.body = None;
    });
    let err = verify(&entries, &checkpoint, &key, Owed::Every, None).expect_err("went back to v2");
    assert!(err.to_string().contains("format v2 after a v3 entry"), "{err}");
}
