//! The same router as an AWS Lambda function behind API Gateway (HTTP and REST APIs) or an
//! application load balancer. Nothing touches the database before the first invocation: the
//! pool connects lazily and the supervisor probes in the background.

use axum::http::Uri;
use lambda_http::request::RequestContext;
use tower::ServiceExt;

use crate::config::Config;
use crate::db::Database;
use crate::http;
use crate::state::AppState;

/// True when the process was started by the Lambda runtime.
pub fn in_lambda() -> bool {
    std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_some()
}

/// Variables the Lambda runtime always sets; without them the runtime client cannot start.
const RUNTIME_VARIABLES: &[&str] = &[
    "AWS_LAMBDA_RUNTIME_API",
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_FUNCTION_VERSION",
];

pub async fn run(config: Config) -> anyhow::Result<()> {
    let missing: Vec<&str> = RUNTIME_VARIABLES
        .iter()
        .copied()
        .filter(|name| std::env::var_os(name).is_none())
        .collect();
    if !missing.is_empty() {
        anyhow::bail!(
            "not inside AWS Lambda: {} unset (use `hireme serve` to serve HTTP)",
            missing.join(", ")
        );
    }
    let db = Database::open(&config.database)?;
    db.supervise();
    let app = http::router(AppState::new(config, db)?);
    tracing::info!("serving Lambda invocations");
    // Spans are sent before the answer: once answered, the function may be frozen.
    let app = app.map_request(strip_stage).map_response(|response| {
        crate::telemetry::flush();
        response
    });
    lambda_http::run(app)
        .await
        .map_err(|e| anyhow::anyhow!("the Lambda runtime stopped: {e}"))
}

/// API Gateway puts the stage name in front of the path (`/prod/api/health`); HireMe's routes
/// are the same on every stage, so the prefix goes.
fn strip_stage(mut request: lambda_http::Request) -> lambda_http::Request {
    let stage = match request.extensions().get::<RequestContext>() {
        Some(RequestContext::ApiGatewayV1(ctx)) => ctx.stage.clone(),
        Some(RequestContext::ApiGatewayV2(ctx)) => ctx.stage.clone(),
        _ => None,
    };
    let Some(stage) = stage.filter(|s| s != "$default" && !s.is_empty()) else {
        return request;
    };
    let prefix = format!("/{stage}");
    let path = request.uri().path();
    let rest = match path.strip_prefix(&prefix) {
        Some("") => "/",
        Some(rest) if rest.starts_with('/') => rest,
        _ => return request,
    };
    let rebuilt = match request.uri().query() {
        Some(q) => format!("{rest}?{q}"),
        None => rest.to_owned(),
    };
    if let Ok(uri) = rebuilt.parse::<Uri>() {
        *request.uri_mut() = uri;
    }
    request
}
