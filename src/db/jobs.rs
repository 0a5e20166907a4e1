//! Queries on jobs and applications.

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AssertSqlSafe, Row};

use super::dialect::{self, JobSource};
use super::summary::{Summary, summary_columns};
use super::users::{UserRecord, user_columns_of};
use crate::config::Backend;
use crate::domain::job;

#[derive(Debug, Clone)]
pub struct JobRow {
    pub id: i64,
    pub employer_id: i64,
    pub title: String,
    pub company: String,
    pub description: String,
    pub requirements: Option<String>,
    pub benefits: Option<String>,
    pub category: String,
    pub job_type: String,
    pub location: String,
    pub is_remote: bool,
    pub salary_min: Option<i64>,
    pub salary_max: Option<i64>,
    pub salary_range: Option<String>,
    pub budget: Option<f64>,
    pub budget_type: Option<String>,
    pub skills: String,
    pub status: String,
    pub applications_count: i64,
    pub created_at: i64,
    pub updated_at: i64,
    pub employer: Summary,
}

macro_rules! job_columns {
    () => {
        concat!(
            "j.id, j.employer_id, j.title, j.company, j.description, j.requirements, j.benefits, \
             j.category, j.job_type, j.location, j.is_remote, j.salary_min, j.salary_max, \
             j.salary_range, j.budget, j.budget_type, j.skills, j.status, j.applications_count, \
             j.created_at, j.updated_at, ",
            summary_columns!("e", "employer_")
        )
    };
}

fn from_row(row: &AnyRow) -> Result<JobRow, sqlx::Error> {
    Ok(JobRow {
        id: row.try_get("id")?,
        employer_id: row.try_get("employer_id")?,
        title: row.try_get("title")?,
        company: row.try_get("company")?,
        description: row.try_get("description")?,
        requirements: row.try_get("requirements")?,
        benefits: row.try_get("benefits")?,
        category: row.try_get("category")?,
        job_type: row.try_get("job_type")?,
        location: row.try_get("location")?,
        is_remote: row.try_get::<i64, _>("is_remote")? != 0,
        salary_min: row.try_get("salary_min")?,
        salary_max: row.try_get("salary_max")?,
        salary_range: row.try_get("salary_range")?,
        budget: row.try_get("budget")?,
        budget_type: row.try_get("budget_type")?,
        skills: row.try_get("skills")?,
        status: row.try_get("status")?,
        applications_count: row.try_get("applications_count")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        employer: Summary::from_row(row, "employer_")?,
    })
}

/// Every writable field of a job.
#[derive(Debug, Clone)]
pub struct JobFields {
    pub title: String,
    pub company: String,
    pub description: String,
    pub requirements: Option<String>,
    pub benefits: Option<String>,
    pub category: String,
    pub job_type: String,
    pub location: String,
    pub is_remote: bool,
    pub salary_min: Option<i64>,
    pub salary_max: Option<i64>,
    pub salary_range: Option<String>,
    pub budget: Option<f64>,
    pub budget_type: Option<String>,
    /// Comma-separated.
    pub skills: String,
}

impl From<&JobRow> for JobFields {
    fn from(j: &JobRow) -> Self {
        Self {
            title: j.title.clone(),
            company: j.company.clone(),
            description: j.description.clone(),
            requirements: j.requirements.clone(),
            benefits: j.benefits.clone(),
            category: j.category.clone(),
            job_type: j.job_type.clone(),
            location: j.location.clone(),
            is_remote: j.is_remote,
            salary_min: j.salary_min,
            salary_max: j.salary_max,
            salary_range: j.salary_range.clone(),
            budget: j.budget,
            budget_type: j.budget_type.clone(),
            skills: j.skills.clone(),
        }
    }
}

