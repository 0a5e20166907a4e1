//! Socket.IO at `/socket.io`: the handshake, every event of the contract, the caps, and sockets
//! closed when their session ends. The server is the real router on a real port; the client
//! speaks the wire protocol of socket.io-client (see `client`).

mod client;
mod cluster;
mod node_client;

use std::net::SocketAddr;
use std::time::Duration;

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::social::{Person, get, make_post, person, post};
use crate::support::TestApp;
pub use client::{Client, Refused};

/// Serves `app`'s state with live sockets on a free port.
pub async fn serve(state: hireme::AppState) -> SocketAddr {
    let (router, _) = hireme::router_with_live(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
    });
    addr
}

const QUIET: Duration = Duration::from_millis(400);

pub async fn conversation(app: &TestApp, a: &Person, b: &Person) -> i64 {
    let res = post(
        app,
        a,
        "/api/messages/conversations",
        Some(json!({"participant_id": b.id})),
    )
    .await;
    assert!(res.status.is_success(), "{}", res.text());
    res.json()["id"].as_i64().unwrap()
}

/// Ann and Bob with a conversation between them, and Eve outside it.
async fn two_talking_and_an_outsider(app: &TestApp) -> (Person, Person, Person, i64) {
    let (ann, bob, eve) = (
        person(app, "ann").await,
        person(app, "bob").await,
        person(app, "eve").await,
    );
    let id = conversation(app, &ann, &bob).await;
    (ann, bob, eve, id)
}

/// An access token of `who`'s live session, genuine but expired an hour ago.
pub fn expired_token(app: &TestApp, who: &Person) -> String {
    let now = hireme::domain::time::now_ms() / 1000;
    app.state
        .auth
        .sessions
        .keys()
        .issue(who.id, &session_of(app, who), now - 3600, 60)
        .unwrap()
}

