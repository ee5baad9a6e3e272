-- AI generation: every generated question is stored once per requested item, its batch keeps what each item came
-- to, and only the platform writes what AI cost (staff read it).

-- A re-run of a generation job inserts each requested item at most once (INSERT ... ON CONFLICT DO NOTHING). Only
-- generated questions: an imported copy of a batch's question keeps its batch and item as provenance.
CREATE UNIQUE INDEX questions_batch_item_key ON questions (workspace_id, batch_id, batch_custom_id)
  WHERE origin = 'ai_generated';
COMMENT ON INDEX questions_batch_item_key IS 'One generated question per requested item of a generation batch';

ALTER TABLE question_batches
  ADD COLUMN mode text NOT NULL DEFAULT 'sync' CHECK (mode IN ('sync', 'batch')),
  ADD COLUMN provider text,
  ADD COLUMN model text,
  ADD COLUMN estimated_cost_usd numeric(12, 6) CHECK (estimated_cost_usd >= 0),
  ADD COLUMN item_outcomes jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(item_outcomes) = 'object'),
  ADD COLUMN error_text text;
COMMENT ON COLUMN question_batches.mode IS 'sync (one provider call per chunk of items) | batch (the provider''s Batch API)';
COMMENT ON COLUMN question_batches.provider IS 'Generator that serves the batch: openai (any OpenAI-compatible endpoint) | offline (templates)';
COMMENT ON COLUMN question_batches.model IS 'Model name sent to the provider (offline-templates for the offline generator)';
COMMENT ON COLUMN question_batches.estimated_cost_usd IS 'Cost estimated before submission, in US dollars';
COMMENT ON COLUMN question_batches.item_outcomes IS 'Per requested item (custom_id, e.g. item-0007): accepted, or the reason it was rejected or failed; total_generated and total_failed are counted from it';
COMMENT ON COLUMN question_batches.error_text IS 'Why the batch ended failed, expired or cancelled (what was completed is kept)';

-- A tutor must not forge costs or batch outcomes: the worker (schema owner) writes them, staff only read.
REVOKE INSERT, UPDATE, DELETE ON ai_usage_log, question_batches FROM tutorassist_app;

-- A provider call a request makes itself (an embedding of a search text) is logged through this one door: for the
-- caller's staff workspace and as the caller, never for another workspace, a job or another user.
CREATE FUNCTION app.log_request_ai_usage(p_operation text, p_model text, p_tokens_input integer, p_tokens_output integer,
  p_cost_usd numeric, p_duration_ms integer, p_success boolean, p_error text, p_metadata jsonb) RETURNS uuid
  LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
  INSERT INTO ai_usage_log (workspace_id, user_id, operation_type, model, tokens_input, tokens_output, tokens_total,
                            cost_usd, duration_ms, success, error_message, metadata)
  SELECT ws, app.current_user_id(), p_operation, p_model, p_tokens_input, p_tokens_output,
         coalesce(p_tokens_input, 0) + coalesce(p_tokens_output, 0), p_cost_usd, p_duration_ms, p_success, p_error,
         coalesce(p_metadata, '{}'::jsonb)
  FROM (SELECT app.staff_workspace() AS ws) s WHERE ws IS NOT NULL
  RETURNING id
$$;
COMMENT ON FUNCTION app.log_request_ai_usage(text, text, integer, integer, numeric, integer, boolean, text, jsonb) IS
  'Logs a provider call made by a request of a staff member, in their workspace and as them (staff cannot write ai_usage_log otherwise); NULL for anyone else';
REVOKE EXECUTE ON FUNCTION app.log_request_ai_usage(text, text, integer, integer, numeric, integer, boolean, text, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app.log_request_ai_usage(text, text, integer, integer, numeric, integer, boolean, text, jsonb) TO tutorassist_app;
