-- Remote interviews: the plan, the procedure log, the transcript's versions, the files
-- attached (recordings, the signed transcript), and the classified volume of protected
-- witnesses' real identities (sealed by the application; read only through an audited reveal).
CREATE TABLE interview (
    id                TEXT PRIMARY KEY,
    case_id           TEXT NOT NULL REFERENCES case_file(id),
    witness_shown     TEXT NOT NULL CHECK (length(witness_shown) > 0),
    witness_protected INTEGER NOT NULL CHECK (witness_protected IN (0, 1)),
    -- The witness's identity in the clear (unprotected witnesses only).
    witness_name      TEXT,
    witness_id_number TEXT,
    witness_phone     TEXT,
    platform          TEXT NOT NULL CHECK (length(platform) > 0),
    link              TEXT NOT NULL,
    scheduled_at      TEXT NOT NULL,
    consent_caller_id TEXT NOT NULL REFERENCES staff(id),
    consent_called_at TEXT NOT NULL,
    consent_agreed    TEXT NOT NULL,
    done_step         TEXT,
    paused            INTEGER NOT NULL DEFAULT 0 CHECK (paused IN (0, 1)),
    version           INTEGER NOT NULL DEFAULT 1,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    CHECK (witness_protected OR (witness_name IS NOT NULL AND witness_id_number IS NOT NULL)),
    CHECK (NOT witness_protected OR (witness_name IS NULL AND witness_id_number IS NULL AND witness_phone IS NULL))
);
CREATE INDEX interview_case ON interview(case_id);

CREATE TABLE interview_investigator (
    interview_id  TEXT NOT NULL REFERENCES interview(id),
    staff_id      TEXT NOT NULL REFERENCES staff(id),
    checked_in_at TEXT,
    PRIMARY KEY (interview_id, staff_id)
);

-- The classified volume: the real identity of a protected witness, sealed (SM4-GCM).
CREATE TABLE witness_identity (
    interview_id TEXT PRIMARY KEY REFERENCES interview(id),
    sealed       TEXT NOT NULL
);

-- Every act of the procedure, in order, attributed and timestamped.
CREATE TABLE interview_event (
    id             TEXT PRIMARY KEY,
    interview_id   TEXT NOT NULL REFERENCES interview(id),
    seq            INTEGER NOT NULL,
    kind           TEXT NOT NULL CHECK (kind IN ('check_in','step','pause','interruption','resume')),
    step           TEXT,
    detail         TEXT,
    actor_staff_id TEXT NOT NULL REFERENCES staff(id),
    at             TEXT NOT NULL,
    UNIQUE (interview_id, seq)
);

CREATE TABLE transcript_version (
    interview_id   TEXT NOT NULL REFERENCES interview(id),
    number         INTEGER NOT NULL CHECK (number >= 1),
    body           TEXT NOT NULL,
    sha256         TEXT NOT NULL,
    author_staff_id TEXT NOT NULL REFERENCES staff(id),
    saved_at       TEXT NOT NULL,
    PRIMARY KEY (interview_id, number)
);

-- Evidence files attached to an interview; the file itself is in the evidence store.
CREATE TABLE interview_file (
    interview_id     TEXT NOT NULL REFERENCES interview(id),
    evidence_file_id TEXT NOT NULL,
    kind             TEXT NOT NULL CHECK (kind IN ('recording','signed_transcript','other')),
    attached_by      TEXT NOT NULL REFERENCES staff(id),
    attached_at      TEXT NOT NULL,
    PRIMARY KEY (interview_id, evidence_file_id)
);
