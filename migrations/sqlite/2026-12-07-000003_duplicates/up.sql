-- Duplicate detection looks contacts up by email, phone and IBAN; similar names are compared in
-- their normalised form (lower case without spaces and punctuation).
CREATE INDEX contact_emails_lower_email_idx ON contact_emails (lower(email));
CREATE INDEX contact_phones_number_idx ON contact_phones (number);
CREATE INDEX contact_bank_accounts_iban_idx ON contact_bank_accounts (iban);
