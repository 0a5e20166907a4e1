//! Queries on login sessions and their refresh tokens. A session is one sign-in: its refresh
//! tokens form one family, and revoking the session ends every token of it at once, access
//! tokens included (they name their session and are checked against it).

use sqlx::{AnyConnection, Row};

use super::users::{UserRecord, user_columns};

pub async fn create(
    conn: &mut AnyConnection,
    session_id: &str,
    user_id: i64,
    now: i64,
    expires_at: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO sessions (id, user_id, created_at, expires_at, revoked_at) \
         VALUES ($1, $2, $3, $4, NULL)",
    )
    .bind(session_id)
    .bind(user_id)
    .bind(now)
    .bind(expires_at)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn add_refresh_token(
    conn: &mut AnyConnection,
    token_hash: &str,
    session_id: &str,
    now: i64,
    expires_at: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO refresh_tokens (token_hash, session_id, created_at, expires_at, used_at) \
         VALUES ($1, $2, $3, $4, NULL)",
    )
    .bind(token_hash)
    .bind(session_id)
    .bind(now)
    .bind(expires_at)
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE sessions SET expires_at = $1 WHERE id = $2")
        .bind(expires_at)
        .bind(session_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// A refresh token as found, with its session.
pub struct StoredRefresh {
    pub session_id: String,
    pub user_id: i64,
    pub expires_at: i64,
    pub used: bool,
    pub session_revoked: bool,
}

pub async fn find_refresh(
    conn: &mut AnyConnection,
    token_hash: &str,
) -> Result<Option<StoredRefresh>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT r.session_id, s.user_id, r.expires_at, r.used_at, s.revoked_at \
         FROM refresh_tokens r JOIN sessions s ON s.id = r.session_id WHERE r.token_hash = $1",
    )
    .bind(token_hash)
    .fetch_optional(conn)
    .await?;
    row.map(|row| {
        Ok(StoredRefresh {
            session_id: row.try_get("session_id")?,
            user_id: row.try_get("user_id")?,
            expires_at: row.try_get("expires_at")?,
            used: row.try_get::<Option<i64>, _>("used_at")?.is_some(),
            session_revoked: row.try_get::<Option<i64>, _>("revoked_at")?.is_some(),
        })
    })
    .transpose()
}

/// Marks a refresh token used. False when another request used it first.
pub async fn use_refresh(
    conn: &mut AnyConnection,
    token_hash: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE refresh_tokens SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL",
    )
    .bind(now)
    .bind(token_hash)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn revoke(
    conn: &mut AnyConnection,
    session_id: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE sessions SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
        .bind(now)
        .bind(session_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Revokes every session of a user, except `keep` when given.
pub async fn revoke_all(
    conn: &mut AnyConnection,
    user_id: i64,
    keep: Option<&str>,
    now: i64,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE sessions SET revoked_at = $1 \
         WHERE user_id = $2 AND revoked_at IS NULL AND id <> $3",
    )
    .bind(now)
    .bind(user_id)
    .bind(keep.unwrap_or(""))
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

/// The user of a live session: the session exists, is not revoked or expired, and belongs to
/// `user_id`, whose account is active.
pub async fn live_user(
    conn: &mut AnyConnection,
    session_id: &str,
    user_id: i64,
    now: i64,
) -> Result<Option<UserRecord>, sqlx::Error> {
    let row = sqlx::query(concat!(
        "SELECT ",
        user_columns!(),
        " FROM users WHERE id = $1 AND is_active = 1 AND EXISTS (SELECT 1 FROM sessions s \
         WHERE s.id = $2 AND s.user_id = $1 AND s.revoked_at IS NULL AND s.expires_at > $3)"
    ))
    .bind(user_id)
    .bind(session_id)
    .bind(now)
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(UserRecord::from_row).transpose()
}

/// Which of `ids` are live sessions of active accounts.
pub async fn live_ids(
    conn: &mut AnyConnection,
    ids: &[String],
    now: i64,
) -> Result<std::collections::HashSet<String>, sqlx::Error> {
    let mut found = std::collections::HashSet::new();
    // Bounded statements: a few hundred parameters each.
    for chunk in ids.chunks(500) {
        let params: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 2)).collect();
        let sql = format!(
            "SELECT s.id FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.revoked_at IS NULL AND s.expires_at > $1 AND u.is_active = 1 AND s.id IN ({})",
            params.join(", ")
        );
        let mut query = sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(sql)).bind(now);
        for id in chunk {
            query = query.bind(id);
        }
        found.extend(query.fetch_all(&mut *conn).await?);
    }
    Ok(found)
}

/// Removes sessions that ended long ago, so the table does not grow without bound.
pub async fn purge_ended(conn: &mut AnyConnection, before: i64) -> Result<u64, sqlx::Error> {
    let done = sqlx::query("DELETE FROM sessions WHERE expires_at < $1 OR revoked_at < $1")
        .bind(before)
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}
