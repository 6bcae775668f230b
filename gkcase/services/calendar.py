"""Loading holiday notices and marking days; building the calendar in force.

The calendar itself (:mod:`gkcase.calendar`) knows nothing of storage. This service keeps what
admins load in the database, the one store every API worker shares, and builds the
:class:`~gkcase.calendar.workdays.WorkdayCalendar` from it.

Every change — a notice loaded, a day marked or unmarked — recomputes, in the same transaction,
the stored due dates of the open cases it can affect (gkcase/services/recompute.py), and says how
many moved and which (:class:`CalendarChange`). Changes are serialised: each takes the calendar's
revision row first, then reads the calendar it changes.
"""

from __future__ import annotations

import json
import threading
import weakref
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import func, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, select

from gkcase.calendar.arrangement import DayOverride, YearArrangement, parse_arrangement
from gkcase.calendar.workdays import WorkdayCalendar
from gkcase.errors import ValidationError
from gkcase.models.calendar import CalendarDayMark, CalendarNotice, CalendarRevision

if TYPE_CHECKING:
    from gkcase.services.recompute import Recomputed

_cache_lock = threading.Lock()
#: engine -> (revision, calendar): one calendar per database, rebuilt when its revision moves
_cache: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class CalendarChange:
    """A change to the calendar: the row it wrote (or, unchanged, the row in force), whether it
    changed anything, and what it did to the open cases' due dates (None when it changed
    nothing)."""

    row: CalendarNotice | CalendarDayMark
    new: bool
    recomputed: Recomputed | None


def load_notice(
    session: Session, arrangement: YearArrangement, *, loaded_by: str, source: str = ""
) -> CalendarChange:
    """Store a year's notice; it is in force from now on, and the due dates it moves with it.

    Loading the notice already in force for that year again changes nothing.
    """
    current = _current_notice(session, arrangement.year)
    if current is not None and current.sha256 == arrangement.sha256:
        return CalendarChange(current, False, None)
    before = _locked_calendar(session)
    row = CalendarNotice(
        year=arrangement.year,
        title=arrangement.title,
        number=arrangement.number,
        payload=arrangement.canonical_json(),
        sha256=arrangement.sha256,
        source=source,
        loaded_at=_now(),
        loaded_by=loaded_by,
    )
    session.add(row)
    session.flush()
    from gkcase.services.recompute import days_of_notice

    change = f"导入 {arrangement.year} 年节假日安排：{arrangement.title}"
    recomputed = _recompute(
        session, before, days_of_notice(arrangement.year), change=change, by=loaded_by
    )
    return CalendarChange(row, True, recomputed)


def _current_notice(session: Session, year: int) -> CalendarNotice | None:
    statement = (
        select(CalendarNotice)
        .where(CalendarNotice.year == year)
        .order_by(CalendarNotice.id.desc())  # type: ignore[union-attr]
        .limit(1)
    )
    return session.exec(statement).first()


def mark_day(session: Session, override: DayOverride, *, marked_by: str) -> CalendarChange:
    """Mark one day working or not (an earlier mark of the same day is revoked); the due dates
    it moves move with it."""
    before = _locked_calendar(session)
    _revoke(session, override.day, marked_by)
    row = CalendarDayMark(
        day=override.day,
        working=override.working,
        name=override.name,
        reason=override.reason,
        marked_at=_now(),
        marked_by=marked_by,
    )
    session.add(row)
    session.flush()
    kind = "工作日" if override.working else "停工"
    change = f"将 {override.day.isoformat()} 标记为{kind}：{override.name}"
    recomputed = _recompute(session, before, [override.day], change=change, by=marked_by)
    return CalendarChange(row, True, recomputed)


def unmark_day(session: Session, day: date, *, revoked_by: str) -> CalendarChange:
    """Remove the mark on ``day``: the day goes back to what the notices say, and so do the due
    dates it moved."""
    before = _locked_calendar(session)
    row = _revoke(session, day, revoked_by)
    if row is None:
        raise ValidationError(f"{day} 没有标记", field="day", code="calendar.no_mark")
    change = f"取消 {day.isoformat()} 的标记（{row.name}）"
    recomputed = _recompute(session, before, [day], change=change, by=revoked_by)
    return CalendarChange(row, True, recomputed)


