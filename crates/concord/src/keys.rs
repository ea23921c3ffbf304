//! Key files: `concord keygen`, and reading a key to sign with.
//!
//! A private key file holds one line, the signed-note private key encoding
//! (`PRIVATE+KEY+<name>+<key id>+<base64>`), readable by the owner only (mode 0600). The verifier
//! key, which is public, is printed for the secretariat to enrol (a member's key) or for members
//! to pin (the log's key).

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use concord_core::CountryCode;
use concord_ledger::keys::Signer;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The key name, e.g. the log's origin `alliance.example/concord` for the log's key.
    #[arg(long, conflicts_with_all = ["member", "partner"], required_unless_present_any = ["member", "partner"])]
    name: Option<String>,
    /// A member delegation's key: named `<origin>/member/<code>`.
    #[arg(long, requires = "origin", conflicts_with = "partner")]
    member: Option<String>,
    /// A partner's key, for its positions in the bodies it takes part in: named
    /// `<origin>/partner/<code>`.
    #[arg(long, requires = "origin")]
    partner: Option<String>,
    /// The log's origin (with --member or --partner).
    #[arg(long)]
    origin: Option<String>,
    /// Where to write the private key (mode 0600); it is never overwritten.
    #[arg(long)]
    out: PathBuf,
}

/// 32 random bytes from the operating system.
pub fn random_seed() -> anyhow::Result<[u8; 32]> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| anyhow::anyhow!("no randomness available: {e}"))?;
    Ok(seed)
}

/// Writes a private key to a new file readable by its owner only.
pub fn write_private_key(path: &Path, signer: &Signer) -> anyhow::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).with_context(|| format!("cannot create {}", path.display()))?;
    writeln!(file, "{}", signer.private_key_string())?;
    file.sync_all()?;
    Ok(())
}

/// Reads a private key file.
pub fn read_signer(path: &Path) -> anyhow::Result<Signer> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read the key file {}", path.display()))?;
    Signer::parse(text.trim_end()).with_context(|| format!("{} does not hold a private key", path.display()))
}

/// A member delegation's (or a partner's) private key, read from `path`, with the log origin and
/// the state its name (`<origin>/member/<code>`, `<origin>/partner/<code>`) says it signs for.
pub fn read_member_signer(path: &Path) -> anyhow::Result<(Signer, String, concord_core::CountryCode)> {
    let key = read_signer(path)?;
    let name = key.name().to_string();
    let (origin, member) = name.rsplit_once("/member/").or_else(|| name.rsplit_once("/partner/")).with_context(|| {
        format!("the key {name} is neither a member delegation's (<origin>/member/<code>) nor a partner's (<origin>/partner/<code>)")
    })?;
    let member = concord_core::CountryCode::parse(member)?;
    Ok((key, origin.to_owned(), member))
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let name = match (args.name, args.member, args.partner, args.origin) {
        (Some(n), ..) => n,
        (None, Some(m), None, Some(o)) => concord_core::member_key_name(&o, CountryCode::parse(&m)?),
        (None, None, Some(p), Some(o)) => concord_core::partner_key_name(&o, CountryCode::parse(&p)?),
        _ => bail!("give --name, or --member or --partner with --origin"),
    };
    let signer = Signer::from_seed(&name, random_seed()?)?;
    write_private_key(&args.out, &signer)?;
    println!("{}", signer.verifier());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_written_key_reads_back_and_only_its_owner_can_read_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k");
        let signer = Signer::from_seed("alliance.example/concord", random_seed().unwrap()).unwrap();
        write_private_key(&path, &signer).unwrap();
        assert_eq!(read_signer(&path).unwrap().verifier(), signer.verifier());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
        assert!(write_private_key(&path, &signer).is_err(), "an existing key is never overwritten");
        std::fs::write(dir.path().join("bad"), "not a key\n").unwrap();
        assert!(read_signer(&dir.path().join("bad")).is_err());
    }
}
