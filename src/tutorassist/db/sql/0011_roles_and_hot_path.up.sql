-- Row-level security by role inside a workspace, and the attempt hot path.
--
-- Roles. A transaction acts in one workspace (app.user_id, app.workspace_id) and, by the member's role there, as one
-- of two database roles: staff (owner, tutor) as tutorassist_app, students and guardians as tutorassist_learner.
-- Each role has exactly one policy per table and command, an equality against a value computed once per statement
-- (an InitPlan), so the planner sees one index-friendly comparison. Each value is validated against
-- workspace_members by a SECURITY DEFINER function: acting as the wrong database role shows nothing.
-- Staff-only tables are not granted to tutorassist_learner at all. Requests outside a workspace (my workspaces, my
-- sessions) read through narrow functions.
--
-- Hot path. Question counters leave the wide questions row (11 indexes, none of its updates HOT) for
-- question_stats: narrow, sharded by connection so concurrent attempts at a popular question rarely wait for one
-- another, and summed on read. Mastery per student and topic (Bayesian knowledge tracing) is kept by the attempts
-- trigger in student_topic_state, so practice endpoints never scan a student's attempts.

-- ================================================================ roles and acting context
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'tutorassist_learner') THEN
    CREATE ROLE tutorassist_learner NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
  END IF;
END
$$;

CREATE FUNCTION app.acting_workspace() RETURNS uuid
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog
AS $$
  SELECT m.workspace_id FROM public.workspace_members m
  WHERE m.workspace_id = app.current_workspace_id() AND m.user_id = app.current_user_id()
$$;
COMMENT ON FUNCTION app.acting_workspace() IS
  'app.workspace_id when the acting user is a member of it (any role), else NULL';

CREATE FUNCTION app.staff_workspace() RETURNS uuid
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog
AS $$
  SELECT m.workspace_id FROM public.workspace_members m
  WHERE m.workspace_id = app.current_workspace_id() AND m.user_id = app.current_user_id()
    AND m.role IN ('owner', 'tutor')
$$;
COMMENT ON FUNCTION app.staff_workspace() IS
  'app.workspace_id when the acting user is an owner or tutor there, else NULL: the value of every staff policy';

CREATE FUNCTION app.learner_user_id() RETURNS uuid
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog
AS $$
  SELECT CASE m.role WHEN 'student' THEN m.user_id ELSE p.user_id END
  FROM public.workspace_members m
  LEFT JOIN public.student_profiles p ON p.workspace_id = m.workspace_id AND p.id = m.student_profile_id
  WHERE m.workspace_id = app.current_workspace_id() AND m.user_id = app.current_user_id()
    AND m.role IN ('student', 'guardian')
$$;
COMMENT ON FUNCTION app.learner_user_id() IS
  'The student whose learning data the acting user may read: themself (student) or their student (guardian), else NULL';

CREATE FUNCTION app.learner_profile_id() RETURNS uuid
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog
AS $$
  SELECT CASE m.role WHEN 'student' THEN
           (SELECT p.id FROM public.student_profiles p WHERE p.workspace_id = m.workspace_id AND p.user_id = m.user_id)
         ELSE m.student_profile_id END
  FROM public.workspace_members m
  WHERE m.workspace_id = app.current_workspace_id() AND m.user_id = app.current_user_id()
    AND m.role IN ('student', 'guardian')
$$;
COMMENT ON FUNCTION app.learner_profile_id() IS
  'The student profile the acting student or guardian may read, else NULL';

CREATE FUNCTION app.practising_student_id() RETURNS uuid
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog
AS $$
  SELECT m.user_id FROM public.workspace_members m
  JOIN public.student_profiles p ON p.workspace_id = m.workspace_id AND p.user_id = m.user_id
  WHERE m.workspace_id = app.current_workspace_id() AND m.user_id = app.current_user_id()
    AND m.role = 'student' AND p.archived_at IS NULL
$$;
COMMENT ON FUNCTION app.practising_student_id() IS
  'The acting user when they are a student of the workspace whose profile is not archived, else NULL: who may write attempts, cards and reviews';

CREATE FUNCTION app.learner_assignment_ids() RETURNS uuid[]
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog
AS $$
  SELECT coalesce(array_agg(a.id), '{}'::uuid[]) FROM public.assignments a
  WHERE a.workspace_id = app.acting_workspace() AND a.student_profile_id = app.learner_profile_id()
$$;
COMMENT ON FUNCTION app.learner_assignment_ids() IS 'Assignments of the student the acting student or guardian may read';

-- One round trip opens a request: the session behind a token (marked used at most once a minute), the member's role
-- in the workspace asked for, and the database role to act as. The caller sets the settings it returns.
CREATE FUNCTION app.begin_request(p_token_hash text, p_workspace_id uuid)
RETURNS TABLE (user_id uuid, role text, student_profile_id uuid, archived boolean, db_role text)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
DECLARE
  v_session uuid;
  v_last_used timestamptz;
