"""我的待办 and 案件查询 — a caseworker's cases ordered by urgency, and the search every role has.

The inbox is open all day, so it costs a fixed handful of reads whatever the number of cases: the
cases themselves (with the assignee's name), and — only when some are paused or being reworked —
one read of their events, from which the clock of a paused case (why, since when, until when) and
the last return with its comments are derived. Urgency always comes from the clock columns and
the working-day calendar as of today, never from a stored flag.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import and_, func, or_
from sqlmodel import Session, col, select

from api.routes.cases import agencies_for, list_cases
from api.web.core import Viewer, ViewerDep, redirect, render, require, with_read
from gkcase.calendar.clock import PauseKind
from gkcase.calendar.workdays import WorkdayCalendar
from gkcase.errors import GkcaseError
from gkcase.models import Agency, ApplicantType, Case, CaseEvent, User
from gkcase.services import recompute, urgency
from gkcase.services.calendar import current_calendar
from gkcase.services.cases import china_today, policy_of
from gkcase.states.machine import OPEN_STATES, Role, State
from gkcase.states.timeline import clock_view, fold, window_label

router = APIRouter()

INFO_PREVIEW = 60  # characters of the information requested shown in a row
INBOX_LIMIT = 500  # open cases shown at most (a larger inbox says so)
PAGE_SIZE = 20

_OPEN = [s.value for s in OPEN_STATES]
#: States in which the case waits for the applicant (Art 30 correction, 109号 fee, Art 31 confirm).
_APPLICANT_STATES = {
    State.AWAITING_CORRECTION.value,
    State.AWAITING_FEE.value,
    State.RECEIVED.value,
}
_RETURN_TRIGGERS = {"return_draft", "send_back"}


@dataclass
class Row:
    """One case as a line of a table, with what its section says about it."""

    id: int
    number: str
    agency_id: int
    applicant_type: str
    information: str
    state: str
    state_label: str
    clock_status: str
    reply_due: date | None
    projected_due: date | None
    next_window_due: date | None
    workdays_left: int | None
    urgency: str  # gkcase.services.urgency.urgency_of: the row's badge and section
    clock_label: str
    assignee: str = ""
    agency: str = ""
    note: str = ""  # why it is in its section: pause reasons, the return's comments …
    note_detail: str = ""


@dataclass
class Section:
    key: str
    title: str
    empty: str
    rows: list[Row] = field(default_factory=list)


def _applicant_label(kind: str) -> str:
    try:
        return ApplicantType(kind).label
    except ValueError:
        return kind


def _state_label(state: str) -> str:
    try:
        return State(state).label
    except ValueError:
        return state


def _preview(text: str) -> str:
    return text if len(text) <= INFO_PREVIEW else text[:INFO_PREVIEW] + "…"


def _left(cal: WorkdayCalendar, today: date, due: date | None) -> int | None:
    if due is None:
        return None
    try:
        return cal.workdays_between(today, due)
    except (GkcaseError, OverflowError, ValueError, IndexError):
        return None


# --- whose cases -------------------------------------------------------------------------------


def _mine(viewer: Viewer) -> Any | None:
    """The condition for "my" open cases, by role; None when the roles have no inbox of cases."""
    agency = Case.agency_id == viewer.agency.id
    parts = []
    if viewer.has(Role.CASEWORKER):
        parts.append(Case.assignee_id == viewer.user.id)
    if viewer.has(Role.REGISTRAR):
        # awaiting confirmation or the start of review, and reviewing cases nobody has yet
        parts.append(
            and_(
                agency,
                or_(
                    col(Case.state).in_([State.RECEIVED.value, State.REGISTERED.value]),
                    and_(Case.state == State.REVIEWING.value, col(Case.assignee_id).is_(None)),
                ),
            )
        )
    if viewer.has(Role.OFFICE_HEAD):
        # 签发 (Art 33 extensions are granted directly by the head: there is no approval queue)
        parts.append(and_(agency, Case.state == State.SIGNING.value))
    if not parts:
        return None
    return and_(col(Case.state).in_(_OPEN), or_(*parts))


def _legal_review_count(session: Session, viewer: Viewer) -> int:
    return session.exec(
        select(func.count())
        .select_from(Case)
        .where(Case.agency_id == viewer.agency.id, Case.state == State.LEGAL_REVIEW.value)
    ).one()


def _row(case: Case, assignee: str | None, cal: WorkdayCalendar, today: date, risk: int) -> Row:
    stopped = case.clock_status == urgency.STOPPED
    return Row(
        id=case.id,
        number=case.number,
        agency_id=case.agency_id,
        applicant_type=_applicant_label(case.applicant_kind),
        information=_preview(case.information_requested),
        state=case.state,
        state_label=_state_label(case.state),
        clock_status=case.clock_status,
        reply_due=case.reply_due,
        projected_due=case.projected_due,
        next_window_due=case.next_window_due,
        workdays_left=None if stopped else _left(cal, today, case.reply_due),
        urgency=urgency.urgency_of(case, cal, today, risk),
        clock_label=urgency.clock_label(case.state, case.clock_status),
        assignee=assignee or "",
    )


def _events_for(
    session: Session, paused: list[int], reworked: list[int]
) -> dict[int, list[tuple[str, dict, str, date, Any]]]:
    """One read: every event of the paused cases; the state-changing events of the others."""
    if not paused and not reworked:
        return {}
    changed = or_(col(CaseEvent.from_state).is_(None), CaseEvent.from_state != CaseEvent.to_state)
    rows = session.exec(
        select(
            CaseEvent.case_id,
            CaseEvent.trigger,
            CaseEvent.payload,
            CaseEvent.actor_name,
            CaseEvent.on,
            CaseEvent.at,
        )
        .where(
            or_(
                col(CaseEvent.case_id).in_(paused),
                and_(col(CaseEvent.case_id).in_(reworked), changed),
            )
        )
        .order_by(col(CaseEvent.case_id), col(CaseEvent.seq))
    ).all()
    events: dict[int, list] = defaultdict(list)
    for case_id, trigger, payload, actor, on, at in rows:
        events[case_id].append((trigger, json.loads(payload), actor, on, at))
    return events


def _pause_note(row: Row, events: list, viewer: Viewer, cal: WorkdayCalendar, today: date) -> None:
    """Why the clock stands still, since when, and until when at the latest."""
    timeline = fold((trigger, payload) for trigger, payload, *_ in events)
    try:
        view = clock_view(
            timeline, cal, policy_of(viewer.agency), today, in_review=False, explain=False
        )
    except GkcaseError:
        row.note = "计时暂停"
        return
    reasons = [PauseKind(c.kind).label for c in timeline.open_consultations]
    if any(f.paid_on is None and not f.lapsed for f in timeline.fees):
        reasons.append(PauseKind.FEE.label)
    summary = view.summary
    since = summary.paused_since if summary else None
    row.note = "、".join(dict.fromkeys(reasons)) or "计时暂停"
    parts = []
    if since:
        parts.append(f"自{since.month}月{since.day}日起暂停")
    if view.next_window_due and view.next_window:
        label = window_label(view.next_window)
        parts.append(f"{label}至{view.next_window_due.month}月{view.next_window_due.day}日")
    if summary and summary.remaining_workdays:
        parts.append(f"答复期限尚余{summary.remaining_workdays}个工作日")
    row.note_detail = "；".join(parts)
    row.workdays_left = None


def inbox_sections(session: Session, viewer: Viewer, today: date) -> tuple[list[Section], bool]:
    """The viewer's open cases, by urgency; and whether the list was cut at INBOX_LIMIT."""
    at_risk_days = viewer.agency.at_risk_workdays
    sections = [
        Section("overdue", "已逾期", "没有逾期的案件"),
        Section("at_risk", f"{at_risk_days}个工作日内到期", "没有临近期限的案件"),
        Section("paused", "计时暂停", "没有暂停计时的案件"),
        Section("applicant", "等待申请人", "没有等待申请人的案件"),
        Section("legal_review", "法制审核中", "没有在法制审核中的案件"),
        Section("returned", "被退回", "没有被退回的案件"),
        Section("rest", "其他在办案件", "没有其他在办案件"),
    ]
    by_key = {s.key: s for s in sections}
    mine = _mine(viewer)
    if mine is None:
        return sections, False
    cal = current_calendar(session)
    found = session.exec(
        select(Case, User.full_name)
        .outerjoin(User, User.id == Case.assignee_id)
        .where(mine)
        .order_by(
            col(Case.reply_due).is_(None),
            col(Case.reply_due),
            col(Case.projected_due),
            col(Case.id),
        )
        .limit(INBOX_LIMIT + 1)
    ).all()
    cut = len(found) > INBOX_LIMIT
    found = found[:INBOX_LIMIT]
    placed: list[tuple[str, Row, Case]] = []
    for case, assignee in found:
        row = _row(case, assignee, cal, today, at_risk_days)
        key = row.urgency
        if key == "overdue":
            if row.workdays_left is None and case.projected_due is not None:
                row.workdays_left = _left(cal, today, case.projected_due)
        elif key in ("at_risk", "paused"):
            pass
        elif case.state in _APPLICANT_STATES:
            key = "applicant"
        elif case.state == State.LEGAL_REVIEW.value:
            key = "legal_review"
        elif case.state in (State.HANDLING.value, State.DRAFTING.value):
            key = "reworked?"
        else:
            key = "rest"
        placed.append((key, row, case))
    events = _events_for(
        session,
        [r.id for k, r, _ in placed if k == "paused"],
        [r.id for k, r, _ in placed if k == "reworked?"],
    )
    for key, row, case in placed:
        if key == "paused":
            _pause_note(row, events.get(row.id, []), viewer, cal, today)
        elif key == "applicant":
            _applicant_note(row, case)
        elif key == "reworked?":
            key = "rest"
            changes = events.get(row.id, [])
            if changes and changes[-1][0] in _RETURN_TRIGGERS:
                trigger, payload, actor, on, _at = changes[-1]
                key = "returned"
                who = "法制审核退回" if trigger == "return_draft" else "负责人退回重拟"
                row.note = f"{who}（{actor}，{on.month}月{on.day}日）"
                row.note_detail = str(payload.get("comments", ""))
        by_key[key].rows.append(row)
    by_key["overdue"].rows.sort(key=lambda r: (r.workdays_left or 0, r.id))
    return sections, cut


