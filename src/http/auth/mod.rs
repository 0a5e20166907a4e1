//! `/api/auth`: registration, sign-in, sessions and the caller's own account.

mod account;
mod oauth;
mod session;

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::current_user::{ACCESS_COOKIE, REFRESH_COOKIE};
use super::views::OwnUser;
use crate::auth::sessions::Issued;
use crate::db::users::UserRecord;
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(session::register))
        .routes(routes!(session::login))
        .routes(routes!(session::refresh, session::refresh_get))
        .routes(routes!(session::logout))
        .routes(routes!(session::logout_all))
        .routes(routes!(session::verify))
        .routes(routes!(account::me))
        .routes(routes!(account::get_profile, account::update_profile))
        .routes(routes!(
            account::change_password,
            account::change_password_post
        ))
        .routes(routes!(account::delete_account))
        .routes(routes!(oauth::oauth_google))
        .routes(routes!(oauth::oauth_apple))
}

/// What register, login, refresh and the OAuth sign-ins answer.
#[derive(Serialize, ToSchema)]
pub struct TokenResponse {
    /// A JWT (HS256) to send as `Authorization: Bearer …`.
    pub access_token: String,
    /// An opaque token for `POST /api/auth/refresh`; single use.
    pub refresh_token: String,
    /// Always `bearer`.
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    pub user: OwnUser,
}

fn cookie(name: &str, value: &str, path: &str, max_age: i64, production: bool) -> HeaderValue {
    let same_site = if production {
        "SameSite=None; Secure"
    } else {
        "SameSite=Lax"
    };
    let text = format!("{name}={value}; Path={path}; Max-Age={max_age}; HttpOnly; {same_site}");
    HeaderValue::from_str(&text).expect("tokens are URL-safe text")
}

/// The token response with its cookies.
pub(crate) fn token_response(
    status: StatusCode,
    issued: Issued,
    user: &UserRecord,
    production: bool,
) -> Response {
    let access = cookie(
        ACCESS_COOKIE,
        &issued.access_token,
        "/",
        issued.access_ttl_secs,
        production,
    );
    let refresh = cookie(
        REFRESH_COOKIE,
        &issued.refresh_token,
        "/api/auth",
        issued.refresh_ttl_secs,
        production,
    );
    let body = TokenResponse {
        access_token: issued.access_token,
        refresh_token: issued.refresh_token,
        token_type: "bearer",
        expires_in: issued.access_ttl_secs,
        user: OwnUser::from(user),
    };
    let mut response = (status, Json(body)).into_response();
    response.headers_mut().append(header::SET_COOKIE, access);
    response.headers_mut().append(header::SET_COOKIE, refresh);
    response
}

/// 204 that also removes both cookies.
pub(crate) fn cleared_cookies(production: bool) -> Response {
    let mut response = StatusCode::NO_CONTENT.into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        cookie(ACCESS_COOKIE, "", "/", 0, production),
    );
    response.headers_mut().append(
        header::SET_COOKIE,
        cookie(REFRESH_COOKIE, "", "/api/auth", 0, production),
    );
    response
}
