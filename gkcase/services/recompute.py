"""Recomputing the open cases' stored due dates when the working-day calendar changes.

A case row keeps its clock's dates (``reply_due``, ``projected_due``, ``next_window_due``,
``due_provisional``, ``clock_status``) for the lists, the inbox, supervision, the digest, the
public status page and letters; the case page folds them live. When an admin loads a holiday
notice or marks a day (gkcase/services/calendar.py), :func:`recompute` rewrites the stored dates
of every open case the change can affect, in the admin's transaction: the change and the dates it
moves commit together or not at all, so every screen shows one date (issue #18).

One rule in one place: each case is recomputed by the engine's own ``_recompute`` over its folded
events — exactly what its last action stored, with the new calendar — as of that action's
business date, as ``fire`` did and as ``verify`` checks. Which cases can a change affect is
docs/calendar.md, "When the calendar changes".
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, bindparam, func, insert, or_, select, update
from sqlmodel import Session

from gkcase.calendar.workdays import WorkdayCalendar
from gkcase.calendar.zh import zh_date
from gkcase.errors import GkcaseError
from gkcase.letters.catalogue import CATALOGUE
from gkcase.models import Agency, Case, CaseEvent, Letter
from gkcase.models.calendar import CalendarRecompute, CalendarRecomputeCase
from gkcase.services.cases import AGENCY_RULES_COLUMNS, AgencyRules, _recompute
from gkcase.services.letters import voided
from gkcase.states.timeline import fold

_CASE = Case.__table__.c
_EVENT = CaseEvent.__table__.c
_LETTER = Letter.__table__.c
_AGENCY = Agency.__table__.c
_RUN = CalendarRecompute.__table__.c
_MOVED = CalendarRecomputeCase.__table__.c

#: The open cases: the literal must match the partial indexes' (gkcase/models/case.py).
_OPEN = _CASE.clock_status != "stopped"
#: Ids per statement (under SQLite's and psycopg's parameter limits).
_BATCH = 2000

#: The letters that state the reply due date, and where in their context: the catalogue's own
#: required elements (the receipt's 答复期限, the extension notice's 延长后的答复期限, the deferral
#: notice's 延迟答复期限) — one place says which letter carries which date.
_REPLY_DUE_PATHS = ("clock.reply_due", "notice.new_due")
STATED_REPLY_DUE = {
    spec.kind: element.path
    for spec in CATALOGUE.values()
    for element in spec.elements
    if element.path in _REPLY_DUE_PATHS
}


@dataclass(frozen=True)
class Dates:
    """The clock's dates a case row keeps."""

    reply_due: date | None
    projected_due: date | None
    next_window_due: date | None
    provisional: bool
    status: str

    @property
    def due(self) -> date | None:
        """The date a letter states: the due date, or the projected one while paused."""
        return self.reply_due or self.projected_due


@dataclass(frozen=True)
class StatedLetter:
    """An issued letter that stated a date the change has moved."""

    id: int
    kind: str
    number: str
    stated: str  # as the letter printed it (2027年1月6日)
    now: str  # the date that holds now, in the same form


@dataclass(frozen=True)
class MovedCase:
    case_id: int
    number: str
    agency_id: int
    assignee_id: int | None
    before: Dates
    after: Dates | None  # None: the clock refused to recompute (``error``); kept as it was
    letters: tuple[StatedLetter, ...] = ()
    error: str = ""


@dataclass
class Recomputed:
    """What a calendar change did to the open cases (``record_id``: its CalendarRecompute)."""

    record_id: int | None
    change: str
    version_before: str
    version_after: str
    first_day: date | None
    last_day: date | None
    checked: int = 0
    moved: list[MovedCase] = field(default_factory=list)

    @property
    def letters(self) -> int:
        return sum(1 for m in self.moved if m.letters)

    @property
    def failed(self) -> int:
        return sum(1 for m in self.moved if m.after is None)

    def summary_zh(self) -> str:
        if not self.checked:
            return "没有在办案件受此影响"
        text = f"重新计算了 {self.checked} 件在办案件的期限，{len(self.moved) - self.failed} 件变动"
        if self.letters:
            text += f"，其中 {self.letters} 件已发文书所载日期需更正"
        if self.failed:
            text += f"，{self.failed} 件无法重新计算（请承办人核查）"
        return text


# --- which days changed -----------------------------------------------------------------------


def changed_span(
    before: WorkdayCalendar, after: WorkdayCalendar, days: Iterable[date]
) -> tuple[date, date] | None:
    """The first and last of ``days`` whose working status, or whose year's status (official or
    estimated: a due date's 暂定), differs between the two calendars; None if none does."""
    moved = [
        d
        for d in days
        if before.is_workday(d) != after.is_workday(d)
        or before.year_status(d.year) != after.year_status(d.year)
    ]
    return (min(moved), max(moved)) if moved else None


