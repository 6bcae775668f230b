"""Two writers at once: one wins, the other is told who acted first; nothing is lost.

Runs on SQLite (threads sharing one file) and on PostgreSQL (real connections) when
GKCASE_TEST_DATABASE_URL is set.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest
from sqlmodel import func, select

from gkcase.db import unit_of_work
from gkcase.models import Case, CaseEvent
from gkcase.services import cases as svc

from .helpers import APPLICATION, fire, register

APPLICATION_DAY = date(2026, 3, 3)


def _race(workers, fn):
    barrier = threading.Barrier(workers)

    def run(index):
        barrier.wait()
        try:
            return fn(index)
        except Exception as exc:  # collected and asserted on by the caller
            return exc

    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(run, range(workers)))


def test_two_writers_with_the_same_version_one_wins(org):
    case = register(org)
    version = case.version
    assignees = [org.user("caseworker").id, org.user("caseworker").id]

    def act(index):
        if index == 0:
            return fire(org, case.id, "start_review", "caseworker", version=version)
        return fire(
            org, case.id, "assign", "office_head", {"assignee_id": assignees[1]}, version=version
        )

    results = _race(2, act)
    wins = [r for r in results if isinstance(r, svc.Fired)]
    stale = [r for r in results if isinstance(r, svc.StaleCase)]
    assert len(wins) == 1 and len(stale) == 1, results
    winner = wins[0].event
    assert stale[0].actor == winner.actor_name
    assert winner.actor_name in stale[0].message and "请刷新后重试" in stale[0].message
    with unit_of_work(org.engine) as session:
        events = session.exec(
            select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq)
        ).all()
        stored = session.get(Case, case.id)
        assert [e.seq for e in events] == [1, 2]
        assert stored.version == version + 1
        assert svc.verify(session, case.id).ok


def test_a_stale_version_is_refused_and_writes_nothing(org):
    case = register(org)
    fire(org, case.id, "start_review", "caseworker")
    with pytest.raises(svc.StaleCase) as caught:
        fire(org, case.id, "accept", "caseworker", version=case.version)
    assert "登记员甲" not in caught.value.message  # the last actor was the caseworker
    assert "承办人甲" in caught.value.message
    with unit_of_work(org.engine) as session:
        assert session.get(Case, case.id).state == "reviewing"
        assert svc.verify(session, case.id).events == 2


def test_many_concurrent_writers_lose_no_event(org):
    case = register(org)
    fire(org, case.id, "start_review", "caseworker")
    fire(org, case.id, "accept", "caseworker")
    caseworker = org.user("caseworker").id

    def assign_until_done(_index):
        done = 0
        while done < 5:
            try:
                fire(org, case.id, "assign", "office_head", {"assignee_id": caseworker})
                done += 1
            except svc.StaleCase:
                continue
        return done

    assert _race(4, assign_until_done) == [5, 5, 5, 5]
    with unit_of_work(org.engine) as session:
        count = session.exec(
            select(func.count()).select_from(CaseEvent).where(CaseEvent.case_id == case.id)
        ).one()
        assert count == 3 + 20
        assert session.get(Case, case.id).version == 1 + 2 + 20
        assert svc.verify(session, case.id).ok


def test_concurrent_registrations_get_unique_consecutive_numbers(org):
    def register_some(index):
        return [
            register(org, applicant={"kind": "business", "name": f"公司{index}-{n}"}).seq
            for n in range(5)
        ]

    numbers = sorted(n for batch in _race(4, register_some) for n in batch)
    assert numbers == list(range(1, 21))


def test_a_double_submitted_form_registers_once(org):
    key = {"idempotency_key": "portal-2026-000123"}
    results = _race(3, lambda _i: register(org, **key))
    assert not any(isinstance(r, Exception) for r in results), results
    assert len({r.id for r in results}) == 1
    with unit_of_work(org.engine) as session:
        total = session.exec(select(func.count()).select_from(Case)).one()
        again = svc.register(session, org.fgw.id, {**APPLICATION, **key}, org.user("registrar"))
    assert total == 1
    assert again.duplicate and again.case.id == results[0].id


def test_what_if_answers_without_writing(org):
    case = register(org)
    fire(org, case.id, "start_review", "caseworker")
    fire(org, case.id, "accept", "caseworker")
    with unit_of_work(org.engine) as session:
        stored = session.get(Case, case.id)
        before = (stored.version, stored.reply_due, stored.state)
        view = svc.what_if(
            session,
            case.id,
            "extend",
            org.user("office_head"),
            {"workdays": 20, "reason": "档案量大"},
            stored.version,
            as_of=APPLICATION_DAY,
        )
        # receipt 2026-03-02: 20 WD -> 2026-03-30. Then Mar 31-Apr 3 are WD 21-24, 清明 Apr 4-6,
        # Apr 7-10 -> 28, Apr 13-17 -> 33, Apr 20-24 -> 38, Apr 27 -> 39, Apr 28 -> 40.
        assert view.reply.due.isoformat() == "2026-04-28"
    with unit_of_work(org.engine) as session:
        stored = session.get(Case, case.id)
        assert (stored.version, stored.reply_due, stored.state) == before
        assert svc.verify(session, case.id).events == 3
