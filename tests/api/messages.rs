//! `/api/messages`: conversations, history, sending, reading, and outsiders kept out.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::social::{Person, get, person, post};
use crate::support::TestApp;

async fn open(app: &TestApp, who: &Person, with: Value) -> crate::support::TestResponse {
    post(
        app,
        who,
        "/api/messages/conversations",
        Some(json!({"participant_id": with})),
    )
    .await
}

async fn send(app: &TestApp, who: &Person, conversation: i64, text: &str) -> Value {
    let res = post(
        app,
        who,
        &format!("/api/messages/conversations/{conversation}/messages"),
        Some(json!({"content": text})),
    )
    .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    res.json()
}

#[tokio::test]
async fn one_conversation_per_pair_whoever_starts_it() {
    let app = TestApp::spawn().await;
    let (ann, bob) = (person(&app, "ann").await, person(&app, "bob").await);
    let res = open(&app, &ann, json!(bob.id)).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    let first = res.json();
    assert_eq!(first["messages"], json!([]));
    assert_eq!(first["unread_count"], 0);
    let low = ann.id.min(bob.id);
    assert_eq!(first["participant_1_id"], low);
    assert_eq!(first["participant_1"]["id"], low);
    assert!(first["participant_2"].get("email").is_none());

    let again = open(&app, &ann, json!(bob.id.to_string())).await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.json()["id"], first["id"]);
    let reverse = open(&app, &bob, json!(ann.id)).await;
    assert_eq!(
        (reverse.status, reverse.json()["id"].clone()),
        (StatusCode::OK, first["id"].clone())
    );

    open(&app, &ann, json!(ann.id))
        .await
        .envelope(StatusCode::BAD_REQUEST, "CANNOT_MESSAGE_SELF");
    open(&app, &ann, json!(99999))
        .await
        .envelope(StatusCode::NOT_FOUND, "USER_NOT_FOUND");
    for bad in [json!("abc"), json!(-1), json!({}), json!(null), json!(1.5)] {
        open(&app, &ann, bad.clone())
            .await
            .envelope(StatusCode::UNPROCESSABLE_ENTITY, "VALIDATION_ERROR");
    }
    app.send(
        Method::POST,
        "/api/messages/conversations",
        Some(&ann.token),
        Some(json!({})),
    )
    .await
    .envelope(StatusCode::UNPROCESSABLE_ENTITY, "VALIDATION_ERROR");
}

#[tokio::test]
async fn both_starting_at_the_same_moment_share_one_conversation() {
    let app = TestApp::spawn().await;
    let (ann, bob) = (person(&app, "ann").await, person(&app, "bob").await);
    let attempts: Vec<_> = [
        (&ann, bob.id),
        (&bob, ann.id),
        (&ann, bob.id),
        (&bob, ann.id),
    ]
    .into_iter()
    .map(|(who, other)| {
        let (router, token) = (app.router.clone(), who.token.clone());
        tokio::spawn(async move {
            let request = crate::support::req(Method::POST, "/api/messages/conversations")
                .header("authorization", format!("Bearer {token}"))
                .header("content-type", "application/json")
                .body(axum::body::Body::from(
                    json!({"participant_id": other}).to_string(),
                ))
                .unwrap();
            crate::support::call(&router, request).await
        })
    })
    .collect();
    let mut ids = Vec::new();
    for a in attempts {
        let res = a.await.unwrap();
        assert!(
            res.status == StatusCode::CREATED || res.status == StatusCode::OK,
            "{}",
            res.text()
        );
        ids.push(res.json()["id"].as_i64().unwrap());
    }
    assert!(ids.windows(2).all(|w| w[0] == w[1]), "{ids:?}");
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM conversations")
        .fetch_one(app.state.db.pool().await.unwrap())
        .await
        .unwrap();
    assert_eq!(rows, 1);
}

