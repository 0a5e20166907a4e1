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
    /// Make an administrator: promote the account with this e-mail address, or create one with
    /// the password read from standard input (or --password-file).
    CreateAdmin {
        #[arg(long)]
        email: String,
        #[arg(long, default_value = "Site")]
        first_name: String,
        #[arg(long, default_value = "Administrator")]
        last_name: String,
        #[arg(long, default_value = "employer")]
        user_type: String,
        #[arg(long, env = "ADMIN_PASSWORD_FILE")]
        password_file: Option<std::path::PathBuf>,
    },
}

fn main() -> ExitCode {
    match Cli::parse().command {
        None => hireme::cli::default_command(),
        Some(Command::Serve) => hireme::cli::serve(),
        Some(Command::Migrate) => hireme::cli::migrate(),
        Some(Command::CheckConfig) => hireme::cli::check_config(),
        Some(Command::Lambda) => hireme::cli::lambda(),
        Some(Command::CreateAdmin {
            email,
            first_name,
            last_name,
            user_type,
            password_file,
        }) => hireme::cli::create_admin(hireme::cli::AdminRequest {
            email,
            first_name,
            last_name,
            user_type,
            password_file,
        }),
    }
}
