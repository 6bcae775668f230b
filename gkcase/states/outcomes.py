"""The outcome taxonomy of a disclosure application (办理结果), declared as data.

A case ends with exactly one :class:`Outcome`: the decision the agency replies with. There is one
outcome per distinct reply the Regulation requires (Arts 30, 35–39; 国办函〔2020〕109号), and each
counts in exactly one leaf row of table 三 of the annual report (:class:`ReportRow`, the format of
国办公开办函〔2021〕30号; :func:`report_row_2019` for the 2019 trial format). The report is coarser
than the Regulation in two places, so two rows have two outcomes each:

* 予以公开 — :attr:`Outcome.ALREADY_PUBLISHED` (Art 36(一): tell how to obtain it) and
  :attr:`Outcome.DISCLOSED` (Art 36(二));
* 无法提供-1「本机关不掌握相关政府信息」 — :attr:`Outcome.NOT_EXIST` (Art 36(四)) and
  :attr:`Outcome.NOT_THIS_AGENCY` (Art 36(五): name the responsible agency).

:data:`OUTCOMES` holds one :class:`OutcomeSpec` per outcome: its report row, legal basis, the facts
that must be on file before the reply is signed (:class:`DecisionField`), whether legal staff must
review it, and the letter it is answered with. :func:`validate_decision` checks a draft decision
against its spec; :func:`remedy_for` says which remedy clause (救济告知) the reply carries.

Rows are tied to articles by legal-reference §6.3, an inference from matching wording: no official
统计口径 note was read (❓). Nothing here touches a database.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from types import MappingProxyType

from gkcase.calendar.clock import REGULATION_IN_FORCE
from gkcase.errors import ValidationError

# --- remedies (one place each) --------------------------------------------------------------

REVIEW_FIRST_FROM = date(2024, 1, 1)  # 行政复议法（2023修订）施行: Art 23 ¶1(四) 复议前置
REVIEW_PERIOD_DAYS = 60  # 行政复议法 Art 20 ¶1: 知道或者应当知道之日起六十日内
LITIGATION_PERIOD_MONTHS = 6  # 行政诉讼法 Art 46 ¶1: 直接起诉，六个月内
AFTER_REVIEW_LITIGATION_DAYS = 15  # 行政诉讼法 Art 45: 收到复议决定书之日起十五日内起诉


# --- the annual report's table 三 -------------------------------------------------------------


class OutcomeGroup(StrEnum):
    """The six result groups of table 三「本年度办理结果」, （一）–（六）."""

    DISCLOSED = "disclosed"  # （一）予以公开
    PARTIAL = "partial"  # （二）部分公开
    WITHHELD = "withheld"  # （三）不予公开
    UNABLE = "unable"  # （四）无法提供
    NOT_PROCESSED = "not_processed"  # （五）不予处理
    OTHER = "other"  # （六）其他处理

    @property
    def label(self) -> str:
        return _GROUP_LABELS[self]

    @property
    def heading(self) -> str:
        """The group's number in the table: ``（三）``."""
        return _GROUP_HEADINGS[self]


_GROUP_LABELS = {
    OutcomeGroup.DISCLOSED: "予以公开",
    OutcomeGroup.PARTIAL: "部分公开",
    OutcomeGroup.WITHHELD: "不予公开",
    OutcomeGroup.UNABLE: "无法提供",
    OutcomeGroup.NOT_PROCESSED: "不予处理",
    OutcomeGroup.OTHER: "其他处理",
}
_GROUP_HEADINGS = dict(
    zip(OutcomeGroup, ("（一）", "（二）", "（三）", "（四）", "（五）", "（六）"), strict=True)
)


class ReportRow(StrEnum):
    """The 21 result leaves of table 三, 2021 format (国办公开办函〔2021〕30号); （七）总计 is their sum.

    The value is the row's place in 「三、本年度办理结果」: ``"3.1"`` is （三）1.属于国家秘密, ``"1"``
    is （一）予以公开. Members are in table order.
    """

    DISCLOSED = "1"
    PARTIAL = "2"
    WITHHELD_STATE_SECRET = "3.1"
    WITHHELD_PROHIBITED_BY_LAW = "3.2"
    WITHHELD_SECURITY_STABILITY = "3.3"
    WITHHELD_THIRD_PARTY = "3.4"
    WITHHELD_INTERNAL_AFFAIRS = "3.5"
    WITHHELD_PROCESS_INFO = "3.6"
    WITHHELD_ENFORCEMENT_FILE = "3.7"
    WITHHELD_ADMIN_QUERY = "3.8"
    UNABLE_NOT_HELD = "4.1"
    UNABLE_NEEDS_CREATION = "4.2"
    UNABLE_STILL_UNCLEAR = "4.3"
    NOT_PROCESSED_PETITION = "5.1"
    NOT_PROCESSED_REPEAT = "5.2"
    NOT_PROCESSED_PUBLICATION = "5.3"
    NOT_PROCESSED_EXCESSIVE = "5.4"
    NOT_PROCESSED_CONFIRM_OR_REISSUE = "5.5"
    OTHER_NO_CORRECTION = "6.1"
    OTHER_FEE_UNPAID = "6.2"
    OTHER_MISC = "6.3"

    @property
    def label(self) -> str:
        """The official row label, without its number."""
        return _ROW_LABELS[self]

    @property
    def group(self) -> OutcomeGroup:
        return _GROUP_BY_NUMBER[self.value.split(".")[0]]

    @property
    def item(self) -> int | None:
        """The sub-item number within the group (``3`` for （四）3.); None for （一） and （二）."""
        _, _, item = self.value.partition(".")
        return int(item) if item else None

    @property
    def table_label(self) -> str:
        """The row as printed in the table: ``1.属于国家秘密`` or ``（一）予以公开``."""
        return (
            f"{self.group.heading}{self.label}"
            if self.item is None
            else f"{self.item}.{self.label}"
        )


