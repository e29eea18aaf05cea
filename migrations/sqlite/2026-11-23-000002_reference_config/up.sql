-- Reference configuration for a fresh database. All rows are tenant-wide (company_id NULL).
-- This file is byte-for-byte the same SQL as the SQLite tree's: no hard-coded ids (children find their
-- parents by subselect) and only syntax both backends accept (CTEs over VALUES, TRUE/FALSE literals).
--
-- Unique indexes created here: none (see 2026-11-23-000001_schema/up.sql for the full list).

INSERT INTO lifecycle_templates (name, description, company_id, is_default)
VALUES ('Standard Sales Lifecycle', 'Default engagement lifecycle from first contact to conversion', NULL, TRUE);

WITH category (name, position) AS (
    VALUES ('Lead Generation', 0),
           ('Lead Qualification', 1),
           ('Proposal Stage', 2),
           ('Negotiation', 3),
           ('Conversion', 4)
)
INSERT INTO lifecycle_categories (template_id, name, position)
SELECT t.id, category.name, category.position
FROM lifecycle_templates t, category
WHERE t.company_id IS NULL AND t.name = 'Standard Sales Lifecycle'
ORDER BY category.position;

-- The two "Closed" names use an en dash (U+2013), as in the product documents.
WITH step (category, name, position, outcome, requires_reason) AS (
    VALUES ('Lead Generation', 'New Lead', 0, 'OPEN', FALSE),
           ('Lead Generation', 'Contacted', 1, 'OPEN', FALSE),
           ('Lead Qualification', 'Interested', 0, 'OPEN', FALSE),
           ('Lead Qualification', 'Qualified', 1, 'OPEN', FALSE),
           ('Proposal Stage', 'Proposal Sent', 0, 'OPEN', FALSE),
           ('Proposal Stage', 'Proposal Follow-Up', 1, 'OPEN', FALSE),
           ('Negotiation', 'Negotiation Started', 0, 'OPEN', FALSE),
           ('Negotiation', 'Contract Drafted', 1, 'OPEN', FALSE),
           ('Conversion', 'Client Onboarded', 0, 'OPEN', FALSE),
           ('Conversion', 'Closed – Won', 1, 'WON', FALSE),
           ('Conversion', 'Closed – Lost', 2, 'LOST', TRUE)
)
INSERT INTO lifecycle_steps (category_id, name, position, outcome, requires_reason)
SELECT c.id, step.name, step.position, step.outcome, step.requires_reason
FROM lifecycle_templates t, lifecycle_categories c, step
WHERE t.company_id IS NULL AND t.name = 'Standard Sales Lifecycle'
  AND c.template_id = t.id AND c.name = step.category
ORDER BY c.position, step.position;

INSERT INTO reason_codes (code, description, outcome, company_id) VALUES
    ('Clear Value Proposition',
     'The company has communicated a clear value proposition, highlighting the unique benefits of its products or services.',
     'WON', NULL),
    ('Timing', 'The prospect is a fit, but not at this moment.', 'LOST', NULL),
    ('Need', 'The prospect has no need for the product.', 'LOST', NULL),
    ('Price', 'The prospect cannot fit the purchase in its budget.', 'LOST', NULL),
    ('Competition', 'The prospect chose a competitor.', 'LOST', NULL),
    ('Poor Qualification', 'The prospect does not fit the ideal customer profile.', 'LOST', NULL);

INSERT INTO segmentations (name, company_id) VALUES
    ('Corporate Clients', NULL),
    ('Individual Clients', NULL),
    ('Government/Public Sector', NULL),
    ('Non-Profit', NULL);

INSERT INTO detail_types (kind, name, company_id) VALUES
    ('ADDRESS', 'Billing', NULL),
    ('ADDRESS', 'Shipping', NULL),
    ('ADDRESS', 'Personal', NULL),
    ('EMAIL', 'Business', NULL),
    ('EMAIL', 'Personal', NULL),
    ('EMAIL', 'Billing', NULL),
    ('PHONE', 'Mobile', NULL),
    ('PHONE', 'Office', NULL),
    ('PHONE', 'Home', NULL);
