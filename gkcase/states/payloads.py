"""What each trigger needs to be told: one pydantic model per trigger.

The service validates a trigger's payload against its model before anything else and stores the
validated, normalised payload in the event, so a case's clock and history can be recomputed from
its events alone. The API uses the same models as request bodies.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Any, Literal, TypeVar

import pydantic
from pydantic import BaseModel, ConfigDict, Field

from gkcase.calendar.clock import EXTENSION_CAP_WORKDAYS, GRANTED_PERIOD_MAX_WORKDAYS
from gkcase.errors import ValidationError
from gkcase.fees import FeeBasis
from gkcase.states.machine import Trigger
from gkcase.states.outcomes import Outcome

M = TypeVar("M", bound=BaseModel)

#: The largest row id any database here can hold (a 32-bit integer column on PostgreSQL).
MAX_ID = 2**31 - 1


class _Payload(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Empty(_Payload):
    note: str = Field(default="", max_length=2000)


class Confirm(_Payload):
    """Art 31: the day the agency signed for a registered letter, or both sides confirmed."""

    signed_for_on: date | None = None
    confirmed_on: date | None = None
    how: str = Field(default="", max_length=200, description="确认方式：电话、短信、平台回执…")


class Assign(_Payload):
    assignee_id: int = Field(gt=0, le=MAX_ID)


class RequestCorrection(_Payload):
    """补正告知 (Art 30): guidance, every item to correct, a reasonable period — all at once."""

    items: list[str] = Field(min_length=1, max_length=30)
    guidance: str = Field(min_length=1, max_length=4000, description="指导和释明")
    period_workdays: int | None = Field(default=None, ge=1, le=GRANTED_PERIOD_MAX_WORKDAYS)
    sent_on: date | None = None
    received_on: date | None = Field(default=None, description="申请人收到告知书之日")


class CorrectionReceived(_Payload):
    received_on: date
    summary: str = Field(default="", max_length=4000)


class RequestReasons(_Payload):
    """说明理由 (Art 35): the applicant's period runs from its receipt of the request."""

    matters: str = Field(min_length=1, max_length=4000)
    period_workdays: int | None = Field(default=None, ge=1, le=GRANTED_PERIOD_MAX_WORKDAYS)
    sent_on: date | None = None
    received_on: date | None = Field(default=None, description="申请人收到告知书之日")


class ExplanationFinding(StrEnum):
    REASONABLE = "reasonable"  # 理由合理 (may lead to 延迟答复)
    UNREASONABLE = "unreasonable"  # 理由不合理 (不予处理)
    NONE = "none"  # 期限届满未说明理由


class RecordExplanation(_Payload):
    """The applicant's explanation under Art 35 and what the agency found of it; ``none`` once
    the period ran out with no explanation."""

    finding: ExplanationFinding
    received_on: date | None = Field(default=None, description="收到申请人说明之日")
    summary: str = Field(default="", max_length=4000)


class DeliveryMethod(StrEnum):
    DIRECT = "direct"  # 直接送达
    ENTRUSTED = "entrusted"  # 委托其他行政机关代为送达
    POST = "post"  # 邮寄送达（邮政企业）
    ELECTRONIC = "electronic"  # 电子送达（申请人选择的互联网渠道）


class NoticeKind(StrEnum):
    """A notice whose period runs from its recipient's receipt of it."""

    CORRECTION_NOTICE = "correction_notice"  # 补正告知书 (Art 30)
    FEE_NOTICE = "fee_notice"  # 收费通知 (109号)
    REASONS_REQUEST = "reasons_request"  # 说明理由告知书 (Art 35)
    CONSULTATION = "consultation"  # 征求意见书 (Art 32, 34)


class RecordNoticeReceipt(_Payload):
    """送达: the day the applicant (or the consulted party) received a notice, how, and the
    proof; the notice's period runs from that day."""

    notice: NoticeKind
    consultation_id: int | None = Field(default=None, gt=0, le=MAX_ID)
    received_on: date
    method: DeliveryMethod
    proof: str = Field(default="", max_length=300, description="送达回证、邮件签收记录、平台回执…")


