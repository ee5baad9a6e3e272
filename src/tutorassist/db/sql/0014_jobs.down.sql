-- Reverses 0014_jobs.up.sql.
DROP TABLE system_jobs;
REVOKE INSERT (workspace_id, type, payload_json, priority) ON jobs FROM tutorassist_app;
GRANT INSERT, UPDATE, DELETE ON jobs TO tutorassist_app;
DROP TRIGGER jobs_fill_requester ON jobs;
DROP FUNCTION app.jobs_fill_requester();
DROP TRIGGER ai_usage_cost_to_job ON ai_usage_log;
DROP FUNCTION app.ai_usage_cost_to_job();
COMMENT ON COLUMN jobs.locked_by IS 'Which worker holds the job';
COMMENT ON TABLE jobs IS 'Record of background jobs a tutor can see (type, status, progress, result, cost); no worker runs them yet';
ALTER TABLE jobs
  DROP COLUMN progress_done, DROP COLUMN progress_total, DROP COLUMN progress_message, DROP COLUMN cost_usd,
  DROP COLUMN queue_job_id, DROP COLUMN cancel_requested_at;
