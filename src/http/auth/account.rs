//! The caller's own account: who am I, my profile, my password, closing the account.

use axum::Json as JsonResponse;
use axum::extract::State;
use axum::response::Response;
use serde::{Deserialize, Deserializer};
use utoipa::ToSchema;

use super::cleared_cookies;
use crate::auth::password::Verdict;
use crate::db::sessions;
use crate::db::users::{self, AccountChanges, Taken};
use crate::domain::time::now_ms;
use crate::domain::{Invalid, Password, Phone, ProfileText, Username};
use crate::error::{AppError, AppResult, ErrorEnvelope};
use crate::http::current_user::CurrentUser;
use crate::http::extract::{Fields, Json};
use crate::http::views::OwnUser;
use crate::state::AppState;

/// The caller's account.
#[utoipa::path(get, path = "/api/auth/me", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = OwnUser), (status = 401, body = ErrorEnvelope)))]
pub async fn me(me: CurrentUser) -> JsonResponse<OwnUser> {
    JsonResponse(OwnUser::from(&me.user))
}

/// The caller's profile (the same object as `/me`).
#[utoipa::path(get, path = "/api/auth/profile", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = OwnUser), (status = 401, body = ErrorEnvelope)))]
pub async fn get_profile(me: CurrentUser) -> JsonResponse<OwnUser> {
    JsonResponse(OwnUser::from(&me.user))
}

/// Absent means "leave as is"; `null` means "clear".
fn nullable<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

/// Any subset of the editable fields. Other fields (`email`, `role`, `is_admin`, …) are
/// ignored: they cannot be changed here.
#[derive(Deserialize, ToSchema, Default)]
pub struct ProfileUpdate {
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    first_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    last_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    username: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    phone: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    location: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    bio: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    skills: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    experience: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    education: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    occupation: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    company_name: Option<Option<String>>,
}

/// Applies a nullable text change: `None` keeps `current`.
fn text(
    fields: &mut Fields,
    name: &str,
    change: Option<Option<String>>,
    max: usize,
    current: &mut Option<String>,
) {
    if let Some(change) = change {
        let parsed = match change {
            None => Ok(None),
            Some(raw) => ProfileText::parse(&raw, max),
        };
        if let Some(value) = fields.check(name, parsed) {
            *current = value;
        }
    }
}

/// Changes any of the caller's profile fields.
#[utoipa::path(put, path = "/api/auth/profile", tag = "auth", security(("bearer" = [])),
    request_body = ProfileUpdate,
    responses(
        (status = 200, body = OwnUser),
        (status = 401, body = ErrorEnvelope),
        (status = 409, body = ErrorEnvelope, description = "Username or phone already in use"),
        (status = 422, body = ErrorEnvelope),
    ))]
pub async fn update_profile(
    State(state): State<AppState>,
    me: CurrentUser,
    Json(body): Json<ProfileUpdate>,
) -> AppResult<JsonResponse<OwnUser>> {
    let user = me.user;
    let mut fields = Fields::default();
    let required = |v: Option<String>| v.ok_or_else(|| Invalid::new("must not be null"));
    let first_name = match body.first_name {
        Some(v) => fields.check(
            "first_name",
            required(v).and_then(|v| ProfileText::name(&v, 50)),
        ),
        None => Some(user.first_name.clone()),
    };
    let last_name = match body.last_name {
        Some(v) => fields.check(
            "last_name",
            required(v).and_then(|v| ProfileText::name(&v, 50)),
        ),
        None => Some(user.last_name.clone()),
    };
    let username = match body.username {
        // Keeping one's own name is always allowed, even one that is reserved today.
        Some(Some(v)) if v.trim().eq_ignore_ascii_case(&user.username) => {
            Some(user.username.clone())
        }
        Some(v) => fields
            .check("username", required(v).and_then(|v| Username::parse(&v)))
            .map(|u| u.as_str().to_owned()),
        None => Some(user.username.clone()),
    };
    let phone = match body.phone {
        None => Some(user.phone.clone()),
        Some(None) => Some(None),
        Some(Some(raw)) if raw.trim().is_empty() => Some(None),
        Some(Some(raw)) => fields
            .check("phone", Phone::parse(&raw))
            .map(|p| Some(p.as_str().to_owned())),
    };
    let mut profile = user.profile.clone();
    text(
        &mut fields,
        "location",
        body.location,
        100,
        &mut profile.location,
    );
    text(&mut fields, "bio", body.bio, 2000, &mut profile.bio);
    text(
        &mut fields,
        "skills",
        body.skills,
        1000,
        &mut profile.skills,
    );
    text(
        &mut fields,
        "experience",
        body.experience,
        5000,
        &mut profile.experience,
    );
    text(
        &mut fields,
        "education",
        body.education,
        2000,
        &mut profile.education,
    );
    text(
        &mut fields,
        "occupation",
        body.occupation,
        100,
        &mut profile.occupation,
    );
    text(
        &mut fields,
        "company_name",
        body.company_name,
        100,
        &mut profile.company_name,
    );
    fields.finish()?;
    let (Some(first_name), Some(last_name), Some(username), Some(phone)) =
        (first_name, last_name, username, phone)
    else {
        unreachable!("finish() refused the request if any field was invalid");
    };

    let changes = AccountChanges {
        first_name: &first_name,
        last_name: &last_name,
        username: &username,
        phone: phone.as_deref(),
        profile: &profile,
    };
    let mut tx = state.db.begin_write().await?;
    let updated = users::update_account(tx.conn(), user.id, &changes, now_ms())
        .await
        .map_err(|e| users::taken(&e).map_or_else(|| AppError::from(e), Taken::into_error))?;
    tx.commit().await?;
    Ok(JsonResponse(OwnUser::from(&updated)))
}

