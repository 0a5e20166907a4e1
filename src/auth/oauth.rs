//! Sign in with Google and Apple: an ID token is accepted only when its signature matches one of
//! the provider's published keys and its issuer, audience and expiry are right. Keys are cached
//! and fetched again when a token names a key id we have not seen (providers rotate keys).

use std::time::{Duration, Instant};

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use tokio::sync::RwLock;

use crate::config::OAuthProvider;
use crate::error::AppError;

const KEYS_TTL: Duration = Duration::from_secs(3600);
/// However many unknown key ids arrive, the provider is asked at most this often.
const REFETCH_MIN_INTERVAL: Duration = Duration::from_secs(1);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProviderKind {
    Google,
    Apple,
}

impl ProviderKind {
    pub fn name(self) -> &'static str {
        match self {
            Self::Google => "Google",
            Self::Apple => "Apple",
        }
    }

    fn issuers(self) -> &'static [&'static str] {
        match self {
            Self::Google => &["https://accounts.google.com", "accounts.google.com"],
            Self::Apple => &["https://appleid.apple.com"],
        }
    }
}

/// What we take from a verified ID token.
#[derive(Debug, Clone)]
pub struct Identity {
    pub subject: String,
    pub email: Option<String>,
    pub email_verified: bool,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
}

#[derive(Deserialize)]
struct IdClaims {
    sub: String,
    email: Option<String>,
    /// Google sends a boolean, Apple a boolean or the string "true".
    email_verified: Option<serde_json::Value>,
    given_name: Option<String>,
    family_name: Option<String>,
    name: Option<String>,
}

pub struct Verifier {
    kind: ProviderKind,
    provider: Option<OAuthProvider>,
    http: reqwest::Client,
    keys: RwLock<Option<(JwkSet, Instant)>>,
}

impl Verifier {
    pub fn new(kind: ProviderKind, provider: Option<OAuthProvider>, http: reqwest::Client) -> Self {
        Self {
            kind,
            provider,
            http,
            keys: RwLock::new(None),
        }
    }

    pub fn kind(&self) -> ProviderKind {
        self.kind
    }

    pub async fn verify(&self, token: &str) -> Result<Identity, AppError> {
        let provider = self.provider.as_ref().ok_or_else(|| {
            AppError::new(
                axum::http::StatusCode::SERVICE_UNAVAILABLE,
                "PROVIDER_NOT_CONFIGURED",
                format!(
                    "Sign in with {} is not configured on this server",
                    self.kind.name()
                ),
            )
        })?;
        let invalid = || {
            AppError::unauthorized(
                "INVALID_ID_TOKEN",
                format!(
                    "The {} sign-in token is invalid or expired",
                    self.kind.name()
                ),
            )
        };
        let header = jsonwebtoken::decode_header(token).map_err(|_| invalid())?;
        if header.alg != Algorithm::RS256 {
            return Err(invalid());
        }
        let kid = header.kid.ok_or_else(invalid)?;
        let key = self.key(provider, &kid).await?.ok_or_else(|| {
            tracing::info!(
                provider = self.kind.name(),
                "ID token signed with an unknown key"
            );
            invalid()
        })?;

        let mut validation = Validation::new(Algorithm::RS256);
        validation.set_audience(&provider.client_ids);
        validation.set_issuer(self.kind.issuers());
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = 30;
        let data = jsonwebtoken::decode::<IdClaims>(token, &key, &validation).map_err(|e| {
            tracing::info!(provider = self.kind.name(), reason = ?e.kind(), "ID token refused");
            invalid()
        })?;
        let claims = data.claims;
        let email_verified = match claims.email_verified {
            Some(serde_json::Value::Bool(b)) => b,
            Some(serde_json::Value::String(s)) => s == "true",
            _ => false,
        };
        let (given, family) = match (claims.given_name, claims.family_name, claims.name) {
            (None, None, Some(full)) => {
                let mut parts = full.splitn(2, ' ');
                (
                    parts.next().map(str::to_owned),
                    parts.next().map(str::to_owned),
                )
            }
            (g, f, _) => (g, f),
        };
        Ok(Identity {
            subject: claims.sub,
            email: claims.email,
            email_verified,
            given_name: given,
            family_name: family,
        })
    }

    /// The key named `kid`, from the cache or, when unknown or stale, from the provider.
    async fn key(
        &self,
        provider: &OAuthProvider,
        kid: &str,
    ) -> Result<Option<DecodingKey>, AppError> {
        {
            let cached = self.keys.read().await;
            if let Some((set, fetched)) = cached.as_ref() {
                let fresh = fetched.elapsed() < KEYS_TTL;
                match set.find(kid) {
                    Some(jwk) if fresh => return Ok(DecodingKey::from_jwk(jwk).ok()),
                    None if fetched.elapsed() < REFETCH_MIN_INTERVAL => return Ok(None),
                    _ => {}
                }
            }
        }
        let mut cached = self.keys.write().await;
        // Another request may have fetched while this one waited for the lock.
        if let Some((set, fetched)) = cached.as_ref()
            && fetched.elapsed() < REFETCH_MIN_INTERVAL
        {
            return Ok(set
                .find(kid)
                .and_then(|jwk| DecodingKey::from_jwk(jwk).ok()));
        }
        let set = self.fetch(provider).await?;
        let key = set
            .find(kid)
            .and_then(|jwk| DecodingKey::from_jwk(jwk).ok());
        *cached = Some((set, Instant::now()));
        Ok(key)
    }

    async fn fetch(&self, provider: &OAuthProvider) -> Result<JwkSet, AppError> {
        let unreachable = |e: reqwest::Error| {
            tracing::warn!(provider = self.kind.name(), error = %e, "cannot fetch the provider's signing keys");
            AppError::new(
                axum::http::StatusCode::SERVICE_UNAVAILABLE,
                "PROVIDER_UNAVAILABLE",
                format!(
                    "{} sign-in is unavailable right now; try again shortly",
                    self.kind.name()
                ),
            )
        };
        let response = self
            .http
            .get(&provider.jwks_url)
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .map_err(unreachable)?;
        response.json::<JwkSet>().await.map_err(unreachable)
    }
}