pub async fn insert(
    conn: &mut AnyConnection,
    employer_id: i64,
    f: &JobFields,
    now: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO jobs (employer_id, title, company, description, requirements, benefits, category, \
         job_type, location, is_remote, salary_min, salary_max, salary_range, budget, budget_type, skills, \
         status, applications_count, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, 'active', 0, $17, $17) \
         RETURNING id",
    )
    .bind(employer_id)
    .bind(&f.title)
    .bind(&f.company)
    .bind(&f.description)
    .bind(&f.requirements)
    .bind(&f.benefits)
    .bind(&f.category)
    .bind(&f.job_type)
    .bind(&f.location)
    .bind(i64::from(f.is_remote))
    .bind(f.salary_min)
    .bind(f.salary_max)
    .bind(&f.salary_range)
    .bind(f.budget)
    .bind(&f.budget_type)
    .bind(&f.skills)
    .bind(now)
    .fetch_one(conn)
    .await
}

pub async fn update(
    conn: &mut AnyConnection,
    id: i64,
    f: &JobFields,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE jobs SET title = $1, company = $2, description = $3, requirements = $4, benefits = $5, \
         category = $6, job_type = $7, location = $8, is_remote = $9, salary_min = $10, salary_max = $11, \
         salary_range = $12, budget = $13, budget_type = $14, skills = $15, updated_at = $16 WHERE id = $17",
    )
    .bind(&f.title)
    .bind(&f.company)
    .bind(&f.description)
    .bind(&f.requirements)
    .bind(&f.benefits)
    .bind(&f.category)
    .bind(&f.job_type)
    .bind(&f.location)
    .bind(i64::from(f.is_remote))
    .bind(f.salary_min)
    .bind(f.salary_max)
    .bind(&f.salary_range)
    .bind(f.budget)
    .bind(&f.budget_type)
    .bind(&f.skills)
    .bind(now)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn set_status(
    conn: &mut AnyConnection,
    id: i64,
    status: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE jobs SET status = $1, updated_at = $2 WHERE id = $3")
        .bind(status)
        .bind(now)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Deletes a job, its applications and the feed post that announced it.
pub async fn delete(conn: &mut AnyConnection, id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM posts WHERE related_job_id = $1 AND post_type = 'job'")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM jobs WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn find(conn: &mut AnyConnection, id: i64) -> Result<Option<JobRow>, sqlx::Error> {
    let row = sqlx::query(concat!(
        "SELECT ",
        job_columns!(),
        " FROM jobs j JOIN users e ON e.id = j.employer_id WHERE j.id = $1"
    ))
    .bind(id)
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// The filters of the job list.
#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub words: Vec<String>,
    pub category: Option<String>,
    pub location: Option<String>,
    pub job_type: Option<String>,
    pub is_remote: Option<bool>,
    /// Jobs paying at least this (their maximum, or minimum when no maximum).
    pub salary_min: Option<i64>,
    /// Jobs paying at most this (their minimum, or maximum when no minimum).
    pub salary_max: Option<i64>,
    pub employer_id: Option<i64>,
    pub status: String,
}

enum Bind {
    Int(i64),
    Text(String),
}

/// A search ranks by relevance among its newest `RANK_WINDOW` matches, best first (recency
/// breaking ties); pages past them continue newest first. Scoring every match instead costs
/// time in proportion to the matches: 60 to 90 ms for a word found in 67,000 of a million jobs.
pub const RANK_WINDOW: i64 = 1000;

/// A filtered list counts its matches up to this many (a search in the same newest-first walk
/// that finds the window to rank); past it the total is this number and says it is not exact.
/// An exact count of a word or a place found in 67,000 of a million jobs costs 30 to 500 ms.
pub const COUNT_CAP: i64 = RANK_WINDOW;

/// How many jobs match a filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Total {
    pub count: i64,
    /// False when a filter matched more than `COUNT_CAP` and `count` is that cap.
    pub exact: bool,
}

