//! `/api/auth`: registration, sign-in, sessions, the caller's account, limits and OAuth.

mod account;
mod limits;
mod oauth;
mod register;
mod sessions;
mod tokens;

use axum::http::{Method, StatusCode};
use serde_json::Value;

use crate::support::{PASSWORD, TestApp, TestResponse};

pub fn access(tokens: &Value) -> String {
    tokens["access_token"].as_str().unwrap().to_owned()
}

pub fn refresh(tokens: &Value) -> String {
    tokens["refresh_token"].as_str().unwrap().to_owned()
}

pub async fn login(app: &TestApp, email: &str, password: &str) -> TestResponse {
    app.post_json(
        "/api/auth/login",
        &serde_json::json!({"email": email, "password": password}),
    )
    .await
}

/// Signs in and returns the token response, asserting success.
pub async fn sign_in(app: &TestApp, email: &str) -> Value {
    let res = login(app, email, PASSWORD).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    res.json()
}

pub async fn me(app: &TestApp, token: &str) -> TestResponse {
    app.send(Method::GET, "/api/auth/me", Some(token), None)
        .await
}

/// Runs SQL against the test database (to reach states the API cannot, like a deactivated
/// account).
pub async fn sql(app: &TestApp, statement: &'static str, id: i64) {
    sqlx::query(statement)
        .bind(id)
        .execute(app.state.db.pool().await.unwrap())
        .await
        .unwrap();
}
