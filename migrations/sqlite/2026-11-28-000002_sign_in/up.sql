-- Sign-in (SQLite): users, browser sessions, consents, authorization codes, refresh tokens.
-- Keep the same shape as migrations/postgres. Times are unix seconds (BIGINT); secrets are
-- stored only as their SHA-256 digest (32 bytes). Foreign keys are enforced per connection
-- (PRAGMA foreign_keys = ON), so deleting a user or a client removes everything hanging off it.

CREATE TABLE users (
    id             TEXT    NOT NULL PRIMARY KEY,
    email          TEXT    NOT NULL UNIQUE,
    email_verified BOOLEAN NOT NULL CHECK (email_verified IN (0, 1)),
    name           TEXT,
    password_hash  TEXT    NOT NULL,
    created_at     BIGINT  NOT NULL,
    disabled       BOOLEAN NOT NULL CHECK (disabled IN (0, 1))
);

CREATE TABLE browser_sessions (
    digest     BLOB   NOT NULL PRIMARY KEY,
    user_id    TEXT   NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    auth_time  BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);

CREATE INDEX browser_sessions_user_id ON browser_sessions (user_id);
CREATE INDEX browser_sessions_expires_at ON browser_sessions (expires_at);

CREATE TABLE consents (
    user_id    TEXT   NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    client_id  TEXT   NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    scope      TEXT   NOT NULL,
    granted_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, client_id)
);

-- For the cascade when a client is deleted (the primary key covers user_id).
CREATE INDEX consents_client_id ON consents (client_id);

CREATE TABLE authorization_codes (
    digest         BLOB   NOT NULL PRIMARY KEY,
    client_id      TEXT   NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    user_id        TEXT   NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    grant_id       TEXT   NOT NULL,
    redirect_uri   TEXT,
    code_challenge TEXT,
    scope          TEXT   NOT NULL,
    nonce          TEXT,
    auth_time      BIGINT NOT NULL,
    expires_at     BIGINT NOT NULL,
    used_at        BIGINT
);

CREATE INDEX authorization_codes_expires_at ON authorization_codes (expires_at);
-- For the cascades when a user or a client is deleted.
CREATE INDEX authorization_codes_user_id ON authorization_codes (user_id);
CREATE INDEX authorization_codes_client_id ON authorization_codes (client_id);

CREATE TABLE refresh_tokens (
    digest            BLOB    NOT NULL PRIMARY KEY,
    family_id         TEXT    NOT NULL,
    client_id         TEXT    NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    user_id           TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    scope             TEXT    NOT NULL,
    expires_at        BIGINT  NOT NULL,
    family_expires_at BIGINT  NOT NULL,
    auth_time         BIGINT  NOT NULL,
    used_at           BIGINT,
    revoked           BOOLEAN NOT NULL DEFAULT 0 CHECK (revoked IN (0, 1))
);

CREATE INDEX refresh_tokens_family_id ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_family_expires_at ON refresh_tokens (family_expires_at);
-- For the cascades when a user or a client is deleted.
CREATE INDEX refresh_tokens_user_id ON refresh_tokens (user_id);
CREATE INDEX refresh_tokens_client_id ON refresh_tokens (client_id);
