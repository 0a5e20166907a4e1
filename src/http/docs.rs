//! The OpenAPI document and a page that renders it with nothing fetched from elsewhere: the
//! script and style are inline, allowed by a per-response nonce.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};
use rand::RngCore;

/// The document, serialised once when the router is built.
#[derive(Clone)]
pub struct OpenApiJson(pub Arc<String>);

/// The OpenAPI document of this API.
#[utoipa::path(get, path = "/api/openapi.json", tag = "operations",
    responses((status = 200, description = "OpenAPI 3.1 document", content_type = "application/json")))]
pub async fn openapi_json(State(doc): State<OpenApiJson>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        doc.0.as_str().to_owned(),
    )
        .into_response()
}

/// A page that renders the OpenAPI document.
#[utoipa::path(get, path = "/api/docs", tag = "operations",
    responses((status = 200, description = "HTML page", content_type = "text/html")))]
pub async fn docs_page() -> Response {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    let nonce: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let csp = format!(
        "default-src 'none'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; \
         connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'"
    );
    let page = PAGE.replace("{{nonce}}", &nonce);
    let mut response = Html(page).into_response();
    if let Ok(value) = HeaderValue::from_str(&csp) {
        response
            .headers_mut()
            .insert(header::CONTENT_SECURITY_POLICY, value);
    }
    response
}

const PAGE: &str = include_str!("docs.html");
