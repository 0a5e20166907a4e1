//! What every test needs: an application on its own database (SQLite file or a fresh
//! PostgreSQL database, chosen by `TEST_DATABASE_URL`), requests through the real router, and
//! the real binary with captured output.

#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use hireme::config::Config;
use hireme::db::Database;
use hireme::state::AppState;
use serde_json::Value;
use sqlx::{AssertSqlSafe, Connection, Executor};
use tower::ServiceExt;

pub const TEST_SECRET: &str = "test-secret-key-that-is-long-enough-0123456789";

/// The PostgreSQL server to test against, when the suite runs on PostgreSQL.
pub fn postgres_admin_url() -> Option<String> {
    std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|u| u.starts_with("postgres://") || u.starts_with("postgresql://"))
}

/// A database of a test's own, removed when the test ends.
pub struct TestDb {
    pub url: String,
    pg_name: Option<String>,
    /// Holds the SQLite file and uploaded files.
    pub dir: tempfile::TempDir,
}

impl TestDb {
    pub async fn new() -> Self {
        match postgres_admin_url() {
            Some(admin) => {
                let name = format!("hireme_t_{}", uuid::Uuid::new_v4().simple());
                let mut conn = sqlx::PgConnection::connect(&admin)
                    .await
                    .expect("TEST_DATABASE_URL must reach a PostgreSQL server");
                conn.execute(AssertSqlSafe(format!("CREATE DATABASE {name}")))
                    .await
                    .expect("create the test database");
                conn.close().await.ok();
                let mut url = url::Url::parse(&admin).unwrap();
                url.set_path(&name);
                Self {
                    url: url.to_string(),
                    pg_name: Some(name),
                    dir: tempfile::tempdir().unwrap(),
                }
            }
            None => {
                let dir = tempfile::tempdir().unwrap();
                let url = format!("sqlite://{}/test.db", dir.path().display());
                Self {
                    url,
                    pg_name: None,
                    dir,
                }
            }
        }
    }

    pub fn is_postgres(&self) -> bool {
        self.pg_name.is_some()
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let (Some(name), Some(admin)) = (self.pg_name.take(), postgres_admin_url()) else {
            return;
        };
        // Drop runs outside any runtime the test may still hold; a thread of its own keeps it
        // independent of how the test ended.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async {
                if let Ok(mut conn) = sqlx::PgConnection::connect(&admin).await {
                    let _ = conn
                        .execute(AssertSqlSafe(format!(
                            "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                        )))
                        .await;
                }
            });
        })
        .join();
    }
}

pub fn config(db_url: &str, vars: &[(&str, &str)]) -> Config {
    let mut map: HashMap<String, String> = [
        ("ENVIRONMENT", "test"),
        ("SECRET_KEY", TEST_SECRET),
        ("ALLOWED_ORIGINS", "https://app.example"),
        ("DATABASE_POOL_SIZE", "4"),
        // Cheap hashes keep the suite fast; the production cost has tests of its own.
        ("PASSWORD_HASH_MEMORY_KIB", "1024"),
        ("PASSWORD_HASH_ITERATIONS", "1"),
        // Most tests register and sign in many times from one address.
        ("RATE_LIMIT_REGISTER_PER_HOUR", "10000"),
        ("RATE_LIMIT_LOGIN_PER_MINUTE", "10000"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    map.insert("DATABASE_URL".into(), db_url.into());
    if vars.contains(&("ENVIRONMENT", "production")) {
        // Production refuses hashes below the OWASP cost.
        map.remove("PASSWORD_HASH_MEMORY_KIB");
        map.remove("PASSWORD_HASH_ITERATIONS");
    }
    for (k, v) in vars {
        map.insert(k.to_string(), v.to_string());
    }
    Config::from_lookup(&move |k| map.get(k).cloned()).expect("test configuration is valid")
}

/// The application on a database of its own, called in-process.
pub struct TestApp {
    pub router: Router,
    pub state: AppState,
    pub db: TestDb,
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::with(&[], Router::new()).await
    }

    pub async fn with(vars: &[(&str, &str)], extra: Router) -> Self {
        let db = TestDb::new().await;
        let uploads = db.dir.path().join("uploads");
        let mut vars = vars.to_vec();
        vars.push(("UPLOAD_DIR", uploads.to_str().unwrap()));
        let (router, state) = build(&db.url, &vars, extra).await;
        Self { router, state, db }
    }

    /// Another application on this one's database (another instance, or a restart with new
    /// settings).
    pub async fn sibling(&self, vars: &[(&str, &str)]) -> (Router, AppState) {
        build(&self.db.url, vars, Router::new()).await
    }

    /// Sends a request from 127.0.0.1 unless it names its own peer.
    pub async fn call(&self, request: Request<Body>) -> TestResponse {
        call(&self.router, request).await
    }

    pub async fn get(&self, path: &str) -> TestResponse {
        self.call(req(Method::GET, path).body(Body::empty()).unwrap())
            .await
    }

    pub async fn post_json(&self, path: &str, json: &Value) -> TestResponse {
        self.send(Method::POST, path, None, Some(json.clone()))
            .await
    }

    /// A JSON request, with a bearer token when given.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> TestResponse {
        let mut builder = req(method, path);
        if let Some(token) = token {
            builder = builder.header("authorization", format!("Bearer {token}"));
        }
        let request = match body {
            Some(json) => builder
                .header("content-type", "application/json")
                .body(Body::from(json.to_string())),
            None => builder.body(Body::empty()),
        };
        self.call(request.unwrap()).await
    }

    /// Registers `email` with the password `PASSWORD` and returns the token response.
    pub async fn register(&self, email: &str) -> Value {
        self.register_with(serde_json::json!({
            "email": email,
            "password": PASSWORD,
            "first_name": "Test",
            "last_name": "Person",
            "user_type": "freelancer",
        }))
        .await
    }

    pub async fn register_with(&self, body: Value) -> Value {
        let res = self.post_json("/api/auth/register", &body).await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
        res.json()
    }
}

