-- Back to 0006's identity functions: the application reads password hashes and verifies them itself again.
DROP FUNCTION app.purge_expired_identity_rows(interval);
DROP FUNCTION app.replace_password_hash(uuid, text, text);
DROP FUNCTION app.check_password(text, text, inet);
DROP FUNCTION app.password_parameters(text);
DROP TABLE app.identity_secrets;
GRANT EXECUTE ON FUNCTION app.record_sign_in_attempt(text, inet, boolean), app.sign_in_failures(text, inet, interval)
  TO tutorassist_app;

CREATE FUNCTION app.credentials(p_email text) RETURNS TABLE (user_id uuid, password_hash text, is_disabled boolean)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public, extensions
AS $$ SELECT id, password_hash, is_disabled FROM public.users WHERE email = p_email::extensions.citext $$;
COMMENT ON FUNCTION app.credentials(text) IS 'The password hash of an account, for verifying a sign-in in the application';

CREATE OR REPLACE FUNCTION app.sign_in_failures(p_email text, p_ip inet, p_window interval)
RETURNS TABLE (by_account integer, by_address integer)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public, extensions
AS $$
  SELECT
    (SELECT count(*)::integer FROM public.sign_in_attempts
      WHERE email = p_email::extensions.citext AND NOT succeeded AND attempted_at > now() - p_window
        AND attempted_at > coalesce((SELECT max(attempted_at) FROM public.sign_in_attempts
                                     WHERE email = p_email::extensions.citext AND succeeded), '-infinity')),
    (SELECT count(*)::integer FROM public.sign_in_attempts
      WHERE ip_address = p_ip AND NOT succeeded AND attempted_at > now() - p_window)
$$;
COMMENT ON FUNCTION app.sign_in_failures(text, inet, interval) IS
  'Failed sign-ins within the window: for the account since its last success, and from the address';

CREATE OR REPLACE FUNCTION app.invite_by_token(p_token_hash text)
RETURNS TABLE (invite_id uuid, workspace_id uuid, workspace_name text, email text, role text, student_name text,
               expires_at timestamptz, state text)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
  SELECT i.id, i.workspace_id, w.name, i.email::text, i.role, p.name, i.expires_at,
         CASE WHEN i.revoked_at IS NOT NULL THEN 'revoked' WHEN i.used_at IS NOT NULL THEN 'used'
              WHEN i.expires_at <= now() THEN 'expired' ELSE 'open' END
  FROM public.invite_tokens i JOIN public.workspaces w ON w.id = i.workspace_id
  LEFT JOIN public.student_profiles p ON p.workspace_id = i.workspace_id AND p.id = i.student_profile_id
  WHERE i.token_hash = p_token_hash
$$;
COMMENT ON FUNCTION app.invite_by_token(text) IS 'What an invite link is for, shown before signing up';

CREATE OR REPLACE FUNCTION app.accept_invite(p_token_hash text) RETURNS uuid
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
DECLARE
  v_user uuid := app.current_user_id();
  v public.invite_tokens;
BEGIN
  IF v_user IS NULL THEN
    RAISE EXCEPTION 'nobody is acting: set app.user_id' USING ERRCODE = 'insufficient_privilege';
  END IF;
  -- FOR UPDATE: two simultaneous acceptances of one link queue here; the second sees it used.
  SELECT * INTO v FROM public.invite_tokens WHERE token_hash = p_token_hash FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'invite not found' USING ERRCODE = 'TA404';
  ELSIF v.revoked_at IS NOT NULL THEN
    RAISE EXCEPTION 'this invite was revoked' USING ERRCODE = 'TA410';
  ELSIF v.used_at IS NOT NULL THEN
    RAISE EXCEPTION 'this invite was already used' USING ERRCODE = 'TA410';
  ELSIF v.expires_at <= now() THEN
    RAISE EXCEPTION 'this invite has expired' USING ERRCODE = 'TA410';
  END IF;
  IF EXISTS (SELECT 1 FROM public.workspace_members m WHERE m.workspace_id = v.workspace_id AND m.user_id = v_user) THEN
    RAISE EXCEPTION 'you are already a member of this workspace' USING ERRCODE = 'TA409';
  END IF;
  IF v.role = 'student' THEN
    UPDATE public.student_profiles SET user_id = v_user
    WHERE workspace_id = v.workspace_id AND id = v.student_profile_id AND user_id IS NULL;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'this student profile is already linked to an account' USING ERRCODE = 'TA409';
    END IF;
  END IF;
  INSERT INTO public.workspace_members (workspace_id, user_id, role, invited_by, student_profile_id)
  VALUES (v.workspace_id, v_user, v.role, v.created_by, CASE WHEN v.role = 'guardian' THEN v.student_profile_id END);
  UPDATE public.invite_tokens SET used_at = now(), used_by = v_user WHERE workspace_id = v.workspace_id AND id = v.id;
  RETURN v.workspace_id;
END
$$;
COMMENT ON FUNCTION app.accept_invite(text) IS
  'Accepts an invite for the acting user: single use, unexpired, unrevoked; links the student profile and adds the membership';

-- invite_by_token's and accept_invite's definitions changed above; their grants stay. credentials is new again.
REVOKE EXECUTE ON FUNCTION app.credentials(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app.credentials(text) TO tutorassist_app;

COMMENT ON TABLE sign_in_attempts IS 'Sign-in attempts, kept briefly to rate-limit failures per account and per address';
