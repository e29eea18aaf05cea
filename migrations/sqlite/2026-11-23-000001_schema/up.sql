-- Rapport schema, SQLite (3.35+). Mirrors migrations/postgres/2026-11-23-000001_schema; src/db/schema.rs
-- is the contract for names, types and nullability. Runs inside the migration transaction, so no PRAGMAs:
-- the application turns foreign_keys on for every pooled connection.
--
-- Unique indexes (the application maps a unique violation to a field by these names; keep them in step
-- with src/error.rs and with the PostgreSQL tree):
--   companies_name_key                      companies (lower(name))
--   companies_code_key                      companies (lower(code))
--   users_email_key                         users (lower(email))
--   segmentations_scope_name_key            segmentations (COALESCE(company_id, 0), lower(name))
--   reason_codes_scope_code_key             reason_codes (COALESCE(company_id, 0), lower(code))
--   detail_types_scope_kind_name_key        detail_types (COALESCE(company_id, 0), kind, lower(name))
--   accounts_scope_name_key                 accounts (COALESCE(company_id, 0), lower(name))
--   lifecycle_templates_scope_name_key      lifecycle_templates (COALESCE(company_id, 0), lower(name))
--   lifecycle_templates_scope_default_key   lifecycle_templates (COALESCE(company_id, 0)) WHERE is_default
--   lifecycle_categories_template_name_key  lifecycle_categories (template_id, lower(name))
--   lifecycle_steps_category_name_key       lifecycle_steps (category_id, lower(name))
--   contact_emails_contact_email_key        contact_emails (contact_id, lower(email))
--   contact_emails_contact_primary_key      contact_emails (contact_id) WHERE is_primary
--   contact_phones_contact_primary_key      contact_phones (contact_id) WHERE is_primary
--   contact_addresses_contact_primary_key   contact_addresses (contact_id) WHERE is_primary
--   contact_documents_storage_key_key       contact_documents (storage_key)
--   (plus the primary key of contact_accounts on (contact_id, account_id))
-- SQLite names the index in its error ("UNIQUE constraint failed: index 'companies_name_key'") only
-- for indexes on expressions, i.e. the first twelve above. For the last four and the primary key it
-- lists the columns instead ("UNIQUE constraint failed: contact_emails.contact_id").
--
-- Conventions:
-- * company_id NULL means tenant-wide. Names are unique per company, case-insensitively, with tenant-wide
--   as its own scope: COALESCE(company_id, 0) folds NULL into a scope key (ids start at 1), because NULLs
--   never collide in a plain unique index.
-- * Text columns keep SQLite's default BINARY collation (bytewise), and lower() folds ASCII letters only.
--   The PostgreSQL tree declares the sorted name/code/email columns COLLATE "C" to get exactly this
--   behaviour there too, so both backends order lists and detect duplicates identically.
-- * Types follow the contract: INTEGER PRIMARY KEY (the rowid, 64-bit) for ids, BIGINT for references,
--   REAL for doubles, BOOLEAN holding 0/1 (checked), TIMESTAMP holding UTC text 'YYYY-MM-DD HH:MM:SS[.f]'.
-- * ON DELETE: the application checks "in use" and answers CONFLICT before deleting; the foreign keys
--   are the safety net. RESTRICT where a row is referenced by records that must not silently change
--   (config used by contacts, steps named in history); CASCADE where the child is part of its parent
--   (a contact's details and history, a template's categories and steps); SET NULL where only an
--   attribution is lost (who moved a contact, who uploaded a document).
-- * Timestamps default to CURRENT_TIMESTAMP (UTC); the application always sets them.

CREATE TABLE companies (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL CHECK (length(trim(name)) > 0),
    code       TEXT NOT NULL CHECK (length(trim(code)) > 0),
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE UNIQUE INDEX companies_name_key ON companies (lower(name));
CREATE UNIQUE INDEX companies_code_key ON companies (lower(code));

CREATE TABLE users (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL CHECK (length(trim(name)) > 0),
    email      TEXT NOT NULL,
    role       TEXT NOT NULL CHECK (role IN ('ADMIN', 'MANAGER', 'SALES', 'VIEWER')),
    company_id BIGINT REFERENCES companies (id) ON DELETE RESTRICT,
    active     BOOLEAN NOT NULL DEFAULT TRUE CHECK (active IN (0, 1)),
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));
CREATE INDEX users_company_id_idx ON users (company_id);

