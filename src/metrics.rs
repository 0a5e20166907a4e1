//! Prometheus metrics: one recorder for the process, requests counted and timed by matched
//! route, and the database's availability. Served at `/metrics`.

use std::sync::OnceLock;

use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// Request latency buckets, in seconds.
const BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The process's recorder, installed on first use. `None` if another recorder was installed
/// first (metrics then go there, and `/metrics` says so).
pub fn handle() -> Option<&'static PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new().set_buckets(BUCKETS).ok()?;
            let recorder = builder.build_recorder();
            let handle = recorder.handle();
            metrics::set_global_recorder(recorder).ok()?;
            Some(handle)
        })
        .as_ref()
}

/// Counts and times one finished request.
pub fn record_request(method: &str, route: &str, status: u16, seconds: f64) {
    let labels = [
        ("method", method.to_owned()),
        ("route", route.to_owned()),
        ("status", status.to_string()),
    ];
    metrics::counter!("http_requests_total", &labels).increment(1);
    metrics::histogram!(
        "http_request_duration_seconds",
        &[("method", method.to_owned()), ("route", route.to_owned())]
    )
    .record(seconds);
}

/// 1 while the database answers, 0 while it does not.
pub fn record_database(available: bool) {
    metrics::gauge!("database_available").set(if available { 1.0 } else { 0.0 });
}

/// A live socket opened (`1.0`) or closed (`-1.0`).
pub fn record_socket(change: f64) {
    metrics::gauge!("live_sockets").increment(change);
}

/// A live event handed to this instance's sockets, by event name.
pub fn record_live_event(name: &str) {
    metrics::counter!("live_events_total", "event" => name.to_owned()).increment(1);
}
