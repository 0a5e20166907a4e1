//! `/api/hireme`: people available for hire, and the caller's own availability.

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::current_user::{CurrentUser, Viewer};
use super::extract::Query;
use super::users::{PersonView, SearchQuery};
use crate::db::people;
use crate::domain::time::now_ms;
use crate::error::{AppResult, ErrorEnvelope};
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_available))
        .routes(routes!(toggle_available))
}

#[derive(Serialize, ToSchema)]
pub struct AvailableList {
    success: bool,
    users: Vec<PersonView>,
    total: i64,
}

/// Active people available for hire, newest first; `search` matches name, occupation,
/// location and skills.
#[utoipa::path(get, path = "/api/hireme/available", tag = "users", params(SearchQuery),
    responses((status = 200, body = AvailableList), (status = 422, body = ErrorEnvelope)))]
pub async fn list_available(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<SearchQuery>,
) -> AppResult<Json<AvailableList>> {
    let (limit, offset) = q.page().bounds()?;
    let mut conn = state.db.pool().await?.acquire().await?;
    let (found, total) = people::available(
        &mut conn,
        state.db.backend(),
        viewer.id(),
        &q.words(),
        limit,
        offset,
    )
    .await?;
    Ok(Json(AvailableList {
        success: true,
        users: found.iter().map(PersonView::from).collect(),
        total,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct Availability {
    success: bool,
    is_available: bool,
}

/// Switches the caller's availability for hire.
#[utoipa::path(post, path = "/api/hireme/toggle", tag = "users", security(("bearer" = [])),
    responses((status = 200, body = Availability), (status = 401, body = ErrorEnvelope)))]
pub async fn toggle_available(
    State(state): State<AppState>,
    me: CurrentUser,
) -> AppResult<Json<Availability>> {
    let now_available = !me.user.is_available_for_hire;
    let mut tx = state.db.begin_write().await?;
    people::set_available(tx.conn(), me.user.id, now_available, now_ms()).await?;
    tx.commit().await?;
    Ok(Json(Availability {
        success: true,
        is_available: now_available,
    }))
}
