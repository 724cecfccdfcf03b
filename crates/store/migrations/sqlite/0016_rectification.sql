-- Rectification orders (督改单): a township's order on one key problem of one of its villages,
-- in force once the township party secretary and the township discipline secretary have both
-- signed it, then followed up until its completion is verified.
--
-- The discipline secretary is a role of the commission's staff (township_secretary); the
-- party secretary is not, so the county records which official posted to the township holds
-- that post here. Only this migration's own tables: nothing of the assessment periods.

CREATE TABLE township_post (
    township_id TEXT NOT NULL REFERENCES township(id),
    post        TEXT NOT NULL CHECK (post IN ('party_secretary')),
    staff_id    TEXT NOT NULL REFERENCES staff(id),
    assigned_at TEXT NOT NULL,
    PRIMARY KEY (township_id, post)
);

CREATE TABLE rectification_order (
    id           TEXT PRIMARY KEY,
    township_id  TEXT NOT NULL REFERENCES township(id),
    village_id   TEXT NOT NULL REFERENCES village(id),
    year         INTEGER NOT NULL,
    seq          INTEGER NOT NULL CHECK (seq > 0),
    number       TEXT NOT NULL CHECK (length(number) > 0),
    problem      TEXT NOT NULL CHECK (length(problem) > 0),
    actions      TEXT NOT NULL CHECK (length(actions) > 0),
    deadline     TEXT NOT NULL,
    state        TEXT NOT NULL CHECK (state IN ('draft','issued','completed')),
    version      INTEGER NOT NULL CHECK (version > 0),
    drafted_by   TEXT REFERENCES staff(id),
    created_at   TEXT NOT NULL,
    issued_at    TEXT,
    completed_at TEXT,
    UNIQUE (township_id, year, seq),
    CHECK ((state = 'draft') = (issued_at IS NULL)),
    CHECK ((state = 'completed') = (completed_at IS NOT NULL))
);
CREATE INDEX rectification_order_township ON rectification_order(township_id, state, deadline);

-- One signature per post and per person: the database refuses a second signature by the same
-- person or for the same post, whatever the code above it does. Names are kept as signed.
CREATE TABLE rectification_sign_off (
    order_id   TEXT NOT NULL REFERENCES rectification_order(id),
    post       TEXT NOT NULL CHECK (post IN ('party_secretary','discipline_secretary')),
    staff_id   TEXT NOT NULL REFERENCES staff(id),
    staff_name TEXT NOT NULL CHECK (length(staff_name) > 0),
    signed_at  TEXT NOT NULL,
    PRIMARY KEY (order_id, post),
    UNIQUE (order_id, staff_id)
);

CREATE TABLE rectification_follow_up (
    id              TEXT PRIMARY KEY,
    order_id        TEXT NOT NULL REFERENCES rectification_order(id),
    seq             INTEGER NOT NULL CHECK (seq > 0),
    kind            TEXT NOT NULL CHECK (kind IN ('progress','village_reply','completion_verified')),
    body            TEXT NOT NULL CHECK (length(body) > 0),
    author_staff_id TEXT REFERENCES staff(id),
    author_name     TEXT NOT NULL,
    at              TEXT NOT NULL,
    UNIQUE (order_id, seq)
);

-- Signatures and follow-ups are the order's record: never changed or removed.
CREATE TRIGGER rectification_sign_off_no_update BEFORE UPDATE ON rectification_sign_off BEGIN SELECT RAISE(ABORT, 'rectification_sign_off is immutable'); END;
CREATE TRIGGER rectification_sign_off_no_delete BEFORE DELETE ON rectification_sign_off BEGIN SELECT RAISE(ABORT, 'rectification_sign_off is immutable'); END;
CREATE TRIGGER rectification_follow_up_no_update BEFORE UPDATE ON rectification_follow_up BEGIN SELECT RAISE(ABORT, 'rectification_follow_up is append-only'); END;
CREATE TRIGGER rectification_follow_up_no_delete BEFORE DELETE ON rectification_follow_up BEGIN SELECT RAISE(ABORT, 'rectification_follow_up is append-only'); END;
