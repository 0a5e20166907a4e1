//! Request id, the request's tracing span, the access-log line, and the guarantee that every
//! error response leaves in the JSON envelope.

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tracing::Instrument;

use super::ClientAddr;
use crate::error::{AppError, Enveloped};
use crate::http::context::{self, RequestContext};

pub static X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

#[derive(Clone)]
pub struct Settings {
    pub expose_debug: bool,
    pub public_base_url: Option<String>,
}

/// An incoming id is kept when it is short and plain; anything else could smuggle text into
/// logs, so a fresh one replaces it.
fn incoming_id(value: &HeaderValue) -> Option<String> {
    let s = value.to_str().ok()?;
    let sane = !s.is_empty()
        && s.len() <= 128
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'));
    sane.then(|| s.to_owned())
}

pub async fn track(State(settings): State<Settings>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let request_id = request
        .headers()
        .get(&X_REQUEST_ID)
        .and_then(incoming_id)
        .unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string());
    let method = request.method().clone();
    // The matched route, never the raw path: raw paths can hold ids and personal data.
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| {
            if request.uri().path().starts_with("/socket.io/") {
                "/socket.io".to_owned()
            } else {
                "(unmatched)".to_owned()
            }
        });
    let client = request
        .extensions()
        .get::<ClientAddr>()
        .map(|c| c.0.to_string())
        .unwrap_or_default();
    let span = tracing::info_span!(
        "request",
        request_id = %request_id,
        method = %method,
        route = %route,
        client = %client,
    );
    crate::telemetry::continue_trace(&span, request.headers());
    let (method_name, route_name) = (method.to_string(), route.clone());
    let ctx = RequestContext {
        request_id: request_id.clone(),
        expose_debug: settings.expose_debug,
        base_url: context::base_url(
            settings.public_base_url.as_deref(),
            request.headers(),
            request.uri(),
        ),
    };

    let mut response = context::scope(
        ctx,
        async move {
            let response = next.run(request).await;
            let status = response.status();
            let response =
                if status.as_u16() >= 400 && response.extensions().get::<Enveloped>().is_none() {
                    envelope_for(response)
                } else {
                    response
                };
            let status = response.status().as_u16();
            let elapsed = started.elapsed().as_secs_f64();
            crate::metrics::record_request(method_name.as_str(), &route_name, status, elapsed);
            let latency_ms = elapsed * 1000.0;
            if status >= 500 {
                tracing::warn!(status, latency_ms, "request finished");
            } else {
                tracing::info!(status, latency_ms, "request finished");
            }
            response
        }
        .instrument(span),
    )
    .await;

    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert(X_REQUEST_ID.clone(), value);
    }
    response
}

/// Rewrites an error produced outside our handlers (the router's 405, a layer's 413) into the
/// envelope, keeping the headers that matter to clients.
fn envelope_for(original: Response) -> Response {
    let status = original.status();
    let mut response = AppError::from_status(status).into_response();
    for name in [header::ALLOW, header::RETRY_AFTER, header::WWW_AUTHENTICATE] {
        if let Some(v) = original.headers().get(&name) {
            response.headers_mut().insert(name, v.clone());
        }
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_request_ids_are_kept_and_odd_ones_refused() {
        let ok = HeaderValue::from_static("3f2c-abc_1.2:x");
        assert_eq!(incoming_id(&ok).as_deref(), Some("3f2c-abc_1.2:x"));
        for bad in ["", "has space", "new\tline", "quote\"", "<script>"] {
            if let Ok(v) = HeaderValue::from_str(bad) {
                assert_eq!(incoming_id(&v), None, "{bad}");
            }
        }
        let long = HeaderValue::from_str(&"a".repeat(129)).unwrap();
        assert_eq!(incoming_id(&long), None);
    }
}
