//! Delivers what is due in the outbox: mails (one per notice, or one digest per address) and
//! webhook calls, each recorded as delivered, to retry (with backoff), or failed.

use std::collections::BTreeMap;
use std::sync::Arc;

use concord_core::Reader;
use concord_core::notice::{Notice, What};
use concord_notify::email::{self, MailSettings, Mailer};
use concord_notify::webhook::{self, GIVE_UP_AFTER, Sender};
use concord_store::{Attempt, Channel, Contact, Message, StoreError};
use jiff::Timestamp;

use super::{MailConfig, MailTransport, NotifyConfig};
use crate::AppState;

/// Messages taken per pass.
const BATCH: u64 = 200;

/// How mail leaves, with what every mail shares.
#[derive(Debug)]
pub(super) struct Mail {
    mailer: Mailer,
    settings: MailSettings,
}

impl Mail {
    pub(super) fn new(config: &MailConfig, base_url: &str) -> Result<Self, String> {
        let from = config.from.parse().map_err(|e| format!("mail_from {:?} is not a mailbox: {e}", config.from))?;
        let mailer = match &config.transport {
            MailTransport::Smtp(url) => Mailer::from_url(url).map_err(|e| e.to_string())?,
            MailTransport::Folder(dir) => {
                std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
                Mailer::folder(dir)
            }
        };
        Ok(Self { mailer, settings: MailSettings { from, base_url: base_url.to_owned() } })
    }
}

pub(super) async fn run(
    state: AppState,
    config: Arc<NotifyConfig>,
    mail: Option<Mail>,
    wake: Arc<tokio::sync::Notify>,
) {
    let sender = match Sender::new() {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(error = %e, "cannot make the webhook client; webhooks are not delivered");
            return;
        }
    };
    loop {
        if let Err(e) = pass(&state, &config, mail.as_ref(), &sender).await {
            tracing::warn!(error = %e, "cannot deliver notices; trying again shortly");
        }
        tokio::select! {
            () = wake.notified() => {}
            () = tokio::time::sleep(config.poll) => {}
        }
    }
}

async fn pass(state: &AppState, config: &NotifyConfig, mail: Option<&Mail>, sender: &Sender) -> Result<(), StoreError> {
    let store = state.store();
    let now = state.clock().now();
    let due = store.due_messages(now, BATCH).await?;
    if due.is_empty() {
        return Ok(());
    }
    let contacts = store.contacts().await?;
    let view = state.view().await;
    let mut mails: BTreeMap<(String, String), Vec<Message>> = BTreeMap::new();
    let mut calls = Vec::new();
    for m in due {
        // Checked again when sent, not only when queued: a digest or a retry may come after the
        // delegation answered, the deadline passed, or the reader stopped being one.
        if let Some(why) = stale(&view.state, &m, now) {
            record(state, &m.id, Attempt::Failed { at: now, error: format!("not sent: {why}") }).await?;
            continue;
        }
        match m.channel {
            Channel::Email => mails.entry((m.recipient.to_string(), m.destination.clone())).or_default().push(m),
            Channel::Webhook => calls.push(m),
            // The web's messages are read in place; they are never due.
            Channel::Web => {}
        }
    }
    // Mail first: a slow webhook receiver must not hold back a delegation's deadline mail.
    for (_, batch) in mails {
        let Some(mail) = mail else {
            for m in &batch {
                record(state, &m.id, Attempt::Failed { at: now, error: "this server sends no mail".into() }).await?;
            }
            continue;
        };
        send_mail(state, mail, &contacts, batch).await?;
    }
    // The subscriptions are read once a pass, not once a call.
    let mut subscriptions = if calls.is_empty() { Vec::new() } else { store.subscriptions().await? };
    for m in calls {
        webhook_call(state, config, sender, &mut subscriptions, m).await?;
    }
    Ok(())
}

/// Why `m` should no longer go out, if it should not: its reader no longer reads as such (a
/// member that left), or the reminder it carries no longer applies.
fn stale(s: &concord_core::State, m: &Message, now: Timestamp) -> Option<&'static str> {
    let reader = super::reader_of(m.recipient);
    if s.cleared(reader) != reader {
        return Some("the reader is no longer a member");
    }
    let notice: Notice = serde_json::from_str(&m.body).ok()?;
    let open = |id| {
        s.proposals.get(&id).filter(|p| p.status.is_open() && p.circulation.as_ref().is_some_and(|c| now < c.deadline))
    };
    match notice.what {
        What::Reminder { proposal, .. } => match (open(proposal), reader) {
            // A partner taking part in a body is reminded as a delegation is.
            (Some(p), Reader::Member(c) | Reader::Partner(c)) if !p.positions.contains_key(&c) => None,
            _ => Some("the reminder no longer applies (a position was taken, or the procedure ended)"),
        },
        What::NoPositions { proposal, .. } => match open(proposal) {
            Some(p) if p.positions.is_empty() => None,
            _ => Some("a position was taken, or the procedure ended"),
        },
        _ => None,
    }
}

