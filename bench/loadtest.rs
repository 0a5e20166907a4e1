//! HireMe's load benchmark: drives a running server over HTTP on loopback and reports
//! throughput and latency percentiles. See `bench/README.md` for how to run it and the figures.
//!
//!   cargo run --release --example loadtest -- auth --url http://127.0.0.1:8080 \
//!       --concurrency 32 --seconds 20

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::sync::Mutex;

struct Args {
    scenario: String,
    url: String,
    concurrency: usize,
    seconds: u64,
    database_url: Option<String>,
    users: i64,
    posts: i64,
    jobs: i64,
}

fn args() -> Args {
    let mut args = Args {
        scenario: String::new(),
        url: "http://127.0.0.1:8080".to_owned(),
        concurrency: 32,
        seconds: 20,
        database_url: None,
        users: 1000,
        posts: 100_000,
        jobs: 0,
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--url" => args.url = it.next().expect("--url URL"),
            "--concurrency" => {
                args.concurrency = it
                    .next()
                    .and_then(|v| v.parse().ok())
                    .expect("--concurrency N")
            }
            "--seconds" => {
                args.seconds = it.next().and_then(|v| v.parse().ok()).expect("--seconds N")
            }
            "--database-url" => args.database_url = it.next(),
            "--users" => args.users = it.next().and_then(|v| v.parse().ok()).expect("--users N"),
            "--posts" => args.posts = it.next().and_then(|v| v.parse().ok()).expect("--posts N"),
            "--jobs" => args.jobs = it.next().and_then(|v| v.parse().ok()).expect("--jobs N"),
            s if !s.starts_with("--") && args.scenario.is_empty() => args.scenario = s.to_owned(),
            other => panic!("unknown argument {other}"),
        }
    }
    args
}

/// Latencies of one kind of request, in microseconds.
#[derive(Default)]
struct Samples {
    micros: Vec<u64>,
    errors: u64,
}

impl Samples {
    fn report(&mut self, name: &str, elapsed: Duration) {
        self.micros.sort_unstable();
        let n = self.micros.len();
        let pct = |p: f64| {
            if n == 0 {
                return 0.0;
            }
            let i = ((p / 100.0) * (n as f64 - 1.0)).round() as usize;
            self.micros[i] as f64 / 1000.0
        };
        println!(
            "{name:<28} {n:>7} ok {:>5} err {:>9.1} req/s   p50 {:>7.2} ms   p95 {:>7.2} ms   p99 {:>7.2} ms   max {:>7.2} ms",
            self.errors,
            n as f64 / elapsed.as_secs_f64(),
            pct(50.0),
            pct(95.0),
            pct(99.0),
            self.micros.last().map_or(0.0, |m| *m as f64 / 1000.0),
        );
    }
}

async fn timed(
    client: &reqwest::Client,
    request: reqwest::RequestBuilder,
) -> Result<(u64, Value), ()> {
    let _ = client;
    let started = Instant::now();
    let response = request.send().await.map_err(|_| ())?;
    let ok = response.status().is_success();
    let body = response.json::<Value>().await.unwrap_or(Value::Null);
    let micros = started.elapsed().as_micros() as u64;
    if ok { Ok((micros, body)) } else { Err(()) }
}

/// Sends `make()` back to back from `workers` tasks until `deadline`.
async fn flood<F>(client: reqwest::Client, workers: usize, deadline: Instant, make: F) -> Samples
where
    F: Fn(&reqwest::Client) -> reqwest::RequestBuilder + Send + Sync + 'static,
{
    let samples = Arc::new(Mutex::new(Samples::default()));
    let make = Arc::new(make);
    let mut tasks = Vec::new();
    for _ in 0..workers {
        let (client, samples, make) = (client.clone(), samples.clone(), make.clone());
        tasks.push(tokio::spawn(async move {
            while Instant::now() < deadline {
                let result = timed(&client, make(&client)).await;
                let mut s = samples.lock().await;
                match result {
                    Ok((micros, _)) => s.micros.push(micros),
                    Err(()) => s.errors += 1,
                }
            }
        }));
    }
    for t in tasks {
        let _ = t.await;
    }
    Arc::try_unwrap(samples)
        .ok()
        .expect("all workers ended")
        .into_inner()
}

/// One request every `interval` until `deadline`: the latency a lone user sees meanwhile.
async fn probe<F>(
    client: reqwest::Client,
    interval: Duration,
    deadline: Instant,
    make: F,
) -> Samples
where
    F: Fn(&reqwest::Client) -> reqwest::RequestBuilder,
{
    let mut samples = Samples::default();
    let mut tick = tokio::time::interval(interval);
    while Instant::now() < deadline {
        tick.tick().await;
        match timed(&client, make(&client)).await {
            Ok((micros, _)) => samples.micros.push(micros),
            Err(()) => samples.errors += 1,
        }
    }
    samples
}