_GROUP_BY_NUMBER = {str(number): group for number, group in enumerate(OutcomeGroup, start=1)}
_ROW_LABELS = {
    ReportRow.DISCLOSED: "予以公开",
    ReportRow.PARTIAL: "部分公开（区分处理的，只计这一情形，不计其他情形）",
    ReportRow.WITHHELD_STATE_SECRET: "属于国家秘密",
    ReportRow.WITHHELD_PROHIBITED_BY_LAW: "其他法律行政法规禁止公开",
    ReportRow.WITHHELD_SECURITY_STABILITY: "危及“三安全一稳定”",
    ReportRow.WITHHELD_THIRD_PARTY: "保护第三方合法权益",
    ReportRow.WITHHELD_INTERNAL_AFFAIRS: "属于三类内部事务信息",
    ReportRow.WITHHELD_PROCESS_INFO: "属于四类过程性信息",
    ReportRow.WITHHELD_ENFORCEMENT_FILE: "属于行政执法案卷",
    ReportRow.WITHHELD_ADMIN_QUERY: "属于行政查询事项",
    ReportRow.UNABLE_NOT_HELD: "本机关不掌握相关政府信息",
    ReportRow.UNABLE_NEEDS_CREATION: "没有现成信息需要另行制作",
    ReportRow.UNABLE_STILL_UNCLEAR: "补正后申请内容仍不明确",
    ReportRow.NOT_PROCESSED_PETITION: "信访举报投诉类申请",
    ReportRow.NOT_PROCESSED_REPEAT: "重复申请",
    ReportRow.NOT_PROCESSED_PUBLICATION: "要求提供公开出版物",
    ReportRow.NOT_PROCESSED_EXCESSIVE: "无正当理由大量反复申请",
    ReportRow.NOT_PROCESSED_CONFIRM_OR_REISSUE: "要求行政机关确认或重新出具已获取信息",
    ReportRow.OTHER_NO_CORRECTION: (
        "申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"
    ),
    ReportRow.OTHER_FEE_UNPAID: (
        "申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"
    ),
    ReportRow.OTHER_MISC: "其他",
}


class ReportRow2019(StrEnum):
    """The 19 result leaves of table 三, 2019 trial format (国办公开办函〔2019〕60号).

    Identical to :class:`ReportRow` (same values) except that （六）其他处理 is one row, ``"6"``.
    """

    DISCLOSED = "1"
    PARTIAL = "2"
    WITHHELD_STATE_SECRET = "3.1"
    WITHHELD_PROHIBITED_BY_LAW = "3.2"
    WITHHELD_SECURITY_STABILITY = "3.3"
    WITHHELD_THIRD_PARTY = "3.4"
    WITHHELD_INTERNAL_AFFAIRS = "3.5"
    WITHHELD_PROCESS_INFO = "3.6"
    WITHHELD_ENFORCEMENT_FILE = "3.7"
    WITHHELD_ADMIN_QUERY = "3.8"
    UNABLE_NOT_HELD = "4.1"
    UNABLE_NEEDS_CREATION = "4.2"
    UNABLE_STILL_UNCLEAR = "4.3"
    NOT_PROCESSED_PETITION = "5.1"
    NOT_PROCESSED_REPEAT = "5.2"
    NOT_PROCESSED_PUBLICATION = "5.3"
    NOT_PROCESSED_EXCESSIVE = "5.4"
    NOT_PROCESSED_CONFIRM_OR_REISSUE = "5.5"
    OTHER = "6"

    @property
    def group(self) -> OutcomeGroup:
        return OutcomeGroup.OTHER if self is ReportRow2019.OTHER else ReportRow(self.value).group

    @property
    def label(self) -> str:
        return self.group.label if self is ReportRow2019.OTHER else ReportRow(self.value).label

    @property
    def table_label(self) -> str:
        if self is ReportRow2019.OTHER:
            return f"{self.group.heading}{self.label}"
        return ReportRow(self.value).table_label


def report_row_2019(row: ReportRow) -> ReportRow2019:
    """The 2019-format row a 2021-format row counts in: 其他处理 1–3 roll up into one row."""
    row = ReportRow(row)
    return ReportRow2019.OTHER if row.group is OutcomeGroup.OTHER else ReportRow2019(row.value)


# --- outcomes ---------------------------------------------------------------------------------