/// A socket for `token` once the server has room for it: a closed socket's place is freed
/// when the server notices the close. `None` if there is still none after 2.5 s.
pub async fn connect_when_free(addr: SocketAddr, token: &str) -> Option<Client> {
    for _ in 0..50 {
        if let Ok(c) = Client::connect(addr, Some(json!({ "token": token }))).await {
            return Some(c);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    None
}

fn session_of(app: &TestApp, who: &Person) -> String {
    app.state
        .auth
        .sessions
        .keys()
        .verify(&who.token)
        .unwrap()
        .sid
}

#[tokio::test]
async fn the_handshake_needs_the_access_token_of_a_live_session() {
    let app = TestApp::spawn().await;
    let addr = serve(app.state.clone()).await;
    let ann = person(&app, "ann").await;

    let mut socket = Client::with_token(addr, &ann.token).await;
    assert_eq!(socket.next("connected").await, json!({"user_id": ann.id}));

    let Refused(why) = Client::connect(addr, None).await.err().expect("no token");
    assert_eq!(why, "Not authenticated");
    for auth in [
        json!({}),
        json!({"token": ""}),
        json!({"token": 5}),
        json!("text"),
    ] {
        assert!(
            Client::connect(addr, Some(auth.clone())).await.is_err(),
            "{auth}"
        );
    }
    let Refused(why) = Client::connect(addr, Some(json!({"token": "not.a.jwt"})))
        .await
        .err()
        .expect("a forged token");
    assert!(why.contains("invalid"), "{why}");

    // Expired an hour ago, but otherwise genuine: same key, same live session.
    let expired = expired_token(&app, &ann);
    let Refused(why) = Client::connect(addr, Some(json!({"token": expired})))
        .await
        .err()
        .expect("an expired token");
    assert!(why.to_lowercase().contains("expired"), "{why}");

    // A refresh token is not an access token.
    let login = app
        .post_json(
            "/api/auth/login",
            &json!({"email": "ann@example.com", "password": crate::support::PASSWORD}),
        )
        .await
        .json();
    let refresh = login["refresh_token"].as_str().unwrap();
    assert!(
        Client::connect(addr, Some(json!({"token": refresh})))
            .await
            .is_err()
    );

    // After logout the same (unexpired) access token is refused.
    let res = app
        .send(Method::POST, "/api/auth/logout", Some(&ann.token), None)
        .await;
    assert!(res.status.is_success(), "{}", res.text());
    let Refused(why) = Client::connect(addr, Some(json!({"token": ann.token})))
        .await
        .err()
        .expect("a revoked session");
    assert!(why.contains("session has ended"), "{why}");
    socket.close().await;
}

#[tokio::test]
async fn a_message_reaches_both_participants_whether_sent_by_http_or_by_socket() {
    let app = TestApp::spawn().await;
    let addr = serve(app.state.clone()).await;
    let (ann, bob) = (person(&app, "ann").await, person(&app, "bob").await);
    let id = conversation(&app, &ann, &bob).await;
    let mut ann_socket = Client::with_token(addr, &ann.token).await;
    let mut bob_socket = Client::with_token(addr, &bob.token).await;

    let res = post(
        &app,
        &ann,
        &format!("/api/messages/conversations/{id}/messages"),
        Some(json!({"content": "over HTTP"})),
    )
    .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    let sent = res.json();
    for socket in [&mut ann_socket, &mut bob_socket] {
        let got = socket.next("new_message").await;
        assert_eq!(got["id"], sent["id"]);
        assert_eq!(got["content"], "over HTTP");
        assert_eq!(got["conversation_id"], id);
        assert_eq!(got["sender_id"], ann.id);
        assert_eq!(got["receiver_id"], bob.id);
        assert_eq!(got["sender"]["id"], ann.id);
        assert!(got["sender"].get("email").is_none());
    }
    let note = bob_socket.next("notification").await;
    assert_eq!(note["type"], "message");
    assert_eq!(note["related_id"], id);
    assert!(
        ann_socket
            .next_within("notification", QUIET)
            .await
            .is_none(),
        "the sender is not notified of their own message"
    );

    let ack = bob_socket
        .call(
            "send_message",
            json!({"conversation_id": id.to_string(), "content": "  over the socket  "}),
        )
        .await;
    assert_eq!(ack["success"], true, "{ack}");
    assert_eq!(ack["message"]["content"], "over the socket");
    for socket in [&mut ann_socket, &mut bob_socket] {
        let got = socket.next("new_message").await;
        assert_eq!(got["id"], ack["message"]["id"]);
        assert_eq!(got["sender_id"], bob.id);
    }
    assert_eq!(ann_socket.next("notification").await["type"], "message");

    // Stored exactly as the HTTP call stores it.
    let history = get(
        &app,
        Some(&ann),
        &format!("/api/messages/conversations/{id}/messages"),
    )
    .await
    .json();
    let contents: Vec<&str> = history["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["content"].as_str().unwrap())
        .collect();
    assert_eq!(contents, ["over HTTP", "over the socket"]);
    let unread = get(&app, Some(&ann), "/api/messages/unread-count")
        .await
        .json();
    assert_eq!(unread["unread_count"], 1);
}

#[tokio::test]
async fn a_socket_send_is_checked_as_the_http_one_is() {
    let app = TestApp::spawn().await;
    let addr = serve(app.state.clone()).await;
    let (ann, _bob, eve, id) = two_talking_and_an_outsider(&app).await;
    let mut ann_socket = Client::with_token(addr, &ann.token).await;
    let mut eve_socket = Client::with_token(addr, &eve.token).await;

    let cases = [
        (
            json!({"conversation_id": id, "content": ""}),
            "VALIDATION_ERROR",
        ),
        (
            json!({"conversation_id": id, "content": "   "}),
            "VALIDATION_ERROR",
        ),
        (
            json!({"conversation_id": id, "content": "x".repeat(5001)}),
            "VALIDATION_ERROR",
        ),
        (json!({"conversation_id": id}), "VALIDATION_ERROR"),
        (
            json!({"conversation_id": id, "content": 42}),
            "VALIDATION_ERROR",
        ),
        (json!({"content": "no conversation"}), "VALIDATION_ERROR"),
        (
            json!({"conversation_id": "abc", "content": "x"}),
            "VALIDATION_ERROR",
        ),
        (
            json!({"conversation_id": 999_999, "content": "x"}),
            "CONVERSATION_NOT_FOUND",
        ),
        (json!("just text"), "VALIDATION_ERROR"),
    ];
    for (body, code) in cases {
        let ack = ann_socket.call("send_message", body.clone()).await;
        assert_eq!(ack["error_code"], code, "{body}: {ack}");
        assert_eq!(ack["success"], false);
        let error = ann_socket.next("error").await;
        assert_eq!(error["error_code"], code);
        assert_eq!(error["event"], "send_message");
        assert!(error["message"].is_string());
    }
    // Someone else's conversation does not exist for an outsider.
    let ack = eve_socket
        .call(
            "send_message",
            json!({"conversation_id": id, "content": "let me in"}),
        )
        .await;
    assert_eq!(ack["error_code"], "CONVERSATION_NOT_FOUND");
    // 5,000 characters is the most that is allowed.
    let ack = ann_socket
        .call(
            "send_message",
            json!({"conversation_id": id, "content": "y".repeat(5000)}),
        )
        .await;
    assert_eq!(ack["success"], true, "{ack}");

    let history = get(
        &app,
        Some(&ann),
        &format!("/api/messages/conversations/{id}/messages"),
    )
    .await
    .json();
    assert_eq!(history["messages"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn typing_reaches_the_other_participant_only() {
    let app = TestApp::spawn().await;
    let addr = serve(app.state.clone()).await;
    let (ann, bob, eve, id) = two_talking_and_an_outsider(&app).await;
    let mut ann_socket = Client::with_token(addr, &ann.token).await;
    let mut bob_socket = Client::with_token(addr, &bob.token).await;
    let mut eve_socket = Client::with_token(addr, &eve.token).await;

    ann_socket
        .emit("typing", json!({"conversation_id": id, "is_typing": true}))
        .await;
    assert_eq!(
        bob_socket.next("typing").await,
        json!({"conversation_id": id, "user_id": ann.id, "is_typing": true})
    );
    ann_socket
        .emit("typing", json!({"conversation_id": id, "is_typing": false}))
        .await;
    assert_eq!(bob_socket.next("typing").await["is_typing"], false);
    assert!(
        ann_socket.next_within("typing", QUIET).await.is_none(),
        "not echoed"
    );

    // An outsider's typing goes nowhere and is refused.
    eve_socket
        .emit("typing", json!({"conversation_id": id, "is_typing": true}))
        .await;
    let error = eve_socket.next("error").await;
    assert_eq!(error["error_code"], "CONVERSATION_NOT_FOUND");
    assert_eq!(error["event"], "typing");
    assert!(bob_socket.next_within("typing", QUIET).await.is_none());
    assert!(ann_socket.next_within("typing", QUIET).await.is_none());
}

#[tokio::test]
async fn only_participants_join_a_conversation() {
    let app = TestApp::spawn().await;
    let addr = serve(app.state.clone()).await;
    let (ann, _bob, eve, id) = two_talking_and_an_outsider(&app).await;
    let mut ann_socket = Client::with_token(addr, &ann.token).await;
    let mut eve_socket = Client::with_token(addr, &eve.token).await;

    let ack = ann_socket
        .call("join_conversation", json!({"conversation_id": id}))
        .await;
    assert_eq!(ack, json!({"success": true, "conversation_id": id}));
    let ack = eve_socket
        .call("join_conversation", json!({"conversation_id": id}))
        .await;
    assert_eq!(ack["error_code"], "CONVERSATION_NOT_FOUND", "{ack}");
    let error = eve_socket.next("error").await;
    assert_eq!(error["event"], "join_conversation");
    for bad in [
        json!({}),
        json!({"conversation_id": "x"}),
        json!({"conversation_id": -3}),
    ] {
        let ack = ann_socket.call("join_conversation", bad.clone()).await;
        assert_eq!(ack["error_code"], "VALIDATION_ERROR", "{bad}");
    }
    let ack = ann_socket
        .call("leave_conversation", json!({"conversation_id": id}))
        .await;
    assert_eq!(ack["success"], true);
}

#[tokio::test]
async fn notifications_are_pushed_as_they_are_created() {
    let app = TestApp::spawn().await;
    let addr = serve(app.state.clone()).await;
    let (ann, bob) = (person(&app, "ann").await, person(&app, "bob").await);
    let mut ann_socket = Client::with_token(addr, &ann.token).await;

    let res = post(&app, &bob, &format!("/api/users/follow/{}", ann.id), None).await;
    assert!(res.status.is_success(), "{}", res.text());
    let note = ann_socket.next("notification").await;
    assert_eq!(note["type"], "follow");
    assert_eq!(note["actor"]["id"], bob.id);
    assert_eq!(note["is_read"], false);

    let post_id = make_post(&app, &ann, "hello").await;
    let res = post(&app, &bob, &format!("/api/posts/{post_id}/like"), None).await;
    assert!(res.status.is_success(), "{}", res.text());
    let note = ann_socket.next("notification").await;
    assert_eq!(note["type"], "like");
    assert_eq!(note["related_id"], post_id);

    // The pushed notification is the stored one.
    let list = get(&app, Some(&ann), "/api/notifications/list")
        .await
        .json();
    let ids: Vec<&Value> = list["notifications"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| &n["id"])
        .collect();
    assert!(ids.contains(&&note["id"]), "{list}");

    // Liking one's own post notifies nobody, the author least of all.
    let mut bob_socket = Client::with_token(addr, &bob.token).await;
    let own = make_post(&app, &bob, "mine").await;
    let res = post(&app, &bob, &format!("/api/posts/{own}/like"), None).await;
    assert!(res.status.is_success(), "{}", res.text());
    assert!(
        bob_socket
            .next_within("notification", QUIET)
            .await
            .is_none()
    );
    assert!(
        ann_socket
            .next_within("notification", QUIET)
            .await
            .is_none()
    );
    // Whereas Ann liking it reaches Bob's socket: the silence above was not a deaf socket.
    let res = post(&app, &ann, &format!("/api/posts/{own}/like"), None).await;
    assert!(res.status.is_success(), "{}", res.text());
    let note = bob_socket.next("notification").await;
    assert_eq!(
        (note["type"].clone(), note["actor"]["id"].clone()),
        (json!("like"), json!(ann.id))
    );
}

#[tokio::test]
async fn partners_see_a_user_come_online_with_the_first_socket_and_leave_with_the_last() {
    let app = TestApp::spawn().await;
    let addr = serve(app.state.clone()).await;
    let (ann, bob, eve) = (
        person(&app, "ann").await,
        person(&app, "bob").await,
        person(&app, "eve").await,
    );
    conversation(&app, &ann, &bob).await;
    let mut bob_socket = Client::with_token(addr, &bob.token).await;
    let mut eve_socket = Client::with_token(addr, &eve.token).await;

    let first = Client::with_token(addr, &ann.token).await;
    assert_eq!(
        bob_socket.next("user_status").await,
        json!({"user_id": ann.id, "status": "online"})
    );
    let second = Client::with_token(addr, &ann.token).await;
    first.close().await;
    assert!(
        bob_socket.next_within("user_status", QUIET).await.is_none(),
        "a second socket and the first one closing change nothing"
    );
    second.close().await;
    assert_eq!(
        bob_socket.next("user_status").await,
        json!({"user_id": ann.id, "status": "offline"})
    );
    assert!(
        eve_socket.next_within("user_status", QUIET).await.is_none(),
        "only conversation partners are told"
    );
}

#[tokio::test]
async fn a_socket_closes_when_its_session_is_revoked_or_its_token_expires() {
    let app = TestApp::with(&[("LIVE_SESSION_CHECK_MS", "100")], axum::Router::new()).await;
    let addr = serve(app.state.clone()).await;
    let (ann, bob) = (person(&app, "ann").await, person(&app, "bob").await);

    let mut socket = Client::with_token(addr, &ann.token).await;
    assert!(
        !socket.closed_within(QUIET).await,
        "a live session stays open"
    );
    let res = app
        .send(Method::POST, "/api/auth/logout", Some(&ann.token), None)
        .await;
    assert!(res.status.is_success());
    assert_eq!(socket.next("error").await["error_code"], "SESSION_REVOKED");
    assert!(socket.closed_within(Duration::from_secs(3)).await);

    // A token that expires in two seconds closes its socket then.
    let now = hireme::domain::time::now_ms() / 1000;
    let short = app
        .state
        .auth
        .sessions
        .keys()
        .issue(bob.id, &session_of(&app, &bob), now, 2)
        .unwrap();
    let mut socket = Client::with_token(addr, &short).await;
    assert!(!socket.closed_within(Duration::from_millis(800)).await);
    assert_eq!(socket.next("error").await["error_code"], "TOKEN_EXPIRED");
    assert!(socket.closed_within(Duration::from_secs(3)).await);
}

#[tokio::test]
async fn sockets_and_messages_per_user_are_capped() {
    let app = TestApp::with(
        &[
            ("LIVE_MAX_SOCKETS_PER_USER", "2"),
            ("LIVE_MESSAGES_PER_MINUTE", "3"),
        ],
        axum::Router::new(),
    )
    .await;
    let addr = serve(app.state.clone()).await;
    let (ann, bob) = (person(&app, "ann").await, person(&app, "bob").await);
    let id = conversation(&app, &ann, &bob).await;

    let mut one = Client::with_token(addr, &ann.token).await;
    let two = Client::with_token(addr, &ann.token).await;
    let Refused(why) = Client::connect(addr, Some(json!({"token": ann.token})))
        .await
        .err()
        .expect("a third socket");
    assert!(why.contains("Too many open connections"), "{why}");
    // Another user is not affected, and a closed socket frees its place.
    Client::with_token(addr, &bob.token).await;
    two.close().await;
    assert!(
        connect_when_free(addr, &ann.token).await.is_some(),
        "the freed place is taken again"
    );

    for i in 0..3 {
        let ack = one
            .call(
                "send_message",
                json!({"conversation_id": id, "content": format!("m{i}")}),
            )
            .await;
        assert_eq!(ack["success"], true, "{ack}");
    }
    let ack = one
        .call(
            "send_message",
            json!({"conversation_id": id, "content": "one too many"}),
        )
        .await;
    assert_eq!(ack["error_code"], "RATE_LIMITED", "{ack}");

    // Typing may come four times as often as messages, and no more.
    let mut bob_socket = Client::with_token(addr, &bob.token).await;
    let typing = json!({"conversation_id": id, "is_typing": true});
    for i in 0..12 {
        one.emit("typing", typing.clone()).await;
        assert_eq!(
            bob_socket.next("typing").await["user_id"],
            ann.id,
            "typing {i}"
        );
    }
    one.emit("typing", typing).await;
    // (The refused message above also came back as an `error` event.)
    let error = loop {
        let error = one.next("error").await;
        if error["event"] != "send_message" {
            break error;
        }
    };
    assert_eq!(
        (error["event"].clone(), error["error_code"].clone()),
        (json!("typing"), json!("RATE_LIMITED"))
    );
    assert!(bob_socket.next_within("typing", QUIET).await.is_none());
}

#[tokio::test]
async fn the_long_polling_transport_works_from_an_allowed_origin() {
    let app = TestApp::spawn().await;
    let addr = serve(app.state.clone()).await;
    let ann = person(&app, "ann").await;
    let http = reqwest::Client::new();
    let origin = "https://app.example";
    let base = format!("http://{addr}/socket.io/?EIO=4&transport=polling");

    let open = http
        .get(&base)
        .header("origin", origin)
        .send()
        .await
        .unwrap();
    assert_eq!(open.status(), 200);
    assert_eq!(
        open.headers()["access-control-allow-origin"],
        origin,
        "the polling transport is a cross-origin request"
    );
    let body = open.text().await.unwrap();
    let handshake: Value = serde_json::from_str(body.strip_prefix('0').unwrap()).unwrap();
    let url = format!("{base}&sid={}", handshake["sid"].as_str().unwrap());

    let connect = format!("40{}", json!({"token": ann.token}));
    let res = http
        .post(&url)
        .header("origin", origin)
        .body(connect)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    // Packets queue up between polls and come back separated by the record separator.
    let mut packets = Vec::new();
    for _ in 0..10 {
        let text = http.get(&url).send().await.unwrap().text().await.unwrap();
        packets.extend(text.split('\u{1e}').map(str::to_owned));
        if packets.iter().any(|p| p.starts_with("42")) {
            break;
        }
    }
    assert!(packets.iter().any(|p| p.starts_with("40{")), "{packets:?}");
    let connected = packets.iter().find(|p| p.starts_with("42")).unwrap();
    let event: Value = serde_json::from_str(&connected[2..]).unwrap();
    assert_eq!(event, json!(["connected", {"user_id": ann.id}]));

    // The socket's events cross the transport as they do over a WebSocket.
    let ack = format!(
        "421{}",
        json!(["join_conversation", {"conversation_id": 1}])
    );
    http.post(&url).body(ack).send().await.unwrap();
    let text = http.get(&url).send().await.unwrap().text().await.unwrap();
    assert!(text.contains("CONVERSATION_NOT_FOUND"), "{text}");
}
