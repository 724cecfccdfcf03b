-- A department's filtered list (state, overdue) reads its page's ids from this index alone,
-- without fetching every matching concern row to sort it by date.
CREATE INDEX concern_department_list ON concern(department_id, state, answer_deadline, created_at, id);
-- A meeting's counts (concerns, solved on the spot), asked on every public submission, from
-- the index alone.
CREATE INDEX concern_meeting_spot ON concern(meeting_id, on_spot);
