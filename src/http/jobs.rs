//! `/api/jobs`: postings, search, applying and reviewing applicants.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::current_user::CurrentUser;
use super::extract::{Fields, Json as JsonBody, Page, Path, Query};
use super::views::{PublicUser, UserSummary};
use crate::db::jobs::{self, ApplicationRow, Filter, JobFields, JobRow};
use crate::db::posts::{self, NewPost};
use crate::db::users::UserRecord;
use crate::domain::job::{
    ApplicationStatus, JobStatus, SalaryRange, SkillsInput, parse_budget_type, parse_skills,
    skills_from_stored,
};
use crate::domain::time::{now_ms, rfc3339};
use crate::domain::{Invalid, ProfileText};
use crate::error::{AppError, AppResult, ErrorEnvelope};
use crate::notifications::{Kind, notify};
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_jobs, create_job))
        .routes(routes!(job_stats))
        .routes(routes!(my_posted_jobs))
        .routes(routes!(my_applications))
        .routes(routes!(get_job, update_job, delete_job))
        .routes(routes!(toggle_job))
        .routes(routes!(apply_to_job))
        .routes(routes!(list_applications))
        .routes(routes!(review_application))
}

#[derive(Serialize, ToSchema)]
pub struct JobView {
    id: i64,
    title: String,
    company: String,
    description: String,
    requirements: Option<String>,
    benefits: Option<String>,
    category: String,
    job_type: String,
    location: String,
    is_remote: bool,
    salary_min: Option<i64>,
    salary_max: Option<i64>,
    salary_range: Option<String>,
    budget: Option<f64>,
    /// `fixed` or `hourly`.
    budget_type: Option<String>,
    skills: Vec<String>,
    /// `active`, `inactive` or `closed`.
    status: String,
    employer_id: i64,
    employer: UserSummary,
    applications_count: i64,
    created_at: String,
    updated_at: String,
}

impl From<JobRow> for JobView {
    fn from(j: JobRow) -> Self {
        Self {
            id: j.id,
            skills: skills_from_stored(&j.skills),
            title: j.title,
            company: j.company,
            description: j.description,
            requirements: j.requirements,
            benefits: j.benefits,
            category: j.category,
            job_type: j.job_type,
            location: j.location,
            is_remote: j.is_remote,
            salary_min: j.salary_min,
            salary_max: j.salary_max,
            salary_range: j.salary_range,
            budget: j.budget,
            budget_type: j.budget_type,
            status: j.status,
            employer_id: j.employer_id,
            employer: j.employer.into(),
            applications_count: j.applications_count,
            created_at: rfc3339(j.created_at),
            updated_at: rfc3339(j.updated_at),
        }
    }
}

fn no_such_job() -> AppError {
    AppError::not_found("JOB_NOT_FOUND", "No such job")
}

fn not_your_job() -> AppError {
    AppError::forbidden("NOT_OWNER", "Only the job's owner can do this")
}

#[derive(Deserialize, IntoParams)]
pub struct JobQuery {
    skip: Option<i64>,
    limit: Option<i64>,
    /// Words matched against title, company, description and skills (each word, in any form:
    /// `nurses` finds `nursing`; the last may be unfinished). Results are ordered by relevance
    /// among the newest 1,000 matches (recency breaks ties), then newest first.
    search: Option<String>,
    /// The whole category, ignoring case and punctuation.
    category: Option<String>,
    /// Words of the location, whole, in any order (`nassau`, `providence new`).
    location: Option<String>,
    /// The whole job type, ignoring case and punctuation.
    job_type: Option<String>,
    is_remote: Option<bool>,
    /// Jobs that can pay at least this.
    salary_min: Option<i64>,
    /// Jobs that start at or below this.
    salary_max: Option<i64>,
    employer_id: Option<i64>,
    /// `active` (default), `inactive` or `closed`.
    status: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct JobList {
    jobs: Vec<JobView>,
    /// How many jobs match. With no filter but the status the count is exact; a filtered list
    /// counts at most 1,000: past that, `total` is 1,000 and `total_exact` is false.
    total: i64,
    total_exact: bool,
    skip: i64,
    limit: i64,
}

fn nonblank(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// Jobs matching the filters: most relevant first when searching, otherwise newest first.
#[utoipa::path(get, path = "/api/jobs", tag = "jobs", params(JobQuery),
    responses((status = 200, body = JobList), (status = 422, body = ErrorEnvelope)))]
