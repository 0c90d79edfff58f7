//! `rudder-group`: RudderStack group calls from the command line.
//!
//! Each command is a module with a `clap::Args` struct and a `run(args) -> ExitCode`; adding one
//! is a variant in [`Command`] and an arm in `main`. Beside them: `lines` reads NDJSON in
//! bounded memory, `payload` turns a line into an event or its issues, `report` is the JSON line
//! per input line, `ranges` checks numeric options, `failures` counts delivery failures by reason.

use clap::{Parser, Subcommand};
use std::process::ExitCode;

mod demo;
mod failures;
mod lines;
mod payload;
mod ranges;
mod report;
mod send;
mod serve;
mod settings_args;
mod validate;

/// RudderStack group calls from the command line.
///
/// Exit status: 0 on success, 1 when the input had problems, 2 on a usage or I/O error.
#[derive(Debug, Parser)]
#[command(name = "rudder-group", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// The commands; each one's help is the doc comment of its arguments struct.
#[derive(Debug, Subcommand)]
enum Command {
    Validate(validate::ValidateArgs),
    Serve(serve::ServeArgs),
    Send(send::SendArgs),
    Demo(demo::DemoArgs),
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Validate(args) => validate::run(args),
        Command::Serve(args) => serve::run(args),
        Command::Send(args) => send::run(args),
        Command::Demo(args) => demo::run(args),
    }
}
