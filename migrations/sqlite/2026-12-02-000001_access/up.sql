-- Access: the further companies a user belongs to, API tokens, and who created or last
-- changed a contact.

-- A user of a company (users.company_id) may also work for these companies. A user without a
-- company is tenant-wide and sees every company.
CREATE TABLE user_companies (
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    company_id BIGINT NOT NULL REFERENCES companies (id) ON DELETE RESTRICT,
    PRIMARY KEY (user_id, company_id)
);
CREATE INDEX user_companies_company_id_idx ON user_companies (company_id);

-- Secrets are stored only as their SHA-256 (they are 32 random bytes, so no slow hash is
-- needed); `prefix` is the shown start of the secret, so a user can tell tokens apart.
CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id      BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT NOT NULL CHECK (length(trim(name)) > 0),
    prefix       TEXT NOT NULL,
    secret_hash  TEXT NOT NULL,
    read_only    BOOLEAN NOT NULL DEFAULT FALSE CHECK (read_only IN (0, 1)),
    expires_at   TIMESTAMP,
    last_used_at TIMESTAMP,
    revoked_at   TIMESTAMP,
    created_at   TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at   TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE UNIQUE INDEX api_tokens_secret_hash_key ON api_tokens (secret_hash);
CREATE INDEX api_tokens_user_id_idx ON api_tokens (user_id);

ALTER TABLE contacts ADD COLUMN created_by BIGINT REFERENCES users (id) ON DELETE SET NULL;
ALTER TABLE contacts ADD COLUMN updated_by BIGINT REFERENCES users (id) ON DELETE SET NULL;
