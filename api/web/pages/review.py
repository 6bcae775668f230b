"""法制审核 — the legal reviewer's queue: every refusal or partial refusal of their agency
awaiting review (oldest submission first), each with its grounds, reasons, the articles cited and
the reply letter's lint; approve it, or return it to the caseworker with comments."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response
from sqlalchemy import func
from sqlmodel import Session, col, select

from api.deps import engine_of
from api.errors import status_of
from api.web.core import (
    Viewer,
    ViewerDep,
    datetime_zh,
    read_form,
    redirect,
    render,
    require,
    with_read,
)
from gkcase.calendar.workdays import WorkdayCalendar
from gkcase.db import unit_of_work
from gkcase.errors import GkcaseError
from gkcase.letters.lint import Finding
from gkcase.models import Agency, Case, CaseEvent, User
from gkcase.services import cases as case_service
from gkcase.services import letters as letter_service
from gkcase.services import urgency
from gkcase.services.calendar import current_calendar
from gkcase.services.cases import StaleCase, china_today
from gkcase.states.machine import Role, State, Trigger
from gkcase.states.outcomes import DecisionField, Outcome, OutcomeGroup, WithholdingGround, spec
from gkcase.states.payloads import MAX_ID

router = APIRouter()

#: The two decisions a legal reviewer takes on a draft.
ACTIONS = {Trigger.APPROVE.value: "审核通过", Trigger.RETURN_DRAFT.value: "退回修改"}


@dataclass(frozen=True)
class QueueRow:
    case: Case
    submitted_on: date | None
    outcome_label: str
    workdays_left: int | None
    assignee: str
    urgency: str  # gkcase.services.urgency.urgency_of
    clock_label: str


@dataclass(frozen=True)
class Ground:
    label: str
    citation: str
    reasons: str
    part: str


def _submissions(session: Session, case_ids: list[int]) -> dict[int, date]:
    """When each case was last submitted for legal review (its business date)."""
    if not case_ids:
        return {}
    rows = session.exec(
        select(CaseEvent.case_id, func.max(CaseEvent.on))
        .where(
            col(CaseEvent.case_id).in_(case_ids),
            CaseEvent.trigger == Trigger.SUBMIT_FOR_LEGAL_REVIEW.value,
        )
        .group_by(CaseEvent.case_id)
    ).all()
    return dict(rows)


def _workdays_left(cal: WorkdayCalendar, case: Case, today: date) -> int | None:
    if case.reply_due is None or case.clock_status == urgency.STOPPED:
        return None
    try:
        return cal.workdays_between(today, case.reply_due)
    except (GkcaseError, OverflowError, ValueError, IndexError):
        return None


def _outcome_label(outcome: str | None) -> str:
    try:
        return spec(outcome).label if outcome else "—"
    except (KeyError, ValueError):
        return outcome or "—"


def queue(session: Session, agency: Agency, today: date) -> list[QueueRow]:
    """The agency's cases in legal review, oldest submission first, each with the urgency every
    list shows (the agency's warning period)."""
    agency_id = agency.id
    cal = current_calendar(session)
    cases = list(
        session.exec(
            select(Case).where(Case.agency_id == agency_id, Case.state == State.LEGAL_REVIEW.value)
        )
    )
    submitted = _submissions(session, [c.id for c in cases])
    ids = {c.assignee_id for c in cases if c.assignee_id}
    names = (
        dict(session.exec(select(User.id, User.full_name).where(col(User.id).in_(ids))).all())
        if ids
        else {}
    )
    rows = [
        QueueRow(
            case,
            submitted.get(case.id),
            _outcome_label(case.outcome),
            _workdays_left(cal, case, today),
            names.get(case.assignee_id, "") if case.assignee_id else "",
            urgency.urgency_of(case, cal, today, agency.at_risk_workdays),
            urgency.clock_label(case.state, case.clock_status),
        )
        for case in cases
    ]
    rows.sort(key=lambda r: (r.submitted_on or date.max, r.case.id))
    return rows


def _grounds(decision: dict[str, Any]) -> list[Ground]:
    found = []
    for item in decision.get("fields", {}).get("grounds") or []:
        try:
            ground = WithholdingGround(item.get("ground"))
            label, citation = ground.label, ground.citation
        except ValueError:
            label, citation = str(item.get("ground", "")), ""
        found.append(Ground(label, citation, item.get("reasons", ""), item.get("part", "")))
    return found


#: Decisions that withhold something: the page lists their grounds.
WITHHOLDING_GROUPS = frozenset({OutcomeGroup.PARTIAL, OutcomeGroup.WITHHELD})


def _field_label(key: str) -> str:
    try:
        return DecisionField(key).label
    except ValueError:
        return key


def _detail(session: Session, viewer: Viewer, case_id: int) -> dict[str, Any]:
    """Everything the review page shows about one case."""
    today = china_today()
    case = case_service.get_case(session, case_id, viewer.user)
    raw = json.loads(case.decision or "{}")
    decision = {"outcome": case.outcome, "fields": raw.get("fields", raw)}
    outcome_spec = None
    if case.outcome:
        try:
            outcome_spec = spec(Outcome(case.outcome))
        except ValueError:
            outcome_spec = None
    findings: list[Finding] = []
    lint_problem = ""
    letter_kind = outcome_spec.reply_letter if outcome_spec else ""
    # Art 32: a disclosure over a consulted third party's objection, with its notices
    objections = letter_service.objecting_parties(session, case)
    if letter_kind:
        try:
            preview = letter_service.preview(
                session, case.id, letter_kind, viewer.user, as_of=today
            )
            findings = preview.findings
        except GkcaseError as exc:
            lint_problem = exc.message
    others = [
        (_field_label(key), value)
        for key, value in decision["fields"].items()
        if key != "grounds" and value not in (None, "", [], {})
    ]
    return {
        "case": case,
        "spec": outcome_spec,
        "outcome_label": _outcome_label(case.outcome),
        "grounds": _grounds(decision),
        "others": others,
        "findings": findings,
        "lint_errors": sum(1 for f in findings if f.severity.value == "error"),
        "lint_problem": lint_problem,
        "letter_kind": letter_kind,
        "withholds": outcome_spec is not None and outcome_spec.group in WITHHOLDING_GROUPS,
        "objections": objections,
        "workdays_left": _workdays_left(current_calendar(session), case, today),
        "submitted_on": _submissions(session, [case.id]).get(case.id),
        # what the machine lets this reviewer do now, with the reason where it does not (RULES)
        "decisions": [
            (trigger.value, ACTIONS[trigger.value], reason)
            for trigger, reason in case_service.permitted(session, case, viewer.user, today)
            if trigger.value in ACTIONS
        ],
        "state_label": State(case.state).label,
        "actions": ACTIONS,
    }


@router.get("/review")
def review_queue(request: Request, viewer: ViewerDep) -> Response:
    require(viewer, Role.LEGAL_REVIEWER)
    today = china_today()
    with with_read(request) as session:
        rows = queue(session, viewer.agency, today)
        session.expunge_all()  # the rows outlive the read session
    return render(request, "review.html", viewer, title="法制审核", rows=rows)


def _page(
    request: Request,
    viewer: Viewer,
    case_id: int,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    stale: str = "",
    status_code: int = 200,
) -> Response:
    with with_read(request) as session:
        context = _detail(session, viewer, case_id)
        session.expunge_all()
    return render(
        request,
        "review_case.html",
        viewer,
        title=f"法制审核 {context['case'].number}",
        values=values or {},
        errors=errors or {},
        stale=stale,
        status_code=status_code,
        **context,
    )


@router.get("/review/{case_id}")
def review_case(
    request: Request, viewer: ViewerDep, case_id: int = Path(ge=1, le=MAX_ID)
) -> Response:
    require(viewer, Role.LEGAL_REVIEWER)
    return _page(request, viewer, case_id)


@router.post("/review/{case_id}")
async def decide(
    request: Request, viewer: ViewerDep, case_id: int = Path(ge=1, le=MAX_ID)
) -> Response:
    require(viewer, Role.LEGAL_REVIEWER)
    form = await read_form(request, viewer)
    action = str(form.get("action", ""))
    comments = str(form.get("comments", "")).strip()
    values = {"comments": str(form.get("comments", ""))}
    if action not in ACTIONS:
        return _page(
            request, viewer, case_id, values=values, errors={"_": "请选择审核结论"}, status_code=422
        )
    if action == Trigger.RETURN_DRAFT.value and not comments:
        errors = {"comments": "退回修改须填写审核意见，说明需要修改之处"}
        return _page(request, viewer, case_id, values=values, errors=errors, status_code=422)
    try:
        version = int(str(form.get("version", "")))
    except ValueError:
        version = 0
    payload = {"comments": comments} if comments else {}
    try:
        with unit_of_work(engine_of(request)) as session:
            fired = case_service.fire(session, case_id, action, viewer.user, payload, version)
            number = fired.case.number
    except StaleCase as exc:
        who = exc.actor or "他人"
        when = _when(exc)
        stale = f"案件已由 {who} 于 {when} 办理，以下为最新情况；您填写的意见已保留。"
        return _page(request, viewer, case_id, values=values, stale=stale, status_code=409)
    except GkcaseError as exc:
        field = exc.field if exc.field == "comments" else "_"
        return _page(
            request,
            viewer,
            case_id,
            values=values,
            errors={field: exc.message},
            status_code=status_of(exc),
        )
    done = "已审核通过，转待签发" if action == Trigger.APPROVE.value else "已退回承办人修改"
    return redirect("/review", f"{number}：{done}")


def _when(exc: StaleCase) -> str:
    return datetime_zh(exc.at) if exc.at else "刚才"
