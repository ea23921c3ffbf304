//! `concord member`: member delegations' keys, `/api/v1/members/{code}/keys`: enrol, revoke.

use anyhow::bail;
use serde_json::json;

use super::output::print_json;
use super::{Client, Conn};
use crate::terminal::outln;

#[derive(Debug, clap::Subcommand)]
pub enum MemberCmd {
    /// Enrols a member delegation's key (secretariat).
    KeyAdd {
        /// The member's ISO 3166-1 alpha-3 code.
        code: String,
        /// The verifier key printed by `concord keygen --member`, or a file holding it.
        #[arg(long)]
        key: String,
        #[command(flatten)]
        conn: Conn,
    },
    /// Revokes a member's key from now on (secretariat, or the member itself).
    KeyRevoke {
        code: String,
        /// The key's 8-hex-digit id (the middle part of the verifier key).
        key_id: String,
        #[command(flatten)]
        conn: Conn,
    },
}

pub async fn member(cmd: MemberCmd) -> anyhow::Result<()> {
    let (conn, path, body) = match cmd {
        MemberCmd::KeyAdd { code, key, conn } => {
            let key = std::fs::read_to_string(&key).map(|k| k.trim().to_owned()).unwrap_or(key);
            if key.starts_with("PRIVATE+KEY+") {
                bail!(
                    "that is a private key: it never leaves its owner; give the verifier key `concord keygen` printed"
                );
            }
            (conn, format!("/api/v1/members/{code}/keys"), json!({ "key": key }))
        }
        MemberCmd::KeyRevoke { code, key_id, conn } => {
            (conn, format!("/api/v1/members/{code}/keys/{key_id}/revoke"), json!({}))
        }
    };
    let c = Client::new(&conn)?;
    let keys = c.post(&path, body).await?;
    if conn.json {
        return print_json(&keys);
    }
    for k in keys.as_array().into_iter().flatten() {
        let revoked = k["revoked_at"].as_str().map(|r| format!(", revoked {r}")).unwrap_or_default();
        outln!("{}  valid from {}{revoked}", k["key"].as_str().unwrap_or("?"), k["valid_from"].as_str().unwrap_or("?"));
    }
    Ok(())
}
