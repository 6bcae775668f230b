"""Letters of a case: context, preview with the legal lint, slots, issuing, overrides, checks.

Issuing freezes a letter: its 文号 is allocated once, and the rendered HTML, DOCX and PDF, the
variables and the template version are stored with their SHA-256. :func:`verify_letter` renders it
again from what was stored and says whether every file comes out byte for byte, or why not.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlmodel import Session, col, select

import gkcase
from gkcase.calendar.clock import Channel
from gkcase.calendar.zh import zh_date
from gkcase.errors import GkcaseError, ValidationError
from gkcase.fees import FeeBasis, per_item_fee, per_page_fee
from gkcase.letters import context as ctx
from gkcase.letters.catalogue import CATALOGUE, LetterSpec, letter_spec
from gkcase.letters.elements import missing_elements
from gkcase.letters.lint import Finding, Severity, has_errors, lint
from gkcase.letters.render import RenderedLetter, builtin_source, render_letter
from gkcase.models import (
    Agency,
    Applicant,
    ApplicantType,
    Case,
    CaseEvent,
    Consultation,
    FeeNotice,
    Letter,
    LetterDraft,
    LetterTemplate,
    User,
)
from gkcase.models.letter import LETTER_LISTED
from gkcase.services.cases import NotFound, get_case, next_number, objections
from gkcase.states.machine import REPLY, RULES, SAME_KIND, Role, Trigger
from gkcase.states.outcomes import OUTCOMES, Outcome, over_objection


class LetterNotReady(GkcaseError):
    """The letter's lint found errors: it may not be issued."""

    code = "letter.lint_errors"

    def __init__(self, findings: list[Finding], title: str = "文书") -> None:
        errors = [f for f in findings if f.severity == "error"]
        super().__init__(f"「{title}」存在问题，不能出具：" + "；".join(f.message for f in errors))
        self.findings = findings


def _sha(data: str | bytes) -> str:
    return hashlib.sha256(data.encode() if isinstance(data, str) else data).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC)


# --- which letters a case can have ----------------------------------------------------------
#
# Every letter is issued by the case event it belongs to (``Rule.letters`` in the machine's
# RULES): a notice with the act it notifies, a reply with 签发, the receipt with 出具接收回执, a
# correction with 更正. This module renders, lints, numbers and freezes them for that event; it
# decides nothing about who may act or when.

#: The trigger whose payload holds the day each act's letters are dated (成文日期): the day the
#: notice went out, the extension was notified, the reply was signed. Others: the business date.
_DATED_BY = {
    "issue_receipt": "issued_on",
    "request_correction": "sent_on",
    "request_reasons": "sent_on",
    "consult": "sent_on",
    "issue_fee_notice": "sent_on",
    "extend": "notified_on",
    "defer": "decided_on",
    "sign": "signed_on",
    "correct_letter": "issued_on",
}

#: Kinds shown for preview before the act that issues them: what the caseworker still writes.
_PREVIEW_STATES = ("drafting", "legal_review", "signing")


def _events(session: Session, case: Case) -> list[tuple[str, dict[str, Any]]]:
    rows = session.exec(
        select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(col(CaseEvent.seq))
    )
    return [(e.trigger, json.loads(e.payload)) for e in rows]


def _last(events: list[tuple[str, dict]], trigger: str) -> dict[str, Any] | None:
    for name, payload in reversed(events):
        if name == trigger:
            return payload
    return None


def voided(events: list[tuple[str, dict]]) -> dict[int, dict[str, Any]]:
    """Letters voided by a correction (更正): letter id → the correcting event's payload."""
    return {
        int(p["voids"]): p for trigger, p in events if trigger == "correct_letter" and "voids" in p
    }


def corrections(session: Session, case: Case) -> dict[int, dict[str, Any]]:
    """The case's voided letters: letter id → the correction that voided it (its reason, …)."""
    return voided(_events(session, case))


def available_letters(session: Session, case: Case) -> list[str]:
    """The kinds still to be issued that can be previewed (and their slots filled) now: the
    receipt until it is issued; the reply, and a disclosure notice to each objecting third party,
    while the decision is drafted, reviewed and signed. Every other letter is written from its
    event's payload and issued by that event at once."""
    events = _events(session, case)
    kinds = []
    if case.reply_due is not None and _last(events, "issue_receipt") is None:
        kinds.append("receipt")
    if case.outcome and case.state in _PREVIEW_STATES:
        kinds.append(OUTCOMES[Outcome(case.outcome)].reply_letter)
        if objecting_parties(session, case):
            kinds.append("third_party_disclosure_notice")
    return kinds


