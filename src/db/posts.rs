//! Queries on posts, likes and comments. Each post row comes with its author and, for the
//! viewer, whether they like it, in the same query: a page of the feed is one query.

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use super::summary::{Summary, summary_columns};

#[derive(Debug, Clone)]
pub struct PostRow {
    pub id: i64,
    pub user_id: i64,
    pub content: String,
    pub image_url: Option<String>,
    pub video_url: Option<String>,
    pub post_type: String,
    pub related_job_id: Option<i64>,
    pub likes_count: i64,
    pub comments_count: i64,
    pub is_liked: bool,
    pub created_at: i64,
    pub updated_at: i64,
    pub author: Summary,
}

/// The post columns, the author and the viewer's like (`$1` is the viewer, 0 for nobody).
macro_rules! select_posts {
    ($($rest:tt)*) => {
        concat!(
            "SELECT p.id, p.user_id, p.content, p.image_url, p.video_url, p.post_type, \
             p.related_job_id, p.likes_count, p.comments_count, p.created_at, p.updated_at, \
             CAST(CASE WHEN l.user_id IS NULL THEN 0 ELSE 1 END AS BIGINT) AS is_liked, ",
            summary_columns!("u", "author_"),
            " FROM posts p JOIN users u ON u.id = p.user_id \
             LEFT JOIN post_likes l ON l.post_id = p.id AND l.user_id = $1 ",
            $($rest)*
        )
    };
}

fn from_row(row: &AnyRow) -> Result<PostRow, sqlx::Error> {
    Ok(PostRow {
        id: row.try_get("id")?,
        user_id: row.try_get("user_id")?,
        content: row.try_get("content")?,
        image_url: row.try_get("image_url")?,
        video_url: row.try_get("video_url")?,
        post_type: row.try_get("post_type")?,
        related_job_id: row.try_get("related_job_id")?,
        likes_count: row.try_get("likes_count")?,
        comments_count: row.try_get("comments_count")?,
        is_liked: row.try_get::<i64, _>("is_liked")? != 0,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        author: Summary::from_row(row, "author_")?,
    })
}

pub struct NewPost<'a> {
    pub user_id: i64,
    pub content: &'a str,
    pub image_url: Option<&'a str>,
    pub video_url: Option<&'a str>,
    pub post_type: &'a str,
    pub related_job_id: Option<i64>,
    pub now: i64,
}

pub async fn insert(conn: &mut AnyConnection, post: &NewPost<'_>) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO posts (user_id, content, image_url, video_url, post_type, related_job_id, \
         likes_count, comments_count, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, 0, 0, $7, $7) RETURNING id",
    )
    .bind(post.user_id)
    .bind(post.content)
    .bind(post.image_url)
    .bind(post.video_url)
    .bind(post.post_type)
    .bind(post.related_job_id)
    .bind(post.now)
    .fetch_one(conn)
    .await
}

pub async fn find(
    conn: &mut AnyConnection,
    id: i64,
    viewer: i64,
) -> Result<Option<PostRow>, sqlx::Error> {
    let row = sqlx::query(select_posts!("WHERE p.id = $2"))
        .bind(viewer)
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// Newest first, everyone's.
pub async fn feed(
    conn: &mut AnyConnection,
    viewer: i64,
    limit: i64,
    offset: i64,
) -> Result<Vec<PostRow>, sqlx::Error> {
    let rows = sqlx::query(select_posts!(
        "ORDER BY p.created_at DESC, p.id DESC LIMIT $2 OFFSET $3"
    ))
    .bind(viewer)
    .bind(limit)
    .bind(offset)
    .fetch_all(conn)
    .await?;
    rows.iter().map(from_row).collect()
}

/// Newest first, one author's.
pub async fn by_user(
    conn: &mut AnyConnection,
    user_id: i64,
    viewer: i64,
    limit: i64,
    offset: i64,
) -> Result<Vec<PostRow>, sqlx::Error> {
    let rows = sqlx::query(select_posts!(
        "WHERE p.user_id = $2 ORDER BY p.created_at DESC, p.id DESC LIMIT $3 OFFSET $4"
    ))
    .bind(viewer)
    .bind(user_id)
    .bind(limit)
    .bind(offset)
    .fetch_all(conn)
    .await?;
    rows.iter().map(from_row).collect()
}

pub async fn owner(conn: &mut AnyConnection, id: i64) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT user_id FROM posts WHERE id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await
}

