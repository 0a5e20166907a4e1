-- Full-text search over people (names, username, occupation, location, skills) for the people
-- list and the available-for-hire list: a generated tsvector with a GIN index. The `simple`
-- configuration keeps names as typed (no stemming), and prefixes match through the index.

ALTER TABLE users ADD COLUMN search tsvector GENERATED ALWAYS AS (
    to_tsvector('simple',
        first_name || ' ' || last_name || ' ' || username || ' ' ||
        coalesce(occupation, '') || ' ' || coalesce(location, '') || ' ' ||
        replace(coalesce(skills, ''), ',', ' '))
) STORED;

CREATE INDEX users_search_idx ON users USING GIN (search);