/// Jobs matching `filter`: for a search, see `RANK_WINDOW`; otherwise newest first. With the
/// total for the filter.
///
/// The status, the words and the facets (remote, type, category, place) are answered by the
/// engine's search index, newest first without sorting the matches; salary bounds and the
/// employer are tested on the rows it yields.
pub async fn list(
    conn: &mut AnyConnection,
    backend: Backend,
    filter: &Filter,
    limit: i64,
    offset: i64,
) -> Result<(Vec<JobRow>, Total), sqlx::Error> {
    let mut binds: Vec<Bind> = Vec::new();
    let next = |b: Bind, binds: &mut Vec<Bind>| {
        binds.push(b);
        format!("${}", binds.len())
    };
    let index_filter = dialect::JobIndexFilter {
        status: &filter.status,
        words: &filter.words,
        is_remote: filter.is_remote,
        job_type: filter.job_type.as_deref(),
        category: filter.category.as_deref(),
        location: filter.location.as_deref(),
    };
    let indexed = index_filter.is_needed();
    let (sources, newest) = if indexed {
        let index = dialect::job_index(backend, &index_filter, &mut |v| {
            next(Bind::Text(v), &mut binds)
        });
        (index.sources, index.newest)
    } else {
        let condition = format!(
            "j.status = {}",
            next(Bind::Text(filter.status.clone()), &mut binds)
        );
        let source = JobSource {
            from: "jobs j".to_owned(),
            condition,
            newest_jobs: None,
        };
        (vec![source], "j.created_at DESC, j.id DESC")
    };
    let mut on_rows = Vec::new();
    if let Some(min) = filter.salary_min {
        on_rows.push(format!(
            "COALESCE(j.salary_max, j.salary_min) >= {}",
            next(Bind::Int(min), &mut binds)
        ));
    }
    if let Some(max) = filter.salary_max {
        on_rows.push(format!(
            "COALESCE(j.salary_min, j.salary_max) <= {}",
            next(Bind::Int(max), &mut binds)
        ));
    }
    if let Some(e) = filter.employer_id {
        on_rows.push(format!(
            "j.employer_id = {}",
            next(Bind::Int(e), &mut binds)
        ));
    }
    // How many jobs there are, read when a source falls short (see `next_after`).
    let jobs = std::sync::OnceLock::new();
    let filters = |source: &JobSource| {
        std::iter::once(source.condition.as_str())
            .chain(on_rows.iter().map(String::as_str))
            .collect::<Vec<_>>()
            .join(" AND ")
    };
    let page_sql = |source: &JobSource, order: &str, limit: i64, offset: i64| {
        format!(
            "SELECT {} FROM {} JOIN users e ON e.id = j.employer_id WHERE {} \
             ORDER BY {order} LIMIT {limit} OFFSET {offset}",
            job_columns!(),
            source.from,
            filters(source)
        )
    };
    // A page from the first source that fills it (see `JobIndex::sources`).
    let page = async |conn: &mut AnyConnection, limit: i64, offset: i64| {
        let mut i = 0;
        loop {
            let sql = page_sql(&sources[i], newest, limit, offset);
            let rows = fetch(&mut *conn, sql, &binds).await?;
            match next_after(conn, &sources, i, rows.len() as i64, limit, &jobs).await? {
                Some(next) => i = next,
                None => return Ok::<_, sqlx::Error>(rows),
            }
        }
    };

    let count = async |conn: &mut AnyConnection| {
        let mut i = 0;
        let found = loop {
            let sql = format!(
                "SELECT COUNT(*) FROM (SELECT 1 FROM {} WHERE {} LIMIT {}) AS m",
                sources[i].from,
                filters(&sources[i]),
                COUNT_CAP + 1
            );
            let found = count_with(&mut *conn, sql, &binds).await?;
            match next_after(conn, &sources, i, found, COUNT_CAP + 1, &jobs).await? {
                Some(next) => i = next,
                None => break found,
            }
        };
        Ok::<_, sqlx::Error>(Total {
            count: found.min(COUNT_CAP),
            exact: found <= COUNT_CAP,
        })
    };

    if filter.words.is_empty() {
        if !indexed && !on_rows.is_empty() {
            // Salary bounds or an employer: counted first, through their own indexes. A filter
            // few jobs meet is then listed from those indexes and sorted (at most `COUNT_CAP`
            // rows); walking every open job newest first for a page of them could read them
            // all. The unary `+` keeps either engine from ordering by the status index.
            let total = count(&mut *conn).await?;
            let rows = if total.exact {
                let order = "+j.created_at DESC, +j.id DESC";
                fetch(conn, page_sql(&sources[0], order, limit, offset), &binds).await?
            } else {
                page(&mut *conn, limit, offset).await?
            };
            return Ok((rows, total));
        }
        let rows = page(&mut *conn, limit, offset).await?;
        let total = if offset == 0 && (rows.len() as i64) < limit {
            // The first page holds every match.
            Total {
                count: rows.len() as i64,
                exact: true,
            }
        } else if !indexed {
            // No filter but the status: the trigger-kept count, O(1) rather than O(jobs).
            let sql = "SELECT n FROM job_counts WHERE status = $1".to_owned();
            let count = count_with(conn, sql, &binds).await?;
            Total { count, exact: true }
        } else {
            count(&mut *conn).await?
        };
        return Ok((rows, total));
    }

    // One walk over the newest matches, newest first, stopping one past the window: it gives
    // both the window to rank and whether more matches exist. The score is computed here rather
    // than by the engine: its relevance functions read the index entries of every word and
    // facet of the query, which costs more than the walk itself.
    let mut i = 0;
    let mut window: Vec<(i64, u32)> = loop {
        let source = &sources[i];
        let walk_sql = format!(
            "SELECT j.id, j.title, j.company, j.skills FROM {} WHERE {} \
             ORDER BY {newest} LIMIT {}",
            source.from,
            filters(source),
            RANK_WINDOW + 1
        );
        let mut walk = sqlx::query(AssertSqlSafe(walk_sql));
        for b in &binds {
            walk = match b {
                Bind::Int(v) => walk.bind(*v),
                Bind::Text(v) => walk.bind(v.clone()),
            };
        }
        let window: Vec<(i64, u32)> = walk
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(|r| {
                let (title, company, skills): (String, String, String) =
                    (r.try_get(1)?, r.try_get(2)?, r.try_get(3)?);
                let score = job::search_score(&filter.words, &title, &company, &skills);
                Ok((r.try_get(0)?, score))
            })
            .collect::<Result<_, sqlx::Error>>()?;
        let found = window.len() as i64;
        match next_after(conn, &sources, i, found, RANK_WINDOW + 1, &jobs).await? {
            Some(next) => i = next,
            None => break window,
        }
    };
    let total = Total {
        count: (window.len() as i64).min(COUNT_CAP),
        exact: window.len() as i64 <= COUNT_CAP,
    };
    window.truncate(RANK_WINDOW as usize);
    // The walk is newest first, and a stable sort keeps that order among equal scores.
    window.sort_by_key(|w| std::cmp::Reverse(w.1));

    let end = offset.saturating_add(limit);
    let mut rows = Vec::new();
    let ranked: Vec<i64> = window
        .iter()
        .skip(offset.min(RANK_WINDOW) as usize)
        .take((end.min(RANK_WINDOW) - offset.min(RANK_WINDOW)) as usize)
        .map(|w| w.0)
        .collect();
    if !ranked.is_empty() {
        let ids = ranked
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        let by_id_sql = format!(
            "SELECT {} FROM jobs j JOIN users e ON e.id = j.employer_id WHERE j.id IN ({ids})",
            job_columns!()
        );
        let mut found = fetch(&mut *conn, by_id_sql, &[]).await?;
        found.sort_by_key(|j| ranked.iter().position(|id| *id == j.id));
        rows = found;
    }
    if end > RANK_WINDOW && !total.exact {
        // Past the window: the older matches, newest first, in the window's own order.
        let from = offset.max(RANK_WINDOW);
        rows.extend(page(&mut *conn, end - from, from).await?);
    }
    Ok((rows, total))
}

