"""The working-day calendar: each year's status, what a day is, the reply deadline explained,
and (admins) loading a year's State Council notice and marking single days."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import Body, Query
from pydantic import BaseModel, ConfigDict, Field

from api.deps import AdminUser, CurrentUser, SessionDep
from api.routing import ApiRouter
from gkcase.calendar.arrangement import parse_arrangement, parse_override
from gkcase.calendar.clock import (
    ClockPause,
    Deferral,
    Extension,
    PauseKind,
    ReplyClockFacts,
    reply_deadline,
)
from gkcase.calendar.workdays import YearStatus
from gkcase.calendar.zh import zh_date
from gkcase.errors import ValidationError
from gkcase.services.calendar import current_calendar, load_notice, mark_day, unmark_day

router = ApiRouter(prefix="/api/calendar", tags=["calendar"])


class YearOut(BaseModel):
    year: int
    status: YearStatus = Field(description="official: the notice is known; estimated: a guess")
    source: str
    notice_title: str | None = None
    notice_number: str | None = None


class MarkOut(BaseModel):
    day: date
    working: bool
    name: str
    reason: str = ""


class YearsOut(BaseModel):
    calendar_version: str
    official_through: int = Field(description="last year the holidays package has the notice of")
    years: list[YearOut]
    marks: list[MarkOut]


class DayOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "day": "2026-10-10",
                    "zh": "2026年10月10日（星期六）",
                    "working": True,
                    "kind": "makeup_workday",
                    "kind_label": "调休上班",
                    "name": "国庆节、中秋节",
                    "estimated": False,
                }
            ]
        }
    )

    day: date
    zh: str
    working: bool
    kind: str
    kind_label: str
    name: str | None
    estimated: bool = Field(description="the year's notice is not out yet: this may change")


class PauseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: PauseKind = Field(description="third_party, co_producer or fee")
    start: date
    end: date | None = Field(default=None, description="absent while the pause runs")


class ExtensionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    workdays: int = Field(ge=1, le=60)
    approved_on: date


class DeferralIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    until: date
    decided_on: date | None = Field(default=None, description="default: the receipt date")


class ExplainIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "receipt": "2026-09-10",
                    "correction_requested_on": "2026-09-14",
                    "correction_received_on": "2026-09-18",
                    "pauses": [{"kind": "third_party", "start": "2026-10-12", "end": "2026-10-30"}],
                    "extensions": [{"workdays": 20, "approved_on": "2026-11-02"}],
                }
            ]
        },
    )

    receipt: date = Field(description="收到申请之日")
    correction_requested_on: date | None = None
    correction_received_on: date | None = None
    pauses: list[PauseIn] = Field(default_factory=list, max_length=50)
    extensions: list[ExtensionIn] = Field(default_factory=list, max_length=10)
    deferral: DeferralIn | None = None


class StepOut(BaseModel):
    kind: str
    first: date | None
    last: date | None
    text: str


class DeadlineOut(BaseModel):
    kind: str
    due: date | None = Field(description="答复期限届满日; null while waiting or paused")
    provisional: bool = Field(description="depends on a year whose notice is not out yet")
    workdays: int
    remaining_workdays: int | None
    paused_since: date | None
    projected_due: date | None
    calendar_version: str
    steps: list[StepOut]
    explanation: str = Field(description="the steps as Chinese text, one a line")


ARRANGEMENT_EXAMPLE = {
    "year": 2026,
    "title": "国务院办公厅关于2026年部分节假日安排的通知",
    "number": "国办发明电〔2025〕7号",
    "issued": "2025-11-04",
    "holiday": [
        {
            "name": "元旦",
            "off_from": "2026-01-01",
            "off_to": "2026-01-03",
            "workdays": ["2026-01-04"],
        }
    ],
}


class ArrangementOut(BaseModel):
    year: int
    title: str
    number: str | None
    sha256: str
    new: bool = Field(description="false: this very notice was already in force")
    calendar_version: str


class MarkIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"working": False, "name": "台风停工", "reason": "市政府通知"}]
        },
    )

    working: bool = Field(description="true: a working day; false: closed (停工)")
    name: str = Field(min_length=1, max_length=60)
    reason: str = Field(default="", max_length=500)


def _years_range(first: int | None, last: int | None) -> tuple[int, int]:
    first = 2019 if first is None else first
    last = date.today().year + 1 if last is None else last
    if not 2000 <= first <= 2100:
        raise ValidationError("年份须在 2000–2100 之间", field="from")
    if not 2000 <= last <= 2100 or last < first:
        raise ValidationError("年份须在 2000–2100 之间，且不早于起始年", field="to")
    return first, last


@router.get("/years", response_model=YearsOut, summary="各年度节假日安排的状态")
def years(
    session: SessionDep,
    _user: CurrentUser,
    first: Annotated[int | None, Query(alias="from", description="default 2019")] = None,
    last: Annotated[int | None, Query(alias="to", description="default: next year")] = None,
) -> YearsOut:
    first, last = _years_range(first, last)
    cal = current_calendar(session)
    out = []
    for year in range(first, last + 1):
        info = cal.year_info(year)
        out.append(
            YearOut(
                year=year,
                status=info.status,
                source=info.source,
                notice_title=info.notice.title if info.notice else None,
                notice_number=info.notice.number if info.notice else None,
            )
        )
    marks = [
        MarkOut(day=d, working=m.working, name=m.name, reason=m.reason)
        for d, m in sorted(cal.overrides.items())
    ]
    return YearsOut(
        calendar_version=cal.version,
        official_through=cal.official_through,
        years=out,
        marks=marks,
    )


@router.get("/days/{day}", response_model=DayOut, summary="某日是否工作日及原因")
def day(day: date, session: SessionDep, _user: CurrentUser) -> DayOut:
    info = current_calendar(session).day_info(day)
    return DayOut(
        day=info.day,
        zh=zh_date(info.day, weekday=True),
        working=info.working,
        kind=info.kind.value,
        kind_label=info.kind.label,
        name=info.name,
        estimated=info.estimated,
    )


@router.post("/explain", response_model=DeadlineOut, summary="推算答复期限（逐步说明）")
def explain(data: ExplainIn, session: SessionDep, _user: CurrentUser) -> DeadlineOut:
    facts = ReplyClockFacts(
        receipt=data.receipt,
        correction_requested_on=data.correction_requested_on,
        correction_received_on=data.correction_received_on,
        pauses=tuple(ClockPause(p.kind, p.start, p.end) for p in data.pauses),
        extensions=tuple(Extension(e.workdays, e.approved_on) for e in data.extensions),
        deferral=(
            Deferral(data.deferral.until, data.deferral.decided_on or data.receipt)
            if data.deferral
            else None
        ),
    )
    result = reply_deadline(current_calendar(session), facts)
    return DeadlineOut(
        kind=result.kind.value,
        due=result.due,
        provisional=result.provisional,
        workdays=result.workdays,
        remaining_workdays=result.remaining_workdays,
        paused_since=result.paused_since,
        projected_due=result.projected_due,
        calendar_version=result.calendar_version,
        steps=[
            StepOut(kind=s.kind.value, first=s.first, last=s.last, text=s.text)
            for s in result.steps
        ],
        explanation=result.explain(),
    )


@router.post(
    "/arrangements",
    response_model=ArrangementOut,
    summary="导入某年国务院节假日安排（管理员）",
    description="The body has the same schema as the TOML/JSON file (docs/calendar.md). A notice "
    "that contradicts itself is refused whole: 422 with the field at fault.",
)
def load_arrangement(
    session: SessionDep,
    admin: AdminUser,
    data: Annotated[dict[str, Any], Body(examples=[ARRANGEMENT_EXAMPLE])],
) -> ArrangementOut:
    arrangement = parse_arrangement(data)
    row, new = load_notice(session, arrangement, loaded_by=admin.username, source="api")
    session.flush()
    cal = current_calendar(session)
    return ArrangementOut(
        year=row.year,
        title=row.title,
        number=row.number,
        sha256=row.sha256,
        new=new,
        calendar_version=cal.version,
    )


@router.post("/marks/{day}", response_model=MarkOut, summary="标记某日为停工或工作日（管理员）")
def mark(day: date, data: MarkIn, session: SessionDep, admin: AdminUser) -> MarkOut:
    override = parse_override(
        {"day": day, "working": data.working, "name": data.name, "reason": data.reason}
    )
    row = mark_day(session, override, marked_by=admin.username)
    return MarkOut(day=row.day, working=row.working, name=row.name, reason=row.reason)


@router.delete("/marks/{day}", status_code=204, summary="取消某日的标记（管理员）")
def unmark(day: date, session: SessionDep, admin: AdminUser) -> None:
    unmark_day(session, day, revoked_by=admin.username)
