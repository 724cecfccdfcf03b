-- The audit trail: append-only. Rows can be removed only once older than the retention
-- cutoff, which only moves forward and is set by the retention job.
CREATE TABLE audit_event (
    id           TEXT PRIMARY KEY,
    at           TEXT NOT NULL,
    account_id   TEXT,
    staff_id     TEXT,
    actor_name   TEXT NOT NULL,
    role         TEXT NOT NULL,
    action       TEXT NOT NULL,
    object_type  TEXT NOT NULL,
    object_id    TEXT,
    result       TEXT NOT NULL CHECK (result IN ('ok', 'denied', 'failed')),
    operation_id TEXT NOT NULL,
    client_addr  TEXT,
    detail       TEXT
);
CREATE INDEX audit_event_at ON audit_event(at);
CREATE INDEX audit_event_object ON audit_event(object_type, object_id);

CREATE TABLE audit_retention (
    id     INTEGER PRIMARY KEY CHECK (id = 1),
    cutoff TEXT NOT NULL
);
INSERT INTO audit_retention (id, cutoff) VALUES (1, '0000');

CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event
BEGIN
    SELECT RAISE(ABORT, 'audit_event is append-only');
END;

CREATE TRIGGER audit_event_keep_until_cutoff BEFORE DELETE ON audit_event
WHEN OLD.at >= (SELECT cutoff FROM audit_retention WHERE id = 1)
BEGIN
    SELECT RAISE(ABORT, 'audit_event rows are kept until the retention cutoff');
END;

CREATE TRIGGER audit_retention_forward BEFORE UPDATE ON audit_retention
WHEN NEW.cutoff < OLD.cutoff
BEGIN
    SELECT RAISE(ABORT, 'the audit retention cutoff only moves forward');
END;

CREATE TRIGGER audit_retention_no_delete BEFORE DELETE ON audit_retention
BEGIN
    SELECT RAISE(ABORT, 'the audit retention cutoff cannot be removed');
END;
