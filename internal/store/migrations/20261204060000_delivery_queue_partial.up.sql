-- The queue of each (endpoint, conversation) in two partial indexes instead
-- of one over every delivery: the queued deliveries by event_seq (finding a
-- queue's head is one index step, not a walk past the deliveries of every
-- other conversation of the endpoint), and the active (pending) delivery of
-- each queue. A delivery that is sent, failed or dead leaves both, so every
-- change of a delivery's state writes fewer index entries and the queues do
-- not grow with the delivery log. The queued index also serves the queue
-- depth that GET /metrics reports (by its webhook_id prefix).
DROP INDEX wauser_webhook_deliveries_queued;

--bun:split

CREATE INDEX wauser_webhook_deliveries_queued ON wauser_webhook_deliveries (webhook_id, ordering_key, event_seq)
    WHERE state = 'queued';

--bun:split

CREATE INDEX wauser_webhook_deliveries_active ON wauser_webhook_deliveries (webhook_id, ordering_key)
    WHERE state = 'pending';

--bun:split

DROP INDEX wauser_webhook_deliveries_queue;
