"""The shipped templates against real cases: every letter a case can have renders from the
context gkcase.services.letters builds, with no lint error, and the sample context an agency's
override is checked against has exactly the keys a real case's letter has."""

from __future__ import annotations

from datetime import date as D

from sqlmodel import select

from gkcase.db import unit_of_work
from gkcase.letters.catalogue import CATALOGUE
from gkcase.letters.context import sample_context
from gkcase.letters.lint import has_errors
from gkcase.models import Consultation
from gkcase.services import letters as service
from tests.services.conftest import engine, org  # noqa: F401  (fixtures)
from tests.services.helpers import fire, register


def _preview(org, case_id, kind, on, slots=None):  # noqa: F811
    with unit_of_work(org.engine) as session:
        if slots:
            service.save_slots(session, case_id, kind, org.user("caseworker"), slots)
        return service.preview(session, case_id, kind, org.user("caseworker"), as_of=on)


def _keys(value, prefix=""):
    """Every dotted key path of a context, down to the values (not into lists)."""
    if not isinstance(value, dict):
        return {prefix}
    found = set()
    for key, item in value.items():
        found |= _keys(item, f"{prefix}.{key}" if prefix else key)
    return found


def _check(org, case_id, kind, on, slots=None):  # noqa: F811
    preview = _preview(org, case_id, kind, on, slots)
    errors = [f.message for f in preview.findings if f.severity == "error"]
    assert not has_errors(preview.findings), (kind, errors)
    assert "None" not in preview.letter.text
    # decision fields vary by outcome; everything else must match the sample exactly
    real = {k for k in _keys(preview.context) if not k.startswith("decision.")}
    sample = {k for k in _keys(sample_context(CATALOGUE[kind])) if not k.startswith("decision.")}
    assert real == sample, (kind, real ^ sample)
    return preview


def _issued(org, case_id, kind):  # noqa: F811
    """The letter of ``kind`` the case's act issued (every notice is issued by its act), checked
    as a preview is: no lint error, no "None", exactly the sample context's keys."""
    import json

    with unit_of_work(org.engine) as session:
        case = service.get_case(session, case_id, org.user("caseworker"))
        (letter,) = service.live_letters(session, case, kind)
        text, variables = letter.text, json.loads(letter.variables)
        findings = json.loads(letter.findings)
        session.expunge(letter)
    assert not [f for f in findings if f["severity"] == "error"], (kind, findings)
    assert "None" not in text
    real = {k for k in _keys(variables) if not k.startswith("decision.")}
    sample = {k for k in _keys(sample_context(CATALOGUE[kind])) if not k.startswith("decision.")}
    assert real == sample, (kind, real ^ sample)
    return letter


def _consultation_id(org, case_id, kind):  # noqa: F811
    with unit_of_work(org.engine) as session:
        rows = session.exec(
            select(Consultation).where(Consultation.case_id == case_id, Consultation.kind == kind)
        )
        return list(rows)[-1].id


def test_a_case_with_correction_consultation_extension_and_fee(org):  # noqa: F811
    case_id = register(org, arrived_on="2026-03-02").id
    fire(org, case_id, "start_review", "caseworker", as_of=D(2026, 3, 3))
    _check(org, case_id, "receipt", D(2026, 3, 3))
    items = {"items": ["所需文件的年份", "文件名称或文号"], "guidance": "请写明文件名称或文号"}
    fire(org, case_id, "request_correction", "caseworker", items, as_of=D(2026, 3, 4))
    letter = _issued(org, case_id, "correction_notice")
    # the period runs from the applicant's receipt, not yet known when the notice goes out
    assert "1. 所需文件的年份" in letter.text and "自收到本告知书之日起10个工作日内" in letter.text
    assert "截至" not in letter.text and "答复期限自本机关收到补正的申请之日起计算" in letter.text
    fire(
        org,
        case_id,
        "correction_received",
        "registrar",
        {"received_on": "2026-03-10"},
        as_of=D(2026, 3, 10),
    )
    fire(org, case_id, "accept", "caseworker", as_of=D(2026, 3, 11))
    consult = {
        "kind": "third_party",
        "party_name": "某某科技有限公司",
        "matters": "拟公开的合同中贵公司的报价部分",
    }
    fire(org, case_id, "consult", "caseworker", consult, as_of=D(2026, 3, 12))
    letter = _issued(org, case_id, "third_party_consultation")
    assert letter.text.splitlines()[2] == "某某科技有限公司："
    assert "张三" not in letter.text  # the applicant is not named to the third party
    done = {
        "consultation_id": _consultation_id(org, case_id, "third_party"),
        "opinion": "object",
        "opinion_received_on": "2026-03-20",
    }
    fire(org, case_id, "consultation_done", "caseworker", done, as_of=D(2026, 3, 20))
    extend = {"workdays": 10, "reason": "需要调取历年档案", "approved_on": "2026-03-23"}
    fire(org, case_id, "extend", "office_head", extend, as_of=D(2026, 3, 23))
    letter = _issued(org, case_id, "extension_notice")
    assert "延长10个工作日" in letter.text
    fee = {
        "basis": "per_page",
        "quantity": 50,
        "sent_on": "2026-03-24",
        "payment_method": "到本机关财务室缴纳",
    }
    fire(org, case_id, "issue_fee_notice", "caseworker", fee, as_of=D(2026, 3, 24))
    letter = _issued(org, case_id, "fee_notice")
    assert "到本机关财务室缴纳" in letter.text
    assert "第31—50页：20页 × 10元 = 200元" in letter.text
    fire(org, case_id, "fee_paid", "registrar", {"paid_on": "2026-03-30"}, as_of=D(2026, 3, 30))
    decision = {
        "outcome": "partially_disclosed",
        "fields": {
            "access_method": "邮寄纸质件",
            "grounds": [
                {
                    "ground": "internal_affairs",
                    "part": "第5页内部审批意见",
                    "reasons": "属于内部事务",
                }
            ],
            # the third party objected to what is disclosed: the public-interest finding
            "public_interest": "涉及财政资金使用，不公开可能对公共利益造成重大影响",
            "disclosed_content": "合同第3页单价",
        },
    }
    fire(org, case_id, "draft_decision", "caseworker", decision, as_of=D(2026, 3, 31))
    letter = _check(org, case_id, "reply_partially_disclosed", D(2026, 3, 31)).letter
    assert "应当先向某市人民政府申请行政复议" in letter.text
    letter = _check(org, case_id, "third_party_disclosure_notice", D(2026, 3, 31)).letter
    assert "六个月内向某市某区人民法院提起行政诉讼" in letter.text
    assert "一、决定公开的政府信息内容：合同第3页单价。" in letter.text
    assert "本机关将于向申请人作出答复时向申请人公开上述信息" in letter.text


