//! `concord user create`: a web account on a database. The password is read from stdin or a
//! file, never from the command line (where `ps` and shell histories would show it).

use crate::terminal::outln;
use std::io::Read;
use std::path::PathBuf;

use anyhow::{Context, bail};

use crate::admin::{Role, actor};
use crate::serve::open_store;

#[derive(Debug, clap::Subcommand)]
pub enum UserCmd {
    /// Creates a web account (password from stdin, or --password-file).
    Create(CreateArgs),
}

#[derive(Debug, clap::Args)]
pub struct CreateArgs {
    /// The database file (or a postgres:// URL).
    #[arg(long, env = "CONCORD_DATABASE")]
    db: PathBuf,
    /// The sign-in name: letters, digits, '.', '-' or '_'.
    #[arg(long)]
    name: String,
    #[arg(long, value_enum)]
    role: Role,
    /// The member's or partner's ISO 3166-1 alpha-3 code (for --role member|partner).
    #[arg(long)]
    code: Option<String>,
    /// Read the password from this file (its first line) instead of stdin.
    #[arg(long)]
    password_file: Option<PathBuf>,
}

/// The first line of `text`, without its line ending.
fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or("")
}

pub async fn run(cmd: UserCmd) -> anyhow::Result<()> {
    let UserCmd::Create(args) = cmd;
    let actor = actor(args.role, args.code.as_deref())?;
    if !crate::serve::database_exists(&args.db) {
        bail!("no database at {}", args.db.display());
    }
    let text = match &args.password_file {
        Some(f) => std::fs::read_to_string(f).with_context(|| format!("cannot read {}", f.display()))?,
        None => {
            let mut s = String::new();
            std::io::stdin().read_to_string(&mut s).context("cannot read the password from stdin")?;
            s
        }
    };
    let password = first_line(&text);
    let store = open_store(&args.db).await?;
    crate::admin::check_party(&args.db, store.as_ref(), actor).await?;
    concord_web::accounts::create_user(store.as_ref(), &args.name, password, actor, jiff::Timestamp::now()).await?;
    outln!("created web account {} ({actor})", args.name);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_is_the_first_line() {
        assert_eq!(first_line("secret words here\n"), "secret words here");
        assert_eq!(first_line("a\r\nb"), "a");
        assert_eq!(first_line(""), "");
    }
}
