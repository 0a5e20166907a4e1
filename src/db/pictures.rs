//! Queries on profile pictures.

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

#[derive(Debug, Clone)]
pub struct PictureRow {
    pub id: i64,
    pub user_id: i64,
    pub storage_key: String,
    pub file_size: i64,
    pub is_current: bool,
    pub created_at: i64,
}

fn from_row(row: &AnyRow) -> Result<PictureRow, sqlx::Error> {
    Ok(PictureRow {
        id: row.try_get("id")?,
        user_id: row.try_get("user_id")?,
        storage_key: row.try_get("storage_key")?,
        file_size: row.try_get("file_size")?,
        is_current: row.try_get::<i64, _>("is_current")? != 0,
        created_at: row.try_get("created_at")?,
    })
}

const COLUMNS: &str = "id, user_id, storage_key, file_size, is_current, created_at";

pub struct NewPicture<'a> {
    pub user_id: i64,
    pub storage_key: &'a str,
    pub content_type: &'a str,
    pub file_size: i64,
    pub width: i64,
    pub height: i64,
    pub now: i64,
}

pub async fn insert(
    conn: &mut AnyConnection,
    p: &NewPicture<'_>,
) -> Result<PictureRow, sqlx::Error> {
    let row = sqlx::query(
        "INSERT INTO profile_pictures (user_id, storage_key, content_type, file_size, width, height, is_current, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, 0, $7) RETURNING id, user_id, storage_key, file_size, is_current, created_at",
    )
    .bind(p.user_id)
    .bind(p.storage_key)
    .bind(p.content_type)
    .bind(p.file_size)
    .bind(p.width)
    .bind(p.height)
    .bind(p.now)
    .fetch_one(conn)
    .await?;
    from_row(&row)
}

pub async fn list(conn: &mut AnyConnection, user_id: i64) -> Result<Vec<PictureRow>, sqlx::Error> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM profile_pictures WHERE user_id = $1 ORDER BY id DESC"
    )))
    .bind(user_id)
    .fetch_all(conn)
    .await?;
    rows.iter().map(from_row).collect()
}

/// A picture of `user_id`'s; `None` for anyone else's.
pub async fn find_own(
    conn: &mut AnyConnection,
    id: i64,
    user_id: i64,
) -> Result<Option<PictureRow>, sqlx::Error> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM profile_pictures WHERE id = $1 AND user_id = $2"
    )))
    .bind(id)
    .bind(user_id)
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// Makes one picture current (and no other), and the user's avatar its URL.
pub async fn set_current(
    conn: &mut AnyConnection,
    id: i64,
    user_id: i64,
    avatar_url: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE profile_pictures SET is_current = CASE WHEN id = $1 THEN 1 ELSE 0 END WHERE user_id = $2")
        .bind(id)
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query("UPDATE users SET avatar_url = $1, updated_at = $2 WHERE id = $3")
        .bind(avatar_url)
        .bind(now)
        .bind(user_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Deletes a picture; when it was current the avatar is cleared too.
pub async fn delete(
    conn: &mut AnyConnection,
    picture: &PictureRow,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM profile_pictures WHERE id = $1")
        .bind(picture.id)
        .execute(&mut *conn)
        .await?;
    if picture.is_current {
        sqlx::query("UPDATE users SET avatar_url = NULL, updated_at = $1 WHERE id = $2")
            .bind(now)
            .bind(picture.user_id)
            .execute(conn)
            .await?;
    }
    Ok(())
}

/// Every stored file a user owns: their pictures and the images of their posts.
pub async fn files_of(conn: &mut AnyConnection, user_id: i64) -> Result<Vec<String>, sqlx::Error> {
    let mut keys: Vec<String> =
        sqlx::query_scalar("SELECT storage_key FROM profile_pictures WHERE user_id = $1")
            .bind(user_id)
            .fetch_all(&mut *conn)
            .await?;
    let images: Vec<String> = sqlx::query_scalar(
        "SELECT image_url FROM posts WHERE user_id = $1 AND image_url LIKE '/api/uploads/%'",
    )
    .bind(user_id)
    .fetch_all(conn)
    .await?;
    keys.extend(
        images
            .iter()
            .filter_map(|u| u.strip_prefix("/api/uploads/"))
            .map(str::to_owned),
    );
    Ok(keys)
}
