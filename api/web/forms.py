"""Action forms generated from the triggers' payload models (gkcase.states.payloads.PAYLOADS).

One generic builder turns a payload model into form controls — a date becomes a date picker, an
int a number box, long text a textarea, an enum or Literal a select with Chinese labels, a list
of strings a textarea with one item per line — and one parser turns the posted form back into
the payload dict the service validates. The service stays the only judge of what is valid: the
parser only drops blanks and splits lines, so every refusal comes from the same place as in
the JSON API.

A drafted decision (``Decision{outcome, fields}``) is the one payload whose shape depends on a
value: its fields are the chosen outcome's required and optional :class:`DecisionField`\\ s, and
the withholding grounds are repeatable rows.
"""

from __future__ import annotations

import re
import types
from dataclasses import dataclass, field
from datetime import date
from enum import Enum
from typing import Any, Literal, Union, get_args, get_origin

import annotated_types

from gkcase.calendar.clock import Channel
from gkcase.calendar.zh import zh_date
from gkcase.fees import FeeBasis
from gkcase.services.cases import CLOSING_OUTCOMES, DECIDABLE_AT_REVIEW
from gkcase.states.machine import Trigger
from gkcase.states.outcomes import DecisionField, Outcome, WithholdingGround, spec
from gkcase.states.payloads import (
    PAYLOADS,
    ConsultationKind,
    DeliveryMethod,
    ExplanationFinding,
    NoticeKind,
    Opinion,
    Proceeding,
    RemedyResult,
)

#: Chinese label of every payload field (and of what the service stores beside it in events).
LABELS: dict[str, str] = {
    "note": "备注",
    "signed_for_on": "签收日期",
    "confirmed_on": "双方确认日期",
    "how": "确认方式",
    "assignee_id": "承办人",
    "assignee_name": "承办人",
    "items": "需要补正的事项",
    "guidance": "指导和释明",
    "period_workdays": "补正期限（工作日）",
    "sent_on": "发出日期",
    "received_on": "收到日期",
    "summary": "内容摘要",
    "matters": "征求意见的事项",
    "kind": "类型",
    "party_name": "被征求意见方",
    "party_contact": "联系方式",
    "party_received_on": "对方收到征求意见书之日",
    "consultation_id": "征求意见",
    "opinion": "意见",
    "opinion_received_on": "收到意见之日",
    "basis": "计费方式",
    "quantity": "件数或页数",
    "paid_on": "缴费日期",
    "receipt_number": "票据号码",
    "workdays": "延长工作日数",
    "approved_on": "批准日期",
    "notified_on": "告知书成文日期",
    "payment_method": "缴纳方式",
    "issued_on": "成文日期",
    "voids": "作废的文书",
    "voided_number": "作废的文号",
    "letters": "出具的文书",
    "number": "文号",
    "party": "征求意见对象",
    "html_sha256": "文书哈希（HTML）",
    "docx_sha256": "文书哈希（DOCX）",
    "pdf_sha256": "文书哈希（PDF）",
    "reason": "理由",
    "until": "延迟至",
    "decided_on": "决定日期",
    "outcome": "办理结果",
    "fields": "决定内容",
    "comments": "意见",
    "signed_on": "签发日期",
    "method": "送达方式",
    "delivered_on": "送达日期",
    "posted_on": "交邮日期",
    "tracking_number": "邮件号码",
    "recipient": "签收人",
    "proof": "送达凭证",
    "archived_on": "归档日期",
    "file_number": "档案号",
    "withdrawn_on": "撤回日期",
    "document_number": "文书编号",
    "due_on": "重新答复期限",
    "remedy_id": "已登记的复议或诉讼",
    "filed_on": "提起日期",
    "body": "复议机关或法院",
    "reference": "案号",
    "result": "结果",
    "result_on": "结果日期",
    "notice": "告知书",
    "finding": "认定",
    # stored by the service beside the payload (event history)
    "channel": "申请渠道",
    "arrived_on": "到达日期",
    "receipt_date": "收到申请之日",
    "receipt_rule": "确定规则",
    "applicant_id": "申请人编号",
    "period_due": "补正期限届满",
    "notice_due": "补正告知期限",
    "late": "逾期",
    "ended_on": "结束日期",
    "deemed_consent": "视为同意",
    "earlier_quantity": "本月此前件数",
    "amount": "金额（元）",
    "window_due": "期限届满",
    "approved_by": "批准人",
    "draft_version": "稿次",
    "closed_on": "终结日期",
    "on_time": "按期答复",
    "letter_id": "文书编号",
    "letter_number": "文号",
    "letter_sha256": "文书哈希",
    "timepoint": "送达时间点",
    **{f.value: f.label for f in DecisionField},
    "ground": "不予公开的依据",
    "reasons": "理由说明",
    "part": "不予公开的内容",
}

