-- Background jobs. `jobs` stays the record a tutor sees (type, status, progress, result, error, cost, who asked);
-- staff read it and ask for jobs, but only the platform (the worker, as schema owner) moves a job along.

ALTER TABLE jobs
  ADD COLUMN progress_done integer NOT NULL DEFAULT 0 CHECK (progress_done >= 0),
  ADD COLUMN progress_total integer CHECK (progress_total >= 0),
  ADD COLUMN progress_message text,
  ADD COLUMN cost_usd numeric(12, 6) NOT NULL DEFAULT 0 CHECK (cost_usd >= 0),
  ADD COLUMN queue_job_id bigint,
  ADD COLUMN cancel_requested_at timestamptz;
COMMENT ON TABLE jobs IS 'Record of background jobs a tutor can see (type, status, progress, result, error, cost, who asked); run by job workers';
COMMENT ON COLUMN jobs.progress_done IS 'Units of work done so far (e.g. questions generated)';
COMMENT ON COLUMN jobs.progress_total IS 'Units of work in the whole job, when known';
COMMENT ON COLUMN jobs.progress_message IS 'What the job is doing now, in words';
COMMENT ON COLUMN jobs.cost_usd IS 'Sum of ai_usage_log.cost_usd of the job (trigger-maintained)';
COMMENT ON COLUMN jobs.queue_job_id IS 'procrastinate_jobs.id of the queue entry that runs this job now';
COMMENT ON COLUMN jobs.cancel_requested_at IS 'When a member asked to cancel; a running job stops between two units of work';
COMMENT ON COLUMN jobs.locked_by IS 'Which worker runs the job now (host:pid)';

-- procrastinate picks jobs up from its own queue; nothing reads jobs by (priority, run_after) any more.
DROP INDEX idx_jobs_pickup;

-- jobs.cost_usd follows ai_usage_log, whoever writes it.
CREATE FUNCTION app.ai_usage_cost_to_job() RETURNS trigger
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
CREATE TRIGGER ai_usage_cost_to_job AFTER INSERT OR UPDATE OF cost_usd, job_id OR DELETE ON ai_usage_log
  FOR EACH ROW EXECUTE FUNCTION app.ai_usage_cost_to_job();

-- Staff may read jobs and ask for one; they never write status, progress, results or cost.
REVOKE INSERT, UPDATE, DELETE ON jobs FROM tutorassist_app;
GRANT INSERT (workspace_id, type, payload_json, priority) ON jobs TO tutorassist_app;

CREATE FUNCTION app.jobs_fill_requester() RETURNS trigger
  LANGUAGE plpgsql SET search_path = pg_catalog, public AS $$
BEGIN
  NEW.created_by := coalesce(NEW.created_by, app.current_user_id());
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION app.jobs_fill_requester() IS 'A job asked for by a member records who asked (staff cannot name someone else)';
CREATE TRIGGER jobs_fill_requester BEFORE INSERT ON jobs FOR EACH ROW EXECUTE FUNCTION app.jobs_fill_requester();

-- Runs of the platform's periodic maintenance (not of any workspace): what ran, when, and how it ended.
CREATE TABLE system_jobs (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  type text NOT NULL CHECK (type ~ '^[A-Z][A-Z0-9_]{2,63}$'),
  status text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'succeeded', 'failed')),
  result_json jsonb,
  error_text text,
  queue_job_id bigint,
  worker text,
  started_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  CHECK ((status = 'running') = (finished_at IS NULL)),
  CHECK (status <> 'failed' OR error_text IS NOT NULL)
);
CREATE INDEX idx_system_jobs_started ON system_jobs(started_at DESC);
CREATE INDEX idx_system_jobs_type ON system_jobs(type, started_at DESC);
COMMENT ON TABLE system_jobs IS 'Runs of periodic platform maintenance (reconcile statistics, refresh views, snapshots, purges); no workspace';
COMMENT ON COLUMN system_jobs.id IS 'Run id';
COMMENT ON COLUMN system_jobs.type IS 'Maintenance task, e.g. RECONCILE_STATS, REFRESH_ANALYTICS';
COMMENT ON COLUMN system_jobs.status IS 'running | succeeded | failed';
COMMENT ON COLUMN system_jobs.result_json IS 'What the run did (counts)';
COMMENT ON COLUMN system_jobs.error_text IS 'Why a failed run failed';
COMMENT ON COLUMN system_jobs.queue_job_id IS 'procrastinate_jobs.id of the periodic queue entry';
COMMENT ON COLUMN system_jobs.worker IS 'Worker that ran it (host:pid)';
COMMENT ON COLUMN system_jobs.started_at IS 'When the run started';
COMMENT ON COLUMN system_jobs.finished_at IS 'When the run ended';

