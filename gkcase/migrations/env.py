"""Alembic's environment for gkcase.

``gkcase.db.migrate`` runs it with a connection of its own in ``config.attributes["connection"]``
(inside a transaction it commits, under PostgreSQL's advisory lock). A developer running
``alembic`` from the repository root (alembic.ini) gets an engine from ``gkcase.db.make_engine``
for ``sqlalchemy.url`` or, when that is empty, the configured database; ``-x schema=NAME`` puts
the tables in that PostgreSQL schema, as the test fixtures do.
"""

from __future__ import annotations

from logging.config import fileConfig
from typing import Any

from alembic import context
from sqlalchemy.engine import Connection

from gkcase.db import make_engine
from gkcase.migrations import migration_options
from gkcase.settings import get_settings

config = context.config
if config.config_file_name:
    fileConfig(config.config_file_name)


def _run(connection: Connection) -> None:
    context.configure(connection=connection, **migration_options(connection.dialect.name))
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_offline() -> None:
    url = config.get_main_option("sqlalchemy.url") or get_settings().effective_database_url
    dialect = url.split(":", 1)[0].split("+", 1)[0]
    options: dict[str, Any] = migration_options(dialect)
    context.configure(url=url, literal_binds=True, **options)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = config.get_main_option("sqlalchemy.url") or get_settings().effective_database_url
    schema = context.get_x_argument(as_dictionary=True).get("schema")
    engine = make_engine(url, schema=schema)
    try:
        with engine.connect() as connection:
            _run(connection)
            connection.commit()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
