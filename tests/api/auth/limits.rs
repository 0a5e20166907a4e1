use axum::body::Body;
use axum::http::{Method, StatusCode};
use serde_json::json;

use super::login;
use crate::support::{PASSWORD, TestApp, TestResponse, from_peer, req};

async fn login_from(app: &TestApp, ip: [u8; 4], email: &str, password: &str) -> TestResponse {
    let request = req(Method::POST, "/api/auth/login")
        .header("content-type", "application/json")
        .body(Body::from(
            json!({"email": email, "password": password}).to_string(),
        ))
        .unwrap();
    app.call(from_peer(request, ip)).await
}

#[tokio::test]
async fn five_failures_lock_the_account_for_a_while_whatever_the_address() {
    let app = TestApp::with(
        &[("RATE_LIMIT_LOGIN_FAILURE_WINDOW_SECS", "2")],
        axum::Router::new(),
    )
    .await;
    app.register("victim@example.com").await;
    app.register("bystander@example.com").await;
    for i in 0..5u8 {
        let res = login_from(
            &app,
            [10, 0, 0, i],
            "victim@example.com",
            "guess number one",
        )
        .await;
        res.envelope(StatusCode::UNAUTHORIZED, "INVALID_CREDENTIALS");
    }
    // Locked: even the right password from a new address waits.
    let res = login_from(&app, [10, 0, 1, 1], "victim@example.com", PASSWORD).await;
    res.envelope(StatusCode::TOO_MANY_REQUESTS, "RATE_LIMITED");
    let retry: u64 = res.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=2).contains(&retry), "{retry}");
    // Other accounts are not affected.
    assert_eq!(
        login(&app, "bystander@example.com", PASSWORD).await.status,
        StatusCode::OK
    );
    // The lock is soft: it ends with its window.
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    assert_eq!(
        login(&app, "victim@example.com", PASSWORD).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn unknown_accounts_lock_the_same_way() {
    let app = TestApp::spawn().await;
    for _ in 0..5 {
        login(&app, "ghost@example.com", "whatever it is")
            .await
            .envelope(StatusCode::UNAUTHORIZED, "INVALID_CREDENTIALS");
    }
    login(&app, "ghost@example.com", "whatever it is")
        .await
        .envelope(StatusCode::TOO_MANY_REQUESTS, "RATE_LIMITED");
}

#[tokio::test]
async fn one_address_gets_ten_logins_a_minute() {
    let app = TestApp::with(
        &[("RATE_LIMIT_LOGIN_PER_MINUTE", "10")],
        axum::Router::new(),
    )
    .await;
    app.register("busy@example.com").await;
    for _ in 0..10 {
        let res = login_from(&app, [192, 0, 2, 1], "busy@example.com", PASSWORD).await;
        assert_eq!(res.status, StatusCode::OK);
    }
    let res = login_from(&app, [192, 0, 2, 1], "busy@example.com", PASSWORD).await;
    res.envelope(StatusCode::TOO_MANY_REQUESTS, "RATE_LIMITED");
    let retry: u64 = res.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry));
    assert_eq!(
        login_from(&app, [192, 0, 2, 2], "busy@example.com", PASSWORD)
            .await
            .status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn one_address_gets_five_registrations_an_hour() {
    let app = TestApp::with(
        &[("RATE_LIMIT_REGISTER_PER_HOUR", "5")],
        axum::Router::new(),
    )
    .await;
    let register = |i: u32, ip: [u8; 4]| {
        let body = json!({"email": format!("r{i}@example.com"), "password": PASSWORD, "first_name": "R",
            "last_name": "R", "user_type": "client"});
        from_peer(
            req(Method::POST, "/api/auth/register")
                .header("content-type", "application/json")
                .body(Body::from(body.to_string()))
                .unwrap(),
            ip,
        )
    };
    for i in 0..5 {
        assert_eq!(
            app.call(register(i, [198, 51, 100, 1])).await.status,
            StatusCode::CREATED
        );
    }
    let res = app.call(register(5, [198, 51, 100, 1])).await;
    res.envelope(StatusCode::TOO_MANY_REQUESTS, "RATE_LIMITED");
    let retry: u64 = res.header("retry-after").unwrap().parse().unwrap();
    assert!(retry > 3000, "{retry}");
    assert_eq!(
        app.call(register(6, [198, 51, 100, 2])).await.status,
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn refresh_is_limited_per_address() {
    let app = TestApp::with(
        &[("RATE_LIMIT_REFRESH_PER_MINUTE", "3")],
        axum::Router::new(),
    )
    .await;
    for _ in 0..3 {
        app.post_json("/api/auth/refresh", &json!({"refresh_token": "nope"}))
            .await
            .envelope(StatusCode::UNAUTHORIZED, "INVALID_REFRESH_TOKEN");
    }
    app.post_json("/api/auth/refresh", &json!({"refresh_token": "nope"}))
        .await
        .envelope(StatusCode::TOO_MANY_REQUESTS, "RATE_LIMITED");
}

#[tokio::test]
async fn the_client_address_behind_a_trusted_proxy_is_the_forwarded_one() {
    let app = TestApp::with(
        &[
            ("RATE_LIMIT_LOGIN_PER_MINUTE", "1"),
            ("TRUSTED_PROXIES", "10.9.0.0/16"),
        ],
        axum::Router::new(),
    )
    .await;
    let attempt = |peer: [u8; 4], forwarded: &str| {
        from_peer(
            req(Method::POST, "/api/auth/login")
                .header("content-type", "application/json")
                .header("x-forwarded-for", forwarded)
                .body(Body::from(
                    json!({"email": "x@example.com", "password": "whatever it is"}).to_string(),
                ))
                .unwrap(),
            peer,
        )
    };
    // Through the proxy, two different clients each get their own allowance.
    assert_eq!(
        app.call(attempt([10, 9, 0, 1], "203.0.113.1")).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.call(attempt([10, 9, 0, 1], "203.0.113.2")).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.call(attempt([10, 9, 0, 1], "203.0.113.1")).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    // A client that is not a proxy cannot pick its address by forging the header.
    assert_eq!(
        app.call(attempt([203, 0, 113, 9], "1.1.1.1")).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.call(attempt([203, 0, 113, 9], "2.2.2.2")).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
}