/// After `sources[i]` gave `found` of `wanted` rows, the source to ask next, if any (see
/// `dialect::next_source`). The number of jobs that choice weighs is read the first time a
/// source falls short, and kept in `jobs`.
async fn next_after(
    conn: &mut AnyConnection,
    sources: &[JobSource],
    i: usize,
    found: i64,
    wanted: i64,
    jobs: &std::sync::OnceLock<i64>,
) -> Result<Option<usize>, sqlx::Error> {
    if found >= wanted || i + 1 == sources.len() {
        return Ok(None);
    }
    let n = match jobs.get() {
        Some(n) => *n,
        None => {
            // Kept by triggers: O(1).
            let sql = "SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) FROM job_counts".to_owned();
            let n = count_with(conn, sql, &[]).await?;
            let _ = jobs.set(n);
            n
        }
    };
    Ok(dialect::next_source(sources, i, found, wanted, n))
}

/// Runs a statement built from fixed fragments, numbers and numbered placeholders only; every
/// value is bound.
async fn fetch(
    conn: &mut AnyConnection,
    sql: String,
    binds: &[Bind],
) -> Result<Vec<JobRow>, sqlx::Error> {
    let mut query = sqlx::query(AssertSqlSafe(sql));
    for b in binds {
        query = match b {
            Bind::Int(v) => query.bind(*v),
            Bind::Text(v) => query.bind(v.clone()),
        };
    }
    let rows = query.fetch_all(conn).await?;
    rows.iter().map(from_row).collect()
}

