//! Logging: JSON lines in production, compact text elsewhere, filtered by `RUST_LOG`.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::format::FmtSpan;

use crate::config::LogFormat;

/// The filter when `RUST_LOG` is unset: our own events and the HTTP stack's warnings.
const DEFAULT_FILTER: &str = "info";

/// Installs the global subscriber. A second call (tests, the Lambda entry after a failed
/// start) keeps the first subscriber instead of panicking.
pub fn init(format: LogFormat) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_span_events(FmtSpan::NONE)
        .with_target(true);
    let _ = match format {
        LogFormat::Json => builder
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .flatten_event(true)
            .try_init(),
        LogFormat::Text => builder
            .compact()
            .with_ansi(std::io::stdout().is_terminal())
            .try_init(),
    };
    crate::http::middleware::install_panic_hook();
}
