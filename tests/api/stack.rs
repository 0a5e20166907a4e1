//! The middleware stack: envelopes for every failure, panics, limits, CORS, request ids and
//! security headers. Extra routes mounted behind the real stack provide the failures.

use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{Method, StatusCode};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::support::{TestApp, req};

#[derive(Deserialize)]
#[allow(dead_code)]
struct Signup {
    email: String,
    age: u32,
}

fn failing_routes() -> Router {
    Router::new()
        .route(
            "/test/panic",
            get(|| async {
                if true {
                    panic!("boom at a secret place");
                }
                "unreachable"
            }),
        )
        .route(
            "/test/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(5)).await;
                "late"
            }),
        )
        .route(
            "/test/signup",
            post(
                |hireme::http::extract::Json(s): hireme::http::extract::Json<Signup>| async move {
                    format!("{}", s.age)
                },
            ),
        )
        .route(
            "/test/db-error",
            get(|| async {
                Err::<(), _>(hireme::error::AppError::from(sqlx::Error::Protocol(
                    "SELECT password FROM secrets".into(),
                )))
            }),
        )
}

async fn app(environment: &str) -> TestApp {
    TestApp::with(
        &[
            ("ENVIRONMENT", environment),
            ("REQUEST_TIMEOUT_MS", "300"),
            ("BODY_LIMIT_BYTES", "1024"),
        ],
        failing_routes(),
    )
    .await
}

#[tokio::test]
async fn a_panicking_handler_is_a_500_envelope_and_the_next_request_is_served() {
    let app = app("test").await;
    let res = app.get("/test/panic").await;
    let body = res.envelope(StatusCode::INTERNAL_SERVER_ERROR, "INTERNAL_ERROR");
    assert_eq!(body["detail"], "Internal server error");
    assert!(!res.text().contains("boom"));
    for _ in 0..3 {
        assert_eq!(app.get("/health").await.status, StatusCode::OK);
        assert_eq!(
            app.get("/test/panic").await.status,
            StatusCode::INTERNAL_SERVER_ERROR
        );
    }
}

#[tokio::test]
async fn production_500s_carry_no_error_text() {
    let app = TestApp::with(
        &[
            ("ENVIRONMENT", "production"),
            ("ALLOWED_ORIGINS", "https://app.example"),
        ],
        failing_routes(),
    )
    .await;
    for path in ["/test/db-error", "/test/panic"] {
        let res = app.get(path).await;
        let body = res.envelope(StatusCode::INTERNAL_SERVER_ERROR, "INTERNAL_ERROR");
        assert_eq!(body["detail"], "Internal server error");
        assert!(body.get("debug").is_none());
        assert!(!res.text().contains("SELECT"));
        assert!(!res.text().contains("boom"));
    }
}

#[tokio::test]
async fn development_500s_add_a_debug_object() {
    let app = app("development").await;
    let body = app
        .get("/test/db-error")
        .await
        .envelope(StatusCode::INTERNAL_SERVER_ERROR, "INTERNAL_ERROR");
    assert_eq!(body["debug"]["type"], "database");
    assert!(
        body["debug"]["message"]
            .as_str()
            .unwrap()
            .contains("SELECT")
    );
    let body = app
        .get("/test/panic")
        .await
        .envelope(StatusCode::INTERNAL_SERVER_ERROR, "INTERNAL_ERROR");
    assert_eq!(body["debug"]["type"], "panic");
}

#[tokio::test]
async fn unknown_routes_and_wrong_methods_are_enveloped() {
    let app = app("test").await;
    app.get("/api/nowhere")
        .await
        .envelope(StatusCode::NOT_FOUND, "ROUTE_NOT_FOUND");
    let res = app
        .call(req(Method::DELETE, "/health").body(Body::empty()).unwrap())
        .await;
    res.envelope(StatusCode::METHOD_NOT_ALLOWED, "METHOD_NOT_ALLOWED");
    assert!(res.header("allow").unwrap().contains("GET"));
}

#[tokio::test]
async fn an_oversized_body_is_413() {
    let app = app("test").await;
    let big = json!({"email": "a".repeat(2000), "age": 3});
    app.post_json("/test/signup", &big)
        .await
        .envelope(StatusCode::PAYLOAD_TOO_LARGE, "PAYLOAD_TOO_LARGE");
}

#[tokio::test]
async fn json_of_the_wrong_shape_is_422_naming_the_field() {
    let app = app("test").await;
    let res = app.post_json("/test/signup", &json!({"age": 3})).await;
    let body = res.envelope(StatusCode::UNPROCESSABLE_ENTITY, "VALIDATION_ERROR");
    assert_eq!(body["detail"], "email: is required");
    assert_eq!(
        body["errors"],
        json!([{"field": "email", "message": "is required"}])
    );

    let res = app
        .post_json("/test/signup", &json!({"email": "a@b.c", "age": "old"}))
        .await;
    let body = res.envelope(StatusCode::UNPROCESSABLE_ENTITY, "VALIDATION_ERROR");
    assert_eq!(body["errors"][0]["field"], "age");
}

