//! `concord body`: the bodies that decide, `/api/v1/bodies`: list, show, establish, and change
//! a body's rule. Proposals name their body with `concord proposal create --body`.

use anyhow::bail;
use concord_core::decision_rule::{Base, Bound, Ratio, Rule};
use concord_core::{Body, BodyId, Chair, ChairTerm, CountryCode, DecisionKind, Procedure, Proxy, Roster};
use serde::Deserialize;
use serde_json::json;

use super::flags::{code, codes};
use super::output::show;
use super::{Client, Conn};
use crate::terminal::outln;

#[derive(Debug, clap::Subcommand)]
pub enum BodyCmd {
    /// Lists the bodies, with who takes part and their rules.
    List {
        #[command(flatten)]
        conn: Conn,
    },
    /// Shows a body: its rule in words, its roster today.
    Show {
        id: String,
        #[command(flatten)]
        conn: Conn,
    },
    /// Establishes a body (secretariat).
    Establish {
        /// Lower-case letters, digits and hyphens: `npg`.
        id: String,
        #[arg(long)]
        name: String,
        /// Every member but these (alpha-3, repeat or comma-separate): the default roster.
        #[arg(long, value_delimiter = ',', conflicts_with = "members")]
        except: Vec<String>,
        /// Only these members (alpha-3, repeat or comma-separate).
        #[arg(long, value_delimiter = ',')]
        members: Vec<String>,
        /// Partners taking part beside every member (but --except) as equal participants, as
        /// Ukraine in the NATO-Ukraine Council (alpha-3, repeat or comma-separate).
        #[arg(long, value_delimiter = ',', conflicts_with = "members")]
        partners: Vec<String>,
        /// The body it reports to.
        #[arg(long)]
        parent: Option<String>,
        /// A kind it decides (repeatable; none: every kind).
        #[arg(long = "kind")]
        kinds: Vec<DecisionKind>,
        /// A procedure it decides by (repeatable; none: silence and consensus rounds).
        #[arg(long = "procedure")]
        procedures: Vec<Procedure>,
        #[command(flatten)]
        rule: RuleArgs,
        /// Its rules allow a member to act for one other (`concord body proxy`).
        #[arg(long)]
        proxies: bool,
        #[command(flatten)]
        conn: Conn,
    },
    /// Authorises a member to act for another in a body whose rules allow it (the member's own
    /// delegation only); `--end` ends the one running now.
    Proxy {
        id: String,
        /// The member authorising (alpha-3).
        #[arg(long)]
        member: String,
        /// The member that acts for it (alpha-3).
        #[arg(long, required_unless_present = "end")]
        proxy: Option<String>,
        /// From when (RFC 3339; default: now).
        #[arg(long)]
        from: Option<jiff::Timestamp>,
        /// Until when, not included (RFC 3339).
        #[arg(long, required_unless_present = "end")]
        until: Option<jiff::Timestamp>,
        /// Signs the authorisation here with the member's private key file (`concord keygen
        /// --member`), as a log that requires signed positions requires; the key never leaves
        /// this machine.
        #[arg(long, conflicts_with = "end")]
        key: Option<std::path::PathBuf>,
        /// Ends the member's authorisation running now instead.
        #[arg(long, conflicts_with_all = ["proxy", "from", "until"])]
        end: bool,
        #[command(flatten)]
        conn: Conn,
    },
    /// Appoints who chairs a body from a day (secretariat): `secretariat`, or a member sitting
    /// in it, as the Council of the EU's presidency; `concord body chair --list` lists them all.
    Chair {
        /// `secretariat`, or the member's alpha-3 code.
        #[arg(required_unless_present = "list")]
        chair: Option<String>,
        /// The body (default: the principal body).
        #[arg(long)]
        body: Option<String>,
        /// When it takes effect (RFC 3339; default: now).
        #[arg(long)]
        from: Option<jiff::Timestamp>,
        /// Lists every appointment instead.
        #[arg(long, conflicts_with_all = ["chair", "body", "from"])]
        list: bool,
        #[command(flatten)]
        conn: Conn,
    },
    /// Changes a body's rule from now on (secretariat); open procedures keep theirs.
    Rule {
        id: String,
        #[command(flatten)]
        rule: RuleArgs,
        /// Why, for the record.
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        conn: Conn,
    },
}

