DROP TABLE refresh_tokens;
DROP TABLE authorization_codes;
DROP TABLE consents;
DROP TABLE browser_sessions;
DROP TABLE users;
