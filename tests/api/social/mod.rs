//! Profiles, follows, the feed, likes, comments, notifications and availability.

mod feed;
mod notifications;
mod people;
mod privacy;

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{PASSWORD, TestApp, TestResponse};

/// A signed-in person: their token and id.
pub struct Person {
    pub token: String,
    pub id: i64,
}

/// Registers `name` (e-mail `name@example.com`) with extra registration fields.
pub async fn person_with(app: &TestApp, name: &str, extra: Value) -> Person {
    let mut body = json!({"email": format!("{name}@example.com"), "password": PASSWORD,
        "first_name": name, "last_name": "Tester", "user_type": "freelancer"});
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    let tokens = app.register_with(body).await;
    Person {
        token: tokens["access_token"].as_str().unwrap().to_owned(),
        id: tokens["user"]["id"].as_i64().unwrap(),
    }
}

pub async fn person(app: &TestApp, name: &str) -> Person {
    person_with(app, name, json!({})).await
}

pub async fn get(app: &TestApp, who: Option<&Person>, path: &str) -> TestResponse {
    app.send(Method::GET, path, who.map(|p| p.token.as_str()), None)
        .await
}

pub async fn post(app: &TestApp, who: &Person, path: &str, body: Option<Value>) -> TestResponse {
    app.send(Method::POST, path, Some(&who.token), body).await
}

pub async fn make_post(app: &TestApp, who: &Person, content: &str) -> i64 {
    let res = post(app, who, "/api/posts", Some(json!({"content": content}))).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    res.json()["post"]["id"].as_i64().unwrap()
}

pub async fn make_admin(app: &TestApp, who: &Person) {
    sqlx::query("UPDATE users SET is_admin = 1 WHERE id = $1")
        .bind(who.id)
        .execute(app.state.db.pool().await.unwrap())
        .await
        .unwrap();
}
