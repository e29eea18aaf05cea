-- The audit trail: every change to a contact, its details, accounts, documents and moves, and
-- to every configuration record, written by triggers in the changing transaction (so a rolled-back
-- change leaves no entry, and no write path can forget one). `before` and `after` hold the row as
-- JSON without bookkeeping columns (created/updated at and by, version, dwell); an update that
-- changes none of the rest writes nothing. Writers are serialised on SQLite, so the server names
-- the actor (and a MERGE) of each write transaction in the one row of audit_context.
CREATE TABLE audit_entries (
    id          INTEGER PRIMARY KEY,
    entity_type TEXT NOT NULL,
    entity_id   BIGINT NOT NULL,
    -- The contact the record belongs to (no foreign key: entries outlive a purge).
    contact_id  BIGINT,
    -- The record's company (a contact's for its details); NULL = tenant-wide.
    company_id  BIGINT,
    action      TEXT NOT NULL CHECK (action IN ('CREATE', 'UPDATE', 'DELETE', 'RESTORE', 'MERGE')),
    actor_id    BIGINT,
    occurred_at TIMESTAMP NOT NULL,
    before      TEXT,
    after       TEXT
);
CREATE INDEX audit_entries_contact_idx ON audit_entries (contact_id, id) WHERE contact_id IS NOT NULL;
CREATE INDEX audit_entries_entity_idx ON audit_entries (entity_type, entity_id);
CREATE INDEX audit_entries_occurred_at_idx ON audit_entries (occurred_at, id);

CREATE TABLE audit_context (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    enabled  BOOLEAN NOT NULL DEFAULT TRUE,
    actor_id BIGINT,
    action   TEXT
);
INSERT INTO audit_context (id) VALUES (1);

CREATE TRIGGER audit_contact_records_insert AFTER INSERT ON contact_records
WHEN (SELECT enabled FROM audit_context)
BEGIN
    INSERT INTO audit_entries (entity_type, entity_id, contact_id, company_id, action, actor_id, occurred_at, before, after)
    SELECT 'Contact', NEW.id, NEW.id, NEW.company_id, COALESCE(x.action, 'CREATE'), x.actor_id, strftime('%Y-%m-%d %H:%M:%f', 'now'),
        NULL,
        json_object('id', NEW.id, 'name', NEW.name, 'full_name', NEW.full_name, 'scoring', NEW.scoring, 'company_id', NEW.company_id, 'segmentation_id', NEW.segmentation_id, 'reason_code_id', NEW.reason_code_id, 'owner_id', NEW.owner_id, 'lifecycle_template_id', NEW.lifecycle_template_id, 'current_step_id', NEW.current_step_id, 'status', NEW.status, 'stage_changed_at', strftime('%Y-%m-%dT%H:%M:%f', NEW.stage_changed_at), 'deleted_at', strftime('%Y-%m-%dT%H:%M:%f', NEW.deleted_at), 'deleted_by', NEW.deleted_by)
    FROM audit_context x;
END;

CREATE TRIGGER audit_contact_records_update AFTER UPDATE ON contact_records
WHEN (SELECT enabled FROM audit_context) AND json_object('id', OLD.id, 'name', OLD.name, 'full_name', OLD.full_name, 'scoring', OLD.scoring, 'company_id', OLD.company_id, 'segmentation_id', OLD.segmentation_id, 'reason_code_id', OLD.reason_code_id, 'owner_id', OLD.owner_id, 'lifecycle_template_id', OLD.lifecycle_template_id, 'current_step_id', OLD.current_step_id, 'status', OLD.status, 'stage_changed_at', strftime('%Y-%m-%dT%H:%M:%f', OLD.stage_changed_at), 'deleted_at', strftime('%Y-%m-%dT%H:%M:%f', OLD.deleted_at), 'deleted_by', OLD.deleted_by) IS NOT json_object('id', NEW.id, 'name', NEW.name, 'full_name', NEW.full_name, 'scoring', NEW.scoring, 'company_id', NEW.company_id, 'segmentation_id', NEW.segmentation_id, 'reason_code_id', NEW.reason_code_id, 'owner_id', NEW.owner_id, 'lifecycle_template_id', NEW.lifecycle_template_id, 'current_step_id', NEW.current_step_id, 'status', NEW.status, 'stage_changed_at', strftime('%Y-%m-%dT%H:%M:%f', NEW.stage_changed_at), 'deleted_at', strftime('%Y-%m-%dT%H:%M:%f', NEW.deleted_at), 'deleted_by', NEW.deleted_by)
BEGIN
    INSERT INTO audit_entries (entity_type, entity_id, contact_id, company_id, action, actor_id, occurred_at, before, after)
    SELECT 'Contact', NEW.id, NEW.id, NEW.company_id, COALESCE(x.action, CASE WHEN OLD.deleted_at IS NULL AND NEW.deleted_at IS NOT NULL THEN 'DELETE' WHEN OLD.deleted_at IS NOT NULL AND NEW.deleted_at IS NULL THEN 'RESTORE' ELSE 'UPDATE' END), x.actor_id, strftime('%Y-%m-%d %H:%M:%f', 'now'),
        json_object('id', OLD.id, 'name', OLD.name, 'full_name', OLD.full_name, 'scoring', OLD.scoring, 'company_id', OLD.company_id, 'segmentation_id', OLD.segmentation_id, 'reason_code_id', OLD.reason_code_id, 'owner_id', OLD.owner_id, 'lifecycle_template_id', OLD.lifecycle_template_id, 'current_step_id', OLD.current_step_id, 'status', OLD.status, 'stage_changed_at', strftime('%Y-%m-%dT%H:%M:%f', OLD.stage_changed_at), 'deleted_at', strftime('%Y-%m-%dT%H:%M:%f', OLD.deleted_at), 'deleted_by', OLD.deleted_by),
        json_object('id', NEW.id, 'name', NEW.name, 'full_name', NEW.full_name, 'scoring', NEW.scoring, 'company_id', NEW.company_id, 'segmentation_id', NEW.segmentation_id, 'reason_code_id', NEW.reason_code_id, 'owner_id', NEW.owner_id, 'lifecycle_template_id', NEW.lifecycle_template_id, 'current_step_id', NEW.current_step_id, 'status', NEW.status, 'stage_changed_at', strftime('%Y-%m-%dT%H:%M:%f', NEW.stage_changed_at), 'deleted_at', strftime('%Y-%m-%dT%H:%M:%f', NEW.deleted_at), 'deleted_by', NEW.deleted_by)
    FROM audit_context x;
END;

CREATE TRIGGER audit_contact_records_delete AFTER DELETE ON contact_records
WHEN (SELECT enabled FROM audit_context)
BEGIN
    INSERT INTO audit_entries (entity_type, entity_id, contact_id, company_id, action, actor_id, occurred_at, before, after)
    SELECT 'Contact', OLD.id, OLD.id, OLD.company_id, COALESCE(x.action, 'DELETE'), x.actor_id, strftime('%Y-%m-%d %H:%M:%f', 'now'),
        json_object('id', OLD.id, 'name', OLD.name, 'full_name', OLD.full_name, 'scoring', OLD.scoring, 'company_id', OLD.company_id, 'segmentation_id', OLD.segmentation_id, 'reason_code_id', OLD.reason_code_id, 'owner_id', OLD.owner_id, 'lifecycle_template_id', OLD.lifecycle_template_id, 'current_step_id', OLD.current_step_id, 'status', OLD.status, 'stage_changed_at', strftime('%Y-%m-%dT%H:%M:%f', OLD.stage_changed_at), 'deleted_at', strftime('%Y-%m-%dT%H:%M:%f', OLD.deleted_at), 'deleted_by', OLD.deleted_by),
        NULL
    FROM audit_context x;
