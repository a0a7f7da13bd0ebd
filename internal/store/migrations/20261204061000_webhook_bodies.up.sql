-- The body of a webhook delivery, stored once per event and format instead
-- of once per delivery: the deliveries of one event to several endpoints
-- share it, and a delivery row, written three times on its way (queued,
-- claimed, sent), stays small. body_id names a delivery's body; deliveries
-- written before this migration (and test pings) keep theirs in payload,
-- which is read when body_id is ''. No foreign key: a body goes with the
-- last delivery that names it (the outbox prune deletes the others), and a
-- key check per event would cost more than the body.
CREATE TABLE wauser_webhook_bodies (
    id          TEXT PRIMARY KEY,
    body        TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);

--bun:split

ALTER TABLE wauser_webhook_deliveries ADD COLUMN body_id TEXT NOT NULL DEFAULT '';
