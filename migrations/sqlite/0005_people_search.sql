-- Full-text search over people (names, username, occupation, location, skills) for the people
-- list and the available-for-hire list: an FTS5 index kept in sync by triggers.

CREATE VIRTUAL TABLE users_fts USING fts5 (
    first_name, last_name, username, occupation, location, skills,
    content = 'users', content_rowid = 'id', tokenize = 'unicode61'
);

INSERT INTO users_fts (users_fts) VALUES ('rebuild');

CREATE TRIGGER users_fts_insert AFTER INSERT ON users BEGIN
    INSERT INTO users_fts (rowid, first_name, last_name, username, occupation, location, skills)
    VALUES (new.id, new.first_name, new.last_name, new.username, new.occupation, new.location, new.skills);
END;

CREATE TRIGGER users_fts_delete AFTER DELETE ON users BEGIN
    INSERT INTO users_fts (users_fts, rowid, first_name, last_name, username, occupation, location, skills)
    VALUES ('delete', old.id, old.first_name, old.last_name, old.username, old.occupation, old.location, old.skills);
END;

CREATE TRIGGER users_fts_update
AFTER UPDATE OF first_name, last_name, username, occupation, location, skills ON users BEGIN
    INSERT INTO users_fts (users_fts, rowid, first_name, last_name, username, occupation, location, skills)
    VALUES ('delete', old.id, old.first_name, old.last_name, old.username, old.occupation, old.location, old.skills);
    INSERT INTO users_fts (rowid, first_name, last_name, username, occupation, location, skills)
    VALUES (new.id, new.first_name, new.last_name, new.username, new.occupation, new.location, new.skills);
END;