class Outcome(StrEnum):
    """办理结果 — the decision a case ends with; one per distinct reply (see :data:`OUTCOMES`)."""

    ALREADY_PUBLISHED = "already_published"
    DISCLOSED = "disclosed"
    PARTIAL = "partially_disclosed"
    WITHHELD_STATE_SECRET = "withheld_state_secret"
    WITHHELD_PROHIBITED_BY_LAW = "withheld_prohibited_by_law"
    WITHHELD_SECURITY_STABILITY = "withheld_security_stability"
    WITHHELD_THIRD_PARTY = "withheld_third_party"
    WITHHELD_INTERNAL_AFFAIRS = "withheld_internal_affairs"
    WITHHELD_PROCESS_INFO = "withheld_process_info"
    WITHHELD_ENFORCEMENT_FILE = "withheld_enforcement_file"
    WITHHELD_ADMIN_QUERY = "withheld_admin_query"
    NOT_EXIST = "not_exist"
    NOT_THIS_AGENCY = "not_this_agency"
    NEEDS_CREATION = "needs_creation"
    STILL_UNCLEAR = "still_unclear"
    PETITION = "petition"
    REPEAT_APPLICATION = "repeat_application"
    PUBLICATION = "publication"
    EXCESSIVE = "excessive_requests"
    CONFIRM_OR_REISSUE = "confirm_or_reissue"
    CLOSED_NO_CORRECTION = "closed_no_correction"
    CLOSED_FEE_UNPAID = "closed_fee_unpaid"
    CLOSED_OTHER = "closed_other"

    @property
    def label(self) -> str:
        return OUTCOMES[self].label


class WithholdingGround(StrEnum):
    """不予公开的依据 — why information (a whole request, or a part of a partial disclosure) is withheld.

    Arts 14 and 15 are mandatory (不予公开 / 不得公开; Art 15 yields to the third party's consent or
    an overriding public interest); Art 16 is discretionary (可以不予公开) and yields to a law,
    regulation or rule that requires disclosure. ``ADMIN_QUERY`` (行政查询事项) is the report's
    category; which article it rests on is UNCONFIRMED ❓ — legal-reference §6.3 reads it as Art
    36(七) (工商、不动产登记资料 with a special access regime), so that is the citation given.
    ``NOT_GOVERNMENT_INFO`` (Art 37「不属于政府信息的内容」) may only be cited for a withheld part of a
    partial disclosure: it has no 不予公开 row and no :class:`Outcome`.
    """

    STATE_SECRET = "state_secret"
    PROHIBITED_BY_LAW = "prohibited_by_law"
    SECURITY_STABILITY = "security_stability"
    THIRD_PARTY = "third_party"
    INTERNAL_AFFAIRS = "internal_affairs"
    PROCESS_INFO = "process_info"
    ENFORCEMENT_FILE = "enforcement_file"
    ADMIN_QUERY = "admin_query"  # article UNCONFIRMED ❓ (legal-reference §6.3)
    NOT_GOVERNMENT_INFO = "not_government_info"  # partial disclosure only (Art 37)

    @property
    def label(self) -> str:
        return _GROUNDS[self][0]

    @property
    def citation(self) -> str:
        """The article text a reply cites: ``《条例》第十四条``."""
        return _GROUNDS[self][1]

    @property
    def outcome(self) -> Outcome | None:
        """The 不予公开 outcome a refusal on this ground alone ends with."""
        return _GROUNDS[self][2]


_GROUNDS: dict[WithholdingGround, tuple[str, str, Outcome | None]] = {
    WithholdingGround.STATE_SECRET: (
        "依法确定为国家秘密",
        "《条例》第十四条",
        Outcome.WITHHELD_STATE_SECRET,
    ),
    WithholdingGround.PROHIBITED_BY_LAW: (
        "法律、行政法规禁止公开",
        "《条例》第十四条",
        Outcome.WITHHELD_PROHIBITED_BY_LAW,
    ),
    WithholdingGround.SECURITY_STABILITY: (
        "公开后可能危及国家安全、公共安全、经济安全、社会稳定",
        "《条例》第十四条",
        Outcome.WITHHELD_SECURITY_STABILITY,
    ),
    WithholdingGround.THIRD_PARTY: (
        "涉及商业秘密、个人隐私等，公开会损害第三方合法权益",
        "《条例》第十五条、第三十二条",
        Outcome.WITHHELD_THIRD_PARTY,
    ),
    WithholdingGround.INTERNAL_AFFAIRS: (
        "行政机关的内部事务信息",
        "《条例》第十六条第一款",
        Outcome.WITHHELD_INTERNAL_AFFAIRS,
    ),
    WithholdingGround.PROCESS_INFO: (
        "过程性信息",
        "《条例》第十六条第二款",
        Outcome.WITHHELD_PROCESS_INFO,
    ),
    WithholdingGround.ENFORCEMENT_FILE: (
        "行政执法案卷信息",
        "《条例》第十六条第二款",
        Outcome.WITHHELD_ENFORCEMENT_FILE,
    ),
    WithholdingGround.ADMIN_QUERY: (
        "属于行政查询事项，有关法律、行政法规对信息的获取有特别规定",
        "《条例》第三十六条第（七）项",
        Outcome.WITHHELD_ADMIN_QUERY,
    ),
    WithholdingGround.NOT_GOVERNMENT_INFO: (
        "不属于政府信息",
        "《条例》第三十七条",
        None,
    ),
}


