-- Identity hardening: passwords verified in the database, invites bound to their address, sign-in limits that one
-- noisy client cannot turn against its neighbours, and a purge of old sessions and sign-in attempts.

-- ---------------------------------------------------------------- passwords never leave the database
-- The application computes argon2id itself (the database has no argon2), so it needs the salt and parameters of the
-- stored hash; it never needs the hash. For an unknown email it gets parameters and a salt that look the same and stay
-- the same on every call (keyed by a secret only the owner can read), so neither the answer nor its timing says
-- whether the account exists.
CREATE TABLE app.identity_secrets (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  dummy_salt_key bytea NOT NULL CHECK (length(dummy_salt_key) >= 32)
);
COMMENT ON TABLE app.identity_secrets IS 'Server-side secrets of the identity functions (one row); unreadable by the application role';
COMMENT ON COLUMN app.identity_secrets.singleton IS 'Always true: the table holds exactly one row';
COMMENT ON COLUMN app.identity_secrets.dummy_salt_key IS 'Key deriving the stable salt shown for an email without an account';
ALTER TABLE app.identity_secrets ENABLE ROW LEVEL SECURITY;
ALTER TABLE app.identity_secrets FORCE ROW LEVEL SECURITY;
INSERT INTO app.identity_secrets (dummy_salt_key)
VALUES (uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid()));

REVOKE EXECUTE ON FUNCTION app.credentials(text) FROM tutorassist_app;
DROP FUNCTION app.credentials(text);

CREATE FUNCTION app.password_parameters(p_email text)
RETURNS TABLE (variant text, version integer, memory_cost integer, time_cost integer, parallelism integer,
               hash_length integer, salt text)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public, extensions
AS $$
DECLARE
  v_hash text;
  v_parts text[];
BEGIN
  SELECT u.password_hash INTO v_hash FROM public.users u WHERE u.email = p_email::extensions.citext;
  -- A PHC string: $argon2id$v=19$m=65536,t=3,p=4$<salt>$<hash>, both base64 without padding.
  v_parts := regexp_match(coalesce(v_hash, ''),
                          '^\$(argon2id|argon2i|argon2d)\$v=(\d+)\$m=(\d+),t=(\d+),p=(\d+)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$');
  IF v_parts IS NOT NULL THEN
    RETURN QUERY SELECT v_parts[1], v_parts[2]::integer, v_parts[3]::integer, v_parts[4]::integer, v_parts[5]::integer,
                        (length(v_parts[7]) * 3 / 4)::integer, v_parts[6];
    RETURN;
  END IF;
  -- No account (or no password): argon2-cffi's default parameters, which new hashes use (a test keeps them equal).
  RETURN QUERY
  SELECT 'argon2id', 19, 65536, 3, 4, 32,
         rtrim(encode(substring(sha256(s.dummy_salt_key || convert_to(lower(p_email), 'UTF8')) FROM 1 FOR 16), 'base64'), '=')
  FROM app.identity_secrets s;
END
$$;
COMMENT ON FUNCTION app.password_parameters(text) IS
  'The argon2 variant, parameters and salt to hash a sign-in candidate with (a stable stand-in for an unknown email); never the hash';

CREATE FUNCTION app.check_password(p_email text, p_candidate_hash text, p_ip inet)
RETURNS TABLE (outcome text, user_id uuid)
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public, extensions
AS $$
DECLARE
  v_failures record;
  v_user uuid;
  v_disabled boolean;
BEGIN
  -- The limits live here, not in the application: even a caller that skips its own checks cannot guess faster.
  SELECT * INTO v_failures FROM app.sign_in_failures(p_email, p_ip, interval '15 minutes');
  IF v_failures.by_account >= 5 OR v_failures.by_address >= 20 THEN
    RETURN QUERY SELECT 'limited'::text, NULL::uuid;
    RETURN;
  END IF;
  SELECT u.id, u.is_disabled INTO v_user, v_disabled FROM public.users u
  WHERE u.email = p_email::extensions.citext AND u.password_hash IS NOT NULL AND u.password_hash = p_candidate_hash;
  INSERT INTO public.sign_in_attempts (email, ip_address, succeeded)
  VALUES (p_email, p_ip, v_user IS NOT NULL AND NOT v_disabled);
  IF v_user IS NULL OR v_disabled THEN
    RETURN QUERY SELECT 'refused'::text, NULL::uuid;  -- a disabled account answers like a wrong password
    RETURN;
  END IF;
  UPDATE public.users SET last_sign_in_at = now() WHERE id = v_user;
  RETURN QUERY SELECT 'signed_in'::text, v_user;
END
$$;
COMMENT ON FUNCTION app.check_password(text, text, inet) IS
  'Signs in by comparing the argon2 hash of a candidate with the stored one, within the failure limits (5 per account, '
  '20 accounts per address, 15 minutes); records the attempt; outcome signed_in (with the user), refused or limited';

CREATE FUNCTION app.replace_password_hash(p_user_id uuid, p_current_hash text, p_new_hash text) RETURNS boolean
LANGUAGE sql SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
  WITH changed AS (
    UPDATE public.users SET password_hash = p_new_hash
    WHERE id = p_user_id AND password_hash = p_current_hash AND p_new_hash ~ '^\$argon2id\$'
    RETURNING 1)
  SELECT EXISTS (SELECT 1 FROM changed)
$$;
COMMENT ON FUNCTION app.replace_password_hash(uuid, text, text) IS
  'Rehashes a password with new argon2 parameters; only a caller who computed the current hash (knows the password) can';

