//! `/api/jobs`: postings, search, applications and who may do what.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::social::{Person, get, make_admin, person_with, post};
use crate::support::TestApp;

async fn employer(app: &TestApp, name: &str) -> Person {
    person_with(app, name, json!({"user_type": "employer"})).await
}

async fn freelancer(app: &TestApp, name: &str) -> Person {
    person_with(app, name, json!({"user_type": "freelancer"})).await
}

async fn create(app: &TestApp, who: &Person, body: Value) -> Value {
    let res = post(app, who, "/api/jobs", Some(body)).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    res.json()
}

fn job(title: &str) -> Value {
    json!({"title": title, "company": "Island Tech", "location": "Nassau", "job_type": "full-time",
           "description": "Build things"})
}

#[tokio::test]
async fn the_web_clients_job_form_is_accepted_and_its_salary_read() {
    let app = TestApp::spawn().await;
    let boss = employer(&app, "boss").await;
    let body = json!({"title": "Senior Developer", "company": "Island Tech", "location": "Nassau",
        "job_type": "Full-time", "description": "Build our platform", "requirements": "5 years of Rust",
        "salary_range": "$40,000 - $60,000"});
    let j = create(&app, &boss, body).await;
    assert_eq!(
        (j["salary_min"].as_i64(), j["salary_max"].as_i64()),
        (Some(40_000), Some(60_000))
    );
    assert_eq!(j["salary_range"], "$40,000 - $60,000");
    assert_eq!(j["category"], "general");
    assert_eq!(j["job_type"], "full-time");
    assert_eq!(j["skills"], json!([]));
    assert_eq!(j["status"], "active");
    assert_eq!(j["employer_id"], boss.id);
    assert_eq!(j["employer"]["first_name"], "boss");
    assert_eq!(j["applications_count"], 0);
    assert!(j.get("employer").unwrap().get("email").is_none());

    // The feed announces it, pointing at the job.
    let feed = get(&app, None, "/api/posts").await.json();
    assert_eq!(feed["posts"][0]["post_type"], "job");
    assert_eq!(feed["posts"][0]["related_job_id"], j["id"]);
    assert_eq!(
        get(&app, None, &format!("/api/jobs/{}", j["id"]))
            .await
            .json()["title"],
        "Senior Developer"
    );
}

#[tokio::test]
async fn salary_texts_and_skills_in_both_forms() {
    let app = TestApp::spawn().await;
    let boss = employer(&app, "boss").await;
    for (text, min, max) in [
        ("From $40000", Some(40_000), None),
        ("Up to $60000", None, Some(60_000)),
        ("40k-60k", Some(40_000), Some(60_000)),
        ("Competitive", None, None),
    ] {
        let mut body = job("Salary");
        body["salary_range"] = json!(text);
        let j = create(&app, &boss, body).await;
        assert_eq!(
            (j["salary_min"].as_i64(), j["salary_max"].as_i64()),
            (min, max),
            "{text}"
        );
        assert_eq!(j["salary_range"], text, "the text is kept as typed");
    }
    let mut body = job("Explicit");
    body["salary_range"] = json!("$1 - $2");
    body["salary_min"] = json!(50_000);
    body["salary_max"] = json!(70_000);
    let j = create(&app, &boss, body).await;
    assert_eq!(
        (j["salary_min"].as_i64(), j["salary_max"].as_i64()),
        (Some(50_000), Some(70_000)),
        "numbers win"
    );

    let mut body = job("Skills list");
    body["skills"] = json!(["Rust", "SQL", "rust"]);
    assert_eq!(
        create(&app, &boss, body).await["skills"],
        json!(["Rust", "SQL"])
    );
    let mut body = job("Skills text");
    body["skills"] = json!("Rust, SQL , Go");
    assert_eq!(
        create(&app, &boss, body).await["skills"],
        json!(["Rust", "SQL", "Go"])
    );
}

