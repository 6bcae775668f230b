"""The variables a letter template sees, shaped in one place (docs/letters.md lists them).

Dates arrive as :class:`datetime.date` and leave as Chinese text (``2026年3月2日``): templates never
format dates, so every date in a letter is the clock's own. :func:`sample_context` gives a
complete, realistic context for any kind — used to check an agency's template override before it
is saved, and by the tests.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from gkcase.calendar.clock import CONSULTATION_WORKDAYS, FEE_PAYMENT_WORKDAYS
from gkcase.calendar.zh import zh_date
from gkcase.fees import FeeBasis, per_item_fee
from gkcase.letters.catalogue import LetterSpec, Recipient
from gkcase.letters.remedy import remedy_clause
from gkcase.states.outcomes import (
    OUTCOMES,
    Outcome,
    RemedyKind,
    WithholdingGround,
    remedy_for,
)

# Wording the law fixes, one place each (the templates get them through ``notice.*``).
REGULATION_FULL = "《中华人民共和国政府信息公开条例》"
CORRECTION_CONSEQUENCE = (  # Art 30
    "无正当理由逾期不补正的，视为放弃申请，本机关不再处理该政府信息公开申请"
)
FEE_CONSEQUENCE = (  # 109号
    "逾期未缴纳的，视为放弃申请，本机关不再处理该政府信息公开申请"
)
FEE_BASIS = (
    "《中华人民共和国政府信息公开条例》第四十二条、"
    "《政府信息公开信息处理费管理办法》（国办函〔2020〕109号）"
)
ART35_BASIS = "《中华人民共和国政府信息公开条例》第三十五条"
ART32_BASIS = "《中华人民共和国政府信息公开条例》第十五条、第三十二条"
EXTENSION_APPROVAL = "经本机关政府信息公开工作机构负责人同意"  # Art 33 ¶2
# Art 33 ¶3: while a consultation runs, the extended date is a projection, stated as such.
EXTENSION_PAUSE_NOTE = (
    "目前本机关正在征求意见，依照《中华人民共和国政府信息公开条例》第三十三条第三款的规定，"
    "征求第三方和其他机关意见所需时间不计算在答复期限内。上述日期按征求意见于本告知书成文之日结束预计，"
    "答复期限将按征求意见实际所需时间相应顺延"
)
DISCLOSE_WITH_REPLY = "向申请人作出答复时"  # Art 32: when the information is disclosed
CONSULTATION_WINDOW = f"{CONSULTATION_WORKDAYS}个工作日"  # Art 32, Art 34
SILENCE = {
    # Art 32: the agency decides; Art 34: deemed consent; another agency: the agency decides
    "third_party": "逾期未提出意见的，由本机关依照《中华人民共和国政府信息公开条例》的规定决定是否公开",
    "co_producer": "逾期未提出意见的，视为同意公开",
    "other_agency": "逾期未回复的，本机关将依照《中华人民共和国政府信息公开条例》的规定自行作出决定",
}
# Periods that run from the applicant's receipt of the notice (the clock's numbers, one place).
FEE_WINDOW = f"自收到本通知书次日起{FEE_PAYMENT_WORKDAYS}个工作日内"  # 109号
# Art 30: a notice after the 7th working day does not restart the reply period; the applicant
# is told so rather than led to expect a new period.
CORRECTION_LATE_NOTE = (
    "本告知书晚于《中华人民共和国政府信息公开条例》第三十条规定的期限发出，"
    "本机关的答复期限不因补正重新计算，仍自收到原申请之日起计算"
)
CORRECTION_RESTART_NOTE = "答复期限自本机关收到补正的申请之日起计算"
CORRECTION_LATE_CONSEQUENCE = "逾期未补正的，本机关将按原申请内容作出答复"
# The agency's policy (docs/policies.md): the time a fee is outstanding is left out of the reply
# period; 109号's text on this is unconfirmed, so the applicant is told it is this agency's rule.
FEE_PAUSE_NOTE = (
    "依照本机关的规定，自本通知书发出之日至缴纳信息处理费之日的期间，不计算在答复期限内"
)


def receipt_period(workdays: int | None, *, what: str = "本告知书") -> str:
    """A period counted from the applicant's receipt of the notice, as a letter words it."""
    return f"自收到{what}之日起{workdays}个工作日内" if workdays else ""


