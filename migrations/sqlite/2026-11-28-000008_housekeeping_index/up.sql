-- Housekeeping (SQLite; keep the same shape as migrations/postgres): finds the revoked refresh
-- tokens that have expired without scanning the table. Partial, so it stays as small as the
-- set of revoked rows.
CREATE INDEX refresh_tokens_revoked_expires_at ON refresh_tokens (expires_at) WHERE revoked = 1;
