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

/// The PostgreSQL plan of `sql` with the indexes in `hide` out of the way: on tables this small
/// a scan of any index led by the status costs next to nothing, so the planner would take it
/// over the index a query needs at a million jobs. (Dropped in a transaction rolled back.)
async fn plan_without(app: &TestApp, hide: &str, sql: &'static str) -> String {
    let mut conn = app.state.db.pool().await.unwrap().acquire().await.unwrap();
    for statement in [
        "BEGIN".to_owned(),
        format!("DROP INDEX {hide}"),
        "SET LOCAL enable_seqscan = off".to_owned(),
    ] {
        sqlx::query(sqlx::AssertSqlSafe(statement))
            .execute(&mut *conn)
            .await
            .unwrap();
    }
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!("EXPLAIN {sql}")))
        .fetch_all(&mut *conn)
        .await
        .unwrap();
    sqlx::query("ROLLBACK").execute(&mut *conn).await.unwrap();
    rows.iter()
        .map(|r| r.try_get::<String, _>(0).unwrap())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Whether a plan bounds its index scan by pay, rather than filtering the rows it reads.
fn bounds_by_pay(plan: &str) -> bool {
    plan.lines()
        .any(|l| l.contains("<expr>") || (l.contains("Index Cond") && l.contains("COALESCE")))
}

/// The plan of `sql`; on PostgreSQL with the indexes in `hide` out of the way.
async fn plan_of(app: &TestApp, hide: &str, sql: &'static str) -> String {
    if app.db.is_postgres() {
        plan_without(app, hide, sql).await
    } else {
        plan(app, sql).await
    }
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
    let paying_at_least = plan_of(&app, "jobs_status_idx, jobs_pays_from_idx", "SELECT COUNT(*) FROM (SELECT 1 FROM jobs j WHERE j.status = 'active' AND COALESCE(j.salary_max, j.salary_min) >= 90000 LIMIT 1001) AS m").await;
    assert!(
        paying_at_least.contains("jobs_pays_up_to_idx") && bounds_by_pay(&paying_at_least),
        "{paying_at_least}"
    );
    let starting_under = plan_of(&app, "jobs_status_idx, jobs_pays_up_to_idx", "SELECT j.id FROM jobs j WHERE j.status = 'active' AND COALESCE(j.salary_min, j.salary_max) <= 20000 ORDER BY +j.created_at DESC, +j.id DESC LIMIT 20").await;
    assert!(
        starting_under.contains("jobs_pays_from_idx") && bounds_by_pay(&starting_under),
        "{starting_under}"
    );
    if app.db.is_postgres() {
        let people = plan(
            &app,
            "SELECT id FROM users WHERE search @@ to_tsquery('simple', 'ann:*')",
        )
        .await;
        assert!(people.contains("users_search_idx"), "{people}");
        let search = plan_without(&app, "jobs_status_idx, jobs_pays_up_to_idx, jobs_pays_from_idx", "SELECT id FROM jobs j WHERE j.status = 'active' AND j.search @@ (to_tsquery('english', 'welder:*ABC') && to_tsquery('simple', 'zr1 & zlnassau'))").await;
        assert!(search.contains("jobs_open_search_idx"), "{search}");
        let closed = plan_without(&app, "jobs_status_idx, jobs_pays_up_to_idx, jobs_pays_from_idx", "SELECT id FROM jobs j WHERE j.status = 'closed' AND j.search @@ to_tsquery('simple', 'zjfulltime')").await;
        assert!(closed.contains("jobs_closed_search_idx"), "{closed}");
    } else {
        let people = plan(&app, "SELECT users.id FROM users JOIN users_fts ON users_fts.rowid = users.id WHERE users_fts MATCH '\"ann\"*'").await;
        assert!(people.contains("VIRTUAL TABLE INDEX"), "{people}");
        let search = plan(&app, "SELECT j.id FROM jobs_open_fts JOIN jobs j ON j.id = jobs_open_fts.rowid WHERE jobs_open_fts MATCH '{title company description skills} : (\"welder\"*) AND remote : \"zr1\"' ORDER BY jobs_open_fts.rowid DESC LIMIT 20").await;
        assert!(search.contains("VIRTUAL TABLE INDEX"), "{search}");
        assert!(
            !search.contains("TEMP B-TREE"),
            "no sort of the matches: {search}"
        );
    }
}
