"""The shipped letter templates: every kind renders complete, says what the law requires, and
carries the right remedy clause (救济告知) — or none."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest

from gkcase.letters.catalogue import CATALOGUE, Recipient
from gkcase.letters.context import (
    SAMPLE_AGENCY,
    SAMPLE_APPLICANT,
    SAMPLE_CASE,
    SAMPLE_DECISIONS,
    SAMPLE_NOTICES,
    SAMPLE_SLOTS,
    build_context,
    sample_context,
)
from gkcase.letters.elements import missing_elements
from gkcase.letters.lint import lint
from gkcase.letters.render import builtin_source, render_letter
from gkcase.states.outcomes import OUTCOMES, Outcome, OutcomeGroup, RemedyKind, remedy_for

KINDS = sorted(CATALOGUE)
REPLY_KINDS = sorted(k for k, s in CATALOGUE.items() if s.outcomes)
PROCEDURAL = [
    "correction_notice",
    "extension_notice",
    "reasons_request",
    "deferral_notice",
    "third_party_consultation",
    "co_producer_consultation",
]
REFUSALS = [
    o for o in Outcome if OUTCOMES[o].group in (OutcomeGroup.WITHHELD, OutcomeGroup.PARTIAL)
]


def _render(kind, context=None):
    spec = CATALOGUE[kind]
    context = context if context is not None else sample_context(spec)
    return spec, context, render_letter(spec, context)


def _context(outcome, decided_on, fields=None, applicant=None):
    """A reply's context for ``outcome`` decided (and dated) on ``decided_on``."""
    spec = CATALOGUE[OUTCOMES[outcome].reply_letter]
    return spec, build_context(
        spec,
        agency=SAMPLE_AGENCY,
        case=SAMPLE_CASE,
        applicant=applicant or SAMPLE_APPLICANT,
        letter={"number": "某发改公开答〔2026〕1号", "date": decided_on, "date_value": decided_on},
        clock={"reply_due": date(2026, 4, 28)},
        outcome=outcome,
        decision_fields=SAMPLE_DECISIONS[outcome] if fields is None else fields,
        notice=SAMPLE_NOTICES.get(spec.kind, {}),
        slots=SAMPLE_SLOTS.get(spec.kind, {}),
    )


# --- every kind -------------------------------------------------------------------------------


def test_every_kind_has_a_template():
    for kind, spec in CATALOGUE.items():
        assert builtin_source(spec).strip(), kind


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_renders_complete_from_the_sample(kind):
    spec, context, letter = _render(kind)
    assert missing_elements(spec, context, letter.text) == []
    assert lint(spec, context, letter.text) == []
    assert "None" not in letter.text


@pytest.mark.parametrize("kind", KINDS)
def test_a_body_is_paragraphs_and_lists_only(kind):
    _, _, letter = _render(kind)
    tags = set(re.findall(r"</?([a-zA-Z0-9]+)[^>]*>", letter.body_html))
    assert tags <= {"p", "ol", "li"}, tags
    assert "style=" not in letter.body_html and "class=" not in letter.body_html


@pytest.mark.parametrize("kind", KINDS)
def test_no_template_types_a_date(kind):
    source = builtin_source(CATALOGUE[kind])
    assert not re.search(r"\d{4}年|\d{1,2}月\d{1,2}日|strftime|\|\s*date", source)


@pytest.mark.parametrize(
    "kind", [k for k, s in CATALOGUE.items() if s.recipient is Recipient.APPLICANT]
)
def test_the_applicant_is_addressed_through_applicant_you(kind):
    # 您 for a person, 贵单位 for an organisation: never typed into the template.
    assert "您" not in builtin_source(CATALOGUE[kind])


@pytest.mark.parametrize("kind", REPLY_KINDS)
def test_an_organisation_is_addressed_as_such(kind):
    spec = CATALOGUE[kind]
    outcome = spec.outcomes[0]
    organisation = {"name": "某某律师事务所", "kind": "法律服务机构"}
    # decision values without a 您 of their own
    neutral = json.loads(
        json.dumps(SAMPLE_DECISIONS[outcome], ensure_ascii=False).replace("您", "贵单位")
    )
    _, context = _context(outcome, date(2026, 3, 20), neutral, organisation)
    text = render_letter(spec, context).text
    assert "贵单位申请公开的政府信息为" in text
    assert "您" not in text


# --- replies and outcomes ---------------------------------------------------------------------


def test_every_outcome_is_answered_by_a_catalogued_letter():
    for outcome, outcome_spec in OUTCOMES.items():
        spec = CATALOGUE[outcome_spec.reply_letter]
        assert outcome in spec.outcomes
        assert spec.remedy is outcome_spec.carries_remedy_clause


