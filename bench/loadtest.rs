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
}

fn args() -> Args {
    let mut args = Args {
        scenario: String::new(),
        url: "http://127.0.0.1:8080".to_owned(),
        concurrency: 32,
        seconds: 20,
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
        other => {
            eprintln!("unknown scenario `{other}`; available: auth");
            std::process::exit(2);
        }
    }
}