def days_of_notice(year: int) -> Iterator[date]:
    """Every day a year's notice can set: December of the year before through its own year
    (docs/calendar.md, "What a working day is")."""
    day, last = date(year - 1, 12, 1), date(year, 12, 31)
    while day <= last:
        yield day
        day += timedelta(days=1)


# --- the recompute ------------------------------------------------------------------------------


class _Clock:
    """What ``_recompute`` reads (the state) and writes (the dates) of a case row."""

    __slots__ = (
        "calendar_version",
        "clock_status",
        "due_provisional",
        "next_window_due",
        "projected_due",
        "reply_due",
        "state",
    )

    def __init__(self, state: str) -> None:
        self.state = state

    def dates(self) -> Dates:
        return Dates(
            self.reply_due,
            self.projected_due,
            self.next_window_due,
            bool(self.due_provisional),
            self.clock_status,
        )


_CANDIDATE_COLUMNS = (
    _CASE.id,
    _CASE.number,
    _CASE.agency_id,
    _CASE.assignee_id,
    _CASE.state,
    _CASE.reply_due,
    _CASE.projected_due,
    _CASE.next_window_due,
    _CASE.due_provisional,
    _CASE.clock_status,
)
_EVENTS_OF = (
    select(_EVENT.case_id, _EVENT.trigger, _EVENT.payload, _EVENT.on)
    .where(_EVENT.case_id.in_(bindparam("ids", expanding=True)))
    .order_by(_EVENT.case_id, _EVENT.seq)
)
_WRITE_DATES = (
    update(Case.__table__)
    .where(_CASE.id == bindparam("b_id"))
    .values(
        reply_due=bindparam("reply_due"),
        projected_due=bindparam("projected_due"),
        next_window_due=bindparam("next_window_due"),
        due_provisional=bindparam("due_provisional"),
        clock_status=bindparam("clock_status"),
        calendar_version=bindparam("calendar_version"),
    )
)


def recompute(
    session: Session,
    before: WorkdayCalendar,
    after: WorkdayCalendar,
    days: Iterable[date],
    *,
    change: str,
    by: str,
) -> Recomputed:
    """Rewrite the stored dates of the open cases the change from ``before`` to ``after`` can
    affect (``days``: the days it can have changed), in the caller's transaction, and record it.

    The candidates are locked as they are read (PostgreSQL; SQLite's write transaction excludes
    every other writer already): an action in flight on one is waited for, and what it wrote is
    what is recomputed.
    """
    span = changed_span(before, after, days)
    result = Recomputed(
        None, change, before.version, after.version, *(span if span else (None, None))
    )
    connection = session.connection()
    candidates = _candidates(connection, span, _carried_to(connection, before.version))
    result.checked = len(candidates)
    if candidates:
        rules = {
            row[0]: AgencyRules(*row) for row in connection.execute(select(*AGENCY_RULES_COLUMNS))
        }
        result.moved = _recompute_all(connection, candidates, rules, before.version, after)
    result.record_id = _record(connection, result, by)
    return result


def _carried_to(connection: Any, version: str) -> list[str]:
    """The calendar versions whose dates still hold under ``version``: itself, and every version
    a recorded recompute carried on to it (the cases it did not move kept their version; their
    dates were the same under both). Dates from any other version — a database from before
    these records, an upgraded ``holidays`` package — are stale."""
    carried: dict[str, set[str]] = {}
    for before, after in connection.execute(select(_RUN.version_before, _RUN.version_after)):
        carried.setdefault(after, set()).add(before)
    found, todo = {version}, [version]
    while todo:
        for earlier in carried.get(todo.pop(), ()):
            if earlier not in found:
                found.add(earlier)
                todo.append(earlier)
    return sorted(found)


def _candidates(connection: Any, span: tuple[date, date] | None, current: list[str]) -> list[Any]:
    return list(connection.execute(candidate_query(span, current).with_for_update()))


def candidate_query(span: tuple[date, date] | None, current: list[str]) -> Select:
    """The open cases the change can affect: a changed day after the clock's start and on or
    before the last date the row keeps, or a row without any date (its windows or 暂定 may move);
    and the rows whose dates are stale (their version not among ``current``)."""
    affected = _CASE.calendar_version.not_in(current)
    if span is not None:
        first, last = span
        affected = or_(
            affected,
            and_(
                _CASE.receipt_date < last,
                or_(
                    _CASE.reply_due >= first,
                    _CASE.projected_due >= first,
                    _CASE.next_window_due >= first,
                    and_(
                        _CASE.reply_due.is_(None),
                        _CASE.projected_due.is_(None),
                        _CASE.next_window_due.is_(None),
                    ),
                ),
            ),
        )
    return select(*_CANDIDATE_COLUMNS).where(_OPEN, affected).order_by(_CASE.id)


