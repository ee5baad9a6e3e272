-- Identity: sign-in sessions, sign-in attempts (rate limiting), guardians, and the steps that happen before anybody
-- is a member (sign-up, sign-in, invite acceptance). Those steps run as SECURITY DEFINER functions with narrow
-- contracts, so the application role never needs to bypass row-level security.
-- Errors these functions raise carry SQLSTATEs the API maps to HTTP: TA404 not found, TA409 conflict, TA410 gone.

ALTER TABLE workspace_members
  ADD COLUMN student_profile_id uuid,
  ADD CONSTRAINT workspace_members_student_profile_fkey FOREIGN KEY (workspace_id, student_profile_id)
    REFERENCES student_profiles(workspace_id, id) ON DELETE CASCADE,
  ADD CONSTRAINT workspace_members_guardian_check CHECK ((role = 'guardian') = (student_profile_id IS NOT NULL));
CREATE INDEX idx_workspace_members_student_profile ON workspace_members(workspace_id, student_profile_id);
COMMENT ON COLUMN workspace_members.student_profile_id IS 'For a guardian: the one student whose progress they may see (required for guardians, NULL otherwise)';

ALTER TABLE invite_tokens
  ADD CONSTRAINT invite_tokens_guardian_check CHECK (role <> 'guardian' OR student_profile_id IS NOT NULL);

CREATE TABLE auth_sessions (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  token_hash text NOT NULL UNIQUE CHECK (token_hash ~ '^[0-9a-f]{64}$'),
  client text NOT NULL CHECK (client IN ('browser', 'api')),
  user_agent text CHECK (length(user_agent) <= 500),
  ip_address inet,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  revoked_at timestamptz,
  CHECK (expires_at > created_at)
);
CREATE INDEX idx_auth_sessions_user ON auth_sessions(user_id, created_at DESC);
CREATE INDEX idx_auth_sessions_expires ON auth_sessions(expires_at);
COMMENT ON TABLE auth_sessions IS 'Signed-in sessions (browser cookie or API bearer token); only a hash of the token is stored';
COMMENT ON COLUMN auth_sessions.id IS 'Session id (shown to the user to revoke it)';
COMMENT ON COLUMN auth_sessions.user_id IS 'The signed-in user';
COMMENT ON COLUMN auth_sessions.token_hash IS 'SHA-256 (hex) of the session token; the token itself is never stored';
COMMENT ON COLUMN auth_sessions.client IS 'browser (cookie) | api (bearer token)';
COMMENT ON COLUMN auth_sessions.user_agent IS 'User agent at sign-in';
COMMENT ON COLUMN auth_sessions.ip_address IS 'Client address at sign-in';
COMMENT ON COLUMN auth_sessions.created_at IS 'When the user signed in';
COMMENT ON COLUMN auth_sessions.last_used_at IS 'Last request made with the session';
COMMENT ON COLUMN auth_sessions.expires_at IS 'The session is refused after this';
COMMENT ON COLUMN auth_sessions.revoked_at IS 'When the session was signed out or revoked';

