//! Verification per audience on a log built through the same fold the server runs: a member
//! replays everything, past a draft the secretariat still holds; the public checks envelopes,
//! chain, tree and the parts released to it; a part held back from a member is caught.

mod common;

use concord_core::{Actor, Command, CountryCode, DecisionKind, Member, Procedure, ProposalId, Reader};
use concord_ledger::keys::Signer;
use concord_log::{Loaded, Touched};
use concord_store::StoredEntry;
use concord_verify::{LogVerifier, Owed, VerifyError};
use jiff::Timestamp;
use rand::SeedableRng;

const ORIGIN: &str = "test.concord.example/log";

fn t(s: &str) -> Timestamp {
    s.parse().expect("a time")
}

/// A log with two members, an adopted-to-be programme circulated, a member's position, and a
/// draft the secretariat still holds between them; its fold and its signed checkpoint.
fn log() -> (Vec<StoredEntry>, Loaded, Vec<u8>, Signer) {
    let key = Signer::from_seed(ORIGIN, [5; 32]).expect("a key");
    let mut salts = rand::rngs::StdRng::seed_from_u64(14);
    let mut loaded = Loaded::empty();
    let mut entries = Vec::new();
    let mut touched = Touched::default();
    let mut run = |loaded: &mut Loaded, actor: Actor, command: Command, at: &str| {
        loaded.sequence(actor, None, &command, None, t(at), &mut salts, &mut entries, &mut touched).expect("accepted");
    };
    let create = Command::CreateLog {
        origin: ORIGIN.into(),
        log_key: key.verifier().to_string(),
        unsigned_positions: true,
        min_silence: None,
    };
    run(&mut loaded, Actor::Secretariat, create, "2024-02-20T08:00:00Z");
    for (code, a2, num, name) in [("FRA", "FR", "250", "France"), ("DEU", "DE", "276", "Germany")] {
        let member = Member {
            code: CountryCode::parse(code).expect("a code"),
            alpha2: a2.into(),
            numeric: num.into(),
            name: name.into(),
            accession: "1949-08-24".parse().expect("a date"),
            departure: None,
        };
        run(&mut loaded, Actor::Secretariat, Command::AdmitMember { member }, "2024-02-20T08:00:00Z");
    }
    let draft = |title: &str| Command::DraftProposal {
        body: None,
        follows: None,
        kind: DecisionKind::AssistanceProgramme,
        significance: None,
        title: title.into(),
        text: format!("{title}: the text."),
    };
    run(&mut loaded, Actor::Secretariat, draft("Held by the secretariat"), "2024-02-21T08:00:00Z");
    run(&mut loaded, Actor::Secretariat, draft("Winter equipment"), "2024-02-21T09:00:00Z");
    let circulate = Command::Circulate {
        proposal: ProposalId(2),
        procedure: Procedure::Silence,
        deadline: t("2024-02-23T12:00:00Z"),
        marking: None,
        urgent: None,
    };
    run(&mut loaded, Actor::Secretariat, circulate, "2024-02-21T09:00:00Z");
    let fra = CountryCode::parse("FRA").expect("a code");
    let concur = Command::TakePosition {
        proposal: ProposalId(2),
        member: fra,
        revision: 1,
        stance: concord_core::Stance::Concur,
        text: None,
        evidence: None,
    };
    run(&mut loaded, Actor::Member(fra), concur, "2024-02-22T09:00:00Z");
    let (_, checkpoint) = loaded.seal(&entries, &key).expect("sealed");
    let stored = entries
        .into_iter()
        .map(|e| StoredEntry { seq: e.seq, bytes: e.bytes, leaf_hash: e.leaf_hash, part: Some(e.part) })
        .collect();
    (stored, loaded, checkpoint.note.into_bytes(), key)
}

/// Verifies `entries` as `owed` says, looking up the entries publications name among them, as a
/// source would.
fn verify(
    entries: &[StoredEntry],
    checkpoint: &[u8],
    key: &Signer,
    owed: Owed,
) -> Result<concord_verify::Report, VerifyError> {
    let options = common::options(owed, key, None);
    let mut v = LogVerifier::new(options)?;
    v.feed(entries)?;
    let named: Vec<StoredEntry> =
        v.unsettled().iter().map(|n| entries[usize::try_from(*n).expect("an index")].clone()).collect();
    v.settle(&named)?;
    v.finish(checkpoint)
}

#[test]
fn a_member_replays_past_a_draft_the_secretariat_holds() {
    let (mut entries, loaded, checkpoint, key) = log();
    loaded.redact(Reader::Member(CountryCode::parse("DEU").expect("a code")), &mut entries);
    assert_eq!(entries.iter().filter(|e| e.part.is_none()).count(), 1, "the held draft alone");
    let r = verify(&entries, &checkpoint, &key, Owed::AllButDrafts).expect("a member verifies");
    assert_eq!((r.withheld, r.withheld_drafts, r.replay_stopped_at), (1, 1, None));
    assert_eq!(r.replayed, entries.len() as u64 - 1);
    assert_eq!(r.proposals, 2, "the held draft keeps its number");
    // A reader owed every part (a database) does not pass it.
    let err = verify(&entries, &checkpoint, &key, Owed::Every).expect_err("a part is missing");
    assert!(err.to_string().contains("entry 3: its sealed part is withheld"), "{err}");
}

