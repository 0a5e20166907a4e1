//! `/api/profile-pictures`: the caller's pictures, uploaded as multipart, one of them current
//! (the avatar). Nobody sees or changes anyone else's.

use axum::Json;
use axum::extract::multipart::{Multipart, MultipartError, MultipartRejection};
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::current_user::CurrentUser;
use super::extract::Path;
use super::uploads::{BaseUrl, refusal_error, save_image};
use crate::db::pictures::{self, NewPicture, PictureRow};
use crate::domain::time::{now_ms, rfc3339};
use crate::error::{AppError, AppResult, ErrorEnvelope};
use crate::state::AppState;
use crate::storage::Key;

pub const MAX_FILE_BYTES: usize = 10 * 1024 * 1024;
pub const MAX_FILES: usize = 10;
/// Room for multipart framing around the files.
const FRAMING: usize = 64 * 1024;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_pictures))
        .merge(
            OpenApiRouter::new()
                .routes(routes!(upload_picture))
                .layer(DefaultBodyLimit::max(MAX_FILE_BYTES + FRAMING)),
        )
        .merge(
            OpenApiRouter::new()
                .routes(routes!(upload_pictures))
                .layer(DefaultBodyLimit::max(MAX_FILES * MAX_FILE_BYTES + FRAMING)),
        )
        .routes(routes!(set_current_picture))
        .routes(routes!(delete_picture))
}

#[derive(Serialize, ToSchema)]
pub struct PictureView {
    id: i64,
    /// Absolute URL of the file.
    file_url: String,
    /// The stored file's generated name (never the name it was uploaded with).
    filename: String,
    file_size: i64,
    is_current: bool,
    created_at: String,
}

fn upload_path(key: &str) -> String {
    format!("/api/uploads/{key}")
}

fn view(p: &PictureRow, base: &BaseUrl) -> PictureView {
    PictureView {
        id: p.id,
        file_url: base.absolute(&upload_path(&p.storage_key)),
        filename: p.storage_key.clone(),
        file_size: p.file_size,
        is_current: p.is_current,
        created_at: rfc3339(p.created_at),
    }
}

fn multipart_error(e: MultipartError) -> AppError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        AppError::payload_too_large("The upload is too large")
    } else {
        AppError::bad_request("INVALID_MULTIPART", "The multipart body could not be read")
    }
}

/// The files of field `name`, each read in chunks and refused as soon as it passes the limit.
async fn read_files(
    multipart: Result<Multipart, MultipartRejection>,
    name: &str,
    max_files: usize,
) -> AppResult<Vec<Vec<u8>>> {
    let mut multipart = multipart
        .map_err(|_| AppError::unsupported_media_type("Expected a multipart/form-data body"))?;
    let mut files = Vec::new();
    while let Some(mut field) = multipart.next_field().await.map_err(multipart_error)? {
        if field.name() != Some(name) {
            continue;
        }
        if files.len() == max_files {
            return Err(AppError::invalid_field(
                name,
                format!("at most {max_files} files per upload"),
            ));
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
            if bytes.len() + chunk.len() > MAX_FILE_BYTES {
                return Err(AppError::payload_too_large(
                    "Each file may be at most 10 MB",
                ));
            }
            bytes.extend_from_slice(&chunk);
        }
        files.push(bytes);
    }
    if files.is_empty() {
        return Err(AppError::invalid_field(name, "is required"));
    }
    Ok(files)
}

/// Processes and stores every file before recording any, so one bad file refuses the upload
/// and leaves nothing behind.
async fn store_all(
    state: &AppState,
    me: &CurrentUser,
    files: Vec<Vec<u8>>,
) -> AppResult<Vec<PictureRow>> {
    let mut stored: Vec<(Key, crate::storage::image::Processed)> = Vec::new();
    for bytes in files {
        match save_image(state, bytes).await? {
            Ok(done) => stored.push(done),
            Err(refusal) => {
                for (key, _) in &stored {
                    let _ = state.storage.delete(key).await;
                }
                return Err(refusal_error(refusal));
            }
        }
    }
    let now = now_ms();
    let mut tx = state.db.begin_write().await?;
    let mut rows = Vec::new();
    for (key, p) in &stored {
        rows.push(
            pictures::insert(
                tx.conn(),
                &NewPicture {
                    user_id: me.user.id,
                    storage_key: key.as_str(),
                    content_type: key.kind().content_type(),
                    file_size: p.bytes.len() as i64,
                    width: i64::from(p.width),
                    height: i64::from(p.height),
                    now,
                },
            )
            .await?,
        );
    }
    tx.commit().await?;
    Ok(rows)
}

#[derive(Serialize, ToSchema)]
pub struct PictureList {
    success: bool,
    pictures: Vec<PictureView>,
}

#[derive(Serialize, ToSchema)]
pub struct OnePicture {
    success: bool,
    picture: PictureView,
}

/// The caller's pictures, newest first.
#[utoipa::path(get, path = "/api/profile-pictures/list", tag = "uploads", security(("bearer" = [])),
    responses((status = 200, body = PictureList), (status = 401, body = ErrorEnvelope)))]
