//! The client's address: the socket peer, unless that peer is a trusted proxy, in which case
//! the nearest untrusted hop of `X-Forwarded-For`. Under Lambda there is no socket; the address
//! comes from the API Gateway request context (or from the load balancer's header).

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::{ConnectInfo, FromRequestParts, OptionalFromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::Response;
use ipnet::IpNet;
use lambda_http::request::RequestContext;

use crate::error::AppError;

/// Where a request came from, as far as we can honestly tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub IpAddr);

#[derive(Clone)]
pub struct Resolver {
    trusted: Arc<[IpNet]>,
}

impl Resolver {
    pub fn new(trusted: Vec<IpNet>) -> Self {
        Self {
            trusted: trusted.into(),
        }
    }

    fn is_trusted(&self, ip: IpAddr) -> bool {
        self.trusted.iter().any(|net| net.contains(&ip))
    }

    /// Walks `X-Forwarded-For` from the right: every hop we trust may have appended the one
    /// before it; the first hop we do not trust is the client.
    fn through_proxies(&self, peer: IpAddr, forwarded: Option<&str>) -> IpAddr {
        let mut client = peer;
        if !self.is_trusted(peer) {
            return client;
        }
        let hops = forwarded.unwrap_or_default().rsplit(',').map(str::trim);
        for hop in hops {
            match hop.parse::<IpAddr>() {
                Ok(ip) => {
                    client = ip;
                    if !self.is_trusted(ip) {
                        break;
                    }
                }
                Err(_) => break,
            }
        }
        client
    }

    fn resolve(&self, request: &Request) -> Option<IpAddr> {
        let forwarded = request
            .headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok());
        if let Some(ConnectInfo(peer)) = request.extensions().get::<ConnectInfo<SocketAddr>>() {
            return Some(self.through_proxies(peer.ip(), forwarded));
        }
        match request.extensions().get::<RequestContext>()? {
            RequestContext::ApiGatewayV2(ctx) => ctx.http.source_ip.as_deref()?.parse().ok(),
            RequestContext::ApiGatewayV1(ctx) => ctx.identity.source_ip.as_deref()?.parse().ok(),
            // The load balancer appends the address it saw as the last hop.
            RequestContext::Alb(_) => forwarded?.rsplit(',').next()?.trim().parse().ok(),
            _ => None,
        }
    }
}

pub async fn resolve(
    State(resolver): State<Resolver>,
    mut request: Request,
    next: Next,
) -> Response {
    if let Some(ip) = resolver.resolve(&request) {
        request.extensions_mut().insert(ClientAddr(ip));
    }
    next.run(request).await
}

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<ClientAddr>()
            .copied()
            .ok_or_else(|| AppError::internal(anyhow::anyhow!("client address unknown")))
    }
}

impl<S: Send + Sync> OptionalFromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Option<Self>, Self::Rejection> {
        Ok(parts.extensions.get::<ClientAddr>().copied())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_forwards() {
        let r = Resolver::new(vec!["10.0.0.0/8".parse().unwrap()]);
        assert_eq!(
            r.through_proxies(ip("203.0.113.9"), Some("1.2.3.4")),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn a_trusted_proxy_is_looked_through_to_the_first_untrusted_hop() {
        let r = Resolver::new(vec!["10.0.0.0/8".parse().unwrap()]);
        assert_eq!(
            r.through_proxies(ip("10.0.0.2"), Some("6.6.6.6, 198.51.100.7, 10.0.0.1")),
            ip("198.51.100.7")
        );
        assert_eq!(r.through_proxies(ip("10.0.0.2"), None), ip("10.0.0.2"));
        assert_eq!(
            r.through_proxies(ip("10.0.0.2"), Some("garbage")),
            ip("10.0.0.2")
        );
    }
}
