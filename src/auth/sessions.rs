//! Starting, rotating and ending login sessions.

use sqlx::AnyConnection;

use super::tokens::{self, TokenKeys};
use crate::config::AuthConfig;
use crate::db::Database;
use crate::db::sessions;
use crate::db::users::{self, UserRecord};
use crate::domain::time::now_ms;
use crate::error::{AppError, AppResult};

/// The tokens handed to a client after a sign-in or a refresh.
pub struct Issued {
    pub access_token: String,
    pub refresh_token: String,
    pub session_id: String,
    pub access_ttl_secs: i64,
    pub refresh_ttl_secs: i64,
}

#[derive(Clone)]
pub struct SessionIssuer {
    keys: TokenKeys,
    access_ttl_secs: i64,
    refresh_ttl_secs: i64,
}

fn refresh_refused(code: &'static str, message: &'static str) -> AppError {
    AppError::unauthorized(code, message)
}

impl SessionIssuer {
    pub fn new(keys: TokenKeys, config: &AuthConfig) -> Self {
        Self {
            keys,
            access_ttl_secs: config.access_token_ttl.as_secs() as i64,
            refresh_ttl_secs: config.refresh_token_ttl.as_secs() as i64,
        }
    }

    pub fn keys(&self) -> &TokenKeys {
        &self.keys
    }

    /// Opens a new session (a new refresh-token family) for `user_id`, inside the caller's
    /// transaction.
    pub async fn start(&self, conn: &mut AnyConnection, user_id: i64) -> AppResult<Issued> {
        let now = now_ms();
        let session_id = tokens::new_session_id();
        let expires = now + self.refresh_ttl_secs * 1000;
        sessions::create(conn, &session_id, user_id, now, expires).await?;
        self.continue_session(conn, user_id, session_id, now).await
    }

    async fn continue_session(
        &self,
        conn: &mut AnyConnection,
        user_id: i64,
        session_id: String,
        now: i64,
    ) -> AppResult<Issued> {
        let (refresh_token, hash) = tokens::new_refresh_token();
        let expires = now + self.refresh_ttl_secs * 1000;
        sessions::add_refresh_token(conn, &hash, &session_id, now, expires).await?;
        let access_token =
            self.keys
                .issue(user_id, &session_id, now / 1000, self.access_ttl_secs)?;
        Ok(Issued {
            access_token,
            refresh_token,
            session_id,
            access_ttl_secs: self.access_ttl_secs,
            refresh_ttl_secs: self.refresh_ttl_secs,
        })
    }

    /// Exchanges a refresh token for new tokens of the same session. A token that was already
    /// exchanged means it was copied: the whole session is revoked.
    pub async fn rotate(
        &self,
        db: &Database,
        refresh_token: &str,
    ) -> AppResult<(Issued, UserRecord)> {
        let hash = tokens::hash_refresh_token(refresh_token);
        let now = now_ms();
        let mut tx = db.begin_write().await?;
        let found = sessions::find_refresh(tx.conn(), &hash).await?;
        let Some(found) = found else {
            return Err(refresh_refused(
                "INVALID_REFRESH_TOKEN",
                "The refresh token is invalid",
            ));
        };
        if found.session_revoked {
            return Err(refresh_refused(
                "SESSION_REVOKED",
                "The session has ended; sign in again",
            ));
        }
        let first_use = !found.used && sessions::use_refresh(tx.conn(), &hash, now).await?;
        if !first_use {
            sessions::revoke(tx.conn(), &found.session_id, now).await?;
            tx.commit().await?;
            tracing::warn!(
                user_id = found.user_id,
                "a refresh token was presented twice; its session is revoked"
            );
            return Err(refresh_refused(
                "REFRESH_TOKEN_REUSED",
                "This refresh token was already used; the session has been ended, sign in again",
            ));
        }
        if found.expires_at <= now {
            return Err(refresh_refused(
                "REFRESH_TOKEN_EXPIRED",
                "The refresh token has expired; sign in again",
            ));
        }
        let user = users::find_by_id(tx.conn(), found.user_id)
            .await?
            .filter(|u| u.is_active)
            .ok_or_else(|| {
                refresh_refused("SESSION_REVOKED", "The session has ended; sign in again")
            })?;
        let issued = self
            .continue_session(tx.conn(), user.id, found.session_id, now)
            .await?;
        tx.commit().await?;
        Ok((issued, user))
    }
}

/// Deletes sessions that ended more than a day ago, hourly, so the table holds only live and
/// recently ended sessions (recent ones still explain a refused token in the logs).
pub fn spawn_cleanup(db: Database) -> tokio::task::JoinHandle<()> {
    const EVERY: std::time::Duration = std::time::Duration::from_secs(3600);
    const KEEP_MS: i64 = 24 * 3600 * 1000;
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(EVERY).await;
            let Ok(mut tx) = db.begin_write().await else {
                continue;
            };
            match sessions::purge_ended(tx.conn(), now_ms() - KEEP_MS).await {
                Ok(removed) => {
                    if tx.commit().await.is_ok() && removed > 0 {
                        tracing::info!(removed, "ended sessions removed");
                    }
                }
                Err(e) => tracing::warn!(error = %e, "removing ended sessions failed"),
            }
        }
    })
}
