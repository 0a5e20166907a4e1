//! The HTTP layer: routes are wired here, in one place, and documented as they are wired.

mod auth;
pub mod context;
pub mod current_user;
pub mod docs;
pub mod extract;
mod hireme;
mod jobs;
pub(crate) mod messages;
pub mod middleware;
pub(crate) mod notifications;
pub mod ops;
mod pictures;
mod posts;
pub mod uploads;
mod users;
pub mod views;

use std::sync::Arc;

use axum::Router;
use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tower::ServiceExt;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::AppError;
use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "HireMe API",
        description = "Accounts, profiles, the feed, jobs, messages and notifications of the HireMeBahamas platform."
    ),
    components(schemas(crate::error::ErrorEnvelope, crate::error::FieldError)),
    modifiers(&BearerAuth),
    tags(
        (name = "operations", description = "Health, readiness and this document"),
        (name = "auth", description = "Registration, sign-in, sessions and the caller's own account"),
        (name = "users", description = "Public profiles, people lists, follows and availability for hire"),
        (name = "posts", description = "The feed, likes and comments"),
        (name = "jobs", description = "Job postings, search and applications"),
        (name = "messages", description = "Direct messages between two people"),
        (name = "notifications", description = "The caller's notifications"),
        (name = "uploads", description = "Stored files"),
    )
)]
struct ApiDoc;

/// Declares the bearer scheme that authenticated operations name.
struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "The access token; browsers may send it as the access_token cookie instead",
                    ))
                    .build(),
            ),
        );
    }
}

/// Every documented route, with its state applied.
fn documented_routes(state: &AppState) -> (Router, utoipa::openapi::OpenApi) {
    let (router, api) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(ops::health))
        .routes(routes!(ops::live))
        .routes(routes!(ops::ping))
        .routes(routes!(ops::service_health))
        .routes(routes!(ops::ready))
        .routes(routes!(ops::ready_db))
        .routes(routes!(ops::metrics))
        .routes(routes!(docs::docs_page))
        .merge(auth::routes())
        .merge(users::routes())
        .merge(posts::routes())
        .merge(notifications::routes())
        .merge(hireme::routes())
        .merge(jobs::routes())
        .merge(messages::routes())
        .merge(pictures::routes())
        .routes(routes!(uploads::get_upload))
        .split_for_parts();
    (router.with_state(state.clone()), api)
}

/// The OpenAPI document the server serves.
pub fn openapi(state: &AppState) -> utoipa::openapi::OpenApi {
    // `/api/openapi.json` serves the finished document, so it is documented separately.
    #[derive(OpenApi)]
    #[openapi(paths(docs::openapi_json))]
    struct DocumentItself;

    let (_, mut api) = documented_routes(state);
    api.merge(DocumentItself::openapi());
    api
}

/// The application: every route behind the full middleware stack.
pub fn router(state: AppState) -> Router {
    router_with(state, Router::new())
}

/// The application with extra routes mounted behind the same middleware stack (tests use it to
/// exercise the stack with handlers that panic, sleep or take bodies).
pub fn router_with(state: AppState, extra: Router) -> Router {
    build(state, extra, None)
}

/// The application with live sockets at `/socket.io`: what the long-running server serves.
/// Starts the live delivery tasks, so call it inside the runtime that will serve it.
pub fn router_with_live(state: AppState) -> (Router, crate::live::Sockets) {
    let (layer, sockets) = crate::live::layer(&state);
    (build(state, Router::new(), Some(layer)), sockets)
}

fn build(
    state: AppState,
    extra: Router,
    sockets: Option<socketioxide::layer::SocketIoLayer>,
) -> Router {
    // Installed before the first request, so every request is counted.
    let _ = crate::metrics::handle();
    let (routes, _) = documented_routes(&state);
    let api = openapi(&state);
    let json = serde_json::to_string(&api).unwrap_or_else(|_| "{}".to_owned());
    let doc = docs::OpenApiJson(Arc::new(json));
    let app = routes
        .route("/api/openapi.json", get(docs::openapi_json).with_state(doc))
        .merge(extra);
    // The contract writes collection routes with a trailing slash (`POST /api/jobs/`), as the
    // web client's old back end served them; both spellings reach the same handler.
    let exact = app.clone().fallback(not_found);
    let app = app.fallback(move |request: Request| without_trailing_slash(exact.clone(), request));
    middleware::apply(app, &state, sockets)
}

async fn without_trailing_slash(exact: Router, mut request: Request) -> Response {
    let path = request.uri().path();
    let trimmed = path.trim_end_matches('/');
    if trimmed.len() == path.len() || trimmed.is_empty() {
        return not_found().await.into_response();
    }
    let rebuilt = match request.uri().query() {
        Some(q) => format!("{trimmed}?{q}"),
        None => trimmed.to_owned(),
    };
    match rebuilt.parse() {
        Ok(uri) => {
            *request.uri_mut() = uri;
            match exact.oneshot(request).await {
                Ok(response) => response,
                Err(never) => match never {},
            }
        }
        Err(_) => not_found().await.into_response(),
    }
}

async fn not_found() -> AppError {
    AppError::not_found("ROUTE_NOT_FOUND", "No such route")
}
