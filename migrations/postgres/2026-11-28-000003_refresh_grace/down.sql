ALTER TABLE refresh_tokens DROP COLUMN replay_count;
ALTER TABLE refresh_tokens DROP COLUMN replay;
