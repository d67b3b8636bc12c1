-- RFC 8693 token exchange policy: the registered resources (space-separated identifiers) a
-- client may ask tokens for by exchange. Empty: the client may not exchange for any audience.
ALTER TABLE clients ADD COLUMN exchange_audiences TEXT NOT NULL DEFAULT '';
