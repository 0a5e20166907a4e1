//! OpenTelemetry: with an OTLP endpoint configured, the real binary exports each request's span
//! to it, continuing the caller's trace from `traceparent`. The collector here is a plain
//! HTTP listener that keeps what it is sent.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::support::{Server, eventually};

/// What the collector was sent: path, content type, body.
type Received = Arc<Mutex<Vec<(String, String, Vec<u8>)>>>;

/// Accepts OTLP/HTTP posts and keeps their paths, content types and bodies.
fn collector() -> (String, Received) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let received = Arc::new(Mutex::new(Vec::new()));
    let keep = received.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(stream);
            let mut request_line = String::new();
            if reader.read_line(&mut request_line).is_err() {
                continue;
            }
            let (mut length, mut content_type) = (0usize, String::new());
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                let lower = line.to_ascii_lowercase();
                if let Some(v) = lower.strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap_or(0);
                }
                if let Some(v) = lower.strip_prefix("content-type:") {
                    content_type = v.trim().to_owned();
                }
            }
            let mut body = vec![0; length];
            let _ = reader.read_exact(&mut body);
            let path = request_line
                .split(' ')
                .nth(1)
                .unwrap_or_default()
                .to_owned();
            keep.lock().unwrap().push((path, content_type, body));
            let _ = reader.get_mut().write_all(
                b"HTTP/1.1 200 OK\r\ncontent-type: application/x-protobuf\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
            );
        }
    });
    (url, received)
}

fn find(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn request_spans_reach_the_collector_in_the_callers_trace() {
    let (url, received) = collector();
    let dir = tempfile::tempdir().unwrap();
    let server = Server::serve(
        dir.path(),
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", url.as_str()),
            ("OTEL_SERVICE_NAME", "hireme-under-test"),
            ("OTEL_BSP_SCHEDULE_DELAY", "100"),
        ],
    );
    let trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";
    let parent = format!("00-{trace_id}-00f067aa0ba902b7-01");
    let res = server.http("GET", "/api/health", &[("traceparent", parent.as_str())]);
    assert_eq!(res.status, 200);

    let id_bytes: Vec<u8> = (0..16)
        .map(|i| u8::from_str_radix(&trace_id[2 * i..2 * i + 2], 16).unwrap())
        .collect();
    let arrived = eventually(Duration::from_secs(15), || {
        received.lock().unwrap().iter().any(|(path, kind, body)| {
            path == "/v1/traces"
                && kind == "application/x-protobuf"
                && find(body, b"hireme-under-test")
                && find(body, b"/api/health")
                && find(body, &id_bytes)
        })
    });
    assert!(
        arrived,
        "no span of the request in its caller's trace reached the collector; got {} posts\n{}",
        received.lock().unwrap().len(),
        server.output()
    );
}

#[test]
fn a_collector_url_that_is_not_http_is_a_configuration_error() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::start(
        dir.path(),
        &["check-config"],
        &[("OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4318")],
    );
    assert_eq!(
        server.wait(Duration::from_secs(10)),
        Some(2),
        "{}",
        server.output()
    );
    assert!(server.output().contains("OTEL_EXPORTER_OTLP_ENDPOINT"));
}
