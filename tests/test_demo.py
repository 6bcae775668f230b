"""The demo deployment: complete coverage, valid histories, determinism, refusal to overwrite."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import func
from sqlmodel import Session, SQLModel, select
from stdnum.cn import ric, uscc

from gkcase import demo
from gkcase.calendar.clock import Channel
from gkcase.db import make_engine, read_session, unit_of_work
from gkcase.models import (
    Agency,
    Applicant,
    ApplicantType,
    Case,
    CaseEvent,
    Consultation,
    Delivery,
    FeeNotice,
    Remedy,
    User,
)
from gkcase.services import cases as svc
from gkcase.states.machine import Role, State
from gkcase.states.outcomes import OUTCOMES, Outcome, OutcomeGroup, validate_decision

TODAY = date(2026, 11, 24)
FIRST = date(2025, 1, 1)  # the demo's cases arrive from January 2025 on
CASES = 60


def _engine(path):
    engine = make_engine(f"sqlite:///{path}")
    SQLModel.metadata.create_all(engine)
    return engine


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    engine = _engine(tmp_path_factory.mktemp("demo") / "demo.db")
    summary = demo.seed(engine, cases=CASES, seed=2026, today=TODAY)
    yield engine, summary
    engine.dispose()


@pytest.fixture
def session(seeded):
    with read_session(seeded[0]) as session:
        yield session


def _all(session: Session, model):
    return session.exec(select(model)).all()


def test_the_summary_counts_what_was_written(seeded, session):
    _, summary = seeded
    assert summary.cases == CASES == len(_all(session, Case))
    assert summary.agencies == 10  # the city, eight departments, the tax bureau
    assert sum(summary.by_state.values()) == CASES
    assert any("60 件申请" in line for line in summary.lines())


def test_every_state_occurs(seeded):
    assert set(seeded[1].by_state) == {s.value for s in State}


def test_every_outcome_occurs(seeded):
    assert set(seeded[1].by_outcome) == {o.value for o in Outcome}


def test_every_outcome_occurs_in_a_finished_case(session):
    finished = {State.REPLIED, State.DELIVERED, State.CLOSED, State.ARCHIVED}
    outcomes = {c.outcome for c in _all(session, Case) if State(c.state) in finished}
    assert outcomes == {o.value for o in Outcome}


def test_every_applicant_type_and_channel_occurs(seeded):
    assert set(seeded[1].by_applicant_kind) == {k.value for k in ApplicantType}
    assert set(seeded[1].by_channel) == {c.value for c in Channel}


def test_every_case_history_verifies(session):
    for case in _all(session, Case):
        result = svc.verify(session, case.id)
        assert result.ok, (case.number, result.problems)
        assert result.events == case.event_count >= 1


def test_every_case_began_with_a_registration_and_nothing_happens_after_today(session):
    for case in _all(session, Case):
        events = svc.history(session, case)
        assert events[0].trigger == "register"
        assert FIRST <= case.arrived_on <= TODAY
        for day in (case.receipt_date, case.replied_on, case.closed_on):
            assert day is None or day <= TODAY
    for delivery in _all(session, Delivery):
        assert delivery.delivered_on <= TODAY
    for remedy in _all(session, Remedy):
        assert remedy.filed_on <= TODAY
        assert remedy.result_on is None or remedy.result_on <= TODAY


def test_the_episodes_of_a_real_year_all_occur(session):
    triggers = {e.trigger for e in _all(session, CaseEvent)}
    assert {
        "confirm",
        "request_correction",
        "correction_received",
        "correction_lapsed",
        "request_reasons",
        "decide_without_handling",
        "consult",
        "consultation_done",
        "issue_fee_notice",
        "fee_paid",
        "fee_lapsed",
        "extend",
        "defer",
        "return_draft",
        "send_back",
        "approve",
        "sign",
        "deliver",
        "archive",
        "withdraw",
        "record_remedy",
        "reopen",
    } <= triggers
    consultations = {(c.kind, c.opinion) for c in _all(session, Consultation)}
    assert {
        ("third_party", "object"),
        ("third_party", "silent"),
        ("co_producer", "agree"),
        ("co_producer", "silent"),
    } <= consultations
    fees = _all(session, FeeNotice)
    assert any(f.paid_on for f in fees) and any(f.lapsed for f in fees)
    remedies = {(r.kind, r.result) for r in _all(session, Remedy)}
    assert {r[0] for r in remedies} == {"review", "litigation_direct", "litigation_after_review"}
    assert {"maintained", "corrected", "pending"} <= {r[1] for r in remedies}
    assert {d.method for d in _all(session, Delivery)} >= {"direct", "post", "electronic"}


def test_exactly_one_case_was_reopened(session):
    reopened = session.exec(select(CaseEvent.case_id).where(CaseEvent.trigger == "reopen")).all()
    assert len(reopened) == 1


def test_every_decision_is_complete_and_refusals_give_grounds(session):
    for case in _all(session, Case):
        if not case.outcome:
            continue
        fields = json.loads(case.decision)
        validate_decision(case.outcome, fields)
        if OUTCOMES[Outcome(case.outcome)].group in (OutcomeGroup.WITHHELD, OutcomeGroup.PARTIAL):
            for ground in fields["grounds"]:
                assert len(ground["reasons"]) >= 10


def test_refusals_went_through_legal_review(session):
    for case in _all(session, Case):
        if (
            case.outcome
            and case.replied_on
            and OUTCOMES[Outcome(case.outcome)].legal_review_required
        ):
            triggers = [e.trigger for e in svc.history(session, case)]
            assert "approve" in triggers[: triggers.index("sign")]


def test_identity_numbers_carry_valid_check_digits(session):
    numbers = [(a.id_type, a.id_number) for a in _all(session, Applicant) if a.id_number]
    assert {t for t, _ in numbers} == {"居民身份证", "统一社会信用代码"}
    for id_type, number in numbers:
        assert (ric if id_type == "居民身份证" else uscc).is_valid(number), number


def test_every_department_has_every_role_and_the_city_a_supervisor(session):
    agencies = {a.code: a for a in _all(session, Agency)}
    users = {u.username: u for u in _all(session, User)}
    for spec in demo.AGENCIES:
        for role in Role:
            assert any(
                u.agency_id == agencies[spec.code].id and role.value in u.role_set
                for u in users.values()
            ), (spec.code, role)
    assert "fgw_registrar" in users and "zjw_caseworker" in users
    assert users["city_supervisor"].agency_id == agencies["CITY"].id
    tax = agencies["SWJ"]
    assert tax.vertical and tax.review_body == "国家税务总局某省税务局" and tax.parent_id is None
    assert agencies["FGW"].parent_id == agencies["CITY"].id
    assert agencies["FGW"].review_body == "某市人民政府"


def test_there_is_an_overdue_case(session):
    overdue = [
        c
        for c in _all(session, Case)
        if State(c.state).is_open and c.reply_due is not None and c.reply_due < TODAY
    ]
    assert overdue


def _dump(engine) -> dict[str, list[tuple]]:
    """Every row, less what is wall-clock time or random by design."""
    volatile = {
        "created_at",
        "updated_at",
        "at",
        "hash",
        "prev_hash",
        "last_event_hash",
        "chain_seal",
    }
    volatile |= {"lookup_code", "loaded_at", "marked_at", "revoked_at", "issued_at"}
    dump = {}
    with engine.connect() as connection:
        for table in SQLModel.metadata.sorted_tables:
            columns = [c for c in table.columns if c.name not in volatile]
            order = list(table.primary_key.columns)
            rows = connection.execute(table.select().with_only_columns(*columns).order_by(*order))
            dump[table.name] = [tuple(row) for row in rows]
    return dump


def test_the_same_seed_gives_the_same_data(seeded, tmp_path):
    again = _engine(tmp_path / "again.db")
    demo.seed(again, cases=CASES, seed=2026, today=TODAY)
    first, second = _dump(seeded[0]), _dump(again)
    assert first.keys() == second.keys()
    for table in first:
        assert first[table] == second[table], table
    again.dispose()


def test_another_seed_gives_other_data(tmp_path):
    one, two = _engine(tmp_path / "one.db"), _engine(tmp_path / "two.db")
    demo.seed(one, cases=50, seed=1, today=TODAY)
    demo.seed(two, cases=50, seed=2, today=TODAY)
    assert _dump(one)["applicant"] != _dump(two)["applicant"]
    one.dispose()
    two.dispose()


def test_fewer_cases_than_the_coverage_list_still_seed(tmp_path):
    engine = _engine(tmp_path / "small.db")
    summary = demo.seed(engine, cases=8, seed=7, today=TODAY)
    assert summary.cases == 8 and summary.users == 65
    engine.dispose()


def test_an_existing_database_is_refused_unless_forced(tmp_path):
    from gkcase.calendar.arrangement import DayOverride
    from gkcase.services.calendar import active_marks, mark_day

    engine = _engine(tmp_path / "twice.db")
    demo.seed(engine, cases=3, seed=1, today=TODAY)
    with unit_of_work(engine) as session:
        mark_day(
            session,
            DayOverride(day=date(2026, 7, 20), working=False, name="台风停工"),
            marked_by="admin",
        )
    with pytest.raises(demo.DemoDataExists, match="3 件案件"):
        demo.seed(engine, cases=5, seed=1, today=TODAY)
    summary = demo.seed(engine, cases=5, seed=1, today=TODAY, force=True)
    assert summary.cases == 5 and summary.agencies == 10
    with read_session(engine) as session:
        assert session.exec(select(func.count()).select_from(Case)).one() == 5
        assert [m.name for m in active_marks(session)] == ["台风停工"]  # the calendar stays
    engine.dispose()


def test_every_signed_reply_was_issued_complete_and_re_renders_identically(session):
    """签发 issued each replied case's reply letter; each has its required elements and comes out
    byte for byte the same when rendered again from what was stored."""
    from gkcase.letters.catalogue import CATALOGUE
    from gkcase.letters.elements import missing_elements
    from gkcase.models import Letter
    from gkcase.services import letters as letters_service
    from gkcase.states.outcomes import spec

    replied = [c for c in _all(session, Case) if c.replied_on is not None]
    letters = {letter.case_id: letter for letter in _all(session, Letter)}
    assert replied and set(letters) >= {c.id for c in replied}
    kinds = set()
    for case in replied:
        letter = letters[case.id]
        assert letter.kind == spec(case.outcome).reply_letter
        context = json.loads(letter.variables)
        assert missing_elements(CATALOGUE[letter.kind], context, letter.text) == []
        check = letters_service.verify_letter(session, letter.id)
        assert check.identical, (case.number, check.problems)
        kinds.add(letter.kind)
    # every reply kind of the catalogue was issued at least once (the seven Art 14-16 refusals
    # share reply_withheld, so there are 14)
    assert kinds == {kind for kind in CATALOGUE if kind.startswith("reply_")}
