"""案件办理页 — the case page: summary, the statutory clock, the actions the viewer may take
now, legal review comments, letters, consultations, fees, deliveries, remedies and the audit
trail with its hash-chain check.

The page renders the JSON API's own detail view (:func:`api.routes.cases.case_detail`); what a
viewer may do comes from :func:`gkcase.services.cases.permitted`, and every action form is built
from the trigger's payload model (:mod:`api.web.forms`). A refused action comes back on the same
page with the message beside the field and everything typed kept.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session, col, select

from api.deps import engine_of
from api.errors import status_of
from api.routes.cases import CaseDetailOut, case_detail
from api.web import forms
from api.web.core import (
    Viewer,
    ViewerDep,
    datetime_zh,
    form_values,
    read_form,
    redirect,
    render,
    templates,
    with_read,
)
from gkcase.calendar.clock import Channel
from gkcase.db import unit_of_work
from gkcase.errors import GkcaseError, ValidationError
from gkcase.letters.catalogue import CATALOGUE, letter_spec
from gkcase.letters.lint import has_errors
from gkcase.models import Agency, Case, Letter, User
from gkcase.services import bundle as bundle_service
from gkcase.services import cases as service
from gkcase.services import letters as letter_service
from gkcase.services import recompute, urgency
from gkcase.services.calendar import current_calendar
from gkcase.services.repeats import REPEAT_RULE
from gkcase.states.machine import Role, State, Trigger
from gkcase.states.payloads import MAX_ID
from gkcase.states.timeline import WINDOW_LABELS, window_label

router = APIRouter()

#: The letter frame shows the letter's own HTML: its inline styles and nothing else.
LETTER_FRAME_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'"
)

RETURN_TRIGGERS = {
    Trigger.RETURN_DRAFT.value: "法制审核退回意见",
    Trigger.SEND_BACK.value: "签发退回意见",
}
REDRAFT_TRIGGERS = {Trigger.DRAFT_DECISION.value, Trigger.DECIDE_WITHOUT_HANDLING.value}


@dataclass
class ActionView:
    """One permitted action: its form (allowed) or the reason it is blocked now."""

    trigger: Trigger
    label: str
    allowed: bool
    reason: str | None
    form: forms.ActionForm | None = None
    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    open: bool = False


def _issued(letter: Letter, voided: dict[int, dict[str, Any]]) -> dict[str, Any]:
    """An issued letter as the page lists it, with its download links (the JSON API's)."""
    files = {"HTML": f"/api/letters/{letter.id}.html"}
    if letter.has_docx:
        files["DOCX"] = f"/api/letters/{letter.id}.docx"
    if letter.has_pdf:
        files["PDF"] = f"/api/letters/{letter.id}.pdf"
    return {
        "id": letter.id,
        "kind": letter.kind,
        "title": CATALOGUE[letter.kind].title if letter.kind in CATALOGUE else letter.kind,
        "number": letter.number,
        "issued_on": letter.issued_on,
        "html_sha256": letter.html_sha256,
        "files": files,
        "voided": voided.get(letter.id),  # the correction (更正) that voided it, if one did
    }


def _state_label(value: str | None) -> str:
    if not value:
        return ""
    try:
        return State(value).label
    except ValueError:
        return value


def _channel_label(value: str) -> str:
    try:
        return Channel(value).label
    except ValueError:
        return value


def _choices(session: Session, case: Case) -> dict[Trigger, dict[str, list[tuple[str, str]]]]:
    """Selects in place of raw ids: who can be assigned, what can be ended or updated."""
    from gkcase.models import Consultation, Remedy

    users = session.exec(
        select(User).where(User.agency_id == case.agency_id, col(User.active).is_(True))
    ).all()
    caseworkers = [
        (str(u.id), u.full_name)
        for u in sorted(users, key=lambda u: u.id)
        if Role.CASEWORKER.value in u.role_set
    ]
    consultations = session.exec(
        select(Consultation)
        .where(Consultation.case_id == case.id, col(Consultation.closed).is_(False))
        .order_by(Consultation.id)
    ).all()
    remedies = session.exec(
        select(Remedy).where(Remedy.case_id == case.id).order_by(Remedy.id)
    ).all()
    awaiting = service.timeline_of(session, case.id).awaiting_receipt()
    return {
        Trigger.RECORD_NOTICE_RECEIPT: {
            # only the notices whose receipt is still to be recorded
            "notice": [
                (kind, forms.choice_label(kind)) for kind in dict.fromkeys(k for k, _ in awaiting)
            ],
            "consultation_id": [
                (str(c.id), f"{c.party_name}（{c.sent_on.isoformat()}发出）")
                for c in consultations
                if ("consultation", c.id) in awaiting
            ],
        },
        Trigger.ASSIGN: {"assignee_id": caseworkers},
        Trigger.CONSULTATION_DONE: {
            "consultation_id": [
                (str(c.id), f"{c.party_name}（{c.sent_on.isoformat()}发出）") for c in consultations
            ]
        },
        Trigger.CORRECT_LETTER: {
            "letter_id": [
                (str(x.id), f"{CATALOGUE[x.kind].title} {x.number}")
                for x in letter_service.live_letters(session, case)
            ]
        },
        Trigger.RECORD_REMEDY: {
            "remedy_id": [
                (str(r.id), f"{forms.choice_label(r.kind)} {r.reference or r.filed_on.isoformat()}")
                for r in remedies
            ]
        },
    }


def _return_comments(detail: CaseDetailOut) -> dict[str, Any] | None:
    """The latest return of the draft with its comments, unless a later draft superseded it."""
    for event in reversed(detail.events):
        if event.trigger in REDRAFT_TRIGGERS:
            return None
        if event.trigger in RETURN_TRIGGERS and event.payload.get("comments"):
            return {
                "title": RETURN_TRIGGERS[event.trigger],
                "comments": event.payload["comments"],
                "actor": event.actor,
                "at": event.at,
                "on": event.on,
            }
    return None


def _urgency(session: Session, case: Case, viewer: Viewer, today: date) -> dict[str, Any]:
    """The badge beside the case number: the word every list shows for the case
    (:func:`gkcase.services.urgency.urgency_of`, the viewer's agency's warning period), with the
    working days left to — or past — the due date it is judged by."""
    cal = current_calendar(session)
    risk = viewer.agency.at_risk_workdays
    try:
        key = urgency.urgency_of(case, cal, today, risk)
    except (GkcaseError, OverflowError, ValueError, IndexError):
        return {}
    if key == "finished":
        return {}
    if key in ("paused", "waiting"):
        return {"badge": "paused", "text": urgency.clock_label(case.state, case.clock_status)}
    due = case.reply_due if case.clock_status in urgency.TIMED else case.projected_due
    if due is None:
        return {}
    left = cal.workdays_between(today, due)
    return {"badge": {"overdue": "overdue", "at_risk": "at-risk"}.get(key, "ok"), "left": left}


def _pause_reasons(detail: CaseDetailOut) -> list[str]:
    """Why the clock stands still: the open consultations, the unpaid fee, the correction."""
    reasons = [
        f"征求{forms.choice_label(c.kind)}「{c.party_name}」意见（{c.sent_on.isoformat()}发出）"
        for c in detail.consultations
        if not c.closed
    ]
    reasons += [
        f"等待申请人缴纳信息处理费{f.amount}元（缴费期限{f.window_due.isoformat()}）"
        for f in detail.fee_notices
        if f.paid_on is None and not f.lapsed
    ]
    if detail.case.state == State.AWAITING_CORRECTION.value:
        reasons.append("等待申请人补正，答复期限自收到补正之日起重新计算（第三十条）")
    return reasons


def _load(
    request: Request,
    viewer: Viewer,
    case_id: int,
    *,
    open_trigger: Trigger | None = None,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Everything the case page shows, read in one read-only session."""
    today = service.china_today()
    with with_read(request) as session:
        detail = case_detail(case_id, session, viewer.user)
        case = session.get(Case, case_id)
        agency = session.get(Agency, case.agency_id)
        choices = _choices(session, case)
        stored_decision = forms.decision_values(detail.case.outcome, detail.case.decision)
        actions = []
        for item in detail.permitted_events:
            trigger = Trigger(item.trigger)
            view = ActionView(trigger, item.label, item.allowed, item.reason)
            if item.allowed:
                if trigger is open_trigger:
                    view.values, view.errors, view.open = dict(values or {}), errors or {}, True
                else:
                    view.values = forms.defaults(trigger, today)
                    if trigger in forms.DECISION_TRIGGERS and forms.chosen_outcome(
                        trigger, stored_decision.get("outcome")
                    ):
                        view.values = dict(stored_decision)
                for name, info in forms.PAYLOADS[trigger].model_fields.items():
                    if hasattr(info.default, "value") and name not in view.values:
                        view.values[name] = info.default.value
                view.form = forms.build_form(
                    trigger, choices=choices.get(trigger), values=view.values
                )
            actions.append(view)
        available = [
            {"kind": kind, "title": CATALOGUE[kind].title}
            for kind in letter_service.available_letters(session, case)
        ]
        gone = letter_service.corrections(session, case)
        issued = [_issued(x, gone) for x in letter_service.letters_of(session, case)]
        to_correct = recompute.letter_notes(session, case_id=case.id, limit=1)
        chain = service.verify(session, case_id, files=False)
        can_bundle = bundle_service.may_build_bundle(session, case, viewer.user)
        badge = _urgency(session, case, viewer, today)
        agency_name = agency.name
    can_write = viewer.user.agency_id == detail.case.agency_id
    return {
        "detail": detail,
        "c": detail.case,
        "agency_name": agency_name,
        "channel_label": _channel_label(detail.case.channel),
        "actions": [a for a in actions if a.allowed],
        "blocked": [a for a in actions if not a.allowed],
        "open_trigger": open_trigger.value if open_trigger else "",
        "returned": _return_comments(detail),
        "urgency": badge,
        "finished": not State(detail.case.state).is_open,
        "clock_label": urgency.clock_label(
            detail.case.state, detail.clock.status if detail.clock else "waiting"
        ),
        "pause_reasons": _pause_reasons(detail),
        "windows": {name: window_label(name, basis=True) for name in WINDOW_LABELS},
        "available_letters": available,
        "issued_letters": issued,
        "to_correct": to_correct[0] if to_correct else None,
        "chain": chain,
        "can_bundle": can_bundle,  # the evidence bundle holds unmasked personal data
        "can_write": can_write,
        # one key per page shown: the same form sent twice (a double click) is one request
        "request_key": secrets.token_urlsafe(12),
        "state_label": _state_label,
        "summarize": forms.summarize,
        "choice_label": forms.choice_label,
        "today": today,
        "repeat_rule": REPEAT_RULE,
    }


def _page(
    request: Request,
    viewer: Viewer,
    case_id: int,
    *,
    status_code: int = 200,
    notice: str = "",
    **load: Any,
) -> HTMLResponse:
    context = _load(request, viewer, case_id, **load)
    return render(
        request,
        "case.html",
        viewer,
        status_code=status_code,
        title=f"案件 {context['c'].number}",
        notice=notice,
        **context,
    )


def _case_id(value: int) -> int:
    if not 1 <= value <= MAX_ID:
        raise service.NotFound("案件不存在", field="case_id")
    return value


@router.get("/cases/{case_id:int}")
def case_page(request: Request, case_id: int, viewer: ViewerDep) -> Response:
    return _page(request, viewer, _case_id(case_id))


def _trigger(value: str) -> Trigger:
    try:
        return Trigger(value)
    except ValueError:
        raise service.NotFound("没有这一操作", field="trigger") from None


@router.get("/cases/{case_id:int}/actions/{trigger}/fields")
def decision_fields(request: Request, case_id: int, trigger: str, viewer: ViewerDep) -> Response:
    """The fields of a decision form for the outcome chosen (htmx swaps them in)."""
    action = _trigger(trigger)
    if action not in forms.DECISION_TRIGGERS:
        raise service.NotFound("该操作没有可切换的决定内容", field="trigger")
    with with_read(request) as session:
        service.get_case(session, _case_id(case_id), viewer.user)
    values = {k: v for k, v in request.query_params.items() if k != "csrf_token"}
    form = forms.build_form(action, values=values)
    return templates.TemplateResponse(
        request,
        "_case_decision_fields.html",
        {"form": form, "values": values, "errors": {}, "case_id": case_id},
    )


@router.post("/cases/{case_id:int}/actions/{trigger}")
async def fire_action(request: Request, case_id: int, trigger: str, viewer: ViewerDep) -> Response:
    form = await read_form(request, viewer)
    action = _trigger(trigger)
    case_id = _case_id(case_id)
    values = form_values(form)
    values.pop("expected_version", None)
    request_key = str(values.pop("request_key", "") or "")[:64] or None
    if values.pop("_choose", None) is not None:  # no-JS: show the chosen outcome's fields
        return _page(request, viewer, case_id, open_trigger=action, values=values)
    payload = forms.parse(action, values)
    action_form = forms.build_form(action, values=values)
    try:
        expected = int(str(form.get("expected_version", "")))
    except ValueError:
        expected = 0
    try:
        with unit_of_work(engine_of(request)) as session:
            service.fire(
                session, case_id, action, viewer.user, payload, expected, request_key=request_key
            )
    except service.NotFound:
        raise
    except service.StaleCase as exc:
        who = exc.actor or "他人"
        when = datetime_zh(exc.at) if exc.at else ""
        notice = f"案件已由{who}于{when}办理，页面已刷新；您填写的内容已保留，请核对后重新提交"
        return _page(
            request,
            viewer,
            case_id,
            status_code=409,
            notice=notice,
            open_trigger=action,
            values=values,
        )
    except GkcaseError as exc:
        return _refused(request, viewer, case_id, action, action_form, values, exc)
    except OverflowError:
        exc = ValidationError("日期超出可计算的范围")
        return _refused(request, viewer, case_id, action, action_form, values, exc)
    return redirect(f"/cases/{case_id}", f"已办理：{action.label}")


def _refused(
    request: Request,
    viewer: Viewer,
    case_id: int,
    action: Trigger,
    action_form: forms.ActionForm,
    values: dict[str, Any],
    exc: GkcaseError,
) -> HTMLResponse:
    name = forms.error_field(action_form, exc.field)
    status = status_of(exc)
    return _page(
        request,
        viewer,
        case_id,
        status_code=status if 400 <= status < 500 else 422,
        open_trigger=action,
        values=values,
        errors={name: exc.message},
    )


# --- letters -------------------------------------------------------------------------------------


def _letter_kind(kind: str) -> str:
    try:
        letter_spec(kind)
    except GkcaseError:
        raise service.NotFound("没有这种文书", field="kind") from None
    return kind


def _letter_page(
    request: Request,
    viewer: Viewer,
    case_id: int,
    kind: str,
    *,
    status_code: int = 200,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
) -> HTMLResponse:
    """A letter of the case: the preview while it is still to be issued (its slots, its lint),
    the act that issues it — the viewer's button only if the machine permits that act now — and
    the letters of this kind issued so far, corrections included."""
    today = service.china_today()
    with with_read(request) as session:
        case = service.get_case(session, case_id, viewer.user)
        spec = letter_spec(kind)
        pending = kind in letter_service.available_letters(session, case)
        result = (
            letter_service.preview(session, case_id, kind, viewer.user, as_of=today)
            if pending
            else None
        )
        saved = dict(result.context.get("slots", {})) if result else {}
        gone = letter_service.corrections(session, case)
        issued = [
            _issued(x, gone) for x in letter_service.letters_of(session, case) if x.kind == kind
        ]
        act = letter_service.act_of(kind)
        allowed = dict(service.permitted(session, case, viewer.user, today))
        number, state, agency_id = case.number, case.state, case.agency_id
    shown = {f"slots.{k}": v for k, v in saved.items()} | dict(values or {})
    return render(
        request,
        "case_letter.html",
        viewer,
        status_code=status_code,
        title=f"{spec.title} · {number}",
        case_id=case_id,
        number=number,
        state=_state_label(state),
        kind=kind,
        spec=spec,
        pending=pending,
        findings=result.findings if result else [],
        can_issue=result is not None and not has_errors(result.findings),
        letter_template=result.template if result else None,
        issued=issued,
        act_label=act.label,
        act_here=act is Trigger.ISSUE_RECEIPT and act in allowed,
        act_blocked=allowed.get(act),
        act_anchor=f"/cases/{case_id}#action-{act.value}",
        values=shown,
        errors=errors or {},
        can_write=viewer.user.agency_id == agency_id,
    )


@router.get("/cases/{case_id:int}/letters/{kind}")
def letter_page(request: Request, case_id: int, kind: str, viewer: ViewerDep) -> Response:
    return _letter_page(request, viewer, _case_id(case_id), _letter_kind(kind))


@router.get("/cases/{case_id:int}/letters/{kind}/frame")
def letter_frame(request: Request, case_id: int, kind: str, viewer: ViewerDep) -> Response:
    """The letter as it would be issued today, with the slots saved so far (for an iframe)."""
    with with_read(request) as session:
        result = letter_service.preview(
            session,
            _case_id(case_id),
            _letter_kind(kind),
            viewer.user,
            as_of=service.china_today(),
        )
    return HTMLResponse(
        result.letter.html,
        headers={
            "Content-Security-Policy": LETTER_FRAME_CSP,
            "X-Frame-Options": "SAMEORIGIN",
            "Cache-Control": "no-store",
        },
    )


def _case_letter(session: Session, case_id: int, letter_id: int, viewer: Viewer) -> Letter:
    """An issued letter of a case the viewer may see; anything else is 'not found'."""
    service.get_case(session, case_id, viewer.user)
    letter = session.get(Letter, letter_id) if 1 <= letter_id <= MAX_ID else None
    if letter is None or letter.case_id != case_id:
        raise service.NotFound("文书不存在", field="letter_id")
    return letter


@router.get("/cases/{case_id:int}/issued/{letter_id:int}/frame")
def issued_frame(request: Request, case_id: int, letter_id: int, viewer: ViewerDep) -> Response:
    """An issued letter's frozen HTML, for an iframe: exactly the bytes that were issued."""
    with with_read(request) as session:
        html = _case_letter(session, _case_id(case_id), letter_id, viewer).html
    return HTMLResponse(
        html,
        headers={
            "Content-Security-Policy": LETTER_FRAME_CSP,
            "X-Frame-Options": "SAMEORIGIN",
            "Cache-Control": "private, no-store",
        },
    )


@router.post("/cases/{case_id:int}/letters/{kind}/slots")
async def save_slots(request: Request, case_id: int, kind: str, viewer: ViewerDep) -> Response:
    form = await read_form(request, viewer)
    case_id, kind = _case_id(case_id), _letter_kind(kind)
    values = form_values(form)
    slots = {
        name.removeprefix("slots."): str(value).strip()
        for name, value in values.items()
        if name.startswith("slots.")
    }
    try:
        with unit_of_work(engine_of(request)) as session:
            letter_service.save_slots(session, case_id, kind, viewer.user, slots)
    except service.NotFound:
        raise
    except GkcaseError as exc:
        return _letter_page(
            request,
            viewer,
            case_id,
            kind,
            status_code=status_of(exc),
            values=values,
            errors={exc.field or "_": exc.message},
        )
    return redirect(f"/cases/{case_id}/letters/{kind}", "已保存文书填写内容")


@router.post("/cases/{case_id:int}/letters/{kind}/issue")
async def issue_letter(request: Request, case_id: int, kind: str, viewer: ViewerDep) -> Response:
    """出具 the letter that is its own act (the receipt); a repeated click gets the same one."""
    await read_form(request, viewer)
    case_id, kind = _case_id(case_id), _letter_kind(kind)
    try:
        with unit_of_work(engine_of(request)) as session:
            letter, _created = letter_service.request_letter(
                session, case_id, kind, viewer.user, as_of=service.china_today()
            )
            number = letter.number
    except service.NotFound:
        raise
    except GkcaseError as exc:
        return _letter_page(
            request, viewer, case_id, kind, status_code=status_of(exc), errors={"_": exc.message}
        )
    return redirect(f"/cases/{case_id}#letters", f"已出具：{number}")


@router.post("/cases/{case_id:int}/issued/{letter_id:int}/verify")
async def verify_letter(
    request: Request, case_id: int, letter_id: int, viewer: ViewerDep
) -> Response:
    await read_form(request, viewer)
    case_id = _case_id(case_id)
    with with_read(request) as session:
        letter = _case_letter(session, case_id, letter_id, viewer)
        check = letter_service.verify_letter(session, letter.id)
        number = letter.number
    if check.identical:
        message = f"核验通过：{number} 的各文件与签发时逐字节一致"
    else:
        message = f"核验未通过：{number}：" + "；".join(check.problems)
    return redirect(f"/cases/{case_id}#letters", message)
