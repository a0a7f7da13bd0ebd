-- Webhook formats (issue 14): the shape of a webhook's deliveries, applied
-- when they are made from the one outbox: 'wauser' (the envelope with
-- wauser's event names) or 'whatsapp-use' (the WhatsApp Use API's events).
-- description is kept for the WhatsApp Use API's endpoints. all_accounts:
-- the webhook receives the events of every account, not only its own.
ALTER TABLE wauser_webhooks ADD COLUMN format TEXT NOT NULL DEFAULT 'wauser';

--bun:split

ALTER TABLE wauser_webhooks ADD COLUMN description TEXT NOT NULL DEFAULT '';

--bun:split

ALTER TABLE wauser_webhooks ADD COLUMN all_accounts BOOLEAN NOT NULL DEFAULT FALSE;

--bun:split

-- The fan-out reads the webhooks for all accounts with every batch.
CREATE INDEX wauser_webhooks_all_accounts ON wauser_webhooks (all_accounts) WHERE all_accounts;
