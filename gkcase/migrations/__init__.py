"""Alembic migrations for gkcase's schema: run, read and adopt (docs/operations.md).

``gkcase.db.migrate``, ``schema_revision`` and ``create_schema`` are the entry points; this module
holds the machinery so that ``gkcase.db`` stays small and Alembic is imported only when a schema
is created or checked. The environment (``env.py``) and the revisions (``versions/``) ship inside
the package, so an installed gkcase migrates without the source tree.
"""

from __future__ import annotations

import uuid
import warnings
from functools import cache
from typing import TYPE_CHECKING, Any

from sqlalchemy import MetaData, inspect
from sqlalchemy.exc import DBAPIError
from sqlmodel import SQLModel
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

import gkcase.models  # noqa: F401  (registers every table on SQLModel.metadata)
from gkcase.errors import GkcaseError

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy.engine import Connection, Engine

#: The first revision: the schema as ``SQLModel.metadata.create_all`` made it before migrations.
BASELINE = "0001"
#: Alembic's bookkeeping table (one row: the revision the database is at).
VERSION_TABLE = "alembic_version"
# pg_advisory_lock(int4, int4): this constant, and the schema's name hashed by the server, so
# workers migrating one schema queue up while other schemas (parallel tests) do not wait.
_LOCK_CLASS = 0x676B6361  # "gkca"


class SchemaMismatch(GkcaseError):
    """gkcase's tables without a revision, matching neither the models nor the baseline."""

    code = "db.schema_mismatch"


class UnknownRevision(GkcaseError):
    """A database at a revision this gkcase does not ship (made by a newer version?)."""

    code = "db.unknown_revision"


def _render_item(kind: str, obj: Any, _autogen_context: Any) -> str | bool:
    # SQLModel's column types decorate plain SQLAlchemy ones with the same DDL; revisions name
    # the plain type, so they need no import of sqlmodel and read like the SQL they emit.
    if kind == "type" and isinstance(obj, AutoString):
        return f"sa.String(length={obj.length})" if obj.length else "sa.String()"
    if kind == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def migration_options(dialect: str) -> dict[str, Any]:
    """``context.configure`` options shared by ``env.py`` and the schema comparison."""
    return {
        "target_metadata": SQLModel.metadata,
        "version_table": VERSION_TABLE,
        # SQLite cannot ALTER most things: batch mode copies the table (docs/operations.md).
        "render_as_batch": dialect == "sqlite",
        "render_item": _render_item,
        "compare_type": True,
    }


def config(connection: Connection | None = None) -> Config:
    """Alembic's configuration, built in code (no alembic.ini needed at run time)."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", "gkcase:migrations")
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


@cache
def head_revision() -> str:
    """The newest revision shipped with this gkcase."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(config()).get_current_head()
    assert head is not None, "gkcase/migrations/versions holds no revision"
    return head


def is_known(revision: str) -> bool:
    """Whether ``revision`` is one of the revisions shipped with this gkcase."""
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    try:
        return ScriptDirectory.from_config(config()).get_revision(revision) is not None
    except CommandError:
        return False


def current_revision(connection: Connection) -> str | None:
    """The revision the database is at, inside the caller's transaction (``None``: none)."""
    from alembic.migration import MigrationContext

    context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
    return context.get_current_revision()


def schema_revision(engine: Engine) -> str | None:
    """The revision the database behind ``engine`` is at (``None``: not migrated).

    One query when the database has been migrated (``create_schema`` runs whenever the API or a
    command starts); only when it fails is the table's existence checked.
    """
    with engine.connect() as connection:
        try:
            row = connection.exec_driver_sql(f"SELECT version_num FROM {VERSION_TABLE}").first()
        except DBAPIError:
            connection.rollback()
            if inspect(connection).has_table(VERSION_TABLE):
                raise
            return None
        return row[0] if row else None


