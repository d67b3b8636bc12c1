ALTER TABLE clients DROP COLUMN require_mfa;
ALTER TABLE refresh_tokens DROP COLUMN amr;
ALTER TABLE authorization_codes DROP COLUMN amr;
ALTER TABLE browser_sessions DROP COLUMN amr;
DROP TABLE challenges;
DROP TABLE passkeys;
DROP TABLE recovery_codes;
DROP TABLE user_totp;