-- ================================================================ the queue behind jobs
-- A jobs row that becomes queued hands itself to procrastinate's queue in the same transaction, so a job is never
-- recorded without being queued nor queued without its record. The queue entry is locked by the job id: two entries
-- of one job never run at once.
CREATE FUNCTION app.queue_job_entry(p_workspace uuid, p_job uuid, p_priority integer, p_run_at timestamptz)
  RETURNS bigint LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
  SELECT (procrastinate.procrastinate_defer_jobs_v1(ARRAY[ROW(
    'jobs', 'run_job', p_priority, p_job::text, NULL,
    jsonb_build_object('workspace_id', p_workspace, 'job_id', p_job), greatest(p_run_at, now())
  )::procrastinate.procrastinate_job_to_defer_v1]))[1]
$$;
COMMENT ON FUNCTION app.queue_job_entry(uuid, uuid, integer, timestamptz) IS
  'Adds a worker queue entry (procrastinate task run_job, locked by the job id) for a job; returns its procrastinate_jobs.id';

CREATE FUNCTION app.queue_job() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
  NEW.queue_job_id := app.queue_job_entry(NEW.workspace_id, NEW.id, NEW.priority, NEW.run_after);
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION app.queue_job() IS 'Puts a job that becomes queued on the worker queue in the same transaction';
CREATE TRIGGER jobs_queue BEFORE INSERT ON jobs FOR EACH ROW WHEN (NEW.status = 'queued')
  EXECUTE FUNCTION app.queue_job();
CREATE TRIGGER jobs_requeue BEFORE UPDATE OF status ON jobs FOR EACH ROW
  WHEN (NEW.status = 'queued' AND OLD.status IN ('failed', 'cancelled'))
  EXECUTE FUNCTION app.queue_job();

-- Callers acting for a member (the API) reach only their staff workspace; the platform (CLI, as schema owner, no
-- application role) reaches any.
CREATE FUNCTION app.may_manage_jobs_of(p_workspace uuid) RETURNS boolean
  LANGUAGE sql STABLE SET search_path = pg_catalog, public AS $$
  SELECT CASE WHEN current_setting('role') IN ('tutorassist_app', 'tutorassist_learner')
              THEN p_workspace = app.staff_workspace() ELSE true END
$$;
COMMENT ON FUNCTION app.may_manage_jobs_of(uuid) IS 'Whether the caller may cancel or retry jobs of the workspace: its staff, or the platform itself';

CREATE FUNCTION app.cancel_job(p_workspace uuid, p_job uuid) RETURNS text
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
  v_status text;
  v_queue bigint;
BEGIN
  IF NOT app.may_manage_jobs_of(p_workspace) THEN
    RETURN NULL;
  END IF;
  SELECT status, queue_job_id INTO v_status, v_queue FROM jobs WHERE workspace_id = p_workspace AND id = p_job FOR UPDATE;
  IF v_status IS NULL OR v_status NOT IN ('queued', 'running') THEN
    RETURN 'refused:' || v_status;
  END IF;
  -- Waiting in the queue: taken off at once. Running: asked to stop; the worker stops between two units of work.
  IF v_status = 'queued' AND v_queue IS NOT NULL
     AND procrastinate.procrastinate_cancel_job_v1(v_queue, false, false) IS NOT NULL THEN
    UPDATE jobs SET status = 'cancelled', cancel_requested_at = now(), finished_at = now(),
                    progress_message = 'cancelled before it started'
      WHERE workspace_id = p_workspace AND id = p_job;
    RETURN 'cancelled';
  END IF;
  UPDATE jobs SET cancel_requested_at = coalesce(cancel_requested_at, now()) WHERE workspace_id = p_workspace AND id = p_job;
  -- A job waiting for its next turn (a snooze or a retry) takes it now and sees the request.
  UPDATE procrastinate.procrastinate_jobs SET scheduled_at = now() WHERE id = v_queue AND status = 'todo';
  RETURN 'cancelling';
END
$$;
COMMENT ON FUNCTION app.cancel_job(uuid, uuid) IS
  'Cancels a queued job at once, or asks a running one to stop; returns the outcome (cancelled, cancelling), refused:<status> for a job that already ended, NULL when there is no such job for the caller';

CREATE FUNCTION app.retry_job(p_workspace uuid, p_job uuid) RETURNS text
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
  v_status text;
