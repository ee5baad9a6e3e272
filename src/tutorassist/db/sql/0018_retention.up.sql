-- Retention (seed Appendix C): cold storage for old attempts, an archive of the audit log, AI usage rolled up by
-- month. The retention job (tutorassist.operations.retention) moves rows; this migration gives it the tables and
-- makes moving an attempt leave everything derived from it as it was.

-- ================================================================ attempts_archive
-- Not partitioned: no rule ever drops archived attempts by year, so partitions would buy no cheap deletion, while a
-- partitioned table must carry submitted_at in its primary key and could no longer guarantee (workspace_id, id)
-- unique, which is what makes moving a batch twice impossible.
CREATE TABLE attempts_archive (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  id uuid NOT NULL,
  student_user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  question_id uuid NOT NULL,
  assignment_id uuid,
  client_request_id text,
  answer_raw text NOT NULL,
  answer_parsed jsonb,
  is_correct boolean,
  score numeric(5, 4),
  feedback_json jsonb NOT NULL,
  error_taxonomy_json jsonb NOT NULL,
  time_spent_seconds integer,
  hints_viewed integer NOT NULL,
  context_json jsonb NOT NULL,
  submitted_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL,
  question_version integer NOT NULL,
  archived_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, id),
  FOREIGN KEY (workspace_id, question_id) REFERENCES questions(workspace_id, id) ON DELETE CASCADE
);
CREATE INDEX idx_attempts_archive_student_date ON attempts_archive(workspace_id, student_user_id, submitted_at DESC, id DESC);
CREATE INDEX idx_attempts_archive_question ON attempts_archive(workspace_id, question_id, submitted_at);
CREATE INDEX idx_attempts_archive_assignment ON attempts_archive(workspace_id, assignment_id, question_id) WHERE assignment_id IS NOT NULL;
CREATE INDEX idx_attempts_archive_user ON attempts_archive(student_user_id);
COMMENT ON TABLE attempts_archive IS
  'Cold storage: attempts older than the retention window (default 2 years), moved by the RETENTION job unchanged; counters, progress and mastery still count them';
COMMENT ON COLUMN attempts_archive.workspace_id IS 'The workspace';
COMMENT ON COLUMN attempts_archive.id IS 'Attempt id (as it was in attempts; review events still name it)';
COMMENT ON COLUMN attempts_archive.student_user_id IS 'The student who answered';
COMMENT ON COLUMN attempts_archive.question_id IS 'The question answered';
COMMENT ON COLUMN attempts_archive.assignment_id IS 'The assignment answered in, NULL for free practice and review';
COMMENT ON COLUMN attempts_archive.client_request_id IS 'Client-chosen idempotency key of the submission';
COMMENT ON COLUMN attempts_archive.answer_raw IS 'The answer exactly as typed';
COMMENT ON COLUMN attempts_archive.answer_parsed IS 'The answer as the checker understood it';
COMMENT ON COLUMN attempts_archive.is_correct IS 'Whether the answer was correct (NULL: not graded)';
COMMENT ON COLUMN attempts_archive.score IS 'Score between 0 and 1';
COMMENT ON COLUMN attempts_archive.feedback_json IS 'Feedback shown to the student';
COMMENT ON COLUMN attempts_archive.error_taxonomy_json IS 'Classified mistakes (answer notes)';
COMMENT ON COLUMN attempts_archive.time_spent_seconds IS 'Seconds the student spent';
COMMENT ON COLUMN attempts_archive.hints_viewed IS 'Hints the student opened';
COMMENT ON COLUMN attempts_archive.context_json IS 'Where and how the attempt was made';
COMMENT ON COLUMN attempts_archive.submitted_at IS 'When the answer was submitted';
COMMENT ON COLUMN attempts_archive.created_at IS 'When the attempt row was first written';
COMMENT ON COLUMN attempts_archive.question_version IS 'Version of the question that was answered';
COMMENT ON COLUMN attempts_archive.archived_at IS 'When the RETENTION job moved it here';

