DROP TABLE upstream_identities;
DROP TABLE upstreams;