pub async fn list_jobs(
    State(state): State<AppState>,
    Query(q): Query<JobQuery>,
) -> AppResult<Json<JobList>> {
    let (limit, offset) = Page {
        skip: q.skip,
        limit: q.limit,
    }
    .bounds()?;
    let status = match nonblank(&q.status) {
        Some(s) => JobStatus::parse(&s).map_err(|e| AppError::invalid_field("status", e.0))?,
        None => JobStatus::Active,
    };
    if let (Some(min), Some(max)) = (q.salary_min, q.salary_max)
        && min > max
    {
        return Err(AppError::invalid_field(
            "salary_min",
            "must not be above salary_max",
        ));
    }
    let filter = Filter {
        words: crate::db::dialect::search_words(q.search.as_deref().unwrap_or_default()),
        category: nonblank(&q.category),
        location: nonblank(&q.location),
        job_type: nonblank(&q.job_type),
        is_remote: q.is_remote,
        salary_min: q.salary_min,
        salary_max: q.salary_max,
        employer_id: q.employer_id,
        status: status.as_str().to_owned(),
    };
    let mut conn = state.db.pool().await?.acquire().await?;
    let (rows, total) = jobs::list(&mut conn, state.db.backend(), &filter, limit, offset).await?;
    Ok(Json(JobList {
        jobs: rows.into_iter().map(JobView::from).collect(),
        total: total.count,
        total_exact: total.exact,
        skip: offset,
        limit,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct JobStats {
    active_jobs: i64,
    companies_hiring: i64,
    new_this_week: i64,
}

#[derive(Serialize, ToSchema)]
pub struct JobStatsResponse {
    success: bool,
    stats: JobStats,
}

/// Counts for the jobs page.
#[utoipa::path(get, path = "/api/jobs/stats/overview", tag = "jobs", responses((status = 200, body = JobStatsResponse)))]
pub async fn job_stats(State(state): State<AppState>) -> AppResult<Json<JobStatsResponse>> {
    let mut conn = state.db.pool().await?.acquire().await?;
    let s = jobs::stats(&mut conn, now_ms() - 7 * 24 * 3600 * 1000).await?;
    Ok(Json(JobStatsResponse {
        success: true,
        stats: JobStats {
            active_jobs: s.active_jobs,
            companies_hiring: s.companies_hiring,
            new_this_week: s.new_this_week,
        },
    }))
}

/// One job. No sign-in needed.
#[utoipa::path(get, path = "/api/jobs/{id}", tag = "jobs", params(("id" = i64, Path)),
    responses((status = 200, body = JobView), (status = 404, body = ErrorEnvelope)))]
pub async fn get_job(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> AppResult<Json<JobView>> {
    let mut conn = state.db.pool().await?.acquire().await?;
    Ok(Json(
        jobs::find(&mut conn, id)
            .await?
            .ok_or_else(no_such_job)?
            .into(),
    ))
}

/// A job body; for updates every field is optional.
#[derive(Deserialize, ToSchema, Default)]
pub struct JobInput {
    title: Option<String>,
    company: Option<String>,
    description: Option<String>,
    location: Option<String>,
    /// For example `full-time`, `part-time`, `contract`, `freelance`.
    job_type: Option<String>,
    /// Defaults to `general`.
    category: Option<String>,
    requirements: Option<String>,
    benefits: Option<String>,
    salary_min: Option<i64>,
    salary_max: Option<i64>,
    /// Free text such as `$40,000 - $60,000`; fills `salary_min`/`salary_max` when they are absent.
    salary_range: Option<String>,
    budget: Option<f64>,
    /// `fixed` or `hourly`.
    budget_type: Option<String>,
    is_remote: Option<bool>,
    /// An array of strings or one comma-separated string.
    #[schema(value_type = Option<Vec<String>>)]
    skills: Option<SkillsInput>,
}

/// Applies `input` over `current` (a new job starts from nothing), checking every field.
fn job_fields(input: JobInput, current: Option<JobFields>) -> AppResult<JobFields> {
    let mut f = Fields::default();
    let required = |f: &mut Fields,
                    name: &str,
                    value: Option<String>,
                    old: Option<&String>,
                    max: usize|
     -> Option<String> {
        match (value, old) {
            (Some(v), _) => f.check(name, ProfileText::name(&v, max)),
            (None, Some(old)) => Some(old.clone()),
            (None, None) => f.check(name, Err(Invalid::new("is required"))),
        }
    };
    let optional = |f: &mut Fields,
                    name: &str,
                    value: Option<String>,
                    old: Option<String>,
                    max: usize|
     -> Option<String> {
        match value {
            Some(v) => f.check(name, ProfileText::parse(&v, max)).flatten(),
            None => old,
        }
    };
    let cur = current.as_ref();
    let title = required(&mut f, "title", input.title, cur.map(|c| &c.title), 200);
    let company = required(
        &mut f,
        "company",
        input.company,
        cur.map(|c| &c.company),
        200,
    );
    let description = match (input.description, cur.map(|c| &c.description)) {
        (Some(v), _) => f
            .check("description", ProfileText::parse(&v, 20_000))
            .flatten()
            .or_else(|| f.check::<String>("description", Err(Invalid::new("must not be empty")))),
        (None, Some(old)) => Some(old.clone()),
        (None, None) => f.check("description", Err(Invalid::new("is required"))),
    };
    let location = required(
        &mut f,
        "location",
        input.location,
        cur.map(|c| &c.location),
        200,
    );
    let job_type = required(
        &mut f,
        "job_type",
        input.job_type,
        cur.map(|c| &c.job_type),
        50,
    )
    .map(|t| t.to_lowercase());
    let category = match input.category {
        Some(c) if !c.trim().is_empty() => f
            .check("category", ProfileText::name(&c, 100))
            .map(|c| c.to_lowercase()),
        _ => Some(cur.map_or_else(|| "general".to_owned(), |c| c.category.clone())),
    };
    let requirements = optional(
        &mut f,
        "requirements",
        input.requirements,
        cur.and_then(|c| c.requirements.clone()),
        10_000,
    );
    let benefits = optional(
        &mut f,
        "benefits",
        input.benefits,
        cur.and_then(|c| c.benefits.clone()),
        10_000,
    );
    let budget_type = match input.budget_type.as_deref().map(str::trim) {
        Some("") => None,
        Some(t) => f
            .check("budget_type", parse_budget_type(t))
            .map(str::to_owned),
        None => cur.and_then(|c| c.budget_type.clone()),
    };
    let budget = match input.budget {
        Some(b) if !(0.0..=1e12).contains(&b) || !b.is_finite() => f.check(
            "budget",
            Err(Invalid::new("must be between 0 and 1,000,000,000,000")),
        ),
        Some(b) => Some(b),
        None => cur.and_then(|c| c.budget),
    };
    let skills = match &input.skills {
        Some(s) => f.check("skills", parse_skills(s)).map(|s| s.join(",")),
        None => Some(cur.map(|c| c.skills.clone()).unwrap_or_default()),
    };

    // Salary: explicit numbers win; otherwise a new range text is read.
    let salary_range = match input.salary_range {
        Some(t) => f
            .check("salary_range", ProfileText::parse(&t, 100))
            .flatten(),
        None => cur.and_then(|c| c.salary_range.clone()),
    };
    let range_changed = salary_range != cur.and_then(|c| c.salary_range.clone());
    let parsed = salary_range
        .as_deref()
        .map(SalaryRange::parse)
        .unwrap_or_default();
    let pick = |explicit: Option<i64>, from_text: Option<i64>, old: Option<i64>| match explicit {
        Some(v) => Some(v),
        None if range_changed || current.is_none() => from_text,
        None => old,
    };
    let salary_min = pick(input.salary_min, parsed.min, cur.and_then(|c| c.salary_min));
    let salary_max = pick(input.salary_max, parsed.max, cur.and_then(|c| c.salary_max));
    for (name, v) in [("salary_min", salary_min), ("salary_max", salary_max)] {
        if v.is_some_and(|v| v < 0) {
            f.check::<()>(name, Err(Invalid::new("must not be negative")));
        }
    }
    if let (Some(min), Some(max)) = (salary_min, salary_max)
        && min > max
    {
        f.check::<()>(
            "salary_min",
            Err(Invalid::new("must not be above salary_max")),
        );
    }
    f.finish()?;
    let (
        Some(title),
        Some(company),
        Some(description),
        Some(location),
        Some(job_type),
        Some(category),
        Some(skills),
    ) = (
        title,
        company,
        description,
        location,
        job_type,
        category,
        skills,
    )
    else {
        unreachable!("finish() refused the request if a required field was missing");
    };
    Ok(JobFields {
        title,
        company,
        description,
        requirements,
        benefits,
        category,
        job_type,
        location,
        is_remote: input
            .is_remote
            .unwrap_or_else(|| cur.is_some_and(|c| c.is_remote)),
        salary_min,
        salary_max,
        salary_range,
        budget,
        budget_type,
        skills,
    })
}

fn may_post_jobs(user: &UserRecord) -> bool {
    user.is_admin || matches!(user.user_type.as_str(), "employer" | "client" | "recruiter")
}

/// Posts a job and announces it in the feed. Employers, clients, recruiters and administrators.
#[utoipa::path(post, path = "/api/jobs", tag = "jobs", security(("bearer" = [])), request_body = JobInput,
    responses((status = 201, body = JobView), (status = 401, body = ErrorEnvelope),
        (status = 403, body = ErrorEnvelope, description = "Freelancers cannot post jobs"), (status = 422, body = ErrorEnvelope)))]
pub async fn create_job(
    State(state): State<AppState>,
    me: CurrentUser,
    JsonBody(body): JsonBody<JobInput>,
) -> AppResult<(StatusCode, Json<JobView>)> {
    if !may_post_jobs(&me.user) {
        return Err(AppError::forbidden(
            "ROLE_NOT_ALLOWED",
            "Only employers, clients and recruiters can post jobs",
        ));
    }
    let fields = job_fields(body, None)?;
    let now = now_ms();
    let mut tx = state.db.begin_write().await?;
    let id = jobs::insert(tx.conn(), me.user.id, &fields, now).await?;
    let announcement = format!(
        "New job: {} at {} ({})",
        fields.title, fields.company, fields.location
    );
    posts::insert(
        tx.conn(),
        &NewPost {
            user_id: me.user.id,
            content: &announcement,
            image_url: None,
            video_url: None,
            post_type: "job",
            related_job_id: Some(id),
            now,
        },
    )
    .await?;
    let job = jobs::find(tx.conn(), id).await?.ok_or_else(no_such_job)?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(job.into())))
}

