//! The same router as an AWS Lambda function behind API Gateway (HTTP and REST APIs) or an
//! application load balancer. Nothing touches the database before the first invocation: the
//! pool connects lazily and the supervisor probes in the background.

use crate::config::Config;
use crate::db::Database;
use crate::http;
use crate::state::AppState;

/// True when the process was started by the Lambda runtime.
pub fn in_lambda() -> bool {
    std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_some()
}

pub async fn run(config: Config) -> anyhow::Result<()> {
    let db = Database::open(&config.database)?;
    db.supervise();
    let app = http::router(AppState::new(config, db));
    tracing::info!("serving Lambda invocations");
    lambda_http::run(app)
        .await
        .map_err(|e| anyhow::anyhow!("the Lambda runtime stopped: {e}"))
}