async fn auth(args: &Args, client: reqwest::Client) {
    let email = format!("bench-{}@example.com", std::process::id());
    let password = "benchmark passphrase 2026";
    let url = args.url.clone();
    let res = client
        .post(format!("{url}/api/auth/register"))
        .json(&json!({"email": email, "password": password, "first_name": "Bench", "last_name": "Mark", "user_type": "client"}))
        .send()
        .await
        .expect("server reachable");
    assert!(
        res.status().is_success(),
        "registration failed: {}",
        res.text().await.unwrap_or_default()
    );
    let token = res.json::<Value>().await.unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();

    // Quiet baseline first, then the same probes during the login flood.
    let quiet_until = Instant::now() + Duration::from_secs(3);
    let quiet = probe(client.clone(), Duration::from_millis(10), quiet_until, {
        let url = url.clone();
        move |c| c.get(format!("{url}/health"))
    })
    .await;

    let deadline = Instant::now() + Duration::from_secs(args.seconds);
    let started = Instant::now();
    let login = {
        let (url, email) = (url.clone(), email.clone());
        flood(client.clone(), args.concurrency, deadline, move |c| {
            c.post(format!("{url}/api/auth/login"))
                .json(&json!({"email": email, "password": password}))
        })
    };
    let health = probe(client.clone(), Duration::from_millis(20), deadline, {
        let url = url.clone();
        move |c| c.get(format!("{url}/health"))
    });
    let me = probe(client.clone(), Duration::from_millis(20), deadline, {
        let url = url.clone();
        move |c| c.get(format!("{url}/api/auth/me")).bearer_auth(&token)
    });
    let (mut login, mut health, mut me) = tokio::join!(login, health, me);
    let elapsed = started.elapsed();
    let mut quiet = quiet;
    println!(
        "scenario auth: {} login workers for {} s against {url}",
        args.concurrency, args.seconds
    );
    quiet.report("GET /health (idle)", Duration::from_secs(3));
    login.report("POST /api/auth/login", elapsed);
    health.report("GET /health (during flood)", elapsed);
    me.report("GET /api/auth/me (during)", elapsed);
}

/// The password of every seeded account.
const SEED_PASSWORD: &str = "benchmark passphrase 2026";

