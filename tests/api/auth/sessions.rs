use axum::body::Body;
use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use super::{access, login, me, refresh, sign_in, sql};
use crate::support::{PASSWORD, TestApp, call, req};

/// The failure body without its request id, which differs per request.
fn stripped(mut body: Value) -> Value {
    body.as_object_mut().unwrap().remove("request_id");
    body
}

#[tokio::test]
async fn login_accepts_the_email_in_any_case_or_the_phone_number() {
    let app = TestApp::spawn().await;
    app.register_with(
        json!({"email": "kim@example.com", "password": PASSWORD, "first_name": "Kim",
        "last_name": "Ray", "user_type": "client", "phone": "+1 242 555 0111"}),
    )
    .await;
    for id in ["kim@example.com", " KIM@Example.com ", "+1 (242) 555-0111"] {
        let res = login(&app, id, PASSWORD).await;
        assert_eq!(res.status, StatusCode::OK, "{id}: {}", res.text());
        assert_eq!(res.json()["user"]["email"], "kim@example.com");
    }
}

#[tokio::test]
async fn every_kind_of_failed_login_answers_the_same_401() {
    let app = TestApp::spawn().await;
    app.register("known@example.com").await;
    let inactive = app.register("inactive@example.com").await["user"]["id"]
        .as_i64()
        .unwrap();
    sql(
        &app,
        "UPDATE users SET is_active = 0 WHERE id = $1",
        inactive,
    )
    .await;
    let social = app.register("social@example.com").await["user"]["id"]
        .as_i64()
        .unwrap();
    sql(
        &app,
        "UPDATE users SET password_hash = NULL WHERE id = $1",
        social,
    )
    .await;

    let mut bodies = Vec::new();
    for (email, password) in [
        ("nobody@example.com", PASSWORD),
        ("known@example.com", "wrong password!"),
        ("social@example.com", PASSWORD),
        ("inactive@example.com", PASSWORD),
    ] {
        let res = login(&app, email, password).await;
        let body = res.envelope(StatusCode::UNAUTHORIZED, "INVALID_CREDENTIALS");
        assert_eq!(res.header("www-authenticate"), Some("Bearer"));
        bodies.push(stripped(body));
    }
    assert!(bodies.windows(2).all(|w| w[0] == w[1]), "{bodies:?}");
    assert_eq!(bodies[0]["detail"], "Incorrect email or password");
}