BEGIN
  SELECT s.id, s.user_id, s.last_used_at INTO v_session, user_id, v_last_used
  FROM public.auth_sessions s JOIN public.users u ON u.id = s.user_id
  WHERE s.token_hash = p_token_hash AND s.revoked_at IS NULL AND s.expires_at > now() AND NOT u.is_disabled;
  IF v_session IS NOT NULL AND v_last_used < now() - interval '1 minute' THEN
    UPDATE public.auth_sessions SET last_used_at = now() WHERE id = v_session;
  END IF;
  IF user_id IS NOT NULL AND p_workspace_id IS NOT NULL THEN
    SELECT m.role, CASE WHEN m.role = 'guardian' THEN m.student_profile_id ELSE p.id END, p.archived_at IS NOT NULL
    INTO role, student_profile_id, archived
    FROM public.workspace_members m
    LEFT JOIN public.student_profiles p ON p.workspace_id = m.workspace_id AND p.user_id = m.user_id
    WHERE m.workspace_id = p_workspace_id AND m.user_id = begin_request.user_id;
  END IF;
  db_role := CASE WHEN role IN ('student', 'guardian') THEN 'tutorassist_learner' ELSE 'tutorassist_app' END;
  RETURN NEXT;
END
$$;
COMMENT ON FUNCTION app.begin_request(text, uuid) IS
  'Opens a request in one round trip: the live session''s user (last_used_at written at most once a minute), their role, student profile and archived state in the workspace, and the database role to act as';

DROP FUNCTION app.session_user_id(text);  -- replaced by app.begin_request

CREATE FUNCTION app.db_role_for(p_user_id uuid, p_workspace_id uuid) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog
AS $$
  SELECT CASE WHEN EXISTS (SELECT 1 FROM public.workspace_members m WHERE m.workspace_id = p_workspace_id
                           AND m.user_id = p_user_id AND m.role IN ('student', 'guardian'))
              THEN 'tutorassist_learner' ELSE 'tutorassist_app' END
$$;
COMMENT ON FUNCTION app.db_role_for(uuid, uuid) IS
  'tutorassist_learner for a student or guardian of the workspace, else tutorassist_app (staff, or outside any workspace)';

-- Outside a workspace a user still lists their own memberships.
CREATE FUNCTION app.my_workspaces()
RETURNS TABLE (workspace_id uuid, name text, timezone text, settings jsonb, created_at timestamptz, role text)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog
AS $$
  SELECT w.id, w.name, w.timezone, w.settings_json, w.created_at, m.role
  FROM public.workspace_members m JOIN public.workspaces w ON w.id = m.workspace_id
  WHERE m.user_id = app.current_user_id()
$$;
COMMENT ON FUNCTION app.my_workspaces() IS 'The acting user''s workspaces and role in each (read outside any workspace)';

-- Users a member may see: staff see their workspace's members; a student or guardian sees themself, the staff and
-- their student.
CREATE OR REPLACE FUNCTION app.visible_user_ids() RETURNS uuid[]
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog
AS $$
  SELECT coalesce(array_agg(DISTINCT m.user_id), '{}'::uuid[]) || coalesce(ARRAY[app.current_user_id()], '{}'::uuid[])
  FROM public.workspace_members m
  WHERE m.workspace_id = app.acting_workspace()
    AND (app.staff_workspace() IS NOT NULL OR m.role IN ('owner', 'tutor') OR m.user_id = app.learner_user_id())
$$;
COMMENT ON FUNCTION app.visible_user_ids() IS
  'Users the acting user may see: themself; in the acting workspace all members (staff) or the staff and their own student (students, guardians)';

-- ================================================================ policies by role
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
    EXECUTE format('DROP POLICY tenant_isolation ON %I', t);
    EXECUTE format('CREATE POLICY staff_workspace ON %I AS PERMISSIVE FOR ALL TO tutorassist_app '
                   'USING (workspace_id = (SELECT app.staff_workspace())) '
                   'WITH CHECK (workspace_id = (SELECT app.staff_workspace()))', t);
    EXECUTE format('COMMENT ON POLICY staff_workspace ON %I IS %L', t,
                   'Owners and tutors: the rows of the workspace they act in (app.staff_workspace)');
  END LOOP;
END
$$;
DROP POLICY tenant_isolation ON workspaces;
CREATE POLICY staff_workspace ON workspaces AS PERMISSIVE FOR ALL TO tutorassist_app
  USING (id = (SELECT app.staff_workspace())) WITH CHECK (id = (SELECT app.staff_workspace()));
COMMENT ON POLICY staff_workspace ON workspaces IS 'Owners and tutors: the workspace they act in; new ones through app.create_workspace';

