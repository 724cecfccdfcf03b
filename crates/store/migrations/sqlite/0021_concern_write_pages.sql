-- Fewer pages for each new concern to write (issue 6: every page a COMMIT touches goes through
-- the log and its fsync, then is copied again into the database file).
--
-- concern_meeting (0008) is a prefix of concern_meeting_spot (meeting_id, on_spot), which
-- serves every query the shorter one did; each new concern was paying for both.
DROP INDEX concern_meeting;

-- The throttle is looked up and rewritten only by its key, so the key is the row: without a
-- rowid the table is one B-tree instead of a table and its key's index, and a charge for a
-- new client writes one page where it wrote two.
CREATE TABLE login_throttle_by_key (
    key          TEXT PRIMARY KEY,
    failures     INTEGER NOT NULL CHECK (failures >= 0),
    window_start TEXT NOT NULL,
    locked_until TEXT
) WITHOUT ROWID;
INSERT INTO login_throttle_by_key (key, failures, window_start, locked_until)
    SELECT key, failures, window_start, locked_until FROM login_throttle;
DROP TABLE login_throttle;
ALTER TABLE login_throttle_by_key RENAME TO login_throttle;
