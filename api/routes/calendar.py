"""The working-day calendar: each year's status, what a day is, the reply deadline explained,
and (admins) loading a year's State Council notice and marking single days — each of which
recomputes the open cases' stored due dates in the same transaction and says which moved."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import Body, Path, Query
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
from gkcase.services import recompute as recompute_service
from gkcase.services.calendar import current_calendar, load_notice, mark_day, unmark_day
from gkcase.services.cases import NotFound
from gkcase.services.recompute import MovedCase, Recomputed

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


#: Cases listed in a change's answer; the rest: GET /api/calendar/recomputes/{id}.
MOVED_SHOWN = 200


class LetterToCorrectOut(BaseModel):
    id: int
    kind: str
    number: str = Field(description="文号")
    stated: str = Field(description="the date the letter stated, as printed")
    now: str = Field(description="the date that holds now")


class MovedOut(BaseModel):
    case_id: int
    number: str
    reply_due_before: date | None
    reply_due_after: date | None
    projected_due_before: date | None
    projected_due_after: date | None
    next_window_due_before: date | None
    next_window_due_after: date | None
    provisional_before: bool
    provisional_after: bool
    letters: list[LetterToCorrectOut] = Field(
        description="the last letter that told the applicant a due date no longer holding"
    )
    error: str = Field(description="why the clock refused to recompute (dates kept); or empty")


class RecomputedOut(BaseModel):
    record_id: int
    change: str
    checked: int = Field(description="open cases the change could affect, recomputed")
    moved: int = Field(description="of them, cases whose stored dates changed")
    letters: int = Field(description="of those, cases with an issued letter to correct")
    failed: int
    cases: list[MovedOut] = Field(description=f"the first {MOVED_SHOWN} cases moved")


def _moved_out(m: MovedCase) -> MovedOut:
    after = m.after or m.before
    return MovedOut(
        case_id=m.case_id,
        number=m.number,
        reply_due_before=m.before.reply_due,
        reply_due_after=after.reply_due,
        projected_due_before=m.before.projected_due,
        projected_due_after=after.projected_due,
        next_window_due_before=m.before.next_window_due,
        next_window_due_after=after.next_window_due,
        provisional_before=m.before.provisional,
        provisional_after=after.provisional,
        letters=[LetterToCorrectOut(**letter.__dict__) for letter in m.letters],
        error=m.error,
    )


def recomputed_out(result: Recomputed | None) -> RecomputedOut | None:
    if result is None:
        return None
    return RecomputedOut(
        record_id=result.record_id or 0,
        change=result.change,
        checked=result.checked,
        moved=len(result.moved) - result.failed,
        letters=result.letters,
        failed=result.failed,
        cases=[_moved_out(m) for m in result.moved[:MOVED_SHOWN]],
    )


class ArrangementOut(BaseModel):
    year: int
    title: str
    number: str | None
    sha256: str
    new: bool = Field(description="false: this very notice was already in force")
    calendar_version: str
    recomputed: RecomputedOut | None = Field(
        description="the open cases' due dates it moved (null: it changed nothing)"
    )


class MarkChangeOut(MarkOut):
    recomputed: RecomputedOut | None


class RecomputeOut(BaseModel):
    id: int
    at: datetime
    by: str
    change: str
    checked: int
    moved: int
    letters: int
    failed: int


class RecomputeDetailOut(RecomputeOut):
    cases: list[MovedOut]


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
    change = load_notice(session, arrangement, loaded_by=admin.username, source="api")
    row = change.row
    return ArrangementOut(
        year=row.year,
        title=row.title,
        number=row.number,
        sha256=row.sha256,
        new=change.new,
        calendar_version=(
            change.recomputed.version_after
            if change.recomputed
            else current_calendar(session).version
        ),
        recomputed=recomputed_out(change.recomputed),
    )


@router.post(
    "/marks/{day}", response_model=MarkChangeOut, summary="标记某日为停工或工作日（管理员）"
)
def mark(day: date, data: MarkIn, session: SessionDep, admin: AdminUser) -> MarkChangeOut:
    override = parse_override(
        {"day": day, "working": data.working, "name": data.name, "reason": data.reason}
    )
    change = mark_day(session, override, marked_by=admin.username)
    row = change.row
    return MarkChangeOut(
        day=row.day,
        working=row.working,
        name=row.name,
        reason=row.reason,
        recomputed=recomputed_out(change.recomputed),
    )


@router.delete(
    "/marks/{day}",
    status_code=204,
    summary="取消某日的标记（管理员）",
    description="What it moved: GET /api/calendar/recomputes (the newest first).",
)
def unmark(day: date, session: SessionDep, admin: AdminUser) -> None:
    unmark_day(session, day, revoked_by=admin.username)


def _recompute_out(row: Any) -> dict[str, Any]:
    return {
        name: getattr(row, name)
        for name in ("id", "at", "by", "change", "checked", "moved", "letters", "failed")
    }


@router.get(
    "/recomputes",
    response_model=list[RecomputeOut],
    summary="工作日历调整后重新计算期限的记录（管理员）",
)
def recomputes(
    session: SessionDep,
    _admin: AdminUser,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> list[RecomputeOut]:
    return [
        RecomputeOut(**_recompute_out(row))
        for row in recompute_service.history(session, limit=limit)
    ]


@router.get(
    "/recomputes/{record_id}",
    response_model=RecomputeDetailOut,
    summary="某次重新计算变动的案件（管理员）",
)
def recompute_detail(
    session: SessionDep,
    _admin: AdminUser,
    record_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    limit: Annotated[int, Query(ge=1, le=1000)] = MOVED_SHOWN,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> RecomputeDetailOut:
    record, rows = recompute_service.moved_cases(session, record_id, limit=limit, offset=offset)
    if record is None:
        raise NotFound("没有这次重新计算的记录", field="record_id")
    cases = [
        MovedOut(
            case_id=r.case_id,
            number=r.number,
            reply_due_before=r.moved.reply_due_before,
            reply_due_after=r.moved.reply_due_after,
            projected_due_before=r.moved.projected_due_before,
            projected_due_after=r.moved.projected_due_after,
            next_window_due_before=r.moved.next_window_due_before,
            next_window_due_after=r.moved.next_window_due_after,
            provisional_before=r.moved.provisional_before,
            provisional_after=r.moved.provisional_after,
            letters=[LetterToCorrectOut(**x) for x in r.letters],
            error=r.moved.error,
        )
        for r in rows
    ]
    return RecomputeDetailOut(**_recompute_out(record), cases=cases)
