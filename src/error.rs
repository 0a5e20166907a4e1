//! The one application error and the JSON envelope every failure is answered with.
//!
//! What the client reads is fixed text chosen here; the cause of a 5xx goes to the log once,
//! inside the request's span, and (in development only) into a `debug` object.

use std::fmt;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::http::context;

/// A field that failed validation.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

/// The body of every error response.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorEnvelope {
    /// A human sentence, always a string.
    pub detail: String,
    /// The same sentence as `detail`.
    pub message: String,
    /// A stable `UPPER_SNAKE` code.
    pub error_code: String,
    pub request_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FieldError>>,
    /// Development only: the type and text of an internal failure.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub debug: Option<serde_json::Value>,
}

pub type AppResult<T> = Result<T, AppError>;

/// Everything a request can fail with.
pub struct AppError {
    status: StatusCode,
    code: &'static str,
    message: String,
    errors: Vec<FieldError>,
    retry_after: Option<u64>,
    source: Option<anyhow::Error>,
    /// Set when the cause was already logged where it happened (a panic, by the hook).
    logged: bool,
}

impl AppError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            errors: Vec::new(),
            retry_after: None,
            source: None,
            logged: false,
        }
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    pub fn unauthorized(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, code, message)
    }

    pub fn forbidden(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, code, message)
    }

    pub fn not_found(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, code, message)
    }

    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, message)
    }

    pub fn payload_too_large(message: impl Into<String>) -> Self {
        Self::new(StatusCode::PAYLOAD_TOO_LARGE, "PAYLOAD_TOO_LARGE", message)
    }

    pub fn unsupported_media_type(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UNSUPPORTED_MEDIA_TYPE",
            message,
        )
    }

    /// 422 naming every bad field; `detail` names the first.
    pub fn validation(errors: Vec<FieldError>) -> Self {
        let message = match errors.first() {
            Some(first) => format!("{}: {}", first.field, first.message),
            None => "Invalid request".to_owned(),
        };
        Self {
            errors,
            ..Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "VALIDATION_ERROR",
                message,
            )
        }
    }

    pub fn invalid_field(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::validation(vec![FieldError {
            field: field.into(),
            message: message.into(),
        }])
    }

    pub fn rate_limited(retry_after_secs: u64) -> Self {
        Self {
            retry_after: Some(retry_after_secs.max(1)),
            ..Self::new(
                StatusCode::TOO_MANY_REQUESTS,
                "RATE_LIMITED",
                "Too many requests; try again later",
            )
        }
    }

    /// The database (or another dependency) cannot be reached right now.
    pub fn unavailable() -> Self {
        Self {
            retry_after: Some(5),
            ..Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "SERVICE_UNAVAILABLE",
                "The service is temporarily unavailable; try again shortly",
            )
        }
    }

    pub fn timeout() -> Self {
        Self::new(
            StatusCode::GATEWAY_TIMEOUT,
            "TIMEOUT",
            "The request took too long and was stopped",
        )
    }

    /// An unexpected failure. The cause is logged, never shown in production.
    pub fn internal(source: impl Into<anyhow::Error>) -> Self {
        Self {
            source: Some(source.into()),
            ..Self::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "INTERNAL_ERROR",
                "Internal server error",
            )
        }
    }

    /// A handler panicked; the panic hook has logged it already.
    pub fn panicked(message: String) -> Self {
        Self {
            logged: true,
            ..Self::internal(anyhow::anyhow!("handler panicked: {message}"))
        }
    }

    /// Attaches a cause that is logged (and shown only in development).
    pub fn with_source(mut self, source: impl Into<anyhow::Error>) -> Self {
        self.source = Some(source.into());
        self
    }

    /// Names the fields a refusal is about.
    pub fn set_errors(&mut self, errors: Vec<FieldError>) {
        self.errors = errors;
    }

    pub fn status(&self) -> StatusCode {
        self.status
    }

    pub fn code(&self) -> &'static str {
        self.code
    }

    pub fn message(&self) -> &str {
        &self.message
    }

    /// The envelope for a bare status produced outside any handler (a 405 from the router,
    /// for instance).
    pub fn from_status(status: StatusCode) -> Self {
        match status {
            StatusCode::NOT_FOUND => Self::not_found("NOT_FOUND", "Not found"),
            StatusCode::METHOD_NOT_ALLOWED => Self::new(
                status,
                "METHOD_NOT_ALLOWED",
                "This method is not allowed on this path",
            ),
            StatusCode::PAYLOAD_TOO_LARGE => {
                Self::payload_too_large("The request body is too large")
            }
            StatusCode::UNSUPPORTED_MEDIA_TYPE => {
                Self::unsupported_media_type("Unsupported content type")
            }
            StatusCode::REQUEST_TIMEOUT | StatusCode::GATEWAY_TIMEOUT => Self::timeout(),
            StatusCode::SERVICE_UNAVAILABLE => Self::unavailable(),
            StatusCode::TOO_MANY_REQUESTS => Self::rate_limited(1),
            s if s.is_server_error() => Self::new(s, "INTERNAL_ERROR", "Internal server error"),
            s => Self::new(
                s,
                "BAD_REQUEST",
                s.canonical_reason().unwrap_or("Bad request"),
            ),
        }
    }
}

