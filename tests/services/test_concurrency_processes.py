"""Races between real worker processes on PostgreSQL: what several API workers do to one database.

Each racer is its own process (multiprocessing, spawn context), with its own engine and its own
connection pool, and waits at a barrier so the racers start together. The threads of
test_concurrency.py share one interpreter (the GIL interleaves them); these do not.

PostgreSQL only: SQLite's write lock serialises every writer, so a race there cannot be lost.
"""

from __future__ import annotations

import multiprocessing
import os
import re
import uuid
from collections import defaultdict
from datetime import date
from itertools import pairwise

import pytest
from sqlmodel import SQLModel, select

from gkcase.db import make_engine, read_session, unit_of_work
from gkcase.models import Case, CaseEvent, Letter

from .conftest import make_org
from .helpers import APPLICATION, fire, register

URL = os.environ.get("GKCASE_TEST_DATABASE_URL", "")
pytestmark = pytest.mark.skipif(
    not URL.startswith("postgresql"),
    reason="needs PostgreSQL: set GKCASE_TEST_DATABASE_URL (CI sets it to the local server)",
)

SPAWN = multiprocessing.get_context("spawn")
JOIN_SECONDS = 180


@pytest.fixture
def org():
    """The organisation of conftest's ``org``, in a PostgreSQL schema of this test's own."""
    schema = f"gkproc_{os.getpid()}_{uuid.uuid4().hex[:10]}"
    admin = make_engine(URL)
    with admin.begin() as connection:
        connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    engine = make_engine(URL, schema=schema)
    SQLModel.metadata.create_all(engine)
    made = make_org(engine)
    made.schema = schema
    yield made
    engine.dispose()
    with admin.begin() as connection:
        connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
    admin.dispose()


# --- what a racing process runs (top level, so the spawn context can import it) ----------------


def _racer(schema, barrier, results, index, job, args):
    """Run ``job`` in this fresh process after every racer is ready; report each outcome."""
    from gkcase.errors import GkcaseError

    engine = make_engine(URL, schema=schema)
    try:
        barrier.wait(timeout=60)
        for outcome in job(engine, *args):
            results.put((index, outcome))
    except GkcaseError as exc:
        results.put((index, ("refused", exc.code)))
    except Exception as exc:  # reported to the parent, which fails the test with it
        results.put((index, ("crashed", f"{type(exc).__name__}: {exc}")))
    finally:
        results.put((index, ("done",)))
        engine.dispose()


def _user(engine, user_id):
    from gkcase.models import User

    with read_session(engine) as session:
        user = session.get(User, user_id)
        session.expunge(user)  # kept loaded past the read session's rollback
        return user


def _register_job(engine, registrations):
    """Register each (agency_id, user_id, data); yield ("registered", agency, year, seq, id)."""
    from gkcase.services import cases as svc

    for agency_id, user_id, data in registrations:
        actor = _user(engine, user_id)
        arrived = date.fromisoformat(data["arrived_on"])
        with unit_of_work(engine) as session:
            done = svc.register(session, agency_id, data, actor, as_of=arrived).case
        yield ("registered", done.agency_id, done.year, done.seq, done.id)


def _issue_job(engine, case_ids, user_id):
    """Issue the receipt (受理回执) of each case; yield ("issued", letter number)."""
    from gkcase.services import letters

    actor = _user(engine, user_id)
    for case_id in case_ids:
        with unit_of_work(engine) as session:
            letter, _ = letters.request_letter(
                session, case_id, "receipt", actor, as_of=date(2026, 3, 3)
            )
        yield ("issued", letter.number)


def _fire_once_job(engine, case_id, user_id, trigger, payload, version):
    """Fire once with ``version``; yield ("fired", new version) or ("stale", code, actor)."""
    from gkcase.services import cases as svc

    actor = _user(engine, user_id)
    try:
        with unit_of_work(engine) as session:
            fired = svc.fire(
                session, case_id, trigger, actor, payload, version, as_of=date(2026, 3, 3)
            )
        yield ("fired", fired.case.version, fired.event.seq)
    except svc.StaleCase as exc:
        yield ("stale", exc.code, exc.actor)


def _fire_until_job(engine, case_id, user_id, trigger, payload, wanted):
    """Fire ``wanted`` times, re-reading the version after each ``case.stale``; yield each win."""
    from gkcase.services import cases as svc

    actor = _user(engine, user_id)
    done = stale = 0
    while done < wanted:
        with read_session(engine) as session:
            version = session.get(Case, case_id).version
        try:
            with unit_of_work(engine) as session:
                fired = svc.fire(
                    session, case_id, trigger, actor, payload, version, as_of=date(2026, 3, 3)
                )
        except svc.StaleCase:
            stale += 1
            continue
        done += 1
        yield ("fired", fired.event.seq)
    yield ("stale_count", stale)


def _race(org, jobs):
    """Run one process per (job, args) at once; return every outcome by racer index."""
    barrier = SPAWN.Barrier(len(jobs))
    results = SPAWN.Queue()
    processes = [
        SPAWN.Process(target=_racer, args=(org.schema, barrier, results, index, job, args))
        for index, (job, args) in enumerate(jobs)
    ]
    for process in processes:
        process.start()
    outcomes: dict[int, list[tuple]] = defaultdict(list)
    finished = 0
    try:
        while finished < len(processes):
            index, outcome = results.get(timeout=JOIN_SECONDS)
            if outcome == ("done",):
                finished += 1
            else:
                outcomes[index].append(outcome)
    finally:
        for process in processes:
            process.join(timeout=JOIN_SECONDS)
            if process.is_alive():
                process.kill()
    crashed = [o for batch in outcomes.values() for o in batch if o[0] in ("crashed", "refused")]
    assert not crashed, crashed
    assert all(p.exitcode == 0 for p in processes), [p.exitcode for p in processes]
    return [outcomes[index] for index in range(len(jobs))]