END;

CREATE TRIGGER audit_contact_emails_insert AFTER INSERT ON contact_emails
WHEN (SELECT enabled FROM audit_context) AND EXISTS (SELECT 1 FROM contact_records c WHERE c.id = NEW.contact_id)
BEGIN
    INSERT INTO audit_entries (entity_type, entity_id, contact_id, company_id, action, actor_id, occurred_at, before, after)
    SELECT 'ContactEmail', NEW.id, NEW.contact_id, (SELECT c.company_id FROM contact_records c WHERE c.id = NEW.contact_id), COALESCE(x.action, 'CREATE'), x.actor_id, strftime('%Y-%m-%d %H:%M:%f', 'now'),
        NULL,
        json_object('id', NEW.id, 'contact_id', NEW.contact_id, 'email', NEW.email, 'type_id', NEW.type_id, 'is_primary', json(CASE WHEN NEW.is_primary IS NULL THEN 'null' WHEN NEW.is_primary THEN 'true' ELSE 'false' END))
    FROM audit_context x;
END;

CREATE TRIGGER audit_contact_emails_update AFTER UPDATE ON contact_emails
WHEN (SELECT enabled FROM audit_context) AND json_object('id', OLD.id, 'contact_id', OLD.contact_id, 'email', OLD.email, 'type_id', OLD.type_id, 'is_primary', json(CASE WHEN OLD.is_primary IS NULL THEN 'null' WHEN OLD.is_primary THEN 'true' ELSE 'false' END)) IS NOT json_object('id', NEW.id, 'contact_id', NEW.contact_id, 'email', NEW.email, 'type_id', NEW.type_id, 'is_primary', json(CASE WHEN NEW.is_primary IS NULL THEN 'null' WHEN NEW.is_primary THEN 'true' ELSE 'false' END)) AND EXISTS (SELECT 1 FROM contact_records c WHERE c.id = NEW.contact_id)
BEGIN
    INSERT INTO audit_entries (entity_type, entity_id, contact_id, company_id, action, actor_id, occurred_at, before, after)
    SELECT 'ContactEmail', NEW.id, NEW.contact_id, (SELECT c.company_id FROM contact_records c WHERE c.id = NEW.contact_id), COALESCE(x.action, 'UPDATE'), x.actor_id, strftime('%Y-%m-%d %H:%M:%f', 'now'),
        json_object('id', OLD.id, 'contact_id', OLD.contact_id, 'email', OLD.email, 'type_id', OLD.type_id, 'is_primary', json(CASE WHEN OLD.is_primary IS NULL THEN 'null' WHEN OLD.is_primary THEN 'true' ELSE 'false' END)),
        json_object('id', NEW.id, 'contact_id', NEW.contact_id, 'email', NEW.email, 'type_id', NEW.type_id, 'is_primary', json(CASE WHEN NEW.is_primary IS NULL THEN 'null' WHEN NEW.is_primary THEN 'true' ELSE 'false' END))
    FROM audit_context x;
END;

CREATE TRIGGER audit_contact_emails_delete AFTER DELETE ON contact_emails
WHEN (SELECT enabled FROM audit_context) AND EXISTS (SELECT 1 FROM contact_records c WHERE c.id = OLD.contact_id)
BEGIN
    INSERT INTO audit_entries (entity_type, entity_id, contact_id, company_id, action, actor_id, occurred_at, before, after)
    SELECT 'ContactEmail', OLD.id, OLD.contact_id, (SELECT c.company_id FROM contact_records c WHERE c.id = OLD.contact_id), COALESCE(x.action, 'DELETE'), x.actor_id, strftime('%Y-%m-%d %H:%M:%f', 'now'),
        json_object('id', OLD.id, 'contact_id', OLD.contact_id, 'email', OLD.email, 'type_id', OLD.type_id, 'is_primary', json(CASE WHEN OLD.is_primary IS NULL THEN 'null' WHEN OLD.is_primary THEN 'true' ELSE 'false' END)),
        NULL
    FROM audit_context x;
END;

CREATE TRIGGER audit_contact_phones_insert AFTER INSERT ON contact_phones
WHEN (SELECT enabled FROM audit_context) AND EXISTS (SELECT 1 FROM contact_records c WHERE c.id = NEW.contact_id)
BEGIN
    INSERT INTO audit_entries (entity_type, entity_id, contact_id, company_id, action, actor_id, occurred_at, before, after)
    SELECT 'ContactPhone', NEW.id, NEW.contact_id, (SELECT c.company_id FROM contact_records c WHERE c.id = NEW.contact_id), COALESCE(x.action, 'CREATE'), x.actor_id, strftime('%Y-%m-%d %H:%M:%f', 'now'),
        NULL,
        json_object('id', NEW.id, 'contact_id', NEW.contact_id, 'number', NEW.number, 'type_id', NEW.type_id, 'is_primary', json(CASE WHEN NEW.is_primary IS NULL THEN 'null' WHEN NEW.is_primary THEN 'true' ELSE 'false' END))
    FROM audit_context x;
END;

CREATE TRIGGER audit_contact_phones_update AFTER UPDATE ON contact_phones
WHEN (SELECT enabled FROM audit_context) AND json_object('id', OLD.id, 'contact_id', OLD.contact_id, 'number', OLD.number, 'type_id', OLD.type_id, 'is_primary', json(CASE WHEN OLD.is_primary IS NULL THEN 'null' WHEN OLD.is_primary THEN 'true' ELSE 'false' END)) IS NOT json_object('id', NEW.id, 'contact_id', NEW.contact_id, 'number', NEW.number, 'type_id', NEW.type_id, 'is_primary', json(CASE WHEN NEW.is_primary IS NULL THEN 'null' WHEN NEW.is_primary THEN 'true' ELSE 'false' END)) AND EXISTS (SELECT 1 FROM contact_records c WHERE c.id = NEW.contact_id)
BEGIN
    INSERT INTO audit_entries (entity_type, entity_id, contact_id, company_id, action, actor_id, occurred_at, before, after)
    SELECT 'ContactPhone', NEW.id, NEW.contact_id, (SELECT c.company_id FROM contact_records c WHERE c.id = NEW.contact_id), COALESCE(x.action, 'UPDATE'), x.actor_id, strftime('%Y-%m-%d %H:%M:%f', 'now'),
        json_object('id', OLD.id, 'contact_id', OLD.contact_id, 'number', OLD.number, 'type_id', OLD.type_id, 'is_primary', json(CASE WHEN OLD.is_primary IS NULL THEN 'null' WHEN OLD.is_primary THEN 'true' ELSE 'false' END)),
        json_object('id', NEW.id, 'contact_id', NEW.contact_id, 'number', NEW.number, 'type_id', NEW.type_id, 'is_primary', json(CASE WHEN NEW.is_primary IS NULL THEN 'null' WHEN NEW.is_primary THEN 'true' ELSE 'false' END))
    FROM audit_context x;
END;

CREATE TRIGGER audit_contact_phones_delete AFTER DELETE ON contact_phones
WHEN (SELECT enabled FROM audit_context) AND EXISTS (SELECT 1 FROM contact_records c WHERE c.id = OLD.contact_id)
BEGIN
    INSERT INTO audit_entries (entity_type, entity_id, contact_id, company_id, action, actor_id, occurred_at, before, after)
    SELECT 'ContactPhone', OLD.id, OLD.contact_id, (SELECT c.company_id FROM contact_records c WHERE c.id = OLD.contact_id), COALESCE(x.action, 'DELETE'), x.actor_id, strftime('%Y-%m-%d %H:%M:%f', 'now'),
        json_object('id', OLD.id, 'contact_id', OLD.contact_id, 'number', OLD.number, 'type_id', OLD.type_id, 'is_primary', json(CASE WHEN OLD.is_primary IS NULL THEN 'null' WHEN OLD.is_primary THEN 'true' ELSE 'false' END)),
        NULL
    FROM audit_context x;
