//! The stack every request passes through, outermost first: client address, security
//! headers, request tracking (id, span, access log, error envelope), CORS, Socket.IO (when
//! served), time limit, panic catcher. `apply` is the one place that orders them.

mod client_addr;
mod cors;
mod panic;
mod security_headers;
mod timeout;
mod track;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware::from_fn_with_state;
use socketioxide::layer::SocketIoLayer;
use tower_http::catch_panic::CatchPanicLayer;

pub use client_addr::ClientAddr;

use crate::state::AppState;

pub fn apply(router: Router, state: &AppState, sockets: Option<SocketIoLayer>) -> Router {
    let config = &state.config;
    let router = router
        .layer(CatchPanicLayer::custom(panic::respond))
        .layer(from_fn_with_state(config.request_timeout, timeout::limit));
    // Socket.IO requests are long-lived (polling waits up to the ping interval; a WebSocket
    // lives for hours), so they pass outside the time limit, but inside CORS: the polling
    // transport is a cross-origin XHR.
    let router = match sockets {
        Some(layer) => router.layer(layer),
        None => router,
    };
    router
        .layer(cors::layer(&config.allowed_origins))
        .layer(DefaultBodyLimit::max(config.body_limit))
        .layer(from_fn_with_state(
            track::Settings {
                expose_debug: config.environment == crate::config::Environment::Development,
                public_base_url: config.public_base_url.clone(),
            },
            track::track,
        ))
        .layer(from_fn_with_state(
            security_headers::Settings {
                hsts: config.environment.is_production(),
            },
            security_headers::add,
        ))
        .layer(from_fn_with_state(
            client_addr::Resolver::new(config.trusted_proxies.clone()),
            client_addr::resolve,
        ))
}

pub use panic::install_hook as install_panic_hook;
