use axum::http::StatusCode;
use serde_json::json;

use super::{access, me};
use crate::support::{PASSWORD, TestApp};

#[tokio::test]
async fn registration_signs_in_and_returns_the_owners_view() {
    let app = TestApp::spawn().await;
    let res = app
        .post_json(
            "/api/auth/register",
            &json!({"email": "Jane.Doe@Example.com", "password": PASSWORD, "first_name": "Jane",
                    "last_name": "Doe", "user_type": "employer", "location": "Nassau",
                    "phone": "(242) 555-0101"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    let body = res.json();
    assert_eq!(body["token_type"], "bearer");
    assert_eq!(body["expires_in"], 900);
    assert!(body["refresh_token"].as_str().unwrap().len() >= 43);
    let user = &body["user"];
    assert_eq!(user["email"], "jane.doe@example.com");
    assert_eq!(user["username"], "janedoe");
    assert_eq!(user["user_type"], "employer");
    assert_eq!(user["role"], "employer");
    assert_eq!(user["is_admin"], false);
    assert_eq!(user["is_active"], true);
    assert_eq!(user["phone"], "2425550101");
    assert_eq!(user["location"], "Nassau");
    assert!(user["created_at"].as_str().unwrap().ends_with('Z'));
    let expected_keys = [
        "avatar_url",
        "bio",
        "company_name",
        "created_at",
        "education",
        "email",
        "experience",
        "first_name",
        "id",
        "is_active",
        "is_admin",
        "is_available_for_hire",
        "last_name",
        "location",
        "occupation",
        "phone",
        "role",
        "skills",
        "updated_at",
        "user_type",
        "username",
    ];
    let keys: Vec<&str> = user
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, expected_keys);

    let cookies: Vec<&str> = res
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap())
        .collect();
    assert!(cookies.iter().any(|c| c.starts_with("access_token=")
        && c.contains("HttpOnly")
        && c.contains("Path=/;")
        && c.contains("SameSite=Lax")));
    assert!(
        cookies
            .iter()
            .any(|c| c.starts_with("refresh_token=") && c.contains("Path=/api/auth"))
    );
    assert_eq!(me(&app, &access(&body)).await.json()["id"], user["id"]);
}

#[tokio::test]
async fn production_cookies_are_secure_and_cross_site() {
    let app = TestApp::with(&[("ENVIRONMENT", "production")], axum::Router::new()).await;
    let res = app
        .post_json(
            "/api/auth/register",
            &json!({"email": "p@example.com", "password": PASSWORD,
        "first_name": "P", "last_name": "Q", "user_type": "client"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED);
    for cookie in res.headers.get_all("set-cookie") {
        let cookie = cookie.to_str().unwrap();
        assert!(
            cookie.contains("Secure") && cookie.contains("SameSite=None"),
            "{cookie}"
        );
    }
}

#[tokio::test]
async fn the_same_email_in_another_letter_case_is_409() {
    let app = TestApp::spawn().await;
    app.register("sam@example.com").await;
    let res = app
        .post_json(
            "/api/auth/register",
            &json!({"email": "SAM@Example.COM", "password": PASSWORD,
        "first_name": "Sam", "last_name": "Two", "user_type": "client"}),
        )
        .await;
    let body = res.envelope(StatusCode::CONFLICT, "EMAIL_EXISTS");
    assert_eq!(body["errors"][0]["field"], "email");
}

#[tokio::test]
async fn a_taken_username_or_phone_is_409_and_made_up_usernames_never_collide() {
    let app = TestApp::spawn().await;
    app.register_with(
        json!({"email": "a@example.com", "password": PASSWORD, "first_name": "Ann",
        "last_name": "Lee", "user_type": "client", "username": "annlee", "phone": "2425550199"}),
    )
    .await;
    let res = app
        .post_json(
            "/api/auth/register",
            &json!({"email": "b@example.com", "password": PASSWORD,
        "first_name": "B", "last_name": "B", "user_type": "client", "username": "AnnLee"}),
        )
        .await;
    res.envelope(StatusCode::CONFLICT, "USERNAME_TAKEN");
    let res = app
        .post_json(
            "/api/auth/register",
            &json!({"email": "c@example.com", "password": PASSWORD,
        "first_name": "C", "last_name": "C", "user_type": "client", "phone": "242-555-0199"}),
        )
        .await;
    res.envelope(StatusCode::CONFLICT, "PHONE_EXISTS");

    let mut names = std::collections::HashSet::new();
    for i in 0..4 {
        let body = app
            .register_with(
                json!({"email": format!("ann{i}@example.com"), "password": PASSWORD,
            "first_name": "Ann", "last_name": "Lee", "user_type": "client"}),
            )
            .await;
        let name = body["user"]["username"].as_str().unwrap().to_owned();
        assert!(name.starts_with("annlee"), "{name}");
        assert!(names.insert(name));
    }
}

#[tokio::test]
async fn weak_short_and_overlong_passwords_are_refused() {
    let app = TestApp::spawn().await;
    for (password, expect) in [
        ("short1!", "at least 8"),
        (&*"ab".repeat(65), "at most 128"),
        ("password123", "common"),
        ("Qwerty123", "common"),
    ] {
        let res = app
            .post_json(
                "/api/auth/register",
                &json!({"email": "w@example.com", "password": password,
            "first_name": "W", "last_name": "W", "user_type": "client"}),
            )
            .await;
        let body = res.envelope(StatusCode::UNPROCESSABLE_ENTITY, "VALIDATION_ERROR");
        assert_eq!(body["errors"][0]["field"], "password");
        assert!(body["detail"].as_str().unwrap().contains(expect), "{body}");
    }
}

#[tokio::test]
async fn admin_and_unknown_user_types_are_refused() {
    let app = TestApp::spawn().await;
    for user_type in ["admin", "superuser", ""] {
        let res = app
            .post_json(
                "/api/auth/register",
                &json!({"email": "t@example.com", "password": PASSWORD,
            "first_name": "T", "last_name": "T", "user_type": user_type}),
            )
            .await;
        let body = res.envelope(StatusCode::UNPROCESSABLE_ENTITY, "VALIDATION_ERROR");
        assert_eq!(body["errors"][0]["field"], "user_type");
    }
}

#[tokio::test]
async fn is_admin_role_and_ids_in_the_body_are_ignored() {
    let app = TestApp::spawn().await;
    let body = app
        .register_with(
            json!({"email": "m@example.com", "password": PASSWORD, "first_name": "M",
        "last_name": "M", "user_type": "freelancer", "is_admin": true, "role": "admin", "id": 999,
        "is_active": false}),
        )
        .await;
    let user = &body["user"];
    assert_eq!(user["is_admin"], false);
    assert_eq!(user["role"], "freelancer");
    assert_eq!(user["is_active"], true);
    assert_ne!(user["id"], 999);
}

#[tokio::test]
async fn every_invalid_field_is_named_at_once() {
    let app = TestApp::spawn().await;
    let res = app
        .post_json(
            "/api/auth/register",
            &json!({"email": "not-an-email", "password": "x",
        "first_name": " ", "last_name": "L", "user_type": "freelancer", "phone": "12"}),
        )
        .await;
    let body = res.envelope(StatusCode::UNPROCESSABLE_ENTITY, "VALIDATION_ERROR");
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["email", "password", "first_name", "phone"]);
    assert!(body["detail"].as_str().unwrap().starts_with("email:"));

    let res = app
        .post_json(
            "/api/auth/register",
            &json!({"email": "a@b.co", "password": PASSWORD}),
        )
        .await;
    res.envelope(StatusCode::UNPROCESSABLE_ENTITY, "VALIDATION_ERROR");
    let res = app
        .post_json(
            "/api/auth/register",
            &json!({"email": 5, "password": PASSWORD,
        "first_name": "A", "last_name": "B", "user_type": "client"}),
        )
        .await;
    assert_eq!(
        res.envelope(StatusCode::UNPROCESSABLE_ENTITY, "VALIDATION_ERROR")["errors"][0]["field"],
        "email"
    );
}