END;

CREATE TRIGGER audit_contact_addresses_insert AFTER INSERT ON contact_addresses
WHEN (SELECT enabled FROM audit_context) AND EXISTS (SELECT 1 FROM contact_records c WHERE c.id = NEW.contact_id)
BEGIN
    INSERT INTO audit_entries (entity_type, entity_id, contact_id, company_id, action, actor_id, occurred_at, before, after)
    SELECT 'ContactAddress', NEW.id, NEW.contact_id, (SELECT c.company_id FROM contact_records c WHERE c.id = NEW.contact_id), COALESCE(x.action, 'CREATE'), x.actor_id, strftime('%Y-%m-%d %H:%M:%f', 'now'),
        NULL,
        json_object('id', NEW.id, 'contact_id', NEW.contact_id, 'address', NEW.address, 'country', NEW.country, 'state', NEW.state, 'city', NEW.city, 'zip_code', NEW.zip_code, 'locality', NEW.locality, 'type_id', NEW.type_id, 'is_primary', json(CASE WHEN NEW.is_primary IS NULL THEN 'null' WHEN NEW.is_primary THEN 'true' ELSE 'false' END))
    FROM audit_context x;
END;

CREATE TRIGGER audit_contact_addresses_update AFTER UPDATE ON contact_addresses
WHEN (SELECT enabled FROM audit_context) AND json_object('id', OLD.id, 'contact_id', OLD.contact_id, 'address', OLD.address, 'country', OLD.country, 'state', OLD.state, 'city', OLD.city, 'zip_code', OLD.zip_code, 'locality', OLD.locality, 'type_id', OLD.type_id, 'is_primary', json(CASE WHEN OLD.is_primary IS NULL THEN 'null' WHEN OLD.is_primary THEN 'true' ELSE 'false' END)) IS NOT json_object('id', NEW.id, 'contact_id', NEW.contact_id, 'address', NEW.address, 'country', NEW.country, 'state', NEW.state, 'city', NEW.city, 'zip_code', NEW.zip_code, 'locality', NEW.locality, 'type_id', NEW.type_id, 'is_primary', json(CASE WHEN NEW.is_primary IS NULL THEN 'null' WHEN NEW.is_primary THEN 'true' ELSE 'false' END)) AND EXISTS (SELECT 1 FROM contact_records c WHERE c.id = NEW.contact_id)
BEGIN
    INSERT INTO audit_entries (entity_type, entity_id, contact_id, company_id, action, actor_id, occurred_at, before, after)
    SELECT 'ContactAddress', NEW.id, NEW.contact_id, (SELECT c.company_id FROM contact_records c WHERE c.id = NEW.contact_id), COALESCE(x.action, 'UPDATE'), x.actor_id, strftime('%Y-%m-%d %H:%M:%f', 'now'),
        json_object('id', OLD.id, 'contact_id', OLD.contact_id, 'address', OLD.address, 'country', OLD.country, 'state', OLD.state, 'city', OLD.city, 'zip_code', OLD.zip_code, 'locality', OLD.locality, 'type_id', OLD.type_id, 'is_primary', json(CASE WHEN OLD.is_primary IS NULL THEN 'null' WHEN OLD.is_primary THEN 'true' ELSE 'false' END)),
        json_object('id', NEW.id, 'contact_id', NEW.contact_id, 'address', NEW.address, 'country', NEW.country, 'state', NEW.state, 'city', NEW.city, 'zip_code', NEW.zip_code, 'locality', NEW.locality, 'type_id', NEW.type_id, 'is_primary', json(CASE WHEN NEW.is_primary IS NULL THEN 'null' WHEN NEW.is_primary THEN 'true' ELSE 'false' END))
    FROM audit_context x;
END;

CREATE TRIGGER audit_contact_addresses_delete AFTER DELETE ON contact_addresses
WHEN (SELECT enabled FROM audit_context) AND EXISTS (SELECT 1 FROM contact_records c WHERE c.id = OLD.contact_id)
BEGIN
    INSERT INTO audit_entries (entity_type, entity_id, contact_id, company_id, action, actor_id, occurred_at, before, after)
    SELECT 'ContactAddress', OLD.id, OLD.contact_id, (SELECT c.company_id FROM contact_records c WHERE c.id = OLD.contact_id), COALESCE(x.action, 'DELETE'), x.actor_id, strftime('%Y-%m-%d %H:%M:%f', 'now'),
        json_object('id', OLD.id, 'contact_id', OLD.contact_id, 'address', OLD.address, 'country', OLD.country, 'state', OLD.state, 'city', OLD.city, 'zip_code', OLD.zip_code, 'locality', OLD.locality, 'type_id', OLD.type_id, 'is_primary', json(CASE WHEN OLD.is_primary IS NULL THEN 'null' WHEN OLD.is_primary THEN 'true' ELSE 'false' END)),
        NULL
    FROM audit_context x;
END;

CREATE TRIGGER audit_contact_bank_accounts_insert AFTER INSERT ON contact_bank_accounts
WHEN (SELECT enabled FROM audit_context) AND EXISTS (SELECT 1 FROM contact_records c WHERE c.id = NEW.contact_id)
BEGIN
    INSERT INTO audit_entries (entity_type, entity_id, contact_id, company_id, action, actor_id, occurred_at, before, after)
    SELECT 'ContactBankAccount', NEW.id, NEW.contact_id, (SELECT c.company_id FROM contact_records c WHERE c.id = NEW.contact_id), COALESCE(x.action, 'CREATE'), x.actor_id, strftime('%Y-%m-%d %H:%M:%f', 'now'),
        NULL,
        json_object('id', NEW.id, 'contact_id', NEW.contact_id, 'name', NEW.name, 'iban', NEW.iban, 'swift', NEW.swift)
    FROM audit_context x;
END;

CREATE TRIGGER audit_contact_bank_accounts_update AFTER UPDATE ON contact_bank_accounts
WHEN (SELECT enabled FROM audit_context) AND json_object('id', OLD.id, 'contact_id', OLD.contact_id, 'name', OLD.name, 'iban', OLD.iban, 'swift', OLD.swift) IS NOT json_object('id', NEW.id, 'contact_id', NEW.contact_id, 'name', NEW.name, 'iban', NEW.iban, 'swift', NEW.swift) AND EXISTS (SELECT 1 FROM contact_records c WHERE c.id = NEW.contact_id)
BEGIN
    INSERT INTO audit_entries (entity_type, entity_id, contact_id, company_id, action, actor_id, occurred_at, before, after)
    SELECT 'ContactBankAccount', NEW.id, NEW.contact_id, (SELECT c.company_id FROM contact_records c WHERE c.id = NEW.contact_id), COALESCE(x.action, 'UPDATE'), x.actor_id, strftime('%Y-%m-%d %H:%M:%f', 'now'),
        json_object('id', OLD.id, 'contact_id', OLD.contact_id, 'name', OLD.name, 'iban', OLD.iban, 'swift', OLD.swift),
        json_object('id', NEW.id, 'contact_id', NEW.contact_id, 'name', NEW.name, 'iban', NEW.iban, 'swift', NEW.swift)
    FROM audit_context x;
END;

