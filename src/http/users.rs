//! `/api/users` and `/api/friends`: public profiles, people lists and search, follows.

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::current_user::{CurrentUser, Viewer};
use super::extract::{Page, Path, Query};
use super::views::{OwnUser, PublicUser};
use crate::db::people::{self, Person, Side};
use crate::domain::time::now_ms;
use crate::error::{AppError, AppResult, ErrorEnvelope};
use crate::notifications::{Kind, notify};
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_users))
        .routes(routes!(my_followers))
        .routes(routes!(my_following))
        .routes(routes!(get_user))
        .routes(routes!(follow_user))
        .routes(routes!(unfollow_user))
        .routes(routes!(follow_by_path, unfollow_by_path))
        .routes(routes!(user_followers))
        .routes(routes!(user_following))
        .routes(routes!(list_friends))
        .routes(routes!(friend_suggestions))
}

/// A person in a list: as others see them, and whether the caller follows them.
#[derive(Serialize, ToSchema)]
pub struct PersonView {
    #[serde(flatten)]
    pub user: PublicUser,
    pub is_following: bool,
}

impl From<&Person> for PersonView {
    fn from(p: &Person) -> Self {
        Self {
            user: PublicUser::from(&p.user),
            is_following: p.is_following,
        }
    }
}

fn views(people: &[Person]) -> Vec<PersonView> {
    people.iter().map(PersonView::from).collect()
}

#[derive(Deserialize, IntoParams)]
pub struct SearchQuery {
    /// Words, each matching the start of a word in the name, username, occupation, location
    /// or skills (all words must match).
    pub search: Option<String>,
    pub skip: Option<i64>,
    pub limit: Option<i64>,
}

impl SearchQuery {
    pub fn page(&self) -> Page {
        Page {
            skip: self.skip,
            limit: self.limit,
        }
    }

    pub fn words(&self) -> Vec<String> {
        crate::db::dialect::search_words(self.search.as_deref().unwrap_or_default())
    }
}

#[derive(Serialize, ToSchema)]
pub struct UserList {
    success: bool,
    users: Vec<PersonView>,
    total: i64,
}

/// Active people, by name, optionally matching a search.
#[utoipa::path(get, path = "/api/users/list", tag = "users", params(SearchQuery),
    responses((status = 200, body = UserList), (status = 422, body = ErrorEnvelope)))]
pub async fn list_users(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<SearchQuery>,
) -> AppResult<Json<UserList>> {
    let (limit, offset) = q.page().bounds()?;
    let mut conn = state.db.pool().await?.acquire().await?;
    let (people, total) = people::list(
        &mut conn,
        state.db.backend(),
        viewer.id(),
        &q.words(),
        limit,
        offset,
    )
    .await?;
    Ok(Json(UserList {
        success: true,
        users: views(&people),
        total,
    }))
}

/// The profile shown: the owner's view to the owner, the public view to everyone else.
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
pub enum ProfileUser {
    Own(OwnUser),
    Public(PublicUser),
}

#[derive(Serialize, ToSchema)]
pub struct ProfileView {
    #[serde(flatten)]
    user: ProfileUser,
    posts_count: i64,
    followers_count: i64,
    following_count: i64,
    /// Whether the caller follows this person (false when anonymous or oneself).
    is_following: bool,
}

#[derive(Serialize, ToSchema)]
pub struct ProfileResponse {
    success: bool,
    user: ProfileView,
}

fn no_such_user() -> AppError {
    AppError::not_found("USER_NOT_FOUND", "No such user")
}

/// A person's profile by id or username, with counts. No sign-in needed.
#[utoipa::path(get, path = "/api/users/{id}", tag = "users",
    params(("id" = String, Path, description = "A user id or username")),
    responses((status = 200, body = ProfileResponse), (status = 404, body = ErrorEnvelope)))]