impl fmt::Debug for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AppError")
            .field("status", &self.status)
            .field("code", &self.code)
            .field("message", &self.message)
            .field("source", &self.source)
            .finish()
    }
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.status.as_u16(),
            self.code,
            self.message
        )
    }
}

impl AppError {
    /// Logs the cause (once: a panic was logged by the hook) and builds the envelope. The
    /// cause's text goes into `debug` only when `expose_debug` and the failure is internal.
    pub fn into_envelope(&self, request_id: Option<String>, expose_debug: bool) -> ErrorEnvelope {
        if let (Some(source), false) = (&self.source, self.logged) {
            if self.status.is_server_error() {
                tracing::error!(error_code = self.code, error = ?source, "request failed");
            } else {
                tracing::debug!(error_code = self.code, error = ?source, "request refused");
            }
        }
        let debug = match &self.source {
            Some(source) if expose_debug && self.status.is_server_error() => Some(
                serde_json::json!({"type": root_type(source), "message": format!("{source:#}")}),
            ),
            _ => None,
        };
        ErrorEnvelope {
            detail: self.message.clone(),
            message: self.message.clone(),
            error_code: self.code.to_owned(),
            request_id,
            errors: (!self.errors.is_empty()).then(|| self.errors.clone()),
            debug,
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let ctx = context::current();
        let expose_debug = ctx.as_ref().is_some_and(|c| c.expose_debug);
        let body = self.into_envelope(ctx.map(|c| c.request_id), expose_debug);
        let mut response = (self.status, axum::Json(body)).into_response();
        let headers = response.headers_mut();
        if let Some(secs) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        if self.status == StatusCode::UNAUTHORIZED {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response.extensions_mut().insert(Enveloped);
        response
    }
}

/// Marks a response whose body is already an error envelope.
#[derive(Clone, Copy, Debug)]
pub struct Enveloped;

fn root_type(err: &anyhow::Error) -> String {
    let root = err.root_cause();
    if err.to_string().starts_with("handler panicked") {
        "panic".to_owned()
    } else if err.chain().any(|e| e.is::<sqlx::Error>()) {
        "database".to_owned()
    } else if root.is::<std::io::Error>() {
        "io".to_owned()
    } else {
        "internal".to_owned()
    }
}

/// Connection-level failures are an outage (503); a missing row is a 404; the rest are 500s.
impl From<sqlx::Error> for AppError {
    fn from(err: sqlx::Error) -> Self {
        match &err {
            sqlx::Error::RowNotFound => Self::not_found("NOT_FOUND", "Not found"),
            sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::WorkerCrashed => Self::unavailable().with_source(err),
            sqlx::Error::Database(db) if db.code().as_deref() == Some("57014") => {
                // PostgreSQL cancelled the statement at its statement_timeout.
                Self::timeout().with_source(err)
            }
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                Self::conflict("CONFLICT", "This already exists").with_source(err)
            }
            _ => Self::internal(err),
        }
    }
}