CREATE TRIGGER audit_contact_bank_accounts_delete AFTER DELETE ON contact_bank_accounts
WHEN (SELECT enabled FROM audit_context) AND EXISTS (SELECT 1 FROM contact_records c WHERE c.id = OLD.contact_id)
BEGIN
    INSERT INTO audit_entries (entity_type, entity_id, contact_id, company_id, action, actor_id, occurred_at, before, after)
    SELECT 'ContactBankAccount', OLD.id, OLD.contact_id, (SELECT c.company_id FROM contact_records c WHERE c.id = OLD.contact_id), COALESCE(x.action, 'DELETE'), x.actor_id, strftime('%Y-%m-%d %H:%M:%f', 'now'),
        json_object('id', OLD.id, 'contact_id', OLD.contact_id, 'name', OLD.name, 'iban', OLD.iban, 'swift', OLD.swift),
        NULL
    FROM audit_context x;
END;

CREATE TRIGGER audit_contact_accounts_insert AFTER INSERT ON contact_accounts
WHEN (SELECT enabled FROM audit_context) AND EXISTS (SELECT 1 FROM contact_records c WHERE c.id = NEW.contact_id)
BEGIN
    INSERT INTO audit_entries (entity_type, entity_id, contact_id, company_id, action, actor_id, occurred_at, before, after)
    SELECT 'ContactAccount', NEW.account_id, NEW.contact_id, (SELECT c.company_id FROM contact_records c WHERE c.id = NEW.contact_id), COALESCE(x.action, 'CREATE'), x.actor_id, strftime('%Y-%m-%d %H:%M:%f', 'now'),
        NULL,
        json_object('contact_id', NEW.contact_id, 'account_id', NEW.account_id)
    FROM audit_context x;
END;

CREATE TRIGGER audit_contact_accounts_update AFTER UPDATE ON contact_accounts
WHEN (SELECT enabled FROM audit_context) AND json_object('contact_id', OLD.contact_id, 'account_id', OLD.account_id) IS NOT json_object('contact_id', NEW.contact_id, 'account_id', NEW.account_id) AND EXISTS (SELECT 1 FROM contact_records c WHERE c.id = NEW.contact_id)
BEGIN
    INSERT INTO audit_entries (entity_type, entity_id, contact_id, company_id, action, actor_id, occurred_at, before, after)
    SELECT 'ContactAccount', NEW.account_id, NEW.contact_id, (SELECT c.company_id FROM contact_records c WHERE c.id = NEW.contact_id), COALESCE(x.action, 'UPDATE'), x.actor_id, strftime('%Y-%m-%d %H:%M:%f', 'now'),
        json_object('contact_id', OLD.contact_id, 'account_id', OLD.account_id),
        json_object('contact_id', NEW.contact_id, 'account_id', NEW.account_id)
    FROM audit_context x;
END;

CREATE TRIGGER audit_contact_accounts_delete AFTER DELETE ON contact_accounts
WHEN (SELECT enabled FROM audit_context) AND EXISTS (SELECT 1 FROM contact_records c WHERE c.id = OLD.contact_id)
BEGIN
    INSERT INTO audit_entries (entity_type, entity_id, contact_id, company_id, action, actor_id, occurred_at, before, after)
    SELECT 'ContactAccount', OLD.account_id, OLD.contact_id, (SELECT c.company_id FROM contact_records c WHERE c.id = OLD.contact_id), COALESCE(x.action, 'DELETE'), x.actor_id, strftime('%Y-%m-%d %H:%M:%f', 'now'),
        json_object('contact_id', OLD.contact_id, 'account_id', OLD.account_id),
        NULL
    FROM audit_context x;
END;

CREATE TRIGGER audit_contact_documents_insert AFTER INSERT ON contact_documents
WHEN (SELECT enabled FROM audit_context) AND EXISTS (SELECT 1 FROM contact_records c WHERE c.id = NEW.contact_id)
BEGIN
    INSERT INTO audit_entries (entity_type, entity_id, contact_id, company_id, action, actor_id, occurred_at, before, after)
    SELECT 'Document', NEW.id, NEW.contact_id, (SELECT c.company_id FROM contact_records c WHERE c.id = NEW.contact_id), COALESCE(x.action, 'CREATE'), x.actor_id, strftime('%Y-%m-%d %H:%M:%f', 'now'),
        NULL,
        json_object('id', NEW.id, 'contact_id', NEW.contact_id, 'file_name', NEW.file_name, 'content_type', NEW.content_type, 'size_bytes', NEW.size_bytes, 'sha256', NEW.sha256, 'storage_key', NEW.storage_key, 'uploaded_by', NEW.uploaded_by, 'uploaded_at', strftime('%Y-%m-%dT%H:%M:%f', NEW.uploaded_at))
    FROM audit_context x;
END;

CREATE TRIGGER audit_contact_documents_update AFTER UPDATE ON contact_documents
WHEN (SELECT enabled FROM audit_context) AND json_object('id', OLD.id, 'contact_id', OLD.contact_id, 'file_name', OLD.file_name, 'content_type', OLD.content_type, 'size_bytes', OLD.size_bytes, 'sha256', OLD.sha256, 'storage_key', OLD.storage_key, 'uploaded_by', OLD.uploaded_by, 'uploaded_at', strftime('%Y-%m-%dT%H:%M:%f', OLD.uploaded_at)) IS NOT json_object('id', NEW.id, 'contact_id', NEW.contact_id, 'file_name', NEW.file_name, 'content_type', NEW.content_type, 'size_bytes', NEW.size_bytes, 'sha256', NEW.sha256, 'storage_key', NEW.storage_key, 'uploaded_by', NEW.uploaded_by, 'uploaded_at', strftime('%Y-%m-%dT%H:%M:%f', NEW.uploaded_at)) AND EXISTS (SELECT 1 FROM contact_records c WHERE c.id = NEW.contact_id)
BEGIN
    INSERT INTO audit_entries (entity_type, entity_id, contact_id, company_id, action, actor_id, occurred_at, before, after)
    SELECT 'Document', NEW.id, NEW.contact_id, (SELECT c.company_id FROM contact_records c WHERE c.id = NEW.contact_id), COALESCE(x.action, 'UPDATE'), x.actor_id, strftime('%Y-%m-%d %H:%M:%f', 'now'),
        json_object('id', OLD.id, 'contact_id', OLD.contact_id, 'file_name', OLD.file_name, 'content_type', OLD.content_type, 'size_bytes', OLD.size_bytes, 'sha256', OLD.sha256, 'storage_key', OLD.storage_key, 'uploaded_by', OLD.uploaded_by, 'uploaded_at', strftime('%Y-%m-%dT%H:%M:%f', OLD.uploaded_at)),
        json_object('id', NEW.id, 'contact_id', NEW.contact_id, 'file_name', NEW.file_name, 'content_type', NEW.content_type, 'size_bytes', NEW.size_bytes, 'sha256', NEW.sha256, 'storage_key', NEW.storage_key, 'uploaded_by', NEW.uploaded_by, 'uploaded_at', strftime('%Y-%m-%dT%H:%M:%f', NEW.uploaded_at))
    FROM audit_context x;
END;

CREATE TRIGGER audit_contact_documents_delete AFTER DELETE ON contact_documents
WHEN (SELECT enabled FROM audit_context) AND EXISTS (SELECT 1 FROM contact_records c WHERE c.id = OLD.contact_id)
BEGIN
    INSERT INTO audit_entries (entity_type, entity_id, contact_id, company_id, action, actor_id, occurred_at, before, after)
    SELECT 'Document', OLD.id, OLD.contact_id, (SELECT c.company_id FROM contact_records c WHERE c.id = OLD.contact_id), COALESCE(x.action, 'DELETE'), x.actor_id, strftime('%Y-%m-%d %H:%M:%f', 'now'),
        json_object('id', OLD.id, 'contact_id', OLD.contact_id, 'file_name', OLD.file_name, 'content_type', OLD.content_type, 'size_bytes', OLD.size_bytes, 'sha256', OLD.sha256, 'storage_key', OLD.storage_key, 'uploaded_by', OLD.uploaded_by, 'uploaded_at', strftime('%Y-%m-%dT%H:%M:%f', OLD.uploaded_at)),
        NULL
    FROM audit_context x;
