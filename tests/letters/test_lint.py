"""The legal lint: one test per finding it names, on letters rendered from sample contexts."""

from __future__ import annotations

import copy
from datetime import date

import pytest

from gkcase.letters.catalogue import CATALOGUE
from gkcase.letters.context import sample_context
from gkcase.letters.lint import Severity, has_errors, lint
from gkcase.letters.render import render_letter


def _letter(kind, mutate=None):
    spec = CATALOGUE[kind]
    context = sample_context(spec)
    if mutate:
        mutate(context)
    return spec, context, render_letter(spec, context).text


def _codes(findings):
    return {(f.code, f.severity) for f in findings}


@pytest.mark.parametrize("kind", ["receipt", "reply_disclosed", "reply_withheld"])
def test_a_correct_letter_has_no_finding(kind):
    spec, context, text = _letter(kind)
    assert lint(spec, context, text) == []


def test_missing_required_element():
    spec, context, text = _letter("reply_disclosed")
    text = text.replace(context["decision"]["fields"]["access_method"], "")
    findings = lint(spec, context, text)
    assert ("missing_element", Severity.ERROR) in _codes(findings)
    assert any(f.element == "access" and "获取方式" in f.message for f in findings)


def test_legal_basis_not_cited():
    spec, context, text = _letter("reply_withheld")
    text = text.replace("第三十六条第（三）项", "有关规定")
    findings = lint(spec, context, text)
    assert any(f.code == "legal_basis" and "第三十六条第（三）项" in f.message for f in findings)


def test_withheld_part_without_reasons():
    def no_reasons(context):
        context["decision"]["fields"]["grounds"][0]["reasons"] = ""
        context["decision"]["grounds_reasons"] = [""]

    spec, context, text = _letter("reply_withheld", no_reasons)
    findings = lint(spec, context, text)
    assert any(f.code == "ground_reasons" and "未说明理由" in f.message for f in findings)
    assert has_errors(findings)


def test_withheld_reasons_left_out_of_the_text():
    spec, context, text = _letter("reply_withheld")
    reasons = context["decision"]["fields"]["grounds"][0]["reasons"]
    findings = lint(spec, context, text.replace(reasons, "（略）"))
    assert any(f.code == "ground_reasons" and "未写入文书" in f.message for f in findings)


def test_a_refusal_with_no_ground_at_all():
    def no_grounds(context):
        context["decision"]["fields"]["grounds"] = []
        context["decision"]["grounds_reasons"] = []

    spec, context, text = _letter("reply_withheld", no_grounds)
    assert any(
        f.code == "ground_reasons" and "依据和理由" in f.message for f in lint(spec, context, text)
    )


def test_not_this_agency_without_the_responsible_agency():
    spec = CATALOGUE["reply_withheld"]  # any reply spec; the check follows the outcome
    context = sample_context(CATALOGUE["reply_withheld"])
    context = copy.deepcopy(context)
    context["decision"]["outcome"] = "not_this_agency"
    context["decision"]["fields"]["responsible_agency"] = ""
    findings = lint(spec, context, "本机关不负责公开该信息。")
    assert any(f.code == "responsible_agency" for f in findings)


def test_review_first_clause_required_for_a_refusal():
    spec, context, text = _letter("reply_withheld")
    wrong = text.replace(
        context["remedy"]["text"],
        "如对本答复不服，可以自收到本答复之日起六十日内向某市人民政府申请行政复议，"
        "或者自收到本答复之日起六个月内向某市某区人民法院提起行政诉讼。",
    )
    findings = lint(spec, context, wrong)
    assert any(f.code == "remedy_mismatch" and "先申请行政复议" in f.message for f in findings)


def test_review_or_litigation_required_for_a_disclosure():
    spec, context, text = _letter("reply_disclosed")
    wrong = text.replace(
        context["remedy"]["text"], "如对本答复不服，应当先向某市人民政府申请行政复议。"
    )
    findings = lint(spec, context, wrong)
    assert any(f.code == "remedy_mismatch" for f in findings)


def test_remedy_clause_missing():
    spec, context, text = _letter("reply_disclosed")
    findings = lint(spec, context, text.replace(context["remedy"]["text"], ""))
    assert [f.code for f in findings if f.element == "remedy"] == ["remedy_missing"]


def test_a_procedural_notice_needs_no_remedy_clause():
    spec, context, text = _letter("receipt")
    findings = lint(spec, context, text + "\n如对本答复不服，可以自收到之日起六个月内向法院起诉。")
    assert ("remedy_extra", Severity.WARNING) in _codes(findings)


def test_a_due_date_that_is_not_the_clocks_is_an_error():
    spec, context, text = _letter("receipt")
    assert "2026年4月28日" in text
    findings = lint(spec, context, text.replace("2026年4月28日", "2026年4月30日"))
    assert ("date_mismatch", Severity.ERROR) in _codes(findings)


def test_another_date_is_a_warning_unless_known():
    spec, context, text = _letter("reply_disclosed")
    extra = text + "\n您曾于2026年1月5日提出相关申请。"
    assert ("date_mismatch", Severity.WARNING) in _codes(lint(spec, context, extra))
    assert lint(spec, context, extra, known_dates=[date(2026, 1, 5)]) == []


def test_required_slot_left_empty():
    def empty(context):
        context["slots"]["guidance"] = ""

    spec = CATALOGUE["correction_notice"]
    context = sample_context(spec)
    empty(context)
    findings = lint(spec, context, "……")
    assert any(f.code == "unfilled_slot" and "指导和释明" in f.message for f in findings)


@pytest.mark.parametrize("placeholder", ["××××", "XXX", "【申请人】", "_____", "（请填写日期）"])
def test_placeholder_left_in_the_text(placeholder):
    spec, context, text = _letter("reply_disclosed")
    findings = lint(spec, context, text + placeholder)
    assert any(f.code == "unfilled_slot" and placeholder in f.message for f in findings)


def test_third_partys_data_in_a_letter_to_the_applicant():
    spec, context, text = _letter("reply_disclosed")
    findings = lint(
        spec,
        context,
        text + "\n第三方某某科技有限公司表示反对。",
        third_parties=["某某科技有限公司"],
    )
    assert any(f.code == "personal_data" and "第三方" in f.message for f in findings)


def test_identity_number_and_mobile_in_the_text():
    spec, context, text = _letter("reply_disclosed")
    findings = lint(spec, context, text + "\n110105194912310021 13812345678")
    kinds = [(f.element, f.severity) for f in findings if f.code == "personal_data"]
    assert ("id_number", Severity.ERROR) in kinds
    assert ("phone", Severity.WARNING) in kinds
