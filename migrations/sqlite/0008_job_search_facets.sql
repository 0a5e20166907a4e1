-- The job search index also carries the list filters (remote, job type, category, location
-- words), so a filtered or searched list is answered by the index alone instead of reading a
-- row for every candidate. Open (active) jobs and the others live in separate indexes: every
-- public list asks for open jobs, and a status token in one shared index would make each of
-- those queries walk the postings of nearly every job. A job moves between the two when its
-- status changes.
--
-- The views are the indexes' content: `rebuild` reads them, and they say how each filter is
-- written as text. Job type and category end with the token `zend`, so that a phrase anchored
-- at the column's start and ending in `zend` matches the whole value and nothing longer.

-- The category filter is answered by the search index now; its b-tree would only cost writes.
DROP INDEX jobs_category_idx;

-- The salary bounds, as the list tests them. Without these a bound few jobs meet walked every
-- open job looking for a page of them (350 to 450 ms at a million jobs); with them such a
-- bound reads only the jobs that meet it, and a bound most jobs meet still walks newest first.
CREATE INDEX jobs_pays_up_to_idx ON jobs (status, (COALESCE(salary_max, salary_min)));
CREATE INDEX jobs_pays_from_idx ON jobs (status, (COALESCE(salary_min, salary_max)));

DROP TRIGGER jobs_fts_insert;
DROP TRIGGER jobs_fts_delete;
DROP TRIGGER jobs_fts_update;
DROP TABLE jobs_fts;

CREATE VIEW jobs_open_source AS
SELECT id, title, company, description, skills, 'zr' || is_remote AS remote,
       job_type || ' zend' AS job_type, category || ' zend' AS category, location
FROM jobs WHERE status = 'active';

CREATE VIEW jobs_closed_source AS
SELECT id, title, company, description, skills, 'zr' || is_remote AS remote,
       job_type || ' zend' AS job_type, category || ' zend' AS category, location, status
FROM jobs WHERE status <> 'active';

CREATE VIRTUAL TABLE jobs_open_fts USING fts5 (
    title, company, description, skills, remote, job_type, category, location,
    content = 'jobs_open_source', content_rowid = 'id', tokenize = 'porter unicode61'
);

CREATE VIRTUAL TABLE jobs_closed_fts USING fts5 (
    title, company, description, skills, remote, job_type, category, location, status,
    content = 'jobs_closed_source', content_rowid = 'id', tokenize = 'porter unicode61'
);

INSERT INTO jobs_open_fts (jobs_open_fts) VALUES ('rebuild');
INSERT INTO jobs_closed_fts (jobs_closed_fts) VALUES ('rebuild');

CREATE TRIGGER jobs_search_insert AFTER INSERT ON jobs BEGIN
    INSERT INTO jobs_open_fts (rowid, title, company, description, skills, remote, job_type, category, location)
    SELECT new.id, new.title, new.company, new.description, new.skills, 'zr' || new.is_remote,
           new.job_type || ' zend', new.category || ' zend', new.location
    WHERE new.status = 'active';
    INSERT INTO jobs_closed_fts (rowid, title, company, description, skills, remote, job_type, category, location, status)
    SELECT new.id, new.title, new.company, new.description, new.skills, 'zr' || new.is_remote,
           new.job_type || ' zend', new.category || ' zend', new.location, new.status
    WHERE new.status <> 'active';
END;

CREATE TRIGGER jobs_search_delete AFTER DELETE ON jobs BEGIN
    INSERT INTO jobs_open_fts (jobs_open_fts, rowid, title, company, description, skills, remote, job_type, category, location)
    SELECT 'delete', old.id, old.title, old.company, old.description, old.skills, 'zr' || old.is_remote,
           old.job_type || ' zend', old.category || ' zend', old.location
    WHERE old.status = 'active';
    INSERT INTO jobs_closed_fts (jobs_closed_fts, rowid, title, company, description, skills, remote, job_type, category, location, status)
    SELECT 'delete', old.id, old.title, old.company, old.description, old.skills, 'zr' || old.is_remote,
           old.job_type || ' zend', old.category || ' zend', old.location, old.status
    WHERE old.status <> 'active';
END;

-- One trigger, so that the old entry is always removed before the new one is added.
CREATE TRIGGER jobs_search_update
AFTER UPDATE OF title, company, description, skills, is_remote, job_type, category, location, status ON jobs
BEGIN
    INSERT INTO jobs_open_fts (jobs_open_fts, rowid, title, company, description, skills, remote, job_type, category, location)
    SELECT 'delete', old.id, old.title, old.company, old.description, old.skills, 'zr' || old.is_remote,
           old.job_type || ' zend', old.category || ' zend', old.location
    WHERE old.status = 'active';
    INSERT INTO jobs_closed_fts (jobs_closed_fts, rowid, title, company, description, skills, remote, job_type, category, location, status)
    SELECT 'delete', old.id, old.title, old.company, old.description, old.skills, 'zr' || old.is_remote,
           old.job_type || ' zend', old.category || ' zend', old.location, old.status
    WHERE old.status <> 'active';
    INSERT INTO jobs_open_fts (rowid, title, company, description, skills, remote, job_type, category, location)
    SELECT new.id, new.title, new.company, new.description, new.skills, 'zr' || new.is_remote,
           new.job_type || ' zend', new.category || ' zend', new.location
    WHERE new.status = 'active';
    INSERT INTO jobs_closed_fts (rowid, title, company, description, skills, remote, job_type, category, location, status)
    SELECT new.id, new.title, new.company, new.description, new.skills, 'zr' || new.is_remote,
           new.job_type || ' zend', new.category || ' zend', new.location, new.status
    WHERE new.status <> 'active';
END;
