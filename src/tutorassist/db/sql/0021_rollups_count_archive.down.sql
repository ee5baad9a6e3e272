-- 0017's functions again: the first attempt chosen among live attempts only.

-- The analytics materialized views over every attempt again (0005's definitions, 0011's views).
DROP VIEW v_student_performance;
DROP VIEW v_topic_performance;
DROP MATERIALIZED VIEW mv_student_performance;
DROP MATERIALIZED VIEW mv_topic_performance;

CREATE MATERIALIZED VIEW mv_student_performance AS
SELECT
  a.workspace_id,
  a.student_user_id,
  count(*)::integer AS total_attempts,
  (count(*) FILTER (WHERE a.is_correct))::integer AS correct_attempts,
  round(100.0 * count(*) FILTER (WHERE a.is_correct) / count(*), 2) AS accuracy_pct,
  round(avg(a.time_spent_seconds), 2) AS avg_time_seconds,
  (count(DISTINCT a.question_id))::integer AS unique_questions,
  (count(DISTINCT (a.submitted_at AT TIME ZONE 'UTC')::date))::integer AS days_active,
  max(a.submitted_at) AS last_attempt_at
FROM attempts a
GROUP BY a.workspace_id, a.student_user_id
WITH DATA;
CREATE UNIQUE INDEX idx_mv_student_performance ON mv_student_performance(workspace_id, student_user_id);
COMMENT ON MATERIALIZED VIEW mv_student_performance IS 'Per student and workspace: attempts, accuracy, time, activity, as of the last app.refresh_analytics_views()';
COMMENT ON COLUMN mv_student_performance.workspace_id IS 'The workspace';
COMMENT ON COLUMN mv_student_performance.student_user_id IS 'The student';
COMMENT ON COLUMN mv_student_performance.total_attempts IS 'Attempts recorded';
COMMENT ON COLUMN mv_student_performance.correct_attempts IS 'Correct attempts';
COMMENT ON COLUMN mv_student_performance.accuracy_pct IS 'Correct attempts as a percentage of all attempts';
COMMENT ON COLUMN mv_student_performance.avg_time_seconds IS 'Mean time spent per timed attempt';
COMMENT ON COLUMN mv_student_performance.unique_questions IS 'Distinct questions attempted';
COMMENT ON COLUMN mv_student_performance.days_active IS 'Distinct UTC days with an attempt';
COMMENT ON COLUMN mv_student_performance.last_attempt_at IS 'Time of the latest attempt';

CREATE MATERIALIZED VIEW mv_topic_performance AS
SELECT
  q.workspace_id,
  q.topic_id,
  count(*)::integer AS total_attempts,
  (count(*) FILTER (WHERE a.is_correct))::integer AS correct_attempts,
  round(100.0 * count(*) FILTER (WHERE a.is_correct) / count(*), 2) AS accuracy_pct,
  round(avg(a.time_spent_seconds), 2) AS avg_time_seconds,
  (count(DISTINCT a.student_user_id))::integer AS unique_students,
  (count(DISTINCT a.question_id))::integer AS unique_questions,
  max(a.submitted_at) AS last_attempt_at
FROM attempts a
JOIN questions q ON q.workspace_id = a.workspace_id AND q.id = a.question_id
WHERE q.topic_id IS NOT NULL
GROUP BY q.workspace_id, q.topic_id
WITH DATA;
CREATE UNIQUE INDEX idx_mv_topic_performance ON mv_topic_performance(workspace_id, topic_id);
COMMENT ON MATERIALIZED VIEW mv_topic_performance IS 'Per topic and workspace: attempts, accuracy, time, reach, as of the last app.refresh_analytics_views()';
COMMENT ON COLUMN mv_topic_performance.workspace_id IS 'The workspace';
COMMENT ON COLUMN mv_topic_performance.topic_id IS 'The topic (questions filed directly under it)';
COMMENT ON COLUMN mv_topic_performance.total_attempts IS 'Attempts on the topic''s questions';
COMMENT ON COLUMN mv_topic_performance.correct_attempts IS 'Correct attempts';
COMMENT ON COLUMN mv_topic_performance.accuracy_pct IS 'Correct attempts as a percentage of all attempts';
COMMENT ON COLUMN mv_topic_performance.avg_time_seconds IS 'Mean time spent per timed attempt';
COMMENT ON COLUMN mv_topic_performance.unique_students IS 'Distinct students who attempted';
COMMENT ON COLUMN mv_topic_performance.unique_questions IS 'Distinct questions attempted';
COMMENT ON COLUMN mv_topic_performance.last_attempt_at IS 'Time of the latest attempt';


