-- The village integrity rating (清廉村居 A/B/C): versioned indicator frameworks, assessment
-- periods (定期研判) with their values and grades.

-- A framework version is never edited: a change is a new version, and a period keeps the
-- version in force when it opened. `body` is the framework as canonical JSON made in Rust.
CREATE TABLE rating_framework (
    id         TEXT PRIMARY KEY,
    version    INTEGER NOT NULL UNIQUE CHECK (version >= 1),
    body       TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE rating_period (
    id           TEXT PRIMARY KEY,
    label        TEXT NOT NULL UNIQUE CHECK (length(label) > 0),
    frequency    TEXT NOT NULL CHECK (frequency IN ('monthly','quarterly')),
    framework_id TEXT NOT NULL REFERENCES rating_framework(id),
    state        TEXT NOT NULL CHECK (state IN ('open','confirmed','published')),
    opened_at    TEXT NOT NULL,
    -- When results were last computed; NULL while none are, or values changed since.
    graded_at    TEXT,
    confirmed_at TEXT,
    confirmed_by TEXT,
    published_at TEXT
);

-- One entered or system value; a missing value has no row (never a zero).
CREATE TABLE rating_value (
    period_id      TEXT NOT NULL REFERENCES rating_period(id),
    village_id     TEXT NOT NULL REFERENCES village(id),
    indicator_code TEXT NOT NULL,
    value          REAL NOT NULL,
    source         TEXT NOT NULL CHECK (source IN ('form','import','system')),
    entered_at     TEXT NOT NULL,
    PRIMARY KEY (period_id, village_id, indicator_code)
);

-- A village's computed result in a period, and the reviewer's adjustment beside it.
CREATE TABLE rating_result (
    id               TEXT PRIMARY KEY,
    period_id        TEXT NOT NULL REFERENCES rating_period(id),
    village_id       TEXT NOT NULL REFERENCES village(id),
    township_id      TEXT NOT NULL REFERENCES township(id),
    score            REAL,
    dimension_scores TEXT NOT NULL,
    computed_grade   TEXT NOT NULL CHECK (computed_grade IN ('A','B','C')),
    veto             TEXT CHECK (veto IN ('bars_a','forces_c')),
    missing          INTEGER NOT NULL CHECK (missing >= 0),
    unstable_share   REAL NOT NULL CHECK (unstable_share BETWEEN 0 AND 1),
    adjusted_grade   TEXT CHECK (adjusted_grade IN ('A','B','C')),
    adjust_reason    TEXT,
    adjusted_by      TEXT,
    adjusted_at      TEXT,
    UNIQUE (period_id, village_id),
    CHECK ((adjusted_grade IS NULL) = (adjust_reason IS NULL))
);
CREATE INDEX rating_result_township ON rating_result(period_id, township_id);

-- A published period's grades are the record: the database itself refuses to change them.
CREATE TRIGGER rating_result_published_update BEFORE UPDATE ON rating_result
WHEN (SELECT state FROM rating_period WHERE id = OLD.period_id) = 'published'
BEGIN SELECT RAISE(ABORT, 'published grades are immutable'); END;
CREATE TRIGGER rating_result_published_delete BEFORE DELETE ON rating_result
WHEN (SELECT state FROM rating_period WHERE id = OLD.period_id) = 'published'
BEGIN SELECT RAISE(ABORT, 'published grades are immutable'); END;
CREATE TRIGGER rating_value_published_update BEFORE UPDATE ON rating_value
WHEN (SELECT state FROM rating_period WHERE id = OLD.period_id) <> 'open'
BEGIN SELECT RAISE(ABORT, 'values are frozen once a period is confirmed'); END;
CREATE TRIGGER rating_value_published_delete BEFORE DELETE ON rating_value
WHEN (SELECT state FROM rating_period WHERE id = OLD.period_id) <> 'open'
BEGIN SELECT RAISE(ABORT, 'values are frozen once a period is confirmed'); END;
