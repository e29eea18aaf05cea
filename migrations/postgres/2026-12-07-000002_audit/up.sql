-- The audit trail: every change to a contact, its details, accounts, documents and moves, and
-- to every configuration record, written by triggers in the changing transaction (so a rolled-back
-- change leaves no entry, and no write path can forget one). `before` and `after` hold the row as
-- JSON without bookkeeping columns (created/updated at and by, version, dwell); an update that
-- changes none of the rest writes nothing. The server names the actor (and a MERGE) per
-- transaction in the settings rapport.actor_id, rapport.action and rapport.audit ('off' for the
-- demo seed).
CREATE TABLE audit_entries (
    id          BIGSERIAL PRIMARY KEY,
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

CREATE FUNCTION rapport_audit() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ignored CONSTANT text[] := ARRAY['created_at', 'updated_at', 'version', 'created_by', 'updated_by', 'dwell_seconds'];
    old_row jsonb;
    new_row jsonb;
    one_row jsonb;
    act text;
    contact bigint;
    company bigint;
BEGIN
    IF current_setting('rapport.audit', true) = 'off' THEN
        RETURN NULL;
    END IF;
    IF TG_OP <> 'INSERT' THEN old_row := to_jsonb(OLD) - ignored; END IF;
    IF TG_OP <> 'DELETE' THEN new_row := to_jsonb(NEW) - ignored; END IF;
    IF TG_OP = 'UPDATE' AND old_row = new_row THEN
        RETURN NULL;
    END IF;
    act := CASE TG_OP WHEN 'INSERT' THEN 'CREATE' WHEN 'DELETE' THEN 'DELETE' ELSE 'UPDATE' END;
    IF TG_OP = 'UPDATE' AND TG_TABLE_NAME = 'contact_records' THEN
        IF old_row->>'deleted_at' IS NULL AND new_row->>'deleted_at' IS NOT NULL THEN
            act := 'DELETE';
        ELSIF old_row->>'deleted_at' IS NOT NULL AND new_row->>'deleted_at' IS NULL THEN
            act := 'RESTORE';
        END IF;
    END IF;
    act := COALESCE(NULLIF(current_setting('rapport.action', true), ''), act);
    one_row := COALESCE(new_row, old_row);
    CASE TG_ARGV[2]
        WHEN 'contact' THEN
            contact := (one_row->>'id')::bigint;
            company := (one_row->>'company_id')::bigint;
        WHEN 'child' THEN
            -- A detail removed with its purged contact: the contact's entry says it.
            contact := (one_row->>'contact_id')::bigint;
            SELECT c.company_id INTO company FROM contact_records c WHERE c.id = contact;
            IF NOT FOUND THEN RETURN NULL; END IF;
        WHEN 'self' THEN
            company := (one_row->>'id')::bigint;
        WHEN 'company' THEN
            company := (one_row->>'company_id')::bigint;
        WHEN 'template_child' THEN
            SELECT t.company_id INTO company FROM lifecycle_templates t
                WHERE t.id = (one_row->>'template_id')::bigint;
            IF NOT FOUND THEN RETURN NULL; END IF;
        WHEN 'step' THEN
            SELECT t.company_id INTO company FROM lifecycle_categories g
                JOIN lifecycle_templates t ON t.id = g.template_id
                WHERE g.id = (one_row->>'category_id')::bigint;
            IF NOT FOUND THEN RETURN NULL; END IF;
    END CASE;
    INSERT INTO audit_entries (entity_type, entity_id, contact_id, company_id, action, actor_id, occurred_at, before, after)
    VALUES (TG_ARGV[0], (one_row->>TG_ARGV[1])::bigint, contact, company, act,
            NULLIF(current_setting('rapport.actor_id', true), '')::bigint,
            (now() AT TIME ZONE 'UTC')::timestamp(6), old_row::text, new_row::text);
    RETURN NULL;
END
$$;

CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON contact_records
    FOR EACH ROW EXECUTE FUNCTION rapport_audit('Contact', 'id', 'contact');
CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON contact_emails
    FOR EACH ROW EXECUTE FUNCTION rapport_audit('ContactEmail', 'id', 'child');
CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON contact_phones
    FOR EACH ROW EXECUTE FUNCTION rapport_audit('ContactPhone', 'id', 'child');
CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON contact_addresses
    FOR EACH ROW EXECUTE FUNCTION rapport_audit('ContactAddress', 'id', 'child');
CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON contact_bank_accounts
    FOR EACH ROW EXECUTE FUNCTION rapport_audit('ContactBankAccount', 'id', 'child');
CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON contact_accounts
    FOR EACH ROW EXECUTE FUNCTION rapport_audit('ContactAccount', 'account_id', 'child');
CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON contact_documents
    FOR EACH ROW EXECUTE FUNCTION rapport_audit('Document', 'id', 'child');
CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON stage_transitions
    FOR EACH ROW EXECUTE FUNCTION rapport_audit('StageTransition', 'id', 'child');
CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON companies
    FOR EACH ROW EXECUTE FUNCTION rapport_audit('Company', 'id', 'self');
CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON users
    FOR EACH ROW EXECUTE FUNCTION rapport_audit('User', 'id', 'company');
CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON segmentations
    FOR EACH ROW EXECUTE FUNCTION rapport_audit('Segmentation', 'id', 'company');
CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON reason_codes
    FOR EACH ROW EXECUTE FUNCTION rapport_audit('ReasonCode', 'id', 'company');
CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON detail_types
    FOR EACH ROW EXECUTE FUNCTION rapport_audit('DetailType', 'id', 'company');
CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON accounts
    FOR EACH ROW EXECUTE FUNCTION rapport_audit('Account', 'id', 'company');
CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON lifecycle_templates
    FOR EACH ROW EXECUTE FUNCTION rapport_audit('LifecycleTemplate', 'id', 'company');
CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON lifecycle_categories
    FOR EACH ROW EXECUTE FUNCTION rapport_audit('LifecycleCategory', 'id', 'template_child');
CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON lifecycle_steps
    FOR EACH ROW EXECUTE FUNCTION rapport_audit('LifecycleStep', 'id', 'step');