CREATE VIEW v_student_performance WITH (security_barrier) AS
SELECT * FROM mv_student_performance WHERE workspace_id = (SELECT app.staff_workspace());
COMMENT ON VIEW v_student_performance IS 'mv_student_performance restricted to the acting user''s workspaces (what the application reads)';
CREATE VIEW v_topic_performance WITH (security_barrier) AS
SELECT * FROM mv_topic_performance WHERE workspace_id = (SELECT app.staff_workspace());
COMMENT ON VIEW v_topic_performance IS 'mv_topic_performance restricted to the acting user''s workspaces (what the application reads)';
DO $$
DECLARE r record;
BEGIN
  FOR r IN SELECT v.relname AS view_name, c.attname, d.description
           FROM pg_class v JOIN pg_attribute c ON c.attrelid = v.oid AND c.attnum > 0
           JOIN pg_class m ON m.relname = 'mv' || substr(v.relname, 2) AND m.relnamespace = v.relnamespace
           JOIN pg_attribute mc ON mc.attrelid = m.oid AND mc.attname = c.attname
           JOIN pg_description d ON d.objoid = m.oid AND d.objsubid = mc.attnum
           WHERE v.relname IN ('v_student_performance', 'v_topic_performance') AND v.relnamespace = 'public'::regnamespace
  LOOP
    EXECUTE format('COMMENT ON COLUMN %I.%I IS %L', r.view_name, r.attname, r.description);
  END LOOP;
END
$$;
REVOKE ALL ON mv_student_performance, mv_topic_performance FROM PUBLIC;
GRANT SELECT ON v_student_performance, v_topic_performance TO tutorassist_app;

DROP INDEX idx_attempts_archive_student_question;

CREATE OR REPLACE FUNCTION app.analytics_daily_truth(p_workspace_id uuid)
RETURNS TABLE (workspace_id uuid, student_user_id uuid, topic_id uuid, day date, attempts integer, graded integer,
               correct integer, score_sum numeric, time_spent_seconds bigint, timed integer, hints_viewed bigint,
               new_questions integer, new_questions_correct integer)
LANGUAGE sql STABLE
SET search_path = pg_catalog, public
AS $$
  SELECT a.workspace_id, a.student_user_id, coalesce(q.topic_id, '00000000-0000-0000-0000-000000000000'::uuid),
         (a.submitted_at AT TIME ZONE w.timezone)::date,
         count(*)::integer, count(a.is_correct)::integer, (count(*) FILTER (WHERE a.is_correct))::integer,
         coalesce(sum(a.score), 0), coalesce(sum(a.time_spent_seconds), 0)::bigint, count(a.time_spent_seconds)::integer,
         coalesce(sum(a.hints_viewed), 0)::bigint, (count(*) FILTER (WHERE a.first))::integer,
         (count(*) FILTER (WHERE a.first AND a.is_correct))::integer
  FROM (SELECT x.*, row_number() OVER (PARTITION BY x.workspace_id, x.student_user_id, x.question_id
                                       ORDER BY x.submitted_at, x.id) = 1 AS first
        FROM public.attempts x WHERE p_workspace_id IS NULL OR x.workspace_id = p_workspace_id) a
  JOIN public.questions q ON q.workspace_id = a.workspace_id AND q.id = a.question_id
  JOIN public.workspaces w ON w.id = a.workspace_id
  GROUP BY 1, 2, 3, 4
$$;
COMMENT ON FUNCTION app.analytics_daily_truth(uuid) IS
  'analytics_daily computed from scratch over the live attempts (one workspace, or all): the backfill, the rebuild and the reference the rollup must equal';

