"""证据材料包 — a case's complete record as one ZIP, for 行政复议 and 行政诉讼.

When an applicant challenges a reply, the agency must hand the review body or the court its whole
record of the case: it bears the burden of proving its grounds and that it informed the applicant
and gave reasons (legal-reference §9.5). :func:`build_bundle` collects that record, in order, as
files a reader can check without gkcase:

=================================  ===================================================
``00-index.pdf``                   目录: case, applicant, every file with its SHA-256, the
                                   audit-chain check, who generated the bundle and when
``01-application.pdf``             申请: the application as registered
``02-letter-NN-<kind>.html``       每份已签发文书, in issue order: the frozen HTML exactly as
``…docx`` / ``…pdf``               stored (its hash is the recorded ``html_sha256``), its
                                   DOCX and PDF (a PDF the letter lacks is printed from the
                                   frozen HTML, and marked so)
``03-deliveries.pdf``              送达记录
``04-consultations.pdf``           征求意见
``05-approvals.pdf``               审核、审批与签发: legal review (submit, approve, every
                                   return), the office head's returns, extensions, 签发
``06-decision.pdf``                答复决定: every draft, each withholding ground with its
                                   reasons and the article it cites
``07-fees.pdf``                    收费
``08-remedies.pdf``                行政复议、诉讼
``09-events.csv``/``.json``        办理记录: every event, every field, with the hash chain
``manifest.json``                  every other file's SHA-256 and size
=================================  ===================================================

The bundle is deterministic: the same case, ``as_of`` and ``generated_at`` give byte-identical
entries (fixed ZIP timestamps, sorted names, PDFs that carry no clock of their own).

Personal data appears in full — the review body needs it — so only the people who answer for the
case may build one (:func:`may_build_bundle`). Building one changes nothing: the engine has no
record of reads or exports yet, so a download is not logged (docs/evidence-bundle.md).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from sqlmodel import Session, col, select

from gkcase.calendar.clock import CONSULTATION_WORKDAYS, Channel
from gkcase.calendar.zh import zh_date
from gkcase.fees import FeeBasis
from gkcase.letters.catalogue import CATALOGUE
from gkcase.letters.context import GROUND_RULES
from gkcase.letters.output import print_pdf
from gkcase.letters.render import RenderedLetter
from gkcase.models import (
    Agency,
    Applicant,
    ApplicantType,
    Case,
    CaseEvent,
    Consultation,
    Delivery,
    FeeNotice,
    Letter,
    Remedy,
    User,
)
from gkcase.services.cases import CHINA, NotFound, Verification, get_case, history, verify
from gkcase.states.machine import PermissionDenied, Role, State, Trigger
from gkcase.states.outcomes import DecisionField, WithholdingGround, spec
from gkcase.states.payloads import (
    ConsultationKind,
    DeliveryMethod,
    Opinion,
    Proceeding,
    RemedyResult,
)

INDEX_NAME = "00-index.pdf"
MANIFEST_NAME = "manifest.json"

#: Roles of the case's own agency that answer for the case before a review body or court.
AGENCY_ROLES = frozenset({Role.CASEWORKER, Role.LEGAL_REVIEWER, Role.OFFICE_HEAD})

#: Events that are approvals: legal review (法制审核), the office head's decisions, 签发.
APPROVAL_TRIGGERS = (
    Trigger.SUBMIT_FOR_LEGAL_REVIEW,
    Trigger.APPROVE,
    Trigger.RETURN_DRAFT,
    Trigger.SUBMIT_FOR_SIGNING,
    Trigger.SEND_BACK,
    Trigger.EXTEND,
    Trigger.DEFER,
    Trigger.SIGN,
)
DRAFT_TRIGGERS = frozenset({Trigger.DRAFT_DECISION.value, Trigger.DECIDE_WITHOUT_HANDLING.value})

#: The event log's columns, in the table's order: every field of a case_event row.
EVENT_FIELDS = tuple(CaseEvent.__table__.columns.keys())

# Chinese labels of stored values (the words the case page uses, api/web/forms.CHOICE_LABELS).
DELIVERY_METHODS = {
    DeliveryMethod.DIRECT: "直接送达",
    DeliveryMethod.ENTRUSTED: "委托其他行政机关代为送达",
    DeliveryMethod.POST: "邮寄送达",
    DeliveryMethod.ELECTRONIC: "电子送达",
}
CONSULTATION_KINDS = {k: k.label for k in ConsultationKind}
OPINIONS = {
    Opinion.AGREE: "同意公开",
    Opinion.OBJECT: "不同意公开",
    Opinion.SILENT: "逾期未提出意见",
}
PROCEEDINGS = {
    Proceeding.REVIEW: "行政复议",
    Proceeding.LITIGATION_DIRECT: "未经复议直接起诉",
    Proceeding.LITIGATION_AFTER_REVIEW: "复议后起诉",
}
REMEDY_RESULTS = {
    RemedyResult.MAINTAINED: "结果维持",
    RemedyResult.CORRECTED: "结果纠正",
    RemedyResult.OTHER: "其他结果",
    RemedyResult.PENDING: "尚未审结",
}
FEE_BASES = {basis: basis.label for basis in FeeBasis}

NO_ACCESS = (
    "证据材料包含申请人的完整个人信息，仅限本机关承办人、法制审核人员、公开工作机构负责人"
    "和上级机关督查人员下载"
)


# --- who may build one --------------------------------------------------------------------------


def _supervises(session: Session, viewer: User, case: Case) -> bool:
    """The viewer is a supervisor of the case's agency or of an agency above it."""
    if Role.SUPERVISOR.value not in viewer.role_set:
        return False
    own = session.get(Agency, viewer.agency_id)
    agency = session.get(Agency, case.agency_id)
    return own is not None and agency is not None and agency.path.startswith(own.path)