ALTER TABLE attempts_archive ENABLE ROW LEVEL SECURITY;
ALTER TABLE attempts_archive FORCE ROW LEVEL SECURITY;
CREATE POLICY staff_workspace ON attempts_archive AS PERMISSIVE FOR SELECT TO tutorassist_app
  USING (workspace_id = (SELECT app.staff_workspace()));
CREATE POLICY learner_own ON attempts_archive AS PERMISSIVE FOR SELECT TO tutorassist_learner
  USING (workspace_id = (SELECT app.acting_workspace()) AND student_user_id = (SELECT app.learner_user_id()));
COMMENT ON POLICY staff_workspace ON attempts_archive IS 'Owners and tutors: archived attempts of the workspace they act in';
COMMENT ON POLICY learner_own ON attempts_archive IS 'Students and guardians: their own student''s archived attempts';
-- Read-only for everyone but the schema owner: only the RETENTION job writes it.
GRANT SELECT ON attempts_archive TO tutorassist_app, tutorassist_learner;

-- ================================================================ audit_log_archive
CREATE TABLE audit_log_archive (
  workspace_id uuid NOT NULL,
  id bigint NOT NULL,
  actor_user_id uuid REFERENCES users(id) ON DELETE SET NULL,
  action text NOT NULL,
  entity_type text NOT NULL,
  entity_id text NOT NULL,
  before_json jsonb,
  after_json jsonb,
  changed_fields text[],
  transaction_id bigint NOT NULL,
  occurred_at timestamptz NOT NULL,
  archived_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, id)
);
CREATE INDEX idx_audit_log_archive_workspace_time ON audit_log_archive(workspace_id, occurred_at DESC);
CREATE INDEX idx_audit_log_archive_entity ON audit_log_archive(workspace_id, entity_type, entity_id, occurred_at);
CREATE INDEX idx_audit_log_archive_actor ON audit_log_archive(actor_user_id);
CREATE INDEX idx_audit_log_archive_occurred ON audit_log_archive(occurred_at);
COMMENT ON TABLE audit_log_archive IS
  'Audit log rows of past years, moved once a year from audit_log by the RETENTION job and deleted 7 years after they occurred; like audit_log it outlives a deleted workspace';
COMMENT ON COLUMN audit_log_archive.workspace_id IS 'The workspace the change happened in';
COMMENT ON COLUMN audit_log_archive.id IS 'The audit_log id it had';
COMMENT ON COLUMN audit_log_archive.actor_user_id IS 'Who made the change';
COMMENT ON COLUMN audit_log_archive.action IS 'insert, update or delete';
COMMENT ON COLUMN audit_log_archive.entity_type IS 'The table changed';
COMMENT ON COLUMN audit_log_archive.entity_id IS 'Primary key of the changed row (without workspace_id)';
COMMENT ON COLUMN audit_log_archive.before_json IS 'The row before (NULL for an insert)';
COMMENT ON COLUMN audit_log_archive.after_json IS 'The row after (NULL for a delete)';
COMMENT ON COLUMN audit_log_archive.changed_fields IS 'Columns an update changed';
COMMENT ON COLUMN audit_log_archive.transaction_id IS 'Transaction that made the change';
COMMENT ON COLUMN audit_log_archive.occurred_at IS 'When the change happened';
COMMENT ON COLUMN audit_log_archive.archived_at IS 'When the RETENTION job moved it here';
ALTER TABLE audit_log_archive ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_log_archive FORCE ROW LEVEL SECURITY;
CREATE POLICY staff_workspace ON audit_log_archive AS PERMISSIVE FOR SELECT TO tutorassist_app
  USING (workspace_id = (SELECT app.staff_workspace()));
COMMENT ON POLICY staff_workspace ON audit_log_archive IS 'Owners and tutors: archived audit rows of the workspace they act in';
GRANT SELECT ON audit_log_archive TO tutorassist_app;

