ALTER TABLE refresh_tokens DROP COLUMN dpop_jkt;
