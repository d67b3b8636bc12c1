DROP TABLE revoked_tokens;
DROP TABLE signing_keys;
DROP TABLE clients;
