COMMENT ON TABLE jobs IS 'Background job queue (question generation, batch polling, embeddings, reconciliation, view refresh)';
COMMENT ON MATERIALIZED VIEW mv_student_performance IS 'Per student and workspace: attempts, accuracy, time, activity. Refreshed concurrently by the REFRESH_MATERIALIZED_VIEWS job';
COMMENT ON MATERIALIZED VIEW mv_topic_performance IS 'Per topic and workspace: attempts, accuracy, time, reach. Refreshed concurrently by the REFRESH_MATERIALIZED_VIEWS job';
COMMENT ON FUNCTION app.refresh_analytics_views() IS 'Refreshes every analytics materialized view without blocking readers (REFRESH_MATERIALIZED_VIEWS job)';
COMMENT ON COLUMN workspaces.timezone IS 'IANA time zone used for due dates, calendars and daily analytics';

-- Back to one workspace policy per table, counters on the questions row, and mastery computed on read.

REVOKE ALL ON ALL TABLES IN SCHEMA public FROM tutorassist_learner;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA app FROM tutorassist_learner;
REVOKE ALL ON SCHEMA app, extensions, public FROM tutorassist_learner;

DROP TRIGGER question_flags_attempt_reference ON question_flags;
DROP TRIGGER review_events_attempt_reference ON review_events;
DROP FUNCTION app.check_attempt_reference();
DROP FUNCTION app.question_mean_time(uuid);

-- attempts
ALTER TABLE attempts DISABLE TRIGGER attempts_audit;
DROP INDEX idx_attempts_workspace_date;
CREATE INDEX idx_attempts_workspace_date ON attempts(workspace_id, submitted_at);
DROP INDEX idx_attempts_student_date;
CREATE INDEX idx_attempts_student_date ON attempts(student_user_id, submitted_at DESC);
ALTER TABLE attempts DROP CONSTRAINT attempts_hints_match_context_check;
DROP TRIGGER attempts_question_version ON attempts;
DROP FUNCTION app.attempts_question_version();
ALTER TABLE attempts DROP COLUMN question_version;
ALTER TABLE attempts ENABLE TRIGGER attempts_audit;

-- mastery state and counters
DROP FUNCTION app.rebuild_learning_state(uuid);
DROP FUNCTION app.reconcile_question_stats(uuid);
DROP TRIGGER questions_topic_moved ON questions;
DROP FUNCTION app.questions_topic_moved();
DROP TRIGGER attempts_derived ON attempts;
DROP FUNCTION app.attempts_maintain_derived();
DROP FUNCTION app.recompute_student_topic(uuid, uuid, uuid);
DROP TABLE student_topic_state;
DROP AGGREGATE app.bkt(boolean);
DROP FUNCTION app.bkt_update(double precision, boolean);

ALTER TABLE questions
  ADD COLUMN times_attempted integer NOT NULL DEFAULT 0 CONSTRAINT questions_times_attempted_check CHECK (times_attempted >= 0),
  ADD COLUMN times_correct integer NOT NULL DEFAULT 0,
  ADD COLUMN times_timed integer NOT NULL DEFAULT 0,
  ADD COLUMN time_spent_total_seconds bigint NOT NULL DEFAULT 0
    CONSTRAINT questions_time_spent_total_seconds_check CHECK (time_spent_total_seconds >= 0);
ALTER TABLE questions DISABLE TRIGGER USER;
UPDATE questions q SET times_attempted = s.times_attempted, times_correct = s.times_correct, times_timed = s.times_timed,
                       time_spent_total_seconds = s.time_spent_total_seconds
FROM question_statistics s WHERE s.workspace_id = q.workspace_id AND s.question_id = q.id;
ALTER TABLE questions ENABLE TRIGGER USER;
ALTER TABLE questions
  ADD CONSTRAINT questions_times_correct_check CHECK (times_correct BETWEEN 0 AND times_attempted),
  ADD CONSTRAINT questions_times_timed_check CHECK (times_timed BETWEEN 0 AND times_attempted),
  ADD COLUMN avg_time_seconds numeric(12, 2) GENERATED ALWAYS AS (
    CASE WHEN times_timed > 0 THEN round(time_spent_total_seconds::numeric / times_timed, 2) END
  ) STORED;
CREATE INDEX idx_questions_stats ON questions(times_attempted, times_correct) WHERE times_attempted > 0;
COMMENT ON COLUMN questions.times_attempted IS 'Attempts recorded on the question (trigger-maintained from attempts)';
COMMENT ON COLUMN questions.times_correct IS 'Correct attempts (trigger-maintained from attempts)';
COMMENT ON COLUMN questions.times_timed IS 'Attempts that reported a time spent (trigger-maintained from attempts)';
COMMENT ON COLUMN questions.time_spent_total_seconds IS 'Sum of time spent over timed attempts (trigger-maintained from attempts)';
COMMENT ON COLUMN questions.avg_time_seconds IS 'Average time spent per timed attempt; generated from the two columns above, so it is exact';
GRANT INSERT (workspace_id, id, topic_id, source_material_id, batch_id, batch_custom_id, prompt_latex, prompt_text,
  answer_type, answer_spec, hints_json, solution_latex, difficulty, tags_json, curriculum_json, status, origin,
  quality_score, generation_metadata, created_by, updated_by) ON questions TO tutorassist_app;

