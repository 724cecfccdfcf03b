-- Second factor (TOTP, RFC 6238): the account's secret, the last time step used (no replay),
-- which roles must use it, and sessions that have passed the password but not yet the code.
ALTER TABLE account ADD COLUMN totp_secret TEXT;
ALTER TABLE account ADD COLUMN totp_last_step BIGINT;

CREATE TABLE role_policy (
    role         TEXT PRIMARY KEY CHECK (role IN ('commission_leader','case_manager','supervision_office',
                    'township_secretary','stationed_group_head','inspection_group_member',
                    'village_liaison','department_officer','auditor','system_admin')),
    require_totp BOOLEAN NOT NULL
);

ALTER TABLE session ADD COLUMN stage TEXT NOT NULL DEFAULT 'full' CHECK (stage IN ('full', 'totp', 'enrol'));
ALTER TABLE session ADD COLUMN pending_secret TEXT;
