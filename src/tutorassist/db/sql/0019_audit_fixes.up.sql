-- Defects `tutorassist db audit` found in our own schema (docs/database-audit.md).

-- attempts.student_user_id references users ON DELETE CASCADE, but the only index leading with it was partial
-- (graded attempts only), so deleting an account scanned every attempt. The same index without the predicate covers
-- the cascade and still serves the analytics reads the partial one served.
DROP INDEX idx_attempts_analytics;
CREATE INDEX idx_attempts_analytics ON attempts (student_user_id, question_id, is_correct, submitted_at);
COMMENT ON INDEX idx_attempts_analytics IS
  'A student''s attempts by question and outcome (analytics), and the cascade when an account is deleted';

-- procrastinate sets a job's worker_id to NULL when its worker row is deleted (a worker stops or is pruned as
-- stalled); its only index on worker_id is limited to running jobs, so each such delete scanned the whole queue.
CREATE INDEX idx_procrastinate_jobs_worker ON procrastinate.procrastinate_jobs (worker_id) WHERE worker_id IS NOT NULL;
COMMENT ON INDEX procrastinate.idx_procrastinate_jobs_worker IS
  'Jobs of a worker, for ON DELETE SET NULL when a worker row is deleted (TutorAssist, migration 0019)';
