//! The one place where SQLite and PostgreSQL need different SQL: full-text search over jobs and
//! people, and the job filters the search index answers (FTS5 there, a `tsvector` with GIN
//! indexes here).

use crate::config::Backend;
use crate::domain::job::words_of;

/// Words of a search (letters and digits), at most ten. Nothing else reaches the engine's
/// query syntax, so no input can be a syntax error.
pub fn search_words(raw: &str) -> Vec<String> {
    let mut words = words_of(raw);
    words.truncate(10);
    words
}

/// The filters a job index answers by itself: the status, the search words and the facets.
/// Salary bounds and the employer are tested on the rows.
pub struct JobIndexFilter<'a> {
    pub status: &'a str,
    /// From `search_words`.
    pub words: &'a [String],
    pub is_remote: Option<bool>,
    /// Matched as a whole value, ignoring case and punctuation.
    pub job_type: Option<&'a str>,
    pub category: Option<&'a str>,
    /// Every word must be a word of the job's location, whole: a prefix (`nass`) would make
    /// PostgreSQL's index merge the entries of every word it starts, 30 ms for a common place.
    pub location: Option<&'a str>,
}

impl JobIndexFilter<'_> {
    /// Whether there is anything for the index to do beyond the status.
    pub fn is_needed(&self) -> bool {
        !self.words.is_empty()
            || self.is_remote.is_some()
            || self.job_type.is_some()
            || self.category.is_some()
            || self.location.is_some_and(|l| !search_words(l).is_empty())
    }
}

/// Where an indexed job list reads its matches from: a `FROM` clause that names the jobs `j`,
/// the condition that selects the matches in it (values bound through the `bind` given to
/// `job_index`), and how many of the newest jobs it looks among (`None`: all of them).
pub struct JobSource {
    pub from: String,
    pub condition: String,
    pub newest_jobs: Option<i64>,
}

/// A job filter as the engine's index takes it.
pub struct JobIndex {
    /// Tried in order: a query over a source that yields as many rows as it asked for has its
    /// answer; one that yields fewer goes on to a later one. The last source holds every match.
    pub sources: Vec<JobSource>,
    /// Newest first, in an order the engine follows without sorting every match (jobs get
    /// ids in the order they are posted).
    pub newest: &'static str,
}

/// After `sources[i]` yielded `found` of the `wanted` rows, the next source to ask, if any, of a
/// table of `jobs` jobs. A bounded source is asked only when the rate of matches seen so far
/// says it would fill the request, and that walking it would cost less than listing every
/// match through the index.
pub fn next_source(
    sources: &[JobSource],
    i: usize,
    found: i64,
    wanted: i64,
    jobs: i64,
) -> Option<usize> {
    if found >= wanted {
        return None;
    }
    let seen = sources[i].newest_jobs;
    (i + 1..sources.len()).find(|&j| {
        j + 1 == sources.len()
            || match (seen, sources[j].newest_jobs) {
                (Some(seen), Some(more)) => {
                    let (found, wanted, seen, more) = (
                        i128::from(found),
                        i128::from(wanted),
                        i128::from(seen),
                        i128::from(more),
                    );
                    // Rows walked: wanted × seen / found; matches listed: found × jobs / seen.
                    let fills = found * more >= wanted * seen;
                    let cheaper = wanted * seen * seen
                        < i128::from(WALK_ROWS_PER_LISTED_MATCH) * found * found * i128::from(jobs);
                    fills && cheaper
                }
                _ => true,
            }
    })
}

/// How far back PostgreSQL walks the newest jobs, in turn, before it asks its GIN index for
/// every match. Its planner cannot tell a word no job has from a common one (neither is among
/// the column's most common elements), so for a newest-first page it walks the primary key
/// backwards, and for a word nobody uses reads all million rows (230 to 320 ms). So a walk of
/// the newest 20,000 jobs (at most 5 ms) comes first; then, if the matches found there say the
/// newest 120,000 would fill the request (at most 30 ms) more cheaply than the index could
/// list every match, that walk; otherwise the index.
const RECENT_JOBS: [i64; 2] = [20_000, 120_000];

/// Listing a match through the GIN index (about 3 µs, however old the job) costs about as much
/// as walking ten rows newest first (0.25 to 0.33 µs each), measured at a million jobs.
const WALK_ROWS_PER_LISTED_MATCH: i64 = 10;

