-- A tutor may archive (or return to draft) an assignment in any state, and bring it back: the database keeps
-- completed_at consistent with the status and re-derives progress when an assignment is live again.

CREATE FUNCTION app.assignments_clear_completed_at() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog
AS $$
BEGIN
  IF NEW.status <> 'completed' THEN
    NEW.completed_at := NULL;
  END IF;
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION app.assignments_clear_completed_at() IS 'Trigger: an assignment that is no longer completed has no completed_at';
CREATE TRIGGER assignments_status_completed_at BEFORE UPDATE OF status ON assignments
  FOR EACH ROW EXECUTE FUNCTION app.assignments_clear_completed_at();

CREATE FUNCTION app.assignments_rederive_progress() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
BEGIN
  PERFORM app.refresh_assignment_progress(NEW.workspace_id, NEW.id);
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION app.assignments_rederive_progress() IS
  'Trigger: an assignment assigned again (from draft or archived) derives in_progress/completed from attempts already made';
CREATE TRIGGER assignments_status_rederive AFTER UPDATE OF status ON assignments
  FOR EACH ROW WHEN (NEW.status = 'assigned' AND OLD.status IN ('draft', 'archived'))
  EXECUTE FUNCTION app.assignments_rederive_progress();

REVOKE EXECUTE ON FUNCTION app.assignments_clear_completed_at(), app.assignments_rederive_progress() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app.assignments_clear_completed_at() TO tutorassist_app;

-- Listing a workspace's assignments newest first, paged by (created_at, id).
CREATE INDEX idx_assignments_listing ON assignments(workspace_id, created_at DESC, id DESC);
