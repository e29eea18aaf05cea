-- Removes the seeded tenant-wide reference rows (same SQL on both backends). Steps and categories are
-- deleted explicitly rather than through ON DELETE CASCADE, so this also works on a SQLite connection
-- without foreign_keys=ON. If contacts or history still use a seeded row, the RESTRICT foreign keys make
-- this migration fail instead of silently orphaning them.

DELETE FROM lifecycle_steps
WHERE category_id IN (
    SELECT c.id
    FROM lifecycle_categories c, lifecycle_templates t
    WHERE c.template_id = t.id AND t.company_id IS NULL AND t.name = 'Standard Sales Lifecycle'
);

DELETE FROM lifecycle_categories
WHERE template_id IN (
    SELECT id FROM lifecycle_templates WHERE company_id IS NULL AND name = 'Standard Sales Lifecycle'
);

DELETE FROM lifecycle_templates WHERE company_id IS NULL AND name = 'Standard Sales Lifecycle';

DELETE FROM reason_codes
WHERE company_id IS NULL
  AND code IN ('Clear Value Proposition', 'Timing', 'Need', 'Price', 'Competition', 'Poor Qualification');

DELETE FROM segmentations
WHERE company_id IS NULL
  AND name IN ('Corporate Clients', 'Individual Clients', 'Government/Public Sector', 'Non-Profit');

DELETE FROM detail_types
WHERE company_id IS NULL
  AND ((kind = 'ADDRESS' AND name IN ('Billing', 'Shipping', 'Personal'))
    OR (kind = 'EMAIL' AND name IN ('Business', 'Personal', 'Billing'))
    OR (kind = 'PHONE' AND name IN ('Mobile', 'Office', 'Home')));
