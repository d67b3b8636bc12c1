-- Second factors and passkeys (postgres; keep the same shape as migrations/sqlite).
-- Times are unix seconds (BIGINT). Secrets are never stored in the clear: the TOTP secret is
-- AES-GCM ciphertext under its own key derived from secret_key; recovery codes and challenge
-- handles are SHA-256 digests (32 bytes).

-- One TOTP enrolment per account; unconfirmed until a correct code. last_step: the last time
-- step a code was accepted for (each code works once).
CREATE TABLE user_totp (
    user_id           TEXT    NOT NULL PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret_ciphertext BYTEA   NOT NULL,
    confirmed         BOOLEAN NOT NULL DEFAULT FALSE,
    last_step         BIGINT,
    created_at        BIGINT  NOT NULL
);

-- Recovery codes, single use: used_at is set once, atomically.
CREATE TABLE recovery_codes (
    user_id    TEXT   NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    digest     BYTEA  NOT NULL,
    created_at BIGINT NOT NULL,
    used_at    BIGINT,
    PRIMARY KEY (user_id, digest)
);

-- Passkeys (WebAuthn credentials). credential: the WebAuthn library's JSON record (public key,
-- sign count, flags), updated after each use; credential_id is unique across all accounts.
CREATE TABLE passkeys (
    id            TEXT    NOT NULL PRIMARY KEY,
    user_id       TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name          TEXT    NOT NULL,
    credential_id BYTEA   NOT NULL UNIQUE,
    credential    TEXT    NOT NULL,
    synced        BOOLEAN NOT NULL,
    created_at    BIGINT  NOT NULL,
    last_used_at  BIGINT
);
CREATE INDEX passkeys_user_id ON passkeys (user_id);

-- Pending single-use ceremonies (second-factor step, passkey registration and sign-in), by the
-- digest of the handle the browser or client holds; taking one deletes it.
CREATE TABLE challenges (
    digest     BYTEA  NOT NULL PRIMARY KEY,
    purpose    TEXT   NOT NULL,
    user_id    TEXT,
    payload    TEXT   NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX challenges_expires_at ON challenges (expires_at);

-- How each authentication happened (RFC 8176 amr, space-separated), carried from the session
-- to codes and refresh tokens; rows from before are password sign-ins.
ALTER TABLE browser_sessions ADD COLUMN amr TEXT NOT NULL DEFAULT 'pwd';
ALTER TABLE authorization_codes ADD COLUMN amr TEXT NOT NULL DEFAULT 'pwd';
ALTER TABLE refresh_tokens ADD COLUMN amr TEXT NOT NULL DEFAULT 'pwd';

-- A client whose sign-ins need a second factor.
ALTER TABLE clients ADD COLUMN require_mfa BOOLEAN NOT NULL DEFAULT FALSE;
