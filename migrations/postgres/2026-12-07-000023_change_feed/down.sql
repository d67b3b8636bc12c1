DROP TRIGGER revoked_tokens_change_feed ON revoked_tokens;
DROP FUNCTION tessera_notify_revocation();
DROP TRIGGER clients_change_feed ON clients;
DROP FUNCTION tessera_notify_client_change();
