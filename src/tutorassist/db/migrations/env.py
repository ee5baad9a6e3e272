"""Alembic environment: always online, always against the URL the caller put in config.attributes."""

from alembic import context
from sqlalchemy import create_engine

from tutorassist.db.connection import SEARCH_PATH, sqlalchemy_url

url = context.config.attributes["url"]
engine = create_engine(sqlalchemy_url(url), connect_args={"options": f"-c search_path={SEARCH_PATH.replace(' ', '')}"})
with engine.connect() as connection:
    context.configure(connection=connection, transaction_per_migration=True)
    with context.begin_transaction():
        context.run_migrations()
engine.dispose()