pub const PASSWORD: &str = "correct horse battery";

async fn build(url: &str, vars: &[(&str, &str)], extra: Router) -> (Router, AppState) {
    let config = config(url, vars);
    let database = Database::open(&config.database).unwrap();
    database
        .check()
        .await
        .expect("the test database is reachable");
    let state = AppState::new(config, database).unwrap();
    (hireme::router_with(state.clone(), extra), state)
}

/// Sends `request` through `router`, from 127.0.0.1 unless it names its own peer.
pub async fn call(router: &Router, mut request: Request<Body>) -> TestResponse {
    if request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .is_none()
    {
        let peer = SocketAddr::from(([127, 0, 0, 1], 40000));
        request.extensions_mut().insert(ConnectInfo(peer));
    }
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap()
        .to_vec();
    TestResponse {
        status,
        headers,
        body,
    }
}

/// A request from another client address.
pub fn from_peer(mut request: Request<Body>, ip: [u8; 4]) -> Request<Body> {
    request
        .extensions_mut()
        .insert(ConnectInfo(SocketAddr::from((ip, 40000))));
    request
}

pub fn req(method: Method, path: &str) -> axum::http::request::Builder {
    Request::builder().method(method).uri(path)
}

#[derive(Debug)]
pub struct TestResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl TestResponse {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|_| {
            panic!(
                "expected JSON, got {:?}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// Asserts the error envelope of the contract and returns it.
    pub fn envelope(&self, status: StatusCode, code: &str) -> Value {
        assert_eq!(self.status, status, "body: {}", self.text());
        let body = self.json();
        assert!(
            body["detail"].is_string(),
            "detail must be a string: {body}"
        );
        assert_eq!(body["detail"], body["message"]);
        assert_eq!(body["error_code"], code, "{body}");
        let id = body["request_id"].as_str().expect("request_id");
        assert_eq!(Some(id), self.header("x-request-id"));
        body
    }
}

/// The real binary, with its output captured.
pub struct Server {
    pub child: Child,
    pub output: Arc<Mutex<String>>,
    pub addr: Option<SocketAddr>,
}

impl Server {
    /// Starts `hireme` with exactly `vars` (plus PATH) in `dir`, and waits until it listens
    /// when `wait_listening`.
    pub fn start(dir: &std::path::Path, args: &[&str], vars: &[(&str, &str)]) -> Self {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_hireme"));
        cmd.args(args)
            .current_dir(dir)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in vars {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("start the hireme binary");
        let output = Arc::new(Mutex::new(String::new()));
        for stream in [
            Box::new(child.stdout.take().unwrap()) as Box<dyn Read + Send>,
            Box::new(child.stderr.take().unwrap()),
        ] {
            let output = output.clone();
            std::thread::spawn(move || {
                let mut stream = stream;
                let mut buf = [0u8; 4096];
                while let Ok(n) = stream.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    output
                        .lock()
                        .unwrap()
                        .push_str(&String::from_utf8_lossy(&buf[..n]));
                }
            });
        }
        Self {
            child,
            output,
            addr: None,
        }
    }