#: Where one field name means something particular in one trigger.
LABEL_OVERRIDES: dict[tuple[Trigger, str], str] = {
    (Trigger.REQUEST_CORRECTION, "received_on"): "申请人收到告知书之日",
    (Trigger.REQUEST_CORRECTION, "sent_on"): "告知书发出日期",
    (Trigger.CORRECTION_RECEIVED, "received_on"): "收到补正材料之日",
    (Trigger.CORRECTION_RECEIVED, "summary"): "补正内容摘要",
    (Trigger.REQUEST_REASONS, "matters"): "需要说明理由的事项",
    (Trigger.REQUEST_REASONS, "period_workdays"): "说明理由期限（工作日）",
    (Trigger.REQUEST_REASONS, "received_on"): "申请人收到告知书之日",
    (Trigger.RECORD_EXPLANATION, "received_on"): "收到申请人说明之日",
    (Trigger.RECORD_EXPLANATION, "summary"): "说明内容摘要",
    (Trigger.RECORD_NOTICE_RECEIPT, "received_on"): "收到之日",
    (Trigger.RECORD_NOTICE_RECEIPT, "consultation_id"): "征求意见（送达征求意见书时选择）",
    (Trigger.CONSULT, "kind"): "征求意见对象",
    (Trigger.CONSULT, "sent_on"): "征求意见书发出日期",
    (Trigger.CONSULTATION_DONE, "summary"): "意见摘要",
    (Trigger.ISSUE_FEE_NOTICE, "received_on"): "申请人收到收费通知之日",
    (Trigger.ISSUE_FEE_NOTICE, "sent_on"): "收费通知发出日期",
    (Trigger.EXTEND, "reason"): "延长理由",
    (Trigger.CORRECT_LETTER, "letter_id"): "更正的文书",
    (Trigger.CORRECT_LETTER, "reason"): "更正原因",
    (Trigger.DEFER, "reason"): "延迟答复理由",
    (Trigger.WITHDRAW, "how"): "撤回方式",
    (Trigger.REOPEN, "basis"): "重新办理依据",
    (Trigger.REOPEN, "received_on"): "收到复议决定或判决之日",
    (Trigger.REOPEN, "reason"): "说明",
    (Trigger.RECORD_REMEDY, "kind"): "救济类型",
    (Trigger.APPROVE, "comments"): "审核意见",
    (Trigger.RETURN_DRAFT, "comments"): "退回意见",
    (Trigger.SEND_BACK, "comments"): "退回意见",
}