@pytest.mark.parametrize("outcome", list(Outcome))
def test_every_outcome_renders_its_reply(outcome):
    spec, context = _context(outcome, date(2026, 3, 20))
    letter = render_letter(spec, context)
    assert missing_elements(spec, context, letter.text) == []
    assert lint(spec, context, letter.text) == []
    for article in OUTCOMES[outcome].legal_basis:
        assert article.removeprefix("《条例》") in letter.text
    for ground in context["decision"]["fields"]["grounds"]:
        assert ground["reasons"] in letter.text
        assert ground["citation"] in letter.text


def _paragraphs(letter):
    return [p for p in re.findall(r"<p>(.*?)</p>", letter.body_html, flags=re.S)]


@pytest.mark.parametrize("outcome", REFUSALS)
def test_a_refusal_since_2024_tells_the_applicant_to_seek_review_first(outcome):
    spec, context = _context(outcome, date(2024, 1, 1))
    assert context["remedy"]["kind"] == RemedyKind.REVIEW_FIRST.value
    letter = render_letter(spec, context)
    last = _paragraphs(letter)[-1]
    assert last == context["remedy"]["text"]
    assert "应当先向某市人民政府申请行政复议" in last
    assert "六十日内" in last
    # litigation only after the review decision, never as an alternative within the period
    assert "个月内" not in letter.text and "或者自收到本答复之日起" not in letter.text
    before, _, after = last.partition("对行政复议决定不服的")
    assert "提起行政诉讼" not in before and "提起行政诉讼" in after


@pytest.mark.parametrize("outcome", REFUSALS)
def test_a_refusal_before_2024_offers_review_or_litigation(outcome):
    spec, context = _context(outcome, date(2023, 12, 29))
    letter = render_letter(spec, context)
    assert "应当先向" not in letter.text
    assert "六十日内向某市人民政府申请行政复议" in letter.text
    assert "六个月内向某市某区人民法院提起行政诉讼" in letter.text


@pytest.mark.parametrize(
    "outcome",
    [o for o in Outcome if o not in REFUSALS and OUTCOMES[o].carries_remedy_clause],
)
def test_other_decisions_offer_60_days_review_or_6_months_litigation(outcome):
    spec, context = _context(outcome, date(2026, 3, 20))
    assert remedy_for(outcome, date(2026, 3, 20)) is RemedyKind.REVIEW_OR_LITIGATION
    letter = render_letter(spec, context)
    last = _paragraphs(letter)[-1]
    assert last == context["remedy"]["text"]
    assert "六十日内向某市人民政府申请行政复议" in last
    assert "六个月内向某市某区人民法院提起行政诉讼" in last
    assert "应当先向" not in letter.text


@pytest.mark.parametrize("kind", [k for k, s in CATALOGUE.items() if s.remedy])
def test_the_remedy_clause_is_the_last_paragraph(kind):
    _, context, letter = _render(kind)
    assert context["remedy"]["text"]
    assert _paragraphs(letter)[-1] == context["remedy"]["text"]
    assert letter.text.count(context["remedy"]["text"]) == 1


@pytest.mark.parametrize("kind", [*PROCEDURAL, "receipt", "fee_notice", "closing_other"])
def test_procedural_notices_carry_no_remedy_clause(kind):
    spec, context, letter = _render(kind)
    assert not spec.remedy and context["remedy"]["text"] == ""
    # The fee notice says the fee cannot be challenged on its own (109号): it names review and
    # litigation, but offers no period and no body.
    offered = ("应当先向", "个月内向", "六十日内")
    named = () if kind == "fee_notice" else ("申请行政复议", "提起行政诉讼")
    for phrase in (*offered, *named):
        assert phrase not in letter.text, phrase


def test_a_third_party_can_challenge_disclosure_over_its_objection():
    _, context, letter = _render("third_party_disclosure_notice")
    assert context["remedy"]["kind"] == RemedyKind.REVIEW_OR_LITIGATION.value
    assert _paragraphs(letter)[-1] == context["remedy"]["text"]


# --- what each kind says ----------------------------------------------------------------------

