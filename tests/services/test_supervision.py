"""督查统计: counts by agency, department and caseworker, subtree scope, weekly intake and replies,
the on-time rate and each procedural-lapse rule — on cases driven through the services with
business dates in the past, so every answer below is known.

Dates are on the 2026 calendar (清明 Apr 4–6 off). The day of receipt is not counted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from sqlmodel import select

from gkcase.db import unit_of_work
from gkcase.models import Agency, Case, Consultation
from gkcase.services import cases as svc
from gkcase.services import supervision as sv
from gkcase.services.org import create_agency, create_user
from gkcase.states.machine import Role

D = date
AS_OF = D(2026, 4, 20)  # a Monday
PUBLISHED = {
    "outcome": "already_published",
    "fields": {"access_method": "已在本机关门户网站主动公开"},
}
WITHHELD = {
    "outcome": "withheld_third_party",
    "fields": {
        "grounds": [{"ground": "third_party", "reasons": "涉及第三方商业秘密，第三方不同意公开"}]
    },
}


def register(org, agency, registrar, arrived: date) -> int:
    application = {
        "channel": "in_person",
        "arrived_on": arrived.isoformat(),
        "applicant": {"kind": "natural_person", "name": "张三"},
        "information_requested": "2025年某项目的环境影响评价批复文件",
    }
    with unit_of_work(org.engine) as session:
        return svc.register(session, agency.id, application, registrar, as_of=arrived).case.id


def fire(org, case_id, trigger, user, payload=None, *, on: date):
    with unit_of_work(org.engine) as session:
        version = session.get(Case, case_id).version
        return svc.fire(session, case_id, trigger, user, payload, version, as_of=on).case


def handling(org, arrived, *, agency=None, worker="caseworker", assign=False) -> int:
    """A case received on ``arrived``, accepted the next day (its clock running)."""
    agency = agency or org.fgw
    user = org.user(worker)
    registrar = org.user("registrar") if agency.id == org.fgw.id else user
    case_id = register(org, agency, registrar, arrived)
    day = arrived.replace(day=arrived.day + 1)
    if assign:
        payload = {"assignee_id": user.id}
        fire(org, case_id, "assign", org.user("registrar"), payload, on=day)
    fire(org, case_id, "start_review", user, on=day)
    fire(org, case_id, "accept", user, on=day)
    return case_id


def replied(org, arrived, signed, *, deliver_on=None) -> int:
    """Decided at review (already published), signed on ``signed``, perhaps delivered."""
    case_id = register(org, org.fgw, org.user("registrar"), arrived)
    worker = org.user("caseworker")
    fire(org, case_id, "start_review", worker, on=arrived)
    fire(org, case_id, "decide_without_handling", worker, PUBLISHED, on=arrived)
    fire(org, case_id, "submit_for_signing", worker, on=arrived)
    fire(org, case_id, "sign", org.user("office_head"), on=signed)
    if deliver_on is not None:
        payload = {"method": "direct", "delivered_on": deliver_on.isoformat(), "recipient": "张三"}
        fire(org, case_id, "deliver", worker, payload, on=deliver_on)
    return case_id


def in_legal_review(org, arrived, *, agency=None, worker="caseworker") -> int:
    """A refusal (third-party ground) drafted and submitted for legal review."""
    case_id = handling(org, arrived, agency=agency, worker=worker)
    user = org.user(worker)
    fire(org, case_id, "draft_decision", user, WITHHELD, on=arrived.replace(day=arrived.day + 2))
    fire(org, case_id, "submit_for_legal_review", user, on=arrived.replace(day=arrived.day + 2))
    return case_id


def scope(org, agency=None) -> tuple:
    with unit_of_work(org.engine) as session:
        home = session.get(Agency, org.city.id)
        target = session.get(Agency, (agency or org.city).id)
        session.expunge_all()
    return home, target


# --- overdue / at risk / paused ----------------------------------------------------------------


@dataclass
class World:
    org: object
    sub: Agency  # a section under FGW (a grandchild of the city)
    overdue: int
    at_risk: int
    calm: int
    zjw_overdue: int
    sub_overdue: int
    paused: int


@pytest.fixture
def world(org):
    with unit_of_work(org.engine) as session:
        fgw = session.get(Agency, org.fgw.id)
        sub = create_agency(
            session,
            parent=fgw,
            code="FGW-JG",
            name="某市发展和改革委员会价格监督科",
            short_name="价格科",
            letter_prefix="某发改价公开",
            review_body="某市人民政府",
            court="某市某区人民法院",
        )
        sub_worker = create_user(
            session,
            username="sub_worker",
            full_name="价格科承办人",
            agency=sub,
            roles=[Role.CASEWORKER, Role.REGISTRAR],
        )
        session.expunge(sub)
        session.expunge(sub_worker)
    org.users["sub_worker"] = sub_worker
    # Received Mon Mar 2: due Mon Mar 30 (Mar 3–6, 9–13, 16–20, 23–27, 30) — overdue on Apr 20.
    overdue = handling(org, D(2026, 3, 2), assign=True)
    # Received Mon Mar 23: Mar 24–27 (4), Mar 30–Apr 3 (9), [清明], Apr 7–10 (13), 13–17 (18),
    # 20, 21 (20) → due Tue Apr 21: one working day left on Apr 20 — at risk (3 days).
    at_risk = handling(org, D(2026, 3, 23))
    # Received Wed Apr 15: due in May — neither.
    calm = handling(org, D(2026, 4, 15), assign=True)
    zjw_overdue = handling(org, D(2026, 3, 2), agency=org.zjw, worker="other_caseworker")
    sub_overdue = handling(org, D(2026, 3, 3), agency=sub, worker="sub_worker")
    # Third-party consultation sent Apr 14, received Apr 15: clock paused, window in May.
    paused = handling(org, D(2026, 4, 13))
    consult = {
        "kind": "third_party",
        "party_name": "某公司",
        "matters": "是否同意公开合同报价",
        "sent_on": "2026-04-14",
        "party_received_on": "2026-04-15",
    }
    fire(org, paused, "consult", org.user("caseworker"), consult, on=D(2026, 4, 15))
    return World(org, sub, overdue, at_risk, calm, zjw_overdue, sub_overdue, paused)


def test_the_clock_facts_the_counts_rest_on(world):
    with unit_of_work(world.org.engine) as session:
        assert session.get(Case, world.overdue).reply_due == D(2026, 3, 30)
        assert session.get(Case, world.at_risk).reply_due == D(2026, 4, 21)
        assert session.get(Case, world.paused).clock_status == "paused"


def test_counts_for_the_city_roll_each_department_up_with_its_subtree(world):
    org = world.org
    _, city = scope(org)
    with unit_of_work(org.engine) as session:
        report = sv.breakdown(session, city, as_of=AS_OF, risk_workdays=3)
    assert (report.total.open, report.total.overdue) == (6, 3)
    assert (report.total.at_risk, report.total.paused) == (1, 1)
    by_name = {row.key: row for row in report.departments}
    assert set(by_name) == {org.fgw.id, org.zjw.id}  # children only; the section rolls into FGW
    fgw = by_name[org.fgw.id]
    assert (fgw.open, fgw.overdue, fgw.at_risk, fgw.paused) == (5, 2, 1, 1)
    zjw = by_name[org.zjw.id]
    assert (zjw.open, zjw.overdue, zjw.at_risk, zjw.paused) == (1, 1, 0, 0)
    assert report.own.open == 0  # the city has no cases of its own
    assert report.caseworkers == []


def test_counts_for_a_department_show_its_sections_and_caseworkers(world):
    org = world.org
    _, fgw = scope(org, org.fgw)
    with unit_of_work(org.engine) as session:
        report = sv.breakdown(session, fgw, as_of=AS_OF, risk_workdays=3)
    assert [(d.key, d.open, d.overdue) for d in report.departments] == [(world.sub.id, 1, 1)]
    assert (report.own.open, report.own.overdue, report.own.at_risk) == (4, 1, 1)
    assert report.total.overdue == 2
    workers = {row.name: row for row in report.caseworkers}
    # assigned: the overdue case and the calm one; unassigned: the at-risk and the paused one
    assert (workers["承办人甲"].open, workers["承办人甲"].overdue) == (2, 1)
    unassigned = workers["未指定承办人"]
    assert unassigned.key is None
    assert (unassigned.open, unassigned.at_risk, unassigned.paused) == (2, 1, 1)
    assert report.caseworkers[-1].key is None  # the unassigned row comes last


def test_the_at_risk_window_is_a_parameter(world):
    org = world.org
    _, fgw = scope(org, org.fgw)
    with unit_of_work(org.engine) as session:
        none = sv.breakdown(session, fgw, as_of=AS_OF, risk_workdays=0)
        # Apr 15 + 20 WD = May 14; on Apr 20 that is 17 working days (May 1–5 off, May 9 works)
        wide = sv.breakdown(session, fgw, as_of=AS_OF, risk_workdays=17)
    assert none.total.at_risk == 0
    assert wide.total.at_risk == 2  # the at-risk case and the calm one; paused is not running


def test_a_supervisor_never_sees_a_siblings_cases(world):
    org = world.org
    with unit_of_work(org.engine) as session:
        fgw = session.get(Agency, org.fgw.id)
        zjw = session.get(Agency, org.zjw.id)
        with pytest.raises(svc.NotFound):
            sv.in_scope(session, fgw, zjw.id)
        with pytest.raises(svc.NotFound):
            sv.in_scope(session, fgw, org.city.id)  # nor its parent
        assert sv.in_scope(session, fgw, world.sub.id).id == world.sub.id
        report = sv.breakdown(session, zjw, as_of=AS_OF, risk_workdays=3)
        assert report.total.open == 1 and report.total.overdue == 1
        zjw_case = session.get(Case, world.zjw_overdue)
        assert sv.find_case(session, fgw, zjw_case.number) is None
        assert sv.find_case(session, zjw, zjw_case.number.lower()).id == zjw_case.id


def test_counts_match_the_case_list_definition(world):
    """The dashboard's numbers are the case list's filters, counted."""
    from api.routes.cases import list_cases

    org = world.org
    _, city = scope(org)
    supervisor = org.user("supervisor")
    with unit_of_work(org.engine) as session:
        report = sv.breakdown(session, city, as_of=AS_OF, risk_workdays=3)
        common = dict(
            agency_id=city.id,
            subtree=True,
            state=None,
            assignee_id=None,
            due_before=None,
            due_after=None,
            risk_workdays=3,
            outcome=None,
            applicant_type=None,
            q=None,
            as_of=AS_OF,
            page=1,
            page_size=100,
        )
        for flag, expected in (
            ("overdue", report.total.overdue),
            ("at_risk", report.total.at_risk),
            ("paused", report.total.paused),
        ):
            filters = {"overdue": None, "at_risk": None, "paused": None} | {flag: True}
            listed = list_cases(session, supervisor, **common, **filters)
            assert listed.total == expected, flag


# --- intake and replies; on-time rate ---------------------------------------------------------


@pytest.fixture
def replies(org):
    # Received Mon Mar 2 (due Mar 30): signed Fri Mar 27 — on time.
    on_time = replied(org, D(2026, 3, 2), D(2026, 3, 27))
    # Received Mon Mar 2 (due Mar 30): signed Wed Apr 1 — late.
    late = replied(org, D(2026, 3, 2), D(2026, 4, 1))
    # Received Tue Mar 31 (due Apr 29): signed Thu Apr 2 — on time.
    early = replied(org, D(2026, 3, 31), D(2026, 4, 2))
    handling(org, D(2026, 4, 1), agency=org.zjw, worker="other_caseworker")  # intake only
    return on_time, late, early


def test_weekly_intake_and_replies(org, replies):
    _, city = scope(org)
    with unit_of_work(org.engine) as session:
        weeks = sv.weekly_flow(session, city, as_of=D(2026, 4, 8), weeks=6)
    assert [w.start for w in weeks] == [
        D(2026, 3, 2),
        D(2026, 3, 9),
        D(2026, 3, 16),
        D(2026, 3, 23),
        D(2026, 3, 30),
        D(2026, 4, 6),
    ]
    assert [w.intake for w in weeks] == [2, 0, 0, 0, 2, 0]  # Mar 2 ×2; Mar 31 and Apr 1
    assert [w.replies for w in weeks] == [0, 0, 0, 1, 2, 0]  # Mar 27; Apr 1 and Apr 2
    with unit_of_work(org.engine) as session:
        fgw = session.get(Agency, org.fgw.id)
        only_fgw = sv.weekly_flow(session, fgw, as_of=D(2026, 4, 8), weeks=6)
    assert [w.intake for w in only_fgw] == [2, 0, 0, 0, 1, 0]


def test_on_time_rate_per_department(org, replies):
    _, city = scope(org)
    with unit_of_work(org.engine) as session:
        report = sv.on_time_rate(session, city, start=D(2026, 1, 1), end=D(2026, 4, 30))
        march = sv.on_time_rate(session, city, start=D(2026, 3, 1), end=D(2026, 3, 31))
    assert (report.total.replied, report.total.on_time) == (3, 2)
    rows = {row.key: row for row in report.rows}
    assert (rows[org.fgw.id].replied, rows[org.fgw.id].on_time) == (3, 2)
    assert rows[org.fgw.id].rate == pytest.approx(2 / 3)
    assert rows[org.zjw.id].replied == 0 and rows[org.zjw.id].rate is None
    assert (march.total.replied, march.total.rate) == (1, 1.0)


def test_on_time_period_must_be_in_order(org):
    _, city = scope(org)
    with unit_of_work(org.engine) as session, pytest.raises(svc.ValidationError) as caught:
        sv.on_time_rate(session, city, start=D(2026, 4, 1), end=D(2026, 3, 1))
    assert caught.value.field == "to"


# --- procedural lapses ------------------------------------------------------------------------


def _correction(org, case_id, sent_on):
    payload = {
        "items": ["请明确所需信息的名称或文号"],
        "guidance": "请写明所需政府信息的名称、文号或者便于查询的其他特征性描述",
        "sent_on": sent_on.isoformat(),
    }
    fire(org, case_id, "request_correction", org.user("caseworker"), payload, on=sent_on)


def _lapses(org, **kwargs):
    _, city = scope(org)
    with unit_of_work(org.engine) as session:
        return sv.lapses(
            session, city, as_of=AS_OF, start=D(2026, 1, 1), end=D(2026, 12, 31), **kwargs
        )


def test_a_correction_notice_after_the_seventh_working_day_is_a_lapse(org):
    # Received Mon Mar 2: notice due by the 7th working day, Mar 3–6, 9–11 → Wed Mar 11.
    late = register(org, org.fgw, org.user("registrar"), D(2026, 3, 2))
    in_time = register(org, org.fgw, org.user("registrar"), D(2026, 3, 2))
    for case_id, sent in ((late, D(2026, 3, 12)), (in_time, D(2026, 3, 11))):
        fire(org, case_id, "start_review", org.user("caseworker"), on=D(2026, 3, 3))
        _correction(org, case_id, sent)
    found = _lapses(org).of(sv.LATE_CORRECTION_NOTICE)
    assert [lapse.case_id for lapse in found] == [late]
    assert (found[0].due, found[0].happened) == (D(2026, 3, 11), D(2026, 3, 12))
    assert "迟 1 个工作日" in found[0].detail
    assert "第三十条" in found[0].rule_label


def test_an_expired_consultation_without_a_decision_is_a_lapse(org):
    expired = handling(org, D(2026, 3, 2))
    running = handling(org, D(2026, 4, 13))
    # Received Thu Mar 5: 15 WD → Mar 6, 9–13, 16–20, 23–26 → Thu Mar 26, past on Apr 20.
    for case_id, sent, received in (
        (expired, "2026-03-04", "2026-03-05"),
        (running, "2026-04-14", "2026-04-15"),
    ):
        payload = {
            "kind": "third_party",
            "party_name": "某公司",
            "matters": "是否同意公开",
            "sent_on": sent,
            "party_received_on": received,
        }
        on = date.fromisoformat(received)
        fire(org, case_id, "consult", org.user("caseworker"), payload, on=on)
    with unit_of_work(org.engine) as session:
        windows = {c.case_id: c.window_due for c in session.exec(select(Consultation))}
    assert windows[expired] == D(2026, 3, 26)
    found = _lapses(org).of(sv.CONSULTATION_EXPIRED)
    assert [(lapse.case_id, lapse.due) for lapse in found] == [(expired, D(2026, 3, 26))]
    assert "某公司" in found[0].detail


def test_a_signed_reply_not_delivered_in_time_is_a_lapse(org):
    # Signed Wed Apr 1: by Apr 20, 12 working days (Apr 2, 3, 7–10, 13–17, 20) > 5.
    stuck = replied(org, D(2026, 3, 31), D(2026, 4, 1))
    # Signed Thu Apr 16: Apr 17, 20 — 2 working days.
    fresh = replied(org, D(2026, 4, 15), D(2026, 4, 16))
    found = _lapses(org).of(sv.UNDELIVERED)
    assert [lapse.case_id for lapse in found] == [stuck]
    assert found[0].due == D(2026, 4, 9)  # Apr 2, 3, 7, 8, 9
    shorter = _lapses(org, undelivered_workdays=1).of(sv.UNDELIVERED)
    assert {lapse.case_id for lapse in shorter} == {stuck, fresh}


def test_a_delivered_case_not_archived_in_time_is_a_lapse(org):
    old = replied(org, D(2026, 3, 2), D(2026, 3, 9), deliver_on=D(2026, 3, 10))
    recent = replied(org, D(2026, 4, 1), D(2026, 4, 8), deliver_on=D(2026, 4, 10))
    found = _lapses(org).of(sv.UNARCHIVED)
    assert [(lapse.case_id, lapse.due) for lapse in found] == [(old, D(2026, 4, 9))]
    assert "41 天" in found[0].detail
    assert {lapse.case_id for lapse in _lapses(org, unarchived_days=5).of(sv.UNARCHIVED)} == {
        old,
        recent,
    }
    fire(org, old, "archive", org.user("registrar"), {"file_number": "2026-1"}, on=AS_OF)
    assert _lapses(org).of(sv.UNARCHIVED) == []