DROP FUNCTION public.update_question_stats(uuid, uuid, boolean, integer, integer);
DROP VIEW question_statistics;
DROP TABLE question_stats;

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

-- policies
CREATE FUNCTION app.acting_workspaces() RETURNS uuid[]
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog
AS $$
  SELECT coalesce(array_agg(m.workspace_id), '{}'::uuid[])
  FROM public.workspace_members m
  WHERE m.user_id = app.current_user_id()
    AND (app.current_workspace_id() IS NULL OR m.workspace_id = app.current_workspace_id())
$$;
COMMENT ON FUNCTION app.acting_workspaces() IS
  'Workspaces the acting user may touch in this transaction: app.workspace_id if the user is a member of it, else all of the user''s memberships; empty when nobody is acting';
GRANT EXECUTE ON FUNCTION app.acting_workspaces() TO tutorassist_app;

CREATE OR REPLACE FUNCTION app.visible_user_ids() RETURNS uuid[]
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog
AS $$
  SELECT coalesce(array_agg(DISTINCT m.user_id), '{}'::uuid[]) || coalesce(ARRAY[app.current_user_id()], '{}'::uuid[])
  FROM public.workspace_members m
  WHERE m.workspace_id = ANY (app.acting_workspaces())
$$;
COMMENT ON FUNCTION app.visible_user_ids() IS 'Users the acting user may see: themself and the members of their acting workspaces';

CREATE OR REPLACE VIEW v_student_performance WITH (security_barrier) AS
SELECT * FROM mv_student_performance WHERE workspace_id = ANY ((SELECT app.acting_workspaces())::uuid[]);
CREATE OR REPLACE VIEW v_topic_performance WITH (security_barrier) AS
SELECT * FROM mv_topic_performance WHERE workspace_id = ANY ((SELECT app.acting_workspaces())::uuid[]);

ALTER POLICY users_visible ON users TO tutorassist_app;
ALTER POLICY users_update_self ON users TO tutorassist_app;

DROP POLICY learner_own ON tutor_feedback;
DROP TRIGGER tutor_feedback_student ON tutor_feedback;
DROP FUNCTION app.tutor_feedback_student();
ALTER TABLE tutor_feedback DROP COLUMN student_user_id;

DO $$
DECLARE
  p record;
BEGIN
  FOR p IN SELECT policyname, tablename FROM pg_policies WHERE schemaname = 'public'
           AND tablename NOT IN ('users', 'auth_sessions') LOOP
    EXECUTE format('DROP POLICY %I ON %I', p.policyname, p.tablename);
  END LOOP;
END
$$;
DO $$
DECLARE
  t text;
BEGIN
  FOR t IN SELECT unnest(ARRAY[
    'workspace_members', 'student_profiles', 'invite_tokens', 'jobs', 'topics', 'source_materials', 'question_batches',
    'questions', 'question_programs', 'question_grade_levels', 'question_embeddings', 'question_history', 'assignments',
    'assignment_items', 'attempts', 'spaced_repetition', 'question_flags', 'tutor_feedback', 'sessions',
    'oauth_connections', 'pdf_exports', 'ai_usage_log', 'student_progress_snapshots', 'audit_log', 'review_events'])
  LOOP
    EXECUTE format('CREATE POLICY tenant_isolation ON %I AS PERMISSIVE FOR ALL TO tutorassist_app '
                   'USING (workspace_id = ANY ((SELECT app.acting_workspaces())::uuid[])) '
                   'WITH CHECK (workspace_id = ANY ((SELECT app.acting_workspaces())::uuid[]))', t);
    EXECUTE format('COMMENT ON POLICY tenant_isolation ON %I IS %L', t,
                   'Rows of the acting user''s workspaces only (app.acting_workspaces)');
  END LOOP;
END
$$;
CREATE POLICY tenant_isolation ON workspaces AS PERMISSIVE FOR ALL TO tutorassist_app
  USING (id = ANY ((SELECT app.acting_workspaces())::uuid[]))
  WITH CHECK (id = ANY ((SELECT app.acting_workspaces())::uuid[]));
COMMENT ON POLICY tenant_isolation ON workspaces IS 'Workspaces the acting user is a member of; new ones through app.create_workspace';

DROP FUNCTION app.my_workspaces();
DROP FUNCTION app.db_role_for(uuid, uuid);
DROP FUNCTION app.begin_request(text, uuid);
CREATE FUNCTION app.session_user_id(p_token_hash text) RETURNS uuid
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
DECLARE v_user uuid;
BEGIN
  UPDATE public.auth_sessions s SET last_used_at = now()
  FROM public.users u
  WHERE s.token_hash = p_token_hash AND s.revoked_at IS NULL AND s.expires_at > now()
    AND u.id = s.user_id AND NOT u.is_disabled
  RETURNING s.user_id INTO v_user;
  RETURN v_user;
END
$$;
COMMENT ON FUNCTION app.session_user_id(text) IS 'The user of a live session token (hash), or NULL; marks the session used';
GRANT EXECUTE ON FUNCTION app.session_user_id(text) TO tutorassist_app;
DROP FUNCTION app.learner_assignment_ids();
DROP FUNCTION app.practising_student_id();
DROP FUNCTION app.learner_profile_id();
DROP FUNCTION app.learner_user_id();
DROP FUNCTION app.staff_workspace();
DROP FUNCTION app.acting_workspace();
-- The tutorassist_learner role is cluster-wide and may serve other databases on this server, so it stays.
