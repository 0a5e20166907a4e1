-- Direct messages. A conversation is stored once per pair of people: the lower id is always
-- participant 1, and the ordered pair is unique, so two people starting a conversation with
-- each other at the same moment end up in the same one.

CREATE TABLE conversations (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    participant_1_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    participant_2_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    CONSTRAINT conversations_pair UNIQUE (participant_1_id, participant_2_id),
    CONSTRAINT conversations_ordered CHECK (participant_1_id < participant_2_id)
);

CREATE INDEX conversations_p1_idx ON conversations (participant_1_id, updated_at DESC);
CREATE INDEX conversations_p2_idx ON conversations (participant_2_id, updated_at DESC);

CREATE TABLE messages (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id INTEGER NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    sender_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    receiver_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    content         TEXT    NOT NULL,
    is_read         INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL
);

CREATE INDEX messages_conversation_idx ON messages (conversation_id, id DESC);
CREATE INDEX messages_unread_idx ON messages (receiver_id, is_read, conversation_id);
