"""procrastinate's tables and functions, installed by our migrations in a schema of their own.

The version is pinned (pyproject) because this is the schema of exactly that version: moving to another procrastinate
release means a migration applying its SQL migrations in this schema. Every function gets a fixed search_path, so
it finds its tables whoever calls it, and the lints of `db audit` find no mutable search_path.
"""

from __future__ import annotations

from importlib import resources

from alembic import op

QUEUE_SCHEMA = "procrastinate"


def install_queue_schema() -> None:
    sql = resources.files("procrastinate.sql").joinpath("schema.sql").read_text(encoding="utf-8")
    conn = op.get_bind().connection.driver_connection
    conn.execute(f"CREATE SCHEMA {QUEUE_SCHEMA}")
    conn.execute(f"COMMENT ON SCHEMA {QUEUE_SCHEMA} IS 'The job queue of the procrastinate library (its own schema, "
                 f"installed by migration 0014_jobs); tutors see jobs through public.jobs'")
    conn.execute(f"SET LOCAL search_path = {QUEUE_SCHEMA}, pg_catalog")
    conn.execute(sql)
    conn.execute(f"""
        DO $$
        DECLARE f regprocedure;
        BEGIN
          FOR f IN SELECT p.oid::regprocedure FROM pg_proc p WHERE p.pronamespace = '{QUEUE_SCHEMA}'::regnamespace LOOP
            EXECUTE format('ALTER FUNCTION %s SET search_path = {QUEUE_SCHEMA}, pg_catalog', f);
          END LOOP;
        END $$""")
    conn.execute("SET LOCAL search_path = public, extensions")


def drop_queue_schema() -> None:
    op.get_bind().connection.driver_connection.execute(f"DROP SCHEMA {QUEUE_SCHEMA} CASCADE")
