-- Flags hide a question from students: when a question's open flags reach the workspace's
-- settings_json->>'auto_hide_flag_threshold', the database sets questions.hidden_at; a tutor clears it.

ALTER TABLE questions ADD COLUMN hidden_at timestamptz;
COMMENT ON COLUMN questions.hidden_at IS
  'Set when enough open flags hide the question from students (workspace setting auto_hide_flag_threshold); cleared by a tutor';

-- Hiding is moderation, not a content edit: it neither bumps the version nor writes question_history.
CREATE OR REPLACE FUNCTION app.question_tracked_values(q public.questions) RETURNS jsonb
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, public
AS $$
  SELECT to_jsonb(q) - ARRAY['workspace_id', 'id', 'version', 'times_attempted', 'times_correct', 'times_timed',
                             'time_spent_total_seconds', 'avg_time_seconds', 'search_tsv', 'created_by', 'updated_by',
                             'created_at', 'updated_at', 'hidden_at']
$$;

-- ... but it is audited, like every other change a tutor (or the flag trigger) makes to a question.
DROP TRIGGER questions_audit ON questions;
CREATE TRIGGER questions_audit AFTER INSERT OR DELETE OR UPDATE OF topic_id, source_material_id, batch_id,
  batch_custom_id, prompt_latex, prompt_text, answer_type, answer_spec, hints_json, solution_latex, difficulty,
  tags_json, curriculum_json, status, origin, quality_score, generation_metadata, hidden_at ON questions
  FOR EACH ROW EXECUTE FUNCTION app.audit_row('{id}', 'workspace_id',
    '{times_attempted,times_correct,times_timed,time_spent_total_seconds,avg_time_seconds,search_tsv}', '{}');

CREATE FUNCTION app.question_flags_auto_hide() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
DECLARE
  v_threshold jsonb;
  v_open integer;
BEGIN
  -- Only a flag that becomes open (a new flag, or one reopened) can make the count reach the threshold.
  IF NEW.status <> 'open' OR (TG_OP = 'UPDATE' AND OLD.status = 'open') THEN
    RETURN NULL;
  END IF;
  SELECT w.settings_json -> 'auto_hide_flag_threshold' INTO v_threshold
  FROM public.workspaces w WHERE w.id = NEW.workspace_id;
  IF v_threshold IS NULL OR jsonb_typeof(v_threshold) <> 'number' THEN
    RETURN NULL;  -- no threshold: never hide
  END IF;
  -- Lock the question so concurrent flags are counted one after the other.
  PERFORM 1 FROM public.questions q WHERE q.workspace_id = NEW.workspace_id AND q.id = NEW.question_id
    FOR NO KEY UPDATE;
  SELECT count(*) INTO v_open FROM public.question_flags f
  WHERE f.workspace_id = NEW.workspace_id AND f.question_id = NEW.question_id AND f.status = 'open';
  IF v_open >= (v_threshold #>> '{}')::numeric THEN
    UPDATE public.questions q SET hidden_at = now()
    WHERE q.workspace_id = NEW.workspace_id AND q.id = NEW.question_id AND q.hidden_at IS NULL;
  END IF;
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION app.question_flags_auto_hide() IS
  'Trigger: when a flag becomes open and the question''s open flags reach the workspace''s auto_hide_flag_threshold, sets questions.hidden_at';
CREATE TRIGGER question_flags_auto_hide AFTER INSERT OR UPDATE OF status ON question_flags
  FOR EACH ROW EXECUTE FUNCTION app.question_flags_auto_hide();

REVOKE EXECUTE ON FUNCTION app.question_flags_auto_hide() FROM PUBLIC;

-- Tutors un-hide a question (and may hide one by hand).
GRANT UPDATE (hidden_at) ON questions TO tutorassist_app;
