"""The similarity of two requests (pure) and the query for the same applicant's earlier, similar
requests in an agency (SQLite and PostgreSQL)."""

from __future__ import annotations

import importlib.util
import json
from datetime import date
from pathlib import Path

import pytest

from gkcase.db import read_session, unit_of_work
from gkcase.services import cases as svc
from gkcase.services.similar import (
    MIN_CHARS,
    SIMILAR_THRESHOLD,
    bigrams,
    chinese_number,
    fold_numerals,
    judge,
    normalise,
    same_information,
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


# --- the same information (issue #7) -------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (EIA, "请提供某项目2025年环评批复的全部相关文件，谢谢"),  # paraphrase, politeness
        ("二〇二五年东湖区政府工作报告", "东湖区２０２５年政府工作报告"),  # numerals, full width
        ("市财政局2024年部门预算和部门决算", "2024年度市财政局部门决算、部门预算"),  # reordered
        ("某环审〔2023〕45号批复", "某环审[2023]45号批复的有关材料"),  # brackets, 有关
        (
            "根据《中华人民共和国政府信息公开条例》第二十七条，申请公开青山县2023年第三季度统计数据",
            "青山县2023年第3季度数据",
        ),  # the Regulation cited, 第三 = 第3
    ],
)
def test_same_information_despite_wording(a, b):
    assert same_information(a, b) and same_information(b, a)
    assert judge(a, b).reason == "年份、文号、数字一致，内容相同"


@pytest.mark.parametrize(
    ("a", "b", "why"),
    [
        (EIA, "2024年某项目的环境影响评价批复文件", "年份不同"),
        ("某环审〔2025〕12号批复", "某环审〔2025〕13号批复", "数字不同"),
        ("市环审〔2025〕12号批复", "区环审〔2025〕12号批复", "发文机关代字不同"),
        ("人民路拓宽改造工程房屋征收补偿方案", "解放路拓宽改造工程房屋征收补偿方案", "内容不同"),
        ("市财政局2024年部门预算", "市财政局2024年部门决算", "内容不同"),
        ("市财政局2024年部门预算", "市财政局2024年部门预算和部门决算", "内容不同"),
        ("一期工程征收决定", "二期工程征收决定", "数字不同"),
    ],
)
def test_near_misses_are_not_the_same_information(a, b, why):
    verdict = judge(a, b)
    assert not verdict.same and why in verdict.reason
    assert not judge(b, a).same


def test_chinese_numerals_become_digits_only_where_they_are_numbers():
    assert fold_numerals("二〇二五年第十二次会议") == "2025年第12次会议"
    assert fold_numerals("统一规划，十四五") == "统一规划，十四五"
    numbers = ("二〇二五", "三十七", "一百零五", "十")
    assert [chinese_number(x) for x in numbers] == [2025, 37, 105, 10]


def test_precision_and_recall_on_the_labelled_pairs():
    """tests/data/similar_pairs.jsonl (benchmarks/similar_pairs.py builds it; docs/similarity.md
    records the figures): same_information must rarely call different requests the same
    (a false 不予重复处理 candidate costs a caseworker's time and risks a wrong refusal), and
    find most true repeats."""
    path = Path(__file__).resolve().parent.parent / "data" / "similar_pairs.jsonl"
    pairs = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    assert len(pairs) >= 300
    assert {p["source"] for p in pairs} == {"generated", "hand"}
    said = [(same_information(p["a"], p["b"]), p["same"]) for p in pairs]
    tp = sum(s and t for s, t in said)
    fp = sum(s and not t for s, t in said)
    fn = sum(t and not s for s, t in said)
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    assert precision >= 0.95, f"precision {precision:.3f}"
    assert recall >= 0.85, f"recall {recall:.3f}"


def test_the_labelled_pairs_file_is_what_the_generator_writes():
    root = Path(__file__).resolve().parent.parent.parent
    spec = importlib.util.spec_from_file_location("pairs", root / "benchmarks" / "similar_pairs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    stored = (root / "tests" / "data" / "similar_pairs.jsonl").read_text(encoding="utf-8")
    assert [json.loads(line) for line in stored.splitlines() if line] == module.build()
