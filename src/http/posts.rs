//! `/api/posts`: the feed, a person's posts, writing, liking and commenting.

use axum::Json;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::current_user::{CurrentUser, Viewer};
use super::extract::{Json as JsonBody, Page, Path, Query};
use super::uploads::BaseUrl;
use super::views::UserSummary;
use crate::db::posts::{self, CommentRow, NewPost, PostRow};
use crate::domain::time::{now_ms, rfc3339};
use crate::error::{AppError, AppResult, ErrorEnvelope};
use crate::notifications::{Kind, notify};
use crate::state::AppState;

/// A post may carry a `data:` image of up to 5 MB, which is about 6.7 MB of base64.
pub const POST_BODY_LIMIT: usize = 8 * 1024 * 1024;
const DATA_IMAGE_MAX_BYTES: usize = 5 * 1024 * 1024;
const CONTENT_MAX: usize = 5000;
const COMMENT_MAX: usize = 1000;
const URL_MAX: usize = 2048;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_posts, create_post))
        .layer(DefaultBodyLimit::max(POST_BODY_LIMIT))
        .merge(
            OpenApiRouter::new()
                .routes(routes!(user_posts))
                .routes(routes!(get_post, update_post, delete_post))
                .routes(routes!(like_post, unlike_post))
                .routes(routes!(list_comments, create_comment))
                .routes(routes!(delete_comment)),
        )
}

#[derive(Serialize, ToSchema)]
pub struct PostView {
    id: i64,
    content: String,
    /// Absolute URL of the image, if any.
    image_url: Option<String>,
    video_url: Option<String>,
    /// `text`, `image`, `video` or `job`.
    post_type: String,
    related_job_id: Option<i64>,
    created_at: String,
    updated_at: String,
    likes_count: i64,
    comments_count: i64,
    /// Whether the caller likes it (false when anonymous).
    is_liked: bool,
    user: UserSummary,
}

impl PostView {
    fn new(row: PostRow, base: &BaseUrl) -> Self {
        Self {
            id: row.id,
            content: row.content,
            image_url: row.image_url.map(|u| base.absolute(&u)),
            video_url: row.video_url,
            post_type: row.post_type,
            related_job_id: row.related_job_id,
            created_at: rfc3339(row.created_at),
            updated_at: rfc3339(row.updated_at),
            likes_count: row.likes_count,
            comments_count: row.comments_count,
            is_liked: row.is_liked,
            user: row.author.into(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct PostList {
    success: bool,
    posts: Vec<PostView>,
}

#[derive(Serialize, ToSchema)]
pub struct OnePost {
    success: bool,
    post: PostView,
}

fn no_such_post() -> AppError {
    AppError::not_found("POST_NOT_FOUND", "No such post")
}

/// The feed: everyone's posts, newest first. No sign-in needed.
#[utoipa::path(get, path = "/api/posts", tag = "posts", params(Page),
    responses((status = 200, body = PostList), (status = 422, body = ErrorEnvelope)))]
pub async fn list_posts(
    State(state): State<AppState>,
    viewer: Viewer,
    base: BaseUrl,
    Query(page): Query<Page>,
) -> AppResult<Json<PostList>> {
    let (limit, offset) = page.bounds()?;
    let mut conn = state.db.pool().await?.acquire().await?;
    let rows = posts::feed(&mut conn, viewer.id(), limit, offset).await?;
    Ok(Json(PostList {
        success: true,
        posts: rows.into_iter().map(|r| PostView::new(r, &base)).collect(),
    }))
}

/// One person's posts, newest first.
#[utoipa::path(get, path = "/api/posts/user/{user_id}", tag = "posts", params(("user_id" = i64, Path), Page),
    responses((status = 200, body = PostList), (status = 404, body = ErrorEnvelope)))]
pub async fn user_posts(
    State(state): State<AppState>,
    viewer: Viewer,
    base: BaseUrl,
    Path(user_id): Path<i64>,
    Query(page): Query<Page>,
) -> AppResult<Json<PostList>> {
    let (limit, offset) = page.bounds()?;
    let mut conn = state.db.pool().await?.acquire().await?;
    crate::db::people::find_active(&mut conn, &user_id.to_string())
        .await?
        .ok_or_else(|| AppError::not_found("USER_NOT_FOUND", "No such user"))?;
    let rows = posts::by_user(&mut conn, user_id, viewer.id(), limit, offset).await?;
    Ok(Json(PostList {
        success: true,
        posts: rows.into_iter().map(|r| PostView::new(r, &base)).collect(),
    }))
}

