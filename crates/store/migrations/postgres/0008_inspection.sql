-- Inspection tours: rounds, groups and their members, target villages, on-site meetings,
-- concerns with their history. Concerns carry their township for scoped lists; the receipt
-- code is stored only as a hash; the complainant's identity is optional.
CREATE TABLE inspection_round (
    id         TEXT PRIMARY KEY,
    number     BIGINT NOT NULL UNIQUE CHECK (number BETWEEN 1 AND 99),
    name       TEXT NOT NULL CHECK (length(name) > 0),
    starts_on  DATE NOT NULL,
    ends_on    DATE NOT NULL CHECK (ends_on >= starts_on),
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE inspection_group (
    id              TEXT PRIMARY KEY,
    round_id        TEXT NOT NULL REFERENCES inspection_round(id),
    name            TEXT NOT NULL CHECK (length(name) > 0),
    leader_staff_id TEXT NOT NULL REFERENCES staff(id),
    UNIQUE (round_id, name)
);

CREATE TABLE inspection_group_member (
    group_id TEXT NOT NULL REFERENCES inspection_group(id),
    staff_id TEXT NOT NULL REFERENCES staff(id),
    PRIMARY KEY (group_id, staff_id)
);
CREATE INDEX inspection_group_member_staff ON inspection_group_member(staff_id);

CREATE TABLE inspection_target (
    round_id   TEXT NOT NULL REFERENCES inspection_round(id),
    village_id TEXT NOT NULL REFERENCES village(id),
    group_id   TEXT NOT NULL REFERENCES inspection_group(id),
    PRIMARY KEY (round_id, village_id)
);
CREATE INDEX inspection_target_group ON inspection_target(group_id);

CREATE TABLE onsite_meeting (
    id              TEXT PRIMARY KEY,
    round_id        TEXT NOT NULL REFERENCES inspection_round(id),
    group_id        TEXT NOT NULL REFERENCES inspection_group(id),
    village_id      TEXT NOT NULL REFERENCES village(id),
    township_id     TEXT NOT NULL REFERENCES township(id),
    place           TEXT NOT NULL CHECK (length(place) > 0),
    starts_at       TIMESTAMPTZ NOT NULL,
    attendance      TEXT NOT NULL DEFAULT '',
    minutes         TEXT NOT NULL DEFAULT '',
    publish_minutes BOOLEAN NOT NULL DEFAULT FALSE,
    created_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX onsite_meeting_round ON onsite_meeting(round_id, starts_at);

CREATE TABLE meeting_department (
    meeting_id    TEXT NOT NULL REFERENCES onsite_meeting(id),
    department_id TEXT NOT NULL REFERENCES department(id),
    PRIMARY KEY (meeting_id, department_id)
);

CREATE TABLE concern_category (
    id       TEXT PRIMARY KEY,
    code     TEXT NOT NULL UNIQUE CHECK (length(code) BETWEEN 1 AND 32),
    name     TEXT NOT NULL CHECK (length(name) > 0),
    position BIGINT NOT NULL
);

CREATE TABLE concern (
    id                TEXT PRIMARY KEY,
    round_id          TEXT REFERENCES inspection_round(id),
    meeting_id        TEXT REFERENCES onsite_meeting(id),
    village_id        TEXT NOT NULL REFERENCES village(id),
    township_id       TEXT NOT NULL REFERENCES township(id),
    category_id       TEXT NOT NULL REFERENCES concern_category(id),
    department_id     TEXT REFERENCES department(id),
    text              TEXT NOT NULL CHECK (length(text) BETWEEN 1 AND 2000),
    source            TEXT NOT NULL CHECK (source IN ('meeting','public')),
    state             TEXT NOT NULL CHECK (state IN ('registered','assigned','rectifying','answered','closed','closed_not_fixed','reopened')),
    on_spot           BOOLEAN NOT NULL DEFAULT FALSE,
    answer            TEXT,
    answer_deadline   DATE,
    receipt_hash      TEXT NOT NULL UNIQUE,
    complainant_name  TEXT,
    complainant_phone TEXT,
    version           BIGINT NOT NULL DEFAULT 1,
    created_at        TIMESTAMPTZ NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL,
    closed_at         TIMESTAMPTZ
);
CREATE INDEX concern_round ON concern(round_id, state);
CREATE INDEX concern_meeting ON concern(meeting_id);
CREATE INDEX concern_department ON concern(department_id, state, answer_deadline);
CREATE INDEX concern_township ON concern(township_id, state);

-- The concern's history as the villager sees it: every step, who took it (a unit, never a
-- person's name for the public), when.
CREATE TABLE concern_event (
    id            TEXT PRIMARY KEY,
    concern_id    TEXT NOT NULL REFERENCES concern(id),
    version       BIGINT NOT NULL,
    kind          TEXT NOT NULL,
    state         TEXT NOT NULL,
    party         TEXT NOT NULL CHECK (party IN ('group','department','villager')),
    unit_name     TEXT NOT NULL,
    actor_staff_id TEXT,
    text          TEXT,
    deadline      DATE,
    at            TIMESTAMPTZ NOT NULL,
    UNIQUE (concern_id, version)
);
