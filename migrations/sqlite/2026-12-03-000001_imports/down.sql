DROP TABLE contact_import_rows;
DROP TABLE contact_imports;
