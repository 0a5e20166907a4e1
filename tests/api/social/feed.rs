use axum::body::Body;
use axum::http::{Method, StatusCode};
use base64::Engine;
use serde_json::json;

use super::{get, make_admin, make_post, person, post};
use crate::support::{TestApp, req};

/// A real 4 × 3 PNG.
fn png() -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    image::DynamicImage::new_rgb8(4, 3)
        .write_to(&mut out, image::ImageFormat::Png)
        .unwrap();
    out.into_inner()
}

fn data_url(mime: &str, bytes: &[u8]) -> String {
    format!(
        "data:{mime};base64,{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    )
}

#[tokio::test]
async fn the_feed_is_newest_first_with_authors_and_counts() {
    let app = TestApp::spawn().await;
    let (ann, bob) = (person(&app, "ann").await, person(&app, "bob").await);
    let first = make_post(&app, &ann, "first").await;
    let second = make_post(&app, &bob, "second").await;
    let feed = get(&app, None, "/api/posts").await.json();
    let posts = feed["posts"].as_array().unwrap();
    assert_eq!(posts[0]["id"], second);
    assert_eq!(posts[1]["id"], first);
    assert_eq!(posts[1]["user"]["first_name"], "ann");
    assert_eq!(posts[1]["post_type"], "text");
    // JSON objects here list their keys sorted.
    let keys: Vec<&str> = posts[0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "comments_count",
            "content",
            "created_at",
            "id",
            "image_url",
            "is_liked",
            "likes_count",
            "post_type",
            "related_job_id",
            "updated_at",
            "user",
            "video_url"
        ]
    );
    let user_keys: Vec<&str> = posts[0]["user"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        user_keys,
        [
            "avatar_url",
            "company_name",
            "first_name",
            "id",
            "last_name",
            "occupation",
            "username"
        ]
    );

    let page = get(&app, None, "/api/posts?limit=1&skip=1").await.json();
    assert_eq!(page["posts"][0]["id"], first);
    let mine = get(&app, None, &format!("/api/posts/user/{}", ann.id))
        .await
        .json();
    assert_eq!(mine["posts"].as_array().unwrap().len(), 1);
    get(&app, None, "/api/posts/user/9999")
        .await
        .envelope(StatusCode::NOT_FOUND, "USER_NOT_FOUND");
    let one = get(&app, None, &format!("/api/posts/{first}")).await.json();
    assert_eq!(one["post"]["content"], "first");
    get(&app, None, "/api/posts/9999")
        .await
        .envelope(StatusCode::NOT_FOUND, "POST_NOT_FOUND");
    get(&app, None, "/api/posts/abc")
        .await
        .envelope(StatusCode::NOT_FOUND, "NOT_FOUND");
}

#[tokio::test]
async fn post_content_and_urls_are_checked() {
    let app = TestApp::spawn().await;
    let ann = person(&app, "ann").await;
    let bad = [
        (json!({"content": ""}), "content"),
        (json!({"content": "   "}), "content"),
        (json!({"content": "x".repeat(5001)}), "content"),
        (
            json!({"content": "hi", "image_url": "http://example.com/a.png"}),
            "image_url",
        ),
        (
            json!({"content": "hi", "image_url": "javascript:alert(1)"}),
            "image_url",
        ),
        (
            json!({"content": "hi", "video_url": "ftp://example.com/v.mp4"}),
            "video_url",
        ),
        (
            json!({"content": "hi", "image_url": data_url("image/png", b"<svg onload=alert(1)>")}),
            "image_url",
        ),
        (
            json!({"content": "hi", "image_url": "data:image/png;base64,!!!"}),
            "image_url",
        ),
        (
            json!({"content": "hi", "image_url": "data:text/html;base64,PGh0bWw+"}),
            "image_url",
        ),
        (
            json!({"content": "hi", "image_url": format!("/api/uploads/{}.png", "a".repeat(32))}),
            "image_url",
        ),
        (json!({"content": 5}), "content"),
        (json!({}), "content"),
    ];
    for (body, field) in bad {
        let res = post(&app, &ann, "/api/posts", Some(body.clone())).await;
        let env = res.envelope(StatusCode::UNPROCESSABLE_ENTITY, "VALIDATION_ERROR");
        assert_eq!(env["errors"][0]["field"], field, "{body}");
    }
    assert!(make_post(&app, &ann, &"x".repeat(5000)).await > 0);
    app.send(
        Method::POST,
        "/api/posts",
        None,
        Some(json!({"content": "hi"})),
    )
    .await
    .envelope(StatusCode::UNAUTHORIZED, "NOT_AUTHENTICATED");
}