async fn record(state: &AppState, id: &str, attempt: Attempt) -> Result<(), StoreError> {
    state.store().record_attempt(id, &attempt).await.map(|_| ())
}

/// What a failed attempt becomes: a retry after the backoff (or the receiver's `Retry-After`),
/// or, after the last try or for an error no retry mends, a failure.
fn failed(m: &Message, now: Timestamp, error: String, retryable: bool, after: Option<jiff::SignedDuration>) -> Attempt {
    let tries = m.attempts + 1;
    let wait = after.unwrap_or_else(|| webhook::backoff(tries)).min(webhook::MAX_RETRY_AFTER);
    if let Some(next_attempt_at) = now.checked_add(wait).ok().filter(|_| retryable && tries < GIVE_UP_AFTER) {
        Attempt::Retry { at: now, error, next_attempt_at }
    } else {
        Attempt::Failed { at: now, error }
    }
}

/// One mail to one address: the notice alone, or all of them as a digest.
async fn send_mail(state: &AppState, mail: &Mail, contacts: &[Contact], batch: Vec<Message>) -> Result<(), StoreError> {
    let now = state.clock().now();
    let Some(first) = batch.first() else { return Ok(()) };
    let Some(contact) = contacts.iter().find(|c| c.recipient == first.recipient && c.email == first.destination) else {
        for m in &batch {
            record(state, &m.id, Attempt::Failed { at: now, error: "not sent: the contact was removed".into() })
                .await?;
        }
        return Ok(());
    };
    let zone_name = contact.time_zone.as_str();
    let zone = jiff::tz::TimeZone::get(zone_name).unwrap_or(jiff::tz::TimeZone::UTC);
    let notices: Vec<Notice> = batch.iter().filter_map(|m| serde_json::from_str(&m.body).ok()).collect();
    let to = match first.destination.parse() {
        Ok(to) => to,
        Err(e) => {
            for m in &batch {
                record(state, &m.id, Attempt::Failed { at: now, error: format!("not an address: {e}") }).await?;
            }
            return Ok(());
        }
    };
    let message = match notices.as_slice() {
        [one] => email::render(one, &to, &zone, zone_name, &mail.settings),
        many => email::render_digest(many, &to, &zone, zone_name, &mail.settings),
    };
    let sent = match message {
        Ok(message) => mail.mailer.send(message).await,
        Err(e) => Err(e),
    };
    for m in &batch {
        let attempt = match &sent {
            Ok(()) => Attempt::Delivered { at: now },
            Err(e) => failed(m, now, e.to_string(), e.retryable(), None),
        };
        record(state, &m.id, attempt).await?;
    }
    Ok(())
}

/// One webhook call, signed with its subscription's secret. A subscription that keeps failing is
/// disabled, and its owner told on the web.
async fn webhook_call(
    state: &AppState,
    config: &NotifyConfig,
    sender: &Sender,
    subscriptions: &mut [concord_store::Subscription],
    m: Message,
) -> Result<(), StoreError> {
    let store = state.store();
    let now = state.clock().now();
    let subscription = subscriptions.iter_mut().find(|s| s.id == m.destination);
    let Some(s) = subscription.filter(|s| s.disabled_at.is_none()) else {
        let error = "the subscription was removed or disabled".to_owned();
        return record(state, &m.id, Attempt::Failed { at: now, error }).await;
    };
    let body = match serde_json::from_str::<Notice>(&m.body) {
        Ok(n) => serde_json::to_vec(&webhook::payload(&n)).expect("JSON serialises"),
        Err(e) => return record(state, &m.id, Attempt::Failed { at: now, error: e.to_string() }).await,
    };
    let result = sender.deliver(&s.url, &s.secret, &m.id, now, &body).await;
    let attempt = match &result {
        Ok(()) => Attempt::Delivered { at: now },
        Err(e) => failed(&m, now, e.to_string(), e.retryable(), e.retry_after()),
    };
    record(state, &m.id, attempt).await?;
    let error = result.as_ref().err().map(ToString::to_string);
    // 410 Gone: the receiver says the endpoint is no more (Standard Webhooks): disabled at once.
    let gone = matches!(result, Err(webhook::WebhookError::Gone));
    let limit = if gone { 1 } else { config.disable_after };
    let after = store.record_subscription_result(&s.id, result.is_ok(), now, error.as_deref(), limit).await?;
    if let Some(after) = after {
        if after.disabled_at.is_some() && s.disabled_at.is_none() {
            tell_disabled(state, &after, now).await?;
        }
        // The pass's copy follows the store: a hook disabled now gets no more calls this pass.
        *s = after;
    }
    Ok(())
}

