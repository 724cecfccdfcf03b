-- A department's overdue list (issue 6: `state=assigned&overdue=1`) shows the longest overdue
-- first: this index holds the deadline range in that order, so a page is read straight off
-- it and its total counts the same range. Walking concern_department_recent newest first
-- instead skipped every concern not yet due (about 10,000 of 16,775 on the bench data) on
-- each page. It replaces concern_department (0008), a prefix of it.
DROP INDEX concern_department;
CREATE INDEX concern_department_due ON concern(department_id, state, answer_deadline, created_at, id);