-- ================================================================ ai_usage_monthly
CREATE TABLE ai_usage_monthly (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  month date NOT NULL CHECK (extract(day FROM month) = 1),
  provider text NOT NULL,
  model text NOT NULL,
  operation_type text NOT NULL,
  calls bigint NOT NULL CHECK (calls > 0),
  failed_calls bigint NOT NULL CHECK (failed_calls BETWEEN 0 AND calls),
  tokens_input bigint NOT NULL CHECK (tokens_input >= 0),
  tokens_output bigint NOT NULL CHECK (tokens_output >= 0),
  tokens_total bigint NOT NULL CHECK (tokens_total >= 0),
  cost_usd numeric(16, 6) NOT NULL CHECK (cost_usd >= 0),
  PRIMARY KEY (workspace_id, month, provider, model, operation_type)
);
COMMENT ON TABLE ai_usage_monthly IS
  'AI usage older than the retention window (default 1 year), summed per workspace, UTC month, provider, model and operation by the RETENTION job, which then deletes the ai_usage_log rows';
COMMENT ON COLUMN ai_usage_monthly.workspace_id IS 'The workspace';
COMMENT ON COLUMN ai_usage_monthly.month IS 'First day of the UTC month the calls were made in';
COMMENT ON COLUMN ai_usage_monthly.provider IS 'Provider named in the call''s metadata (metadata->>''provider''), ''unrecorded'' when it named none';
COMMENT ON COLUMN ai_usage_monthly.model IS 'Model called';
COMMENT ON COLUMN ai_usage_monthly.operation_type IS 'What the calls were for (ai_usage_log.operation_type)';
COMMENT ON COLUMN ai_usage_monthly.calls IS 'Calls made';
COMMENT ON COLUMN ai_usage_monthly.failed_calls IS 'Calls among them that failed';
COMMENT ON COLUMN ai_usage_monthly.tokens_input IS 'Input tokens (calls that reported none count 0)';
COMMENT ON COLUMN ai_usage_monthly.tokens_output IS 'Output tokens (calls that reported none count 0)';
COMMENT ON COLUMN ai_usage_monthly.tokens_total IS 'Total tokens (calls that reported none count 0)';
COMMENT ON COLUMN ai_usage_monthly.cost_usd IS 'Cost in US dollars (calls without a cost count 0)';
ALTER TABLE ai_usage_monthly ENABLE ROW LEVEL SECURITY;
ALTER TABLE ai_usage_monthly FORCE ROW LEVEL SECURITY;
CREATE POLICY staff_workspace ON ai_usage_monthly AS PERMISSIVE FOR SELECT TO tutorassist_app
  USING (workspace_id = (SELECT app.staff_workspace()));
COMMENT ON POLICY staff_workspace ON ai_usage_monthly IS 'Owners and tutors: the monthly AI usage of the workspace they act in';
GRANT SELECT ON ai_usage_monthly TO tutorassist_app;

-- ================================================================ moving an attempt is not deleting it
-- The job sets `SET LOCAL tutorassist.archiving = 'on'` and moves attempts with one statement that deletes them and
-- inserts them into attempts_archive. The attempts triggers fire after that statement, so they can see the archived
-- copy. The setting alone is not enough: staff may DELETE attempts and may set any custom setting, but they cannot
-- write attempts_archive, so they cannot make a deletion look like a move.
CREATE FUNCTION app.attempt_being_archived(p_workspace_id uuid, p_attempt_id uuid) RETURNS boolean
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, public
AS $$
BEGIN
  IF coalesce(current_setting('tutorassist.archiving', true), '') <> 'on' THEN
    RETURN false;
  END IF;
  RETURN EXISTS (SELECT 1 FROM public.attempts_archive WHERE workspace_id = p_workspace_id AND id = p_attempt_id);
