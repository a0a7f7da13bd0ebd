-- Sync jobs (issue 12): work that must survive a failure or a restart.
--
-- kind 'history': a history sync notification (the phone's message saying
-- a history blob is ready on WhatsApp's media servers). It is stored in the
-- transaction that acknowledges the message carrying it; a worker of the
-- process holding the account downloads, decodes and stores the blob, and
-- marks the job done in the transaction that stores the blob's last batch.
-- id is the WhatsApp id of that message; payload is the base64 of the
-- HistorySyncNotification protobuf (cleared when done).
--
-- kind 'app_state': a full resync of one app state collection (id is its
-- name, e.g. 'regular_low'), asked for when an app state event could not be
-- stored. generation grows each time it is asked for again, so a worker
-- marks it done only if nobody asked again while it ran.
--
-- A failed attempt is retried at next_attempt_at, with a growing delay;
-- state 'failed' is a job that can never succeed (a blob gone from the
-- servers, or one that does not decode), kept with its error for a while.
CREATE TABLE wauser_sync_jobs (
    account_id      TEXT NOT NULL REFERENCES wauser_accounts (id) ON DELETE CASCADE,
    kind            TEXT NOT NULL,
    id              TEXT NOT NULL,
    payload         TEXT NOT NULL DEFAULT '',
    state           TEXT NOT NULL,
    generation      BIGINT NOT NULL DEFAULT 1,
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT NOT NULL DEFAULT '',
    created_at      TIMESTAMPTZ NOT NULL,
    next_attempt_at TIMESTAMPTZ NOT NULL,
    done_at         TIMESTAMPTZ,
    PRIMARY KEY (account_id, kind, id)
);

--bun:split

-- The worker's question: the account's queued job due first.
CREATE INDEX wauser_sync_jobs_due ON wauser_sync_jobs (account_id, state, next_attempt_at);
