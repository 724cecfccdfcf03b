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

-- A C village's plan (一村一方案): its rectification items, each with an owner, a deadline and
-- an expected result, closed out (销号) one by one: the owner submits evidence, a holder of
-- one of the township's two posts verifies it. `period_label` names the assessment period the
-- plan answers (text, so this table does not depend on the assessment's own).
CREATE TABLE village_plan (
    id           TEXT PRIMARY KEY,
    village_id   TEXT NOT NULL REFERENCES village(id),
    township_id  TEXT NOT NULL REFERENCES township(id),
    period_label TEXT CHECK (period_label IS NULL OR length(period_label) > 0),
    created_by   TEXT REFERENCES staff(id),
    created_at   TEXT NOT NULL
);
CREATE INDEX village_plan_township ON village_plan(township_id);

CREATE TABLE rectification_item (
    id              TEXT PRIMARY KEY,
    plan_id         TEXT NOT NULL REFERENCES village_plan(id),
    seq             INTEGER NOT NULL CHECK (seq > 0),
    title           TEXT NOT NULL CHECK (length(title) > 0),
    owner_staff_id  TEXT NOT NULL REFERENCES staff(id),
    deadline        TEXT NOT NULL,
    expected_result TEXT NOT NULL CHECK (length(expected_result) > 0),
    state           TEXT NOT NULL CHECK (state IN ('open','submitted','returned','closed','closed_not_fixed','reopened')),
    version         INTEGER NOT NULL CHECK (version > 0),
    created_at      TEXT NOT NULL,
    UNIQUE (plan_id, seq)
);

-- Every step on an item, in order: who, what, the state it led to, and the evidence files.
CREATE TABLE rectification_item_event (
    item_id        TEXT NOT NULL REFERENCES rectification_item(id),
    version        INTEGER NOT NULL CHECK (version > 1),
    kind           TEXT NOT NULL CHECK (kind IN ('submit','verify','send_back','close_not_fixed','reopen')),
    state          TEXT NOT NULL,
    body           TEXT NOT NULL CHECK (length(body) > 0),
    actor_staff_id TEXT REFERENCES staff(id),
    actor_name     TEXT NOT NULL,
    at             TEXT NOT NULL,
    PRIMARY KEY (item_id, version)
);

CREATE TABLE rectification_item_file (
    item_id          TEXT NOT NULL,
    version          INTEGER NOT NULL,
    evidence_file_id TEXT NOT NULL REFERENCES evidence_file(id),
    PRIMARY KEY (item_id, version, evidence_file_id),
    FOREIGN KEY (item_id, version) REFERENCES rectification_item_event(item_id, version)
);

-- Signatures and follow-ups are the order's record: never changed or removed.
CREATE TRIGGER rectification_sign_off_no_update BEFORE UPDATE ON rectification_sign_off BEGIN SELECT RAISE(ABORT, 'rectification_sign_off is immutable'); END;
CREATE TRIGGER rectification_sign_off_no_delete BEFORE DELETE ON rectification_sign_off BEGIN SELECT RAISE(ABORT, 'rectification_sign_off is immutable'); END;
CREATE TRIGGER rectification_follow_up_no_update BEFORE UPDATE ON rectification_follow_up BEGIN SELECT RAISE(ABORT, 'rectification_follow_up is append-only'); END;
CREATE TRIGGER rectification_follow_up_no_delete BEFORE DELETE ON rectification_follow_up BEGIN SELECT RAISE(ABORT, 'rectification_follow_up is append-only'); END;
CREATE TRIGGER rectification_item_event_no_update BEFORE UPDATE ON rectification_item_event BEGIN SELECT RAISE(ABORT, 'rectification_item_event is append-only'); END;
CREATE TRIGGER rectification_item_event_no_delete BEFORE DELETE ON rectification_item_event BEGIN SELECT RAISE(ABORT, 'rectification_item_event is append-only'); END;
CREATE TRIGGER rectification_item_file_no_update BEFORE UPDATE ON rectification_item_file BEGIN SELECT RAISE(ABORT, 'rectification_item_file is append-only'); END;
CREATE TRIGGER rectification_item_file_no_delete BEFORE DELETE ON rectification_item_file BEGIN SELECT RAISE(ABORT, 'rectification_item_file is append-only'); END;
