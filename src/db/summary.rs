//! The few columns of a user that are embedded in other objects, read from a joined row whose
//! columns carry a prefix (`author_id`, `author_first_name`, …).

use sqlx::Row;
use sqlx::any::AnyRow;

/// The embedded columns for alias `u`, prefixed `p_`. Used with `concat!` so queries stay
/// static strings.
macro_rules! summary_columns {
    ($alias:literal, $prefix:literal) => {
        concat!(
            $alias,
            ".id AS ",
            $prefix,
            "id, ",
            $alias,
            ".first_name AS ",
            $prefix,
            "first_name, ",
            $alias,
            ".last_name AS ",
            $prefix,
            "last_name, ",
            $alias,
            ".username AS ",
            $prefix,
            "username, ",
            $alias,
            ".avatar_url AS ",
            $prefix,
            "avatar_url, ",
            $alias,
            ".occupation AS ",
            $prefix,
            "occupation, ",
            $alias,
            ".company_name AS ",
            $prefix,
            "company_name"
        )
    };
}
pub(crate) use summary_columns;

#[derive(Debug, Clone)]
pub struct Summary {
    pub id: i64,
    pub first_name: String,
    pub last_name: String,
    pub username: String,
    pub avatar_url: Option<String>,
    pub occupation: Option<String>,
    pub company_name: Option<String>,
}

impl Summary {
    pub fn from_row(row: &AnyRow, prefix: &str) -> Result<Self, sqlx::Error> {
        let col = |name: &str| format!("{prefix}{name}");
        Ok(Self {
            id: row.try_get(col("id").as_str())?,
            first_name: row.try_get(col("first_name").as_str())?,
            last_name: row.try_get(col("last_name").as_str())?,
            username: row.try_get(col("username").as_str())?,
            avatar_url: row.try_get(col("avatar_url").as_str())?,
            occupation: row.try_get(col("occupation").as_str())?,
            company_name: row.try_get(col("company_name").as_str())?,
        })
    }

    /// For a nullable join (an actor who deleted their account): `None` when the id is null.
    pub fn from_optional_row(row: &AnyRow, prefix: &str) -> Result<Option<Self>, sqlx::Error> {
        let id: Option<i64> = row.try_get(format!("{prefix}id").as_str())?;
        match id {
            Some(_) => Self::from_row(row, prefix).map(Some),
            None => Ok(None),
        }
    }
}
