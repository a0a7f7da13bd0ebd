-- API keys as the multi-session server's admin API manages them: a device
-- quota of the key's own (0: the REST handler's default), the key whose
-- POST /devices created this one (a device token; '' otherwise, counted
-- against that key's quota), and the customer's contact details the
-- server's key objects carry.
ALTER TABLE wauser_api_keys ADD COLUMN max_devices INTEGER NOT NULL DEFAULT 0;

--bun:split

ALTER TABLE wauser_api_keys ADD COLUMN created_by TEXT NOT NULL DEFAULT '';

--bun:split

ALTER TABLE wauser_api_keys ADD COLUMN contact_email TEXT NOT NULL DEFAULT '';

--bun:split

ALTER TABLE wauser_api_keys ADD COLUMN contact_phone TEXT NOT NULL DEFAULT '';

--bun:split

-- A creator's quota counts its live device tokens.
CREATE INDEX wauser_api_keys_created_by ON wauser_api_keys (created_by) WHERE created_by <> '';
