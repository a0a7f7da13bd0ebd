-- Webhook delivery (issue 5).
--
-- Deliveries: event_seq orders the deliveries of one (webhook, ordering_key),
-- i.e. one endpoint and conversation. Only the oldest undelivered delivery of
-- such a pair is active (state 'pending'); later ones wait as 'queued' and are
-- promoted when it ends (delivered, failed or dead). claimed_until is the
-- lease of the worker sending it; last_attempt_at is for the delivery log.
ALTER TABLE wauser_webhook_deliveries ADD COLUMN event_seq BIGINT NOT NULL DEFAULT 0;

--bun:split

ALTER TABLE wauser_webhook_deliveries ADD COLUMN claimed_until TIMESTAMPTZ;

--bun:split

ALTER TABLE wauser_webhook_deliveries ADD COLUMN last_attempt_at TIMESTAMPTZ;

--bun:split

DROP INDEX wauser_webhook_deliveries_due;

--bun:split

-- What the workers claim: active deliveries by due time. Partial, so the
-- delivery log does not slow claiming down.
CREATE INDEX wauser_webhook_deliveries_due ON wauser_webhook_deliveries (next_attempt_at)
    WHERE state = 'pending';

--bun:split

-- The queue of each (endpoint, conversation). Not partial: SQLite uses a
-- partial index only when the query repeats its exact condition.
CREATE INDEX wauser_webhook_deliveries_queue ON wauser_webhook_deliveries (webhook_id, ordering_key, state, event_seq);

--bun:split

-- The delivery log of an endpoint, newest first.
CREATE INDEX wauser_webhook_deliveries_log ON wauser_webhook_deliveries (webhook_id, created_at);

--bun:split

-- A webhook receives the events with seq > start_seq: those written after it
-- was registered.
ALTER TABLE wauser_webhooks ADD COLUMN start_seq BIGINT NOT NULL DEFAULT 0;

--bun:split

-- Cursors of the outbox consumers: 'webhooks' (fan-out into deliveries) and
-- 'handlers' (in-process handlers). seq is the last event consumed.
CREATE TABLE wauser_event_consumers (
    account_id TEXT NOT NULL REFERENCES wauser_accounts (id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    seq        BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (account_id, name)
);

--bun:split

-- Events written before this migration are not delivered again.
INSERT INTO wauser_event_consumers (account_id, name, seq)
SELECT account_id, 'webhooks', value FROM wauser_counters WHERE name = 'event';

--bun:split

INSERT INTO wauser_event_consumers (account_id, name, seq)
SELECT account_id, 'handlers', value FROM wauser_counters WHERE name = 'event';
