-- Emailed links (SQLite): single-use tokens that verify an address or reset a password. Keep
-- the same shape as migrations/postgres. Only the SHA-256 digest (32 bytes) of the token in the
-- link is stored; times are unix seconds (BIGINT). A token goes with its user (ON DELETE
-- CASCADE; foreign keys are enforced per connection, PRAGMA foreign_keys = ON).

CREATE TABLE email_tokens (
    digest     BLOB   NOT NULL PRIMARY KEY,
    user_id    TEXT   NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose    TEXT   NOT NULL CHECK (purpose IN ('verify_email', 'reset_password')),
    email      TEXT   NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);

-- For deleting a user's tokens of one purpose, and for the cascade when a user is deleted.
CREATE INDEX email_tokens_user_id ON email_tokens (user_id);
CREATE INDEX email_tokens_expires_at ON email_tokens (expires_at);
