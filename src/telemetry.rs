//! Logging and tracing. Logs: JSON lines in production, compact text elsewhere, filtered by
//! `RUST_LOG`. Traces: when an OTLP collector is configured, every span (each request's, with
//! its id, route and client) is also exported over OTLP/HTTP, continuing the caller's trace
//! when the request carries a W3C `traceparent` header.

use std::io::IsTerminal;
use std::sync::OnceLock;

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::{Protocol, WithExportConfig};
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::Layer;
use tracing_subscriber::fmt::format::FmtSpan;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

use crate::config::{LogFormat, TracesConfig};

/// The filter when `RUST_LOG` is unset: our own events and the HTTP stack's warnings.
const DEFAULT_FILTER: &str = "info";

static PROVIDER: OnceLock<SdkTracerProvider> = OnceLock::new();

/// Installs the global subscriber. A second call (tests, the Lambda entry after a failed
/// start) keeps the first subscriber instead of panicking.
pub fn init(format: LogFormat, traces: Option<&TracesConfig>) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    let logs = match format {
        LogFormat::Json => tracing_subscriber::fmt::layer()
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .flatten_event(true)
            .with_span_events(FmtSpan::NONE)
            .with_target(true)
            .boxed(),
        LogFormat::Text => tracing_subscriber::fmt::layer()
            .compact()
            .with_ansi(std::io::stdout().is_terminal())
            .with_span_events(FmtSpan::NONE)
            .with_target(true)
            .boxed(),
    };
    let (otel, problem) = match traces.map(exporter) {
        Some(Ok(provider)) => {
            let tracer = provider.tracer("hireme");
            let _ = PROVIDER.set(provider);
            opentelemetry::global::set_text_map_propagator(
                opentelemetry_sdk::propagation::TraceContextPropagator::new(),
            );
            (
                Some(tracing_opentelemetry::layer().with_tracer(tracer)),
                None,
            )
        }
        Some(Err(e)) => (None, Some(e)),
        None => (None, None),
    };
    let _ = tracing_subscriber::registry()
        .with(filter)
        .with(logs)
        .with(otel)
        .try_init();
    if let Some(e) = problem {
        tracing::error!(error = %e, "traces cannot be exported; serving without them");
    }
    crate::http::middleware::install_panic_hook();
}

fn exporter(config: &TracesConfig) -> Result<SdkTracerProvider, String> {
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_protocol(Protocol::HttpBinary)
        .with_endpoint(config.endpoint.clone())
        .build()
        .map_err(|e| e.to_string())?;
    let resource = opentelemetry_sdk::Resource::builder()
        .with_service_name(config.service_name.clone())
        .build();
    Ok(SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .with_resource(resource)
        .build())
}

/// Sends the spans still buffered, waiting for the collector. A Lambda function is frozen
/// between invocations, so it flushes after each one. Call it on a multi-threaded runtime.
pub fn flush() {
    if let Some(provider) = PROVIDER.get()
        && let Err(e) = tokio::task::block_in_place(|| provider.force_flush())
    {
        tracing::warn!(error = %e, "could not flush traces");
    }
}

/// Flushes and stops the exporter at process exit.
pub fn shutdown() {
    if let Some(provider) = PROVIDER.get() {
        let _ = provider.shutdown();
    }
}

/// Makes `span` a child of the trace named by the request's `traceparent`, if any.
pub fn continue_trace(span: &tracing::Span, headers: &axum::http::HeaderMap) {
    use tracing_opentelemetry::OpenTelemetrySpanExt;
    if PROVIDER.get().is_none() || !headers.contains_key("traceparent") {
        return;
    }
    struct Headers<'a>(&'a axum::http::HeaderMap);
    impl opentelemetry::propagation::Extractor for Headers<'_> {
        fn get(&self, key: &str) -> Option<&str> {
            self.0.get(key).and_then(|v| v.to_str().ok())
        }
        fn keys(&self) -> Vec<&str> {
            self.0.keys().map(|k| k.as_str()).collect()
        }
    }
    let parent = opentelemetry::global::get_text_map_propagator(|p| p.extract(&Headers(headers)));
    let _ = span.set_parent(parent);
}
