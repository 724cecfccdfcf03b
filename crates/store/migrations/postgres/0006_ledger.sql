-- The tamper-evident log. A change writes its entry (canonical bytes, made in Rust) in its own
-- transaction with `idx` empty; the integrator gives entries consecutive indexes in commit
-- order, stores the full-subtree nodes proofs need, and checkpoints are signed after.
CREATE TABLE ledger_entry (
    seq        BIGSERIAL PRIMARY KEY,
    idx        BIGINT UNIQUE,
    entry      BYTEA NOT NULL,
    leaf_hash  BYTEA CHECK (leaf_hash IS NULL OR length(leaf_hash) = 32),
    entry_type TEXT NOT NULL,
    object_id  TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    CHECK ((idx IS NULL) = (leaf_hash IS NULL))
);
CREATE INDEX ledger_entry_pending ON ledger_entry(seq) WHERE idx IS NULL;
CREATE INDEX ledger_entry_object ON ledger_entry(object_id);

CREATE TABLE ledger_node (
    level INTEGER NOT NULL CHECK (level BETWEEN 0 AND 63),
    idx   BIGINT NOT NULL CHECK (idx >= 0),
    hash  BYTEA NOT NULL CHECK (length(hash) = 32),
    PRIMARY KEY (level, idx)
);

CREATE TABLE ledger_meta (
    id        INTEGER PRIMARY KEY CHECK (id = 1),
    algorithm TEXT NOT NULL CHECK (algorithm IN ('sha256', 'sm3')),
    size      BIGINT NOT NULL CHECK (size >= 0)
);

CREATE TABLE ledger_checkpoint (
    size       BIGINT PRIMARY KEY CHECK (size >= 0),
    root_hash  BYTEA NOT NULL CHECK (length(root_hash) = 32),
    note       TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE FUNCTION ledger_meta_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.algorithm <> OLD.algorithm THEN
        RAISE EXCEPTION 'the ledger hash algorithm is fixed for the life of the log';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER ledger_meta_guard BEFORE UPDATE ON ledger_meta
    FOR EACH ROW EXECUTE FUNCTION ledger_meta_guard();
