-- Scale-out (issue 7).
--
-- Account leases. On PostgreSQL a process connects an account only while it
-- holds the account's advisory lock on its dedicated lease connection; this
-- row says which process that is (holder) and when it last proved it is
-- alive (renewed_at, the database's clock). A process that takes a lease
-- over waits until renewed_at plus the grace period before connecting, so a
-- holder that lost its lease connection has disconnected by then. The holder
-- deletes the row when it lets the lease go. On SQLite the table is unused.
CREATE TABLE wauser_leases (
    account_id TEXT PRIMARY KEY REFERENCES wauser_accounts (id) ON DELETE CASCADE,
    holder     TEXT NOT NULL,
    renewed_at TIMESTAMPTZ NOT NULL
);

--bun:split

CREATE INDEX wauser_leases_holder ON wauser_leases (holder);

