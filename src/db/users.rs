//! Queries on `users`. Unique violations are translated here, once, into the 409s that name
//! the field.

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::error::{AppError, FieldError};

/// Every column of `users`, in the order `UserRecord::from_row` reads them.
macro_rules! user_columns {
    () => {
        "id, email, password_hash, first_name, last_name, username, phone, user_type, is_admin, \
         is_active, is_available_for_hire, location, bio, skills, experience, education, \
         occupation, company_name, avatar_url, google_sub, apple_sub, created_at, updated_at"
    };
}
pub(crate) use user_columns;

/// The same columns, qualified by a table alias, for queries that join other tables.
macro_rules! user_columns_of {
    ($a:literal) => {
        concat!(
            $a,
            ".id, ",
            $a,
            ".email, ",
            $a,
            ".password_hash, ",
            $a,
            ".first_name, ",
            $a,
            ".last_name, ",
            $a,
            ".username, ",
            $a,
            ".phone, ",
            $a,
            ".user_type, ",
            $a,
            ".is_admin, ",
            $a,
            ".is_active, ",
            $a,
            ".is_available_for_hire, ",
            $a,
            ".location, ",
            $a,
            ".bio, ",
            $a,
            ".skills, ",
            $a,
            ".experience, ",
            $a,
            ".education, ",
            $a,
            ".occupation, ",
            $a,
            ".company_name, ",
            $a,
            ".avatar_url, ",
            $a,
            ".google_sub, ",
            $a,
            ".apple_sub, ",
            $a,
            ".created_at, ",
            $a,
            ".updated_at"
        )
    };
}
pub(crate) use user_columns_of;

/// A row of `users`.
#[derive(Debug, Clone)]
pub struct UserRecord {
    pub id: i64,
    pub email: String,
    pub password_hash: Option<String>,
    pub first_name: String,
    pub last_name: String,
    pub username: String,
    pub phone: Option<String>,
    pub user_type: String,
    pub is_admin: bool,
    pub is_active: bool,
    pub is_available_for_hire: bool,
    pub profile: Profile,
    pub avatar_url: Option<String>,
    pub google_sub: Option<String>,
    pub apple_sub: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// The free-text fields a person edits about themselves.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Profile {
    pub location: Option<String>,
    pub bio: Option<String>,
    pub skills: Option<String>,
    pub experience: Option<String>,
    pub education: Option<String>,
    pub occupation: Option<String>,
    pub company_name: Option<String>,
}

impl UserRecord {
    pub fn from_row(row: &AnyRow) -> Result<Self, sqlx::Error> {
        Ok(Self {
            id: row.try_get("id")?,
            email: row.try_get("email")?,
            password_hash: row.try_get("password_hash")?,
            first_name: row.try_get("first_name")?,
            last_name: row.try_get("last_name")?,
            username: row.try_get("username")?,
            phone: row.try_get("phone")?,
            user_type: row.try_get("user_type")?,
            is_admin: row.try_get::<i64, _>("is_admin")? != 0,
            is_active: row.try_get::<i64, _>("is_active")? != 0,
            is_available_for_hire: row.try_get::<i64, _>("is_available_for_hire")? != 0,
            profile: Profile {
                location: row.try_get("location")?,
                bio: row.try_get("bio")?,
                skills: row.try_get("skills")?,
                experience: row.try_get("experience")?,
                education: row.try_get("education")?,
                occupation: row.try_get("occupation")?,
                company_name: row.try_get("company_name")?,
            },
            avatar_url: row.try_get("avatar_url")?,
            google_sub: row.try_get("google_sub")?,
            apple_sub: row.try_get("apple_sub")?,
            created_at: row.try_get("created_at")?,
            updated_at: row.try_get("updated_at")?,
        })
    }

    /// `admin` for administrators, otherwise the user type.
    pub fn role(&self) -> &str {
        if self.is_admin {
            "admin"
        } else {
            &self.user_type
        }
    }
}