def _consultations(session: Session, case: Case) -> list[Consultation]:
    return list(
        session.exec(
            select(Consultation).where(Consultation.case_id == case.id).order_by(Consultation.id)
        )
    )


def objecting_parties(session: Session, case: Any) -> list[Consultation]:
    """Art 32: the consulted third parties that objected, when the drafted decision discloses
    over their objection (outcomes.over_objection) — each is owed a 决定公开告知书."""
    if not case.outcome:
        return []
    parties = objections(session, case.id)
    decision = json.loads(case.decision or "{}")
    return parties if over_objection(case.outcome, decision, bool(parties)) else []


# --- the context ------------------------------------------------------------------------------


def _projected_due(
    session: Session, case: Case, events: list[tuple[str, dict]], on: date
) -> date | None:
    """The reply due date if the running pause ended on ``on``: the working days still to count
    (extensions included), counted from the next working day."""
    from gkcase.services.calendar import current_calendar
    from gkcase.services.cases import clock_of

    view = clock_of(session, case, on, events=events)
    if view is None or view.summary is None:
        return None
    return current_calendar(session).add_workdays(on, view.summary.remaining_workdays)


def _notice(
    session: Session,
    case: Case,
    spec: LetterSpec,
    events: list[tuple[str, dict]],
    party: int | None = None,
    on: date | None = None,
) -> tuple[dict, dict]:
    """The kind's own facts (``notice.*``) and the slots' defaults, from the case's events."""
    kind = spec.kind
    if kind == "correction_notice":
        p = _last(events, "request_correction") or {}
        items = list(p.get("items", []))
        late = bool(p.get("late"))
        notice = {
            "items": items,
            "items_text": "；".join(items),
            "period_workdays": p.get("period_workdays"),
            "period": ctx.receipt_period(p.get("period_workdays")),
            "period_due": _date(p.get("period_due")),
            "late": late,
            "clock_note": ctx.CORRECTION_LATE_NOTE if late else ctx.CORRECTION_RESTART_NOTE,
            # Art 30: no 视为放弃 after a late notice; the original application is answered
            "consequence": (
                ctx.CORRECTION_LATE_CONSEQUENCE if late else ctx.CORRECTION_CONSEQUENCE
            ),
        }
        return notice, {"guidance": p.get("guidance", "")}
    if kind == "reasons_request":
        p = _last(events, "request_reasons") or {}
        notice = {
            "basis": ctx.ART35_BASIS,
            "period": ctx.receipt_period(p.get("period_workdays")),
            "period_due": _date(p.get("period_due")),
        }
        return notice, {"matters": p.get("matters", "")}
    if kind == "extension_notice":
        p = _last(events, "extend") or {}
        paused = case.reply_due is None  # a consultation pauses the clock (Art 33 ¶3)
        notice = {
            "workdays": p.get("workdays"),
            "approval": ctx.EXTENSION_APPROVAL,
            "approved_on": _date(p.get("approved_on")),
            "new_due": _projected_due(session, case, events, on) if paused else case.reply_due,
            "pause_note": ctx.EXTENSION_PAUSE_NOTE if paused else "",
        }
        return notice, {"reason": p.get("reason", "")}
    if kind == "deferral_notice":
        p = _last(events, "defer") or {}
        return {"basis": ctx.ART35_BASIS}, {"reason": p.get("reason", "")}
    if kind in CONSULTATION_LETTERS:
        wanted = kind.removesuffix("_consultation")
        rows = [c for c in _consultations(session, case) if c.kind == wanted]
        row = next((c for c in rows if c.id == party), rows[-1])
        notice = {
            "party_name": row.party_name,
            "window": ctx.CONSULTATION_WINDOW,
            "window_due": row.window_due,
            "silence": ctx.SILENCE[wanted],
        }
        return notice, {"matters": row.matters}
    if kind == "third_party_disclosure_notice":
        rows = objecting_parties(session, case)
        row = next((c for c in rows if c.id == party), rows[-1])
        decision = json.loads(case.decision or "{}")
        when = _date(decision.get("disclose_on"))
        notice = {
            "party_name": row.party_name,
            "basis": ctx.ART32_BASIS,
            "disclose_when": when or ctx.DISCLOSE_WITH_REPLY,
        }
        content = decision.get("disclosed_content") or case.information_requested
        return notice, {"content": content, "reasons": decision.get("public_interest", "")}
    if kind == "fee_notice":
        fee = session.exec(
            select(FeeNotice).where(FeeNotice.case_id == case.id).order_by(col(FeeNotice.id).desc())
        ).first()
        basis = FeeBasis(fee.basis)
        quote = (
            per_item_fee(fee.quantity, fee.earlier_quantity)
            if basis is FeeBasis.PER_ITEM
            else per_page_fee(fee.quantity)
        )
        notice = {
            "basis": ctx.FEE_BASIS,
            "standard": basis.standard_zh,
            "arithmetic": quote.arithmetic_zh(),
            "amount": f"{quote.total}元",
            "window": ctx.FEE_WINDOW,
            "window_due": fee.window_due,  # known once the applicant's receipt is recorded
            "consequence": ctx.FEE_CONSEQUENCE,
            "pause_note": ctx.FEE_PAUSE_NOTE if _fee_pauses(session, case) else "",
        }
        p = _last(events, "issue_fee_notice") or {}
        return notice, {"payment_method": p.get("payment_method", "")}
    if kind == "closing_no_correction":
        p = _last(events, "request_correction") or {}
        return {"notice_date": _date(p.get("sent_on"))}, {}
    if kind == "closing_fee_unpaid":
        p = _last(events, "issue_fee_notice") or {}
        return {"notice_date": _date(p.get("sent_on"))}, {}
    return {}, {}