#: Chinese labels of the values a select offers (enums and Literals of the payloads).
CHOICE_LABELS: dict[str, str] = {
    **{k: k.label for k in ConsultationKind},
    NoticeKind.CORRECTION_NOTICE: "补正告知书",
    NoticeKind.FEE_NOTICE: "收费通知书",
    NoticeKind.REASONS_REQUEST: "说明理由告知书",
    NoticeKind.CONSULTATION: "征求意见书（函）",
    ExplanationFinding.REASONABLE: "理由合理",
    ExplanationFinding.UNREASONABLE: "理由不合理",
    ExplanationFinding.NONE: "期限届满未说明理由",
    Opinion.AGREE: "同意公开",
    Opinion.OBJECT: "不同意公开",
    Opinion.SILENT: "逾期未提出意见",
    FeeBasis.PER_ITEM: FeeBasis.PER_ITEM.label,
    FeeBasis.PER_PAGE: FeeBasis.PER_PAGE.label,
    DeliveryMethod.DIRECT: "直接送达",
    DeliveryMethod.ENTRUSTED: "委托其他行政机关代为送达",
    DeliveryMethod.POST: "邮寄送达",
    DeliveryMethod.ELECTRONIC: "电子送达",
    Proceeding.REVIEW: "行政复议",
    Proceeding.LITIGATION_DIRECT: "未经复议直接起诉",
    Proceeding.LITIGATION_AFTER_REVIEW: "复议后起诉",
    RemedyResult.MAINTAINED: "结果维持",
    RemedyResult.CORRECTED: "结果纠正",
    RemedyResult.OTHER: "其他结果",
    RemedyResult.PENDING: "尚未审结",
    **{c.value: c.label for c in Channel},
    "review_decision": "行政复议决定",
    "judgment": "法院判决",
}

#: Date fields that default to today: the day something is done is usually the day it is
#: recorded. A day someone else did something (the applicant received a notice, a letter was
#: posted) is left blank, and so is a day to come.
TODAY_DEFAULTS = frozenset(
    {
        "sent_on",
        "approved_on",
        "decided_on",
        "signed_on",
        "archived_on",
        "delivered_on",
        "paid_on",
        "withdrawn_on",
        "opinion_received_on",
        "filed_on",
    }
)
TODAY_DEFAULTS_BY_TRIGGER = frozenset({(Trigger.CORRECTION_RECEIVED, "received_on")})

TEXTAREA_FROM = 200  # a str that may be longer than this is a textarea
DECISION_TRIGGERS = frozenset({Trigger.DRAFT_DECISION, Trigger.DECIDE_WITHOUT_HANDLING})
GROUND_ROWS = 3  # empty withholding-ground rows offered at least
#: Decision fields that take a line of text rather than a paragraph.
_SHORT_DECISION_FIELDS = frozenset(
    {
        DecisionField.RESPONSIBLE_AGENCY,
        DecisionField.RESPONSIBLE_AGENCY_CONTACT,
        DecisionField.PREVIOUS_CASE,
        DecisionField.CORRECTION_NOTICE,
        DecisionField.EXPLANATION_REQUEST,
        DecisionField.FEE_NOTICE,
    }
)


def label_of(name: str, trigger: Trigger | None = None) -> str:
    if trigger is not None and (trigger, name) in LABEL_OVERRIDES:
        return LABEL_OVERRIDES[(trigger, name)]
    return LABELS.get(name, name)


def choice_label(value: Any) -> str:
    if isinstance(value, Outcome):
        return spec(value).label
    if isinstance(value, WithholdingGround):
        return value.label
    return CHOICE_LABELS.get(value, str(value))


@dataclass
class Control:
    """One form control: ``kind`` is text, textarea, lines, date, number, select or grounds."""

    name: str
    label: str
    kind: str
    required: bool = False
    options: list[tuple[str, str]] = field(default_factory=list)
    maxlength: int | None = None
    min: int | None = None
    max: int | None = None
    help: str = ""
    rows: int = 0  # grounds: how many rows


