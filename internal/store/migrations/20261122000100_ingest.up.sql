-- Columns the ingestion path needs: who sent a message as a person (so a
-- message is found whatever JID form addressed its sender), merge
-- tombstones for messages, type-specific message data, and chat state.
ALTER TABLE wauser_messages ADD COLUMN sender_person_id TEXT NOT NULL DEFAULT '';

--bun:split

ALTER TABLE wauser_messages ADD COLUMN merged_into TEXT NOT NULL DEFAULT '';

--bun:split

ALTER TABLE wauser_messages ADD COLUMN extra TEXT NOT NULL DEFAULT '';

--bun:split

-- When each reaction was made (sender -> unix ms), so that a late
-- redelivery of an older reaction does not undo a newer one.
ALTER TABLE wauser_messages ADD COLUMN reaction_times TEXT NOT NULL DEFAULT '{}';

--bun:split

ALTER TABLE wauser_conversations ADD COLUMN deleted_at TIMESTAMPTZ;

--bun:split

ALTER TABLE wauser_conversations ADD COLUMN ephemeral_seconds INTEGER NOT NULL DEFAULT 0;

--bun:split

CREATE INDEX wauser_conversations_person ON wauser_conversations (account_id, direct_person_id);

--bun:split

CREATE INDEX wauser_conversations_alt ON wauser_conversations (account_id, alt_jid);

--bun:split

CREATE INDEX wauser_messages_person ON wauser_messages (account_id, sender_person_id);

--bun:split

INSERT INTO wauser_counters (account_id, name, value)
SELECT id, 'contact', 0 FROM wauser_accounts;
