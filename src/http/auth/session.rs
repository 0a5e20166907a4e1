//! Registration, sign-in, refresh and sign-out.

use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use rand::Rng;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{TokenResponse, cleared_cookies, token_response};
use crate::auth::password::Verdict;
use crate::auth::pseudonym;
use crate::db::sessions;
use crate::db::users::{self, NewUser, Taken};
use crate::domain::time::now_ms;
use crate::domain::{Email, LoginId, Password, Phone, ProfileText, UserType, Username};
use crate::error::{AppError, AppResult, ErrorEnvelope};
use crate::http::current_user::{self, CurrentUser, REFRESH_COOKIE, check_cookie_origin, cookie};
use crate::http::extract::{Fields, Json};
use crate::http::middleware::ClientAddr;
use crate::state::AppState;

/// The client address as a limiter key; "unknown" when there is none (never in practice).
fn address_key(client: Option<ClientAddr>) -> String {
    client.map_or_else(|| "unknown".to_owned(), |c| c.0.to_string())
}

#[derive(Deserialize, ToSchema)]
pub struct RegisterRequest {
    #[schema(example = "jane@example.com")]
    email: String,
    /// 8 to 128 characters, not a well-known password.
    password: String,
    first_name: String,
    last_name: String,
    /// `freelancer`, `client`, `employer` or `recruiter`.
    user_type: String,
    location: Option<String>,
    phone: Option<String>,
    /// Made from the names when absent.
    username: Option<String>,
}

/// Creates an account and signs it in. `role`, `is_admin` and the like are not read from the
/// body: nobody becomes an administrator through the API.
#[utoipa::path(post, path = "/api/auth/register", tag = "auth", request_body = RegisterRequest,
    responses(
        (status = 201, body = TokenResponse, description = "Signed in; sets the access_token and refresh_token cookies"),
        (status = 409, body = ErrorEnvelope, description = "E-mail, phone or username already in use"),
        (status = 422, body = ErrorEnvelope),
        (status = 429, body = ErrorEnvelope, description = "Too many registrations from this address"),
    ))]
pub async fn register(
    State(state): State<AppState>,
    client: Option<ClientAddr>,
    Json(body): Json<RegisterRequest>,
) -> AppResult<Response> {
    let auth = &state.auth;
    auth.limiter
        .hit(&auth.rules.register_per_address, &address_key(client))
        .await
        .map_err(AppError::rate_limited)?;

    let mut fields = Fields::default();
    let email = fields.check("email", Email::parse(&body.email));
    let password = fields.check("password", Password::parse(&body.password));
    let first_name = fields.check("first_name", ProfileText::name(&body.first_name, 50));
    let last_name = fields.check("last_name", ProfileText::name(&body.last_name, 50));
    let user_type = fields.check("user_type", UserType::parse(&body.user_type));
    let location = match body.location.as_deref() {
        Some(l) => fields
            .check("location", ProfileText::parse(l, 100))
            .flatten(),
        None => None,
    };
    let phone = match body
        .phone
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        Some(p) => fields.check("phone", Phone::parse(p)),
        None => None,
    };
    let username = match body
        .username
        .as_deref()
        .map(str::trim)
        .filter(|u| !u.is_empty())
    {
        Some(u) => fields.check("username", Username::parse(u)),
        None => None,
    };
    fields.finish()?;
    let (Some(email), Some(password), Some(first_name), Some(last_name), Some(user_type)) =
        (email, password, first_name, last_name, user_type)
    else {
        unreachable!("finish() refused the request if any required field was invalid");
    };

    let hash = auth.hasher.hash(password.expose()).await?;
    let base = Username::base_from_names(&first_name, &last_name);
    let chosen = username.is_some();
    for attempt in 0..8u32 {
        let candidate = match (&username, attempt) {
            (Some(u), _) => u.clone(),
            (None, 0) => Username::parse(&base).unwrap_or_else(|_| Username::with_suffix(&base, 1)),
            (None, n) => Username::with_suffix(
                &base,
                rand::rng().random_range(10u32.pow(n.min(6))..10u32.pow(n.min(6) + 1)),
            ),
        };
        let mut tx = state.db.begin_write().await?;
        let new = NewUser {
            email: email.as_str(),
            password_hash: Some(&hash),
            first_name: &first_name,
            last_name: &last_name,
            username: candidate.as_str(),
            phone: phone.as_ref().map(Phone::as_str),
            user_type: user_type.as_str(),
            is_admin: false,
            location: location.as_deref(),
            google_sub: None,
            apple_sub: None,
            now: now_ms(),
        };
        match users::insert(tx.conn(), &new).await {
            Ok(user) => {
                let issued = auth.sessions.start(tx.conn(), user.id).await?;
                tx.commit().await?;
                tracing::info!(user_id = user.id, "account registered");
                let production = state.config.environment.is_production();
                return Ok(token_response(
                    StatusCode::CREATED,
                    issued,
                    &user,
                    production,
                ));
            }
            // A made-up username collided: try another.
            Err(e) if users::taken(&e) == Some(Taken::Username) && !chosen => continue,
            Err(e) => return Err(users::taken(&e).map_or_else(|| e.into(), Taken::into_error)),
        }
    }
    Err(AppError::internal(anyhow::anyhow!(
        "no free username found for a registration"
    )))
}

