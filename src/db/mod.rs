//! The process's one database pool, which survives outages.
//!
//! The pool is created without connecting. A supervisor task probes the database, applies
//! migrations the first time it answers, and keeps an "available" flag current; while the flag
//! is down, routes that need the database answer 503 at once instead of waiting on a dead
//! server. When the database comes back the flag rises again, with no restart.

pub mod dialect;
pub mod jobs;
pub mod messages;
pub mod migrate;
pub mod notifications;
pub mod people;
pub mod pictures;
pub mod posts;
pub mod sessions;
pub mod summary;
pub mod users;

use std::sync::Arc;
use std::sync::Once;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, AssertSqlSafe, Executor};
use tokio::sync::{Mutex, MutexGuard};

use crate::config::{Backend, DatabaseConfig};
use crate::error::{AppError, AppResult};

/// How long SQLite waits on a locked database before giving up.
const SQLITE_BUSY_TIMEOUT_MS: u32 = 5_000;
/// Probe interval while the database answers, and the cap of the back-off while it does not.
const PROBE_INTERVAL: Duration = Duration::from_secs(5);
const RETRY_MIN: Duration = Duration::from_millis(250);
const RETRY_MAX: Duration = Duration::from_secs(5);

static DRIVERS: Once = Once::new();

#[derive(Clone)]
pub struct Database {
    inner: Arc<Inner>,
}

struct Inner {
    pool: AnyPool,
    backend: Backend,
    masked_url: String,
    default_dir: Option<String>,
    acquire_timeout: Duration,
    auto_migrate: bool,
    available: AtomicBool,
    /// Becomes true once the first probe has an answer, up or down.
    probed: tokio::sync::watch::Sender<bool>,
    migrated: AtomicBool,
    /// Serialises migration runs started by concurrent probes.
    migrating: Mutex<()>,
    /// SQLite allows one writer at a time; taking this before a write transaction queues
    /// writers in the process instead of failing them with "database is locked".
    writer: Mutex<()>,
}

/// Why the database could not be opened or migrated. Never carries the URL.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("DATABASE_URL was refused by the database driver")]
    Options,
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("the database is unavailable: {0}")]
    Unavailable(#[source] sqlx::Error),
}

