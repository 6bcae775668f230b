"""到期情况 — how a case's reply clock reads today: its status in words, and whether the case is
overdue (已逾期), due within the agency's warning period (临近期限) or paused (计时暂停).

This module is the only definition of each. Every predicate is written twice, side by side: as a
SQL expression over ``Case``'s clock columns (the lists, counts and filters: case list, inbox,
supervision dashboard, metrics, digest, ``gkcase case list --overdue``) and as a Python twin
over a row with the same columns (:class:`ClockRow`) for a page that already holds the row. tests/services/test_urgency.py checks
that the two agree, case by case, on generated rows on SQLite and PostgreSQL.

The clock columns are derived from the events and stored on the case by every act
(:func:`gkcase.services.cases._recompute`), ``stopped`` exactly when the case is replied or
closed; the predicates read the clock, the labels the state. Nothing here reads a stored
"overdue" flag. "Today" is the day judged on: a reply due today is still in time, and overdue
from the next day on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from sqlalchemy import and_, literal_column, or_
from sqlmodel import col

from gkcase.calendar.workdays import WorkdayCalendar
from gkcase.models import Case
from gkcase.states.machine import OPEN_STATES, State


class ClockRow(Protocol):
    """What the Python twins read: a ``Case``, a row of the case list, or a clock just computed."""

    state: str
    clock_status: str
    reply_due: date | None
    projected_due: date | None


#: A finished case's clock (gkcase.services.cases._recompute stores it).
STOPPED = "stopped"


@dataclass(frozen=True)
class Clock:
    """A :class:`ClockRow` for a clock just computed from the events rather than read from the
    case row (``gkcase case show --on DATE``)."""

    state: str
    clock_status: str
    reply_due: date | None
    projected_due: date | None


# --- the clock status in words ---------------------------------------------------------------

#: 计时状态 of an open case, by ``clock_status`` (gkcase.states.timeline.ClockView.status).
CLOCK_LABELS = {
    "waiting": "未起算",
    "running": "计时中",
    "paused": "计时暂停",
    "deferred": "延迟答复",
}
#: A finished case's clock no longer runs; its status says what ended it.
FINISHED_LABELS = {
    State.REPLIED: "已答复",
    State.DELIVERED: "已答复",
    State.CLOSED: "已终结",
    State.ARCHIVED: "已归档",
}
assert set(FINISHED_LABELS) == set(State) - OPEN_STATES, "every finished state needs its label"


def clock_status(state: State | str, status: str) -> str:
    """The clock status a case shows: ``stopped`` once the case is finished, whatever the clock
    folded from its events says (a reply or a closure ends the period; nothing runs after it)."""
    return status if State(state).is_open else STOPPED


def clock_label(state: State | str, status: str) -> str:
    """计时状态 in words: 计时中, 计时暂停 … for an open case; 已答复, 已终结 or 已归档 for a
    finished one (never 计时中)."""
    state = State(state)
    if not state.is_open:
        return FINISHED_LABELS[state]
    if status == "waiting" and state is State.AWAITING_CORRECTION:
        return "等待补正"  # Art 30: the period restarts from the corrected application
    return CLOCK_LABELS.get(status, status)


# --- the predicates ---------------------------------------------------------------------------

#: Clock statuses whose due date runs: the reply period, or a date set by an Art 35 deferral or
#: a review decision (``deferred``).
TIMED = ("running", "deferred")
PAUSED = "paused"

#: The clock of an open case. A literal, not a bound parameter, so both databases use the partial
#: indexes over open cases (``ix_gk_case_open_*``, docs/performance.md).
RUNNING_CLOCK = col(Case.clock_status) != literal_column(f"'{STOPPED}'")


def open_condition() -> Any:
    """在办: the case is not yet replied or closed. The engine stores ``stopped`` exactly for a
    finished case (every act recomputes the clock columns, ``_recompute``), so the clock says it
    and the state is not read again: a test of ``state`` beside it would make SQLite's planner
    leave the open-case index for the agency index and read every case of the agency."""
    return RUNNING_CLOCK


def is_open(case: ClockRow) -> bool:
    """Python twin of :func:`open_condition`."""
    return case.clock_status != STOPPED


def overdue_condition(today: date) -> Any:
    """已逾期 as of ``today``: an open case whose running or deferred due date is before
    ``today``, or a paused case whose projected due date — the due date if every open pause runs
    to its latest end — is before ``today`` (a paused case with no projection is not overdue)."""
    return and_(
        open_condition(),
        or_(
            and_(
                col(Case.clock_status).in_(TIMED),
                col(Case.reply_due).is_not(None),
                col(Case.reply_due) < today,
            ),
            and_(
                Case.clock_status == PAUSED,
                col(Case.projected_due).is_not(None),
                col(Case.projected_due) < today,
            ),
        ),
    )


def is_overdue(case: ClockRow, today: date) -> bool:
    """Python twin of :func:`overdue_condition`."""
    if not is_open(case):
        return False
    if case.clock_status in TIMED:
        return case.reply_due is not None and case.reply_due < today
    if case.clock_status == PAUSED:
        return case.projected_due is not None and case.projected_due < today
    return False


def at_risk_until(cal: WorkdayCalendar, today: date, risk_workdays: int) -> date:
    """The first due date no longer at risk: the (N+1)-th working day after ``today``, since
    ``workdays_between(today, due) <= N  ⇔  due < add_workdays(today, N + 1)``."""
    return cal.add_workdays(today, risk_workdays + 1)


def at_risk_condition(cal: WorkdayCalendar, today: date, risk_workdays: int) -> Any:
    """临近期限: an open case whose running or deferred due date is today or within
    ``risk_workdays`` working days after it — the agency's ``at_risk_workdays``. Never overdue
    at the same time; a paused case is not at risk (it is paused, or overdue)."""
    until = at_risk_until(cal, today, risk_workdays)
    return and_(
        open_condition(),
        col(Case.clock_status).in_(TIMED),
        col(Case.reply_due).is_not(None),
        col(Case.reply_due) >= today,
        col(Case.reply_due) < until,
    )


def is_at_risk(case: ClockRow, cal: WorkdayCalendar, today: date, risk_workdays: int) -> bool:
    """Python twin of :func:`at_risk_condition`."""
    if not is_open(case) or case.clock_status not in TIMED or case.reply_due is None:
        return False
    return today <= case.reply_due < at_risk_until(cal, today, risk_workdays)


def paused_condition() -> Any:
    """计时暂停: an open case whose clock is paused (a consultation, Art 32, 34; a fee window
    where the agency's policy pauses the clock). Awaiting a correction (Art 30) is not a pause:
    the period has not started (``waiting``)."""
    return and_(open_condition(), Case.clock_status == PAUSED)


def is_paused(case: ClockRow) -> bool:
    """Python twin of :func:`paused_condition`."""
    return is_open(case) and case.clock_status == PAUSED


def urgency_of(case: ClockRow, cal: WorkdayCalendar, today: date, risk_workdays: int) -> str:
    """The one word a list shows for a case: ``overdue``, ``at_risk``, ``paused``, ``waiting``,
    ``finished`` (replied or closed: its clock stopped) or ``""`` (running, not yet near its due
    date) — overdue first."""
    if not is_open(case):
        return "finished"
    if is_overdue(case, today):
        return "overdue"
    if is_at_risk(case, cal, today, risk_workdays):
        return "at_risk"
    if is_paused(case):
        return "paused"
    return "waiting" if case.clock_status == "waiting" else ""


__all__ = [
    "CLOCK_LABELS",
    "FINISHED_LABELS",
    "RUNNING_CLOCK",
    "Clock",
    "ClockRow",
    "at_risk_condition",
    "at_risk_until",
    "clock_label",
    "clock_status",
    "is_at_risk",
    "is_open",
    "is_overdue",
    "is_paused",
    "open_condition",
    "overdue_condition",
    "paused_condition",
    "urgency_of",
]