END;

CREATE TRIGGER audit_stage_transitions_insert AFTER INSERT ON stage_transitions
WHEN (SELECT enabled FROM audit_context) AND EXISTS (SELECT 1 FROM contact_records c WHERE c.id = NEW.contact_id)
BEGIN
    INSERT INTO audit_entries (entity_type, entity_id, contact_id, company_id, action, actor_id, occurred_at, before, after)
    SELECT 'StageTransition', NEW.id, NEW.contact_id, (SELECT c.company_id FROM contact_records c WHERE c.id = NEW.contact_id), COALESCE(x.action, 'CREATE'), x.actor_id, strftime('%Y-%m-%d %H:%M:%f', 'now'),
        NULL,
        json_object('id', NEW.id, 'contact_id', NEW.contact_id, 'from_step_id', NEW.from_step_id, 'to_step_id', NEW.to_step_id, 'reason_code_id', NEW.reason_code_id, 'note', NEW.note, 'actor_id', NEW.actor_id, 'occurred_at', strftime('%Y-%m-%dT%H:%M:%f', NEW.occurred_at))
    FROM audit_context x;
END;

CREATE TRIGGER audit_stage_transitions_update AFTER UPDATE ON stage_transitions
WHEN (SELECT enabled FROM audit_context) AND json_object('id', OLD.id, 'contact_id', OLD.contact_id, 'from_step_id', OLD.from_step_id, 'to_step_id', OLD.to_step_id, 'reason_code_id', OLD.reason_code_id, 'note', OLD.note, 'actor_id', OLD.actor_id, 'occurred_at', strftime('%Y-%m-%dT%H:%M:%f', OLD.occurred_at)) IS NOT json_object('id', NEW.id, 'contact_id', NEW.contact_id, 'from_step_id', NEW.from_step_id, 'to_step_id', NEW.to_step_id, 'reason_code_id', NEW.reason_code_id, 'note', NEW.note, 'actor_id', NEW.actor_id, 'occurred_at', strftime('%Y-%m-%dT%H:%M:%f', NEW.occurred_at)) AND EXISTS (SELECT 1 FROM contact_records c WHERE c.id = NEW.contact_id)
BEGIN
    INSERT INTO audit_entries (entity_type, entity_id, contact_id, company_id, action, actor_id, occurred_at, before, after)
    SELECT 'StageTransition', NEW.id, NEW.contact_id, (SELECT c.company_id FROM contact_records c WHERE c.id = NEW.contact_id), COALESCE(x.action, 'UPDATE'), x.actor_id, strftime('%Y-%m-%d %H:%M:%f', 'now'),
        json_object('id', OLD.id, 'contact_id', OLD.contact_id, 'from_step_id', OLD.from_step_id, 'to_step_id', OLD.to_step_id, 'reason_code_id', OLD.reason_code_id, 'note', OLD.note, 'actor_id', OLD.actor_id, 'occurred_at', strftime('%Y-%m-%dT%H:%M:%f', OLD.occurred_at)),
        json_object('id', NEW.id, 'contact_id', NEW.contact_id, 'from_step_id', NEW.from_step_id, 'to_step_id', NEW.to_step_id, 'reason_code_id', NEW.reason_code_id, 'note', NEW.note, 'actor_id', NEW.actor_id, 'occurred_at', strftime('%Y-%m-%dT%H:%M:%f', NEW.occurred_at))
    FROM audit_context x;
END;

CREATE TRIGGER audit_stage_transitions_delete AFTER DELETE ON stage_transitions
WHEN (SELECT enabled FROM audit_context) AND EXISTS (SELECT 1 FROM contact_records c WHERE c.id = OLD.contact_id)
BEGIN
    INSERT INTO audit_entries (entity_type, entity_id, contact_id, company_id, action, actor_id, occurred_at, before, after)
    SELECT 'StageTransition', OLD.id, OLD.contact_id, (SELECT c.company_id FROM contact_records c WHERE c.id = OLD.contact_id), COALESCE(x.action, 'DELETE'), x.actor_id, strftime('%Y-%m-%d %H:%M:%f', 'now'),
        json_object('id', OLD.id, 'contact_id', OLD.contact_id, 'from_step_id', OLD.from_step_id, 'to_step_id', OLD.to_step_id, 'reason_code_id', OLD.reason_code_id, 'note', OLD.note, 'actor_id', OLD.actor_id, 'occurred_at', strftime('%Y-%m-%dT%H:%M:%f', OLD.occurred_at)),
        NULL
    FROM audit_context x;
END;

CREATE TRIGGER audit_companies_insert AFTER INSERT ON companies
WHEN (SELECT enabled FROM audit_context)
BEGIN
    INSERT INTO audit_entries (entity_type, entity_id, contact_id, company_id, action, actor_id, occurred_at, before, after)
    SELECT 'Company', NEW.id, NULL, NEW.id, COALESCE(x.action, 'CREATE'), x.actor_id, strftime('%Y-%m-%d %H:%M:%f', 'now'),
        NULL,
        json_object('id', NEW.id, 'name', NEW.name, 'code', NEW.code)
    FROM audit_context x;
END;

CREATE TRIGGER audit_companies_update AFTER UPDATE ON companies
WHEN (SELECT enabled FROM audit_context) AND json_object('id', OLD.id, 'name', OLD.name, 'code', OLD.code) IS NOT json_object('id', NEW.id, 'name', NEW.name, 'code', NEW.code)
BEGIN
    INSERT INTO audit_entries (entity_type, entity_id, contact_id, company_id, action, actor_id, occurred_at, before, after)
    SELECT 'Company', NEW.id, NULL, NEW.id, COALESCE(x.action, 'UPDATE'), x.actor_id, strftime('%Y-%m-%d %H:%M:%f', 'now'),
        json_object('id', OLD.id, 'name', OLD.name, 'code', OLD.code),
        json_object('id', NEW.id, 'name', NEW.name, 'code', NEW.code)
    FROM audit_context x;
END;

CREATE TRIGGER audit_companies_delete AFTER DELETE ON companies
WHEN (SELECT enabled FROM audit_context)
BEGIN
    INSERT INTO audit_entries (entity_type, entity_id, contact_id, company_id, action, actor_id, occurred_at, before, after)
    SELECT 'Company', OLD.id, NULL, OLD.id, COALESCE(x.action, 'DELETE'), x.actor_id, strftime('%Y-%m-%d %H:%M:%f', 'now'),
        json_object('id', OLD.id, 'name', OLD.name, 'code', OLD.code),
        NULL
    FROM audit_context x;
END;

CREATE TRIGGER audit_users_insert AFTER INSERT ON users
WHEN (SELECT enabled FROM audit_context)
BEGIN
    INSERT INTO audit_entries (entity_type, entity_id, contact_id, company_id, action, actor_id, occurred_at, before, after)
    SELECT 'User', NEW.id, NULL, NEW.company_id, COALESCE(x.action, 'CREATE'), x.actor_id, strftime('%Y-%m-%d %H:%M:%f', 'now'),
        NULL,
        json_object('id', NEW.id, 'name', NEW.name, 'email', NEW.email, 'role', NEW.role, 'company_id', NEW.company_id, 'active', json(CASE WHEN NEW.active IS NULL THEN 'null' WHEN NEW.active THEN 'true' ELSE 'false' END))
    FROM audit_context x;
END;