/// Builds the index condition for `f`; `bind` registers a text value and returns its
/// placeholder. Only letters and digits of the input reach either engine's query syntax, so no
/// input can be a syntax error.
pub fn job_index(
    backend: Backend,
    f: &JobIndexFilter<'_>,
    bind: &mut dyn FnMut(String) -> String,
) -> JobIndex {
    let location = f.location.map(search_words).unwrap_or_default();
    match backend {
        Backend::Sqlite => {
            let open = f.status == "active";
            let mut parts = Vec::new();
            if !f.words.is_empty() {
                parts.push(format!(
                    "{{title company description skills}} : ({})",
                    fts5_words(f.words)
                ));
            }
            if let Some(remote) = f.is_remote {
                parts.push(format!("remote : \"zr{}\"", i64::from(remote)));
            }
            // `zend` closes the value, and `^` anchors it at the column's start: the whole
            // value, not a part of it.
            for (column, value) in [("job_type", f.job_type), ("category", f.category)] {
                if let Some(value) = value {
                    let mut tokens = words_of(value);
                    tokens.push("zend".to_owned());
                    parts.push(format!("{column} : ^ \"{}\"", tokens.join(" ")));
                }
            }
            if !location.is_empty() {
                let words: Vec<String> = location.iter().map(|w| format!("\"{w}\"")).collect();
                parts.push(format!("location : ({})", words.join(" ")));
            }
            if !open {
                parts.push(format!("status : \"{}\"", f.status));
            }
            let (from, table, newest) = if open {
                (
                    "jobs_open_fts JOIN jobs j ON j.id = jobs_open_fts.rowid",
                    "jobs_open_fts",
                    "jobs_open_fts.rowid DESC",
                )
            } else {
                (
                    "jobs_closed_fts JOIN jobs j ON j.id = jobs_closed_fts.rowid",
                    "jobs_closed_fts",
                    "jobs_closed_fts.rowid DESC",
                )
            };
            // FTS5 always answers from its index, reading it backwards by rowid: one source.
            JobIndex {
                sources: vec![JobSource {
                    from: from.to_owned(),
                    condition: format!("{table} MATCH {}", bind(parts.join(" AND "))),
                    newest_jobs: None,
                }],
                newest,
            }
        }
        Backend::Postgres => {
            // The partial GIN index of this status serves the match.
            let mut condition = format!("j.status = {}", bind(f.status.to_owned()));
            let mut facets = Vec::new();
            if let Some(remote) = f.is_remote {
                facets.push(format!("zr{}", i64::from(remote)));
            }
            if let Some(t) = f.job_type {
                facets.push(format!("zj{}", words_of(t).concat()));
            }
            if let Some(c) = f.category {
                facets.push(format!("zc{}", words_of(c).concat()));
            }
            for word in &location {
                facets.push(format!("zl{word}"));
            }
            // Words are looked for in the weighted text (A to C) only, never among the facets;
            // the last may be the start of a word, as on SQLite.
            let words = (!f.words.is_empty()).then(|| {
                let terms = f
                    .words
                    .iter()
                    .enumerate()
                    .map(|(i, w)| {
                        let prefix = if i + 1 == f.words.len() { "*" } else { "" };
                        format!("{w}:{prefix}ABC")
                    })
                    .collect::<Vec<_>>();
                format!("to_tsquery('english', {})", bind(terms.join(" & ")))
            });
            let facets = (!facets.is_empty())
                .then(|| format!("to_tsquery('simple', {})", bind(facets.join(" & "))));
            let query = match (words, facets) {
                (Some(w), Some(f)) => Some(format!("({w} && {f})")),
                (Some(q), None) | (None, Some(q)) => Some(q),
                (None, None) => None,
            };
            if let Some(query) = query {
                condition.push_str(&format!(" AND j.search @@ {query}"));
            }
            // The last source is fenced (`OFFSET 0`) so that the newest-first order and limit
            // of the outer query cannot turn it back into the primary-key walk.
            let mut sources: Vec<JobSource> = RECENT_JOBS
                .iter()
                .map(|&n| JobSource {
                    from: format!("(SELECT * FROM jobs ORDER BY id DESC LIMIT {n}) j"),
                    condition: condition.clone(),
                    newest_jobs: Some(n),
                })
                .collect();
            sources.push(JobSource {
                from: format!("(SELECT * FROM jobs j WHERE {condition} OFFSET 0) j"),
                condition: "TRUE".to_owned(),
                newest_jobs: None,
            });
            JobIndex {
                sources,
                newest: "j.id DESC",
            }
        }
    }
}

/// Words for FTS5, all whole but the last, which may also be the start of a word (as typed so
/// far): expanding every word as a prefix costs ten times as much on a broad search.
fn fts5_words(words: &[String]) -> String {
    words
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
        .join(" ")
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

#[cfg(test)]
mod tests {
    use super::*;

    fn source(newest_jobs: Option<i64>) -> JobSource {
        JobSource {
            from: String::new(),
            condition: String::new(),
            newest_jobs,
        }
    }

    #[test]
    fn a_later_source_is_asked_only_when_the_earlier_fell_short_and_it_would_pay() {
        let tiers = [source(Some(20_000)), source(Some(120_000)), source(None)];
        let million = 1_000_000;
        // Filled: done.
        assert_eq!(next_source(&tiers, 0, 1001, 1001, million), None);
        // 222 in the newest 20,000 predicts 1,332 in the newest 120,000, a walk of 90,000
        // rows, against 111,000 matches to list: walk.
        assert_eq!(next_source(&tiers, 0, 222, 1001, million), Some(1));
        // The same rate among 100,000 jobs: 11,100 to list is cheaper than the walk.
        assert_eq!(next_source(&tiers, 0, 222, 1001, 100_000), Some(2));
        // 100 predicts 600: the walk would fall short, so the index.
        assert_eq!(next_source(&tiers, 0, 100, 1001, million), Some(2));
        assert_eq!(next_source(&tiers, 0, 0, 20, million), Some(2));
        // A page of 20 from 15 in the newest 20,000: a walk of 27,000 rows would fill it, but
        // the 750 matches there are in all are cheaper to list.
        assert_eq!(next_source(&tiers, 0, 15, 20, million), Some(2));
        // Short after the longer walk too: the index.
        assert_eq!(next_source(&tiers, 1, 900, 1001, million), Some(2));
        // The last source is the answer, full or not.
        assert_eq!(next_source(&tiers, 2, 3, 1001, million), None);
        assert_eq!(next_source(&[source(None)], 0, 0, 20, million), None);
    }
}