#[tokio::test]
async fn bad_job_bodies_name_every_problem() {
    let app = TestApp::spawn().await;
    let boss = employer(&app, "boss").await;
    let res = post(
        &app,
        &boss,
        "/api/jobs",
        Some(json!({"title": "Only a title"})),
    )
    .await;
    let body = res.envelope(StatusCode::UNPROCESSABLE_ENTITY, "VALIDATION_ERROR");
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["company", "description", "location", "job_type"]);

    for (patch, field) in [
        (
            json!({"salary_min": 70_000, "salary_max": 50_000}),
            "salary_min",
        ),
        (json!({"salary_min": -5}), "salary_min"),
        (json!({"budget_type": "weekly"}), "budget_type"),
        (json!({"budget": -1.0}), "budget"),
        (json!({"skills": 5}), "skills"),
        (json!({"title": ""}), "title"),
        (json!({"is_remote": "yes"}), "is_remote"),
    ] {
        let mut body = job("X");
        for (k, v) in patch.as_object().unwrap() {
            body[k] = v.clone();
        }
        let res = post(&app, &boss, "/api/jobs", Some(body)).await;
        let env = res.envelope(StatusCode::UNPROCESSABLE_ENTITY, "VALIDATION_ERROR");
        assert_eq!(env["errors"][0]["field"], field, "{patch}");
    }
}

#[tokio::test]
async fn only_employers_clients_recruiters_and_admins_post_jobs() {
    let app = TestApp::spawn().await;
    for user_type in ["employer", "client", "recruiter"] {
        let who = person_with(&app, user_type, json!({"user_type": user_type})).await;
        create(&app, &who, job(user_type)).await;
    }
    let worker = freelancer(&app, "worker").await;
    post(&app, &worker, "/api/jobs", Some(job("nope")))
        .await
        .envelope(StatusCode::FORBIDDEN, "ROLE_NOT_ALLOWED");
    make_admin(&app, &worker).await;
    create(&app, &worker, job("as admin")).await;
    app.send(Method::POST, "/api/jobs", None, Some(job("anon")))
        .await
        .envelope(StatusCode::UNAUTHORIZED, "NOT_AUTHENTICATED");
}

