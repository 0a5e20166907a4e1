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

/// Runs `f` rendering upload URLs relative (`/api/uploads/…`): for what is stored or sent to
/// someone other than the requester, who must not receive the requester's `Host`.
pub fn with_relative_urls<R>(f: impl FnOnce() -> R) -> R {
    let ctx = RequestContext {
        request_id: current().map(|c| c.request_id).unwrap_or_default(),
        expose_debug: false,
        base_url: String::new(),
    };
    CURRENT.sync_scope(ctx, f)
}

/// `PUBLIC_BASE_URL`, or `http://` and the request's `Host` when it is a plain host name.
pub fn base_url(
    public_base_url: Option<&str>,
    headers: &axum::http::HeaderMap,
    uri: &axum::http::Uri,
) -> String {
    if let Some(base) = public_base_url {
        return base.to_owned();
    }
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
        })
        .or_else(|| uri.authority().map(|a| a.as_str()))
        .unwrap_or("localhost");
    format!("http://{host}")
}
