"""benchmarks/generate.py writes what the services would: valid hash chains, consecutive case
numbers, and clock columns that give the same overdue answer as the engine recomputing each
case from its events."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import Session, func, select

from gkcase.models import Agency, Applicant, Case, CaseEvent, Counter
from gkcase.services import cases as svc
from gkcase.services import supervision
from gkcase.states.machine import OPEN_STATES
from tests.services.conftest import engine  # noqa: F401  (SQLite, and PostgreSQL when set)

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import generate

TODAY = date(2026, 11, 24)
CASES = 200


@pytest.fixture(scope="module")
def templates(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo's coverage cases (every outcome), driven through the services once."""
    path = tmp_path_factory.mktemp("templates") / "templates.db"
    return generate.template_db(2026, TODAY, path, cases=generate.demo.COVERAGE_CASES)


@pytest.fixture
def generated(engine, templates: Path):  # noqa: F811
    counts = generate.generate(None, CASES, seed=7, today=TODAY, templates=templates, engine=engine)
    assert counts["gk_case"] == CASES
    return engine


def test_every_chain_verifies(generated) -> None:
    with Session(generated) as session:
        ids = session.exec(select(Case.id)).all()
        assert len(ids) == CASES
        for case_id in ids:
            result = svc.verify(session, case_id)
            assert result.ok, (case_id, result.problems)


def test_numbers_counters_and_applicants(generated) -> None:
    with Session(generated) as session:
        for agency_id, year, top, n in session.exec(
            select(Case.agency_id, Case.year, func.max(Case.seq), func.count()).group_by(
                Case.agency_id, Case.year
            )
        ):
            assert top == n  # consecutive per agency and year
            counter = session.get(Counter, (agency_id, year, "case"))
            assert counter is not None and counter.value == top
        applicants = session.exec(select(func.count()).select_from(Applicant)).one()
        assert applicants < CASES  # repeat applicants
        kinds = session.exec(select(Case.applicant_kind, Applicant.kind).join(Applicant)).all()
        assert all(case_kind == kind for case_kind, kind in kinds)
        first = session.exec(select(func.min(Case.receipt_date))).one()
        assert first >= generate.EARLIEST
        last_event = session.exec(select(func.max(CaseEvent.on))).one()
        assert last_event <= TODAY


def test_overdue_as_the_engine_says(generated) -> None:
    """The stored clock columns, read by the supervisor's counts, agree with the clock the engine
    folds from each open case's events."""
    open_states = {s.value for s in OPEN_STATES}
    with Session(generated) as session:
        root = session.exec(select(Agency).where(Agency.parent_id.is_(None))).one()
        counted = supervision.breakdown(session, root, as_of=TODAY).total
        overdue = paused = opened = 0
        for case in session.exec(select(Case)).all():
            if case.state not in open_states:
                assert case.clock_status == "stopped"
                continue
            opened += 1
            view = svc.clock_of(session, case, TODAY)
            summary = view.summary
            assert view.status == case.clock_status
            assert (summary.due if summary else None) == case.reply_due
            late_due = (
                summary is not None
                and summary.due is not None
                and summary.due < TODAY
                and view.status in ("running", "deferred")
            )
            late_projection = (
                summary is not None
                and summary.projected_due is not None
                and (summary.projected_due < TODAY)
            )
            overdue += late_due or late_projection
            paused += view.status == "paused"
        assert opened > 0 and counted.open == opened
        assert counted.overdue == overdue
        assert counted.paused == paused