PHRASES = {
    "correction_notice": [
        "第三十条",
        "一次性告知",
        "指导和释明",
        "自收到本告知书之日起10个工作日内",
        "（补正期限截至2026年3月18日）",
        "答复期限自本机关收到补正的申请之日起计算",
        "视为放弃申请",
    ],
    "reasons_request": [
        "第三十五条",
        "说明理由",
        "自收到本告知书之日起10个工作日内",
        "逾期未说明理由的，本机关将按申请理由不合理处理",
        "不予处理",
        "延迟答复",
    ],
    "extension_notice": [
        "第三十三条第二款",
        "经本机关政府信息公开工作机构负责人同意",
        "延长20个工作日",
        "2026年4月28日前作出答复",
    ],
    "deferral_notice": ["第三十五条", "申请理由合理", "延迟答复的合理期限", "2026年5月29日前"],
    "third_party_consultation": [
        "第三十二条",
        "书面征求贵单位的意见",
        "自收到本征求意见书之日起15个工作日内",
        "逾期未提出意见的，由本机关依照《中华人民共和国政府信息公开条例》的规定决定是否公开",
        "不公开可能对公共利益造成重大影响",
    ],
    "third_party_disclosure_notice": [
        "第十五条、第三十二条",
        "贵单位不同意公开",
        "不公开该部分信息可能对公共利益造成重大影响",
        "决定公开的政府信息内容：",
        "决定公开的理由：",
    ],
    "co_producer_consultation": [
        "第三十四条",
        "共同制作",
        "牵头制作机关",
        "自收到本函之日起15个工作日内",
        "逾期未提出意见的，视为同意公开",
    ],
    "other_agency_consultation": [
        "第三十三条第三款",
        "征求其他机关意见所需时间不计算在答复期限内",
        "自收到本函之日起15个工作日内",
        "保密审查",
    ],
    "fee_notice": [
        "收费依据：《中华人民共和国政府信息公开条例》第四十二条",
        "国办函〔2020〕109号",
        "收费标准：同一申请人一个自然月内累计申请10件以下（含10件）的，不收费",
        "收费数额：500元",
        "第11—15件：5件 × 100元 = 500元",
        "缴纳方式：",
        "自收到本通知书次日起20个工作日内缴纳",
        "截至2026年4月20日",
        "逾期未缴纳的，视为放弃申请",
        "自本通知书发出之日至缴纳信息处理费之日的期间，不计算在答复期限内",
        "不能单独就该决定申请行政复议或者提起行政诉讼",
    ],
    "closing_no_correction": ["2026年3月4日", "补正告知书", "视为放弃", "不再处理"],
    "closing_fee_unpaid": ["2026年3月4日", "收费通知书", "第四十二条", "视为放弃", "不再处理"],
    "closing_other": ["申请人于2026年3月5日书面撤回申请", "终止办理"],
    "reply_already_published": ["第三十六条第（一）项", "已经主动公开", "方式、途径"],
    "reply_disclosed": ["第三十六条第（二）项"],
    "reply_partially_disclosed": [
        "第三十七条",
        "区分处理",
        "可以公开的内容，本机关予以公开，获取信息的方式、途径：",
        "不予公开的内容及理由",
    ],
    "reply_withheld": ["第三十六条第（三）项", "决定不予公开"],
    "reply_special_regime": ["第三十六条第（七）项", "某市不动产登记中心"],
    "reply_not_exist": ["第三十六条第（四）项", "检索", "该政府信息不存在"],
    "reply_not_this_agency": [
        "第三十六条第（五）项",
        "不属于本机关负责公开",
        "负责公开该政府信息的行政机关为某市生态环境局，联系方式：0000-87654321",
    ],
    "reply_needs_creation": ["第三十八条", "加工、分析", "不予提供"],
    "reply_still_unclear": ["第三十条", "某发改公开补〔2026〕3号", "补正后申请内容仍不明确"],
    "reply_petition": [
        "第三十九条第一款",
        "不作为政府信息公开申请处理",
        "某市信访局（地址：某市人民路2号）",
    ],
    "reply_repeat_application": ["第三十六条第（六）项", "不予重复处理", "FGW-2026-00003"],
    "reply_publication": ["第三十九条第二款", "公开出版物", "某市图书馆"],
    "reply_excessive_requests": [
        "第三十五条",
        "某发改公开说〔2026〕1号",
        "申请理由不合理",
        "不予处理",
    ],
    "reply_confirm_or_reissue": ["不予处理"],
    "receipt": ["20个工作日内", "7K3Q9XWA"],
}


def test_every_kind_has_its_phrases_listed():
    assert set(PHRASES) == set(CATALOGUE)


@pytest.mark.parametrize("kind", KINDS)
def test_key_phrases(kind):
    _, _, letter = _render(kind)
    for phrase in PHRASES[kind]:
        assert phrase in letter.text, phrase


def test_third_party_silence_is_not_consent():
    _, _, letter = _render("third_party_consultation")
    assert "视为同意" not in letter.text


