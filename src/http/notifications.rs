//! `/api/notifications`: the caller's notifications. Nobody sees or changes anyone else's.

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::current_user::CurrentUser;
use super::extract::{Page, Path, Query};
use super::views::UserSummary;
use crate::db::notifications::{self, NotificationRow};
use crate::domain::time::rfc3339;
use crate::error::{AppError, AppResult, ErrorEnvelope};
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_notifications))
        .routes(routes!(unread_count))
        .routes(routes!(mark_read))
        .routes(routes!(mark_all_read))
}

#[derive(Serialize, ToSchema, Clone)]
pub struct NotificationView {
    pub id: i64,
    /// `follow`, `like`, `comment`, `job_application`, `application_status` or `message`.
    #[serde(rename = "type")]
    pub kind: String,
    pub content: String,
    pub is_read: bool,
    pub created_at: String,
    pub related_id: Option<i64>,
    /// Who caused it; null when that account is gone.
    pub actor: Option<UserSummary>,
}

impl From<&NotificationRow> for NotificationView {
    fn from(n: &NotificationRow) -> Self {
        Self {
            id: n.id,
            kind: n.kind.clone(),
            content: n.content.clone(),
            is_read: n.is_read,
            created_at: rfc3339(n.created_at),
            related_id: n.related_id,
            actor: n.actor.clone().map(UserSummary::from),
        }
    }
}

#[derive(Deserialize, IntoParams)]
pub struct ListQuery {
    pub skip: Option<i64>,
    pub limit: Option<i64>,
    /// Only unread ones.
    pub unread_only: Option<bool>,
}

#[derive(Serialize, ToSchema)]
pub struct NotificationList {
    success: bool,
    notifications: Vec<NotificationView>,
    total: i64,
}

/// The caller's notifications, newest first.
#[utoipa::path(get, path = "/api/notifications/list", tag = "notifications", security(("bearer" = [])), params(ListQuery),
    responses((status = 200, body = NotificationList), (status = 401, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn list_notifications(
    State(state): State<AppState>,
    me: CurrentUser,
    Query(q): Query<ListQuery>,
) -> AppResult<Json<NotificationList>> {
    let (limit, offset) = Page {
        skip: q.skip,
        limit: q.limit,
    }
    .bounds()?;
    let mut conn = state.db.pool().await?.acquire().await?;
    let (rows, total) = notifications::list(
        &mut conn,
        me.user.id,
        q.unread_only.unwrap_or(false),
        limit,
        offset,
    )
    .await?;
    Ok(Json(NotificationList {
        success: true,
        notifications: rows.iter().map(NotificationView::from).collect(),
        total,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct UnreadCount {
    unread_count: i64,
}

/// How many of the caller's notifications are unread.
#[utoipa::path(get, path = "/api/notifications/unread-count", tag = "notifications", security(("bearer" = [])),
    responses((status = 200, body = UnreadCount), (status = 401, body = ErrorEnvelope)))]
pub async fn unread_count(
    State(state): State<AppState>,
    me: CurrentUser,
) -> AppResult<Json<UnreadCount>> {
    let mut conn = state.db.pool().await?.acquire().await?;
    Ok(Json(UnreadCount {
        unread_count: notifications::unread_count(&mut conn, me.user.id).await?,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct Done {
    success: bool,
}

/// Marks one of the caller's notifications read. Anyone else's is 404.
#[utoipa::path(put, path = "/api/notifications/{id}/read", tag = "notifications", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = Done), (status = 401, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)))]
pub async fn mark_read(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Json<Done>> {
    let mut tx = state.db.begin_write().await?;
    if !notifications::mark_read(tx.conn(), me.user.id, id).await? {
        return Err(AppError::not_found(
            "NOTIFICATION_NOT_FOUND",
            "No such notification",
        ));
    }
    tx.commit().await?;
    Ok(Json(Done { success: true }))
}

#[derive(Serialize, ToSchema)]
pub struct MarkedAll {
    success: bool,
    /// How many were unread.
    marked: u64,
}

/// Marks all of the caller's notifications read.
#[utoipa::path(put, path = "/api/notifications/mark-all-read", tag = "notifications", security(("bearer" = [])),
    responses((status = 200, body = MarkedAll), (status = 401, body = ErrorEnvelope)))]
pub async fn mark_all_read(
    State(state): State<AppState>,
    me: CurrentUser,
) -> AppResult<Json<MarkedAll>> {
    let mut tx = state.db.begin_write().await?;
    let marked = notifications::mark_all_read(tx.conn(), me.user.id).await?;
    tx.commit().await?;
    Ok(Json(MarkedAll {
        success: true,
        marked,
    }))
}
