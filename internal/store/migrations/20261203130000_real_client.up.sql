-- What a real WhatsApp client keeps (issue 13).
--
-- Each message keeps the JID forms WhatsApp addressed it by on the wire
-- (a LID chat or participant where the record shows the phone number), so
-- that replies, reactions, deletions, receipts, media retries, history
-- requests and app state patches name it the way WhatsApp does; '' when
-- not seen yet (rows made before this column, placeholders). client_id is
-- the id the caller chose when sending (an idempotency key), while
-- wa_message_id is the id the message was sent under.
ALTER TABLE wauser_messages ADD COLUMN wire_chat_jid TEXT NOT NULL DEFAULT '';

--bun:split

ALTER TABLE wauser_messages ADD COLUMN wire_sender_jid TEXT NOT NULL DEFAULT '';

--bun:split

ALTER TABLE wauser_messages ADD COLUMN client_id TEXT NOT NULL DEFAULT '';

--bun:split

-- Sends with a caller-chosen id find their message by it.
CREATE INDEX wauser_messages_client_id ON wauser_messages (account_id, conversation_id, client_id) WHERE client_id <> '';

--bun:split

-- What official clients put in a media message and wauser reads from the
-- file when it is uploaded: image dimensions, a small JPEG thumbnail
-- (base64), and the playing time of Ogg Opus audio; 0 or '' when not
-- known.
ALTER TABLE wauser_media ADD COLUMN width INTEGER NOT NULL DEFAULT 0;

--bun:split

ALTER TABLE wauser_media ADD COLUMN height INTEGER NOT NULL DEFAULT 0;

--bun:split

ALTER TABLE wauser_media ADD COLUMN seconds INTEGER NOT NULL DEFAULT 0;

--bun:split

ALTER TABLE wauser_media ADD COLUMN thumbnail TEXT NOT NULL DEFAULT '';
