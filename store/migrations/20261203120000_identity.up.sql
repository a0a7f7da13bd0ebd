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
