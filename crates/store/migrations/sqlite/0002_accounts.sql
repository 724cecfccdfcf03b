-- Staff accounts and server-side sessions. Session tokens are stored only as SHA-256 hashes.

CREATE TABLE account (
    id            TEXT PRIMARY KEY,
    staff_id      TEXT NOT NULL UNIQUE REFERENCES staff(id),
    username      TEXT NOT NULL UNIQUE CHECK (length(username) BETWEEN 2 AND 64),
    password_hash TEXT NOT NULL,
    disabled      INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    created_at    TEXT NOT NULL
);

CREATE TABLE session (
    token_hash   TEXT PRIMARY KEY,
    account_id   TEXT NOT NULL REFERENCES account(id) ON DELETE CASCADE,
    csrf_token   TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    expires_at   TEXT NOT NULL
);
CREATE INDEX session_account ON session(account_id);
