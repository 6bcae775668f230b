"""The report database (``GKCASE_REPORT_DATABASE_URL``): reports and supervision read a replica,
everything a caseworker does reads and writes the primary; and the sessions each kind of read
gets (docs/deployment.md, "A read replica for reports")."""

from __future__ import annotations

import threading
import time

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, text
from sqlmodel import SQLModel, func, select

from api.app import create_app
from gkcase.backup import backup_sqlite
from gkcase.db import (
    ReadOnlySessionError,
    get_report_engine,
    make_engine,
    read_session,
    report_session,
    unit_of_work,
)
from gkcase.models import Case, User
from gkcase.settings import get_settings
from tests.api.fixtures_more import _HASH, log_in, token_for
from tests.services.conftest import BACKENDS, make_org
from tests.services.helpers import register

YEAR = "year=2025"
PERIOD = "from=2025-01-01&to=2025-12-31&as_of=2025-03-20"


class Statements:
    """The tables each engine's statements named, by engine."""

    def __init__(self, **engines):
        self.seen = {name: [] for name in engines}
        for name, engine in engines.items():
            event.listen(engine, "before_cursor_execute", self._recorder(name))

    def _recorder(self, name):
        def record(_conn, _cursor, statement, *_args):
            self.seen[name].append(statement.lower())

        return record

    def clear(self):
        for statements in self.seen.values():
            statements.clear()

    def touched(self, name, table):
        return any(f" {table}" in s or f'"{table}"' in s for s in self.seen[name])


def new_total(body):
    """本年新收 (new applications this year), all applicant kinds, from a report's JSON."""
    return {row["key"]: row for row in body["table3"]}["new"]["cells"][-1]


@pytest.fixture
def two(tmp_path):
    """A primary holding three applications of 2025, and a 'replica' that is a copy of it taken
    after the first two (as a lagging replica would be): whatever reads the replica counts two."""
    primary_url = f"sqlite:///{tmp_path / 'primary.db'}"
    primary = make_engine(primary_url)
    SQLModel.metadata.create_all(primary)
    org = make_org(primary)
    with unit_of_work(primary) as session:
        for user in session.exec(select(User)):
            user.password_hash = _HASH
            session.add(user)
    first = register(org, arrived_on="2025-03-02")
    register(org, arrived_on="2025-03-03")
    backup_sqlite(primary_url, tmp_path / "replica.db")
    replica = make_engine(f"sqlite:///{tmp_path / 'replica.db'}")
    register(org, arrived_on="2025-03-04")
    yield org, primary, replica, first
    primary.dispose()
    replica.dispose()


def test_reports_and_supervision_read_the_replica_and_cases_the_primary(two):
    org, primary, replica, _ = two
    with TestClient(create_app(primary, report_engine=replica)) as client:
        supervisor = token_for(org, "supervisor")
        report = client.get(f"/api/reports/annual?{YEAR}&agency={org.fgw.id}", headers=supervisor)
        assert report.status_code == 200, report.text
        assert new_total(report.json()) == 2  # the replica's
        metrics = client.get(f"/api/supervision/metrics?{PERIOD}", headers=supervisor).json()
        assert metrics["total"]["open"] == 2
        cases = client.get("/api/cases?subtree=true", headers=supervisor).json()
        assert cases["total"] == 3  # the primary's


API_READS = [
    f"/api/reports/annual?{YEAR}",
    f"/api/reports/annual.csv?{YEAR}",
    f"/api/reports/annual.xlsx?{YEAR}",
    f"/api/reports/annual.html?{YEAR}",
    f"/api/supervision/metrics?{PERIOD}",
    f"/api/supervision/metrics.csv?{PERIOD}",
    f"/api/supervision/metrics.xlsx?{PERIOD}",
    f"/api/supervision/lapses?{PERIOD}",
    f"/api/supervision/lapses.csv?{PERIOD}",
    f"/api/supervision/lapses.xlsx?{PERIOD}",
    f"/api/supervision/proactive?{PERIOD.rsplit('&', 1)[0]}",
]
PAGES = [
    "/supervision",
    f"/supervision/cases?{PERIOD}",
    f"/supervision/metrics?{PERIOD}",
    f"/supervision/proactive?{PERIOD.rsplit('&', 1)[0]}",
    f"/reports/annual?{YEAR}",
    "/supervision/cases/{case}/audit",
]