/// Tells a subscription's owner, in its web notices, that it was disabled and why.
async fn tell_disabled(state: &AppState, s: &concord_store::Subscription, now: Timestamp) -> Result<(), StoreError> {
    let summary = format!(
        "Your webhook {} ({}) was disabled after {} failed deliveries in a row ({}). Enable it again once it answers.",
        s.id,
        s.url,
        s.failures,
        s.disabled_reason.as_deref().unwrap_or("no reason recorded")
    );
    let body = super::WebMessage::Delivery {
        notice: super::DeliveryWord::WebhookDisabled,
        summary,
        subscription: s.id.clone(),
    }
    .body();
    let message = concord_store::NewMessage {
        id: format!("disabled-{}-{}/web", s.id, now.as_second()),
        channel: Channel::Web,
        recipient: s.recipient,
        destination: String::new(),
        body,
        created_at: now,
        not_before: now,
    };
    state.store().enqueue(None, &[message]).await.map(|_| ())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use concord_core::decision_rule::Rule;
    use concord_core::notice::Ladder;
    use concord_core::{
        Actor, BodyId, Command, CountryCode, DecisionKind, Member, Partner, Procedure, ProposalId, Roster, Stance,
        State, decide,
    };
    use concord_store::MessageState;

    fn run(s: &mut State, actor: Actor, command: Command, at: Timestamp) {
        for e in decide(s, actor, &command, at).unwrap() {
            s.apply(&e).unwrap();
        }
    }

    /// A partner taking part in a body is reminded by mail and webhook as a delegation is, until
    /// it takes its position.
    #[test]
    fn a_partner_s_reminder_goes_out_until_it_takes_its_position() {
        let at: Timestamp = "2026-01-05T09:00:00Z".parse().unwrap();
        let (fra, ukr) = (CountryCode::parse("FRA").unwrap(), CountryCode::parse("UKR").unwrap());
        let mut s = State::new();
        let member = Member {
            code: fra,
            alpha2: "FR".into(),
            numeric: "250".into(),
            name: "France".into(),
            accession: "1949-08-24".parse().unwrap(),
            departure: None,
        };
        run(&mut s, Actor::Secretariat, Command::AdmitMember { member }, at);
        run(
            &mut s,
            Actor::Secretariat,
            Command::RegisterPartner { partner: Partner { code: ukr, name: "Ukraine".into() } },
            at,
        );
        let nuc = BodyId::parse("nuc").unwrap();
        let establish = Command::EstablishBody {
            id: nuc.clone(),
            name: "NATO-Ukraine Council".into(),
            parent: None,
            roster: Roster::WithPartners { except: Vec::new(), partners: vec![ukr] },
            kinds: Vec::new(),
            procedures: Vec::new(),
            rule: Rule::Consensus,
            proxies: false,
        };
        run(&mut s, Actor::Secretariat, establish, at);
        let draft = Command::DraftProposal {
            body: Some(nuc),
            follows: None,
            kind: DecisionKind::Statement,
            significance: None,
            title: "Air defence".into(),
            text: "The council agrees.".into(),
        };
        run(&mut s, Actor::Secretariat, draft, at);
        let deadline = at.checked_add(jiff::SignedDuration::from_hours(72)).unwrap();
        let circulate = Command::Circulate {
            proposal: ProposalId(1),
            procedure: Procedure::ConsensusRound,
            deadline,
            marking: None,
            urgent: None,
        };
        run(&mut s, Actor::Secretariat, circulate, at);

        let now = deadline.checked_sub(jiff::SignedDuration::from_hours(1)).unwrap();
        let notices = concord_core::notice::due(&s, now, &Ladder::default());
        let notice = notices.into_iter().find(|n| n.to == Reader::Partner(ukr)).expect("Ukraine is reminded");
        let message = Message {
            id: notice.id.clone(),
            channel: Channel::Email,
            recipient: Actor::Partner(ukr),
            destination: "ukr@example.org".into(),
            body: serde_json::to_string(&notice).unwrap(),
            created_at: now,
            attempts: 0,
            next_attempt_at: now,
            state: MessageState::Pending,
            last_error: None,
            delivered_at: None,
        };
        assert_eq!(stale(&s, &message, now), None, "the reminder goes out");
        let position = Command::TakePosition {
            proposal: ProposalId(1),
            member: ukr,
            revision: 1,
            stance: Stance::Concur,
            text: None,
            evidence: None,
        };
        run(&mut s, Actor::Partner(ukr), position, now);
        assert!(stale(&s, &message, now).is_some(), "a position taken ends it");
    }
}
