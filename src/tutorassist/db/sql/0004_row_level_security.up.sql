-- Tenancy enforced by the database. The application acts as tutorassist_app (no BYPASSRLS) and says who is acting
-- per transaction (app.user_id, optionally app.workspace_id). Every tenant table lets a row through only when its
-- workspace_id is one of the acting user's workspaces. The membership lookup runs once per statement: the function
-- is STABLE and every policy calls it inside (SELECT ...), an InitPlan, then compares with the indexed workspace_id.

CREATE FUNCTION app.acting_workspaces() RETURNS uuid[]
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog
AS $$
  SELECT coalesce(array_agg(m.workspace_id), '{}'::uuid[])
  FROM public.workspace_members m
  WHERE m.user_id = app.current_user_id()
    AND (app.current_workspace_id() IS NULL OR m.workspace_id = app.current_workspace_id())
$$;
COMMENT ON FUNCTION app.acting_workspaces() IS
  'Workspaces the acting user may touch in this transaction: app.workspace_id if the user is a member of it, else all of the user''s memberships; empty when nobody is acting';

CREATE FUNCTION app.visible_user_ids() RETURNS uuid[]
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog
AS $$
  SELECT coalesce(array_agg(DISTINCT m.user_id), '{}'::uuid[]) || coalesce(ARRAY[app.current_user_id()], '{}'::uuid[])
  FROM public.workspace_members m
  WHERE m.workspace_id = ANY (app.acting_workspaces())
$$;
COMMENT ON FUNCTION app.visible_user_ids() IS 'Users the acting user may see: themself and the members of their acting workspaces';

CREATE FUNCTION app.create_workspace(p_name text, p_timezone text DEFAULT 'UTC') RETURNS uuid
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
DECLARE
  v_user uuid := app.current_user_id();
  v_id uuid;
BEGIN
  IF v_user IS NULL THEN
    RAISE EXCEPTION 'nobody is acting: set app.user_id' USING ERRCODE = 'insufficient_privilege';
  END IF;
  INSERT INTO public.workspaces (name, owner_user_id, timezone) VALUES (p_name, v_user, p_timezone) RETURNING id INTO v_id;
  INSERT INTO public.workspace_members (workspace_id, user_id, role) VALUES (v_id, v_user, 'owner');
  RETURN v_id;
END
$$;
COMMENT ON FUNCTION app.create_workspace(text, text) IS
  'Creates a workspace owned by the acting user (who cannot insert it directly: they are not a member yet)';

DO $$
DECLARE
  t text;
BEGIN
  FOR t IN SELECT unnest(ARRAY[
    'workspace_members', 'student_profiles', 'invite_tokens', 'jobs', 'topics', 'source_materials', 'question_batches',
    'questions', 'question_programs', 'question_grade_levels', 'question_embeddings', 'question_history', 'assignments',
    'assignment_items', 'attempts', 'spaced_repetition', 'question_flags', 'tutor_feedback', 'sessions',
    'oauth_connections', 'pdf_exports', 'ai_usage_log', 'student_progress_snapshots', 'audit_log'])
  LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY tenant_isolation ON %I AS PERMISSIVE FOR ALL TO tutorassist_app '
                   'USING (workspace_id = ANY ((SELECT app.acting_workspaces())::uuid[])) '
                   'WITH CHECK (workspace_id = ANY ((SELECT app.acting_workspaces())::uuid[]))', t);
    EXECUTE format('COMMENT ON POLICY tenant_isolation ON %I IS %L', t,
                   'Rows of the acting user''s workspaces only (app.acting_workspaces)');
  END LOOP;
END
$$;

ALTER TABLE workspaces ENABLE ROW LEVEL SECURITY;
ALTER TABLE workspaces FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON workspaces AS PERMISSIVE FOR ALL TO tutorassist_app
  USING (id = ANY ((SELECT app.acting_workspaces())::uuid[]))
  WITH CHECK (id = ANY ((SELECT app.acting_workspaces())::uuid[]));
COMMENT ON POLICY tenant_isolation ON workspaces IS 'Workspaces the acting user is a member of; new ones through app.create_workspace';

-- users is global, but holds people: each user sees themself and the members of their workspaces, and changes only themself.
ALTER TABLE users ENABLE ROW LEVEL SECURITY;
ALTER TABLE users FORCE ROW LEVEL SECURITY;
CREATE POLICY users_visible ON users AS PERMISSIVE FOR SELECT TO tutorassist_app
  USING (id = ANY ((SELECT app.visible_user_ids())::uuid[]));
CREATE POLICY users_update_self ON users AS PERMISSIVE FOR UPDATE TO tutorassist_app
  USING (id = (SELECT app.current_user_id()))
  WITH CHECK (id = (SELECT app.current_user_id()));
COMMENT ON POLICY users_visible ON users IS 'The acting user and the members of their workspaces';
COMMENT ON POLICY users_update_self ON users IS 'A user changes only their own row';

-- Privileges: reads and writes of tenant data, nothing on logs written by triggers, no counters written by hand.
GRANT USAGE ON SCHEMA app, extensions TO tutorassist_app;
GRANT USAGE ON SCHEMA public TO tutorassist_app;
REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA app FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app.current_user_id(), app.current_workspace_id(), app.acting_workspaces(),
  app.visible_user_ids(), app.create_workspace(text, text), app.question_tracked_values(public.questions),
  app.touch_updated_at(), app.topics_prevent_cycle(), app.questions_bump_version() TO tutorassist_app;

GRANT SELECT, UPDATE, DELETE ON workspaces TO tutorassist_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON workspace_members, student_profiles, invite_tokens, jobs, topics,
  source_materials, question_batches, question_programs, question_grade_levels, question_embeddings, assignment_items,
  attempts, spaced_repetition, question_flags, tutor_feedback, sessions, oauth_connections, pdf_exports,
  ai_usage_log, student_progress_snapshots TO tutorassist_app;
GRANT SELECT ON question_history, audit_log TO tutorassist_app;
GRANT SELECT, DELETE ON questions, assignments TO tutorassist_app;
GRANT INSERT (workspace_id, id, topic_id, source_material_id, batch_id, batch_custom_id, prompt_latex, prompt_text,
  answer_type, answer_spec, hints_json, solution_latex, difficulty, tags_json, curriculum_json, status, origin,
  quality_score, generation_metadata, created_by, updated_by),
  UPDATE (topic_id, source_material_id, batch_id, batch_custom_id, prompt_latex, prompt_text, answer_type, answer_spec,
  hints_json, solution_latex, difficulty, tags_json, curriculum_json, status, origin, quality_score,
  generation_metadata, updated_by) ON questions TO tutorassist_app;
GRANT INSERT (workspace_id, id, student_profile_id, title, description, status, settings_json, rule_json, due_at, created_by),
  UPDATE (title, description, status, settings_json, rule_json, due_at) ON assignments TO tutorassist_app;
GRANT SELECT (id, email, display_name, email_verified_at, is_disabled, last_sign_in_at, created_at, updated_at),
  UPDATE (display_name) ON users TO tutorassist_app;
GRANT SELECT ON study_programs, grade_levels TO tutorassist_app;
