"""Database fixtures: every service test runs on SQLite, and on PostgreSQL too when
GKCASE_TEST_DATABASE_URL is set (CI sets it to the local server)."""

from __future__ import annotations

import os
import uuid
from contextlib import contextmanager

import pytest
from sqlmodel import SQLModel, select

from gkcase.db import make_engine
from gkcase.states.outcomes import LEGAL_REVIEW_MINIMUM

BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("GKCASE_TEST_DATABASE_URL") else [])


def build_schema(engine):
    """The schema by ``create_all`` (fast), marked as at the newest migration, as ``gkcase init``
    leaves a database — so ``create_app`` finds it current instead of adopting it each time.
    tests/test_migrations.py keeps the migrations and ``create_all`` equal."""
    from alembic import command

    from gkcase import migrations

    SQLModel.metadata.create_all(engine)
    with engine.begin() as connection:
        command.stamp(migrations.config(connection), "head")


@pytest.fixture(params=BACKENDS)
def engine(request, tmp_path):
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'test.db'}")
        build_schema(engine)
        yield engine
        engine.dispose()
        return
    # Each test gets a schema of its own, so parallel runs on one server never collide.
    url = os.environ["GKCASE_TEST_DATABASE_URL"]
    schema = f"gktest_{os.getpid()}_{uuid.uuid4().hex[:10]}"
    admin = make_engine(url)
    with admin.begin() as connection:
        connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    engine = make_engine(url, schema=schema)
    build_schema(engine)
    yield engine
    engine.dispose()
    with admin.begin() as connection:
        connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
    admin.dispose()


@pytest.fixture
def org(engine):
    """One city government with two departments; a user of every role in the first department,
    a caseworker in the second, and a supervisor at the top."""
    return make_org(engine)


#: The tests' agencies review only what the law requires (every 不予公开 and 部分公开, and any
#: disclosure over an objection), so a test of an outcome's life takes the shortest lawful path;
#: gkcase's wider default is tested in test_legal_review_policy.py and runs in the demo.
FLOOR_ONLY = ",".join(sorted(o.value for o in LEGAL_REVIEW_MINIMUM))


def make_org(engine):
    """The organisation of :func:`org`, on ``engine``."""
    from gkcase.db import unit_of_work
    from gkcase.models import Agency
    from gkcase.services.org import create_agency, create_user
    from gkcase.states.machine import Role

    with unit_of_work(engine) as session:
        city = create_agency(
            session,
            code="CITY",
            name="某市人民政府",
            letter_prefix="某府公开",
            review_body="某省人民政府",
            court="某市中级人民法院",
        )
        fgw = create_agency(
            session,
            parent=city,
            code="FGW",
            name="某市发展和改革委员会",
            letter_prefix="某发改公开",
            review_body="某市人民政府",
            court="某市某区人民法院",
            address="某市人民路1号",
            phone="0000-12345678",
        )
        zjw = create_agency(
            session,
            parent=city,
            code="ZJW",
            name="某市住房和城乡建设局",
            letter_prefix="某住建公开",
            review_body="某市人民政府",
            court="某市某区人民法院",
        )
        for agency in session.exec(select(Agency)):
            agency.legal_review_outcomes = FLOOR_ONLY
            session.add(agency)
        users = {
            role: create_user(
                session, username=role.value, full_name=f"{role.label}甲", agency=fgw, roles=[role]
            )
            for role in Role
            if role is not Role.SUPERVISOR
        }
        users["supervisor"] = create_user(
            session, username="supervisor", full_name="督查甲", agency=city, roles=[Role.SUPERVISOR]
        )
        users["other_caseworker"] = create_user(
            session,
            username="zjw_caseworker",
            full_name="住建承办人",
            agency=zjw,
            roles=[Role.CASEWORKER, Role.REGISTRAR],
        )
    return Org(engine, city, fgw, zjw, users)


class Org:
    def __init__(self, engine, city, fgw, zjw, users):
        self.engine, self.city, self.fgw, self.zjw, self.users = engine, city, fgw, zjw, users

    def user(self, role):
        from gkcase.states.machine import Role

        return self.users[Role(role) if role in Role._value2member_map_ else role]


@contextmanager
def cli_database(tmp_path, monkeypatch, fill):
    """A SQLite file as the command line's configured database (``GKCASE_DATABASE_URL``),
    holding the test organisation and what ``fill(org)`` adds; yields what ``fill`` returns."""
    import gkcase.db
    from gkcase.settings import get_settings

    url = f"sqlite:///{tmp_path / 'cli.db'}"
    db = make_engine(url)
    build_schema(db)
    built = fill(make_org(db))
    db.dispose()
    monkeypatch.setenv("GKCASE_DATABASE_URL", url)
    get_settings.cache_clear()
    try:
        yield built
    finally:
        get_settings.cache_clear()
        for cached in gkcase.db._engines.values():
            cached.dispose()
        gkcase.db._engines.clear()
