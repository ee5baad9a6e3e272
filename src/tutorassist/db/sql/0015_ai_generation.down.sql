-- Reverses 0015_ai_generation.up.sql.
DROP FUNCTION app.log_request_ai_usage(text, text, integer, integer, numeric, integer, boolean, text, jsonb);
GRANT INSERT, UPDATE, DELETE ON ai_usage_log, question_batches TO tutorassist_app;
ALTER TABLE question_batches
  DROP COLUMN error_text,
  DROP COLUMN item_outcomes,
  DROP COLUMN estimated_cost_usd,
  DROP COLUMN model,
  DROP COLUMN provider,
  DROP COLUMN mode;
DROP INDEX questions_batch_item_key;
