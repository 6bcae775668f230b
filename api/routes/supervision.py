"""督查: supervision metrics for a period and the procedural lapses, as JSON, CSV and XLSX.

Supervisors only, and only over their own agency's subtree (another agency is "not found",
:func:`gkcase.services.supervision.in_scope`). The numbers are
:func:`gkcase.services.metrics.metrics` and :func:`gkcase.services.supervision.lapses`; the
exports carry no applicant's personal data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated

from fastapi import Query
from fastapi.responses import Response
from pydantic import BaseModel, Field
from sqlmodel import Session

from api.deps import CurrentUser, ReportSessionDep
from api.routing import ApiRouter
from gkcase.calendar.arrangement import MAX_YEAR, MIN_YEAR
from gkcase.errors import ValidationError
from gkcase.models import Agency, User
from gkcase.services import metrics as service
from gkcase.services import supervision
from gkcase.services.cases import china_today
from gkcase.states.machine import PermissionDenied, Role

router = ApiRouter(prefix="/api/supervision", tags=["supervision"])


class CsvResponse(Response):
    """A CSV download (UTF-8 with a BOM)."""

    media_type = "text/csv; charset=utf-8"


class XlsxResponse(Response):
    """An Excel workbook download."""

    media_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


AgencyId = Annotated[
    int | None, Query(ge=1, le=2**31 - 1, description="机关（默认本机关；可选下级机关）")
]
Start = Annotated[date | None, Query(alias="from", description="签发日期自（默认当年1月1日）")]
End = Annotated[date | None, Query(alias="to", description="签发日期至（默认今天）")]
AsOf = Annotated[date | None, Query(description="以哪天为今天（默认北京时间今天）")]
By = Annotated[service.GroupBy, Query(description="按机关、按部门（含下级）或按承办人")]
Risk = Annotated[int | None, Query(ge=0, le=60, description="临近期限工作日数（默认本机关设置）")]
Undelivered = Annotated[int, Query(ge=0, le=60, description="签发后未送达的工作日数")]
Unarchived = Annotated[int, Query(ge=0, le=365, description="送达后未归档的天数")]


class MetricsRowOut(BaseModel):
    key: int | None = Field(description="机关ID或承办人ID；null：未指定承办人")
    name: str
    agency: str = Field(description="承办人所在机关（按承办人分组时）")
    replies: int
    on_time: int
    late: int
    on_time_rate: float | None = Field(description="按时答复率，0–1")
    extended: int
    extension_rate: float | None = Field(description="延期率，0–1")
    median_workdays: float | None = Field(description="收到申请至签发的工作日数中位数")
    open: int
    overdue: int
    at_risk: int
    paused: int


class MetricsOut(BaseModel):
    agency_id: int
    agency_name: str
    start: date = Field(serialization_alias="from")
    end: date = Field(serialization_alias="to")
    as_of: date
    by: service.GroupBy
    risk_workdays: int
    rows: list[MetricsRowOut]
    total: MetricsRowOut


class LapseOut(BaseModel):
    case_id: int
    number: str
    agency: str
    caseworker: str
    rule: str
    rule_label: str
    due: date
    happened: date | None


class LapsesOut(BaseModel):
    agency_id: int
    start: date = Field(serialization_alias="from")
    end: date = Field(serialization_alias="to")
    as_of: date
    undelivered_workdays: int
    unarchived_days: int
    total: int
    items: list[LapseOut]


@dataclass(frozen=True)
class _Scope:
    agency: Agency
    start: date
    end: date
    as_of: date


def _scope(
    session: Session,
    user: User,
    agency_id: int | None,
    start: date | None,
    end: date | None,
    as_of: date | None,
) -> _Scope:
    if Role.SUPERVISOR.value not in user.role_set:
        raise PermissionDenied("须由督查人员查看")
    for value, name in ((as_of, "as_of"), (start, "from"), (end, "to")):
        if value is not None and not MIN_YEAR <= value.year <= MAX_YEAR:
            raise ValidationError(f"日期须在{MIN_YEAR}年至{MAX_YEAR}年之间", field=name)
    today = as_of or china_today()
    home = session.get(Agency, user.agency_id)
    agency = supervision.in_scope(session, home, agency_id)
    return _Scope(agency, start or date(today.year, 1, 1), end or today, today)


def _metrics(
    session: Session,
    user: User,
    agency_id: int | None,
    start: date | None,
    end: date | None,
    as_of: date | None,
    by: service.GroupBy,
    risk_workdays: int | None,
) -> service.MetricsReport:
    scope = _scope(session, user, agency_id, start, end, as_of)
    return service.metrics(
        session,
        scope.agency,
        start=scope.start,
        end=scope.end,
        as_of=scope.as_of,
        by=by,
        risk_workdays=risk_workdays,
    )


def _row(row: service.MetricsRow) -> MetricsRowOut:
    return MetricsRowOut(
        key=row.key,
        name=row.name,
        agency=row.agency,
        replies=row.replies,
        on_time=row.on_time,
        late=row.late,
        on_time_rate=row.on_time_rate,
        extended=row.extended,
        extension_rate=row.extension_rate,
        median_workdays=row.median_workdays,
        open=row.open,
        overdue=row.overdue,
        at_risk=row.at_risk,
        paused=row.paused,
    )


def _download(data: bytes, kind: type[Response], filename: str) -> Response:
    return kind(data, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@router.get("/metrics", response_model=MetricsOut, response_model_by_alias=True, summary="督查指标")
def metrics(
    session: ReportSessionDep,
    user: CurrentUser,
    agency_id: AgencyId = None,
    start: Start = None,
    end: End = None,
    as_of: AsOf = None,
    by: By = service.GroupBy.AGENCY,
    risk_workdays: Risk = None,
) -> MetricsOut:
    """Replies signed in the period, on-time and extension rates, median working days to reply,
    and the open, overdue, at-risk and paused counts as of a day."""
    report = _metrics(session, user, agency_id, start, end, as_of, by, risk_workdays)
    return MetricsOut(
        agency_id=report.agency.id,
        agency_name=report.agency.name,
        start=report.start,
        end=report.end,
        as_of=report.as_of,
        by=report.by,
        risk_workdays=report.risk_workdays,
        rows=[_row(r) for r in report.rows],
        total=_row(report.total),
    )


@router.get("/metrics.csv", summary="督查指标（CSV）", response_class=CsvResponse)
def metrics_csv(
    session: ReportSessionDep,
    user: CurrentUser,
    agency_id: AgencyId = None,
    start: Start = None,
    end: End = None,
    as_of: AsOf = None,
    by: By = service.GroupBy.AGENCY,
    risk_workdays: Risk = None,
) -> Response:
    report = _metrics(session, user, agency_id, start, end, as_of, by, risk_workdays)
    name = service.export_name("metrics", report.agency, report.start, report.end, "csv")
    return _download(service.metrics_csv(report), CsvResponse, name)


@router.get("/metrics.xlsx", summary="督查指标（XLSX）", response_class=XlsxResponse)
def metrics_xlsx(
    session: ReportSessionDep,
    user: CurrentUser,
    agency_id: AgencyId = None,
    start: Start = None,
    end: End = None,
    as_of: AsOf = None,
    by: By = service.GroupBy.AGENCY,
    risk_workdays: Risk = None,
) -> Response:
    report = _metrics(session, user, agency_id, start, end, as_of, by, risk_workdays)
    name = service.export_name("metrics", report.agency, report.start, report.end, "xlsx")
    return _download(service.metrics_xlsx(report), XlsxResponse, name)


def _lapses(
    session: Session,
    user: User,
    agency_id: int | None,
    start: date | None,
    end: date | None,
    as_of: date | None,
    undelivered_workdays: int,
    unarchived_days: int,
) -> tuple[supervision.LapseReport, list[service.LapseRow]]:
    scope = _scope(session, user, agency_id, start, end, as_of)
    service.check_period(scope.start, scope.end)
    report = supervision.lapses(
        session,
        scope.agency,
        as_of=scope.as_of,
        start=scope.start,
        end=scope.end,
        undelivered_workdays=undelivered_workdays,
        unarchived_days=unarchived_days,
    )
    return report, service.lapse_rows(session, report)


@router.get("/lapses", response_model=LapsesOut, response_model_by_alias=True, summary="程序问题")
def lapses(
    session: ReportSessionDep,
    user: CurrentUser,
    agency_id: AgencyId = None,
    start: Start = None,
    end: End = None,
    as_of: AsOf = None,
    undelivered_workdays: Undelivered = supervision.UNDELIVERED_WORKDAYS,
    unarchived_days: Unarchived = supervision.UNARCHIVED_DAYS,
) -> LapsesOut:
    """Procedural lapses under the agency: late correction notices sent in the period, expired
    consultations, signed replies not delivered and delivered cases not archived, as of a day."""
    report, rows = _lapses(
        session, user, agency_id, start, end, as_of, undelivered_workdays, unarchived_days
    )
    return LapsesOut(
        agency_id=report.agency.id,
        start=report.start,
        end=report.end,
        as_of=report.as_of,
        undelivered_workdays=report.undelivered_workdays,
        unarchived_days=report.unarchived_days,
        total=len(rows),
        items=[
            LapseOut(
                case_id=r.case_id,
                number=r.number,
                agency=r.agency,
                caseworker=r.caseworker,
                rule=r.rule,
                rule_label=r.rule_label,
                due=r.due,
                happened=r.happened,
            )
            for r in rows
        ],
    )


@router.get("/lapses.csv", summary="程序问题（CSV）", response_class=CsvResponse)
def lapses_csv(
    session: ReportSessionDep,
    user: CurrentUser,
    agency_id: AgencyId = None,
    start: Start = None,
    end: End = None,
    as_of: AsOf = None,
    undelivered_workdays: Undelivered = supervision.UNDELIVERED_WORKDAYS,
    unarchived_days: Unarchived = supervision.UNARCHIVED_DAYS,
) -> Response:
    report, rows = _lapses(
        session, user, agency_id, start, end, as_of, undelivered_workdays, unarchived_days
    )
    name = service.export_name("lapses", report.agency, report.start, report.end, "csv")
    return _download(service.lapses_csv(rows), CsvResponse, name)


@router.get("/lapses.xlsx", summary="程序问题（XLSX）", response_class=XlsxResponse)
def lapses_xlsx(
    session: ReportSessionDep,
    user: CurrentUser,
    agency_id: AgencyId = None,
    start: Start = None,
    end: End = None,
    as_of: AsOf = None,
    undelivered_workdays: Undelivered = supervision.UNDELIVERED_WORKDAYS,
    unarchived_days: Unarchived = supervision.UNARCHIVED_DAYS,
) -> Response:
    report, rows = _lapses(
        session, user, agency_id, start, end, as_of, undelivered_workdays, unarchived_days
    )
    name = service.export_name("lapses", report.agency, report.start, report.end, "xlsx")
    return _download(service.lapses_xlsx(rows), XlsxResponse, name)
