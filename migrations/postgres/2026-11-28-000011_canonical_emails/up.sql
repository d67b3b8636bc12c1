-- Canonical emails (issue 11; postgres, keep the same shape as the other backend): Tessera now
-- stores every address NFC-normalised and lower-cased, so one address is one account whatever
-- its case. Rows stored before are lower-cased here, except where two of them differ only by
-- case: those are left as they were (the lookups compare lower(email), and registration
-- refuses an address whose lower(email) is taken). lower() folds what the database can fold
-- (SQLite: ASCII only).
UPDATE users SET email = lower(email)
WHERE email <> lower(email)
  AND NOT EXISTS (
    SELECT 1 FROM users AS other
    WHERE other.id <> users.id AND lower(other.email) = lower(users.email)
  );
-- Pending links carry the address they were sent to; the application compares it canonically.
UPDATE email_tokens SET email = lower(email) WHERE email <> lower(email);
-- The lookups by lower(email) use this index, not a scan.
CREATE INDEX users_email_lower ON users (lower(email));
