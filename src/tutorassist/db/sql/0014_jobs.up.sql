-- Background jobs. `jobs` stays the record a tutor sees (type, status, progress, result, error, cost, who asked);
-- staff read it and ask for jobs, but only the platform (the worker, as schema owner) moves a job along.

ALTER TABLE jobs
  ADD COLUMN progress_done integer NOT NULL DEFAULT 0 CHECK (progress_done >= 0),
  ADD COLUMN progress_total integer CHECK (progress_total >= 0),
  ADD COLUMN progress_message text,
  ADD COLUMN cost_usd numeric(12, 6) NOT NULL DEFAULT 0 CHECK (cost_usd >= 0),
  ADD COLUMN queue_job_id bigint,
  ADD COLUMN cancel_requested_at timestamptz;
COMMENT ON TABLE jobs IS 'Record of background jobs a tutor can see (type, status, progress, result, error, cost, who asked); run by tutorassist workers';
COMMENT ON COLUMN jobs.progress_done IS 'Units of work done so far (e.g. questions generated)';
COMMENT ON COLUMN jobs.progress_total IS 'Units of work in the whole job, when known';
COMMENT ON COLUMN jobs.progress_message IS 'What the job is doing now, in words';
COMMENT ON COLUMN jobs.cost_usd IS 'Sum of ai_usage_log.cost_usd of the job (trigger-maintained)';
COMMENT ON COLUMN jobs.queue_job_id IS 'procrastinate_jobs.id of the queue entry that runs this job now';
COMMENT ON COLUMN jobs.cancel_requested_at IS 'When a member asked to cancel; a running job stops between two units of work';
COMMENT ON COLUMN jobs.locked_by IS 'Which worker runs the job now (host:pid)';

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
