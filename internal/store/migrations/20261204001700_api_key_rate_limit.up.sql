-- An API key's own request limit per hour, which the REST handler applies
-- beside its per-minute limit (the multi-session server's
-- rate_limit_per_hour); 0: no hourly limit of the key's own.
ALTER TABLE wauser_api_keys ADD COLUMN rate_limit_per_hour INTEGER NOT NULL DEFAULT 0;
