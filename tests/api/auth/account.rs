use axum::http::{Method, StatusCode};
use serde_json::json;

use super::{access, login, me, sign_in};
use crate::support::{PASSWORD, TestApp};

#[tokio::test]
async fn me_and_profile_need_a_session() {
    let app = TestApp::spawn().await;
    for path in ["/api/auth/me", "/api/auth/profile"] {
        let res = app.get(path).await;
        res.envelope(StatusCode::UNAUTHORIZED, "NOT_AUTHENTICATED");
        assert_eq!(res.header("www-authenticate"), Some("Bearer"));
    }
    let tokens = app.register("p@example.com").await;
    let res = app
        .send(
            Method::GET,
            "/api/auth/profile",
            Some(&access(&tokens)),
            None,
        )
        .await;
    assert_eq!(res.json(), me(&app, &access(&tokens)).await.json());
}

#[tokio::test]
async fn the_profile_changes_only_what_is_sent_and_null_clears() {
    let app = TestApp::spawn().await;
    let t = access(&app.register("edit@example.com").await);
    let res = app.send(Method::PUT, "/api/auth/profile", Some(&t), Some(json!({
        "first_name": "Edith", "bio": "Builder of things", "skills": "rust, sql",
        "occupation": "Engineer", "company_name": "HireMe", "location": "Freeport",
        "experience": "10 years", "education": "BSc", "username": "edith_w", "phone": "242 555 0177",
        "is_admin": true, "role": "admin", "email": "other@example.com", "is_active": false
    }))).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let user = res.json();
    assert_eq!(user["first_name"], "Edith");
    assert_eq!(user["last_name"], "Person");
    assert_eq!(user["username"], "edith_w");
    assert_eq!(user["phone"], "2425550177");
    assert_eq!(user["skills"], "rust, sql");
    assert_eq!(user["is_admin"], false, "mass assignment is ignored");
    assert_eq!(user["role"], "freelancer");
    assert_eq!(user["email"], "edit@example.com");
    assert_eq!(user["is_active"], true);

    let res = app
        .send(
            Method::PUT,
            "/api/auth/profile",
            Some(&t),
            Some(json!({"bio": null, "phone": ""})),
        )
        .await;
    let user = res.json();
    assert_eq!(user["bio"], serde_json::Value::Null);
    assert_eq!(user["phone"], serde_json::Value::Null);
    assert_eq!(user["occupation"], "Engineer", "untouched");
    assert_eq!(me(&app, &t).await.json()["occupation"], "Engineer");
}

#[tokio::test]
async fn invalid_or_taken_profile_values_are_refused() {
    let app = TestApp::spawn().await;
    app.register_with(
        json!({"email": "o@example.com", "password": PASSWORD, "first_name": "O",
        "last_name": "O", "user_type": "client", "username": "owner1", "phone": "2425550100"}),
    )
    .await;
    let t = access(&app.register("me@example.com").await);
    let put = |body| app.send(Method::PUT, "/api/auth/profile", Some(&t), Some(body));
    put(json!({"username": "OWNER1"}))
        .await
        .envelope(StatusCode::CONFLICT, "USERNAME_TAKEN");
    put(json!({"phone": "(242) 555-0100"}))
        .await
        .envelope(StatusCode::CONFLICT, "PHONE_EXISTS");
    let body = put(json!({"first_name": "", "bio": "x".repeat(2001), "username": "a b"}))
        .await
        .envelope(StatusCode::UNPROCESSABLE_ENTITY, "VALIDATION_ERROR");
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["first_name", "username", "bio"]);
    put(json!({"first_name": null}))
        .await
        .envelope(StatusCode::UNPROCESSABLE_ENTITY, "VALIDATION_ERROR");
    put(json!({"bio": 5}))
        .await
        .envelope(StatusCode::UNPROCESSABLE_ENTITY, "VALIDATION_ERROR");
}

