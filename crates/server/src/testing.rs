//! Test support: the in-memory store that injects faults (`concord_store::memory`), as Sunlight
//! tests its sequencer, and an app on it.

pub use concord_store::memory::{Fault, MemoryStore};

use std::sync::Arc;

use concord_core::{Actor, Command, CountryCode, DecisionKind, Member, Procedure, ProposalId};
use jiff::Timestamp;

use crate::App;
use crate::clock::TokioClock;
use crate::sequencer::SequencerHandle;

/// The test log's identity: its key, and positions accepted unsigned (these tests are about
/// procedures; signed positions have their own).
pub fn log_key() -> crate::LogIdentity {
    let key = concord_ledger::keys::Signer::from_seed("test.concord.example/log", [7; 32]).expect("a valid key name");
    crate::LogIdentity { key, unsigned_positions: true, min_silence: None, witnesses: Vec::new(), snapshots: None }
}

/// A fixed start for tests.
pub const T0: &str = "2024-02-27T09:00:00Z";

pub fn t(s: &str) -> Timestamp {
    s.parse().expect("test timestamps are valid")
}

pub fn code(s: &str) -> CountryCode {
    CountryCode::parse(s).expect("test codes are valid")
}

/// Members of the test alliance.
pub const MEMBERS: [&str; 3] = ["DEU", "FRA", "USA"];

/// An app on a memory store and a tokio-driven clock at [`T0`], with three members.
pub async fn app(store: Arc<MemoryStore>) -> App {
    let app = App::start(store, Arc::new(TokioClock::starting_at(t(T0))), log_key()).await.expect("an empty log loads");
    for (i, c) in MEMBERS.iter().enumerate() {
        let member = Member {
            code: code(c),
            alpha2: c[..2].to_owned(),
            numeric: format!("{:03}", i + 1),
            name: (*c).to_owned(),
            accession: "1949-08-24".parse().expect("valid date"),
            departure: None,
        };
        submit(app.state.sequencer(), Actor::Secretariat, Command::AdmitMember { member }).await;
    }
    app
}

/// Submits a command that must be accepted.
pub async fn submit(seq: &SequencerHandle, actor: Actor, command: Command) {
    if let Err(e) = seq.submit(actor, None, command.clone(), None).await {
        panic!("{command:?} failed: {e}");
    }
}

/// Drafts and circulates a statement under silence with the given deadline; returns its id.
pub async fn silence(seq: &SequencerHandle, id: u64, deadline: Timestamp) -> ProposalId {
    let draft = Command::DraftProposal {
        body: None,
        follows: None,
        kind: DecisionKind::Statement,
        significance: None,
        title: format!("Statement {id}"),
        text: "There are no plans for combat troops on the ground.".into(),
    };
    submit(seq, Actor::Secretariat, draft).await;
    let p = ProposalId(id);
    submit(
        seq,
        Actor::Secretariat,
        Command::Circulate { proposal: p, procedure: Procedure::Silence, deadline, marking: None, urgent: None },
    )
    .await;
    p
}
