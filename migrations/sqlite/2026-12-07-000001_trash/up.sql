-- The trash: a deleted contact keeps its row (and its details, history and documents) with
-- deleted_at set until it is restored or purged. The table becomes contact_records; the view
-- contacts shows the live ones, so every read (lists, aggregates, exports, nested fields,
-- downloads) leaves the trash out without saying so. Writes go to contact_records.
ALTER TABLE contacts RENAME TO contact_records;
ALTER TABLE contact_records ADD COLUMN deleted_at TIMESTAMP;
ALTER TABLE contact_records ADD COLUMN deleted_by BIGINT REFERENCES users (id) ON DELETE SET NULL;
CREATE INDEX contact_records_trash_idx ON contact_records (deleted_at, id) WHERE deleted_at IS NOT NULL;
CREATE VIEW contacts AS
    SELECT id, name, full_name, scoring, company_id, segmentation_id, reason_code_id, owner_id, lifecycle_template_id, current_step_id, status, stage_changed_at, version, created_at, updated_at, created_by, updated_by, deleted_at, deleted_by
    FROM contact_records
    WHERE deleted_at IS NULL;
