//! Settings read once from the environment into typed values. Every problem is collected and
//! reported together, naming the variable and the fix, so an operator fixes them in one pass.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use ipnet::IpNet;
use rand::RngCore;
use secrecy::{ExposeSecret, SecretBox, SecretString};

/// Secret values that ship in tutorials and templates; a production key equal to one of these
/// is as good as public.
const PLACEHOLDER_SECRETS: &[&str] = &[
    "secret",
    "changeme",
    "change-me",
    "change_me",
    "changethis",
    "your-secret-key",
    "your_secret_key",
    "your-secret-key-here",
    "your-secret-key-change-in-production",
    "change-this-in-production",
    "change-me-in-production",
    "dev-secret-key",
    "development-secret-key",
    "secret-key",
    "secret_key",
    "supersecret",
    "super-secret-key",
    "mysecretkey",
    "jwt-secret",
    "jwt_secret",
    "hireme-secret-key",
    "default",
    "password",
];

/// The shortest production `SECRET_KEY`, in bytes.
pub const MIN_SECRET_KEY_LEN: usize = 32;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Environment {
    Development,
    Production,
    Test,
}

impl Environment {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Development => "development",
            Self::Production => "production",
            Self::Test => "test",
        }
    }

    pub fn is_production(self) -> bool {
        self == Self::Production
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Json,
    Text,
}

/// Which engine a database URL points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A database URL. It may carry a password, so it is kept secret and only ever shown masked.
#[derive(Clone)]
pub struct DatabaseUrl {
    url: SecretString,
    backend: Backend,
    masked: String,
    /// Set for the built-in default, whose folder is created on first run.
    default_dir: Option<String>,
}

const DEFAULT_SQLITE_DIR: &str = "data";
const DEFAULT_SQLITE_URL: &str = "sqlite://data/hireme.db?mode=rwc";

impl DatabaseUrl {
    /// Parses a URL; the error never repeats the value, which may hold a password.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let raw = raw.trim();
        let expected = "expected postgres://USER:PASSWORD@HOST:5432/DATABASE \
                        (postgresql:// is accepted too) or sqlite://PATH/TO/FILE.db";
        if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
            let parsed = url::Url::parse(raw)
                .map_err(|_| format!("is not a valid PostgreSQL URL; {expected}"))?;
            let host = parsed.host_str().filter(|h| !h.is_empty());
            let Some(host) = host else {
                return Err(format!("has no host; {expected}"));
            };
            let port = parsed.port().unwrap_or(5432);
            let user = if parsed.username().is_empty() {
                ""
            } else {
                "***"
            };
            let password = if parsed.password().is_some() {
                ":***"
            } else {
                ""
            };
            let at = if user.is_empty() && password.is_empty() {
                ""
            } else {
                "@"
            };
            let masked = format!("postgres://{user}{password}{at}{host}:{port}/***");
            Ok(Self {
                url: SecretString::from(raw.to_owned()),
                backend: Backend::Postgres,
                masked,
                default_dir: None,
            })
        } else if let Some(rest) = raw.strip_prefix("sqlite:") {
            let path = rest.trim_start_matches("//");
            let (file, query) = path.split_once('?').unwrap_or((path, ""));
            if file.is_empty() || file == ":memory:" || query.contains("memory") {
                return Err(format!(
                    "must name a file: an in-memory database would be lost and differ per \
                     connection; {expected}"
                ));
            }
            // A file database is created when missing, as a newcomer would expect.
            let url = if query.split('&').any(|p| p.starts_with("mode=")) {
                raw.to_owned()
            } else if query.is_empty() {
                format!("{raw}?mode=rwc")
            } else {
                format!("{raw}&mode=rwc")
            };
            Ok(Self {
                masked: format!("sqlite://{file}"),
                url: SecretString::from(url),
                backend: Backend::Sqlite,
                default_dir: None,
            })
        } else {
            Err(format!("has an unsupported scheme; {expected}"))
        }
    }

    /// The embedded database a newcomer gets with no configuration at all.
    pub fn default_sqlite() -> Self {
        let mut url = Self::parse(DEFAULT_SQLITE_URL).expect("the built-in URL is valid");
        url.default_dir = Some(DEFAULT_SQLITE_DIR.to_owned());
        url
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The URL with its password; only the pool may see it.
    pub fn expose(&self) -> &str {
        self.url.expose_secret()
    }

    pub fn masked(&self) -> &str {
        &self.masked
    }

    pub fn default_dir(&self) -> Option<&str> {
        self.default_dir.as_deref()
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked)
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked)
    }
}

