-- Analytics read from materialized views refreshed on a schedule (seed decision 4). Materialized views have no
-- row-level security, so the application never reads them directly: it reads the v_* views, which filter by the
-- acting user's workspaces with the views' owner's rights.

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
COMMENT ON MATERIALIZED VIEW mv_student_performance IS 'Per student and workspace: attempts, accuracy, time, activity. Refreshed concurrently by the REFRESH_MATERIALIZED_VIEWS job';
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
COMMENT ON MATERIALIZED VIEW mv_topic_performance IS 'Per topic and workspace: attempts, accuracy, time, reach. Refreshed concurrently by the REFRESH_MATERIALIZED_VIEWS job';
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
SELECT * FROM mv_student_performance WHERE workspace_id = ANY ((SELECT app.acting_workspaces())::uuid[]);
COMMENT ON VIEW v_student_performance IS 'mv_student_performance restricted to the acting user''s workspaces (what the application reads)';
CREATE VIEW v_topic_performance WITH (security_barrier) AS
SELECT * FROM mv_topic_performance WHERE workspace_id = ANY ((SELECT app.acting_workspaces())::uuid[]);
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

CREATE FUNCTION app.refresh_analytics_views() RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, public
AS $$
BEGIN
  REFRESH MATERIALIZED VIEW CONCURRENTLY public.mv_student_performance;
  REFRESH MATERIALIZED VIEW CONCURRENTLY public.mv_topic_performance;
END
$$;
COMMENT ON FUNCTION app.refresh_analytics_views() IS 'Refreshes every analytics materialized view without blocking readers (REFRESH_MATERIALIZED_VIEWS job)';
REVOKE EXECUTE ON FUNCTION app.refresh_analytics_views() FROM PUBLIC;
