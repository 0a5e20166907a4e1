//! Limits shared by several instances through Redis, and what happens when Redis is down. The
//! shared test needs a Redis server (`TEST_REDIS_URL`, default redis://127.0.0.1:6379); without
//! one it says so and passes, unless `HIREME_REQUIRE_REDIS` is set, as CI sets it.

use axum::body::Body;
use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::support::{TestApp, call, redis_url, req};

fn login(email: &str) -> axum::http::Request<Body> {
    req(Method::POST, "/api/auth/login")
        .header("content-type", "application/json")
        .body(Body::from(
            json!({"email": email, "password": "not the password"}).to_string(),
        ))
        .unwrap()
}

#[tokio::test]
async fn two_instances_share_one_account_lock_through_redis() {
    let Some(url) = redis_url() else { return };
    let vars = [
        ("REDIS_URL", url.as_str()),
        ("RATE_LIMIT_LOGIN_FAILURE_WINDOW_SECS", "30"),
    ];
    let first = TestApp::with(&vars, axum::Router::new()).await;
    let (second, _) = first.sibling(&vars).await;
    let email = format!("shared-{}@example.com", uuid::Uuid::new_v4().simple());
    for i in 0..5 {
        let router = if i % 2 == 0 { &first.router } else { &second };
        let res = call(router, login(&email)).await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED, "attempt {i}");
    }
    // Five failures were spread over both instances; each now refuses.
    for router in [&first.router, &second] {
        let res = call(router, login(&email)).await;
        res.envelope(StatusCode::TOO_MANY_REQUESTS, "RATE_LIMITED");
        let retry: u64 = res.header("retry-after").unwrap().parse().unwrap();
        assert!((1..=30).contains(&retry), "{retry}");
    }
    // Another account is untouched.
    let other = format!("other-{}@example.com", uuid::Uuid::new_v4().simple());
    assert_eq!(
        call(&second, login(&other)).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn with_redis_down_each_instance_still_limits_on_its_own() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("redis://127.0.0.1:{port}");
    let app = TestApp::with(
        &[("REDIS_URL", &url), ("RATE_LIMIT_LOGIN_PER_MINUTE", "2")],
        axum::Router::new(),
    )
    .await;
    for _ in 0..2 {
        assert_eq!(
            app.call(login("down@example.com")).await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    app.call(login("down@example.com"))
        .await
        .envelope(StatusCode::TOO_MANY_REQUESTS, "RATE_LIMITED");
    assert_eq!(app.get("/health").await.status, StatusCode::OK);
}
