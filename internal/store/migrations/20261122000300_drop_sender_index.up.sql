-- Messages by sender are looked up through the sender's conversations (a
-- rare lookup: a phone number learned, two contacts merged); an index on the
-- sender cost every stored message one more index entry.
DROP INDEX wauser_messages_person;

--bun:split

CREATE INDEX wauser_participants_person ON wauser_participants (account_id, person_id);
