-- Full-text search over message bodies (a media message's caption is its
-- body): an FTS5 index with wauser_messages as its external content, so
-- the text is not stored twice. Triggers keep it in step with every
-- write: only live messages are indexed (a body, not deleted, not merged
-- away), an edit re-indexes, a revoke or a merge removes. Updates that do
-- not touch those columns (receipts, reactions) cost the index nothing.
-- The tokenizer folds case and diacritics, and keeps combining marks
-- inside words (scripts such as Devanagari write with them).
CREATE VIRTUAL TABLE wauser_messages_fts USING fts5 (
    body,
    content = 'wauser_messages',
    content_rowid = 'rowid',
    tokenize = "unicode61 remove_diacritics 2 categories 'L* N* Co M*'"
);

--bun:split

CREATE TRIGGER wauser_messages_fts_insert AFTER INSERT ON wauser_messages
WHEN new.body <> '' AND new.deleted_at IS NULL AND new.merged_into = ''
BEGIN
    INSERT INTO wauser_messages_fts (rowid, body) VALUES (new.rowid, new.body);
END;

--bun:split

CREATE TRIGGER wauser_messages_fts_delete AFTER DELETE ON wauser_messages
WHEN old.body <> '' AND old.deleted_at IS NULL AND old.merged_into = ''
BEGIN
    INSERT INTO wauser_messages_fts (wauser_messages_fts, rowid, body) VALUES ('delete', old.rowid, old.body);
END;

--bun:split

CREATE TRIGGER wauser_messages_fts_update AFTER UPDATE OF body, deleted_at, merged_into ON wauser_messages
WHEN old.body IS NOT new.body
    OR (old.deleted_at IS NULL) <> (new.deleted_at IS NULL)
    OR old.merged_into IS NOT new.merged_into
BEGIN
    INSERT INTO wauser_messages_fts (wauser_messages_fts, rowid, body)
        SELECT 'delete', old.rowid, old.body
        WHERE old.body <> '' AND old.deleted_at IS NULL AND old.merged_into = '';
    INSERT INTO wauser_messages_fts (rowid, body)
        SELECT new.rowid, new.body
        WHERE new.body <> '' AND new.deleted_at IS NULL AND new.merged_into = '';
END;

--bun:split

INSERT INTO wauser_messages_fts (rowid, body)
    SELECT rowid, body FROM wauser_messages
    WHERE body <> '' AND deleted_at IS NULL AND merged_into = '';
