use axum::http::{Method, StatusCode};
use serde_json::json;

use super::{get, person, person_with, post};
use crate::support::TestApp;

#[tokio::test]
async fn following_is_idempotent_in_both_path_styles_and_never_of_oneself() {
    let app = TestApp::spawn().await;
    let (ann, bob) = (person(&app, "ann").await, person(&app, "bob").await);
    for _ in 0..2 {
        let res = post(&app, &bob, &format!("/api/users/follow/{}", ann.id), None).await;
        assert_eq!(
            res.json(),
            json!({"success": true, "is_following": true, "followers_count": 1})
        );
    }
    let res = post(&app, &bob, &format!("/api/users/{}/follow", ann.id), None).await;
    assert_eq!(res.json()["followers_count"], 1);
    let res = app
        .send(
            Method::DELETE,
            &format!("/api/users/{}/follow", ann.id),
            Some(&bob.token),
            None,
        )
        .await;
    assert_eq!(
        res.json(),
        json!({"success": true, "is_following": false, "followers_count": 0})
    );
    for _ in 0..2 {
        let res = post(&app, &bob, &format!("/api/users/unfollow/{}", ann.id), None).await;
        assert_eq!(
            res.json(),
            json!({"success": true, "is_following": false, "followers_count": 0})
        );
    }

    post(&app, &bob, &format!("/api/users/follow/{}", bob.id), None)
        .await
        .envelope(StatusCode::BAD_REQUEST, "CANNOT_FOLLOW_SELF");
    post(&app, &bob, "/api/users/follow/99999", None)
        .await
        .envelope(StatusCode::NOT_FOUND, "USER_NOT_FOUND");
    post(&app, &bob, "/api/users/follow/abc", None)
        .await
        .envelope(StatusCode::NOT_FOUND, "NOT_FOUND");
    app.send(
        Method::POST,
        &format!("/api/users/follow/{}", ann.id),
        None,
        None,
    )
    .await
    .envelope(StatusCode::UNAUTHORIZED, "NOT_AUTHENTICATED");
}

#[tokio::test]
async fn a_profile_by_id_or_username_has_counts_and_the_callers_follow_state() {
    let app = TestApp::spawn().await;
    let ann = person_with(
        &app,
        "ann",
        json!({"username": "ann_t", "location": "Nassau"}),
    )
    .await;
    let bob = person(&app, "bob").await;
    post(&app, &bob, &format!("/api/users/follow/{}", ann.id), None).await;
    super::make_post(&app, &ann, "first").await;

    let by_name = get(&app, Some(&bob), "/api/users/ANN_T").await;
    assert_eq!(by_name.status, StatusCode::OK, "{}", by_name.text());
    let user = &by_name.json()["user"];
    assert_eq!(user["id"], ann.id);
    assert_eq!(
        (
            user["posts_count"].as_i64(),
            user["followers_count"].as_i64(),
            user["following_count"].as_i64()
        ),
        (Some(1), Some(1), Some(0))
    );
    assert_eq!(user["is_following"], true);
    assert!(
        user.get("email").is_none() && user.get("phone").is_none() && user.get("role").is_none()
    );

    let anonymous = get(&app, None, &format!("/api/users/{}", ann.id))
        .await
        .json();
    assert_eq!(anonymous["user"]["is_following"], false);
    let own = get(&app, Some(&ann), &format!("/api/users/{}", ann.id))
        .await
        .json();
    assert_eq!(
        own["user"]["email"], "ann@example.com",
        "the owner sees their own view"
    );

    get(&app, None, "/api/users/nobody_here")
        .await
        .envelope(StatusCode::NOT_FOUND, "USER_NOT_FOUND");
    get(&app, None, "/api/users/424242")
        .await
        .envelope(StatusCode::NOT_FOUND, "USER_NOT_FOUND");
    sqlx::query("UPDATE users SET is_active = 0 WHERE id = $1")
        .bind(ann.id)
        .execute(app.state.db.pool().await.unwrap())
        .await
        .unwrap();
    get(&app, None, "/api/users/ann_t")
        .await
        .envelope(StatusCode::NOT_FOUND, "USER_NOT_FOUND");
}

