-- Refresh-token grace window (PostgreSQL; keep the same shape as migrations/sqlite). A
-- rotation made with the window on keeps the successor response on the spent token's row,
-- encrypted with the row's digest as associated data (`replay`), and counts the replays handed
-- out from it (`replay_count`), so a repeat of the rotation within the window gets the same
-- tokens a bounded number of times.

ALTER TABLE refresh_tokens ADD COLUMN replay BYTEA;
ALTER TABLE refresh_tokens ADD COLUMN replay_count BIGINT NOT NULL DEFAULT 0;