class ConsultationKind(StrEnum):
    THIRD_PARTY = "third_party"  # Art 32
    CO_PRODUCER = "co_producer"  # Art 34
    OTHER_AGENCY = "other_agency"  # Art 33 ¶3: 保密审查 (Art 17)、协调确认 (Art 11)

    @property
    def label(self) -> str:
        return _CONSULTATION_KIND_LABELS[self]


_CONSULTATION_KIND_LABELS = {
    ConsultationKind.THIRD_PARTY: "第三方（第三十二条）",
    ConsultationKind.CO_PRODUCER: "共同制作机关（第三十四条）",
    ConsultationKind.OTHER_AGENCY: "其他机关：保密审查、协调确认（第三十三条第三款）",
}


class Consult(_Payload):
    kind: ConsultationKind
    party_name: str = Field(min_length=1, max_length=120)
    party_contact: str = Field(default="", max_length=200)
    matters: str = Field(min_length=1, max_length=4000)
    sent_on: date | None = None
    party_received_on: date | None = None


class Opinion(StrEnum):
    AGREE = "agree"  # 同意公开
    OBJECT = "object"  # 不同意公开
    SILENT = "silent"  # 逾期未提出意见


class ConsultationDone(_Payload):
    consultation_id: int = Field(gt=0, le=MAX_ID)
    opinion: Opinion
    opinion_received_on: date | None = None
    party_received_on: date | None = None
    summary: str = Field(default="", max_length=4000)


class IssueFeeNotice(_Payload):
    """收费通知 (109号): one basis per application, never both (Art 3)."""

    basis: FeeBasis
    quantity: int = Field(ge=1, le=100_000, description="件数或页数")
    sent_on: date | None = None
    received_on: date | None = Field(default=None, description="申请人收到收费通知之日")
    payment_method: str = Field(
        min_length=1, max_length=1000, description="缴纳方式：账户、地点、可用的支付方式"
    )


class FeePaid(_Payload):
    paid_on: date
    receipt_number: str = Field(default="", max_length=60)


class Extend(_Payload):
    """延长答复期限 (Art 33 ¶2): approved by the head of the disclosure office."""

    workdays: int = Field(ge=1, le=EXTENSION_CAP_WORKDAYS)
    approved_on: date | None = None
    notified_on: date | None = Field(
        default=None, description="延期答复告知书的成文日期，不晚于原答复期限；默认为办理日期"
    )
    reason: str = Field(min_length=1, max_length=2000)


class Defer(_Payload):
    """延迟答复 (Art 35)."""

    until: date
    decided_on: date | None = None
    reason: str = Field(min_length=1, max_length=2000)


class Decision(_Payload):
    """The drafted decision: its outcome and the fields that outcome requires."""

    outcome: Outcome
    fields: dict[str, Any] = Field(default_factory=dict)


class Comments(_Payload):
    comments: str = Field(min_length=1, max_length=4000)


class Approve(_Payload):
    comments: str = Field(default="", max_length=4000)


class Sign(_Payload):
    signed_on: date | None = None


class IssueReceipt(_Payload):
    """接收回执 (Art 31): the applicant's proof of the receipt date and the reply due date."""

    issued_on: date | None = None


class CorrectLetter(_Payload):
    """更正: a letter already issued is voided, with the reason, and issued again."""

    letter_id: int = Field(gt=0, le=MAX_ID)
    reason: str = Field(min_length=1, max_length=2000, description="更正原因")


class Deliver(_Payload):
    """送达 (国办公开办函〔2016〕235号): signature date, or the posting date for mail."""

    method: DeliveryMethod
    delivered_on: date
    posted_on: date | None = None
    tracking_number: str = Field(default="", max_length=60)
    recipient: str = Field(default="", max_length=120)
    proof: str = Field(default="", max_length=300)


class Archive(_Payload):
    archived_on: date | None = None
    file_number: str = Field(default="", max_length=60, description="档案号")


class Withdraw(_Payload):
    withdrawn_on: date
    how: str = Field(min_length=1, max_length=200, description="书面撤回、当面撤回…")


class Reopen(_Payload):
    """A review decision or judgment orders a new reply."""

    basis: Literal["review_decision", "judgment"]
    document_number: str = Field(min_length=1, max_length=120)
    received_on: date
    due_on: date | None = None
    reason: str = Field(default="", max_length=2000)


