//! `concord`: the one binary. Server (`serve`, `demo`), administration (`token`, `rebuild`) and
//! client commands that talk to a server (`proposal`, `position`, and support's `request`,
//! `pledge`, `delivery`, `coalition`, `fund`, `rate`, `donor`).
//!
//! Errors end the process with a one-line message on stderr and a non-zero exit code.

#![forbid(unsafe_code)]

mod admin;
mod client;
mod config;
mod demo;
mod export;
mod import;
mod keys;
mod pledges;
mod report;
mod scenario;
mod serve;
mod support_client;
mod support_history;
mod support_pledges;
mod synth;
mod terminal;
mod users;
mod verify;
mod witness;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Concord: consensus decisions and support coordination for an alliance of states.
#[derive(Debug, Parser)]
#[command(name = "concord", version)]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Debug, Subcommand)]
enum Cmd {
    /// Runs a server from a config file and CONCORD_* environment variables.
    Serve(serve::Args),
    /// Serves the founding brief's scenario on a fresh embedded database, and prints the
    /// address and demo tokens.
    Demo(demo::Args),
    /// Manages API tokens.
    #[command(subcommand)]
    Token(admin::TokenCmd),
    /// Manages web accounts (sign-in for the web pages).
    #[command(subcommand)]
    User(users::UserCmd),
    /// Creates an Ed25519 key pair: writes the private key (mode 0600), prints the verifier key.
    Keygen(keys::Args),
    /// Recomputes every query table from the log, and checks the log on the way.
    Rebuild(admin::RebuildArgs),
    /// Runs a witness: cosigns the log's checkpoints, each only if consistent with the last.
    Witness(witness::Args),
    /// Writes the log as a static mirror (tlog-tiles layout) that `verify --export` checks offline.
    Export(export::Args),
    /// Loads a log written by `export` into an empty database (SQLite or PostgreSQL), verifying
    /// it first, and rebuilds every table: the log's hashes stay the same.
    Import(import::Args),
    /// A partner's requests on a server: file, withdraw, list, show (with coverage).
    #[command(subcommand)]
    Request(support_client::RequestCmd),
    /// Pledges on a server: record, status, deliver, correct, list, show; import a CSV file.
    #[command(subcommand)]
    Pledge(support_pledges::PledgeCmd),
    /// Deliveries on a server: confirm receipt, show.
    #[command(subcommand)]
    Delivery(support_client::DeliveryCmd),
    /// Coalitions on a server: form, join, list, show.
    #[command(subcommand)]
    Coalition(support_client::CoalitionCmd),
    /// The alliance's funds on a server: create, list, show.
    #[command(subcommand)]
    Fund(support_client::FundCmd),
    /// Dated exchange rates on a server: record, list.
    #[command(subcommand)]
    Rate(support_client::RateCmd),
    /// Non-member donor states on a server: register, list.
    #[command(subcommand)]
    Donor(support_client::DonorCmd),
    /// Support reports computed from a database's log: totals, delivery, gaps, shares, burden.
    #[command(subcommand)]
    Report(report::ReportCmd),
    /// Checks a log (from a server or a database file): entries, tree, checkpoint, witnesses, and
    /// every decision replayed through the domain's rules. Exits non-zero naming the first fault.
    Verify(verify::Args),
    /// Writes a synthetic support history at scale (default 1,000,000 pledges, 2,000,000
    /// deliveries, 100 donors, 10 years) into a new database, or pledges as CSV: for benchmarks.
    Synth(synth::Args),
    /// Proposals on a server: list, show, create, circulate, amend, extend, curtail, withdraw.
    #[command(subcommand)]
    Proposal(client::ProposalCmd),
    /// Positions on a server (signed locally with --key).
    #[command(subcommand)]
    Position(client::PositionCmd),
    /// Member delegations' keys on a server.
    #[command(subcommand)]
    Member(client::MemberCmd),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("concord: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Cmd::Serve(args) => serve::run(args).await,
            Cmd::Demo(args) => demo::run(args).await,
            Cmd::Token(cmd) => admin::token(cmd).await,
            Cmd::User(cmd) => users::run(cmd).await,
            Cmd::Keygen(args) => keys::run(args),
            Cmd::Rebuild(args) => admin::rebuild(args).await,
            Cmd::Verify(args) => verify::run(args).await,
            Cmd::Export(args) => export::run(args).await,
            Cmd::Import(args) => import::run(args).await,
            Cmd::Report(cmd) => report::run(cmd).await,
            Cmd::Synth(args) => synth::run(args).await,
            Cmd::Request(cmd) => support_client::request(cmd).await,
            Cmd::Pledge(cmd) => support_pledges::pledge(cmd).await,
            Cmd::Delivery(cmd) => support_client::delivery(cmd).await,
            Cmd::Coalition(cmd) => support_client::coalition(cmd).await,
            Cmd::Fund(cmd) => support_client::fund(cmd).await,
            Cmd::Rate(cmd) => support_client::rate(cmd).await,
            Cmd::Donor(cmd) => support_client::donor(cmd).await,
            Cmd::Witness(args) => witness::run(args).await,
            Cmd::Proposal(cmd) => client::proposal(cmd).await,
            Cmd::Position(cmd) => client::position(cmd).await,
            Cmd::Member(cmd) => client::member(cmd).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // The reader went away (`concord report … | head`): nothing more to say to it.
        Err(e)
            if e.chain().any(|c| {
                c.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) =>
        {
            ExitCode::SUCCESS
        }
        Err(e) => {
            // One line: the error and its causes.
            eprintln!("concord: {}", terminal::escape(&format!("{e:#}").replace('\n', " ")));
            ExitCode::FAILURE
        }
    }
}

/// Logs to stderr, filtered by `RUST_LOG` (default `info` for Concord, `warn` otherwise).
pub(crate) fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn,concord=info,concord_server=info"));
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).try_init();
}
