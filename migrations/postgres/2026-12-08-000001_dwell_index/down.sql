DROP INDEX IF EXISTS stage_transitions_to_step_dwell_idx;
CREATE INDEX stage_transitions_to_step_dwell_idx ON stage_transitions (to_step_id, dwell_seconds, occurred_at)
    WHERE dwell_seconds IS NOT NULL;
