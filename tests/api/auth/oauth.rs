//! Sign-in with Google and Apple against a local key server, with ID tokens signed by a test key.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

use super::{access, login, me};
use crate::support::{PASSWORD, TestApp};

const KEY_PEM: &[u8] = include_bytes!("../../fixtures/oauth_test_key.pem");
const JWKS: &str = include_str!("../../fixtures/oauth_test_jwks.json");
const CLIENT: &str = "hireme-test-client";

/// Serves the test key set; counts how often it is fetched.
async fn key_server() -> (String, Arc<AtomicUsize>) {
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    let app = Router::new().route(
        "/certs",
        get(move || {
            counter.fetch_add(1, Ordering::SeqCst);
            async { ([("content-type", "application/json")], JWKS) }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/certs", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, hits)
}

async fn app_with_providers() -> (TestApp, Arc<AtomicUsize>) {
    let (url, hits) = key_server().await;
    let app = TestApp::with(
        &[
            ("GOOGLE_CLIENT_ID", CLIENT),
            ("GOOGLE_JWKS_URL", &url),
            ("APPLE_CLIENT_ID", CLIENT),
            ("APPLE_JWKS_URL", &url),
        ],
        Router::new(),
    )
    .await;
    (app, hits)
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn google_claims(sub: &str, email: &str) -> Value {
    json!({"iss": "https://accounts.google.com", "aud": CLIENT, "sub": sub, "email": email,
           "email_verified": true, "given_name": "Gail", "family_name": "Green",
           "iat": now(), "exp": now() + 600})
}

fn id_token(claims: &Value, kid: &str) -> String {
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(kid.to_owned());
    jsonwebtoken::encode(
        &header,
        claims,
        &EncodingKey::from_rsa_pem(KEY_PEM).unwrap(),
    )
    .unwrap()
}

async fn google(app: &TestApp, token: &str) -> crate::support::TestResponse {
    app.post_json("/api/auth/oauth/google", &json!({"token": token}))
        .await
}

#[tokio::test]
async fn a_valid_google_token_creates_an_account_then_signs_it_in() {
    let (app, hits) = app_with_providers().await;
    let token = id_token(&google_claims("g-123", "Gail@Example.com"), "test-key-1");
    let res = google(&app, &token).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let first = res.json();
    let user = &first["user"];
    assert_eq!(user["email"], "gail@example.com");
    assert_eq!(user["first_name"], "Gail");
    assert_eq!(user["username"], "gailgreen");
    assert_eq!(user["user_type"], "freelancer");
    assert_eq!(me(&app, &access(&first)).await.status, StatusCode::OK);

    let again = google(&app, &token).await.json();
    assert_eq!(again["user"]["id"], user["id"]);
    assert_eq!(hits.load(Ordering::SeqCst), 1, "keys are cached");

    // A social-only account has no password to sign in with.
    login(&app, "gail@example.com", PASSWORD)
        .await
        .envelope(StatusCode::UNAUTHORIZED, "INVALID_CREDENTIALS");
}

#[tokio::test]
async fn a_verified_email_links_the_existing_account() {
    let (app, _) = app_with_providers().await;
    let existing = app.register("link@example.com").await["user"]["id"].clone();
    let res = google(
        &app,
        &id_token(&google_claims("g-link", "link@example.com"), "test-key-1"),
    )
    .await;
    assert_eq!(res.json()["user"]["id"], existing);
    // The password still works too.
    assert_eq!(
        login(&app, "link@example.com", PASSWORD).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn apple_tokens_are_checked_against_apples_issuer() {
    let (app, _) = app_with_providers().await;
    let mut claims = json!({"iss": "https://appleid.apple.com", "aud": CLIENT, "sub": "a-1",
        "email": "abc@privaterelay.appleid.com", "email_verified": "true", "iat": now(), "exp": now() + 600});
    let res = app
        .post_json(
            "/api/auth/oauth/apple",
            &json!({"token": id_token(&claims, "test-key-1"), "user_type": "employer"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert_eq!(res.json()["user"]["user_type"], "employer");
    claims["iss"] = json!("https://accounts.google.com");
    let res = app
        .post_json(
            "/api/auth/oauth/apple",
            &json!({"token": id_token(&claims, "test-key-1")}),
        )
        .await;
    res.envelope(StatusCode::UNAUTHORIZED, "INVALID_ID_TOKEN");
}

#[tokio::test]
async fn wrong_audience_issuer_expiry_key_or_unverified_email_are_refused() {
    let (app, hits) = app_with_providers().await;
    let base = google_claims("g-bad", "bad@example.com");
    let mut cases = Vec::new();
    let mut c = base.clone();
    c["aud"] = json!("someone-elses-client");
    cases.push((
        "wrong audience",
        id_token(&c, "test-key-1"),
        "INVALID_ID_TOKEN",
    ));
    let mut c = base.clone();
    c["iss"] = json!("https://evil.example");
    cases.push((
        "wrong issuer",
        id_token(&c, "test-key-1"),
        "INVALID_ID_TOKEN",
    ));
    let mut c = base.clone();
    c["iat"] = json!(now() - 7200);
    c["exp"] = json!(now() - 3600);
    cases.push(("expired", id_token(&c, "test-key-1"), "INVALID_ID_TOKEN"));
    cases.push((
        "unknown key id",
        id_token(&base, "rotated-away"),
        "INVALID_ID_TOKEN",
    ));
    let mut c = base.clone();
    c["email_verified"] = json!(false);
    cases.push((
        "unverified e-mail",
        id_token(&c, "test-key-1"),
        "EMAIL_NOT_VERIFIED",
    ));
    let hs = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &base,
        &EncodingKey::from_secret(b"guess").unwrap(),
    )
    .unwrap();
    cases.push(("HS256 instead of RS256", hs, "INVALID_ID_TOKEN"));
    cases.push(("garbage", "not.a.token".to_owned(), "INVALID_ID_TOKEN"));

    for (case, token, code) in cases {
        let res = google(&app, &token).await;
        assert_eq!(
            res.status,
            StatusCode::UNAUTHORIZED,
            "{case}: {}",
            res.text()
        );
        assert_eq!(res.json()["error_code"], code, "{case}");
    }
    let users: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(app.state.db.pool().await.unwrap())
        .await
        .unwrap();
    assert_eq!(users, 0, "no account was made from a refused token");
    // The unknown key id made the server look for new keys, at most once a second.
    assert!(hits.load(Ordering::SeqCst) <= 2);
}

#[tokio::test]
async fn an_unknown_key_id_makes_the_server_fetch_the_keys_again() {
    let (app, hits) = app_with_providers().await;
    google(
        &app,
        &id_token(&google_claims("g-1", "k1@example.com"), "test-key-1"),
    )
    .await;
    assert_eq!(hits.load(Ordering::SeqCst), 1);
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    google(
        &app,
        &id_token(&google_claims("g-2", "k2@example.com"), "new-key"),
    )
    .await
    .envelope(StatusCode::UNAUTHORIZED, "INVALID_ID_TOKEN");
    assert_eq!(
        hits.load(Ordering::SeqCst),
        2,
        "an unknown kid triggers one refresh"
    );
}

#[tokio::test]
async fn without_a_client_id_the_provider_is_unavailable() {
    let app = TestApp::spawn().await;
    for path in ["/api/auth/oauth/google", "/api/auth/oauth/apple"] {
        let res = app.post_json(path, &json!({"token": "x.y.z"})).await;
        let body = res.envelope(StatusCode::SERVICE_UNAVAILABLE, "PROVIDER_NOT_CONFIGURED");
        assert!(body["detail"].as_str().unwrap().contains("not configured"));
    }
    app.post_json("/api/auth/oauth/google", &json!({}))
        .await
        .envelope(StatusCode::UNPROCESSABLE_ENTITY, "VALIDATION_ERROR");
}

#[tokio::test]
async fn an_unreachable_key_server_is_503_not_500() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}/certs");
    let app = TestApp::with(
        &[("GOOGLE_CLIENT_ID", CLIENT), ("GOOGLE_JWKS_URL", &url)],
        Router::new(),
    )
    .await;
    let res = google(
        &app,
        &id_token(&google_claims("g", "u@example.com"), "test-key-1"),
    )
    .await;
    res.envelope(StatusCode::SERVICE_UNAVAILABLE, "PROVIDER_UNAVAILABLE");
}