#[tokio::test]
async fn images_are_stored_from_data_urls_and_links_are_kept() {
    let app = TestApp::spawn().await;
    let ann = person(&app, "ann").await;
    // The declared type is ignored: these bytes are a PNG.
    let res = post(
        &app,
        &ann,
        "/api/posts",
        Some(json!({"content": "pic", "image_url": data_url("image/jpeg", &png())})),
    )
    .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    let post_json = res.json()["post"].clone();
    assert_eq!(post_json["post_type"], "image");
    let url = post_json["image_url"].as_str().unwrap().to_owned();
    assert!(
        url.starts_with("http://") && url.contains("/api/uploads/") && url.ends_with(".png"),
        "{url}"
    );

    let path = url
        .split_once("/api/uploads/")
        .map(|(_, k)| format!("/api/uploads/{k}"))
        .unwrap();
    let file = get(&app, None, &path).await;
    assert_eq!(file.status, StatusCode::OK);
    let stored = image::load_from_memory(&file.body).unwrap();
    assert_eq!((stored.width(), stored.height()), (4, 3));
    assert_eq!(file.header("content-type"), Some("image/png"));
    assert_eq!(file.header("x-content-type-options"), Some("nosniff"));
    assert!(
        file.header("cache-control")
            .unwrap()
            .contains("max-age=31536000")
    );
    let etag = file.header("etag").unwrap().to_owned();
    let again = app
        .call(
            req(Method::GET, &path)
                .header("if-none-match", &etag)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    assert_eq!(
        get(&app, None, "/api/uploads/..%2F..%2Fetc%2Fpasswd")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    get(&app, None, &format!("/api/uploads/{}.png", "b".repeat(32)))
        .await
        .envelope(StatusCode::NOT_FOUND, "FILE_NOT_FOUND");
    get(&app, None, "/api/uploads/nonsense")
        .await
        .envelope(StatusCode::NOT_FOUND, "FILE_NOT_FOUND");

    // The URL the server issued can be reused in another post, relative or absolute.
    for reuse in [url.clone(), path.clone()] {
        let res = post(
            &app,
            &ann,
            "/api/posts",
            Some(json!({"content": "again", "image_url": reuse})),
        )
        .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
        assert_eq!(res.json()["post"]["image_url"], url);
    }
    let res = post(&app, &ann, "/api/posts", Some(json!({"content": "link", "image_url": "https://cdn.example.com/a.jpg", "video_url": "https://video.example.com/v"}))).await;
    let p = res.json()["post"].clone();
    assert_eq!(p["image_url"], "https://cdn.example.com/a.jpg");
    assert_eq!(p["post_type"], "image");
    let res = post(
        &app,
        &ann,
        "/api/posts",
        Some(json!({"content": "vid", "video_url": "https://video.example.com/v"})),
    )
    .await;
    assert_eq!(res.json()["post"]["post_type"], "video");
}

#[tokio::test]
async fn oversized_images_and_bodies_are_413() {
    let app = TestApp::spawn().await;
    let ann = person(&app, "ann").await;
    let mut big = png();
    big.resize(5 * 1024 * 1024 + 10, 0);
    let res = post(
        &app,
        &ann,
        "/api/posts",
        Some(json!({"content": "big", "image_url": data_url("image/png", &big)})),
    )
    .await;
    res.envelope(StatusCode::PAYLOAD_TOO_LARGE, "PAYLOAD_TOO_LARGE");
    let huge = "x".repeat(9 * 1024 * 1024);
    let res = post(&app, &ann, "/api/posts", Some(json!({"content": huge}))).await;
    res.envelope(StatusCode::PAYLOAD_TOO_LARGE, "PAYLOAD_TOO_LARGE");
    // Other routes keep the 1 MiB limit.
    let res = app
        .send(
            Method::PUT,
            "/api/auth/profile",
            Some(&ann.token),
            Some(json!({"bio": "x".repeat(1_100_000)})),
        )
        .await;
    res.envelope(StatusCode::PAYLOAD_TOO_LARGE, "PAYLOAD_TOO_LARGE");
}

#[tokio::test]
async fn only_the_author_edits_and_the_author_or_an_admin_deletes() {
    let app = TestApp::spawn().await;
    let (ann, bob, boss) = (
        person(&app, "ann").await,
        person(&app, "bob").await,
        person(&app, "boss").await,
    );
    make_admin(&app, &boss).await;
    let id = make_post(&app, &ann, "original").await;
    let path = format!("/api/posts/{id}");

    app.send(
        Method::PUT,
        &path,
        Some(&bob.token),
        Some(json!({"content": "hacked"})),
    )
    .await
    .envelope(StatusCode::FORBIDDEN, "NOT_OWNER");
    app.send(
        Method::PUT,
        &path,
        Some(&boss.token),
        Some(json!({"content": "edited by admin"})),
    )
    .await
    .envelope(StatusCode::FORBIDDEN, "NOT_OWNER");
    app.send(
        Method::PUT,
        &path,
        Some(&ann.token),
        Some(json!({"content": ""})),
    )
    .await
    .envelope(StatusCode::UNPROCESSABLE_ENTITY, "VALIDATION_ERROR");
    let res = app
        .send(
            Method::PUT,
            &path,
            Some(&ann.token),
            Some(json!({"content": "edited"})),
        )
        .await;
    assert_eq!(res.json()["post"]["content"], "edited");
    app.send(
        Method::PUT,
        "/api/posts/9999",
        Some(&ann.token),
        Some(json!({"content": "x"})),
    )
    .await
    .envelope(StatusCode::NOT_FOUND, "POST_NOT_FOUND");

    app.send(Method::DELETE, &path, Some(&bob.token), None)
        .await
        .envelope(StatusCode::FORBIDDEN, "NOT_OWNER");
    assert_eq!(
        app.send(Method::DELETE, &path, Some(&boss.token), None)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    get(&app, None, &path)
        .await
        .envelope(StatusCode::NOT_FOUND, "POST_NOT_FOUND");
    let own = make_post(&app, &ann, "mine").await;
    assert_eq!(
        app.send(
            Method::DELETE,
            &format!("/api/posts/{own}"),
            Some(&ann.token),
            None
        )
        .await
        .status,
        StatusCode::NO_CONTENT
    );
}

#[tokio::test]
async fn likes_toggle_and_is_liked_is_per_caller() {
    let app = TestApp::spawn().await;
    let (ann, bob, cat) = (
        person(&app, "ann").await,
        person(&app, "bob").await,
        person(&app, "cat").await,
    );
    let id = make_post(&app, &ann, "like me").await;
    let like = format!("/api/posts/{id}/like");
    assert_eq!(
        post(&app, &bob, &like, None).await.json(),
        json!({"success": true, "liked": true, "likes_count": 1})
    );
    assert_eq!(post(&app, &cat, &like, None).await.json()["likes_count"], 2);

    assert_eq!(
        get(&app, Some(&bob), "/api/posts").await.json()["posts"][0]["is_liked"],
        true
    );
    assert_eq!(
        get(&app, Some(&ann), "/api/posts").await.json()["posts"][0]["is_liked"],
        false
    );
    assert_eq!(
        get(&app, None, "/api/posts").await.json()["posts"][0]["is_liked"],
        false
    );
    assert_eq!(
        get(&app, Some(&cat), &format!("/api/posts/{id}"))
            .await
            .json()["post"]["is_liked"],
        true
    );

    // Toggling back, and DELETE which only ever unlikes.
    assert_eq!(
        post(&app, &bob, &like, None).await.json(),
        json!({"success": true, "liked": false, "likes_count": 1})
    );
    let res = app
        .send(Method::DELETE, &like, Some(&cat.token), None)
        .await
        .json();
    assert_eq!(
        res,
        json!({"success": true, "liked": false, "likes_count": 0})
    );
    let res = app
        .send(Method::DELETE, &like, Some(&cat.token), None)
        .await
        .json();
    assert_eq!(res["likes_count"], 0);
    assert_eq!(
        get(&app, None, &format!("/api/posts/{id}")).await.json()["post"]["likes_count"],
        0
    );
    post(&app, &bob, "/api/posts/9999/like", None)
        .await
        .envelope(StatusCode::NOT_FOUND, "POST_NOT_FOUND");
}

#[tokio::test]
async fn comments_are_oldest_first_and_removable_by_their_author_the_posts_author_or_an_admin() {
    let app = TestApp::spawn().await;
    let (ann, bob, cat, boss) = (
        person(&app, "ann").await,
        person(&app, "bob").await,
        person(&app, "cat").await,
        person(&app, "boss").await,
    );
    make_admin(&app, &boss).await;
    let id = make_post(&app, &ann, "discuss").await;
    let comments = format!("/api/posts/{id}/comments");
    let mut ids = Vec::new();
    for (who, text) in [
        (&bob, "one"),
        (&cat, "two"),
        (&bob, "three"),
        (&cat, "four"),
    ] {
        let res = post(&app, who, &comments, Some(json!({"content": text}))).await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
        let c = res.json()["comment"].clone();
        assert_eq!(c["post_id"], id);
        ids.push(c["id"].as_i64().unwrap());
    }
    let list = get(&app, None, &comments).await.json();
    let texts: Vec<&str> = list["comments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["content"].as_str().unwrap())
        .collect();
    assert_eq!(texts, ["one", "two", "three", "four"]);
    assert_eq!(
        get(&app, None, &format!("/api/posts/{id}")).await.json()["post"]["comments_count"],
        4
    );

    for bad in [
        json!({"content": ""}),
        json!({"content": "x".repeat(1001)}),
        json!({}),
    ] {
        post(&app, &bob, &comments, Some(bad))
            .await
            .envelope(StatusCode::UNPROCESSABLE_ENTITY, "VALIDATION_ERROR");
    }
    post(
        &app,
        &bob,
        "/api/posts/9999/comments",
        Some(json!({"content": "x"})),
    )
    .await
    .envelope(StatusCode::NOT_FOUND, "POST_NOT_FOUND");

    let delete = |n: usize| format!("{comments}/{}", ids[n]);
    app.send(Method::DELETE, &delete(0), Some(&cat.token), None)
        .await
        .envelope(StatusCode::FORBIDDEN, "NOT_OWNER");
    assert_eq!(
        app.send(Method::DELETE, &delete(0), Some(&bob.token), None)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.send(Method::DELETE, &delete(1), Some(&ann.token), None)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.send(Method::DELETE, &delete(2), Some(&boss.token), None)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    app.send(Method::DELETE, &delete(2), Some(&boss.token), None)
        .await
        .envelope(StatusCode::NOT_FOUND, "COMMENT_NOT_FOUND");
    // A comment id under another post names nothing there.
    let other = make_post(&app, &cat, "other").await;
    app.send(
        Method::DELETE,
        &format!("/api/posts/{other}/comments/{}", ids[3]),
        Some(&cat.token),
        None,
    )
    .await
    .envelope(StatusCode::NOT_FOUND, "COMMENT_NOT_FOUND");
    assert_eq!(
        get(&app, None, &format!("/api/posts/{id}")).await.json()["post"]["comments_count"],
        1
    );
}

#[tokio::test]
async fn deleting_a_post_or_an_account_leaves_no_orphans_and_no_stale_counts() {
    let app = TestApp::spawn().await;
    let (ann, bob) = (person(&app, "ann").await, person(&app, "bob").await);
    let id = make_post(&app, &ann, "doomed").await;
    let kept = make_post(&app, &ann, "kept").await;
    for target in [id, kept] {
        post(&app, &bob, &format!("/api/posts/{target}/like"), None).await;
        post(
            &app,
            &bob,
            &format!("/api/posts/{target}/comments"),
            Some(json!({"content": "hi"})),
        )
        .await;
    }
    app.send(
        Method::DELETE,
        &format!("/api/posts/{id}"),
        Some(&ann.token),
        None,
    )
    .await;
    let pool = app.state.db.pool().await.unwrap();
    let count = |sql: &'static str| async move {
        sqlx::query_scalar::<_, i64>(sql)
            .bind(id)
            .fetch_one(pool)
            .await
            .unwrap()
    };
    assert_eq!(
        count("SELECT COUNT(*) FROM post_likes WHERE post_id = $1").await,
        0
    );
    assert_eq!(
        count("SELECT COUNT(*) FROM comments WHERE post_id = $1").await,
        0
    );

    // Bob leaves: his like and comment on the kept post go, and so do the counts.
    let res = app
        .send(
            Method::DELETE,
            "/api/auth/account",
            Some(&bob.token),
            Some(json!({"password": crate::support::PASSWORD})),
        )
        .await;
    assert_eq!(res.status, StatusCode::NO_CONTENT);
    let p = get(&app, None, &format!("/api/posts/{kept}")).await.json()["post"].clone();
    assert_eq!(
        (p["likes_count"].as_i64(), p["comments_count"].as_i64()),
        (Some(0), Some(0))
    );
}