def _batches(items: Sequence[Any], size: int = _BATCH) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _recompute_all(
    connection: Any,
    candidates: list[Any],
    rules: dict[int, AgencyRules],
    before_version: str,
    cal: WorkdayCalendar,
) -> list[MovedCase]:
    """Fold each candidate's events and recompute its row with ``cal``, as of its last event's
    date; write and return the cases whose dates changed (and those the clock refused)."""
    moved: list[MovedCase] = []
    writes: list[dict[str, Any]] = []
    voids: dict[int, dict[int, Any]] = {}  # case → its letters voided by a 更正
    for batch in _batches(candidates):
        events: dict[int, list[tuple[str, dict[str, Any]]]] = {}
        last_on: dict[int, date] = {}
        for case_id, trigger, payload, on in connection.execute(
            _EVENTS_OF, {"ids": [row.id for row in batch]}
        ):
            events.setdefault(case_id, []).append((trigger, json.loads(payload)))
            last_on[case_id] = on
        for row in batch:
            pairs = events.get(row.id)
            if not pairs:
                continue
            before = Dates(
                row.reply_due,
                row.projected_due,
                row.next_window_due,
                bool(row.due_provisional),
                row.clock_status,
            )
            clock = _Clock(row.state)
            try:
                _recompute(clock, rules[row.agency_id], fold(pairs), cal, last_on[row.id])
            except GkcaseError as exc:  # kept as they were, from the calendar that made them
                writes.append(_dates_row(row.id, before, before_version))
                moved.append(
                    MovedCase(
                        row.id, row.number, row.agency_id, row.assignee_id, before, None,
                        error=exc.message[:300],
                    )
                )  # fmt: skip
                continue
            after = clock.dates()
            if after == before:
                continue
            writes.append(_dates_row(row.id, after, cal.version))
            moved.append(
                MovedCase(row.id, row.number, row.agency_id, row.assignee_id, before, after)
            )
            if before.due is not None and after.due != before.due:
                voids[row.id] = voided(pairs)
    if writes:
        connection.execute(_WRITE_DATES, writes)
    return _with_letters(connection, moved, voids)


def _dates_row(case_id: int, dates: Dates, version: str) -> dict[str, Any]:
    return {
        "b_id": case_id,
        "reply_due": dates.reply_due,
        "projected_due": dates.projected_due,
        "next_window_due": dates.next_window_due,
        "due_provisional": dates.provisional,
        "clock_status": dates.status,
        "calendar_version": version,
    }


def _with_letters(
    connection: Any, moved: list[MovedCase], voids: dict[int, dict[int, Any]]
) -> list[MovedCase]:
    """``moved``, each case whose due date moved with the last letter that told the applicant
    its due date (not voided by a 更正), when the date it stated no longer holds."""
    last: dict[int, tuple[int, str, str, str]] = {}
    for ids in _batches(sorted(voids)):
        rows = connection.execute(
            select(_LETTER.id, _LETTER.case_id, _LETTER.kind, _LETTER.number, _LETTER.variables)
            .where(_LETTER.case_id.in_(ids), _LETTER.kind.in_(sorted(STATED_REPLY_DUE)))
            .order_by(_LETTER.id)
        )
        for letter_id, case_id, kind, number, variables in rows:
            if letter_id not in voids[case_id]:
                stated = _at(json.loads(variables), STATED_REPLY_DUE[kind])
                last[case_id] = (letter_id, kind, number, stated or "")
    out = []
    for m in moved:
        if m.case_id in last and m.after is not None and m.after.due is not None:
            letter_id, kind, number, stated = last[m.case_id]
            now = zh_date(m.after.due)
            # only a date this change moved: one already overtaken (a consultation began since
            # the letter went out) is not the calendar's doing
            was = zh_date(m.before.due) if m.before.due is not None else None
            if stated != now and stated == was:
                m = replace(m, letters=(StatedLetter(letter_id, kind, number, stated, now),))
        out.append(m)
    return out


