-- RFC 8707 resource indicators carried by grants. Keep the same shape in both backends.
-- Each column holds the resource identifiers (absolute URIs without spaces) separated by
-- single spaces; empty for a grant that named no resource, which is every grant made before.
-- A resource lists the clients its server authenticates as (space-separated client ids):
-- only they learn from /introspect about tokens meant for it.
-- A code and a refresh family keep the resources of their authorization request, so a token
-- request can narrow to some of them; a consent keeps the resources a person allowed.

ALTER TABLE authorization_codes ADD COLUMN resources TEXT NOT NULL DEFAULT '';
ALTER TABLE refresh_tokens ADD COLUMN resources TEXT NOT NULL DEFAULT '';
ALTER TABLE consents ADD COLUMN resources TEXT NOT NULL DEFAULT '';
ALTER TABLE resources ADD COLUMN clients TEXT NOT NULL DEFAULT '';