/// The key that signs tokens. Never printed.
pub struct SecretKey {
    bytes: SecretBox<[u8]>,
    /// True when no key was configured and this one was made for the current process.
    pub generated: bool,
}

impl SecretKey {
    fn generate() -> Self {
        let mut bytes = vec![0u8; 64];
        rand::rng().fill_bytes(&mut bytes);
        Self {
            bytes: SecretBox::new(bytes.into_boxed_slice()),
            generated: true,
        }
    }

    pub fn expose(&self) -> &[u8] {
        self.bytes.expose_secret()
    }
}

impl Clone for SecretKey {
    fn clone(&self) -> Self {
        Self {
            bytes: SecretBox::new(self.expose().to_vec().into_boxed_slice()),
            generated: self.generated,
        }
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey(***)")
    }
}

/// Which browser origins may call the API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AllowedOrigins {
    /// `*`: any origin, and therefore never with credentials.
    Any,
    /// Exact origins such as `https://hiremebahamas.com`; credentials allowed.
    List(Vec<String>),
}

impl AllowedOrigins {
    pub fn allows(&self, origin: &str) -> bool {
        match self {
            Self::Any => true,
            Self::List(list) => list.iter().any(|o| o == origin),
        }
    }
}

#[derive(Debug, Clone)]
pub struct DatabaseConfig {
    pub url: DatabaseUrl,
    pub pool_size: u32,
    pub acquire_timeout: Duration,
    pub statement_timeout: Duration,
    pub auto_migrate: bool,
}

/// Sessions, password hashing, abuse limits and sign-in providers.
#[derive(Debug, Clone)]
pub struct AuthConfig {
    pub access_token_ttl: Duration,
    pub refresh_token_ttl: Duration,
    /// Argon2id cost: memory in KiB, passes, lanes.
    pub hash_memory_kib: u32,
    pub hash_iterations: u32,
    pub hash_parallelism: u32,
    pub login_per_minute: u32,
    pub login_failures: u32,
    pub login_failure_window: Duration,
    pub register_per_hour: u32,
    pub refresh_per_minute: u32,
    pub google: Option<OAuthProvider>,
    pub apple: Option<OAuthProvider>,
}

/// A sign-in provider whose ID tokens we accept.
#[derive(Debug, Clone)]
pub struct OAuthProvider {
    /// Accepted audiences (our client ids with the provider).
    pub client_ids: Vec<String>,
    /// Where the provider publishes its signing keys.
    pub jwks_url: String,
}

/// The OWASP minimum for Argon2id: 19 MiB, two passes, one lane.
/// Where traces go (OpenTelemetry, OTLP over HTTP with protobuf bodies).
#[derive(Debug, Clone)]
pub struct TracesConfig {
    /// The full URL spans are posted to, e.g. `http://collector:4318/v1/traces`.
    pub endpoint: String,
    pub service_name: String,
}

/// Live delivery over Socket.IO.
#[derive(Debug, Clone)]
pub struct LiveConfig {
    /// Open sockets one user may hold on one instance.
    pub max_sockets_per_user: u32,
    /// Messages one user may send over sockets per minute.
    pub messages_per_minute: u32,
    /// How often open sockets are checked against their sessions (revoked, expired).
    pub session_check: Duration,
    /// Prefix of the Redis channel and keys of live delivery, so that deployments sharing one
    /// Redis stay apart.
    pub redis_prefix: String,
}

pub const ARGON2_MIN_MEMORY_KIB: u32 = 19_456;
pub const ARGON2_MIN_ITERATIONS: u32 = 2;

#[derive(Debug, Clone)]
pub struct Config {
    pub environment: Environment,
    pub host: IpAddr,
    pub port: u16,
    pub database: DatabaseConfig,
    pub secret_key: SecretKey,
    pub allowed_origins: AllowedOrigins,
    pub trusted_proxies: Vec<IpNet>,
    pub request_timeout: Duration,
    pub body_limit: usize,
    pub shutdown_timeout: Duration,
    pub log_format: LogFormat,
    pub auth: AuthConfig,
    pub live: LiveConfig,
    /// Set when spans are exported.
    pub traces: Option<TracesConfig>,
    /// Where uploaded files are kept on disk (with the local store).
    pub upload_dir: std::path::PathBuf,
    /// Redis for limits shared by every instance; without it each instance counts alone.
    pub redis_url: Option<SecretString>,
    /// S3-compatible object storage instead of the local disk, when `STORAGE=s3`.
    pub s3: Option<crate::storage::S3Config>,
    /// The public origin of this server (`https://api.hiremebahamas.com`), for absolute file
    /// URLs; without it they are made from the request's `Host`.
    pub public_base_url: Option<String>,
    /// Things worth saying once logging is up (a generated key, for instance).
    pub warnings: Vec<String>,
}