#[derive(Deserialize, ToSchema)]
pub struct PasswordChange {
    /// Not needed for an account that signs in only with Google or Apple.
    #[serde(default)]
    current_password: String,
    /// 8 to 128 characters, not a well-known password.
    new_password: String,
}

/// The current password is required and checked with the usual cost; repeated failures lock
/// the change like a login.
async fn confirm_password(
    state: &AppState,
    user: &users::UserRecord,
    password: &str,
) -> AppResult<()> {
    let Some(stored) = user.password_hash.as_deref() else {
        return Ok(());
    };
    let auth = &state.auth;
    let key = format!("account:{}", user.id);
    auth.limiter
        .check(&auth.rules.login_failures_per_account, &key)
        .await
        .map_err(AppError::rate_limited)?;
    match auth.hasher.verify(password, Some(stored)).await? {
        Verdict::Mismatch => {
            let _ = auth
                .limiter
                .hit(&auth.rules.login_failures_per_account, &key)
                .await;
            Err(AppError::unauthorized(
                "INVALID_CREDENTIALS",
                "The current password is incorrect",
            ))
        }
        _ => Ok(()),
    }
}

/// Changes the caller's password and ends every other session.
#[utoipa::path(put, path = "/api/auth/change-password", tag = "auth", security(("bearer" = [])),
    request_body = PasswordChange,
    responses(
        (status = 204, description = "Changed; every other session ended"),
        (status = 401, body = ErrorEnvelope, description = "Not signed in, or the current password is wrong"),
        (status = 422, body = ErrorEnvelope),
    ))]
pub async fn change_password(
    State(state): State<AppState>,
    me: CurrentUser,
    Json(body): Json<PasswordChange>,
) -> AppResult<axum::http::StatusCode> {
    let mut fields = Fields::default();
    let new = fields.check("new_password", Password::parse(&body.new_password));
    if me.user.password_hash.is_some() && body.current_password.is_empty() {
        fields.check::<()>("current_password", Err(Invalid::new("is required")));
    }
    fields.finish()?;
    let new = new.expect("checked above");
    confirm_password(&state, &me.user, &body.current_password).await?;

    let hash = state.auth.hasher.hash(new.expose()).await?;
    let now = now_ms();
    let mut tx = state.db.begin_write().await?;
    users::set_password_hash(tx.conn(), me.user.id, &hash, now).await?;
    let ended = sessions::revoke_all(tx.conn(), me.user.id, Some(&me.session_id), now).await?;
    tx.commit().await?;
    tracing::info!(
        user_id = me.user.id,
        other_sessions_ended = ended,
        "password changed"
    );
    Ok(axum::http::StatusCode::NO_CONTENT)
}

/// The same as `PUT`, for clients that send `POST`.
#[utoipa::path(post, path = "/api/auth/change-password", tag = "auth", security(("bearer" = [])),
    request_body = PasswordChange,
    responses(
        (status = 204, description = "Changed; every other session ended"),
        (status = 401, body = ErrorEnvelope),
        (status = 422, body = ErrorEnvelope),
    ))]
pub async fn change_password_post(
    state: State<AppState>,
    me: CurrentUser,
    body: Json<PasswordChange>,
) -> AppResult<axum::http::StatusCode> {
    change_password(state, me, body).await
}

#[derive(Deserialize, ToSchema)]
pub struct AccountDeletion {
    /// The account's password (not needed for a social-only account).
    #[serde(default)]
    password: String,
}

/// Deletes the caller's account and everything it owns, ending every session.
#[utoipa::path(delete, path = "/api/auth/account", tag = "auth", security(("bearer" = [])),
    request_body = AccountDeletion,
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, body = ErrorEnvelope, description = "Not signed in, or the password is wrong"),
        (status = 422, body = ErrorEnvelope),
    ))]
pub async fn delete_account(
    State(state): State<AppState>,
    me: CurrentUser,
    Json(body): Json<AccountDeletion>,
) -> AppResult<Response> {
    if me.user.password_hash.is_some() && body.password.is_empty() {
        return Err(AppError::invalid_field("password", "is required"));
    }
    confirm_password(&state, &me.user, &body.password).await?;
    let mut tx = state.db.begin_write().await?;
    let files = crate::db::pictures::files_of(tx.conn(), me.user.id).await?;
    users::delete(tx.conn(), me.user.id).await?;
    tx.commit().await?;
    // The rows are gone; now their files. A file that cannot be removed is logged, not fatal.
    for key in files.iter().filter_map(|k| crate::storage::Key::parse(k)) {
        if let Err(e) = state.storage.delete(&key).await {
            tracing::warn!(error = %e, "a deleted account's file could not be removed");
        }
    }
    tracing::info!(user_id = me.user.id, "account deleted");
    Ok(cleared_cookies(state.config.environment.is_production()))
}
