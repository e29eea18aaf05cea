DROP VIEW contacts;
DELETE FROM contact_records WHERE deleted_at IS NOT NULL;
DROP INDEX contact_records_trash_idx;
ALTER TABLE contact_records DROP COLUMN deleted_by, DROP COLUMN deleted_at;
ALTER TABLE contact_records RENAME TO contacts;