CREATE OR REPLACE FUNCTION app.analytics_daily_apply(p_old app.analytics_attempt[], p_new app.analytics_attempt[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
DECLARE
  v_new_ids uuid[] := ARRAY(SELECT n.id FROM unnest(p_new) n);
  v_deltas public.analytics_daily[];
BEGIN
  PERFORM pg_advisory_xact_lock_shared(app.analytics_lock_key(x.workspace_id))
  FROM (SELECT DISTINCT c.workspace_id FROM unnest(coalesce(p_old, '{}') || coalesce(p_new, '{}')) c ORDER BY 1) x;
  -- Two transactions answering the same question for the same student must not both see themselves as the first.
  PERFORM pg_advisory_xact_lock(hashtextextended(x.k, 1))
  FROM (SELECT DISTINCT c.workspace_id::text || c.student_user_id::text || c.question_id::text AS k
        FROM unnest(coalesce(p_old, '{}') || coalesce(p_new, '{}')) c ORDER BY 1) x;

  WITH changed AS (
    SELECT o.*, -1 AS sign FROM unnest(p_old) o
    UNION ALL
    SELECT n.*, 1 FROM unnest(p_new) n
  ), keyed AS (
    SELECT c.*, coalesce(q.topic_id, '00000000-0000-0000-0000-000000000000'::uuid) AS topic_id, w.timezone
    FROM changed c
    JOIN public.questions q ON q.workspace_id = c.workspace_id AND q.id = c.question_id
    JOIN public.workspaces w ON w.id = c.workspace_id
  ), pairs AS (
    SELECT DISTINCT k.workspace_id, k.student_user_id, k.question_id, k.topic_id, k.timezone FROM keyed k
  ), first_now AS (
    SELECT p.*, f.submitted_at, f.is_correct FROM pairs p
    CROSS JOIN LATERAL (
      SELECT a.submitted_at, a.is_correct FROM public.attempts a
      WHERE a.workspace_id = p.workspace_id AND a.student_user_id = p.student_user_id AND a.question_id = p.question_id
      ORDER BY a.submitted_at, a.id LIMIT 1) f
  ), first_before AS (
    SELECT p.*, f.submitted_at, f.is_correct FROM pairs p
    CROSS JOIN LATERAL (
      SELECT b.submitted_at, b.is_correct FROM (
        (SELECT a.submitted_at, a.id, a.is_correct FROM public.attempts a
         WHERE a.workspace_id = p.workspace_id AND a.student_user_id = p.student_user_id
           AND a.question_id = p.question_id AND a.id <> ALL (v_new_ids)
         ORDER BY a.submitted_at, a.id LIMIT 1)
        UNION ALL
        SELECT o.submitted_at, o.id, o.is_correct FROM unnest(p_old) o
        WHERE o.workspace_id = p.workspace_id AND o.student_user_id = p.student_user_id AND o.question_id = p.question_id
      ) b ORDER BY b.submitted_at, b.id LIMIT 1) f
  ), deltas AS (
    SELECT k.workspace_id, k.student_user_id, k.topic_id, (k.submitted_at AT TIME ZONE k.timezone)::date AS day,
           k.sign AS attempts, CASE WHEN k.is_correct IS NOT NULL THEN k.sign ELSE 0 END AS graded,
           CASE WHEN k.is_correct THEN k.sign ELSE 0 END AS correct, k.sign * coalesce(k.score, 0) AS score_sum,
           k.sign * coalesce(k.time_spent_seconds, 0)::bigint AS time_spent_seconds,
           CASE WHEN k.time_spent_seconds IS NOT NULL THEN k.sign ELSE 0 END AS timed,
           k.sign * k.hints_viewed::bigint AS hints_viewed, 0 AS new_questions, 0 AS new_questions_correct
    FROM keyed k
    UNION ALL
    SELECT f.workspace_id, f.student_user_id, f.topic_id, (f.submitted_at AT TIME ZONE f.timezone)::date,
           0, 0, 0, 0, 0, 0, 0, 1, CASE WHEN f.is_correct THEN 1 ELSE 0 END
    FROM first_now f
    UNION ALL
    SELECT f.workspace_id, f.student_user_id, f.topic_id, (f.submitted_at AT TIME ZONE f.timezone)::date,
           0, 0, 0, 0, 0, 0, 0, -1, CASE WHEN f.is_correct THEN -1 ELSE 0 END
    FROM first_before f
  )
  SELECT array_agg(ROW(d.workspace_id, d.student_user_id, d.topic_id, d.day, d.attempts, d.graded, d.correct,
                       d.score_sum, d.time_spent_seconds, d.timed, d.hints_viewed, d.new_questions,
                       d.new_questions_correct, 0)::public.analytics_daily)
  INTO v_deltas FROM deltas d;
  IF v_deltas IS NOT NULL THEN
    PERFORM app.analytics_daily_add(v_deltas);
  END IF;
END
$$;
COMMENT ON FUNCTION app.analytics_daily_apply(app.analytics_attempt[], app.analytics_attempt[]) IS
  'Applies one statement''s attempts (old rows taken away, new rows added) to analytics_daily as a set-based delta, first-attempt credits included';

CREATE OR REPLACE FUNCTION app.analytics_daily_move_question(p_workspace_id uuid, p_question_id uuid, p_from uuid, p_to uuid)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
DECLARE
  v_deltas public.analytics_daily[];
BEGIN
  -- Exclusive: attempts at this question written meanwhile wait, then count under the topic it has by then.
  PERFORM pg_advisory_xact_lock(app.analytics_lock_key(p_workspace_id));
  WITH share AS (
    SELECT a.student_user_id, (a.submitted_at AT TIME ZONE w.timezone)::date AS day, count(*)::integer AS attempts,
           count(a.is_correct)::integer AS graded, (count(*) FILTER (WHERE a.is_correct))::integer AS correct,
           coalesce(sum(a.score), 0) AS score_sum, coalesce(sum(a.time_spent_seconds), 0)::bigint AS time_spent_seconds,
           count(a.time_spent_seconds)::integer AS timed, coalesce(sum(a.hints_viewed), 0)::bigint AS hints_viewed,
           (count(*) FILTER (WHERE a.first))::integer AS new_questions,
           (count(*) FILTER (WHERE a.first AND a.is_correct))::integer AS new_questions_correct
    FROM (SELECT x.*, row_number() OVER (PARTITION BY x.student_user_id ORDER BY x.submitted_at, x.id) = 1 AS first
          FROM public.attempts x WHERE x.workspace_id = p_workspace_id AND x.question_id = p_question_id) a
    JOIN public.workspaces w ON w.id = p_workspace_id
    GROUP BY 1, 2
  )
  SELECT array_agg(ROW(p_workspace_id, d.student_user_id, d.topic_id, d.day, d.sign * d.attempts, d.sign * d.graded,
                       d.sign * d.correct, d.sign * d.score_sum, d.sign * d.time_spent_seconds, d.sign * d.timed,
                       d.sign * d.hints_viewed, d.sign * d.new_questions, d.sign * d.new_questions_correct, 0)::public.analytics_daily)
  INTO v_deltas
  FROM (SELECT s.student_user_id, coalesce(p_from, '00000000-0000-0000-0000-000000000000'::uuid) AS topic_id, s.day,
               -1 AS sign, s.attempts, s.graded, s.correct, s.score_sum, s.time_spent_seconds, s.timed, s.hints_viewed,
               s.new_questions, s.new_questions_correct
        FROM share s
        UNION ALL
        SELECT s.student_user_id, p_to, s.day, 1, s.attempts, s.graded, s.correct, s.score_sum, s.time_spent_seconds,
               s.timed, s.hints_viewed, s.new_questions, s.new_questions_correct
        FROM share s WHERE p_to IS NOT NULL) d;
  IF v_deltas IS NOT NULL THEN
    PERFORM app.analytics_daily_add(v_deltas);
  END IF;
END
$$;
COMMENT ON FUNCTION app.analytics_daily_move_question(uuid, uuid, uuid, uuid) IS
  'Moves a question''s share of analytics_daily from one topic to another (NULL target: removes it, the question is being deleted)';

CREATE OR REPLACE FUNCTION app.cohort_accuracy(p_student_profile_id uuid, p_from date, p_to date)
RETURNS TABLE (cohort_id uuid, cohort_size integer, compared integer, cohort_accuracy double precision,
               student_accuracy double precision, percentile double precision)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog
AS $$
  WITH me AS (
    SELECT p.workspace_id, p.user_id, p.cohort_id FROM public.student_profiles p
    WHERE p.workspace_id = app.acting_workspace() AND p.id = p_student_profile_id
      AND (app.staff_workspace() IS NOT NULL OR p.id = app.learner_profile_id())
  ), peers AS (
    -- The cohort, or the whole workspace for a student without one; archived students only as themself.
    SELECT p.user_id FROM public.student_profiles p JOIN me ON p.workspace_id = me.workspace_id
    WHERE p.user_id IS NOT NULL AND (p.archived_at IS NULL OR p.user_id = me.user_id)
      AND (me.cohort_id IS NULL OR p.cohort_id = me.cohort_id)
  ), accuracy AS (
    SELECT d.student_user_id, sum(d.correct)::float8 / sum(d.graded) AS accuracy
    FROM public.analytics_daily d JOIN me ON d.workspace_id = me.workspace_id
    WHERE d.student_user_id IN (SELECT user_id FROM peers) AND d.day BETWEEN p_from AND p_to
    GROUP BY d.student_user_id HAVING sum(d.graded) > 0
  ), mine AS (
    SELECT a.accuracy FROM accuracy a JOIN me ON a.student_user_id = me.user_id
  )
  SELECT me.cohort_id, (SELECT count(*) FROM peers)::integer, (SELECT count(*) FROM accuracy)::integer,
         (SELECT avg(a.accuracy) FROM accuracy a), (SELECT accuracy FROM mine),
         -- Share of the other compared students with a lower accuracy, ties counting half.
         (SELECT 100.0 * (count(*) FILTER (WHERE a.accuracy < m.accuracy) + 0.5 * count(*) FILTER (WHERE a.accuracy = m.accuracy))
                 / count(*)
          FROM accuracy a, mine m, me WHERE a.student_user_id <> me.user_id HAVING count(*) > 0)
  FROM me
$$;

COMMENT ON FUNCTION app.cohort_accuracy(uuid, date, date) IS
  'A student''s accuracy (correct / graded) over a date range beside their cohort''s (cohort_id, or the workspace when they have none): cohort size, students compared, mean accuracy, percentile; for staff and for the student''s own student or guardian, who see only these aggregates';