BEGIN
  IF NOT app.may_manage_jobs_of(p_workspace) THEN
    RETURN NULL;
  END IF;
  SELECT status INTO v_status FROM jobs WHERE workspace_id = p_workspace AND id = p_job FOR UPDATE;
  IF v_status IS NULL OR v_status NOT IN ('failed', 'cancelled') THEN
    RETURN 'refused:' || v_status;
  END IF;
  UPDATE jobs SET status = 'queued', attempts = 0, error_text = NULL, cancel_requested_at = NULL, finished_at = NULL,
                  started_at = NULL, locked_at = NULL, locked_by = NULL, run_after = now(),
                  progress_message = 'queued again'
    WHERE workspace_id = p_workspace AND id = p_job;
  RETURN 'queued';
END
$$;
COMMENT ON FUNCTION app.retry_job(uuid, uuid) IS
  'Queues a failed or cancelled job again from the start (its handler skips work already done); returns queued, refused:<status> for a job neither failed nor cancelled, NULL when there is no such job for the caller';

REVOKE EXECUTE ON FUNCTION app.cancel_job(uuid, uuid), app.retry_job(uuid, uuid), app.queue_job(),
  app.queue_job_entry(uuid, uuid, integer, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app.cancel_job(uuid, uuid), app.retry_job(uuid, uuid) TO tutorassist_app;

-- ================================================================ weekly progress snapshots
CREATE FUNCTION app.take_progress_snapshots(p_date date DEFAULT current_date) RETURNS integer
  LANGUAGE sql SET search_path = pg_catalog, public AS $$
  WITH students AS (
    SELECT m.workspace_id, m.user_id FROM workspace_members m WHERE m.role = 'student'
  ), mastery AS (
    SELECT s.workspace_id, s.student_user_id,
           sum(s.attempts)::integer AS attempts, sum(s.correct)::integer AS correct,
           coalesce(array_agg(s.topic_id ORDER BY s.topic_id) FILTER (
             WHERE s.p_known >= coalesce((t.metadata->>'mastery_threshold')::float8, 0.8)), '{}') AS mastered,
           coalesce(array_agg(s.topic_id ORDER BY s.topic_id) FILTER (
             WHERE s.attempts >= 3 AND s.p_known < 0.5 * coalesce((t.metadata->>'mastery_threshold')::float8, 0.8)), '{}') AS struggling
    FROM student_topic_state s JOIN topics t ON t.workspace_id = s.workspace_id AND t.id = s.topic_id
    GROUP BY 1, 2
  ), cards AS (
    SELECT workspace_id, student_user_id,
           count(*) FILTER (WHERE due_at < (p_date + 1)::timestamptz)::integer AS due,
           avg(ease_factor) FILTER (WHERE algorithm = 'sm2') AS ease
    FROM spaced_repetition GROUP BY 1, 2
  ), reviews AS (
    SELECT workspace_id, student_user_id, count(*)::integer AS reviewed
    FROM review_events WHERE reviewed_at >= (p_date - 6)::timestamptz AND reviewed_at < (p_date + 1)::timestamptz
    GROUP BY 1, 2
  ), written AS (
    INSERT INTO student_progress_snapshots (workspace_id, student_user_id, snapshot_date, total_questions_attempted,
      total_correct, accuracy_rate, topics_mastered, topics_struggling, cards_due, cards_reviewed, average_ease, metadata)
    SELECT st.workspace_id, st.user_id, p_date, coalesce(m.attempts, 0), coalesce(m.correct, 0),
           round(m.correct::numeric / nullif(m.attempts, 0), 4), coalesce(m.mastered, '{}'), coalesce(m.struggling, '{}'),
           coalesce(c.due, 0), coalesce(r.reviewed, 0), round(c.ease, 3),
           jsonb_build_object('source', 'take_progress_snapshots', 'attempts_counted', 'graded')
    FROM students st
    LEFT JOIN mastery m ON m.workspace_id = st.workspace_id AND m.student_user_id = st.user_id
    LEFT JOIN cards c ON c.workspace_id = st.workspace_id AND c.student_user_id = st.user_id
    LEFT JOIN reviews r ON r.workspace_id = st.workspace_id AND r.student_user_id = st.user_id
    ON CONFLICT (workspace_id, student_user_id, snapshot_date) DO NOTHING
    RETURNING 1
  )
  SELECT count(*)::integer FROM written
$$;
COMMENT ON FUNCTION app.take_progress_snapshots(date) IS
  'Writes one student_progress_snapshots row per student of every workspace for the date (graded attempts, mastery from student_topic_state, cards, reviews of the 7 days to the date); a second run for the same date writes nothing. The SNAPSHOT_PROGRESS job';
REVOKE EXECUTE ON FUNCTION app.take_progress_snapshots(date) FROM PUBLIC;
COMMENT ON FUNCTION app.refresh_analytics_views() IS 'Refreshes every analytics materialized view without blocking readers (the REFRESH_ANALYTICS periodic job)';
