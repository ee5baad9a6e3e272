REVOKE UPDATE (hidden_at) ON questions FROM tutorassist_app;
DROP TRIGGER question_flags_auto_hide ON question_flags;
DROP FUNCTION app.question_flags_auto_hide();

DROP TRIGGER questions_audit ON questions;
CREATE TRIGGER questions_audit AFTER INSERT OR DELETE OR UPDATE OF topic_id, source_material_id, batch_id,
  batch_custom_id, prompt_latex, prompt_text, answer_type, answer_spec, hints_json, solution_latex, difficulty,
  tags_json, curriculum_json, status, origin, quality_score, generation_metadata ON questions
  FOR EACH ROW EXECUTE FUNCTION app.audit_row('{id}', 'workspace_id',
    '{times_attempted,times_correct,times_timed,time_spent_total_seconds,avg_time_seconds,search_tsv}', '{}');

ALTER TABLE questions DROP COLUMN hidden_at;

CREATE OR REPLACE FUNCTION app.question_tracked_values(q public.questions) RETURNS jsonb
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, public
AS $$
  SELECT to_jsonb(q) - ARRAY['workspace_id', 'id', 'version', 'times_attempted', 'times_correct', 'times_timed',
                             'time_spent_total_seconds', 'avg_time_seconds', 'search_tsv', 'created_by', 'updated_by',
                             'created_at', 'updated_at']
$$;
