-- Account lockout (SQLite): failed sign-ins since the last successful one, the end of the
-- current lock (unix seconds, NULL when none) and the number of locks so far, which doubles the
-- next one. Kept in the database so a lock holds across restarts. Keep the same shape as
-- migrations/postgres.

ALTER TABLE users ADD COLUMN failed_logins INTEGER NOT NULL DEFAULT 0 CHECK (failed_logins >= 0);
ALTER TABLE users ADD COLUMN locked_until BIGINT NULL;
ALTER TABLE users ADD COLUMN lockouts INTEGER NOT NULL DEFAULT 0 CHECK (lockouts >= 0);
