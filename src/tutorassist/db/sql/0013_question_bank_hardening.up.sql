-- Question bank hardening: imported questions keep their batch, topic references in metadata stay consistent,
-- spelling-tolerant search, and the search's default order served by an index.

-- ---------------------------------------------------------------- imported questions keep their generation batch
-- An export re-imported where its batch exists keeps batch_id (the import makes the origin 'imported').
ALTER TABLE questions DROP CONSTRAINT questions_check2;
ALTER TABLE questions ADD CONSTRAINT questions_batch_origin_check
  CHECK (origin IN ('ai_generated', 'imported') OR batch_id IS NULL);

-- ---------------------------------------------------------------- topic ids in topics.metadata
-- The lists of topic ids a topic's metadata may hold; each must name existing topics of the same workspace.
CREATE FUNCTION app.topic_metadata_id_lists() RETURNS text[]
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog
AS $$ SELECT ARRAY['prerequisites', 'follows_topics', 'leads_to_topics'] $$;
COMMENT ON FUNCTION app.topic_metadata_id_lists() IS
  'Keys of topics.metadata that list topic ids (TopicMetadata): prerequisites, follows_topics, leads_to_topics';

CREATE FUNCTION app.jsonb_ids(list jsonb) RETURNS text[]
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog
AS $$
  SELECT coalesce(array_agg(e), '{}') FROM jsonb_array_elements_text(
    CASE WHEN jsonb_typeof(list) = 'array' THEN list ELSE '[]'::jsonb END) AS e
$$;
COMMENT ON FUNCTION app.jsonb_ids(jsonb) IS 'The strings of a JSON array (empty for anything that is not an array)';

CREATE FUNCTION app.jsonb_without_ids(metadata jsonb, keys text[], removed text[]) RETURNS jsonb
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog
AS $$
  SELECT coalesce(jsonb_object_agg(m.key, CASE WHEN m.key = ANY (keys) THEN k.kept ELSE m.value END), '{}'::jsonb)
  FROM jsonb_each(metadata) AS m
  CROSS JOIN LATERAL (SELECT to_jsonb(ARRAY(
    SELECT lower(e) FROM unnest(app.jsonb_ids(m.value)) AS e WHERE lower(e) <> ALL (removed))) AS kept) AS k
  WHERE NOT (m.key = ANY (keys) AND k.kept = '[]'::jsonb)
$$;
COMMENT ON FUNCTION app.jsonb_without_ids(jsonb, text[], text[]) IS
  'The metadata with the ids in removed taken out of the id lists under keys (ids lower-cased; emptied lists dropped)';

-- Rows written before this migration may name deleted topics or themselves: drop those ids (and emptied lists).
UPDATE topics t SET metadata = app.jsonb_without_ids(t.metadata, app.topic_metadata_id_lists(), ARRAY(
  SELECT lower(e) FROM unnest(app.topic_metadata_id_lists()) AS k, unnest(app.jsonb_ids(t.metadata -> k)) AS e
  WHERE NOT EXISTS (SELECT 1 FROM topics o WHERE o.workspace_id = t.workspace_id AND o.id::text = lower(e)
                    AND o.id <> t.id)))
WHERE t.metadata ?| app.topic_metadata_id_lists();

CREATE FUNCTION app.topics_check_metadata_ids() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public
AS $$
DECLARE
  key text;
  ids text[];
  missing text;
BEGIN
  FOREACH key IN ARRAY app.topic_metadata_id_lists() LOOP
    CONTINUE WHEN NOT NEW.metadata ? key;
    IF jsonb_typeof(NEW.metadata -> key) <> 'array' THEN
      RAISE EXCEPTION 'must be a list of topic ids' USING ERRCODE = 'check_violation',
        CONSTRAINT = 'topics_metadata_topics_check', COLUMN = key;
    END IF;
    ids := ARRAY(SELECT lower(i) FROM unnest(app.jsonb_ids(NEW.metadata -> key)) AS i);
    -- Stored lower-cased, as PostgreSQL prints a uuid, so the delete and archive checks find every reference.
    NEW.metadata := jsonb_set(NEW.metadata, ARRAY[key], to_jsonb(ids));
    IF NEW.id::text = ANY (ids) THEN
      RAISE EXCEPTION 'a topic cannot list itself' USING ERRCODE = 'check_violation',
        CONSTRAINT = 'topics_metadata_topics_check', COLUMN = key;
    END IF;
    -- FOR KEY SHARE: a concurrent delete of a named topic waits for us, then sees this reference.
    SELECT string_agg(i, ', ') INTO missing FROM unnest(ids) AS i
    WHERE NOT EXISTS (SELECT 1 FROM topics t WHERE t.workspace_id = NEW.workspace_id AND t.id::text = i
                      FOR KEY SHARE);
    IF missing IS NOT NULL THEN
      RAISE EXCEPTION 'no such topic in this workspace: %', missing USING ERRCODE = 'check_violation',
        CONSTRAINT = 'topics_metadata_topics_check', COLUMN = key;
    END IF;
    IF key = 'prerequisites' AND NEW.archived_at IS NULL THEN
      SELECT string_agg(t.name, ', ' ORDER BY t.name) INTO missing FROM topics t
      WHERE t.workspace_id = NEW.workspace_id AND t.id::text = ANY (ids)
        AND t.archived_at IS NOT NULL;
      IF missing IS NOT NULL THEN
        RAISE EXCEPTION 'an active topic cannot need an archived topic: %', missing USING ERRCODE = 'check_violation',
          CONSTRAINT = 'topics_metadata_topics_check', COLUMN = key;
      END IF;
    END IF;
  END LOOP;
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION app.topics_check_metadata_ids() IS
  'Trigger: the topic ids in topics.metadata (prerequisites, follows_topics, leads_to_topics) name other existing '
  'topics of the same workspace, and an active topic''s prerequisites are active';