def test_the_correction_notice_lists_every_item():
    spec = CATALOGUE["correction_notice"]
    context = sample_context(spec)
    items = ["所需信息的名称", "所需信息的文号", "所需信息的形成时间", "申请人的联系方式"]
    context["notice"]["items"] = items
    letter = render_letter(spec, context)
    for index, item in enumerate(items, start=1):
        assert f"<li>{index}. {item}</li>" in letter.body_html
    assert missing_elements(spec, context, letter.text) == []
    context["notice"]["items"] = [*items, "未列入告知书的事项"]
    assert [e.id for e in missing_elements(spec, context, letter.text)] == ["items"]


def test_the_fee_notice_shows_every_line_of_the_arithmetic():
    _, context, letter = _render("fee_notice")
    lines = context["notice"]["arithmetic"]
    assert isinstance(lines, list) and len(lines) >= 3
    for line in lines:
        assert f"<li>{line}</li>" in letter.body_html


def test_each_withheld_part_of_a_partial_disclosure_has_its_reasons_and_citation():
    _, context, letter = _render("reply_partially_disclosed")
    grounds = context["decision"]["fields"]["grounds"]
    assert len(grounds) == 2
    items = re.findall(r"<li>(.*?)</li>", letter.body_html)
    assert len(items) == 2
    for item, ground in zip(items, grounds, strict=True):
        assert item.startswith(f"{grounds.index(ground) + 1}. {ground['part']}：")
        assert ground["reasons"] in item and ground["citation"] in item and ground["rule"] in item
    assert "第十五条、第三十二条" in items[0] and "第十六条第二款" in items[1]


def test_a_refusal_on_several_grounds_gives_each():
    fields = {
        "grounds": [
            {"ground": "state_secret", "reasons": "该文件已依法定密"},
            {"ground": "internal_affairs", "reasons": "附件为内部人事安排"},
        ]
    }
    spec, context = _context(Outcome.WITHHELD_STATE_SECRET, date(2026, 3, 20), fields)
    text = render_letter(spec, context).text
    assert "1. 该文件已依法定密。根据《中华人民共和国政府信息公开条例》第十四条的规定" in text
    assert "2. 附件为内部人事安排。根据《中华人民共和国政府信息公开条例》第十六条第一款" in text
    assert "可以不予公开" in text


def test_optional_values_are_left_out_cleanly():
    fields = {"reasons": "该信息由某市生态环境局制作", "responsible_agency": "某市生态环境局"}
    spec, context = _context(Outcome.NOT_THIS_AGENCY, date(2026, 3, 20), fields)
    text = render_letter(spec, context).text
    assert "负责公开该政府信息的行政机关为某市生态环境局。" in text
    assert "联系方式" not in text.split("某市生态环境局。")[1].split("\n")[0]

    spec, context = _context(Outcome.PETITION, date(2026, 3, 20), {})
    text = render_letter(spec, context).text
    assert "不作为政府信息公开申请处理。" in text and "渠道" not in text

    spec, context = _context(Outcome.PUBLICATION, date(2026, 3, 20), {})
    assert "获取的途径" not in render_letter(spec, context).text


def test_the_caseworkers_intro_comes_before_the_decision():
    spec = CATALOGUE["reply_disclosed"]
    context = sample_context(spec)
    assert "本机关已于" not in render_letter(spec, context).text
    context["slots"]["intro"] = "本机关已于收到申请当日电话联系您确认所需信息的范围。"
    paragraphs = _paragraphs(render_letter(spec, context))
    assert paragraphs[1] == context["slots"]["intro"]


def test_a_date_the_engine_stored_as_iso_reads_as_chinese():
    _, context, letter = _render("closing_other")
    assert context["decision"]["fields"]["reasons"] == "申请人于2026年3月5日书面撤回申请"
    assert "2026-03-05" not in letter.text


def test_an_unknown_fact_is_empty_not_none():
    spec = CATALOGUE["extension_notice"]
    context = sample_context(spec)
    context = build_context(
        spec,
        agency=SAMPLE_AGENCY,
        case=SAMPLE_CASE,
        applicant=SAMPLE_APPLICANT,
        letter={"number": "某发改公开延〔2026〕1号", "date": date(2026, 3, 20)},
        clock={"reply_due": None},  # paused: no due date yet
        notice=SAMPLE_NOTICES["extension_notice"] | {"new_due": None},
        slots=SAMPLE_SLOTS["extension_notice"],
    )
    letter = render_letter(spec, context)
    assert "None" not in letter.text
    assert [e.id for e in missing_elements(spec, context, letter.text)] == ["new_due"]
