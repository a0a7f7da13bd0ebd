-- Outgoing messages (issue 4): message templates (document 002), the daily
-- send quota, and the account's WhatsApp labels, whose names become contact
-- tags.

-- Templates are named per account and language; components is the JSON of
-- the header, body and footer texts with {{1}}, {{2}}... placeholders.
CREATE TABLE wauser_templates (
    account_id TEXT NOT NULL REFERENCES wauser_accounts (id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    language   TEXT NOT NULL,
    components TEXT NOT NULL DEFAULT '[]',
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (account_id, name, language)
);

--bun:split

-- How many messages an account sent through the library per UTC day
-- (YYYY-MM-DD), counted in the transaction that stores each one as pending,
-- so the quota survives restarts and holds across processes.
CREATE TABLE wauser_send_quota (
    account_id TEXT NOT NULL REFERENCES wauser_accounts (id) ON DELETE CASCADE,
    day        TEXT NOT NULL,
    sent       BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (account_id, day)
);

--bun:split

-- WhatsApp labels (Business app), from app state LabelEdit actions.
CREATE TABLE wauser_labels (
    account_id TEXT NOT NULL REFERENCES wauser_accounts (id) ON DELETE CASCADE,
    label_id   TEXT NOT NULL,
    name       TEXT NOT NULL DEFAULT '',
    color      INTEGER NOT NULL DEFAULT 0,
    deleted    BOOLEAN NOT NULL DEFAULT FALSE,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (account_id, label_id)
);

--bun:split

-- Which chats carry which label (LabelAssociationChat actions).
CREATE TABLE wauser_label_chats (
    account_id TEXT NOT NULL REFERENCES wauser_accounts (id) ON DELETE CASCADE,
    label_id   TEXT NOT NULL,
    chat_jid   TEXT NOT NULL,
    PRIMARY KEY (account_id, label_id, chat_jid)
);