#[derive(Deserialize, ToSchema)]
pub struct LoginRequest {
    /// An e-mail address, or the phone number of the account.
    #[schema(example = "jane@example.com")]
    email: String,
    password: String,
}

fn invalid_credentials() -> AppError {
    AppError::unauthorized("INVALID_CREDENTIALS", "Incorrect email or password")
}

/// Signs in with an e-mail address (or phone number) and password. Every failure answers the
/// same 401, whether the account is unknown, the password wrong, or the account social-only or
/// deactivated, after the same hashing work.
#[utoipa::path(post, path = "/api/auth/login", tag = "auth", request_body = LoginRequest,
    responses(
        (status = 200, body = TokenResponse, description = "Signed in; sets the access_token and refresh_token cookies"),
        (status = 401, body = ErrorEnvelope, description = "Incorrect email or password"),
        (status = 422, body = ErrorEnvelope),
        (status = 429, body = ErrorEnvelope, description = "Too many attempts from this address or on this account"),
    ))]
pub async fn login(
    State(state): State<AppState>,
    client: Option<ClientAddr>,
    Json(body): Json<LoginRequest>,
) -> AppResult<Response> {
    let auth = &state.auth;
    let address = address_key(client);
    auth.limiter
        .hit(&auth.rules.login_per_address, &address)
        .await
        .map_err(|retry| {
            tracing::info!(outcome = "address_limited", "login attempt");
            AppError::rate_limited(retry)
        })?;

    let mut fields = Fields::default();
    let login_id = fields.check("email", LoginId::parse(&body.email));
    if body.password.is_empty() {
        fields.check::<()>("password", Err(crate::domain::Invalid::new("is required")));
    }
    fields.finish()?;
    let login_id = login_id.expect("checked above");
    let account_key = login_id.key().to_owned();
    let account = pseudonym(state.config.secret_key.expose(), &account_key);

    let failures = &auth.rules.login_failures_per_account;
    if let Err(retry) = auth.limiter.check(failures, &account_key).await {
        tracing::info!(outcome = "account_locked", %account, "login attempt");
        return Err(AppError::rate_limited(retry));
    }

    let user = {
        let mut conn = state.db.pool().await?.acquire().await?;
        match &login_id {
            LoginId::Email(e) => users::find_by_email(&mut conn, e.as_str()).await?,
            LoginId::Phone(p) => users::find_by_phone(&mut conn, p.as_str()).await?,
        }
    };
    // Passwords longer than any we accept cannot match; the dummy check keeps the timing.
    let password = if body.password.chars().count() > 128 {
        ""
    } else {
        body.password.as_str()
    };
    let stored = user.as_ref().and_then(|u| u.password_hash.as_deref());
    let verdict = auth.hasher.verify(password, stored).await?;

    let refusal = match (&user, verdict) {
        (None, _) => Some("unknown_account"),
        (Some(u), _) if u.password_hash.is_none() => Some("social_only"),
        (Some(_), Verdict::Mismatch) => Some("wrong_password"),
        (Some(u), _) if !u.is_active => Some("inactive"),
        _ => None,
    };
    let user_id = user.as_ref().map(|u| u.id);
    if let Some(outcome) = refusal {
        let _ = auth.limiter.hit(failures, &account_key).await;
        tracing::info!(outcome, user_id, %account, "login attempt");
        return Err(invalid_credentials());
    }
    let user = user.expect("refused above when absent");
    auth.limiter.reset(failures, &account_key).await;

    let mut tx = state.db.begin_write().await?;
    if verdict == Verdict::MatchNeedsRehash {
        let fresh = auth.hasher.hash(&body.password).await?;
        users::set_password_hash(tx.conn(), user.id, &fresh, now_ms()).await?;
        tracing::info!(
            user_id = user.id,
            "password hash upgraded to the current parameters"
        );
    }
    let issued = auth.sessions.start(tx.conn(), user.id).await?;
    tx.commit().await?;
    tracing::info!(outcome = "success", user_id = user.id, %account, "login attempt");
    let production = state.config.environment.is_production();
    Ok(token_response(StatusCode::OK, issued, &user, production))
}

#[derive(Deserialize, ToSchema, Default)]
pub struct RefreshRequest {
    refresh_token: Option<String>,
}

