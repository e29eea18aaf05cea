-- The funnel's medians walk one step's dwell times in order; an unscoped funnel also leaves out
-- trashed contacts (`contact_id NOT IN (…)`), so the index carries the contact too (as the
-- PostgreSQL migration does with INCLUDE).
DROP INDEX IF EXISTS stage_transitions_to_step_dwell_idx;
CREATE INDEX stage_transitions_to_step_dwell_idx ON stage_transitions (to_step_id, dwell_seconds, occurred_at, contact_id)
    WHERE dwell_seconds IS NOT NULL;