/// One post.
#[utoipa::path(get, path = "/api/posts/{id}", tag = "posts", params(("id" = i64, Path)),
    responses((status = 200, body = OnePost), (status = 404, body = ErrorEnvelope)))]
pub async fn get_post(
    State(state): State<AppState>,
    viewer: Viewer,
    base: BaseUrl,
    Path(id): Path<i64>,
) -> AppResult<Json<OnePost>> {
    let mut conn = state.db.pool().await?.acquire().await?;
    let row = posts::find(&mut conn, id, viewer.id())
        .await?
        .ok_or_else(no_such_post)?;
    Ok(Json(OnePost {
        success: true,
        post: PostView::new(row, &base),
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct NewPostRequest {
    /// 1 to 5,000 characters.
    content: String,
    /// An `https` URL, a URL this server issued for an upload, or a
    /// `data:image/…;base64,` URL of at most 5 MB (stored as an upload).
    image_url: Option<String>,
    /// An `https` URL.
    video_url: Option<String>,
}

fn check_content(raw: &str, max: usize) -> AppResult<String> {
    let text = raw.trim();
    if text.is_empty() {
        return Err(AppError::invalid_field("content", "must not be empty"));
    }
    if text.chars().count() > max {
        return Err(AppError::invalid_field(
            "content",
            format!("must be at most {max} characters"),
        ));
    }
    Ok(text.to_owned())
}

fn https_url(field: &str, raw: &str) -> AppResult<String> {
    let bad = || AppError::invalid_field(field, "must be an https URL");
    if raw.len() > URL_MAX {
        return Err(AppError::invalid_field(
            field,
            format!("must be at most {URL_MAX} characters"),
        ));
    }
    let url = url::Url::parse(raw).map_err(|_| bad())?;
    if url.scheme() != "https" || url.host_str().is_none() {
        return Err(bad());
    }
    Ok(url.to_string())
}

/// What to store for an `image_url`: an `https` URL as given, a stored upload by its relative
/// path, or a decoded `data:` image stored now.
async fn store_image(state: &AppState, base: &BaseUrl, raw: &str) -> AppResult<String> {
    let raw = raw.trim();
    if let Some(rest) = raw.strip_prefix("data:") {
        let (meta, data) = rest
            .split_once(',')
            .ok_or_else(|| AppError::invalid_field("image_url", "is not a valid data URL"))?;
        if !meta.starts_with("image/") || !meta.ends_with(";base64") {
            return Err(AppError::invalid_field(
                "image_url",
                "must be a data:image/…;base64, URL",
            ));
        }
        if data.len() > DATA_IMAGE_MAX_BYTES.div_ceil(3) * 4 + 4 {
            return Err(AppError::payload_too_large("The image is larger than 5 MB"));
        }
        let bytes = STANDARD
            .decode(data.trim())
            .map_err(|_| AppError::invalid_field("image_url", "is not valid base64"))?;
        if bytes.len() > DATA_IMAGE_MAX_BYTES {
            return Err(AppError::payload_too_large("The image is larger than 5 MB"));
        }
        // The type comes from the bytes, never from what the URL claims; the image is
        // decoded and encoded afresh, so no metadata or trailing bytes are kept.
        let key = match super::uploads::save_image(state, bytes).await? {
            Ok((key, _)) => key,
            Err(crate::storage::image::Refusal::TooLarge) => {
                return Err(AppError::payload_too_large(
                    "The image's dimensions are too large",
                ));
            }
            Err(_) => {
                return Err(AppError::invalid_field(
                    "image_url",
                    "is not a readable JPEG, PNG, GIF or WebP image",
                ));
            }
        };
        return Ok(format!("/api/uploads/{}", key.as_str()));
    }
    if let Some(key) = base.upload_key(raw) {
        let stored = state.storage.get(&key).await.map_err(AppError::internal)?;
        if stored.is_none() {
            return Err(AppError::invalid_field(
                "image_url",
                "names an upload that does not exist",
            ));
        }
        return Ok(format!("/api/uploads/{}", key.as_str()));
    }
    https_url("image_url", raw)
}

/// Publishes a post. An image given as a `data:` URL is decoded, checked and stored.
#[utoipa::path(post, path = "/api/posts", tag = "posts", security(("bearer" = [])), request_body = NewPostRequest,
    responses((status = 201, body = OnePost), (status = 401, body = ErrorEnvelope),
        (status = 413, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn create_post(
    State(state): State<AppState>,
    me: CurrentUser,
    base: BaseUrl,
    JsonBody(body): JsonBody<NewPostRequest>,
) -> AppResult<(StatusCode, Json<OnePost>)> {
    let content = check_content(&body.content, CONTENT_MAX)?;
    let video_url = match body
        .video_url
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
    {
        Some(v) => Some(https_url("video_url", v)?),
        None => None,
    };
    let image_url = match body
        .image_url
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
    {
        Some(v) => Some(store_image(&state, &base, v).await?),
        None => None,
    };
    let post_type = match (&image_url, &video_url) {
        (Some(_), _) => "image",
        (None, Some(_)) => "video",
        _ => "text",
    };
    let mut tx = state.db.begin_write().await?;
    let id = posts::insert(
        tx.conn(),
        &NewPost {
            user_id: me.user.id,
            content: &content,
            image_url: image_url.as_deref(),
            video_url: video_url.as_deref(),
            post_type,
            related_job_id: None,
            now: now_ms(),
        },
    )
    .await?;
    let row = posts::find(tx.conn(), id, me.user.id)
        .await?
        .ok_or_else(no_such_post)?;
    tx.commit().await?;
    Ok((
        StatusCode::CREATED,
        Json(OnePost {
            success: true,
            post: PostView::new(row, &base),
        }),
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct PostEdit {
    /// 1 to 5,000 characters.
    content: String,
}

/// Who may remove or change something: its author, or (for removal) an administrator.
fn not_yours() -> AppError {
    AppError::forbidden(
        "NOT_OWNER",
        "You can only change your own posts and comments",
    )
}

/// Changes the text of one's own post.
#[utoipa::path(put, path = "/api/posts/{id}", tag = "posts", security(("bearer" = [])), params(("id" = i64, Path)),
    request_body = PostEdit,
    responses((status = 200, body = OnePost), (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn update_post(
    State(state): State<AppState>,
    me: CurrentUser,
    base: BaseUrl,
    Path(id): Path<i64>,
    JsonBody(body): JsonBody<PostEdit>,
) -> AppResult<Json<OnePost>> {
    let content = check_content(&body.content, CONTENT_MAX)?;
    let mut tx = state.db.begin_write().await?;
    let owner = posts::owner(tx.conn(), id)
        .await?
        .ok_or_else(no_such_post)?;
    if owner != me.user.id {
        return Err(not_yours());
    }
    posts::update_content(tx.conn(), id, &content, now_ms()).await?;
    let row = posts::find(tx.conn(), id, me.user.id)
        .await?
        .ok_or_else(no_such_post)?;
    tx.commit().await?;
    Ok(Json(OnePost {
        success: true,
        post: PostView::new(row, &base),
    }))
}

/// Deletes a post with its likes and comments: its author or an administrator.
#[utoipa::path(delete, path = "/api/posts/{id}", tag = "posts", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 204, description = "Deleted"), (status = 401, body = ErrorEnvelope),
        (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)))]
pub async fn delete_post(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<StatusCode> {
    let mut tx = state.db.begin_write().await?;
    let owner = posts::owner(tx.conn(), id)
        .await?
        .ok_or_else(no_such_post)?;
    if owner != me.user.id && !me.user.is_admin {
        return Err(not_yours());
    }
    posts::delete(tx.conn(), id).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct LikeState {
    success: bool,
    liked: bool,
    likes_count: i64,
}

async fn set_like(
    state: &AppState,
    me: &CurrentUser,
    id: i64,
    toggle: bool,
) -> AppResult<Json<LikeState>> {
    let mut tx = state.db.begin_write().await?;
    let owner = posts::owner(tx.conn(), id)
        .await?
        .ok_or_else(no_such_post)?;
    let now = now_ms();
    // Toggle: unlike if liked, like otherwise. The DELETE route only ever unlikes.
    let liked = if toggle && !posts::unlike(tx.conn(), id, me.user.id).await? {
        if posts::like(tx.conn(), id, me.user.id, now).await? {
            let text = format!(
                "{} {} liked your post",
                me.user.first_name, me.user.last_name
            );
            notify(
                &mut tx,
                &state.notifier,
                owner,
                Some(me.user.id),
                Kind::Like,
                Some(id),
                &text,
            )
            .await?;
        }
        true
    } else {
        if !toggle {
            posts::unlike(tx.conn(), id, me.user.id).await?;
        }
        false
    };
    let likes_count = posts::likes_count(tx.conn(), id).await?;
    tx.commit().await?;
    Ok(Json(LikeState {
        success: true,
        liked,
        likes_count,
    }))
}

/// Likes the post, or takes the like back if the caller already likes it.
#[utoipa::path(post, path = "/api/posts/{id}/like", tag = "posts", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = LikeState), (status = 401, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)))]
pub async fn like_post(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Json<LikeState>> {
    set_like(&state, &me, id, true).await
}

/// Takes the caller's like back (nothing happens if there was none).
#[utoipa::path(delete, path = "/api/posts/{id}/like", tag = "posts", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = LikeState), (status = 401, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)))]
pub async fn unlike_post(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Json<LikeState>> {
    set_like(&state, &me, id, false).await
}

#[derive(Serialize, ToSchema)]
pub struct CommentView {
    id: i64,
    post_id: i64,
    content: String,
    created_at: String,
    user: UserSummary,
}

impl From<CommentRow> for CommentView {
    fn from(c: CommentRow) -> Self {
        Self {
            id: c.id,
            post_id: c.post_id,
            content: c.content,
            created_at: rfc3339(c.created_at),
            user: c.author.into(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct CommentList {
    success: bool,
    comments: Vec<CommentView>,
}

#[derive(Serialize, ToSchema)]
pub struct OneComment {
    success: bool,
    comment: CommentView,
}

/// A post's comments, oldest first. No sign-in needed.
#[utoipa::path(get, path = "/api/posts/{id}/comments", tag = "posts", params(("id" = i64, Path), Page),
    responses((status = 200, body = CommentList), (status = 404, body = ErrorEnvelope)))]
pub async fn list_comments(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(page): Query<Page>,
) -> AppResult<Json<CommentList>> {
    let (limit, offset) = page.bounds()?;
    let mut conn = state.db.pool().await?.acquire().await?;
    posts::owner(&mut conn, id)
        .await?
        .ok_or_else(no_such_post)?;
    let rows = posts::comments(&mut conn, id, limit, offset).await?;
    Ok(Json(CommentList {
        success: true,
        comments: rows.into_iter().map(CommentView::from).collect(),
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct NewComment {
    /// 1 to 1,000 characters.
    content: String,
}

/// Comments on a post; its author is notified.
#[utoipa::path(post, path = "/api/posts/{id}/comments", tag = "posts", security(("bearer" = [])), params(("id" = i64, Path)),
    request_body = NewComment,
    responses((status = 201, body = OneComment), (status = 401, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope),
        (status = 422, body = ErrorEnvelope)))]
pub async fn create_comment(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
    JsonBody(body): JsonBody<NewComment>,
) -> AppResult<(StatusCode, Json<OneComment>)> {
    let content = check_content(&body.content, COMMENT_MAX)?;
    let mut tx = state.db.begin_write().await?;
    let owner = posts::owner(tx.conn(), id)
        .await?
        .ok_or_else(no_such_post)?;
    let comment = posts::add_comment(tx.conn(), id, me.user.id, &content, now_ms()).await?;
    let text = format!(
        "{} {} commented on your post",
        me.user.first_name, me.user.last_name
    );
    notify(
        &mut tx,
        &state.notifier,
        owner,
        Some(me.user.id),
        Kind::Comment,
        Some(id),
        &text,
    )
    .await?;
    tx.commit().await?;
    Ok((
        StatusCode::CREATED,
        Json(OneComment {
            success: true,
            comment: comment.into(),
        }),
    ))
}

/// Deletes a comment: its author, the post's author, or an administrator.
#[utoipa::path(delete, path = "/api/posts/{id}/comments/{comment_id}", tag = "posts", security(("bearer" = [])),
    params(("id" = i64, Path), ("comment_id" = i64, Path)),
    responses((status = 204, description = "Deleted"), (status = 401, body = ErrorEnvelope),
        (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)))]
pub async fn delete_comment(
    State(state): State<AppState>,
    me: CurrentUser,
    Path((id, comment_id)): Path<(i64, i64)>,
) -> AppResult<StatusCode> {
    let mut tx = state.db.begin_write().await?;
    let post_owner = posts::owner(tx.conn(), id)
        .await?
        .ok_or_else(no_such_post)?;
    let author = posts::comment_author(tx.conn(), id, comment_id)
        .await?
        .ok_or_else(|| AppError::not_found("COMMENT_NOT_FOUND", "No such comment"))?;
    if author != me.user.id && post_owner != me.user.id && !me.user.is_admin {
        return Err(not_yours());
    }
    posts::delete_comment(tx.conn(), id, comment_id).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}