#: The consultation letter of each consultation kind (Art 32, Art 34, Art 33 ¶3).
CONSULTATION_LETTERS = (
    "third_party_consultation",
    "co_producer_consultation",
    "other_agency_consultation",
)


def _fee_pauses(session: Session, case: Case) -> bool:
    from gkcase.services.cases import agency_rules, policy_of

    return policy_of(agency_rules(session, case.agency_id)).fee_window_pauses_clock


def _date(value: Any) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else value


def context_for(
    session: Session,
    case: Case,
    spec: LetterSpec,
    *,
    number: str,
    issued_on: date,
    slots: Mapping[str, Any] | None = None,
    events: list[tuple[str, dict]] | None = None,
    party: int | None = None,
) -> dict[str, Any]:
    """A letter's variables from the case; ``events`` includes the act issuing it, when it is
    being issued (that event is not stored yet), and ``party`` names the consulted party."""
    agency = session.get(Agency, case.agency_id)
    applicant = session.get(Applicant, case.applicant_id)
    events = _events(session, case) if events is None else events
    notice, slot_defaults = _notice(session, case, spec, events, party, issued_on)
    draft = session.exec(
        select(LetterDraft).where(LetterDraft.case_id == case.id, LetterDraft.kind == spec.kind)
    ).first()
    saved = json.loads(draft.slots) if draft else {}
    outcome = case.outcome if spec.outcomes else None
    return ctx.build_context(
        spec,
        agency={
            "name": agency.name,
            "short_name": agency.short_name,
            "address": agency.address,
            "postcode": agency.postcode,
            "phone": agency.phone,
            "email": agency.email,
            "review_body": agency.review_body,
            "court": agency.court,
        },
        case={
            "number": case.number,
            # the status-page code is a secret of the applicant's: only the receipt carries it
            "lookup_code": case.lookup_code if spec.kind == "receipt" else "",
            "receipt_date": case.receipt_date,
            "arrived_on": case.arrived_on,
            "channel": Channel(case.channel).label,
            "information_requested": case.information_requested,
            "form_requested": case.form_requested,
            "delivery_requested": case.delivery_requested,
        },
        applicant={
            "name": applicant.name,
            "kind": ApplicantType(applicant.kind).label,
            "address": applicant.address,
            "postcode": applicant.postcode,
        },
        letter={"number": number, "date": issued_on, "date_value": issued_on},
        clock={"reply_due": case.reply_due},
        outcome=outcome,
        decision_fields=json.loads(case.decision) if outcome else None,
        notice=notice,
        slots=slot_defaults | saved | dict(slots or {}),
    )


