-- Commands (issue 6): the record of each write the REST sync dialect answers
-- with 202 CommandAccepted, readable again at GET /v1/whatsapp/commands/{id}.
-- payload and result are JSON objects. Records go with their account, and
-- are pruned after a retention period (Client.RecordCommand).
CREATE TABLE wauser_commands (
    account_id   TEXT NOT NULL REFERENCES wauser_accounts (id) ON DELETE CASCADE,
    id           TEXT NOT NULL,
    kind         TEXT NOT NULL,
    payload      TEXT NOT NULL,
    status       TEXT NOT NULL,
    result       TEXT NOT NULL,
    error        TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMPTZ NOT NULL,
    claimed_at   TIMESTAMPTZ,
    completed_at TIMESTAMPTZ,
    PRIMARY KEY (account_id, id)
);

--bun:split

-- Pruning by age.
CREATE INDEX wauser_commands_created ON wauser_commands (account_id, created_at);
