"""督查指标 — the supervisor's metrics page: a period form (from, to, grouping, at-risk window),
the table (sortable by column), and CSV/XLSX downloads of it and of the procedural lapses.

The numbers come from :func:`gkcase.services.metrics.metrics`; the downloads are the JSON API's
export routes (``/api/supervision/…``), which read the same signed-in session.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from api.web.core import ViewerDep, render, require, with_report
from api.web.pages.supervision import AgencyId, Day, agency_trail, check_day, home_agency
from gkcase.errors import ValidationError
from gkcase.services import metrics as service
from gkcase.services import supervision
from gkcase.services.cases import china_today
from gkcase.states.machine import Role

router = APIRouter()

#: Columns the table can be sorted by: key → (label, value of a row; None sorts last).
SORTS: dict[str, tuple[str, Any]] = {
    "name": ("名称", lambda r: r.name),
    "replies": ("答复", lambda r: r.replies),
    "on_time_rate": ("按时率", lambda r: r.on_time_rate),
    "extension_rate": ("延期率", lambda r: r.extension_rate),
    "median": ("用时中位数", lambda r: r.median_workdays),
    "overdue": ("已逾期", lambda r: r.overdue),
}
GROUPS = [(g.value, g.label) for g in service.GroupBy]


def _sorted(rows: list[service.MetricsRow], sort: str, desc: bool) -> list[service.MetricsRow]:
    if sort == "name" and not desc:
        return rows  # the service's own order: tree order, or by name
    value = SORTS[sort][1]
    present = [r for r in rows if value(r) is not None]
    missing = [r for r in rows if value(r) is None]
    return sorted(present, key=value, reverse=desc) + missing


@router.get("/supervision/metrics")
def metrics_page(
    request: Request,
    viewer: ViewerDep,
    agency_id: AgencyId = None,
    as_of: Day = None,
    start: Annotated[date | None, Query(alias="from")] = None,
    end: Annotated[date | None, Query(alias="to")] = None,
    by: service.GroupBy = service.GroupBy.DEPARTMENT,
    risk_workdays: Annotated[int | None, Query(ge=0, le=60)] = None,
    sort: Annotated[str, Query(pattern="^(" + "|".join(SORTS) + ")$")] = "name",
    desc: bool = False,
) -> Response:
    require(viewer, Role.SUPERVISOR)
    for value, name in ((as_of, "as_of"), (start, "from"), (end, "to")):
        check_day(value, name)
    today = as_of or china_today()
    start = start or date(today.year, 1, 1)
    end = end or today
    errors: dict[str, str] = {}
    with with_report(request) as session:
        home = home_agency(session, viewer)
        agency = supervision.in_scope(session, home, agency_id)
        try:
            report = service.metrics(
                session,
                agency,
                start=start,
                end=end,
                as_of=today,
                by=by,
                risk_workdays=risk_workdays,
            )
        except ValidationError as exc:
            report = None
            errors[exc.field or "_"] = exc.message
        trail = agency_trail(session, agency, home)
        session.expunge_all()
    risk = agency.at_risk_workdays if risk_workdays is None else risk_workdays
    query = {
        "agency_id": agency.id,
        "from": start.isoformat(),
        "to": end.isoformat(),
        "as_of": as_of.isoformat() if as_of else None,
        "by": by.value,
        "risk_workdays": risk_workdays,
    }
    period = {k: v for k, v in query.items() if v is not None}
    lapse_query = {k: v for k, v in period.items() if k not in ("by", "risk_workdays")}
    rows = _sorted(report.rows, sort, desc) if report else []
    return render(
        request,
        "supervision_metrics.html",
        viewer,
        title="督查指标",
        agency=agency,
        trail=trail,
        report=report,
        rows=rows,
        groups=GROUPS,
        sorts={k: label for k, (label, _) in SORTS.items()},
        sort=sort,
        desc=desc,
        risk=risk,
        today=today,
        errors=errors,
        values={
            "from": start.isoformat(),
            "to": end.isoformat(),
            "by": by.value,
            "risk_workdays": str(risk),
        },
        as_of=as_of,
        sort_link=lambda key: _link(
            "/supervision/metrics", {**period, "sort": key, "desc": _flip(key, sort, desc)}
        ),
        link=lambda path, **params: _link(path, {**period, **params}),
        metrics_csv=_link("/api/supervision/metrics.csv", period),
        metrics_xlsx=_link("/api/supervision/metrics.xlsx", period),
        lapses_csv=_link("/api/supervision/lapses.csv", lapse_query),
        lapses_xlsx=_link("/api/supervision/lapses.xlsx", lapse_query),
    )


def _flip(key: str, sort: str, desc: bool) -> int | None:
    """Clicking the sorted column reverses it; another column starts descending (names
    ascending)."""
    if key == sort:
        return None if desc else 1
    return None if key == "name" else 1


def _link(path: str, params: dict[str, Any]) -> str:
    query = {k: v for k, v in params.items() if v not in (None, "", False)}
    return f"{path}?{urlencode(query)}" if query else path