def _known_dates(
    session: Session, case: Case, events: list[tuple[str, dict]] | None = None
) -> list[date]:
    """Dates the case's own record holds: a letter may mention any of them."""
    found = [
        d for d in (case.arrived_on, case.signed_for_on, case.confirmed_on, case.replied_on) if d
    ]
    for _trigger, payload in _events(session, case) if events is None else events:
        for value in payload.values():
            if isinstance(value, str) and len(value) == 10 and value[4] == "-":
                try:
                    found.append(date.fromisoformat(value))
                except ValueError:
                    continue
    return found


def _third_parties(session: Session, case: Case) -> list[str]:
    """What of the consulted third parties a letter to the applicant must not reveal: names and
    contacts — less what the applicant wrote in the request (quoting it back reveals nothing)."""
    values = []
    for row in _consultations(session, case):
        if row.kind == "third_party":
            values += [row.party_name, row.party_contact]
    asked = case.information_requested or ""
    return [v for v in values if v and v.strip() not in asked]


# --- templates ----------------------------------------------------------------------------


@dataclass(frozen=True)
class TemplateInUse:
    source: str
    origin: str  # builtin / agency
    version: int
    sha256: str


def template_in_use(session: Session, agency_id: int, kind: str) -> TemplateInUse:
    spec = letter_spec(kind)
    row = session.exec(
        select(LetterTemplate)
        .where(LetterTemplate.agency_id == agency_id, LetterTemplate.kind == kind)
        .order_by(col(LetterTemplate.version).desc())
    ).first()
    if row is None:
        source = builtin_source(spec)
        return TemplateInUse(source, "builtin", 0, _sha(source))
    return TemplateInUse(row.source, "agency", row.version, row.sha256)


def save_template(
    session: Session, agency_id: int, kind: str, source: str, actor: User, note: str = ""
) -> LetterTemplate:
    """Save an agency's override as a new version, after checking it renders and keeps every
    legally required element (rendered against a complete sample context)."""
    spec = letter_spec(kind)
    if Role.ADMIN.value not in actor.role_set or actor.agency_id != agency_id:
        from gkcase.states.machine import PermissionDenied

        raise PermissionDenied("只有本机关的系统管理员可以修改文书模板")
    sample = ctx.sample_context(spec)
    rendered = render_letter(spec, sample, source)  # TemplateProblem on any template error
    missing = missing_elements(spec, sample, rendered.text)
    if missing:
        raise ValidationError(
            "模板缺少必备内容：" + "、".join(e.label for e in missing),
            field="source",
            code="letter.template_incomplete",
        )
    latest = template_in_use(session, agency_id, kind)
    row = LetterTemplate(
        agency_id=agency_id,
        kind=kind,
        version=(latest.version + 1) if latest.origin == "agency" else 1,
        source=source,
        sha256=_sha(source),
        note=note,
        created_at=_now(),
        created_by=actor.id,
    )
    session.add(row)
    session.flush()
    return row


def _template_source(session: Session, agency_id: int, kind: str, origin: str, version: int) -> str:
    if origin == "builtin":
        return builtin_source(letter_spec(kind))
    row = session.exec(
        select(LetterTemplate).where(
            LetterTemplate.agency_id == agency_id,
            LetterTemplate.kind == kind,
            LetterTemplate.version == version,
        )
    ).one()
    return row.source


# --- preview, slots, issue --------------------------------------------------------------------


@dataclass(frozen=True)
class Preview:
    letter: RenderedLetter
    findings: list[Finding]
    context: dict[str, Any]
    template: TemplateInUse


@dataclass(frozen=True)
class ToIssue:
    kind: str
    party: int | None = None  # the consultation, for a letter to a consulted party


def _check_kind(session: Session, case: Case, kind: str) -> LetterSpec:
    spec = letter_spec(kind)
    if kind not in available_letters(session, case):
        raise ValidationError(f"该案件目前没有待出具的「{spec.title}」", field="kind")
    return spec


def _number(agency: Agency, spec: LetterSpec, year: int, seq: int | None = None) -> str:
    """文号: ``<prefix><code>〔<year>〕<n>号``; without ``seq``, the provisional one a preview shows."""
    return f"{agency.letter_prefix}{spec.code}〔{year}〕{'　' if seq is None else seq}号"