/// A body's decision rule. Consensus rules: consensus (the default), consensus-minus-one (with
/// --concerned), constructive-abstention (the EU's: it fails when the opt-outs are at least a
/// third of the members with a third of the population). Vote rules, for a body that decides by
/// `--procedure vote`: qualified-majority (the EU's 55 %, 15 states, 65 % of the population, a
/// blocking minority of 4), threshold (--needed, --veto), majority (--fraction, --of, --bound).
#[derive(Debug, clap::Args)]
pub struct RuleArgs {
    #[arg(long, default_value = "consensus")]
    rule: String,
    /// Under consensus minus one: the state concerned, whose objection does not block.
    #[arg(long)]
    concerned: Option<String>,
    /// Under a threshold: the yes votes needed.
    #[arg(long)]
    needed: Option<u32>,
    /// Under a threshold: the members whose "no" is a veto (alpha-3, repeat or comma-separate).
    #[arg(long, value_delimiter = ',')]
    veto: Vec<String>,
    /// Under a majority: the fraction, as `1/2` or `2/3` (default 1/2).
    #[arg(long, default_value = "1/2")]
    fraction: String,
    /// Under a majority: of the electorate (every elector) or of the votes cast (yes and no).
    #[arg(long, default_value = "electorate")]
    of: Base,
    /// Under a majority: more-than or at-least the fraction.
    #[arg(long, default_value = "more-than")]
    bound: Bound,
}

impl RuleArgs {
    fn rule(&self) -> anyhow::Result<Rule> {
        let kind = self.rule.replace('_', "-");
        if self.concerned.is_some() && kind != "consensus-minus-one" {
            bail!("--concerned goes with --rule consensus-minus-one");
        }
        if (self.needed.is_some() || !self.veto.is_empty()) && kind != "threshold" {
            bail!("--needed and --veto go with --rule threshold");
        }
        Ok(match kind.as_str() {
            "consensus" => Rule::Consensus,
            "consensus-minus-one" => match &self.concerned {
                Some(c) => Rule::ConsensusMinusOne { concerned: code("concerned", c)? },
                None => bail!("--rule consensus-minus-one needs --concerned <A3>"),
            },
            "constructive-abstention" => Rule::EU_CONSTRUCTIVE_ABSTENTION,
            "qualified-majority" => Rule::EU_QUALIFIED_MAJORITY,
            "threshold" => match self.needed {
                Some(needed) => {
                    Rule::Threshold { needed, veto_holders: codes("veto", &self.veto)?.into_iter().collect() }
                }
                None => bail!("--rule threshold needs --needed <N>"),
            },
            "majority" => Rule::Majority { fraction: fraction(&self.fraction)?, of: self.of, bound: self.bound },
            other => bail!(
                "--rule {other:?}: one of consensus, consensus-minus-one, constructive-abstention, qualified-majority, threshold, majority"
            ),
        })
    }
}

/// `2/3` as a ratio.
fn fraction(s: &str) -> anyhow::Result<Ratio> {
    let parsed = s.split_once('/').and_then(|(n, d)| Some(Ratio::new(n.trim().parse().ok()?, d.trim().parse().ok()?)));
    parsed.ok_or_else(|| anyhow::anyhow!("--fraction {s:?}: write it as two whole numbers, e.g. 2/3"))
}

fn body_id(s: &str) -> anyhow::Result<BodyId> {
    BodyId::parse(s).map_err(|e| anyhow::anyhow!("{e}"))
}

/// A body as the API shows it.
#[derive(Debug, Deserialize)]
struct View {
    #[serde(flatten)]
    body: Body,
    roster_today: Vec<CountryCode>,
    rule_words: String,
    chair: Option<Chair>,
}

fn print_body(b: &Body) {
    outln!("{}  {}: {}; {} (rule version {})", b.id, b.name, b.roster.words(), b.rule.words(), b.rule_version);
}