#[tokio::test]
async fn messages_are_stored_listed_counted_and_notified() {
    let app = TestApp::spawn().await;
    let (ann, bob, cat) = (
        person(&app, "ann").await,
        person(&app, "bob").await,
        person(&app, "cat").await,
    );
    let with_bob = open(&app, &ann, json!(bob.id)).await.json()["id"]
        .as_i64()
        .unwrap();
    let with_cat = open(&app, &ann, json!(cat.id)).await.json()["id"]
        .as_i64()
        .unwrap();
    let m = send(&app, &ann, with_bob, "hi bob").await;
    assert_eq!(
        (m["sender_id"].as_i64(), m["receiver_id"].as_i64()),
        (Some(ann.id), Some(bob.id))
    );
    assert_eq!(
        (m["is_read"].as_bool(), m["content"].as_str()),
        (Some(false), Some("hi bob"))
    );
    assert_eq!(m["sender"]["id"], ann.id);
    send(&app, &bob, with_bob, "hi ann").await;
    send(&app, &ann, with_bob, "how are you").await;
    send(&app, &ann, with_cat, "hello cat").await;

    for bad in [
        json!({"content": ""}),
        json!({"content": "x".repeat(5001)}),
        json!({}),
        json!({"content": 3}),
    ] {
        post(
            &app,
            &ann,
            &format!("/api/messages/conversations/{with_bob}/messages"),
            Some(bad),
        )
        .await
        .envelope(StatusCode::UNPROCESSABLE_ENTITY, "VALIDATION_ERROR");
    }

    assert_eq!(
        get(&app, Some(&bob), "/api/messages/unread-count")
            .await
            .json(),
        json!({"unread_count": 2})
    );
    let notes = get(&app, Some(&bob), "/api/notifications/list")
        .await
        .json();
    assert_eq!(notes["notifications"][0]["type"], "message");
    assert_eq!(notes["notifications"][0]["related_id"], with_bob);

    let list = get(&app, Some(&ann), "/api/messages/conversations")
        .await
        .json();
    let ids: Vec<i64> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [with_cat, with_bob], "most recently active first");
    let bobs = &list[1];
    let texts: Vec<&str> = bobs["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["content"].as_str().unwrap())
        .collect();
    assert_eq!(texts, ["hi bob", "hi ann", "how are you"], "oldest first");
    assert_eq!(bobs["unread_count"], 1, "ann has one unread from bob");

    let res = app
        .send(
            Method::PUT,
            &format!("/api/messages/conversations/{with_bob}/read"),
            Some(&bob.token),
            None,
        )
        .await;
    assert_eq!(res.json(), json!({"success": true, "marked": 2}));
    assert_eq!(
        get(&app, Some(&bob), "/api/messages/unread-count")
            .await
            .json()["unread_count"],
        0
    );
    assert_eq!(
        get(&app, Some(&ann), "/api/messages/unread-count")
            .await
            .json()["unread_count"],
        1
    );
    let reply = get(
        &app,
        Some(&ann),
        &format!("/api/messages/conversations/{with_bob}/messages"),
    )
    .await
    .json()["messages"][1]["id"]
        .as_i64()
        .unwrap();
    // The sender cannot mark their own message read for the receiver.
    app.send(
        Method::PUT,
        &format!("/api/messages/messages/{}/read", m["id"]),
        Some(&ann.token),
        None,
    )
    .await
    .envelope(StatusCode::NOT_FOUND, "MESSAGE_NOT_FOUND");
    // Only the receiver marks a message read.
    app.send(
        Method::PUT,
        &format!("/api/messages/messages/{reply}/read"),
        Some(&bob.token),
        None,
    )
    .await
    .envelope(StatusCode::NOT_FOUND, "MESSAGE_NOT_FOUND");
    let res = app
        .send(
            Method::PUT,
            &format!("/api/messages/messages/{reply}/read"),
            Some(&ann.token),
            None,
        )
        .await;
    assert_eq!(res.json()["success"], true);
    assert_eq!(
        get(&app, Some(&ann), "/api/messages/unread-count")
            .await
            .json()["unread_count"],
        0
    );
}