pub async fn update_content(
    conn: &mut AnyConnection,
    id: i64,
    content: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE posts SET content = $1, updated_at = $2 WHERE id = $3")
        .bind(content)
        .bind(now)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Deletes a post; its likes and comments go with it.
pub async fn delete(conn: &mut AnyConnection, id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM posts WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Adds a like; false when it was already there. The post's counter moves with it.
pub async fn like(
    conn: &mut AnyConnection,
    post_id: i64,
    user_id: i64,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let added = sqlx::query(
        "INSERT INTO post_likes (post_id, user_id, created_at) VALUES ($1, $2, $3) \
         ON CONFLICT (post_id, user_id) DO NOTHING",
    )
    .bind(post_id)
    .bind(user_id)
    .bind(now)
    .execute(&mut *conn)
    .await?
    .rows_affected()
        == 1;
    if added {
        sqlx::query("UPDATE posts SET likes_count = likes_count + 1 WHERE id = $1")
            .bind(post_id)
            .execute(conn)
            .await?;
    }
    Ok(added)
}

/// Removes a like; false when there was none.
pub async fn unlike(
    conn: &mut AnyConnection,
    post_id: i64,
    user_id: i64,
) -> Result<bool, sqlx::Error> {
    let removed = sqlx::query("DELETE FROM post_likes WHERE post_id = $1 AND user_id = $2")
        .bind(post_id)
        .bind(user_id)
        .execute(&mut *conn)
        .await?
        .rows_affected()
        == 1;
    if removed {
        sqlx::query("UPDATE posts SET likes_count = likes_count - 1 WHERE id = $1")
            .bind(post_id)
            .execute(conn)
            .await?;
    }
    Ok(removed)
}

pub async fn likes_count(conn: &mut AnyConnection, post_id: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT likes_count FROM posts WHERE id = $1")
        .bind(post_id)
        .fetch_one(conn)
        .await
}

#[derive(Debug, Clone)]
pub struct CommentRow {
    pub id: i64,
    pub post_id: i64,
    pub user_id: i64,
    pub content: String,
    pub created_at: i64,
    pub author: Summary,
}

macro_rules! select_comments {
    ($($rest:tt)*) => {
        concat!(
            "SELECT c.id, c.post_id, c.user_id, c.content, c.created_at, ",
            summary_columns!("u", "author_"),
            " FROM comments c JOIN users u ON u.id = c.user_id ",
            $($rest)*
        )
    };
}

fn comment_from_row(row: &AnyRow) -> Result<CommentRow, sqlx::Error> {
    Ok(CommentRow {
        id: row.try_get("id")?,
        post_id: row.try_get("post_id")?,
        user_id: row.try_get("user_id")?,
        content: row.try_get("content")?,
        created_at: row.try_get("created_at")?,
        author: Summary::from_row(row, "author_")?,
    })
}

/// Oldest first.
pub async fn comments(
    conn: &mut AnyConnection,
    post_id: i64,
    limit: i64,
    offset: i64,
) -> Result<Vec<CommentRow>, sqlx::Error> {
    let rows = sqlx::query(select_comments!(
        "WHERE c.post_id = $1 ORDER BY c.created_at, c.id LIMIT $2 OFFSET $3"
    ))
    .bind(post_id)
    .bind(limit)
    .bind(offset)
    .fetch_all(conn)
    .await?;
    rows.iter().map(comment_from_row).collect()
}

pub async fn add_comment(
    conn: &mut AnyConnection,
    post_id: i64,
    user_id: i64,
    content: &str,
    now: i64,
) -> Result<CommentRow, sqlx::Error> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO comments (post_id, user_id, content, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(post_id)
    .bind(user_id)
    .bind(content)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    sqlx::query("UPDATE posts SET comments_count = comments_count + 1 WHERE id = $1")
        .bind(post_id)
        .execute(&mut *conn)
        .await?;
    let row = sqlx::query(select_comments!("WHERE c.id = $1"))
        .bind(id)
        .fetch_one(conn)
        .await?;
    comment_from_row(&row)
}

/// The comment's author, if the comment belongs to `post_id`.
pub async fn comment_author(
    conn: &mut AnyConnection,
    post_id: i64,
    comment_id: i64,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT user_id FROM comments WHERE id = $1 AND post_id = $2")
        .bind(comment_id)
        .bind(post_id)
        .fetch_optional(conn)
        .await
}

pub async fn delete_comment(
    conn: &mut AnyConnection,
    post_id: i64,
    comment_id: i64,
) -> Result<(), sqlx::Error> {
    let removed = sqlx::query("DELETE FROM comments WHERE id = $1 AND post_id = $2")
        .bind(comment_id)
        .bind(post_id)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    if removed == 1 {
        sqlx::query("UPDATE posts SET comments_count = comments_count - 1 WHERE id = $1")
            .bind(post_id)
            .execute(conn)
            .await?;
    }
    Ok(())
}