async fn refresh_with(
    state: &AppState,
    client: Option<ClientAddr>,
    method: &Method,
    headers: &HeaderMap,
    body: Option<&str>,
) -> AppResult<Response> {
    let auth = &state.auth;
    auth.limiter
        .hit(&auth.rules.refresh_per_address, &address_key(client))
        .await
        .map_err(AppError::rate_limited)?;
    let token = match body {
        Some(t) => t.to_owned(),
        None => {
            let t = cookie(headers, REFRESH_COOKIE).ok_or_else(|| {
                AppError::unauthorized("NOT_AUTHENTICATED", "No refresh token was sent")
            })?;
            check_cookie_origin(method, headers, &state.config.allowed_origins)?;
            t.to_owned()
        }
    };
    let (issued, user) = auth.sessions.rotate(&state.db, &token).await?;
    Ok(token_response(
        StatusCode::OK,
        issued,
        &user,
        state.config.environment.is_production(),
    ))
}

/// Exchanges a refresh token (from the body or the `refresh_token` cookie) for new tokens. Each
/// refresh token works once; presenting a used one ends its whole session.
#[utoipa::path(post, path = "/api/auth/refresh", tag = "auth", request_body(content = Option<RefreshRequest>),
    responses(
        (status = 200, body = TokenResponse),
        (status = 401, body = ErrorEnvelope, description = "Missing, invalid, expired or reused refresh token"),
        (status = 429, body = ErrorEnvelope),
    ))]
pub async fn refresh(
    State(state): State<AppState>,
    client: Option<ClientAddr>,
    method: Method,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    // The body is optional: an empty one means "use the cookie".
    let parsed: RefreshRequest = if body.iter().all(u8::is_ascii_whitespace) {
        RefreshRequest::default()
    } else {
        crate::http::extract::parse_json(&body)?
    };
    let token = parsed.refresh_token.filter(|t| !t.is_empty());
    refresh_with(&state, client, &method, &headers, token.as_deref()).await
}

/// The same exchange, with the refresh token from the cookie.
#[utoipa::path(get, path = "/api/auth/refresh", tag = "auth",
    responses((status = 200, body = TokenResponse), (status = 401, body = ErrorEnvelope)))]
pub async fn refresh_get(
    State(state): State<AppState>,
    client: Option<ClientAddr>,
    method: Method,
    headers: HeaderMap,
) -> AppResult<Response> {
    refresh_with(&state, client, &method, &headers, None).await
}

/// Ends this session (its refresh tokens and access tokens stop working) and clears the
/// cookies. Without a session it only clears the cookies.
#[utoipa::path(post, path = "/api/auth/logout", tag = "auth",
    responses((status = 204, description = "Signed out"), (status = 403, body = ErrorEnvelope)))]
pub async fn logout(
    State(state): State<AppState>,
    method: Method,
    headers: HeaderMap,
) -> AppResult<Response> {
    let via_header = headers.contains_key(axum::http::header::AUTHORIZATION);
    if !via_header
        && (cookie(&headers, current_user::ACCESS_COOKIE).is_some()
            || cookie(&headers, REFRESH_COOKIE).is_some())
    {
        check_cookie_origin(&method, &headers, &state.config.allowed_origins)?;
    }
    // A malformed or expired access token still signs out, through the refresh cookie.
    let from_access = current_user::access_token(&headers)
        .ok()
        .flatten()
        .and_then(|(token, _)| state.auth.sessions.keys().verify(token).ok())
        .map(|claims| claims.sid);
    let mut tx = state.db.begin_write().await?;
    let session = match from_access {
        Some(sid) => Some(sid),
        None => match cookie(&headers, REFRESH_COOKIE) {
            Some(t) => {
                sessions::find_refresh(tx.conn(), &crate::auth::tokens::hash_refresh_token(t))
                    .await?
                    .map(|r| r.session_id)
            }
            None => None,
        },
    };
    if let Some(sid) = &session {
        sessions::revoke(tx.conn(), sid, now_ms()).await?;
    }
    tx.commit().await?;
    Ok(cleared_cookies(state.config.environment.is_production()))
}

/// Ends every session of the caller, on every device.
#[utoipa::path(post, path = "/api/auth/logout-all", tag = "auth", security(("bearer" = [])),
    responses((status = 204, description = "Every session ended"), (status = 401, body = ErrorEnvelope)))]
pub async fn logout_all(State(state): State<AppState>, me: CurrentUser) -> AppResult<Response> {
    let mut tx = state.db.begin_write().await?;
    let ended = sessions::revoke_all(tx.conn(), me.user.id, None, now_ms()).await?;
    tx.commit().await?;
    tracing::info!(
        user_id = me.user.id,
        sessions = ended,
        "signed out everywhere"
    );
    Ok(cleared_cookies(state.config.environment.is_production()))
}

#[derive(Serialize, ToSchema)]
pub struct VerifyResponse {
    valid: bool,
    user_id: i64,
}

/// Whether the caller's access token is valid and its session live.
#[utoipa::path(get, path = "/api/auth/verify", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = VerifyResponse), (status = 401, body = ErrorEnvelope)))]
pub async fn verify(me: CurrentUser) -> impl IntoResponse {
    axum::Json(VerifyResponse {
        valid: true,
        user_id: me.user.id,
    })
}
