-- Full-text search over message bodies (a media message's caption is its
-- body): a GIN index on the body's tsvector, partial so that only live
-- messages are in it (a body, not deleted, not merged away). Being an
-- expression index, PostgreSQL keeps it in step with every write (an edit
-- re-indexes, a revoke or a merge removes) and the table keeps its shape.
--
-- The text search configuration is 'simple': lower-casing, no stemming, no
-- stop words. A chat store is multilingual, often within one conversation;
-- a language's stemmer would mangle the others' words and drop their stop
-- words, and WhatsApp does not say which language a message is in. The
-- search matches whole words and word* prefixes in every language alike.
CREATE INDEX wauser_messages_search ON wauser_messages
    USING gin (to_tsvector('simple'::regconfig, body))
    WHERE body <> '' AND deleted_at IS NULL AND merged_into = '';