#[tokio::test]
async fn history_pages_backwards_and_the_list_embeds_the_newest_fifty() {
    let app = TestApp::spawn().await;
    let (ann, bob) = (person(&app, "ann").await, person(&app, "bob").await);
    let id = open(&app, &ann, json!(bob.id)).await.json()["id"]
        .as_i64()
        .unwrap();
    for i in 0..55 {
        send(
            &app,
            if i % 2 == 0 { &ann } else { &bob },
            id,
            &format!("m{i}"),
        )
        .await;
    }
    let path = format!("/api/messages/conversations/{id}/messages");
    let page = get(&app, Some(&ann), &format!("{path}?limit=2"))
        .await
        .json();
    let texts = |v: &Value| -> Vec<String> {
        v["messages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["content"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(texts(&page), ["m53", "m54"]);
    let oldest = page["messages"][0]["id"].as_i64().unwrap();
    let before = get(&app, Some(&ann), &format!("{path}?limit=3&before={oldest}"))
        .await
        .json();
    assert_eq!(texts(&before), ["m50", "m51", "m52"]);
    assert_eq!(
        get(&app, Some(&ann), &path).await.json()["messages"]
            .as_array()
            .unwrap()
            .len(),
        50
    );
    get(&app, Some(&ann), &format!("{path}?limit=0"))
        .await
        .envelope(StatusCode::UNPROCESSABLE_ENTITY, "VALIDATION_ERROR");
    get(&app, Some(&ann), &format!("{path}?before=abc"))
        .await
        .envelope(StatusCode::UNPROCESSABLE_ENTITY, "VALIDATION_ERROR");

    let list = get(&app, Some(&bob), "/api/messages/conversations")
        .await
        .json();
    let embedded = list[0]["messages"].as_array().unwrap();
    assert_eq!(embedded.len(), 50);
    assert_eq!(embedded[0]["content"], "m5");
    assert_eq!(embedded[49]["content"], "m54");
}

#[tokio::test]
async fn an_outsider_finds_no_conversation_at_all() {
    let app = TestApp::spawn().await;
    let (ann, bob, eve) = (
        person(&app, "ann").await,
        person(&app, "bob").await,
        person(&app, "eve").await,
    );
    let id = open(&app, &ann, json!(bob.id)).await.json()["id"]
        .as_i64()
        .unwrap();
    let m = send(&app, &ann, id, "private").await["id"]
        .as_i64()
        .unwrap();
    let base = format!("/api/messages/conversations/{id}");
    get(&app, Some(&eve), &format!("{base}/messages"))
        .await
        .envelope(StatusCode::NOT_FOUND, "CONVERSATION_NOT_FOUND");
    post(
        &app,
        &eve,
        &format!("{base}/messages"),
        Some(json!({"content": "let me in"})),
    )
    .await
    .envelope(StatusCode::NOT_FOUND, "CONVERSATION_NOT_FOUND");
    app.send(Method::PUT, &format!("{base}/read"), Some(&eve.token), None)
        .await
        .envelope(StatusCode::NOT_FOUND, "CONVERSATION_NOT_FOUND");
    app.send(
        Method::PUT,
        &format!("/api/messages/messages/{m}/read"),
        Some(&eve.token),
        None,
    )
    .await
    .envelope(StatusCode::NOT_FOUND, "MESSAGE_NOT_FOUND");
    assert_eq!(
        get(&app, Some(&eve), "/api/messages/conversations")
            .await
            .json(),
        json!([])
    );
    get(&app, None, "/api/messages/conversations")
        .await
        .envelope(StatusCode::UNAUTHORIZED, "NOT_AUTHENTICATED");
    get(&app, Some(&eve), "/api/messages/conversations/abc/messages")
        .await
        .envelope(StatusCode::NOT_FOUND, "NOT_FOUND");
}

#[tokio::test]
async fn a_message_is_one_to_five_thousand_characters_not_counting_blanks_around_it() {
    let app = TestApp::spawn().await;
    let (ann, bob) = (person(&app, "ann").await, person(&app, "bob").await);
    let id = open(&app, &ann, json!(bob.id)).await.json()["id"]
        .as_i64()
        .unwrap();
    // Characters, not bytes: 5,000 two-byte letters fit.
    let longest = send(&app, &ann, id, &"é".repeat(5000)).await;
    assert_eq!(longest["content"].as_str().unwrap().chars().count(), 5000);
    let longest = send(&app, &ann, id, &format!("  {}\n", "x".repeat(5000))).await;
    assert_eq!(longest["content"].as_str().unwrap().len(), 5000);
    let trimmed = send(&app, &ann, id, " \t padded \n").await;
    assert_eq!(trimmed["content"], "padded");
    for bad in [
        json!({"content": " \n\t "}),
        json!({"content": "é".repeat(5001)}),
        json!({"content": null}),
        json!({"content": ["hi"]}),
        json!("just text"),
        json!([]),
    ] {
        post(
            &app,
            &ann,
            &format!("/api/messages/conversations/{id}/messages"),
            Some(bad.clone()),
        )
        .await
        .envelope(StatusCode::UNPROCESSABLE_ENTITY, "VALIDATION_ERROR");
    }
    let stored = get(
        &app,
        Some(&bob),
        &format!("/api/messages/conversations/{id}/messages"),
    )
    .await
    .json();
    assert_eq!(
        stored["messages"].as_array().unwrap().len(),
        3,
        "only the accepted ones are stored"
    );
}

#[tokio::test]
async fn each_conversation_in_the_list_embeds_its_own_newest_fifty() {
    let app = TestApp::spawn().await;
    let (ann, bob, cat) = (
        person(&app, "ann").await,
        person(&app, "bob").await,
        person(&app, "cat").await,
    );
    let with_bob = open(&app, &ann, json!(bob.id)).await.json()["id"]
        .as_i64()
        .unwrap();
    let with_cat = open(&app, &ann, json!(cat.id)).await.json()["id"]
        .as_i64()
        .unwrap();
    // Interleaved, so that neither conversation's messages are one block of ids.
    for i in 0..60 {
        send(&app, &bob, with_bob, &format!("b{i}")).await;
        if i < 52 {
            send(&app, &ann, with_cat, &format!("c{i}")).await;
        }
    }
    let list = get(&app, Some(&ann), "/api/messages/conversations")
        .await
        .json();
    let by_id = |id: i64| {
        list.as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == id)
            .unwrap_or_else(|| panic!("{id} missing from {list}"))
            .clone()
    };
    let texts = |c: &Value| -> Vec<String> {
        c["messages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["content"].as_str().unwrap().to_owned())
            .collect()
    };
    let (bobs, cats) = (by_id(with_bob), by_id(with_cat));
    let expected_bob: Vec<String> = (10..60).map(|i| format!("b{i}")).collect();
    let expected_cat: Vec<String> = (2..52).map(|i| format!("c{i}")).collect();
    assert_eq!(texts(&bobs), expected_bob);
    assert_eq!(texts(&cats), expected_cat);
    assert_eq!(
        (bobs["unread_count"].clone(), cats["unread_count"].clone()),
        (json!(60), json!(0)),
        "unread counts each conversation's messages to the caller"
    );
    assert_eq!(list[0]["id"], with_bob, "most recently active first");
}