#[test]
fn a_part_held_back_from_a_member_is_caught() {
    let (mut entries, _, checkpoint, key) = log();
    let position = entries.len() - 1;
    entries[position].part = None;
    let err = verify(&entries, &checkpoint, &key, Owed::AllButDrafts).expect_err("held back");
    assert!(err.to_string().contains(&format!("entry {position}: its sealed part is withheld")), "{err}");
}

#[test]
fn the_public_checks_the_envelopes_and_the_parts_released_to_it() {
    let (mut entries, loaded, checkpoint, key) = log();
    loaded.redact(Reader::Public, &mut entries);
    let r = verify(&entries, &checkpoint, &key, Owed::WhatIsReleased).expect("the public verifies");
    // The roster (entries 0 to 2) is public; replay stops at the held draft.
    assert_eq!((r.replayed, r.replay_stopped_at), (3, Some(3)));
    assert_eq!(r.withheld, entries.len() as u64 - 3);
    // One changed byte of a released part fails, as does one of a withheld entry's envelope.
    let mut changed = entries.clone();
    changed[1].part.as_mut().expect("public")[40] ^= 1;
    assert!(verify(&changed, &checkpoint, &key, Owed::WhatIsReleased).is_err());
    let mut changed = entries;
    let last = changed.len() - 1;
    changed[last].bytes[10] ^= 1;
    changed[last].leaf_hash = concord_ledger::leaf_hash(&changed[last].bytes);
    assert!(verify(&changed, &checkpoint, &key, Owed::WhatIsReleased).is_err(), "the root no longer matches");
}

/// FRA's position (the last entry of [`log`]) as the secretariat's publication reveals it.
fn reveal(entries: &[StoredEntry]) -> concord_core::sealed::Revealed {
    let e = entries.last().expect("an entry");
    let envelope = concord_core::record::decode(&e.bytes).expect("an envelope");
    let part = e.part.as_deref().expect("the secretariat holds every part");
    let r = concord_core::record::open(&envelope, part).expect("it opens");
    concord_core::sealed::Revealed {
        was: envelope.marking,
        commitment: envelope.commitment,
        salt: hex::encode(&part[..concord_core::record::SALT_LEN]),
        content: concord_core::sealed::Sealed { actor: r.actor, account: r.account, event: r.event },
    }
}

/// The log of [`log`] with one more entry, `event` by the secretariat, appended as the server
/// would store it but without asking the domain (a forger's entry), and a checkpoint signed
/// over it.
fn append(event: concord_core::Event, marking: concord_core::Marking) -> (Vec<StoredEntry>, Vec<u8>, Signer) {
    let (mut entries, mut loaded, _, key) = log();
    let record = concord_core::record::LogRecord {
        seq: loaded.size,
        prev: loaded.last_hash.to_hex(),
        at: t("2024-02-22T10:00:00Z"),
        marking,
        body: None,
        actor: Actor::Secretariat,
        account: None,
        event,
    };
    let e = concord_core::record::encode(&record, [9; concord_core::record::SALT_LEN]).expect("encoded");
    loaded.size += 1;
    loaded.last_hash = e.leaf_hash;
    let (_, checkpoint) = loaded.seal(std::slice::from_ref(&e), &key).expect("sealed");
    entries.push(StoredEntry { seq: e.seq, bytes: e.bytes, leaf_hash: e.leaf_hash, part: Some(e.part) });
    (entries, checkpoint.note.into_bytes(), key)
}

#[test]
fn a_published_position_is_released_to_the_public_which_checks_it_against_its_commitment() {
    let (mut entries, mut loaded, _, key) = log();
    let position = entries.len() as u64 - 1;
    let publish = Command::Publish {
        entry: position,
        marking: concord_core::Marking::Public,
        revealed: Box::new(reveal(&entries)),
    };
    let mut salts = rand::rngs::StdRng::seed_from_u64(15);
    let mut new = Vec::new();
    loaded
        .sequence(
            Actor::Secretariat,
            Some("token:publisher"),
            &publish,
            None,
            t("2024-02-22T10:00:00Z"),
            &mut salts,
            &mut new,
            &mut Touched::default(),
        )
        .expect("the secretariat publishes");
    let (_, checkpoint) = loaded.seal(&new, &key).expect("sealed");
    let checkpoint = checkpoint.note.into_bytes();
    entries.extend(new.into_iter().map(|e| StoredEntry {
        seq: e.seq,
        bytes: e.bytes,
        leaf_hash: e.leaf_hash,
        part: Some(e.part),
    }));

    // Everyone owed every part replays it; the public now holds the position and the publication.
    let r = verify(&entries, &checkpoint, &key, Owed::Every).expect("the whole log verifies");
    assert_eq!(r.replayed, entries.len() as u64);
    let mut public = entries.clone();
    loaded.redact(Reader::Public, &mut public);
    let (last, position) = (public.len() - 1, usize::try_from(position).unwrap());
    assert!(public[position].part.is_some() && public[last].part.is_some(), "released");
    assert!(public[position - 1].part.is_none(), "the programme's circulation is not");
    verify(&public, &checkpoint, &key, Owed::WhatIsReleased).expect("the public verifies");
    // A source that never gives the published entry back leaves the publication unchecked.
    let options = common::options(Owed::Every, &key, None);
    let mut v = LogVerifier::new(options).expect("a verifier");
    v.feed(&entries).expect("fed");
    assert_eq!(v.unsettled(), [position as u64]);
    assert!(v.finish(&checkpoint).is_err());
}

