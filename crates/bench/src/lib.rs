//! What the load tools share: starting a real `concord serve` as its own process, making tokens
//! with the real CLI, and reading a process's CPU time and peak memory from `/proc`.

#![forbid(unsafe_code)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use anyhow::{Context, bail};

/// CPU seconds (user + system) a process has used so far (`"self"` for this one).
#[must_use]
pub fn cpu_seconds(pid: &str) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name, which is in parentheses and may hold spaces.
    let rest = stat.rsplit_once(')')?.1;
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0) // USER_HZ is 100 on Linux
}

#[must_use]
pub fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// A server process, killed when dropped.
#[derive(Debug)]
pub struct Server(pub Child);

/// Starts `concord serve` on `db` and returns it with its base URL. A new log accepts unsigned
/// positions unless `signed`.
pub fn serve(bin: &Path, db: &str, key: &Path, signed: bool) -> anyhow::Result<(Server, String)> {
    let mut cmd = Command::new(bin);
    cmd.args(["serve", "--addr", "127.0.0.1:0", "--db", db, "--log-key"]).arg(key);
    if !signed {
        cmd.arg("--unsigned-positions");
    }
    let mut child = cmd.env("RUST_LOG", "warn").stdout(Stdio::piped()).spawn().context("cannot start concord serve")?;
    let mut line = String::new();
    BufReader::new(child.stdout.take().context("no stdout")?).read_line(&mut line)?;
    let base = line.trim().rsplit(' ').next().context("no address printed")?.to_owned();
    Ok((Server(child), base))
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A new API token, made with `concord token create` on the database.
pub fn token(bin: &Path, db: &Path, role: &str, code: Option<&str>) -> anyhow::Result<String> {
    let mut cmd = Command::new(bin);
    cmd.args(["token", "create", "--role", role, "--db"]).arg(db);
    if let Some(c) = code {
        cmd.args(["--code", c]);
    }
    let out = cmd.output()?;
    if !out.status.success() {
        bail!("token create failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(String::from_utf8(out.stdout)?.trim().to_owned())
}
