-- Contact imports from CSV files: one row per import with its counts, one row per file row
-- with its outcome. A row's outcome and the import's counts are written in the transaction
-- that writes the row's contact, so the counts never include half of a row.
CREATE TABLE contact_imports (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    -- Who started it (NULL: the local administrator); only they see it.
    user_id        BIGINT REFERENCES users (id) ON DELETE CASCADE,
    file_name      TEXT NOT NULL,
    mode           TEXT NOT NULL CHECK (mode IN ('CREATE', 'UPSERT_BY_EMAIL')),
    dry_run        BOOLEAN NOT NULL CHECK (dry_run IN (0, 1)),
    status         TEXT NOT NULL CHECK (status IN ('RUNNING', 'COMPLETED', 'INTERRUPTED')),
    total_rows     BIGINT NOT NULL,
    processed_rows BIGINT NOT NULL DEFAULT 0,
    created        BIGINT NOT NULL DEFAULT 0,
    updated        BIGINT NOT NULL DEFAULT 0,
    failed         BIGINT NOT NULL DEFAULT 0,
    created_at     TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at     TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    finished_at    TIMESTAMP
);
CREATE INDEX contact_imports_user_id_idx ON contact_imports (user_id);

CREATE TABLE contact_import_rows (
    import_id  BIGINT NOT NULL REFERENCES contact_imports (id) ON DELETE CASCADE,
    -- The row's line in the file's data, 1 for the first row after the header.
    row_number BIGINT NOT NULL,
    status     TEXT NOT NULL CHECK (status IN ('CREATED', 'UPDATED', 'FAILED')),
    contact_id BIGINT REFERENCES contacts (id) ON DELETE SET NULL,
    -- JSON: [{ "path", "code", "message" }]
    errors     TEXT NOT NULL DEFAULT '[]',
    PRIMARY KEY (import_id, row_number)
);
