-- Back to 0017: archived attempts and audit rows return to their tables (with the triggers off, since every counter
-- still counts them); the monthly AI usage cannot be split back into calls and is dropped with its table.

ALTER TABLE attempts DISABLE TRIGGER USER;
INSERT INTO attempts (workspace_id, id, student_user_id, question_id, assignment_id, client_request_id, answer_raw,
  answer_parsed, is_correct, score, feedback_json, error_taxonomy_json, time_spent_seconds, hints_viewed, context_json,
  submitted_at, created_at, question_version)
SELECT workspace_id, id, student_user_id, question_id, assignment_id, client_request_id, answer_raw, answer_parsed,
  is_correct, score, feedback_json, error_taxonomy_json, time_spent_seconds, hints_viewed, context_json, submitted_at,
  created_at, question_version
FROM attempts_archive;
ALTER TABLE attempts ENABLE TRIGGER USER;
INSERT INTO audit_log (workspace_id, id, actor_user_id, action, entity_type, entity_id, before_json, after_json,
  changed_fields, transaction_id, occurred_at) OVERRIDING SYSTEM VALUE
SELECT workspace_id, id, actor_user_id, action, entity_type, entity_id, before_json, after_json, changed_fields,
  transaction_id, occurred_at
FROM audit_log_archive;

DROP TRIGGER attempts_release_review_events ON attempts;
DROP FUNCTION app.attempts_release_review_events();
UPDATE review_events e SET attempt_id = NULL
WHERE attempt_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM attempts a WHERE a.workspace_id = e.workspace_id AND a.id = e.attempt_id);
ALTER TABLE review_events ADD CONSTRAINT review_events_workspace_id_attempt_id_fkey
  FOREIGN KEY (workspace_id, attempt_id) REFERENCES attempts(workspace_id, id) ON DELETE SET NULL (attempt_id);
COMMENT ON COLUMN review_events.attempt_id IS 'The attempt that was the review; NULL once that attempt is deleted';

CREATE OR REPLACE FUNCTION app.audit_row() RETURNS trigger
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

CREATE OR REPLACE FUNCTION app.attempts_maintain_derived() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
DECLARE
  v_topic uuid;
  v_old_topic uuid;
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    PERFORM public.update_question_stats(OLD.workspace_id, OLD.question_id, OLD.is_correct, OLD.time_spent_seconds, -1);
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    PERFORM public.update_question_stats(NEW.workspace_id, NEW.question_id, NEW.is_correct, NEW.time_spent_seconds, 1);
  END IF;
  IF TG_OP = 'INSERT' THEN
    IF NEW.is_correct IS NOT NULL THEN
      SELECT topic_id INTO v_topic FROM public.questions WHERE workspace_id = NEW.workspace_id AND id = NEW.question_id;
      IF v_topic IS NOT NULL THEN
        INSERT INTO public.student_topic_state AS s (workspace_id, student_user_id, topic_id, attempts, correct, p_known,
                                                     last_attempt_at)
        VALUES (NEW.workspace_id, NEW.student_user_id, v_topic, 1, CASE WHEN NEW.is_correct THEN 1 ELSE 0 END,
                app.bkt_update(0.2, NEW.is_correct), NEW.submitted_at)
        ON CONFLICT (workspace_id, student_user_id, topic_id) DO UPDATE SET
          attempts = s.attempts + 1, correct = s.correct + EXCLUDED.correct,
          p_known = app.bkt_update(s.p_known, NEW.is_correct),
          last_attempt_at = greatest(s.last_attempt_at, EXCLUDED.last_attempt_at);
      END IF;
    END IF;
  ELSE
    SELECT topic_id INTO v_old_topic FROM public.questions WHERE workspace_id = OLD.workspace_id AND id = OLD.question_id;
    IF v_old_topic IS NOT NULL THEN
      PERFORM app.recompute_student_topic(OLD.workspace_id, OLD.student_user_id, v_old_topic);
    END IF;
    IF TG_OP = 'UPDATE' THEN
      SELECT topic_id INTO v_topic FROM public.questions WHERE workspace_id = NEW.workspace_id AND id = NEW.question_id;
      IF v_topic IS NOT NULL AND (v_topic IS DISTINCT FROM v_old_topic OR NEW.student_user_id <> OLD.student_user_id) THEN
        PERFORM app.recompute_student_topic(NEW.workspace_id, NEW.student_user_id, v_topic);
      END IF;
    END IF;
  END IF;
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION app.attempts_maintain_derived() IS
  'Keeps question counters (question_stats) and mastery (student_topic_state) exact as attempts are recorded, corrected or deleted';
