//! The `concord` binary run as a user would from a shell: its output, its one-line failures, and
//! the tokens and JSON the client tests need.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

use super::BIN;

pub fn concord(args: &[&str]) -> Output {
    Command::new(BIN).args(args).env_remove("CONCORD_TOKEN").env_remove("CONCORD_SERVER").output().unwrap()
}

pub fn ok(out: Output) -> String {
    assert!(out.status.success(), "failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// Fails with exactly one line on stderr, starting `concord: `.
pub fn fails(out: Output) -> String {
    assert!(!out.status.success(), "unexpectedly succeeded: {}", String::from_utf8_lossy(&out.stdout));
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.trim_end().lines().count(), 1, "not one line: {err:?}");
    assert!(err.starts_with("concord: "), "{err}");
    err
}

pub fn token(db: &Path, role: &str, code: Option<&str>) -> String {
    let db = db.to_str().unwrap();
    let mut args = vec!["token", "create", "--db", db, "--role", role];
    if let Some(c) = code {
        args.extend(["--code", c]);
    }
    ok(concord(&args)).trim().to_owned()
}

pub fn json(s: &str) -> Value {
    serde_json::from_str(s).unwrap_or_else(|e| panic!("not JSON ({e}): {s}"))
}