class Proceeding(StrEnum):
    """A remedy the applicant (or a third party) brought: the columns of table 四."""

    REVIEW = "review"  # 行政复议
    LITIGATION_DIRECT = "litigation_direct"  # 未经复议直接起诉
    LITIGATION_AFTER_REVIEW = "litigation_after_review"  # 复议后起诉


class RemedyResult(StrEnum):
    MAINTAINED = "maintained"  # 结果维持
    CORRECTED = "corrected"  # 结果纠正
    OTHER = "other"  # 其他结果
    PENDING = "pending"  # 尚未审结


class RecordRemedy(_Payload):
    remedy_id: int | None = Field(
        default=None, gt=0, le=MAX_ID, description="更新已登记的复议或诉讼"
    )
    kind: Proceeding
    filed_on: date
    body: str = Field(default="", max_length=120)
    reference: str = Field(default="", max_length=120)
    result: RemedyResult = RemedyResult.PENDING
    result_on: date | None = None


#: Date fields that name a day to come; every other date in a payload is a day something
#: happened, which cannot be later than the day it is recorded for.
FORWARD_DATES = frozenset({"until", "due_on"})

T = Trigger
PAYLOADS: dict[Trigger, type[_Payload]] = {
    T.CONFIRM: Confirm,
    T.START_REVIEW: Empty,
    T.ASSIGN: Assign,
    T.REQUEST_CORRECTION: RequestCorrection,
    T.CORRECTION_RECEIVED: CorrectionReceived,
    T.CORRECTION_LAPSED: Empty,
    T.CONTINUE_WITHOUT_CORRECTION: Empty,
    T.REQUEST_REASONS: RequestReasons,
    T.RECORD_EXPLANATION: RecordExplanation,
    T.RECORD_NOTICE_RECEIPT: RecordNoticeReceipt,
    T.ACCEPT: Empty,
    T.DECIDE_WITHOUT_HANDLING: Decision,
    T.CONSULT: Consult,
    T.CONSULTATION_DONE: ConsultationDone,
    T.ISSUE_FEE_NOTICE: IssueFeeNotice,
    T.FEE_PAID: FeePaid,
    T.FEE_LAPSED: Empty,
    T.EXTEND: Extend,
    T.DEFER: Defer,
    T.DRAFT_DECISION: Decision,
    T.SUBMIT_FOR_LEGAL_REVIEW: Empty,
    T.SUBMIT_FOR_SIGNING: Empty,
    T.APPROVE: Approve,
    T.RETURN_DRAFT: Comments,
    T.SEND_BACK: Comments,
    T.SIGN: Sign,
    T.DELIVER: Deliver,
    T.ARCHIVE: Archive,
    T.WITHDRAW: Withdraw,
    T.REOPEN: Reopen,
    T.RECORD_REMEDY: RecordRemedy,
    T.ISSUE_RECEIPT: IssueReceipt,
    T.CORRECT_LETTER: CorrectLetter,
}

_MESSAGES = {
    "missing": "必填",
    "extra_forbidden": "不认识的字段",
    "date_from_datetime_parsing": "不是有效日期（应为 YYYY-MM-DD）",
    "date_parsing": "不是有效日期（应为 YYYY-MM-DD）",
    "date_type": "不是有效日期（应为 YYYY-MM-DD）",
    "string_too_short": "不能为空",
    "too_short": "不能为空",
    "string_too_long": "过长",
    "too_long": "项数过多",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "greater_than_equal": "数值过小",
    "greater_than": "数值过小",
    "less_than_equal": "数值过大",
    "enum": "不是允许的取值",
    "literal_error": "不是允许的取值",
    "string_type": "应为文字",
    "dict_type": "应为对象",
    "list_type": "应为列表",
}


def validate_model(model: type[M], data: Any) -> M:
    """Validate ``data``; the error names the first field at fault and the reason in Chinese."""
    try:
        return model.model_validate(data or {})
    except pydantic.ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"]) or "payload"
        message = _MESSAGES.get(err["type"], err["msg"].removeprefix("Value error, "))
        raise ValidationError(message, field=field) from None


def parse_payload(trigger: Trigger, data: Any) -> _Payload:
    """Validate the payload of ``trigger``."""
    return validate_model(PAYLOADS[trigger], data)