def _trial(
    session: Session,
    case: Any,
    agency: Agency,
    item: ToIssue,
    on: date,
    *,
    slots: Mapping[str, Any] | None = None,
    events: list[tuple[str, dict]] | None = None,
) -> Preview:
    """The letter as it would be issued on ``on``, with a provisional number, and its lint."""
    spec = letter_spec(item.kind)
    template = template_in_use(session, case.agency_id, item.kind)
    return _render_and_lint(
        session,
        case,
        spec,
        template,
        number=_number(agency, spec, on.year),
        issued_on=on,
        slots=slots,
        events=events,
        party=item.party,
    )


def _render_and_lint(
    session: Session,
    case: Any,
    spec: LetterSpec,
    template: TemplateInUse,
    *,
    number: str,
    issued_on: date,
    slots: Mapping[str, Any] | None = None,
    events: list[tuple[str, dict]] | None = None,
    party: int | None = None,
) -> Preview:
    events = _events(session, case) if events is None else events
    context = context_for(
        session,
        case,
        spec,
        number=number,
        issued_on=issued_on,
        slots=slots,
        events=events,
        party=party,
    )
    rendered = render_letter(spec, context, template.source)
    findings = lint(
        spec,
        context,
        rendered.text,
        known_dates=_known_dates(session, case, events),
        third_parties=_third_parties(session, case),
    )
    findings += timing_findings(session, case, spec, issued_on, events, context)
    return Preview(rendered, findings, context, template)


#: The reply letters (one per outcome).
REPLY_KINDS = frozenset(spec.reply_letter for spec in OUTCOMES.values())
#: The dates a letter of each kind states that the calendar produced (context paths).
_STATED_DUE = {
    "receipt": "clock.reply_due",
    "extension_notice": "notice.new_due",
    "correction_notice": "notice.period_due",
    "reasons_request": "notice.period_due",
    "fee_notice": "notice.window_due",
}


def timing_findings(
    session: Session,
    case: Any,
    spec: LetterSpec,
    issued_on: date,
    events: list[tuple[str, dict]],
    context: Mapping[str, Any],
) -> list[Finding]:
    """The lint of a letter's timing against the clock: an error where the law is broken (an
    extension notice after the due date it extends), a warning where the agency is late but must
    still act (a correction notice after the 7th working day, a reply after its due date), and a
    warning for a date stated in a year whose holiday arrangement is not yet published."""
    from gkcase.calendar.clock import correction_notice_due
    from gkcase.calendar.workdays import YearStatus
    from gkcase.services.calendar import current_calendar
    from gkcase.services.cases import agency_rules, policy_of
    from gkcase.states.timeline import clock_view, fold

    if case.receipt_date is None:
        return []
    cal = current_calendar(session)
    found: list[Finding] = []

    def due_before(trigger: str) -> date | None:
        # the reply due as it stood before the latest ``trigger`` (when it is already recorded)
        last = max((i for i, (t, _p) in enumerate(events) if t == trigger), default=None)
        upto = events if last is None else events[:last]
        policy = policy_of(agency_rules(session, case.agency_id))
        summary = clock_view(fold(upto), cal, policy, issued_on, explain=False).summary
        return (summary.due or summary.projected_due) if summary else None

    if spec.kind == "correction_notice":
        due = correction_notice_due(cal, case.receipt_date)
        if issued_on > due:
            found.append(
                Finding(
                    "late_correction_notice",
                    Severity.WARNING,
                    f"补正告知书晚于第七个工作日（{zh_date(due)}）出具：仍须告知申请人，但答复期限"
                    "不因补正重新计算，申请人逾期不补正的也不能视为放弃申请（第三十条）",
                )
            )
    elif spec.kind == "extension_notice":
        due = due_before("extend")
        if due is not None and issued_on > due:
            found.append(
                Finding(
                    "late_extension_notice",
                    Severity.ERROR,
                    f"延期答复告知书须在原答复期限（{zh_date(due)}）届满前出具（第三十三条第二款）",
                )
            )
    elif spec.kind in REPLY_KINDS:
        due = due_before("sign") if case.outcome else None
        if due is not None and issued_on > due:
            late = cal.workdays_between(due, issued_on)
            found.append(
                Finding(
                    "late_reply",
                    Severity.WARNING,
                    f"答复期限已于{zh_date(due)}届满，本答复迟{late}个工作日：仍须答复，"
                    "并如实记载作出日期（第三十三条）",
                )
            )
    path = _STATED_DUE.get(spec.kind)
    stated = _as_date(_at(context, path)) if path else None
    if stated is not None and cal.year_status(stated.year) is YearStatus.ESTIMATED:
        found.append(
            Finding(
                "provisional_date",
                Severity.WARNING,
                f"文书载明的{zh_date(stated)}所在的{stated.year}年节假日安排尚未由国务院办公厅公布，"
                "该日期按推算日历计算，公布后可能变化",
            )
        )
    return found


