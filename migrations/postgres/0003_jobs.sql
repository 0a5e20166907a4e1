-- Job postings and applications. One application per person and job is a unique constraint,
-- so two requests arriving together cannot both apply. Full-text search over title, company,
-- description and skills is a generated tsvector with a GIN index, kept in sync by the database.

CREATE TABLE jobs (
    id                 BIGSERIAL PRIMARY KEY,
    employer_id        BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title              TEXT    NOT NULL,
    company            TEXT    NOT NULL,
    description        TEXT    NOT NULL,
    requirements       TEXT,
    benefits           TEXT,
    category           TEXT    NOT NULL,
    job_type           TEXT    NOT NULL,
    location           TEXT    NOT NULL,
    is_remote          BIGINT  NOT NULL DEFAULT 0,
    salary_min         BIGINT,
    salary_max         BIGINT,
    salary_range       TEXT,
    budget             DOUBLE PRECISION,
    budget_type        TEXT,
    skills             TEXT    NOT NULL DEFAULT '',
    status             TEXT    NOT NULL DEFAULT 'active',
    applications_count BIGINT  NOT NULL DEFAULT 0,
    created_at         BIGINT  NOT NULL,
    updated_at         BIGINT  NOT NULL,
    search             tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english', title), 'A') ||
        setweight(to_tsvector('english', company), 'B') ||
        setweight(to_tsvector('english', replace(skills, ',', ' ')), 'B') ||
        setweight(to_tsvector('english', description), 'C')
    ) STORED
);

CREATE INDEX jobs_status_idx ON jobs (status, created_at DESC, id DESC);
CREATE INDEX jobs_employer_idx ON jobs (employer_id, created_at DESC);
CREATE INDEX jobs_category_idx ON jobs (category, status, created_at DESC);
CREATE INDEX jobs_search_idx ON jobs USING GIN (search);

CREATE TABLE job_applications (
    id              BIGSERIAL PRIMARY KEY,
    job_id          BIGINT  NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    applicant_id    BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    cover_letter    TEXT,
    proposed_budget DOUBLE PRECISION,
    status          TEXT    NOT NULL DEFAULT 'pending',
    created_at      BIGINT  NOT NULL,
    updated_at      BIGINT  NOT NULL,
    CONSTRAINT job_applications_once UNIQUE (job_id, applicant_id)
);

CREATE INDEX job_applications_applicant_idx ON job_applications (applicant_id, created_at DESC);
