//! # engage: the one binary
//!
//! `engage serve` runs the server on the embedded store (a data directory it creates);
//! `verify`, `export` and `import` are the operator's tools for the event log; `seed` fills
//! an empty store with a generated multi-year history; `token` prints a bearer token.
//!
//! Exit codes: 0 success; 1 an error (message on stderr); 2 bad usage;
//! 3 `verify` found the log tampered with or damaged.

mod access;
mod cli;
mod config_file;
mod personal_data;
mod progress;
mod rebuild;
mod seed;
mod store_config;

use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches};

fn main() -> ExitCode {
    let matches = cli::Cli::command().get_matches();
    let mut cli = match cli::Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    if let Err(e) = config_file::apply(&mut cli, &matches) {
        eprintln!("error: {e}");
        return ExitCode::from(2);
    }
    cli::init_tracing(&cli.global);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: could not start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(cli::run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
