-- How many jobs have each status, kept by triggers, so the unfiltered job list can report its
-- total without counting a million rows on every request.

CREATE TABLE job_counts (
    status TEXT    PRIMARY KEY,
    n      INTEGER NOT NULL
);

INSERT INTO job_counts (status, n)
SELECT s.status, (SELECT COUNT(*) FROM jobs WHERE jobs.status = s.status)
FROM (SELECT 'active' AS status UNION ALL SELECT 'inactive' UNION ALL SELECT 'closed') s;

CREATE TRIGGER job_counts_insert AFTER INSERT ON jobs BEGIN
    UPDATE job_counts SET n = n + 1 WHERE status = new.status;
END;

CREATE TRIGGER job_counts_delete AFTER DELETE ON jobs BEGIN
    UPDATE job_counts SET n = n - 1 WHERE status = old.status;
END;

CREATE TRIGGER job_counts_status AFTER UPDATE OF status ON jobs WHEN old.status <> new.status BEGIN
    UPDATE job_counts SET n = n - 1 WHERE status = old.status;
    UPDATE job_counts SET n = n + 1 WHERE status = new.status;
END;