def _as_date(value: Any) -> date | None:
    """A context date: the clock's date, or the Chinese text (2027年1月6日) the context holds."""
    if isinstance(value, date):
        return value
    match = re.search(r"(\d{4})年(\d{1,2})月(\d{1,2})日", value) if isinstance(value, str) else None
    return date(*map(int, match.groups())) if match else None


def _at(context: Mapping[str, Any], path: str) -> Any:
    value: Any = context
    for part in path.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    return value


def preview(
    session: Session,
    case_id: int,
    kind: str,
    actor: User,
    *,
    slots: Mapping[str, Any] | None = None,
    as_of: date,
) -> Preview:
    """A letter still to be issued, as it would be issued today, with the lint's findings."""
    case = get_case(session, case_id, actor)
    _check_kind(session, case, kind)
    agency = session.get(Agency, case.agency_id)
    item = ToIssue(kind, _first_party(session, case, kind))
    return _trial(session, case, agency, item, as_of, slots=slots)


def _first_party(session: Session, case: Case, kind: str) -> int | None:
    if kind != "third_party_disclosure_notice":
        return None
    parties = objecting_parties(session, case)
    return parties[0].id if parties else None


def reply_problem(session: Session, case: Any, as_of: date) -> str | None:
    """Why the drafted reply (and any disclosure notice owed with it) could not be signed today:
    its lint's errors, in Chinese; None when it could. Every step from drafting to 签发 asks."""
    if not case.outcome:
        return None
    agency = session.get(Agency, case.agency_id)
    events = _events(session, case)
    items = [ToIssue(OUTCOMES[Outcome(case.outcome)].reply_letter)]
    items += [
        ToIssue("third_party_disclosure_notice", c.id) for c in objecting_parties(session, case)
    ]
    errors = []
    for item in items:
        title = letter_spec(item.kind).title
        try:
            trial = _trial(session, case, agency, item, as_of, events=events)
        except GkcaseError as exc:  # e.g. a template that no longer renders, no review body
            errors.append(f"「{title}」{exc}")
            continue
        errors += [f"「{title}」{f.message}" for f in trial.findings if f.severity == "error"]
    return ("文书存在问题：" + "；".join(errors)) if errors else None


def save_slots(
    session: Session, case_id: int, kind: str, actor: User, slots: Mapping[str, Any]
) -> LetterDraft:
    case = get_case(session, case_id, actor)
    if case.agency_id != actor.agency_id:
        raise NotFound("案件不存在", field="case_id")
    spec = _check_kind(session, case, kind)
    known = {slot.name for slot in spec.slots}
    for name, value in slots.items():
        if name not in known:
            raise ValidationError("该文书没有这一可填写项", field=f"slots.{name}")
        if not isinstance(value, str) or len(value) > 8000:
            raise ValidationError("应为不超过8000字的文字", field=f"slots.{name}")
    draft = session.exec(
        select(LetterDraft).where(LetterDraft.case_id == case.id, LetterDraft.kind == kind)
    ).first() or LetterDraft(case_id=case.id, kind=kind, updated_at=_now())
    merged = json.loads(draft.slots or "{}") | dict(slots)
    draft.slots = json.dumps(merged, ensure_ascii=False, sort_keys=True)
    draft.updated_at, draft.updated_by = _now(), actor.id
    session.add(draft)
    session.flush()
    return draft


# --- issuing: only inside the case event that the letter belongs to ---------------------------


