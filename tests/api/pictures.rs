//! `/api/profile-pictures` and the image pipeline behind every upload.

use std::io::Cursor;

use axum::body::Body;
use axum::http::{Method, StatusCode};
use image::{DynamicImage, ImageFormat};
use serde_json::{Value, json};

use crate::social::{Person, get, person};
use crate::support::{TestApp, TestResponse, req};

fn encode(img: &DynamicImage, format: ImageFormat) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, format).unwrap();
    out.into_inner()
}

fn picture(w: u32, h: u32, format: ImageFormat) -> Vec<u8> {
    let img = DynamicImage::ImageRgb8(image::RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([(x * 7) as u8, (y * 5) as u8, 90])
    }));
    encode(&img, format)
}

/// A JPEG with an EXIF segment: orientation 6 (turn 90° clockwise) and a GPS-like marker.
fn jpeg_with_exif(w: u32, h: u32) -> Vec<u8> {
    let jpeg = picture(w, h, ImageFormat::Jpeg);
    let mut tiff = b"II*\0\x08\0\0\0".to_vec();
    tiff.extend_from_slice(&1u16.to_le_bytes()); // one entry
    tiff.extend_from_slice(&0x0112u16.to_le_bytes()); // Orientation
    tiff.extend_from_slice(&3u16.to_le_bytes()); // SHORT
    tiff.extend_from_slice(&1u32.to_le_bytes());
    tiff.extend_from_slice(&6u16.to_le_bytes());
    tiff.extend_from_slice(&[0, 0, 0, 0, 0, 0]);
    tiff.extend_from_slice(b"GPSLatitude=25.0443N,GPSLongitude=77.3504W");
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend_from_slice(&tiff);
    let mut out = jpeg[..2].to_vec(); // SOI
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&((app1.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(&app1);
    out.extend_from_slice(&jpeg[2..]);
    out
}

/// A multipart body with `files` under `field`, each with a name and declared type.
fn multipart(field: &str, files: &[(&str, &str, Vec<u8>)]) -> (String, Vec<u8>) {
    let boundary = "hireme-test-boundary-7d3f";
    let mut body = Vec::new();
    for (name, content_type, bytes) in files {
        body.extend_from_slice(format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{name}\"\r\nContent-Type: {content_type}\r\n\r\n"
        ).as_bytes());
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn upload(
    app: &TestApp,
    who: &Person,
    path: &str,
    field: &str,
    files: &[(&str, &str, Vec<u8>)],
) -> TestResponse {
    let (content_type, body) = multipart(field, files);
    app.call(
        req(Method::POST, path)
            .header("authorization", format!("Bearer {}", who.token))
            .header("content-type", content_type)
            .body(Body::from(body))
            .unwrap(),
    )
    .await
}

async fn upload_one(app: &TestApp, who: &Person, bytes: Vec<u8>) -> TestResponse {
    upload(
        app,
        who,
        "/api/profile-pictures/upload",
        "file",
        &[("me.png", "image/png", bytes)],
    )
    .await
}

/// The stored bytes behind a file URL.
async fn fetch(app: &TestApp, url: &str) -> TestResponse {
    let path = format!("/api/uploads/{}", url.rsplit('/').next().unwrap());
    get(app, None, &path).await
}

#[tokio::test]
async fn every_accepted_format_round_trips() {
    let app = TestApp::spawn().await;
    let ann = person(&app, "ann").await;
    for (format, expected_type) in [
        (ImageFormat::Jpeg, "image/jpeg"),
        (ImageFormat::Png, "image/png"),
        (ImageFormat::Gif, "image/png"),
        (ImageFormat::WebP, "image/png"),
    ] {
        let res = upload_one(&app, &ann, picture(30, 20, format)).await;
        assert_eq!(
            res.status,
            StatusCode::CREATED,
            "{format:?}: {}",
            res.text()
        );
        let p = res.json()["picture"].clone();
        assert!(
            p["file_url"].as_str().unwrap().starts_with("http://"),
            "{p}"
        );
        assert!(p["file_size"].as_i64().unwrap() > 0);
        let file = fetch(&app, p["file_url"].as_str().unwrap()).await;
        assert_eq!(
            file.header("content-type"),
            Some(expected_type),
            "{format:?}"
        );
        let back = image::load_from_memory(&file.body).unwrap();
        assert_eq!((back.width(), back.height()), (30, 20), "{format:?}");
    }
    let list = get(&app, Some(&ann), "/api/profile-pictures/list")
        .await
        .json();
    assert_eq!(list["pictures"].as_array().unwrap().len(), 4);
}

#[tokio::test]
async fn exif_orientation_is_applied_and_no_metadata_survives() {
    let app = TestApp::spawn().await;
    let ann = person(&app, "ann").await;
    let original = jpeg_with_exif(40, 20);
    assert!(original.windows(11).any(|w| w == b"GPSLatitude"));
    let res = upload_one(&app, &ann, original).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    let file = fetch(&app, res.json()["picture"]["file_url"].as_str().unwrap()).await;
    assert!(!file.body.windows(4).any(|w| w == b"Exif"), "EXIF survived");
    assert!(
        !file.body.windows(3).any(|w| w == b"GPS"),
        "GPS data survived"
    );
    let back = image::load_from_memory(&file.body).unwrap();
    assert_eq!((back.width(), back.height()), (20, 40), "turned upright");
}

#[tokio::test]
async fn a_polyglot_is_stored_without_its_trailer_and_big_images_are_shrunk() {
    let app = TestApp::spawn().await;
    let ann = person(&app, "ann").await;
    let mut polyglot = picture(8, 8, ImageFormat::Png);
    polyglot
        .extend_from_slice(b"<html><script>alert(document.cookie)</script></html>PK\x03\x04zip");
    let res = upload_one(&app, &ann, polyglot).await;
    let file = fetch(&app, res.json()["picture"]["file_url"].as_str().unwrap()).await;
    assert!(!file.body.windows(6).any(|w| w == b"<html>"));
    assert!(!file.body.windows(4).any(|w| w == b"PK\x03\x04"));

    let res = upload_one(&app, &ann, picture(3000, 1500, ImageFormat::Png)).await;
    let file = fetch(&app, res.json()["picture"]["file_url"].as_str().unwrap()).await;
    let back = image::load_from_memory(&file.body).unwrap();
    assert_eq!((back.width(), back.height()), (2048, 1024));
}

#[tokio::test]
async fn text_svg_truncated_oversized_and_bomb_uploads_are_refused_clearly() {
    let app = TestApp::spawn().await;
    let ann = person(&app, "ann").await;
    let renamed = upload(
        &app,
        &ann,
        "/api/profile-pictures/upload",
        "file",
        &[(
            "photo.png",
            "image/png",
            b"just some text, honestly".to_vec(),
        )],
    )
    .await;
    renamed.envelope(StatusCode::UNSUPPORTED_MEDIA_TYPE, "UNSUPPORTED_MEDIA_TYPE");
    let svg = b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>".to_vec();
    let res = upload(
        &app,
        &ann,
        "/api/profile-pictures/upload",
        "file",
        &[("a.jpg", "image/jpeg", svg)],
    )
    .await;
    res.envelope(StatusCode::UNSUPPORTED_MEDIA_TYPE, "UNSUPPORTED_MEDIA_TYPE");
    let whole = picture(64, 64, ImageFormat::Png);
    upload_one(&app, &ann, whole[..whole.len() / 2].to_vec())
        .await
        .envelope(StatusCode::UNPROCESSABLE_ENTITY, "INVALID_IMAGE");

    let mut oversized = picture(8, 8, ImageFormat::Png);
    oversized.resize(10 * 1024 * 1024 + 1, 0);
    upload_one(&app, &ann, oversized)
        .await
        .envelope(StatusCode::PAYLOAD_TOO_LARGE, "PAYLOAD_TOO_LARGE");

    // A GIF header claiming 65,535 × 65,535 pixels: refused from its header, fast.
    let mut bomb = b"GIF89a".to_vec();
    bomb.extend_from_slice(&u16::MAX.to_le_bytes());
    bomb.extend_from_slice(&u16::MAX.to_le_bytes());
    bomb.extend_from_slice(&[0, 0, 0, 0x2C, 0, 0, 0, 0]);
    bomb.extend_from_slice(&u16::MAX.to_le_bytes());
    bomb.extend_from_slice(&u16::MAX.to_le_bytes());
    bomb.extend_from_slice(&[0, 2, 2, 0x44, 0x01, 0, 0x3B]);
    let started = std::time::Instant::now();
    upload_one(&app, &ann, bomb)
        .await
        .envelope(StatusCode::PAYLOAD_TOO_LARGE, "IMAGE_TOO_LARGE");
    assert!(started.elapsed() < std::time::Duration::from_secs(2));

    let res = app
        .send(
            Method::POST,
            "/api/profile-pictures/upload",
            Some(&ann.token),
            Some(json!({"file": "x"})),
        )
        .await;
    res.envelope(StatusCode::UNSUPPORTED_MEDIA_TYPE, "UNSUPPORTED_MEDIA_TYPE");
    let res = upload(
        &app,
        &ann,
        "/api/profile-pictures/upload",
        "avatar",
        &[("a.png", "image/png", picture(2, 2, ImageFormat::Png))],
    )
    .await;
    res.envelope(StatusCode::UNPROCESSABLE_ENTITY, "VALIDATION_ERROR");
    assert_eq!(
        get(&app, Some(&ann), "/api/profile-pictures/list")
            .await
            .json()["pictures"],
        json!([]),
        "nothing was kept"
    );
}

#[tokio::test]
async fn several_files_upload_together_or_not_at_all() {
    let app = TestApp::spawn().await;
    let ann = person(&app, "ann").await;
    let three: Vec<(&str, &str, Vec<u8>)> = (0..3)
        .map(|_| ("p.png", "image/png", picture(5, 5, ImageFormat::Png)))
        .collect();
    let res = upload(
        &app,
        &ann,
        "/api/profile-pictures/upload-multiple",
        "files",
        &three,
    )
    .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    assert_eq!(res.json()["pictures"].as_array().unwrap().len(), 3);

    let eleven: Vec<(&str, &str, Vec<u8>)> = (0..11)
        .map(|_| ("p.png", "image/png", picture(5, 5, ImageFormat::Png)))
        .collect();
    upload(
        &app,
        &ann,
        "/api/profile-pictures/upload-multiple",
        "files",
        &eleven,
    )
    .await
    .envelope(StatusCode::UNPROCESSABLE_ENTITY, "VALIDATION_ERROR");
    let mixed = vec![
        ("ok.png", "image/png", picture(5, 5, ImageFormat::Png)),
        ("bad.png", "image/png", b"not an image".to_vec()),
    ];
    upload(
        &app,
        &ann,
        "/api/profile-pictures/upload-multiple",
        "files",
        &mixed,
    )
    .await
    .envelope(StatusCode::UNSUPPORTED_MEDIA_TYPE, "UNSUPPORTED_MEDIA_TYPE");
    assert_eq!(
        get(&app, Some(&ann), "/api/profile-pictures/list")
            .await
            .json()["pictures"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
}

#[tokio::test]
async fn the_current_picture_is_the_avatar_and_only_the_owner_changes_it() {
    let app = TestApp::spawn().await;
    let (ann, eve) = (person(&app, "ann").await, person(&app, "eve").await);
    let first: Value = upload_one(&app, &ann, picture(4, 4, ImageFormat::Png))
        .await
        .json()["picture"]
        .clone();
    assert_eq!(
        first["is_current"], true,
        "the first picture becomes the avatar"
    );
    let me = get(&app, Some(&ann), "/api/auth/me").await.json();
    assert_eq!(me["avatar_url"], first["file_url"]);
    let second: Value = upload_one(&app, &ann, picture(6, 6, ImageFormat::Png))
        .await
        .json()["picture"]
        .clone();
    assert_eq!(second["is_current"], false);

    let (a, b) = (
        first["id"].as_i64().unwrap(),
        second["id"].as_i64().unwrap(),
    );
    crate::social::post(
        &app,
        &eve,
        &format!("/api/profile-pictures/{b}/set-current"),
        None,
    )
    .await
    .envelope(StatusCode::NOT_FOUND, "PICTURE_NOT_FOUND");
    app.send(
        Method::DELETE,
        &format!("/api/profile-pictures/{a}"),
        Some(&eve.token),
        None,
    )
    .await
    .envelope(StatusCode::NOT_FOUND, "PICTURE_NOT_FOUND");
    assert_eq!(
        get(&app, Some(&eve), "/api/profile-pictures/list")
            .await
            .json()["pictures"],
        json!([])
    );

    let res = crate::social::post(
        &app,
        &ann,
        &format!("/api/profile-pictures/{b}/set-current"),
        None,
    )
    .await
    .json();
    assert_eq!(res["avatar_url"], second["file_url"]);
    assert_eq!(res["picture"]["is_current"], true);
    let list = get(&app, Some(&ann), "/api/profile-pictures/list")
        .await
        .json();
    let current: Vec<bool> = list["pictures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["is_current"].as_bool().unwrap())
        .collect();
    assert_eq!(current, [true, false]);
    assert_eq!(
        get(&app, None, &format!("/api/users/{}", ann.id))
            .await
            .json()["user"]["avatar_url"],
        second["file_url"]
    );

    // Deleting the current one clears the avatar and removes the file.
    assert_eq!(
        app.send(
            Method::DELETE,
            &format!("/api/profile-pictures/{b}"),
            Some(&ann.token),
            None
        )
        .await
        .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        get(&app, Some(&ann), "/api/auth/me").await.json()["avatar_url"],
        Value::Null
    );
    fetch(&app, second["file_url"].as_str().unwrap())
        .await
        .envelope(StatusCode::NOT_FOUND, "FILE_NOT_FOUND");
    assert_eq!(
        fetch(&app, first["file_url"].as_str().unwrap())
            .await
            .status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn deleting_an_account_removes_its_files() {
    let app = TestApp::spawn().await;
    let ann = person(&app, "ann").await;
    let url = upload_one(&app, &ann, picture(4, 4, ImageFormat::Png))
        .await
        .json()["picture"]["file_url"]
        .as_str()
        .unwrap()
        .to_owned();
    let data = format!(
        "data:image/png;base64,{}",
        base64::Engine::encode(
            &base64::engine::general_purpose::STANDARD,
            picture(3, 3, ImageFormat::Png)
        )
    );
    let post_image = crate::social::post(
        &app,
        &ann,
        "/api/posts",
        Some(json!({"content": "pic", "image_url": data})),
    )
    .await
    .json()["post"]["image_url"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(fetch(&app, &post_image).await.status, StatusCode::OK);
    let res = app
        .send(
            Method::DELETE,
            "/api/auth/account",
            Some(&ann.token),
            Some(json!({"password": crate::support::PASSWORD})),
        )
        .await;
    assert_eq!(res.status, StatusCode::NO_CONTENT);
    fetch(&app, &url)
        .await
        .envelope(StatusCode::NOT_FOUND, "FILE_NOT_FOUND");
    fetch(&app, &post_image)
        .await
        .envelope(StatusCode::NOT_FOUND, "FILE_NOT_FOUND");
}

#[tokio::test]
async fn a_forged_host_header_never_reaches_what_others_see() {
    let app = TestApp::spawn().await;
    let (ann, bob) = (person(&app, "ann").await, person(&app, "bob").await);
    let (content_type, body) = multipart(
        "file",
        &[("a.png", "image/png", picture(4, 4, ImageFormat::Png))],
    );
    let res = app
        .call(
            req(Method::POST, "/api/profile-pictures/upload")
                .header("authorization", format!("Bearer {}", ann.token))
                .header("host", "evil.example")
                .header("content-type", content_type)
                .body(Body::from(body))
                .unwrap(),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    let seen = app
        .call(
            req(Method::GET, &format!("/api/users/{}", ann.id))
                .header("authorization", format!("Bearer {}", bob.token))
                .header("host", "api.hiremebahamas.test")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .json();
    let avatar = seen["user"]["avatar_url"].as_str().unwrap();
    assert!(
        avatar.starts_with("http://api.hiremebahamas.test/api/uploads/"),
        "{avatar}"
    );
    let with_base = TestApp::with(
        &[("PUBLIC_BASE_URL", "https://api.hiremebahamas.com")],
        axum::Router::new(),
    )
    .await;
    let cat = person(&with_base, "cat").await;
    let p = upload_one(&with_base, &cat, picture(4, 4, ImageFormat::Png))
        .await
        .json();
    assert!(
        p["picture"]["file_url"]
            .as_str()
            .unwrap()
            .starts_with("https://api.hiremebahamas.com/api/uploads/")
    );
    let me: Value = get(&with_base, Some(&cat), "/api/auth/me").await.json();
    assert!(
        me["avatar_url"]
            .as_str()
            .unwrap()
            .starts_with("https://api.hiremebahamas.com/api/uploads/")
    );
}
