//! The OpenAPI document is complete: every route the server answers is in it, and everything
//! in it is answered.

use axum::body::Body;
use axum::http::{Method, StatusCode};

use crate::support::{TestApp, TestResponse, req};

/// Every method and path of the HTTP contract, in OpenAPI's notation.
const CONTRACT: &[(&str, &str)] = &[
    ("get", "/health"),
    ("head", "/health"),
    ("get", "/live"),
    ("head", "/live"),
    ("get", "/health/ping"),
    ("head", "/health/ping"),
    ("get", "/api/health"),
    ("head", "/api/health"),
    ("get", "/ready"),
    ("get", "/ready/db"),
    ("get", "/metrics"),
    ("get", "/api/openapi.json"),
    ("get", "/api/docs"),
    ("post", "/api/auth/register"),
    ("post", "/api/auth/login"),
    ("post", "/api/auth/refresh"),
    ("get", "/api/auth/refresh"),
    ("post", "/api/auth/logout"),
    ("post", "/api/auth/logout-all"),
    ("get", "/api/auth/me"),
    ("get", "/api/auth/verify"),
    ("get", "/api/auth/profile"),
    ("put", "/api/auth/profile"),
    ("put", "/api/auth/change-password"),
    ("post", "/api/auth/change-password"),
    ("delete", "/api/auth/account"),
    ("post", "/api/auth/oauth/google"),
    ("post", "/api/auth/oauth/apple"),
    ("get", "/api/users/list"),
    ("get", "/api/users/{id}"),
    ("post", "/api/users/follow/{id}"),
    ("post", "/api/users/unfollow/{id}"),
    ("post", "/api/users/{id}/follow"),
    ("delete", "/api/users/{id}/follow"),
    ("get", "/api/users/followers/list"),
    ("get", "/api/users/following/list"),
    ("get", "/api/users/{id}/followers"),
    ("get", "/api/users/{id}/following"),
    ("get", "/api/friends/list"),
    ("get", "/api/friends/suggestions"),
    ("get", "/api/jobs"),
    ("post", "/api/jobs"),
    ("get", "/api/jobs/stats/overview"),
    ("get", "/api/jobs/{id}"),
    ("put", "/api/jobs/{id}"),
    ("delete", "/api/jobs/{id}"),
    ("post", "/api/jobs/{id}/toggle"),
    ("post", "/api/jobs/{id}/apply"),
    ("get", "/api/jobs/{id}/applications"),
    ("put", "/api/jobs/applications/{id}"),
    ("get", "/api/jobs/my/posted"),
    ("get", "/api/jobs/my/applications"),
    ("get", "/api/posts"),
    ("post", "/api/posts"),
    ("get", "/api/posts/user/{id}"),
    ("get", "/api/posts/{id}"),
    ("put", "/api/posts/{id}"),
    ("delete", "/api/posts/{id}"),
    ("post", "/api/posts/{id}/like"),
    ("delete", "/api/posts/{id}/like"),
    ("get", "/api/posts/{id}/comments"),
    ("post", "/api/posts/{id}/comments"),
    ("delete", "/api/posts/{id}/comments/{comment_id}"),
    ("get", "/api/messages/conversations"),
    ("post", "/api/messages/conversations"),
    ("get", "/api/messages/conversations/{id}/messages"),
    ("post", "/api/messages/conversations/{id}/messages"),
    ("put", "/api/messages/conversations/{id}/read"),
    ("put", "/api/messages/messages/{id}/read"),
    ("get", "/api/messages/unread-count"),
    ("get", "/api/notifications/list"),
    ("get", "/api/notifications/unread-count"),
    ("put", "/api/notifications/{id}/read"),
    ("put", "/api/notifications/mark-all-read"),
    ("get", "/api/hireme/available"),
    ("post", "/api/hireme/toggle"),
    ("get", "/api/profile-pictures/list"),
    ("post", "/api/profile-pictures/upload"),
    ("post", "/api/profile-pictures/upload-multiple"),
    ("post", "/api/profile-pictures/{id}/set-current"),
    ("delete", "/api/profile-pictures/{id}"),
    ("get", "/api/uploads/{key}"),
];

/// A path with its parameter names erased: `/api/posts/{}`.
fn shape(path: &str) -> String {
    let mut out = String::new();
    let mut in_param = false;
    for c in path.chars() {
        match c {
            '{' => {
                in_param = true;
                out.push_str("{}");
            }
            '}' => in_param = false,
            _ if in_param => {}
            _ => out.push(c),
        }
    }
    out
}

async fn probe(app: &TestApp, method: &str, path: &str) -> TestResponse {
    let concrete = shape(path).replace("{}", "1");
    let method = Method::from_bytes(method.to_ascii_uppercase().as_bytes()).unwrap();
    app.call(req(method, &concrete).body(Body::empty()).unwrap())
        .await
}

fn is_served(res: &TestResponse) -> bool {
    let unrouted = match res.status {
        StatusCode::METHOD_NOT_ALLOWED => true,
        StatusCode::NOT_FOUND => {
            res.body.is_empty() || res.json()["error_code"] == "ROUTE_NOT_FOUND"
        }
        _ => false,
    };
    !unrouted
}

#[tokio::test]
async fn every_route_of_the_contract_is_served_and_documented() {
    let app = TestApp::spawn().await;
    let doc = app.get("/api/openapi.json").await.json();
    let paths = doc["paths"].as_object().unwrap();
    let mut missing = Vec::new();
    for (method, path) in CONTRACT {
        let served = is_served(&probe(&app, method, path).await);
        let documented = paths
            .iter()
            .any(|(p, item)| shape(p) == shape(path) && item.get(*method).is_some());
        assert!(served, "{method} {path} of the contract is not served");
        if served && !documented {
            missing.push(format!("{method} {path}"));
        }
    }
    assert!(missing.is_empty(), "served but not documented: {missing:?}");
}

#[tokio::test]
async fn every_documented_route_is_served() {
    let app = TestApp::spawn().await;
    let doc = app.get("/api/openapi.json").await.json();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            let res = probe(&app, method, path).await;
            assert!(
                is_served(&res),
                "{method} {path} is documented but not served"
            );
        }
    }
}

#[tokio::test]
async fn the_docs_page_renders_the_document_without_outside_resources() {
    let app = TestApp::spawn().await;
    let res = app.get("/api/docs").await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.header("content-type").unwrap().starts_with("text/html"));
    let html = res.text();
    assert!(html.contains("/api/openapi.json"));
    assert!(
        !html.contains("https://"),
        "the page must not load anything from elsewhere"
    );
    let csp = res.header("content-security-policy").unwrap();
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .unwrap()
        .split('\'')
        .next()
        .unwrap();
    assert!(html.contains(&format!("nonce=\"{nonce}\"")));
    assert!(csp.contains("connect-src 'self'"));
}
