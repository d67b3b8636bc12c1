DROP INDEX refresh_tokens_grant_id;
ALTER TABLE refresh_tokens RENAME COLUMN grant_id TO family_id;
CREATE INDEX refresh_tokens_family_id ON refresh_tokens (family_id);
