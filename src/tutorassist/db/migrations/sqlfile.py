"""Migrations are SQL files in db/sql/, kept readable as SQL; a revision just runs its up or down file."""

from pathlib import Path

from alembic import op

SQL_DIR = Path(__file__).resolve().parent.parent / "sql"


def run_sql(name: str) -> None:
    sql = (SQL_DIR / name).read_text(encoding="utf-8")
    # Straight to psycopg without parameters: the simple query protocol runs many statements, and '%' stays literal.
    op.get_bind().connection.driver_connection.execute(sql)
