DROP INDEX contact_bank_accounts_iban_idx;
DROP INDEX contact_phones_number_idx;
DROP INDEX contact_emails_lower_email_idx;
DROP INDEX IF EXISTS contact_records_name_trgm_idx;
