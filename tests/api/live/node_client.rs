//! The real-time contract driven by socket.io-client itself, the library the web client uses
//! (`tests/socketio-client/scenario.mjs`, run by Node.js). It needs Node.js and npm: without
//! them the test says so and passes, unless `HIREME_REQUIRE_NODE=1` (as CI sets it) makes their
//! absence a failure.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use serde_json::{Value, json};

use super::{conversation, expired_token, serve};
use crate::social::person;
use crate::support::TestApp;

/// The client's directory with its packages installed, or why it cannot be.
fn client_dir() -> Result<PathBuf, String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/socketio-client");
    let runs = |program: &str, args: &[&str]| {
        std::process::Command::new(program)
            .args(args)
            .current_dir(&dir)
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .status()
            .map_err(|e| format!("{program}: {e}"))
            .and_then(|s| {
                s.success()
                    .then_some(())
                    .ok_or(format!("{program} {args:?}: {s}"))
            })
    };
    runs("node", &["--version"])?;
    if !dir.join("node_modules/socket.io-client").is_dir() {
        runs("npm", &["ci", "--no-audit", "--no-fund"])?;
    }
    Ok(dir)
}

#[tokio::test]
async fn the_web_clients_socket_io_library_gets_every_event() {
    let dir = match client_dir() {
        Ok(dir) => dir,
        Err(why) if std::env::var("HIREME_REQUIRE_NODE").as_deref() != Ok("1") => {
            eprintln!("skipped: socket.io-client cannot run here ({why})");
            return;
        }
        Err(why) => panic!("socket.io-client cannot run: {why}"),
    };
    let app = TestApp::spawn().await;
    let addr = serve(app.state.clone()).await;
    let (ann, bob, eve) = (
        person(&app, "ann").await,
        person(&app, "bob").await,
        person(&app, "eve").await,
    );
    let id = conversation(&app, &ann, &bob).await;
    let others = conversation(&app, &bob, &eve).await;
    let expired = expired_token(&app, &ann);
    let scenario = json!({
        "url": format!("http://{addr}"),
        "ann": {"id": ann.id, "token": ann.token},
        "bob": {"id": bob.id, "token": bob.token},
        "conversation_id": id,
        "others_conversation_id": others,
        "expired_token": expired,
    });
    let run = tokio::process::Command::new("node")
        .arg("scenario.mjs")
        .current_dir(&dir)
        .env("HIREME_SCENARIO", scenario.to_string())
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(Duration::from_secs(60), run)
        .await
        .expect("the scenario finishes within a minute")
        .expect("node runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "scenario failed: {stderr}");
    let seen: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)));

    assert_eq!(seen["refused_without_token"], "Not authenticated");
    assert!(
        seen["refused_expired"]
            .as_str()
            .unwrap()
            .to_lowercase()
            .contains("expired"),
        "{seen}"
    );
    assert!(
        seen["refused_garbage"]
            .as_str()
            .unwrap()
            .contains("invalid"),
        "{seen}"
    );
    assert_eq!(seen["bob_connected"], json!({"user_id": bob.id}));
    assert_eq!(seen["ann_connected"], json!({"user_id": ann.id}));
    assert_eq!(
        (
            seen["ann_first_transport"].as_str(),
            seen["ann_transport"].as_str()
        ),
        (Some("polling"), Some("websocket")),
        "the default transport upgrades"
    );
    assert_eq!(
        seen["online"],
        json!({"user_id": ann.id, "status": "online"})
    );

    let sent = &seen["send_ack"];
    assert_eq!(sent["success"], true, "{seen}");
    let message = &sent["message"];
    assert_eq!(
        (
            message["content"].as_str(),
            message["sender_id"].as_i64(),
            message["receiver_id"].as_i64()
        ),
        (
            Some("hello from socket.io-client"),
            Some(ann.id),
            Some(bob.id)
        )
    );
    for who in ["ann", "bob"] {
        assert_eq!(seen["socket_message"][who], *message, "{who}");
    }
    assert_eq!(seen["http_send"]["status"], 201, "{seen}");
    for who in ["ann", "bob"] {
        assert_eq!(
            seen["http_message"][who], seen["http_send"]["body"],
            "{who}"
        );
    }
    assert_eq!(
        seen["typing"],
        json!({"conversation_id": id, "user_id": ann.id, "is_typing": true})
    );
    assert_eq!(seen["join_own"]["success"], true, "{seen}");
    assert_eq!(
        seen["join_others"]["error_code"], "CONVERSATION_NOT_FOUND",
        "{seen}"
    );
    assert_eq!(
        seen["send_empty"]["error_code"], "VALIDATION_ERROR",
        "{seen}"
    );
    assert!(seen["follow"]["status"].as_u64().unwrap() < 300, "{seen}");
    assert_eq!(
        (
            seen["notification"]["type"].as_str(),
            seen["notification"]["actor"]["id"].as_i64()
        ),
        (Some("follow"), Some(bob.id)),
        "{seen}"
    );
    assert_eq!(
        seen["offline"],
        json!({"user_id": ann.id, "status": "offline"})
    );

    // Nothing the client saw was invented: the messages are the stored ones.
    let stored: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM messages WHERE conversation_id = $1")
            .bind(id)
            .fetch_one(app.state.db.pool().await.unwrap())
            .await
            .unwrap();
    assert_eq!(stored, 2);
}