-- What a student or guardian reads: their workspace, the question bank a student practises from, and the learning
-- data of their own student. Writes: a student (profile not archived) records their own attempts, cards and reviews;
-- anyone flags a question.
CREATE POLICY learner_workspace ON workspaces AS PERMISSIVE FOR SELECT TO tutorassist_learner
  USING (id = (SELECT app.acting_workspace()));
CREATE POLICY learner_self ON workspace_members AS PERMISSIVE FOR SELECT TO tutorassist_learner
  USING (workspace_id = (SELECT app.acting_workspace()) AND user_id = (SELECT app.current_user_id()));
CREATE POLICY learner_profile ON student_profiles AS PERMISSIVE FOR SELECT TO tutorassist_learner
  USING (workspace_id = (SELECT app.acting_workspace()) AND id = (SELECT app.learner_profile_id()));
CREATE POLICY learner_bank ON topics AS PERMISSIVE FOR SELECT TO tutorassist_learner
  USING (workspace_id = (SELECT app.acting_workspace()));
CREATE POLICY learner_bank ON questions AS PERMISSIVE FOR SELECT TO tutorassist_learner
  USING (workspace_id = (SELECT app.acting_workspace()) AND status = 'active' AND hidden_at IS NULL);
CREATE POLICY learner_bank ON question_programs AS PERMISSIVE FOR SELECT TO tutorassist_learner
  USING (workspace_id = (SELECT app.acting_workspace()));
CREATE POLICY learner_bank ON question_grade_levels AS PERMISSIVE FOR SELECT TO tutorassist_learner
  USING (workspace_id = (SELECT app.acting_workspace()));
CREATE POLICY learner_own ON assignments AS PERMISSIVE FOR SELECT TO tutorassist_learner
  USING (workspace_id = (SELECT app.acting_workspace()) AND student_profile_id = (SELECT app.learner_profile_id()));
CREATE POLICY learner_own ON assignment_items AS PERMISSIVE FOR SELECT TO tutorassist_learner
  USING (workspace_id = (SELECT app.acting_workspace()) AND assignment_id = ANY ((SELECT app.learner_assignment_ids())::uuid[]));
CREATE POLICY learner_own ON sessions AS PERMISSIVE FOR SELECT TO tutorassist_learner
  USING (workspace_id = (SELECT app.acting_workspace()) AND student_profile_id = (SELECT app.learner_profile_id()));
CREATE POLICY learner_own ON student_progress_snapshots AS PERMISSIVE FOR SELECT TO tutorassist_learner
  USING (workspace_id = (SELECT app.acting_workspace()) AND student_user_id = (SELECT app.learner_user_id()));
CREATE POLICY learner_own ON question_flags AS PERMISSIVE FOR SELECT TO tutorassist_learner
  USING (workspace_id = (SELECT app.acting_workspace()) AND flagged_by = (SELECT app.current_user_id()));
CREATE POLICY learner_raise ON question_flags AS PERMISSIVE FOR INSERT TO tutorassist_learner
  WITH CHECK (workspace_id = (SELECT app.acting_workspace()) AND flagged_by = (SELECT app.current_user_id())
              AND EXISTS (SELECT 1 FROM questions q WHERE q.workspace_id = question_flags.workspace_id
                          AND q.id = question_flags.question_id));
-- A student writes only about questions they are shown (the subquery reads questions under their own policy).
DO $$
DECLARE
  t text;
BEGIN
  FOR t IN SELECT unnest(ARRAY['attempts', 'spaced_repetition', 'review_events']) LOOP
    EXECUTE format('CREATE POLICY learner_own ON %I AS PERMISSIVE FOR SELECT TO tutorassist_learner '
                   'USING (workspace_id = (SELECT app.acting_workspace()) AND student_user_id = (SELECT app.learner_user_id()))', t);
    EXECUTE format('CREATE POLICY learner_practice ON %1$I AS PERMISSIVE FOR INSERT TO tutorassist_learner '
                   'WITH CHECK (workspace_id = (SELECT app.acting_workspace()) AND student_user_id = (SELECT app.practising_student_id()) '
                   'AND EXISTS (SELECT 1 FROM questions q WHERE q.workspace_id = %1$I.workspace_id AND q.id = %1$I.question_id))', t);
    EXECUTE format('COMMENT ON POLICY learner_own ON %I IS %L', t, 'Students and guardians: the rows of their own student');
    EXECUTE format('COMMENT ON POLICY learner_practice ON %I IS %L', t,
                   'A student whose profile is not archived records their own, about questions they are shown');
  END LOOP;
END
$$;
CREATE POLICY learner_practice_update ON spaced_repetition AS PERMISSIVE FOR UPDATE TO tutorassist_learner
  USING (workspace_id = (SELECT app.acting_workspace()) AND student_user_id = (SELECT app.practising_student_id()))
  WITH CHECK (workspace_id = (SELECT app.acting_workspace()) AND student_user_id = (SELECT app.practising_student_id()));
