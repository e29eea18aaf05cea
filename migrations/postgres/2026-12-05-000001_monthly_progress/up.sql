-- How far each contact got along each lifecycle within each calendar month (UTC): the step
-- furthest along the path (lost steps aside) it entered that month. Kept with every move and
-- rebuilt with lifecycle_progress, so a windowed funnel reads one row per contact and month for
-- the window's whole months, and the moves themselves only for its partial months at the edges.
CREATE TABLE lifecycle_monthly_progress (
    contact_id       BIGINT NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    template_id      BIGINT NOT NULL REFERENCES lifecycle_templates (id) ON DELETE CASCADE,
    month            TIMESTAMP NOT NULL,
    furthest_step_id BIGINT NOT NULL REFERENCES lifecycle_steps (id) ON DELETE RESTRICT,
    PRIMARY KEY (contact_id, template_id, month)
);
CREATE INDEX lifecycle_monthly_progress_window_idx
    ON lifecycle_monthly_progress (template_id, month, contact_id, furthest_step_id);
CREATE INDEX lifecycle_monthly_progress_furthest_step_id_idx
    ON lifecycle_monthly_progress (furthest_step_id);

INSERT INTO lifecycle_monthly_progress (contact_id, template_id, month, furthest_step_id)
SELECT r.contact_id, r.template_id, r.month, r.step_id FROM (
    SELECT t.contact_id, g.template_id, date_trunc('month', t.occurred_at) AS month, s.id AS step_id,
           ROW_NUMBER() OVER (
               PARTITION BY t.contact_id, g.template_id, date_trunc('month', t.occurred_at)
               ORDER BY g.position DESC, g.id DESC, s.position DESC, s.id DESC) AS n
    FROM stage_transitions t
    JOIN lifecycle_steps s ON s.id = t.to_step_id
    JOIN lifecycle_categories g ON g.id = s.category_id
    WHERE s.outcome <> 'LOST'
) r WHERE r.n = 1;
