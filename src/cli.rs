//! What each subcommand does. `main.rs` only parses the command line and calls these.

use std::process::ExitCode;

use crate::config::Config;
use crate::db::Database;
use crate::{server, serverless, telemetry};

/// Exit code for configuration that must be fixed before the process can run.
const EXIT_CONFIG: u8 = 2;

fn load() -> Result<Config, ExitCode> {
    match Config::from_env() {
        Ok(config) => Ok(config),
        Err(err) => {
            eprint!("{err}");
            Err(ExitCode::from(EXIT_CONFIG))
        }
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("the async runtime starts")
}

fn start(config: &Config) {
    telemetry::init(config.log_format);
    for warning in &config.warnings {
        tracing::warn!("{warning}");
    }
    tracing::info!(config = %config.summary(), "configuration loaded");
}

fn finish(result: anyhow::Result<()>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!(error = %err, "stopped with an error");
            ExitCode::FAILURE
        }
    }
}

/// `hireme serve`, the default.
pub fn serve() -> ExitCode {
    let config = match load() {
        Ok(c) => c,
        Err(code) => return code,
    };
    start(&config);
    finish(runtime().block_on(server::serve(config)))
}

/// `hireme lambda`, and the default inside the Lambda runtime.
pub fn lambda() -> ExitCode {
    let config = match load() {
        Ok(c) => c,
        Err(code) => return code,
    };
    start(&config);
    finish(runtime().block_on(serverless::run(config)))
}

/// `hireme migrate`: applies the embedded migrations and exits.
pub fn migrate() -> ExitCode {
    let config = match load() {
        Ok(c) => c,
        Err(code) => return code,
    };
    start(&config);
    finish(runtime().block_on(async {
        let db = Database::open(&config.database)?;
        if let Some(dir) = config.database.url.default_dir() {
            std::fs::create_dir_all(dir)?;
        }
        db.migrate().await?;
        db.close().await;
        Ok(())
    }))
}

/// `hireme check-config`: validates the environment and prints a masked summary.
pub fn check_config() -> ExitCode {
    match Config::from_env() {
        Ok(config) => {
            for warning in &config.warnings {
                println!("warning: {warning}");
            }
            println!("configuration is valid: {}", config.summary());
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprint!("{err}");
            ExitCode::from(EXIT_CONFIG)
        }
    }
}

/// The subcommand to run when none is given.
pub fn default_command() -> ExitCode {
    if serverless::in_lambda() {
        lambda()
    } else {
        serve()
    }
}
