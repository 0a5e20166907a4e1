//! Queries on conversations and messages. The conversation list is two queries whatever its
//! length: the conversations with participants and unread counts, then the newest messages of
//! all of them at once.

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AssertSqlSafe, Row};

use super::summary::{Summary, summary_columns};

#[derive(Debug, Clone)]
pub struct ConversationRow {
    pub id: i64,
    pub participant_1: Summary,
    pub participant_2: Summary,
    pub created_at: i64,
    pub updated_at: i64,
    pub unread_count: i64,
}

#[derive(Debug, Clone)]
pub struct MessageRow {
    pub id: i64,
    pub conversation_id: i64,
    pub sender_id: i64,
    pub receiver_id: i64,
    pub content: String,
    pub is_read: bool,
    pub created_at: i64,
    pub sender: Summary,
}

/// Conversations with both participants and `$1`'s unread count.
macro_rules! select_conversations {
    ($($rest:tt)*) => {
        concat!(
            "SELECT c.id, c.created_at, c.updated_at, ",
            summary_columns!("a", "p1_"), ", ", summary_columns!("b", "p2_"),
            ", (SELECT COUNT(*) FROM messages m WHERE m.conversation_id = c.id AND m.receiver_id = $1 \
             AND m.is_read = 0) AS unread_count \
             FROM conversations c JOIN users a ON a.id = c.participant_1_id \
             JOIN users b ON b.id = c.participant_2_id ",
            $($rest)*
        )
    };
}

macro_rules! select_messages {
    ($($rest:tt)*) => {
        concat!(
            "SELECT m.id, m.conversation_id, m.sender_id, m.receiver_id, m.content, m.is_read, m.created_at, ",
            summary_columns!("s", "sender_"),
            " FROM messages m JOIN users s ON s.id = m.sender_id ",
            $($rest)*
        )
    };
}

fn conversation(row: &AnyRow) -> Result<ConversationRow, sqlx::Error> {
    Ok(ConversationRow {
        id: row.try_get("id")?,
        participant_1: Summary::from_row(row, "p1_")?,
        participant_2: Summary::from_row(row, "p2_")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        unread_count: row.try_get("unread_count")?,
    })
}

fn message(row: &AnyRow) -> Result<MessageRow, sqlx::Error> {
    Ok(MessageRow {
        id: row.try_get("id")?,
        conversation_id: row.try_get("conversation_id")?,
        sender_id: row.try_get("sender_id")?,
        receiver_id: row.try_get("receiver_id")?,
        content: row.try_get("content")?,
        is_read: row.try_get::<i64, _>("is_read")? != 0,
        created_at: row.try_get("created_at")?,
        sender: Summary::from_row(row, "sender_")?,
    })
}

/// The conversation of a pair, made if it does not exist yet. True when it was made now.
pub async fn get_or_create(
    conn: &mut AnyConnection,
    a: i64,
    b: i64,
    now: i64,
) -> Result<(i64, bool), sqlx::Error> {
    let (low, high) = (a.min(b), a.max(b));
    let made = sqlx::query(
        "INSERT INTO conversations (participant_1_id, participant_2_id, created_at, updated_at) \
         VALUES ($1, $2, $3, $3) ON CONFLICT (participant_1_id, participant_2_id) DO NOTHING",
    )
    .bind(low)
    .bind(high)
    .bind(now)
    .execute(&mut *conn)
    .await?
    .rows_affected()
        == 1;
    let id = sqlx::query_scalar(
        "SELECT id FROM conversations WHERE participant_1_id = $1 AND participant_2_id = $2",
    )
    .bind(low)
    .bind(high)
    .fetch_one(conn)
    .await?;
    Ok((id, made))
}

/// A conversation `viewer` takes part in; `None` for anyone else's.
pub async fn find(
    conn: &mut AnyConnection,
    id: i64,
    viewer: i64,
) -> Result<Option<ConversationRow>, sqlx::Error> {
    let row = sqlx::query(select_conversations!(
        "WHERE c.id = $2 AND (c.participant_1_id = $1 OR c.participant_2_id = $1)"
    ))
    .bind(viewer)
    .bind(id)
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(conversation).transpose()
}

/// The two participants of a conversation, if it exists.
pub async fn participants(
    conn: &mut AnyConnection,
    id: i64,
) -> Result<Option<(i64, i64)>, sqlx::Error> {
    let row =
        sqlx::query("SELECT participant_1_id, participant_2_id FROM conversations WHERE id = $1")
            .bind(id)
            .fetch_optional(conn)
            .await?;
    row.map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).transpose()
}