class DecisionField(StrEnum):
    """The facts a decision needs on file before its reply can be signed (keys of ``fields``).

    ==========================  ==============================================================
    field                       what it holds
    ==========================  ==============================================================
    access_method               获取方式、途径（和时间）: how and where the applicant gets the
                                information, and in what form (Art 36(一)(二), Art 37, Art 39
                                ¶2, Art 40)
    grounds                     不予公开的依据和理由: a non-empty sequence of mappings
                                ``{"ground", "reasons", "part"}`` — a :class:`WithholdingGround`
                                value, the reasons given, the part withheld (``part`` required
                                for a partial disclosure, optional for a refusal)
    search_record               检索记录: what was searched, where, by whom (the agency must
                                prove an adequate search, S13 Art 5)
    responsible_agency          负责公开的行政机关: its name (Art 36(五))
    responsible_agency_contact  该机关联系方式: optional, its contact (Art 36(五))
    reasons                     理由说明: the reasons the reply states
    special_regime              特别规定及办理途径: the law or regulation and where to go, e.g.
                                the real-estate registry (Art 36(七))
    previous_case               此前已答复的申请: the earlier case answered (Art 36(六))
    proper_channel              信访、投诉、举报渠道: optional, where to take it (Art 39 ¶1)
    correction_notice           补正告知书: the correction notice sent (Art 30)
    explanation_request         说明理由告知书: the request for reasons sent (Art 35)
    fee_notice                  收费通知书: the fee notice sent (109号)
    public_interest             公共利益的认定及理由: why withholding would seriously affect the
                                public interest, so information a consulted third party objected
                                to is disclosed (Art 15, Art 32); required then, and only then
    disclose_on                 公开的时间: optional, the day the information objected to will be
                                disclosed (ISO date); without it, with the reply
    disclosed_content           决定公开的内容: optional, the information disclosed over the
                                objection as the third party is told it; without it, the request
    ==========================  ==============================================================

    Which outcome requires which field is in :data:`OUTCOMES`. A field is missing when absent,
    ``None``, a blank string or an empty collection. Documents (notices, earlier cases) are given
    by id or number; how the engine stores them is its choice.
    """

    ACCESS_METHOD = "access_method"
    GROUNDS = "grounds"
    SEARCH_RECORD = "search_record"
    RESPONSIBLE_AGENCY = "responsible_agency"
    RESPONSIBLE_AGENCY_CONTACT = "responsible_agency_contact"
    REASONS = "reasons"
    SPECIAL_REGIME = "special_regime"
    PREVIOUS_CASE = "previous_case"
    PROPER_CHANNEL = "proper_channel"
    CORRECTION_NOTICE = "correction_notice"
    EXPLANATION_REQUEST = "explanation_request"
    FEE_NOTICE = "fee_notice"
    PUBLIC_INTEREST = "public_interest"
    DISCLOSE_ON = "disclose_on"
    DISCLOSED_CONTENT = "disclosed_content"

    @property
    def label(self) -> str:
        return _FIELD_LABELS[self]


_FIELD_LABELS = {
    DecisionField.ACCESS_METHOD: "获取信息的方式、途径",
    DecisionField.GROUNDS: "不予公开的依据和理由",
    DecisionField.SEARCH_RECORD: "检索记录",
    DecisionField.RESPONSIBLE_AGENCY: "负责公开该信息的行政机关",
    DecisionField.RESPONSIBLE_AGENCY_CONTACT: "该行政机关的联系方式",
    DecisionField.REASONS: "理由说明",
    DecisionField.SPECIAL_REGIME: "有关法律、行政法规的特别规定及办理途径",
    DecisionField.PREVIOUS_CASE: "此前已作答复的申请",
    DecisionField.PROPER_CHANNEL: "信访、投诉、举报的受理渠道",
    DecisionField.CORRECTION_NOTICE: "补正告知书",
    DecisionField.EXPLANATION_REQUEST: "说明理由告知书",
    DecisionField.FEE_NOTICE: "收费通知书",
    DecisionField.PUBLIC_INTEREST: "不公开可能对公共利益造成重大影响的认定及理由",
    DecisionField.DISCLOSE_ON: "公开的时间",
    DecisionField.DISCLOSED_CONTENT: "决定公开的内容",
}


class RemedyKind(StrEnum):
    """救济告知 — which remedy clause a reply carries."""

    REVIEW_FIRST = "review_first"  # 复议前置: 行政复议法 Art 23 ¶1(四), ¶2
    REVIEW_OR_LITIGATION = "review_or_litigation"  # 行政复议法 Art 20; 行政诉讼法 Art 46
    NONE = "none"

    @property
    def label(self) -> str:
        return _REMEDY_LABELS[self]

    @property
    def legal_basis(self) -> tuple[str, ...]:
        return _REMEDY_BASIS[self]


