-- Profile pictures: files in storage under generated keys, one of them the current avatar.

CREATE TABLE profile_pictures (
    id           BIGSERIAL PRIMARY KEY,
    user_id      BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    storage_key  TEXT    NOT NULL UNIQUE,
    content_type TEXT    NOT NULL,
    file_size    BIGINT  NOT NULL,
    width        BIGINT  NOT NULL,
    height       BIGINT  NOT NULL,
    is_current   BIGINT  NOT NULL DEFAULT 0,
    created_at   BIGINT  NOT NULL
);

CREATE INDEX profile_pictures_user_idx ON profile_pictures (user_id, id DESC);
