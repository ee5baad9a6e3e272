DROP INDEX idx_assignments_listing;
DROP TRIGGER assignments_status_rederive ON assignments;
DROP TRIGGER assignments_status_completed_at ON assignments;
DROP FUNCTION app.assignments_rederive_progress();
DROP FUNCTION app.assignments_clear_completed_at();
