-- Derived data the database keeps right by itself: question statistics, assignment progress, question versions and
-- history, the topic tree's shape, and the audit log.

-- ---------------------------------------------------------------- question statistics
CREATE FUNCTION public.update_question_stats(
  p_workspace_id uuid, p_question_id uuid, p_is_correct boolean, p_time_spent integer, p_direction integer DEFAULT 1
) RETURNS void
LANGUAGE sql SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
  -- One UPDATE with relative increments: the row lock serialises concurrent attempts, so counters stay exact.
  UPDATE public.questions SET
    times_attempted = times_attempted + p_direction,
    times_correct = times_correct + CASE WHEN p_is_correct THEN p_direction ELSE 0 END,
    times_timed = times_timed + CASE WHEN p_time_spent IS NOT NULL THEN p_direction ELSE 0 END,
    time_spent_total_seconds = time_spent_total_seconds + coalesce(p_time_spent, 0) * p_direction
  WHERE workspace_id = p_workspace_id AND id = p_question_id
$$;
COMMENT ON FUNCTION public.update_question_stats(uuid, uuid, boolean, integer, integer) IS
  'Adds (direction 1) or removes (direction -1) one attempt from a question''s counters; called by the attempts trigger';
REVOKE EXECUTE ON FUNCTION public.update_question_stats(uuid, uuid, boolean, integer, integer) FROM PUBLIC;

CREATE FUNCTION app.attempts_maintain_question_stats() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    PERFORM public.update_question_stats(OLD.workspace_id, OLD.question_id, OLD.is_correct, OLD.time_spent_seconds, -1);
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    PERFORM public.update_question_stats(NEW.workspace_id, NEW.question_id, NEW.is_correct, NEW.time_spent_seconds, 1);
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER attempts_question_stats
  AFTER INSERT OR DELETE OR UPDATE OF question_id, is_correct, time_spent_seconds ON attempts
  FOR EACH ROW EXECUTE FUNCTION app.attempts_maintain_question_stats();

CREATE FUNCTION app.reconcile_question_stats(p_workspace_id uuid DEFAULT NULL) RETURNS integer
LANGUAGE sql
SET search_path = pg_catalog, public
AS $$
  WITH truth AS (
    SELECT q.workspace_id, q.id,
           count(a.id)::integer AS attempted,
           count(a.id) FILTER (WHERE a.is_correct)::integer AS correct,
           count(a.time_spent_seconds)::integer AS timed,
           coalesce(sum(a.time_spent_seconds), 0)::bigint AS total_time
    FROM public.questions q
    LEFT JOIN public.attempts a ON a.workspace_id = q.workspace_id AND a.question_id = q.id
    WHERE p_workspace_id IS NULL OR q.workspace_id = p_workspace_id
    GROUP BY q.workspace_id, q.id
  ), fixed AS (
    UPDATE public.questions q SET times_attempted = t.attempted, times_correct = t.correct,
                                  times_timed = t.timed, time_spent_total_seconds = t.total_time
    FROM truth t
    WHERE q.workspace_id = t.workspace_id AND q.id = t.id
      AND (q.times_attempted, q.times_correct, q.times_timed, q.time_spent_total_seconds)
          IS DISTINCT FROM (t.attempted, t.correct, t.timed, t.total_time)
    RETURNING 1
  )
  SELECT count(*)::integer FROM fixed
$$;
COMMENT ON FUNCTION app.reconcile_question_stats(uuid) IS
  'Recomputes question counters from attempts (one workspace, or all); returns how many questions were wrong. The RECONCILE_STATS job';

-- ---------------------------------------------------------------- assignment progress
CREATE FUNCTION app.refresh_assignment_progress(p_workspace_id uuid, p_assignment_id uuid) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
DECLARE
  v_status text;
  v_completed_at timestamptz;
  v record;
