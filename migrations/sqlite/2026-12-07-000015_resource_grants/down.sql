ALTER TABLE resources DROP COLUMN clients;
ALTER TABLE consents DROP COLUMN resources;
ALTER TABLE refresh_tokens DROP COLUMN resources;
ALTER TABLE authorization_codes DROP COLUMN resources;
