//! Queries about people and who follows whom: public profiles, lists, search, friends,
//! suggestions and availability for hire.

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AssertSqlSafe, Row};

use super::dialect;
use crate::config::Backend;

use super::users::{UserRecord, user_columns, user_columns_of};

/// A user with whether the viewer follows them.
pub struct Person {
    pub user: UserRecord,
    pub is_following: bool,
}

fn person(row: &AnyRow) -> Result<Person, sqlx::Error> {
    Ok(Person {
        user: UserRecord::from_row(row)?,
        is_following: row.try_get::<i64, _>("is_following")? != 0,
    })
}

/// People with whether `$1` (the viewer) follows each.
macro_rules! select_people {
    ($($rest:tt)*) => {
        concat!(
            "SELECT ", user_columns_of!("users"), ", CAST(CASE WHEN f.follower_id IS NULL THEN 0 ELSE 1 END AS BIGINT) AS is_following \
             FROM users LEFT JOIN follows f ON f.followed_id = users.id AND f.follower_id = $1 ",
            $($rest)*
        )
    };
}

/// People matching `words` (see `dialect::search_words`; none means everyone) among those
/// meeting `base` (fixed SQL), in `order`, with the total. The viewer is `$1`.
#[allow(clippy::too_many_arguments)]
async fn search_people(
    conn: &mut AnyConnection,
    backend: Backend,
    viewer: i64,
    words: &[String],
    base: &'static str,
    order: &'static str,
    limit: i64,
    offset: i64,
) -> Result<(Vec<Person>, i64), sqlx::Error> {
    let search = (!words.is_empty()).then(|| dialect::people_search(backend, words));
    let join = search.as_ref().map_or("", |s| s.join);
    let condition = |p: &str| match &search {
        Some(s) => format!("{base} AND {}", s.condition.replace("{p}", p)),
        None => base.to_owned(),
    };
    let (filter, limit_p, offset_p) = match &search {
        Some(_) => (condition("$2"), "$3", "$4"),
        None => (condition(""), "$2", "$3"),
    };
    // Fixed fragments and numbered placeholders only; the search text is bound.
    let list_sql = format!(
        "SELECT {}, CAST(CASE WHEN f.follower_id IS NULL THEN 0 ELSE 1 END AS BIGINT) AS is_following \
         FROM users {join} LEFT JOIN follows f ON f.followed_id = users.id AND f.follower_id = $1 \
         WHERE {filter} ORDER BY {order} LIMIT {limit_p} OFFSET {offset_p}",
        user_columns_of!("users")
    );
    let mut query = sqlx::query(AssertSqlSafe(list_sql)).bind(viewer);
    if let Some(s) = &search {
        query = query.bind(s.param.clone());
    }
    let rows = query.bind(limit).bind(offset).fetch_all(&mut *conn).await?;
    let count_sql = format!(
        "SELECT COUNT(*) FROM users {join} WHERE {}",
        condition("$1")
    );
    let mut count = sqlx::query_scalar::<_, i64>(AssertSqlSafe(count_sql));
    if let Some(s) = &search {
        count = count.bind(s.param.clone());
    }
    let total = count.fetch_one(conn).await?;
    Ok((rows.iter().map(person).collect::<Result<_, _>>()?, total))
}

/// Active people matching `words`, by name, with the total.
pub async fn list(
    conn: &mut AnyConnection,
    backend: Backend,
    viewer: i64,
    words: &[String],
    limit: i64,
    offset: i64,
) -> Result<(Vec<Person>, i64), sqlx::Error> {
    let order = "lower(users.first_name), lower(users.last_name), users.id";
    search_people(
        conn,
        backend,
        viewer,
        words,
        "users.is_active = 1",
        order,
        limit,
        offset,
    )
    .await
}

/// Active people available for hire, matching `words`, newest first, with the total.
pub async fn available(
    conn: &mut AnyConnection,
    backend: Backend,
    viewer: i64,
    words: &[String],
    limit: i64,
    offset: i64,
) -> Result<(Vec<Person>, i64), sqlx::Error> {
    let base = "users.is_available_for_hire = 1 AND users.is_active = 1";
    search_people(
        conn,
        backend,
        viewer,
        words,
        base,
        "users.id DESC",
        limit,
        offset,
    )
    .await
}