END
$$;
COMMENT ON FUNCTION app.attempt_being_archived(uuid, uuid) IS
  'True when the transaction archives (tutorassist.archiving = on) and the attempt already has its copy in attempts_archive: its deletion is a move, so derived state stays';
REVOKE EXECUTE ON FUNCTION app.attempt_being_archived(uuid, uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app.attempt_being_archived(uuid, uuid) TO tutorassist_app, tutorassist_learner;

CREATE OR REPLACE FUNCTION app.attempts_maintain_derived() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
DECLARE
  v_topic uuid;
  v_old_topic uuid;
BEGIN
  IF TG_OP = 'DELETE' AND app.attempt_being_archived(OLD.workspace_id, OLD.id) THEN
    RETURN NULL;
  END IF;
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
  'Keeps question counters (question_stats) and mastery (student_topic_state) exact as attempts are recorded, corrected or deleted; an attempt moved to attempts_archive changes neither';

CREATE OR REPLACE FUNCTION app.attempts_maintain_assignment_progress() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
BEGIN
  IF TG_OP = 'DELETE' AND app.attempt_being_archived(OLD.workspace_id, OLD.id) THEN
    RETURN NULL;
  END IF;
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
COMMENT ON FUNCTION app.attempts_maintain_assignment_progress() IS
  'Trigger: an attempt recorded, corrected or deleted recomputes its assignment''s progress; an attempt moved to attempts_archive does not';

-- An archived attempt is no removal to audit. (A trigger's WHEN is evaluated when the row is deleted, before the
-- archived copy exists, so the guard sits in the function.)
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
  -- An attempt moved to attempts_archive is no removal to audit.
  IF TG_OP = 'DELETE' AND TG_TABLE_NAME = 'attempts' THEN
    IF app.attempt_being_archived(OLD.workspace_id, OLD.id) THEN  -- nested: other tables' rows have no such fields
      RETURN NULL;
    END IF;
  END IF;
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
  'Trigger: writes one audit_log row per changed row, with the acting user; no-op updates are not logged, nor attempts moved to attempts_archive';

-- Review events keep naming their attempt once it is archived, so the foreign key (which would clear the reference)
-- gives way to app.check_attempt_reference (new references name a live attempt) and this trigger (a real deletion
-- clears the reference, as the foreign key did).
ALTER TABLE review_events DROP CONSTRAINT review_events_workspace_id_attempt_id_fkey;
CREATE FUNCTION app.attempts_release_review_events() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
BEGIN
  IF NOT app.attempt_being_archived(OLD.workspace_id, OLD.id) THEN
    UPDATE public.review_events SET attempt_id = NULL WHERE workspace_id = OLD.workspace_id AND attempt_id = OLD.id;
  END IF;
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION app.attempts_release_review_events() IS
  'Trigger: a deleted attempt is no longer named by review events (attempt_id set NULL); an archived one still is';
REVOKE EXECUTE ON FUNCTION app.attempts_release_review_events() FROM PUBLIC;
CREATE TRIGGER attempts_release_review_events AFTER DELETE ON attempts
  FOR EACH ROW EXECUTE FUNCTION app.attempts_release_review_events();
COMMENT ON COLUMN review_events.attempt_id IS
  'The graded attempt this review came from (in attempts, or in attempts_archive once archived); NULL when it was deleted';

-- Deleting AI usage rows that were rolled up into ai_usage_monthly is not taking cost off their job. Only the schema
-- owner can delete ai_usage_log rows, so the setting is enough here.
CREATE OR REPLACE FUNCTION app.ai_usage_cost_to_job() RETURNS trigger
  LANGUAGE plpgsql SET search_path = pg_catalog, public AS $$
BEGIN
  IF TG_OP = 'DELETE' AND coalesce(current_setting('tutorassist.archiving', true), '') = 'on' THEN
    RETURN NULL;
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.job_id IS NOT NULL AND OLD.cost_usd IS NOT NULL THEN
    UPDATE jobs SET cost_usd = greatest(cost_usd - OLD.cost_usd, 0) WHERE workspace_id = OLD.workspace_id AND id = OLD.job_id;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.job_id IS NOT NULL AND NEW.cost_usd IS NOT NULL THEN
    UPDATE jobs SET cost_usd = cost_usd + NEW.cost_usd WHERE workspace_id = NEW.workspace_id AND id = NEW.job_id;
  END IF;
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION app.ai_usage_cost_to_job() IS
  'Keeps jobs.cost_usd equal to the sum of its ai_usage_log rows; rows rolled up into ai_usage_monthly (tutorassist.archiving = on) leave the cost as it was';

-- ================================================================ recounts count archived attempts too
CREATE OR REPLACE FUNCTION app.recompute_student_topic(p_workspace_id uuid, p_student uuid, p_topic uuid) RETURNS void
LANGUAGE sql SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
  WITH truth AS (
    SELECT count(*)::integer AS attempts, (count(*) FILTER (WHERE a.is_correct))::integer AS correct,
           app.bkt(a.is_correct ORDER BY a.submitted_at, a.id) AS p_known, max(a.submitted_at) AS last_at
    FROM (SELECT workspace_id, id, student_user_id, question_id, is_correct, submitted_at FROM public.attempts
          UNION ALL
          SELECT workspace_id, id, student_user_id, question_id, is_correct, submitted_at FROM public.attempts_archive) a
    JOIN public.questions q ON q.workspace_id = a.workspace_id AND q.id = a.question_id
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
  'Recomputes one student''s mastery state for one topic from their attempts, archived ones included (after a correction, a deletion or a question moving topic)';

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
  FROM (SELECT workspace_id, id, student_user_id, question_id, is_correct, submitted_at FROM public.attempts
        UNION ALL
        SELECT workspace_id, id, student_user_id, question_id, is_correct, submitted_at FROM public.attempts_archive) a
  JOIN public.questions q ON q.workspace_id = a.workspace_id AND q.id = a.question_id
  WHERE a.is_correct IS NOT NULL AND q.topic_id IS NOT NULL AND (p_workspace_id IS NULL OR a.workspace_id = p_workspace_id)
  GROUP BY a.workspace_id, a.student_user_id, q.topic_id;
  GET DIAGNOSTICS v_rows = ROW_COUNT;
  RETURN v_rows;
END
$$;
COMMENT ON FUNCTION app.rebuild_learning_state(uuid) IS
  'Rebuilds student_topic_state from attempts and archived attempts (one workspace, or all), e.g. after a bulk load with triggers off; returns the rows written';

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
      FROM (SELECT workspace_id, question_id, is_correct, time_spent_seconds FROM public.attempts
            UNION ALL
            SELECT workspace_id, question_id, is_correct, time_spent_seconds FROM public.attempts_archive) a
      WHERE p_workspace_id IS NULL OR a.workspace_id = p_workspace_id
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
    FROM (SELECT workspace_id, question_id, is_correct, time_spent_seconds FROM public.attempts
          UNION ALL
          SELECT workspace_id, question_id, is_correct, time_spent_seconds FROM public.attempts_archive) a
    WHERE a.workspace_id = v.workspace_id AND a.question_id = v.question_id;
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
  'Recomputes the counters of questions whose question_stats disagree with their attempts, archived ones included (one workspace, or all), safe while attempts arrive; returns how many were repaired';

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
    FROM (SELECT workspace_id, assignment_id, question_id, score, submitted_at FROM public.attempts
          WHERE workspace_id = i.workspace_id AND assignment_id = i.assignment_id AND question_id = i.question_id
          UNION ALL
          SELECT workspace_id, assignment_id, question_id, score, submitted_at FROM public.attempts_archive
          WHERE workspace_id = i.workspace_id AND assignment_id = i.assignment_id AND question_id = i.question_id) a
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
  'Recomputes an assignment''s item count, completed count, score and status from its items and attempts, archived ones included';
