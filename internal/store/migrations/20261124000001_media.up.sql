-- Media uploaded to WhatsApp (Client.UploadMedia), kept so that later sends
-- can reuse an upload by its media_id. The keys are base64 (std) TEXT, like
-- every other column portable between SQLite and PostgreSQL; they are never
-- shown in API output.
CREATE TABLE wauser_media (
    account_id  TEXT NOT NULL REFERENCES wauser_accounts (id) ON DELETE CASCADE,
    media_id    TEXT NOT NULL,
    media_type  TEXT NOT NULL,
    mime_type   TEXT NOT NULL,
    file_name   TEXT NOT NULL DEFAULT '',
    size        BIGINT NOT NULL,
    sha256      TEXT NOT NULL,
    enc_sha256  TEXT NOT NULL,
    media_key   TEXT NOT NULL,
    url         TEXT NOT NULL,
    direct_path TEXT NOT NULL,
    source_url  TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (account_id, media_id)
);