CREATE TABLE sign_in_attempts (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  email extensions.citext NOT NULL,
  ip_address inet,
  succeeded boolean NOT NULL,
  attempted_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_sign_in_attempts_email ON sign_in_attempts(email, attempted_at);
CREATE INDEX idx_sign_in_attempts_ip ON sign_in_attempts(ip_address, attempted_at);
COMMENT ON TABLE sign_in_attempts IS 'Sign-in attempts, kept briefly to rate-limit failures per account and per address';
COMMENT ON COLUMN sign_in_attempts.id IS 'Attempt id, increasing';
COMMENT ON COLUMN sign_in_attempts.email IS 'Email the attempt was for (whether or not an account exists)';
COMMENT ON COLUMN sign_in_attempts.ip_address IS 'Client address';
COMMENT ON COLUMN sign_in_attempts.succeeded IS 'Whether the password was right';
COMMENT ON COLUMN sign_in_attempts.attempted_at IS 'When it happened';

ALTER TABLE auth_sessions ENABLE ROW LEVEL SECURITY;
ALTER TABLE auth_sessions FORCE ROW LEVEL SECURITY;
CREATE POLICY own_sessions ON auth_sessions AS PERMISSIVE FOR ALL TO tutorassist_app
  USING (user_id = (SELECT app.current_user_id()))
  WITH CHECK (user_id = (SELECT app.current_user_id()));
COMMENT ON POLICY own_sessions ON auth_sessions IS 'A user sees, creates and revokes only their own sessions';
ALTER TABLE sign_in_attempts ENABLE ROW LEVEL SECURITY;
ALTER TABLE sign_in_attempts FORCE ROW LEVEL SECURITY;
-- No policy: the application reaches sign_in_attempts only through the functions below.

GRANT SELECT, INSERT ON auth_sessions TO tutorassist_app;
GRANT UPDATE (revoked_at) ON auth_sessions TO tutorassist_app;

CREATE FUNCTION app.sign_up(p_email text, p_display_name text, p_password_hash text) RETURNS uuid
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public, extensions
AS $$
DECLARE v_id uuid;
BEGIN
  INSERT INTO public.users (email, display_name, password_hash)
  VALUES (p_email, p_display_name, p_password_hash) RETURNING id INTO v_id;
  RETURN v_id;
EXCEPTION WHEN unique_violation THEN
  RAISE EXCEPTION 'an account with this email already exists' USING ERRCODE = 'TA409';
END
$$;
COMMENT ON FUNCTION app.sign_up(text, text, text) IS 'Creates a user (the password arrives already hashed with argon2id)';

CREATE FUNCTION app.credentials(p_email text) RETURNS TABLE (user_id uuid, password_hash text, is_disabled boolean)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public, extensions
AS $$ SELECT id, password_hash, is_disabled FROM public.users WHERE email = p_email::extensions.citext $$;
COMMENT ON FUNCTION app.credentials(text) IS 'The password hash of an account, for verifying a sign-in in the application';

CREATE FUNCTION app.record_sign_in_attempt(p_email text, p_ip inet, p_succeeded boolean) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public, extensions
AS $$
BEGIN
  INSERT INTO public.sign_in_attempts (email, ip_address, succeeded) VALUES (p_email, p_ip, p_succeeded);
  IF p_succeeded THEN
    UPDATE public.users SET last_sign_in_at = now() WHERE email = p_email::extensions.citext;
  END IF;
END
$$;
COMMENT ON FUNCTION app.record_sign_in_attempt(text, inet, boolean) IS 'Records a sign-in attempt (and the time of a successful one)';

CREATE FUNCTION app.sign_in_failures(p_email text, p_ip inet, p_window interval)
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

CREATE FUNCTION app.session_user_id(p_token_hash text) RETURNS uuid
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
DECLARE v_user uuid;
BEGIN
  UPDATE public.auth_sessions s SET last_used_at = now()
  FROM public.users u
  WHERE s.token_hash = p_token_hash AND s.revoked_at IS NULL AND s.expires_at > now()
    AND u.id = s.user_id AND NOT u.is_disabled
  RETURNING s.user_id INTO v_user;
  RETURN v_user;
END
$$;
COMMENT ON FUNCTION app.session_user_id(text) IS 'The user of a live session token (hash), or NULL; marks the session used';

CREATE FUNCTION app.invite_by_token(p_token_hash text)
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

CREATE FUNCTION app.accept_invite(p_token_hash text) RETURNS uuid
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

REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA app FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app.sign_up(text, text, text), app.credentials(text),
  app.record_sign_in_attempt(text, inet, boolean), app.sign_in_failures(text, inet, interval),
  app.session_user_id(text), app.invite_by_token(text), app.accept_invite(text) TO tutorassist_app;