def _applicant_note(row: Row, case: Case) -> None:
    due = case.next_window_due
    if case.state == State.RECEIVED.value:
        row.note = "待与申请人确认收到申请（第三十一条）"
        if due:  # the confirmation window from its arrival (clock.confirmation_due)
            row.note_detail = f"应于{due.month}月{due.day}日前确认"
    elif case.state == State.AWAITING_CORRECTION.value:
        row.note = "等待申请人补正（第三十条）"
        if due:
            row.note_detail = f"补正期限至{due.month}月{due.day}日"
    else:
        row.note = "等待申请人缴纳信息处理费"
        if due:
            row.note_detail = f"缴费期限至{due.month}月{due.day}日"


@router.get("/inbox")
def inbox(request: Request, viewer: ViewerDep) -> Response:
    require(viewer, Role.REGISTRAR, Role.CASEWORKER, Role.OFFICE_HEAD, Role.LEGAL_REVIEWER)
    today = china_today()
    with with_read(request) as session:
        sections, cut = inbox_sections(session, viewer, today)
        legal = _legal_review_count(session, viewer) if viewer.has(Role.LEGAL_REVIEWER) else None
        # cases whose letter to the applicant states a due date a calendar change has moved
        to_correct = recompute.letter_notes(session, assignee_id=viewer.user.id)
    has_cases = viewer.has(Role.REGISTRAR, Role.CASEWORKER, Role.OFFICE_HEAD)
    return render(
        request,
        "inbox.html",
        viewer,
        title="我的待办",
        sections=sections,
        cut=cut,
        limit=INBOX_LIMIT,
        legal_review_count=legal,
        to_correct=to_correct,
        has_cases=has_cases,
        total=sum(len(s.rows) for s in sections),
    )


