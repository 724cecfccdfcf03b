-- The audit trail: append-only. Rows can be removed only once older than the retention
-- cutoff, which only moves forward and is set by the retention job.
CREATE TABLE audit_event (
    id           TEXT PRIMARY KEY,
    at           TIMESTAMPTZ NOT NULL,
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
    cutoff TIMESTAMPTZ NOT NULL
);
INSERT INTO audit_retention (id, cutoff) VALUES (1, '-infinity');

CREATE FUNCTION audit_event_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        RAISE EXCEPTION 'audit_event is append-only';
    END IF;
    IF OLD.at >= (SELECT cutoff FROM audit_retention WHERE id = 1) THEN
        RAISE EXCEPTION 'audit_event rows are kept until the retention cutoff';
    END IF;
    RETURN OLD;
END;
$$;
CREATE TRIGGER audit_event_guard BEFORE UPDATE OR DELETE ON audit_event
    FOR EACH ROW EXECUTE FUNCTION audit_event_guard();

CREATE FUNCTION audit_retention_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' OR NEW.cutoff < OLD.cutoff THEN
        RAISE EXCEPTION 'the audit retention cutoff only moves forward';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER audit_retention_guard BEFORE UPDATE OR DELETE ON audit_retention
    FOR EACH ROW EXECUTE FUNCTION audit_retention_guard();
CREATE FUNCTION audit_event_no_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_event cannot be truncated';
END;
$$;
CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event
    FOR EACH STATEMENT EXECUTE FUNCTION audit_event_no_truncate();
