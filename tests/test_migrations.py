"""Alembic migrations: from an empty database to head and back, on SQLite and on PostgreSQL.

The rest of the suite builds its schemas with ``create_all`` for speed; the comparison here is
what keeps the migrations and the models equal.
"""

from __future__ import annotations

import os
import threading
import uuid
from pathlib import Path

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import event, inspect, text
from sqlmodel import SQLModel

from gkcase.cli import main
from gkcase.db import create_schema, make_engine, migrate, schema_revision
from gkcase.migrations import (
    BASELINE,
    VERSION_TABLE,
    SchemaMismatch,
    UnknownRevision,
    config,
    differences,
    head_revision,
)
from gkcase.settings import get_settings

PG_URL = os.environ.get("GKCASE_TEST_DATABASE_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])


class EmptyDatabase:
    """A database with no tables: a SQLite file, or a PostgreSQL schema of its own."""

    def __init__(self, backend, tmp_path):
        self.backend = backend
        self.engines = []
        if backend == "sqlite":
            self.url, self.schema = f"sqlite:///{tmp_path / 'gk.db'}", None
            return
        self.url, self.schema = PG_URL, f"gkmig_{os.getpid()}_{uuid.uuid4().hex[:10]}"
        self.admin = make_engine(PG_URL)
        with self.admin.begin() as connection:
            connection.exec_driver_sql(f'CREATE SCHEMA "{self.schema}"')

    def engine(self):
        """A new engine on the database (each thread of a race gets its own)."""
        engine = make_engine(self.url, schema=self.schema)
        self.engines.append(engine)
        return engine

    def close(self):
        for engine in self.engines:
            engine.dispose()
        if self.backend == "postgresql":
            with self.admin.begin() as connection:
                connection.exec_driver_sql(f'DROP SCHEMA "{self.schema}" CASCADE')
            self.admin.dispose()


@pytest.fixture(params=BACKENDS)
def database(request, tmp_path):
    database = EmptyDatabase(request.param, tmp_path)
    yield database
    database.close()


def tables(engine):
    return set(inspect(engine).get_table_names())


def found_differences(engine):
    with engine.connect() as connection:
        return differences(connection)


def catalog_indexes(engine, schema):
    """Index name → its definition as the database stores it (those not backing a constraint)."""
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            query = "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
        else:
            query = (
                "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema()"
                " AND indexname NOT IN (SELECT conname FROM pg_constraint)"
            )
        rows = connection.exec_driver_sql(query).all()
    return {name: " ".join(sql.replace(f"{schema}.", "").split()) for name, sql in rows}


def test_upgrade_from_empty_reaches_head_and_matches_the_models(database):
    engine = database.engine()
    assert schema_revision(engine) is None

    assert migrate(engine) == head_revision()

    assert schema_revision(engine) == head_revision()
    assert tables(engine) == set(SQLModel.metadata.tables) | {VERSION_TABLE}
    assert found_differences(engine) == []


def test_every_index_is_the_one_create_all_makes(database, tmp_path):
    # compare_metadata neither reads a partial index's condition nor, on SQLite, an expression
    # index: compare the definitions the database stores with those create_all makes.
    migrated = database.engine()
    migrate(migrated)
    other = EmptyDatabase(database.backend, tmp_path / "create_all")
    try:
        made = other.engine()
        SQLModel.metadata.create_all(made)
        expected = catalog_indexes(made, other.schema)
    finally:
        other.close()
    names = {
        index.name
        for table in SQLModel.metadata.tables.values()
        for index in table.indexes
        if index._ddl_if is None or index._ddl_if.dialect in (None, database.backend)
    }
    assert set(expected) == names
    assert catalog_indexes(migrated, database.schema) == expected


def test_upgrade_is_idempotent_and_create_schema_at_head_is_one_query(database):
    engine = database.engine()
    first = create_schema(engine)
    statements = []

    def record(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    assert create_schema(engine) == first == head_revision()
    event.remove(engine, "before_cursor_execute", record)
    queries = [statement for statement in statements if statement != "BEGIN"]  # SQLite's
    assert queries == [f"SELECT version_num FROM {VERSION_TABLE}"]

    assert migrate(engine) == first
    with engine.connect() as connection:
        rows = connection.exec_driver_sql(f"SELECT version_num FROM {VERSION_TABLE}").all()
    assert rows == [(first,)]
    assert found_differences(engine) == []


def test_downgrade_to_base_then_upgrade_round_trips(database):
    engine = database.engine()
    migrate(engine)
    with engine.begin() as connection:
        command.downgrade(config(connection), "base")
    assert tables(engine) <= {VERSION_TABLE}
    assert schema_revision(engine) is None

    assert migrate(engine) == head_revision()
    assert found_differences(engine) == []


def test_a_create_all_database_is_adopted_with_its_rows(database):
    engine = database.engine()
    SQLModel.metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO calendar_revision (id, value) VALUES (1, 7)"))
    assert schema_revision(engine) is None

    assert create_schema(engine) == head_revision()

    assert schema_revision(engine) == head_revision()
    assert found_differences(engine) == []
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT value FROM calendar_revision").all() == [(7,)]


def test_a_database_from_before_migrations_is_stamped_at_the_baseline_and_upgraded(database):
    # What create_all made before migrations existed is the baseline's schema (the baseline was
    # generated from those models): build it so, then take away Alembic's table.
    engine = database.engine()
    with engine.begin() as connection:
        command.upgrade(config(connection), BASELINE)
        connection.exec_driver_sql(f"DROP TABLE {VERSION_TABLE}")
        connection.execute(text("INSERT INTO calendar_revision (id, value) VALUES (1, 3)"))
    assert schema_revision(engine) is None

    assert migrate(engine) == head_revision()

    assert found_differences(engine) == []
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT value FROM calendar_revision").all() == [(3,)]


def test_a_create_all_database_that_differs_is_refused_naming_the_differences(database):
    engine = database.engine()
    SQLModel.metadata.create_all(engine)
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP INDEX ix_gk_case_state")
        connection.exec_driver_sql("CREATE TABLE scratch_notes (id INTEGER PRIMARY KEY)")

    with pytest.raises(SchemaMismatch) as refused:
        migrate(engine)

    assert refused.value.code == "db.schema_mismatch"
    assert "缺少索引 ix_gk_case_state" in refused.value.message
    assert "多出表 scratch_notes" in refused.value.message
    assert schema_revision(engine) is None  # nothing stamped, nothing changed
    assert VERSION_TABLE not in tables(engine)


def test_a_database_at_a_revision_this_gkcase_does_not_know_is_refused(database):
    engine = database.engine()
    migrate(engine)
    with engine.begin() as connection:
        connection.exec_driver_sql(f"UPDATE {VERSION_TABLE} SET version_num = '9999'")

    with pytest.raises(UnknownRevision) as refused:
        create_schema(engine)

    assert refused.value.code == "db.unknown_revision"
    assert "9999" in refused.value.message
    assert schema_revision(engine) == "9999"


def test_one_line_of_revisions_from_the_baseline():
    # Adoption stamps BASELINE and upgrades from there, and create_schema compares with one
    # head: the history must be a single line that starts at the baseline.
    scripts = ScriptDirectory.from_config(config())
    assert scripts.get_bases() == [BASELINE]
    assert scripts.get_heads() == [head_revision()]
    assert [script.revision for script in scripts.walk_revisions()][-1] == BASELINE


@pytest.mark.skipif(not PG_URL, reason="needs GKCASE_TEST_DATABASE_URL (PostgreSQL)")
def test_workers_migrating_at_once_both_succeed_on_postgresql(tmp_path):
    database = EmptyDatabase("postgresql", tmp_path)
    try:
        engines = [database.engine() for _ in range(3)]
        start = threading.Barrier(len(engines))
        results, errors = [], []

        def worker(engine):
            start.wait()
            try:
                results.append(migrate(engine))
            except Exception as exc:  # reported below, with the others
                errors.append(exc)

        threads = [threading.Thread(target=worker, args=(engine,)) for engine in engines]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)

        assert errors == []
        assert results == [head_revision()] * len(engines)
        with engines[0].connect() as connection:
            rows = connection.exec_driver_sql(f"SELECT version_num FROM {VERSION_TABLE}").all()
        assert rows == [(head_revision(),)]
        assert found_differences(engines[0]) == []
    finally:
        database.close()


def test_gkcase_init_prints_the_revision(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("GKCASE_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("GKCASE_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    try:
        assert main(["init"]) == 0
        assert main(["init", "--verify"]) == 0
    finally:
        get_settings.cache_clear()
        import gkcase.db

        for engine in gkcase.db._engines.values():
            engine.dispose()
        gkcase.db._engines.clear()
    out = capsys.readouterr().out.splitlines()
    assert out[0].endswith(f"（迁移版本 {head_revision()}）")
    assert out[1] == out[0]
    assert out[2] == "审计链校验通过：0 件案件，0 条事件"


REVISION = """
import sqlalchemy as sa
from alembic import op

revision = "9001"
down_revision = "{down}"


def upgrade():
{body}


def downgrade():
    pass
"""
WIDEN_AGENCY = """\
    with op.batch_alter_table("agency") as batch_op:
        batch_op.alter_column(
            "short_name", type_=sa.String(length=80), existing_type=sa.String(length=40)
        )"""
ORPHAN_A_USER = """\
    with op.batch_alter_table("agency") as batch_op:
        batch_op.alter_column(
            "short_name", type_=sa.String(length=80), existing_type=sa.String(length=40)
        )
    op.execute("DELETE FROM agency WHERE code = 'ZJW'")"""


@pytest.fixture
def extra_revision(tmp_path, monkeypatch):
    """Ship one more revision, 9001, with the body given, after the real head."""
    import gkcase.migrations

    shipped = Path(gkcase.migrations.__file__).parent / "versions"
    extra = tmp_path / "versions"
    extra.mkdir()
    original = gkcase.migrations.config

    def with_extra(connection=None):
        cfg = original(connection)
        cfg.set_main_option("path_separator", "os")
        cfg.set_main_option("version_locations", os.pathsep.join([str(shipped), str(extra)]))
        return cfg

    def write(body):
        text = REVISION.format(down=head_revision(), body=body)
        (extra / "9001_extra.py").write_text(text)
        monkeypatch.setattr(gkcase.migrations, "config", with_extra)
        gkcase.migrations.head_revision.cache_clear()

    yield write
    gkcase.migrations.head_revision.cache_clear()


def sqlite_with_an_organisation(tmp_path):
    from tests.services.conftest import make_org

    engine = make_engine(f"sqlite:///{tmp_path / 'gk.db'}")
    migrate(engine)
    make_org(engine)  # agencies, and users and counters that reference them
    return engine


def test_a_batch_revision_rebuilds_a_referenced_table_on_sqlite(tmp_path, extra_revision):
    engine = sqlite_with_an_organisation(tmp_path)
    extra_revision(WIDEN_AGENCY)

    assert migrate(engine) == "9001"

    columns = {c["name"]: c["type"] for c in inspect(engine).get_columns("agency")}
    assert columns["short_name"].length == 80
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM agency").scalar_one() == 3
        assert connection.exec_driver_sql("PRAGMA foreign_key_check").all() == []
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 1
    engine.dispose()


def test_a_revision_that_breaks_a_reference_is_rolled_back_on_sqlite(tmp_path, extra_revision):
    engine = sqlite_with_an_organisation(tmp_path)
    before = schema_revision(engine)
    extra_revision(ORPHAN_A_USER)

    with pytest.raises(SchemaMismatch) as refused:
        migrate(engine)

    assert "app_user" in refused.value.message
    assert schema_revision(engine) == before
    columns = {c["name"]: c["type"] for c in inspect(engine).get_columns("agency")}
    assert columns["short_name"].length == 40
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM agency").scalar_one() == 3
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 1
    engine.dispose()