def _chain_is_whole(session, case_id):
    """The case's events are 1..n with each linked to the one before, and the head matches."""
    from gkcase.services import cases as svc

    events = session.exec(
        select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.seq)
    ).all()
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert all(b.prev_hash == a.hash for a, b in pairwise(events))
    case = session.get(Case, case_id)
    assert case.event_count == len(events) and case.last_event_hash == events[-1].hash
    assert svc.verify(session, case_id).ok
    return events


# --- the races ----------------------------------------------------------------------------------


def test_parallel_registrations_number_cases_without_gaps_per_agency_and_year(org):
    registrar, zjw_registrar = org.user("registrar").id, org.user("other_caseworker").id
    arrivals = ("2026-03-02", "2025-12-30")
    jobs = []
    for index in range(6):
        registrations = []
        for n in range(6):
            agency, user = (org.fgw.id, registrar) if n % 3 else (org.zjw.id, zjw_registrar)
            data = {
                **APPLICATION,
                "arrived_on": arrivals[(index + n) % 2],
                "applicant": {"kind": "business", "name": f"公司{index}-{n}"},
            }
            registrations.append((agency, user, data))
        jobs.append((_register_job, (registrations,)))

    outcomes = [o for batch in _race(org, jobs) for o in batch]
    numbers = defaultdict(list)
    for _tag, agency, year, seq, _id in outcomes:
        numbers[(agency, year)].append(seq)
    assert sum(len(v) for v in numbers.values()) == 36
    assert set(numbers) == {(a, y) for a in (org.fgw.id, org.zjw.id) for y in (2025, 2026)}
    for key, seqs in numbers.items():
        assert sorted(seqs) == list(range(1, len(seqs) + 1)), key
    with read_session(org.engine) as session:
        stored = session.exec(select(Case.agency_id, Case.year, Case.seq, Case.number)).all()
    assert len(stored) == 36 and len({row.number for row in stored}) == 36
    for agency, year, seq, number in stored:
        assert number.endswith(f"-{year}-{seq:05d}")
        assert seq in numbers[(agency, year)]


def test_parallel_issuing_gives_distinct_consecutive_letter_numbers(org):
    case_ids = [
        register(org, applicant={"kind": "business", "name": f"公司{n}"}).id for n in range(8)
    ]
    caseworker = org.user("caseworker").id
    jobs = [(_issue_job, (case_ids[i::4], caseworker)) for i in range(4)]

    numbers = [o[1] for batch in _race(org, jobs) for o in batch]
    assert len(numbers) == 8 and len(set(numbers)) == 8
    seqs = sorted(int(re.search(r"〔2026〕(\d+)号$", n).group(1)) for n in numbers)
    assert seqs == list(range(1, 9)), numbers
    with read_session(org.engine) as session:
        stored = session.exec(select(Letter.number)).all()
    assert sorted(stored) == sorted(numbers)


def test_many_processes_with_one_version_one_wins_and_the_chain_stays_whole(org):
    case = register(org)
    caseworker = org.user("caseworker").id
    jobs = [
        (_fire_once_job, (case.id, caseworker, "start_review", None, case.version))
        for _ in range(8)
    ]

    outcomes = [o for batch in _race(org, jobs) for o in batch]
    wins = [o for o in outcomes if o[0] == "fired"]
    stale = [o for o in outcomes if o[0] == "stale"]
    assert len(wins) == 1 and len(stale) == 7, outcomes
    assert wins[0][1:] == (case.version + 1, 2)
    assert {code for _tag, code, _actor in stale} == {"case.stale"}
    assert {actor for _tag, _code, actor in stale} == {"承办人甲"}
    with read_session(org.engine) as session:
        events = _chain_is_whole(session, case.id)
        assert len(events) == 2 and session.get(Case, case.id).state == "reviewing"


def test_processes_retrying_on_stale_lose_no_event(org):
    case = register(org)
    fire(org, case.id, "start_review", "caseworker")
    fire(org, case.id, "accept", "caseworker")
    office_head, caseworker = org.user("office_head").id, org.user("caseworker").id
    assign = {"assignee_id": caseworker}
    jobs = [(_fire_until_job, (case.id, office_head, "assign", assign, 5)) for _ in range(4)]

    batches = _race(org, jobs)
    seqs = sorted(o[1] for batch in batches for o in batch if o[0] == "fired")
    assert seqs == list(range(4, 24))  # 20 assignments after register, start_review, accept
    with read_session(org.engine) as session:
        events = _chain_is_whole(session, case.id)
        assert len(events) == 23
        assert session.get(Case, case.id).version == case.version + 22


def test_one_idempotency_key_from_racing_processes_registers_one_case(org):
    # An earlier registration: the year's counter row exists, so nothing else serialises the race.
    register(org, idempotency_key="counter-2026-000001")
    data = {**APPLICATION, "idempotency_key": "portal-2026-000123"}
    registrar = org.user("registrar").id
    jobs = [(_register_job, ([(org.fgw.id, registrar, data)],)) for _ in range(6)]

    outcomes = [o for batch in _race(org, jobs) for o in batch]
    assert len(outcomes) == 6
    assert len({case_id for *_rest, case_id in outcomes}) == 1, outcomes
    with read_session(org.engine) as session:
        stored = session.exec(select(Case).where(Case.idempotency_key == data["idempotency_key"]))
        stored = stored.all()
        assert len(stored) == 1 and stored[0].seq == 2
        assert sorted(session.exec(select(Case.seq)).all()) == [1, 2]
        _chain_is_whole(session, stored[0].id)