CREATE TRIGGER audit_users_update AFTER UPDATE ON users
WHEN (SELECT enabled FROM audit_context) AND json_object('id', OLD.id, 'name', OLD.name, 'email', OLD.email, 'role', OLD.role, 'company_id', OLD.company_id, 'active', json(CASE WHEN OLD.active IS NULL THEN 'null' WHEN OLD.active THEN 'true' ELSE 'false' END)) IS NOT json_object('id', NEW.id, 'name', NEW.name, 'email', NEW.email, 'role', NEW.role, 'company_id', NEW.company_id, 'active', json(CASE WHEN NEW.active IS NULL THEN 'null' WHEN NEW.active THEN 'true' ELSE 'false' END))
BEGIN
    INSERT INTO audit_entries (entity_type, entity_id, contact_id, company_id, action, actor_id, occurred_at, before, after)
    SELECT 'User', NEW.id, NULL, NEW.company_id, COALESCE(x.action, 'UPDATE'), x.actor_id, strftime('%Y-%m-%d %H:%M:%f', 'now'),
        json_object('id', OLD.id, 'name', OLD.name, 'email', OLD.email, 'role', OLD.role, 'company_id', OLD.company_id, 'active', json(CASE WHEN OLD.active IS NULL THEN 'null' WHEN OLD.active THEN 'true' ELSE 'false' END)),
        json_object('id', NEW.id, 'name', NEW.name, 'email', NEW.email, 'role', NEW.role, 'company_id', NEW.company_id, 'active', json(CASE WHEN NEW.active IS NULL THEN 'null' WHEN NEW.active THEN 'true' ELSE 'false' END))
    FROM audit_context x;
END;

CREATE TRIGGER audit_users_delete AFTER DELETE ON users
WHEN (SELECT enabled FROM audit_context)
BEGIN
    INSERT INTO audit_entries (entity_type, entity_id, contact_id, company_id, action, actor_id, occurred_at, before, after)
    SELECT 'User', OLD.id, NULL, OLD.company_id, COALESCE(x.action, 'DELETE'), x.actor_id, strftime('%Y-%m-%d %H:%M:%f', 'now'),
        json_object('id', OLD.id, 'name', OLD.name, 'email', OLD.email, 'role', OLD.role, 'company_id', OLD.company_id, 'active', json(CASE WHEN OLD.active IS NULL THEN 'null' WHEN OLD.active THEN 'true' ELSE 'false' END)),
        NULL
    FROM audit_context x;
END;

CREATE TRIGGER audit_segmentations_insert AFTER INSERT ON segmentations
WHEN (SELECT enabled FROM audit_context)
BEGIN
    INSERT INTO audit_entries (entity_type, entity_id, contact_id, company_id, action, actor_id, occurred_at, before, after)
    SELECT 'Segmentation', NEW.id, NULL, NEW.company_id, COALESCE(x.action, 'CREATE'), x.actor_id, strftime('%Y-%m-%d %H:%M:%f', 'now'),
        NULL,
        json_object('id', NEW.id, 'name', NEW.name, 'company_id', NEW.company_id)
    FROM audit_context x;
END;

CREATE TRIGGER audit_segmentations_update AFTER UPDATE ON segmentations
WHEN (SELECT enabled FROM audit_context) AND json_object('id', OLD.id, 'name', OLD.name, 'company_id', OLD.company_id) IS NOT json_object('id', NEW.id, 'name', NEW.name, 'company_id', NEW.company_id)
BEGIN
    INSERT INTO audit_entries (entity_type, entity_id, contact_id, company_id, action, actor_id, occurred_at, before, after)
    SELECT 'Segmentation', NEW.id, NULL, NEW.company_id, COALESCE(x.action, 'UPDATE'), x.actor_id, strftime('%Y-%m-%d %H:%M:%f', 'now'),
        json_object('id', OLD.id, 'name', OLD.name, 'company_id', OLD.company_id),
        json_object('id', NEW.id, 'name', NEW.name, 'company_id', NEW.company_id)
    FROM audit_context x;
END;

CREATE TRIGGER audit_segmentations_delete AFTER DELETE ON segmentations
WHEN (SELECT enabled FROM audit_context)
BEGIN
    INSERT INTO audit_entries (entity_type, entity_id, contact_id, company_id, action, actor_id, occurred_at, before, after)
    SELECT 'Segmentation', OLD.id, NULL, OLD.company_id, COALESCE(x.action, 'DELETE'), x.actor_id, strftime('%Y-%m-%d %H:%M:%f', 'now'),
        json_object('id', OLD.id, 'name', OLD.name, 'company_id', OLD.company_id),
        NULL
    FROM audit_context x;
END;

CREATE TRIGGER audit_reason_codes_insert AFTER INSERT ON reason_codes
WHEN (SELECT enabled FROM audit_context)
BEGIN
    INSERT INTO audit_entries (entity_type, entity_id, contact_id, company_id, action, actor_id, occurred_at, before, after)
    SELECT 'ReasonCode', NEW.id, NULL, NEW.company_id, COALESCE(x.action, 'CREATE'), x.actor_id, strftime('%Y-%m-%d %H:%M:%f', 'now'),
        NULL,
        json_object('id', NEW.id, 'code', NEW.code, 'description', NEW.description, 'outcome', NEW.outcome, 'company_id', NEW.company_id, 'archived', json(CASE WHEN NEW.archived IS NULL THEN 'null' WHEN NEW.archived THEN 'true' ELSE 'false' END))
    FROM audit_context x;
END;

CREATE TRIGGER audit_reason_codes_update AFTER UPDATE ON reason_codes
WHEN (SELECT enabled FROM audit_context) AND json_object('id', OLD.id, 'code', OLD.code, 'description', OLD.description, 'outcome', OLD.outcome, 'company_id', OLD.company_id, 'archived', json(CASE WHEN OLD.archived IS NULL THEN 'null' WHEN OLD.archived THEN 'true' ELSE 'false' END)) IS NOT json_object('id', NEW.id, 'code', NEW.code, 'description', NEW.description, 'outcome', NEW.outcome, 'company_id', NEW.company_id, 'archived', json(CASE WHEN NEW.archived IS NULL THEN 'null' WHEN NEW.archived THEN 'true' ELSE 'false' END))
BEGIN
    INSERT INTO audit_entries (entity_type, entity_id, contact_id, company_id, action, actor_id, occurred_at, before, after)
    SELECT 'ReasonCode', NEW.id, NULL, NEW.company_id, COALESCE(x.action, 'UPDATE'), x.actor_id, strftime('%Y-%m-%d %H:%M:%f', 'now'),
        json_object('id', OLD.id, 'code', OLD.code, 'description', OLD.description, 'outcome', OLD.outcome, 'company_id', OLD.company_id, 'archived', json(CASE WHEN OLD.archived IS NULL THEN 'null' WHEN OLD.archived THEN 'true' ELSE 'false' END)),
        json_object('id', NEW.id, 'code', NEW.code, 'description', NEW.description, 'outcome', NEW.outcome, 'company_id', NEW.company_id, 'archived', json(CASE WHEN NEW.archived IS NULL THEN 'null' WHEN NEW.archived THEN 'true' ELSE 'false' END))
    FROM audit_context x;
END;

CREATE TRIGGER audit_reason_codes_delete AFTER DELETE ON reason_codes
WHEN (SELECT enabled FROM audit_context)
BEGIN
    INSERT INTO audit_entries (entity_type, entity_id, contact_id, company_id, action, actor_id, occurred_at, before, after)
    SELECT 'ReasonCode', OLD.id, NULL, OLD.company_id, COALESCE(x.action, 'DELETE'), x.actor_id, strftime('%Y-%m-%d %H:%M:%f', 'now'),
        json_object('id', OLD.id, 'code', OLD.code, 'description', OLD.description, 'outcome', OLD.outcome, 'company_id', OLD.company_id, 'archived', json(CASE WHEN OLD.archived IS NULL THEN 'null' WHEN OLD.archived THEN 'true' ELSE 'false' END)),
        NULL
    FROM audit_context x;
