-- Direct messages. A conversation is stored once per pair of people: the lower id is always
-- participant 1, and the ordered pair is unique, so two people starting a conversation with
-- each other at the same moment end up in the same one.

CREATE TABLE conversations (
    id               BIGSERIAL PRIMARY KEY,
    participant_1_id BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    participant_2_id BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at       BIGINT  NOT NULL,
    updated_at       BIGINT  NOT NULL,
    CONSTRAINT conversations_pair UNIQUE (participant_1_id, participant_2_id),
    CONSTRAINT conversations_ordered CHECK (participant_1_id < participant_2_id)
);

CREATE INDEX conversations_p1_idx ON conversations (participant_1_id, updated_at DESC);
CREATE INDEX conversations_p2_idx ON conversations (participant_2_id, updated_at DESC);

CREATE TABLE messages (
    id              BIGSERIAL PRIMARY KEY,
    conversation_id BIGINT  NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    sender_id       BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    receiver_id     BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    content         TEXT    NOT NULL,
    is_read         BIGINT  NOT NULL DEFAULT 0,
    created_at      BIGINT  NOT NULL
);

CREATE INDEX messages_conversation_idx ON messages (conversation_id, id DESC);
CREATE INDEX messages_unread_idx ON messages (receiver_id, is_read, conversation_id);