    /// Starts the server on a free port and waits until it accepts connections.
    pub fn serve(dir: &std::path::Path, vars: &[(&str, &str)]) -> Self {
        let mut all = vec![("PORT", "0"), ("LOG_FORMAT", "text")];
        all.extend_from_slice(vars);
        let mut server = Self::start(dir, &[], &all);
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            let out = server.output();
            let text = out.split("listening addr=").nth(1);
            let json = out.split(r#""message":"listening","addr":""#).nth(1);
            if let Some(rest) = text.or(json) {
                let addr = rest.split(|c: char| c.is_whitespace() || c == '"').next();
                server.addr = Some(addr.unwrap().parse().unwrap());
                return server;
            }
            if let Ok(Some(status)) = server.child.try_wait() {
                panic!("hireme exited with {status} before listening:\n{out}");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("hireme did not listen within 20 s:\n{}", server.output());
    }

    pub fn output(&self) -> String {
        self.output.lock().unwrap().clone()
    }

    /// Waits until the database answers (`/ready` is 200): the server listens at once, but
    /// routes that need the database answer 503 until its first probe succeeds.
    pub fn wait_ready(&self) {
        let ready = eventually(Duration::from_secs(20), || {
            self.http("GET", "/ready", &[]).status == 200
        });
        assert!(ready, "never ready:\n{}", self.output());
    }

    /// Waits for the process to exit and returns its code.
    pub fn wait(&mut self, limit: Duration) -> Option<i32> {
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                // Let the reader threads drain the pipes.
                std::thread::sleep(Duration::from_millis(50));
                return status.code();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }

    pub fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .args([&format!("-{name}"), &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// A minimal HTTP/1.1 exchange; the binary tests need nothing more.
    pub fn http(&self, method: &str, path: &str, headers: &[(&str, &str)]) -> RawResponse {
        http(self.addr.expect("server listens"), method, path, headers)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[derive(Debug)]
pub struct RawResponse {
    pub status: u16,
    pub head: String,
    pub body: String,
}

impl RawResponse {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|_| panic!("not JSON: {}", self.body))
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.head.lines().find_map(|line| {
            let (k, v) = line.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case(name)
                .then(|| v.trim().to_owned())
        })
    }
}

pub fn http(addr: SocketAddr, method: &str, path: &str, headers: &[(&str, &str)]) -> RawResponse {
    http_with_body(addr, method, path, headers, None)
}

/// The same, with a JSON body.
pub fn http_with_body(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&Value>,
) -> RawResponse {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut request = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (k, v) in headers {
        request.push_str(&format!("{k}: {v}\r\n"));
    }
    let body = body.map(Value::to_string).unwrap_or_default();
    if !body.is_empty() {
        request.push_str("Content-Type: application/json\r\n");
        request.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    request.push_str("\r\n");
    request.push_str(&body);
    stream.write_all(request.as_bytes()).unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let raw = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    // Bodies here are small; a chunked one arrives as one chunk.
    let body = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        body.split_once("\r\n")
            .map(|(_, rest)| rest.rsplitn(3, "\r\n").last().unwrap_or("").to_owned())
            .unwrap_or_default()
    } else {
        body.to_owned()
    };
    RawResponse {
        status,
        head: head.to_owned(),
        body,
    }
}

/// Polls until `check` passes or `limit` runs out.
pub fn eventually(limit: Duration, mut check: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if check() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}

/// The Redis of tests that need one (`TEST_REDIS_URL`, default redis://127.0.0.1:6379). Without
/// one, `None` and a note, unless `HIREME_REQUIRE_REDIS` is set (as CI sets it): then a failure.
pub fn redis_url() -> Option<String> {
    let url =
        std::env::var("TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned());
    let addr = url
        .trim_start_matches("redis://")
        .split('/')
        .next()
        .unwrap_or_default()
        .to_owned();
    if std::net::TcpStream::connect(&addr).is_ok() {
        return Some(url);
    }
    assert!(
        std::env::var_os("HIREME_REQUIRE_REDIS").is_none(),
        "no Redis at {url}"
    );
    eprintln!("skipped: no Redis at {url}");
    None
}