_REMEDY_LABELS = {
    RemedyKind.REVIEW_FIRST: "应先申请行政复议（复议前置）",
    RemedyKind.REVIEW_OR_LITIGATION: "可以申请行政复议或者提起行政诉讼",
    RemedyKind.NONE: "不告知救济途径",
}
_REMEDY_BASIS: dict[RemedyKind, tuple[str, ...]] = {
    RemedyKind.REVIEW_FIRST: (
        "《中华人民共和国行政复议法》第二十条第一款",
        "《中华人民共和国行政复议法》第二十三条第一款第（四）项",
        "《中华人民共和国行政复议法》第二十三条第二款",
        "《中华人民共和国行政诉讼法》第四十五条",
    ),
    RemedyKind.REVIEW_OR_LITIGATION: (
        "《中华人民共和国行政复议法》第二十条第一款",
        "《中华人民共和国行政诉讼法》第四十六条第一款",
    ),
    RemedyKind.NONE: (),
}


@dataclass(frozen=True, slots=True)
class OutcomeSpec:
    """What the law and the report say about one :class:`Outcome`.

    ``legal_basis`` lists the article texts the reply cites. ``required_fields`` must be present
    before the reply can be signed (:func:`validate_decision`); ``optional_fields`` are used by
    the letter when present. ``reply_letter`` is the letter kind the letters catalogue keys on;
    where ``closes_without_reply`` is true the Regulation requires no substantive reply and the
    letter is a closing notice the agency sends by practice (❓, legal-reference §6.1 O13).
    ``carries_remedy_clause`` says whether the decision is one the applicant may challenge, so
    its letter carries a remedy clause; :func:`remedy_for` says which.
    """

    outcome: Outcome
    report_row: ReportRow
    label: str
    legal_basis: tuple[str, ...]
    reply_letter: str
    required_fields: tuple[DecisionField, ...] = ()
    optional_fields: tuple[DecisionField, ...] = ()
    legal_review_required: bool = False
    closes_without_reply: bool = False
    carries_remedy_clause: bool = True

    @property
    def group(self) -> OutcomeGroup:
        return self.report_row.group

    @property
    def ground(self) -> WithholdingGround | None:
        """For a 不予公开 outcome, the ground it stands for; otherwise None."""
        return _GROUND_BY_OUTCOME.get(self.outcome)


_GROUND_BY_OUTCOME = {o: g for g, (_, _, o) in _GROUNDS.items() if o is not None}

_F = DecisionField
#: What a disclosure over a consulted third party's objection records (Art 32): the finding is
#: required then (validate_decision), the rest optional.
_OVER_OBJECTION = (_F.PUBLIC_INTEREST, _F.DISCLOSE_ON, _F.DISCLOSED_CONTENT)
_ART_36_3 = "《条例》第三十六条第（三）项"


def _withheld(outcome: Outcome, row: ReportRow) -> OutcomeSpec:
    """A 不予公开 outcome: cite Art 36(三) and the ground's article; legal staff review it."""
    ground = _GROUND_BY_OUTCOME[outcome]
    return OutcomeSpec(
        outcome,
        row,
        f"不予公开（{row.label}）",
        (_ART_36_3, ground.citation),
        "reply_withheld",
        required_fields=(_F.GROUNDS,),
        legal_review_required=True,  # legal staff review every refusal's grounds
    )


