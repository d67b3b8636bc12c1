-- Pushed authorization requests, RFC 9126 (sqlite; keep the same shape as the other backend's).
-- digest is SHA-256 of the random part of the request_uri (32 bytes): the request_uri itself
-- is never stored. params is the validated request as a JSON array of [name, value] pairs.
-- A row is used once (deleted when /authorize takes it); expires_at (unix seconds) is when
-- the request_uri stops working, after which housekeeping deletes the row. No foreign key
-- on client_id: clients known by their metadata document may push too.
CREATE TABLE pushed_requests (
    digest     BLOB   NOT NULL PRIMARY KEY,
    client_id  TEXT   NOT NULL,
    params     TEXT   NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX pushed_requests_expires_at ON pushed_requests (expires_at);