pub async fn get_user(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(key): Path<String>,
) -> AppResult<Json<ProfileResponse>> {
    let mut conn = state.db.pool().await?.acquire().await?;
    let user = people::find_active(&mut conn, &key)
        .await?
        .ok_or_else(no_such_user)?;
    let counts = people::counts(&mut conn, user.id).await?;
    let is_following = match &viewer.0 {
        Some(me) if me.user.id != user.id => {
            people::is_following(&mut conn, me.user.id, user.id).await?
        }
        _ => false,
    };
    let shown = if viewer.id() == user.id {
        ProfileUser::Own(OwnUser::from(&user))
    } else {
        ProfileUser::Public(PublicUser::from(&user))
    };
    Ok(Json(ProfileResponse {
        success: true,
        user: ProfileView {
            user: shown,
            posts_count: counts.posts,
            followers_count: counts.followers,
            following_count: counts.following,
            is_following,
        },
    }))
}

#[derive(Serialize, ToSchema)]
pub struct FollowState {
    success: bool,
    is_following: bool,
    followers_count: i64,
}

async fn set_follow(
    state: &AppState,
    me: &CurrentUser,
    target: i64,
    follow: bool,
) -> AppResult<Json<FollowState>> {
    if target == me.user.id {
        return Err(AppError::bad_request(
            "CANNOT_FOLLOW_SELF",
            "You cannot follow yourself",
        ));
    }
    let mut tx = state.db.begin_write().await?;
    let exists = people::find_active(tx.conn(), &target.to_string())
        .await?
        .is_some();
    if !exists {
        return Err(no_such_user());
    }
    if follow {
        if people::follow(tx.conn(), me.user.id, target, now_ms()).await? {
            let text = format!(
                "{} {} started following you",
                me.user.first_name, me.user.last_name
            );
            notify(
                &mut tx,
                &state.notifier,
                target,
                Some(me.user.id),
                Kind::Follow,
                Some(me.user.id),
                &text,
            )
            .await?;
        }
    } else {
        people::unfollow(tx.conn(), me.user.id, target).await?;
    }
    let followers_count = people::followers_count(tx.conn(), target).await?;
    tx.commit().await?;
    Ok(Json(FollowState {
        success: true,
        is_following: follow,
        followers_count,
    }))
}

/// Follows a person; following twice changes nothing.
#[utoipa::path(post, path = "/api/users/follow/{id}", tag = "users", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = FollowState), (status = 400, body = ErrorEnvelope, description = "Following yourself"),
        (status = 401, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)))]
pub async fn follow_user(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Json<FollowState>> {
    set_follow(&state, &me, id, true).await
}

/// Stops following a person; unfollowing someone not followed changes nothing.
#[utoipa::path(post, path = "/api/users/unfollow/{id}", tag = "users", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = FollowState), (status = 400, body = ErrorEnvelope),
        (status = 401, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)))]
pub async fn unfollow_user(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Json<FollowState>> {
    set_follow(&state, &me, id, false).await
}

/// Follows a person (the same as `POST /api/users/follow/{id}`).
#[utoipa::path(post, path = "/api/users/{id}/follow", tag = "users", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = FollowState), (status = 400, body = ErrorEnvelope),
        (status = 401, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)))]
pub async fn follow_by_path(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Json<FollowState>> {
    set_follow(&state, &me, id, true).await
}

/// Stops following a person (the same as `POST /api/users/unfollow/{id}`).
#[utoipa::path(delete, path = "/api/users/{id}/follow", tag = "users", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = FollowState), (status = 400, body = ErrorEnvelope),
        (status = 401, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)))]
pub async fn unfollow_by_path(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Json<FollowState>> {
    set_follow(&state, &me, id, false).await
}

#[derive(Serialize, ToSchema)]
pub struct Followers {
    success: bool,
    followers: Vec<PersonView>,
}

#[derive(Serialize, ToSchema)]
pub struct Following {
    success: bool,
    following: Vec<PersonView>,
}

/// The caller's followers, newest first.
#[utoipa::path(get, path = "/api/users/followers/list", tag = "users", security(("bearer" = [])), params(Page),
    responses((status = 200, body = Followers), (status = 401, body = ErrorEnvelope)))]
pub async fn my_followers(
    State(state): State<AppState>,
    me: CurrentUser,
    Query(page): Query<Page>,
) -> AppResult<Json<Followers>> {
    let (limit, offset) = page.bounds()?;
    let mut conn = state.db.pool().await?.acquire().await?;
    let people = people::follows(
        &mut conn,
        Side::Followers,
        me.user.id,
        me.user.id,
        limit,
        offset,
    )
    .await?;
    Ok(Json(Followers {
        success: true,
        followers: views(&people),
    }))
}

