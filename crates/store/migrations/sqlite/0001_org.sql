-- Org model, national division registry, portal articles, scheduled-job claims.
-- Timestamps are RFC 3339 UTC text; ids are text; enumerations are CHECK constraints.

CREATE TABLE division (
    code        TEXT PRIMARY KEY CHECK (length(code) = 12 AND code NOT GLOB '*[^0-9]*'),
    level       TEXT NOT NULL CHECK (level IN ('province','city','county','township','village')),
    name        TEXT NOT NULL CHECK (length(name) > 0),
    parent_code TEXT CHECK (parent_code IS NULL OR length(parent_code) = 12)
) WITHOUT ROWID;
CREATE INDEX division_parent ON division(parent_code);

CREATE TABLE county (
    id            TEXT PRIMARY KEY,
    division_code TEXT NOT NULL UNIQUE CHECK (length(division_code) = 12 AND division_code NOT GLOB '*[^0-9]*'),
    name          TEXT NOT NULL CHECK (length(name) > 0),
    created_at    TEXT NOT NULL
);

CREATE TABLE township (
    id            TEXT PRIMARY KEY,
    county_id     TEXT NOT NULL REFERENCES county(id),
    division_code TEXT NOT NULL UNIQUE CHECK (length(division_code) = 12 AND division_code NOT GLOB '*[^0-9]*'),
    name          TEXT NOT NULL CHECK (length(name) > 0),
    kind          TEXT NOT NULL CHECK (kind IN ('township','town','street')),
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX township_county ON township(county_id);

CREATE TABLE village (
    id            TEXT PRIMARY KEY,
    township_id   TEXT NOT NULL REFERENCES township(id),
    division_code TEXT NOT NULL UNIQUE CHECK (length(division_code) = 12 AND division_code NOT GLOB '*[^0-9]*'),
    name          TEXT NOT NULL CHECK (length(name) > 0),
    kind          TEXT NOT NULL CHECK (kind IN ('village','community')),
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX village_township ON village(township_id);

CREATE TABLE supervision_office (
    id        TEXT PRIMARY KEY,
    county_id TEXT NOT NULL REFERENCES county(id),
    code      TEXT NOT NULL UNIQUE CHECK (length(code) BETWEEN 1 AND 32),
    name      TEXT NOT NULL CHECK (length(name) > 0)
);

CREATE TABLE stationed_group (
    id        TEXT PRIMARY KEY,
    county_id TEXT NOT NULL REFERENCES county(id),
    code      TEXT NOT NULL UNIQUE CHECK (length(code) BETWEEN 1 AND 32),
    name      TEXT NOT NULL CHECK (length(name) > 0)
);

CREATE TABLE department (
    id                 TEXT PRIMARY KEY,
    county_id          TEXT NOT NULL REFERENCES county(id),
    code               TEXT NOT NULL UNIQUE CHECK (length(code) BETWEEN 1 AND 32),
    name               TEXT NOT NULL CHECK (length(name) > 0),
    stationed_group_id TEXT REFERENCES stationed_group(id)
);
CREATE INDEX department_group ON department(stationed_group_id);

CREATE TABLE staff (
    id               TEXT PRIMARY KEY,
    county_id        TEXT NOT NULL REFERENCES county(id),
    name             TEXT NOT NULL CHECK (length(name) > 0),
    role             TEXT NOT NULL CHECK (role IN ('commission_leader','case_manager','supervision_office',
                        'township_secretary','stationed_group_head','inspection_group_member',
                        'village_liaison','department_officer','auditor','system_admin')),
    posting_kind     TEXT NOT NULL CHECK (posting_kind IN ('commission','township','department','stationed_group')),
    posting_unit_id  TEXT,
    home_township_id TEXT REFERENCES township(id),
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    CHECK ((posting_kind = 'commission') = (posting_unit_id IS NULL))
);
CREATE INDEX staff_posting ON staff(posting_kind, posting_unit_id);

CREATE TABLE zone (
    id                TEXT PRIMARY KEY,
    county_id         TEXT NOT NULL REFERENCES county(id),
    name              TEXT NOT NULL UNIQUE CHECK (length(name) > 0),
    kind              TEXT NOT NULL CHECK (kind IN ('townships','stationed_groups')),
    leader_staff_id   TEXT NOT NULL REFERENCES staff(id),
    liaison_office_id TEXT NOT NULL REFERENCES supervision_office(id),
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL
);

-- A township or stationed group belongs to at most one zone.
CREATE TABLE zone_member (
    zone_id   TEXT NOT NULL REFERENCES zone(id) ON DELETE CASCADE,
    member_id TEXT NOT NULL UNIQUE,
    PRIMARY KEY (zone_id, member_id)
);

CREATE TABLE article (
    id           TEXT PRIMARY KEY,
    column_code  TEXT NOT NULL CHECK (column_code IN ('integrity_class','experience','notice','news')),
    title        TEXT NOT NULL CHECK (length(title) > 0),
    source       TEXT NOT NULL,
    author       TEXT NOT NULL,
    body_html    TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('draft','published')),
    published_at TEXT,
    view_count   INTEGER NOT NULL DEFAULT 0 CHECK (view_count >= 0),
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    CHECK ((status = 'published') = (published_at IS NOT NULL))
);
CREATE INDEX article_public ON article(status, column_code, published_at);

-- Scheduled work is claimed here so exactly one instance runs each job at a time.
CREATE TABLE job_claim (
    name         TEXT PRIMARY KEY,
    owner        TEXT,
    locked_until TEXT,
    last_run_at  TEXT
);
