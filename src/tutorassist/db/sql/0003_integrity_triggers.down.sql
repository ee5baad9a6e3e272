DO $$
DECLARE r record;
BEGIN
  FOR r IN SELECT tgname, tgrelid::regclass AS rel FROM pg_trigger WHERE tgname LIKE '%\_audit' AND NOT tgisinternal LOOP
    EXECUTE format('DROP TRIGGER %I ON %s', r.tgname, r.rel);
  END LOOP;
END
$$;
DROP TRIGGER questions_history ON questions;
DROP TRIGGER questions_version ON questions;
CREATE TRIGGER questions_touch_updated_at BEFORE UPDATE ON questions FOR EACH ROW EXECUTE FUNCTION app.touch_updated_at();
DROP TRIGGER topics_no_cycle ON topics;
DROP TRIGGER assignment_items_progress ON assignment_items;
DROP TRIGGER attempts_assignment_progress ON attempts;
DROP TRIGGER attempts_assignment_student ON attempts;
DROP TRIGGER attempts_question_stats ON attempts;
DROP FUNCTION app.audit_row();
DROP FUNCTION app.questions_record_history();
DROP FUNCTION app.questions_bump_version();
DROP FUNCTION app.question_tracked_values(public.questions);
DROP FUNCTION app.topics_prevent_cycle();
DROP FUNCTION app.assignment_items_maintain_progress();
DROP FUNCTION app.attempts_maintain_assignment_progress();
DROP FUNCTION app.attempts_check_assignment_student();
DROP FUNCTION app.refresh_assignment_progress(uuid, uuid);
DROP FUNCTION app.reconcile_question_stats(uuid);
DROP FUNCTION app.attempts_maintain_question_stats();
DROP FUNCTION public.update_question_stats(uuid, uuid, boolean, integer, integer);
