"""Repeat applications (Art 36(六)) and proactive-disclosure candidates (Art 44), on cases driven
through the services with business dates in the past (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date

import pytest

from gkcase.db import read_session, unit_of_work
from gkcase.errors import ValidationError
from gkcase.models import Case
from gkcase.services import cases as svc
from gkcase.services.repeats import (
    ANSWERED_STATES,
    handles_cases,
    proactive_candidates,
    repeat_candidates,
)

D = date
EIA = "2025年人民路拓宽改造工程环境影响报告书的批复（某环审〔2025〕12号）"
EIA_AGAIN = "您好，请提供某环审[2025]12号《关于人民路拓宽改造工程环评报告书的批复》，谢谢"
ZHANG = {"name": "张三", "id_type": "居民身份证", "id_number": "11010119900307002X"}
LI = {"name": "李四", "id_type": "居民身份证", "id_number": "110101198505120037"}
WANG = {"name": "王五", "phone": "13812341234"}
ZHAO = {"name": "赵六", "email": "zl@example.com"}
DISCLOSED = {"outcome": "disclosed", "fields": {"access_method": "随本答复书提供复印件"}}
PUBLISHED = {
    "outcome": "already_published",
    "fields": {"access_method": "已在本机关门户网站主动公开"},
}
NOT_EXIST = {
    "outcome": "not_exist",
    "fields": {"search_record": "经检索本机关档案及业务系统，未找到相关信息"},
}


def register(org, text, who, arrived):
    data = {
        "channel": "in_person",
        "arrived_on": arrived.isoformat(),
        "applicant": {"kind": "natural_person", **who},
        "information_requested": text,
    }
    with unit_of_work(org.engine) as session:
        registered = svc.register(session, org.fgw.id, data, org.user("registrar"), as_of=arrived)
        return registered.case.id


def fire(org, case_id, trigger, role, payload=None, *, on):
    with unit_of_work(org.engine) as session:
        version = session.get(Case, case_id).version
        svc.fire(session, case_id, trigger, org.user(role), payload, version, as_of=on)


ARRIVED, SIGNED = D(2026, 3, 2), D(2026, 3, 10)


def answered(org, text, who, *, arrived=ARRIVED, signed=SIGNED, decision=None):
    """Registered on ``arrived`` and answered with ``decision`` (default 予以公开) on ``signed``."""
    case_id = register(org, text, who, arrived)
    decision = decision or DISCLOSED
    fire(org, case_id, "start_review", "caseworker", on=arrived)
    if decision["outcome"] == "already_published":
        fire(org, case_id, "decide_without_handling", "caseworker", decision, on=arrived)
    else:
        fire(org, case_id, "accept", "caseworker", on=arrived)
        fire(org, case_id, "draft_decision", "caseworker", decision, on=signed)
    fire(org, case_id, "submit_for_signing", "caseworker", on=signed)
    fire(org, case_id, "sign", "office_head", on=signed)
    return case_id


def candidates(org, case_id):
    with read_session(org.engine) as session:
        return repeat_candidates(session, session.get(Case, case_id))


# --- 不予重复处理 candidates ---------------------------------------------------------------------


def test_the_same_applicant_answered_before_is_a_candidate(org):
    earlier = answered(org, EIA, ZHANG)
    again = register(org, EIA_AGAIN, ZHANG, D(2026, 4, 1))
    found = candidates(org, again)
    assert [c.case_id for c in found] == [earlier]
    first = found[0]
    assert first.outcome == "disclosed" and first.outcome_label == "予以公开"
    assert first.replied_on == D(2026, 3, 10) and first.text == EIA
    assert 0 < first.score <= 1 and "一致" in first.reason


def test_identity_without_an_id_number_is_name_and_phone(org):
    earlier = answered(org, EIA, WANG)
    again = register(org, EIA_AGAIN, WANG, D(2026, 4, 1))
    stranger = register(org, EIA_AGAIN, {"name": "王五", "phone": "13900000000"}, D(2026, 4, 1))
    assert [c.case_id for c in candidates(org, again)] == [earlier]
    assert candidates(org, stranger) == []


def test_another_applicants_answer_is_not_a_candidate(org):
    answered(org, EIA, LI)
    again = register(org, EIA_AGAIN, ZHANG, D(2026, 4, 1))
    assert candidates(org, again) == []


def test_an_unanswered_earlier_case_is_not_a_candidate(org):
    pending = register(org, EIA, ZHANG, D(2026, 3, 2))
    fire(org, pending, "start_review", "caseworker", on=D(2026, 3, 2))
    withdrawn = register(org, EIA, ZHANG, D(2026, 3, 2))
    payload = {"withdrawn_on": "2026-03-03", "how": "书面撤回"}
    fire(org, withdrawn, "withdraw", "registrar", payload, on=D(2026, 3, 3))
    again = register(org, EIA_AGAIN, ZHANG, D(2026, 4, 1))
    with read_session(org.engine) as session:
        assert session.get(Case, withdrawn).outcome == "closed_other"
    assert candidates(org, again) == []


def test_a_different_year_or_document_number_is_not_a_candidate(org):
    answered(org, EIA, ZHANG)
    next_year = register(org, EIA.replace("2025", "2026"), ZHANG, D(2026, 4, 1))
    next_number = register(org, EIA.replace("12号", "13号"), ZHANG, D(2026, 4, 1))
    assert candidates(org, next_year) == []
    assert candidates(org, next_number) == []


def test_any_answer_counts_but_only_when_signed_before_the_new_application(org):
    refused = answered(org, EIA, ZHANG, decision=NOT_EXIST, signed=D(2026, 3, 10))
    again = register(org, EIA_AGAIN, ZHANG, D(2026, 3, 5))  # before the reply was signed
    later = register(org, EIA_AGAIN, ZHANG, D(2026, 3, 11))
    assert candidates(org, again) == []
    assert [(c.case_id, c.outcome_label) for c in candidates(org, later)] == [
        (refused, "经检索，该政府信息不存在")
    ]


def test_an_answered_case_gets_no_notice_and_only_handlers_see_it(org):
    earlier = answered(org, EIA, ZHANG)
    later = answered(org, EIA_AGAIN, ZHANG, arrived=D(2026, 3, 11), signed=D(2026, 3, 12))
    with read_session(org.engine) as session:
        assert session.get(Case, later).state in ANSWERED_STATES
    assert candidates(org, later) == []
    assert candidates(org, earlier) == []
    fgw = org.fgw.id
    for role in ("registrar", "caseworker", "legal_reviewer", "office_head"):
        assert handles_cases(org.user(role), fgw)
    assert not handles_cases(org.user("supervisor"), fgw)
    assert not handles_cases(org.user("other_caseworker"), fgw)
    assert not handles_cases(org.user("admin"), fgw)


# --- 主动公开 candidates ---------------------------------------------------------------------------

MAR, APR = D(2026, 3, 1), D(2026, 4, 30)


def clusters(org, agency=None, start=MAR, end=APR, **kwargs):
    with read_session(org.engine) as session:
        return proactive_candidates(session, agency or org.city, start, end, **kwargs)


def test_three_applicants_with_one_disclosure_make_a_cluster(org):
    disclosed = answered(org, EIA, ZHANG)
    li = register(org, EIA_AGAIN, LI, D(2026, 3, 12))
    wang = register(
        org, "人民路拓宽改造工程环评报告书批复（某环审（2025）12号）", WANG, D(2026, 3, 13)
    )
    register(org, EIA.replace("12号", "13号"), ZHAO, D(2026, 3, 13))  # another document
    register(org, "2024年市财政局部门预算", ZHAO, D(2026, 3, 13))
    found = clusters(org)
    assert len(found) == 1
    cluster = found[0]
    assert cluster.agency_id == org.fgw.id and cluster.applicants == 3
    assert cluster.disclosed == 1 and not cluster.already_published
    assert cluster.text == EIA
    assert [c.case_id for c in cluster.cases] == [disclosed, li, wang]
    assert [c.outcome_label for c in cluster.cases] == ["予以公开", "", ""]
    assert cluster.cases[0].replied_on == D(2026, 3, 10)


def test_two_applicants_are_not_enough_unless_the_parameter_says_so(org):
    answered(org, EIA, ZHANG)
    register(org, EIA_AGAIN, LI, D(2026, 3, 12))
    register(org, EIA_AGAIN, LI, D(2026, 3, 13))  # the same applicant twice counts once
    assert clusters(org) == []
    assert [c.applicants for c in clusters(org, min_applicants=2)] == [2]


def test_no_disclosure_no_cluster_and_already_published_is_flagged(org):
    answered(org, EIA, ZHANG, decision=NOT_EXIST)
    register(org, EIA_AGAIN, LI, D(2026, 3, 12))
    register(org, EIA_AGAIN, WANG, D(2026, 3, 12))
    assert clusters(org) == []
    answered(org, EIA, ZHAO, decision=PUBLISHED, arrived=D(2026, 3, 3))
    assert clusters(org) == []  # 已主动公开 does not show the information needs publishing
    answered(org, EIA_AGAIN, {"name": "钱七", "phone": "13700000000"}, arrived=D(2026, 3, 4))
    (cluster,) = clusters(org)
    assert cluster.applicants == 5 and cluster.disclosed == 1 and cluster.already_published


def test_only_the_supervisors_subtree_and_the_period(org):
    answered(org, EIA, ZHANG)
    register(org, EIA_AGAIN, LI, D(2026, 3, 12))
    register(org, EIA_AGAIN, WANG, D(2026, 3, 13))
    assert len(clusters(org, org.city)) == 1 and len(clusters(org, org.fgw)) == 1
    assert clusters(org, org.zjw) == []  # another agency's subtree
    assert clusters(org, start=D(2026, 3, 12)) == []  # the disclosed case is outside the period


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [({"start": APR, "end": MAR}, "to"), ({"min_applicants": 1}, "min_applicants")],
)
def test_bad_parameters_name_the_field(org, kwargs, field):
    with pytest.raises(ValidationError) as caught:
        clusters(org, **kwargs)
    assert caught.value.field == field


def test_many_cases_are_blocked_not_compared_pairwise(org, monkeypatch):
    """Requests for 60 different projects and years: each is judged only against the requests
    sharing its years, numbers and a rare bigram — never all 1,770 pairs."""
    from gkcase.services import repeats

    calls = []
    real = repeats.judge
    monkeypatch.setattr(repeats, "judge", lambda a, b: calls.append(1) or real(a, b))
    places = ["东湖区", "西城区", "青山县", "南岸区", "北塘镇", "江夏区"]
    things = ["部门预算", "部门决算", "征收补偿方案", "规划许可证", "会议纪要"]
    for i in range(60):
        text = f"{places[i % 6]}{2020 + i % 2}年{things[i % 5]}（第{i}批）"
        register(org, text, {"name": f"申请人{i}", "phone": f"1380000{i:04d}"}, D(2026, 3, 2))
    answered(org, EIA, ZHANG)
    assert clusters(org) == []
    assert len(calls) < 60
