//! The real binary, started as an operator would start it.

use std::time::Duration;

use crate::support::{Server, TestDb, eventually, postgres_admin_url};

const STRONG_KEY: &str = "Zq8v3N0x-strong-unique-key-7Hc2Lp9Wd4Rt6Yb1";

#[test]
fn a_newcomer_with_no_environment_gets_a_serving_server() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::serve(dir.path(), &[]);
    assert_eq!(server.http("GET", "/health", &[]).status, 200);
    assert!(
        eventually(Duration::from_secs(10), || server
            .http("GET", "/ready", &[])
            .status
            == 200),
        "{}",
        server.output()
    );
    assert!(dir.path().join("data/hireme.db").exists());
    assert!(server.output().contains("SECRET_KEY is not set"));
}

#[test]
fn production_with_bad_configuration_exits_with_one_message_naming_every_problem() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::start(
        dir.path(),
        &["serve"],
        &[
            ("ENVIRONMENT", "production"),
            ("SECRET_KEY", "changeme"),
            ("ALLOWED_ORIGINS", "*"),
            ("DATABASE_URL", "mysql://root:hunter2@db/app"),
        ],
    );
    assert_eq!(server.wait(Duration::from_secs(10)), Some(2));
    let out = server.output();
    assert!(out.contains("4 configuration problem(s)"), "{out}");
    for name in ["SECRET_KEY", "ALLOWED_ORIGINS", "DATABASE_URL"] {
        assert!(
            out.contains(&format!("- {name}:")),
            "{name} missing from:\n{out}"
        );
    }
    assert!(!out.contains("hunter2"));
    assert!(!out.contains("listening"));
    assert!(
        !dir.path().join("data").exists(),
        "nothing is created before the check"
    );
}

#[test]
fn production_without_any_configuration_names_the_key_and_the_origins() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::start(dir.path(), &[], &[("ENVIRONMENT", "production")]);
    assert_eq!(server.wait(Duration::from_secs(10)), Some(2));
    let out = server.output();
    assert!(out.contains("2 configuration problem(s)"), "{out}");
    assert!(out.contains("- SECRET_KEY:") && out.contains("- ALLOWED_ORIGINS:"));
}

#[test]
fn check_config_prints_a_masked_summary_or_every_problem() {
    let dir = tempfile::tempdir().unwrap();
    let mut ok = Server::start(
        dir.path(),
        &["check-config"],
        &[
            ("ENVIRONMENT", "production"),
            ("SECRET_KEY", STRONG_KEY),
            ("ALLOWED_ORIGINS", "https://hiremebahamas.com"),
            (
                "DATABASE_URL",
                "postgres://app:hunter2@db.internal:5432/hireme",
            ),
        ],
    );
    assert_eq!(ok.wait(Duration::from_secs(10)), Some(0));
    let out = ok.output();
    assert!(out.contains("configuration is valid"), "{out}");
    assert!(out.contains("postgres://***:***@db.internal:5432/***"));
    assert!(!out.contains("hunter2") && !out.contains(STRONG_KEY));

    let mut bad = Server::start(
        dir.path(),
        &["check-config"],
        &[("ENVIRONMENT", "production"), ("PORT", "http")],
    );
    assert_eq!(bad.wait(Duration::from_secs(10)), Some(2));
    let out = bad.output();
    for name in ["PORT", "SECRET_KEY", "ALLOWED_ORIGINS"] {
        assert!(
            out.contains(&format!("- {name}:")),
            "{name} missing from:\n{out}"
        );
    }
}

/// A local port that nothing listens on (bound, read, released).
fn closed_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn assert_no_secret_in_logs(vars: &[(&str, &str)], secrets: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::serve(dir.path(), vars);
    let key_header = format!("Bearer {STRONG_KEY}");
    let cookie = format!("access_token={STRONG_KEY}");
    for path in ["/health", "/ready", "/api/health", "/ready/db", "/nowhere"] {
        server.http(
            "GET",
            path,
            &[("Authorization", &key_header), ("Cookie", &cookie)],
        );
    }
    std::thread::sleep(Duration::from_millis(1500));
    let out = server.output();
    assert!(
        out.contains("TRACE") || out.contains("\"TRACE\""),
        "trace level was on"
    );
    assert!(out.contains("request finished"));
    for secret in secrets {
        assert!(
            !out.contains(secret),
            "`{secret}` leaked into the logs:\n{out}"
        );
    }
}