/// A new account.
pub struct NewUser<'a> {
    pub email: &'a str,
    pub password_hash: Option<&'a str>,
    pub first_name: &'a str,
    pub last_name: &'a str,
    pub username: &'a str,
    pub phone: Option<&'a str>,
    pub user_type: &'a str,
    pub is_admin: bool,
    pub location: Option<&'a str>,
    pub google_sub: Option<&'a str>,
    pub apple_sub: Option<&'a str>,
    pub now: i64,
}

/// Which unique field a violation was about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Taken {
    Email,
    Username,
    Phone,
    Provider,
}

impl Taken {
    pub fn into_error(self) -> AppError {
        let (code, field, message) = match self {
            Self::Email => (
                "EMAIL_EXISTS",
                "email",
                "An account with this e-mail address already exists",
            ),
            Self::Username => (
                "USERNAME_TAKEN",
                "username",
                "This username is already taken",
            ),
            Self::Phone => (
                "PHONE_EXISTS",
                "phone",
                "An account with this phone number already exists",
            ),
            Self::Provider => (
                "ACCOUNT_LINKED",
                "token",
                "This sign-in is already linked to another account",
            ),
        };
        let mut err = AppError::conflict(code, message);
        err.set_errors(vec![FieldError {
            field: field.to_owned(),
            message: message.to_owned(),
        }]);
        err
    }
}

/// The unique field a failed insert or update collided with, if that was the failure.
/// PostgreSQL names the index; SQLite names the index or the column in its message.
pub fn taken(err: &sqlx::Error) -> Option<Taken> {
    let sqlx::Error::Database(db) = err else {
        return None;
    };
    if !db.is_unique_violation() {
        return None;
    }
    let name = db
        .constraint()
        .map(str::to_owned)
        .unwrap_or_else(|| db.message().to_owned());
    if name.contains("email") {
        Some(Taken::Email)
    } else if name.contains("username") {
        Some(Taken::Username)
    } else if name.contains("phone") {
        Some(Taken::Phone)
    } else if name.contains("_sub") {
        Some(Taken::Provider)
    } else {
        None
    }
}

pub async fn insert(
    conn: &mut AnyConnection,
    user: &NewUser<'_>,
) -> Result<UserRecord, sqlx::Error> {
    let row = sqlx::query(concat!(
        "INSERT INTO users (email, password_hash, first_name, last_name, username, phone, \
         user_type, is_admin, location, google_sub, apple_sub, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) RETURNING ",
        user_columns!()
    ))
    .bind(user.email)
    .bind(user.password_hash)
    .bind(user.first_name)
    .bind(user.last_name)
    .bind(user.username)
    .bind(user.phone)
    .bind(user.user_type)
    .bind(i64::from(user.is_admin))
    .bind(user.location)
    .bind(user.google_sub)
    .bind(user.apple_sub)
    .bind(user.now)
    .fetch_one(conn)
    .await?;
    UserRecord::from_row(&row)
}

