-- Duplicate detection looks contacts up by email, phone and IBAN, and by similar names: with the
-- pg_trgm extension where the server has it (a trigram index on the lower-cased name), else by
-- the normalised name (lower case without spaces and punctuation).
DO $$
BEGIN
    CREATE EXTENSION IF NOT EXISTS pg_trgm;
EXCEPTION WHEN OTHERS THEN
    RAISE NOTICE 'pg_trgm is not available: similar names are found by their normalised form';
END
$$;
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
        EXECUTE 'CREATE INDEX contact_records_name_trgm_idx ON contact_records USING gin (lower(name) gin_trgm_ops)';
    END IF;
END
$$;
CREATE INDEX contact_emails_lower_email_idx ON contact_emails (lower(email));
CREATE INDEX contact_phones_number_idx ON contact_phones (number);
CREATE INDEX contact_bank_accounts_iban_idx ON contact_bank_accounts (iban);