/// Whom the caller follows, newest first.
#[utoipa::path(get, path = "/api/users/following/list", tag = "users", security(("bearer" = [])), params(Page),
    responses((status = 200, body = Following), (status = 401, body = ErrorEnvelope)))]
pub async fn my_following(
    State(state): State<AppState>,
    me: CurrentUser,
    Query(page): Query<Page>,
) -> AppResult<Json<Following>> {
    let (limit, offset) = page.bounds()?;
    let mut conn = state.db.pool().await?.acquire().await?;
    let people = people::follows(
        &mut conn,
        Side::Following,
        me.user.id,
        me.user.id,
        limit,
        offset,
    )
    .await?;
    Ok(Json(Following {
        success: true,
        following: views(&people),
    }))
}

async fn existing(state: &AppState, id: i64) -> AppResult<()> {
    let mut conn = state.db.pool().await?.acquire().await?;
    people::find_active(&mut conn, &id.to_string())
        .await?
        .map(|_| ())
        .ok_or_else(no_such_user)
}

/// A person's followers, newest first.
#[utoipa::path(get, path = "/api/users/{id}/followers", tag = "users", params(("id" = i64, Path), Page),
    responses((status = 200, body = Followers), (status = 404, body = ErrorEnvelope)))]
pub async fn user_followers(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Query(page): Query<Page>,
) -> AppResult<Json<Followers>> {
    let (limit, offset) = page.bounds()?;
    existing(&state, id).await?;
    let mut conn = state.db.pool().await?.acquire().await?;
    let people =
        people::follows(&mut conn, Side::Followers, viewer.id(), id, limit, offset).await?;
    Ok(Json(Followers {
        success: true,
        followers: views(&people),
    }))
}

/// Whom a person follows, newest first.
#[utoipa::path(get, path = "/api/users/{id}/following", tag = "users", params(("id" = i64, Path), Page),
    responses((status = 200, body = Following), (status = 404, body = ErrorEnvelope)))]
pub async fn user_following(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Query(page): Query<Page>,
) -> AppResult<Json<Following>> {
    let (limit, offset) = page.bounds()?;
    existing(&state, id).await?;
    let mut conn = state.db.pool().await?.acquire().await?;
    let people =
        people::follows(&mut conn, Side::Following, viewer.id(), id, limit, offset).await?;
    Ok(Json(Following {
        success: true,
        following: views(&people),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct Friends {
    success: bool,
    friends: Vec<PersonView>,
}

#[derive(Serialize, ToSchema)]
pub struct Suggestions {
    success: bool,
    suggestions: Vec<PersonView>,
}

/// People who follow the caller and whom the caller follows back.
#[utoipa::path(get, path = "/api/friends/list", tag = "users", security(("bearer" = [])), params(Page),
    responses((status = 200, body = Friends), (status = 401, body = ErrorEnvelope)))]
pub async fn list_friends(
    State(state): State<AppState>,
    me: CurrentUser,
    Query(page): Query<Page>,
) -> AppResult<Json<Friends>> {
    let (limit, offset) = page.bounds()?;
    let mut conn = state.db.pool().await?.acquire().await?;
    let people = people::friends(&mut conn, me.user.id, limit, offset).await?;
    Ok(Json(Friends {
        success: true,
        friends: views(&people),
    }))
}

/// People followed by those the caller follows, then people in the caller's location.
#[utoipa::path(get, path = "/api/friends/suggestions", tag = "users", security(("bearer" = [])), params(Page),
    responses((status = 200, body = Suggestions), (status = 401, body = ErrorEnvelope)))]
pub async fn friend_suggestions(
    State(state): State<AppState>,
    me: CurrentUser,
    Query(page): Query<Page>,
) -> AppResult<Json<Suggestions>> {
    let (limit, _) = page.bounds()?;
    let mut conn = state.db.pool().await?.acquire().await?;
    let people = people::suggestions(
        &mut conn,
        me.user.id,
        me.user.profile.location.as_deref(),
        limit,
    )
    .await?;
    Ok(Json(Suggestions {
        success: true,
        suggestions: views(&people),
    }))
}