_SPECS = (
    OutcomeSpec(
        Outcome.ALREADY_PUBLISHED,
        ReportRow.DISCLOSED,
        "已主动公开，告知获取方式、途径",
        ("《条例》第三十六条第（一）项",),
        "reply_already_published",
        required_fields=(_F.ACCESS_METHOD,),
    ),
    OutcomeSpec(
        Outcome.DISCLOSED,
        ReportRow.DISCLOSED,
        "予以公开",
        ("《条例》第三十六条第（二）项",),
        "reply_disclosed",
        required_fields=(_F.ACCESS_METHOD,),
        optional_fields=_OVER_OBJECTION,
    ),
    OutcomeSpec(
        Outcome.PARTIAL,
        ReportRow.PARTIAL,
        "部分公开（区分处理）",
        ("《条例》第三十七条",),  # with each withheld part's ground, from ``grounds``
        "reply_partially_disclosed",
        required_fields=(_F.ACCESS_METHOD, _F.GROUNDS),
        optional_fields=_OVER_OBJECTION,
        legal_review_required=True,
    ),
    _withheld(Outcome.WITHHELD_STATE_SECRET, ReportRow.WITHHELD_STATE_SECRET),
    _withheld(Outcome.WITHHELD_PROHIBITED_BY_LAW, ReportRow.WITHHELD_PROHIBITED_BY_LAW),
    _withheld(Outcome.WITHHELD_SECURITY_STABILITY, ReportRow.WITHHELD_SECURITY_STABILITY),
    _withheld(Outcome.WITHHELD_THIRD_PARTY, ReportRow.WITHHELD_THIRD_PARTY),
    _withheld(Outcome.WITHHELD_INTERNAL_AFFAIRS, ReportRow.WITHHELD_INTERNAL_AFFAIRS),
    _withheld(Outcome.WITHHELD_PROCESS_INFO, ReportRow.WITHHELD_PROCESS_INFO),
    _withheld(Outcome.WITHHELD_ENFORCEMENT_FILE, ReportRow.WITHHELD_ENFORCEMENT_FILE),
    OutcomeSpec(  # the report's 行政查询事项, read as Art 36(七) (❓ legal-reference §6.3)
        Outcome.WITHHELD_ADMIN_QUERY,
        ReportRow.WITHHELD_ADMIN_QUERY,
        "属于行政查询事项，告知依照有关法律、行政法规的规定办理",
        ("《条例》第三十六条第（七）项",),
        "reply_special_regime",
        required_fields=(_F.GROUNDS, _F.SPECIAL_REGIME),
        legal_review_required=True,
    ),
    OutcomeSpec(
        Outcome.NOT_EXIST,
        ReportRow.UNABLE_NOT_HELD,
        "经检索，该政府信息不存在",
        ("《条例》第三十六条第（四）项",),
        "reply_not_exist",
        required_fields=(_F.SEARCH_RECORD,),
    ),
    OutcomeSpec(
        Outcome.NOT_THIS_AGENCY,
        ReportRow.UNABLE_NOT_HELD,
        "不属于本机关负责公开",
        ("《条例》第三十六条第（五）项",),
        "reply_not_this_agency",
        required_fields=(_F.REASONS, _F.RESPONSIBLE_AGENCY),
        optional_fields=(_F.RESPONSIBLE_AGENCY_CONTACT,),
    ),
    OutcomeSpec(
        Outcome.NEEDS_CREATION,
        ReportRow.UNABLE_NEEDS_CREATION,
        "没有现成信息，需要加工、分析或另行制作",
        ("《条例》第三十八条",),
        "reply_needs_creation",
        required_fields=(_F.REASONS,),
    ),
    OutcomeSpec(
        Outcome.STILL_UNCLEAR,
        ReportRow.UNABLE_STILL_UNCLEAR,
        "补正后申请内容仍不明确",
        ("《条例》第三十条",),
        "reply_still_unclear",
        required_fields=(_F.CORRECTION_NOTICE, _F.REASONS),
    ),
    OutcomeSpec(
        Outcome.PETITION,
        ReportRow.NOT_PROCESSED_PETITION,
        "信访、投诉、举报，不作为政府信息公开申请处理",
        ("《条例》第三十九条第一款",),
        "reply_petition",
        optional_fields=(_F.PROPER_CHANNEL,),
    ),
    OutcomeSpec(
        Outcome.REPEAT_APPLICATION,
        ReportRow.NOT_PROCESSED_REPEAT,
        "重复申请，不予重复处理",
        ("《条例》第三十六条第（六）项",),
        "reply_repeat_application",
        required_fields=(_F.PREVIOUS_CASE,),
    ),
    OutcomeSpec(
        Outcome.PUBLICATION,
        ReportRow.NOT_PROCESSED_PUBLICATION,
        "要求提供公开出版物，告知获取途径",
        ("《条例》第三十九条第二款",),
        "reply_publication",
        optional_fields=(_F.ACCESS_METHOD,),
    ),
    OutcomeSpec(
        Outcome.EXCESSIVE,
        ReportRow.NOT_PROCESSED_EXCESSIVE,
        "申请数量、频次明显超过合理范围且理由不合理，不予处理",
        ("《条例》第三十五条",),
        "reply_excessive_requests",
        required_fields=(_F.EXPLANATION_REQUEST, _F.REASONS),
    ),
    OutcomeSpec(  # no article names this row (❓ legal-reference §6.3): the reply gives reasons
        Outcome.CONFIRM_OR_REISSUE,
        ReportRow.NOT_PROCESSED_CONFIRM_OR_REISSUE,
        "要求确认或重新出具已获取的信息，不予处理",
        (),
        "reply_confirm_or_reissue",
        required_fields=(_F.REASONS,),
    ),
    OutcomeSpec(
        Outcome.CLOSED_NO_CORRECTION,
        ReportRow.OTHER_NO_CORRECTION,
        "逾期不补正，视为放弃申请",
        ("《条例》第三十条",),
        "closing_no_correction",
        required_fields=(_F.CORRECTION_NOTICE,),
        closes_without_reply=True,
    ),
    OutcomeSpec(
        Outcome.CLOSED_FEE_UNPAID,
        ReportRow.OTHER_FEE_UNPAID,
        "逾期未缴纳信息处理费，视为放弃申请",
        ("《条例》第四十二条", "《政府信息公开信息处理费管理办法》（国办函〔2020〕109号）"),
        "closing_fee_unpaid",
        required_fields=(_F.FEE_NOTICE,),
        closes_without_reply=True,
    ),
    OutcomeSpec(  # e.g. the applicant withdrew: nothing was decided against them (❓)
        Outcome.CLOSED_OTHER,
        ReportRow.OTHER_MISC,
        "其他情形终止办理（如申请人撤回申请）",
        (),
        "closing_other",
        required_fields=(_F.REASONS,),
        closes_without_reply=True,
        carries_remedy_clause=False,
    ),
)