async fn count_with(
    conn: &mut AnyConnection,
    sql: String,
    binds: &[Bind],
) -> Result<i64, sqlx::Error> {
    let mut count = sqlx::query_scalar::<_, i64>(AssertSqlSafe(sql));
    for b in binds {
        count = match b {
            Bind::Int(v) => count.bind(*v),
            Bind::Text(v) => count.bind(v.clone()),
        };
    }
    count.fetch_one(conn).await
}

pub async fn by_employer(
    conn: &mut AnyConnection,
    employer_id: i64,
) -> Result<Vec<JobRow>, sqlx::Error> {
    let rows = sqlx::query(concat!(
        "SELECT ", job_columns!(),
        " FROM jobs j JOIN users e ON e.id = j.employer_id WHERE j.employer_id = $1 ORDER BY j.created_at DESC, j.id DESC"
    ))
    .bind(employer_id)
    .fetch_all(conn)
    .await?;
    rows.iter().map(from_row).collect()
}

pub struct Stats {
    pub active_jobs: i64,
    pub companies_hiring: i64,
    pub new_this_week: i64,
}

pub async fn stats(conn: &mut AnyConnection, week_ago: i64) -> Result<Stats, sqlx::Error> {
    let row = sqlx::query(
        "SELECT (SELECT COUNT(*) FROM jobs WHERE status = 'active') AS active_jobs, \
         (SELECT COUNT(DISTINCT lower(company)) FROM jobs WHERE status = 'active') AS companies_hiring, \
         (SELECT COUNT(*) FROM jobs WHERE status = 'active' AND created_at >= $1) AS new_this_week",
    )
    .bind(week_ago)
    .fetch_one(conn)
    .await?;
    Ok(Stats {
        active_jobs: row.try_get("active_jobs")?,
        companies_hiring: row.try_get("companies_hiring")?,
        new_this_week: row.try_get("new_this_week")?,
    })
}

#[derive(Debug, Clone)]
pub struct ApplicationRow {
    pub id: i64,
    pub job_id: i64,
    pub applicant_id: i64,
    pub cover_letter: Option<String>,
    pub proposed_budget: Option<f64>,
    pub status: String,
    pub created_at: i64,
}

fn application_from_row(row: &AnyRow) -> Result<ApplicationRow, sqlx::Error> {
    Ok(ApplicationRow {
        id: row.try_get("a_id")?,
        job_id: row.try_get("a_job_id")?,
        applicant_id: row.try_get("a_applicant_id")?,
        cover_letter: row.try_get("a_cover_letter")?,
        proposed_budget: row.try_get("a_proposed_budget")?,
        status: row.try_get("a_status")?,
        created_at: row.try_get("a_created_at")?,
    })
}

