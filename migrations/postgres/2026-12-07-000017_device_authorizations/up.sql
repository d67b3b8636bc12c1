-- Device authorizations, RFC 8628 (postgres; keep the same shape as the other backend's).
-- Times are unix seconds. Neither code is stored in the clear: device_code and user_code are
-- SHA-256 digests (32 bytes). status: pending, approved, denied or redeemed; user_id,
-- auth_time and amr are set when a person approves. interval_secs grows by 5 on each
-- slow_down (RFC 8628 §3.5).
CREATE TABLE device_authorizations (
    device_code    BYTEA  NOT NULL PRIMARY KEY,
    user_code      BYTEA  NOT NULL UNIQUE,
    client_id      TEXT   NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    scope          TEXT   NOT NULL,
    resources      TEXT   NOT NULL DEFAULT '',
    status         TEXT   NOT NULL,
    user_id        TEXT   REFERENCES users (id) ON DELETE CASCADE,
    auth_time      BIGINT,
    amr            TEXT,
    interval_secs  BIGINT NOT NULL,
    last_polled_at BIGINT,
    created_at     BIGINT NOT NULL,
    expires_at     BIGINT NOT NULL
);
CREATE INDEX device_authorizations_expires_at ON device_authorizations (expires_at);
