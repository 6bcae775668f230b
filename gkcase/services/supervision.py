"""督查统计 — what a supervisor (督查) watches across the agencies under them: overdue, at-risk and
paused cases by agency, department and caseworker; intake against replies week by week; the
on-time rate; procedural lapses; a case's audit trail.

Pure service: no HTTP. A supervisor's scope is their agency and its subtree (``Agency.path`` is
a materialised path), never a sibling's cases. Counts are grouped in SQL per agency (a handful of
rows, however many cases) and rolled up the tree in Python. Overdue and at-risk are always
computed from the clock columns and the working-day calendar, exactly as the case list
(``GET /api/cases``) defines them — never from a stored status.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import and_, func, not_
from sqlalchemy import case as when
from sqlmodel import Session, col, select

from gkcase.calendar.clock import (
    CORRECTION_NOTICE_WORKDAYS,
    Channel,
    PauseKind,
    confirmation_due,
    correction_notice_deadline,
)
from gkcase.calendar.workdays import WorkdayCalendar
from gkcase.errors import ValidationError
from gkcase.models import Agency, Case, CaseEvent, Consultation, Delivery, User
from gkcase.services import urgency
from gkcase.services.calendar import current_calendar
from gkcase.services.cases import NotFound
from gkcase.states.machine import State

#: Working days a signed reply may wait for delivery before it is a lapse (a policy: the
#: Regulation sets no delivery period; 5 working days is this project's default).
UNDELIVERED_WORKDAYS = 5
#: Calendar days a delivered case may wait for archiving before it is a lapse (档案管理; policy).
UNARCHIVED_DAYS = 30
#: Weeks of intake and replies the dashboard's chart shows by default.
WEEKS = 12


# --- scope ------------------------------------------------------------------------------------


def answered_on() -> Any:
    """The date a reply counts as given, for timeliness (国办公开办函〔2016〕235号): the applicant's
    signature date for direct or entrusted delivery, the posting date (交邮之日) for mail — the
    earliest delivery of the current reply —, or the signing date (``replied_on``) while no
    delivery is recorded yet. A SQL expression over ``Case``."""
    timing = when(
        (col(Delivery.method) == "post", func.coalesce(Delivery.posted_on, Delivery.delivered_on)),
        else_=Delivery.delivered_on,
    )
    delivered = (
        select(func.min(timing))
        .where(Delivery.case_id == Case.id, timing >= Case.replied_on)
        .scalar_subquery()
    )
    return func.coalesce(delivered, Case.replied_on)


def on_time_condition() -> Any:
    """按时答复: the reply counts as given (:func:`answered_on`) on or before the due date."""
    return and_(col(Case.reply_due).is_not(None), answered_on() <= col(Case.reply_due))


def in_scope(session: Session, home: Agency, agency_id: int | None = None) -> Agency:
    """The agency a supervisor of ``home`` asked for (default: ``home``), if it lies in ``home``'s
    subtree; anything else is 'not found' (a sibling's agency does not exist for them)."""
    if agency_id is None or agency_id == home.id:
        return home
    target = session.get(Agency, agency_id)
    if target is None or not target.path.startswith(home.path):
        raise NotFound("机关不存在", field="agency_id")
    return target


def _subtree_ids(agency: Agency) -> Any:
    """The ids of ``agency`` and every agency below it, as a subquery."""
    return select(Agency.id).where(col(Agency.path).startswith(agency.path))


def case_in(agency: Agency) -> Any:
    return col(Case.agency_id).in_(_subtree_ids(agency))


def _paths(session: Session, agency: Agency) -> dict[int, str]:
    """Every agency of the subtree: id → path."""
    rows = session.exec(
        select(Agency.id, Agency.path).where(col(Agency.path).startswith(agency.path))
    ).all()
    return dict(rows)


def children_of(session: Session, agency: Agency) -> list[Agency]:
    """The departments directly under ``agency``, by code."""
    return list(
        session.exec(select(Agency).where(Agency.parent_id == agency.id).order_by(Agency.code))
    )


def find_case(session: Session, home: Agency, number: str) -> Case | None:
    """A case by its number (exact, then ignoring case), among the cases under ``home``."""
    wanted = number.strip()
    if not wanted:
        return None
    query = select(Case).where(case_in(home))
    found = session.exec(query.where(Case.number == wanted)).first()
    if found is None:
        found = session.exec(query.where(func.upper(Case.number) == wanted.upper())).first()
    return found


# --- overdue, at risk, paused (gkcase.services.urgency) -----------------------------------------


@dataclass
class Counts:
    """One row of the dashboard: in progress, overdue, at risk and paused."""

    key: int | None  # agency id or user id; None: cases nobody is assigned to
    name: str
    open: int = 0
    overdue: int = 0
    at_risk: int = 0
    paused: int = 0
    subtree: bool = False  # the row covers the agency and everything below it

    def add(self, other: Counts) -> None:
        self.open += other.open
        self.overdue += other.overdue
        self.at_risk += other.at_risk
        self.paused += other.paused


@dataclass(frozen=True)
class Breakdown:
    """Counts for an agency's subtree: in total, per department (each child with its own
    subtree), the agency's own cases, and per caseworker of the agency's own cases."""

    agency: Agency
    as_of: date
    risk_workdays: int
    total: Counts
    own: Counts
    departments: list[Counts]
    caseworkers: list[Counts]


def _count_columns(today: date, cal: WorkdayCalendar, risk_workdays: int) -> list[Any]:
    def tally(condition: Any, label: str) -> Any:
        return func.coalesce(func.sum(when((condition, 1), else_=0)), 0).label(label)

    return [
        tally(urgency.open_condition(), "open"),
        tally(urgency.overdue_condition(today), "overdue"),
        tally(urgency.at_risk_condition(cal, today, risk_workdays), "at_risk"),
        tally(urgency.paused_condition(), "paused"),
    ]


def _counts(row: Any, key: int | None, name: str, subtree: bool = False) -> Counts:
    return Counts(key, name, row.open, row.overdue, row.at_risk, row.paused, subtree)


def breakdown(
    session: Session, agency: Agency, *, as_of: date, risk_workdays: int | None = None
) -> Breakdown:
    """Overdue / at-risk / paused counts under ``agency`` (already checked to be in scope).

    ``risk_workdays`` defaults to ``agency``'s own warning period. Two grouped queries: per
    agency of the subtree, and per assignee of ``agency``'s own cases — over open cases only
    (a closed case's clock is ``stopped`` and counts in no column), through the partial index.
    """
    cal = current_calendar(session)
    risk = agency.at_risk_workdays if risk_workdays is None else risk_workdays
    columns = _count_columns(as_of, cal, risk)
    per_agency = {
        row.agency_id: row
        for row in session.exec(
            select(Case.agency_id, *columns)
            .where(case_in(agency), urgency.RUNNING_CLOCK)
            .group_by(Case.agency_id)
        )
    }
    paths = _paths(session, agency)
    total = Counts(agency.id, agency.short_name or agency.name, subtree=True)
    own = Counts(agency.id, agency.short_name or agency.name)
    departments = [
        Counts(child.id, child.short_name or child.name, subtree=True)
        for child in children_of(session, agency)
    ]
    child_paths = [(paths[d.key], d) for d in departments]
    for agency_id, row in per_agency.items():
        counts = _counts(row, agency_id, "")
        total.add(counts)
        if agency_id == agency.id:
            own.add(counts)
            continue
        path = paths.get(agency_id, "")
        for child_path, department in child_paths:
            if path.startswith(child_path):
                department.add(counts)
                break
    rows = session.exec(
        select(Case.assignee_id, User.full_name, *columns)
        .join(User, User.id == Case.assignee_id, isouter=True)
        .where(Case.agency_id == agency.id, urgency.RUNNING_CLOCK)
        .group_by(Case.assignee_id, User.full_name)
    ).all()
    caseworkers = sorted(
        (_counts(row, row.assignee_id, row.full_name or "未指定承办人") for row in rows),
        key=lambda c: (c.key is None, -c.overdue, -c.at_risk, c.name),
    )
    return Breakdown(agency, as_of, risk, total, own, departments, caseworkers)


# --- intake and replies; on-time rate ------------------------------------------------------------


@dataclass(frozen=True)
class Week:
    """One week (Monday to Sunday): applications received and replies signed."""

    start: date
    intake: int
    replies: int

    @property
    def end(self) -> date:
        return self.start + timedelta(days=6)


def weekly_flow(session: Session, agency: Agency, *, as_of: date, weeks: int = WEEKS) -> list[Week]:
    """Intake (收到申请之日, Art 31) and replies (``replied_on``) per week for the last ``weeks``
    weeks, the current one last. Counted per day in SQL, bucketed into weeks here."""
    if not 1 <= weeks <= 104:
        raise ValidationError("周数须在 1–104 之间", field="weeks")
    current = as_of - timedelta(days=as_of.weekday())
    first = current - timedelta(weeks=weeks - 1)
    last = current + timedelta(days=6)
    intake: dict[date, int] = defaultdict(int)
    replies: dict[date, int] = defaultdict(int)
    for column, into in ((Case.receipt_date, intake), (Case.replied_on, replies)):
        rows = session.exec(
            select(column, func.count())
            .where(case_in(agency), col(column) >= first, col(column) <= last)
            .group_by(column)
        )
        for day, n in rows:
            into[first + timedelta(weeks=(day - first).days // 7)] += n
    starts = [first + timedelta(weeks=i) for i in range(weeks)]
    return [Week(s, intake[s], replies[s]) for s in starts]


@dataclass
class OnTime:
    """Replies signed in a period, and how many were given by their due date
    (:func:`on_time_condition`)."""

    key: int
    name: str
    replied: int = 0
    on_time: int = 0
    subtree: bool = True

    @property
    def late(self) -> int:
        return self.replied - self.on_time

    @property
    def rate(self) -> float | None:
        """On-time share, 0–1; None when nothing was replied."""
        return self.on_time / self.replied if self.replied else None


@dataclass(frozen=True)
class OnTimeReport:
    agency: Agency
    start: date
    end: date
    total: OnTime
    rows: list[OnTime]  # the agency's own cases first (when any), then each department


def on_time_rate(session: Session, agency: Agency, *, start: date, end: date) -> OnTimeReport:
    """The on-time rate of replies signed in ``[start, end]`` under ``agency``, per department."""
    if end < start:
        raise ValidationError("结束日期不能早于开始日期", field="to")
    in_time = on_time_condition()
    grouped = session.exec(
        select(
            Case.agency_id,
            func.count(),
            func.coalesce(func.sum(when((in_time, 1), else_=0)), 0),
        )
        .where(case_in(agency), col(Case.replied_on) >= start, col(Case.replied_on) <= end)
        .group_by(Case.agency_id)
    ).all()
    paths = _paths(session, agency)
    name = agency.short_name or agency.name
    total = OnTime(agency.id, name)
    own = OnTime(agency.id, f"{name}（本级）", subtree=False)
    departments = [
        OnTime(child.id, child.short_name or child.name) for child in children_of(session, agency)
    ]
    for agency_id, replied, on_time in grouped:
        total.replied += replied
        total.on_time += on_time
        target = own
        if agency_id != agency.id:
            path = paths.get(agency_id, "")
            target = next((d for d in departments if path.startswith(paths[d.key])), own)
        target.replied += replied
        target.on_time += on_time
    rows = ([own] if own.replied else []) + departments
    return OnTimeReport(agency, start, end, total, rows)


# --- procedural lapses ------------------------------------------------------------------------


@dataclass(frozen=True)
class Lapse:
    """A rule of procedure a case broke, with the facts that show it."""

    rule: str  # LATE_CORRECTION_NOTICE, …
    case_id: int
    number: str
    agency_id: int
    due: date  # when it should have happened
    happened: date | None  # when it did (None: it has not)
    detail: str  # in Chinese, for the list

    @property
    def rule_label(self) -> str:
        return RULES[self.rule]


LATE_CONFIRMATION = "late_confirmation"
LATE_CORRECTION_NOTICE = "late_correction_notice"
CONSULTATION_EXPIRED = "consultation_expired"
UNDELIVERED = "undelivered"
UNARCHIVED = "unarchived"

#: Every lapse rule, with the rule it breaks.
RULES = {
    LATE_CONFIRMATION: "确认收到申请晚于规定（《条例》第三十一条）",
    LATE_CORRECTION_NOTICE: f"补正告知超过{CORRECTION_NOTICE_WORKDAYS}个工作日（《条例》第三十条）",
    CONSULTATION_EXPIRED: "征求意见期限届满未作处理（《条例》第三十二条、第三十四条）",
    UNDELIVERED: "答复已签发未送达",
    UNARCHIVED: "已送达未归档",
}


@dataclass(frozen=True)
class LapseReport:
    agency: Agency
    as_of: date
    start: date
    end: date
    undelivered_workdays: int
    unarchived_days: int
    lapses: list[Lapse] = field(default_factory=list)

    def of(self, rule: str) -> list[Lapse]:
        return [lapse for lapse in self.lapses if lapse.rule == rule]


def lapses(
    session: Session,
    agency: Agency,
    *,
    as_of: date,
    start: date,
    end: date,
    undelivered_workdays: int = UNDELIVERED_WORKDAYS,
    unarchived_days: int = UNARCHIVED_DAYS,
) -> LapseReport:
    """Procedural lapses under ``agency``:

    - a correction notice (补正告知) sent in ``[start, end]`` after the 7th working day from
      receipt (Art 30), the window from :func:`~gkcase.calendar.clock.correction_notice_deadline`;
    - a consultation (征求意见) still open after its window (15 working days, Art 32, 34) — as of
      ``as_of``;
    - a reply signed (``replied_on``) more than ``undelivered_workdays`` working days before
      ``as_of`` and still not delivered (state ``replied``);
    - a case delivered more than ``unarchived_days`` calendar days before ``as_of`` and still not
      archived (state ``delivered``).
    """
    if undelivered_workdays < 0 or unarchived_days < 0:
        raise ValidationError("天数不能为负数", field="days")
    cal = current_calendar(session)
    found: list[Lapse] = []
    found += _late_confirmations(session, agency, cal, as_of, start, end)
    found += _late_correction_notices(session, agency, cal, start, end)
    found += _expired_consultations(session, agency, as_of)
    found += _undelivered(session, agency, cal, as_of, undelivered_workdays)
    found += _unarchived(session, agency, as_of, unarchived_days)
    found.sort(key=lambda lapse: (lapse.due, lapse.number))
    return LapseReport(agency, as_of, start, end, undelivered_workdays, unarchived_days, found)


#: The channels whose receipt date is the day both sides confirm it (Art 31(二)(三)).
_CONFIRMED_CHANNELS = (Channel.ORDINARY_LETTER.value, Channel.INTERNET.value, Channel.FAX.value)


def _late_confirmations(
    session: Session, agency: Agency, cal: WorkdayCalendar, as_of: date, start: date, end: date
) -> list[Lapse]:
    """Applications that arrived in ``[start, end]`` and were confirmed after the day they had to
    be — an ordinary letter the day it arrived, internet and fax by the agency's policy — or are
    still unconfirmed past it (Art 31; courts do not accept "we did not see it")."""
    from gkcase.services.cases import policy_of

    rows = session.exec(
        select(
            Case.id,
            Case.number,
            Case.agency_id,
            Case.channel,
            Case.arrived_on,
            Case.confirmed_on,
            Agency,
        )
        .join(Agency, Agency.id == Case.agency_id)
        .where(
            case_in(agency),
            col(Case.channel).in_(_CONFIRMED_CHANNELS),
            col(Case.arrived_on) >= start,
            col(Case.arrived_on) <= end,
        )
    ).all()
    found = []
    for case_id, number, agency_id, channel, arrived_on, confirmed_on, home in rows:
        due = confirmation_due(cal, channel, arrived_on, policy_of(home))
        if (confirmed_on or as_of) <= due:
            continue
        how = Channel(channel).label
        if confirmed_on is None:
            detail = (
                f"{how}于 {arrived_on.isoformat()} 到达，应于 {due.isoformat()} 前确认，至今未确认"
            )
        else:
            late = cal.workdays_between(due, confirmed_on)
            detail = (
                f"{how}于 {arrived_on.isoformat()} 到达，应于 {due.isoformat()} 前确认，"
                f"实际 {confirmed_on.isoformat()} 确认（迟 {late} 个工作日）"
            )
        found.append(
            Lapse(LATE_CONFIRMATION, case_id, number, agency_id, due, confirmed_on, detail)
        )
    return found


def _late_correction_notices(
    session: Session, agency: Agency, cal: WorkdayCalendar, start: date, end: date
) -> list[Lapse]:
    rows = session.exec(
        select(Case.id, Case.number, Case.agency_id, Case.receipt_date, CaseEvent.payload)
        .join(CaseEvent, CaseEvent.case_id == Case.id)
        .where(
            case_in(agency),
            CaseEvent.trigger == "request_correction",
            col(CaseEvent.on) >= start,
            col(CaseEvent.on) <= end,
            col(Case.receipt_date).is_not(None),
        )
    ).all()
    found = []
    for case_id, number, agency_id, receipt, payload in rows:
        sent_on = date.fromisoformat(json.loads(payload)["sent_on"])
        # Art 30: 自收到申请之日起7个工作日内一次性告知
        due = correction_notice_deadline(cal, receipt).due
        if sent_on > due:
            late = cal.workdays_between(due, sent_on)
            found.append(
                Lapse(
                    LATE_CORRECTION_NOTICE,
                    case_id,
                    number,
                    agency_id,
                    due,
                    sent_on,
                    f"收到申请之日 {receipt.isoformat()}，应于 {due.isoformat()} 前告知，"
                    f"实际 {sent_on.isoformat()} 发出（迟 {late} 个工作日）",
                )
            )
    return found


def _expired_consultations(session: Session, agency: Agency, as_of: date) -> list[Lapse]:
    rows = session.exec(
        select(Case.id, Case.number, Case.agency_id, Consultation)
        .join(Consultation, Consultation.case_id == Case.id)
        .where(
            case_in(agency),
            not_(Consultation.closed),
            col(Consultation.window_due).is_not(None),
            col(Consultation.window_due) < as_of,
        )
    ).all()
    return [
        Lapse(
            CONSULTATION_EXPIRED,
            case_id,
            number,
            agency_id,
            c.window_due,
            None,
            f"{PauseKind(c.kind).label}「{c.party_name}」，{c.window_due.isoformat()} "
            "期限届满，尚未记录意见或处理结果；答复期限已恢复计算",
        )
        for case_id, number, agency_id, c in rows
    ]


def _undelivered(
    session: Session, agency: Agency, cal: WorkdayCalendar, as_of: date, workdays: int
) -> list[Lapse]:
    # workdays_between(replied_on, as_of) > N  ⇔  replied_on < the N-th working day before as_of
    cutoff = cal.add_workdays(as_of, -workdays) if workdays else as_of + timedelta(days=1)
    rows = session.exec(
        select(Case.id, Case.number, Case.agency_id, Case.replied_on).where(
            case_in(agency),
            Case.state == State.REPLIED.value,
            col(Case.replied_on).is_not(None),
            col(Case.replied_on) < cutoff,
        )
    ).all()
    found = []
    for case_id, number, agency_id, replied_on in rows:
        due = cal.add_workdays(replied_on, workdays)
        waited = cal.workdays_between(replied_on, as_of)
        found.append(
            Lapse(
                UNDELIVERED,
                case_id,
                number,
                agency_id,
                due,
                None,
                f"{replied_on.isoformat()} 签发，已 {waited} 个工作日未送达（限 {workdays} 个工作日）",
            )
        )
    return found


def _unarchived(session: Session, agency: Agency, as_of: date, days: int) -> list[Lapse]:
    delivered = (
        select(Delivery.case_id, func.max(Delivery.delivered_on).label("delivered_on"))
        .group_by(Delivery.case_id)
        .subquery()
    )
    rows = session.exec(
        select(Case.id, Case.number, Case.agency_id, delivered.c.delivered_on)
        .join(delivered, delivered.c.case_id == Case.id)
        .where(
            case_in(agency),
            Case.state == State.DELIVERED.value,
            delivered.c.delivered_on < as_of - timedelta(days=days),
        )
    ).all()
    return [
        Lapse(
            UNARCHIVED,
            case_id,
            number,
            agency_id,
            on + timedelta(days=days),
            None,
            f"{on.isoformat()} 送达，已 {(as_of - on).days} 天未归档（限 {days} 天）",
        )
        for case_id, number, agency_id, on in rows
    ]


__all__ = [
    "RULES",
    "UNARCHIVED_DAYS",
    "UNDELIVERED_WORKDAYS",
    "WEEKS",
    "Breakdown",
    "Counts",
    "Lapse",
    "LapseReport",
    "OnTime",
    "OnTimeReport",
    "Week",
    "breakdown",
    "children_of",
    "find_case",
    "in_scope",
    "lapses",
    "on_time_rate",
    "weekly_flow",
]