CREATE TRIGGER topics_metadata_ids BEFORE INSERT OR UPDATE OF metadata ON topics
  FOR EACH ROW EXECUTE FUNCTION app.topics_check_metadata_ids();

-- Statement-level, after the statement: a subtree deleted or archived together, or a whole workspace deleted, is
-- judged as a whole, and only topics that remain (active) can still be left pointing at it.
CREATE FUNCTION app.topics_keep_references_on_delete() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public
AS $$
DECLARE
  dependents text;
BEGIN
  SELECT string_agg(DISTINCT format('%s (needs %s)', t.name, g.name), ', ') INTO dependents
  FROM gone g JOIN topics t ON t.workspace_id = g.workspace_id AND t.metadata -> 'prerequisites' ? g.id::text;
  IF dependents IS NOT NULL THEN
    RAISE EXCEPTION 'other topics name this topic as a prerequisite: %; remove it from their prerequisites first',
      dependents USING ERRCODE = 'TA409';
  END IF;
  -- follows_topics / leads_to_topics only order topics: the reference is removed (the key too when it empties).
  UPDATE topics t SET metadata = app.jsonb_without_ids(t.metadata, ARRAY['follows_topics', 'leads_to_topics'],
                                                       ARRAY(SELECT g.id::text FROM gone g WHERE g.workspace_id = t.workspace_id))
  WHERE t.workspace_id IN (SELECT workspace_id FROM gone)
    AND EXISTS (SELECT 1 FROM gone g WHERE g.workspace_id = t.workspace_id
                AND (t.metadata -> 'follows_topics' ? g.id::text OR t.metadata -> 'leads_to_topics' ? g.id::text));
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION app.topics_keep_references_on_delete() IS
  'Trigger: refuses (TA409) deleting topics that remaining topics name as prerequisites; removes deleted topics from '
  'the follows_topics / leads_to_topics of the remaining ones';
CREATE TRIGGER topics_references_on_delete AFTER DELETE ON topics
  REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION app.topics_keep_references_on_delete();

CREATE FUNCTION app.topics_keep_prerequisites_active() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public
AS $$
DECLARE
  dependents text;
BEGIN
  SELECT string_agg(DISTINCT format('%s (needs %s)', t.name, p.name), ', ') INTO dependents
  FROM topics t
  JOIN topics p ON p.workspace_id = t.workspace_id AND t.metadata -> 'prerequisites' ? p.id::text
  WHERE t.workspace_id IN (SELECT workspace_id FROM changed)
    AND t.archived_at IS NULL AND p.archived_at IS NOT NULL
    AND ((t.workspace_id, t.id) IN (SELECT workspace_id, id FROM changed)
         OR (p.workspace_id, p.id) IN (SELECT workspace_id, id FROM changed));
  IF dependents IS NOT NULL THEN
    RAISE EXCEPTION 'an active topic cannot need an archived topic: %; archive or unarchive them together, or remove '
      'the prerequisite first', dependents USING ERRCODE = 'TA409';
  END IF;
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION app.topics_keep_prerequisites_active() IS
  'Trigger: after archiving or unarchiving, no active topic names an archived topic as a prerequisite (TA409)';
CREATE TRIGGER topics_prerequisites_active AFTER UPDATE ON topics
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION app.topics_keep_prerequisites_active();

-- ---------------------------------------------------------------- search
-- Spelling variants (factorize / Factorise): word similarity over the prompt when full text finds nothing.
CREATE INDEX idx_questions_prompt_trgm ON questions USING gin (prompt_text extensions.gin_trgm_ops);
-- The search's and export's default order (newest first / oldest first) within a workspace.
CREATE INDEX idx_questions_listing ON questions (workspace_id, created_at DESC, id DESC);
