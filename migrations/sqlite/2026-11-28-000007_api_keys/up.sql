-- API keys (SQLite): long-lived bearer credentials for scripts and services. Keep the same
-- shape as migrations/postgres. The key is `tsk_` + prefix + secret; the 8-character prefix is
-- its public id (looked up by primary key), and only the SHA-256 digest (32 bytes) of the
-- whole key is stored. Scopes are space-separated; times are unix seconds (BIGINT). A revoked
-- key keeps its row (revoked_at set) so listings show what was revoked and when.

CREATE TABLE api_keys (
    prefix       TEXT   NOT NULL PRIMARY KEY,
    name         TEXT   NOT NULL,
    digest       BLOB   NOT NULL,
    scopes       TEXT   NOT NULL,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT,
    last_used_at BIGINT,
    revoked_at   BIGINT
);
