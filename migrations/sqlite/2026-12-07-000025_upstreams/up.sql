-- Upstream identity providers (sqlite; keep the same shape as the other backend): other OpenID
-- Providers (or GitHub) people can sign in through. kind is 'oidc' or 'github'; issuer is
-- compared exactly with the upstream's iss; api_base is GitHub's API base (NULL for oidc);
-- sealed_secret is our client secret there, AES-256-GCM under a key derived from secret_key
-- with the upstream id as associated data; scope is space-separated; email_claim and
-- name_claim say which claims carry the address and the name. Times are unix seconds.

CREATE TABLE upstreams (
    id            TEXT   NOT NULL PRIMARY KEY,
    name          TEXT   NOT NULL,
    kind          TEXT   NOT NULL,
    issuer        TEXT   NOT NULL,
    api_base      TEXT,
    client_id     TEXT   NOT NULL,
    sealed_secret BLOB  NOT NULL,
    scope         TEXT   NOT NULL,
    email_claim   TEXT   NOT NULL,
    name_claim    TEXT   NOT NULL,
    created_at    BIGINT NOT NULL
);

-- The link between a local account and a person at an upstream: (upstream, subject) names the
-- person there (OIDC Core: iss + sub, never the email); an account has at most one link per
-- upstream. email is what the upstream said at linking time, shown on the account page only.

CREATE TABLE upstream_identities (
    upstream_id TEXT   NOT NULL REFERENCES upstreams (id) ON DELETE CASCADE,
    subject     TEXT   NOT NULL,
    user_id     TEXT   NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    email       TEXT,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (upstream_id, subject),
    UNIQUE (upstream_id, user_id)
);

CREATE INDEX upstream_identities_user ON upstream_identities (user_id);
