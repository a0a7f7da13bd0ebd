-- Messages the account starred (StarMessage, or on its phone): WhatsApp's
-- star app state, kept as a flag on the message.
ALTER TABLE wauser_messages ADD COLUMN starred BOOLEAN NOT NULL DEFAULT FALSE;