COMMENT ON POLICY learner_workspace ON workspaces IS 'Students and guardians: the workspace they act in';
COMMENT ON POLICY learner_self ON workspace_members IS 'Students and guardians: their own membership';
COMMENT ON POLICY learner_profile ON student_profiles IS 'Students and guardians: their own student''s profile (never the private notes: no column grant)';
COMMENT ON POLICY learner_bank ON topics IS 'Students and guardians: the topic tree';
COMMENT ON POLICY learner_bank ON questions IS 'Students and guardians: active questions not hidden by flags';
COMMENT ON POLICY learner_bank ON question_programs IS 'Students and guardians: programs of the workspace''s questions';
COMMENT ON POLICY learner_bank ON question_grade_levels IS 'Students and guardians: grade levels of the workspace''s questions';
COMMENT ON POLICY learner_own ON assignments IS 'Students and guardians: assignments given to their own student';
COMMENT ON POLICY learner_own ON assignment_items IS 'Students and guardians: items of their own student''s assignments';
COMMENT ON POLICY learner_own ON sessions IS 'Students and guardians: their own student''s tutoring sessions';
COMMENT ON POLICY learner_own ON student_progress_snapshots IS 'Students and guardians: their own student''s snapshots';
COMMENT ON POLICY learner_own ON question_flags IS 'Students and guardians: the flags they raised';
COMMENT ON POLICY learner_raise ON question_flags IS 'Students and guardians raise flags in their own name, on questions they are shown';