#: Every outcome's spec, in table order.
OUTCOMES: Mapping[Outcome, OutcomeSpec] = MappingProxyType({s.outcome: s for s in _SPECS})


#: 法制审核 — the law's floor: every 不予公开 and 部分公开 reply (the reviewed ``legal_review_required``
#: outcomes), and, case by case, any disclosure over a third party's objection (over_objection).
LEGAL_REVIEW_MINIMUM = frozenset(o for o, s in OUTCOMES.items() if s.legal_review_required)
#: The engine sets these itself (a lapse, a withdrawal): no draft, so nothing to review.
_ENGINE_SET = frozenset(
    {Outcome.CLOSED_NO_CORRECTION, Outcome.CLOSED_FEE_UNPAID, Outcome.CLOSED_OTHER}
)
#: Outcomes an agency may add to the floor.
LEGAL_REVIEW_CHOICES = frozenset(OUTCOMES) - _ENGINE_SET
#: gkcase's default above the floor (docs/policies.md): the replies most often litigated —
#: 信息不存在 (Art 36(四)), 不属于本机关 (Art 36(五)) and every 不予处理 (Art 35, 36(六), 39).
LEGAL_REVIEW_DEFAULT = LEGAL_REVIEW_MINIMUM | {
    o
    for o in LEGAL_REVIEW_CHOICES
    if o in (Outcome.NOT_EXIST, Outcome.NOT_THIS_AGENCY)
    or OUTCOMES[o].group is OutcomeGroup.NOT_PROCESSED
}


def legal_review_outcomes(policy: str | Iterable[str]) -> frozenset[Outcome]:
    """The outcomes an agency's policy sends to legal review: its stored list (comma-separated
    values) and always the floor; a value no longer known is ignored."""
    values = policy.split(",") if isinstance(policy, str) else policy
    chosen = {Outcome(v) for v in values if v in Outcome._value2member_map_}
    return LEGAL_REVIEW_MINIMUM | (chosen & LEGAL_REVIEW_CHOICES)


def legal_review_policy(values: Iterable[str]) -> str:
    """An agency's legal review list as stored, after checking it: the floor cannot be left out
    (an admin widens the review, never narrows it below the law's minimum)."""
    chosen = set()
    for value in values:
        if value not in Outcome._value2member_map_ or Outcome(value) not in LEGAL_REVIEW_CHOICES:
            raise ValidationError(
                f"没有“{value}”这一可审核的办理结果", field="legal_review_outcomes"
            )
        chosen.add(Outcome(value))
    missing = LEGAL_REVIEW_MINIMUM - chosen
    if missing:
        names = "、".join(OUTCOMES[o].label for o in sorted(missing, key=list(Outcome).index))
        raise ValidationError(
            f"不予公开、部分公开的答复必须经法制审核，不能取消：{names}",
            field="legal_review_outcomes",
        )
    return ",".join(o.value for o in sorted(chosen, key=list(Outcome).index))


def spec(outcome: Outcome | str) -> OutcomeSpec:
    """The spec of an outcome (or of its stored value)."""
    return OUTCOMES[_outcome(outcome)]


def _outcome(value: Outcome | str) -> Outcome:
    try:
        return Outcome(value)
    except ValueError:
        raise ValidationError(f"未知的办理结果：{value!r}", field="outcome") from None


# --- remedies ---------------------------------------------------------------------------------

_REVIEW_FIRST_GROUPS = frozenset({OutcomeGroup.WITHHELD, OutcomeGroup.PARTIAL})


def remedy_for(outcome: Outcome | str, decided_on: date) -> RemedyKind:
    """The remedy clause of a reply, by outcome and the date of the decision (作出行政行为之日).

    - 不予公开 and 部分公开 decided on or after 2024-01-01: review first (行政复议法 Art 23 ¶1(四));
      the letter must say so (Art 23 ¶2). Art 23 says 「不予公开」: whether a partial refusal, or
      a 行政查询事项 reply, falls under it is UNCONFIRMED ❓ (legal-reference §9.3). Review-first is
      the safe default: wrongly offering direct litigation can cost the applicant the claim.
    - Every other decision that affects the applicant, and refusals before 2024: 60 days review
      or 6 months litigation. This includes 无法提供, 不予处理 and the 视为放弃 closures; whether
      a 信访 diversion or a 公开出版物 reply is justiciable is ❓ (legal-reference §9.2; S14 unread),
      and saying too much is harmless where omitting the clause extends the time limit to a year.
    - 其他处理-3 (e.g. a withdrawal): none.
    """
    outcome_spec = spec(outcome)
    if not isinstance(decided_on, date) or isinstance(decided_on, datetime):
        raise ValidationError("决定日期须为日期", field="decided_on")
    if decided_on < REGULATION_IN_FORCE:
        raise ValidationError("决定日期早于2019年5月15日，适用修订前的条例", field="decided_on")
    if not outcome_spec.carries_remedy_clause:
        return RemedyKind.NONE
    if outcome_spec.group in _REVIEW_FIRST_GROUPS and decided_on >= REVIEW_FIRST_FROM:
        return RemedyKind.REVIEW_FIRST  # 行政复议法 Art 23 ¶1(四), ¶2
    return RemedyKind.REVIEW_OR_LITIGATION  # 行政复议法 Art 20 ¶1; 行政诉讼法 Art 46 ¶1