BEGIN
  -- Lock first: a concurrent attempt on the same assignment waits here, and the aggregate below runs on a newer
  -- snapshot (READ COMMITTED) that includes the other transaction's committed attempt.
  SELECT status, completed_at INTO v_status, v_completed_at
  FROM public.assignments WHERE workspace_id = p_workspace_id AND id = p_assignment_id FOR UPDATE;
  IF NOT FOUND THEN
    RETURN;
  END IF;

  SELECT count(*)::integer AS total_items,
         coalesce(sum(i.points), 0) AS max_score,
         count(b.best_score)::integer AS completed,
         coalesce(sum(i.points * b.best_score), 0) AS score,
         min(b.first_at) AS first_at
  INTO v
  FROM public.assignment_items i
  LEFT JOIN LATERAL (
    SELECT max(coalesce(a.score, 0)) AS best_score, min(a.submitted_at) AS first_at
    FROM public.attempts a
    WHERE a.workspace_id = i.workspace_id AND a.assignment_id = i.assignment_id AND a.question_id = i.question_id
    HAVING count(*) > 0
  ) b ON true
  WHERE i.workspace_id = p_workspace_id AND i.assignment_id = p_assignment_id;

  IF v_status NOT IN ('draft', 'archived') THEN
    v_status := CASE WHEN v.total_items > 0 AND v.completed = v.total_items THEN 'completed'
                     WHEN v.completed > 0 THEN 'in_progress'
                     ELSE 'assigned' END;
  END IF;
  v_completed_at := CASE WHEN v_status = 'completed' THEN coalesce(v_completed_at, now()) END;

  UPDATE public.assignments SET
    total_items = v.total_items, max_score = v.max_score, completed_count = v.completed, total_score = v.score,
    started_at = v.first_at, status = v_status, completed_at = v_completed_at
  WHERE workspace_id = p_workspace_id AND id = p_assignment_id
    AND (total_items, max_score, completed_count, total_score, started_at, status, completed_at)
        IS DISTINCT FROM (v.total_items, v.max_score, v.completed, v.score, v.first_at, v_status, v_completed_at);
END
$$;
COMMENT ON FUNCTION app.refresh_assignment_progress(uuid, uuid) IS
  'Recomputes an assignment''s item count, completed count, score and status from its items and attempts';
REVOKE EXECUTE ON FUNCTION app.refresh_assignment_progress(uuid, uuid) FROM PUBLIC;

CREATE FUNCTION app.attempts_check_assignment_student() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
BEGIN
  IF NEW.assignment_id IS NOT NULL AND NOT EXISTS (
    SELECT 1 FROM public.assignments a
    JOIN public.student_profiles p ON p.workspace_id = a.workspace_id AND p.id = a.student_profile_id
    WHERE a.workspace_id = NEW.workspace_id AND a.id = NEW.assignment_id AND p.user_id = NEW.student_user_id
  ) THEN
    RAISE EXCEPTION 'attempt by user % is not for an assignment of theirs (%)', NEW.student_user_id, NEW.assignment_id
      USING ERRCODE = 'check_violation', CONSTRAINT = 'attempts_assignment_student_check';
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER attempts_assignment_student
  BEFORE INSERT OR UPDATE OF assignment_id, student_user_id ON attempts
  FOR EACH ROW EXECUTE FUNCTION app.attempts_check_assignment_student();

CREATE FUNCTION app.attempts_maintain_assignment_progress() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.assignment_id IS NOT NULL THEN
    PERFORM app.refresh_assignment_progress(OLD.workspace_id, OLD.assignment_id);
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.assignment_id IS NOT NULL
     AND (TG_OP = 'INSERT' OR NEW.assignment_id IS DISTINCT FROM OLD.assignment_id OR NEW.score IS DISTINCT FROM OLD.score
          OR NEW.question_id IS DISTINCT FROM OLD.question_id) THEN
    PERFORM app.refresh_assignment_progress(NEW.workspace_id, NEW.assignment_id);
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER attempts_assignment_progress
  AFTER INSERT OR DELETE OR UPDATE OF assignment_id, question_id, score ON attempts
  FOR EACH ROW EXECUTE FUNCTION app.attempts_maintain_assignment_progress();

CREATE FUNCTION app.assignment_items_maintain_progress() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    PERFORM app.refresh_assignment_progress(OLD.workspace_id, OLD.assignment_id);
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    PERFORM app.refresh_assignment_progress(NEW.workspace_id, NEW.assignment_id);
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER assignment_items_progress
  AFTER INSERT OR DELETE OR UPDATE OF assignment_id, question_id, points ON assignment_items
  FOR EACH ROW EXECUTE FUNCTION app.assignment_items_maintain_progress();

-- ---------------------------------------------------------------- topic tree without cycles
CREATE FUNCTION app.topics_prevent_cycle() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public
AS $$
BEGIN
  IF NEW.parent_id IS NULL OR (TG_OP = 'UPDATE' AND NEW.parent_id IS NOT DISTINCT FROM OLD.parent_id) THEN
    RETURN NEW;
  END IF;
  -- Two concurrent moves could each be acyclic alone; serialise tree moves within the workspace.
  PERFORM pg_advisory_xact_lock(hashtextextended('topics:' || NEW.workspace_id::text, 0));
  IF EXISTS (
    WITH RECURSIVE ancestors(id, parent_id) AS (
      SELECT t.id, t.parent_id FROM public.topics t WHERE t.workspace_id = NEW.workspace_id AND t.id = NEW.parent_id
      UNION
      SELECT t.id, t.parent_id FROM public.topics t JOIN ancestors a ON t.workspace_id = NEW.workspace_id AND t.id = a.parent_id
    )
    SELECT 1 FROM ancestors WHERE id = NEW.id
  ) THEN
    RAISE EXCEPTION 'topic % cannot be placed under its own descendant %', NEW.id, NEW.parent_id
      USING ERRCODE = 'check_violation', CONSTRAINT = 'topics_no_cycle_check';
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER topics_no_cycle BEFORE INSERT OR UPDATE OF parent_id ON topics
  FOR EACH ROW EXECUTE FUNCTION app.topics_prevent_cycle();

