-- Drops the schema in reverse dependency order (children before the tables they reference);
-- each table's indexes go with it.
DROP TABLE contact_documents;
DROP TABLE contact_phones;
DROP TABLE contact_emails;
DROP TABLE contact_addresses;
DROP TABLE contact_bank_accounts;
DROP TABLE stage_transitions;
DROP TABLE contact_accounts;
DROP TABLE contacts;
DROP TABLE lifecycle_steps;
DROP TABLE lifecycle_categories;
DROP TABLE lifecycle_templates;
DROP TABLE accounts;
DROP TABLE detail_types;
DROP TABLE reason_codes;
DROP TABLE segmentations;
DROP TABLE users;
DROP TABLE companies;
