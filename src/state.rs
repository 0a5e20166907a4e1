//! What every handler can reach: settings, the database, the authentication services, the
//! clock of the process.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::auth::limits::{MemoryLimiter, RateLimiter, RedisLimiter, Rule};
use crate::auth::oauth::{ProviderKind, Verifier};
use crate::auth::password::Hasher;
use crate::auth::sessions::SessionIssuer;
use crate::auth::tokens::TokenKeys;
use crate::config::Config;
use crate::db::Database;
use crate::notifications::Notifier;
use crate::storage::{LocalDisk, S3Storage, Storage};
use secrecy::ExposeSecret;

#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub db: Database,
    pub auth: Arc<AuthServices>,
    pub notifier: Notifier,
    /// Live events for sockets (`crate::live`).
    pub live: crate::live::Hub,
    pub storage: Arc<dyn Storage>,
    pub started: Instant,
}

/// The limits of the auth endpoints, from configuration.
pub struct AuthRules {
    pub login_per_address: Rule,
    pub login_failures_per_account: Rule,
    pub register_per_address: Rule,
    pub refresh_per_address: Rule,
}

pub struct AuthServices {
    pub hasher: Hasher,
    pub sessions: SessionIssuer,
    pub limiter: Arc<dyn RateLimiter>,
    pub rules: AuthRules,
    pub google: Verifier,
    pub apple: Verifier,
}

impl AppState {
    pub fn new(config: Config, db: Database) -> anyhow::Result<Self> {
        let auth = &config.auth;
        let keys = TokenKeys::new(config.secret_key.expose())
            .map_err(|e| anyhow::anyhow!("cannot use SECRET_KEY for signing: {e}"))?;
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .build()
            .map_err(|e| anyhow::anyhow!("cannot build the HTTP client: {e}"))?;
        let services = AuthServices {
            hasher: Hasher::new(auth),
            sessions: SessionIssuer::new(keys, auth),
            limiter: match &config.redis_url {
                Some(url) => {
                    Arc::new(RedisLimiter::new(url.expose_secret()).map_err(|_| {
                        anyhow::anyhow!("REDIS_URL was refused by the Redis client")
                    })?)
                }
                None => Arc::new(MemoryLimiter::default()),
            },
            rules: AuthRules {
                login_per_address: Rule {
                    name: "login-address",
                    limit: auth.login_per_minute,
                    window: Duration::from_secs(60),
                },
                login_failures_per_account: Rule {
                    name: "login-failures",
                    limit: auth.login_failures,
                    window: auth.login_failure_window,
                },
                register_per_address: Rule {
                    name: "register-address",
                    limit: auth.register_per_hour,
                    window: Duration::from_secs(3600),
                },
                refresh_per_address: Rule {
                    name: "refresh-address",
                    limit: auth.refresh_per_minute,
                    window: Duration::from_secs(60),
                },
            },
            google: Verifier::new(ProviderKind::Google, auth.google.clone(), http.clone()),
            apple: Verifier::new(ProviderKind::Apple, auth.apple.clone(), http),
        };
        // Object storage moves files of up to 10 MB: a longer limit than the key fetches get.
        let http_for_storage = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .map_err(|e| anyhow::anyhow!("cannot build the HTTP client: {e}"))?;
        let storage: Arc<dyn Storage> = match &config.s3 {
            Some(s3) => Arc::new(
                S3Storage::new(s3.clone(), http_for_storage)
                    .map_err(|e| anyhow::anyhow!("object storage: {e}"))?,
            ),
            None => Arc::new(LocalDisk::new(config.upload_dir.clone())),
        };
        Ok(Self {
            config: Arc::new(config),
            db,
            auth: Arc::new(services),
            notifier: Notifier::default(),
            live: crate::live::Hub::default(),
            storage,
            started: Instant::now(),
        })
    }
}