macro_rules! application_columns {
    () => {
        "a.id AS a_id, a.job_id AS a_job_id, a.applicant_id AS a_applicant_id, \
         a.cover_letter AS a_cover_letter, a.proposed_budget AS a_proposed_budget, \
         a.status AS a_status, a.created_at AS a_created_at"
    };
}

/// Inserts an application; the unique constraint refuses a second one by the same person.
pub async fn apply(
    conn: &mut AnyConnection,
    job_id: i64,
    applicant_id: i64,
    cover_letter: Option<&str>,
    proposed_budget: Option<f64>,
    now: i64,
) -> Result<ApplicationRow, sqlx::Error> {
    let row = sqlx::query(
        "INSERT INTO job_applications (job_id, applicant_id, cover_letter, proposed_budget, status, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, 'pending', $5, $5) \
         RETURNING id AS a_id, job_id AS a_job_id, applicant_id AS a_applicant_id, cover_letter AS a_cover_letter, \
         proposed_budget AS a_proposed_budget, status AS a_status, created_at AS a_created_at",
    )
    .bind(job_id)
    .bind(applicant_id)
    .bind(cover_letter)
    .bind(proposed_budget)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    sqlx::query("UPDATE jobs SET applications_count = applications_count + 1 WHERE id = $1")
        .bind(job_id)
        .execute(conn)
        .await?;
    application_from_row(&row)
}

/// Whether a failed insert was the one-application-per-job constraint.
pub fn is_duplicate_application(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::Database(db) if db.is_unique_violation() => {
            db.constraint() == Some("job_applications_once")
                || db.message().contains("job_applications")
        }
        _ => false,
    }
}

/// A job's applications with their applicants, oldest first.
pub async fn applications_of(
    conn: &mut AnyConnection,
    job_id: i64,
) -> Result<Vec<(ApplicationRow, UserRecord)>, sqlx::Error> {
    let rows = sqlx::query(concat!(
        "SELECT ", application_columns!(), ", ", user_columns_of!("u"),
        " FROM job_applications a JOIN users u ON u.id = a.applicant_id WHERE a.job_id = $1 ORDER BY a.created_at, a.id"
    ))
    .bind(job_id)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| Ok((application_from_row(r)?, UserRecord::from_row(r)?)))
        .collect()
}

/// An application with its job's owner.
pub async fn application_with_owner(
    conn: &mut AnyConnection,
    id: i64,
) -> Result<Option<(ApplicationRow, i64, String)>, sqlx::Error> {
    let row = sqlx::query(concat!(
        "SELECT ",
        application_columns!(),
        ", j.employer_id AS owner_id, j.title AS job_title \
         FROM job_applications a JOIN jobs j ON j.id = a.job_id WHERE a.id = $1"
    ))
    .bind(id)
    .fetch_optional(conn)
    .await?;
    row.map(|r| {
        Ok((
            application_from_row(&r)?,
            r.try_get("owner_id")?,
            r.try_get("job_title")?,
        ))
    })
    .transpose()
}

pub async fn set_application_status(
    conn: &mut AnyConnection,
    id: i64,
    status: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE job_applications SET status = $1, updated_at = $2 WHERE id = $3")
        .bind(status)
        .bind(now)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// The caller's applications, newest first, each with its job.
pub async fn applications_by(
    conn: &mut AnyConnection,
    applicant_id: i64,
) -> Result<Vec<(ApplicationRow, JobRow)>, sqlx::Error> {
    let rows = sqlx::query(concat!(
        "SELECT ", application_columns!(), ", ", job_columns!(),
        " FROM job_applications a JOIN jobs j ON j.id = a.job_id JOIN users e ON e.id = j.employer_id \
         WHERE a.applicant_id = $1 ORDER BY a.created_at DESC, a.id DESC"
    ))
    .bind(applicant_id)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| Ok((application_from_row(r)?, from_row(r)?)))
        .collect()
}
