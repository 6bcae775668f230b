"""The letter catalogue: every notice and reply gkcase issues, declared as data.

Every letter has the same official-document frame (GB/T 9704-2012 conventions: 文号, title,
addressee, body, issuing agency, date, seal area), drawn by ``templates/_layout.html.j2``. Each kind
adds only its body, a Jinja2 template ``templates/<kind>.html.j2`` that an agency may override.

For each kind the catalogue declares:

* the **locked** variables: facts from the case and its clock, which the caseworker cannot edit
  (``case.*``, ``agency.*``, ``applicant.*``, ``letter.*``, ``clock.*``, ``decision.*``,
  ``remedy.*`` and the kind's own ``notice.*`` facts);
* the **slots**: what the caseworker writes or edits (``slots.*``), and whether each must be filled;
* the **required elements**: what the issued text must contain, each tied to the variable whose
  value must appear in it — the legal lint and the override check test them.

Context variables are documented in docs/letters.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType

from gkcase.states.outcomes import OUTCOMES, Outcome


class Recipient(StrEnum):
    APPLICANT = "applicant"  # 申请人
    THIRD_PARTY = "third_party"  # 第三方 (Art 32)
    CO_PRODUCER = "co_producer"  # 共同制作机关 (Art 34)
    OTHER_AGENCY = "other_agency"  # 其他机关：保密审查、协调确认 (Art 33 ¶3, Art 17, Art 11)


@dataclass(frozen=True)
class Slot:
    """Something the caseworker writes into the letter."""

    name: str  # key under ``slots``
    label: str  # Chinese, for the form
    required: bool = True
    multiline: bool = True


@dataclass(frozen=True)
class Element:
    """A legally required element: the value at ``path`` must appear in the letter's text
    (each item of it, when the value is a list)."""

    id: str
    label: str  # Chinese, for findings
    path: str  # dotted path into the context, e.g. "clock.reply_due"


@dataclass(frozen=True)
class LetterSpec:
    kind: str
    title: str
    code: str  # the kind's mark in the 文号, e.g. 答 in 某发改公开答〔2026〕12号
    recipient: Recipient
    basis: str  # the rule the letter rests on, for the catalogue page
    slots: tuple[Slot, ...] = ()
    elements: tuple[Element, ...] = ()
    remedy: bool = False  # carries a remedy clause (救济告知)
    outcomes: tuple[Outcome, ...] = field(default=())  # the replies: outcomes it answers

    @property
    def template(self) -> str:
        return f"{self.kind}.html.j2"


# Elements every letter to the applicant carries.
_APPLICANT = (
    Element("addressee", "申请人姓名或名称", "applicant.name"),
    Element("case_number", "申请编号", "case.number"),
    Element("receipt_date", "收到申请之日", "case.receipt_date"),
    Element("agency", "作出机关", "agency.name"),
    Element("date", "成文日期", "letter.date"),
)
_REPLY = (
    *_APPLICANT,
    Element("information", "申请公开的政府信息", "case.information_requested"),
    Element("legal_basis", "法律依据", "decision.legal_basis_text"),
    Element("remedy", "救济告知", "remedy.text"),
)
_PARTY = (
    Element("addressee", "被征求意见方", "notice.party_name"),
    Element("agency", "作出机关", "agency.name"),
    Element("date", "成文日期", "letter.date"),
)


def _reply(
    outcome_kind: str,
    title: str,
    outcomes: tuple[Outcome, ...],
    *extra: Element,
    slots: tuple[Slot, ...] = (),
) -> LetterSpec:
    basis = "；".join(dict.fromkeys(b for o in outcomes for b in OUTCOMES[o].legal_basis))
    # An outcome no article names (要求确认或重新出具, ❓ legal-reference §6.3) has no legal basis
    # to cite: requiring one would make its reply impossible to issue.
    elements = _REPLY if basis else tuple(e for e in _REPLY if e.id != "legal_basis")
    return LetterSpec(
        outcome_kind,
        title,
        "答",
        Recipient.APPLICANT,
        basis or "未见对应条文（年度报告不予处理-5）❓",
        slots,
        (*elements, *extra),
        remedy=True,
        outcomes=outcomes,
    )


OC = Outcome
_INTRO = Slot("intro", "补充说明（可选）", required=False)
# fmt: off
_SPECS: tuple[LetterSpec, ...] = (
    LetterSpec("receipt", "政府信息公开申请接收回执", "收", Recipient.APPLICANT,
               "《条例》第三十一条（双方确认）", (),
               (*_APPLICANT, Element("lookup_code", "查询码", "case.lookup_code"),
                Element("reply_due", "答复期限", "clock.reply_due"))),
    LetterSpec("correction_notice", "政府信息公开申请补正告知书", "补", Recipient.APPLICANT,
               "《条例》第三十条",
               (Slot("guidance", "指导和释明"),),
               (*_APPLICANT, Element("items", "需要补正的事项", "notice.items"),
                Element("guidance", "指导和释明", "slots.guidance"),
                Element("period", "补正期限", "notice.period"),
                Element("consequence", "逾期不补正的后果", "notice.consequence"))),
    LetterSpec("reasons_request", "政府信息公开申请说明理由告知书", "说", Recipient.APPLICANT,
               "《条例》第三十五条",
               (Slot("matters", "需要说明的事项"),),
               (*_APPLICANT, Element("matters", "需要说明的事项", "slots.matters"),
                Element("period", "说明理由的期限", "notice.period"),
                Element("basis", "法律依据", "notice.basis"))),
    LetterSpec("extension_notice", "政府信息公开申请延期答复告知书", "延", Recipient.APPLICANT,
               "《条例》第三十三条第二款",
               (Slot("reason", "延期理由"),),
               (*_APPLICANT, Element("workdays", "延长的工作日数", "notice.workdays"),
                Element("new_due", "延长后的答复期限", "notice.new_due"),
                Element("approval", "经工作机构负责人同意", "notice.approval"))),
    LetterSpec("deferral_notice", "政府信息公开申请延迟答复告知书", "迟", Recipient.APPLICANT,
               "《条例》第三十五条",
               (Slot("reason", "延迟答复的理由"),),
               (*_APPLICANT, Element("until", "延迟答复期限", "clock.reply_due"),
                Element("basis", "法律依据", "notice.basis"))),
    LetterSpec("third_party_consultation", "政府信息公开征求意见书", "征", Recipient.THIRD_PARTY,
               "《条例》第三十二条",
               (Slot("matters", "征求意见的信息内容"),),
               (*_PARTY, Element("window", "提出意见的期限", "notice.window"),
                Element("silence", "逾期不提出意见的后果", "notice.silence"),
                Element("matters", "征求意见的信息内容", "slots.matters"))),
    LetterSpec("third_party_disclosure_notice", "政府信息公开决定告知书", "告",
               Recipient.THIRD_PARTY, "《条例》第三十二条、第十五条",
               (Slot("content", "决定公开的政府信息内容"), Slot("reasons", "决定公开的理由")),
               (*_PARTY, Element("content", "决定公开的内容", "slots.content"),
                Element("reasons", "决定公开的理由", "slots.reasons"),
                Element("basis", "法律依据", "notice.basis"),
                Element("disclose_when", "公开的时间", "notice.disclose_when"),
                Element("remedy", "救济告知", "remedy.text")),
               remedy=True),  # the third party may challenge the disclosure (S13 Arts 1(三), 11)
    LetterSpec("co_producer_consultation", "政府信息公开征求意见函", "征", Recipient.CO_PRODUCER,
               "《条例》第三十四条",
               (Slot("matters", "征求意见的信息内容"),),
               (*_PARTY, Element("window", "提出意见的期限", "notice.window"),
                Element("silence", "逾期视为同意公开", "notice.silence"),
                Element("matters", "征求意见的信息内容", "slots.matters"))),
    LetterSpec("other_agency_consultation", "征求意见函", "征", Recipient.OTHER_AGENCY,
               "《条例》第三十三条第三款",
               (Slot("matters", "征求意见的事项（如保密审查、协调确认）"),),
               (*_PARTY, Element("window", "回复的期限", "notice.window"),
                Element("matters", "征求意见的事项", "slots.matters"))),
    LetterSpec("fee_notice", "政府信息公开信息处理费收费通知书", "费", Recipient.APPLICANT,
               "《条例》第四十二条；国办函〔2020〕109号",
               (Slot("payment_method", "缴纳方式"),),
               (*_APPLICANT, Element("basis", "收费依据", "notice.basis"),
                Element("standard", "收费标准", "notice.standard"),
                Element("amount", "收费数额", "notice.amount"),
                Element("payment_method", "缴纳方式", "slots.payment_method"),
                Element("window", "缴费期限", "notice.window"),
                Element("consequence", "逾期不缴纳的后果", "notice.consequence"))),
    LetterSpec("closing_no_correction", "政府信息公开申请终止办理告知书", "终",
               Recipient.APPLICANT, "《条例》第三十条", (_INTRO,),
               (*_APPLICANT, Element("notice", "补正告知书", "notice.notice_date"),
                Element("legal_basis", "法律依据", "decision.legal_basis_text"),
                Element("remedy", "救济告知", "remedy.text")), remedy=True,
               outcomes=(OC.CLOSED_NO_CORRECTION,)),
    LetterSpec("closing_fee_unpaid", "政府信息公开申请终止办理告知书", "终",
               Recipient.APPLICANT, "国办函〔2020〕109号", (_INTRO,),
               (*_APPLICANT, Element("notice", "收费通知书", "notice.notice_date"),
                Element("legal_basis", "法律依据", "decision.legal_basis_text"),
                Element("remedy", "救济告知", "remedy.text")), remedy=True,
               outcomes=(OC.CLOSED_FEE_UNPAID,)),
    LetterSpec("closing_other", "政府信息公开申请终止办理告知书", "终", Recipient.APPLICANT,
               "申请人撤回申请等", (_INTRO,),
               (*_APPLICANT, Element("reasons", "终止办理的原因", "decision.fields.reasons")),
               outcomes=(OC.CLOSED_OTHER,)),
    # Replies (答复书), one per distinct reply of the outcome taxonomy.
    _reply("reply_already_published", "政府信息公开申请答复书", (OC.ALREADY_PUBLISHED,),
           Element("access", "获取方式、途径", "decision.fields.access_method"), slots=(_INTRO,)),
    _reply("reply_disclosed", "政府信息公开申请答复书", (OC.DISCLOSED,),
           Element("access", "获取方式、途径和时间", "decision.fields.access_method"),
           slots=(_INTRO,)),
    _reply("reply_partially_disclosed", "政府信息公开申请答复书", (OC.PARTIAL,),
           Element("access", "可以公开部分的获取方式", "decision.fields.access_method"),
           Element("grounds", "不予公开部分的理由", "decision.grounds_reasons"), slots=(_INTRO,)),
    _reply("reply_withheld", "政府信息公开申请答复书",
           (OC.WITHHELD_STATE_SECRET, OC.WITHHELD_PROHIBITED_BY_LAW, OC.WITHHELD_SECURITY_STABILITY,
            OC.WITHHELD_THIRD_PARTY, OC.WITHHELD_INTERNAL_AFFAIRS, OC.WITHHELD_PROCESS_INFO,
            OC.WITHHELD_ENFORCEMENT_FILE),
           Element("grounds", "不予公开的理由", "decision.grounds_reasons"), slots=(_INTRO,)),
    _reply("reply_special_regime", "政府信息公开申请答复书", (OC.WITHHELD_ADMIN_QUERY,),
           Element("regime", "特别规定及办理途径", "decision.fields.special_regime"),
           Element("grounds", "理由", "decision.grounds_reasons"), slots=(_INTRO,)),
    _reply("reply_not_exist", "政府信息公开申请答复书", (OC.NOT_EXIST,),
           Element("search", "检索情况", "decision.fields.search_record"), slots=(_INTRO,)),
    _reply("reply_not_this_agency", "政府信息公开申请答复书", (OC.NOT_THIS_AGENCY,),
           Element("reasons", "理由", "decision.fields.reasons"),
           Element("responsible", "负责公开的行政机关", "decision.fields.responsible_agency"),
           slots=(_INTRO,)),
    _reply("reply_needs_creation", "政府信息公开申请答复书", (OC.NEEDS_CREATION,),
           Element("reasons", "理由", "decision.fields.reasons"), slots=(_INTRO,)),
    _reply("reply_still_unclear", "政府信息公开申请答复书", (OC.STILL_UNCLEAR,),
           Element("reasons", "理由", "decision.fields.reasons"), slots=(_INTRO,)),
    _reply("reply_petition", "政府信息公开申请告知书", (OC.PETITION,), slots=(_INTRO,)),
    _reply("reply_repeat_application", "政府信息公开申请告知书", (OC.REPEAT_APPLICATION,),
           Element("previous", "此前的答复", "decision.fields.previous_case"), slots=(_INTRO,)),
    _reply("reply_publication", "政府信息公开申请告知书", (OC.PUBLICATION,), slots=(_INTRO,)),
    _reply("reply_excessive_requests", "政府信息公开申请告知书", (OC.EXCESSIVE,),
           Element("reasons", "理由", "decision.fields.reasons"), slots=(_INTRO,)),
    _reply("reply_confirm_or_reissue", "政府信息公开申请告知书", (OC.CONFIRM_OR_REISSUE,),
           Element("reasons", "理由", "decision.fields.reasons"), slots=(_INTRO,)),
)
# fmt: on

CATALOGUE: Mapping[str, LetterSpec] = MappingProxyType({s.kind: s for s in _SPECS})


def letter_spec(kind: str) -> LetterSpec:
    from gkcase.errors import ValidationError

    try:
        return CATALOGUE[kind]
    except KeyError:
        raise ValidationError(f"没有“{kind}”这种文书", field="kind") from None


def reply_kind(outcome: Outcome | str) -> str:
    """The letter that answers ``outcome``."""
    return OUTCOMES[Outcome(outcome)].reply_letter
