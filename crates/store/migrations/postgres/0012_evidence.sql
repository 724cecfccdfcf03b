-- The evidence store. A blob is one content, stored once under its SHA-256 with its SM3 digest
-- and size; an evidence file is one intake (who handed what in, when, under which name), and
-- several intakes may share a blob. Custody events record every later touch. Uploads in
-- progress are not evidence: a file row exists only once its bytes are stored and hashed.
CREATE TABLE evidence_blob (
    sha256      TEXT PRIMARY KEY CHECK (length(sha256) = 64),
    sm3         TEXT NOT NULL CHECK (length(sm3) = 64),
    size        BIGINT NOT NULL CHECK (size >= 0),
    storage_key TEXT NOT NULL UNIQUE,
    created_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE evidence_file (
    id            TEXT PRIMARY KEY,
    sha256        TEXT NOT NULL REFERENCES evidence_blob(sha256),
    original_name TEXT NOT NULL CHECK (length(original_name) > 0),
    media_type    TEXT NOT NULL,
    account_id    TEXT,
    staff_id      TEXT,
    uploader_name TEXT NOT NULL,
    uploaded_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX evidence_file_account ON evidence_file(account_id, uploaded_at);
CREATE INDEX evidence_file_sha256 ON evidence_file(sha256);

CREATE TABLE custody_event (
    id         TEXT PRIMARY KEY,
    file_id    TEXT NOT NULL REFERENCES evidence_file(id),
    kind       TEXT NOT NULL CHECK (kind IN ('intake', 'access', 'download', 'export', 'verify_ok', 'verify_failed')),
    account_id TEXT,
    actor_name TEXT NOT NULL,
    at         TIMESTAMPTZ NOT NULL,
    detail     TEXT
);
CREATE INDEX custody_event_file ON custody_event(file_id, at);

-- Evidence and its custody are never rewritten or removed.
CREATE FUNCTION evidence_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is immutable', TG_TABLE_NAME;
END;
$$;
CREATE TRIGGER evidence_blob_immutable BEFORE UPDATE OR DELETE ON evidence_blob
    FOR EACH ROW EXECUTE FUNCTION evidence_immutable();
CREATE TRIGGER evidence_file_immutable BEFORE UPDATE OR DELETE ON evidence_file
    FOR EACH ROW EXECUTE FUNCTION evidence_immutable();
CREATE TRIGGER custody_event_immutable BEFORE UPDATE OR DELETE ON custody_event
    FOR EACH ROW EXECUTE FUNCTION evidence_immutable();

-- A resumable upload in progress (tus): its owner, declared length and digest, and the offset
-- acknowledged to the client (the staging file is cut back to it after a crash).
CREATE TABLE evidence_upload (
    id              TEXT PRIMARY KEY,
    account_id      TEXT NOT NULL,
    length          BIGINT NOT NULL CHECK (length >= 0),
    upload_offset   BIGINT NOT NULL CHECK (upload_offset >= 0 AND upload_offset <= length),
    file_name       TEXT NOT NULL,
    media_type      TEXT NOT NULL,
    declared_sha256 TEXT,
    declared_sm3    TEXT,
    created_at      TIMESTAMPTZ NOT NULL,
    expires_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX evidence_upload_expires ON evidence_upload(expires_at);
