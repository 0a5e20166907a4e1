//! Queries on notifications.

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use super::summary::{Summary, summary_columns};

#[derive(Debug, Clone)]
pub struct NotificationRow {
    pub id: i64,
    pub user_id: i64,
    pub kind: String,
    pub content: String,
    pub related_id: Option<i64>,
    pub is_read: bool,
    pub created_at: i64,
    pub actor: Option<Summary>,
}

macro_rules! select {
    ($($rest:tt)*) => {
        concat!(
            "SELECT n.id, n.user_id, n.kind, n.content, n.related_id, n.is_read, n.created_at, ",
            summary_columns!("a", "actor_"),
            " FROM notifications n LEFT JOIN users a ON a.id = n.actor_id ",
            $($rest)*
        )
    };
}

fn from_row(row: &AnyRow) -> Result<NotificationRow, sqlx::Error> {
    Ok(NotificationRow {
        id: row.try_get("id")?,
        user_id: row.try_get("user_id")?,
        kind: row.try_get("kind")?,
        content: row.try_get("content")?,
        related_id: row.try_get("related_id")?,
        is_read: row.try_get::<i64, _>("is_read")? != 0,
        created_at: row.try_get("created_at")?,
        actor: Summary::from_optional_row(row, "actor_")?,
    })
}

pub struct NewNotification<'a> {
    pub user_id: i64,
    pub actor_id: Option<i64>,
    pub kind: &'a str,
    pub content: &'a str,
    pub related_id: Option<i64>,
    pub now: i64,
}

pub async fn insert(
    conn: &mut AnyConnection,
    n: &NewNotification<'_>,
) -> Result<NotificationRow, sqlx::Error> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO notifications (user_id, actor_id, kind, content, related_id, is_read, created_at) \
         VALUES ($1, $2, $3, $4, $5, 0, $6) RETURNING id",
    )
    .bind(n.user_id)
    .bind(n.actor_id)
    .bind(n.kind)
    .bind(n.content)
    .bind(n.related_id)
    .bind(n.now)
    .fetch_one(&mut *conn)
    .await?;
    let row = sqlx::query(select!("WHERE n.id = $1"))
        .bind(id)
        .fetch_one(conn)
        .await?;
    from_row(&row)
}

pub async fn list(
    conn: &mut AnyConnection,
    user_id: i64,
    unread_only: bool,
    limit: i64,
    offset: i64,
) -> Result<(Vec<NotificationRow>, i64), sqlx::Error> {
    let rows = if unread_only {
        sqlx::query(select!(
            "WHERE n.user_id = $1 AND n.is_read = 0 ORDER BY n.id DESC LIMIT $2 OFFSET $3"
        ))
    } else {
        sqlx::query(select!(
            "WHERE n.user_id = $1 ORDER BY n.id DESC LIMIT $2 OFFSET $3"
        ))
    }
    .bind(user_id)
    .bind(limit)
    .bind(offset)
    .fetch_all(&mut *conn)
    .await?;
    let total: i64 = if unread_only {
        sqlx::query_scalar("SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND is_read = 0")
    } else {
        sqlx::query_scalar("SELECT COUNT(*) FROM notifications WHERE user_id = $1")
    }
    .bind(user_id)
    .fetch_one(conn)
    .await?;
    Ok((rows.iter().map(from_row).collect::<Result<_, _>>()?, total))
}

pub async fn unread_count(conn: &mut AnyConnection, user_id: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND is_read = 0")
        .bind(user_id)
        .fetch_one(conn)
        .await
}

/// Marks one of `user_id`'s notifications read; false when it is not theirs or does not exist.
pub async fn mark_read(
    conn: &mut AnyConnection,
    user_id: i64,
    id: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("UPDATE notifications SET is_read = 1 WHERE id = $1 AND user_id = $2")
        .bind(id)
        .bind(user_id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn mark_all_read(conn: &mut AnyConnection, user_id: i64) -> Result<u64, sqlx::Error> {
    let done =
        sqlx::query("UPDATE notifications SET is_read = 1 WHERE user_id = $1 AND is_read = 0")
            .bind(user_id)
            .execute(conn)
            .await?;
    Ok(done.rows_affected())
}
