-- The webhook queue depth that GET /metrics reports (wauser.WithMetrics)
-- counts the deliveries still to send: pending ones through
-- wauser_webhook_deliveries_due, queued ones (waiting behind an earlier
-- delivery of their endpoint and conversation) through this index. Partial,
-- so the delivery log does not grow it.
CREATE INDEX wauser_webhook_deliveries_queued ON wauser_webhook_deliveries (webhook_id)
    WHERE state = 'queued';
