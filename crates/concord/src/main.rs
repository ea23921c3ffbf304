//! `concord`: the one binary. Server (`serve`, and `demo` in [`demo`] with its data),
//! administration and the other offline commands (`token`, `user`, `keygen`, `rebuild`,
//! `export`, `import`, `report`, `verify`, `synth`, `witness`: one module each, at the top), and
//! client commands that talk to a server over its API ([`client`], one module per resource:
//! `proposal`, `position`, `member`, and support's `request`, `pledge`, `delivery`,
//! `coalition`, `fund`, `rate`, `donor`).
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
mod report;
mod serve;
mod support_csv;
mod synth;
mod terminal;
mod users;
mod verify;
mod witness;

use std::process::ExitCode;

use clap::error::ErrorKind;
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
    /// Checks the whole log and saves its state as a snapshot for `concord serve` to start from.
    Rebuild(admin::RebuildArgs),
    /// Runs a witness: cosigns the log's checkpoints, each only if consistent with the last.
    Witness(witness::Args),
    /// Writes the log as a static mirror (tlog-tiles layout) that `verify --export` checks offline.
    Export(export::Args),
    /// Loads a log written by `export` into an empty database (SQLite or PostgreSQL), verifying
    /// it first: the log's hashes stay the same.
    Import(import::Args),
    /// A partner's requests on a server: file, withdraw, list, show (with coverage).
    #[command(subcommand)]
    Request(client::requests::RequestCmd),
    /// Pledges on a server: record, status, deliver, correct, list, show; import a CSV file.
    #[command(subcommand)]
    Pledge(client::pledges::PledgeCmd),
    /// Deliveries on a server: confirm receipt, show.
    #[command(subcommand)]
    Delivery(client::deliveries::DeliveryCmd),
    /// Coalitions on a server: form, join, list, show.
    #[command(subcommand)]
    Coalition(client::coalitions::CoalitionCmd),
    /// The alliance's funds on a server: create, list, show.
    #[command(subcommand)]
    Fund(client::funds::FundCmd),
    /// Dated exchange rates on a server: record, list.
    #[command(subcommand)]
    Rate(client::rates::RateCmd),
    /// Members' GDP figures on a server (the data burden share reads): record.
    #[command(subcommand)]
    Gdp(client::gdp::GdpCmd),
    /// Non-member donor states on a server: register, list.
    #[command(subcommand)]
    Donor(client::donors::DonorCmd),
    /// Support reports and exports from a database's log (--db) or a server (--server, --token):
    /// totals, delivery, gaps, shares, burden, pledges, deliveries, iati.
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
    Proposal(client::proposals::ProposalCmd),
    /// Positions on a server (signed locally with --key).
    #[command(subcommand)]
    Position(client::positions::PositionCmd),
    /// The bodies that decide, each with its roster and rule: list, show, establish, rule.
    #[command(subcommand)]
    Body(client::bodies::BodyCmd),
    /// Members' population figures by year, the weights of rules that count people.
    #[command(subcommand)]
    Population(client::populations::PopulationCmd),
    /// Member delegations' keys on a server.
    #[command(subcommand)]
    Member(client::members::MemberCmd),
    /// Publishes a log entry to a wider audience (secretariat): a new entry reveals its content.
    Publish(client::publications::PublishArgs),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) => e.exit(),
        Err(e) if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => e.exit(),
        Err(e) => {
            // One line, like every other error: clap's first line, which names the argument and
            // what it accepts, without its tips and usage block.
            let text = e.render().to_string();
            let first: Vec<&str> = text.lines().take_while(|l| !l.trim().is_empty()).map(str::trim).collect();
            let first = first.join(" ");
            eprintln!("concord: {} (see --help)", terminal::escape(first.trim_start_matches("error: ")));
            return ExitCode::from(2);
        }
    };
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
            Cmd::Request(cmd) => client::requests::request(cmd).await,
            Cmd::Pledge(cmd) => client::pledges::pledge(cmd).await,
            Cmd::Delivery(cmd) => client::deliveries::delivery(cmd).await,
            Cmd::Coalition(cmd) => client::coalitions::coalition(cmd).await,
            Cmd::Fund(cmd) => client::funds::fund(cmd).await,
            Cmd::Rate(cmd) => client::rates::rate(cmd).await,
            Cmd::Donor(cmd) => client::donors::donor(cmd).await,
            Cmd::Gdp(cmd) => client::gdp::gdp(cmd).await,
            Cmd::Witness(args) => witness::run(args).await,
            Cmd::Proposal(cmd) => client::proposals::proposal(cmd).await,
            Cmd::Publish(args) => client::publications::publish(args).await,
            Cmd::Position(cmd) => client::positions::position(cmd).await,
            Cmd::Member(cmd) => client::members::member(cmd).await,
            Cmd::Body(cmd) => client::bodies::body(cmd).await,
            Cmd::Population(cmd) => client::populations::population(cmd).await,
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
