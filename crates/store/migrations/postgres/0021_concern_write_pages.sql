-- Fewer pages for each new concern to write (issue 6). concern_meeting (0008) is a prefix of
-- concern_meeting_spot (meeting_id, on_spot), which serves every query the shorter one did;
-- each new concern was paying for both. (login_throttle changes on SQLite only: a PostgreSQL
-- table is a heap beside its key's index either way.)
DROP INDEX concern_meeting;
