//! Operational endpoints: liveness (the process runs), readiness (the database answers) and a
//! status summary. None of them shows configuration or error text.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use crate::error::Enveloped;
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct Status {
    /// `ok` (or `alive` for `/live`).
    #[schema(example = "ok")]
    pub status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "pong")]
    pub message: Option<&'static str>,
}

#[derive(Serialize, ToSchema)]
pub struct ServiceHealth {
    /// `ok`, or `degraded` while the database is unavailable.
    pub status: &'static str,
    pub service: &'static str,
    pub version: &'static str,
    /// `ok` or `unavailable`.
    pub database: &'static str,
    pub uptime_seconds: u64,
}

#[derive(Serialize, ToSchema)]
pub struct Readiness {
    /// `ready` or `not_ready`.
    pub status: &'static str,
    /// Each dependency and its state (`ok` or `unavailable`).
    #[schema(value_type = Object, example = json!({"database": "ok"}))]
    pub checks: serde_json::Value,
}

/// The process is up.
#[utoipa::path(method(get, head), path = "/health", tag = "operations",
    responses((status = 200, body = Status)))]
pub async fn health() -> Json<Status> {
    Json(Status {
        status: "ok",
        message: None,
    })
}

/// The process is up (for liveness probes).
#[utoipa::path(method(get, head), path = "/live", tag = "operations",
    responses((status = 200, body = Status)))]
pub async fn live() -> Json<Status> {
    Json(Status {
        status: "alive",
        message: None,
    })
}

/// The process is up, with a pong.
#[utoipa::path(method(get, head), path = "/health/ping", tag = "operations",
    responses((status = 200, body = Status)))]
pub async fn ping() -> Json<Status> {
    Json(Status {
        status: "ok",
        message: Some("pong"),
    })
}

/// The service and the state of its database. Always 200, so it can be polled cheaply; the
/// database state is the supervisor's latest probe.
#[utoipa::path(method(get, head), path = "/api/health", tag = "operations",
    responses((status = 200, body = ServiceHealth)))]
pub async fn service_health(State(state): State<AppState>) -> Json<ServiceHealth> {
    let up = state.db.is_available();
    Json(ServiceHealth {
        status: if up { "ok" } else { "degraded" },
        service: "hireme",
        version: env!("CARGO_PKG_VERSION"),
        database: if up { "ok" } else { "unavailable" },
        uptime_seconds: state.started.elapsed().as_secs(),
    })
}

/// Ready to serve: the database answers a query now.
#[utoipa::path(get, path = "/ready", tag = "operations", responses(
    (status = 200, body = Readiness), (status = 503, body = Readiness)))]
pub async fn ready(State(state): State<AppState>) -> Response {
    readiness(&state).await
}

/// The database check alone.
#[utoipa::path(get, path = "/ready/db", tag = "operations", responses(
    (status = 200, body = Readiness), (status = 503, body = Readiness)))]
pub async fn ready_db(State(state): State<AppState>) -> Response {
    readiness(&state).await
}

async fn readiness(state: &AppState) -> Response {
    // While the supervisor knows the database is down, say so at once; otherwise probe now so
    // a database that just went away is noticed here first.
    let up = state.db.is_available() && state.db.check().await.is_ok();
    if up {
        (
            StatusCode::OK,
            Json(Readiness {
                status: "ready",
                checks: json!({"database": "ok"}),
            }),
        )
            .into_response()
    } else {
        let mut response = (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(Readiness {
                status: "not_ready",
                checks: json!({"database": "unavailable"}),
            }),
        )
            .into_response();
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
        response.extensions_mut().insert(Enveloped);
        response
    }
}

/// Prometheus metrics: requests by route and status, their latency, database availability.
#[utoipa::path(get, path = "/metrics", tag = "operations",
    responses((status = 200, description = "Prometheus text exposition format", content_type = "text/plain"),
        (status = 503, body = crate::error::ErrorEnvelope, description = "Another metrics recorder owns the process")))]
pub async fn metrics() -> Response {
    match crate::metrics::handle() {
        Some(handle) => {
            handle.run_upkeep();
            (
                [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
                handle.render(),
            )
                .into_response()
        }
        None => crate::error::AppError::unavailable().into_response(),
    }
}