impl Database {
    /// Builds the pool without touching the database.
    pub fn open(config: &DatabaseConfig) -> Result<Self, DbError> {
        DRIVERS.call_once(sqlx::any::install_default_drivers);
        let options: AnyConnectOptions =
            config.url.expose().parse().map_err(|_| DbError::Options)?;
        let backend = config.url.backend();
        let statement_timeout_ms = config.statement_timeout.as_millis();
        let pool = AnyPoolOptions::new()
            .max_connections(config.pool_size)
            .min_connections(0)
            .acquire_timeout(config.acquire_timeout)
            .idle_timeout(Duration::from_secs(600))
            .test_before_acquire(true)
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    match backend {
                        Backend::Sqlite => {
                            // The wait for locks first: setting the journal mode takes one,
                            // and without a wait a connection opened while another writes
                            // failed at once with "database is locked".
                            let busy = format!("PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}");
                            conn.execute(AssertSqlSafe(busy)).await?;
                            conn.execute("PRAGMA journal_mode = WAL").await?;
                            conn.execute("PRAGMA foreign_keys = ON").await?;
                            conn.execute("PRAGMA synchronous = NORMAL").await?;
                        }
                        Backend::Postgres => {
                            // A number from our own configuration, not user input.
                            let set = format!("SET statement_timeout = {statement_timeout_ms}");
                            conn.execute(AssertSqlSafe(set)).await?;
                            // Statements are prepared and reused; a plan made without the
                            // values cannot tell a word in every fifteenth job from a rare
                            // one, and searches chose walks of the whole table (1.2 s seen).
                            conn.execute("SET plan_cache_mode = force_custom_plan")
                                .await?;
                        }
                    }
                    Ok(())
                })
            })
            .connect_lazy_with(options);
        Ok(Self {
            inner: Arc::new(Inner {
                pool,
                backend,
                masked_url: config.url.masked().to_owned(),
                default_dir: config.url.default_dir().map(str::to_owned),
                acquire_timeout: config.acquire_timeout,
                auto_migrate: config.auto_migrate,
                available: AtomicBool::new(false),
                probed: tokio::sync::watch::Sender::new(false),
                migrated: AtomicBool::new(false),
                migrating: Mutex::new(()),
                writer: Mutex::new(()),
            }),
        })
    }

    pub fn backend(&self) -> Backend {
        self.inner.backend
    }

    pub fn masked_url(&self) -> &str {
        &self.inner.masked_url
    }

    /// Whether the last probe reached the database.
    pub fn is_available(&self) -> bool {
        self.inner.available.load(Ordering::Acquire)
    }

    /// The pool, or a 503 while the database is known to be down. Until the first probe has
    /// answered (the first requests after a start, or a Lambda cold start) it waits for that
    /// answer, at most the acquire timeout, rather than refusing a database that is fine.
    pub async fn pool(&self) -> AppResult<&AnyPool> {
        if !self.is_available() && !*self.inner.probed.borrow() {
            let mut probed = self.inner.probed.subscribe();
            let _ = tokio::time::timeout(self.inner.acquire_timeout, probed.wait_for(|p| *p)).await;
        }
        if self.is_available() {
            Ok(&self.inner.pool)
        } else {
            Err(AppError::unavailable())
        }
    }

    /// The pool regardless of state, for commands that want the driver's own error.
    pub fn raw_pool(&self) -> &AnyPool {
        &self.inner.pool
    }

    /// Starts a write transaction. On SQLite, writers take turns.
    pub async fn begin_write(&self) -> AppResult<WriteTx<'_>> {
        let pool = self.pool().await?;
        let (guard, tx) = match self.inner.backend {
            Backend::Sqlite => {
                let guard = self.inner.writer.lock().await;
                // IMMEDIATE takes the write lock now, waiting (busy_timeout) while it is held.
                // A deferred transaction that has read first cannot wait for it: SQLite fails
                // its first write at once with "database is locked" while the connection of a
                // transaction dropped on an error has yet to roll back.
                (Some(guard), pool.begin_with("BEGIN IMMEDIATE").await?)
            }
            Backend::Postgres => (None, pool.begin().await?),
        };
        Ok(WriteTx {
            tx,
            after_commit: Vec::new(),
            _guard: guard,
        })
    }

    /// Probes the database now, applying pending migrations if it answers for the first time,
    /// and records the outcome. The error says why the database is not usable.
    pub async fn check(&self) -> Result<(), String> {
        if let Some(dir) = &self.inner.default_dir {
            // The embedded database's folder is made on first run; failing here just means
            // the probe below fails and is retried.
            let _ = tokio::fs::create_dir_all(dir).await;
        }
        let probe = tokio::time::timeout(
            self.inner.acquire_timeout,
            sqlx::query("SELECT 1").execute(&self.inner.pool),
        )
        .await;
        let outcome = match probe {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => Err(e.to_string()),
            Err(_) => Err("no answer before the acquire timeout".to_owned()),
        };
        let outcome = match outcome {
            Ok(()) if self.inner.auto_migrate && !self.inner.migrated.load(Ordering::Acquire) => {
                self.migrate().await.map_err(|e| e.to_string())
            }
            other => other,
        };
        let was = self.inner.available.swap(outcome.is_ok(), Ordering::AcqRel);
        self.inner.probed.send_replace(true);
        crate::metrics::record_database(outcome.is_ok());
        match (&outcome, was) {
            (Ok(()), false) => tracing::info!(database = %self.masked_url(), "database available"),
            (Err(reason), true) => tracing::warn!(
                database = %self.masked_url(),
                %reason,
                "database unavailable; answering 503 until it returns"
            ),
            _ => {}
        }
        outcome
    }

    /// Applies the embedded migrations that this database has not seen.
    pub async fn migrate(&self) -> Result<(), DbError> {
        let _turn = self.inner.migrating.lock().await;
        if self.inner.migrated.load(Ordering::Acquire) {
            return Ok(());
        }
        migrate::migrator(self.inner.backend)
            .run(&self.inner.pool)
            .await?;
        self.inner.migrated.store(true, Ordering::Release);
        tracing::info!(
            database = %self.masked_url(),
            version = migrate::latest_version(),
            "migrations applied"
        );
        Ok(())
    }

    /// Keeps the availability flag current for as long as the process runs.
    pub fn supervise(&self) -> tokio::task::JoinHandle<()> {
        let db = self.clone();
        tokio::spawn(async move {
            let mut retry = RETRY_MIN;
            let mut warned = false;
            loop {
                if let Err(reason) = db.check().await {
                    if !warned {
                        tracing::warn!(
                            database = %db.masked_url(),
                            %reason,
                            "database unreachable; serving without it and retrying"
                        );
                        warned = true;
                    }
                    tokio::time::sleep(retry).await;
                    retry = (retry * 2).min(RETRY_MAX);
                } else {
                    retry = RETRY_MIN;
                    warned = false;
                    tokio::time::sleep(PROBE_INTERVAL).await;
                }
            }
        })
    }

    pub async fn close(&self) {
        self.inner.pool.close().await;
    }
}

/// A write transaction; on SQLite it also holds the writer's turn until it ends. Work queued
/// with `after_commit` (publishing events) runs only once the transaction has committed.
pub struct WriteTx<'a> {
    tx: sqlx::Transaction<'static, sqlx::Any>,
    after_commit: Vec<Box<dyn FnOnce() + Send>>,
    _guard: Option<MutexGuard<'a, ()>>,
}

impl WriteTx<'_> {
    /// The transaction's connection, for the query functions.
    pub fn conn(&mut self) -> &mut sqlx::AnyConnection {
        &mut self.tx
    }

    /// Queues `f` to run after a successful commit; a rollback discards it.
    pub fn after_commit(&mut self, f: impl FnOnce() + Send + 'static) {
        self.after_commit.push(Box::new(f));
    }

    pub async fn commit(self) -> AppResult<()> {
        let Self {
            tx,
            after_commit,
            _guard,
        } = self;
        tx.commit().await?;
        drop(_guard);
        for f in after_commit {
            f();
        }
        Ok(())
    }
}

impl std::ops::Deref for WriteTx<'_> {
    type Target = sqlx::Transaction<'static, sqlx::Any>;
    fn deref(&self) -> &Self::Target {
        &self.tx
    }
}

impl std::ops::DerefMut for WriteTx<'_> {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.tx
    }
}
