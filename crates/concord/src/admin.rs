//! Administration on a database file: tokens and rebuilding projections.

use std::path::PathBuf;

use anyhow::{Context, bail};
use concord_core::{Actor, CountryCode};
use concord_store::NewToken;

use crate::serve::open_store;

#[derive(Debug, clap::Subcommand)]
pub enum TokenCmd {
    /// Creates a token and prints it (only its hash is stored: keep it, it cannot be shown again).
    Create(TokenArgs),
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

/// Creates a token for `actor` in `store` and returns it.
pub async fn create_token(store: &dyn concord_store::Store, actor: Actor, label: &str) -> anyhow::Result<String> {
    let (token, hash) =
        concord_server::auth::generate_token().map_err(|e| anyhow::anyhow!("no randomness available: {e}"))?;
    store.create_token(&NewToken { hash, actor, label: label.to_owned(), created_at: jiff::Timestamp::now() }).await?;
    Ok(token)
}

pub async fn token(cmd: TokenCmd) -> anyhow::Result<()> {
    let TokenCmd::Create(args) = cmd;
    let actor = actor(args.role, args.code.as_deref())?;
    if !crate::serve::database_exists(&args.db) {
        bail!("no database at {}", args.db.display());
    }
    let store = open_store(&args.db).await?;
    match actor {
        Actor::Member(c) if store.member(c.as_str()).await?.is_none() => {
            bail!("{c} is not a member in this database")
        }
        Actor::Partner(c) if store.partner(c.as_str()).await?.is_none() => {
            bail!("{c} is not a partner in this database")
        }
        _ => {}
    }
    let token = create_token(store.as_ref(), actor, &args.label).await?;
    println!("{token}");
    Ok(())
}

#[derive(Debug, clap::Args)]
pub struct RebuildArgs {
    /// The database file.
    #[arg(long, env = "CONCORD_DATABASE")]
    db: PathBuf,
}

pub async fn rebuild(args: RebuildArgs) -> anyhow::Result<()> {
    if !crate::serve::database_exists(&args.db) {
        bail!("no database at {}", args.db.display());
    }
    let store = open_store(&args.db).await?;
    let loaded = concord_server::sequencer::rebuild(store.as_ref()).await.context("cannot rebuild")?;
    println!(
        "rebuilt from {} log entries (chain and tree intact): members {}, partners {}, proposals {}",
        loaded.size,
        loaded.state.members.len(),
        loaded.state.partners.len(),
        loaded.state.proposals.len()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use concord_store::Snapshot;

    use super::*;

    #[tokio::test]
    async fn rebuild_recomputes_identical_projections_from_the_log() {
        let dir = tempfile::tempdir().unwrap();
        let store = open_store(&dir.path().join("r.db")).await.unwrap();
        let log = concord_ledger::keys::Signer::from_seed("test.concord.example/log", [5; 32]).unwrap();
        let mut n = 0u8;
        let keys = crate::scenario::DemoKeys::new(log, || {
            n += 1;
            Ok([n; 32])
        })
        .unwrap();
        crate::scenario::load(store.as_ref(), "2026-11-25T17:00:00Z".parse().unwrap(), &keys).await.unwrap();
        let live = store.dump_projections().await.unwrap();
        assert!(live.contains("Winter equipment"), "the dump shows the projections");

        // Lose the projections, then rebuild them from the log alone.
        let size = store.log_size().await.unwrap();
        assert!(store.replace_projections(&Snapshot::default(), size + 1).await.is_err(), "not at another size");
        assert_eq!(store.dump_projections().await.unwrap(), live, "and nothing changed");
        store.replace_projections(&Snapshot::default(), size).await.unwrap();
        assert_ne!(store.dump_projections().await.unwrap(), live);
        concord_server::sequencer::rebuild(store.as_ref()).await.unwrap();
        assert_eq!(store.dump_projections().await.unwrap(), live);

        // Rebuilding again changes nothing.
        concord_server::sequencer::rebuild(store.as_ref()).await.unwrap();
        assert_eq!(store.dump_projections().await.unwrap(), live);
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