/// Fills a database directly (not through the API, which would take hours): `users` accounts
/// `bench-user-N@example.com`, `posts` posts spread over them and over the last 30 days, about
/// two likes and one comment per post, and follows between neighbours.
async fn seed(args: &Args) {
    use hireme::config::Config;
    use hireme::db::Database;
    use sqlx::AssertSqlSafe;

    let url = args
        .database_url
        .clone()
        .expect("seed needs --database-url");
    let config = Config::from_lookup(&|name| (name == "DATABASE_URL").then(|| url.clone()))
        .expect("valid URL");
    let db = Database::open(&config.database).expect("database options");
    if let Some(dir) = config.database.url.default_dir() {
        std::fs::create_dir_all(dir).unwrap();
    }
    db.migrate().await.expect("migrations");
    let pool = db.raw_pool();
    let hash = hireme::auth::password::Hasher::new(&config.auth)
        .hash(SEED_PASSWORD)
        .await
        .expect("hash");
    let now = hireme::domain::time::now_ms();
    let started = Instant::now();

    // Rows go in batches of multi-row INSERTs; the placeholders are generated, the values bound.
    async fn insert_rows(pool: &sqlx::AnyPool, head: &str, width: usize, rows: Vec<Vec<Value>>) {
        for chunk in rows.chunks(500) {
            let mut sql = format!("{head} VALUES ");
            let mut n = 0;
            for (i, _) in chunk.iter().enumerate() {
                if i > 0 {
                    sql.push(',');
                }
                let marks: Vec<String> = (0..width)
                    .map(|_| {
                        n += 1;
                        format!("${n}")
                    })
                    .collect();
                sql.push_str(&format!("({})", marks.join(",")));
            }
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for row in chunk {
                for v in row {
                    q = match v {
                        Value::Number(n) => q.bind(n.as_i64().unwrap()),
                        Value::String(s) => q.bind(s.clone()),
                        Value::Null => q.bind(None::<String>),
                        other => q.bind(other.to_string()),
                    };
                }
            }
            q.execute(pool).await.expect("insert batch");
        }
    }

    let users: Vec<Vec<Value>> = (1..=args.users)
        .map(|i| {
            vec![
                json!(format!("bench-user-{i}@example.com")),
                json!(hash),
                json!(format!("Bench{i}")),
                json!("User"),
                json!(format!("bench_user_{i}")),
                json!("freelancer"),
                json!(now),
                json!(now),
            ]
        })
        .collect();
    insert_rows(pool, "INSERT INTO users (email, password_hash, first_name, last_name, username, user_type, created_at, updated_at)", 8, users).await;
    let first_id: i64 =
        sqlx::query_scalar("SELECT MIN(id) FROM users WHERE email LIKE 'bench-user-%'")
            .fetch_one(pool)
            .await
            .unwrap();
    let user = |n: i64| first_id + n.rem_euclid(args.users);

    let month = 30 * 24 * 3600 * 1000i64;
    let posts: Vec<Vec<Value>> = (0..args.posts)
        .map(|i| {
            let at = now - month + i * (month / args.posts.max(1));
            vec![
                json!(user(i * 7919)),
                json!(format!("Benchmark post number {i} about work in Nassau")),
                json!("text"),
                json!(at),
                json!(at),
            ]
        })
        .collect();
    insert_rows(
        pool,
        "INSERT INTO posts (user_id, content, post_type, created_at, updated_at)",
        5,
        posts,
    )
    .await;
    let first_post: i64 = sqlx::query_scalar("SELECT MIN(id) FROM posts")
        .fetch_one(pool)
        .await
        .unwrap();

    let mut likes = Vec::new();
    let mut comments = Vec::new();
    for i in 0..args.posts {
        for k in 0..2 {
            likes.push(vec![
                json!(first_post + i),
                json!(user(i * 31 + k * 17 + 1)),
                json!(now),
            ]);
        }
        comments.push(vec![
            json!(first_post + i),
            json!(user(i * 13 + 5)),
            json!("A comment"),
            json!(now),
        ]);
    }
    insert_rows(
        pool,
        "INSERT INTO post_likes (post_id, user_id, created_at)",
        3,
        likes,
    )
    .await;
    insert_rows(
        pool,
        "INSERT INTO comments (post_id, user_id, content, created_at)",
        4,
        comments,
    )
    .await;
    sqlx::query("UPDATE posts SET likes_count = 2, comments_count = 1")
        .execute(pool)
        .await
        .unwrap();

    let follows: Vec<Vec<Value>> = (0..args.users)
        .flat_map(|i| (1..=5).map(move |d| (i, d)))
        .map(|(i, d)| vec![json!(user(i)), json!(user(i + d)), json!(now)])
        .filter(|r| r[0] != r[1])
        .collect();
    insert_rows(
        pool,
        "INSERT INTO follows (follower_id, followed_id, created_at)",
        3,
        follows,
    )
    .await;

    // Jobs: titles, companies and skills drawn from small vocabularies, so searches for a word
    // match a realistic share of them.
    const TITLES: &[&str] = &[
        "Developer",
        "Accountant",
        "Chef",
        "Nurse",
        "Electrician",
        "Teacher",
        "Welder",
        "Designer",
        "Driver",
        "Manager",
        "Receptionist",
        "Plumber",
        "Analyst",
        "Mechanic",
        "Lifeguard",
    ];
    const LEVELS: &[&str] = &["Junior", "Senior", "Lead", "Assistant", "Head", "Trainee"];
    const SKILLS: &[&str] = &[
        "rust",
        "excel",
        "cooking",
        "first aid",
        "wiring",
        "driving",
        "design",
        "customer service",
        "welding",
        "sql",
        "sales",
        "carpentry",
        "marketing",
        "swimming",
    ];
    const PLACES: &[&str] = &[
        "Nassau",
        "Freeport",
        "Exuma",
        "Eleuthera",
        "Abaco",
        "Andros",
        "Bimini",
    ];
    for chunk_start in (0..args.jobs).step_by(50_000) {
        let rows: Vec<Vec<Value>> = (chunk_start..(chunk_start + 50_000).min(args.jobs))
            .map(|i| {
                let at = now - month + i * (month / args.jobs.max(1));
                let title = format!(
                    "{} {}",
                    LEVELS[(i % 6) as usize],
                    TITLES[(i / 6 % 15) as usize]
                );
                let skills = format!(
                    "{},{}",
                    SKILLS[(i % 14) as usize],
                    SKILLS[(i / 14 % 14) as usize]
                );
                vec![
                    json!(user(i)),
                    json!(title),
                    json!(format!("Company {}", i % 5000)),
                    json!(format!(
                        "We are hiring for role {i}. Work with a friendly team on the islands."
                    )),
                    json!("general"),
                    json!(if i % 3 == 0 { "part-time" } else { "full-time" }),
                    json!(PLACES[(i % 7) as usize]),
                    json!(i64::from(i % 4 == 0)),
                    json!(30_000 + (i % 50) * 1000),
                    json!(40_000 + (i % 50) * 1000),
                    json!(skills),
                    json!("active"),
                    json!(at),
                    json!(at),
                ]
            })
            .collect();
        insert_rows(pool, "INSERT INTO jobs (employer_id, title, company, description, category, job_type, location, \
            is_remote, salary_min, salary_max, skills, status, created_at, updated_at)", 14, rows).await;
    }
    // Fresh statistics, and on PostgreSQL the visibility map and hint bits that autovacuum
    // keeps on a long-running database (without them the first reads of every row write).
    let settle = if url.starts_with("postgres") {
        "VACUUM ANALYZE"
    } else {
        "ANALYZE"
    };
    sqlx::query(settle).execute(pool).await.unwrap();
    println!(
        "seeded {} users, {} posts, {} likes, {} comments, {} jobs in {:.1} s",
        args.users,
        args.posts,
        args.posts * 2,
        args.posts,
        args.jobs,
        started.elapsed().as_secs_f64()
    );
}