END;

CREATE TRIGGER audit_detail_types_insert AFTER INSERT ON detail_types
WHEN (SELECT enabled FROM audit_context)
BEGIN
    INSERT INTO audit_entries (entity_type, entity_id, contact_id, company_id, action, actor_id, occurred_at, before, after)
    SELECT 'DetailType', NEW.id, NULL, NEW.company_id, COALESCE(x.action, 'CREATE'), x.actor_id, strftime('%Y-%m-%d %H:%M:%f', 'now'),
        NULL,
        json_object('id', NEW.id, 'kind', NEW.kind, 'name', NEW.name, 'company_id', NEW.company_id)
    FROM audit_context x;
END;

CREATE TRIGGER audit_detail_types_update AFTER UPDATE ON detail_types
WHEN (SELECT enabled FROM audit_context) AND json_object('id', OLD.id, 'kind', OLD.kind, 'name', OLD.name, 'company_id', OLD.company_id) IS NOT json_object('id', NEW.id, 'kind', NEW.kind, 'name', NEW.name, 'company_id', NEW.company_id)
BEGIN
    INSERT INTO audit_entries (entity_type, entity_id, contact_id, company_id, action, actor_id, occurred_at, before, after)
    SELECT 'DetailType', NEW.id, NULL, NEW.company_id, COALESCE(x.action, 'UPDATE'), x.actor_id, strftime('%Y-%m-%d %H:%M:%f', 'now'),
        json_object('id', OLD.id, 'kind', OLD.kind, 'name', OLD.name, 'company_id', OLD.company_id),
        json_object('id', NEW.id, 'kind', NEW.kind, 'name', NEW.name, 'company_id', NEW.company_id)
    FROM audit_context x;
END;

CREATE TRIGGER audit_detail_types_delete AFTER DELETE ON detail_types
WHEN (SELECT enabled FROM audit_context)
BEGIN
    INSERT INTO audit_entries (entity_type, entity_id, contact_id, company_id, action, actor_id, occurred_at, before, after)
    SELECT 'DetailType', OLD.id, NULL, OLD.company_id, COALESCE(x.action, 'DELETE'), x.actor_id, strftime('%Y-%m-%d %H:%M:%f', 'now'),
        json_object('id', OLD.id, 'kind', OLD.kind, 'name', OLD.name, 'company_id', OLD.company_id),
        NULL
    FROM audit_context x;
END;

CREATE TRIGGER audit_accounts_insert AFTER INSERT ON accounts
WHEN (SELECT enabled FROM audit_context)
BEGIN
    INSERT INTO audit_entries (entity_type, entity_id, contact_id, company_id, action, actor_id, occurred_at, before, after)
    SELECT 'Account', NEW.id, NULL, NEW.company_id, COALESCE(x.action, 'CREATE'), x.actor_id, strftime('%Y-%m-%d %H:%M:%f', 'now'),
        NULL,
        json_object('id', NEW.id, 'name', NEW.name, 'company_id', NEW.company_id)
    FROM audit_context x;
END;

CREATE TRIGGER audit_accounts_update AFTER UPDATE ON accounts
WHEN (SELECT enabled FROM audit_context) AND json_object('id', OLD.id, 'name', OLD.name, 'company_id', OLD.company_id) IS NOT json_object('id', NEW.id, 'name', NEW.name, 'company_id', NEW.company_id)
BEGIN
    INSERT INTO audit_entries (entity_type, entity_id, contact_id, company_id, action, actor_id, occurred_at, before, after)
    SELECT 'Account', NEW.id, NULL, NEW.company_id, COALESCE(x.action, 'UPDATE'), x.actor_id, strftime('%Y-%m-%d %H:%M:%f', 'now'),
        json_object('id', OLD.id, 'name', OLD.name, 'company_id', OLD.company_id),
        json_object('id', NEW.id, 'name', NEW.name, 'company_id', NEW.company_id)
    FROM audit_context x;
END;

CREATE TRIGGER audit_accounts_delete AFTER DELETE ON accounts
WHEN (SELECT enabled FROM audit_context)
BEGIN
    INSERT INTO audit_entries (entity_type, entity_id, contact_id, company_id, action, actor_id, occurred_at, before, after)
    SELECT 'Account', OLD.id, NULL, OLD.company_id, COALESCE(x.action, 'DELETE'), x.actor_id, strftime('%Y-%m-%d %H:%M:%f', 'now'),
        json_object('id', OLD.id, 'name', OLD.name, 'company_id', OLD.company_id),
        NULL
    FROM audit_context x;
END;

CREATE TRIGGER audit_lifecycle_templates_insert AFTER INSERT ON lifecycle_templates
WHEN (SELECT enabled FROM audit_context)
BEGIN
    INSERT INTO audit_entries (entity_type, entity_id, contact_id, company_id, action, actor_id, occurred_at, before, after)
    SELECT 'LifecycleTemplate', NEW.id, NULL, NEW.company_id, COALESCE(x.action, 'CREATE'), x.actor_id, strftime('%Y-%m-%d %H:%M:%f', 'now'),
        NULL,
        json_object('id', NEW.id, 'name', NEW.name, 'description', NEW.description, 'company_id', NEW.company_id, 'is_default', json(CASE WHEN NEW.is_default IS NULL THEN 'null' WHEN NEW.is_default THEN 'true' ELSE 'false' END))
    FROM audit_context x;
END;

CREATE TRIGGER audit_lifecycle_templates_update AFTER UPDATE ON lifecycle_templates
WHEN (SELECT enabled FROM audit_context) AND json_object('id', OLD.id, 'name', OLD.name, 'description', OLD.description, 'company_id', OLD.company_id, 'is_default', json(CASE WHEN OLD.is_default IS NULL THEN 'null' WHEN OLD.is_default THEN 'true' ELSE 'false' END)) IS NOT json_object('id', NEW.id, 'name', NEW.name, 'description', NEW.description, 'company_id', NEW.company_id, 'is_default', json(CASE WHEN NEW.is_default IS NULL THEN 'null' WHEN NEW.is_default THEN 'true' ELSE 'false' END))
BEGIN
    INSERT INTO audit_entries (entity_type, entity_id, contact_id, company_id, action, actor_id, occurred_at, before, after)
    SELECT 'LifecycleTemplate', NEW.id, NULL, NEW.company_id, COALESCE(x.action, 'UPDATE'), x.actor_id, strftime('%Y-%m-%d %H:%M:%f', 'now'),
        json_object('id', OLD.id, 'name', OLD.name, 'description', OLD.description, 'company_id', OLD.company_id, 'is_default', json(CASE WHEN OLD.is_default IS NULL THEN 'null' WHEN OLD.is_default THEN 'true' ELSE 'false' END)),
        json_object('id', NEW.id, 'name', NEW.name, 'description', NEW.description, 'company_id', NEW.company_id, 'is_default', json(CASE WHEN NEW.is_default IS NULL THEN 'null' WHEN NEW.is_default THEN 'true' ELSE 'false' END))
    FROM audit_context x;
END;

CREATE TRIGGER audit_lifecycle_templates_delete AFTER DELETE ON lifecycle_templates
WHEN (SELECT enabled FROM audit_context)
BEGIN
    INSERT INTO audit_entries (entity_type, entity_id, contact_id, company_id, action, actor_id, occurred_at, before, after)
    SELECT 'LifecycleTemplate', OLD.id, NULL, OLD.company_id, COALESCE(x.action, 'DELETE'), x.actor_id, strftime('%Y-%m-%d %H:%M:%f', 'now'),
        json_object('id', OLD.id, 'name', OLD.name, 'description', OLD.description, 'company_id', OLD.company_id, 'is_default', json(CASE WHEN OLD.is_default IS NULL THEN 'null' WHEN OLD.is_default THEN 'true' ELSE 'false' END)),
        NULL
    FROM audit_context x;
