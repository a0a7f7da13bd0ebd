-- Messages are looked up by WhatsApp id within a conversation; the index
-- leads with the conversation so that one conversation's rows sit together
-- (history arrives conversation by conversation).
DROP INDEX wauser_messages_wa;

--bun:split

CREATE INDEX wauser_messages_conv_wa ON wauser_messages (account_id, conversation_id, wa_message_id);
