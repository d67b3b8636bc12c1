-- The audit log (PostgreSQL): security events, who did what, when, from where, and the
-- outcome. Keep the same shape as migrations/sqlite. Rows are append-only (a background writer
-- inserts in batches) and ordered by id, which pages the admin API listing newest first; times
-- are unix seconds (BIGINT). No column ever holds a password, secret, token or key.

CREATE TABLE audit_events (
    id        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at        BIGINT NOT NULL,
    action    TEXT   NOT NULL,
    outcome   TEXT   NOT NULL CHECK (outcome IN ('success', 'failure')),
    actor     TEXT,
    subject   TEXT,
    client_id TEXT,
    ip        TEXT,
    detail    TEXT
);

-- For retention (purging by age) and time-range filters.
CREATE INDEX audit_events_at ON audit_events (at);
-- For one account's history and one kind of event, each paged by id.
CREATE INDEX audit_events_subject_id ON audit_events (subject, id);
CREATE INDEX audit_events_action_id ON audit_events (action, id);
