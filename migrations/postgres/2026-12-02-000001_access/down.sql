ALTER TABLE contacts DROP COLUMN updated_by;
ALTER TABLE contacts DROP COLUMN created_by;
DROP TABLE api_tokens;
DROP TABLE user_companies;
