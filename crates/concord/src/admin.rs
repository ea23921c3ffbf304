//! Administration on a database: tokens, and checking the log into a snapshot (`rebuild`).

use crate::terminal::outln;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use concord_core::{Actor, CountryCode};
use concord_store::NewToken;

use crate::serve::open_store;

#[derive(Debug, clap::Subcommand)]
pub enum TokenCmd {
    /// Creates a token and prints it (only its hash is stored: keep it, it cannot be shown again).
    Create(TokenArgs),
    /// Lists the tokens: id (the start of the token's SHA-256), role, label, dates, state.
    List(TokenDb),
    /// Revokes a token by its id (as `token list` shows it): at once, on every server.
    Revoke(RevokeArgs),
}

#[derive(Debug, clap::Args)]
pub struct TokenDb {
    /// The database file.
    #[arg(long, env = "CONCORD_DATABASE")]
    db: PathBuf,
}

#[derive(Debug, clap::Args)]
pub struct RevokeArgs {
    /// The database file.
    #[arg(long, env = "CONCORD_DATABASE")]
    db: PathBuf,
    /// The token's id: at least 8 hexadecimal digits of its SHA-256, as `token list` shows it.
    id: String,
}

/// A role a token is bound to.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Role {
    Secretariat,
    Member,
    Partner,
    Observer,
}

#[derive(Debug, clap::Args)]
pub struct TokenArgs {
    /// The database file.
    #[arg(long, env = "CONCORD_DATABASE")]
    db: PathBuf,
    #[arg(long, value_enum)]
    role: Role,
    /// The member's or partner's ISO 3166-1 alpha-3 code (for --role member|partner).
    #[arg(long)]
    code: Option<String>,
    /// A note on who holds the token.
    #[arg(long, default_value = "")]
    label: String,
    /// How long the token works: `90d`, `12h`, `1y` (any span jiff reads), or `never`.
    #[arg(long, default_value = "90d")]
    expires_in: String,
}

/// When a token given `--expires-in` stops working, counted from `now`.
fn expiry(expires_in: &str, now: jiff::Timestamp) -> anyhow::Result<Option<jiff::Timestamp>> {
    if expires_in == "never" {
        return Ok(None);
    }
    let span: jiff::Span = expires_in
        .parse()
        .with_context(|| format!("--expires-in {expires_in:?} is not a span: write e.g. 90d, 12h, 1y, or never"))?;
    if span.signum() <= 0 {
        bail!("--expires-in must be positive (or never)");
    }
    // Calendar units (days, months, years) are counted in UTC.
    let at = now.to_zoned(jiff::tz::TimeZone::UTC).checked_add(span).context("--expires-in is too far away")?;
    Ok(Some(at.timestamp()))
}

/// The actor for a role and code, refusing a code where none belongs and the reverse.
pub fn actor(role: Role, code: Option<&str>) -> anyhow::Result<Actor> {
    let parse = |c: Option<&str>| -> anyhow::Result<CountryCode> {
        let c = c.context("this role needs --code (an ISO 3166-1 alpha-3 code such as FRA)")?;
        Ok(CountryCode::parse(c)?)
    };
    Ok(match role {
        Role::Member => Actor::Member(parse(code)?),
        Role::Partner => Actor::Partner(parse(code)?),
        Role::Secretariat | Role::Observer if code.is_some() => bail!("--code is only for --role member or partner"),
        Role::Secretariat => Actor::Secretariat,
        Role::Observer => Actor::Observer,
    })
}

/// Creates a token for `actor` in `store`, working until `expires_at` (or revoked), and returns it.
pub async fn create_token(
    store: &dyn concord_store::Store,
    actor: Actor,
    label: &str,
    expires_at: Option<jiff::Timestamp>,
) -> anyhow::Result<String> {
    let (token, hash) =
        concord_server::auth::generate_token().map_err(|e| anyhow::anyhow!("no randomness available: {e}"))?;
    let created_at = jiff::Timestamp::now();
    store.create_token(&NewToken { hash, actor, label: label.to_owned(), created_at, expires_at }).await?;
    Ok(token)
}

