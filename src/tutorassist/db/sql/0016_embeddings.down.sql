-- Back to one 384-dimension vector column with one HNSW index: embeddings of other sizes cannot stay.
DO $$
DECLARE
  model record;
BEGIN
  FOR model IN SELECT name FROM embedding_models LOOP
    EXECUTE format('DROP INDEX IF EXISTS %I', app.embedding_index_name(model.name));
  END LOOP;
END
$$;
ALTER TABLE question_embeddings DROP CONSTRAINT question_embeddings_model_dimensions_fkey;
ALTER TABLE question_embeddings DROP COLUMN dimensions;
DELETE FROM question_embeddings WHERE extensions.vector_dims(embedding) <> 384;
ALTER TABLE question_embeddings ALTER COLUMN embedding TYPE extensions.vector(384);
CREATE INDEX idx_question_embeddings_hnsw ON question_embeddings USING hnsw (embedding extensions.vector_cosine_ops);
COMMENT ON COLUMN question_embeddings.embedding IS '384-dimension embedding (providers with larger models are asked for 384 dimensions)';
COMMENT ON COLUMN question_embeddings.model_version IS 'Model version, so embeddings can be regenerated when the model changes';
DROP FUNCTION app.ensure_embedding_index(text, integer, text);
DROP FUNCTION app.embedding_index_name(text);
DROP TABLE embedding_models;