#[tokio::test]
async fn a_refresh_token_rotates_and_a_reused_one_revokes_the_whole_family() {
    let app = TestApp::spawn().await;
    let first = app.register("rot@example.com").await;
    let res = app
        .post_json(
            "/api/auth/refresh",
            &json!({"refresh_token": refresh(&first)}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let second = res.json();
    assert_ne!(refresh(&second), refresh(&first));
    assert_eq!(me(&app, &access(&second)).await.status, StatusCode::OK);

    // The first token again: someone copied it. The session ends for everyone holding it.
    let res = app
        .post_json(
            "/api/auth/refresh",
            &json!({"refresh_token": refresh(&first)}),
        )
        .await;
    res.envelope(StatusCode::UNAUTHORIZED, "REFRESH_TOKEN_REUSED");
    let res = app
        .post_json(
            "/api/auth/refresh",
            &json!({"refresh_token": refresh(&second)}),
        )
        .await;
    res.envelope(StatusCode::UNAUTHORIZED, "SESSION_REVOKED");
    me(&app, &access(&second))
        .await
        .envelope(StatusCode::UNAUTHORIZED, "SESSION_REVOKED");
    me(&app, &access(&first))
        .await
        .envelope(StatusCode::UNAUTHORIZED, "SESSION_REVOKED");

    // Another login is another family, untouched.
    let other = sign_in(&app, "rot@example.com").await;
    assert_eq!(me(&app, &access(&other)).await.status, StatusCode::OK);
}

#[tokio::test]
async fn refresh_refuses_unknown_missing_and_expired_tokens() {
    let app = TestApp::with(&[("REFRESH_TOKEN_TTL_SECS", "1")], axum::Router::new()).await;
    let res = app
        .post_json("/api/auth/refresh", &json!({"refresh_token": "made-up"}))
        .await;
    res.envelope(StatusCode::UNAUTHORIZED, "INVALID_REFRESH_TOKEN");
    let res = app
        .send(Method::POST, "/api/auth/refresh", None, None)
        .await;
    res.envelope(StatusCode::UNAUTHORIZED, "NOT_AUTHENTICATED");
    let res = app
        .post_json("/api/auth/refresh", &json!({"refresh_token": 12}))
        .await;
    res.envelope(StatusCode::UNPROCESSABLE_ENTITY, "VALIDATION_ERROR");

    let tokens = app.register("exp@example.com").await;
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let res = app
        .post_json(
            "/api/auth/refresh",
            &json!({"refresh_token": refresh(&tokens)}),
        )
        .await;
    res.envelope(StatusCode::UNAUTHORIZED, "REFRESH_TOKEN_EXPIRED");
}

#[tokio::test]
async fn refresh_works_from_the_cookie_by_get_and_by_post_from_an_allowed_origin() {
    let app = TestApp::spawn().await;
    let tokens = app.register("cookie@example.com").await;
    let res = app
        .call(
            req(Method::GET, "/api/auth/refresh")
                .header("cookie", format!("refresh_token={}", refresh(&tokens)))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let next = res.json();

    // A cross-site POST carrying only the cookie is refused; from the client's origin it works.
    let post = |origin: Option<&'static str>, token: String| {
        let mut builder = req(Method::POST, "/api/auth/refresh")
            .header("cookie", format!("refresh_token={token}"));
        if let Some(o) = origin {
            builder = builder.header("origin", o);
        }
        builder.body(Body::empty()).unwrap()
    };
    let res = app
        .call(post(Some("https://evil.example"), refresh(&next)))
        .await;
    res.envelope(StatusCode::FORBIDDEN, "CSRF_ORIGIN_REJECTED");
    let res = app.call(post(None, refresh(&next))).await;
    res.envelope(StatusCode::FORBIDDEN, "CSRF_ORIGIN_REJECTED");
    let res = app
        .call(post(Some("https://app.example"), refresh(&next)))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
}

#[tokio::test]
async fn logout_ends_the_session_at_once_and_clears_the_cookies() {
    let app = TestApp::spawn().await;
    let tokens = app.register("out@example.com").await;
    let other = sign_in(&app, "out@example.com").await;
    let res = app
        .send(
            Method::POST,
            "/api/auth/logout",
            Some(&access(&tokens)),
            None,
        )
        .await;
    assert_eq!(res.status, StatusCode::NO_CONTENT);
    let cleared: Vec<&str> = res
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap())
        .collect();
    assert_eq!(cleared.len(), 2);
    assert!(cleared.iter().all(|c| c.contains("Max-Age=0")));

    me(&app, &access(&tokens))
        .await
        .envelope(StatusCode::UNAUTHORIZED, "SESSION_REVOKED");
    let res = app
        .post_json(
            "/api/auth/refresh",
            &json!({"refresh_token": refresh(&tokens)}),
        )
        .await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        me(&app, &access(&other)).await.status,
        StatusCode::OK,
        "other sessions live on"
    );

    // Signing out when not signed in only clears cookies.
    let res = app.send(Method::POST, "/api/auth/logout", None, None).await;
    assert_eq!(res.status, StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn logout_all_ends_every_session() {
    let app = TestApp::spawn().await;
    let a = app.register("all@example.com").await;
    let b = sign_in(&app, "all@example.com").await;
    let res = app
        .send(
            Method::POST,
            "/api/auth/logout-all",
            Some(&access(&b)),
            None,
        )
        .await;
    assert_eq!(res.status, StatusCode::NO_CONTENT);
    for t in [&a, &b] {
        me(&app, &access(t))
            .await
            .envelope(StatusCode::UNAUTHORIZED, "SESSION_REVOKED");
    }
    app.send(Method::POST, "/api/auth/logout-all", None, None)
        .await
        .envelope(StatusCode::UNAUTHORIZED, "NOT_AUTHENTICATED");
}

#[tokio::test]
async fn verify_reports_the_user_of_a_valid_token() {
    let app = TestApp::spawn().await;
    let tokens = app.register("v@example.com").await;
    let res = app
        .send(
            Method::GET,
            "/api/auth/verify",
            Some(&access(&tokens)),
            None,
        )
        .await;
    assert_eq!(
        res.json(),
        json!({"valid": true, "user_id": tokens["user"]["id"]})
    );
    app.send(Method::GET, "/api/auth/verify", None, None)
        .await
        .envelope(StatusCode::UNAUTHORIZED, "NOT_AUTHENTICATED");
}

#[tokio::test]
async fn a_hash_made_with_weaker_parameters_is_upgraded_at_the_next_login() {
    let app = TestApp::spawn().await; // hashes at m=1024, t=1
    let id = app.register("up@example.com").await["user"]["id"]
        .as_i64()
        .unwrap();
    let (router, state) = app
        .sibling(&[
            ("PASSWORD_HASH_MEMORY_KIB", "2048"),
            ("PASSWORD_HASH_ITERATIONS", "2"),
        ])
        .await;
    let stored = || async {
        sqlx::query_scalar::<_, String>("SELECT password_hash FROM users WHERE id = $1")
            .bind(id)
            .fetch_one(state.db.pool().await.unwrap())
            .await
            .unwrap()
    };
    assert!(stored().await.contains("m=1024,t=1"));
    let res = call(
        &router,
        req(Method::POST, "/api/auth/login")
            .header("content-type", "application/json")
            .body(Body::from(
                json!({"email": "up@example.com", "password": PASSWORD}).to_string(),
            ))
            .unwrap(),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(stored().await.starts_with("$argon2id$v=19$m=2048,t=2,p=1$"));
    // And it still verifies.
    let res = call(
        &router,
        req(Method::POST, "/api/auth/login")
            .header("content-type", "application/json")
            .body(Body::from(
                json!({"email": "up@example.com", "password": PASSWORD}).to_string(),
            ))
            .unwrap(),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK);
}

#[tokio::test]
async fn sessions_that_ended_long_ago_can_be_purged_without_touching_live_ones() {
    let app = TestApp::spawn().await;
    let live = app.register("live@example.com").await;
    let old = sign_in(&app, "live@example.com").await;
    app.send(Method::POST, "/api/auth/logout", Some(&access(&old)), None)
        .await;
    let pool = app.state.db.pool().await.unwrap();
    // Pretend the logout happened two days ago.
    sqlx::query(
        "UPDATE sessions SET revoked_at = revoked_at - 172800000 WHERE revoked_at IS NOT NULL",
    )
    .execute(pool)
    .await
    .unwrap();
    let mut conn = pool.acquire().await.unwrap();
    let cutoff = hireme::domain::time::now_ms() - 86_400_000;
    let removed = hireme::db::sessions::purge_ended(&mut conn, cutoff)
        .await
        .unwrap();
    assert_eq!(removed, 1);
    assert_eq!(me(&app, &access(&live)).await.status, StatusCode::OK);
}