def letters_of_act(
    session: Session, case: Any, names: tuple[str, ...], stored: Mapping[str, Any]
) -> list[ToIssue]:
    """The letters one firing issues, from its rule's ``letters`` and what the act decided: the
    consultation letter of the kind consulted, a disclosure notice to each objecting party when
    the reply discloses over objection (Art 32), a closing notice for a withdrawal only once the
    application was received (Art 31), the corrected letter's kind again."""
    result = []
    for name in names:
        if name == REPLY:
            result.append(ToIssue(OUTCOMES[Outcome(case.outcome)].reply_letter))
        elif name in CONSULTATION_LETTERS:
            if name == f"{stored['kind']}_consultation":
                result.append(ToIssue(name, int(stored["consultation_id"])))
        elif name == "third_party_disclosure_notice":
            result += [ToIssue(name, c.id) for c in objecting_parties(session, case)]
        elif name == "closing_other":
            if case.receipt_date is not None:
                result.append(ToIssue(name))
        elif name == SAME_KIND:
            result.append(ToIssue(stored["kind"], stored.get("party")))
        else:
            result.append(ToIssue(name))
    return result


def issue_for_act(
    session: Session,
    case: Any,
    trigger: str,
    stored: Mapping[str, Any],
    to_issue: list[ToIssue],
    actor: User,
    *,
    as_of: date,
    events: list[tuple[str, dict]],
) -> list[dict[str, Any]]:
    """Issue the letters of one act, inside the unit of work of the event that is firing
    (``cases.fire``; ``events`` ends with that event). Each is linted with a provisional number
    first (a refused letter consumes no number), numbered — ``<prefix><code>〔<year>〕<n>号``,
    consecutive per agency, year and code — rendered, linted again (errors refuse the whole act:
    ``letter.lint_errors``), printed and frozen. Returns what the event records of each."""
    from gkcase.letters.output import print_letter

    issued_on = _date(stored.get(_DATED_BY.get(trigger, ""))) or as_of
    agency = session.get(Agency, case.agency_id)
    trials = []
    for item in to_issue:
        trial = _trial(session, case, agency, item, issued_on, events=events)
        spec = letter_spec(item.kind)
        if has_errors(trial.findings):
            raise LetterNotReady(trial.findings, spec.title)
        trials.append((item, spec, trial.template))
    entries = []
    for item, spec, template in trials:
        seq = next_number(session, agency.id, issued_on.year, f"letter:{spec.code}")
        number = _number(agency, spec, issued_on.year, seq)
        final = _render_and_lint(
            session,
            case,
            spec,
            template,
            number=number,
            issued_on=issued_on,
            events=events,
            party=item.party,
        )
        if has_errors(final.findings):
            raise LetterNotReady(final.findings, spec.title)
        findings = list(final.findings)
        printed = print_letter(final.letter, final.context)
        if printed.pdf_problem is not None:  # the letter stands; its PDF can be made elsewhere
            findings.append(Finding("pdf_unavailable", Severity.WARNING, printed.pdf_problem))
        html = final.letter.html
        letter = Letter(
            case_id=case.id,
            agency_id=agency.id,
            kind=item.kind,
            number=number,
            issued_on=issued_on,
            issued_at=_now(),
            issued_by=actor.id,
            template_origin=template.origin,
            template_version=template.version,
            template_sha256=template.sha256,
            variables=_canonical(final.context),
            html=html,
            html_sha256=_sha(html),
            text=final.letter.text,
            docx=printed.docx,
            docx_sha256=_sha(printed.docx),
            pdf=printed.pdf,
            pdf_sha256=_sha(printed.pdf) if printed.pdf is not None else "",
            findings=json.dumps([f.as_dict() for f in findings], ensure_ascii=False),
            gkcase_version=gkcase.__version__,
        )
        session.add(letter)
        session.flush()
        entry = {
            "letter_id": letter.id,
            "kind": item.kind,
            "number": number,
            "issued_on": issued_on.isoformat(),
            "html_sha256": letter.html_sha256,
            "docx_sha256": letter.docx_sha256,
            "pdf_sha256": letter.pdf_sha256,
        }
        if item.party is not None:
            entry["party"] = item.party
        entries.append(entry)
    return entries


def act_of(kind: str) -> Trigger:
    """The case event that issues letters of ``kind`` (from the machine's RULES)."""
    letter_spec(kind)
    for rule in RULES:
        if kind in rule.letters:
            return rule.trigger
    return Trigger.SIGN  # a reply: REPLY in 签发's letters


