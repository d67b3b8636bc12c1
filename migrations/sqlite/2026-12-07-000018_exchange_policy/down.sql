ALTER TABLE clients DROP COLUMN exchange_audiences;