/// One misconfigured variable and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub variable: &'static str,
    pub message: String,
}

/// Every problem found in the environment.
#[derive(Debug, Clone)]
pub struct ConfigError {
    pub problems: Vec<Problem>,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "HireMe cannot start: {} configuration problem(s):",
            self.problems.len()
        )?;
        for p in &self.problems {
            writeln!(f, "  - {}: {}", p.variable, p.message)?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}

/// Reads variables, remembering every problem instead of stopping at the first.
struct Reader<'a> {
    lookup: &'a dyn Fn(&str) -> Option<String>,
    problems: Vec<Problem>,
}

impl Reader<'_> {
    fn get(&self, name: &str) -> Option<String> {
        (self.lookup)(name).filter(|v| !v.trim().is_empty())
    }

    fn problem(&mut self, variable: &'static str, message: impl Into<String>) {
        self.problems.push(Problem {
            variable,
            message: message.into(),
        });
    }

    /// A secret from `NAME` or from the file named by `NAME_FILE`.
    fn secret(&mut self, name: &'static str, file_var: &'static str) -> Option<String> {
        match (self.get(name), self.get(file_var)) {
            (Some(_), Some(_)) => {
                self.problem(name, format!("set either {name} or {file_var}, not both"));
                None
            }
            (Some(v), None) => Some(v),
            (None, Some(path)) => match std::fs::read_to_string(path.trim()) {
                Ok(v) => Some(v.trim_end_matches(['\n', '\r']).to_owned()),
                Err(e) => {
                    self.problem(
                        file_var,
                        format!("cannot read the file it names ({})", e.kind()),
                    );
                    None
                }
            },
            (None, None) => None,
        }
    }

    fn parse<T: std::str::FromStr>(&mut self, name: &'static str, default: T, hint: &str) -> T {
        match self.get(name) {
            None => default,
            Some(raw) => match raw.trim().parse() {
                Ok(v) => v,
                Err(_) => {
                    self.problem(name, format!("must be {hint}"));
                    default
                }
            },
        }
    }

    fn millis(&mut self, name: &'static str, default_ms: u64) -> Duration {
        let ms = self.parse(name, default_ms, "a whole number of milliseconds");
        if ms == 0 {
            self.problem(name, "must be greater than zero");
            return Duration::from_millis(default_ms);
        }
        Duration::from_millis(ms)
    }

    fn flag(&mut self, name: &'static str, default: bool) -> bool {
        match self.get(name).map(|v| v.trim().to_ascii_lowercase()) {
            None => default,
            Some(v) if matches!(v.as_str(), "1" | "true" | "yes" | "on") => true,
            Some(v) if matches!(v.as_str(), "0" | "false" | "no" | "off") => false,
            Some(_) => {
                self.problem(name, "must be true or false");
                default
            }
        }
    }
}

fn parse_origin(raw: &str) -> Result<String, String> {
    let url = url::Url::parse(raw).map_err(|_| format!("`{raw}` is not an origin"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(format!("`{raw}` is not an http(s) origin"));
    }
    if url.path() != "/" || url.query().is_some() || raw.ends_with('/') {
        return Err(format!(
            "`{raw}` must be a bare origin such as https://example.com (no path or slash)"
        ));
    }
    Ok(url.origin().ascii_serialization())
}

fn read_s3(r: &mut Reader<'_>) -> Option<crate::storage::S3Config> {
    match r
        .get("STORAGE")
        .map(|v| v.trim().to_ascii_lowercase())
        .as_deref()
    {
        None | Some("local") => return None,
        Some("s3") => {}
        Some(_) => {
            r.problem("STORAGE", "must be local or s3");
            return None;
        }
    }
    let region = r.get("S3_REGION").unwrap_or_else(|| "us-east-1".to_owned());
    let endpoint = r
        .get("S3_ENDPOINT")
        .unwrap_or_else(|| format!("https://s3.{region}.amazonaws.com"));
    if url::Url::parse(&endpoint)
        .map(|u| u.host_str().is_none())
        .unwrap_or(true)
    {
        r.problem(
            "S3_ENDPOINT",
            "must be a URL such as https://s3.us-east-1.amazonaws.com",
        );
    }
    let bucket = r.get("S3_BUCKET");
    if bucket.is_none() {
        r.problem("S3_BUCKET", "is required with STORAGE=s3");
    }
    let access_key = r.get("S3_ACCESS_KEY_ID");
    if access_key.is_none() {
        r.problem("S3_ACCESS_KEY_ID", "is required with STORAGE=s3");
    }
    let secret = r.secret("S3_SECRET_ACCESS_KEY", "S3_SECRET_ACCESS_KEY_FILE");
    if secret.is_none() {
        r.problem(
            "S3_SECRET_ACCESS_KEY",
            "is required with STORAGE=s3 (or S3_SECRET_ACCESS_KEY_FILE)",
        );
    }
    Some(crate::storage::S3Config {
        endpoint,
        bucket: bucket?,
        region,
        prefix: r.get("S3_PREFIX").unwrap_or_default(),
        access_key: access_key?,
        secret_key: SecretString::from(secret?),
    })
}

/// The standard OpenTelemetry variables: `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` (used as is) or
/// `OTEL_EXPORTER_OTLP_ENDPOINT` (with `/v1/traces` appended), and `OTEL_SERVICE_NAME`.
fn read_traces(r: &mut Reader<'_>) -> Option<TracesConfig> {
    let (variable, endpoint) = match (
        r.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"),
        r.get("OTEL_EXPORTER_OTLP_ENDPOINT"),
    ) {
        (Some(full), _) => ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", full.trim().to_owned()),
        (None, Some(base)) => (
            "OTEL_EXPORTER_OTLP_ENDPOINT",
            format!("{}/v1/traces", base.trim().trim_end_matches('/')),
        ),
        (None, None) => return None,
    };
    match url::Url::parse(&endpoint) {
        Ok(u) if u.scheme() == "http" && u.host_str().is_some() => {}
        _ => {
            r.problem(
                variable,
                "must be an http:// URL of an OTLP collector, e.g. http://127.0.0.1:4318",
            );
            return None;
        }
    }
    let service_name = r
        .get("OTEL_SERVICE_NAME")
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "hireme".to_owned());
    Some(TracesConfig {
        endpoint,
        service_name,
    })
}

