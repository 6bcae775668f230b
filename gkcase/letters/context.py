"""The variables a letter template sees, shaped in one place (docs/letters.md lists them).

Dates arrive as :class:`datetime.date` and leave as Chinese text (``2026年3月2日``): templates never
format dates, so every date in a letter is the clock's own. :func:`sample_context` gives a
complete, realistic context for any kind — used to check an agency's template override before it
is saved, and by the tests.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from gkcase.calendar.zh import zh_date
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
CONSULTATION_WINDOW = "15个工作日"  # Art 32, Art 34
SILENCE = {
    # Art 32: the agency decides; Art 34: deemed consent
    "third_party": "逾期未提出意见的，由本机关依照《中华人民共和国政府信息公开条例》的规定决定是否公开",
    "co_producer": "逾期未提出意见的，视为同意公开",
}


def _zh(value: Any) -> Any:
    """Dates to Chinese text, recursively through mappings and sequences."""
    if isinstance(value, date):
        return zh_date(value)
    if isinstance(value, Mapping):
        return {k: _zh(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_zh(v) for v in value]
    return value


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
    """Everything a template of ``spec`` may use. Missing slots are empty strings."""
    decision: dict[str, Any] = {"fields": {}, "legal_basis": [], "legal_basis_text": ""}
    remedy = {"kind": RemedyKind.NONE.value, "text": ""}
    if outcome is not None:
        outcome = Outcome(outcome)
        outcome_spec = OUTCOMES[outcome]
        fields = dict(decision_fields or {})
        grounds, grounds_text = _grounds(fields.get("grounds") or [])
        fields["grounds"] = grounds
        decision = {
            "outcome": outcome.value,
            "outcome_label": outcome_spec.label,
            "legal_basis": list(outcome_spec.legal_basis),
            "legal_basis_text": citation_text(outcome_spec.legal_basis),
            "fields": {k: _zh(v) for k, v in fields.items()},
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
        ):
            decision["fields"].setdefault(name, "")
        if spec.remedy:
            decided_on = letter.get("date_value") or date.today()
            kind = remedy_for(outcome, decided_on)
            clause = remedy_clause(
                kind,
                review_body=str(agency.get("review_body", "")),
                court=str(agency.get("court", "")),
                online_review_channel=online_review_channel,
            )
            remedy = {"kind": kind.value, "text": clause.text}
    addressee = {
        Recipient.APPLICANT: applicant.get("name", ""),
        Recipient.THIRD_PARTY: (notice or {}).get("party_name", ""),
        Recipient.CO_PRODUCER: (notice or {}).get("party_name", ""),
    }[spec.recipient]
    slot_values = {slot.name: "" for slot in spec.slots} | dict(slots or {})
    person = applicant.get("kind") in ("自然人", "natural_person")
    return {
        "agency": _zh(dict(agency)),
        "case": _zh(dict(case)),
        "applicant": _zh({"you": "您" if person else "贵单位", **applicant}),
        "letter": _zh(
            {"addressee": addressee, **{k: v for k, v in letter.items() if k != "date_value"}}
        ),
        "clock": _zh(dict(clock or {})),
        "decision": decision,
        "remedy": remedy,
        "notice": _zh(dict(notice or {})),
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
        "access_method": "随本答复书向您提供可以公开部分（共5页）",
        "grounds": [
            {
                "ground": WithholdingGround.THIRD_PARTY.value,
                "part": "第3页技术方案",
                "reasons": "该部分涉及第三方商业秘密，第三方书面表示不同意公开",
            }
        ],
    },
    Outcome.NOT_EXIST: {
        "search_record": "经检索本机关2024年至2026年收文、发文及档案系统，未发现该信息"
    },
    Outcome.NOT_THIS_AGENCY: {
        "reasons": "该信息由市生态环境局制作并保存",
        "responsible_agency": "某市生态环境局",
        "responsible_agency_contact": "0000-87654321",
    },
    Outcome.NEEDS_CREATION: {"reasons": "您所需的汇总数据本机关未制作，需对现有信息进行加工、分析"},
    Outcome.STILL_UNCLEAR: {
        "correction_notice": "某发改公开补〔2026〕3号",
        "reasons": "补正后的申请仍未说明所需信息的名称、文号或其他特征",
    },
    Outcome.PETITION: {"proper_channel": "某市信访局（某市人民路2号）"},
    Outcome.REPEAT_APPLICATION: {"previous_case": "FGW-2026-00003（已于2026年2月10日答复）"},
    Outcome.PUBLICATION: {"access_method": "该出版物可在某市图书馆查阅"},
    Outcome.EXCESSIVE: {
        "explanation_request": "某发改公开说〔2026〕1号",
        "reasons": "您在一个月内提出申请120件，所述理由不能说明其合理性",
    },
    Outcome.CONFIRM_OR_REISSUE: {
        "reasons": "您要求本机关确认已获取信息的真实性，不属于政府信息公开申请"
    },
    Outcome.CLOSED_NO_CORRECTION: {"correction_notice": "某发改公开补〔2026〕3号"},
    Outcome.CLOSED_FEE_UNPAID: {"fee_notice": "某发改公开费〔2026〕1号"},
    Outcome.CLOSED_OTHER: {"reasons": "申请人于2026年3月5日书面撤回申请"},
}
for _outcome in OUTCOMES:
    if _outcome not in SAMPLE_DECISIONS:  # the withheld outcomes: one ground each
        _ground = OUTCOMES[_outcome].ground
        SAMPLE_DECISIONS[_outcome] = {
            "grounds": [
                {"ground": _ground.value, "reasons": f"该信息{_ground.label}，依法不予公开"}
            ],
            **(
                {"special_regime": "请依照《不动产登记暂行条例》向某市不动产登记中心申请查询"}
                if _outcome is Outcome.WITHHELD_ADMIN_QUERY
                else {}
            ),
        }
SAMPLE_NOTICES: dict[str, dict[str, Any]] = {
    "correction_notice": {
        "items": ["所需信息的名称或文号", "所需信息的形成时间"],
        "items_text": "所需信息的名称或文号；所需信息的形成时间",
        "period_workdays": 10,
        "period_due": date(2026, 3, 18),
        "consequence": CORRECTION_CONSEQUENCE,
    },
    "reasons_request": {"basis": ART35_BASIS},
    "extension_notice": {
        "workdays": 20,
        "approval": EXTENSION_APPROVAL,
        "original_due": date(2026, 3, 30),
    },
    "deferral_notice": {"basis": ART35_BASIS},
    "third_party_consultation": {
        "party_name": "某某科技有限公司",
        "window": CONSULTATION_WINDOW,
        "silence": SILENCE["third_party"],
    },
    "third_party_disclosure_notice": {
        "party_name": "某某科技有限公司",
        "basis": ART32_BASIS,
    },
    "co_producer_consultation": {
        "party_name": "某市生态环境局",
        "window": CONSULTATION_WINDOW,
        "silence": SILENCE["co_producer"],
    },
    "fee_notice": {
        "basis": FEE_BASIS,
        "standard": "按件计收",
        "arithmetic": ["第1—10件：10件，不收费", "第11—15件：5件 × 100元 = 500元"],
        "amount": "500元",
        "window_due": date(2026, 4, 1),
        "consequence": FEE_CONSEQUENCE,
    },
    "closing_no_correction": {"notice_date": date(2026, 3, 4)},
    "closing_fee_unpaid": {"notice_date": date(2026, 3, 4)},
}
SAMPLE_SLOTS: dict[str, dict[str, str]] = {
    "correction_notice": {
        "guidance": "请您写明所需政府信息的名称、文号或者便于本机关查询的其他特征性描述"
    },
    "reasons_request": {"matters": "请说明您在2026年2月提出120件申请的理由"},
    "extension_notice": {"reason": "所需信息涉及多个年度的档案，检索需要较长时间"},
    "deferral_notice": {"reason": "申请数量较大，本机关无法在法定期限内答复"},
    "third_party_consultation": {"matters": "某项目环境影响报告书中涉及贵单位的技术方案部分"},
    "third_party_disclosure_notice": {
        "content": "某项目环境影响报告书第3页",
        "reasons": "该信息涉及公众环境权益，不公开可能对公共利益造成重大影响",
    },
    "co_producer_consultation": {"matters": "2025年某联合执法行动通报"},
    "fee_notice": {
        "payment_method": "请持本通知书到本机关财务室缴纳，或通过某市非税收入缴款平台缴纳"
    },
}


def sample_context(spec: LetterSpec) -> dict[str, Any]:
    """A complete context for ``spec``, with realistic values in every variable and slot."""
    outcome = spec.outcomes[0] if spec.outcomes else None
    return build_context(
        spec,
        agency=SAMPLE_AGENCY,
        case=SAMPLE_CASE,
        applicant=SAMPLE_APPLICANT,
        letter={
            "number": f"某发改公开{spec.code}〔2026〕12号",
            "date": date(2026, 3, 20),
            "date_value": date(2026, 3, 20),
        },
        clock={"reply_due": date(2026, 4, 28), "correction_notice_due": date(2026, 3, 11)},
        outcome=outcome,
        decision_fields=SAMPLE_DECISIONS.get(outcome, {}) if outcome else None,
        notice=SAMPLE_NOTICES.get(spec.kind, {}),
        slots={slot.name: f"（{slot.label}）" for slot in spec.slots if slot.required}
        | SAMPLE_SLOTS.get(spec.kind, {}),
    )
