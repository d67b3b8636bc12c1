-- Tessera initial schema (SQLite). Keep the same shape as migrations/postgres.
-- Times are unix seconds (BIGINT); lists are JSON arrays of strings.

CREATE TABLE clients (
    id                        TEXT    NOT NULL PRIMARY KEY,
    name                      TEXT    NOT NULL,
    secret_digest             BLOB,
    auth_method               TEXT    NOT NULL,
    grant_types               TEXT    NOT NULL,
    redirect_uris             TEXT    NOT NULL,
    post_logout_redirect_uris TEXT    NOT NULL,
    scope                     TEXT    NOT NULL,
    skip_consent              BOOLEAN NOT NULL CHECK (skip_consent IN (0, 1)),
    created_at                BIGINT  NOT NULL
);

CREATE TABLE signing_keys (
    kid                   TEXT   NOT NULL PRIMARY KEY,
    alg                   TEXT   NOT NULL CHECK (alg IN ('RS256', 'ES256', 'EdDSA')),
    state                 TEXT   NOT NULL CHECK (state IN ('next', 'active', 'retiring', 'retired')),
    created_at            BIGINT NOT NULL,
    retire_after          BIGINT,
    public_jwk            TEXT   NOT NULL,
    encrypted_private_key BLOB   NOT NULL
);

-- At most one active key, enforced by the database so no race can produce two.
CREATE UNIQUE INDEX signing_keys_one_active ON signing_keys (state) WHERE state = 'active';

CREATE TABLE revoked_tokens (
    jti        TEXT   NOT NULL PRIMARY KEY,
    expires_at BIGINT NOT NULL
);

CREATE INDEX revoked_tokens_expires_at ON revoked_tokens (expires_at);
