-- The change feed (postgres only): every process LISTENs on `tessera_changes` and keeps its
-- client-row cache and its copy of the revocation denylist exact through these notifications
-- (adapters::persistence::change_feed). Triggers rather than application code, so a change made
-- by any writer (another process, the CLI, an operator's SQL) is announced. A notification is
-- delivered only when its transaction commits, and never for a rolled-back change.
--
-- Payloads: `c:<client id>` (a client row changed), `r:<expires_at>:<jti>` (a denylist entry
-- was added); `c*` / `r*` when an identifier is too long for a notification (8000 bytes): every
-- listener then drops its whole cache or reloads its denylist.

CREATE FUNCTION tessera_notify_client_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    changed TEXT;
BEGIN
    IF TG_OP = 'DELETE' THEN
        changed := OLD.id;
    ELSE
        changed := NEW.id;
    END IF;
    IF octet_length(changed) > 7000 THEN
        PERFORM pg_notify('tessera_changes', 'c*');
    ELSE
        PERFORM pg_notify('tessera_changes', 'c:' || changed);
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER clients_change_feed
    AFTER UPDATE OR DELETE ON clients
    FOR EACH ROW EXECUTE FUNCTION tessera_notify_client_change();

CREATE FUNCTION tessera_notify_revocation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF octet_length(NEW.jti) > 7000 THEN
        PERFORM pg_notify('tessera_changes', 'r*');
    ELSE
        PERFORM pg_notify('tessera_changes', 'r:' || NEW.expires_at || ':' || NEW.jti);
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER revoked_tokens_change_feed
    AFTER INSERT ON revoked_tokens
    FOR EACH ROW EXECUTE FUNCTION tessera_notify_revocation();
