-- Schemas, extensions, the application role, the acting-user context and the global reference tables.

CREATE SCHEMA IF NOT EXISTS extensions;
COMMENT ON SCHEMA extensions IS 'PostgreSQL extensions live here, not in public, so their objects never mix with ours';
CREATE EXTENSION IF NOT EXISTS vector WITH SCHEMA extensions;
CREATE EXTENSION IF NOT EXISTS citext WITH SCHEMA extensions;
CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA extensions;

CREATE SCHEMA app;
COMMENT ON SCHEMA app IS 'TutorAssist database functions: acting-user context, tenancy, triggers, maintenance';

-- The role the application acts as. It never bypasses row-level security; roles are cluster-wide, so it may exist already.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'tutorassist_app') THEN
    CREATE ROLE tutorassist_app NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
  END IF;
END
$$;

-- Who is acting: set per transaction with set_config('app.user_id', ..., true).
CREATE FUNCTION app.current_user_id() RETURNS uuid
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog
AS $$ SELECT nullif(current_setting('app.user_id', true), '')::uuid $$;
COMMENT ON FUNCTION app.current_user_id() IS 'The acting user of this transaction (setting app.user_id), or NULL when nobody is acting';

CREATE FUNCTION app.current_workspace_id() RETURNS uuid
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog
AS $$ SELECT nullif(current_setting('app.workspace_id', true), '')::uuid $$;
COMMENT ON FUNCTION app.current_workspace_id() IS 'The workspace this transaction acts in (setting app.workspace_id), or NULL for all of the acting user''s workspaces';

CREATE FUNCTION app.touch_updated_at() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog
AS $$
BEGIN
  NEW.updated_at := now();
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION app.touch_updated_at() IS 'Trigger: keeps updated_at equal to the time of the last change';

-- ---------------------------------------------------------------- users (global)
CREATE TABLE users (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  email extensions.citext NOT NULL UNIQUE CHECK (email::text ~ '^[^@\s]+@[^@\s]+$' AND length(email::text) <= 320),
  display_name text NOT NULL CHECK (length(btrim(display_name)) BETWEEN 1 AND 200),
  password_hash text,
  email_verified_at timestamptz,
  is_disabled boolean NOT NULL DEFAULT false,
  last_sign_in_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TRIGGER users_touch_updated_at BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION app.touch_updated_at();
COMMENT ON TABLE users IS 'People who can sign in (replaces Supabase auth.users); global, shared by every workspace they belong to';
COMMENT ON COLUMN users.id IS 'User id';
COMMENT ON COLUMN users.email IS 'Sign-in email, unique case-insensitively';
COMMENT ON COLUMN users.display_name IS 'Name shown to other members';
COMMENT ON COLUMN users.password_hash IS 'argon2id hash of the password; NULL for accounts that cannot sign in with a password. Never readable by the application role';
COMMENT ON COLUMN users.email_verified_at IS 'When the email address was confirmed, NULL if never';
COMMENT ON COLUMN users.is_disabled IS 'A disabled user cannot sign in';
COMMENT ON COLUMN users.last_sign_in_at IS 'Time of the last successful sign-in';
COMMENT ON COLUMN users.created_at IS 'When the row was created';
COMMENT ON COLUMN users.updated_at IS 'When the row was last changed (trigger-maintained)';

-- ---------------------------------------------------------------- study programs and grade levels (global reference data)
CREATE TABLE study_programs (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  code text NOT NULL UNIQUE CHECK (code ~ '^[A-Za-z0-9_.-]{1,40}$'),
  name text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
  description text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TRIGGER study_programs_touch_updated_at BEFORE UPDATE ON study_programs FOR EACH ROW EXECUTE FUNCTION app.touch_updated_at();
COMMENT ON TABLE study_programs IS 'Curricula a question can belong to (IB, AP, GCSE, ...); global reference data';
COMMENT ON COLUMN study_programs.id IS 'Study program id';
COMMENT ON COLUMN study_programs.code IS 'Short stable code, e.g. IB-MAA';
COMMENT ON COLUMN study_programs.name IS 'Display name';
COMMENT ON COLUMN study_programs.description IS 'Free-text description';
COMMENT ON COLUMN study_programs.created_at IS 'When the row was created';
COMMENT ON COLUMN study_programs.updated_at IS 'When the row was last changed (trigger-maintained)';

CREATE TABLE grade_levels (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  program_id uuid NOT NULL REFERENCES study_programs(id) ON DELETE CASCADE,
  code text NOT NULL CHECK (code ~ '^[A-Za-z0-9_.-]{1,40}$'),
  name text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
  sort_order integer NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (program_id, code)
);
CREATE TRIGGER grade_levels_touch_updated_at BEFORE UPDATE ON grade_levels FOR EACH ROW EXECUTE FUNCTION app.touch_updated_at();
COMMENT ON TABLE grade_levels IS 'Grade levels within a study program; global reference data';
COMMENT ON COLUMN grade_levels.id IS 'Grade level id';
COMMENT ON COLUMN grade_levels.program_id IS 'The study program this grade belongs to';
COMMENT ON COLUMN grade_levels.code IS 'Short code unique within the program, e.g. Y10';
COMMENT ON COLUMN grade_levels.name IS 'Display name';
COMMENT ON COLUMN grade_levels.sort_order IS 'Position when listed, ascending';
COMMENT ON COLUMN grade_levels.created_at IS 'When the row was created';
COMMENT ON COLUMN grade_levels.updated_at IS 'When the row was last changed (trigger-maintained)';
