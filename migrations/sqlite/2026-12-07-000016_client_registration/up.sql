-- Dynamic client registration (RFC 7591/7592) and Client ID Metadata Documents (sqlite; keep the
-- same shape as the other backend's folder).
-- application_type: 'web' or 'native' (which redirect URIs a client may register).
-- origin: 'operator', 'dynamic' (registered itself at /register) or 'metadata_document'.
-- registration_access_digest: SHA-256 of the RFC 7592 registration_access_token (32 bytes).
-- metadata: the informational RFC 7591 fields as a JSON object (client_uri, logo_uri, tos_uri,
-- policy_uri, contacts, software_id, software_version).
-- first_used_at: set once, the first time the client was issued a code or a token; a
-- self-registered client still without one after a while is purged by housekeeping.
ALTER TABLE clients ADD COLUMN application_type TEXT NOT NULL DEFAULT 'web';
ALTER TABLE clients ADD COLUMN origin TEXT NOT NULL DEFAULT 'operator';
ALTER TABLE clients ADD COLUMN registration_access_digest BLOB;
ALTER TABLE clients ADD COLUMN metadata TEXT NOT NULL DEFAULT '{}';
ALTER TABLE clients ADD COLUMN first_used_at BIGINT;

-- Housekeeping finds never-used self-registered clients by age.
CREATE INDEX clients_unused_by_origin ON clients (origin, created_at) WHERE first_used_at IS NULL;