-- ---------------------------------------------------------------- question versions and history
-- Tracked = what a tutor edits; counters and generated columns are not history.
CREATE FUNCTION app.question_tracked_values(q public.questions) RETURNS jsonb
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, public
AS $$
  SELECT to_jsonb(q) - ARRAY['workspace_id', 'id', 'version', 'times_attempted', 'times_correct', 'times_timed',
                             'time_spent_total_seconds', 'avg_time_seconds', 'search_tsv', 'created_by', 'updated_by',
                             'created_at', 'updated_at']
$$;

CREATE FUNCTION app.questions_bump_version() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public
AS $$
BEGIN
  IF app.question_tracked_values(NEW) IS DISTINCT FROM app.question_tracked_values(OLD) THEN
    NEW.version := OLD.version + 1;
    NEW.updated_at := now();
    NEW.updated_by := coalesce(app.current_user_id(), NEW.updated_by);
  END IF;
  RETURN NEW;
END
$$;

CREATE FUNCTION app.questions_record_history() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
DECLARE
  v_new jsonb := app.question_tracked_values(NEW);
  v_old jsonb;
  v_changed text[];
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO public.question_history (workspace_id, question_id, question_version, changed_by, change_type, old_values, new_values)
    VALUES (NEW.workspace_id, NEW.id, NEW.version, coalesce(app.current_user_id(), NEW.created_by), 'created', NULL, v_new);
    RETURN NULL;
  END IF;
  v_old := app.question_tracked_values(OLD);
  SELECT array_agg(n.key ORDER BY n.key) INTO v_changed
  FROM jsonb_each(v_new) n WHERE n.value IS DISTINCT FROM v_old -> n.key;
  IF v_changed IS NULL THEN
    RETURN NULL;
  END IF;
  INSERT INTO public.question_history (workspace_id, question_id, question_version, changed_by, change_type, old_values, new_values)
  VALUES (NEW.workspace_id, NEW.id, NEW.version, coalesce(app.current_user_id(), NEW.updated_by),
          CASE WHEN v_changed = ARRAY['status'] THEN 'status_changed'
               WHEN v_changed = ARRAY['difficulty'] THEN 'difficulty_changed'
               ELSE 'edited' END,
          (SELECT jsonb_object_agg(k, v_old -> k) FROM unnest(v_changed) k),
          (SELECT jsonb_object_agg(k, v_new -> k) FROM unnest(v_changed) k));
  RETURN NULL;
END
$$;

-- ---------------------------------------------------------------- audit log
-- Arguments: 1 primary-key columns (without workspace_id), 2 the column holding the workspace id,
-- 3 columns left out of the log (counters, derived data), 4 columns whose values are replaced by "[redacted]".
CREATE FUNCTION app.audit_row() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
DECLARE
  v_keys text[] := TG_ARGV[0]::text[];
  v_workspace_column text := TG_ARGV[1];
  v_ignored text[] := coalesce(TG_ARGV[2], '{}')::text[];
  v_redacted text[] := coalesce(TG_ARGV[3], '{}')::text[];
  v_old jsonb;
  v_new jsonb;
  v_row jsonb;
  v_changed text[];
  k text;
BEGIN
  IF TG_OP <> 'INSERT' THEN v_old := to_jsonb(OLD) - v_ignored; END IF;
  IF TG_OP <> 'DELETE' THEN v_new := to_jsonb(NEW) - v_ignored; END IF;
  v_row := coalesce(v_new, v_old);
  IF TG_OP = 'UPDATE' THEN
    SELECT array_agg(n.key ORDER BY n.key) INTO v_changed
    FROM jsonb_each(v_new) n WHERE n.value IS DISTINCT FROM v_old -> n.key AND n.key <> 'updated_at';
    IF v_changed IS NULL THEN
      RETURN NULL;
    END IF;
  END IF;
  FOREACH k IN ARRAY v_redacted LOOP
    IF v_old ? k AND v_old -> k <> 'null'::jsonb THEN v_old := jsonb_set(v_old, ARRAY[k], '"[redacted]"'); END IF;
    IF v_new ? k AND v_new -> k <> 'null'::jsonb THEN v_new := jsonb_set(v_new, ARRAY[k], '"[redacted]"'); END IF;
  END LOOP;
  INSERT INTO public.audit_log (workspace_id, actor_user_id, action, entity_type, entity_id, before_json, after_json, changed_fields)
  VALUES ((v_row ->> v_workspace_column)::uuid, app.current_user_id(), lower(TG_OP), TG_TABLE_NAME,
          (SELECT string_agg(v_row ->> key, ':' ORDER BY ord) FROM unnest(v_keys) WITH ORDINALITY AS u(key, ord)),
          v_old, v_new, v_changed);
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION app.audit_row() IS
  'Trigger: writes one audit_log row per changed row, with the acting user; no-op updates are not logged';

