"""The event log is append-only and hash-chained: verify() finds any edited or deleted row."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from gkcase.db import unit_of_work
from gkcase.services import cases as svc

from .helpers import fire, register


@pytest.fixture
def case(org):
    case = register(org)
    fire(org, case.id, "start_review", "caseworker")
    fire(org, case.id, "accept", "caseworker")
    fire(org, case.id, "assign", "office_head", {"assignee_id": org.user("caseworker").id})
    with unit_of_work(org.engine) as session:
        assert svc.verify(session, case.id).ok
    return case


def _tamper(org, sql, **params):
    with unit_of_work(org.engine) as session:
        session.execute(text(sql), params)


def _problems(org, case):
    with unit_of_work(org.engine) as session:
        result = svc.verify(session, case.id)
    assert not result.ok
    return " ".join(result.problems)


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("payload", '{"forged":true}'),
        ("reason", "改过的理由"),
        ("actor_name", "他人"),
        ("trigger", "approve"),
        ("to_state", "archived"),
        ("changes", "{}"),
    ],
)
def test_editing_any_column_of_an_event_is_detected(org, case, column, value):
    _tamper(
        org,
        f"UPDATE case_event SET {column} = :v WHERE case_id = :c AND seq = 2",
        v=value,
        c=case.id,
    )
    assert "第2条事件内容已被改动" in _problems(org, case)


def test_editing_the_time_is_detected(org, case):
    _tamper(
        org,
        "UPDATE case_event SET at = :at WHERE case_id = :c AND seq = 1",
        at="2020-01-01 00:00:00",
        c=case.id,
    )
    assert "第1条事件内容已被改动" in _problems(org, case)


def test_rehashing_an_edited_event_breaks_the_next_link(org, case):
    # A forger who recomputes the edited row's own hash still breaks the chain after it.
    _tamper(
        org,
        "UPDATE case_event SET reason = 'x', hash = :h WHERE case_id = :c AND seq = 2",
        h="f" * 64,
        c=case.id,
    )
    problems = _problems(org, case)
    assert "第3条事件与前一条不衔接" in problems


def test_deleting_a_middle_event_is_detected(org, case):
    _tamper(org, "DELETE FROM case_event WHERE case_id = :c AND seq = 2", c=case.id)
    assert "第2条事件缺失" in _problems(org, case)


def test_deleting_the_last_event_is_detected(org, case):
    # The last event (assign) did not change the state: only the chain's head on the case shows it.
    _tamper(org, "DELETE FROM case_event WHERE case_id = :c AND seq = 4", c=case.id)
    assert "链尾不符" in _problems(org, case)


def test_changing_the_case_state_behind_the_log_is_detected(org, case):
    _tamper(org, "UPDATE gk_case SET state = 'archived' WHERE id = :c", c=case.id)
    assert "与最后一条事件不符" in _problems(org, case)