@pytest.mark.parametrize("url", API_READS + PAGES)
def test_every_report_and_supervision_read_goes_to_the_replica(two, url):
    org, primary, replica, first = two
    with TestClient(create_app(primary, report_engine=replica)) as client:
        if url.startswith("/api/"):
            headers = token_for(org, "supervisor")
        else:
            headers = {}
            log_in(client, "supervisor")
        statements = Statements(primary=primary, replica=replica)
        response = client.get(url.format(case=first.id), headers=headers)
        assert response.status_code == 200, response.text
    # The caller is found on the primary (a revoked token or session ends at once); every case
    # and event the answer counts comes from the replica.
    assert statements.touched("primary", "api_token") or statements.touched(
        "primary", "user_session"
    )
    assert statements.touched("replica", "gk_case")
    assert not statements.touched("primary", "gk_case")
    assert not statements.touched("primary", "case_event")


def test_locking_a_report_writes_the_primary(two):
    org, primary, replica, _ = two
    with TestClient(create_app(primary, report_engine=replica)) as client:
        headers = token_for(org, "office_head")
        locked = client.post("/api/reports/annual/lock", json={"year": 2025}, headers=headers)
        assert locked.status_code == 201, locked.text
        assert new_total(locked.json()) == 3  # computed where it is stored


def test_the_setting_points_the_app_and_the_cli_at_the_replica(two, monkeypatch, capsys):
    from gkcase import cli

    org, primary, replica, _ = two
    monkeypatch.setenv("GKCASE_DATABASE_URL", str(primary.url))
    monkeypatch.setenv("GKCASE_REPORT_DATABASE_URL", str(replica.url))
    get_settings.cache_clear()
    try:
        assert str(get_report_engine().url) == str(replica.url)
        app = create_app(primary)
        assert app.state.report_engine.url == replica.url
        with TestClient(app) as client:
            url = f"/api/reports/annual?{YEAR}&agency={org.fgw.id}"
            body = client.get(url, headers=token_for(org, "supervisor")).json()
            assert new_total(body) == 2
        assert cli.main(["report", "annual", "--agency", "FGW", "--year", "2025"]) == 0
        assert "一、本年新收政府信息公开申请数量\t2\t" in capsys.readouterr().out
        monkeypatch.delenv("GKCASE_REPORT_DATABASE_URL")
        get_settings.cache_clear()
        assert create_app(primary).state.report_engine is primary  # unset: the primary
    finally:
        get_settings.cache_clear()


# --- the sessions ---------------------------------------------------------------------------


@pytest.mark.parametrize("opens", [read_session, report_session], ids=["read", "report"])
def test_read_and_report_sessions_refuse_to_write(engine, opens):
    with pytest.raises(ReadOnlySessionError), opens(engine) as session:
        user = session.exec(select(User)).first() or User(username="x", full_name="x")
        user.full_name = "改写"
        session.add(user)
        session.flush()


def test_a_report_session_is_one_snapshot(engine):
    """Statements of one report session see the database as it was at its first, even when a
    case is registered in between (so a report's tables add up)."""
    org = make_org(engine)
    register(org)
    with report_session(engine) as session:
        before = session.exec(select(func.count()).select_from(Case)).one()
        done = threading.Event()

        def other_writer():
            register(org)
            done.set()

        threading.Thread(target=other_writer).start()
        assert done.wait(30)
        assert session.exec(select(func.count()).select_from(Case)).one() == before
    with read_session(engine) as session:
        assert session.exec(select(func.count()).select_from(Case)).one() == before + 1


def _settings(connection):
    return tuple(
        connection.execute(text(f"SHOW {name}")).scalar()
        for name in ("transaction_isolation", "transaction_read_only")
    )


@pytest.mark.parametrize("engine", [b for b in BACKENDS if b == "postgresql"], indirect=True)
def test_on_postgresql_reads_autocommit_and_reports_are_read_only_snapshots(engine):
    def same_transaction(session):
        first = session.execute(text("SELECT now()")).scalar()
        time.sleep(0.01)
        return session.execute(text("SELECT now()")).scalar() == first

    with read_session(engine) as session:
        # autocommit: each statement its own transaction (no BEGIN, no ROLLBACK round trips)
        assert not same_transaction(session)
        assert _settings(session.connection()) == ("read committed", "off")
    with report_session(engine) as session:
        assert same_transaction(session)
        assert _settings(session.connection()) == ("repeatable read", "on")
    # The pool's connections come back plain: a unit of work writes in one transaction.
    for _ in range(3):
        with unit_of_work(engine) as session:
            assert same_transaction(session)
            assert _settings(session.connection()) == ("read committed", "off")


def test_the_report_engine_defaults_to_the_primary(monkeypatch, tmp_path):
    monkeypatch.delenv("GKCASE_REPORT_DATABASE_URL", raising=False)
    monkeypatch.delenv("GKCASE_DATABASE_URL", raising=False)
    monkeypatch.setenv("GKCASE_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    try:
        assert get_report_engine() is get_report_engine()
        assert str(get_report_engine().url) == get_settings().effective_database_url
    finally:
        get_settings.cache_clear()
