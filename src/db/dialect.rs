//! The one place where SQLite and PostgreSQL need different SQL: full-text search over jobs and
//! people (FTS5 there, a `tsvector` with a GIN index here).

use crate::config::Backend;

/// How to search jobs for a term on one engine.
pub struct JobSearch {
    /// Joined to `jobs j`.
    pub join: &'static str,
    /// The condition; `{p}` is replaced by the placeholder of `param`.
    pub condition: &'static str,
    /// The relevance score; `{p}` as above.
    pub score: &'static str,
    /// `ASC` or `DESC`: which way the score puts the best match first.
    pub best_first: &'static str,
    /// Newest matches first, in an order the engine can follow without scoring or sorting
    /// every match (jobs get ids in the order they are posted).
    pub newest: &'static str,
    /// The search text as this engine wants it.
    pub param: String,
}

/// Words of a search (letters and digits), at most ten. Nothing else reaches the engine's
/// query syntax, so no input can be a syntax error.
pub fn search_words(raw: &str) -> Vec<String> {
    raw.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .take(10)
        .collect()
}

pub fn job_search(backend: Backend, words: &[String]) -> JobSearch {
    match backend {
        Backend::Sqlite => JobSearch {
            join: "JOIN jobs_fts ON jobs_fts.rowid = j.id",
            condition: "jobs_fts MATCH {p}",
            // bm25 is lower for better matches; title weighs most, then company and skills.
            score: "bm25(jobs_fts, 10.0, 4.0, 1.0, 4.0)",
            best_first: "ASC",
            // FTS5 walks its index backwards by rowid (= the job id) and stops at the limit.
            newest: "jobs_fts.rowid DESC",
            // Whole words, and the last one also as the start of a word (as typed so far):
            // expanding every word as a prefix costs ten times as much on a broad search.
            param: words
                .iter()
                .enumerate()
                .map(|(i, w)| {
                    if i + 1 == words.len() {
                        format!("\"{w}\"*")
                    } else {
                        format!("\"{w}\"")
                    }
                })
                .collect::<Vec<_>>()
                .join(" "),
        },
        Backend::Postgres => JobSearch {
            join: "",
            condition: "j.search @@ plainto_tsquery('english', {p})",
            score: "CAST(ts_rank(j.search, plainto_tsquery('english', {p})) AS DOUBLE PRECISION)",
            best_first: "DESC",
            newest: "j.id DESC",
            param: words.join(" "),
        },
    }
}

/// How to search people for words (each matching the start of a word in a name, the username,
/// occupation, location or skills) on one engine.
pub struct PeopleSearch {
    /// Joined to `users`.
    pub join: &'static str,
    /// The condition; `{p}` is replaced by the placeholder of `param`.
    pub condition: &'static str,
    pub param: String,
}

pub fn people_search(backend: Backend, words: &[String]) -> PeopleSearch {
    match backend {
        Backend::Sqlite => PeopleSearch {
            join: "JOIN users_fts ON users_fts.rowid = users.id",
            condition: "users_fts MATCH {p}",
            param: words
                .iter()
                .map(|w| format!("\"{w}\"*"))
                .collect::<Vec<_>>()
                .join(" "),
        },
        Backend::Postgres => PeopleSearch {
            join: "",
            condition: "users.search @@ to_tsquery('simple', {p})",
            param: words
                .iter()
                .map(|w| format!("{w}:*"))
                .collect::<Vec<_>>()
                .join(" & "),
        },
    }
}
