-- Defects `tutorassist db audit` found in our own schema (docs/database-audit.md).

-- procrastinate sets a job's worker_id to NULL when its worker row is deleted (a worker stops or is pruned as
-- stalled); its only index on worker_id is limited to running jobs, so each such delete scanned the whole queue.
CREATE INDEX idx_procrastinate_jobs_worker ON procrastinate.procrastinate_jobs (worker_id) WHERE worker_id IS NOT NULL;
COMMENT ON INDEX procrastinate.idx_procrastinate_jobs_worker IS
  'Jobs of a worker, for ON DELETE SET NULL when a worker row is deleted (TutorAssist, migration 0019)';