END;

CREATE TRIGGER audit_lifecycle_categories_insert AFTER INSERT ON lifecycle_categories
WHEN (SELECT enabled FROM audit_context) AND EXISTS (SELECT 1 FROM lifecycle_templates t WHERE t.id = NEW.template_id)
BEGIN
    INSERT INTO audit_entries (entity_type, entity_id, contact_id, company_id, action, actor_id, occurred_at, before, after)
    SELECT 'LifecycleCategory', NEW.id, NULL, (SELECT t.company_id FROM lifecycle_templates t WHERE t.id = NEW.template_id), COALESCE(x.action, 'CREATE'), x.actor_id, strftime('%Y-%m-%d %H:%M:%f', 'now'),
        NULL,
        json_object('id', NEW.id, 'template_id', NEW.template_id, 'name', NEW.name, 'position', NEW.position)
    FROM audit_context x;
END;

CREATE TRIGGER audit_lifecycle_categories_update AFTER UPDATE ON lifecycle_categories
WHEN (SELECT enabled FROM audit_context) AND json_object('id', OLD.id, 'template_id', OLD.template_id, 'name', OLD.name, 'position', OLD.position) IS NOT json_object('id', NEW.id, 'template_id', NEW.template_id, 'name', NEW.name, 'position', NEW.position) AND EXISTS (SELECT 1 FROM lifecycle_templates t WHERE t.id = NEW.template_id)
BEGIN
    INSERT INTO audit_entries (entity_type, entity_id, contact_id, company_id, action, actor_id, occurred_at, before, after)
    SELECT 'LifecycleCategory', NEW.id, NULL, (SELECT t.company_id FROM lifecycle_templates t WHERE t.id = NEW.template_id), COALESCE(x.action, 'UPDATE'), x.actor_id, strftime('%Y-%m-%d %H:%M:%f', 'now'),
        json_object('id', OLD.id, 'template_id', OLD.template_id, 'name', OLD.name, 'position', OLD.position),
        json_object('id', NEW.id, 'template_id', NEW.template_id, 'name', NEW.name, 'position', NEW.position)
    FROM audit_context x;
END;

CREATE TRIGGER audit_lifecycle_categories_delete AFTER DELETE ON lifecycle_categories
WHEN (SELECT enabled FROM audit_context) AND EXISTS (SELECT 1 FROM lifecycle_templates t WHERE t.id = OLD.template_id)
BEGIN
    INSERT INTO audit_entries (entity_type, entity_id, contact_id, company_id, action, actor_id, occurred_at, before, after)
    SELECT 'LifecycleCategory', OLD.id, NULL, (SELECT t.company_id FROM lifecycle_templates t WHERE t.id = OLD.template_id), COALESCE(x.action, 'DELETE'), x.actor_id, strftime('%Y-%m-%d %H:%M:%f', 'now'),
        json_object('id', OLD.id, 'template_id', OLD.template_id, 'name', OLD.name, 'position', OLD.position),
        NULL
    FROM audit_context x;
END;

CREATE TRIGGER audit_lifecycle_steps_insert AFTER INSERT ON lifecycle_steps
WHEN (SELECT enabled FROM audit_context) AND EXISTS (SELECT 1 FROM lifecycle_categories g WHERE g.id = NEW.category_id)
BEGIN
    INSERT INTO audit_entries (entity_type, entity_id, contact_id, company_id, action, actor_id, occurred_at, before, after)
    SELECT 'LifecycleStep', NEW.id, NULL, (SELECT t.company_id FROM lifecycle_categories g JOIN lifecycle_templates t ON t.id = g.template_id WHERE g.id = NEW.category_id), COALESCE(x.action, 'CREATE'), x.actor_id, strftime('%Y-%m-%d %H:%M:%f', 'now'),
        NULL,
        json_object('id', NEW.id, 'category_id', NEW.category_id, 'name', NEW.name, 'position', NEW.position, 'outcome', NEW.outcome, 'requires_reason', json(CASE WHEN NEW.requires_reason IS NULL THEN 'null' WHEN NEW.requires_reason THEN 'true' ELSE 'false' END))
    FROM audit_context x;
END;

CREATE TRIGGER audit_lifecycle_steps_update AFTER UPDATE ON lifecycle_steps
WHEN (SELECT enabled FROM audit_context) AND json_object('id', OLD.id, 'category_id', OLD.category_id, 'name', OLD.name, 'position', OLD.position, 'outcome', OLD.outcome, 'requires_reason', json(CASE WHEN OLD.requires_reason IS NULL THEN 'null' WHEN OLD.requires_reason THEN 'true' ELSE 'false' END)) IS NOT json_object('id', NEW.id, 'category_id', NEW.category_id, 'name', NEW.name, 'position', NEW.position, 'outcome', NEW.outcome, 'requires_reason', json(CASE WHEN NEW.requires_reason IS NULL THEN 'null' WHEN NEW.requires_reason THEN 'true' ELSE 'false' END)) AND EXISTS (SELECT 1 FROM lifecycle_categories g WHERE g.id = NEW.category_id)
BEGIN
    INSERT INTO audit_entries (entity_type, entity_id, contact_id, company_id, action, actor_id, occurred_at, before, after)
    SELECT 'LifecycleStep', NEW.id, NULL, (SELECT t.company_id FROM lifecycle_categories g JOIN lifecycle_templates t ON t.id = g.template_id WHERE g.id = NEW.category_id), COALESCE(x.action, 'UPDATE'), x.actor_id, strftime('%Y-%m-%d %H:%M:%f', 'now'),
        json_object('id', OLD.id, 'category_id', OLD.category_id, 'name', OLD.name, 'position', OLD.position, 'outcome', OLD.outcome, 'requires_reason', json(CASE WHEN OLD.requires_reason IS NULL THEN 'null' WHEN OLD.requires_reason THEN 'true' ELSE 'false' END)),
        json_object('id', NEW.id, 'category_id', NEW.category_id, 'name', NEW.name, 'position', NEW.position, 'outcome', NEW.outcome, 'requires_reason', json(CASE WHEN NEW.requires_reason IS NULL THEN 'null' WHEN NEW.requires_reason THEN 'true' ELSE 'false' END))
    FROM audit_context x;
END;

CREATE TRIGGER audit_lifecycle_steps_delete AFTER DELETE ON lifecycle_steps
WHEN (SELECT enabled FROM audit_context) AND EXISTS (SELECT 1 FROM lifecycle_categories g WHERE g.id = OLD.category_id)
BEGIN
    INSERT INTO audit_entries (entity_type, entity_id, contact_id, company_id, action, actor_id, occurred_at, before, after)
    SELECT 'LifecycleStep', OLD.id, NULL, (SELECT t.company_id FROM lifecycle_categories g JOIN lifecycle_templates t ON t.id = g.template_id WHERE g.id = OLD.category_id), COALESCE(x.action, 'DELETE'), x.actor_id, strftime('%Y-%m-%d %H:%M:%f', 'now'),
        json_object('id', OLD.id, 'category_id', OLD.category_id, 'name', OLD.name, 'position', OLD.position, 'outcome', OLD.outcome, 'requires_reason', json(CASE WHEN OLD.requires_reason IS NULL THEN 'null' WHEN OLD.requires_reason THEN 'true' ELSE 'false' END)),
        NULL
    FROM audit_context x;
END;
