-- Single-use identifiers of client-signed JWTs (postgres; keep the same shape as the other
-- backend's): client assertions (RFC 7523 §3), DPoP proofs (RFC 9449 §11.1). key is SHA-256
-- over kind, issuer and jti (32 bytes), so nothing a client sent is stored; expires_at (unix
-- seconds) is when a replay would be refused anyway, after which housekeeping deletes it.
-- The hardened-client registration itself (jwks, PAR, DPoP, back-channel logout, profile)
-- lives in clients.metadata, JSON.
CREATE TABLE used_jtis (
    key        BYTEA   NOT NULL PRIMARY KEY,
    expires_at BIGINT NOT NULL
);
CREATE INDEX used_jtis_expires_at ON used_jtis (expires_at);
