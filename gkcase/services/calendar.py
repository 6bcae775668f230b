"""Loading holiday notices and marking days; building the calendar in force.

The calendar itself (:mod:`gkcase.calendar`) knows nothing of storage. This service keeps what
admins load in the database, the one store every API worker shares, and builds the
:class:`~gkcase.calendar.workdays.WorkdayCalendar` from it.
"""

from __future__ import annotations

import json
import threading
import weakref
from datetime import UTC, date, datetime

from sqlalchemy import func, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, select

from gkcase.calendar.arrangement import DayOverride, YearArrangement, parse_arrangement
from gkcase.calendar.workdays import WorkdayCalendar
from gkcase.errors import ValidationError
from gkcase.models.calendar import CalendarDayMark, CalendarNotice, CalendarRevision

_cache_lock = threading.Lock()
#: engine -> (revision, calendar): one calendar per database, rebuilt when its revision moves
_cache: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _now() -> datetime:
    return datetime.now(UTC)


def load_notice(
    session: Session, arrangement: YearArrangement, *, loaded_by: str, source: str = ""
) -> tuple[CalendarNotice, bool]:
    """Store a year's notice; it is in force from now on. Returns (row, whether it is new).

    Loading the notice already in force for that year again changes nothing.
    """
    current = _current_notice(session, arrangement.year)
    if current is not None and current.sha256 == arrangement.sha256:
        return current, False
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
    _bump(session)
    return row, True


def _current_notice(session: Session, year: int) -> CalendarNotice | None:
    statement = (
        select(CalendarNotice)
        .where(CalendarNotice.year == year)
        .order_by(CalendarNotice.id.desc())  # type: ignore[union-attr]
        .limit(1)
    )
    return session.exec(statement).first()


def mark_day(session: Session, override: DayOverride, *, marked_by: str) -> CalendarDayMark:
    """Mark one day working or not; an earlier mark of the same day is revoked."""
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
    _bump(session)
    return row


def unmark_day(session: Session, day: date, *, revoked_by: str) -> CalendarDayMark:
    """Remove the mark on ``day``: the day goes back to what the notices say."""
    row = _revoke(session, day, revoked_by)
    if row is None:
        raise ValidationError(f"{day} 没有标记", field="day", code="calendar.no_mark")
    return row


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
        _bump(session)
    return row


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
    notices = notices_in_force(session)
    marks = active_marks(session)
    calendar = WorkdayCalendar(
        [parse_arrangement(json.loads(n.payload)) for n in notices],
        [DayOverride(day=m.day, working=m.working, name=m.name, reason=m.reason) for m in marks],
    )
    with _cache_lock:
        _cache[engine] = (revision, calendar)
    return calendar
