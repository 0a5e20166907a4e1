use axum::body::Body;
use axum::http::{Method, StatusCode};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

use super::{access, me, refresh};
use crate::support::{TEST_SECRET, TestApp, req};

fn claims_of(token: &str) -> Value {
    let payload = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

fn sign(alg: Algorithm, claims: &Value, key: &[u8]) -> String {
    jsonwebtoken::encode(
        &Header::new(alg),
        claims,
        &EncodingKey::from_secret(key).unwrap(),
    )
    .unwrap()
}

#[tokio::test]
async fn the_access_token_carries_the_claims_the_client_reads() {
    let app = TestApp::spawn().await;
    let tokens = app.register("claims@example.com").await;
    let claims = claims_of(&access(&tokens));
    assert_eq!(claims["sub"], tokens["user"]["id"].to_string());
    assert_eq!(claims["typ"], "access");
    assert!(claims["sid"].is_string());
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        900
    );
}

#[tokio::test]
async fn tampered_expired_foreign_and_misused_tokens_are_refused() {
    let app = TestApp::spawn().await;
    let tokens = app.register("tok@example.com").await;
    let good = access(&tokens);
    let mut claims = claims_of(&good);
    let now = claims["iat"].as_i64().unwrap();

    // Tampered: another user's id under the original signature.
    let mut parts: Vec<String> = good.split('.').map(str::to_owned).collect();
    let mut forged = claims.clone();
    forged["sub"] = json!("999");
    parts[1] = URL_SAFE_NO_PAD.encode(forged.to_string());
    me(&app, &parts.join("."))
        .await
        .envelope(StatusCode::UNAUTHORIZED, "INVALID_TOKEN");

    // Expired, though correctly signed for a live session.
    claims["iat"] = json!(now - 7200);
    claims["exp"] = json!(now - 3600);
    let expired = sign(Algorithm::HS256, &claims, TEST_SECRET.as_bytes());
    me(&app, &expired)
        .await
        .envelope(StatusCode::UNAUTHORIZED, "TOKEN_EXPIRED");

    // The `none` algorithm and another HMAC algorithm, with the right key.
    claims["iat"] = json!(now);
    claims["exp"] = json!(now + 600);
    let none = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    me(&app, &none)
        .await
        .envelope(StatusCode::UNAUTHORIZED, "INVALID_TOKEN");
    let hs512 = sign(Algorithm::HS512, &claims, TEST_SECRET.as_bytes());
    me(&app, &hs512)
        .await
        .envelope(StatusCode::UNAUTHORIZED, "INVALID_TOKEN");

    // Signed with another key.
    let foreign = sign(
        Algorithm::HS256,
        &claims,
        b"not-the-server-key-not-the-server-key",
    );
    me(&app, &foreign)
        .await
        .envelope(StatusCode::UNAUTHORIZED, "INVALID_TOKEN");

    // A token of another type, and the refresh token, are not access tokens.
    claims["typ"] = json!("refresh");
    let typed = sign(Algorithm::HS256, &claims, TEST_SECRET.as_bytes());
    me(&app, &typed)
        .await
        .envelope(StatusCode::UNAUTHORIZED, "INVALID_TOKEN");
    me(&app, &refresh(&tokens))
        .await
        .envelope(StatusCode::UNAUTHORIZED, "INVALID_TOKEN");

    // Garbage and malformed headers.
    me(&app, "garbage")
        .await
        .envelope(StatusCode::UNAUTHORIZED, "INVALID_TOKEN");
    let res = app
        .call(
            req(Method::GET, "/api/auth/me")
                .header("authorization", format!("Basic {good}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    res.envelope(StatusCode::UNAUTHORIZED, "INVALID_TOKEN");

    // The genuine token still works.
    assert_eq!(me(&app, &good).await.status, StatusCode::OK);
}

#[tokio::test]
async fn the_cookie_alone_authenticates_reads_but_unsafe_requests_need_an_allowed_origin() {
    let app = TestApp::spawn().await;
    let tokens = app.register("csrf@example.com").await;
    let cookie = format!("access_token={}", access(&tokens));
    let res = app
        .call(
            req(Method::GET, "/api/auth/me")
                .header("cookie", &cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK);

    let put = |origin: Option<&str>| {
        let mut b = req(Method::PUT, "/api/auth/profile")
            .header("cookie", &cookie)
            .header("content-type", "application/json");
        if let Some(o) = origin {
            b = b.header("origin", o);
        }
        b.body(Body::from(json!({"bio": "hello"}).to_string()))
            .unwrap()
    };
    app.call(put(None))
        .await
        .envelope(StatusCode::FORBIDDEN, "CSRF_ORIGIN_REJECTED");
    app.call(put(Some("https://evil.example")))
        .await
        .envelope(StatusCode::FORBIDDEN, "CSRF_ORIGIN_REJECTED");
    let res = app.call(put(Some("https://app.example"))).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert_eq!(res.json()["bio"], "hello");

    // The bearer header needs no origin: it cannot be attached by another site.
    let res = app
        .send(
            Method::PUT,
            "/api/auth/profile",
            Some(&access(&tokens)),
            Some(json!({"bio": "x"})),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK);
}

#[tokio::test]
async fn answers_about_the_caller_are_never_cacheable() {
    let app = TestApp::spawn().await;
    let tokens = app.register("cache@example.com").await;
    assert_eq!(
        me(&app, &access(&tokens)).await.header("cache-control"),
        Some("no-store")
    );
    let res = app
        .post_json(
            "/api/auth/login",
            &json!({"email": "cache@example.com", "password": crate::support::PASSWORD}),
        )
        .await;
    assert_eq!(res.header("cache-control"), Some("no-store"));
}
