use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// HireMe: the back end of the HireMeBahamas job board and professional network.
/// Configuration comes from the environment; see the README.
#[derive(Parser)]
#[command(name = "hireme", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve HTTP (the default; inside AWS Lambda the default is `lambda`).
    Serve,
    /// Apply the embedded database migrations and exit.
    Migrate,
    /// Validate the environment, print a masked summary, and exit non-zero on any problem.
    CheckConfig,
    /// Serve AWS Lambda invocations (API Gateway HTTP and REST APIs, ALB).
    Lambda,
}

fn main() -> ExitCode {
    match Cli::parse().command {
        None => hireme::cli::default_command(),
        Some(Command::Serve) => hireme::cli::serve(),
        Some(Command::Migrate) => hireme::cli::migrate(),
        Some(Command::CheckConfig) => hireme::cli::check_config(),
        Some(Command::Lambda) => hireme::cli::lambda(),
    }
}
