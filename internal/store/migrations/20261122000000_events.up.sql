-- The event outbox. Every event (message.received, account.connected, ...)
-- is written here in the same transaction as the data change it describes,
-- numbered by the account's "event" counter. In-process handlers and webhook
-- deliveries are fed from this table, never from memory.
CREATE TABLE wauser_events (
    account_id      TEXT NOT NULL REFERENCES wauser_accounts (id) ON DELETE CASCADE,
    seq             BIGINT NOT NULL,
    id              TEXT NOT NULL,
    type            TEXT NOT NULL,
    conversation_id TEXT NOT NULL DEFAULT '',
    chat_jid        TEXT NOT NULL DEFAULT '',
    data            TEXT NOT NULL,
    occurred_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (account_id, seq)
);

--bun:split

CREATE UNIQUE INDEX wauser_events_id ON wauser_events (id);

--bun:split

-- Accounts created before this migration get their event counter.
INSERT INTO wauser_counters (account_id, name, value)
SELECT id, 'event', 0 FROM wauser_accounts;