CREATE TABLE segmentations (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL CHECK (length(trim(name)) > 0),
    company_id BIGINT REFERENCES companies (id) ON DELETE RESTRICT,
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE UNIQUE INDEX segmentations_scope_name_key ON segmentations (COALESCE(company_id, 0), lower(name));

CREATE TABLE reason_codes (
    id          INTEGER PRIMARY KEY,
    code        TEXT NOT NULL CHECK (length(trim(code)) > 0),
    description TEXT,
    outcome     TEXT NOT NULL CHECK (outcome IN ('WON', 'LOST', 'OTHER')),
    company_id  BIGINT REFERENCES companies (id) ON DELETE RESTRICT,
    archived    BOOLEAN NOT NULL DEFAULT FALSE CHECK (archived IN (0, 1)),
    created_at  TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at  TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE UNIQUE INDEX reason_codes_scope_code_key ON reason_codes (COALESCE(company_id, 0), lower(code));

CREATE TABLE detail_types (
    id         INTEGER PRIMARY KEY,
    kind       TEXT NOT NULL CHECK (kind IN ('ADDRESS', 'EMAIL', 'PHONE')),
    name       TEXT NOT NULL CHECK (length(trim(name)) > 0),
    company_id BIGINT REFERENCES companies (id) ON DELETE RESTRICT,
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);
-- The same name may exist once per kind ("Billing" is both an address and an email type).
CREATE UNIQUE INDEX detail_types_scope_kind_name_key ON detail_types (COALESCE(company_id, 0), kind, lower(name));

CREATE TABLE accounts (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL CHECK (length(trim(name)) > 0),
    company_id BIGINT REFERENCES companies (id) ON DELETE RESTRICT,
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE UNIQUE INDEX accounts_scope_name_key ON accounts (COALESCE(company_id, 0), lower(name));

CREATE TABLE lifecycle_templates (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL CHECK (length(trim(name)) > 0),
    description TEXT,
    company_id  BIGINT REFERENCES companies (id) ON DELETE RESTRICT,
    is_default  BOOLEAN NOT NULL DEFAULT FALSE CHECK (is_default IN (0, 1)),
    created_at  TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at  TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE UNIQUE INDEX lifecycle_templates_scope_name_key ON lifecycle_templates (COALESCE(company_id, 0), lower(name));
-- At most one default template per scope (tenant-wide counts as one scope).
CREATE UNIQUE INDEX lifecycle_templates_scope_default_key ON lifecycle_templates (COALESCE(company_id, 0)) WHERE is_default;

-- Categories and steps are parts of their template: deleting the template deletes them (CASCADE), unless
-- a contact or a stage transition still points at a step (RESTRICT below stops the whole delete).
-- Positions are not unique so that a reorder can rewrite them in any order.
CREATE TABLE lifecycle_categories (
    id          INTEGER PRIMARY KEY,
    template_id BIGINT NOT NULL REFERENCES lifecycle_templates (id) ON DELETE CASCADE,
    name        TEXT NOT NULL CHECK (length(trim(name)) > 0),
    position    INTEGER NOT NULL CHECK (position >= 0),
    created_at  TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at  TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE UNIQUE INDEX lifecycle_categories_template_name_key ON lifecycle_categories (template_id, lower(name));
CREATE INDEX lifecycle_categories_template_position_idx ON lifecycle_categories (template_id, position);

CREATE TABLE lifecycle_steps (
    id              INTEGER PRIMARY KEY,
    category_id     BIGINT NOT NULL REFERENCES lifecycle_categories (id) ON DELETE CASCADE,
    name            TEXT NOT NULL CHECK (length(trim(name)) > 0),
    position        INTEGER NOT NULL CHECK (position >= 0),
    outcome         TEXT NOT NULL DEFAULT 'OPEN' CHECK (outcome IN ('OPEN', 'WON', 'LOST')),
    requires_reason BOOLEAN NOT NULL DEFAULT FALSE CHECK (requires_reason IN (0, 1)),
    created_at      TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at      TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE UNIQUE INDEX lifecycle_steps_category_name_key ON lifecycle_steps (category_id, lower(name));
CREATE INDEX lifecycle_steps_category_position_idx ON lifecycle_steps (category_id, position);

-- Every reference from a contact to configuration is RESTRICT: deleting a segmentation, reason code,
-- owner, template or step that contacts use must fail, never clear or delete contacts.
CREATE TABLE contacts (
    id                    INTEGER PRIMARY KEY,
    name                  TEXT NOT NULL CHECK (length(trim(name)) > 0),
    full_name             TEXT,
    scoring               REAL,
    company_id            BIGINT REFERENCES companies (id) ON DELETE RESTRICT,
    segmentation_id       BIGINT REFERENCES segmentations (id) ON DELETE RESTRICT,
    reason_code_id        BIGINT REFERENCES reason_codes (id) ON DELETE RESTRICT,
    owner_id              BIGINT REFERENCES users (id) ON DELETE RESTRICT,
    lifecycle_template_id BIGINT REFERENCES lifecycle_templates (id) ON DELETE RESTRICT,
    current_step_id       BIGINT REFERENCES lifecycle_steps (id) ON DELETE RESTRICT,
    status                TEXT NOT NULL DEFAULT 'OPEN' CHECK (status IN ('OPEN', 'WON', 'LOST')),
    stage_changed_at      TIMESTAMP,
    -- Optimistic concurrency: every update bumps it; clients send the version they read.
    version               BIGINT NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at            TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at            TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX contacts_company_id_idx ON contacts (company_id);
CREATE INDEX contacts_segmentation_id_idx ON contacts (segmentation_id);
CREATE INDEX contacts_reason_code_id_idx ON contacts (reason_code_id);
CREATE INDEX contacts_owner_id_idx ON contacts (owner_id);
CREATE INDEX contacts_lifecycle_template_id_idx ON contacts (lifecycle_template_id);
CREATE INDEX contacts_current_step_id_idx ON contacts (current_step_id);
CREATE INDEX contacts_status_idx ON contacts (status);
-- Keyset pagination: each sortable field with id as the tie-breaker.
CREATE INDEX contacts_name_id_idx ON contacts (name, id);
CREATE INDEX contacts_full_name_id_idx ON contacts (full_name, id);
CREATE INDEX contacts_scoring_id_idx ON contacts (scoring, id);
CREATE INDEX contacts_created_at_id_idx ON contacts (created_at, id);
CREATE INDEX contacts_updated_at_id_idx ON contacts (updated_at, id);
CREATE INDEX contacts_stage_changed_at_id_idx ON contacts (stage_changed_at, id);

-- A contact's account links go with the contact; an account that is linked cannot be deleted.
CREATE TABLE contact_accounts (
    contact_id BIGINT NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE RESTRICT,
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    PRIMARY KEY (contact_id, account_id)
);
CREATE INDEX contact_accounts_account_id_idx ON contact_accounts (account_id);

-- Append-only history. It belongs to the contact (CASCADE), but a step or reason code that appears in
-- history cannot be deleted (RESTRICT) or the funnel and reason statistics would change retroactively.
-- Deleting a user only forgets who made the move (SET NULL).
CREATE TABLE stage_transitions (
    id             INTEGER PRIMARY KEY,
    contact_id     BIGINT NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    from_step_id   BIGINT REFERENCES lifecycle_steps (id) ON DELETE RESTRICT,
    to_step_id     BIGINT NOT NULL REFERENCES lifecycle_steps (id) ON DELETE RESTRICT,
    reason_code_id BIGINT REFERENCES reason_codes (id) ON DELETE RESTRICT,
    note           TEXT,
    actor_id       BIGINT REFERENCES users (id) ON DELETE SET NULL,
    occurred_at    TIMESTAMP NOT NULL,
    -- Whole seconds the contact stayed on to_step (until the next transition); NULL while it
    -- stays. Written with the next transition, so funnel dwell times need no self-join.
    dwell_seconds  BIGINT CHECK (dwell_seconds >= 0),
    created_at     TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at     TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX stage_transitions_contact_occurred_idx ON stage_transitions (contact_id, occurred_at, id);
-- Moves into given steps in a time window, with who made them (closings, funnel exits).
CREATE INDEX stage_transitions_to_step_occurred_idx ON stage_transitions (to_step_id, occurred_at, contact_id);
-- Funnel medians walk the dwell times of one step in order (the time filters in the index too).
CREATE INDEX stage_transitions_to_step_dwell_idx ON stage_transitions (to_step_id, dwell_seconds, occurred_at)
    WHERE dwell_seconds IS NOT NULL;
CREATE INDEX stage_transitions_occurred_at_idx ON stage_transitions (occurred_at);
CREATE INDEX stage_transitions_reason_code_id_idx ON stage_transitions (reason_code_id);
-- Only for the foreign-key checks when a step or a user is deleted.
CREATE INDEX stage_transitions_from_step_id_idx ON stage_transitions (from_step_id);
CREATE INDEX stage_transitions_actor_id_idx ON stage_transitions (actor_id);

-- How far each contact got along each lifecycle it followed: the step furthest along the path
-- (lost steps aside) it ever entered. Kept with every move and rebuilt from history when a path
-- is reordered, so a funnel over the whole history reads one row per contact instead of every move.
CREATE TABLE lifecycle_progress (
    contact_id       BIGINT NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    template_id      BIGINT NOT NULL REFERENCES lifecycle_templates (id) ON DELETE CASCADE,
    furthest_step_id BIGINT NOT NULL REFERENCES lifecycle_steps (id) ON DELETE RESTRICT,
    PRIMARY KEY (contact_id, template_id)
);
CREATE INDEX lifecycle_progress_template_step_idx ON lifecycle_progress (template_id, furthest_step_id);
CREATE INDEX lifecycle_progress_furthest_step_id_idx ON lifecycle_progress (furthest_step_id);

-- Contact details: part of the contact (CASCADE); a detail type in use cannot be deleted (RESTRICT).
CREATE TABLE contact_bank_accounts (
    id         INTEGER PRIMARY KEY,
    contact_id BIGINT NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    name       TEXT NOT NULL CHECK (length(trim(name)) > 0),
    iban       TEXT NOT NULL,
    swift      TEXT,
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX contact_bank_accounts_contact_id_idx ON contact_bank_accounts (contact_id);

CREATE TABLE contact_addresses (
    id         INTEGER PRIMARY KEY,
    contact_id BIGINT NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    address    TEXT NOT NULL,
    country    TEXT,
    state      TEXT,
    city       TEXT,
    zip_code   TEXT NOT NULL,
    locality   TEXT NOT NULL,
    type_id    BIGINT REFERENCES detail_types (id) ON DELETE RESTRICT,
    is_primary BOOLEAN NOT NULL DEFAULT FALSE CHECK (is_primary IN (0, 1)),
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX contact_addresses_contact_id_idx ON contact_addresses (contact_id);
CREATE INDEX contact_addresses_type_id_idx ON contact_addresses (type_id);
CREATE UNIQUE INDEX contact_addresses_contact_primary_key ON contact_addresses (contact_id) WHERE is_primary;

CREATE TABLE contact_emails (
    id         INTEGER PRIMARY KEY,
    contact_id BIGINT NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    email      TEXT NOT NULL,
    type_id    BIGINT REFERENCES detail_types (id) ON DELETE RESTRICT,
    is_primary BOOLEAN NOT NULL DEFAULT FALSE CHECK (is_primary IN (0, 1)),
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);
-- contact_emails_contact_email_key leads with contact_id, so it also serves lookups by contact.
CREATE UNIQUE INDEX contact_emails_contact_email_key ON contact_emails (contact_id, lower(email));
CREATE INDEX contact_emails_type_id_idx ON contact_emails (type_id);
CREATE UNIQUE INDEX contact_emails_contact_primary_key ON contact_emails (contact_id) WHERE is_primary;

CREATE TABLE contact_phones (
    id         INTEGER PRIMARY KEY,
    contact_id BIGINT NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    number     TEXT NOT NULL,
    type_id    BIGINT REFERENCES detail_types (id) ON DELETE RESTRICT,
    is_primary BOOLEAN NOT NULL DEFAULT FALSE CHECK (is_primary IN (0, 1)),
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX contact_phones_contact_id_idx ON contact_phones (contact_id);
CREATE INDEX contact_phones_type_id_idx ON contact_phones (type_id);
CREATE UNIQUE INDEX contact_phones_contact_primary_key ON contact_phones (contact_id) WHERE is_primary;

-- Documents go with the contact; deleting the uploader only forgets who uploaded (SET NULL).
-- storage_key names the stored blob, so two rows must never share one.
CREATE TABLE contact_documents (
    id           INTEGER PRIMARY KEY,
    contact_id   BIGINT NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    file_name    TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes   BIGINT NOT NULL CHECK (size_bytes >= 0),
    sha256       TEXT NOT NULL,
    storage_key  TEXT NOT NULL,
    uploaded_by  BIGINT REFERENCES users (id) ON DELETE SET NULL,
    uploaded_at  TIMESTAMP NOT NULL,
    created_at   TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at   TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE UNIQUE INDEX contact_documents_storage_key_key ON contact_documents (storage_key);
CREATE INDEX contact_documents_contact_id_idx ON contact_documents (contact_id);
CREATE INDEX contact_documents_uploaded_by_idx ON contact_documents (uploaded_by);
