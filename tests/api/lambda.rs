//! The binary under a local imitation of the AWS Lambda Runtime API: it must take invocations
//! from it and post correct API Gateway responses back.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use serde_json::{Value, json};
use tokio::sync::{Mutex, mpsc};

use crate::support::{Server, TestDb};

struct Runtime {
    events: Mutex<Vec<(String, Value)>>,
    responses: mpsc::UnboundedSender<(String, Value)>,
}

async fn next_invocation(State(rt): State<Arc<Runtime>>) -> impl IntoResponse {
    let next = rt.events.lock().await.pop();
    let Some((id, event)) = next else {
        // Like the real API, hold the poll open until there is work (here: never).
        std::future::pending::<()>().await;
        unreachable!()
    };
    let mut headers = HeaderMap::new();
    headers.insert(
        "lambda-runtime-aws-request-id",
        HeaderValue::from_str(&id).unwrap(),
    );
    let deadline = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis()
        + 30_000;
    headers.insert(
        "lambda-runtime-deadline-ms",
        HeaderValue::from(deadline as u64),
    );
    headers.insert(
        "lambda-runtime-invoked-function-arn",
        HeaderValue::from_static("arn:aws:lambda:us-east-1:123456789012:function:hireme"),
    );
    headers.insert(
        "lambda-runtime-trace-id",
        HeaderValue::from_static("Root=1-5e0f-abc"),
    );
    (headers, event.to_string())
}

async fn post_response(
    State(rt): State<Arc<Runtime>>,
    Path(id): Path<String>,
    body: String,
) -> StatusCode {
    let value = serde_json::from_str(&body).unwrap_or(Value::String(body));
    let _ = rt.responses.send((id, value));
    StatusCode::ACCEPTED
}

async fn post_error(
    State(rt): State<Arc<Runtime>>,
    Path(id): Path<String>,
    body: String,
) -> StatusCode {
    let _ = rt.responses.send((id, json!({"runtime_error": body})));
    StatusCode::ACCEPTED
}

fn http_api_event(path: &str) -> Value {
    json!({
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": "",
        "headers": {"host": "abc123.execute-api.us-east-1.amazonaws.com", "user-agent": "curl/8"},
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "abc123",
            "domainName": "abc123.execute-api.us-east-1.amazonaws.com",
            "domainPrefix": "abc123",
            "http": {"method": "GET", "path": path, "protocol": "HTTP/1.1",
                     "sourceIp": "203.0.113.7", "userAgent": "curl/8"},
            "requestId": "gw-1",
            "routeKey": "$default",
            "stage": "$default",
            "time": "03/Dec/2026:17:00:00 +0000",
            "timeEpoch": 1796403600000i64
        },
        "isBase64Encoded": false
    })
}

fn alb_event(path: &str) -> Value {
    json!({
        "requestContext": {"elb": {"targetGroupArn": "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/hireme/abc"}},
        "httpMethod": "GET",
        "path": path,
        "queryStringParameters": {},
        "headers": {"host": "hireme-lb.example", "x-forwarded-for": "192.0.2.44"},
        "body": "",
        "isBase64Encoded": false
    })
}

fn rest_api_event(path: &str) -> Value {
    json!({
        "resource": "/{proxy+}",
        "path": path,
        "httpMethod": "GET",
        "headers": {"Host": "abc123.execute-api.us-east-1.amazonaws.com"},
        "multiValueHeaders": {"Host": ["abc123.execute-api.us-east-1.amazonaws.com"]},
        "queryStringParameters": null,
        "multiValueQueryStringParameters": null,
        "pathParameters": {"proxy": path.trim_start_matches('/')},
        "stageVariables": null,
        "requestContext": {
            "accountId": "123456789012",
            "resourceId": "r1",
            "stage": "prod",
            "requestId": "gw-2",
            "identity": {"sourceIp": "198.51.100.4", "userAgent": "curl/8"},
            "resourcePath": "/{proxy+}",
            "httpMethod": "GET",
            "apiId": "abc123",
            "path": format!("/prod{path}")
        },
        "body": null,
        "isBase64Encoded": false
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_answers_api_gateway_events_through_the_runtime_api() {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let runtime = Arc::new(Runtime {
        // Popped from the end: the HTTP API event goes first.
        events: Mutex::new(vec![
            ("inv-3".to_owned(), alb_event("/live")),
            ("inv-2".to_owned(), rest_api_event("/health/ping")),
            ("inv-1".to_owned(), http_api_event("/api/health")),
        ]),
        responses: tx,
    });
    let api = Router::new()
        .route("/2018-06-01/runtime/invocation/next", get(next_invocation))
        .route(
            "/2018-06-01/runtime/invocation/{id}/response",
            post(post_response),
        )
        .route(
            "/2018-06-01/runtime/invocation/{id}/error",
            post(post_error),
        )
        .with_state(runtime);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let runtime_addr = listener.local_addr().unwrap().to_string();
    tokio::spawn(async move { axum::serve(listener, api).await });

    let db = TestDb::new().await;
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(
        dir.path(),
        &[],
        &[
            ("AWS_LAMBDA_RUNTIME_API", &runtime_addr),
            ("AWS_LAMBDA_FUNCTION_NAME", "hireme"),
            ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "512"),
            ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST"),
            ("DATABASE_URL", &db.url),
            ("LOG_FORMAT", "text"),
        ],
    );

    let (id, first) = tokio::time::timeout(Duration::from_secs(20), rx.recv())
        .await
        .unwrap_or_else(|_| panic!("no response from the function:\n{}", server.output()))
        .unwrap();
    assert_eq!(id, "inv-1");
    assert_eq!(first["statusCode"], 200, "{first}");
    assert!(
        first["headers"]["content-type"]
            .as_str()
            .unwrap()
            .starts_with("application/json")
    );
    assert!(first["headers"]["x-request-id"].is_string());
    let body: Value = serde_json::from_str(first["body"].as_str().unwrap()).unwrap();
    assert_eq!(body["service"], "hireme");
    assert!(body["status"] == "ok" || body["status"] == "degraded");

    let (id, second) = tokio::time::timeout(Duration::from_secs(20), rx.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(id, "inv-2");
    assert_eq!(second["statusCode"], 200, "{second}");
    let body: Value = serde_json::from_str(second["body"].as_str().unwrap()).unwrap();
    assert_eq!(body, json!({"status": "ok", "message": "pong"}));

    let (id, third) = tokio::time::timeout(Duration::from_secs(20), rx.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(id, "inv-3");
    assert_eq!(third["statusCode"], 200, "{third}");
    let body: Value = serde_json::from_str(third["body"].as_str().unwrap()).unwrap();
    assert_eq!(body, json!({"status": "alive"}));

    // The client address came from each request context (for ALB, the balancer's header).
    // The log is read from the child's output by a thread of its own, so it may trail the
    // answers a little.
    let logged = crate::support::eventually(Duration::from_secs(5), || {
        let out = server.output();
        [
            "client=203.0.113.7",
            "client=198.51.100.4",
            "client=192.0.2.44",
        ]
        .iter()
        .all(|c| out.contains(c))
    });
    assert!(logged, "{}", server.output());
}
