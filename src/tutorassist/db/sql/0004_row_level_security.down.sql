DO $$
DECLARE r record;
BEGIN
  FOR r IN SELECT tablename, policyname FROM pg_policies WHERE schemaname = 'public' LOOP
    EXECUTE format('DROP POLICY %I ON %I', r.policyname, r.tablename);
  END LOOP;
  FOR r IN SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind = 'r' AND relrowsecurity LOOP
    EXECUTE format('ALTER TABLE %I NO FORCE ROW LEVEL SECURITY', r.relname);
    EXECUTE format('ALTER TABLE %I DISABLE ROW LEVEL SECURITY', r.relname);
  END LOOP;
END
$$;
REVOKE ALL ON ALL TABLES IN SCHEMA public FROM tutorassist_app;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA app FROM tutorassist_app;
REVOKE USAGE ON SCHEMA app, extensions, public FROM tutorassist_app;
DROP FUNCTION app.create_workspace(text, text);
DROP FUNCTION app.visible_user_ids();
DROP FUNCTION app.acting_workspaces();
