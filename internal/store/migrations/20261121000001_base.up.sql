-- wauser base schema. Runs unchanged on SQLite and PostgreSQL: TEXT, BIGINT,
-- INTEGER, BOOLEAN and TIMESTAMPTZ only; JSON is stored as TEXT.
CREATE TABLE wauser_accounts (
    id                  TEXT PRIMARY KEY,
    jid                 TEXT NOT NULL DEFAULT '',
    lid                 TEXT NOT NULL DEFAULT '',
    phone               TEXT NOT NULL DEFAULT '',
    push_name           TEXT NOT NULL DEFAULT '',
    business_name       TEXT NOT NULL DEFAULT '',
    platform            TEXT NOT NULL DEFAULT '',
    state               TEXT NOT NULL DEFAULT 'unpaired',
    last_error          TEXT NOT NULL DEFAULT '',
    only_status_updates BOOLEAN NOT NULL DEFAULT FALSE,
    connected_at        TIMESTAMPTZ,
    created_at          TIMESTAMPTZ NOT NULL,
    updated_at          TIMESTAMPTZ NOT NULL
);

--bun:split

-- Per-account counters: "seq" numbers every change of a conversation,
-- contact or message (the Changes feed); other names may be added later.
CREATE TABLE wauser_counters (
    account_id TEXT NOT NULL REFERENCES wauser_accounts (id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    value      BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (account_id, name)
);

--bun:split

CREATE TABLE wauser_conversations (
    account_id       TEXT NOT NULL REFERENCES wauser_accounts (id) ON DELETE CASCADE,
    conversation_id  TEXT NOT NULL,
    chat_jid         TEXT NOT NULL,
    alt_jid          TEXT NOT NULL DEFAULT '',
    kind             TEXT NOT NULL,
    subject          TEXT NOT NULL DEFAULT '',
    topic            TEXT NOT NULL DEFAULT '',
    direct_person_id TEXT NOT NULL DEFAULT '',
    is_archived      BOOLEAN NOT NULL DEFAULT FALSE,
    is_pinned        BOOLEAN NOT NULL DEFAULT FALSE,
    is_announce      BOOLEAN NOT NULL DEFAULT FALSE,
    is_locked        BOOLEAN NOT NULL DEFAULT FALSE,
    muted_until      TIMESTAMPTZ,
    unread_count     INTEGER NOT NULL DEFAULT 0,
    last_message_at  TIMESTAMPTZ,
    merged_into      TEXT NOT NULL DEFAULT '',
    seq              BIGINT NOT NULL,
    created_at       TIMESTAMPTZ NOT NULL,
    updated_at       TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (account_id, conversation_id)
);

--bun:split

CREATE UNIQUE INDEX wauser_conversations_seq ON wauser_conversations (account_id, seq);

--bun:split

CREATE INDEX wauser_conversations_chat ON wauser_conversations (account_id, chat_jid);

--bun:split

CREATE TABLE wauser_participants (
    account_id      TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    participant_jid TEXT NOT NULL,
    person_id       TEXT NOT NULL DEFAULT '',
    role            TEXT NOT NULL DEFAULT 'member',
    PRIMARY KEY (account_id, conversation_id, participant_jid),
    FOREIGN KEY (account_id, conversation_id)
        REFERENCES wauser_conversations (account_id, conversation_id) ON DELETE CASCADE
);

--bun:split

CREATE TABLE wauser_contacts (
    account_id         TEXT NOT NULL REFERENCES wauser_accounts (id) ON DELETE CASCADE,
    person_id          TEXT NOT NULL,
    num                BIGINT NOT NULL,
    display_name       TEXT NOT NULL DEFAULT '',
    first_name         TEXT NOT NULL DEFAULT '',
    last_name          TEXT NOT NULL DEFAULT '',
    company            TEXT NOT NULL DEFAULT '',
    whatsapp_push_name TEXT NOT NULL DEFAULT '',
    business_name      TEXT NOT NULL DEFAULT '',
    phone_e164         TEXT NOT NULL DEFAULT '',
    phone_jid          TEXT NOT NULL DEFAULT '',
    lid_jid            TEXT NOT NULL DEFAULT '',
    tags               TEXT NOT NULL DEFAULT '[]',
    merged_into        TEXT NOT NULL DEFAULT '',
    seq                BIGINT NOT NULL,
    created_at         TIMESTAMPTZ NOT NULL,
    updated_at         TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (account_id, person_id)
);

--bun:split

CREATE UNIQUE INDEX wauser_contacts_seq ON wauser_contacts (account_id, seq);

--bun:split

CREATE UNIQUE INDEX wauser_contacts_num ON wauser_contacts (account_id, num);

--bun:split

CREATE INDEX wauser_contacts_phone ON wauser_contacts (account_id, phone_jid);

--bun:split

CREATE INDEX wauser_contacts_lid ON wauser_contacts (account_id, lid_jid);

--bun:split

CREATE TABLE wauser_messages (
    account_id       TEXT NOT NULL REFERENCES wauser_accounts (id) ON DELETE CASCADE,
    message_id       TEXT NOT NULL,
    conversation_id  TEXT NOT NULL,
    chat_jid         TEXT NOT NULL,
    wa_message_id    TEXT NOT NULL,
    sender_jid       TEXT NOT NULL DEFAULT '',
    sender_push_name TEXT NOT NULL DEFAULT '',
    direction        TEXT NOT NULL,
    is_from_me       BOOLEAN NOT NULL DEFAULT FALSE,
    content_type     TEXT NOT NULL,
    body             TEXT NOT NULL DEFAULT '',
    status           TEXT NOT NULL,
    error            TEXT NOT NULL DEFAULT '',
    reply_to_wa_id   TEXT NOT NULL DEFAULT '',
    mentions         TEXT NOT NULL DEFAULT '[]',
    reactions        TEXT NOT NULL DEFAULT '{}',
    media            TEXT NOT NULL DEFAULT '',
    media_keys       TEXT NOT NULL DEFAULT '',
    sent_at          TIMESTAMPTZ,
    received_at      TIMESTAMPTZ,
    edited_at        TIMESTAMPTZ,
    deleted_at       TIMESTAMPTZ,
    seq              BIGINT NOT NULL,
    created_at       TIMESTAMPTZ NOT NULL,
    updated_at       TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (account_id, message_id)
);

--bun:split

CREATE UNIQUE INDEX wauser_messages_seq ON wauser_messages (account_id, seq);

--bun:split

CREATE INDEX wauser_messages_wa ON wauser_messages (account_id, wa_message_id);

--bun:split

CREATE INDEX wauser_messages_conv ON wauser_messages (account_id, conversation_id, sent_at);

--bun:split

CREATE TABLE wauser_api_keys (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL DEFAULT '',
    prefix       TEXT NOT NULL,
    hash         TEXT NOT NULL UNIQUE,
    scopes       TEXT NOT NULL DEFAULT '[]',
    accounts     TEXT NOT NULL DEFAULT '[]',
    created_at   TIMESTAMPTZ NOT NULL,
    last_used_at TIMESTAMPTZ,
    revoked_at   TIMESTAMPTZ
);

--bun:split

CREATE TABLE wauser_webhooks (
    id                    TEXT PRIMARY KEY,
    account_id            TEXT NOT NULL REFERENCES wauser_accounts (id) ON DELETE CASCADE,
    url                   TEXT NOT NULL,
    headers               TEXT NOT NULL DEFAULT '{}',
    event_types           TEXT NOT NULL DEFAULT '["*"]',
    chat_ids              TEXT NOT NULL DEFAULT '[]',
    chat_types            TEXT NOT NULL DEFAULT '[]',
    mentions              TEXT NOT NULL DEFAULT '[]',
    message_types         TEXT NOT NULL DEFAULT '[]',
    settings_types        TEXT NOT NULL DEFAULT '[]',
    secret                TEXT NOT NULL DEFAULT '',
    previous_secret       TEXT NOT NULL DEFAULT '',
    previous_secret_until TIMESTAMPTZ,
    enabled               BOOLEAN NOT NULL DEFAULT TRUE,
    created_at            TIMESTAMPTZ NOT NULL,
    updated_at            TIMESTAMPTZ NOT NULL,
    UNIQUE (account_id, url)
);

--bun:split

CREATE TABLE wauser_webhook_deliveries (
    id               TEXT PRIMARY KEY,
    webhook_id       TEXT NOT NULL REFERENCES wauser_webhooks (id) ON DELETE CASCADE,
    account_id       TEXT NOT NULL REFERENCES wauser_accounts (id) ON DELETE CASCADE,
    event_id         TEXT NOT NULL,
    event_type       TEXT NOT NULL,
    ordering_key     TEXT NOT NULL DEFAULT '',
    payload          TEXT NOT NULL,
    state            TEXT NOT NULL DEFAULT 'pending',
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TIMESTAMPTZ NOT NULL,
    last_status      INTEGER NOT NULL DEFAULT 0,
    last_error       TEXT NOT NULL DEFAULT '',
    created_at       TIMESTAMPTZ NOT NULL,
    delivered_at     TIMESTAMPTZ,
    UNIQUE (webhook_id, event_id)
);

--bun:split

CREATE INDEX wauser_webhook_deliveries_due ON wauser_webhook_deliveries (state, next_attempt_at);