DO $$
DECLARE
  spec record;
BEGIN
  FOR spec IN
    SELECT * FROM (VALUES
      ('workspaces', '{id}', 'id', '{}', '{}', 'INSERT OR UPDATE OR DELETE'),
      ('workspace_members', '{user_id}', 'workspace_id', '{}', '{}', 'INSERT OR UPDATE OR DELETE'),
      ('student_profiles', '{id}', 'workspace_id', '{}', '{}', 'INSERT OR UPDATE OR DELETE'),
      ('invite_tokens', '{id}', 'workspace_id', '{}', '{token_hash}', 'INSERT OR UPDATE OR DELETE'),
      ('topics', '{id}', 'workspace_id', '{}', '{}', 'INSERT OR UPDATE OR DELETE'),
      ('source_materials', '{id}', 'workspace_id', '{content_text}', '{}', 'INSERT OR UPDATE OR DELETE'),
      ('question_batches', '{id}', 'workspace_id', '{}', '{}', 'INSERT OR UPDATE OR DELETE'),
      ('questions', '{id}', 'workspace_id',
         '{times_attempted,times_correct,times_timed,time_spent_total_seconds,avg_time_seconds,search_tsv}', '{}',
         'INSERT OR DELETE OR UPDATE OF topic_id, source_material_id, batch_id, batch_custom_id, prompt_latex, prompt_text, answer_type, answer_spec, hints_json, solution_latex, difficulty, tags_json, curriculum_json, status, origin, quality_score, generation_metadata'),
      ('question_programs', '{question_id,program_id}', 'workspace_id', '{}', '{}', 'INSERT OR UPDATE OR DELETE'),
      ('question_grade_levels', '{question_id,grade_level_id}', 'workspace_id', '{}', '{}', 'INSERT OR UPDATE OR DELETE'),
      ('assignments', '{id}', 'workspace_id', '{total_items,completed_count,total_score,max_score,started_at}', '{}', 'INSERT OR UPDATE OR DELETE'),
      ('assignment_items', '{id}', 'workspace_id', '{}', '{}', 'INSERT OR UPDATE OR DELETE'),
      -- Attempts are an append-only record of their own; only corrections and removals are audited.
      ('attempts', '{id}', 'workspace_id', '{}', '{}', 'UPDATE OR DELETE'),
      ('question_flags', '{id}', 'workspace_id', '{}', '{}', 'INSERT OR UPDATE OR DELETE'),
      ('tutor_feedback', '{id}', 'workspace_id', '{}', '{}', 'INSERT OR UPDATE OR DELETE'),
      ('sessions', '{id}', 'workspace_id', '{}', '{}', 'INSERT OR UPDATE OR DELETE'),
      ('oauth_connections', '{id}', 'workspace_id', '{}', '{access_token_encrypted,refresh_token_encrypted}', 'INSERT OR UPDATE OR DELETE'),
      ('pdf_exports', '{id}', 'workspace_id', '{}', '{}', 'INSERT OR UPDATE OR DELETE')
    ) AS t(table_name, keys, workspace_column, ignored, redacted, events)
  LOOP
    EXECUTE format('CREATE TRIGGER %I AFTER %s ON %I FOR EACH ROW EXECUTE FUNCTION app.audit_row(%L, %L, %L, %L)',
                   spec.table_name || '_audit', spec.events, spec.table_name,
                   spec.keys, spec.workspace_column, spec.ignored, spec.redacted);
  END LOOP;
END
$$;

-- Counter updates must not look like edits: updated_at moves only with content (questions_bump_version).
DROP TRIGGER questions_touch_updated_at ON questions;
CREATE TRIGGER questions_version BEFORE UPDATE ON questions
  FOR EACH ROW EXECUTE FUNCTION app.questions_bump_version();
CREATE TRIGGER questions_history AFTER INSERT OR UPDATE ON questions
  FOR EACH ROW EXECUTE FUNCTION app.questions_record_history();