#[test]
fn a_publication_whose_salt_or_content_was_changed_is_refused_on_replay_and_by_verify() {
    let (entries, _, _, _) = log();
    let position = entries.len() as u64 - 1;
    let honest = reveal(&entries);
    let published = |revealed: concord_core::sealed::Revealed| concord_core::Event::EntryPublished {
        entry: position,
        marking: concord_core::Marking::Public,
        revealed: Box::new(revealed),
        at: t("2024-02-22T10:00:00Z"),
    };
    // The salt changed, the commitment not: the reveal does not match what it names.
    let mut salt = honest.clone();
    salt.salt = hex::encode([1; concord_core::record::SALT_LEN]);
    // The content changed (another stance), and the commitment named recomputed to match it: the
    // reveal is consistent, but not with the entry's envelope.
    let mut content = honest.clone();
    if let concord_core::Event::PositionTaken { stance, .. } = &mut content.content.event {
        *stance = concord_core::Stance::Object;
    }
    let salt_bytes: [u8; 32] = hex::decode(&content.salt).unwrap().try_into().unwrap();
    let part = concord_core::sealed::seal(&salt_bytes, &content.content).unwrap();
    content.commitment = concord_core::sealed::commitment(&part).to_hex();
    for (what, forged) in [("salt", salt), ("content", content)] {
        let (entries, checkpoint, key) = append(published(forged), concord_core::Marking::Public);
        let seq = entries.len() - 1;
        for owed in [Owed::Every, Owed::WhatIsReleased] {
            let mut shown = entries.clone();
            if owed == Owed::WhatIsReleased {
                // What the public holds: the envelopes, the public parts and the publication.
                for e in &mut shown[3..seq] {
                    e.part = None;
                }
            }
            let err = verify(&shown, &checkpoint, &key, owed).expect_err(what);
            assert!(err.to_string().contains(&format!("entry {seq}")), "{what}, {owed:?}: {err}");
        }
    }
    // The honest reveal, appended the same way, verifies.
    let (entries, checkpoint, key) = append(published(honest), concord_core::Marking::Public);
    verify(&entries, &checkpoint, &key, Owed::Every).expect("an honest publication verifies");
}

/// A source that serves the published entry differently the second time — an envelope made up
/// to carry the forged commitment — is caught: the verifier compares it with the entry it walked.
#[test]
fn a_source_that_lies_when_the_published_entry_is_looked_up_is_caught() {
    let (entries, _, _, _) = log();
    let position = entries.len() - 1;
    let mut forged = reveal(&entries);
    if let concord_core::Event::PositionTaken { stance, .. } = &mut forged.content.event {
        *stance = concord_core::Stance::Object;
    }
    let salt: [u8; 32] = hex::decode(&forged.salt).expect("hex").try_into().expect("32 bytes");
    let part = concord_core::sealed::seal(&salt, &forged.content).expect("sealed");
    forged.commitment = concord_core::sealed::commitment(&part).to_hex();
    let event = concord_core::Event::EntryPublished {
        entry: position as u64,
        marking: concord_core::Marking::Public,
        revealed: Box::new(forged.clone()),
        at: t("2024-02-22T10:00:00Z"),
    };
    let (entries, checkpoint, key) = append(event, concord_core::Marking::Public);
    // The lie: entry `position` made up again, with the forged commitment.
    let mut envelope = concord_core::record::decode(&entries[position].bytes).expect("an envelope");
    envelope.commitment = forged.commitment.clone();
    let bytes = concord_ledger::canonical::to_vec(&envelope).expect("canonical");
    let lie =
        StoredEntry { seq: position as u64, leaf_hash: concord_ledger::leaf_hash(&bytes), bytes, part: Some(part) };
    for owed in [Owed::Every, Owed::WhatIsReleased] {
        let options = common::options(owed, &key, None);
        let mut v = LogVerifier::new(options).expect("a verifier");
        v.feed(&entries).expect("the chain itself is intact");
        assert_eq!(v.unsettled(), [position as u64]);
        let err = v.settle(std::slice::from_ref(&lie)).expect_err("the lie is caught");
        assert!(err.to_string().contains("not the one the log holds there"), "{owed:?}: {err}");
        assert!(v.finish(&checkpoint).is_err());
    }
}
