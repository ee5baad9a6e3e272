-- Reverses 0014_jobs.up.sql (the queue's schema is dropped after this file, by the revision).
COMMENT ON FUNCTION app.refresh_analytics_views() IS 'Refreshes every analytics materialized view without blocking readers; run by the operator (nothing schedules it yet)';
DROP FUNCTION app.take_progress_snapshots(date);
DROP FUNCTION app.retry_job(uuid, uuid);
DROP FUNCTION app.cancel_job(uuid, uuid);
DROP FUNCTION app.may_manage_jobs_of(uuid);
DROP TRIGGER jobs_requeue ON jobs;
DROP TRIGGER jobs_queue ON jobs;
DROP FUNCTION app.queue_job();
DROP FUNCTION app.queue_job_entry(uuid, uuid, integer, timestamptz);
DROP TABLE system_jobs;
REVOKE INSERT (workspace_id, type, payload_json, priority) ON jobs FROM tutorassist_app;
GRANT INSERT, UPDATE, DELETE ON jobs TO tutorassist_app;
DROP TRIGGER jobs_fill_requester ON jobs;
DROP FUNCTION app.jobs_fill_requester();
DROP TRIGGER ai_usage_cost_to_job ON ai_usage_log;
DROP FUNCTION app.ai_usage_cost_to_job();
COMMENT ON COLUMN jobs.locked_by IS 'Which worker holds the job';
COMMENT ON TABLE jobs IS 'Record of background jobs a tutor can see (type, status, progress, result, cost); no worker runs them yet';
CREATE INDEX idx_jobs_pickup ON jobs(priority DESC, run_after) WHERE status = 'queued';
ALTER TABLE jobs
  DROP COLUMN progress_done, DROP COLUMN progress_total, DROP COLUMN progress_message, DROP COLUMN cost_usd,
  DROP COLUMN queue_job_id, DROP COLUMN cancel_requested_at;
