ALTER TABLE users
    DROP COLUMN lockouts,
    DROP COLUMN locked_until,
    DROP COLUMN failed_logins;
