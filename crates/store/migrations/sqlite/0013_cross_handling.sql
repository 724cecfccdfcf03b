-- Cross-handling teams formed through the recusal rules: the ties each member of staff
-- declares, earlier involvement with a subject, overrides (a reason and a second approver),
-- and the county's authorisation (授权) of a clue's team, which the team's acts reference.
--
-- A clue's subject is free text (name and unit). A subject person is named by a key made in
-- Rust from the two (`cross_handling::person_key`), so a tie or an involvement matches every
-- clue about the same person in the same unit without a person register.

CREATE TABLE staff_tie (
    id          TEXT PRIMARY KEY,
    staff_id    TEXT NOT NULL REFERENCES staff(id),
    kind        TEXT NOT NULL CHECK (kind IN ('kinship','former_colleague','same_village')),
    target_kind TEXT NOT NULL CHECK (target_kind IN ('person','village')),
    person_name TEXT,
    person_unit TEXT,
    person_key  TEXT,
    village_id  TEXT REFERENCES village(id),
    note        TEXT NOT NULL,
    declared_at TEXT NOT NULL,
    CHECK ((target_kind = 'person') = (person_key IS NOT NULL AND person_name IS NOT NULL AND person_unit IS NOT NULL)),
    CHECK ((target_kind = 'village') = (village_id IS NOT NULL))
);
CREATE INDEX staff_tie_staff ON staff_tie(staff_id);

-- Explicit records of earlier involvement (handled, interviewed, worked with the person);
-- membership of another clue's team about the same subject counts without a record.
CREATE TABLE involvement (
    id          TEXT PRIMARY KEY,
    staff_id    TEXT NOT NULL REFERENCES staff(id),
    person_name TEXT NOT NULL CHECK (length(person_name) > 0),
    person_unit TEXT NOT NULL CHECK (length(person_unit) > 0),
    person_key  TEXT NOT NULL,
    note        TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX involvement_staff ON involvement(staff_id);
CREATE INDEX clue_subject ON clue(subject_name, subject_unit);

-- A waiver of one recusal rule for one member on one clue: requested with a reason, in force
-- once someone other than the requester (and the member) approves it.
CREATE TABLE recusal_override (
    id           TEXT PRIMARY KEY,
    clue_id      TEXT NOT NULL REFERENCES clue(id),
    staff_id     TEXT NOT NULL REFERENCES staff(id),
    exclusion    TEXT NOT NULL CHECK (exclusion IN ('recusal.posted_in_subject_unit','recusal.tie_kinship',
                     'recusal.tie_former_colleague','recusal.tie_same_village','recusal.prior_involvement',
                     'recusal.outside_zone','recusal.unavailable')),
    reason       TEXT NOT NULL CHECK (length(reason) > 0),
    requested_by TEXT NOT NULL REFERENCES staff(id),
    requested_at TEXT NOT NULL,
    approved_by  TEXT REFERENCES staff(id),
    approved_at  TEXT,
    UNIQUE (clue_id, staff_id, exclusion),
    CHECK (approved_by IS NULL OR (approved_by <> requested_by AND approved_by <> staff_id)),
    CHECK ((approved_by IS NULL) = (approved_at IS NULL))
);
CREATE INDEX recusal_override_clue ON recusal_override(clue_id);

-- The county's written mandate for a clue's team, with the team as issued.
CREATE TABLE authorisation (
    id          TEXT PRIMARY KEY,
    number      TEXT NOT NULL UNIQUE,
    clue_id     TEXT NOT NULL REFERENCES clue(id),
    mandate     TEXT NOT NULL CHECK (length(mandate) > 0),
    valid_from  TEXT NOT NULL,
    valid_until TEXT NOT NULL,
    issued_by   TEXT REFERENCES staff(id),
    issued_at   TEXT NOT NULL,
    CHECK (valid_until >= valid_from)
);
CREATE INDEX authorisation_clue ON authorisation(clue_id);

CREATE TABLE authorisation_member (
    authorisation_id TEXT NOT NULL REFERENCES authorisation(id),
    staff_id         TEXT NOT NULL REFERENCES staff(id),
    PRIMARY KEY (authorisation_id, staff_id)
);

-- The authorisation an interview is held under.
ALTER TABLE interview ADD COLUMN authorisation_id TEXT REFERENCES authorisation(id);