@dataclass
class ActionForm:
    trigger: Trigger
    label: str
    controls: list[Control]
    #: a decision: the outcome select, and the fields of the chosen outcome
    outcome: Control | None = None
    outcome_value: str = ""

    @property
    def names(self) -> set[str]:
        names = {c.name for c in self.controls}
        for c in self.controls:
            if c.kind == "grounds":
                names.add(c.name)
                for i in range(c.rows):
                    names |= {f"{c.name}.{i}", *(f"{c.name}.{i}.{p}" for p in _GROUND_PARTS)}
        if self.outcome is not None:
            names.add(self.outcome.name)
        return names


_GROUND_PARTS = ("ground", "reasons", "part")


# --- building ----------------------------------------------------------------------------------


def _unwrap(annotation: Any) -> tuple[Any, bool]:
    """The annotation without ``None``, and whether ``None`` was allowed."""
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        return (args[0] if len(args) == 1 else annotation), len(args) < len(get_args(annotation))
    return annotation, False


def _bounds(info: Any) -> dict[str, int | None]:
    found: dict[str, int | None] = {"min": None, "max": None, "maxlength": None}
    for item in info.metadata:
        if isinstance(item, annotated_types.Ge):
            found["min"] = int(item.ge)
        elif isinstance(item, annotated_types.Gt):
            found["min"] = int(item.gt) + 1
        elif isinstance(item, annotated_types.Le):
            found["max"] = int(item.le)
        elif isinstance(item, annotated_types.MaxLen):
            found["maxlength"] = item.max_length
    return found


def control_for(trigger: Trigger, name: str, info: Any) -> Control:
    """The control of one payload field, from its type and constraints."""
    annotation, _ = _unwrap(info.annotation)
    label = label_of(name, trigger)
    bounds = _bounds(info)
    help_text = info.description if info.description and info.description != label else ""
    control = Control(name, label, "text", required=info.is_required(), help=help_text)
    origin = get_origin(annotation)
    if annotation is date:
        control.kind = "date"
    elif annotation is int:
        control.kind, control.min, control.max = "number", bounds["min"], bounds["max"]
    elif isinstance(annotation, type) and issubclass(annotation, Enum):
        control.kind = "select"
        control.options = [(m.value, choice_label(m)) for m in annotation]
    elif origin is Literal:
        control.kind = "select"
        control.options = [(v, choice_label(v)) for v in get_args(annotation)]
    elif origin is list:
        control.kind = "lines"
        control.help = control.help or "每行一项"
        control.required = control.required or any(
            isinstance(m, annotated_types.MinLen) and m.min_length > 0 for m in info.metadata
        )
    else:
        maxlength = bounds["maxlength"]
        control.maxlength = maxlength
        if maxlength is None or maxlength > TEXTAREA_FROM:
            control.kind = "textarea"
    return control


def decision_controls(outcome: Outcome | None, grounds_rows: int = GROUND_ROWS) -> list[Control]:
    """The ``fields.*`` controls of a decision with ``outcome``: required ones first."""
    if outcome is None:
        return []
    outcome_spec = spec(outcome)
    controls = []
    for decision_field, required in [
        *((f, True) for f in outcome_spec.required_fields),
        *((f, False) for f in outcome_spec.optional_fields),
    ]:
        name = f"fields.{decision_field.value}"
        if decision_field is DecisionField.GROUNDS:
            controls.append(
                Control(
                    name,
                    decision_field.label,
                    "grounds",
                    required=required,
                    rows=max(grounds_rows, GROUND_ROWS),
                    options=[(g.value, g.label) for g in WithholdingGround],
                )
            )
        elif decision_field is DecisionField.DISCLOSE_ON:  # a day, as every date field
            controls.append(Control(name, decision_field.label, "date", required))
        elif decision_field in _SHORT_DECISION_FIELDS:
            controls.append(Control(name, decision_field.label, "text", required, maxlength=500))
        else:
            controls.append(Control(name, decision_field.label, "textarea", required))
    return controls


def outcome_choices(trigger: Trigger) -> list[Outcome]:
    """The outcomes a decision form offers: at review only those decidable there."""
    if trigger is Trigger.DECIDE_WITHOUT_HANDLING:
        return [o for o in Outcome if o in DECIDABLE_AT_REVIEW]
    return [o for o in Outcome if o not in CLOSING_OUTCOMES]


