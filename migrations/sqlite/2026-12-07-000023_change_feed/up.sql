-- The change feed is PostgreSQL's (LISTEN/NOTIFY): on SQLite every process reads the one file,
-- and the client cache lives only `database.client_cache_ttl_ms`. This migration exists so both
-- schema histories keep the same versions.
SELECT 1;