pub async fn list_pictures(
    State(state): State<AppState>,
    me: CurrentUser,
    base: BaseUrl,
) -> AppResult<Json<PictureList>> {
    let mut conn = state.db.pool().await?.acquire().await?;
    let rows = pictures::list(&mut conn, me.user.id).await?;
    Ok(Json(PictureList {
        success: true,
        pictures: rows.iter().map(|p| view(p, &base)).collect(),
    }))
}

/// Uploads a picture (multipart field `file`, at most 10 MB). It becomes the avatar when the
/// caller has none.
#[utoipa::path(post, path = "/api/profile-pictures/upload", tag = "uploads", security(("bearer" = [])),
    request_body(content_type = "multipart/form-data", description = "field `file`: a JPEG, PNG, GIF or WebP image"),
    responses((status = 201, body = OnePicture), (status = 401, body = ErrorEnvelope), (status = 413, body = ErrorEnvelope),
        (status = 415, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn upload_picture(
    State(state): State<AppState>,
    me: CurrentUser,
    base: BaseUrl,
    multipart: Result<Multipart, MultipartRejection>,
) -> AppResult<(StatusCode, Json<OnePicture>)> {
    let files = read_files(multipart, "file", 1).await?;
    let mut rows = store_all(&state, &me, files).await?;
    let mut picture = rows.remove(0);
    if me.user.avatar_url.is_none() {
        let mut tx = state.db.begin_write().await?;
        // Stored relative: made absolute for each response, never from a request's Host.
        pictures::set_current(
            tx.conn(),
            picture.id,
            me.user.id,
            &upload_path(&picture.storage_key),
            now_ms(),
        )
        .await?;
        tx.commit().await?;
        picture.is_current = true;
    }
    Ok((
        StatusCode::CREATED,
        Json(OnePicture {
            success: true,
            picture: view(&picture, &base),
        }),
    ))
}

/// Uploads up to 10 pictures at once (multipart fields `files`, 10 MB each).
#[utoipa::path(post, path = "/api/profile-pictures/upload-multiple", tag = "uploads", security(("bearer" = [])),
    request_body(content_type = "multipart/form-data", description = "fields `files`: up to 10 images"),
    responses((status = 201, body = PictureList), (status = 401, body = ErrorEnvelope), (status = 413, body = ErrorEnvelope),
        (status = 415, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn upload_pictures(
    State(state): State<AppState>,
    me: CurrentUser,
    base: BaseUrl,
    multipart: Result<Multipart, MultipartRejection>,
) -> AppResult<(StatusCode, Json<PictureList>)> {
    let files = read_files(multipart, "files", MAX_FILES).await?;
    let rows = store_all(&state, &me, files).await?;
    Ok((
        StatusCode::CREATED,
        Json(PictureList {
            success: true,
            pictures: rows.iter().map(|p| view(p, &base)).collect(),
        }),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct CurrentPicture {
    success: bool,
    picture: PictureView,
    avatar_url: String,
}

fn no_such_picture() -> AppError {
    AppError::not_found("PICTURE_NOT_FOUND", "No such picture")
}

/// Makes one of the caller's pictures the avatar.
#[utoipa::path(post, path = "/api/profile-pictures/{id}/set-current", tag = "uploads", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = CurrentPicture), (status = 401, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)))]
pub async fn set_current_picture(
    State(state): State<AppState>,
    me: CurrentUser,
    base: BaseUrl,
    Path(id): Path<i64>,
) -> AppResult<Json<CurrentPicture>> {
    let mut tx = state.db.begin_write().await?;
    let mut picture = pictures::find_own(tx.conn(), id, me.user.id)
        .await?
        .ok_or_else(no_such_picture)?;
    let path = upload_path(&picture.storage_key);
    pictures::set_current(tx.conn(), id, me.user.id, &path, now_ms()).await?;
    let url = base.absolute(&path);
    tx.commit().await?;
    picture.is_current = true;
    Ok(Json(CurrentPicture {
        success: true,
        picture: view(&picture, &base),
        avatar_url: url,
    }))
}

/// Deletes one of the caller's pictures and its file; the avatar is cleared if it was current.
#[utoipa::path(delete, path = "/api/profile-pictures/{id}", tag = "uploads", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 204, description = "Deleted"), (status = 401, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)))]
pub async fn delete_picture(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<StatusCode> {
    let mut tx = state.db.begin_write().await?;
    let picture = pictures::find_own(tx.conn(), id, me.user.id)
        .await?
        .ok_or_else(no_such_picture)?;
    pictures::delete(tx.conn(), &picture, now_ms()).await?;
    tx.commit().await?;
    if let Some(key) = Key::parse(&picture.storage_key)
        && let Err(e) = state.storage.delete(&key).await
    {
        tracing::warn!(error = %e, "a deleted picture's file could not be removed");
    }
    Ok(StatusCode::NO_CONTENT)
}
