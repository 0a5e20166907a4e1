//! The embedded migrations. Each version carries its SQLite and its PostgreSQL text side by
//! side, so the two trees cannot drift apart in numbering.

use std::borrow::Cow;

use sqlx::SqlSafeStr;
use sqlx::migrate::{Migration, MigrationType, Migrator};

use crate::config::Backend;

struct Version {
    version: i64,
    description: &'static str,
    sqlite: &'static str,
    postgres: &'static str,
}

const VERSIONS: &[Version] = &[
    Version {
        version: 1,
        description: "accounts",
        sqlite: include_str!("../../migrations/sqlite/0001_accounts.sql"),
        postgres: include_str!("../../migrations/postgres/0001_accounts.sql"),
    },
    Version {
        version: 2,
        description: "social",
        sqlite: include_str!("../../migrations/sqlite/0002_social.sql"),
        postgres: include_str!("../../migrations/postgres/0002_social.sql"),
    },
    Version {
        version: 3,
        description: "jobs",
        sqlite: include_str!("../../migrations/sqlite/0003_jobs.sql"),
        postgres: include_str!("../../migrations/postgres/0003_jobs.sql"),
    },
    Version {
        version: 4,
        description: "job counts",
        sqlite: include_str!("../../migrations/sqlite/0004_job_counts.sql"),
        postgres: include_str!("../../migrations/postgres/0004_job_counts.sql"),
    },
    Version {
        version: 5,
        description: "people search",
        sqlite: include_str!("../../migrations/sqlite/0005_people_search.sql"),
        postgres: include_str!("../../migrations/postgres/0005_people_search.sql"),
    },
    Version {
        version: 6,
        description: "messages",
        sqlite: include_str!("../../migrations/sqlite/0006_messages.sql"),
        postgres: include_str!("../../migrations/postgres/0006_messages.sql"),
    },
    Version {
        version: 7,
        description: "profile pictures",
        sqlite: include_str!("../../migrations/sqlite/0007_profile_pictures.sql"),
        postgres: include_str!("../../migrations/postgres/0007_profile_pictures.sql"),
    },
    Version {
        version: 8,
        description: "job search facets",
        sqlite: include_str!("../../migrations/sqlite/0008_job_search_facets.sql"),
        postgres: include_str!("../../migrations/postgres/0008_job_search_facets.sql"),
    },
];

/// The migrator for one engine.
pub fn migrator(backend: Backend) -> Migrator {
    let migrations = VERSIONS
        .iter()
        .map(|v| {
            let sql = match backend {
                Backend::Sqlite => v.sqlite,
                Backend::Postgres => v.postgres,
            };
            Migration::new(
                v.version,
                Cow::Borrowed(v.description),
                MigrationType::Simple,
                sql.into_sql_str(),
                false,
            )
        })
        .collect();
    Migrator::with_migrations(migrations)
}

/// The newest schema version this build knows.
pub fn latest_version() -> i64 {
    VERSIONS.last().map_or(0, |v| v.version)
}