async fn open_existing(db: &std::path::Path) -> anyhow::Result<std::sync::Arc<dyn concord_store::Store>> {
    if !crate::serve::database_exists(db) {
        bail!("no database at {}", db.display());
    }
    open_store(db).await
}

pub async fn token(cmd: TokenCmd) -> anyhow::Result<()> {
    let args = match cmd {
        TokenCmd::Create(args) => args,
        TokenCmd::List(args) => return list_tokens(&args.db).await,
        TokenCmd::Revoke(args) => return revoke_token(&args.db, &args.id).await,
    };
    let actor = actor(args.role, args.code.as_deref())?;
    let expires_at = expiry(&args.expires_in, jiff::Timestamp::now())?;
    let store = open_existing(&args.db).await?;
    check_party(&args.db, store.as_ref(), actor).await?;
    let token = create_token(store.as_ref(), actor, &args.label, expires_at).await?;
    outln!("{token}");
    Ok(())
}

/// Refuses an actor for a member or partner the log has not admitted or registered. The log is
/// folded from the newest snapshot beside the database, if it has one (a full fold of a large
/// log takes a while).
pub(crate) async fn check_party(db: &Path, store: &dyn concord_store::Store, actor: Actor) -> anyhow::Result<()> {
    if !matches!(actor, Actor::Member(_) | Actor::Partner(_)) {
        return Ok(());
    }
    let snapshots = crate::serve::default_snapshot_dir(db).map(|d| concord_server::snapshots::read(&d));
    let (loaded, _) =
        concord_log::load_from(store, snapshots.into_iter().flatten()).await.context("cannot read the log")?;
    match actor {
        Actor::Member(c) if !loaded.state.members.contains_key(&c) => bail!("{c} is not a member in this database"),
        Actor::Partner(c) if !loaded.state.partners.contains_key(&c) => bail!("{c} is not a partner in this database"),
        _ => Ok(()),
    }
}

/// A token's id: the first 16 hexadecimal digits of its SHA-256 (the token is never stored).
fn token_id(hash: &[u8; 32]) -> String {
    hex::encode(&hash[..8])
}

async fn list_tokens(db: &std::path::Path) -> anyhow::Result<()> {
    let store = open_existing(db).await?;
    let now = jiff::Timestamp::now();
    outln!("{:<16}  {:<12} {:<21} {:<21} {:<8} LABEL", "ID", "ROLE", "CREATED", "EXPIRES", "STATE");
    for t in store.tokens().await? {
        let state = match (t.revoked_at, t.valid_at(now)) {
            (Some(_), _) => "revoked",
            (None, true) => "valid",
            (None, false) => "expired",
        };
        let day = |t: jiff::Timestamp| t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
        outln!(
            "{:<16}  {:<12} {:<21} {:<21} {:<8} {}",
            token_id(&t.hash),
            t.actor.to_string(),
            day(t.created_at),
            t.expires_at.map_or_else(|| "never".to_owned(), day),
            state,
            t.label
        );
    }
    Ok(())
}

async fn revoke_token(db: &std::path::Path, id: &str) -> anyhow::Result<()> {
    let id = id.to_ascii_lowercase();
    if id.len() < 8 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        bail!("a token id is at least 8 hexadecimal digits, as `concord token list` shows it; got {id:?}");
    }
    let store = open_existing(db).await?;
    let matching: Vec<_> = store.tokens().await?.into_iter().filter(|t| hex::encode(t.hash).starts_with(&id)).collect();
    let t = match matching.as_slice() {
        [] => bail!("no token has the id {id}"),
        [t] => t,
        _ => bail!("{} tokens have ids starting with {id}: give more digits", matching.len()),
    };
    if t.revoked_at.is_some() {
        bail!("the token {} ({}) was revoked already", token_id(&t.hash), t.actor);
    }
    if !store.revoke_token(&t.hash, jiff::Timestamp::now()).await? {
        bail!("the token {} was revoked meanwhile", token_id(&t.hash));
    }
    outln!("revoked token {} ({}, {})", token_id(&t.hash), t.actor, t.label);
    Ok(())
}

