-- Learning analytics read from a daily rollup the database keeps exact, never from a scan of all attempts:
-- analytics_daily holds, per student, topic and day (in the workspace's time zone), what that student's attempts
-- add up to. Statement-level triggers on attempts apply each statement's change as one set-based delta in the
-- attempt's transaction; a question changing topic (or being deleted) moves its share; a workspace changing time
-- zone is rebuilt. Retention moves old attempts out with tutorassist.archiving = 'on', and the rollup keeps them.

-- The first attempt of a question by a student (what "new questions" counts) is found through this index.
CREATE INDEX idx_attempts_student_question ON attempts (workspace_id, student_user_id, question_id, submitted_at, id);
COMMENT ON INDEX idx_attempts_student_question IS
  'A student''s attempts at one question in order: the analytics rollup finds their first attempt here';

CREATE TABLE analytics_daily (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  student_user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  topic_id uuid NOT NULL,
  day date NOT NULL,
  attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  graded integer NOT NULL DEFAULT 0 CHECK (graded BETWEEN 0 AND attempts),
  correct integer NOT NULL DEFAULT 0 CHECK (correct BETWEEN 0 AND graded),
  score_sum numeric(16, 4) NOT NULL DEFAULT 0 CHECK (score_sum >= 0),
  time_spent_seconds bigint NOT NULL DEFAULT 0 CHECK (time_spent_seconds >= 0),
  timed integer NOT NULL DEFAULT 0 CHECK (timed BETWEEN 0 AND attempts),
  hints_viewed bigint NOT NULL DEFAULT 0 CHECK (hints_viewed >= 0),
  new_questions integer NOT NULL DEFAULT 0 CHECK (new_questions BETWEEN 0 AND attempts),
  new_questions_correct integer NOT NULL DEFAULT 0 CHECK (new_questions_correct BETWEEN 0 AND new_questions),
  archived_attempts integer NOT NULL DEFAULT 0 CHECK (archived_attempts >= 0),
  PRIMARY KEY (workspace_id, student_user_id, topic_id, day)
) WITH (fillfactor = 80);
CREATE INDEX idx_analytics_daily_day ON analytics_daily (workspace_id, day);
COMMENT ON INDEX idx_analytics_daily_day IS 'Workspace-wide reports over a date range (topics, overview, cohorts)';
CREATE INDEX idx_analytics_daily_student ON analytics_daily (student_user_id);
COMMENT ON INDEX idx_analytics_daily_student IS 'Deleting a user deletes their rows (the foreign key to users)';
COMMENT ON TABLE analytics_daily IS
  'Per student, topic and day (in the workspace''s time zone): what their attempts add up to, kept exact by the attempts triggers in the attempt''s transaction; the source of the learning analytics';
COMMENT ON COLUMN analytics_daily.workspace_id IS 'The workspace';
COMMENT ON COLUMN analytics_daily.student_user_id IS 'The student who answered';
COMMENT ON COLUMN analytics_daily.topic_id IS
  'The topic of the questions answered; 00000000-0000-0000-0000-000000000000 for questions without a topic (no foreign key: that id names no topic)';
COMMENT ON COLUMN analytics_daily.day IS 'The day the attempts were submitted, in the workspace''s time zone (workspaces.timezone)';
COMMENT ON COLUMN analytics_daily.attempts IS 'Attempts submitted';
COMMENT ON COLUMN analytics_daily.graded IS 'Graded attempts among them (is_correct not NULL)';
COMMENT ON COLUMN analytics_daily.correct IS 'Correct attempts among them';
COMMENT ON COLUMN analytics_daily.score_sum IS 'Sum of the graded attempts'' scores (0..1 each)';
COMMENT ON COLUMN analytics_daily.time_spent_seconds IS 'Sum of the reported time spent, over the attempts that report one';
COMMENT ON COLUMN analytics_daily.timed IS 'Attempts that report a time spent';
COMMENT ON COLUMN analytics_daily.hints_viewed IS 'Hints viewed over the attempts';
COMMENT ON COLUMN analytics_daily.new_questions IS
  'Attempts that were the student''s first at their question (questions new to the student that day)';
COMMENT ON COLUMN analytics_daily.new_questions_correct IS 'Of those first attempts, the correct ones';
COMMENT ON COLUMN analytics_daily.archived_attempts IS
  'Attempts counted here that retention has since moved to cold storage (their counts stay); a rebuild leaves such rows as they are';

-- ================================================================ the truth the rollup must equal
CREATE FUNCTION app.analytics_daily_truth(p_workspace_id uuid)
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
REVOKE EXECUTE ON FUNCTION app.analytics_daily_truth(uuid) FROM PUBLIC;

-- ================================================================ applying a change
-- The lock a rebuild takes exclusively and every rollup write shares: a rebuild waits for the attempts being written,
-- and attempts arriving during a rebuild wait for it, then apply their delta to what it wrote.
CREATE FUNCTION app.analytics_lock_key(p_workspace_id uuid) RETURNS bigint
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog
AS $$ SELECT hashtextextended('analytics_daily:' || p_workspace_id::text, 0) $$;
COMMENT ON FUNCTION app.analytics_lock_key(uuid) IS
  'Advisory lock key of a workspace''s rollup: shared by writers, exclusive for app.rebuild_analytics_daily and question moves';
REVOKE EXECUTE ON FUNCTION app.analytics_lock_key(uuid) FROM PUBLIC;

CREATE TYPE app.analytics_attempt AS (
  workspace_id uuid, id uuid, student_user_id uuid, question_id uuid, is_correct boolean, score numeric,
  time_spent_seconds integer, hints_viewed integer, submitted_at timestamptz);
COMMENT ON TYPE app.analytics_attempt IS 'The columns of an attempt the rollup counts (a statement''s old or new rows)';

-- Adds signed deltas (rows of the rollup's own shape) to the rollup. Existing rows are updated and missing ones
-- inserted separately: a CHECK constraint judges the row an INSERT proposes before ON CONFLICT turns it into an
-- update, so a negative delta must never be proposed as a row. Rows left with nothing in them are removed.
CREATE FUNCTION app.analytics_daily_add(p_deltas public.analytics_daily[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
BEGIN
  WITH net AS (
    SELECT d.workspace_id, d.student_user_id, d.topic_id, d.day, sum(d.attempts)::integer AS attempts,
           sum(d.graded)::integer AS graded, sum(d.correct)::integer AS correct, sum(d.score_sum) AS score_sum,
           sum(d.time_spent_seconds)::bigint AS time_spent_seconds, sum(d.timed)::integer AS timed,
           sum(d.hints_viewed)::bigint AS hints_viewed, sum(d.new_questions)::integer AS new_questions,
           sum(d.new_questions_correct)::integer AS new_questions_correct
    FROM unnest(p_deltas) d GROUP BY 1, 2, 3, 4
    HAVING (sum(d.attempts), sum(d.graded), sum(d.correct), sum(d.score_sum), sum(d.time_spent_seconds), sum(d.timed),
            sum(d.hints_viewed), sum(d.new_questions), sum(d.new_questions_correct))
           IS DISTINCT FROM (0::bigint, 0::bigint, 0::bigint, 0::numeric, 0::numeric, 0::bigint, 0::numeric, 0::bigint, 0::bigint)
  ), updated AS (
    UPDATE public.analytics_daily r SET
      attempts = r.attempts + n.attempts, graded = r.graded + n.graded, correct = r.correct + n.correct,
      score_sum = r.score_sum + n.score_sum, time_spent_seconds = r.time_spent_seconds + n.time_spent_seconds,
      timed = r.timed + n.timed, hints_viewed = r.hints_viewed + n.hints_viewed,
      new_questions = r.new_questions + n.new_questions, new_questions_correct = r.new_questions_correct + n.new_questions_correct
    FROM net n
    WHERE r.workspace_id = n.workspace_id AND r.student_user_id = n.student_user_id AND r.topic_id = n.topic_id
      AND r.day = n.day
    RETURNING r.workspace_id, r.student_user_id, r.topic_id, r.day
  )
  -- A missing row with a negative delta belongs to a student or workspace being deleted in this statement: skipped.
  INSERT INTO public.analytics_daily AS r (workspace_id, student_user_id, topic_id, day, attempts, graded, correct,
                                           score_sum, time_spent_seconds, timed, hints_viewed, new_questions,
                                           new_questions_correct)
  SELECT n.* FROM net n
  WHERE n.attempts > 0 AND NOT EXISTS (SELECT 1 FROM updated u WHERE u.workspace_id = n.workspace_id
          AND u.student_user_id = n.student_user_id AND u.topic_id = n.topic_id AND u.day = n.day)
    AND EXISTS (SELECT 1 FROM public.users x WHERE x.id = n.student_user_id)
  ON CONFLICT (workspace_id, student_user_id, topic_id, day) DO UPDATE SET  -- created meanwhile by another transaction
    attempts = r.attempts + EXCLUDED.attempts, graded = r.graded + EXCLUDED.graded, correct = r.correct + EXCLUDED.correct,
    score_sum = r.score_sum + EXCLUDED.score_sum, time_spent_seconds = r.time_spent_seconds + EXCLUDED.time_spent_seconds,
    timed = r.timed + EXCLUDED.timed, hints_viewed = r.hints_viewed + EXCLUDED.hints_viewed,
    new_questions = r.new_questions + EXCLUDED.new_questions,
    new_questions_correct = r.new_questions_correct + EXCLUDED.new_questions_correct;

  DELETE FROM public.analytics_daily r
  USING (SELECT DISTINCT d.workspace_id, d.student_user_id, d.topic_id, d.day FROM unnest(p_deltas) d
         WHERE d.attempts < 0) k
  WHERE r.workspace_id = k.workspace_id AND r.student_user_id = k.student_user_id AND r.topic_id = k.topic_id
    AND r.day = k.day AND r.attempts = 0 AND r.archived_attempts = 0;
END
$$;
COMMENT ON FUNCTION app.analytics_daily_add(public.analytics_daily[]) IS
  'Adds signed deltas to analytics_daily (update existing rows, insert missing ones, remove emptied ones)';
REVOKE EXECUTE ON FUNCTION app.analytics_daily_add(public.analytics_daily[]) FROM PUBLIC;

-- Adds the new rows and takes away the old ones: their counts, and the first-attempt credit of every
-- (student, question) they touch, moved from where it was before the statement to where it is now.
CREATE FUNCTION app.analytics_daily_apply(p_old app.analytics_attempt[], p_new app.analytics_attempt[]) RETURNS void
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
REVOKE EXECUTE ON FUNCTION app.analytics_daily_apply(app.analytics_attempt[], app.analytics_attempt[]) FROM PUBLIC;

CREATE FUNCTION app.attempts_maintain_rollups() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
DECLARE
  v_old app.analytics_attempt[];
  v_new app.analytics_attempt[];
BEGIN
  IF TG_OP = 'INSERT' THEN
    SELECT array_agg(ROW(n.workspace_id, n.id, n.student_user_id, n.question_id, n.is_correct, n.score,
                         n.time_spent_seconds, n.hints_viewed, n.submitted_at)::app.analytics_attempt)
    INTO v_new FROM new_rows n;
  ELSIF TG_OP = 'DELETE' AND current_setting('tutorassist.archiving', true) = 'on' THEN
    -- Retention moving attempts to cold storage: the rollup keeps their history and notes how much of it is archived.
    UPDATE public.analytics_daily r SET archived_attempts = r.archived_attempts + g.n
    FROM (SELECT o.workspace_id, o.student_user_id,
                 coalesce(q.topic_id, '00000000-0000-0000-0000-000000000000'::uuid) AS topic_id,
                 (o.submitted_at AT TIME ZONE w.timezone)::date AS day, count(*)::integer AS n
          FROM old_rows o
          JOIN public.questions q ON q.workspace_id = o.workspace_id AND q.id = o.question_id
          JOIN public.workspaces w ON w.id = o.workspace_id
          GROUP BY 1, 2, 3, 4) g
    WHERE r.workspace_id = g.workspace_id AND r.student_user_id = g.student_user_id AND r.topic_id = g.topic_id
      AND r.day = g.day;
    RETURN NULL;
  ELSIF TG_OP = 'DELETE' THEN
    SELECT array_agg(ROW(o.workspace_id, o.id, o.student_user_id, o.question_id, o.is_correct, o.score,
                         o.time_spent_seconds, o.hints_viewed, o.submitted_at)::app.analytics_attempt)
    INTO v_old FROM old_rows o
    WHERE EXISTS (SELECT 1 FROM public.workspaces w WHERE w.id = o.workspace_id);
  ELSE
    -- Only rows whose counted columns changed; a hash join, so a bulk update stays linear.
    SELECT array_agg(ROW(o.workspace_id, o.id, o.student_user_id, o.question_id, o.is_correct, o.score,
                         o.time_spent_seconds, o.hints_viewed, o.submitted_at)::app.analytics_attempt)
             FILTER (WHERE o.id IS NOT NULL),
           array_agg(ROW(n.workspace_id, n.id, n.student_user_id, n.question_id, n.is_correct, n.score,
                         n.time_spent_seconds, n.hints_viewed, n.submitted_at)::app.analytics_attempt)
             FILTER (WHERE n.id IS NOT NULL)
    INTO v_old, v_new
    FROM old_rows o FULL JOIN new_rows n ON n.workspace_id = o.workspace_id AND n.id = o.id
    WHERE (o.workspace_id, o.student_user_id, o.question_id, o.is_correct, o.score, o.time_spent_seconds,
           o.hints_viewed, o.submitted_at)
          IS DISTINCT FROM (n.workspace_id, n.student_user_id, n.question_id, n.is_correct, n.score,
                            n.time_spent_seconds, n.hints_viewed, n.submitted_at);
  END IF;
  IF v_old IS NOT NULL OR v_new IS NOT NULL THEN
    PERFORM app.analytics_daily_apply(v_old, v_new);
  END IF;
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION app.attempts_maintain_rollups() IS
  'Keeps analytics_daily exact as attempts are inserted, corrected or deleted, one set-based delta per statement; a delete with tutorassist.archiving = ''on'' (retention) keeps the counts';
REVOKE EXECUTE ON FUNCTION app.attempts_maintain_rollups() FROM PUBLIC;
CREATE TRIGGER attempts_rollups_insert AFTER INSERT ON attempts REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION app.attempts_maintain_rollups();
CREATE TRIGGER attempts_rollups_update AFTER UPDATE ON attempts REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION app.attempts_maintain_rollups();
CREATE TRIGGER attempts_rollups_delete AFTER DELETE ON attempts REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION app.attempts_maintain_rollups();

-- ================================================================ questions moving topic, questions deleted
-- A question's share of the rollup (its live attempts, and the first-attempt credits among them), taken away from
-- one topic and added to another (p_to NULL: only taken away, the question is being deleted).
CREATE FUNCTION app.analytics_daily_move_question(p_workspace_id uuid, p_question_id uuid, p_from uuid, p_to uuid)
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
REVOKE EXECUTE ON FUNCTION app.analytics_daily_move_question(uuid, uuid, uuid, uuid) FROM PUBLIC;

CREATE FUNCTION app.questions_maintain_rollups() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    IF NOT EXISTS (SELECT 1 FROM public.workspaces w WHERE w.id = OLD.workspace_id) THEN
      RETURN OLD;  -- the workspace is being deleted: its rollup goes with it, nothing to move
    END IF;
    -- Before the row goes: its attempts are deleted by the cascade after it, when their topic can no longer be read.
    PERFORM app.analytics_daily_move_question(OLD.workspace_id, OLD.id, OLD.topic_id, NULL);
    RETURN OLD;
  END IF;
  PERFORM app.analytics_daily_move_question(NEW.workspace_id, NEW.id, OLD.topic_id,
                                            coalesce(NEW.topic_id, '00000000-0000-0000-0000-000000000000'::uuid));
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION app.questions_maintain_rollups() IS
  'A question moved to another topic, or deleted: its share of analytics_daily follows';
REVOKE EXECUTE ON FUNCTION app.questions_maintain_rollups() FROM PUBLIC;
CREATE TRIGGER questions_rollups_moved AFTER UPDATE OF topic_id ON questions
  FOR EACH ROW WHEN (OLD.topic_id IS DISTINCT FROM NEW.topic_id) EXECUTE FUNCTION app.questions_maintain_rollups();
CREATE TRIGGER questions_rollups_deleted BEFORE DELETE ON questions
  FOR EACH ROW EXECUTE FUNCTION app.questions_maintain_rollups();

-- ================================================================ rebuild (db reconcile), time zone changes
CREATE FUNCTION app.rebuild_analytics_daily(p_workspace_id uuid) RETURNS integer
LANGUAGE plpgsql
SET search_path = pg_catalog, public
AS $$
DECLARE
  v_changed integer;
BEGIN
  IF current_setting('transaction_isolation') <> 'read committed' THEN
    -- The recount must see every attempt committed while it waited for the lock: a fresh snapshot per statement.
    RAISE EXCEPTION 'app.rebuild_analytics_daily needs READ COMMITTED, not %', current_setting('transaction_isolation')
      USING ERRCODE = '25001';
  END IF;
  PERFORM pg_advisory_xact_lock(app.analytics_lock_key(p_workspace_id));
  WITH truth AS MATERIALIZED (
    SELECT * FROM app.analytics_daily_truth(p_workspace_id)
  ), stale AS (
    DELETE FROM public.analytics_daily r
    WHERE r.workspace_id = p_workspace_id AND r.archived_attempts = 0
      AND NOT EXISTS (SELECT 1 FROM truth t WHERE t.student_user_id = r.student_user_id AND t.topic_id = r.topic_id
                      AND t.day = r.day)
    RETURNING 1
  ), differing AS (
    SELECT t.* FROM truth t
    LEFT JOIN public.analytics_daily r ON r.workspace_id = t.workspace_id AND r.student_user_id = t.student_user_id
      AND r.topic_id = t.topic_id AND r.day = t.day
    WHERE r.workspace_id IS NULL
       OR (r.archived_attempts = 0
           AND (r.attempts, r.graded, r.correct, r.score_sum, r.time_spent_seconds, r.timed, r.hints_viewed,
                r.new_questions, r.new_questions_correct)
               IS DISTINCT FROM (t.attempts, t.graded, t.correct, t.score_sum, t.time_spent_seconds, t.timed,
                                 t.hints_viewed, t.new_questions, t.new_questions_correct))
  ), written AS (
    INSERT INTO public.analytics_daily AS r (workspace_id, student_user_id, topic_id, day, attempts, graded, correct,
                                             score_sum, time_spent_seconds, timed, hints_viewed, new_questions,
                                             new_questions_correct)
    SELECT * FROM differing
    ON CONFLICT (workspace_id, student_user_id, topic_id, day) DO UPDATE SET
      attempts = EXCLUDED.attempts, graded = EXCLUDED.graded, correct = EXCLUDED.correct, score_sum = EXCLUDED.score_sum,
      time_spent_seconds = EXCLUDED.time_spent_seconds, timed = EXCLUDED.timed, hints_viewed = EXCLUDED.hints_viewed,
      new_questions = EXCLUDED.new_questions, new_questions_correct = EXCLUDED.new_questions_correct
    RETURNING 1
  )
  SELECT (SELECT count(*) FROM stale) + (SELECT count(*) FROM written) INTO v_changed;
  RETURN v_changed;
END
$$;
COMMENT ON FUNCTION app.rebuild_analytics_daily(uuid) IS
  'Recomputes a workspace''s analytics_daily from its attempts, waiting for attempts being written and holding new ones back (advisory lock); rows holding archived attempts are kept as they are; returns how many rows it changed (READ COMMITTED only)';
REVOKE EXECUTE ON FUNCTION app.rebuild_analytics_daily(uuid) FROM PUBLIC;

CREATE FUNCTION app.workspaces_timezone_rollups() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
BEGIN
  PERFORM app.rebuild_analytics_daily(NEW.id);
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION app.workspaces_timezone_rollups() IS
  'A workspace changed time zone: its days are recounted (analytics_daily rebuilt for the workspace)';
REVOKE EXECUTE ON FUNCTION app.workspaces_timezone_rollups() FROM PUBLIC;
CREATE TRIGGER workspaces_timezone_rollups AFTER UPDATE OF timezone ON workspaces
  FOR EACH ROW WHEN (OLD.timezone IS DISTINCT FROM NEW.timezone) EXECUTE FUNCTION app.workspaces_timezone_rollups();

-- ================================================================ backfill: one set-based statement
INSERT INTO analytics_daily (workspace_id, student_user_id, topic_id, day, attempts, graded, correct, score_sum,
                             time_spent_seconds, timed, hints_viewed, new_questions, new_questions_correct)
SELECT * FROM app.analytics_daily_truth(NULL);

-- ================================================================ cohort comparison
-- A student or guardian may see how their student compares with the cohort, never a peer's own figures: this
-- function reads the peers' rows past row-level security and returns only the aggregate.
CREATE FUNCTION app.cohort_accuracy(p_student_profile_id uuid, p_from date, p_to date)
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
REVOKE EXECUTE ON FUNCTION app.cohort_accuracy(uuid, date, date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app.cohort_accuracy(uuid, date, date) TO tutorassist_app, tutorassist_learner;

-- ================================================================ who reads it
ALTER TABLE analytics_daily ENABLE ROW LEVEL SECURITY;
ALTER TABLE analytics_daily FORCE ROW LEVEL SECURITY;
CREATE POLICY staff_workspace ON analytics_daily AS PERMISSIVE FOR SELECT TO tutorassist_app
  USING (workspace_id = (SELECT app.staff_workspace()));
CREATE POLICY learner_own ON analytics_daily AS PERMISSIVE FOR SELECT TO tutorassist_learner
  USING (workspace_id = (SELECT app.acting_workspace()) AND student_user_id = (SELECT app.learner_user_id()));
COMMENT ON POLICY staff_workspace ON analytics_daily IS 'Owners and tutors: the rollup of their workspace (written only by triggers)';
COMMENT ON POLICY learner_own ON analytics_daily IS 'Students and guardians: their own student''s rows';
GRANT SELECT ON analytics_daily TO tutorassist_app, tutorassist_learner;
