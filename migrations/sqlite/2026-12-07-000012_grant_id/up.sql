-- One name per concept: the grant a code, its refresh tokens and its access tokens belong to
-- is `grant_id` everywhere (access tokens carry it as the `gid` claim).
ALTER TABLE refresh_tokens RENAME COLUMN family_id TO grant_id;
DROP INDEX refresh_tokens_family_id;
CREATE INDEX refresh_tokens_grant_id ON refresh_tokens (grant_id);
