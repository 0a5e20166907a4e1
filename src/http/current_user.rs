//! The signed-in user of a request: a valid access token (from `Authorization: Bearer` or, when
//! that header is absent, the `access_token` cookie) whose session is still live.
//!
//! A request authenticated by the cookie alone with an unsafe method must come from an allowed
//! origin: browsers attach cookies to cross-site form posts, so without this check any site
//! could act for a signed-in visitor.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, header};

use crate::auth::tokens::{Claims, invalid_token};
use crate::config::AllowedOrigins;
use crate::db::sessions;
use crate::db::users::UserRecord;
use crate::domain::time::now_ms;
use crate::error::AppError;
use crate::state::AppState;

pub const ACCESS_COOKIE: &str = "access_token";
pub const REFRESH_COOKIE: &str = "refresh_token";

pub struct CurrentUser {
    pub user: UserRecord,
    pub session_id: String,
}

/// The value of cookie `name`, if sent.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim())
        .filter(|v| !v.is_empty())
}

/// Refuses a cookie-authenticated unsafe request whose `Origin` is not allowed. With `*` no
/// origin is trusted for cookies: such clients must send the bearer header.
pub fn check_cookie_origin(
    parts_method: &Method,
    headers: &HeaderMap,
    origins: &AllowedOrigins,
) -> Result<(), AppError> {
    let unsafe_method = !matches!(*parts_method, Method::GET | Method::HEAD | Method::OPTIONS);
    if !unsafe_method {
        return Ok(());
    }
    let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
    let allowed = match (origins, origin) {
        (AllowedOrigins::List(_), Some(o)) => origins.allows(o),
        _ => false,
    };
    if allowed {
        Ok(())
    } else {
        Err(AppError::forbidden(
            "CSRF_ORIGIN_REJECTED",
            "This request must come from an allowed origin, or carry an Authorization header",
        ))
    }
}

/// The access token of a request and whether it came from the cookie.
pub(crate) fn access_token(headers: &HeaderMap) -> Result<Option<(&str, bool)>, AppError> {
    if let Some(value) = headers.get(header::AUTHORIZATION) {
        let value = value.to_str().map_err(|_| invalid_token())?;
        let (scheme, token) = value.trim().split_once(' ').ok_or_else(invalid_token)?;
        if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
            return Err(invalid_token());
        }
        return Ok(Some((token.trim(), false)));
    }
    Ok(cookie(headers, ACCESS_COOKIE).map(|t| (t, true)))
}

pub fn not_authenticated() -> AppError {
    AppError::unauthorized("NOT_AUTHENTICATED", "Not authenticated")
}

/// The claims of the request's access token, checked for signature, expiry, type and (for
/// cookie-only unsafe requests) origin, but not yet against the session store.
pub fn claims(parts: &Parts, state: &AppState) -> Result<Option<Claims>, AppError> {
    let Some((token, via_cookie)) = access_token(&parts.headers)? else {
        return Ok(None);
    };
    let claims = state.auth.sessions.keys().verify(token)?;
    if via_cookie {
        check_cookie_origin(&parts.method, &parts.headers, &state.config.allowed_origins)?;
    }
    Ok(Some(claims))
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let claims = claims(parts, state)?.ok_or_else(not_authenticated)?;
        let user_id: i64 = claims.sub.parse().map_err(|_| invalid_token())?;
        let mut conn = state.db.pool().await?.acquire().await?;
        let user = sessions::live_user(&mut conn, &claims.sid, user_id, now_ms())
            .await?
            .ok_or_else(|| {
                AppError::unauthorized("SESSION_REVOKED", "The session has ended; sign in again")
            })?;
        Ok(Self {
            user,
            session_id: claims.sid,
        })
    }
}

/// The caller when signed in, or nobody. A token that is present must be valid: a stale one is
/// a 401, so the client refreshes instead of silently seeing the anonymous view.
pub struct Viewer(pub Option<CurrentUser>);

impl Viewer {
    /// The viewer's id, or 0 (which no account has) for nobody.
    pub fn id(&self) -> i64 {
        self.0.as_ref().map_or(0, |c| c.user.id)
    }
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if access_token(&parts.headers)?.is_none() {
            return Ok(Self(None));
        }
        CurrentUser::from_request_parts(parts, state)
            .await
            .map(|c| Self(Some(c)))
    }
}