#[tokio::test]
async fn follower_lists_for_the_caller_and_for_anyone() {
    let app = TestApp::spawn().await;
    let (ann, bob, cat) = (
        person(&app, "ann").await,
        person(&app, "bob").await,
        person(&app, "cat").await,
    );
    post(&app, &bob, &format!("/api/users/follow/{}", ann.id), None).await;
    post(&app, &cat, &format!("/api/users/follow/{}", ann.id), None).await;
    post(&app, &ann, &format!("/api/users/follow/{}", bob.id), None).await;

    let mine = get(&app, Some(&ann), "/api/users/followers/list")
        .await
        .json();
    let ids: Vec<i64> = mine["followers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [cat.id, bob.id], "newest follow first");
    let flags: Vec<bool> = mine["followers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["is_following"].as_bool().unwrap())
        .collect();
    assert_eq!(flags, [false, true], "ann follows bob back, not cat");
    let following = get(&app, Some(&ann), "/api/users/following/list")
        .await
        .json();
    assert_eq!(following["following"][0]["id"], bob.id);

    let theirs = get(
        &app,
        None,
        &format!("/api/users/{}/followers?limit=1", ann.id),
    )
    .await
    .json();
    assert_eq!(theirs["followers"].as_array().unwrap().len(), 1);
    let theirs = get(&app, None, &format!("/api/users/{}/following", bob.id))
        .await
        .json();
    assert_eq!(theirs["following"][0]["id"], ann.id);
    get(&app, None, "/api/users/999/followers")
        .await
        .envelope(StatusCode::NOT_FOUND, "USER_NOT_FOUND");
    get(&app, None, "/api/users/followers/list")
        .await
        .envelope(StatusCode::UNAUTHORIZED, "NOT_AUTHENTICATED");
}

#[tokio::test]
async fn friends_are_mutual_follows_and_suggestions_come_from_the_network_then_the_location() {
    let app = TestApp::spawn().await;
    let ann = person_with(&app, "ann", json!({"location": "Nassau"})).await;
    let bob = person(&app, "bob").await;
    let cat = person(&app, "cat").await;
    let dan = person_with(&app, "dan", json!({"location": "nassau"})).await;
    let eve = person_with(&app, "eve", json!({"location": "Freeport"})).await;
    // ann <-> bob are friends; ann follows cat one way; bob follows eve.
    for (who, whom) in [(&ann, &bob), (&bob, &ann), (&ann, &cat), (&bob, &eve)] {
        post(&app, who, &format!("/api/users/follow/{}", whom.id), None).await;
    }
    let friends = get(&app, Some(&ann), "/api/friends/list").await.json();
    let ids: Vec<i64> = friends["friends"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [bob.id]);

    let suggestions = get(&app, Some(&ann), "/api/friends/suggestions")
        .await
        .json();
    let ids: Vec<i64> = suggestions["suggestions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_i64().unwrap())
        .collect();
    assert_eq!(
        ids,
        [eve.id, dan.id],
        "eve through bob first, then dan from Nassau; never ann, bob or cat"
    );
}

#[tokio::test]
async fn the_people_list_searches_and_pages_within_the_caps() {
    let app = TestApp::spawn().await;
    person_with(&app, "Zelda", json!({"last_name": "Knowles"})).await;
    let me = person(&app, "Yasmin").await;
    let _ = post(&app, &me, "/api/hireme/toggle", None).await;
    app.send(
        Method::PUT,
        "/api/auth/profile",
        Some(&me.token),
        Some(json!({"occupation": "Marine Biologist", "skills": "diving, rust"})),
    )
    .await;

    let all = get(&app, None, "/api/users/list").await.json();
    assert_eq!(all["total"], 2);
    let hits = get(&app, None, "/api/users/list?search=knoW").await.json();
    assert_eq!(hits["total"], 1);
    assert_eq!(hits["users"][0]["first_name"], "Zelda");
    let hits = get(&app, None, "/api/users/list?search=biolog")
        .await
        .json();
    assert_eq!(hits["users"][0]["first_name"], "Yasmin");
    let none = get(&app, None, "/api/users/list?search=%25").await.json();
    assert_eq!(
        none["total"], 2,
        "wildcards in the search are literal characters, removed"
    );

    let page = get(&app, None, "/api/users/list?limit=1&skip=1")
        .await
        .json();
    assert_eq!(page["users"].as_array().unwrap().len(), 1);
    assert_eq!(page["total"], 2);
    assert_eq!(
        get(&app, None, "/api/users/list?limit=1000").await.status,
        StatusCode::OK
    );
    for bad in ["limit=0", "skip=-1", "limit=ten"] {
        get(&app, None, &format!("/api/users/list?{bad}"))
            .await
            .envelope(StatusCode::UNPROCESSABLE_ENTITY, "VALIDATION_ERROR");
    }

    let available = get(&app, None, "/api/hireme/available?search=rust")
        .await
        .json();
    assert_eq!(available["total"], 1);
    assert_eq!(available["users"][0]["is_available_for_hire"], true);
    let res = post(&app, &me, "/api/hireme/toggle", None).await.json();
    assert_eq!(res, json!({"success": true, "is_available": false}));
    assert_eq!(
        get(&app, None, "/api/hireme/available").await.json()["total"],
        0
    );
    app.send(Method::POST, "/api/hireme/toggle", None, None)
        .await
        .envelope(StatusCode::UNAUTHORIZED, "NOT_AUTHENTICATED");
}
