-- Zone governance (the joint meeting, its rotating convener and term reports) and campaign
-- statistics (campaigns, problem findings, handlings of people under the four forms).

-- The county's convener order for a zone, from a first quarter; replaced as a whole.
CREATE TABLE zone_rotation (
    zone_id       TEXT PRIMARY KEY REFERENCES zone(id),
    start_year    INTEGER NOT NULL,
    start_quarter INTEGER NOT NULL CHECK (start_quarter BETWEEN 1 AND 4),
    version       INTEGER NOT NULL DEFAULT 1,
    updated_at    TEXT NOT NULL
);
CREATE TABLE zone_rotation_member (
    zone_id  TEXT NOT NULL REFERENCES zone_rotation(zone_id),
    position INTEGER NOT NULL CHECK (position >= 0),
    staff_id TEXT NOT NULL REFERENCES staff(id),
    PRIMARY KEY (zone_id, position),
    UNIQUE (zone_id, staff_id)
);

CREATE TABLE joint_meeting (
    id                TEXT PRIMARY KEY,
    zone_id           TEXT NOT NULL REFERENCES zone(id),
    held_on           TEXT NOT NULL,
    place             TEXT NOT NULL CHECK (length(place) > 0),
    agenda            TEXT NOT NULL CHECK (length(agenda) > 0),
    minutes           TEXT NOT NULL CHECK (length(minutes) > 0),
    convener_staff_id TEXT REFERENCES staff(id),
    created_at        TEXT NOT NULL
);
CREATE INDEX joint_meeting_zone ON joint_meeting(zone_id, held_on);
CREATE TABLE joint_meeting_attendee (
    meeting_id TEXT NOT NULL REFERENCES joint_meeting(id),
    staff_id   TEXT NOT NULL REFERENCES staff(id),
    PRIMARY KEY (meeting_id, staff_id)
);

-- The convener's written report (书面述职) for a quarter: a draft, then submitted and final.
CREATE TABLE term_report (
    zone_id           TEXT NOT NULL REFERENCES zone(id),
    year              INTEGER NOT NULL,
    quarter           INTEGER NOT NULL CHECK (quarter BETWEEN 1 AND 4),
    convener_staff_id TEXT NOT NULL REFERENCES staff(id),
    body              TEXT NOT NULL CHECK (length(body) > 0),
    figures           TEXT NOT NULL,
    state             TEXT NOT NULL CHECK (state IN ('draft','submitted')),
    version           INTEGER NOT NULL DEFAULT 1,
    updated_at        TEXT NOT NULL,
    submitted_at      TEXT,
    PRIMARY KEY (zone_id, year, quarter)
);

CREATE TABLE campaign (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE CHECK (length(name) > 0),
    year       INTEGER NOT NULL,
    starts_on  TEXT NOT NULL,
    ends_on    TEXT NOT NULL CHECK (ends_on >= starts_on),
    created_at TEXT NOT NULL
);

-- Problems a township or stationed group found and rectified in a campaign, as reported.
CREATE TABLE problem_finding (
    id          TEXT PRIMARY KEY,
    campaign_id TEXT NOT NULL REFERENCES campaign(id),
    unit_id     TEXT NOT NULL,
    found       INTEGER NOT NULL CHECK (found >= 0),
    rectified   INTEGER NOT NULL CHECK (rectified >= 0 AND rectified <= found),
    recorded_on TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE INDEX problem_finding_campaign ON problem_finding(campaign_id);

-- How one person was handled: the form (四种形态), a sanction, funds in exact yuan as text.
CREATE TABLE handling (
    id              TEXT PRIMARY KEY,
    case_id         TEXT REFERENCES case_file(id),
    unit_id         TEXT NOT NULL,
    campaign_id     TEXT REFERENCES campaign(id),
    form            INTEGER NOT NULL CHECK (form BETWEEN 1 AND 4),
    sanction        TEXT CHECK (sanction IS NULL OR sanction IN ('party_warning','party_serious_warning',
                        'party_post_removal','party_probation','party_expulsion','gov_warning','gov_demerit',
                        'gov_major_demerit','gov_demotion','gov_dismissal','gov_expulsion')),
    funds_seized    TEXT NOT NULL,
    funds_handed_in TEXT NOT NULL,
    decided_on      TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    CHECK (form > 1 OR sanction IS NULL)
);
CREATE INDEX handling_campaign ON handling(campaign_id);
CREATE INDEX handling_decided ON handling(decided_on);
