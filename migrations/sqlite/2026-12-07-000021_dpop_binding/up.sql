-- The DPoP key (RFC 7638 thumbprint, base64url) a public client's refresh token is bound to
-- (RFC 9449 §5); NULL for unbound tokens. A refresh must prove the same key.
ALTER TABLE refresh_tokens ADD COLUMN dpop_jkt TEXT;