# What the article behind each withholding ground provides, as a reply states it after the
# citation: 根据《…条例》第十六条第二款的规定，<rule>。Arts 14–16, 32, 36(七), 37 (Appendix A).
GROUND_RULES = {
    WithholdingGround.STATE_SECRET: "依法确定为国家秘密的政府信息，不予公开",
    WithholdingGround.PROHIBITED_BY_LAW: "法律、行政法规禁止公开的政府信息，不予公开",
    WithholdingGround.SECURITY_STABILITY: (
        "公开后可能危及国家安全、公共安全、经济安全、社会稳定的政府信息，不予公开"
    ),
    WithholdingGround.THIRD_PARTY: (
        "涉及商业秘密、个人隐私等公开会对第三方合法权益造成损害的政府信息，行政机关不得公开；"
        "第三方不同意公开且有合理理由的，行政机关不予公开"
    ),
    WithholdingGround.INTERNAL_AFFAIRS: (
        "行政机关的内部事务信息，包括人事管理、后勤管理、内部工作流程等方面的信息，可以不予公开"
    ),
    WithholdingGround.PROCESS_INFO: (
        "行政机关在履行行政管理职能过程中形成的讨论记录、过程稿、磋商信函、请示报告等过程性信息，"
        "可以不予公开"
    ),
    WithholdingGround.ENFORCEMENT_FILE: (
        "行政机关在履行行政管理职能过程中形成的行政执法案卷信息，可以不予公开"
    ),
    WithholdingGround.ADMIN_QUERY: (
        "所申请公开信息属于工商、不动产登记资料等信息，有关法律、行政法规对信息的获取有特别规定的，"
        "告知申请人依照有关法律、行政法规的规定办理"
    ),
    WithholdingGround.NOT_GOVERNMENT_INFO: (
        "申请公开的信息中含有不属于政府信息的内容，能够作区分处理的，行政机关提供可以公开的政府信息内容，"
        "并对不予公开的内容说明理由"
    ),
}
_PERSON = ("自然人", "natural_person")
_ISO_DATE = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")


