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
    telemetry::init(config.log_format, config.traces.as_ref());
    for warning in &config.warnings {
        tracing::warn!("{warning}");
    }
    tracing::info!(config = %config.summary(), "configuration loaded");
}

fn finish(result: anyhow::Result<()>) -> ExitCode {
    telemetry::shutdown();
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

/// What `hireme create-admin` was told.
pub struct AdminRequest {
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub user_type: String,
    /// Read the password from this file instead of standard input.
    pub password_file: Option<std::path::PathBuf>,
}

/// `hireme create-admin`: the only way to make an administrator. An existing account with that
/// e-mail address is promoted (its password unchanged); otherwise an account is created with
/// the password from the file or the first line of standard input.
pub fn create_admin(request: AdminRequest) -> ExitCode {
    let config = match load() {
        Ok(c) => c,
        Err(code) => return code,
    };
    telemetry::init(config.log_format, config.traces.as_ref());
    match runtime().block_on(make_admin(&config, request)) {
        Ok(message) => {
            println!("{message}");
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("create-admin: {err:#}");
            ExitCode::FAILURE
        }
    }
}

async fn make_admin(config: &Config, request: AdminRequest) -> anyhow::Result<String> {
    use crate::db::users::{self, NewUser};
    use crate::domain::time::now_ms;
    use crate::domain::{Email, Password, ProfileText, UserType, Username};
    use anyhow::Context;

    let email = Email::parse(&request.email).map_err(|e| anyhow::anyhow!("--email {e}"))?;
    let user_type =
        UserType::parse(&request.user_type).map_err(|e| anyhow::anyhow!("--user-type {e}"))?;
    let first = ProfileText::name(&request.first_name, 50)
        .map_err(|e| anyhow::anyhow!("--first-name {e}"))?;
    let last = ProfileText::name(&request.last_name, 50)
        .map_err(|e| anyhow::anyhow!("--last-name {e}"))?;

    let db = Database::open(&config.database)?;
    if let Some(dir) = config.database.url.default_dir() {
        std::fs::create_dir_all(dir)?;
    }
    db.migrate().await?;
    let pool = db.raw_pool();
    let mut conn = pool.acquire().await.context("cannot reach the database")?;
    if let Some(user) = users::find_by_email(&mut conn, email.as_str()).await? {
        users::set_admin(&mut conn, user.id, now_ms()).await?;
        return Ok(format!(
            "account {} is now an administrator (password unchanged)",
            user.id
        ));
    }

    let raw = match &request.password_file {
        Some(path) => std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?,
        None => {
            let mut line = String::new();
            std::io::stdin()
                .read_line(&mut line)
                .context("cannot read the password from standard input")?;
            line
        }
    };
    let password = Password::parse(raw.trim_end_matches(['\n', '\r']))
        .map_err(|e| anyhow::anyhow!("the password {e}"))?;
    let hasher = crate::auth::password::Hasher::new(&config.auth);
    let hash = hasher
        .hash(password.expose())
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let base = Username::base_from_names(&first, &last);
    let mut username = Username::parse(&base).unwrap_or_else(|_| Username::with_suffix(&base, 1));
    let mut suffix = 1;
    while users::username_exists(&mut conn, username.as_str()).await? {
        suffix += 1;
        username = Username::with_suffix(&base, suffix);
    }
    let user = users::insert(
        &mut conn,
        &NewUser {
            email: email.as_str(),
            password_hash: Some(&hash),
            first_name: &first,
            last_name: &last,
            username: username.as_str(),
            phone: None,
            user_type: user_type.as_str(),
            is_admin: true,
            location: None,
            google_sub: None,
            apple_sub: None,
            now: now_ms(),
        },
    )
    .await?;
    Ok(format!(
        "administrator {} created with username {}",
        user.id, user.username
    ))
}

/// The subcommand to run when none is given.
pub fn default_command() -> ExitCode {
    if serverless::in_lambda() {
        lambda()
    } else {
        serve()
    }
}