def test_a_co_producer_consultation(org):  # noqa: F811
    case_id = register(org, arrived_on="2026-03-02").id
    fire(org, case_id, "start_review", "caseworker", as_of=D(2026, 3, 3))
    fire(org, case_id, "accept", "caseworker", as_of=D(2026, 3, 3))
    consult = {"kind": "co_producer", "party_name": "某市生态环境局", "matters": "联合通报"}
    fire(org, case_id, "consult", "caseworker", consult, as_of=D(2026, 3, 4))
    letter = _issued(org, case_id, "co_producer_consultation")
    assert "逾期未提出意见的，视为同意公开" in letter.text


def test_reasons_then_a_deferral(org):  # noqa: F811
    case_id = register(org, arrived_on="2026-03-02").id
    fire(org, case_id, "start_review", "caseworker", as_of=D(2026, 3, 3))
    fire(org, case_id, "accept", "caseworker", as_of=D(2026, 3, 3))
    fire(
        org,
        case_id,
        "request_reasons",
        "caseworker",
        {"matters": "一个月内申请120件的理由"},
        as_of=D(2026, 3, 5),
    )
    _issued(org, case_id, "reasons_request")
    explained = {"finding": "reasonable", "received_on": "2026-03-09"}
    fire(org, case_id, "record_explanation", "caseworker", explained, as_of=D(2026, 3, 9))
    defer = {"until": "2026-05-15", "reason": "所涉档案需逐件检索"}
    fire(org, case_id, "defer", "office_head", defer, as_of=D(2026, 3, 10))
    letter = _issued(org, case_id, "deferral_notice")
    assert "2026年5月15日前作出答复" in letter.text


def test_closing_letters(org):  # noqa: F811
    lapsed = register(org, arrived_on="2026-03-02").id
    fire(org, lapsed, "start_review", "caseworker", as_of=D(2026, 3, 3))
    fire(
        org,
        lapsed,
        "request_correction",
        "caseworker",
        {"items": ["年份"], "guidance": "请写明年份", "received_on": "2026-03-04"},
        as_of=D(2026, 3, 4),
    )
    fire(org, lapsed, "correction_lapsed", "caseworker", as_of=D(2026, 3, 19))
    letter = _issued(org, lapsed, "closing_no_correction")
    assert "本机关于2026年3月4日向您发出《政府信息公开申请补正告知书》" in letter.text

    unpaid = register(org, arrived_on="2026-03-02").id
    fire(org, unpaid, "start_review", "caseworker", as_of=D(2026, 3, 3))
    fire(org, unpaid, "accept", "caseworker", as_of=D(2026, 3, 3))
    fire(
        org,
        unpaid,
        "issue_fee_notice",
        "caseworker",
        {
            "basis": "per_page",
            "quantity": 50,
            "sent_on": "2026-03-04",
            "received_on": "2026-03-04",
            "payment_method": "到本机关财务室缴纳",
        },
        as_of=D(2026, 3, 4),
    )
    fire(org, unpaid, "fee_lapsed", "caseworker", as_of=D(2026, 4, 2))
    letter = _issued(org, unpaid, "closing_fee_unpaid")
    assert "本机关于2026年3月4日向您发出《政府信息公开信息处理费收费通知书》" in letter.text

    withdrawn = register(org, arrived_on="2026-03-02").id
    fire(
        org,
        withdrawn,
        "withdraw",
        "registrar",
        {"withdrawn_on": "2026-03-05", "how": "书面撤回"},
        as_of=D(2026, 3, 5),
    )
    letter = _issued(org, withdrawn, "closing_other")
    assert "2026年3月5日" in letter.text and "2026-03-05" not in letter.text


def test_replies_decided_at_review(org):  # noqa: F811
    decisions = {
        "not_this_agency": {
            "reasons": "由生态环境部门负责",
            "responsible_agency": "某市生态环境局",
        },
        "petition": {},
        "repeat_application": {"previous_case": "FGW-2026-00001"},
        "publication": {},
    }
    for outcome, fields in decisions.items():
        case_id = register(org, arrived_on="2026-03-02").id
        fire(org, case_id, "start_review", "caseworker", as_of=D(2026, 3, 3))
        fire(
            org,
            case_id,
            "decide_without_handling",
            "caseworker",
            {"outcome": outcome, "fields": fields},
            as_of=D(2026, 3, 4),
        )
        kind = CATALOGUE[f"reply_{outcome}"].kind
        letter = _check(org, case_id, kind, D(2026, 3, 4)).letter
        assert "六个月内向某市某区人民法院提起行政诉讼" in letter.text
