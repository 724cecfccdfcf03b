-- The village integrity rating (清廉村居 A/B/C): versioned indicator frameworks, assessment
-- periods (定期研判) with their values and grades.

-- A framework version is never edited: a change is a new version, and a period keeps the
-- version in force when it opened. `body` is the framework as canonical JSON made in Rust.
CREATE TABLE rating_framework (
    id         TEXT PRIMARY KEY,
    version    BIGINT NOT NULL UNIQUE CHECK (version >= 1),
    body       TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE rating_period (
    id           TEXT PRIMARY KEY,
    label        TEXT NOT NULL UNIQUE CHECK (length(label) > 0),
    frequency    TEXT NOT NULL CHECK (frequency IN ('monthly','quarterly')),
    framework_id TEXT NOT NULL REFERENCES rating_framework(id),
    state        TEXT NOT NULL CHECK (state IN ('open','confirmed','published')),
    opened_at    TIMESTAMPTZ NOT NULL,
    -- When results were last computed; NULL while none are, or values changed since.
    graded_at    TIMESTAMPTZ,
    confirmed_at TIMESTAMPTZ,
    confirmed_by TEXT,
    published_at TIMESTAMPTZ
);

-- One entered or system value; a missing value has no row (never a zero).
CREATE TABLE rating_value (
    period_id      TEXT NOT NULL REFERENCES rating_period(id),
    village_id     TEXT NOT NULL REFERENCES village(id),
    indicator_code TEXT NOT NULL,
    value          DOUBLE PRECISION NOT NULL,
    source         TEXT NOT NULL CHECK (source IN ('form','import','system')),
    entered_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (period_id, village_id, indicator_code)
);

-- A village's computed result in a period, and the reviewer's adjustment beside it.
CREATE TABLE rating_result (
    id               TEXT PRIMARY KEY,
    period_id        TEXT NOT NULL REFERENCES rating_period(id),
    village_id       TEXT NOT NULL REFERENCES village(id),
    township_id      TEXT NOT NULL REFERENCES township(id),
    score            DOUBLE PRECISION,
    dimension_scores TEXT NOT NULL,
    computed_grade   TEXT NOT NULL CHECK (computed_grade IN ('A','B','C')),
    veto             TEXT CHECK (veto IN ('bars_a','forces_c')),
    missing          BIGINT NOT NULL CHECK (missing >= 0),
    unstable_share   DOUBLE PRECISION NOT NULL CHECK (unstable_share BETWEEN 0 AND 1),
    adjusted_grade   TEXT CHECK (adjusted_grade IN ('A','B','C')),
    adjust_reason    TEXT,
    adjusted_by      TEXT,
    adjusted_at      TIMESTAMPTZ,
    UNIQUE (period_id, village_id),
    CHECK ((adjusted_grade IS NULL) = (adjust_reason IS NULL))
);
CREATE INDEX rating_result_township ON rating_result(period_id, township_id);

-- A published period's grades are the record: the database itself refuses to change them,
-- and values are frozen once the period is confirmed.
CREATE FUNCTION rating_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE s TEXT;
BEGIN
    SELECT state INTO s FROM rating_period WHERE id = OLD.period_id;
    IF (TG_TABLE_NAME = 'rating_result' AND s = 'published') OR (TG_TABLE_NAME = 'rating_value' AND s <> 'open') THEN
        RAISE EXCEPTION '% of a % period is immutable', TG_TABLE_NAME, s;
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END $$;
CREATE TRIGGER rating_result_frozen BEFORE UPDATE OR DELETE ON rating_result
    FOR EACH ROW EXECUTE FUNCTION rating_frozen();
CREATE TRIGGER rating_value_frozen BEFORE UPDATE OR DELETE ON rating_value
    FOR EACH ROW EXECUTE FUNCTION rating_frozen();