def chosen_outcome(trigger: Trigger, value: Any) -> Outcome | None:
    try:
        outcome = Outcome(str(value))
    except ValueError:
        return None
    return outcome if outcome in outcome_choices(trigger) else None


def build_form(
    trigger: Trigger,
    *,
    choices: dict[str, list[tuple[str, str]]] | None = None,
    values: dict[str, Any] | None = None,
) -> ActionForm:
    """The form of ``trigger``. ``choices`` replaces a field's control by a select of these
    (value, label) pairs (the agency's caseworkers, the case's open consultations…); ``values``
    is what the form shows, for a decision's outcome and the number of ground rows."""
    choices = choices or {}
    values = values or {}
    if trigger in DECISION_TRIGGERS:
        outcome = chosen_outcome(trigger, values.get("outcome"))
        select = Control(
            "outcome",
            label_of("outcome"),
            "select",
            required=True,
            options=[(o.value, spec(o).label) for o in outcome_choices(trigger)],
        )
        return ActionForm(
            trigger,
            trigger.label,
            decision_controls(outcome, _ground_rows(values) + 1),
            outcome=select,
            outcome_value=outcome.value if outcome else "",
        )
    controls = []
    for name, info in PAYLOADS[trigger].model_fields.items():
        control = control_for(trigger, name, info)
        if name in choices:
            control.kind, control.options = "select", choices[name]
        controls.append(control)
    return ActionForm(trigger, trigger.label, controls)


def _ground_rows(values: dict[str, Any]) -> int:
    rows = 0
    for key in values:
        parts = key.split(".")
        if len(parts) >= 3 and parts[:2] == ["fields", "grounds"] and parts[2].isdigit():
            rows = max(rows, int(parts[2]) + 1)
    return rows


def defaults(trigger: Trigger, today: date) -> dict[str, str]:
    """What a fresh form shows: today in the date fields where that is the likely answer."""
    if trigger in DECISION_TRIGGERS:
        return {}
    return {
        name: today.isoformat()
        for name in PAYLOADS[trigger].model_fields
        if name in TODAY_DEFAULTS or (trigger, name) in TODAY_DEFAULTS_BY_TRIGGER
    }


def decision_values(outcome: str | None, decision: dict[str, Any]) -> dict[str, str]:
    """A stored draft decision as form values, so a returned draft is fixed, not retyped."""
    if not outcome:
        return {}
    values = {"outcome": outcome}
    for name, value in decision.items():
        if name == DecisionField.GROUNDS and isinstance(value, list):
            for i, entry in enumerate(value):
                if isinstance(entry, dict):
                    for part in _GROUND_PARTS:
                        if entry.get(part):
                            values[f"fields.grounds.{i}.{part}"] = str(entry[part])
        elif isinstance(value, str | int | float):
            values[f"fields.{name}"] = str(value)
    return values


# --- parsing -----------------------------------------------------------------------------------


def _text(values: dict[str, Any], name: str) -> str:
    value = values.get(name, "")
    if isinstance(value, list):
        value = "\n".join(str(v) for v in value)
    return str(value).strip()


def parse(trigger: Trigger, values: dict[str, Any]) -> dict[str, Any]:
    """The payload of ``trigger`` from its posted form: blanks omitted, lines made lists,
    numbers made ints where they are numbers (the service names anything else)."""
    if trigger in DECISION_TRIGGERS:
        return _parse_decision(trigger, values)
    payload: dict[str, Any] = {}
    for name, info in PAYLOADS[trigger].model_fields.items():
        text = _text(values, name)
        if not text:
            continue
        annotation, _ = _unwrap(info.annotation)
        if get_origin(annotation) is list:
            payload[name] = [line.strip() for line in text.splitlines() if line.strip()]
        elif annotation is int:
            payload[name] = int(text) if text.lstrip("-").isdigit() and len(text) < 12 else text
        else:
            payload[name] = text
    return payload


