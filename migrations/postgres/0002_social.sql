-- Follows, the feed (posts, likes, comments) and notifications, with the indexes that keep the
-- feed, profiles and search fast. Like and comment counts are kept on the post, updated in the
-- same transaction as the like or comment, so the feed reads them without counting.

CREATE TABLE follows (
    follower_id BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    followed_id BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  BIGINT  NOT NULL,
    PRIMARY KEY (follower_id, followed_id)
);

CREATE INDEX follows_followed_idx ON follows (followed_id, follower_id);

CREATE TABLE posts (
    id             BIGSERIAL PRIMARY KEY,
    user_id        BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    content        TEXT    NOT NULL,
    image_url      TEXT,
    video_url      TEXT,
    post_type      TEXT    NOT NULL,
    related_job_id BIGINT,
    likes_count    BIGINT  NOT NULL DEFAULT 0,
    comments_count BIGINT  NOT NULL DEFAULT 0,
    created_at     BIGINT  NOT NULL,
    updated_at     BIGINT  NOT NULL
);

CREATE INDEX posts_feed_idx ON posts (created_at DESC, id DESC);
CREATE INDEX posts_user_idx ON posts (user_id, created_at DESC, id DESC);

CREATE TABLE post_likes (
    post_id    BIGINT  NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    user_id    BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT  NOT NULL,
    PRIMARY KEY (post_id, user_id)
);

CREATE INDEX post_likes_user_idx ON post_likes (user_id);

CREATE TABLE comments (
    id         BIGSERIAL PRIMARY KEY,
    post_id    BIGINT  NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    user_id    BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    content    TEXT    NOT NULL,
    created_at BIGINT  NOT NULL
);

CREATE INDEX comments_post_idx ON comments (post_id, created_at, id);
CREATE INDEX comments_user_idx ON comments (user_id);

CREATE TABLE notifications (
    id         BIGSERIAL PRIMARY KEY,
    user_id    BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    actor_id   BIGINT  REFERENCES users (id) ON DELETE SET NULL,
    kind       TEXT    NOT NULL,
    content    TEXT    NOT NULL,
    related_id BIGINT,
    is_read    BIGINT  NOT NULL DEFAULT 0,
    created_at BIGINT  NOT NULL
);

CREATE INDEX notifications_user_idx ON notifications (user_id, id DESC);
CREATE INDEX notifications_unread_idx ON notifications (user_id, is_read);
CREATE INDEX notifications_actor_idx ON notifications (actor_id);

-- People lists are ordered by name and filtered by availability; search matches prefixes of
-- the lower-cased names.
CREATE INDEX users_first_name_idx ON users (lower(first_name) text_pattern_ops);
CREATE INDEX users_last_name_idx ON users (lower(last_name) text_pattern_ops);
CREATE INDEX users_available_idx ON users (is_available_for_hire, is_active, id);
CREATE INDEX users_location_idx ON users (lower(location) text_pattern_ops);
CREATE INDEX users_username_prefix_idx ON users (lower(username) text_pattern_ops);