#[derive(Debug, clap::Args)]
pub struct RebuildArgs {
    /// The database file, or a `postgres://` URL.
    #[arg(long, env = "CONCORD_DATABASE")]
    db: PathBuf,
    /// Where to write the snapshot (default: `<database>.snapshots` beside a SQLite file, where
    /// `concord serve` looks; none is written for PostgreSQL unless given).
    #[arg(long)]
    snapshot_dir: Option<PathBuf>,
}

/// Folds the whole log, checking every entry and every stored tree hash (and storing any
/// missing), and saves the state as a snapshot for `concord serve` to start from.
pub async fn rebuild(args: RebuildArgs) -> anyhow::Result<()> {
    let store = open_existing(&args.db).await?;
    let loaded = concord_log::load(store.as_ref()).await.context("the log does not check")?;
    outln!(
        "checked {} log entries (chain, rules and tree intact; root {}): members {}, partners {}, proposals {}",
        loaded.size,
        loaded.tree.root().map(|r| r.to_hex()).unwrap_or_default(),
        loaded.state.members.len(),
        loaded.state.partners.len(),
        loaded.state.proposals.len()
    );
    if let Some(dir) = args.snapshot_dir.or_else(|| crate::serve::default_snapshot_dir(&args.db)) {
        let path = concord_server::snapshots::write(&dir, &loaded)
            .with_context(|| format!("cannot write a snapshot in {}", dir.display()))?;
        outln!("snapshot written: {}", path.display());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn rebuild_checks_the_log_and_writes_the_snapshot_serve_starts_from() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("r.db");
        let store = open_store(&db).await.unwrap();
        let log = concord_ledger::keys::Signer::from_seed("test.concord.example/log", [5; 32]).unwrap();
        let mut n = 0u8;
        let keys = crate::demo::scenario::DemoKeys::new(log, || {
            n += 1;
            Ok([n; 32])
        })
        .unwrap();
        crate::demo::scenario::load(store.as_ref(), "2026-11-25T17:00:00Z".parse().unwrap(), &keys).await.unwrap();
        let full = concord_log::load(store.as_ref()).await.unwrap();

        rebuild(RebuildArgs { db: db.clone(), snapshot_dir: None }).await.unwrap();
        let snapshots = crate::serve::default_snapshot_dir(&db).unwrap();
        let (loaded, from) =
            concord_log::load_from(store.as_ref(), concord_server::snapshots::read(&snapshots)).await.unwrap();
        assert_eq!(from, Some(full.size), "the snapshot folds the whole log");
        assert_eq!(loaded.state, full.state);

        // Members the log admitted get tokens; codes it does not know are refused.
        let fra = Actor::Member(CountryCode::parse("FRA").unwrap());
        check_party(&db, store.as_ref(), fra).await.unwrap();
        let unknown = Actor::Member(CountryCode::parse("ZZZ").unwrap());
        let err = check_party(&db, store.as_ref(), unknown).await.unwrap_err().to_string();
        assert_eq!(err, "ZZZ is not a member in this database");
    }

    #[test]
    fn roles_and_codes_must_match() {
        assert_eq!(actor(Role::Member, Some("FRA")).unwrap(), Actor::Member(CountryCode::parse("FRA").unwrap()));
        assert!(actor(Role::Member, None).is_err());
        assert!(actor(Role::Member, Some("fr")).is_err());
        assert!(actor(Role::Secretariat, Some("FRA")).is_err());
        assert_eq!(actor(Role::Observer, None).unwrap(), Actor::Observer);
    }
}
