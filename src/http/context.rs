//! Per-request facts that code deep inside a request (the error envelope, the panic handler)
//! needs without having the request at hand.

tokio::task_local! {
    static CURRENT: RequestContext;
}

#[derive(Debug, Clone)]
pub struct RequestContext {
    pub request_id: String,
    /// Whether 5xx bodies may carry a `debug` object (development only).
    pub expose_debug: bool,
    /// The public origin for absolute file URLs in this response: `PUBLIC_BASE_URL`, or the
    /// request's own host. Only ever applied when rendering, never stored, so a forged `Host`
    /// changes nothing but the forger's own response.
    pub base_url: String,
}

/// The context of the request being served on this task, if any.
pub fn current() -> Option<RequestContext> {
    CURRENT.try_with(Clone::clone).ok()
}

/// Runs `fut` with `ctx` as the current request context.
pub async fn scope<F: Future>(ctx: RequestContext, fut: F) -> F::Output {
    CURRENT.scope(ctx, fut).await
}

/// A stored upload path (`/api/uploads/…`) as an absolute URL for the current response; any
/// other URL unchanged.
pub fn absolute(url: &str) -> String {
    match current() {
        Some(ctx) if url.starts_with("/api/uploads/") => format!("{}{url}", ctx.base_url),
        _ => url.to_owned(),
    }
}
