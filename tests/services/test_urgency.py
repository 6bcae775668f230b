"""One overdue, one at-risk, one paused (gkcase/services/urgency.py): each predicate's SQL and its
Python twin, checked against hand-written expectations on the 2026 calendar and against each
other on generated cases, on SQLite and (with GKCASE_TEST_DATABASE_URL) PostgreSQL.

The 2026 days used below (State Council arrangement, checked against gkcase's calendar):
劳动节 May 1–5 off, Saturday May 9 a make-up working day; 春节 Feb 15–23 off, Saturday Feb 14 and
Saturday Feb 28 make-up working days.
"""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session, col, select

from gkcase.models import Case
from gkcase.services import urgency
from gkcase.states.machine import OPEN_STATES, State
from tests.services.helpers import bare_cases

D = date
THU = D(2026, 4, 30)  # the last working day before 劳动节
STATUSES = ("waiting", "running", "paused", "deferred", "stopped")


def row(state: str, status: str, due: date | None, projected: date | None) -> urgency.Clock:
    return urgency.Clock(state, status, due, projected)


# --- by hand --------------------------------------------------------------------------------------

#: (state, clock status, reply due, projected due, today, warning workdays) →
#: (overdue, at risk, paused), from the rules and the calendar.
HAND = [
    # running: overdue from the day after the due date; the due day itself is in time
    (("handling", "running", D(2026, 4, 29), None, THU, 3), (True, False, False)),
    (("handling", "running", THU, None, THU, 3), (False, True, False)),  # 0 working days left
    # after Apr 30 the working days are May 6, 7, 8, then the make-up Saturday May 9
    (("handling", "running", D(2026, 5, 6), None, THU, 3), (False, True, False)),
    (("handling", "running", D(2026, 5, 8), None, THU, 3), (False, True, False)),  # 3 left
    (("handling", "running", D(2026, 5, 9), None, THU, 3), (False, False, False)),  # 4 left
    (("drafting", "running", D(2026, 5, 8), None, THU, 2), (False, False, False)),  # 3 > 2
    (("signing", "running", THU, None, THU, 0), (False, True, False)),  # due today, N = 0
    (("signing", "running", D(2026, 5, 6), None, THU, 0), (False, False, False)),
    # judged on a holiday: due on the last working day before it is overdue
    (("handling", "running", THU, None, D(2026, 5, 5), 3), (True, False, False)),
    (("handling", "running", D(2026, 5, 6), None, D(2026, 5, 5), 0), (False, False, False)),
    (("handling", "running", D(2026, 5, 6), None, D(2026, 5, 5), 1), (False, True, False)),
    # 春节: after Fri Feb 13 come Sat Feb 14 (make-up), then Feb 24, 25, 26
    (("handling", "running", D(2026, 2, 25), None, D(2026, 2, 13), 3), (False, True, False)),
    (("handling", "running", D(2026, 2, 26), None, D(2026, 2, 13), 3), (False, False, False)),
    # deferred (Art 35, or a date a review decision ordered) runs like a due date
    (("handling", "deferred", D(2026, 4, 28), None, THU, 3), (True, False, False)),
    (("handling", "deferred", D(2026, 5, 7), D(2026, 5, 20), THU, 3), (False, True, False)),
    # paused: overdue only once the projected due date (longest pause) has passed
    (("consulting", "paused", None, D(2026, 4, 29), THU, 3), (True, False, True)),
    (("consulting", "paused", None, THU, THU, 3), (False, False, True)),
    (("consulting", "paused", None, D(2026, 5, 6), THU, 3), (False, False, True)),
    (("consulting", "paused", None, None, THU, 3), (False, False, True)),
    (("awaiting_fee", "paused", None, D(2026, 4, 1), THU, 3), (True, False, True)),
    # awaiting correction (Art 30): the period has not started
    (("awaiting_correction", "waiting", None, None, THU, 3), (False, False, False)),
    (("received", "waiting", None, None, THU, 3), (False, False, False)),
    # a running clock's stray projection is not its due date
    (("handling", "running", D(2026, 5, 20), D(2026, 4, 1), THU, 3), (False, False, False)),
    # finished (the engine stops the clock): never overdue, at risk or paused
    (("replied", "stopped", D(2026, 4, 1), None, THU, 3), (False, False, False)),
    (("delivered", "stopped", THU, None, THU, 3), (False, False, False)),
    (("closed", "stopped", D(2026, 4, 1), None, THU, 3), (False, False, False)),
    (("archived", "stopped", None, D(2026, 4, 1), THU, 3), (False, False, False)),
]