CREATE OR REPLACE FUNCTION app.attempts_maintain_assignment_progress() RETURNS trigger
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
COMMENT ON FUNCTION app.attempts_maintain_assignment_progress() IS NULL;
CREATE OR REPLACE FUNCTION app.ai_usage_cost_to_job() RETURNS trigger
  LANGUAGE plpgsql SET search_path = pg_catalog, public AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.job_id IS NOT NULL AND OLD.cost_usd IS NOT NULL THEN
    UPDATE jobs SET cost_usd = greatest(cost_usd - OLD.cost_usd, 0) WHERE workspace_id = OLD.workspace_id AND id = OLD.job_id;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.job_id IS NOT NULL AND NEW.cost_usd IS NOT NULL THEN
    UPDATE jobs SET cost_usd = cost_usd + NEW.cost_usd WHERE workspace_id = NEW.workspace_id AND id = NEW.job_id;
  END IF;
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION app.ai_usage_cost_to_job() IS 'Keeps jobs.cost_usd equal to the sum of its ai_usage_log rows';
CREATE OR REPLACE FUNCTION app.recompute_student_topic(p_workspace_id uuid, p_student uuid, p_topic uuid) RETURNS void
LANGUAGE sql SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
  WITH truth AS (
    SELECT count(*)::integer AS attempts, (count(*) FILTER (WHERE a.is_correct))::integer AS correct,
           app.bkt(a.is_correct ORDER BY a.submitted_at, a.id) AS p_known, max(a.submitted_at) AS last_at
    FROM public.attempts a JOIN public.questions q ON q.workspace_id = a.workspace_id AND q.id = a.question_id
    WHERE a.workspace_id = p_workspace_id AND a.student_user_id = p_student AND q.topic_id = p_topic
      AND a.is_correct IS NOT NULL
  ), removed AS (
    DELETE FROM public.student_topic_state s USING truth
    WHERE truth.attempts = 0 AND s.workspace_id = p_workspace_id AND s.student_user_id = p_student AND s.topic_id = p_topic
  )
  INSERT INTO public.student_topic_state AS s (workspace_id, student_user_id, topic_id, attempts, correct, p_known, last_attempt_at)
  SELECT p_workspace_id, p_student, p_topic, attempts, correct, p_known, last_at FROM truth WHERE attempts > 0
  ON CONFLICT (workspace_id, student_user_id, topic_id) DO UPDATE SET
    attempts = EXCLUDED.attempts, correct = EXCLUDED.correct, p_known = EXCLUDED.p_known,
    last_attempt_at = EXCLUDED.last_attempt_at
$$;
COMMENT ON FUNCTION app.recompute_student_topic(uuid, uuid, uuid) IS
  'Recomputes one student''s mastery state for one topic from their attempts (after a correction, a deletion or a question moving topic)';
CREATE OR REPLACE FUNCTION app.rebuild_learning_state(p_workspace_id uuid DEFAULT NULL) RETURNS integer
LANGUAGE plpgsql
SET search_path = pg_catalog, public
AS $$
DECLARE
  v_rows integer;
BEGIN
  DELETE FROM public.student_topic_state WHERE p_workspace_id IS NULL OR workspace_id = p_workspace_id;
  INSERT INTO public.student_topic_state (workspace_id, student_user_id, topic_id, attempts, correct, p_known, last_attempt_at)
  SELECT a.workspace_id, a.student_user_id, q.topic_id, count(*), count(*) FILTER (WHERE a.is_correct),
         app.bkt(a.is_correct ORDER BY a.submitted_at, a.id), max(a.submitted_at)
  FROM public.attempts a JOIN public.questions q ON q.workspace_id = a.workspace_id AND q.id = a.question_id
  WHERE a.is_correct IS NOT NULL AND q.topic_id IS NOT NULL AND (p_workspace_id IS NULL OR a.workspace_id = p_workspace_id)
  GROUP BY a.workspace_id, a.student_user_id, q.topic_id;
  GET DIAGNOSTICS v_rows = ROW_COUNT;
  RETURN v_rows;
