//! A panicking handler becomes a 500 envelope and the process carries on. The panic is logged
//! once, by the hook, inside the request's span so the line carries the request id.

use std::any::Any;

use axum::response::{IntoResponse, Response};

use crate::error::AppError;

pub fn respond(payload: Box<dyn Any + Send + 'static>) -> Response {
    AppError::panicked(panic_message(payload.as_ref())).into_response()
}

fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "panic with a non-text payload".to_owned()
    }
}

/// Routes panics to the log instead of raw standard error, so they are structured, carry the
/// request id, and are written exactly once.
pub fn install_hook() {
    std::panic::set_hook(Box::new(|info| {
        let message = panic_message(info.payload());
        let location = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()))
            .unwrap_or_default();
        tracing::error!(panic.message = %message, panic.location = %location, "panic");
    }));
}
