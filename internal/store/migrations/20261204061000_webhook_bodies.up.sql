-- The body of a webhook delivery, stored once per event and format instead
-- of once per delivery: the deliveries of one event to several endpoints
-- share it, and a delivery row, written three times on its way (queued,
-- claimed, sent), stays small. body_id names a delivery's body; deliveries
-- written before this migration (and test pings) keep theirs in payload,
-- which is read when body_id is ''.
CREATE TABLE wauser_webhook_bodies (
    id          TEXT PRIMARY KEY,
    account_id  TEXT NOT NULL REFERENCES wauser_accounts (id) ON DELETE CASCADE,
    body        TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);

--bun:split

ALTER TABLE wauser_webhook_deliveries ADD COLUMN body_id TEXT NOT NULL DEFAULT '';
