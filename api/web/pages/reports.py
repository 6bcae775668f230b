"""年度报表 — the annual report's tables 三 and 四 for an agency and a year, as published: choose
the agency (within the viewer's reach), the year, own cases or the subtree and the format; see
the identity checks, the lock (who, when, the snapshot's SHA-256, live differences and later
edits), lock the year, and download CSV, XLSX or HTML.

The numbers, who may see and who may lock all come from :mod:`gkcase.services.annual_report`.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlmodel import col, select

from api.deps import engine_of
from api.errors import status_of
from api.web.core import (
    Viewer,
    ViewerDep,
    errors_of,
    read_form,
    redirect,
    render,
    require,
    templates,
    with_report,
)
from gkcase.calendar.arrangement import MAX_YEAR, MIN_YEAR
from gkcase.db import unit_of_work
from gkcase.errors import GkcaseError, ValidationError
from gkcase.models import Agency
from gkcase.services import annual_report as service
from gkcase.services.cases import china_today
from gkcase.states.machine import Role
from gkcase.states.payloads import MAX_ID

router = APIRouter()

PATH = "/reports/annual"


def export_html(report: service.AnnualReport) -> str:
    """The report as a standalone HTML document, laid out as published (the HTML download)."""
    return templates.get_template("report_export.html").render(
        report=report,
        title=service.title_of(report),
        grid3=service.table3_grid(report.published, report.fmt),
        grid4=service.table4_grid(report.published),
        table3_title=service.TABLE3_TITLE,
        table4_title=service.TABLE4_TITLE,
    )


def _agencies(session: Any, viewer: Viewer) -> list[Agency]:
    """The agencies whose reports the viewer may open: supervisors and admins their subtree,
    office heads their own agency."""
    if not viewer.has(Role.SUPERVISOR, Role.ADMIN):
        return [session.get(Agency, viewer.agency.id)]
    return list(
        session.exec(
            select(Agency)
            .where(col(Agency.path).startswith(viewer.agency.path))
            .order_by(col(Agency.path))
        )
    )


def _year(value: str | int | None) -> int:
    try:
        year = int(value) if value not in (None, "") else china_today().year - 1
    except (TypeError, ValueError):
        raise ValidationError("年度须为整数", field="year") from None
    service.check_year(year)
    return year


def _choice(kind: type[Any], value: Any, default: Any, field: str) -> Any:
    try:
        return kind(value) if value else default
    except ValueError:
        raise ValidationError("不是允许的取值", field=field) from None


def _page(
    request: Request,
    viewer: Viewer,
    *,
    agency_id: int | None,
    year: int,
    scope: service.Scope,
    fmt: service.ReportFormat,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    with with_report(request) as session:
        report = service.annual_report(
            session, viewer.user, agency_id=agency_id, year=year, scope=scope, fmt=fmt
        )
        agencies = _agencies(session, viewer)
        session.expunge_all()  # what the page shows outlives the read session
    query = {
        "agency": report.agency.id,
        "year": year,
        "scope": scope.value,
        "format": fmt.value,
    }
    downloads = [
        (label, f"/api/reports/annual.{ext}?{urlencode(query)}")
        for ext, label in (("xlsx", "Excel"), ("csv", "CSV"), ("html", "HTML"))
    ]
    return render(
        request,
        "report_annual.html",
        viewer,
        title="年度报表",
        report=report,
        agencies=agencies,
        grid3=service.table3_grid(report.published, fmt),
        grid4=service.table4_grid(report.published),
        live_grid3=service.table3_grid(report.live, fmt) if report.lock else None,
        live_grid4=service.table4_grid(report.live) if report.lock else None,
        scopes=list(service.Scope),
        formats=list(service.ReportFormat),
        may_subtree=viewer.has(Role.SUPERVISOR, Role.ADMIN),
        downloads=downloads,
        table3_title=service.TABLE3_TITLE,
        table4_title=service.TABLE4_TITLE,
        errors=errors or {},
        values=values or {},
        status_code=status_code,
    )


@router.get(PATH)
def annual(
    request: Request,
    viewer: ViewerDep,
    agency_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    year: Annotated[int | None, Query(ge=MIN_YEAR, le=MAX_YEAR)] = None,
    scope: service.Scope = service.Scope.OWN,
    fmt: Annotated[service.ReportFormat, Query(alias="format")] = service.ReportFormat.F2021,
) -> Response:
    require(viewer, *service.VIEW_ROLES)
    return _page(request, viewer, agency_id=agency_id, year=_year(year), scope=scope, fmt=fmt)


@router.post(f"{PATH}/lock")
async def lock(request: Request, viewer: ViewerDep) -> Response:
    require(viewer, *service.VIEW_ROLES)
    form = await read_form(request, viewer)
    raw_agency = str(form.get("agency_id", "")).strip()
    agency_id = int(raw_agency) if raw_agency.isdigit() and int(raw_agency) <= MAX_ID else None
    year = _year(str(form.get("year", "")))
    scope = _choice(service.Scope, form.get("scope"), service.Scope.OWN, "scope")
    fmt = _choice(service.ReportFormat, form.get("format"), service.ReportFormat.F2021, "format")
    note = str(form.get("note", "")).strip()
    try:
        with unit_of_work(engine_of(request)) as session:
            row = service.lock(
                session,
                viewer.user,
                agency_id=agency_id,
                year=year,
                scope=scope,
                as_of=china_today(),
                note=note,
            )
            agency_id = row.agency_id
    except GkcaseError as exc:
        return _page(
            request,
            viewer,
            agency_id=agency_id,
            year=year,
            scope=scope,
            fmt=fmt,
            errors=errors_of(exc),
            values={"note": note},
            status_code=status_of(exc),
        )
    query = urlencode(
        {"agency_id": agency_id, "year": year, "scope": scope.value, "format": fmt.value}
    )
    return redirect(f"{PATH}?{query}", f"已锁定{year}年度报表数据")
