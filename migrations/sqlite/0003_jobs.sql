-- Job postings and applications. One application per person and job is a unique constraint,
-- so two requests arriving together cannot both apply. Full-text search over title, company,
-- description and skills is an FTS5 index kept in sync by triggers.

CREATE TABLE jobs (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    employer_id        INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title              TEXT    NOT NULL,
    company            TEXT    NOT NULL,
    description        TEXT    NOT NULL,
    requirements       TEXT,
    benefits           TEXT,
    category           TEXT    NOT NULL,
    job_type           TEXT    NOT NULL,
    location           TEXT    NOT NULL,
    is_remote          INTEGER NOT NULL DEFAULT 0,
    salary_min         INTEGER,
    salary_max         INTEGER,
    salary_range       TEXT,
    budget             REAL,
    budget_type        TEXT,
    skills             TEXT    NOT NULL DEFAULT '',
    status             TEXT    NOT NULL DEFAULT 'active',
    applications_count INTEGER NOT NULL DEFAULT 0,
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL
);

CREATE INDEX jobs_status_idx ON jobs (status, created_at DESC, id DESC);
CREATE INDEX jobs_employer_idx ON jobs (employer_id, created_at DESC);
CREATE INDEX jobs_category_idx ON jobs (category, status, created_at DESC);

CREATE TABLE job_applications (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id          INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    applicant_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    cover_letter    TEXT,
    proposed_budget REAL,
    status          TEXT    NOT NULL DEFAULT 'pending',
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    CONSTRAINT job_applications_once UNIQUE (job_id, applicant_id)
);

CREATE INDEX job_applications_applicant_idx ON job_applications (applicant_id, created_at DESC);

CREATE VIRTUAL TABLE jobs_fts USING fts5 (
    title, company, description, skills,
    content = 'jobs', content_rowid = 'id', tokenize = 'porter unicode61'
);

CREATE TRIGGER jobs_fts_insert AFTER INSERT ON jobs BEGIN
    INSERT INTO jobs_fts (rowid, title, company, description, skills)
    VALUES (new.id, new.title, new.company, new.description, new.skills);
END;

CREATE TRIGGER jobs_fts_delete AFTER DELETE ON jobs BEGIN
    INSERT INTO jobs_fts (jobs_fts, rowid, title, company, description, skills)
    VALUES ('delete', old.id, old.title, old.company, old.description, old.skills);
END;

CREATE TRIGGER jobs_fts_update AFTER UPDATE OF title, company, description, skills ON jobs BEGIN
    INSERT INTO jobs_fts (jobs_fts, rowid, title, company, description, skills)
    VALUES ('delete', old.id, old.title, old.company, old.description, old.skills);
    INSERT INTO jobs_fts (rowid, title, company, description, skills)
    VALUES (new.id, new.title, new.company, new.description, new.skills);
END;
