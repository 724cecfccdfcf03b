-- Clues (问题线索), their dispositions, cases opened from them, and cross-handling teams.
-- The most confidential data of the system: every read goes through a scoped, audited call.
-- A clue carries its township so that nobody of that township ever reaches it.
CREATE TABLE clue (
    id             TEXT PRIMARY KEY,
    number         TEXT NOT NULL UNIQUE,
    source         TEXT NOT NULL CHECK (source IN ('petition','inspection','audit','supervision','other')),
    subject_name   TEXT NOT NULL CHECK (length(subject_name) > 0),
    subject_unit   TEXT NOT NULL CHECK (length(subject_unit) > 0),
    township_id    TEXT NOT NULL REFERENCES township(id),
    summary        TEXT NOT NULL CHECK (length(summary) > 0),
    received_on    TEXT NOT NULL,
    disposition    TEXT CHECK (disposition IS NULL OR disposition IN
                       ('talk_inquiry','preliminary_verification','shelved','closed','case_opened')),
    version        INTEGER NOT NULL DEFAULT 1,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);
CREATE INDEX clue_township ON clue(township_id);
CREATE INDEX clue_received ON clue(received_on DESC, id);

CREATE TABLE clue_event (
    id             TEXT PRIMARY KEY,
    clue_id        TEXT NOT NULL REFERENCES clue(id),
    version        INTEGER NOT NULL,
    disposition    TEXT NOT NULL,
    note           TEXT NOT NULL,
    actor_staff_id TEXT,
    at             TEXT NOT NULL,
    UNIQUE (clue_id, version)
);

CREATE TABLE case_file (
    id          TEXT PRIMARY KEY,
    number      TEXT NOT NULL UNIQUE,
    clue_id     TEXT NOT NULL UNIQUE REFERENCES clue(id),
    township_id TEXT NOT NULL REFERENCES township(id),
    opened_on   TEXT NOT NULL,
    state       TEXT NOT NULL CHECK (state IN ('investigating','concluded')),
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE INDEX case_file_township ON case_file(township_id);

-- The cross-handling team of a clue (and of the case opened from it).
CREATE TABLE case_team_member (
    clue_id    TEXT NOT NULL REFERENCES clue(id),
    staff_id   TEXT NOT NULL REFERENCES staff(id),
    added_at   TEXT NOT NULL,
    PRIMARY KEY (clue_id, staff_id)
);
CREATE INDEX case_team_member_staff ON case_team_member(staff_id);