-- check_password counts failures and records attempts itself, so the application no longer does either directly.
REVOKE EXECUTE ON FUNCTION app.record_sign_in_attempt(text, inet, boolean), app.sign_in_failures(text, inet, interval)
  FROM tutorassist_app;

-- ---------------------------------------------------------------- sign-in limits
-- Per address, only failures against distinct accounts count (the per-account limit handles guessing at one account),
-- and the address limit does not apply to an account that opened a session from this address in the last 30 days:
-- a password sprayer is stopped, while the people who share the address keep signing in.
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
    CASE WHEN EXISTS (SELECT 1 FROM public.auth_sessions s JOIN public.users u ON u.id = s.user_id
                      WHERE u.email = p_email::extensions.citext AND s.ip_address = p_ip
                        AND s.created_at > now() - interval '30 days')
         THEN 0
         ELSE (SELECT count(DISTINCT email)::integer FROM public.sign_in_attempts
                WHERE ip_address = p_ip AND NOT succeeded AND attempted_at > now() - p_window)
    END
$$;
COMMENT ON FUNCTION app.sign_in_failures(text, inet, interval) IS
  'Failed sign-ins within the window: for the account since its last success, and the distinct accounts failed from '
  'the address (0 when the account signed in from this address within 30 days)';

-- ---------------------------------------------------------------- purge
CREATE FUNCTION app.purge_expired_identity_rows(p_session_grace interval DEFAULT interval '7 days')
RETURNS TABLE (sessions bigint, sign_in_attempts bigint)
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
DECLARE
  v_sessions bigint;
  v_attempts bigint;
BEGIN
  DELETE FROM public.auth_sessions
  WHERE expires_at < now() - p_session_grace OR revoked_at < now() - p_session_grace;
  GET DIAGNOSTICS v_sessions = ROW_COUNT;
  -- The longest window any limit looks at is 15 minutes; a day leaves room to investigate an incident.
  DELETE FROM public.sign_in_attempts WHERE attempted_at < now() - interval '1 day';
  GET DIAGNOSTICS v_attempts = ROW_COUNT;
  RETURN QUERY SELECT v_sessions, v_attempts;
END
$$;
COMMENT ON FUNCTION app.purge_expired_identity_rows(interval) IS
  'Deletes sessions expired or revoked longer than the grace period ago and sign-in attempts older than a day; returns the counts';

-- ---------------------------------------------------------------- invites
-- Only an open invite of a student who is not archived is anything at all: a used, revoked or expired link, or one
-- for an archived student, answers exactly like a link that never existed.
CREATE OR REPLACE FUNCTION app.invite_by_token(p_token_hash text)
RETURNS TABLE (invite_id uuid, workspace_id uuid, workspace_name text, email text, role text, student_name text,
               expires_at timestamptz, state text)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
  SELECT i.id, i.workspace_id, w.name, i.email::text, i.role, p.name, i.expires_at, 'open'
  FROM public.invite_tokens i JOIN public.workspaces w ON w.id = i.workspace_id
  LEFT JOIN public.student_profiles p ON p.workspace_id = i.workspace_id AND p.id = i.student_profile_id
  WHERE i.token_hash = p_token_hash AND i.revoked_at IS NULL AND i.used_at IS NULL AND i.expires_at > now()
    AND p.archived_at IS NULL
$$;
COMMENT ON FUNCTION app.invite_by_token(text) IS
  'What an open invite link is for, shown before signing up; nothing for a used, revoked or expired link or an archived student';

CREATE OR REPLACE FUNCTION app.accept_invite(p_token_hash text) RETURNS uuid
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public, extensions
AS $$
DECLARE
  v_user uuid := app.current_user_id();
  v public.invite_tokens;
BEGIN
  IF v_user IS NULL THEN
    RAISE EXCEPTION 'nobody is acting: set app.user_id' USING ERRCODE = 'insufficient_privilege';
  END IF;
  -- FOR UPDATE: two simultaneous acceptances of one link queue here; the second finds it used.
  SELECT * INTO v FROM public.invite_tokens WHERE token_hash = p_token_hash FOR UPDATE;
  IF NOT FOUND OR v.revoked_at IS NOT NULL OR v.used_at IS NOT NULL OR v.expires_at <= now()
     OR EXISTS (SELECT 1 FROM public.student_profiles p
                WHERE p.workspace_id = v.workspace_id AND p.id = v.student_profile_id AND p.archived_at IS NOT NULL) THEN
    RAISE EXCEPTION 'invite not found' USING ERRCODE = 'TA404';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM public.users u WHERE u.id = v_user AND u.email = v.email) THEN
    RAISE EXCEPTION 'this invite was sent to another email address: sign in with that address to accept it'
      USING ERRCODE = 'TA403';
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
  'Accepts an open invite for the acting user, whose email must be the invited address (any case): single use, '
  'unexpired, unrevoked, student not archived; links the student profile and adds the membership';

REVOKE EXECUTE ON FUNCTION app.password_parameters(text), app.check_password(text, text, inet),
  app.replace_password_hash(uuid, text, text), app.purge_expired_identity_rows(interval) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app.password_parameters(text), app.check_password(text, text, inet),
  app.replace_password_hash(uuid, text, text), app.purge_expired_identity_rows(interval) TO tutorassist_app;

COMMENT ON TABLE sign_in_attempts IS 'Sign-in attempts that rate-limit failures per account and per address; app.purge_expired_identity_rows() deletes those older than a day when an operator runs it (nothing schedules it yet)';