#[test]
fn no_secret_or_database_password_reaches_the_logs_at_any_level() {
    let url = format!(
        "postgres://hireme:pw-Secret-9f8e7d@127.0.0.1:{}/hireme",
        closed_port()
    );
    for format in ["text", "json"] {
        assert_no_secret_in_logs(
            &[
                ("RUST_LOG", "trace"),
                ("LOG_FORMAT", format),
                ("SECRET_KEY", STRONG_KEY),
                ("DATABASE_URL", &url),
            ],
            &[STRONG_KEY, "pw-Secret-9f8e7d"],
        );
    }
}

#[tokio::test]
async fn no_database_password_reaches_the_logs_when_connecting_succeeds() {
    let Some(_) = postgres_admin_url() else {
        return; // The SQLite run has no password to leak.
    };
    let db = TestDb::new().await;
    let mut url = url::Url::parse(&db.url).unwrap();
    url.set_password(Some("pw-Secret-4c3b2a")).unwrap();
    let url = url.to_string();
    tokio::task::spawn_blocking(move || {
        assert_no_secret_in_logs(
            &[
                ("RUST_LOG", "trace"),
                ("SECRET_KEY", STRONG_KEY),
                ("DATABASE_URL", &url),
            ],
            &[STRONG_KEY, "pw-Secret-4c3b2a"],
        )
    })
    .await
    .unwrap();
}

/// Forwards `listen` to `target` once started: a database that "comes back".
async fn forward(listener: tokio::net::TcpListener, target: std::net::SocketAddr) {
    loop {
        let Ok((mut inbound, _)) = listener.accept().await else {
            return;
        };
        tokio::spawn(async move {
            if let Ok(mut outbound) = tokio::net::TcpStream::connect(target).await {
                let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
            }
        });
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_down_at_start_up_is_served_around_and_recovered_from() {
    let db = TestDb::new().await;
    let dir = tempfile::tempdir().unwrap();
    // The database is unreachable: a PostgreSQL port where nothing listens yet, or a SQLite
    // file in a folder that does not exist yet.
    let (url, port) = if db.is_postgres() {
        let port = closed_port();
        let mut url = url::Url::parse(&db.url).unwrap();
        url.set_host(Some("127.0.0.1")).unwrap();
        url.set_port(Some(port)).unwrap();
        (url.to_string(), Some(port))
    } else {
        let path = dir.path().join("later/app.db");
        (format!("sqlite://{}", path.display()), None)
    };
    let server = tokio::task::block_in_place(|| {
        Server::serve(
            dir.path(),
            &[
                ("DATABASE_URL", &url),
                ("DATABASE_ACQUIRE_TIMEOUT_MS", "500"),
            ],
        )
    });
    let get = |path: &'static str| {
        let addr = server.addr.unwrap();
        tokio::task::block_in_place(move || crate::support::http(addr, "GET", path, &[]))
    };

    assert_eq!(get("/health").status, 200);
    let ready = get("/ready");
    assert_eq!(ready.status, 503);
    assert_eq!(ready.header("retry-after").as_deref(), Some("5"));
    assert_eq!(ready.json()["status"], "not_ready");
    assert_eq!(get("/api/health").json()["database"], "unavailable");
    let warned = tokio::task::block_in_place(|| {
        eventually(Duration::from_secs(5), || {
            server.output().contains("database unreachable")
        })
    });
    assert!(warned, "{}", server.output());

    // The database comes back.
    if let Some(port) = port {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .unwrap();
        let admin = url::Url::parse(&db.url).unwrap();
        let target = format!(
            "{}:{}",
            admin.host_str().unwrap(),
            admin.port().unwrap_or(5432)
        );
        let target = tokio::net::lookup_host(target)
            .await
            .unwrap()
            .next()
            .unwrap();
        tokio::spawn(forward(listener, target));
    } else {
        std::fs::create_dir_all(dir.path().join("later")).unwrap();
    }
    let recovered = tokio::task::block_in_place(|| {
        eventually(Duration::from_secs(15), || {
            crate::support::http(server.addr.unwrap(), "GET", "/ready", &[]).status == 200
        })
    });
    assert!(recovered, "no recovery:\n{}", server.output());
    assert_eq!(get("/api/health").json()["database"], "ok");
    let out = server.output();
    assert!(out.contains("migrations applied"), "{out}");
    assert!(out.contains("database available"));
}

#[test]
fn sigterm_finishes_and_exits_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::serve(dir.path(), &[("SHUTDOWN_TIMEOUT_MS", "3000")]);
    assert_eq!(server.http("GET", "/health", &[]).status, 200);
    server.signal("TERM");
    assert_eq!(
        server.wait(Duration::from_secs(10)),
        Some(0),
        "{}",
        server.output()
    );
    assert!(server.output().contains("stopped"));
}

