"""The similarity of two requests (pure) and the query for the same applicant's earlier, similar
requests in an agency (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date

import pytest

from gkcase.db import read_session, unit_of_work
from gkcase.services import cases as svc
from gkcase.services.similar import (
    MIN_CHARS,
    SIMILAR_THRESHOLD,
    bigrams,
    normalise,
    similar_requests,
    similarity,
)

ID = "11010119900307002X"
EIA = "2025年某项目的环境影响评价批复文件"


# --- the score ---------------------------------------------------------------------------------


def test_identical_requests_score_one():
    assert similarity(EIA, EIA) == 1.0


@pytest.mark.parametrize(
    "variant",
    [
        "2025年某项目的环境影响评价批复文件。",
        "2025 年 某项目的“环境影响评价”批复文件",
        "２０２５年某项目的环境影响评价批复文件！",  # full-width digits and punctuation
        "申请公开：2025年某项目的环境影响评价批复文件",  # boilerplate left out
        "2025年某项目的环境影响评价批复文件\n",
    ],
)
def test_punctuation_space_width_and_boilerplate_do_not_count(variant):
    assert similarity(EIA, variant) == 1.0


def test_near_identical_requests_are_similar():
    assert similarity(EIA, "2025年某项目环境影响评价批复文件") >= 0.8
    assert similarity(EIA, "2024年某项目的环境影响评价批复文件") >= 0.8
    longer = EIA + "及其附件、专家评审意见和公示材料"
    assert SIMILAR_THRESHOLD <= similarity(EIA, longer) < 0.8


@pytest.mark.parametrize(
    "other",
    [
        "2024年全市新能源汽车补贴发放名单",
        "某路拓宽工程征收补偿方案",
        "本单位2025年度部门决算",
    ],
)
def test_unrelated_requests_are_not(other):
    assert similarity(EIA, other) < SIMILAR_THRESHOLD


def test_same_project_different_document_stays_below_the_threshold():
    assert similarity("某路拓宽工程征收补偿方案", "某路拓宽工程立项批复") < SIMILAR_THRESHOLD


def test_short_texts_are_similar_only_when_equal():
    assert similarity("预算", "预算。") == 1.0
    assert similarity("预算", "2025年部门预算") == 0.0
    assert similarity("预算", "决算") == 0.0
    assert len(normalise("部门预算")) == MIN_CHARS
    assert similarity("部门预算", "部门决算") == pytest.approx(1 / 3)


def test_empty_and_punctuation_only_texts_score_zero():
    assert similarity("", EIA) == 0.0
    assert similarity("。。。", "。。。") == 0.0


def test_the_score_is_symmetric_and_bounded():
    pairs = [(EIA, "某项目批复"), ("某路拓宽工程征收补偿方案", "某路拓宽工程立项批复")]
    for a, b in pairs:
        assert similarity(a, b) == similarity(b, a)
        assert 0.0 <= similarity(a, b) <= 1.0


def test_bigrams():
    assert bigrams("预算表") == {"预算", "算表"}
    assert bigrams("预") == {"预"}
    assert bigrams("") == frozenset()


# --- the query ---------------------------------------------------------------------------------


class Who:
    def __init__(self, name="张三", id_type="居民身份证", id_number=ID, phone="", email=""):
        self.name, self.id_type, self.id_number = name, id_type, id_number
        self.phone, self.email = phone, email


def _register(org, text, *, agency=None, user="registrar", **applicant):
    person = {"kind": "natural_person", "name": "张三", **applicant}
    data = {
        "channel": "in_person",
        "arrived_on": "2026-03-02",
        "applicant": person,
        "information_requested": text,
    }
    with unit_of_work(org.engine) as session:
        agency_id = (agency or org.fgw).id
        done = svc.register(session, agency_id, data, org.user(user), as_of=date(2026, 3, 2))
        return done.case.id, done.case.number


def test_the_same_applicants_similar_requests_most_similar_first(org):
    with_id = {"id_type": "居民身份证", "id_number": ID}
    exact = _register(org, EIA, **with_id)
    close = _register(org, EIA + "及其附件、专家评审意见和公示材料", **with_id)
    _register(org, "2024年全市新能源汽车补贴发放名单", **with_id)
    someone_else = _register(org, EIA, name="李四")
    with read_session(org.engine) as session:
        found = similar_requests(session, org.fgw.id, Who(), "申请公开" + EIA)
    assert [f.number for f in found] == [exact[1], close[1]]
    assert found[0].score == 1.0 and found[0].state == "registered"
    assert found[0].state_label == "已登记" and found[0].text == EIA
    assert found[0].receipt_date == date(2026, 3, 2)
    assert someone_else[1] not in [f.number for f in found]


def test_the_identity_number_matches_whatever_the_case_of_its_letter(org):
    _register(org, EIA, id_type="居民身份证", id_number=ID)
    with read_session(org.engine) as session:
        found = similar_requests(session, org.fgw.id, Who(id_number=ID.lower()), EIA)
    assert len(found) == 1


def test_without_an_identity_number_name_and_phone_or_email_are_needed(org):
    _register(org, EIA, phone="13812341234", email="zs@example.com")
    with read_session(org.engine) as session:
        by_phone = similar_requests(
            session, org.fgw.id, Who(id_number="", phone="13812341234"), EIA
        )
        by_email = similar_requests(
            session, org.fgw.id, Who(id_number="", email="zs@example.com"), EIA
        )
        name_only = similar_requests(session, org.fgw.id, Who(id_number=""), EIA)
        other_phone = similar_requests(
            session, org.fgw.id, Who(id_number="", phone="13900000000"), EIA
        )
    assert len(by_phone) == len(by_email) == 1
    assert name_only == [] and other_phone == []


def test_only_the_agency_asked_about_and_never_the_case_itself(org):
    mine = _register(org, EIA, id_type="居民身份证", id_number=ID)
    _register(org, EIA, agency=org.zjw, user="other_caseworker", id_type="居民身份证", id_number=ID)
    with read_session(org.engine) as session:
        fgw = similar_requests(session, org.fgw.id, Who(), EIA)
        zjw = similar_requests(session, org.zjw.id, Who(), EIA)
        without = similar_requests(session, org.fgw.id, Who(), EIA, exclude_case_id=mine[0])
    assert [f.number for f in fgw] == [mine[1]]
    assert len(zjw) == 1 and zjw[0].number.startswith("ZJW-")
    assert without == []


def test_limit_and_threshold(org):
    for _ in range(4):
        _register(org, EIA, id_type="居民身份证", id_number=ID)
    with read_session(org.engine) as session:
        assert len(similar_requests(session, org.fgw.id, Who(), EIA, limit=2)) == 2
        loose = similar_requests(session, org.fgw.id, Who(), "某项目批复", threshold=0.1)
        strict = similar_requests(session, org.fgw.id, Who(), "某项目批复")
        empty = similar_requests(session, org.fgw.id, Who(), "  。")
    assert len(loose) == 4 and strict == [] and empty == []
