-- Protected resources (sqlite; keep the same shape as migrations/postgres): the APIs and MCP
-- servers (RFC 8707) an access token can be audience-restricted to. The identifier is an
-- absolute URI without fragment, compared exactly (it is the token's `aud`); name is what a
-- person sees on the consent page; scope is the space-separated scopes the resource defines.
-- Times are unix seconds (BIGINT).

CREATE TABLE resources (
    identifier TEXT   NOT NULL PRIMARY KEY,
    name       TEXT   NOT NULL,
    scope      TEXT   NOT NULL,
    created_at BIGINT NOT NULL
);