END
$$;
COMMENT ON FUNCTION app.rebuild_learning_state(uuid) IS
  'Rebuilds student_topic_state from attempts (one workspace, or all), e.g. after a bulk load with triggers off; returns the rows written';
CREATE OR REPLACE FUNCTION app.reconcile_question_stats(p_workspace_id uuid DEFAULT NULL) RETURNS integer
LANGUAGE plpgsql
SET search_path = pg_catalog, public
AS $$
DECLARE
  v record;
  v_fixed integer := 0;
  v_truth record;
BEGIN
  FOR v IN
    WITH truth AS (
      SELECT a.workspace_id, a.question_id, count(*)::integer AS attempted,
             (count(*) FILTER (WHERE a.is_correct))::integer AS correct,
             count(a.time_spent_seconds)::integer AS timed, coalesce(sum(a.time_spent_seconds), 0)::bigint AS total_time
      FROM public.attempts a WHERE p_workspace_id IS NULL OR a.workspace_id = p_workspace_id
      GROUP BY a.workspace_id, a.question_id
    ), kept AS (
      SELECT workspace_id, question_id, sum(times_attempted)::integer AS attempted, sum(times_correct)::integer AS correct,
             sum(times_timed)::integer AS timed, sum(time_spent_total_seconds)::bigint AS total_time
      FROM public.question_stats WHERE p_workspace_id IS NULL OR workspace_id = p_workspace_id
      GROUP BY workspace_id, question_id
    )
    SELECT coalesce(t.workspace_id, k.workspace_id) AS workspace_id, coalesce(t.question_id, k.question_id) AS question_id
    FROM truth t FULL JOIN kept k ON k.workspace_id = t.workspace_id AND k.question_id = t.question_id
    WHERE (coalesce(t.attempted, 0), coalesce(t.correct, 0), coalesce(t.timed, 0), coalesce(t.total_time, 0))
          IS DISTINCT FROM (coalesce(k.attempted, 0), coalesce(k.correct, 0), coalesce(k.timed, 0), coalesce(k.total_time, 0))
  LOOP
    PERFORM 1 FROM public.questions WHERE workspace_id = v.workspace_id AND id = v.question_id FOR UPDATE;
    IF NOT FOUND THEN
      CONTINUE;  -- deleted meanwhile: its counters went with it
    END IF;
    SELECT count(*)::integer AS attempted, (count(*) FILTER (WHERE a.is_correct))::integer AS correct,
           count(a.time_spent_seconds)::integer AS timed, coalesce(sum(a.time_spent_seconds), 0)::bigint AS total_time
    INTO v_truth
    FROM public.attempts a WHERE a.workspace_id = v.workspace_id AND a.question_id = v.question_id;
    IF (SELECT (coalesce(sum(times_attempted), 0), coalesce(sum(times_correct), 0), coalesce(sum(times_timed), 0),
                coalesce(sum(time_spent_total_seconds), 0))
        IS DISTINCT FROM (v_truth.attempted::bigint, v_truth.correct::bigint, v_truth.timed::bigint, v_truth.total_time::numeric)
        FROM public.question_stats WHERE workspace_id = v.workspace_id AND question_id = v.question_id) THEN
      DELETE FROM public.question_stats WHERE workspace_id = v.workspace_id AND question_id = v.question_id;
      IF v_truth.attempted > 0 THEN
        INSERT INTO public.question_stats (workspace_id, question_id, shard, times_attempted, times_correct, times_timed,
                                           time_spent_total_seconds)
        VALUES (v.workspace_id, v.question_id, 0, v_truth.attempted, v_truth.correct, v_truth.timed, v_truth.total_time);
      END IF;
      v_fixed := v_fixed + 1;
    END IF;
  END LOOP;
  RETURN v_fixed;
END
$$;
COMMENT ON FUNCTION app.reconcile_question_stats(uuid) IS
  'Recomputes the counters of questions whose question_stats disagree with their attempts (one workspace, or all), safe while attempts arrive; returns how many were repaired';
CREATE OR REPLACE FUNCTION app.refresh_assignment_progress(p_workspace_id uuid, p_assignment_id uuid) RETURNS void
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

DROP FUNCTION app.attempt_being_archived(uuid, uuid);
DROP TABLE ai_usage_monthly;
DROP TABLE audit_log_archive;
DROP TABLE attempts_archive;
