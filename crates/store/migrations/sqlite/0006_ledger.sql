-- The tamper-evident log. A change writes its entry (canonical bytes, made in Rust) in its own
-- transaction with `idx` empty; the integrator gives entries consecutive indexes in commit
-- order, stores the full-subtree nodes proofs need, and checkpoints are signed after.
CREATE TABLE ledger_entry (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    idx        INTEGER UNIQUE,
    entry      BLOB NOT NULL,
    leaf_hash  BLOB CHECK (leaf_hash IS NULL OR length(leaf_hash) = 32),
    entry_type TEXT NOT NULL,
    object_id  TEXT NOT NULL,
    created_at TEXT NOT NULL,
    CHECK ((idx IS NULL) = (leaf_hash IS NULL))
);
CREATE INDEX ledger_entry_pending ON ledger_entry(seq) WHERE idx IS NULL;
CREATE INDEX ledger_entry_object ON ledger_entry(object_id);

CREATE TABLE ledger_node (
    level INTEGER NOT NULL CHECK (level BETWEEN 0 AND 63),
    idx   INTEGER NOT NULL CHECK (idx >= 0),
    hash  BLOB NOT NULL CHECK (length(hash) = 32),
    PRIMARY KEY (level, idx)
) WITHOUT ROWID;

-- The hash algorithm is fixed for the life of the log: set once, never changed.
CREATE TABLE ledger_meta (
    id        INTEGER PRIMARY KEY CHECK (id = 1),
    algorithm TEXT NOT NULL CHECK (algorithm IN ('sha256', 'sm3')),
    size      INTEGER NOT NULL CHECK (size >= 0)
);

CREATE TABLE ledger_checkpoint (
    size       INTEGER PRIMARY KEY CHECK (size >= 0),
    root_hash  BLOB NOT NULL CHECK (length(root_hash) = 32),
    note       TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TRIGGER ledger_meta_algorithm_fixed BEFORE UPDATE OF algorithm ON ledger_meta
WHEN NEW.algorithm <> OLD.algorithm
BEGIN
    SELECT RAISE(ABORT, 'the ledger hash algorithm is fixed for the life of the log');
END;