class IssuedByAct(GkcaseError):
    """A letter asked for outside the act that issues it."""

    code = "letter.issued_by_act"


def request_letter(
    session: Session, case_id: int, kind: str, actor: User, *, as_of: date
) -> tuple[Letter, bool]:
    """The letter of ``kind`` the case has — ``(letter, False)``, however often it is asked for —
    or, for the receipt (its own act, 出具接收回执), the one issued now: ``(letter, True)``. Any
    other kind is issued only by its act (``letter.issued_by_act``, naming it)."""
    from gkcase.services import cases

    case = get_case(session, case_id, actor)
    if case.agency_id != actor.agency_id:
        raise NotFound("案件不存在", field="case_id")
    spec = letter_spec(kind)
    existing = live_letters(session, case, kind)
    if existing:
        return existing[-1], False
    act = act_of(kind)
    if act is not Trigger.ISSUE_RECEIPT:
        raise IssuedByAct(f"「{spec.title}」只能随「{act.label}」出具", field="kind")
    try:
        fired = cases.fire(session, case.id, act, actor, {}, case.version, as_of=as_of)
    except cases.StaleCase:
        session.expire_all()  # a parallel request issued it first: that one is the answer
        again = live_letters(session, case, kind)
        if again:
            return again[-1], False
        raise
    entry = json.loads(fired.event.payload)["letters"][0]
    return session.get(Letter, entry["letter_id"]), not fired.replayed


def live_letters(session: Session, case: Case, kind: str | None = None) -> list[Letter]:
    """The case's issued letters that no correction has voided (of one kind, if given)."""
    gone = voided(_events(session, case))
    return [
        x
        for x in letters_of(session, case)
        if x.id not in gone and (kind is None or x.kind == kind)
    ]


def _canonical(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


@dataclass(frozen=True)
class LetterCheck:
    identical: bool
    problems: tuple[str, ...]


def verify_letter(session: Session, letter_id: int) -> LetterCheck:
    """Render an issued letter again from what was stored; say whether the bytes match."""
    from gkcase.letters.output import print_pdf, to_docx

    letter = session.get(Letter, letter_id)
    if letter is None:
        raise NotFound("文书不存在", field="letter_id")
    problems = []
    if _sha(letter.html) != letter.html_sha256:
        problems.append("存储的HTML与其哈希值不符，记录可能被改动")
    if letter.docx is not None and _sha(letter.docx) != letter.docx_sha256:
        problems.append("存储的DOCX与其哈希值不符，记录可能被改动")
    if letter.pdf is not None and _sha(letter.pdf) != letter.pdf_sha256:
        problems.append("存储的PDF与其哈希值不符，记录可能被改动")
    spec = CATALOGUE[letter.kind]
    source = _template_source(
        session, letter.agency_id, letter.kind, letter.template_origin, letter.template_version
    )
    if _sha(source) != letter.template_sha256:
        problems.append("签发所用的内置模板已随软件升级而改变，无法逐字节重现")
        return LetterCheck(False, tuple(problems))
    context = json.loads(letter.variables)
    rendered = render_letter(spec, context, source)
    if _sha(rendered.html) != letter.html_sha256:
        problems.append("重新生成的HTML与签发时不同")
    if letter.docx is not None and _sha(to_docx(rendered, context)) != letter.docx_sha256:
        problems.append("重新生成的DOCX与签发时不同")
    if letter.pdf is not None and _sha(print_pdf(rendered)) != letter.pdf_sha256:
        problems.append("重新生成的PDF与签发时不同（PDF组件或字体版本可能已变化）")
    if letter.gkcase_version != gkcase.__version__ and problems:
        problems.append(f"签发时的系统版本为{letter.gkcase_version}，当前为{gkcase.__version__}")
    return LetterCheck(not problems, tuple(problems))


def letters_of(session: Session, case: Case) -> list[Letter]:
    """The case's issued letters in order, without their bodies (``LETTER_LISTED``): a case
    page lists them, and reading each letter's files for that cost more than the rest of it."""
    statement = (
        select(Letter)
        .where(Letter.case_id == case.id)
        .order_by(col(Letter.id))
        .options(*LETTER_LISTED)
    )
    return list(session.exec(statement))