def may_build_bundle(session: Session, case: Case, viewer: User) -> bool:
    """Whether ``viewer`` may download the case's evidence bundle (it holds personal data).

    The people who answer for the case: its agency's caseworkers, legal reviewers and office
    heads, and supervisors of that agency or an agency above it. Not registrars or admins.
    """
    if not viewer.active:
        return False
    if viewer.agency_id == case.agency_id and viewer.role_set & {r.value for r in AGENCY_ROLES}:
        return True
    return _supervises(session, viewer, case)


def _require_access(session: Session, case_id: int, viewer: User) -> Case:
    """The case, if the viewer may build its bundle; another agency's case is 'not found'."""
    case = get_case(session, case_id, viewer)
    if not may_build_bundle(session, case, viewer):
        raise PermissionDenied(NO_ACCESS)
    return case


# --- the entries ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One file of the bundle, with what the index says about it."""

    name: str
    data: bytes
    title: str
    on: date | None = None
    recorded_sha256: str = ""  # the hash gkcase recorded when the letter was issued
    note: str = ""

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def _zh(value: date | str | None) -> str:
    """A date (or an ISO date as a payload stores it) in Chinese; "—" for none."""
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            return value
    return zh_date(value) if value else "—"


def _beijing(moment: datetime) -> str:
    if moment.tzinfo is None:  # stored without a zone: gkcase writes UTC
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S")


def _label(value: str | None, labels: dict[str, str]) -> str:
    if not value:
        return "—"
    return labels.get(value, value)


def _trigger_label(trigger: str) -> str:
    try:
        return Trigger(trigger).label
    except ValueError:
        return "登记申请" if trigger == "register" else trigger


def _state_label(state: str | None) -> str:
    if not state:
        return "—"
    try:
        return State(state).label
    except ValueError:
        return state


