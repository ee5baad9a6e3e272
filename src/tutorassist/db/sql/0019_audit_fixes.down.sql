DROP INDEX procrastinate.idx_procrastinate_jobs_worker;

DROP INDEX idx_attempts_analytics;
CREATE INDEX idx_attempts_analytics ON attempts (student_user_id, question_id, is_correct, submitted_at)
  WHERE is_correct IS NOT NULL;