# --- 案件查询 ------------------------------------------------------------------------------------

FLAGS = {"overdue": "已逾期", "at_risk": "临近期限", "paused": "计时暂停"}


def _one(request: Request, name: str, limit: int = 200) -> str:
    return (request.query_params.get(name) or "").strip()[:limit]


@router.get("/cases")
def search(request: Request, viewer: ViewerDep) -> Response:
    supervisor = viewer.has(Role.SUPERVISOR)
    q = _one(request, "q")
    states = [s for s in request.query_params.getlist("state") if s in State._value2member_map_]
    flag = _one(request, "flag")
    flag = flag if flag in FLAGS else ""
    kind = _one(request, "applicant_type")
    kind = kind if kind in ApplicantType._value2member_map_ else ""
    scope = _one(request, "scope") or ("subtree" if supervisor else "own")
    subtree = supervisor and scope == "subtree"
    try:
        page = max(1, min(int(_one(request, "page") or 1), 100_000))
    except ValueError:
        page = 1
    values = {"q": q, "flag": flag, "applicant_type": kind, "scope": scope, "state": states}
    errors: dict[str, str] = {}
    result = None
    agencies: dict[int, str] = {}
    with with_read(request) as session:
        user = session.get(User, viewer.user.id)
        if q:
            visible = agencies_for(session, user, None, True)
            exact = session.exec(
                select(Case.id).where(
                    func.upper(Case.number) == q.upper(), col(Case.agency_id).in_(visible)
                )
            ).first()
            if exact is not None:
                return redirect(f"/cases/{exact}")
        try:
            result = list_cases(
                session,
                user,
                agency_id=None,
                subtree=subtree,
                state=[State(s) for s in states] or None,
                assignee_id=None,
                due_before=None,
                due_after=None,
                overdue=True if flag == "overdue" else None,
                at_risk=True if flag == "at_risk" else None,
                risk_workdays=None,
                paused=True if flag == "paused" else None,
                outcome=None,
                applicant_type=ApplicantType(kind) if kind else None,
                q=q or None,
                as_of=None,
                page=page,
                page_size=PAGE_SIZE,
            )
        except GkcaseError as exc:
            errors = {"_": exc.message}
        if result is not None and subtree:
            ids = {item.agency_id for item in result.items}
            if ids:
                agencies = {
                    a.id: a.short_name or a.name
                    for a in session.exec(select(Agency).where(col(Agency.id).in_(ids)))
                }
    pages = 0
    if result is not None:
        pages = max(1, -(-result.total // PAGE_SIZE))

    def page_url(number: int) -> str:
        pairs = [(k, v) for k, v in values.items() if k != "state" and v]
        pairs += [("state", s) for s in states]
        return "/cases?" + urlencode([*pairs, ("page", number)])

    return render(
        request,
        "cases.html",
        viewer,
        title="案件查询",
        values=values,
        errors=errors,
        result=result,
        pages=pages,
        page=page,
        page_url=page_url,
        agencies=agencies,
        subtree=subtree,
        supervisor=supervisor,
        flags=list(FLAGS.items()),
        clock_label=urgency.clock_label,
        state_options=[(s.value, s.label) for s in State],
        applicant_types=[(t.value, t.label) for t in ApplicantType],
    )