pub async fn set_available(
    conn: &mut AnyConnection,
    id: i64,
    available: bool,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET is_available_for_hire = $1, updated_at = $2 WHERE id = $3")
        .bind(i64::from(available))
        .bind(now)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// An active user by id or (case-insensitive) username.
pub async fn find_active(
    conn: &mut AnyConnection,
    key: &str,
) -> Result<Option<UserRecord>, sqlx::Error> {
    let row = match key.parse::<i64>() {
        Ok(id) => {
            sqlx::query(concat!(
                "SELECT ",
                user_columns!(),
                " FROM users WHERE id = $1 AND is_active = 1"
            ))
            .bind(id)
            .fetch_optional(conn)
            .await?
        }
        Err(_) => {
            sqlx::query(concat!(
                "SELECT ",
                user_columns!(),
                " FROM users WHERE lower(username) = lower($1) AND is_active = 1"
            ))
            .bind(key)
            .fetch_optional(conn)
            .await?
        }
    };
    row.as_ref().map(UserRecord::from_row).transpose()
}

pub struct Counts {
    pub posts: i64,
    pub followers: i64,
    pub following: i64,
}

pub async fn counts(conn: &mut AnyConnection, id: i64) -> Result<Counts, sqlx::Error> {
    let row = sqlx::query(
        "SELECT (SELECT COUNT(*) FROM posts WHERE user_id = $1) AS posts, \
         (SELECT COUNT(*) FROM follows WHERE followed_id = $1) AS followers, \
         (SELECT COUNT(*) FROM follows WHERE follower_id = $1) AS following",
    )
    .bind(id)
    .fetch_one(conn)
    .await?;
    Ok(Counts {
        posts: row.try_get("posts")?,
        followers: row.try_get("followers")?,
        following: row.try_get("following")?,
    })
}

pub async fn is_following(
    conn: &mut AnyConnection,
    follower: i64,
    followed: i64,
) -> Result<bool, sqlx::Error> {
    let found: Option<i64> =
        sqlx::query_scalar("SELECT 1 FROM follows WHERE follower_id = $1 AND followed_id = $2")
            .bind(follower)
            .bind(followed)
            .fetch_optional(conn)
            .await?;
    Ok(found.is_some())
}

/// Adds a follow; false when it already existed.
pub async fn follow(
    conn: &mut AnyConnection,
    follower: i64,
    followed: i64,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "INSERT INTO follows (follower_id, followed_id, created_at) VALUES ($1, $2, $3) \
         ON CONFLICT (follower_id, followed_id) DO NOTHING",
    )
    .bind(follower)
    .bind(followed)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn unfollow(
    conn: &mut AnyConnection,
    follower: i64,
    followed: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM follows WHERE follower_id = $1 AND followed_id = $2")
        .bind(follower)
        .bind(followed)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn followers_count(conn: &mut AnyConnection, id: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM follows WHERE followed_id = $1")
        .bind(id)
        .fetch_one(conn)
        .await
}

/// Which side of `id`'s follows a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// People who follow `id`.
    Followers,
    /// People `id` follows.
    Following,
}

/// One side of `id`'s follows, newest follow first, with the viewer's own follow of each.
pub async fn follows(
    conn: &mut AnyConnection,
    side: Side,
    viewer: i64,
    id: i64,
    limit: i64,
    offset: i64,
) -> Result<Vec<Person>, sqlx::Error> {
    let query = match side {
        Side::Followers => select_people!(
            "JOIN follows x ON x.follower_id = users.id WHERE x.followed_id = $2 AND users.is_active = 1 \
             ORDER BY x.created_at DESC, users.id DESC LIMIT $3 OFFSET $4"
        ),
        Side::Following => select_people!(
            "JOIN follows x ON x.followed_id = users.id WHERE x.follower_id = $2 AND users.is_active = 1 \
             ORDER BY x.created_at DESC, users.id DESC LIMIT $3 OFFSET $4"
        ),
    };
    let rows = sqlx::query(query)
        .bind(viewer)
        .bind(id)
        .bind(limit)
        .bind(offset)
        .fetch_all(conn)
        .await?;
    rows.iter().map(person).collect()
}

/// People who follow `id` and whom `id` follows back.
pub async fn friends(
    conn: &mut AnyConnection,
    id: i64,
    limit: i64,
    offset: i64,
) -> Result<Vec<Person>, sqlx::Error> {
    let rows = sqlx::query(select_people!(
        "JOIN follows back ON back.follower_id = users.id AND back.followed_id = $1 \
         WHERE f.follower_id IS NOT NULL AND users.is_active = 1 \
         ORDER BY lower(users.first_name), users.id LIMIT $2 OFFSET $3"
    ))
    .bind(id)
    .bind(limit)
    .bind(offset)
    .fetch_all(conn)
    .await?;
    rows.iter().map(person).collect()
}

/// People followed by the people `id` follows (most shared first), then people in the same
/// location; never `id` or anyone `id` already follows.
pub async fn suggestions(
    conn: &mut AnyConnection,
    id: i64,
    location: Option<&str>,
    limit: i64,
) -> Result<Vec<Person>, sqlx::Error> {
    let rows = sqlx::query(select_people!(
        "JOIN (SELECT f2.followed_id AS candidate, COUNT(*) AS shared FROM follows f1 \
         JOIN follows f2 ON f2.follower_id = f1.followed_id WHERE f1.follower_id = $1 \
         GROUP BY f2.followed_id) s ON s.candidate = users.id \
         WHERE users.id <> $1 AND f.follower_id IS NULL AND users.is_active = 1 \
         ORDER BY s.shared DESC, users.id LIMIT $2"
    ))
    .bind(id)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    let mut people: Vec<Person> = rows.iter().map(person).collect::<Result<_, _>>()?;
    let room = limit - people.len() as i64;
    if let (Some(location), true) = (location, room > 0) {
        let rows = sqlx::query(select_people!(
            "WHERE users.id <> $1 AND f.follower_id IS NULL AND users.is_active = 1 \
             AND lower(users.location) = lower($2) ORDER BY users.id DESC LIMIT $3"
        ))
        .bind(id)
        .bind(location)
        .bind(limit)
        .fetch_all(conn)
        .await?;
        for row in &rows {
            let p = person(row)?;
            if people.len() as i64 >= limit {
                break;
            }
            if !people.iter().any(|q| q.user.id == p.user.id) {
                people.push(p);
            }
        }
    }
    Ok(people)
}