pub async fn find_by_id(
    conn: &mut AnyConnection,
    id: i64,
) -> Result<Option<UserRecord>, sqlx::Error> {
    let row = sqlx::query(concat!(
        "SELECT ",
        user_columns!(),
        " FROM users WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(UserRecord::from_row).transpose()
}

/// By e-mail address, which must already be lower-case.
pub async fn find_by_email(
    conn: &mut AnyConnection,
    email: &str,
) -> Result<Option<UserRecord>, sqlx::Error> {
    let row = sqlx::query(concat!(
        "SELECT ",
        user_columns!(),
        " FROM users WHERE lower(email) = $1"
    ))
    .bind(email)
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(UserRecord::from_row).transpose()
}

pub async fn find_by_phone(
    conn: &mut AnyConnection,
    phone: &str,
) -> Result<Option<UserRecord>, sqlx::Error> {
    let row = sqlx::query(concat!(
        "SELECT ",
        user_columns!(),
        " FROM users WHERE phone = $1"
    ))
    .bind(phone)
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(UserRecord::from_row).transpose()
}

pub async fn find_by_provider(
    conn: &mut AnyConnection,
    kind: crate::auth::oauth::ProviderKind,
    subject: &str,
) -> Result<Option<UserRecord>, sqlx::Error> {
    let query = match kind {
        crate::auth::oauth::ProviderKind::Google => {
            concat!(
                "SELECT ",
                user_columns!(),
                " FROM users WHERE google_sub = $1"
            )
        }
        crate::auth::oauth::ProviderKind::Apple => {
            concat!(
                "SELECT ",
                user_columns!(),
                " FROM users WHERE apple_sub = $1"
            )
        }
    };
    let row = sqlx::query(query)
        .bind(subject)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(UserRecord::from_row).transpose()
}

pub async fn link_provider(
    conn: &mut AnyConnection,
    id: i64,
    kind: crate::auth::oauth::ProviderKind,
    subject: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    let query = match kind {
        crate::auth::oauth::ProviderKind::Google => {
            "UPDATE users SET google_sub = $1, updated_at = $2 WHERE id = $3"
        }
        crate::auth::oauth::ProviderKind::Apple => {
            "UPDATE users SET apple_sub = $1, updated_at = $2 WHERE id = $3"
        }
    };
    sqlx::query(query)
        .bind(subject)
        .bind(now)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Whether a username (compared case-insensitively) is in use.
pub async fn username_exists(
    conn: &mut AnyConnection,
    username: &str,
) -> Result<bool, sqlx::Error> {
    let found: Option<i64> =
        sqlx::query_scalar("SELECT id FROM users WHERE lower(username) = lower($1)")
            .bind(username)
            .fetch_optional(conn)
            .await?;
    Ok(found.is_some())
}

/// The editable account fields, all written at once.
pub struct AccountChanges<'a> {
    pub first_name: &'a str,
    pub last_name: &'a str,
    pub username: &'a str,
    pub phone: Option<&'a str>,
    pub profile: &'a Profile,
}

pub async fn update_account(
    conn: &mut AnyConnection,
    id: i64,
    changes: &AccountChanges<'_>,
    now: i64,
) -> Result<UserRecord, sqlx::Error> {
    let p = changes.profile;
    let row = sqlx::query(concat!(
        "UPDATE users SET first_name = $1, last_name = $2, username = $3, phone = $4, \
         location = $5, bio = $6, skills = $7, experience = $8, education = $9, \
         occupation = $10, company_name = $11, updated_at = $12 WHERE id = $13 RETURNING ",
        user_columns!()
    ))
    .bind(changes.first_name)
    .bind(changes.last_name)
    .bind(changes.username)
    .bind(changes.phone)
    .bind(p.location.as_deref())
    .bind(p.bio.as_deref())
    .bind(p.skills.as_deref())
    .bind(p.experience.as_deref())
    .bind(p.education.as_deref())
    .bind(p.occupation.as_deref())
    .bind(p.company_name.as_deref())
    .bind(now)
    .bind(id)
    .fetch_one(conn)
    .await?;
    UserRecord::from_row(&row)
}

pub async fn set_password_hash(
    conn: &mut AnyConnection,
    id: i64,
    hash: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3")
        .bind(hash)
        .bind(now)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn set_admin(conn: &mut AnyConnection, id: i64, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET is_admin = 1, updated_at = $1 WHERE id = $2")
        .bind(now)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Deletes the account; sessions and everything else it owns go with it (foreign keys
/// cascade). The like, comment and application counters of other people's posts and jobs are
/// corrected first, since the cascade removes the rows they count. Run it inside a transaction.
pub async fn delete(conn: &mut AnyConnection, id: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE posts SET likes_count = likes_count - 1 \
         WHERE id IN (SELECT post_id FROM post_likes WHERE user_id = $1) AND user_id <> $1",
    )
    .bind(id)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "UPDATE posts SET comments_count = comments_count - \
         (SELECT COUNT(*) FROM comments c WHERE c.post_id = posts.id AND c.user_id = $1) \
         WHERE id IN (SELECT post_id FROM comments WHERE user_id = $1) AND user_id <> $1",
    )
    .bind(id)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "UPDATE jobs SET applications_count = applications_count - 1 \
         WHERE id IN (SELECT job_id FROM job_applications WHERE applicant_id = $1) AND employer_id <> $1",
    )
    .bind(id)
    .execute(&mut *conn)
    .await?;
    sqlx::query("DELETE FROM users WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}