fn read_live(r: &mut Reader<'_>) -> LiveConfig {
    let mut count = |name: &'static str, default: u32| {
        let v = r.parse(name, default, "a whole number");
        if v == 0 {
            r.problem(name, "must be at least 1");
            return default;
        }
        v
    };
    LiveConfig {
        max_sockets_per_user: count("LIVE_MAX_SOCKETS_PER_USER", 10),
        messages_per_minute: count("LIVE_MESSAGES_PER_MINUTE", 60),
        session_check: r.millis("LIVE_SESSION_CHECK_MS", 15_000),
        redis_prefix: match r.get("LIVE_REDIS_PREFIX") {
            None => "hireme".to_owned(),
            Some(p)
                if !p.is_empty()
                    && p.len() <= 64
                    && p.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"-_:.".contains(&b)) =>
            {
                p
            }
            Some(_) => {
                r.problem(
                    "LIVE_REDIS_PREFIX",
                    "must be 1 to 64 letters, digits or - _ : .",
                );
                "hireme".to_owned()
            }
        },
    }
}

fn read_auth(r: &mut Reader<'_>, production: bool) -> AuthConfig {
    let secs = |r: &mut Reader<'_>, name: &'static str, default: u64| {
        let v = r.parse(name, default, "a whole number of seconds");
        if v == 0 {
            r.problem(name, "must be greater than zero");
            return Duration::from_secs(default);
        }
        Duration::from_secs(v)
    };
    let count = |r: &mut Reader<'_>, name: &'static str, default: u32| {
        let v = r.parse(name, default, "a whole number");
        if v == 0 {
            r.problem(name, "must be at least 1");
            return default;
        }
        v
    };
    let hash_memory_kib = count(r, "PASSWORD_HASH_MEMORY_KIB", ARGON2_MIN_MEMORY_KIB);
    let hash_iterations = count(r, "PASSWORD_HASH_ITERATIONS", ARGON2_MIN_ITERATIONS);
    if production
        && (hash_memory_kib < ARGON2_MIN_MEMORY_KIB || hash_iterations < ARGON2_MIN_ITERATIONS)
    {
        r.problem(
            "PASSWORD_HASH_MEMORY_KIB",
            format!(
                "with PASSWORD_HASH_ITERATIONS is below the OWASP minimum for Argon2id \
                 ({ARGON2_MIN_MEMORY_KIB} KiB, {ARGON2_MIN_ITERATIONS} passes); unset both"
            ),
        );
    }
    let provider = |r: &mut Reader<'_>, id_var: &'static str, url_var: &'static str, url: &str| {
        let ids: Vec<String> = r
            .get(id_var)?
            .split(',')
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect();
        let jwks_url = r.get(url_var).unwrap_or_else(|| url.to_owned());
        if url::Url::parse(&jwks_url).is_err() {
            r.problem(url_var, "must be an http(s) URL");
        }
        (!ids.is_empty()).then_some(OAuthProvider {
            client_ids: ids,
            jwks_url,
        })
    };
    let google = provider(
        r,
        "GOOGLE_CLIENT_ID",
        "GOOGLE_JWKS_URL",
        "https://www.googleapis.com/oauth2/v3/certs",
    );
    let apple = provider(
        r,
        "APPLE_CLIENT_ID",
        "APPLE_JWKS_URL",
        "https://appleid.apple.com/auth/keys",
    );
    AuthConfig {
        access_token_ttl: secs(r, "ACCESS_TOKEN_TTL_SECS", 15 * 60),
        refresh_token_ttl: secs(r, "REFRESH_TOKEN_TTL_SECS", 7 * 24 * 3600),
        hash_memory_kib,
        hash_iterations,
        hash_parallelism: count(r, "PASSWORD_HASH_PARALLELISM", 1),
        login_per_minute: count(r, "RATE_LIMIT_LOGIN_PER_MINUTE", 10),
        login_failures: count(r, "RATE_LIMIT_LOGIN_FAILURES", 5),
        login_failure_window: secs(r, "RATE_LIMIT_LOGIN_FAILURE_WINDOW_SECS", 15 * 60),
        register_per_hour: count(r, "RATE_LIMIT_REGISTER_PER_HOUR", 5),
        refresh_per_minute: count(r, "RATE_LIMIT_REFRESH_PER_MINUTE", 60),
        google,
        apple,
    }
}

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(&|name| std::env::var(name).ok())
    }

    /// Reads settings through `lookup`, so tests can supply their own environment.
    pub fn from_lookup(lookup: &dyn Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let mut r = Reader {
            lookup,
            problems: Vec::new(),
        };
        let mut warnings = Vec::new();

        let environment = match r.get("ENVIRONMENT").map(|v| v.trim().to_ascii_lowercase()) {
            None => Environment::Development,
            Some(v) => match v.as_str() {
                "development" | "dev" => Environment::Development,
                "production" | "prod" => Environment::Production,
                "test" => Environment::Test,
                _ => {
                    r.problem(
                        "ENVIRONMENT",
                        "must be development, production or test (unset means development)",
                    );
                    // Judge the rest by the strictest rules, as the operator may have meant it.
                    Environment::Production
                }
            },
        };
        let production = environment.is_production();

        let host = match r.get("HOST") {
            None => IpAddr::V4(Ipv4Addr::LOCALHOST),
            Some(h) if h.trim() == "localhost" => IpAddr::V4(Ipv4Addr::LOCALHOST),
            Some(h) => h.trim().parse().unwrap_or_else(|_| {
                r.problem("HOST", "must be an IP address such as 127.0.0.1 or 0.0.0.0");
                IpAddr::V4(Ipv4Addr::LOCALHOST)
            }),
        };
        let port = r.parse("PORT", 8080u16, "a port number from 0 to 65535");

        let url = match r.secret("DATABASE_URL", "DATABASE_URL_FILE") {
            None => DatabaseUrl::default_sqlite(),
            Some(raw) => DatabaseUrl::parse(&raw).unwrap_or_else(|why| {
                r.problem("DATABASE_URL", why);
                DatabaseUrl::default_sqlite()
            }),
        };
        let pool_size = r.parse("DATABASE_POOL_SIZE", 10u32, "a number of connections");
        if pool_size == 0 {
            r.problem("DATABASE_POOL_SIZE", "must be at least 1");
        }
        let database = DatabaseConfig {
            url,
            pool_size: pool_size.max(1),
            acquire_timeout: r.millis("DATABASE_ACQUIRE_TIMEOUT_MS", 3_000),
            statement_timeout: r.millis("DATABASE_STATEMENT_TIMEOUT_MS", 15_000),
            auto_migrate: r.flag("AUTO_MIGRATE", true),
        };

        let secret_key = match r.secret("SECRET_KEY", "SECRET_KEY_FILE") {
            Some(key) => {
                let lowered = key.trim().to_ascii_lowercase();
                if production {
                    if key.len() < MIN_SECRET_KEY_LEN {
                        r.problem(
                            "SECRET_KEY",
                            format!(
                                "is {} bytes; production needs at least {MIN_SECRET_KEY_LEN} \
                                 random bytes (for example `openssl rand -base64 48`)",
                                key.len()
                            ),
                        );
                    }
                    let repetitive = key.chars().all(|c| key.starts_with(c));
                    if PLACEHOLDER_SECRETS.contains(&lowered.as_str()) || repetitive {
                        r.problem(
                            "SECRET_KEY",
                            "is a well-known placeholder; generate a random one \
                             (for example `openssl rand -base64 48`)",
                        );
                    }
                }
                SecretKey {
                    bytes: SecretBox::new(key.into_bytes().into_boxed_slice()),
                    generated: false,
                }
            }
            None => {
                if production {
                    r.problem(
                        "SECRET_KEY",
                        "is required in production; set it (or SECRET_KEY_FILE) to at least \
                         32 random bytes, for example `openssl rand -base64 48`",
                    );
                } else {
                    warnings.push(
                        "SECRET_KEY is not set: using a random key for this run only, so every \
                         session ends when the process stops"
                            .to_owned(),
                    );
                }
                SecretKey::generate()
            }
        };

        let allowed_origins = match r.get("ALLOWED_ORIGINS") {
            None if production => {
                r.problem(
                    "ALLOWED_ORIGINS",
                    "is required in production; list the web client's origins, comma \
                     separated, for example https://hiremebahamas.com",
                );
                AllowedOrigins::List(Vec::new())
            }
            None => AllowedOrigins::List(
                ["http://localhost:3000", "http://localhost:5173"]
                    .map(String::from)
                    .to_vec(),
            ),
            Some(raw) if raw.split(',').any(|o| o.trim() == "*") => {
                if production {
                    r.problem(
                        "ALLOWED_ORIGINS",
                        "must not be * in production; list the web client's exact origins",
                    );
                }
                AllowedOrigins::Any
            }
            Some(raw) => {
                let mut list = Vec::new();
                for part in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                    match parse_origin(part) {
                        Ok(o) => list.push(o),
                        Err(why) => r.problem("ALLOWED_ORIGINS", why),
                    }
                }
                AllowedOrigins::List(list)
            }
        };

        let mut trusted_proxies = Vec::new();
        if let Some(raw) = r.get("TRUSTED_PROXIES") {
            for part in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                let parsed = part
                    .parse::<IpNet>()
                    .or_else(|_| part.parse::<IpAddr>().map(IpNet::from));
                match parsed {
                    Ok(net) => trusted_proxies.push(net),
                    Err(_) => r.problem(
                        "TRUSTED_PROXIES",
                        format!("`{part}` is not a CIDR such as 10.0.0.0/8 or an IP address"),
                    ),
                }
            }
        }

        let request_timeout = r.millis("REQUEST_TIMEOUT_MS", 30_000);
        let body_limit = r.parse("BODY_LIMIT_BYTES", 1_048_576usize, "a number of bytes");
        let shutdown_timeout = r.millis("SHUTDOWN_TIMEOUT_MS", 20_000);
        let log_format = match r.get("LOG_FORMAT").map(|v| v.trim().to_ascii_lowercase()) {
            None if production => LogFormat::Json,
            None => LogFormat::Text,
            Some(v) if v == "json" => LogFormat::Json,
            Some(v) if v == "text" || v == "pretty" => LogFormat::Text,
            Some(_) => {
                r.problem("LOG_FORMAT", "must be json or text");
                LogFormat::Text
            }
        };

        let auth = read_auth(&mut r, production);
        let live = read_live(&mut r);
        let traces = read_traces(&mut r);
        let upload_dir = r.get("UPLOAD_DIR").map_or_else(
            || std::path::PathBuf::from("data/uploads"),
            std::path::PathBuf::from,
        );
        let s3 = read_s3(&mut r);
        let redis_url = r.secret("REDIS_URL", "REDIS_URL_FILE").and_then(|raw| {
            let ok = raw.starts_with("redis://") || raw.starts_with("rediss://");
            if !ok {
                r.problem(
                    "REDIS_URL",
                    "must start with redis:// or rediss:// (for example redis://127.0.0.1:6379)",
                );
            }
            ok.then(|| SecretString::from(raw))
        });
        let public_base_url = r.get("PUBLIC_BASE_URL").and_then(|raw| {
            let trimmed = raw.trim().trim_end_matches('/').to_owned();
            match parse_origin(&trimmed) {
                Ok(origin) => Some(origin),
                Err(_) => {
                    r.problem(
                        "PUBLIC_BASE_URL",
                        "must be an origin such as https://api.hiremebahamas.com",
                    );
                    None
                }
            }
        });

        if !r.problems.is_empty() {
            return Err(ConfigError {
                problems: r.problems,
            });
        }
        Ok(Self {
            environment,
            host,
            port,
            database,
            secret_key,
            allowed_origins,
            trusted_proxies,
            request_timeout,
            body_limit,
            shutdown_timeout,
            log_format,
            auth,
            live,
            traces,
            upload_dir,
            redis_url,
            s3,
            public_base_url,
            warnings,
        })
    }

    pub fn listen_addr(&self) -> SocketAddr {
        SocketAddr::new(self.host, self.port)
    }

    /// A summary fit for logs and `hireme check-config`: no secret, the database URL masked.
    pub fn summary(&self) -> String {
        let origins = match &self.allowed_origins {
            AllowedOrigins::Any => "*".to_owned(),
            AllowedOrigins::List(l) if l.is_empty() => "(none)".to_owned(),
            AllowedOrigins::List(l) => l.join(","),
        };
        let proxies: Vec<String> = self.trusted_proxies.iter().map(|n| n.to_string()).collect();
        let key = if self.secret_key.generated {
            "generated for this run"
        } else {
            "set (hidden)"
        };
        format!(
            "environment={} listen={} database={} pool_size={} auto_migrate={} \
             secret_key={key} allowed_origins={origins} trusted_proxies={} \
             request_timeout_ms={} body_limit_bytes={} log_format={} \
             google_sign_in={} apple_sign_in={} storage={} shared_limits={} traces={}",
            self.environment.as_str(),
            self.listen_addr(),
            self.database.url.masked(),
            self.database.pool_size,
            self.database.auto_migrate,
            if proxies.is_empty() {
                "(none)".to_owned()
            } else {
                proxies.join(",")
            },
            self.request_timeout.as_millis(),
            self.body_limit,
            match self.log_format {
                LogFormat::Json => "json",
                LogFormat::Text => "text",
            },
            self.auth.google.is_some(),
            self.auth.apple.is_some(),
            match &self.s3 {
                Some(s3) => format!("s3:{}", s3.bucket),
                None => format!("local:{}", self.upload_dir.display()),
            },
            if self.redis_url.is_some() {
                "redis"
            } else {
                "memory"
            },
            // The collector's host only: a URL can carry credentials.
            match &self.traces {
                Some(t) => url::Url::parse(&t.endpoint)
                    .ok()
                    .and_then(|u| u.host_str().map(|h| format!("otlp:{h}")))
                    .unwrap_or_else(|| "otlp".to_owned()),
                None => "off".to_owned(),
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn load(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(&move |k| map.get(k).cloned())
    }

    fn variables(err: &ConfigError) -> Vec<&'static str> {
        err.problems.iter().map(|p| p.variable).collect()
    }

    #[test]
    fn an_empty_environment_is_a_working_development_setup() {
        let config = load(&[]).unwrap();
        assert_eq!(config.environment, Environment::Development);
        assert_eq!(config.listen_addr().to_string(), "127.0.0.1:8080");
        assert_eq!(config.database.url.backend(), Backend::Sqlite);
        assert_eq!(config.database.url.default_dir(), Some("data"));
        assert!(config.secret_key.generated);
        assert_eq!(config.secret_key.expose().len(), 64);
        assert_eq!(config.body_limit, 1_048_576);
        assert_eq!(config.log_format, LogFormat::Text);
        assert!(config.warnings[0].contains("SECRET_KEY"));
    }

    #[test]
    fn production_reports_every_problem_at_once() {
        let err = load(&[("ENVIRONMENT", "production")]).unwrap_err();
        assert_eq!(variables(&err), ["SECRET_KEY", "ALLOWED_ORIGINS"]);
        let text = err.to_string();
        assert!(text.contains("2 configuration problem(s)"), "{text}");
        assert!(text.contains("openssl rand"), "{text}");
    }

    #[test]
    fn production_refuses_a_short_key_and_a_wildcard_origin() {
        let err = load(&[
            ("ENVIRONMENT", "production"),
            ("SECRET_KEY", "too-short"),
            ("ALLOWED_ORIGINS", "*"),
        ])
        .unwrap_err();
        assert_eq!(variables(&err), ["SECRET_KEY", "ALLOWED_ORIGINS"]);
        assert!(err.problems[0].message.contains("9 bytes"));
    }

    #[test]
    fn production_refuses_placeholder_keys_whatever_their_length() {
        for key in ["your-secret-key-change-in-production", &"x".repeat(40)] {
            let err = load(&[
                ("ENVIRONMENT", "production"),
                ("SECRET_KEY", key),
                ("ALLOWED_ORIGINS", "https://hiremebahamas.com"),
            ])
            .unwrap_err();
            assert!(
                err.problems
                    .iter()
                    .any(|p| p.message.contains("placeholder"))
            );
        }
    }

    #[test]
    fn production_accepts_a_strong_key_and_exact_origins() {
        let config = load(&[
            ("ENVIRONMENT", "production"),
            ("SECRET_KEY", "k3J9x0Qp-8vWm2Zr7Lb5Yt1Nc4Hd6Fg0Sa9Ue3Io"),
            (
                "ALLOWED_ORIGINS",
                "https://hiremebahamas.com, https://www.hiremebahamas.com",
            ),
        ])
        .unwrap();
        assert_eq!(config.log_format, LogFormat::Json);
        assert!(
            config
                .allowed_origins
                .allows("https://www.hiremebahamas.com")
        );
        assert!(!config.allowed_origins.allows("https://evil.example"));
    }

    #[test]
    fn a_secret_can_come_from_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("key");
        std::fs::write(&path, "k3J9x0Qp-8vWm2Zr7Lb5Yt1Nc4Hd6Fg0Sa9Ue3Io\n").unwrap();
        let config = load(&[("SECRET_KEY_FILE", path.to_str().unwrap())]).unwrap();
        assert_eq!(
            config.secret_key.expose(),
            b"k3J9x0Qp-8vWm2Zr7Lb5Yt1Nc4Hd6Fg0Sa9Ue3Io"
        );
        let err = load(&[("SECRET_KEY", "a"), ("SECRET_KEY_FILE", "/nonexistent")]).unwrap_err();
        assert_eq!(variables(&err), ["SECRET_KEY"]);
    }

    #[test]
    fn a_bad_database_url_is_explained_without_repeating_it() {
        let err = load(&[("DATABASE_URL", "mysql://root:hunter2@db/hireme")]).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("postgres://USER:PASSWORD@HOST:5432/DATABASE"));
        assert!(!text.contains("hunter2"));
        assert!(!text.contains("mysql"));
    }

    #[test]
    fn database_urls_are_masked_in_every_rendering() {
        for raw in [
            "postgres://app:hunter2@db.internal:6543/hireme",
            "postgresql://app:hunter2@db.internal:6543/hireme?sslmode=require",
        ] {
            let url = DatabaseUrl::parse(raw).unwrap();
            assert_eq!(url.masked(), "postgres://***:***@db.internal:6543/***");
            assert_eq!(format!("{url}"), url.masked());
            assert_eq!(format!("{url:?}"), url.masked());
            assert!(!format!("{url:?}").contains("hunter2"));
            assert_eq!(url.backend(), Backend::Postgres);
        }
        assert_eq!(
            DatabaseUrl::parse("postgres://localhost/hireme")
                .unwrap()
                .masked(),
            "postgres://localhost:5432/***"
        );
    }

    #[test]
    fn the_configuration_summary_hides_the_key_and_the_password() {
        let config = load(&[
            ("SECRET_KEY", "k3J9x0Qp-8vWm2Zr7Lb5Yt1Nc4Hd6Fg0Sa9Ue3Io"),
            ("DATABASE_URL", "postgres://app:hunter2@db:5432/hireme"),
        ])
        .unwrap();
        let summary = config.summary();
        assert!(!summary.contains("hunter2"));
        assert!(!summary.contains("k3J9x0Qp"));
        assert!(summary.contains("postgres://***:***@db:5432/***"));
        assert!(!format!("{config:?}").contains("hunter2"));
        assert!(!format!("{config:?}").contains("k3J9x0Qp"));
    }

    #[test]
    fn sqlite_urls_create_the_file_unless_told_otherwise() {
        let url = DatabaseUrl::parse("sqlite://var/app.db").unwrap();
        assert_eq!(url.expose(), "sqlite://var/app.db?mode=rwc");
        let url = DatabaseUrl::parse("sqlite://var/app.db?mode=ro").unwrap();
        assert_eq!(url.expose(), "sqlite://var/app.db?mode=ro");
        assert!(DatabaseUrl::parse("sqlite::memory:").is_err());
    }

    #[test]
    fn malformed_values_are_all_reported() {
        let err = load(&[
            ("PORT", "eighty"),
            ("HOST", "my host"),
            (
                "ALLOWED_ORIGINS",
                "https://ok.example,ftp://x,https://a.example/path",
            ),
            ("TRUSTED_PROXIES", "10.0.0.0/8,not-a-net"),
            ("REQUEST_TIMEOUT_MS", "0"),
            ("LOG_FORMAT", "xml"),
            ("AUTO_MIGRATE", "maybe"),
            ("ENVIRONMENT", "staging"),
        ])
        .unwrap_err();
        let vars = variables(&err);
        for v in [
            "PORT",
            "HOST",
            "ALLOWED_ORIGINS",
            "TRUSTED_PROXIES",
            "REQUEST_TIMEOUT_MS",
            "LOG_FORMAT",
            "AUTO_MIGRATE",
            "ENVIRONMENT",
        ] {
            assert!(vars.contains(&v), "{v} missing from {vars:?}");
        }
    }
}
