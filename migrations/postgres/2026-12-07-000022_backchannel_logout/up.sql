-- Back-channel logout (postgres; keep the same shape as the other backend's).
-- browser_sessions.sid: the session's public id (OIDC `sid`), random, unrelated to the cookie;
-- sessions opened before this migration get a random one here.
ALTER TABLE browser_sessions ADD COLUMN sid TEXT NOT NULL DEFAULT '';
UPDATE browser_sessions SET sid = md5(random()::text || clock_timestamp()::text);
CREATE INDEX browser_sessions_sid ON browser_sessions (sid);

-- The session a code was issued in, for the ID token's `sid`.
ALTER TABLE authorization_codes ADD COLUMN sid TEXT;

-- Which clients were issued codes in which session: they get a logout token when it ends.
-- expires_at is the session's, after which housekeeping deletes the row.
CREATE TABLE session_clients (
    sid        TEXT   NOT NULL,
    client_id  TEXT   NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    user_id    TEXT   NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (sid, client_id)
);
CREATE INDEX session_clients_user_id ON session_clients (user_id);
CREATE INDEX session_clients_client_id ON session_clients (client_id);
CREATE INDEX session_clients_expires_at ON session_clients (expires_at);

-- The durable queue of logout tokens to POST. The token is signed at send time from these
-- columns; a claim counts the attempt and moves next_attempt_at past a lease in one
-- statement. delivered_at / failed_at end a row; housekeeping deletes it a week later.
-- user_id has no foreign key: the token must still go out after the account is deleted.
CREATE TABLE logout_deliveries (
    id              TEXT    NOT NULL PRIMARY KEY,
    client_id       TEXT    NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    uri             TEXT    NOT NULL,
    user_id         TEXT    NOT NULL,
    sid             TEXT,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT  NOT NULL,
    created_at      BIGINT  NOT NULL,
    delivered_at    BIGINT,
    failed_at       BIGINT
);
CREATE INDEX logout_deliveries_next_attempt_at ON logout_deliveries (next_attempt_at);
CREATE INDEX logout_deliveries_client_id ON logout_deliveries (client_id);
