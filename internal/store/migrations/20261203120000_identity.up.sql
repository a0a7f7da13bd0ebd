-- When each field of a conversation or contact was last stated, and by a
-- source of which time (field -> unix ms), so that merging two forms of one
-- chat or person, and applying events in any order, keeps the most recent
-- statement and never lets an absent value clear a stated one.
ALTER TABLE wauser_conversations ADD COLUMN field_times TEXT NOT NULL DEFAULT '{}';

--bun:split

ALTER TABLE wauser_contacts ADD COLUMN field_times TEXT NOT NULL DEFAULT '{}';

--bun:split

-- Records WhatsApp sent that could not be stored (skipped with a logged
-- reason; the rest of their batch was stored).
ALTER TABLE wauser_accounts ADD COLUMN skipped_records BIGINT NOT NULL DEFAULT 0;

--bun:split

-- Who has sent messages in which conversation: how the messages of a person
-- are found when their identity is merged or re-keyed (a rare lookup, which
-- an index on every message's sender would make every stored message pay
-- for). One row per sender and conversation.
CREATE TABLE wauser_senders (
    account_id      TEXT NOT NULL REFERENCES wauser_accounts (id) ON DELETE CASCADE,
    person_id       TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    PRIMARY KEY (account_id, person_id, conversation_id)
);

--bun:split

INSERT INTO wauser_senders (account_id, person_id, conversation_id)
SELECT DISTINCT account_id, sender_person_id, conversation_id FROM wauser_messages
WHERE sender_person_id <> '' AND merged_into = '';
