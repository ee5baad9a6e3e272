DROP FUNCTION app.accept_invite(text);
DROP FUNCTION app.invite_by_token(text);
DROP FUNCTION app.session_user_id(text);
DROP FUNCTION app.sign_in_failures(text, inet, interval);
DROP FUNCTION app.record_sign_in_attempt(text, inet, boolean);
DROP FUNCTION app.credentials(text);
DROP FUNCTION app.sign_up(text, text, text);
DROP TABLE sign_in_attempts;
DROP TABLE auth_sessions;
ALTER TABLE invite_tokens DROP CONSTRAINT invite_tokens_guardian_check;
DROP INDEX idx_workspace_members_student_profile;
ALTER TABLE workspace_members DROP CONSTRAINT workspace_members_guardian_check,
  DROP CONSTRAINT workspace_members_student_profile_fkey, DROP COLUMN student_profile_id;