def _at(context: dict[str, Any], path: str) -> Any:
    value: Any = context
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _record(connection: Any, result: Recomputed, by: str) -> int:
    record_id = connection.execute(
        insert(CalendarRecompute.__table__).returning(_RUN.id),
        {
            "at": datetime.now(UTC),
            "by": by,
            "change": result.change[:300],
            "version_before": result.version_before,
            "version_after": result.version_after,
            "first_day": result.first_day,
            "last_day": result.last_day,
            "checked": result.checked,
            "moved": len(result.moved) - result.failed,
            "letters": result.letters,
            "failed": result.failed,
        },
    ).scalar_one()
    rows = [
        {
            "recompute_id": record_id,
            "case_id": m.case_id,
            "reply_due_before": m.before.reply_due,
            "projected_due_before": m.before.projected_due,
            "next_window_due_before": m.before.next_window_due,
            "provisional_before": m.before.provisional,
            "status_before": m.before.status,
            "reply_due_after": (m.after or m.before).reply_due,
            "projected_due_after": (m.after or m.before).projected_due,
            "next_window_due_after": (m.after or m.before).next_window_due,
            "provisional_after": (m.after or m.before).provisional,
            "status_after": (m.after or m.before).status,
            "letters": _letters_json(m.letters),
            "error": m.error,
        }
        for m in result.moved
    ]
    if rows:
        connection.execute(insert(CalendarRecomputeCase.__table__), rows)
    return int(record_id)


def _letters_json(letters: tuple[StatedLetter, ...]) -> str:
    return json.dumps([x.__dict__ for x in letters], ensure_ascii=False) if letters else "[]"


# --- reading the record -----------------------------------------------------------------------


def history(session: Session, limit: int = 10) -> list[CalendarRecompute]:
    """The latest recomputes, newest first."""
    statement = select(CalendarRecompute).order_by(_RUN.id.desc()).limit(limit)
    return list(session.execute(statement).scalars())


@dataclass(frozen=True)
class MovedRow:
    """A case a recorded recompute moved, as its pages show it."""

    case_id: int
    number: str
    agency_id: int
    open: bool
    moved: CalendarRecomputeCase

    @property
    def letters(self) -> list[dict[str, Any]]:
        return json.loads(self.moved.letters)


def moved_cases(
    session: Session, record_id: int, *, limit: int = 200, offset: int = 0
) -> tuple[CalendarRecompute | None, list[MovedRow]]:
    """A recorded recompute and the cases it moved (``limit`` of them from ``offset``)."""
    record = session.get(CalendarRecompute, record_id)
    if record is None:
        return None, []
    statement = (
        select(CalendarRecomputeCase, _CASE.number, _CASE.agency_id, _CASE.clock_status)
        .join(Case.__table__, _CASE.id == _MOVED.case_id)
        .where(_MOVED.recompute_id == record_id)
        .order_by(_MOVED.id)
        .limit(limit)
        .offset(offset)
    )
    rows = [
        MovedRow(moved.case_id, number, agency_id, status != "stopped", moved)
        for moved, number, agency_id, status in session.execute(statement)
    ]
    return record, rows


@dataclass(frozen=True)
class LetterNote:
    """An open case whose last letter to the applicant stated a due date a calendar change has
    moved: for its caseworker (the inbox) and its page."""

    case_id: int
    number: str
    at: datetime
    change: str
    letters: list[dict[str, Any]]


def letter_notes(
    session: Session,
    *,
    assignee_id: int | None = None,
    case_id: int | None = None,
    limit: int = 50,
) -> list[LetterNote]:
    """Open cases (of ``assignee_id``, or the one ``case_id``) whose latest recompute found a
    letter to correct, not yet answered by a later letter stating the reply due date."""
    stated = sorted(STATED_REPLY_DUE)
    later_letter = (
        select(_LETTER.id)
        .where(
            _LETTER.case_id == _MOVED.case_id,
            _LETTER.kind.in_(stated),
            _LETTER.issued_at > _RUN.at,
        )
        .exists()
    )
    other = CalendarRecomputeCase.__table__.alias("other")
    latest = select(func.max(other.c.id)).where(other.c.case_id == _MOVED.case_id)
    statement = (
        select(_MOVED.case_id, _CASE.number, _RUN.at, _RUN.change, _MOVED.letters)
        .join(Case.__table__, _CASE.id == _MOVED.case_id)
        .join(CalendarRecompute.__table__, _RUN.id == _MOVED.recompute_id)
        .where(_OPEN, _MOVED.letters != "[]", _MOVED.id == latest.scalar_subquery(), ~later_letter)
        .order_by(_MOVED.id.desc())
        .limit(limit)
    )
    if assignee_id is not None:
        statement = statement.where(_CASE.assignee_id == assignee_id)
    if case_id is not None:
        statement = statement.where(_MOVED.case_id == case_id)
    return [
        LetterNote(row_case, number, at, change, json.loads(letters))
        for row_case, number, at, change, letters in session.execute(statement)
    ]