def _zh(value: Any) -> Any:
    """Dates to Chinese text, recursively through mappings and sequences; ``None`` (a fact not
    known yet, e.g. the reply due date while the clock is paused) to an empty string, which the
    required-element check reports, where a template would print ``None``."""
    if value is None:
        return ""
    if isinstance(value, date):
        return zh_date(value)
    if isinstance(value, Mapping):
        return {k: _zh(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_zh(v) for v in value]
    return value


def _zh_iso(value: Any) -> Any:
    """Dates, and ISO dates written into text (``2026-03-05``, as a decision stored as JSON
    holds them), to Chinese text, recursively: a letter never shows an ISO date."""

    def one(match: re.Match[str]) -> str:
        try:
            return zh_date(date(*(int(g) for g in match.groups())))
        except ValueError:
            return match.group(0)

    if isinstance(value, str):
        return _ISO_DATE.sub(one, value)
    if isinstance(value, Mapping):
        return {k: _zh_iso(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_zh_iso(v) for v in value]
    return _zh(value)


def citation_text(citations: Sequence[str]) -> str:
    """Citations as a letter states them: the Regulation named in full once, its articles
    joined — 《中华人民共和国政府信息公开条例》第三十六条第（三）项、第十四条 — then any other
    instrument."""
    articles = [c.removeprefix("《条例》") for c in citations if c.startswith("《条例》")]
    others = [c for c in citations if not c.startswith("《条例》")]
    parts = [REGULATION_FULL + "、".join(articles)] if articles else []
    return "、".join([*parts, *others])


def _grounds(grounds: Sequence[Mapping[str, Any]]) -> tuple[list[dict[str, str]], str]:
    shaped = []
    for item in grounds:
        ground = WithholdingGround(item["ground"])
        shaped.append(
            {
                "ground": ground.value,
                "label": ground.label,
                "citation": citation_text([ground.citation]),
                "rule": GROUND_RULES[ground],
                "reasons": str(item.get("reasons", "")),
                "part": str(item.get("part", "") or ""),
            }
        )
    text = "；".join(
        (f"{g['part']}：" if g["part"] else "") + f"{g['reasons']}（{g['citation']}）"
        for g in shaped
    )
    return shaped, text


def build_context(
    spec: LetterSpec,
    *,
    agency: Mapping[str, Any],
    case: Mapping[str, Any],
    applicant: Mapping[str, Any],
    letter: Mapping[str, Any],
    clock: Mapping[str, Any] | None = None,
    outcome: Outcome | str | None = None,
    decision_fields: Mapping[str, Any] | None = None,
    notice: Mapping[str, Any] | None = None,
    slots: Mapping[str, Any] | None = None,
    online_review_channel: str = "",
) -> dict[str, Any]:
    """Everything a template of ``spec`` may use. Missing slots are empty strings.

    ``notice`` may carry ``party_kind`` (自然人 or not) for a letter to a third party, which
    decides how the letter addresses it (``letter.you``); without it a third party is 贵单位.
    """
    decision: dict[str, Any] = {"fields": {}, "legal_basis": [], "legal_basis_text": ""}
    remedy = {"kind": RemedyKind.NONE.value, "text": ""}
    if outcome is not None:
        outcome = Outcome(outcome)
        outcome_spec = OUTCOMES[outcome]
        fields = _zh_iso(dict(decision_fields or {}))
        grounds, grounds_text = _grounds(fields.get("grounds") or [])
        fields["grounds"] = grounds
        decision = {
            "outcome": outcome.value,
            "outcome_label": outcome_spec.label,
            "legal_basis": list(outcome_spec.legal_basis),
            "legal_basis_text": citation_text(outcome_spec.legal_basis),
            "fields": fields,
            "grounds_text": grounds_text,
            "grounds_reasons": [g["reasons"] for g in grounds],
        }
        for name in (
            "access_method",
            "reasons",
            "responsible_agency",
            "responsible_agency_contact",
            "special_regime",
            "previous_case",
            "proper_channel",
            "search_record",
            "correction_notice",
            "explanation_request",
            "fee_notice",
        ):
            decision["fields"].setdefault(name, "")
    if spec.remedy:
        # A reply's clause follows its outcome and date. A letter that decides something outside
        # the outcome taxonomy — disclosure over a third party's objection (Art 32; 法释〔2011〕17号
        # Art 1(三), Art 11) — refuses nothing: 60 days review or 6 months litigation.
        kind = (
            remedy_for(outcome, letter.get("date_value") or date.today())
            if outcome is not None
            else RemedyKind.REVIEW_OR_LITIGATION
        )
        clause = remedy_clause(
            kind,
            review_body=str(agency.get("review_body", "")),
            court=str(agency.get("court", "")),
            online_review_channel=online_review_channel,
        )
        remedy = {"kind": kind.value, "text": clause.text}
    notice_values = dict(notice or {})
    if isinstance(notice_values.get("arithmetic"), str):  # FeeQuote.arithmetic_zh(): one a line
        notice_values["arithmetic"] = notice_values["arithmetic"].splitlines()
    addressee = {
        Recipient.APPLICANT: applicant.get("name", ""),
        Recipient.THIRD_PARTY: (notice or {}).get("party_name", ""),
        Recipient.CO_PRODUCER: (notice or {}).get("party_name", ""),
        Recipient.OTHER_AGENCY: (notice or {}).get("party_name", ""),
    }[spec.recipient]
    slot_values = {slot.name: "" for slot in spec.slots} | dict(slots or {})
    person = applicant.get("kind") in _PERSON
    applicant_you = "您" if person else "贵单位"
    you = {
        Recipient.APPLICANT: applicant_you,
        Recipient.THIRD_PARTY: "您" if notice_values.get("party_kind") in _PERSON else "贵单位",
        Recipient.CO_PRODUCER: "贵单位",
        Recipient.OTHER_AGENCY: "贵单位",
    }[spec.recipient]
    return {
        "agency": _zh(dict(agency)),
        "case": _zh(dict(case)),
        "applicant": _zh({"you": applicant_you, **applicant}),
        "letter": _zh(
            {
                "addressee": addressee,
                "you": you,
                **{k: v for k, v in letter.items() if k != "date_value"},
            }
        ),
        "clock": _zh(dict(clock or {})),
        "decision": decision,
        "remedy": remedy,
        "notice": _zh(notice_values),
        "slots": slot_values,
    }


# --- samples -------------------------------------------------------------------------------

SAMPLE_AGENCY = {
    "name": "某市发展和改革委员会",
    "short_name": "市发展改革委",
    "address": "某市人民路1号",
    "postcode": "100000",
    "phone": "0000-12345678",
    "email": "gk@example.gov.cn",
    "review_body": "某市人民政府",
    "court": "某市某区人民法院",
}
SAMPLE_CASE = {
    "number": "FGW-2026-00012",
    "lookup_code": "7K3Q9XWA",
    "receipt_date": date(2026, 3, 2),
    "arrived_on": date(2026, 3, 2),
    "channel": "当面提交",
    "information_requested": "2025年某市轨道交通三号线工程环境影响评价批复文件",
    "form_requested": "电子文本",
    "delivery_requested": "电子邮件",
}
SAMPLE_APPLICANT = {
    "name": "张三",
    "kind": "自然人",
    "address": "某市某区某路8号",
    "postcode": "100001",
}
SAMPLE_DECISIONS: dict[Outcome, dict[str, Any]] = {
    Outcome.ALREADY_PUBLISHED: {
        "access_method": "该信息已在本机关门户网站“政府信息公开”专栏公开，网址：http://fgw.example.gov.cn/xxgk/2025/123.html"
    },
    Outcome.DISCLOSED: {"access_method": "随本答复书以电子邮件方式向您提供该信息（共3页）"},
    Outcome.PARTIAL: {
        "access_method": "随本答复书以电子邮件方式向您提供可以公开的部分（共5页）",
        "grounds": [
            {
                "ground": WithholdingGround.THIRD_PARTY.value,
                "part": "第3页技术方案",
                "reasons": "该部分涉及第三方商业秘密，第三方书面表示不同意公开并说明了合理理由",
            },
            {
                "ground": WithholdingGround.PROCESS_INFO.value,
                "part": "附件2专家评审意见",
                "reasons": "该部分为审批过程中形成的专家讨论记录，属于过程性信息",
            },
        ],
    },
    Outcome.NOT_EXIST: {
        "search_record": "本机关以“轨道交通三号线”“环境影响评价”为关键词，检索了2024年至2026年的收文、"
        "发文登记系统和档案管理系统，并询问了相关业务处室，未发现该信息"
    },
    Outcome.NOT_THIS_AGENCY: {
        "reasons": "建设项目环境影响评价文件的审批由生态环境主管部门负责，该信息由某市生态环境局制作并保存",
        "responsible_agency": "某市生态环境局",
        "responsible_agency_contact": "0000-87654321",
    },
    Outcome.NEEDS_CREATION: {
        "reasons": "您所需的2015年至2025年各区县投资项目分类统计数据本机关未制作，"
        "需对现有信息进行汇总、加工、分析后才能形成"
    },
    Outcome.STILL_UNCLEAR: {
        "correction_notice": "某发改公开补〔2026〕3号",
        "reasons": "您补正后的申请仍未说明所需信息的名称、文号或者其他特征性描述，本机关无法确定您所需的政府信息",
    },
    Outcome.PETITION: {"proper_channel": "某市信访局（地址：某市人民路2号）"},
    Outcome.REPEAT_APPLICATION: {
        "previous_case": "申请编号FGW-2026-00003，本机关已于2026年2月10日答复"
    },
    Outcome.PUBLICATION: {
        "access_method": "《某市统计年鉴2025》已公开出版，可在某市图书馆查阅或者向出版单位购买"
    },
    Outcome.EXCESSIVE: {
        "explanation_request": "某发改公开说〔2026〕1号",
        "reasons": "您在一个月内提出申请120件，所作说明不能表明申请数量、频次的合理性",
    },
    Outcome.CONFIRM_OR_REISSUE: {
        "reasons": "您要求本机关确认已获取信息的真实性并重新出具，不属于申请获取政府信息"
    },
    # The engine closes these itself and stores the notice's date (ISO, as JSON holds it).
    Outcome.CLOSED_NO_CORRECTION: {"correction_notice": "2026-03-04"},
    Outcome.CLOSED_FEE_UNPAID: {"fee_notice": "2026-03-04"},
    Outcome.CLOSED_OTHER: {"reasons": "申请人于2026-03-05书面撤回申请"},
}
_SAMPLE_REFUSALS = {
    WithholdingGround.STATE_SECRET: "该文件经定密机关依法确定为秘密级国家秘密，保密期限尚未届满",
    WithholdingGround.PROHIBITED_BY_LAW: "该信息为统计调查中获得的单个调查对象的资料，"
    "《中华人民共和国统计法》规定不得对外提供、泄露",
    WithholdingGround.SECURITY_STABILITY: "该信息包含重要基础设施的安全防护部署，公开后可能危及公共安全",
    WithholdingGround.THIRD_PARTY: "该信息为某企业报送的生产工艺和成本资料，属于该企业的商业秘密，"
    "该企业书面表示不同意公开并说明了理由，且不公开不会对公共利益造成重大影响",
    WithholdingGround.INTERNAL_AFFAIRS: "该信息为本机关内部的人员考勤和车辆管理记录，属于内部事务信息",
    WithholdingGround.PROCESS_INFO: "该信息为本机关研究起草文件过程中形成的讨论稿和内部请示，属于过程性信息",
    WithholdingGround.ENFORCEMENT_FILE: "该信息为本机关对某企业开展行政检查形成的执法案卷材料",
    WithholdingGround.ADMIN_QUERY: "您申请获取的是某路8号房屋的不动产登记资料，"
    "《不动产登记暂行条例》对不动产登记资料的查询有特别规定",
}
for _outcome in OUTCOMES:
    if _outcome not in SAMPLE_DECISIONS:  # the withheld outcomes: one ground each
        _ground = OUTCOMES[_outcome].ground
        SAMPLE_DECISIONS[_outcome] = {
            "grounds": [{"ground": _ground.value, "reasons": _SAMPLE_REFUSALS[_ground]}],
            **(
                {
                    "special_regime": "请依照《不动产登记暂行条例》的规定，持身份证明等材料向某市不动产登记中心申请查询"
                }
                if _outcome is Outcome.WITHHELD_ADMIN_QUERY
                else {}
            ),
        }
_SAMPLE_FEE = per_item_fee(15)
# Each kind's own facts, with the keys gkcase.services.letters gives a real case's letter: an
# agency's override is checked against this sample before it is saved, so a key used here and
# missing there would pass the check and fail at issue.
SAMPLE_NOTICES: dict[str, dict[str, Any]] = {
    "correction_notice": {
        "items": [
            "所需政府信息的名称、文号或者便于本机关查询的其他特征性描述",
            "所需政府信息的大致形成时间",
        ],
        "items_text": "所需政府信息的名称、文号或者便于本机关查询的其他特征性描述；所需政府信息的大致形成时间",
        "period_workdays": 10,
        "period_due": date(2026, 3, 18),
        "consequence": CORRECTION_CONSEQUENCE,
        "period": receipt_period(10),
        "late": False,
        "clock_note": CORRECTION_RESTART_NOTE,
    },
    "reasons_request": {
        "basis": ART35_BASIS,
        "period": receipt_period(10),
        "period_due": None,  # known once the applicant's receipt is recorded
    },
    "extension_notice": {
        "workdays": 20,
        "approval": EXTENSION_APPROVAL,
        "approved_on": date(2026, 3, 20),
        "new_due": date(2026, 4, 28),
        "pause_note": "",
    },
    "deferral_notice": {"basis": ART35_BASIS},
    "third_party_consultation": {
        "party_name": "某某科技有限公司",
        "window": CONSULTATION_WINDOW,
        "window_due": None,  # known only once the party's receipt of the letter is recorded
        "silence": SILENCE["third_party"],
    },
    "third_party_disclosure_notice": {
        "party_name": "某某科技有限公司",
        "basis": ART32_BASIS,
        "disclose_when": DISCLOSE_WITH_REPLY,
    },
    "co_producer_consultation": {
        "party_name": "某市生态环境局",
        "window": CONSULTATION_WINDOW,
        "window_due": None,
        "silence": SILENCE["co_producer"],
    },
    "other_agency_consultation": {
        "party_name": "某市国家保密局",
        "window": CONSULTATION_WINDOW,
        "window_due": None,
        "silence": SILENCE["other_agency"],
    },
    "fee_notice": {
        "basis": FEE_BASIS,
        "standard": FeeBasis.PER_ITEM.standard_zh,
        "arithmetic": _SAMPLE_FEE.arithmetic_zh(),  # lines, as FeeQuote gives them
        "amount": f"{_SAMPLE_FEE.total}元",
        "window": FEE_WINDOW,
        "window_due": date(2026, 4, 20),  # 20 working days from the day after 2026-03-20
        "consequence": FEE_CONSEQUENCE,
        "pause_note": FEE_PAUSE_NOTE,
    },
    "closing_no_correction": {"notice_date": date(2026, 3, 4)},
    "closing_fee_unpaid": {"notice_date": date(2026, 3, 4)},
}
SAMPLE_SLOTS: dict[str, dict[str, str]] = {
    "correction_notice": {
        "guidance": "您的申请仅写明“轨道交通相关文件”，所指范围不明确。请写明所需政府信息的名称、文号，"
        "或者所涉项目、事项、形成时间等便于本机关查询的特征性描述；如需多项信息，请逐项列明"
    },
    "reasons_request": {
        "matters": "您于2026年2月向本机关提出政府信息公开申请120件，请说明申请数量、频次的理由及所需信息的用途",
    },
    "extension_notice": {"reason": "您申请公开的信息涉及多个年度的档案，需要调档检索和逐页审查"},
    "deferral_notice": {
        "reason": "您申请公开的120件政府信息涉及2015年以来的档案，需要逐件检索、审查"
    },
    "third_party_consultation": {
        "matters": "某项目环境影响报告书中涉及贵单位的技术方案部分（第3页）"
    },
    "third_party_disclosure_notice": {
        "content": "某项目环境影响报告书第3页中的污染物排放种类、排放浓度和排放去向",
        "reasons": "该信息涉及项目周边居民的环境权益，属于公众需要知晓的环境信息，"
        "不公开可能对公共利益造成重大影响",
    },
    "co_producer_consultation": {"matters": "2025年某联合执法行动通报（本机关与贵单位联合印发）"},
    "other_agency_consultation": {
        "matters": "申请公开的《某项目选址论证报告》是否属于国家秘密，请予保密审查（第十七条）"
    },
    "fee_notice": {
        "payment_method": "请持本通知书到本机关财务室缴纳，或者通过某市非税收入缴款平台缴纳（缴款码随本通知书送达）"
    },
}
# Where one letter date or due date for every kind would make a sample implausible.
_SAMPLE_LETTER_DATES = {"closing_fee_unpaid": date(2026, 4, 2)}  # payment window ended 4月1日
_SAMPLE_REPLY_DUE = {"deferral_notice": date(2026, 5, 29)}  # a deferral runs past the statutory due


def sample_context(spec: LetterSpec) -> dict[str, Any]:
    """A complete context for ``spec``, with realistic values in every variable and slot."""
    outcome = spec.outcomes[0] if spec.outcomes else None
    issued_on = _SAMPLE_LETTER_DATES.get(spec.kind, date(2026, 3, 20))
    return build_context(
        spec,
        agency=SAMPLE_AGENCY,
        case=SAMPLE_CASE,
        applicant=SAMPLE_APPLICANT,
        letter={
            "number": f"某发改公开{spec.code}〔2026〕12号",
            "date": issued_on,
            "date_value": issued_on,
        },
        clock={"reply_due": _SAMPLE_REPLY_DUE.get(spec.kind, date(2026, 4, 28))},
        outcome=outcome,
        decision_fields=SAMPLE_DECISIONS.get(outcome, {}) if outcome else None,
        notice=SAMPLE_NOTICES.get(spec.kind, {}),
        slots={slot.name: f"（{slot.label}）" for slot in spec.slots if slot.required}
        | SAMPLE_SLOTS.get(spec.kind, {}),
    )
