"""督查统计 — the supervisor's dashboard over their agency and its subtree: overdue, at-risk and
paused cases by department and caseworker (with drill-down to the cases), intake against
replies per week, the on-time rate, procedural lapses, and any case's audit trail.

The numbers come from :mod:`gkcase.services.supervision`; the drill-down lists come from the
case list itself (:func:`api.routes.cases.list_cases`), so a count and its list always agree.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response
from sqlmodel import col, select

from api.routes.cases import list_cases
from api.web.core import ViewerDep, redirect, render, require, with_report
from gkcase.calendar.arrangement import MAX_YEAR, MIN_YEAR
from gkcase.errors import ValidationError
from gkcase.models import Agency, User
from gkcase.privacy import mask_address, mask_id_number, mask_phone
from gkcase.services import cases as case_service
from gkcase.services import supervision as service
from gkcase.services import urgency
from gkcase.services.cases import china_today
from gkcase.states.machine import OPEN_STATES, Role, State, Trigger
from gkcase.states.payloads import MAX_ID

router = APIRouter()

AgencyId = Annotated[int | None, Query(ge=1, le=2**31 - 1)]
Day = Annotated[date | None, Query()]

#: What a count counts, for the drill-down list's filters and title.
FLAGS = {
    "overdue": "已逾期",
    "at_risk": "临近期限",
    "paused": "计时暂停",
    "open": "办理中",
}


def check_day(value: date | None, name: str) -> None:
    if value is not None and not MIN_YEAR <= value.year <= MAX_YEAR:
        raise ValidationError(f"日期须在{MIN_YEAR}年至{MAX_YEAR}年之间", field=name)


def home_agency(session: Any, viewer: Any) -> Agency:
    return session.get(Agency, viewer.agency.id)


def agency_trail(session: Any, agency: Agency, home: Agency) -> list[Agency]:
    """The agencies from ``home`` down to ``agency`` (breadcrumbs)."""
    ids = [int(part) for part in agency.path.strip("/").split("/") if part]
    found = {a.id: a for a in (session.get(Agency, i) for i in ids) if a is not None}
    start = ids.index(home.id) if home.id in ids else len(ids) - 1
    return [found[i] for i in ids[start:] if i in found]


@router.get("/supervision")
def dashboard(
    request: Request,
    viewer: ViewerDep,
    agency_id: AgencyId = None,
    as_of: Day = None,
    start: Annotated[date | None, Query(alias="from")] = None,
    end: Annotated[date | None, Query(alias="to")] = None,
    weeks: Annotated[int, Query(ge=4, le=52)] = service.WEEKS,
    undelivered_workdays: Annotated[int, Query(ge=0, le=60)] = service.UNDELIVERED_WORKDAYS,
    unarchived_days: Annotated[int, Query(ge=0, le=365)] = service.UNARCHIVED_DAYS,
) -> Response:
    require(viewer, Role.SUPERVISOR)
    for value, name in ((as_of, "as_of"), (start, "from"), (end, "to")):
        check_day(value, name)
    today = as_of or china_today()
    start = start or date(today.year, 1, 1)
    end = end or today
    with with_report(request) as session:
        home = home_agency(session, viewer)
        agency = service.in_scope(session, home, agency_id)
        counts = service.breakdown(
            session, agency, as_of=today, risk_workdays=home.at_risk_workdays
        )
        flow = service.weekly_flow(session, agency, as_of=today, weeks=weeks)
        on_time = service.on_time_rate(session, agency, start=start, end=end)
        found = service.lapses(
            session,
            agency,
            as_of=today,
            start=start,
            end=end,
            undelivered_workdays=undelivered_workdays,
            unarchived_days=unarchived_days,
        )
        trail = agency_trail(session, agency, home)
        session.expunge_all()  # what the page shows outlives the read session
    weekly_chart = {
        "labels": [f"{w.start.month}/{w.start.day}" for w in flow],
        "intake": [w.intake for w in flow],
        "replies": [w.replies for w in flow],
    }
    on_time_chart = {
        "labels": [row.name for row in on_time.rows if row.replied],
        "rates": [round(row.rate * 100, 1) for row in on_time.rows if row.replied],
    }
    keep = {"as_of": as_of.isoformat() if as_of else None}
    period = {
        "from": start.isoformat(),
        "to": end.isoformat(),
        "weeks": weeks,
        "undelivered_workdays": undelivered_workdays,
        "unarchived_days": unarchived_days,
    }
    return render(
        request,
        "supervision.html",
        viewer,
        title="督查统计",
        agency=agency,
        home=home,
        trail=trail,
        counts=counts,
        flow=flow,
        on_time=on_time,
        lapses=found,
        rules=service.RULES,
        weekly_chart=weekly_chart,
        on_time_chart=on_time_chart,
        today=today,
        as_of=as_of,
        period=period,
        values={k: str(v) for k, v in period.items()},
        link=lambda path, **params: _link(path, keep, params),
    )


def _link(path: str, keep: dict[str, Any], params: dict[str, Any]) -> str:
    query = {k: v for k, v in {**keep, **params}.items() if v not in (None, "", False)}
    return f"{path}?{urlencode(query)}" if query else path


@router.get("/supervision/cases")
def drill_down(
    request: Request,
    viewer: ViewerDep,
    agency_id: AgencyId = None,
    subtree: bool = False,
    flag: Annotated[str, Query(pattern="^(overdue|at_risk|paused|open)$")] = "overdue",
    assignee_id: AgencyId = None,
    as_of: Day = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    """The cases behind one count of the dashboard, from the case list's own filters."""
    require(viewer, Role.SUPERVISOR)
    check_day(as_of, "as_of")
    today = as_of or china_today()
    with with_report(request) as session:
        home = home_agency(session, viewer)
        agency = service.in_scope(session, home, agency_id)
        listed = list_cases(
            session,
            viewer.user,
            agency_id=agency.id,
            subtree=subtree,
            state=sorted(OPEN_STATES) if flag == "open" else None,
            assignee_id=assignee_id,
            due_before=None,
            due_after=None,
            overdue=True if flag == "overdue" else None,
            at_risk=True if flag == "at_risk" else None,
            risk_workdays=home.at_risk_workdays,
            paused=True if flag == "paused" else None,
            outcome=None,
            applicant_type=None,
            q=None,
            as_of=today,
            page=page,
            page_size=50,
        )
        names = {a.id: a.short_name or a.name for a in _agencies_of(session, listed.items)}
        person = session.get(User, assignee_id) if assignee_id is not None else None
        who = person.full_name if person else ""
        session.expunge_all()
    pages = max(1, -(-listed.total // listed.page_size))
    keep = {
        "agency_id": agency.id,
        "subtree": 1 if subtree else None,
        "flag": flag,
        "assignee_id": assignee_id,
        "as_of": as_of.isoformat() if as_of else None,
    }
    return render(
        request,
        "supervision_cases.html",
        viewer,
        title=f"督查统计 · {FLAGS[flag]}",
        agency=agency,
        subtree=subtree,
        flag_label=FLAGS[flag],
        who=who,
        listed=listed,
        names=names,
        pages=pages,
        link=lambda **params: _link("/supervision/cases", keep, params),
        clock_label=urgency.clock_label,
        back=_link("/supervision", {}, {"agency_id": agency.id, "as_of": keep["as_of"]}),
    )


def _agencies_of(session: Any, items: list[Any]) -> list[Agency]:
    ids = {item.agency_id for item in items}
    if not ids:
        return []
    return list(session.exec(select(Agency).where(col(Agency.id).in_(ids))))


# --- the audit trail --------------------------------------------------------------------------


@router.get("/supervision/audit")
def find_for_audit(
    request: Request,
    viewer: ViewerDep,
    number: Annotated[str, Query(max_length=60)] = "",
) -> Response:
    """A case number typed in the dashboard's search box → that case's audit trail."""
    require(viewer, Role.SUPERVISOR)
    with with_report(request) as session:
        found = service.find_case(session, home_agency(session, viewer), number)
        found_id = found.id if found is not None else None
    if found_id is None:
        message = "请输入案件编号" if not number.strip() else f"未找到案件「{number.strip()}」"
        return render(
            request,
            "supervision_audit_search.html",
            viewer,
            title="审计记录查询",
            values={"number": number},
            errors={"number": message},
            status_code=422 if not number.strip() else 404,
        )
    return redirect(f"/supervision/cases/{found_id}/audit")


#: Personal data in event payloads, masked on the audit page (the supervisor audits the
#: procedure, not the applicant).
_MASKS = {
    "id_number": mask_id_number,
    "phone": mask_phone,
    "address": mask_address,
}


def _masked(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            k: _MASKS[k](v) if k in _MASKS and isinstance(v, str) and v else _masked(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_masked(v) for v in value]
    return value


def _label(enum: Any, value: str | None) -> str:
    if not value:
        return "—"
    try:
        return enum(value).label
    except ValueError:
        return value


@router.get("/supervision/cases/{case_id}/audit")
def audit(request: Request, viewer: ViewerDep, case_id: int = Path(ge=1, le=MAX_ID)) -> Response:
    """Every event of a case and whether its hash chain holds — read-only."""
    require(viewer, Role.SUPERVISOR)
    with with_report(request) as session:
        case = case_service.get_case(session, case_id, viewer.user)
        agency = session.get(Agency, case.agency_id)
        check = case_service.verify(session, case.id)
        events = [
            {
                "seq": e.seq,
                "on": e.on,
                "at": e.at,
                "actor": e.actor_name or "系统",
                "action": _label(Trigger, e.trigger),
                "trigger": e.trigger,
                "from": _label(State, e.from_state) if e.from_state else "—",
                "to": _label(State, e.to_state),
                "reason": e.reason,
                "payload": json.dumps(
                    _masked(json.loads(e.payload or "{}")), ensure_ascii=False, indent=2
                ),
                "hash": e.hash,
            }
            for e in case_service.history(session, case)
        ]
        session.expunge_all()
    return render(
        request,
        "supervision_audit.html",
        viewer,
        title=f"审计记录 {case.number}",
        case=case,
        agency=agency,
        check=check,
        events=events,
        state_label=_label(State, case.state),
    )