pub async fn body(cmd: BodyCmd) -> anyhow::Result<()> {
    match cmd {
        BodyCmd::List { conn } => {
            let v = Client::new(&conn)?.get("/api/v1/bodies").await?;
            show(&conn, v, |bodies: Vec<View>| {
                if bodies.is_empty() {
                    outln!("No body is established: every proposal is the principal body's (every member, consensus).");
                }
                for b in &bodies {
                    print_body(&b.body);
                }
            })
        }
        BodyCmd::Show { id, conn } => {
            let id = body_id(&id)?;
            let v = Client::new(&conn)?.get(&format!("/api/v1/bodies/{id}")).await?;
            show(&conn, v, |b: View| {
                outln!("{} ({})", b.body.name, b.body.id);
                outln!("Rule (version {}): {}", b.body.rule_version, b.rule_words);
                outln!("Who takes part: {}", b.body.roster.words());
                let today: Vec<String> = b.roster_today.iter().map(ToString::to_string).collect();
                outln!("Today ({}): {}", today.len(), today.join(", "));
                outln!("Chair: {}", b.chair.map_or_else(|| "none in office".to_owned(), String::from));
            })
        }
        BodyCmd::Establish { id, name, except, members, partners, parent, kinds, procedures, rule, proxies, conn } => {
            let except = codes("except", &except)?.into_iter().collect();
            let roster = if !members.is_empty() {
                Roster::Members { members: codes("members", &members)?.into_iter().collect() }
            } else if !partners.is_empty() {
                Roster::WithPartners { except, partners: codes("partners", &partners)?.into_iter().collect() }
            } else {
                Roster::AllMembers { except }
            };
            let parent = parent.as_deref().map(body_id).transpose()?;
            let body = json!({ "id": body_id(&id)?, "name": name, "parent": parent, "roster": roster,
                "kinds": kinds, "procedures": procedures, "rule": rule.rule()?, "proxies": proxies });
            let v = Client::new(&conn)?.post("/api/v1/bodies", body).await?;
            show(&conn, v, |b: Body| print_body(&b))
        }
        BodyCmd::Proxy { id, member, proxy, from, until, key, end, conn } => {
            let id = body_id(&id)?;
            let member = code("member", &member)?;
            let client = Client::new(&conn)?;
            let v = match (end, proxy, until) {
                (true, ..) => client.post(&format!("/api/v1/bodies/{id}/proxies/{member}/end"), json!({})).await?,
                (false, Some(proxy), Some(until)) => {
                    let proxy = code("proxy", &proxy)?;
                    // A signed authorisation states its start: the one given, or now.
                    let from = from.or(key.as_ref().map(|_| jiff::Timestamp::now()));
                    let signed_note = match &key {
                        None => None,
                        Some(file) => Some(sign_proxy(file, &id, member, proxy, from, until)?),
                    };
                    let body = json!({ "member": member, "proxy": proxy, "from": from, "until": until,
                        "signed_note": signed_note });
                    client.post(&format!("/api/v1/bodies/{id}/proxies"), body).await?
                }
                _ => bail!("give --proxy and --until, or --end"),
            };
            show(&conn, v, |granted: Vec<Proxy>| {
                for p in &granted {
                    outln!("{} acts for {} from {} until {}", p.proxy, p.member, p.from, p.until);
                }
            })
        }
        BodyCmd::Chair { list: true, conn, .. } => {
            let v = Client::new(&conn)?.get("/api/v1/chairs").await?;
            show(&conn, v, |terms: Vec<ChairTerm>| print_chairs(&terms))
        }
        BodyCmd::Chair { chair, body, from, conn, .. } => {
            let chair = Chair::try_from(chair.unwrap_or_default()).map_err(|e| anyhow::anyhow!("{e}"))?;
            let body = body.as_deref().map(body_id).transpose()?;
            let v = Client::new(&conn)?
                .post("/api/v1/chairs", json!({ "body": body, "chair": chair, "from": from }))
                .await?;
            show(&conn, v, |terms: Vec<ChairTerm>| print_chairs(&terms))
        }
        BodyCmd::Rule { id, rule, reason, conn } => {
            let id = body_id(&id)?;
            let body = json!({ "rule": rule.rule()?, "reason": reason });
            let v = Client::new(&conn)?.post(&format!("/api/v1/bodies/{id}/rule"), body).await?;
            show(&conn, v, |b: Body| print_body(&b))
        }
    }
}

fn print_chairs(terms: &[ChairTerm]) {
    if terms.is_empty() {
        outln!("Nobody has been appointed to chair a body.");
    }
    for t in terms {
        let body = t.body.as_ref().map_or_else(|| "principal body".to_owned(), ToString::to_string);
        outln!("{body}  chaired by {} from {}", String::from(t.chair), t.from);
    }
}

/// Signs a member's authorisation of `proxy` locally with the member's key.
fn sign_proxy(
    key_file: &std::path::Path,
    body: &BodyId,
    member: CountryCode,
    proxy: CountryCode,
    from: Option<jiff::Timestamp>,
    until: jiff::Timestamp,
) -> anyhow::Result<String> {
    let (key, origin, signer) = crate::keys::read_member_signer(key_file)?;
    if signer != member {
        bail!("the key {} is {signer}'s, not {member}'s: a member authorises its own proxy", key.name());
    }
    let time = jiff::Timestamp::now();
    let statement = concord_core::ProxyStatement {
        origin,
        body: body.clone(),
        member,
        proxy,
        from: from.unwrap_or(time),
        until,
        time,
    };
    Ok(concord_ledger::note::sign(&statement.to_text(), &[&key])?)
}
