DROP TABLE grade_levels;
DROP TABLE study_programs;
DROP TABLE users;
DROP SCHEMA app CASCADE;
DROP EXTENSION IF EXISTS pg_trgm;
DROP EXTENSION IF EXISTS citext;
DROP EXTENSION IF EXISTS vector;
DROP SCHEMA IF EXISTS extensions;
-- The tutorassist_app role is cluster-wide and may serve other databases on this server, so it stays.