#[test]
fn login_attempts_are_logged_without_the_password_or_the_email_address() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::serve(
        dir.path(),
        &[
            ("RUST_LOG", "trace"),
            ("PASSWORD_HASH_MEMORY_KIB", "1024"),
            ("PASSWORD_HASH_ITERATIONS", "1"),
        ],
    );
    server.wait_ready();
    let addr = server.addr.unwrap();
    let email = "distinctive.person@example.com";
    let password = "Unmistakable-Passphrase-77";
    let register = serde_json::json!({"email": email, "password": password, "first_name": "D",
        "last_name": "P", "user_type": "client"});
    let res =
        crate::support::http_with_body(addr, "POST", "/api/auth/register", &[], Some(&register));
    assert_eq!(res.status, 201, "{}", res.body);
    for attempt in [password, "Wrong-Passphrase-88"] {
        let body = serde_json::json!({"email": email, "password": attempt});
        crate::support::http_with_body(addr, "POST", "/api/auth/login", &[], Some(&body));
    }
    let unknown =
        serde_json::json!({"email": "nobody.here@example.com", "password": "Wrong-Passphrase-88"});
    crate::support::http_with_body(addr, "POST", "/api/auth/login", &[], Some(&unknown));
    std::thread::sleep(Duration::from_millis(300));
    let out = server.output();
    for outcome in [
        "outcome=\"success\"",
        "outcome=\"wrong_password\"",
        "outcome=\"unknown_account\"",
    ] {
        assert!(out.contains(outcome), "{outcome} missing:\n{out}");
    }
    assert!(
        out.contains("account="),
        "a pseudonym identifies the account"
    );
    for secret in [
        password,
        "Wrong-Passphrase-88",
        "distinctive.person",
        "nobody.here",
    ] {
        assert!(
            !out.contains(secret),
            "`{secret}` leaked into the logs:\n{out}"
        );
    }
}

#[test]
fn create_admin_makes_an_administrator_from_a_password_on_standard_input() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str], stdin: &str| {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_hireme"))
            .args(args)
            .current_dir(dir.path())
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("PASSWORD_HASH_MEMORY_KIB", "1024")
            .env("PASSWORD_HASH_ITERATIONS", "1")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    };
    let out = run(&["create-admin", "--email", "Boss@Example.com"], "short\n");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("at least 8"));

    let out = run(
        &["create-admin", "--email", "Boss@Example.com"],
        "a strong admin passphrase\n",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("administrator"));

    let server = Server::serve(
        dir.path(),
        &[
            ("PASSWORD_HASH_MEMORY_KIB", "1024"),
            ("PASSWORD_HASH_ITERATIONS", "1"),
        ],
    );
    server.wait_ready();
    let login =
        serde_json::json!({"email": "boss@example.com", "password": "a strong admin passphrase"});
    let res = crate::support::http_with_body(
        server.addr.unwrap(),
        "POST",
        "/api/auth/login",
        &[],
        Some(&login),
    );
    assert_eq!(res.status, 200, "{}", res.body);
    let user = &res.json()["user"];
    assert_eq!(user["is_admin"], true);
    assert_eq!(user["role"], "admin");
    drop(server);

    // Running it again for an existing account promotes it and leaves the password alone.
    let out = run(&["create-admin", "--email", "boss@example.com"], "");
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("password unchanged"));
}
