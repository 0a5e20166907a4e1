//! Headers that keep browsers from sniffing, framing or caching what we send. A route that
//! needs different values (the documentation page, uploaded files) sets its own, and those
//! are left alone.

use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

pub const JSON_CSP: &str = "default-src 'none'; frame-ancestors 'none'";

#[derive(Clone, Copy)]
pub struct Settings {
    /// HSTS only in production, where TLS is terminated in front of us; in development it
    /// would pin localhost to https.
    pub hsts: bool,
}

pub async fn add(State(settings): State<Settings>, request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let mut set = |name, value: &'static str| {
        headers
            .entry(name)
            .or_insert_with(|| HeaderValue::from_static(value));
    };
    set(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(header::X_FRAME_OPTIONS, "DENY");
    set(header::CONTENT_SECURITY_POLICY, JSON_CSP);
    set(header::REFERRER_POLICY, "no-referrer");
    // Most answers depend on who asks; routes with public, cacheable content say so themselves.
    set(header::CACHE_CONTROL, "no-store");
    if settings.hsts {
        set(
            header::STRICT_TRANSPORT_SECURITY,
            "max-age=31536000; includeSubDomains",
        );
    }
    response
}