/// The feed as a signed-in seeded user sees it: the first page, 20 posts with counts and
/// `is_liked`, and a page deep in the history.
async fn feed(args: &Args, client: reqwest::Client) {
    let url = args.url.clone();
    let res = client
        .post(format!("{url}/api/auth/login"))
        .json(&json!({"email": "bench-user-1@example.com", "password": SEED_PASSWORD}))
        .send()
        .await
        .expect("server reachable");
    assert!(
        res.status().is_success(),
        "login failed (was the database seeded?)"
    );
    let token = res.json::<Value>().await.unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let check = client
        .get(format!("{url}/api/posts?limit=20"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    let body: Value = check.json().await.unwrap();
    assert_eq!(
        body["posts"].as_array().map(Vec::len),
        Some(20),
        "the feed has 20 posts"
    );

    println!(
        "scenario feed: {} workers for {} s each against {url}",
        args.concurrency, args.seconds
    );
    for (name, path) in [
        ("GET /api/posts (first page)", "/api/posts?limit=20"),
        (
            "GET /api/posts (skip 1000)",
            "/api/posts?limit=20&skip=1000",
        ),
    ] {
        let deadline = Instant::now() + Duration::from_secs(args.seconds);
        let started = Instant::now();
        let (url, token) = (url.clone(), token.clone());
        let mut samples = flood(client.clone(), args.concurrency, deadline, move |c| {
            c.get(format!("{url}{path}")).bearer_auth(&token)
        })
        .await;
        samples.report(name, started.elapsed());
    }
}

/// The job board: the first page, one job, searches and filters.
async fn jobs(args: &Args, client: reqwest::Client) {
    let url = args.url.clone();
    let first: Value = client
        .get(format!("{url}/api/jobs"))
        .send()
        .await
        .expect("server reachable")
        .json()
        .await
        .unwrap();
    let total = first["total"].as_i64().unwrap_or(0);
    assert!(total > 0, "no jobs (was the database seeded with --jobs?)");
    let some_id = first["jobs"][0]["id"].as_i64().unwrap();
    println!(
        "scenario jobs: {total} active jobs; {} workers for {} s each against {url}",
        args.concurrency, args.seconds
    );
    for (name, path) in [
        ("GET /api/jobs (first page)", "/api/jobs".to_owned()),
        ("GET /api/jobs/{id}", format!("/api/jobs/{some_id}")),
        ("search=welder", "/api/jobs?search=welder".to_owned()),
        (
            "search=senior+nurse",
            "/api/jobs?search=senior%20nurse".to_owned(),
        ),
        (
            "search+location+remote",
            "/api/jobs?search=developer&location=nassau&is_remote=true".to_owned(),
        ),
        (
            "search=weldr (no match)",
            "/api/jobs?search=weldr".to_owned(),
        ),
        ("location=nassau", "/api/jobs?location=nassau".to_owned()),
        (
            "location=inagua (none)",
            "/api/jobs?location=inagua".to_owned(),
        ),
        (
            "job_type+remote",
            "/api/jobs?job_type=part-time&is_remote=true".to_owned(),
        ),
        ("salary_min=75000", "/api/jobs?salary_min=75000".to_owned()),
        (
            "salary_min=1000000 (none)",
            "/api/jobs?salary_min=1000000".to_owned(),
        ),
    ] {
        let deadline = Instant::now() + Duration::from_secs(args.seconds);
        let started = Instant::now();
        let url = url.clone();
        let mut samples = flood(client.clone(), args.concurrency, deadline, move |c| {
            c.get(format!("{url}{path}"))
        })
        .await;
        samples.report(name, started.elapsed());
    }
}

#[tokio::main]
async fn main() {
    let args = args();
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(256)
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    match args.scenario.as_str() {
        "auth" => auth(&args, client).await,
        "seed" => seed(&args).await,
        "feed" => feed(&args, client).await,
        "jobs" => jobs(&args, client).await,
        other => {
            eprintln!("unknown scenario `{other}`; available: auth, seed, feed, jobs");
            std::process::exit(2);
        }
    }
}
