//! Two instances on one database and one Redis: live events reach sockets held by the other
//! instance, and presence counts sockets on both. Needs Redis (`TEST_REDIS_URL`, default
//! redis://127.0.0.1:6379); without one it says so and passes, unless `HIREME_REQUIRE_REDIS`
//! is set, as CI sets it.

use serde_json::json;

use super::{Client, QUIET, Refused, connect_when_free, conversation, serve};
use crate::social::{person, post};
use crate::support::{TestApp, redis_url};

#[tokio::test]
async fn events_cross_instances_through_redis() {
    let Some(url) = redis_url() else { return };
    // A prefix of this test's own, so parallel runs on the same Redis stay apart.
    let prefix = format!("hireme-test-{}", uuid::Uuid::new_v4().simple());
    let vars = [
        ("REDIS_URL", url.as_str()),
        ("LIVE_REDIS_PREFIX", prefix.as_str()),
    ];
    let first = TestApp::with(&vars, axum::Router::new()).await;
    let (_, second_state) = first.sibling(&vars).await;
    let (addr_one, addr_two) = (
        serve(first.state.clone()).await,
        serve(second_state.clone()).await,
    );
    let (ann, bob) = (person(&first, "ann").await, person(&first, "bob").await);
    let id = conversation(&first, &ann, &bob).await;

    // Each instance subscribes to Redis when it starts; give both a moment.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;

    let mut bob_two = Client::with_token(addr_two, &bob.token).await;
    let mut ann_one = Client::with_token(addr_one, &ann.token).await;
    assert_eq!(
        bob_two.next("user_status").await,
        json!({"user_id": ann.id, "status": "online"}),
        "presence crosses instances"
    );

    // Sent over HTTP to the first instance: the socket on the second receives it.
    let res = post(
        &first,
        &ann,
        &format!("/api/messages/conversations/{id}/messages"),
        Some(json!({"content": "across instances"})),
    )
    .await;
    assert!(res.status.is_success(), "{}", res.text());
    let got = bob_two.next("new_message").await;
    assert_eq!(got["content"], "across instances");
    assert_eq!(bob_two.next("notification").await["type"], "message");
    assert_eq!(ann_one.next("new_message").await["id"], got["id"]);

    // Sent over a socket on the second instance: the socket on the first receives it, once.
    let ack = bob_two
        .call(
            "send_message",
            json!({"conversation_id": id, "content": "and back"}),
        )
        .await;
    assert_eq!(ack["success"], true, "{ack}");
    assert_eq!(ann_one.next("new_message").await["content"], "and back");
    assert!(
        ann_one.next_within("new_message", QUIET).await.is_none(),
        "delivered once"
    );
    assert!(bob_two.next("new_message").await["content"] == "and back");

    // Typing crosses too.
    bob_two
        .emit("typing", json!({"conversation_id": id, "is_typing": true}))
        .await;
    assert_eq!(ann_one.next("typing").await["user_id"], bob.id);

    // Presence counts sockets on both instances: ann on the second as well, then closing
    // the first socket leaves her online; closing the second takes her offline.
    let ann_two = Client::with_token(addr_two, &ann.token).await;
    assert!(bob_two.next_within("user_status", QUIET).await.is_none());
    ann_one.close().await;
    assert!(
        bob_two.next_within("user_status", QUIET).await.is_none(),
        "still online on the other instance"
    );
    ann_two.close().await;
    assert_eq!(
        bob_two.next("user_status").await,
        json!({"user_id": ann.id, "status": "offline"})
    );
}

#[tokio::test]
async fn the_socket_cap_counts_a_users_sockets_on_every_instance() {
    let Some(url) = redis_url() else { return };
    let prefix = format!("hireme-test-{}", uuid::Uuid::new_v4().simple());
    let vars = [
        ("REDIS_URL", url.as_str()),
        ("LIVE_REDIS_PREFIX", prefix.as_str()),
        ("LIVE_MAX_SOCKETS_PER_USER", "2"),
    ];
    let first = TestApp::with(&vars, axum::Router::new()).await;
    let (_, second_state) = first.sibling(&vars).await;
    let (addr_one, addr_two) = (
        serve(first.state.clone()).await,
        serve(second_state.clone()).await,
    );
    let ann = person(&first, "ann").await;
    let one = Client::with_token(addr_one, &ann.token).await;
    let _two = Client::with_token(addr_two, &ann.token).await;
    // One socket on each instance: a third is refused on either.
    for addr in [addr_one, addr_two] {
        let Refused(why) = Client::connect(addr, Some(json!({"token": ann.token})))
            .await
            .err()
            .expect("a third socket");
        assert!(why.contains("Too many open connections"), "{why}");
    }
    // Closing one frees a place, on the other instance too.
    one.close().await;
    assert!(
        connect_when_free(addr_two, &ann.token).await.is_some(),
        "the freed place is taken on the other instance"
    );
}

#[tokio::test]
async fn without_redis_live_delivery_keeps_working_on_each_instance() {
    // Nothing listens on port 1: every Redis call fails.
    let vars = [("REDIS_URL", "redis://127.0.0.1:1")];
    let app = TestApp::with(&vars, axum::Router::new()).await;
    let addr = serve(app.state.clone()).await;
    let (ann, bob) = (person(&app, "ann").await, person(&app, "bob").await);
    let id = conversation(&app, &ann, &bob).await;
    let mut bob_socket = Client::with_token(addr, &bob.token).await;
    let mut ann_socket = Client::with_token(addr, &ann.token).await;
    assert_eq!(bob_socket.next("user_status").await["status"], "online");
    for i in 0..3 {
        let ack = ann_socket
            .call(
                "send_message",
                json!({"conversation_id": id, "content": format!("m{i}")}),
            )
            .await;
        assert_eq!(ack["success"], true, "{ack}");
        assert_eq!(
            bob_socket.next("new_message").await["content"],
            format!("m{i}")
        );
    }
    ann_socket.close().await;
    assert_eq!(bob_socket.next("user_status").await["status"], "offline");
}
