-- Monthly reports (月度汇报): a C village's report on its plan to the township's party
-- secretary, one per plan and calendar month ('YYYY-MM'), in five sections: conduct (作风纪律),
-- collective funds (三资管理), projects (村级工程), village affairs (村务管理运行) and villagers'
-- complaints (群众反映/信访). Who filed it and when; who heard it, when, and their remarks.
-- Which months a plan owes, and who may file or hear, are the domain's rules
-- (`rectification::report`); the table keeps one report a month and the archive.

CREATE TABLE monthly_report (
    id            TEXT PRIMARY KEY,
    plan_id       TEXT NOT NULL REFERENCES village_plan(id),
    month         TEXT NOT NULL CHECK (length(month) = 7 AND substr(month, 5, 1) = '-'),
    conduct       TEXT NOT NULL CHECK (length(conduct) > 0),
    funds         TEXT NOT NULL CHECK (length(funds) > 0),
    projects      TEXT NOT NULL CHECK (length(projects) > 0),
    affairs       TEXT NOT NULL CHECK (length(affairs) > 0),
    complaints    TEXT NOT NULL CHECK (length(complaints) > 0),
    filed_by      TEXT NOT NULL REFERENCES staff(id),
    filed_by_name TEXT NOT NULL CHECK (length(filed_by_name) > 0),
    filed_at      TEXT NOT NULL,
    heard_by      TEXT REFERENCES staff(id),
    heard_by_name TEXT,
    heard_at      TEXT,
    remarks       TEXT CHECK (remarks IS NULL OR length(remarks) > 0),
    UNIQUE (plan_id, month),
    -- Heard means all of it: who, their name, when and what they said.
    CHECK ((heard_at IS NULL) = (heard_by IS NULL)),
    CHECK ((heard_at IS NULL) = (heard_by_name IS NULL)),
    CHECK ((heard_at IS NULL) = (remarks IS NULL)),
    -- Nobody hears their own report.
    CHECK (heard_by IS NULL OR heard_by <> filed_by)
);

-- A filed report's content is fixed (only its hearing is added), and a heard report is the
-- archive: never changed or removed, whatever the code above does.
CREATE TRIGGER monthly_report_content_fixed BEFORE UPDATE ON monthly_report
WHEN OLD.heard_at IS NULL AND (NEW.id <> OLD.id OR NEW.plan_id <> OLD.plan_id OR NEW.month <> OLD.month OR NEW.conduct <> OLD.conduct
  OR NEW.funds <> OLD.funds OR NEW.projects <> OLD.projects OR NEW.affairs <> OLD.affairs
  OR NEW.complaints <> OLD.complaints OR NEW.filed_by <> OLD.filed_by OR NEW.filed_by_name <> OLD.filed_by_name
  OR NEW.filed_at <> OLD.filed_at)
BEGIN SELECT RAISE(ABORT, 'monthly_report content is fixed once filed'); END;
CREATE TRIGGER monthly_report_heard_no_update BEFORE UPDATE ON monthly_report WHEN OLD.heard_at IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'monthly_report is archived once heard'); END;
CREATE TRIGGER monthly_report_heard_no_delete BEFORE DELETE ON monthly_report WHEN OLD.heard_at IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'monthly_report is archived once heard'); END;
