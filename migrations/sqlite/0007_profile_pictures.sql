-- Profile pictures: files in storage under generated keys, one of them the current avatar.

CREATE TABLE profile_pictures (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    storage_key  TEXT    NOT NULL UNIQUE,
    content_type TEXT    NOT NULL,
    file_size    INTEGER NOT NULL,
    width        INTEGER NOT NULL,
    height       INTEGER NOT NULL,
    is_current   INTEGER NOT NULL DEFAULT 0,
    created_at   INTEGER NOT NULL
);

CREATE INDEX profile_pictures_user_idx ON profile_pictures (user_id, id DESC);
