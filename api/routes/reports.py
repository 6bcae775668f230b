"""年度报表 — the annual report's tables 三 and 四 (Art 49, 50; 国办公开办函〔2021〕30号) as JSON,
CSV, XLSX and HTML, and locking a year's published numbers.

Who may see which agency's report, and who may lock it, is decided by
:mod:`gkcase.services.annual_report`: an agency outside the caller's reach is 404, a report the
caller may not see or lock is 403.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Query, Response
from pydantic import BaseModel, ConfigDict, Field

from api.deps import CurrentUser, ReportSessionDep, SessionDep
from api.routing import ApiRouter
from api.web.pages.reports import export_html
from gkcase.calendar.arrangement import MAX_YEAR, MIN_YEAR
from gkcase.services import annual_report as service
from gkcase.services.cases import china_today
from gkcase.states.payloads import MAX_ID

router = ApiRouter(prefix="/api/reports", tags=["reports"])

AgencyQuery = Annotated[
    int | None, Query(alias="agency", ge=1, le=MAX_ID, description="机关ID（默认本机关）")
]
YearQuery = Annotated[int, Query(ge=MIN_YEAR, le=MAX_YEAR, description="年度")]
ScopeQuery = Annotated[
    service.Scope, Query(description="own：本机关；subtree：本机关及下级机关汇总")
]
FormatQuery = Annotated[
    service.ReportFormat,
    Query(alias="format", description="2021：国办公开办函〔2021〕30号；2019：〔2019〕60号"),
]


class ReportOut(BaseModel):
    """The report as published (the locked snapshot once locked), its checks and its lock."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "agency": {"id": 2, "code": "FGW", "name": "某市发展和改革委员会"},
                    "year": 2025,
                    "scope": "own",
                    "format": "2021",
                    "columns": [
                        "natural_person",
                        "business",
                        "research",
                        "public_interest",
                        "legal_service",
                        "other",
                        "total",
                    ],
                    "table3": [
                        {
                            "key": "new",
                            "label": "一、本年新收政府信息公开申请数量",
                            "cells": [3, 1, 1, 0, 1, 0, 6],
                        }
                    ],
                    "table4": {"review": [0, 1, 0, 0, 1]},
                    "checks": [
                        {
                            "name": "第一项加第二项之和，等于第三项加第四项之和",
                            "ok": True,
                            "detail": "",
                        }
                    ],
                    "locked": False,
                    "lock": None,
                    "can_lock": True,
                }
            ]
        }
    )

    agency: dict[str, Any]
    year: int
    scope: str
    format: str
    columns: list[str] = Field(description="表三的列：六类申请人和总计")
    column_labels: list[str]
    table3: list[dict[str, Any]] = Field(description="表三各行：key、label、七个数")
    table4: dict[str, list[int]] = Field(
        description="表四：每类五个数（维持、纠正、其他、尚未审结、总计）"
    )
    table4_cells: list[str]
    checks: list[dict[str, Any]] = Field(description="勾稽关系检查")
    locked: bool
    lock: dict[str, Any] | None = Field(
        description="锁定信息：哈希、锁定人和时间、实时数与锁定数的差异、锁定后的改动"
    )
    can_lock: bool


class LockIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    agency: int | None = Field(default=None, ge=1, le=MAX_ID, description="默认本机关")
    year: int = Field(ge=MIN_YEAR, le=MAX_YEAR)
    scope: service.Scope = service.Scope.OWN
    note: str = Field(default="", max_length=500)


def _report(
    session: SessionDep,
    user: CurrentUser,
    agency: int | None,
    year: int,
    scope: service.Scope,
    fmt: service.ReportFormat,
) -> service.AnnualReport:
    return service.annual_report(session, user, agency_id=agency, year=year, scope=scope, fmt=fmt)


@router.get("/annual", response_model=ReportOut, summary="年度报表（表三、表四）")
def annual(
    session: ReportSessionDep,
    user: CurrentUser,
    year: YearQuery,
    agency: AgencyQuery = None,
    scope: ScopeQuery = service.Scope.OWN,
    fmt: FormatQuery = service.ReportFormat.F2021,
) -> dict[str, Any]:
    return _report(session, user, agency, year, scope, fmt).as_json()


def _download(body: bytes, media_type: str, report: service.AnnualReport, ext: str) -> Response:
    filename = service.filename_of(report, ext)
    fallback = f"annual-report-{report.agency.code}-{report.year}.{ext}"
    return Response(
        content=body,
        media_type=media_type,
        headers={
            "Content-Disposition": (
                f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"
            ),
            "Cache-Control": "private, no-store",
        },
    )


CSV_MEDIA = "text/csv; charset=utf-8"
XLSX_MEDIA = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HTML_MEDIA = "text/html; charset=utf-8"


def _file(media_type: str) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI description of a download: a file of ``media_type``, not JSON."""
    return {200: {"content": {media_type.split(";")[0]: {}}}}


@router.get(
    "/annual.csv",
    summary="年度报表 CSV（UTF-8 带 BOM）",
    response_class=Response,
    responses=_file(CSV_MEDIA),
)
def annual_csv(
    session: ReportSessionDep,
    user: CurrentUser,
    year: YearQuery,
    agency: AgencyQuery = None,
    scope: ScopeQuery = service.Scope.OWN,
    fmt: FormatQuery = service.ReportFormat.F2021,
) -> Response:
    report = _report(session, user, agency, year, scope, fmt)
    return _download(service.to_csv(report), CSV_MEDIA, report, "csv")


@router.get(
    "/annual.xlsx",
    summary="年度报表 Excel",
    response_class=Response,
    responses=_file(XLSX_MEDIA),
)
def annual_xlsx(
    session: ReportSessionDep,
    user: CurrentUser,
    year: YearQuery,
    agency: AgencyQuery = None,
    scope: ScopeQuery = service.Scope.OWN,
    fmt: FormatQuery = service.ReportFormat.F2021,
) -> Response:
    report = _report(session, user, agency, year, scope, fmt)
    return _download(service.to_xlsx(report), XLSX_MEDIA, report, "xlsx")


@router.get(
    "/annual.html",
    summary="年度报表 HTML（按公布格式）",
    response_class=Response,
    responses=_file(HTML_MEDIA),
)
def annual_html(
    session: ReportSessionDep,
    user: CurrentUser,
    year: YearQuery,
    agency: AgencyQuery = None,
    scope: ScopeQuery = service.Scope.OWN,
    fmt: FormatQuery = service.ReportFormat.F2021,
) -> Response:
    report = _report(session, user, agency, year, scope, fmt)
    return _download(export_html(report).encode(), HTML_MEDIA, report, "html")


@router.post("/annual/lock", response_model=ReportOut, status_code=201, summary="锁定年度报表数据")
def lock(data: LockIn, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    """Store the year's numbers as published (a snapshot with its SHA-256). A lock is final."""
    row = service.lock(
        session,
        user,
        agency_id=data.agency,
        year=data.year,
        scope=data.scope,
        as_of=china_today(),
        note=data.note,
    )
    session.flush()
    return _report(
        session, user, row.agency_id, data.year, data.scope, service.ReportFormat.F2021
    ).as_json()