-- A flag or a review event that names an attempt names one at the same question, by the same student (a flag raised
-- by staff may name anyone's). Foreign keys are checked past row-level security, so this is a trigger.
CREATE FUNCTION app.check_attempt_reference() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
DECLARE
  v_student uuid;
BEGIN
  IF TG_TABLE_NAME = 'review_events' THEN
    v_student := NEW.student_user_id;
  ELSE
    v_student := NEW.flagged_by;
  END IF;
  IF NEW.attempt_id IS NOT NULL AND NOT EXISTS (
    SELECT 1 FROM public.attempts a WHERE a.workspace_id = NEW.workspace_id AND a.id = NEW.attempt_id
      AND a.question_id = NEW.question_id
      AND (a.student_user_id = v_student OR (TG_TABLE_NAME = 'question_flags' AND EXISTS (
        SELECT 1 FROM public.workspace_members m WHERE m.workspace_id = NEW.workspace_id AND m.user_id = v_student
          AND m.role IN ('owner', 'tutor'))))
  ) THEN
    RAISE EXCEPTION 'attempt % is not an attempt of this student at this question', NEW.attempt_id
      USING ERRCODE = 'check_violation', CONSTRAINT = TG_TABLE_NAME || '_attempt_reference_check';
  END IF;
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION app.check_attempt_reference() IS
  'Refuses a flag or review event naming an attempt of another question or (unless a tutor flags) another student';
-- AFTER: row-level security and the foreign keys speak first.
CREATE TRIGGER review_events_attempt_reference AFTER INSERT OR UPDATE OF attempt_id ON review_events
  FOR EACH ROW EXECUTE FUNCTION app.check_attempt_reference();
CREATE TRIGGER question_flags_attempt_reference AFTER INSERT OR UPDATE OF attempt_id ON question_flags
  FOR EACH ROW EXECUTE FUNCTION app.check_attempt_reference();
COMMENT ON POLICY learner_practice_update ON spaced_repetition IS 'A student whose profile is not archived updates their own cards';

-- Feedback meant for a student carries the student, so the learner policy is one comparison.
ALTER TABLE tutor_feedback ADD COLUMN student_user_id uuid;
-- Backfills of derived columns are not edits: the audit triggers stay quiet while they run.
ALTER TABLE tutor_feedback DISABLE TRIGGER tutor_feedback_audit;
UPDATE tutor_feedback f SET student_user_id = a.student_user_id
FROM attempts a WHERE a.workspace_id = f.workspace_id AND a.id = f.attempt_id;
ALTER TABLE tutor_feedback ENABLE TRIGGER tutor_feedback_audit;
ALTER TABLE tutor_feedback ALTER COLUMN student_user_id SET NOT NULL;
COMMENT ON COLUMN tutor_feedback.student_user_id IS 'The student whose attempt this is (copied from the attempt by a trigger)';
CREATE INDEX idx_tutor_feedback_student ON tutor_feedback(workspace_id, student_user_id);
CREATE FUNCTION app.tutor_feedback_student() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
DECLARE
  v_student uuid;
BEGIN
  SELECT a.student_user_id INTO v_student FROM public.attempts a
  WHERE a.workspace_id = NEW.workspace_id AND a.id = NEW.attempt_id;
  IF FOUND THEN  -- otherwise the foreign key refuses the row
    NEW.student_user_id := v_student;
  END IF;
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION app.tutor_feedback_student() IS 'Copies the attempt''s student onto feedback, so it can never name another student';
CREATE TRIGGER tutor_feedback_student BEFORE INSERT OR UPDATE OF attempt_id, student_user_id ON tutor_feedback
  FOR EACH ROW EXECUTE FUNCTION app.tutor_feedback_student();
CREATE POLICY learner_own ON tutor_feedback AS PERMISSIVE FOR SELECT TO tutorassist_learner
  USING (workspace_id = (SELECT app.acting_workspace()) AND student_user_id = (SELECT app.learner_user_id())
         AND visible_to_student);
COMMENT ON POLICY learner_own ON tutor_feedback IS 'Students and guardians: feedback on their own student''s attempts that is visible to the student';

-- users: the existing policies serve both roles.
ALTER POLICY users_visible ON users TO tutorassist_app, tutorassist_learner;
ALTER POLICY users_update_self ON users TO tutorassist_app, tutorassist_learner;

-- The analytics views are staff reading (migration 0005); students and guardians are not granted them.
CREATE OR REPLACE VIEW v_student_performance WITH (security_barrier) AS
SELECT * FROM mv_student_performance WHERE workspace_id = (SELECT app.staff_workspace());
CREATE OR REPLACE VIEW v_topic_performance WITH (security_barrier) AS
SELECT * FROM mv_topic_performance WHERE workspace_id = (SELECT app.staff_workspace());
DROP FUNCTION app.acting_workspaces();

-- ================================================================ question counters off the questions row
CREATE TABLE question_stats (
  workspace_id uuid NOT NULL,
  question_id uuid NOT NULL,
  shard smallint NOT NULL CHECK (shard BETWEEN 0 AND 7),
  times_attempted integer NOT NULL DEFAULT 0,
  times_correct integer NOT NULL DEFAULT 0,
  times_timed integer NOT NULL DEFAULT 0,
  time_spent_total_seconds bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (workspace_id, question_id, shard),
  FOREIGN KEY (workspace_id, question_id) REFERENCES questions(workspace_id, id) ON DELETE CASCADE
) WITH (fillfactor = 50);
COMMENT ON TABLE question_stats IS
  'Question counters in up to 8 shards per question (by connection), summed on read (question_statistics): narrow, updated in place (HOT), so concurrent attempts at one question rarely wait';
COMMENT ON COLUMN question_stats.workspace_id IS 'The workspace';
COMMENT ON COLUMN question_stats.question_id IS 'The question';
COMMENT ON COLUMN question_stats.shard IS 'Shard 0..7 (the writing connection''s process id modulo 8)';
COMMENT ON COLUMN question_stats.times_attempted IS 'Attempts counted in this shard';
COMMENT ON COLUMN question_stats.times_correct IS 'Correct attempts counted in this shard';
COMMENT ON COLUMN question_stats.times_timed IS 'Attempts with a reported time counted in this shard';
COMMENT ON COLUMN question_stats.time_spent_total_seconds IS 'Sum of reported times in this shard';

INSERT INTO question_stats (workspace_id, question_id, shard, times_attempted, times_correct, times_timed, time_spent_total_seconds)
SELECT workspace_id, id, 0, times_attempted, times_correct, times_timed, time_spent_total_seconds
FROM questions WHERE times_attempted > 0 OR times_timed > 0;

CREATE VIEW question_statistics WITH (security_invoker) AS
SELECT workspace_id, question_id,
       sum(times_attempted)::integer AS times_attempted,
       sum(times_correct)::integer AS times_correct,
       sum(times_timed)::integer AS times_timed,
       sum(time_spent_total_seconds)::bigint AS time_spent_total_seconds,
       CASE WHEN sum(times_timed) > 0 THEN round(sum(time_spent_total_seconds)::numeric / sum(times_timed), 2) END
         AS avg_time_seconds
FROM question_stats
GROUP BY workspace_id, question_id;
COMMENT ON VIEW question_statistics IS 'Per question: attempts, correct attempts, timed attempts, total and mean time (the shards of question_stats summed); a question never attempted has no row';
COMMENT ON COLUMN question_statistics.workspace_id IS 'The workspace';
COMMENT ON COLUMN question_statistics.question_id IS 'The question';
COMMENT ON COLUMN question_statistics.times_attempted IS 'Attempts recorded';
COMMENT ON COLUMN question_statistics.times_correct IS 'Correct attempts';
COMMENT ON COLUMN question_statistics.times_timed IS 'Attempts with a reported time';
COMMENT ON COLUMN question_statistics.time_spent_total_seconds IS 'Sum of reported times';
COMMENT ON COLUMN question_statistics.avg_time_seconds IS 'Mean reported time, NULL when no attempt was timed';

DROP INDEX idx_questions_stats;
ALTER TABLE questions DROP COLUMN avg_time_seconds, DROP COLUMN times_attempted, DROP COLUMN times_correct,
  DROP COLUMN times_timed, DROP COLUMN time_spent_total_seconds;

DROP TRIGGER attempts_question_stats ON attempts;
DROP FUNCTION app.attempts_maintain_question_stats();
DROP FUNCTION public.update_question_stats(uuid, uuid, boolean, integer, integer);
CREATE FUNCTION public.update_question_stats(
  p_workspace_id uuid, p_question_id uuid, p_is_correct boolean, p_time_spent integer, p_direction integer DEFAULT 1
) RETURNS void
LANGUAGE sql SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
  -- Relative increments in this connection's shard: exact, and a popular question is not one hot row.
  INSERT INTO public.question_stats AS s (workspace_id, question_id, shard, times_attempted, times_correct, times_timed,
                                          time_spent_total_seconds)
  VALUES (p_workspace_id, p_question_id, pg_backend_pid() % 8, p_direction,
          CASE WHEN p_is_correct THEN p_direction ELSE 0 END,
          CASE WHEN p_time_spent IS NOT NULL THEN p_direction ELSE 0 END, coalesce(p_time_spent, 0) * p_direction)
  ON CONFLICT (workspace_id, question_id, shard) DO UPDATE SET
    times_attempted = s.times_attempted + EXCLUDED.times_attempted,
    times_correct = s.times_correct + EXCLUDED.times_correct,
    times_timed = s.times_timed + EXCLUDED.times_timed,
    time_spent_total_seconds = s.time_spent_total_seconds + EXCLUDED.time_spent_total_seconds
$$;
COMMENT ON FUNCTION public.update_question_stats(uuid, uuid, boolean, integer, integer) IS
  'Adds (direction 1) or removes (direction -1) one attempt from a question''s counters, in the calling connection''s shard; called by the attempts trigger';
REVOKE EXECUTE ON FUNCTION public.update_question_stats(uuid, uuid, boolean, integer, integer) FROM PUBLIC;

-- ================================================================ mastery per student and topic
-- Bayesian knowledge tracing with the parameters of tutorassist.learning.mastery.BktParameters (a test keeps them equal).
CREATE FUNCTION app.bkt_update(p_known double precision, p_correct boolean) RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog
AS $$
  SELECT observed + (1 - observed) * 0.1
  FROM (SELECT CASE WHEN p_correct THEN p_known * 0.9 / (p_known * 0.9 + (1 - p_known) * 0.2)
                    ELSE p_known * 0.1 / (p_known * 0.1 + (1 - p_known) * 0.8) END AS observed) o
$$;
COMMENT ON FUNCTION app.bkt_update(double precision, boolean) IS
  'One Bayesian knowledge tracing step (slip 0.1, guess 0.2, learn 0.1): P(known) after a graded attempt';
CREATE AGGREGATE app.bkt(boolean) (SFUNC = app.bkt_update, STYPE = double precision, INITCOND = '0.2');
COMMENT ON AGGREGATE app.bkt(boolean) IS 'P(known) after a sequence of graded attempts (use ORDER BY submitted_at, id), starting from 0.2';

CREATE TABLE student_topic_state (
  workspace_id uuid NOT NULL,
  student_user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  topic_id uuid NOT NULL,
  attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  correct integer NOT NULL DEFAULT 0 CHECK (correct BETWEEN 0 AND attempts),
  p_known double precision NOT NULL DEFAULT 0.2 CHECK (p_known BETWEEN 0 AND 1),
  last_attempt_at timestamptz,
  PRIMARY KEY (workspace_id, student_user_id, topic_id),
  FOREIGN KEY (workspace_id, topic_id) REFERENCES topics(workspace_id, id) ON DELETE CASCADE
) WITH (fillfactor = 70);
CREATE INDEX idx_student_topic_state_student ON student_topic_state(student_user_id);
CREATE INDEX idx_student_topic_state_topic ON student_topic_state(workspace_id, topic_id);
COMMENT ON TABLE student_topic_state IS
  'Mastery per student and topic, kept by the attempts trigger in the attempt''s transaction: graded attempts, correct ones, and the Bayesian knowledge tracing estimate after them in the order they were recorded';
COMMENT ON COLUMN student_topic_state.workspace_id IS 'The workspace';
COMMENT ON COLUMN student_topic_state.student_user_id IS 'The student';
COMMENT ON COLUMN student_topic_state.topic_id IS 'The topic (of the questions answered, filed directly under it)';
COMMENT ON COLUMN student_topic_state.attempts IS 'Graded attempts at the topic''s questions';
COMMENT ON COLUMN student_topic_state.correct IS 'Correct ones among them';
COMMENT ON COLUMN student_topic_state.p_known IS 'Bayesian knowledge tracing estimate that the student knows the topic (app.bkt_update)';
COMMENT ON COLUMN student_topic_state.last_attempt_at IS 'Submission time of the latest graded attempt';

CREATE FUNCTION app.recompute_student_topic(p_workspace_id uuid, p_student uuid, p_topic uuid) RETURNS void
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
REVOKE EXECUTE ON FUNCTION app.recompute_student_topic(uuid, uuid, uuid) FROM PUBLIC;

-- One trigger does an attempt's derived writes: counters and mastery. Inserts (the hot path) apply increments;
-- corrections and deletions recompute.
CREATE FUNCTION app.attempts_maintain_derived() RETURNS trigger
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
CREATE TRIGGER attempts_derived
  AFTER INSERT OR DELETE OR UPDATE OF question_id, student_user_id, is_correct, time_spent_seconds, submitted_at ON attempts
  FOR EACH ROW EXECUTE FUNCTION app.attempts_maintain_derived();

CREATE FUNCTION app.questions_topic_moved() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
DECLARE
  v_student uuid;
BEGIN
  FOR v_student IN SELECT DISTINCT student_user_id FROM public.attempts
                   WHERE workspace_id = NEW.workspace_id AND question_id = NEW.id AND is_correct IS NOT NULL LOOP
    IF OLD.topic_id IS NOT NULL THEN
      PERFORM app.recompute_student_topic(NEW.workspace_id, v_student, OLD.topic_id);
    END IF;
    IF NEW.topic_id IS NOT NULL THEN
      PERFORM app.recompute_student_topic(NEW.workspace_id, v_student, NEW.topic_id);
    END IF;
  END LOOP;
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION app.questions_topic_moved() IS 'A question moved to another topic: mastery of the students who answered it follows';
CREATE TRIGGER questions_topic_moved AFTER UPDATE OF topic_id ON questions
  FOR EACH ROW WHEN (OLD.topic_id IS DISTINCT FROM NEW.topic_id) EXECUTE FUNCTION app.questions_topic_moved();

-- ================================================================ repair and rebuild
-- Repairs counter drift without losing a concurrent attempt: a question whose counters look wrong is locked FOR
-- UPDATE (which waits for every open transaction that inserted an attempt at it, since inserting takes KEY SHARE
-- through the foreign key, and holds new ones back), then recounted on a fresh snapshot and written as absolutes.
DROP FUNCTION app.reconcile_question_stats(uuid);
CREATE FUNCTION app.reconcile_question_stats(p_workspace_id uuid DEFAULT NULL) RETURNS integer
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
REVOKE EXECUTE ON FUNCTION app.reconcile_question_stats(uuid) FROM PUBLIC;

CREATE FUNCTION app.rebuild_learning_state(p_workspace_id uuid DEFAULT NULL) RETURNS integer
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
REVOKE EXECUTE ON FUNCTION app.rebuild_learning_state(uuid) FROM PUBLIC;

SELECT app.rebuild_learning_state();

-- ================================================================ attempts: the version answered, hints, indexes
ALTER TABLE attempts ADD COLUMN question_version integer CHECK (question_version >= 1);
ALTER TABLE attempts DISABLE TRIGGER attempts_audit;
UPDATE attempts a SET question_version = q.version FROM questions q WHERE q.workspace_id = a.workspace_id AND q.id = a.question_id;
ALTER TABLE attempts ALTER COLUMN question_version SET NOT NULL;
COMMENT ON COLUMN attempts.question_version IS 'questions.version of the question as it was answered (a changed answer specification is a new version)';
CREATE FUNCTION app.attempts_question_version() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
BEGIN
  IF NEW.question_version IS NULL THEN
    SELECT version INTO NEW.question_version FROM public.questions WHERE workspace_id = NEW.workspace_id AND id = NEW.question_id;
  END IF;
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION app.attempts_question_version() IS
  'Records the question''s current version on an attempt that does not name one (the API names the version it graded)';
CREATE TRIGGER attempts_question_version BEFORE INSERT ON attempts
  FOR EACH ROW EXECUTE FUNCTION app.attempts_question_version();

UPDATE attempts SET hints_viewed = jsonb_array_length(context_json -> 'hints_viewed_at')
WHERE jsonb_typeof(context_json -> 'hints_viewed_at') = 'array'
  AND hints_viewed <> jsonb_array_length(context_json -> 'hints_viewed_at');
ALTER TABLE attempts ADD CONSTRAINT attempts_hints_match_context_check CHECK (
  jsonb_typeof(context_json -> 'hints_viewed_at') IS DISTINCT FROM 'array'
  OR hints_viewed = jsonb_array_length(context_json -> 'hints_viewed_at'));
ALTER TABLE attempts ENABLE TRIGGER attempts_audit;

-- Listing attempts newest first, of a workspace or of one student, with a keyset on (submitted_at, id).
DROP INDEX idx_attempts_student_date;
CREATE INDEX idx_attempts_student_date ON attempts(workspace_id, student_user_id, submitted_at DESC, id DESC);
DROP INDEX idx_attempts_workspace_date;
CREATE INDEX idx_attempts_workspace_date ON attempts(workspace_id, submitted_at DESC, id DESC);

-- ================================================================ privileges
ALTER TABLE question_stats ENABLE ROW LEVEL SECURITY;
ALTER TABLE question_stats FORCE ROW LEVEL SECURITY;
CREATE POLICY staff_workspace ON question_stats AS PERMISSIVE FOR SELECT TO tutorassist_app
  USING (workspace_id = (SELECT app.staff_workspace()));
COMMENT ON POLICY staff_workspace ON question_stats IS 'Owners and tutors: the counters of their workspace (written only by the attempts trigger)';
CREATE FUNCTION app.question_mean_time(p_question_id uuid) RETURNS double precision
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog
AS $$
  SELECT CASE WHEN sum(s.times_timed) > 0 THEN sum(s.time_spent_total_seconds)::float8 / sum(s.times_timed) END
  FROM public.question_stats s WHERE s.workspace_id = app.acting_workspace() AND s.question_id = p_question_id
$$;
COMMENT ON FUNCTION app.question_mean_time(uuid) IS
  'Mean reported time of a question of the acting workspace (grading weighs an answer''s speed against it); learners read no counters';
ALTER TABLE student_topic_state ENABLE ROW LEVEL SECURITY;
ALTER TABLE student_topic_state FORCE ROW LEVEL SECURITY;
CREATE POLICY staff_workspace ON student_topic_state AS PERMISSIVE FOR SELECT TO tutorassist_app
  USING (workspace_id = (SELECT app.staff_workspace()));
CREATE POLICY learner_own ON student_topic_state AS PERMISSIVE FOR SELECT TO tutorassist_learner
  USING (workspace_id = (SELECT app.acting_workspace()) AND student_user_id = (SELECT app.learner_user_id()));
COMMENT ON POLICY staff_workspace ON student_topic_state IS 'Owners and tutors: mastery of their workspace''s students (written only by triggers)';
COMMENT ON POLICY learner_own ON student_topic_state IS 'Students and guardians: their own student''s mastery';
GRANT SELECT ON question_stats, question_statistics TO tutorassist_app;
GRANT SELECT ON student_topic_state TO tutorassist_app, tutorassist_learner;

REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA app FROM PUBLIC;
GRANT USAGE ON SCHEMA app, extensions, public TO tutorassist_learner;
GRANT EXECUTE ON FUNCTION app.current_user_id(), app.current_workspace_id(), app.acting_workspace(),
  app.learner_user_id(), app.learner_profile_id(), app.practising_student_id(), app.learner_assignment_ids(),
  app.visible_user_ids(), app.question_mean_time(uuid) TO tutorassist_learner;
GRANT EXECUTE ON FUNCTION app.acting_workspace(), app.staff_workspace(), app.begin_request(text, uuid),
  app.db_role_for(uuid, uuid), app.my_workspaces(), app.bkt_update(double precision, boolean),
  app.question_mean_time(uuid) TO tutorassist_app;
GRANT SELECT ON workspaces, workspace_members, topics, questions, question_programs, question_grade_levels,
  assignments, assignment_items, attempts, spaced_repetition, review_events, question_flags, tutor_feedback, sessions,
  student_progress_snapshots, study_programs, grade_levels TO tutorassist_learner;
GRANT SELECT (workspace_id, id, user_id, name, email, parent_email, study_program_id, grade_level_id, academic_year,
  cohort_id, cohort_name, settings_json, archived_at, created_at, updated_at) ON student_profiles TO tutorassist_learner;
GRANT SELECT (id, email, display_name, email_verified_at, is_disabled, last_sign_in_at, created_at, updated_at),
  UPDATE (display_name) ON users TO tutorassist_learner;
GRANT INSERT ON attempts TO tutorassist_learner;
-- A flag is raised open: its triage columns are staff's to write.
GRANT INSERT (workspace_id, question_id, flagged_by, attempt_id, reason, comment) ON question_flags TO tutorassist_learner;
GRANT INSERT, UPDATE ON spaced_repetition TO tutorassist_learner;
GRANT INSERT (workspace_id, student_user_id, question_id, attempt_id, algorithm, rating, fsrs_rating, reviewed_at,
  duration_ms, card_before, card_after) ON review_events TO tutorassist_learner;

-- ================================================================ comments that say what is true today
COMMENT ON TABLE jobs IS 'Record of background jobs a tutor can see (type, status, progress, result, cost); no worker runs them yet';
COMMENT ON MATERIALIZED VIEW mv_student_performance IS 'Per student and workspace: attempts, accuracy, time, activity, as of the last app.refresh_analytics_views()';
COMMENT ON MATERIALIZED VIEW mv_topic_performance IS 'Per topic and workspace: attempts, accuracy, time, reach, as of the last app.refresh_analytics_views()';
COMMENT ON FUNCTION app.refresh_analytics_views() IS 'Refreshes every analytics materialized view without blocking readers; run by the operator (nothing schedules it yet)';
COMMENT ON COLUMN workspaces.timezone IS 'IANA time zone of the workspace (validated by the API against the zone database)';