@pytest.mark.parametrize(("case", "expected"), HAND, ids=[str(i) for i in range(len(HAND))])
def test_python_twins_by_hand(calendar, case, expected):
    state, status, due, projected, today, risk = case
    r = row(state, status, due, projected)
    got = (
        urgency.is_overdue(r, today),
        urgency.is_at_risk(r, calendar, today, risk),
        urgency.is_paused(r),
    )
    assert got == expected


def test_sql_by_hand(engine, org, calendar):
    """The same table through the SQL predicates, every row in one database."""
    with Session(engine) as session:
        ids = bare_cases(session, org, [(s, st_, due, proj) for (s, st_, due, proj, *_), _ in HAND])
        for case_id, ((*_, today, risk), expected) in zip(ids, HAND, strict=True):
            got = tuple(
                session.exec(select(Case.id).where(Case.id == case_id, condition)).first()
                is not None
                for condition in (
                    urgency.overdue_condition(today),
                    urgency.at_risk_condition(calendar, today, risk),
                    urgency.paused_condition(),
                )
            )
            assert got == expected, (case_id, today, risk)
        session.rollback()


# --- the clock in words -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "status", "label"),
    [
        ("replied", "running", "已答复"),
        ("delivered", "stopped", "已答复"),
        ("closed", "running", "已终结"),
        ("closed", "waiting", "已终结"),
        ("archived", "running", "已归档"),
        ("archived", "paused", "已归档"),
        ("handling", "running", "计时中"),
        ("consulting", "paused", "计时暂停"),
        ("handling", "deferred", "延迟答复"),
        ("awaiting_correction", "waiting", "等待补正"),
        ("received", "waiting", "未起算"),
    ],
)
def test_clock_label(state, status, label):
    assert urgency.clock_label(state, status) == label


def test_finished_clocks_are_stopped():
    for state in State:
        expected = "running" if state in OPEN_STATES else "stopped"
        assert urgency.clock_status(state, "running") == expected


# --- SQL and Python agree -------------------------------------------------------------------------


def _agree(session: Session, org, calendar, cases, today: date, risk: int) -> None:
    ids = bare_cases(session, org, cases)
    stored = {c.id: c for c in session.exec(select(Case).where(col(Case.id).in_(ids)))}
    for name, condition, twin in (
        ("overdue", urgency.overdue_condition(today), lambda c: urgency.is_overdue(c, today)),
        (
            "at_risk",
            urgency.at_risk_condition(calendar, today, risk),
            lambda c: urgency.is_at_risk(c, calendar, today, risk),
        ),
        ("paused", urgency.paused_condition(), urgency.is_paused),
        ("open", urgency.open_condition(), urgency.is_open),
    ):
        in_sql = set(session.exec(select(Case.id).where(col(Case.id).in_(ids), condition)))
        in_python = {i for i, c in stored.items() if twin(c)}
        differ = sorted(in_sql ^ in_python)
        assert not differ, (name, today, risk, [_describe(stored[i]) for i in differ])


def _describe(case: Case) -> tuple:
    return (case.state, case.clock_status, case.reply_due, case.projected_due)


def test_sql_and_python_agree_on_every_boundary(engine, org, calendar):
    """Every state × clock status × reply due × projected due around the day judged (rows the
    engine never writes, a finished state with a running clock, included), on a working day
    before a holiday (Apr 30), on a holiday (May 5) and before 春节 (Feb 13)."""
    for today, risk in ((THU, 3), (D(2026, 5, 5), 0), (D(2026, 2, 13), 3)):
        limit = urgency.at_risk_until(calendar, today, risk)
        days = [None, today - timedelta(days=1), today, today + timedelta(days=1)]
        days += [limit - timedelta(days=1), limit, limit + timedelta(days=1)]
        cases = list(itertools.product([s.value for s in State], STATUSES, days, days))
        with Session(engine) as session:
            _agree(session, org, calendar, cases, today, risk)
            session.rollback()


_DAY = st.dates(min_value=D(2025, 12, 1), max_value=D(2026, 12, 31))


@st.composite
def _case(draw) -> tuple:
    """A row as the engine leaves it: a finished case's clock stopped, an open case's not."""
    state = draw(st.sampled_from(list(State)))
    status = draw(st.sampled_from(STATUSES[:-1])) if state.is_open else "stopped"
    return (state.value, status, draw(st.none() | _DAY), draw(st.none() | _DAY))


_CASE = _case()


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    cases=st.lists(_CASE, min_size=1, max_size=40),
    today=st.dates(min_value=D(2026, 1, 1), max_value=D(2026, 12, 1)),
    risk=st.integers(min_value=0, max_value=20),
)
def test_sql_and_python_agree_on_generated_cases(engine, org, calendar, cases, today, risk):
    with Session(engine) as session:
        _agree(session, org, calendar, cases, today, risk)
        session.rollback()