#[tokio::test]
async fn malformed_json_and_other_content_types_are_refused_clearly() {
    let app = app("test").await;
    let res = app
        .call(
            req(Method::POST, "/test/signup")
                .header("content-type", "application/json")
                .body(Body::from("{\"email\": "))
                .unwrap(),
        )
        .await;
    res.envelope(StatusCode::BAD_REQUEST, "INVALID_JSON");
    let res = app
        .call(
            req(Method::POST, "/test/signup")
                .header("content-type", "text/plain")
                .body(Body::from("hello"))
                .unwrap(),
        )
        .await;
    res.envelope(StatusCode::UNSUPPORTED_MEDIA_TYPE, "UNSUPPORTED_MEDIA_TYPE");
}

#[tokio::test]
async fn a_request_past_the_time_limit_is_504() {
    let app = app("test").await;
    let started = std::time::Instant::now();
    app.get("/test/slow")
        .await
        .envelope(StatusCode::GATEWAY_TIMEOUT, "TIMEOUT");
    assert!(started.elapsed() < Duration::from_secs(4));
}

#[tokio::test]
async fn a_sane_request_id_is_kept_and_anything_else_replaced() {
    let app = app("test").await;
    let res = app
        .call(
            req(Method::GET, "/api/nowhere")
                .header("x-request-id", "client-id-123")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(res.header("x-request-id"), Some("client-id-123"));
    assert_eq!(res.json()["request_id"], "client-id-123");

    let res = app
        .call(
            req(Method::GET, "/health")
                .header("x-request-id", "<script>alert(1)</script>")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    let id = res.header("x-request-id").unwrap();
    assert_eq!(id.len(), 32);
    assert!(id.bytes().all(|b| b.is_ascii_hexdigit()));

    let a = app.get("/health").await;
    let b = app.get("/health").await;
    assert_ne!(a.header("x-request-id"), b.header("x-request-id"));
}

#[tokio::test]
async fn security_headers_are_on_every_response() {
    let app = app("production").await;
    for path in ["/health", "/api/nowhere", "/test/panic"] {
        let res = app.get(path).await;
        assert_eq!(
            res.header("x-content-type-options"),
            Some("nosniff"),
            "{path}"
        );
        assert_eq!(res.header("x-frame-options"), Some("DENY"));
        assert_eq!(
            res.header("content-security-policy"),
            Some("default-src 'none'; frame-ancestors 'none'")
        );
        assert_eq!(res.header("referrer-policy"), Some("no-referrer"));
        assert_eq!(res.header("cache-control"), Some("no-store"));
        assert!(
            res.header("strict-transport-security")
                .unwrap()
                .contains("max-age=")
        );
    }
    let dev = TestApp::spawn().await;
    assert!(
        dev.get("/health")
            .await
            .header("strict-transport-security")
            .is_none()
    );
}

fn preflight(origin: &str) -> axum::http::Request<Body> {
    req(Method::OPTIONS, "/api/health")
        .header("origin", origin)
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "authorization,content-type",
        )
        .body(Body::empty())
        .unwrap()
}

#[tokio::test]
async fn cors_allows_listed_origins_with_credentials_and_refuses_others() {
    let app = TestApp::spawn().await; // ALLOWED_ORIGINS=https://app.example
    let res = app.call(preflight("https://app.example")).await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(
        res.header("access-control-allow-origin"),
        Some("https://app.example")
    );
    assert_eq!(res.header("access-control-allow-credentials"), Some("true"));
    assert!(
        res.header("access-control-allow-methods")
            .unwrap()
            .contains("POST")
    );

    for evil in [
        "https://evil.example",
        "https://app.example.evil.com",
        "http://app.example",
    ] {
        let res = app.call(preflight(evil)).await;
        assert!(
            res.header("access-control-allow-origin").is_none(),
            "{evil}"
        );
    }
    let res = app
        .call(
            req(Method::GET, "/health")
                .header("origin", "https://evil.example")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert!(res.header("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn a_wildcard_origin_never_allows_credentials() {
    let app = TestApp::with(&[("ALLOWED_ORIGINS", "*")], Router::new()).await;
    let res = app.call(preflight("https://anyone.example")).await;
    assert_eq!(res.header("access-control-allow-origin"), Some("*"));
    assert!(res.header("access-control-allow-credentials").is_none());
}

#[tokio::test]
async fn errors_never_answer_with_a_list_or_object_detail() {
    let app = app("test").await;
    let bodies: Vec<Value> = vec![
        app.post_json("/test/signup", &json!({})).await.json(),
        app.post_json("/test/signup", &json!([])).await.json(),
        app.get("/api/nowhere").await.json(),
    ];
    for body in bodies {
        assert!(body["detail"].is_string(), "{body}");
    }
}

#[tokio::test]
async fn collection_routes_answer_with_or_without_a_trailing_slash() {
    let app = TestApp::spawn().await;
    for path in [
        "/api/posts/",
        "/api/jobs/",
        "/api/jobs/?limit=1",
        "/api/users/list/",
        "/health/",
    ] {
        let res = app.get(path).await;
        assert_eq!(res.status, StatusCode::OK, "{path}: {}", res.text());
    }
    let res = app
        .post_json(
            "/api/auth/login/",
            &json!({"email": "x@example.com", "password": "whatever it is"}),
        )
        .await;
    res.envelope(StatusCode::UNAUTHORIZED, "INVALID_CREDENTIALS");
    app.get("/api/nowhere/")
        .await
        .envelope(StatusCode::NOT_FOUND, "ROUTE_NOT_FOUND");
    app.get("/")
        .await
        .envelope(StatusCode::NOT_FOUND, "ROUTE_NOT_FOUND");
}