#[tokio::test]
async fn only_the_owner_or_an_admin_changes_deletes_or_toggles_a_job() {
    let app = TestApp::spawn().await;
    let (boss, rival, admin) = (
        employer(&app, "boss").await,
        employer(&app, "rival").await,
        freelancer(&app, "admin").await,
    );
    make_admin(&app, &admin).await;
    let id = create(&app, &boss, job("Mine")).await["id"]
        .as_i64()
        .unwrap();
    let path = format!("/api/jobs/{id}");

    app.send(
        Method::PUT,
        &path,
        Some(&rival.token),
        Some(json!({"title": "Stolen"})),
    )
    .await
    .envelope(StatusCode::FORBIDDEN, "NOT_OWNER");
    app.send(Method::DELETE, &path, Some(&rival.token), None)
        .await
        .envelope(StatusCode::FORBIDDEN, "NOT_OWNER");
    post(&app, &rival, &format!("{path}/toggle"), None)
        .await
        .envelope(StatusCode::FORBIDDEN, "NOT_OWNER");

    let res = app
        .send(
            Method::PUT,
            &path,
            Some(&boss.token),
            Some(json!({"title": "Renamed", "salary_range": "Up to $90,000"})),
        )
        .await;
    let j = res.json();
    assert_eq!(j["title"], "Renamed");
    assert_eq!(j["company"], "Island Tech", "unsent fields stay");
    assert_eq!(
        (j["salary_min"].as_i64(), j["salary_max"].as_i64()),
        (None, Some(90_000))
    );
    let res = app
        .send(
            Method::PUT,
            &path,
            Some(&admin.token),
            Some(json!({"location": "Exuma"})),
        )
        .await;
    assert_eq!(res.json()["location"], "Exuma");
    app.send(
        Method::PUT,
        &path,
        Some(&boss.token),
        Some(json!({"company": ""})),
    )
    .await
    .envelope(StatusCode::UNPROCESSABLE_ENTITY, "VALIDATION_ERROR");

    let res = post(&app, &boss, &format!("{path}/toggle"), None)
        .await
        .json();
    assert_eq!(
        res,
        json!({"success": true, "job_status": "inactive", "is_active": false})
    );
    let res = post(&app, &boss, &format!("{path}/toggle"), None)
        .await
        .json();
    assert_eq!(res["job_status"], "active");

    assert_eq!(
        app.send(Method::DELETE, &path, Some(&boss.token), None)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    get(&app, None, &path)
        .await
        .envelope(StatusCode::NOT_FOUND, "JOB_NOT_FOUND");
    let feed = get(&app, None, "/api/posts").await.json();
    assert!(
        feed["posts"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["related_job_id"] != id),
        "its feed post went too"
    );
    app.send(
        Method::PUT,
        "/api/jobs/9999",
        Some(&boss.token),
        Some(json!({"title": "x"})),
    )
    .await
    .envelope(StatusCode::NOT_FOUND, "JOB_NOT_FOUND");
    get(&app, None, "/api/jobs/abc")
        .await
        .envelope(StatusCode::NOT_FOUND, "NOT_FOUND");
}

#[tokio::test]
async fn the_list_filters_combine_and_count() {
    let app = TestApp::spawn().await;
    let (boss, other) = (employer(&app, "boss").await, employer(&app, "other").await);
    let specs = [
        (
            &boss,
            json!({"title": "Remote Rust", "category": "Tech", "location": "Nassau", "job_type": "contract", "is_remote": true, "salary_range": "50k-70k"}),
        ),
        (
            &boss,
            json!({"title": "Office Rust", "category": "tech", "location": "Freeport", "job_type": "full-time", "salary_range": "30k-40k"}),
        ),
        (
            &other,
            json!({"title": "Chef", "category": "hospitality", "location": "Nassau, New Providence", "job_type": "full-time", "salary_range": "From $20,000"}),
        ),
        (
            &other,
            json!({"title": "Closed one", "category": "tech", "location": "Nassau", "job_type": "full-time"}),
        ),
    ];
    let mut ids = Vec::new();
    for (who, patch) in specs {
        let mut body = job("x");
        for (k, v) in patch.as_object().unwrap() {
            body[k] = v.clone();
        }
        ids.push(create(&app, who, body).await["id"].as_i64().unwrap());
    }
    post(&app, &other, &format!("/api/jobs/{}/toggle", ids[3]), None).await;

    let titles = |v: &Value| -> Vec<String> {
        v["jobs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|j| j["title"].as_str().unwrap().to_owned())
            .collect()
    };
    let all = get(&app, None, "/api/jobs").await.json();
    assert_eq!(
        titles(&all),
        ["Chef", "Office Rust", "Remote Rust"],
        "active only, newest first"
    );
    assert_eq!(
        (
            all["total"].as_i64(),
            all["skip"].as_i64(),
            all["limit"].as_i64()
        ),
        (Some(3), Some(0), Some(20))
    );
    for (query, expected) in [
        ("category=TECH", vec!["Office Rust", "Remote Rust"]),
        ("location=nassau", vec!["Chef", "Remote Rust"]),
        ("job_type=full-time&location=nassau", vec!["Chef"]),
        ("is_remote=true", vec!["Remote Rust"]),
        ("salary_min=45000", vec!["Remote Rust"]),
        ("salary_max=35000", vec!["Chef", "Office Rust"]),
        (
            &*format!("employer_id={}", boss.id),
            vec!["Office Rust", "Remote Rust"],
        ),
        ("status=inactive", vec!["Closed one"]),
        (
            "category=tech&is_remote=false&search=rust",
            vec!["Office Rust"],
        ),
    ] {
        let res = get(&app, None, &format!("/api/jobs?{query}")).await.json();
        assert_eq!(titles(&res), expected, "{query}");
        assert_eq!(
            res["total"].as_u64().unwrap() as usize,
            expected.len(),
            "{query}"
        );
    }
    let page = get(&app, None, "/api/jobs?limit=1&skip=1").await.json();
    assert_eq!(
        (titles(&page), page["total"].as_i64()),
        (vec!["Office Rust".to_owned()], Some(3))
    );
    for bad in [
        "status=open",
        "is_remote=maybe",
        "salary_min=abc",
        "salary_min=9&salary_max=1",
        "limit=-1",
    ] {
        get(&app, None, &format!("/api/jobs?{bad}"))
            .await
            .envelope(StatusCode::UNPROCESSABLE_ENTITY, "VALIDATION_ERROR");
    }
    let stats = get(&app, None, "/api/jobs/stats/overview").await.json();
    assert_eq!(
        stats,
        json!({"success": true, "stats": {"active_jobs": 3, "companies_hiring": 1, "new_this_week": 3}})
    );
}

/// Titles of the jobs a list query returns, and its total.
async fn listed(app: &TestApp, query: &str) -> (Vec<String>, i64) {
    let res = get(app, None, &format!("/api/jobs?{query}")).await;
    assert_eq!(res.status, StatusCode::OK, "{query}: {}", res.text());
    let body = res.json();
    let titles = body["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["title"].as_str().unwrap().to_owned())
        .collect();
    (titles, body["total"].as_i64().unwrap())
}

#[tokio::test]
async fn facets_match_whole_values_and_places_by_word() {
    let app = TestApp::spawn().await;
    let boss = employer(&app, "boss").await;
    let specs = [
        json!({"title": "Nurse", "category": "Health Care", "job_type": "full-time", "location": "Nassau, New Providence"}),
        json!({"title": "Porter", "category": "health-care", "job_type": "part-time", "location": "Freeport"}),
        json!({"title": "Baker", "category": "Health", "job_type": "Full Time", "location": "Sausage Bay", "is_remote": true}),
    ];
    for patch in specs {
        let mut body = job("x");
        for (k, v) in patch.as_object().unwrap() {
            body[k] = v.clone();
        }
        create(&app, &boss, body).await;
    }
    for (query, expected) in [
        // A type or a category is matched whole, whatever the case and punctuation: part of
        // it (`time`, `health` of `health care`) is another value.
        ("job_type=FULL-TIME", vec!["Baker", "Nurse"]),
        ("job_type=part%20time", vec!["Porter"]),
        ("job_type=time", vec![]),
        ("job_type=full-time-ish", vec![]),
        ("category=health%20care", vec!["Porter", "Nurse"]),
        ("category=Health", vec!["Baker"]),
        ("category=care", vec![]),
        // A place is matched by its words, whole, in any order; not by a run of letters
        // inside a word.
        ("location=nassau", vec!["Nurse"]),
        ("location=NEW%20providence", vec!["Nurse"]),
        ("location=providence,%20nassau", vec!["Nurse"]),
        ("location=nass", vec![]),
        ("location=sau", vec![]),
        ("location=sausage", vec!["Baker"]),
        ("location=nassau%20freeport", vec![]),
        // Punctuation alone is no filter.
        ("location=,", vec!["Baker", "Porter", "Nurse"]),
        ("is_remote=true&category=health", vec!["Baker"]),
        ("is_remote=false&job_type=full%20time", vec!["Nurse"]),
        // Search words look at the text, never at the facets' own index entries.
        ("search=zr1", vec![]),
        ("search=zend", vec![]),
        (
            "search=nurse&location=nassau&job_type=full-time&is_remote=false",
            vec!["Nurse"],
        ),
    ] {
        let (titles, total) = listed(&app, query).await;
        assert_eq!(titles, expected, "{query}");
        assert_eq!(total as usize, expected.len(), "{query}");
    }
}

#[tokio::test]
async fn the_search_index_follows_every_change_of_a_job() {
    let app = TestApp::spawn().await;
    let boss = employer(&app, "boss").await;
    let mut body = job("Welder");
    body["location"] = json!("Freeport");
    let id = create(&app, &boss, body).await["id"].as_i64().unwrap();
    let path = format!("/api/jobs/{id}");
    let found = |q: &'static str| {
        let app = &app;
        async move { listed(app, q).await.0 }
    };
    assert_eq!(found("search=welder&location=freeport").await, ["Welder"]);

    // Edited: the old words and facets no longer find it, the new ones do.
    let res = app
        .send(
            Method::PUT,
            &path,
            Some(&boss.token),
            Some(json!({"title": "Plumber", "location": "Nassau", "is_remote": true, "category": "Trades"})),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert!(found("search=welder").await.is_empty());
    assert!(found("location=freeport").await.is_empty());
    assert_eq!(
        found("search=plumber&location=nassau&is_remote=true&category=trades").await,
        ["Plumber"]
    );

    // Toggled off: it leaves the open jobs' index for the others', facets and all.
    post(&app, &boss, &format!("{path}/toggle"), None).await;
    assert!(found("search=plumber").await.is_empty());
    assert!(found("is_remote=true").await.is_empty());
    assert_eq!(
        found("status=inactive&search=plumber&is_remote=true").await,
        ["Plumber"]
    );
    assert!(found("status=closed&search=plumber").await.is_empty());

    // Closed (not something the API does, but a status the list filters by).
    let pool = app.state.db.pool().await.unwrap();
    sqlx::query("UPDATE jobs SET status = 'closed' WHERE id = $1")
        .bind(id)
        .execute(pool)
        .await
        .unwrap();
    assert!(found("status=inactive&search=plumber").await.is_empty());
    assert_eq!(
        found("status=closed&search=plumber&location=nassau").await,
        ["Plumber"]
    );

    // Back on, then deleted: gone from every index.
    sqlx::query("UPDATE jobs SET status = 'active' WHERE id = $1")
        .bind(id)
        .execute(pool)
        .await
        .unwrap();
    assert_eq!(found("search=plumber&category=trades").await, ["Plumber"]);
    assert!(found("status=closed&search=plumber").await.is_empty());
    let res = app
        .send(Method::DELETE, &path, Some(&boss.token), None)
        .await;
    assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.text());
    for status in ["active", "inactive", "closed"] {
        let (titles, _) = listed(&app, &format!("status={status}&search=plumber")).await;
        assert!(titles.is_empty(), "{status}");
    }
}

#[tokio::test]
async fn search_ranks_a_title_match_above_a_description_match() {
    let app = TestApp::spawn().await;
    let boss = employer(&app, "boss").await;
    let mut body = job("Accountant");
    body["description"] = json!("Keep the books. Some welding knowledge helps.");
    create(&app, &boss, body).await;
    let mut body = job("Welding Technician");
    body["description"] = json!("Join our workshop.");
    create(&app, &boss, body).await;
    let mut body = job("Gardener");
    body["skills"] = json!(["welding", "pruning"]);
    create(&app, &boss, body).await;
    create(&app, &boss, job("Unrelated")).await;

    let res = get(&app, None, "/api/jobs?search=welding").await.json();
    let titles: Vec<&str> = res["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["title"].as_str().unwrap())
        .collect();
    assert_eq!(res["total"], 3);
    assert_eq!(titles[0], "Welding Technician", "{titles:?}");
    assert_eq!(
        titles[2], "Accountant",
        "the description-only match ranks last: {titles:?}"
    );
    let by_company = get(&app, None, "/api/jobs?search=island%20tech")
        .await
        .json();
    assert_eq!(by_company["total"], 4);
    for odd in ["%22", "*", "a%20OR%20b", "NEAR(", "')%3B--", "%F0%9F%94%A5"] {
        let res = get(&app, None, &format!("/api/jobs?search={odd}")).await;
        assert_eq!(res.status, StatusCode::OK, "{odd}: {}", res.text());
    }
}

#[tokio::test]
async fn applying_follows_the_rules_and_notifies_the_owner() {
    let app = TestApp::spawn().await;
    let (boss, worker) = (
        employer(&app, "boss").await,
        freelancer(&app, "worker").await,
    );
    let id = create(&app, &boss, job("Open")).await["id"]
        .as_i64()
        .unwrap();
    let apply = format!("/api/jobs/{id}/apply");

    post(&app, &boss, &apply, None)
        .await
        .envelope(StatusCode::BAD_REQUEST, "OWN_JOB");
    post(
        &app,
        &worker,
        &apply,
        Some(json!({"cover_letter": "x".repeat(10_001)})),
    )
    .await
    .envelope(StatusCode::UNPROCESSABLE_ENTITY, "VALIDATION_ERROR");
    post(
        &app,
        &worker,
        &apply,
        Some(json!({"proposed_budget": "lots"})),
    )
    .await
    .envelope(StatusCode::UNPROCESSABLE_ENTITY, "VALIDATION_ERROR");
    let res = post(
        &app,
        &worker,
        &apply,
        Some(json!({"cover_letter": "Hire me", "proposed_budget": 1500.5})),
    )
    .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    let application = res.json()["application"].clone();
    assert_eq!(application["status"], "pending");
    assert_eq!(application["proposed_budget"], 1500.5);
    post(&app, &worker, &apply, None)
        .await
        .envelope(StatusCode::CONFLICT, "ALREADY_APPLIED");
    post(&app, &worker, "/api/jobs/9999/apply", None)
        .await
        .envelope(StatusCode::NOT_FOUND, "JOB_NOT_FOUND");

    let notes = get(&app, Some(&boss), "/api/notifications/list")
        .await
        .json();
    assert_eq!(notes["notifications"][0]["type"], "job_application");
    assert_eq!(notes["notifications"][0]["related_id"], id);
    assert_eq!(
        get(&app, None, &format!("/api/jobs/{id}")).await.json()["applications_count"],
        1
    );

    let closed = create(&app, &boss, job("Paused")).await["id"]
        .as_i64()
        .unwrap();
    post(&app, &boss, &format!("/api/jobs/{closed}/toggle"), None).await;
    post(&app, &worker, &format!("/api/jobs/{closed}/apply"), None)
        .await
        .envelope(StatusCode::CONFLICT, "JOB_NOT_OPEN");

    let mine = get(&app, Some(&worker), "/api/jobs/my/applications")
        .await
        .json();
    assert_eq!(mine["applications"][0]["job"]["id"], id);
    assert_eq!(mine["applications"][0]["cover_letter"], "Hire me");
    let posted = get(&app, Some(&boss), "/api/jobs/my/posted").await.json();
    assert_eq!(
        posted["jobs"].as_array().unwrap().len(),
        2,
        "inactive ones included"
    );
}

#[tokio::test]
async fn two_applications_at_the_same_moment_make_exactly_one_row() {
    let app = TestApp::spawn().await;
    let (boss, worker) = (
        employer(&app, "boss").await,
        freelancer(&app, "worker").await,
    );
    let id = create(&app, &boss, job("Race")).await["id"]
        .as_i64()
        .unwrap();
    let path = format!("/api/jobs/{id}/apply");
    let attempts = (0..6).map(|_| {
        let (router, token, path) = (app.router.clone(), worker.token.clone(), path.clone());
        tokio::spawn(async move {
            let request = crate::support::req(Method::POST, &path)
                .header("authorization", format!("Bearer {token}"))
                .body(axum::body::Body::empty())
                .unwrap();
            crate::support::call(&router, request).await.status
        })
    });
    let mut statuses = Vec::new();
    for a in attempts.collect::<Vec<_>>() {
        statuses.push(a.await.unwrap());
    }
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::CREATED)
            .count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses
            .iter()
            .all(|s| *s == StatusCode::CREATED || *s == StatusCode::CONFLICT),
        "{statuses:?}"
    );
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM job_applications WHERE job_id = $1")
        .bind(id)
        .fetch_one(app.state.db.pool().await.unwrap())
        .await
        .unwrap();
    assert_eq!(rows, 1);
    assert_eq!(
        get(&app, None, &format!("/api/jobs/{id}")).await.json()["applications_count"],
        1
    );
}

#[tokio::test]
async fn only_the_owner_reads_and_reviews_applications_and_the_applicant_hears_of_it() {
    let app = TestApp::spawn().await;
    let (boss, rival, worker) = (
        employer(&app, "boss").await,
        employer(&app, "rival").await,
        freelancer(&app, "worker").await,
    );
    let id = create(&app, &boss, job("Reviewed")).await["id"]
        .as_i64()
        .unwrap();
    let theirs = create(&app, &rival, job("Theirs")).await["id"]
        .as_i64()
        .unwrap();
    let application = post(&app, &worker, &format!("/api/jobs/{id}/apply"), None)
        .await
        .json()["application"]["id"]
        .as_i64()
        .unwrap();
    let other_application = post(&app, &worker, &format!("/api/jobs/{theirs}/apply"), None)
        .await
        .json()["application"]["id"]
        .as_i64()
        .unwrap();

    get(&app, Some(&rival), &format!("/api/jobs/{id}/applications"))
        .await
        .envelope(StatusCode::FORBIDDEN, "NOT_OWNER");
    get(&app, Some(&worker), &format!("/api/jobs/{id}/applications"))
        .await
        .envelope(StatusCode::FORBIDDEN, "NOT_OWNER");
    let list = get(&app, Some(&boss), &format!("/api/jobs/{id}/applications"))
        .await
        .json();
    let first = &list["applications"][0];
    assert_eq!(first["applicant"]["id"], worker.id);
    assert!(first["applicant"].get("email").is_none());
    assert_eq!(first["job_id"], id);

    let review = |who: &Person, app_id: i64, status: &str| {
        let (who, status) = (who.token.clone(), status.to_owned());
        let app = &app;
        async move {
            app.send(
                Method::PUT,
                &format!("/api/jobs/applications/{app_id}"),
                Some(&who),
                Some(json!({"status": status})),
            )
            .await
        }
    };
    review(&rival, application, "accepted")
        .await
        .envelope(StatusCode::NOT_FOUND, "APPLICATION_NOT_FOUND");
    review(&boss, other_application, "accepted")
        .await
        .envelope(StatusCode::NOT_FOUND, "APPLICATION_NOT_FOUND");
    review(&boss, 99999, "accepted")
        .await
        .envelope(StatusCode::NOT_FOUND, "APPLICATION_NOT_FOUND");
    review(&boss, application, "hired")
        .await
        .envelope(StatusCode::UNPROCESSABLE_ENTITY, "VALIDATION_ERROR");
    let res = review(&boss, application, "accepted").await.json();
    assert_eq!(res["application"]["status"], "accepted");

    let notes = get(&app, Some(&worker), "/api/notifications/list")
        .await
        .json();
    assert_eq!(notes["notifications"][0]["type"], "application_status");
    assert!(
        notes["notifications"][0]["content"]
            .as_str()
            .unwrap()
            .contains("accepted")
    );
    let mine = get(&app, Some(&worker), "/api/jobs/my/applications")
        .await
        .json();
    let statuses: Vec<&str> = mine["applications"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["status"].as_str().unwrap())
        .collect();
    assert!(statuses.contains(&"accepted"));
}

#[tokio::test]
async fn the_unfiltered_total_stays_exact_through_toggles_deletes_and_departures() {
    let app = TestApp::spawn().await;
    let (boss, other) = (employer(&app, "boss").await, employer(&app, "other").await);
    let mut ids = Vec::new();
    for i in 0..3 {
        ids.push(
            create(&app, &boss, job(&format!("b{i}"))).await["id"]
                .as_i64()
                .unwrap(),
        );
    }
    create(&app, &other, job("o")).await;
    let total = |status: &'static str| {
        let app = &app;
        async move {
            get(app, None, &format!("/api/jobs?status={status}"))
                .await
                .json()["total"]
                .as_i64()
                .unwrap()
        }
    };
    assert_eq!(total("active").await, 4);
    post(&app, &boss, &format!("/api/jobs/{}/toggle", ids[0]), None).await;
    assert_eq!((total("active").await, total("inactive").await), (3, 1));
    app.send(
        Method::DELETE,
        &format!("/api/jobs/{}", ids[1]),
        Some(&boss.token),
        None,
    )
    .await;
    assert_eq!(total("active").await, 2);
    // The employer leaves: their jobs go, and so do they from the counts.
    app.send(
        Method::DELETE,
        "/api/auth/account",
        Some(&boss.token),
        Some(json!({"password": crate::support::PASSWORD})),
    )
    .await;
    assert_eq!((total("active").await, total("inactive").await), (1, 0));
    assert_eq!(
        get(&app, None, "/api/jobs").await.json()["jobs"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn an_applicant_who_leaves_is_no_longer_counted() {
    let app = TestApp::spawn().await;
    let (boss, worker) = (
        employer(&app, "boss").await,
        freelancer(&app, "worker").await,
    );
    let id = create(&app, &boss, job("Counted")).await["id"]
        .as_i64()
        .unwrap();
    post(&app, &worker, &format!("/api/jobs/{id}/apply"), None).await;
    assert_eq!(
        get(&app, None, &format!("/api/jobs/{id}")).await.json()["applications_count"],
        1
    );
    let res = app
        .send(
            Method::DELETE,
            "/api/auth/account",
            Some(&worker.token),
            Some(json!({"password": crate::support::PASSWORD})),
        )
        .await;
    assert_eq!(res.status, StatusCode::NO_CONTENT);
    assert_eq!(
        get(&app, None, &format!("/api/jobs/{id}")).await.json()["applications_count"],
        0
    );
    let list = get(&app, Some(&boss), &format!("/api/jobs/{id}/applications"))
        .await
        .json();
    assert_eq!(list["applications"], json!([]));
}

/// Adds `n` active jobs of `employer` titled "`title` {i}", newer than any before, in one
/// statement.
async fn bulk_jobs(app: &TestApp, employer: i64, title: &str, n: i64) {
    let pool = app.state.db.pool().await.unwrap();
    sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1) \
         INSERT INTO jobs (employer_id, title, company, description, category, job_type, location, \
         is_remote, skills, status, applications_count, created_at, updated_at) \
         SELECT $2, $3 || ' ' || i, 'Bulk Co', 'A plain job.', 'general', 'full-time', 'Nassau', \
         0, '', 'active', 0, 1700000000000 + i, 1700000000000 + i FROM n",
    )
    .bind(n)
    .bind(employer)
    .bind(title)
    .execute(pool)
    .await
    .unwrap();
}

#[tokio::test]
async fn search_ranks_its_newest_matches_then_pages_on_through_every_other() {
    let app = TestApp::spawn().await;
    let boss = employer(&app, "boss").await;
    // The oldest match is the most relevant one, but outside the newest 1,000.
    let mut body = job("Welder, welder and welder");
    body["skills"] = json!(["welder"]);
    let oldest = create(&app, &boss, body).await["id"].as_i64().unwrap();
    bulk_jobs(&app, boss.id, "Welder", 1005).await;
    // The newest 1,000 include a strong match posted before the weaker newest ones.
    let mut body = job("Senior welder welder");
    body["skills"] = json!(["welder"]);
    let strong = create(&app, &boss, body).await["id"].as_i64().unwrap();
    create(&app, &boss, job("Unrelated")).await;

    let first = get(&app, None, "/api/jobs?search=welder&limit=5")
        .await
        .json();
    assert_eq!(
        (first["total"].clone(), first["total_exact"].clone()),
        (json!(1000), json!(false)),
        "a search counts up to 1,000"
    );
    assert_eq!(
        first["jobs"][0]["id"], strong,
        "relevance first within the window"
    );

    // Every match exactly once across pages, the page at the window's edge included.
    let mut seen = Vec::new();
    let mut skip = 0;
    loop {
        let page = get(
            &app,
            None,
            &format!("/api/jobs?search=welder&limit=70&skip={skip}"),
        )
        .await
        .json();
        let jobs = page["jobs"].as_array().unwrap().clone();
        if jobs.is_empty() {
            break;
        }
        seen.extend(jobs.iter().map(|j| j["id"].as_i64().unwrap()));
        skip += 70;
    }
    assert_eq!(seen.len(), 1007);
    let unique: std::collections::HashSet<_> = seen.iter().collect();
    assert_eq!(unique.len(), 1007, "no job twice");
    assert_eq!(
        *seen.last().unwrap(),
        oldest,
        "past the window, newest first: the oldest is last"
    );
    let past = &seen[1000..];
    assert!(
        past.windows(2).all(|w| w[0] > w[1]),
        "newest first past the window"
    );
}

#[tokio::test]
async fn a_rare_match_older_than_twenty_thousand_jobs_is_still_found() {
    let app = TestApp::spawn().await;
    let boss = employer(&app, "boss").await;
    let mut body = job("Lighthouse keeper");
    body["location"] = json!("Inagua");
    body["is_remote"] = json!(true);
    let rare = create(&app, &boss, body).await["id"].as_i64().unwrap();
    // Enough newer jobs that PostgreSQL's first look, among the newest 20,000, misses it.
    bulk_jobs(&app, boss.id, "Filler", 20_050).await;
    for query in [
        "search=lighthouse",
        "search=keeper&location=inagua",
        "location=inagua",
        "is_remote=true",
        "is_remote=true&job_type=full-time",
    ] {
        let res = get(&app, None, &format!("/api/jobs?{query}")).await.json();
        let ids: Vec<i64> = res["jobs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|j| j["id"].as_i64().unwrap())
            .collect();
        assert_eq!(ids, [rare], "{query}");
        assert_eq!(
            (res["total"].clone(), res["total_exact"].clone()),
            (json!(1), json!(true)),
            "{query}"
        );
    }
    // And a broad filter pages past the newest 20,000 to the oldest job.
    let (titles, _) = listed(&app, "location=nassau&skip=20040&limit=20").await;
    assert_eq!(titles.len(), 10, "{titles:?}");
    assert_eq!(titles[9], "Filler 1");
}

#[tokio::test]
async fn a_broad_search_counts_up_to_a_thousand_and_says_so() {
    let app = TestApp::spawn().await;
    let boss = employer(&app, "boss").await;
    bulk_jobs(&app, boss.id, "Carpenter", 1000).await;
    let res = get(&app, None, "/api/jobs?search=carpenter&limit=1")
        .await
        .json();
    assert_eq!(
        (res["total"].clone(), res["total_exact"].clone()),
        (json!(1000), json!(true))
    );
    bulk_jobs(&app, boss.id, "Carpenter", 1).await;
    let res = get(&app, None, "/api/jobs?search=carpenter&limit=1")
        .await
        .json();
    assert_eq!(
        (res["total"].clone(), res["total_exact"].clone()),
        (json!(1000), json!(false))
    );
    // With no filter but the status the count stays exact; any other filter counts up to
    // 1,000 as a search does.
    let res = get(&app, None, "/api/jobs?limit=1").await.json();
    assert_eq!(
        (res["total"].clone(), res["total_exact"].clone()),
        (json!(1001), json!(true))
    );
    let by_boss = format!("employer_id={}", boss.id);
    for filter in ["location=nassau", "job_type=full-time", &by_boss] {
        let res = get(&app, None, &format!("/api/jobs?limit=1&{filter}"))
            .await
            .json();
        assert_eq!(
            (res["total"].clone(), res["total_exact"].clone()),
            (json!(1000), json!(false)),
            "{filter}"
        );
    }
    let res = get(&app, None, "/api/jobs?limit=1&location=freeport")
        .await
        .json();
    assert_eq!(
        (res["total"].clone(), res["total_exact"].clone()),
        (json!(0), json!(true))
    );
}
