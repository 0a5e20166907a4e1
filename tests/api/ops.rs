use axum::http::StatusCode;

use crate::support::TestApp;

#[tokio::test]
async fn liveness_endpoints_answer_with_their_status() {
    let app = TestApp::spawn().await;
    for (path, status) in [
        ("/health", "ok"),
        ("/live", "alive"),
        ("/health/ping", "ok"),
    ] {
        let res = app.get(path).await;
        assert_eq!(res.status, StatusCode::OK);
        assert_eq!(res.json()["status"], status, "{path}");
    }
    assert_eq!(app.get("/health/ping").await.json()["message"], "pong");
}

#[tokio::test]
async fn head_is_answered_where_the_contract_lists_it() {
    let app = TestApp::spawn().await;
    for path in ["/health", "/live", "/health/ping", "/api/health"] {
        let res = app
            .call(
                crate::support::req(axum::http::Method::HEAD, path)
                    .body(axum::body::Body::empty())
                    .unwrap(),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{path}");
        assert!(res.body.is_empty());
    }
}

#[tokio::test]
async fn service_health_reports_the_database_and_nothing_secret() {
    let app = TestApp::spawn().await;
    let res = app.get("/api/health").await;
    assert_eq!(res.status, StatusCode::OK);
    let body = res.json();
    assert_eq!(body["status"], "ok");
    assert_eq!(body["service"], "hireme");
    assert_eq!(body["database"], "ok");
    assert!(body["uptime_seconds"].is_u64());
    let keys: Vec<_> = body.as_object().unwrap().keys().cloned().collect();
    assert_eq!(
        keys,
        ["database", "service", "status", "uptime_seconds", "version"]
    );
}

#[tokio::test]
async fn readiness_checks_the_database() {
    let app = TestApp::spawn().await;
    for path in ["/ready", "/ready/db"] {
        let res = app.get(path).await;
        assert_eq!(res.status, StatusCode::OK);
        assert_eq!(
            res.json(),
            serde_json::json!({"status": "ready", "checks": {"database": "ok"}})
        );
    }
}

#[tokio::test]
async fn readiness_fails_and_health_degrades_when_the_database_is_gone() {
    let app = TestApp::spawn().await;
    app.state.db.close().await;
    assert!(app.state.db.check().await.is_err());

    let res = app.get("/ready").await;
    assert_eq!(res.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(res.header("retry-after"), Some("5"));
    assert_eq!(
        res.json(),
        serde_json::json!({"status": "not_ready", "checks": {"database": "unavailable"}})
    );
    let health = app.get("/api/health").await;
    assert_eq!(health.status, StatusCode::OK);
    assert_eq!(health.json()["status"], "degraded");
    assert_eq!(health.json()["database"], "unavailable");
    assert_eq!(app.get("/health").await.status, StatusCode::OK);
}

#[tokio::test]
async fn migrations_are_recorded_once_and_rerunning_them_is_harmless() {
    let app = TestApp::spawn().await;
    app.state.db.migrate().await.unwrap();
    let pool = app.state.db.pool().await.unwrap();
    let versions: Vec<i64> =
        sqlx::query_scalar("SELECT version FROM _sqlx_migrations ORDER BY version")
            .fetch_all(pool)
            .await
            .unwrap();
    let expected: Vec<i64> = (1..=hireme::db::migrate::latest_version()).collect();
    assert_eq!(versions, expected);
}

#[tokio::test]
async fn metrics_count_requests_by_matched_route_and_report_the_database() {
    let app = TestApp::spawn().await;
    app.get("/live").await;
    app.get("/api/users/12345").await;
    let res = app.get("/metrics").await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(
        res.header("content-type")
            .unwrap()
            .starts_with("text/plain")
    );
    let text = res.text();
    assert!(text.contains("http_requests_total{"), "{text}");
    assert!(text.contains(r#"route="/live""#), "{text}");
    assert!(
        text.contains(r#"route="/api/users/{id}""#),
        "matched routes, never raw paths: {text}"
    );
    // (Not any "12345": a duration in the process-wide histograms may hold those digits.)
    assert!(!text.contains("/api/users/12345"), "{text}");
    assert!(
        text.contains("http_request_duration_seconds_bucket"),
        "{text}"
    );
    assert!(text.contains("database_available"), "{text}");
}

#[tokio::test]
async fn the_first_request_after_a_start_waits_for_the_first_probe_instead_of_failing() {
    // As at a Lambda cold start: the supervisor has just been spawned when a request arrives.
    let db = crate::support::TestDb::new().await;
    let config = crate::support::config(&db.url, &[]);
    let database = hireme::db::Database::open(&config.database).unwrap();
    let state = hireme::AppState::new(config, database.clone()).unwrap();
    let router = hireme::router(state);
    let supervisor = database.supervise();
    let res = crate::support::call(
        &router,
        crate::support::req(axum::http::Method::GET, "/api/posts")
            .body(axum::body::Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    supervisor.abort();
}