# --- validating a decision --------------------------------------------------------------------


def over_objection(outcome: Outcome | str, fields: Mapping[str, object], objected: bool) -> bool:
    """Whether the decision discloses information a consulted third party objected to (Art 32):
    予以公开 after an objection; 部分公开 too, unless the withheld parts include the third party's
    (a ground of Art 15/32, ``WithholdingGround.THIRD_PARTY``). Such a decision needs the
    public-interest finding, legal review, and a 决定公开告知书 to each objecting party."""
    if not objected:
        return False
    outcome = _outcome(outcome)
    if outcome is Outcome.DISCLOSED:
        return True
    if outcome is not Outcome.PARTIAL:
        return False
    grounds = fields.get(DecisionField.GROUNDS) if isinstance(fields, Mapping) else None
    entries = grounds if isinstance(grounds, Sequence) and not isinstance(grounds, str) else ()
    return not any(
        isinstance(g, Mapping) and g.get("ground") == WithholdingGround.THIRD_PARTY.value
        for g in entries
    )


def validate_decision(
    outcome: Outcome | str, fields: Mapping[str, object], *, objected: bool = False
) -> None:
    """Refuse a decision that lacks what its reply must state.

    Raises :class:`ValidationError` naming the first missing required field (in the order of
    ``required_fields``); then, for 部分公开 and 不予公开, the first fault in ``grounds``:

    - each entry is a mapping with a known ``ground`` and non-blank ``reasons`` (Art 36(三),
      Art 37: reasons for every withheld part); 部分公开 entries also name the ``part`` withheld;
    - 不予公开 entries never cite 不属于政府信息 (Art 37 speaks of mixed content only), and the
      ground of the chosen outcome is among them — it is the row the case counts in; further
      Art 14–16 grounds may be cited beside it.
    """
    outcome_spec = spec(outcome)
    if not isinstance(fields, Mapping):
        raise ValidationError("决定内容须为字段映射", field="fields")
    for name in outcome_spec.required_fields:
        if not _present(fields.get(name)):
            raise ValidationError(f"{outcome_spec.label}：须填写{name.label}", field=name.value)
    if outcome_spec.group in _REVIEW_FIRST_GROUPS:
        _check_grounds(outcome_spec, fields[DecisionField.GROUNDS])
    # Art 32, Art 15: disclosure over a third party's reasonable objection only on a finding
    # that withholding would seriously affect the public interest, with its reasons.
    finding = fields.get(DecisionField.PUBLIC_INTEREST)
    if over_objection(outcome_spec.outcome, fields, objected) and not _present(finding):
        raise ValidationError(
            "第三方不同意公开，决定公开须认定不公开可能对公共利益造成重大影响并说明理由",
            field=DecisionField.PUBLIC_INTEREST.value,
        )
    when = fields.get(DecisionField.DISCLOSE_ON)
    if when not in (None, ""):
        try:
            date.fromisoformat(str(when))
        except ValueError:
            raise ValidationError(
                "不是有效日期（应为 YYYY-MM-DD）", field=DecisionField.DISCLOSE_ON.value
            ) from None


def _present(value: object) -> bool:
    if value is None:
        return False
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, Mapping | Sequence | set | frozenset):
        return len(value) > 0
    return True


def _check_grounds(outcome_spec: OutcomeSpec, grounds: object) -> None:
    if isinstance(grounds, str | bytes) or not isinstance(grounds, Sequence):
        raise ValidationError("不予公开的依据须逐项列出", field="grounds")
    partial = outcome_spec.group is OutcomeGroup.PARTIAL
    cited: set[WithholdingGround] = set()
    for index, entry in enumerate(grounds):
        at = f"grounds.{index}"
        if not isinstance(entry, Mapping):
            raise ValidationError("每项不予公开的依据须包含依据、理由和内容", field=at)
        try:
            ground = WithholdingGround(entry.get("ground"))
        except ValueError:
            raise ValidationError("请选择不予公开的依据", field=f"{at}.ground") from None
        if ground is WithholdingGround.NOT_GOVERNMENT_INFO and not partial:
            raise ValidationError(
                "「不属于政府信息」只适用于区分处理后部分公开（第三十七条）", field=f"{at}.ground"
            )
        reasons = entry.get("reasons")
        if not isinstance(reasons, str) or not reasons.strip():
            # Art 36(三): 说明理由; Art 37: 对不予公开的内容说明理由
            raise ValidationError("须说明不予公开的理由", field=f"{at}.reasons")
        part = entry.get("part")
        if partial and not _present(part):
            raise ValidationError("须写明不予公开的内容", field=f"{at}.part")
        if part is not None and not isinstance(part, str):
            raise ValidationError("不予公开的内容须为文字说明", field=f"{at}.part")
        cited.add(ground)
    required = outcome_spec.ground
    if required is not None and required not in cited:
        raise ValidationError(
            f"办理结果为「{outcome_spec.label}」，须援引该依据（{required.citation}）",
            field="grounds",
        )