def _parse_decision(trigger: Trigger, values: dict[str, Any]) -> dict[str, Any]:
    outcome_text = _text(values, "outcome")
    payload: dict[str, Any] = {"outcome": outcome_text} if outcome_text else {}
    outcome = chosen_outcome(trigger, outcome_text)
    fields: dict[str, Any] = {}
    for control in decision_controls(outcome, _ground_rows(values)):
        key = control.name.removeprefix("fields.")
        if control.kind == "grounds":
            rows = []
            for i in range(control.rows):
                row = {p: _text(values, f"{control.name}.{i}.{p}") for p in _GROUND_PARTS}
                if any(row.values()):
                    rows.append({p: v for p, v in row.items() if v})
            if rows:
                fields[key] = rows
        elif text := _text(values, control.name):
            fields[key] = text
    payload["fields"] = fields
    return payload


def error_field(form: ActionForm | None, field_name: str | None) -> str:
    """The form control a service error names (``_`` when it names none of them)."""
    if not field_name or form is None:
        return "_"
    name = field_name.removeprefix("payload.")
    if form.trigger in DECISION_TRIGGERS and name != "outcome" and not name.startswith("fields"):
        name = f"fields.{name}"
    names = form.names
    parts = name.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in names:
            return candidate
        parts.pop()
    return "_"


# --- reading stored payloads -------------------------------------------------------------------


def _value_text(value: Any, key: str = "") -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        return "；".join(_value_text(v, key) for v in value if v not in (None, ""))
    if isinstance(value, dict):
        return "，".join(f"{label_of(k)}：{_value_text(v, k)}" for k, v in value.items() if v)
    if isinstance(value, str):
        if key == "ground" and value in WithholdingGround._value2member_map_:
            return WithholdingGround(value).label
        if key == "outcome" and value in Outcome._value2member_map_:
            return spec(value).label
        if _ISO_DATE.fullmatch(value):
            return zh_date(date.fromisoformat(value))
        return CHOICE_LABELS.get(value, value)
    return str(value)


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

#: Stored beside a payload for the engine's own use: not worth a caseworker's attention.
_HIDDEN = frozenset(
    {
        "applicant_id",
        "assignee_id",
        "letter_id",
        "letter_sha256",
        "consultation_id",
        "remedy_id",
        "voids",
        "party",
        "html_sha256",
        "docx_sha256",
        "pdf_sha256",
    }
)


def _letter_title(kind: Any) -> str:
    from gkcase.letters.catalogue import CATALOGUE

    return CATALOGUE[kind].title if kind in CATALOGUE else str(kind)


def summarize(trigger: str, payload: dict[str, Any], reason: str = "") -> list[tuple[str, str]]:
    """An event's payload as (Chinese label, readable value) pairs, blanks (and the event's
    reason, shown on its own) left out."""
    try:
        known: Trigger | None = Trigger(trigger)
    except ValueError:
        known = None
    pairs = []
    for name, value in payload.items():
        if name in _HIDDEN or value in (None, "", [], {}) or (reason and value == reason):
            continue
        if name == "fields" and isinstance(value, dict):
            pairs.extend((label_of(k), _value_text(v, k)) for k, v in value.items() if v)
            continue
        if name == "receipt_rule":
            continue
        if name == "letters" and isinstance(value, list):
            issued = [f"{_letter_title(x.get('kind'))} {x.get('number', '')}" for x in value]
            pairs.append((label_of(name, known), "；".join(issued)))
            continue
        if name == "kind" and known is Trigger.CORRECT_LETTER:
            pairs.append(("文书种类", _letter_title(value)))
            continue
        pairs.append((label_of(name, known), _value_text(value, name)))
    return pairs
