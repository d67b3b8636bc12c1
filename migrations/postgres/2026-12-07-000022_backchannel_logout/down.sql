DROP TABLE logout_deliveries;
DROP TABLE session_clients;
ALTER TABLE authorization_codes DROP COLUMN sid;
DROP INDEX browser_sessions_sid;
ALTER TABLE browser_sessions DROP COLUMN sid;
