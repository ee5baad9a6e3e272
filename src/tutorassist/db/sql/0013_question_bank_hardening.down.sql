-- Reverses 0013_question_bank_hardening.up.sql.
DROP INDEX idx_questions_listing;
DROP INDEX idx_questions_prompt_trgm;

DROP TRIGGER topics_prerequisites_active ON topics;
DROP FUNCTION app.topics_keep_prerequisites_active();
DROP TRIGGER topics_references_on_delete ON topics;
DROP FUNCTION app.topics_keep_references_on_delete();
DROP TRIGGER topics_metadata_ids ON topics;
DROP FUNCTION app.topics_check_metadata_ids();
DROP FUNCTION app.jsonb_without_ids(jsonb, text[], text[]);
DROP FUNCTION app.jsonb_ids(jsonb);
DROP FUNCTION app.topic_metadata_id_lists();

-- Only AI-generated questions may carry a batch again.
UPDATE questions SET batch_id = NULL, batch_custom_id = NULL WHERE origin <> 'ai_generated' AND batch_id IS NOT NULL;
ALTER TABLE questions DROP CONSTRAINT questions_batch_origin_check;
ALTER TABLE questions ADD CONSTRAINT questions_check2 CHECK (origin = 'ai_generated' OR batch_id IS NULL);