/// Everyone `user_id` has a conversation with.
pub async fn partners(conn: &mut AnyConnection, user_id: i64) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT participant_2_id FROM conversations WHERE participant_1_id = $1 \
         UNION SELECT participant_1_id FROM conversations WHERE participant_2_id = $1",
    )
    .bind(user_id)
    .fetch_all(conn)
    .await
}

/// `viewer`'s conversations, most recently active first.
pub async fn list(
    conn: &mut AnyConnection,
    viewer: i64,
    limit: i64,
    offset: i64,
) -> Result<Vec<ConversationRow>, sqlx::Error> {
    let rows = sqlx::query(select_conversations!(
        "WHERE c.participant_1_id = $1 OR c.participant_2_id = $1 ORDER BY c.updated_at DESC, c.id DESC LIMIT $2 OFFSET $3"
    ))
    .bind(viewer)
    .bind(limit)
    .bind(offset)
    .fetch_all(conn)
    .await?;
    rows.iter().map(conversation).collect()
}

/// The newest `per` messages of each conversation in `ids`, oldest first within each, in one
/// query.
pub async fn newest_of(
    conn: &mut AnyConnection,
    ids: &[i64],
    per: i64,
) -> Result<Vec<MessageRow>, sqlx::Error> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let marks: Vec<String> = (2..ids.len() + 2).map(|n| format!("${n}")).collect();
    // Placeholders are generated; the ids are bound.
    let sql = format!(
        "SELECT * FROM ({} WHERE m.conversation_id IN ({})) ranked WHERE ranked.position <= $1 \
         ORDER BY ranked.conversation_id, ranked.id",
        select_messages!().replace(
            "SELECT m.id,",
            "SELECT ROW_NUMBER() OVER (PARTITION BY m.conversation_id ORDER BY m.id DESC) AS position, m.id,"
        ),
        marks.join(", ")
    );
    let mut query = sqlx::query(AssertSqlSafe(sql)).bind(per);
    for id in ids {
        query = query.bind(*id);
    }
    let rows = query.fetch_all(conn).await?;
    rows.iter().map(message).collect()
}

/// Messages of a conversation before message `before` (or the newest), at most `limit`,
/// oldest first.
pub async fn history(
    conn: &mut AnyConnection,
    id: i64,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<MessageRow>, sqlx::Error> {
    let rows = sqlx::query(select_messages!(
        "WHERE m.conversation_id = $1 AND m.id < $2 ORDER BY m.id DESC LIMIT $3"
    ))
    .bind(id)
    .bind(before.unwrap_or(i64::MAX))
    .bind(limit)
    .fetch_all(conn)
    .await?;
    let mut messages: Vec<MessageRow> = rows.iter().map(message).collect::<Result<_, _>>()?;
    messages.reverse();
    Ok(messages)
}

pub async fn send(
    conn: &mut AnyConnection,
    conversation_id: i64,
    sender: i64,
    receiver: i64,
    content: &str,
    now: i64,
) -> Result<MessageRow, sqlx::Error> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO messages (conversation_id, sender_id, receiver_id, content, is_read, created_at) \
         VALUES ($1, $2, $3, $4, 0, $5) RETURNING id",
    )
    .bind(conversation_id)
    .bind(sender)
    .bind(receiver)
    .bind(content)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    sqlx::query("UPDATE conversations SET updated_at = $1 WHERE id = $2")
        .bind(now)
        .bind(conversation_id)
        .execute(&mut *conn)
        .await?;
    let row = sqlx::query(select_messages!("WHERE m.id = $1"))
        .bind(id)
        .fetch_one(conn)
        .await?;
    message(&row)
}

/// Marks what `receiver` got in a conversation as read; how many changed.
pub async fn read_conversation(
    conn: &mut AnyConnection,
    id: i64,
    receiver: i64,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query("UPDATE messages SET is_read = 1 WHERE conversation_id = $1 AND receiver_id = $2 AND is_read = 0")
        .bind(id)
        .bind(receiver)
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}

/// Marks one message read; false unless `receiver` received it.
pub async fn read_message(
    conn: &mut AnyConnection,
    id: i64,
    receiver: i64,
) -> Result<bool, sqlx::Error> {
    let found: Option<i64> =
        sqlx::query_scalar("SELECT id FROM messages WHERE id = $1 AND receiver_id = $2")
            .bind(id)
            .bind(receiver)
            .fetch_optional(&mut *conn)
            .await?;
    if found.is_none() {
        return Ok(false);
    }
    sqlx::query("UPDATE messages SET is_read = 1 WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(true)
}

pub async fn unread_count(conn: &mut AnyConnection, receiver: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM messages WHERE receiver_id = $1 AND is_read = 0")
        .bind(receiver)
        .fetch_one(conn)
        .await
}
