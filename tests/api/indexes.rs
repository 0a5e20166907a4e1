//! The queries that must stay fast as data grows are answered through indexes on both engines.
//! PostgreSQL is told to avoid sequential scans so that, on these small test tables, the plan
//! shows whether an index can serve the query at all.

use sqlx::Row;

use crate::support::TestApp;

async fn plan(app: &TestApp, sql: &'static str) -> String {
    let mut conn = app.state.db.pool().await.unwrap().acquire().await.unwrap();
    let postgres = app.db.is_postgres();
    if postgres {
        sqlx::query("SET enable_seqscan = off")
            .execute(&mut *conn)
            .await
            .unwrap();
    }
    let explain = if postgres {
        sqlx::query(sqlx::AssertSqlSafe(format!("EXPLAIN {sql}")))
    } else {
        sqlx::query(sqlx::AssertSqlSafe(format!("EXPLAIN QUERY PLAN {sql}")))
    };
    let rows = explain.fetch_all(&mut *conn).await.unwrap();
    let column = if postgres { 0 } else { 3 };
    let text: Vec<String> = rows
        .iter()
        .map(|r| r.try_get::<String, _>(column).unwrap())
        .collect();
    if postgres {
        sqlx::query("RESET enable_seqscan")
            .execute(&mut *conn)
            .await
            .unwrap();
    }
    text.join("\n")
}

#[tokio::test]
async fn the_feed_people_search_and_job_search_use_indexes() {
    let app = TestApp::spawn().await;
    let feed = plan(
        &app,
        "SELECT p.id FROM posts p ORDER BY p.created_at DESC, p.id DESC LIMIT 20",
    )
    .await;
    assert!(feed.contains("posts_feed_idx"), "{feed}");
    let by_author = plan(&app, "SELECT p.id FROM posts p WHERE p.user_id = 1 ORDER BY p.created_at DESC, p.id DESC LIMIT 20").await;
    assert!(by_author.contains("posts_user_idx"), "{by_author}");
    let jobs = plan(&app, "SELECT j.id FROM jobs j WHERE j.status = 'active' ORDER BY j.created_at DESC, j.id DESC LIMIT 20").await;
    assert!(jobs.contains("jobs_status_idx"), "{jobs}");
    if app.db.is_postgres() {
        let people = plan(
            &app,
            "SELECT id FROM users WHERE search @@ to_tsquery('simple', 'ann:*')",
        )
        .await;
        assert!(people.contains("users_search_idx"), "{people}");
        let search = plan(
            &app,
            "SELECT id FROM jobs j WHERE j.search @@ plainto_tsquery('english', 'welder')",
        )
        .await;
        assert!(search.contains("jobs_search_idx"), "{search}");
    } else {
        let people = plan(&app, "SELECT users.id FROM users JOIN users_fts ON users_fts.rowid = users.id WHERE users_fts MATCH '\"ann\"*'").await;
        assert!(people.contains("VIRTUAL TABLE INDEX"), "{people}");
        let search = plan(&app, "SELECT j.id FROM jobs j JOIN jobs_fts ON jobs_fts.rowid = j.id WHERE jobs_fts MATCH '\"welder\"*'").await;
        assert!(search.contains("VIRTUAL TABLE INDEX"), "{search}");
    }
}
