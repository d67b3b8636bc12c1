DROP INDEX clients_unused_by_origin;
ALTER TABLE clients DROP COLUMN first_used_at;
ALTER TABLE clients DROP COLUMN metadata;
ALTER TABLE clients DROP COLUMN registration_access_digest;
ALTER TABLE clients DROP COLUMN origin;
ALTER TABLE clients DROP COLUMN application_type;