@cache
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("gkcase.services", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


@dataclass(frozen=True)
class _Heading:
    case_number: str
    agency_name: str
    as_of: date


def _pdf(template: str, heading: _Heading, title: str, **context: Any) -> bytes:
    """A document of the bundle, rendered from its template and printed like a letter (the
    same WeasyPrint setup, system CJK fonts, PdfUnavailable when they are missing)."""
    html = (
        _environment()
        .get_template(template)
        .render(
            doc_title=title,
            case_number=heading.case_number,
            agency_name=heading.agency_name,
            as_of_zh=zh_date(heading.as_of),
            **context,
        )
    )
    return print_pdf(RenderedLetter("bundle", title, "", html, ""))


def _records(
    heading: _Heading, title: str, records: list[dict[str, Any]], empty: str, intro: str = ""
) -> bytes:
    return _pdf("bundle_records.html.j2", heading, title, records=records, empty=empty, intro=intro)


def _applicant_rows(applicant: Applicant) -> list[tuple[str, str]]:
    rows = [
        ("姓名或名称", applicant.name),
        ("申请人类型", ApplicantType(applicant.kind).label),
        ("证件类型", applicant.id_type or "—"),
        ("证件号码", applicant.id_number or "—"),
    ]
    if applicant.contact_person:
        rows.append(("联系人", applicant.contact_person))
    rows += [
        ("联系电话", applicant.phone or "—"),
        ("电子邮箱", applicant.email or "—"),
        ("通信地址", applicant.address or "—"),
        ("邮政编码", applicant.postcode or "—"),
    ]
    return rows


def _application(
    session: Session, case: Case, applicant: Applicant, events: list[CaseEvent], heading: _Heading
) -> Entry:
    """申请 — the application as registered: channel, dates, applicant, request, form."""
    registration = json.loads(events[0].payload) if events else {}
    registrar = session.get(User, case.registered_by) if case.registered_by else None
    rows = [
        ("案件编号", case.number),
        ("申请渠道", Channel(case.channel).label),
        ("申请到达日期", _zh(case.arrived_on)),
        ("签收日期", _zh(case.signed_for_on)),
        ("确认日期", _zh(case.confirmed_on)),
        ("收到申请之日", _zh(case.receipt_date)),
        ("认定依据（第三十一条）", registration.get("receipt_rule") or "—"),
        ("申请公开的政府信息", case.information_requested),
        ("指定的提供形式", case.form_requested or "—"),
        ("获取信息的方式", case.delivery_requested or "—"),
        ("登记人", registrar.full_name if registrar else "—"),
        ("登记时间（北京时间）", _beijing(case.created_at)),
    ]
    records = [
        {"heading": "申请", "rows": rows},
        {"heading": "申请人", "rows": _applicant_rows(applicant)},
    ]
    intro = "申请人信息为本机关现存记录：同一申请人此后再次申请的，联系方式可能已随之更新。"
    data = _records(heading, "政府信息公开申请（登记记录）", records, "", intro)
    return Entry("01-application.pdf", data, "政府信息公开申请（登记记录）", case.arrived_on)


def _letter_entries(letters: list[Letter]) -> list[Entry]:
    """Every issued letter in issue order: the stored bytes, and the hashes recorded at issue."""
    entries = []
    for n, letter in enumerate(letters, start=1):
        title = CATALOGUE[letter.kind].title if letter.kind in CATALOGUE else letter.kind
        stem = f"02-letter-{n:02d}-{letter.kind}"
        label = f"{title} {letter.number}"
        entries.append(
            Entry(
                f"{stem}.html",
                letter.html.encode(),
                f"{label}（签发时固化的HTML）",
                letter.issued_on,
                letter.html_sha256,
            )
        )
        if letter.docx is not None:
            entries.append(
                Entry(
                    f"{stem}.docx",
                    letter.docx,
                    f"{label}（DOCX）",
                    letter.issued_on,
                    letter.docx_sha256,
                )
            )
        if letter.pdf is not None:
            pdf = Entry(
                f"{stem}.pdf", letter.pdf, f"{label}（PDF）", letter.issued_on, letter.pdf_sha256
            )
        else:
            printed = print_pdf(RenderedLetter(letter.kind, title, "", letter.html, letter.text))
            note = "签发时未生成PDF：本文件由签发时固化的HTML在生成材料包时打印，无签发时哈希"
            pdf = Entry(f"{stem}.pdf", printed, f"{label}（PDF）", letter.issued_on, note=note)
        entries.append(pdf)
    return entries


def _deliveries(rows: list[Delivery], heading: _Heading) -> Entry:
    records = [
        {
            "heading": f"送达 {n}",
            "rows": [
                ("送达方式", _label(row.method, DELIVERY_METHODS)),
                ("送达日期（签收或交邮）", _zh(row.delivered_on)),
                ("交邮日期", _zh(row.posted_on)),
                ("邮件号码", row.tracking_number or "—"),
                ("签收人", row.recipient or "—"),
                ("送达凭证", row.proof or "—"),
            ],
        }
        for n, row in enumerate(rows, start=1)
    ]
    first = rows[0].delivered_on if rows else None
    data = _records(heading, "送达记录", records, "本案无送达记录。")
    return Entry("03-deliveries.pdf", data, "送达记录", first)


def _consultations(rows: list[Consultation], heading: _Heading) -> Entry:
    records = [
        {
            "heading": f"征求意见 {n}：{row.party_name}",
            "rows": [
                ("征求意见对象", _label(row.kind, CONSULTATION_KINDS)),
                ("名称", row.party_name),
                ("联系方式", row.party_contact or "—"),
                ("征求意见事项", row.matters or "—"),
                ("征求意见书发出日期", _zh(row.sent_on)),
                ("对方收到日期", _zh(row.party_received_on)),
                (f"征求意见期限（{CONSULTATION_WORKDAYS}个工作日）届满", _zh(row.window_due)),
                ("意见", _label(row.opinion, OPINIONS)),
                ("收到意见日期", _zh(row.opinion_received_on)),
                ("意见摘要", row.opinion_summary or "—"),
                ("状态", "已结束" if row.closed else "进行中"),
            ],
        }
        for n, row in enumerate(rows, start=1)
    ]
    first = rows[0].sent_on if rows else None
    data = _records(heading, "征求意见记录", records, "本案未征求第三方或其他机关意见。")
    return Entry("04-consultations.pdf", data, "征求意见记录", first)


def _approvals(events: list[CaseEvent], heading: _Heading) -> Entry:
    """法制审核 (submit, approve, every return), the office head's returns and approvals, 签发."""
    records = []
    draft_version = 0
    wanted = {t.value for t in APPROVAL_TRIGGERS}
    for event in events:
        payload = json.loads(event.payload)
        if event.trigger in DRAFT_TRIGGERS:
            draft_version = payload.get("draft_version", draft_version)
        if event.trigger not in wanted:
            continue
        rows = [
            ("办理人", event.actor_name or "—"),
            ("办理日期", _zh(event.on)),
            ("记录时间（北京时间）", _beijing(event.at)),
            ("状态变化", f"{_state_label(event.from_state)} → {_state_label(event.to_state)}"),
        ]
        if event.trigger in (Trigger.APPROVE, Trigger.RETURN_DRAFT, Trigger.SEND_BACK):
            rows.append(("所审稿次", f"第{payload.get('draft_version', draft_version)}稿"))
            rows.append(("意见", payload.get("comments") or event.reason or "—"))
        elif event.trigger == Trigger.EXTEND:
            rows += [
                ("延长工作日", str(payload.get("workdays", "—"))),
                ("批准日期", _zh(payload.get("approved_on"))),
                ("批准人", payload.get("approved_by") or "—"),
                ("延长理由", payload.get("reason") or "—"),
            ]
        elif event.trigger == Trigger.DEFER:
            rows += [
                ("延迟至", _zh(payload.get("until"))),
                ("决定日期", _zh(payload.get("decided_on"))),
                ("理由", payload.get("reason") or "—"),
            ]
        elif event.trigger == Trigger.SIGN:
            rows += [
                ("签发人", event.actor_name or "—"),
                ("签发日期", _zh(payload.get("signed_on"))),
                ("签发稿次", f"第{payload.get('draft_version', draft_version)}稿"),
                ("文号", _reply_entry(payload).get("number") or "—"),
                ("文书SHA-256（HTML）", _reply_entry(payload).get("html_sha256") or "—"),
                ("按期答复", "是" if payload.get("on_time") else "否"),
            ]
        elif event.reason:
            rows.append(("说明", event.reason))
        heading_text = f"第{event.seq}条记录：{_trigger_label(event.trigger)}"
        records.append({"heading": heading_text, "rows": rows})
    first = next((e.on for e in events if e.trigger in wanted), None)
    data = _records(heading, "审核、审批和签发记录", records, "本案无审核、审批或签发记录。")
    return Entry("05-approvals.pdf", data, "审核、审批和签发记录（法制审核、签发）", first)


def _reply_entry(payload: dict[str, Any]) -> dict[str, Any]:
    """The reply a 签发 event issued, as the event records it: the first of its ``letters``
    (a disclosure notice to a third party may follow it)."""
    issued = payload.get("letters") or [{}]
    return issued[0]


def _ground_rows(ground: dict[str, Any]) -> list[tuple[str, str]]:
    try:
        known = WithholdingGround(ground.get("ground"))
    except ValueError:
        known = None
    rows = [("不予公开的内容", ground.get("part") or "（全部）")]
    if known is None:
        rows.append(("依据", str(ground.get("ground") or "—")))
    else:
        rows += [
            ("依据", known.label),
            ("援引条款", known.citation),
            ("条款内容", GROUND_RULES[known]),
        ]
    rows.append(("理由", ground.get("reasons") or "—"))
    return rows


def _field_text(name: str, value: Any) -> tuple[str, str]:
    try:
        label = DecisionField(name).label
    except ValueError:
        label = name
    if isinstance(value, str):
        return label, value
    return label, json.dumps(value, ensure_ascii=False)


def _decision(case: Case, events: list[CaseEvent], heading: _Heading) -> Entry:
    """答复决定: every drafted decision, and for each refusal ground its reasons and article."""
    approved: dict[int, list[str]] = {}
    signed: dict[int, str] = {}
    for event in events:
        payload = json.loads(event.payload)
        if event.trigger == Trigger.APPROVE:
            approved.setdefault(payload.get("draft_version"), []).append(zh_date(event.on))
        if event.trigger == Trigger.SIGN:
            signed[payload.get("draft_version")] = _reply_entry(payload).get("number", "")
    drafts = [
        (event, json.loads(event.payload)) for event in events if event.trigger in DRAFT_TRIGGERS
    ]
    if not drafts and case.outcome:  # set by the engine (withdrawal, lapse): no draft
        drafts = [(None, {"outcome": case.outcome, "fields": json.loads(case.decision or "{}")})]
    records = []
    for event, payload in drafts:
        outcome = spec(payload["outcome"])
        version = payload.get("draft_version")
        fields = dict(payload.get("fields") or {})
        grounds = fields.pop(DecisionField.GROUNDS.value, None) or []
        if event is None:
            title = "办理结果（由系统依办理记录确定）"
            rows = []
        else:
            title = f"第{version}稿（{zh_date(event.on)}，{event.actor_name}拟定）"
            rows = [("法制审核同意", "、".join(approved.get(version, [])) or "—")]
            rows.append(("签发", signed.get(version) or "—"))
        rows = [
            ("办理结果", outcome.label),
            ("法律依据", "、".join(outcome.legal_basis) or "—"),
            *rows,
            *(_field_text(name, value) for name, value in sorted(fields.items())),
        ]
        records.append({"heading": title, "rows": rows})
        for n, ground in enumerate(grounds, start=1):
            entry = ground if isinstance(ground, dict) else {"reasons": str(ground)}
            label = f"{title} · 不予公开的依据和理由 {n}"
            records.append({"heading": label, "rows": _ground_rows(entry)})
    data = _records(heading, "答复决定及理由", records, "本案尚未作出答复决定。")
    on = case.replied_on or case.closed_on
    return Entry("06-decision.pdf", data, "答复决定及不予公开的依据和理由", on)


def _fees(rows: list[FeeNotice], heading: _Heading) -> Entry:
    records = [
        {
            "heading": f"收费通知 {n}",
            "rows": [
                ("计费方式", _label(row.basis, FEE_BASES)),
                ("数量", str(row.quantity)),
                ("本月此前件数", str(row.earlier_quantity)),
                ("金额（元）", str(row.amount)),
                ("发出日期", _zh(row.sent_on)),
                ("申请人收到日期", _zh(row.received_on)),
                ("缴费期限", _zh(row.window_due)),
                ("缴费日期", _zh(row.paid_on)),
                ("票据号", row.receipt_number or "—"),
                ("状态", "逾期未缴" if row.lapsed else ("已缴费" if row.paid_on else "待缴费")),
            ],
        }
        for n, row in enumerate(rows, start=1)
    ]
    first = rows[0].sent_on if rows else None
    data = _records(heading, "收费记录", records, "本案未收取信息处理费。")
    return Entry("07-fees.pdf", data, "收费记录", first)


def _remedies(rows: list[Remedy], heading: _Heading) -> Entry:
    records = [
        {
            "heading": f"{_label(row.kind, PROCEEDINGS)} {row.reference}".strip(),
            "rows": [
                ("类型", _label(row.kind, PROCEEDINGS)),
                ("提起日期", _zh(row.filed_on)),
                ("复议机关或法院", row.body or "—"),
                ("案号", row.reference or "—"),
                ("结果", _label(row.result, REMEDY_RESULTS)),
                ("结果日期", _zh(row.result_on)),
            ],
        }
        for row in rows
    ]
    first = rows[0].filed_on if rows else None
    data = _records(heading, "行政复议、行政诉讼记录", records, "本案尚无行政复议或诉讼记录。")
    return Entry("08-remedies.pdf", data, "行政复议、行政诉讼记录", first)


def _event_value(event: CaseEvent, name: str) -> Any:
    """A column as the event's hash read it (times in UTC), so the chain can be recomputed."""
    value = getattr(event, name)
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


def _event_log(events: list[CaseEvent]) -> list[Entry]:
    """Every event, every field as stored (payload and changes are the JSON text that was
    hashed), oldest first: as CSV (UTF-8 with BOM, for spreadsheets) and as JSON."""
    rows = [{name: _event_value(e, name) for name in EVENT_FIELDS} for e in events]
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=EVENT_FIELDS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    last = events[-1].on if events else None
    log_json = json.dumps(rows, ensure_ascii=False, indent=2, sort_keys=False) + "\n"
    return [
        Entry("09-events.csv", text.getvalue().encode("utf-8-sig"), "办理记录（CSV）", last),
        Entry("09-events.json", log_json.encode(), "办理记录（JSON）", last),
    ]


def _rows(session: Session, model: Any, case_id: int) -> list[Any]:
    return list(session.exec(select(model).where(model.case_id == case_id).order_by(model.id)))


# --- the index, the manifest, the ZIP ------------------------------------------------------------


def _index(
    case: Case,
    agency: Agency,
    applicant: Applicant,
    entries: list[Entry],
    chain: Verification,
    letters: list[Letter],
    heading: _Heading,
    generated_by: str,
    generated_at: datetime,
) -> Entry:
    outcome = spec(case.outcome).label if case.outcome else "尚未作出"
    case_rows = [
        ("案件编号", case.number),
        ("受理机关", agency.name),
        ("行政复议机关", agency.review_body or "—"),
        ("管辖法院", agency.court or "—"),
        ("申请渠道", Channel(case.channel).label),
        ("收到申请之日", _zh(case.receipt_date)),
        ("申请公开的政府信息", case.information_requested),
        ("指定的提供形式", case.form_requested or "—"),
        ("获取信息的方式", case.delivery_requested or "—"),
        ("办理状态", _state_label(case.state)),
        ("办理结果", outcome),
        ("答复日期", _zh(case.replied_on)),
    ]
    items = [
        {
            "number": n,
            "title": entry.title,
            "date": _zh(entry.on),
            "name": entry.name,
            "sha256": entry.sha256,
            "recorded": entry.recorded_sha256,
            "matches": entry.recorded_sha256 == entry.sha256,
            "note": entry.note,
        }
        for n, entry in enumerate(entries, start=1)
    ]
    mismatched = [e.name for e in entries if e.recorded_sha256 and e.recorded_sha256 != e.sha256]
    if not letters:
        letters_summary = "本案无已签发文书。"
    elif mismatched:
        letters_summary = "以下文件与签发时记录的哈希值不一致：" + "、".join(mismatched)
    else:
        letters_summary = f"共{len(letters)}份，每份文书的固化文件与签发时记录的SHA-256一致。"
    generated_rows = [
        ("生成时间（北京时间）", _beijing(generated_at)),
        ("生成人", generated_by),
        ("材料截至日期", zh_date(heading.as_of)),
    ]
    data = _pdf(
        "bundle_index.html.j2",
        heading,
        "政府信息公开申请案件证据材料目录",
        case_rows=case_rows,
        applicant_rows=_applicant_rows(applicant),
        items=items,
        chain=chain,
        letters_summary=letters_summary,
        generated_rows=generated_rows,
        index_name=INDEX_NAME,
        manifest_name=MANIFEST_NAME,
    )
    return Entry(INDEX_NAME, data, "证据材料目录", heading.as_of)


def _manifest(
    case: Case, entries: Iterable[Entry], generated_by: str, generated_at: datetime
) -> Entry:
    body = {
        "case_number": case.number,
        "generated_at": generated_at.astimezone(UTC).isoformat(),
        "generated_by": generated_by,
        "algorithm": "sha256",
        "files": [
            {"name": e.name, "sha256": e.sha256, "size": len(e.data), "title": e.title}
            for e in sorted(entries, key=lambda e: e.name)
        ],
    }
    text = json.dumps(body, ensure_ascii=False, indent=2) + "\n"
    return Entry(MANIFEST_NAME, text.encode(), "文件清单（SHA-256）")


def _zip(entries: Iterable[Entry], on: date) -> bytes:
    """The entries in name order, each dated ``on`` at midnight: the same bytes every time."""
    stamp = (max(on.year, 1980), on.month, on.day, 0, 0, 0)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for entry in sorted(entries, key=lambda e: e.name):
            info = zipfile.ZipInfo(entry.name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = 0o644 << 16
            archive.writestr(info, entry.data)
    return out.getvalue()


def _who(viewer: User | None) -> str:
    if viewer is None:
        return "命令行操作（未指定用户）"
    roles = "、".join(
        Role(r).label for r in sorted(viewer.role_set) if r in Role._value2member_map_
    )
    return f"{viewer.full_name}（{viewer.username}，{roles}）"


def build_bundle(
    session: Session,
    case_id: int,
    viewer: User | None,
    as_of: date,
    *,
    generated_at: datetime | None = None,
) -> bytes:
    """The case's evidence bundle as ZIP bytes (see the module docstring for its contents).

    ``viewer`` must be allowed (:func:`may_build_bundle`); ``None`` is the operator at the
    server's command line, who has the database anyway. ``as_of`` dates the ZIP's entries and the
    PDFs; ``generated_at`` (default: now) is printed in the index. Raises
    :class:`~gkcase.letters.output.PdfUnavailable` where PDFs cannot be made.
    """
    if viewer is None:
        case = session.get(Case, case_id)
        if case is None:
            raise NotFound("案件不存在", field="case_id")
    else:
        case = _require_access(session, case_id, viewer)
    generated_at = (generated_at or datetime.now(UTC)).replace(microsecond=0)
    if generated_at.tzinfo is None:
        generated_at = generated_at.replace(tzinfo=UTC)
    agency = session.get(Agency, case.agency_id)
    applicant = session.get(Applicant, case.applicant_id)
    events = history(session, case)
    letters = list(
        session.exec(select(Letter).where(Letter.case_id == case.id).order_by(col(Letter.id)))
    )
    heading = _Heading(case.number, agency.name, as_of)
    entries = [
        _application(session, case, applicant, events, heading),
        *_letter_entries(letters),
        _deliveries(_rows(session, Delivery, case.id), heading),
        _consultations(_rows(session, Consultation, case.id), heading),
        _approvals(events, heading),
        _decision(case, events, heading),
        _fees(_rows(session, FeeNotice, case.id), heading),
        _remedies(_rows(session, Remedy, case.id), heading),
        *_event_log(events),
    ]
    entries.sort(key=lambda e: e.name)  # the index numbers the files in the ZIP's order
    who = _who(viewer)
    chain = verify(session, case.id)
    index = _index(case, agency, applicant, entries, chain, letters, heading, who, generated_at)
    entries.insert(0, index)
    entries.append(_manifest(case, entries, who, generated_at))
    return _zip(entries, as_of)


def bundle_filename(case: Case, as_of: date) -> str:
    """The download's file name: ``FGW-2026-00012-evidence-20260511.zip``."""
    return f"{case.number}-evidence-{as_of:%Y%m%d}.zip"


__all__ = [
    "AGENCY_ROLES",
    "INDEX_NAME",
    "MANIFEST_NAME",
    "build_bundle",
    "bundle_filename",
    "may_build_bundle",
]
