//! Another user's e-mail address or phone number never appears in any response of the social
//! features: every route is called as a second user and every body is searched.

use axum::http::Method;
use serde_json::json;

use super::{get, make_post, person_with, post};
use crate::support::TestApp;

#[tokio::test]
async fn no_response_reveals_another_users_email_or_phone() {
    let app = TestApp::spawn().await;
    let ann = person_with(
        &app,
        "annsecret",
        json!({"phone": "+1 242 555 0199", "location": "Nassau",
        "username": "ann_public"}),
    )
    .await;
    let bob = person_with(&app, "bob", json!({"location": "Nassau"})).await;
    let cat = person_with(&app, "cat", json!({})).await;
    app.send(Method::POST, "/api/hireme/toggle", Some(&ann.token), None)
        .await;
    let id = make_post(&app, &ann, "hello").await;
    post(&app, &ann, &format!("/api/users/follow/{}", bob.id), None).await;
    post(&app, &bob, &format!("/api/users/follow/{}", ann.id), None).await;
    post(&app, &cat, &format!("/api/users/follow/{}", ann.id), None).await;
    post(
        &app,
        &ann,
        &format!("/api/posts/{id}/comments"),
        Some(json!({"content": "mine"})),
    )
    .await;
    post(&app, &ann, &format!("/api/users/follow/{}", cat.id), None).await;

    let mut bodies = Vec::new();
    for who in [Some(&bob), None] {
        for path in [
            "/api/users/list".to_owned(),
            "/api/users/list?search=ann".to_owned(),
            format!("/api/users/{}", ann.id),
            "/api/users/ann_public".to_owned(),
            format!("/api/users/{}/followers", ann.id),
            format!("/api/users/{}/following", ann.id),
            format!("/api/users/{}/followers", bob.id),
            "/api/posts".to_owned(),
            format!("/api/posts/{id}"),
            format!("/api/posts/user/{}", ann.id),
            format!("/api/posts/{id}/comments"),
            "/api/hireme/available".to_owned(),
            "/api/hireme/available?search=nassau".to_owned(),
        ] {
            bodies.push((path.clone(), get(&app, who, &path).await.text()));
        }
    }
    for path in [
        "/api/users/followers/list",
        "/api/users/following/list",
        "/api/friends/list",
        "/api/friends/suggestions",
        "/api/notifications/list",
    ] {
        bodies.push((path.to_owned(), get(&app, Some(&bob), path).await.text()));
        bodies.push((path.to_owned(), get(&app, Some(&cat), path).await.text()));
    }
    bodies.push((
        "follow".into(),
        post(&app, &bob, &format!("/api/users/follow/{}", ann.id), None)
            .await
            .text(),
    ));
    bodies.push((
        "like".into(),
        post(&app, &bob, &format!("/api/posts/{id}/like"), None)
            .await
            .text(),
    ));
    bodies.push((
        "comment".into(),
        post(
            &app,
            &bob,
            &format!("/api/posts/{id}/comments"),
            Some(json!({"content": "x"})),
        )
        .await
        .text(),
    ));

    let mut checked = 0;
    for (path, body) in &bodies {
        assert!(
            !body.contains("annsecret@example.com"),
            "{path} reveals the e-mail: {body}"
        );
        assert!(
            !body.contains("2425550199"),
            "{path} reveals the phone: {body}"
        );
        if body.contains("ann_public") || body.contains("annsecret") {
            checked += 1;
        }
    }
    assert!(
        checked >= 20,
        "Ann appears in most of these responses ({checked}), so the check means something"
    );
}