#[tokio::test]
async fn changing_the_password_ends_other_sessions_and_keeps_this_one() {
    let app = TestApp::spawn().await;
    let here = app.register("pw@example.com").await;
    let elsewhere = sign_in(&app, "pw@example.com").await;
    let new = "a brand new passphrase";
    let res = app
        .send(
            Method::PUT,
            "/api/auth/change-password",
            Some(&access(&here)),
            Some(json!({"current_password": PASSWORD, "new_password": new})),
        )
        .await;
    assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.text());
    assert_eq!(me(&app, &access(&here)).await.status, StatusCode::OK);
    me(&app, &access(&elsewhere))
        .await
        .envelope(StatusCode::UNAUTHORIZED, "SESSION_REVOKED");
    login(&app, "pw@example.com", PASSWORD)
        .await
        .envelope(StatusCode::UNAUTHORIZED, "INVALID_CREDENTIALS");
    assert_eq!(
        login(&app, "pw@example.com", new).await.status,
        StatusCode::OK
    );

    // POST works too.
    let res = app
        .send(
            Method::POST,
            "/api/auth/change-password",
            Some(&access(&here)),
            Some(json!({"current_password": new, "new_password": PASSWORD})),
        )
        .await;
    assert_eq!(res.status, StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn a_wrong_current_password_or_a_weak_new_one_changes_nothing() {
    let app = TestApp::spawn().await;
    let t = access(&app.register("pw2@example.com").await);
    app.send(
        Method::PUT,
        "/api/auth/change-password",
        Some(&t),
        Some(
            json!({"current_password": "not it at all", "new_password": "another fine passphrase"}),
        ),
    )
    .await
    .envelope(StatusCode::UNAUTHORIZED, "INVALID_CREDENTIALS");
    let body = app
        .send(
            Method::PUT,
            "/api/auth/change-password",
            Some(&t),
            Some(json!({"current_password": PASSWORD, "new_password": "password1"})),
        )
        .await
        .envelope(StatusCode::UNPROCESSABLE_ENTITY, "VALIDATION_ERROR");
    assert_eq!(body["errors"][0]["field"], "new_password");
    app.send(
        Method::PUT,
        "/api/auth/change-password",
        Some(&t),
        Some(json!({"new_password": "another fine passphrase"})),
    )
    .await
    .envelope(StatusCode::UNPROCESSABLE_ENTITY, "VALIDATION_ERROR");
    assert_eq!(
        login(&app, "pw2@example.com", PASSWORD).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn deleting_the_account_needs_the_password_and_ends_everything() {
    let app = TestApp::spawn().await;
    let tokens = app.register("bye@example.com").await;
    let t = access(&tokens);
    app.send(
        Method::DELETE,
        "/api/auth/account",
        Some(&t),
        Some(json!({"password": "wrong one!"})),
    )
    .await
    .envelope(StatusCode::UNAUTHORIZED, "INVALID_CREDENTIALS");
    app.send(
        Method::DELETE,
        "/api/auth/account",
        Some(&t),
        Some(json!({})),
    )
    .await
    .envelope(StatusCode::UNPROCESSABLE_ENTITY, "VALIDATION_ERROR");
    assert_eq!(me(&app, &t).await.status, StatusCode::OK);

    let res = app
        .send(
            Method::DELETE,
            "/api/auth/account",
            Some(&t),
            Some(json!({"password": PASSWORD})),
        )
        .await;
    assert_eq!(res.status, StatusCode::NO_CONTENT);
    assert_eq!(me(&app, &t).await.status, StatusCode::UNAUTHORIZED);
    login(&app, "bye@example.com", PASSWORD)
        .await
        .envelope(StatusCode::UNAUTHORIZED, "INVALID_CREDENTIALS");
    let sessions: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sessions")
        .fetch_one(app.state.db.pool().await.unwrap())
        .await
        .unwrap();
    assert_eq!(sessions, 0, "sessions go with the account");
    // The address is free again.
    app.register("bye@example.com").await;
}