def _revoke(session: Session, day: date, revoked_by: str) -> CalendarDayMark | None:
    statement = select(CalendarDayMark).where(
        CalendarDayMark.day == day,
        CalendarDayMark.revoked_at.is_(None),  # type: ignore[union-attr]
    )
    row = session.exec(statement).first()
    if row is not None:
        row.revoked_at = _now()
        row.revoked_by = revoked_by
        session.add(row)
        session.flush()
    return row


def _locked_calendar(session: Session) -> WorkdayCalendar:
    """Take the calendar's revision (a second change waits here for the first to commit) and
    read the calendar as it stands, before this change: the shared one, when it is of the
    revision just before ours."""
    _bump(session)
    revision = session.connection().execute(CALENDAR_REVISION).scalar_one()
    engine = session.get_bind()
    with _cache_lock:
        cached = _cache.get(getattr(engine, "engine", engine))
    if cached is not None and cached[0] == revision - 1:
        return cached[1]
    return build_calendar(session)


def _recompute(
    session: Session, before: WorkdayCalendar, days: Iterable[date], *, change: str, by: str
) -> Recomputed:
    # imported here: the recompute uses the case engine, which uses this module's calendar
    from gkcase.services.recompute import recompute

    return recompute(session, before, build_calendar(session), days, change=change, by=by)


def _bump(session: Session) -> None:
    """Move the calendar's revision (creating its one row the first time)."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(insert(CalendarRevision).values(id=1, value=0).on_conflict_do_nothing())
    session.execute(
        update(CalendarRevision)
        .where(CalendarRevision.id == 1)
        .values(value=CalendarRevision.value + 1)
    )


def active_marks(session: Session) -> list[CalendarDayMark]:
    statement = (
        select(CalendarDayMark)
        .where(CalendarDayMark.revoked_at.is_(None))  # type: ignore[union-attr]
        .order_by(CalendarDayMark.day)
    )
    return list(session.exec(statement))


def notices_in_force(session: Session) -> list[CalendarNotice]:
    latest = select(func.max(CalendarNotice.id)).group_by(CalendarNotice.year).scalar_subquery()
    statement = (
        select(CalendarNotice)
        .where(CalendarNotice.id.in_(latest))  # type: ignore[union-attr]
        .order_by(CalendarNotice.year)
    )
    return list(session.exec(statement))


#: The calendar's revision: readable on its own, or as a subquery beside other reads.
CALENDAR_REVISION = select(CalendarRevision.__table__.c.value).where(
    CalendarRevision.__table__.c.id == 1
)


def current_calendar(session: Session, *, revision: int | None = None) -> WorkdayCalendar:
    """The calendar in force: the package, the latest notice per year, the active marks.

    Built once per database and revision and shared (it is read-only and thread-safe); finding
    it costs one read of the revision row.
    """
    if revision is None:  # the caller may have read it already, beside its own query
        revision = session.connection().execute(CALENDAR_REVISION).scalar() or 0
    engine = session.get_bind()
    engine = getattr(engine, "engine", engine)
    with _cache_lock:
        cached = _cache.get(engine)
    if cached is not None and cached[0] == revision:
        return cached[1]
    calendar = build_calendar(session)
    with _cache_lock:
        _cache[engine] = (revision, calendar)
    return calendar


def build_calendar(session: Session) -> WorkdayCalendar:
    """The calendar as the session sees its tables now, not cached: inside a change, before it
    commits, no other session may be handed it."""
    return WorkdayCalendar(
        [parse_arrangement(json.loads(n.payload)) for n in notices_in_force(session)],
        [
            DayOverride(day=m.day, working=m.working, name=m.name, reason=m.reason)
            for m in active_marks(session)
        ],
    )
