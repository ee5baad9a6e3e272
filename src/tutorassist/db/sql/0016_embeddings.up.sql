-- Embeddings of several models side by side. question_embeddings.embedding becomes an untyped vector so a 384-dimension
-- local model and a 1536-dimension provider model can both be stored; a registry of models says each one's
-- dimensions (a foreign key on the row's generated dimension count keeps every vector the size its model declares),
-- and each model gets its own partial HNSW index over `embedding::vector(<dims>)`, which similarity search uses by
-- ordering with the same cast and filtering on the same model.

CREATE TABLE embedding_models (
  name text PRIMARY KEY CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9._:/-]{0,99}$'),
  dimensions integer NOT NULL CHECK (dimensions BETWEEN 1 AND 2000),
  provider text NOT NULL CHECK (provider IN ('local', 'openai')),
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (name, dimensions)
);
COMMENT ON TABLE embedding_models IS 'Embedding models whose vectors may be stored, with their dimensions; global reference data (each has its own HNSW index, app.ensure_embedding_index)';
COMMENT ON COLUMN embedding_models.name IS 'Model name as sent to the provider (letters, digits and . _ : / -, so it can stand as a literal in an index predicate)';
COMMENT ON COLUMN embedding_models.dimensions IS 'Length of every vector of this model (at most 2000: the limit of an HNSW index on vector)';
COMMENT ON COLUMN embedding_models.provider IS 'local (a model run in-process) | openai (an OpenAI-compatible /v1/embeddings endpoint)';
COMMENT ON COLUMN embedding_models.created_at IS 'When the model was registered';
GRANT SELECT ON embedding_models TO tutorassist_app;

CREATE FUNCTION app.embedding_index_name(model text) RETURNS text
  LANGUAGE sql IMMUTABLE SET search_path = pg_catalog AS $$
  SELECT 'idx_qe_hnsw_' || left(trim(both '_' from lower(regexp_replace(model, '[^A-Za-z0-9]+', '_', 'g'))), 40)
         || '_' || left(md5(model), 8)
$$;
COMMENT ON FUNCTION app.embedding_index_name(text) IS 'Name of the partial HNSW index of one embedding model (readable slug + md5 prefix, under 63 bytes)';

CREATE FUNCTION app.ensure_embedding_index(model text, dims integer, model_provider text) RETURNS text
  LANGUAGE plpgsql SET search_path = pg_catalog, public AS $$
DECLARE
  declared integer;
  index_name text := app.embedding_index_name(model);
BEGIN
  SELECT dimensions INTO declared FROM embedding_models WHERE name = model;
  IF declared IS NULL THEN
    INSERT INTO embedding_models (name, dimensions, provider) VALUES (model, dims, model_provider);
  ELSIF declared <> dims THEN
    RAISE EXCEPTION 'embedding model % is registered with % dimensions, not %', model, declared, dims
      USING ERRCODE = '23514';
  END IF;
  EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON question_embeddings USING hnsw '
                 '((embedding::extensions.vector(%s)) extensions.vector_cosine_ops) WHERE embedding_model = %L',
                 index_name, dims, model);
  EXECUTE format('COMMENT ON INDEX %I IS %L', index_name,
                 format('Cosine HNSW index of the %s-dimension embeddings of model %s (similarity search)', dims, model));
  RETURN index_name;
END
$$;
COMMENT ON FUNCTION app.ensure_embedding_index(text, integer, text) IS 'Registers an embedding model (name, dimensions, provider) and creates its partial HNSW index; idempotent. Run it from a migration so db verify knows the index';
REVOKE EXECUTE ON FUNCTION app.embedding_index_name(text), app.ensure_embedding_index(text, integer, text) FROM PUBLIC;

-- Rows stored before this migration are 384-dimension vectors; whatever model they name is registered as such.
INSERT INTO embedding_models (name, dimensions, provider)
SELECT DISTINCT embedding_model, 384, 'local' FROM question_embeddings
WHERE embedding_model ~ '^[A-Za-z0-9][A-Za-z0-9._:/-]{0,99}$'
ON CONFLICT (name) DO NOTHING;
DELETE FROM question_embeddings WHERE embedding_model !~ '^[A-Za-z0-9][A-Za-z0-9._:/-]{0,99}$';

DROP INDEX idx_question_embeddings_hnsw;
ALTER TABLE question_embeddings ALTER COLUMN embedding TYPE extensions.vector;
ALTER TABLE question_embeddings
  ADD COLUMN dimensions integer GENERATED ALWAYS AS (extensions.vector_dims(embedding)) STORED NOT NULL,
  ADD CONSTRAINT question_embeddings_model_dimensions_fkey FOREIGN KEY (embedding_model, dimensions)
    REFERENCES embedding_models (name, dimensions);
CREATE INDEX idx_question_embeddings_model ON question_embeddings (embedding_model, dimensions);
COMMENT ON INDEX idx_question_embeddings_model IS 'Embeddings of one model (the foreign key to embedding_models, re-embedding after a model change)';
COMMENT ON COLUMN question_embeddings.embedding IS 'The embedding, of the length its model declares (embedding_models.dimensions); searched through the model''s own HNSW index';
COMMENT ON COLUMN question_embeddings.dimensions IS 'Length of the embedding (generated); with embedding_model a foreign key to embedding_models, so a vector of the wrong size is refused';
COMMENT ON COLUMN question_embeddings.model_version IS 'Version of the model (or the provider''s model name it answered with); a different version makes the embedding stale';
COMMENT ON CONSTRAINT question_embeddings_model_dimensions_fkey ON question_embeddings IS 'The model is registered and the vector has its declared dimensions';

-- The models we know: the local default, the seed's earlier local name and OpenAI's small model.
SELECT app.ensure_embedding_index('all-MiniLM-L6-v2', 384, 'local');
SELECT app.ensure_embedding_index('bge-small-en-v1.5', 384, 'local');
SELECT app.ensure_embedding_index('text-embedding-3-small', 1536, 'openai');
