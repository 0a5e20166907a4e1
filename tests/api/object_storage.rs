//! Uploads on S3-compatible object storage, against a local S3 server (moto, from PyPI). When
//! moto is not installed the test says so and passes, unless `HIREME_REQUIRE_S3` is set, as CI
//! sets it (after installing moto), so that there it must run.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use axum::http::{Method, StatusCode};
use image::{DynamicImage, ImageFormat};
use serde_json::json;

use crate::social::{get, person};
use crate::support::{TestApp, eventually};

struct LocalS3 {
    child: Child,
    port: u16,
}

impl Drop for LocalS3 {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn local_s3() -> Option<LocalS3> {
    let required = std::env::var_os("HIREME_REQUIRE_S3").is_some();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let spawned = Command::new("python3")
        .args([
            "-m",
            "moto.server",
            "-H",
            "127.0.0.1",
            "-p",
            &port.to_string(),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
    let mut child = match spawned {
        Ok(child) => child,
        Err(e) => {
            assert!(
                !required,
                "cannot start python3 for the local S3 server: {e}"
            );
            eprintln!("skipped: python3 is not available for the local S3 server");
            return None;
        }
    };
    let up = eventually(Duration::from_secs(20), || {
        std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
            || matches!(child.try_wait(), Ok(Some(_)))
    }) && matches!(child.try_wait(), Ok(None));
    if !up {
        let _ = child.kill();
        assert!(
            !required,
            "the local S3 server (python3 -m moto.server) did not start; pip install 'moto[server]'"
        );
        eprintln!("skipped: moto is not installed (pip install 'moto[server]')");
        return None;
    }
    Some(LocalS3 { child, port })
}

fn png(w: u32, h: u32) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    DynamicImage::new_rgb8(w, h)
        .write_to(&mut out, ImageFormat::Png)
        .unwrap();
    out.into_inner()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pictures_and_post_images_live_in_object_storage() {
    let Some(s3) = tokio::task::spawn_blocking(local_s3).await.unwrap() else {
        return;
    };
    let endpoint = format!("http://127.0.0.1:{}", s3.port);
    let bucket = format!("hireme-{}", uuid::Uuid::new_v4().simple());
    let vars = [
        ("STORAGE", "s3"),
        ("S3_ENDPOINT", endpoint.as_str()),
        ("S3_BUCKET", bucket.as_str()),
        ("S3_REGION", "us-east-1"),
        ("S3_ACCESS_KEY_ID", "test-access-key"),
        ("S3_SECRET_ACCESS_KEY", "test-secret-key"),
        ("S3_PREFIX", "uploads/"),
    ];
    let app = TestApp::with(&vars, axum::Router::new()).await;
    let config = app.state.config.s3.clone().unwrap();
    let direct = hireme::storage::S3Storage::new(config, reqwest::Client::new()).unwrap();
    direct.create_bucket().await.unwrap();
    // Looks in the bucket directly, with signed requests of its own.
    let raw = |key: String| {
        let direct = &direct;
        async move {
            use hireme::storage::{Key, Storage};
            let key = Key::parse(&key).unwrap();
            match direct.get(&key).await.unwrap() {
                Some(_) => reqwest::StatusCode::OK,
                None => reqwest::StatusCode::NOT_FOUND,
            }
        }
    };

    let ann = person(&app, "ann").await;
    let (content_type, body) = {
        let boundary = "s3-test-boundary";
        let mut body = format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\nContent-Type: image/png\r\n\r\n").into_bytes();
        body.extend_from_slice(&png(12, 9));
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        (format!("multipart/form-data; boundary={boundary}"), body)
    };
    let res = app
        .call(
            crate::support::req(Method::POST, "/api/profile-pictures/upload")
                .header("authorization", format!("Bearer {}", ann.token))
                .header("content-type", content_type)
                .body(axum::body::Body::from(body))
                .unwrap(),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    let picture = res.json()["picture"].clone();
    let key = picture["filename"].as_str().unwrap().to_owned();
    assert_eq!(
        raw(key.clone()).await,
        reqwest::StatusCode::OK,
        "the object is in the bucket"
    );

    let served = get(&app, None, &format!("/api/uploads/{key}")).await;
    assert_eq!(served.status, StatusCode::OK);
    assert_eq!(served.header("content-type"), Some("image/png"));
    let back = image::load_from_memory(&served.body).unwrap();
    assert_eq!((back.width(), back.height()), (12, 9));

    let data = format!(
        "data:image/png;base64,{}",
        base64::Engine::encode(&base64::engine::general_purpose::STANDARD, png(3, 3))
    );
    let post = crate::social::post(
        &app,
        &ann,
        "/api/posts",
        Some(json!({"content": "x", "image_url": data})),
    )
    .await
    .json();
    let post_key = post["post"]["image_url"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    assert_eq!(raw(post_key).await, reqwest::StatusCode::OK);

    let id = picture["id"].as_i64().unwrap();
    let res = app
        .send(
            Method::DELETE,
            &format!("/api/profile-pictures/{id}"),
            Some(&ann.token),
            None,
        )
        .await;
    assert_eq!(res.status, StatusCode::NO_CONTENT);
    assert_eq!(
        raw(key.clone()).await,
        reqwest::StatusCode::NOT_FOUND,
        "deleting removes the object"
    );
    get(&app, None, &format!("/api/uploads/{key}"))
        .await
        .envelope(StatusCode::NOT_FOUND, "FILE_NOT_FOUND");
    drop(s3);
}
