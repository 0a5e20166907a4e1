-- Accounts, login sessions (one per sign-in, the refresh-token family) and refresh tokens.
-- Timestamps are Unix milliseconds and flags 0/1 integers, readable through sqlx's Any driver.

CREATE TABLE users (
    id                    BIGSERIAL PRIMARY KEY,
    email                 TEXT    NOT NULL,
    password_hash         TEXT,
    first_name            TEXT    NOT NULL,
    last_name             TEXT    NOT NULL,
    username              TEXT    NOT NULL,
    phone                 TEXT,
    user_type             TEXT    NOT NULL,
    is_admin              BIGINT  NOT NULL DEFAULT 0,
    is_active             BIGINT  NOT NULL DEFAULT 1,
    is_available_for_hire BIGINT  NOT NULL DEFAULT 0,
    location              TEXT,
    bio                   TEXT,
    skills                TEXT,
    experience            TEXT,
    education             TEXT,
    occupation            TEXT,
    company_name          TEXT,
    avatar_url            TEXT,
    google_sub            TEXT,
    apple_sub             TEXT,
    created_at            BIGINT  NOT NULL,
    updated_at            BIGINT  NOT NULL
);

CREATE UNIQUE INDEX users_email_key ON users (lower(email));
CREATE UNIQUE INDEX users_username_key ON users (lower(username));
CREATE UNIQUE INDEX users_phone_key ON users (phone);
CREATE UNIQUE INDEX users_google_sub_key ON users (google_sub);
CREATE UNIQUE INDEX users_apple_sub_key ON users (apple_sub);

CREATE TABLE sessions (
    id          TEXT    PRIMARY KEY,
    user_id     BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  BIGINT  NOT NULL,
    expires_at  BIGINT  NOT NULL,
    revoked_at  BIGINT
);

CREATE INDEX sessions_user_id_idx ON sessions (user_id);

CREATE TABLE refresh_tokens (
    token_hash  TEXT    PRIMARY KEY,
    session_id  TEXT    NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    created_at  BIGINT  NOT NULL,
    expires_at  BIGINT  NOT NULL,
    used_at     BIGINT
);

CREATE INDEX refresh_tokens_session_id_idx ON refresh_tokens (session_id);
