//! Sign in with Google or Apple: a verified ID token signs in the account linked to it, links
//! an existing account with the same verified e-mail address, or creates one.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use rand::Rng;
use serde::Deserialize;
use utoipa::ToSchema;

use super::{TokenResponse, token_response};
use crate::auth::oauth::{Identity, ProviderKind, Verifier};
use crate::db::users::{self, NewUser, Taken, UserRecord};
use crate::domain::time::now_ms;
use crate::domain::{Email, UserType, Username};
use crate::error::{AppError, AppResult, ErrorEnvelope};
use crate::http::extract::Json;
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
pub struct OAuthRequest {
    /// The provider's ID token (a JWT).
    token: String,
    /// For a new account: `freelancer` (default), `client`, `employer` or `recruiter`.
    user_type: Option<String>,
}

/// Signs in with a Google ID token.
#[utoipa::path(post, path = "/api/auth/oauth/google", tag = "auth", request_body = OAuthRequest,
    responses(
        (status = 200, body = TokenResponse),
        (status = 401, body = ErrorEnvelope, description = "Invalid, expired or foreign token, or unverified e-mail"),
        (status = 422, body = ErrorEnvelope),
        (status = 503, body = ErrorEnvelope, description = "Google sign-in is not configured or unreachable"),
    ))]
pub async fn oauth_google(
    State(state): State<AppState>,
    Json(body): Json<OAuthRequest>,
) -> AppResult<Response> {
    sign_in(&state, &state.auth.google, body).await
}

/// Signs in with an Apple ID token.
#[utoipa::path(post, path = "/api/auth/oauth/apple", tag = "auth", request_body = OAuthRequest,
    responses(
        (status = 200, body = TokenResponse),
        (status = 401, body = ErrorEnvelope, description = "Invalid, expired or foreign token"),
        (status = 422, body = ErrorEnvelope),
        (status = 503, body = ErrorEnvelope, description = "Apple sign-in is not configured or unreachable"),
    ))]
pub async fn oauth_apple(
    State(state): State<AppState>,
    Json(body): Json<OAuthRequest>,
) -> AppResult<Response> {
    sign_in(&state, &state.auth.apple, body).await
}

fn refused() -> AppError {
    AppError::unauthorized("INVALID_CREDENTIALS", "This account cannot sign in")
}

async fn sign_in(state: &AppState, verifier: &Verifier, body: OAuthRequest) -> AppResult<Response> {
    let user_type = match body.user_type.as_deref() {
        Some(t) => UserType::parse(t).map_err(|e| AppError::invalid_field("user_type", e.0))?,
        None => UserType::Freelancer,
    };
    let identity = verifier.verify(&body.token).await?;
    let kind = verifier.kind();
    if kind == ProviderKind::Google && !identity.email_verified {
        return Err(AppError::unauthorized(
            "EMAIL_NOT_VERIFIED",
            "The Google account's e-mail address is not verified",
        ));
    }
    let user = find_or_create(state, kind, &identity, user_type).await?;
    if !user.is_active {
        return Err(refused());
    }
    let mut tx = state.db.begin_write().await?;
    let issued = state.auth.sessions.start(tx.conn(), user.id).await?;
    tx.commit().await?;
    tracing::info!(
        user_id = user.id,
        provider = kind.name(),
        "signed in with a provider"
    );
    Ok(token_response(
        StatusCode::OK,
        issued,
        &user,
        state.config.environment.is_production(),
    ))
}

async fn find_or_create(
    state: &AppState,
    kind: ProviderKind,
    id: &Identity,
    user_type: UserType,
) -> AppResult<UserRecord> {
    let mut tx = state.db.begin_write().await?;
    if let Some(user) = users::find_by_provider(tx.conn(), kind, &id.subject).await? {
        return Ok(user);
    }
    let email = id
        .email
        .as_deref()
        .map(Email::parse)
        .transpose()
        .ok()
        .flatten()
        .ok_or_else(|| {
            AppError::invalid_field(
                "token",
                format!("{} did not share an e-mail address", kind.name()),
            )
        })?;
    if !id.email_verified {
        return Err(AppError::unauthorized(
            "EMAIL_NOT_VERIFIED",
            "The e-mail address is not verified",
        ));
    }
    let now = now_ms();
    if let Some(user) = users::find_by_email(tx.conn(), email.as_str()).await? {
        users::link_provider(tx.conn(), user.id, kind, &id.subject, now)
            .await
            .map_err(|e| users::taken(&e).map_or_else(|| AppError::from(e), Taken::into_error))?;
        tx.commit().await?;
        tracing::info!(
            user_id = user.id,
            provider = kind.name(),
            "provider linked to an existing account"
        );
        return Ok(user);
    }
    tx.commit().await?;

    let local = email.as_str().split('@').next().unwrap_or("user");
    let first_name = id
        .given_name
        .clone()
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| local.to_owned());
    let last_name = id.family_name.clone().unwrap_or_default();
    let first_name: String = first_name.trim().chars().take(50).collect();
    let last_name: String = last_name.trim().chars().take(50).collect();
    let base = Username::base_from_names(&first_name, &last_name);
    for attempt in 0..8u32 {
        let candidate = if attempt == 0 {
            Username::parse(&base).unwrap_or_else(|_| Username::with_suffix(&base, 1))
        } else {
            Username::with_suffix(
                &base,
                rand::rng().random_range(10u32.pow(attempt.min(6))..10u32.pow(attempt.min(6) + 1)),
            )
        };
        let (google_sub, apple_sub) = match kind {
            ProviderKind::Google => (Some(id.subject.as_str()), None),
            ProviderKind::Apple => (None, Some(id.subject.as_str())),
        };
        let new = NewUser {
            email: email.as_str(),
            password_hash: None,
            first_name: &first_name,
            last_name: &last_name,
            username: candidate.as_str(),
            phone: None,
            user_type: user_type.as_str(),
            is_admin: false,
            location: None,
            google_sub,
            apple_sub,
            now,
        };
        let mut tx = state.db.begin_write().await?;
        match users::insert(tx.conn(), &new).await {
            Ok(user) => {
                tx.commit().await?;
                tracing::info!(
                    user_id = user.id,
                    provider = kind.name(),
                    "account created from a provider sign-in"
                );
                return Ok(user);
            }
            Err(e) if users::taken(&e) == Some(Taken::Username) => continue,
            Err(e) => return Err(users::taken(&e).map_or_else(|| e.into(), Taken::into_error)),
        }
    }
    Err(AppError::internal(anyhow::anyhow!(
        "no free username found for a provider sign-in"
    )))
}
