-- Account lockout (PostgreSQL): failed sign-ins since the last successful one, the end of the
-- current lock (unix seconds, NULL when none) and the number of locks so far, which doubles the
-- next one. Kept in the database so a lock holds across restarts and every process sharing the
-- database sees it. Keep the same shape as migrations/sqlite.

ALTER TABLE users
    ADD COLUMN failed_logins INTEGER NOT NULL DEFAULT 0 CHECK (failed_logins >= 0),
    ADD COLUMN locked_until  BIGINT  NULL,
    ADD COLUMN lockouts      INTEGER NOT NULL DEFAULT 0 CHECK (lockouts >= 0);