async fn owned_job(
    tx: &mut crate::db::WriteTx<'_>,
    me: &CurrentUser,
    id: i64,
) -> AppResult<JobRow> {
    let job = jobs::find(tx.conn(), id).await?.ok_or_else(no_such_job)?;
    if job.employer_id != me.user.id && !me.user.is_admin {
        return Err(not_your_job());
    }
    Ok(job)
}

/// Changes a job: its owner or an administrator. Only the fields sent change.
#[utoipa::path(put, path = "/api/jobs/{id}", tag = "jobs", security(("bearer" = [])), params(("id" = i64, Path)),
    request_body = JobInput,
    responses((status = 200, body = JobView), (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn update_job(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
    JsonBody(body): JsonBody<JobInput>,
) -> AppResult<Json<JobView>> {
    let mut tx = state.db.begin_write().await?;
    let job = owned_job(&mut tx, &me, id).await?;
    let fields = job_fields(body, Some(JobFields::from(&job)))?;
    jobs::update(tx.conn(), id, &fields, now_ms()).await?;
    let job = jobs::find(tx.conn(), id).await?.ok_or_else(no_such_job)?;
    tx.commit().await?;
    Ok(Json(job.into()))
}

/// Deletes a job with its applications and its feed post: its owner or an administrator.
#[utoipa::path(delete, path = "/api/jobs/{id}", tag = "jobs", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 204, description = "Deleted"), (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope)))]
pub async fn delete_job(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<StatusCode> {
    let mut tx = state.db.begin_write().await?;
    owned_job(&mut tx, &me, id).await?;
    jobs::delete(tx.conn(), id).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct ToggleResult {
    success: bool,
    job_status: String,
    is_active: bool,
}

/// Switches a job between active and inactive (a closed job reopens as active).
#[utoipa::path(post, path = "/api/jobs/{id}/toggle", tag = "jobs", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = ToggleResult), (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope)))]
pub async fn toggle_job(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Json<ToggleResult>> {
    let mut tx = state.db.begin_write().await?;
    let job = owned_job(&mut tx, &me, id).await?;
    let next = if job.status == "active" {
        JobStatus::Inactive
    } else {
        JobStatus::Active
    };
    jobs::set_status(tx.conn(), id, next.as_str(), now_ms()).await?;
    tx.commit().await?;
    Ok(Json(ToggleResult {
        success: true,
        job_status: next.as_str().to_owned(),
        is_active: next == JobStatus::Active,
    }))
}

#[derive(Deserialize, ToSchema, Default)]
pub struct ApplyRequest {
    /// At most 10,000 characters.
    cover_letter: Option<String>,
    proposed_budget: Option<f64>,
}

#[derive(Serialize, ToSchema)]
pub struct ApplicationView {
    id: i64,
    job_id: i64,
    cover_letter: Option<String>,
    proposed_budget: Option<f64>,
    /// `pending`, `accepted` or `rejected`.
    status: String,
    created_at: String,
}

impl From<&ApplicationRow> for ApplicationView {
    fn from(a: &ApplicationRow) -> Self {
        Self {
            id: a.id,
            job_id: a.job_id,
            cover_letter: a.cover_letter.clone(),
            proposed_budget: a.proposed_budget,
            status: a.status.clone(),
            created_at: rfc3339(a.created_at),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct Applied {
    success: bool,
    application: ApplicationView,
}

/// Applies to a job. One application per person and job; not to one's own job; only to
/// active jobs. The owner is notified.
#[utoipa::path(post, path = "/api/jobs/{id}/apply", tag = "jobs", security(("bearer" = [])), params(("id" = i64, Path)),
    request_body(content = Option<ApplyRequest>),
    responses((status = 201, body = Applied), (status = 400, body = ErrorEnvelope, description = "Your own job"),
        (status = 401, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope),
        (status = 409, body = ErrorEnvelope, description = "Already applied, or the job is not open"),
        (status = 422, body = ErrorEnvelope)))]
pub async fn apply_to_job(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
    body: axum::body::Bytes,
) -> AppResult<(StatusCode, Json<Applied>)> {
    let request: ApplyRequest = if body.iter().all(u8::is_ascii_whitespace) {
        ApplyRequest::default()
    } else {
        super::extract::parse_json(&body)?
    };
    let mut f = Fields::default();
    let cover_letter = match &request.cover_letter {
        Some(c) => f
            .check("cover_letter", ProfileText::parse(c, 10_000))
            .flatten(),
        None => None,
    };
    if let Some(b) = request.proposed_budget
        && (!b.is_finite() || !(0.0..=1e12).contains(&b))
    {
        f.check::<()>(
            "proposed_budget",
            Err(Invalid::new("must be between 0 and 1,000,000,000,000")),
        );
    }
    f.finish()?;

    let mut tx = state.db.begin_write().await?;
    let job = jobs::find(tx.conn(), id).await?.ok_or_else(no_such_job)?;
    if job.employer_id == me.user.id {
        return Err(AppError::bad_request(
            "OWN_JOB",
            "You cannot apply to your own job",
        ));
    }
    if job.status != "active" {
        return Err(AppError::conflict(
            "JOB_NOT_OPEN",
            "This job is not taking applications",
        ));
    }
    let application = match jobs::apply(
        tx.conn(),
        id,
        me.user.id,
        cover_letter.as_deref(),
        request.proposed_budget,
        now_ms(),
    )
    .await
    {
        Ok(a) => a,
        Err(e) if jobs::is_duplicate_application(&e) => {
            return Err(AppError::conflict(
                "ALREADY_APPLIED",
                "You have already applied to this job",
            ));
        }
        Err(e) => return Err(e.into()),
    };
    let text = format!(
        "{} {} applied to {}",
        me.user.first_name, me.user.last_name, job.title
    );
    notify(
        &mut tx,
        &state.notifier,
        job.employer_id,
        Some(me.user.id),
        Kind::JobApplication,
        Some(id),
        &text,
    )
    .await?;
    tx.commit().await?;
    Ok((
        StatusCode::CREATED,
        Json(Applied {
            success: true,
            application: ApplicationView::from(&application),
        }),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct ApplicantView {
    #[serde(flatten)]
    application: ApplicationView,
    applicant: PublicUser,
}

#[derive(Serialize, ToSchema)]
pub struct ApplicantList {
    success: bool,
    applications: Vec<ApplicantView>,
}

/// A job's applications with their applicants: the job's owner or an administrator.
#[utoipa::path(get, path = "/api/jobs/{id}/applications", tag = "jobs", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = ApplicantList), (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope)))]
pub async fn list_applications(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Json<ApplicantList>> {
    let mut conn = state.db.pool().await?.acquire().await?;
    let job = jobs::find(&mut conn, id).await?.ok_or_else(no_such_job)?;
    if job.employer_id != me.user.id && !me.user.is_admin {
        return Err(not_your_job());
    }
    let rows = jobs::applications_of(&mut conn, id).await?;
    let applications = rows
        .iter()
        .map(|(a, u)| ApplicantView {
            application: a.into(),
            applicant: PublicUser::from(u),
        })
        .collect();
    Ok(Json(ApplicantList {
        success: true,
        applications,
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct Review {
    /// `pending`, `accepted` or `rejected`.
    status: String,
}

/// Sets an application's status: the job's owner. The applicant is notified. An application
/// of someone else's job is 404.
#[utoipa::path(put, path = "/api/jobs/applications/{application_id}", tag = "jobs", security(("bearer" = [])),
    params(("application_id" = i64, Path)), request_body = Review,
    responses((status = 200, body = Applied), (status = 401, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope),
        (status = 422, body = ErrorEnvelope)))]
pub async fn review_application(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(application_id): Path<i64>,
    JsonBody(body): JsonBody<Review>,
) -> AppResult<Json<Applied>> {
    let status = ApplicationStatus::parse(&body.status)
        .map_err(|e| AppError::invalid_field("status", e.0))?;
    let mut tx = state.db.begin_write().await?;
    let (mut application, owner, title) = jobs::application_with_owner(tx.conn(), application_id)
        .await?
        .filter(|(_, owner, _)| *owner == me.user.id || me.user.is_admin)
        .ok_or_else(|| AppError::not_found("APPLICATION_NOT_FOUND", "No such application"))?;
    let _ = owner;
    if application.status != status.as_str() {
        jobs::set_application_status(tx.conn(), application_id, status.as_str(), now_ms()).await?;
        application.status = status.as_str().to_owned();
        let text = format!("Your application to {title} is now {}", status.as_str());
        notify(
            &mut tx,
            &state.notifier,
            application.applicant_id,
            Some(me.user.id),
            Kind::ApplicationStatus,
            Some(application.job_id),
            &text,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(Json(Applied {
        success: true,
        application: ApplicationView::from(&application),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct MyJobs {
    success: bool,
    jobs: Vec<JobView>,
}

/// The jobs the caller posted, newest first, whatever their status.
#[utoipa::path(get, path = "/api/jobs/my/posted", tag = "jobs", security(("bearer" = [])),
    responses((status = 200, body = MyJobs), (status = 401, body = ErrorEnvelope)))]
pub async fn my_posted_jobs(
    State(state): State<AppState>,
    me: CurrentUser,
) -> AppResult<Json<MyJobs>> {
    let mut conn = state.db.pool().await?.acquire().await?;
    let rows = jobs::by_employer(&mut conn, me.user.id).await?;
    Ok(Json(MyJobs {
        success: true,
        jobs: rows.into_iter().map(JobView::from).collect(),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct MyApplicationView {
    #[serde(flatten)]
    application: ApplicationView,
    job: JobView,
}

#[derive(Serialize, ToSchema)]
pub struct MyApplications {
    success: bool,
    applications: Vec<MyApplicationView>,
}

/// The caller's applications, newest first, each with its job.
#[utoipa::path(get, path = "/api/jobs/my/applications", tag = "jobs", security(("bearer" = [])),
    responses((status = 200, body = MyApplications), (status = 401, body = ErrorEnvelope)))]
pub async fn my_applications(
    State(state): State<AppState>,
    me: CurrentUser,
) -> AppResult<Json<MyApplications>> {
    let mut conn = state.db.pool().await?.acquire().await?;
    let rows = jobs::applications_by(&mut conn, me.user.id).await?;
    let applications = rows
        .into_iter()
        .map(|(a, j)| MyApplicationView {
            application: ApplicationView::from(&a),
            job: j.into(),
        })
        .collect();
    Ok(Json(MyApplications {
        success: true,
        applications,
    }))
}
