-- How many jobs have each status, kept by triggers, so the unfiltered job list can report its
-- total without counting a million rows on every request.

CREATE TABLE job_counts (
    status TEXT   PRIMARY KEY,
    n      BIGINT NOT NULL
);

INSERT INTO job_counts (status, n)
SELECT s.status, (SELECT COUNT(*) FROM jobs WHERE jobs.status = s.status)
FROM (VALUES ('active'), ('inactive'), ('closed')) AS s (status);

CREATE FUNCTION job_counts_track() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE job_counts SET n = n - 1 WHERE status = OLD.status;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        UPDATE job_counts SET n = n + 1 WHERE status = NEW.status;
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER job_counts_insert_delete AFTER INSERT OR DELETE ON jobs
    FOR EACH ROW EXECUTE FUNCTION job_counts_track();

CREATE TRIGGER job_counts_status AFTER UPDATE OF status ON jobs
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION job_counts_track();
