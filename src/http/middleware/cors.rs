//! CORS from `ALLOWED_ORIGINS`. An explicit list allows credentials and matches `Origin`
//! exactly; `*` allows any origin and therefore never credentials (browsers forbid the mix,
//! and tower-http would panic on it).

use std::time::Duration;

use axum::http::{HeaderName, HeaderValue, Method, header};
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::config::AllowedOrigins;

pub fn layer(origins: &AllowedOrigins) -> CorsLayer {
    let base = CorsLayer::new()
        .allow_methods([
            Method::GET,
            Method::HEAD,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
            Method::OPTIONS,
        ])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::ACCEPT,
            HeaderName::from_static("x-request-id"),
        ])
        .expose_headers([HeaderName::from_static("x-request-id"), header::RETRY_AFTER])
        .max_age(Duration::from_secs(600));
    match origins {
        AllowedOrigins::Any => base.allow_origin(AllowOrigin::any()),
        AllowedOrigins::List(list) => {
            let values: Vec<HeaderValue> = list
                .iter()
                .filter_map(|o| HeaderValue::from_str(o).ok())
                .collect();
            base.allow_origin(AllowOrigin::list(values))
                .allow_credentials(true)
        }
    }
}
