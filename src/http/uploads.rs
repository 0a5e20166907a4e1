//! `/api/uploads/{key}`: stored files, served with their real type, `nosniff`, a long cache
//! lifetime and an `ETag` (keys are never reused, so a file never changes under its key).

use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::extract::Path;
use crate::error::{AppError, AppResult, ErrorEnvelope};
use crate::state::AppState;
use crate::storage::Key;

const UPLOADS_PATH: &str = "/api/uploads/";

/// The public origin used to make file URLs absolute: `PUBLIC_BASE_URL`, or else the request's
/// own host.
#[derive(Debug, Clone)]
pub struct BaseUrl(pub String);

impl BaseUrl {
    /// Makes a stored relative upload path absolute; other URLs pass unchanged.
    pub fn absolute(&self, stored: &str) -> String {
        if stored.starts_with(UPLOADS_PATH) {
            format!("{}{stored}", self.0)
        } else {
            stored.to_owned()
        }
    }

    /// The key of an upload URL this server issued (absolute for this origin, or relative).
    pub fn upload_key(&self, url: &str) -> Option<Key> {
        let path = url.strip_prefix(&self.0).unwrap_or(url);
        Key::parse(path.strip_prefix(UPLOADS_PATH)?)
    }
}

impl FromRequestParts<AppState> for BaseUrl {
    type Rejection = AppError;

    /// The same origin the request's context renders with (see `context::absolute`).
    async fn from_request_parts(_: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let base = crate::http::context::current()
            .map(|c| c.base_url)
            .or_else(|| state.config.public_base_url.clone())
            .unwrap_or_else(|| "http://localhost".to_owned());
        Ok(Self(base))
    }
}

/// A stored file.
#[utoipa::path(get, path = "/api/uploads/{key}", tag = "uploads", params(("key" = String, Path)),
    responses(
        (status = 200, description = "The file, with its content type", content_type = "image/*"),
        (status = 304, description = "Not modified (If-None-Match)"),
        (status = 404, body = ErrorEnvelope),
    ))]
pub async fn get_upload(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(key): Path<String>,
) -> AppResult<Response> {
    let not_found = || AppError::not_found("FILE_NOT_FOUND", "No such file");
    let key = Key::parse(&key).ok_or_else(not_found)?;
    let etag = format!("\"{}\"", key.as_str());
    let cache = HeaderValue::from_static("public, max-age=31536000, immutable");
    let matches = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    let bytes = state
        .storage
        .get(&key)
        .await
        .map_err(AppError::internal)?
        .ok_or_else(not_found)?;
    let etag = HeaderValue::from_str(&etag).map_err(AppError::internal)?;
    if matches {
        return Ok((
            StatusCode::NOT_MODIFIED,
            [(header::ETAG, etag), (header::CACHE_CONTROL, cache)],
        )
            .into_response());
    }
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(key.kind().content_type()),
            ),
            (header::ETAG, etag),
            (header::CACHE_CONTROL, cache),
            (
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static("default-src 'none'; sandbox"),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// Runs an upload through the image pipeline (on the blocking pool) and stores the result under
/// a new key. The caller decides how a refusal is answered.
pub async fn save_image(
    state: &AppState,
    bytes: Vec<u8>,
) -> AppResult<Result<(Key, crate::storage::image::Processed), crate::storage::image::Refusal>> {
    let processed = tokio::task::spawn_blocking(move || crate::storage::image::process(&bytes))
        .await
        .map_err(AppError::internal)?;
    let processed = match processed {
        Ok(p) => p,
        Err(refusal) => return Ok(Err(refusal)),
    };
    let key = Key::new(processed.kind);
    state
        .storage
        .put(&key, processed.bytes.clone())
        .await
        .map_err(AppError::internal)?;
    Ok(Ok((key, processed)))
}

/// How an upload endpoint answers an image it will not store.
pub fn refusal_error(refusal: crate::storage::image::Refusal) -> AppError {
    use crate::storage::image::Refusal;
    match refusal {
        Refusal::NotAnImage => AppError::unsupported_media_type(
            "Only JPEG, PNG, GIF and WebP images are accepted (recognised by their content)",
        ),
        Refusal::TooLarge => AppError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "IMAGE_TOO_LARGE",
            "The image's dimensions are too large",
        ),
        Refusal::Undecodable => AppError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "INVALID_IMAGE",
            "The image could not be read; it may be truncated or corrupt",
        ),
    }
}