def differences(connection: Connection, metadata: MetaData | None = None) -> list[str]:
    """How the database's tables differ from ``metadata`` (default: the models), in Chinese,
    one line each; empty when they match."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "version_table": VERSION_TABLE}
    )
    with warnings.catch_warnings():
        # SQLite cannot reflect an expression index (ix_gk_case_concluded), so neither side's
        # is compared there; tests/test_migrations.py compares every index's stored definition.
        warnings.filterwarnings("ignore", message=".*expression-based index")
        found = compare_metadata(context, SQLModel.metadata if metadata is None else metadata)
    return [_describe(diff) for diff in _flatten(found)]


def baseline_metadata(connection: Connection) -> MetaData:
    """The tables exactly as the baseline revision creates them on this kind of database.

    Read back from a scratch database that is thrown away: SQLite in memory, or on PostgreSQL a
    schema of its own, dropped afterwards. Only adoption needs it, and only
    when the database does not match the models at head.
    """
    from alembic import command
    from sqlalchemy import create_engine

    baseline = MetaData()
    if connection.dialect.name == "sqlite":
        engine = create_engine("sqlite://")
        try:
            with engine.connect() as scratch, scratch.begin():
                command.upgrade(config(scratch), BASELINE)
                baseline.reflect(scratch)
        finally:
            engine.dispose()
    else:
        from gkcase.db import make_engine

        name = f"gkcase_baseline_{uuid.uuid4().hex[:12]}"
        with connection.engine.connect() as admin:
            admin.exec_driver_sql(f'CREATE SCHEMA "{name}"')
            admin.commit()
            engine = make_engine(connection.engine.url.render_as_string(False), schema=name)
            try:
                with engine.connect() as scratch, scratch.begin():
                    command.upgrade(config(scratch), BASELINE)
                    baseline.reflect(scratch)
            finally:
                engine.dispose()
                admin.exec_driver_sql(f'DROP SCHEMA "{name}" CASCADE')
                admin.commit()
    baseline.remove(baseline.tables[VERSION_TABLE])
    return baseline


def _flatten(diffs: list[Any]) -> list[Any]:
    # compare_metadata nests a table's column modifications in a list of their own.
    flat: list[Any] = []
    for diff in diffs:
        flat.extend(diff if isinstance(diff, list) else [diff])
    return flat


def _describe(diff: tuple[Any, ...]) -> str:
    kind = diff[0]
    if kind in ("add_table", "remove_table"):
        verb = "缺少表" if kind == "add_table" else "多出表"
        return f"{verb} {diff[1].name}"
    if kind in ("add_column", "remove_column"):
        verb = "缺少列" if kind == "add_column" else "多出列"
        return f"{verb} {diff[2]}.{diff[3].name}"
    if kind in ("add_index", "remove_index"):
        verb = "缺少索引" if kind == "add_index" else "多出索引"
        return f"{verb} {diff[1].name}（表 {diff[1].table.name}）"
    if kind in ("add_constraint", "remove_constraint", "add_fk", "remove_fk"):
        verb = "缺少约束" if kind.startswith("add") else "多出约束"
        constraint = diff[1]
        columns = ", ".join(column.name for column in constraint.columns)
        return f"{verb} {constraint.name or ''}（表 {constraint.table.name}：{columns}）"
    if kind.startswith("modify_"):
        _, _, table, column, _, existing, wanted = diff
        what = {"modify_type": "类型", "modify_nullable": "可否为空", "modify_default": "默认值"}
        return f"列 {table}.{column} 的{what.get(kind, kind)}为 {existing}，应为 {wanted}"
    return repr(diff)


def _has_gkcase_tables(connection: Connection) -> bool:
    existing = set(inspect(connection).get_table_names())
    return bool(existing & set(SQLModel.metadata.tables))


def _adoptable_revision(connection: Connection) -> str:
    """The revision an unversioned database's tables are at: the head (create_all with these
    models) or the baseline (create_all before migrations existed)."""
    at_head = differences(connection)
    if not at_head:
        return head_revision()
    if head_revision() == BASELINE:
        nearest, found = BASELINE, at_head
    else:
        at_baseline = differences(connection, baseline_metadata(connection))
        if not at_baseline:
            return BASELINE
        nearest, found = min(
            [(BASELINE, at_baseline), (head_revision(), at_head)], key=lambda item: len(item[1])
        )
    raise SchemaMismatch(
        f"数据库中已有 gkcase 的表，但没有迁移版本，与任何已知版本都不一致，无法接管"
        f"（与版本 {nearest} 相比：{'；'.join(found)}）"
    )


def upgrade(connection: Connection) -> str:
    """Bring the database on ``connection`` to the head revision, inside its transaction.

    A database made by ``create_all`` (gkcase's tables, no ``alembic_version``) is adopted: its
    tables must match the head or the baseline (:func:`_adoptable_revision`), which is stamped
    and upgraded from.
    """
    from alembic import command

    cfg = config(connection)
    current = current_revision(connection)
    if current is None and _has_gkcase_tables(connection):
        command.stamp(cfg, _adoptable_revision(connection))
    elif current is not None and not is_known(current):
        raise UnknownRevision(
            f"数据库的迁移版本 {current} 不为本版 gkcase 所知（是否由更新的版本迁移过？），"
            f"本版最新为 {head_revision()}"
        )
    command.upgrade(cfg, "head")
    if connection.dialect.name == "sqlite":
        broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
        if broken:
            tables = "、".join(sorted({row[0] for row in broken}))
            raise SchemaMismatch(f"迁移后以下表的外键引用不成立，已撤销迁移：{tables}")
    revision = current_revision(connection)
    assert revision is not None
    return revision


def advisory_lock_sql(action: str) -> str:
    """``pg_advisory_lock`` (``action="lock"``) or ``pg_advisory_unlock`` for the schema."""
    return f"SELECT pg_advisory_{action}({_LOCK_CLASS}, hashtext(current_schema()))"
