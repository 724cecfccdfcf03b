-- Explicit scope grants: which zones, townships, departments, inspection rounds or cases an
-- account reaches beyond what its posting gives. Every grant and revocation is audited.
CREATE TABLE account_scope (
    account_id TEXT NOT NULL REFERENCES account(id),
    kind       TEXT NOT NULL CHECK (kind IN ('county','zone','township','department','inspection_round','case')),
    -- '' for the county, which names no object.
    target_id  TEXT NOT NULL,
    granted_by TEXT,
    granted_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (account_id, kind, target_id)
);
