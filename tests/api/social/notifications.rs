use axum::http::{Method, StatusCode};
use serde_json::json;

use super::{get, make_post, person, post};
use crate::support::TestApp;

#[tokio::test]
async fn follows_likes_and_comments_notify_the_other_person_but_never_oneself() {
    let app = TestApp::spawn().await;
    let (ann, bob) = (person(&app, "ann").await, person(&app, "bob").await);
    let mut live = app.state.notifier.subscribe_user(ann.id);
    let id = make_post(&app, &ann, "hello").await;

    post(&app, &bob, &format!("/api/users/follow/{}", ann.id), None).await;
    post(&app, &bob, &format!("/api/users/follow/{}", ann.id), None).await; // no second one
    post(&app, &bob, &format!("/api/posts/{id}/like"), None).await;
    post(
        &app,
        &bob,
        &format!("/api/posts/{id}/comments"),
        Some(json!({"content": "nice"})),
    )
    .await;
    // Ann acting on her own post notifies nobody.
    post(&app, &ann, &format!("/api/posts/{id}/like"), None).await;
    post(
        &app,
        &ann,
        &format!("/api/posts/{id}/comments"),
        Some(json!({"content": "thanks"})),
    )
    .await;

    let list = get(&app, Some(&ann), "/api/notifications/list")
        .await
        .json();
    assert_eq!(list["total"], 3);
    let kinds: Vec<&str> = list["notifications"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["comment", "like", "follow"]);
    let first = &list["notifications"][0];
    assert_eq!(first["actor"]["id"], bob.id);
    assert_eq!(first["related_id"], id);
    assert_eq!(first["is_read"], false);
    assert!(first["content"].as_str().unwrap().contains("commented"));
    assert_eq!(
        get(&app, Some(&bob), "/api/notifications/list")
            .await
            .json()["total"],
        0
    );

    // The same three reached an in-process subscriber, in order, as they were committed.
    for kind in ["follow", "like", "comment"] {
        let n = tokio::time::timeout(std::time::Duration::from_secs(1), live.recv())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(n.kind, kind);
        assert_eq!(n.user_id, ann.id);
    }
}

#[tokio::test]
async fn notifications_are_read_one_by_one_or_all_at_once_and_only_by_their_owner() {
    let app = TestApp::spawn().await;
    let (ann, bob, cat) = (
        person(&app, "ann").await,
        person(&app, "bob").await,
        person(&app, "cat").await,
    );
    post(&app, &bob, &format!("/api/users/follow/{}", ann.id), None).await;
    post(&app, &cat, &format!("/api/users/follow/{}", ann.id), None).await;
    post(&app, &ann, &format!("/api/users/follow/{}", bob.id), None).await;

    assert_eq!(
        get(&app, Some(&ann), "/api/notifications/unread-count")
            .await
            .json(),
        json!({"unread_count": 2})
    );
    let list = get(&app, Some(&ann), "/api/notifications/list")
        .await
        .json();
    let newest = list["notifications"][0]["id"].as_i64().unwrap();
    let bobs = get(&app, Some(&bob), "/api/notifications/list")
        .await
        .json()["notifications"][0]["id"]
        .as_i64()
        .unwrap();

    // Someone else's notification does not exist for Ann.
    app.send(
        Method::PUT,
        &format!("/api/notifications/{bobs}/read"),
        Some(&ann.token),
        None,
    )
    .await
    .envelope(StatusCode::NOT_FOUND, "NOTIFICATION_NOT_FOUND");
    app.send(
        Method::PUT,
        "/api/notifications/99999/read",
        Some(&ann.token),
        None,
    )
    .await
    .envelope(StatusCode::NOT_FOUND, "NOTIFICATION_NOT_FOUND");
    assert_eq!(
        get(&app, Some(&bob), "/api/notifications/unread-count")
            .await
            .json()["unread_count"],
        1
    );

    let res = app
        .send(
            Method::PUT,
            &format!("/api/notifications/{newest}/read"),
            Some(&ann.token),
            None,
        )
        .await;
    assert_eq!(res.json(), json!({"success": true}));
    let unread = get(&app, Some(&ann), "/api/notifications/list?unread_only=true")
        .await
        .json();
    assert_eq!(unread["total"], 1);
    assert_ne!(unread["notifications"][0]["id"], newest);

    let res = app
        .send(
            Method::PUT,
            "/api/notifications/mark-all-read",
            Some(&ann.token),
            None,
        )
        .await;
    assert_eq!(res.json(), json!({"success": true, "marked": 1}));
    assert_eq!(
        get(&app, Some(&ann), "/api/notifications/unread-count")
            .await
            .json()["unread_count"],
        0
    );
    assert_eq!(
        get(&app, Some(&bob), "/api/notifications/unread-count")
            .await
            .json()["unread_count"],
        1
    );

    get(&app, None, "/api/notifications/list")
        .await
        .envelope(StatusCode::UNAUTHORIZED, "NOT_AUTHENTICATED");
    get(
        &app,
        Some(&ann),
        "/api/notifications/list?unread_only=maybe",
    )
    .await
    .envelope(StatusCode::UNPROCESSABLE_ENTITY, "VALIDATION_ERROR");
}

#[tokio::test]
async fn a_notification_whose_actor_left_shows_no_actor() {
    let app = TestApp::spawn().await;
    let (ann, bob) = (person(&app, "ann").await, person(&app, "bob").await);
    post(&app, &bob, &format!("/api/users/follow/{}", ann.id), None).await;
    app.send(
        Method::DELETE,
        "/api/auth/account",
        Some(&bob.token),
        Some(json!({"password": crate::support::PASSWORD})),
    )
    .await;
    let list = get(&app, Some(&ann), "/api/notifications/list")
        .await
        .json();
    assert_eq!(list["notifications"][0]["actor"], serde_json::Value::Null);
}
