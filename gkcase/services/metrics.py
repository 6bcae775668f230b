"""督查指标 — supervision metrics for a period, and their CSV/XLSX exports.

For replies signed (签发, ``replied_on``) in ``[start, end]`` under an agency's subtree, grouped by
agency, by department (each direct child with its subtree, plus the agency's own cases, 本级) or
by caseworker (承办人, the case's assignee):

- replies (答复件数) and on-time replies (按时: given — delivered, or posted for mail — by
  ``reply_due``; see :func:`gkcase.services.supervision.on_time_condition`) with their rate;
- the extension rate (延期率): replied cases with an ``extend`` event in their history ÷ replies;
- the median working days to reply (办理用时中位数): working days in (``receipt_date``,
  ``replied_on``] on the working-day calendar in force — elapsed time as the applicant waits it,
  so correction periods and clock pauses (consultation, fee window) are *included*;

and, as of a day, the open, overdue, at-risk and paused counts from the predicates of
:mod:`gkcase.services.urgency` (never a stored status).

Two grouped queries whatever the number of cases: the period's replies grouped by (key, receipt
date, reply date) — the median needs each case's figure, and cases sharing both dates share it —
and the open counts grouped by key. Exports never contain applicants' personal data.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from sqlalchemy import case as when
from sqlalchemy import exists, func
from sqlmodel import Session, col, select

from gkcase.errors import ValidationError
from gkcase.models import Agency, Case, CaseEvent, User
from gkcase.services import supervision, urgency
from gkcase.services.calendar import current_calendar
from gkcase.states.machine import Trigger

#: The longest period one metrics query may cover (a report is about a year at most, plus slack).
MAX_PERIOD_DAYS = 3 * 366
UNASSIGNED = "未指定承办人"


class GroupBy(StrEnum):
    """How the metrics table is grouped."""

    AGENCY = "agency"  # 按机关: every agency of the subtree, its own cases only
    DEPARTMENT = "department"  # 按部门: each direct child with its subtree, plus 本级
    CASEWORKER = "caseworker"  # 按承办人: the case's assignee, across the subtree

    @property
    def label(self) -> str:
        return {"agency": "按机关", "department": "按部门", "caseworker": "按承办人"}[self.value]


@dataclass
class MetricsRow:
    """One row of the metrics table."""

    key: int | None  # agency id or user id; None: cases nobody is assigned to
    name: str
    agency: str = ""  # the caseworker's agency (caseworker rows)
    replies: int = 0
    on_time: int = 0
    extended: int = 0
    open: int = 0
    overdue: int = 0
    at_risk: int = 0
    paused: int = 0
    #: working days to reply → number of replies that took that long (cases with a receipt date)
    durations: Counter[int] = field(default_factory=Counter)

    @property
    def late(self) -> int:
        return self.replies - self.on_time

    @property
    def on_time_rate(self) -> float | None:
        """按时答复率, 0–1; None when nothing was replied."""
        return self.on_time / self.replies if self.replies else None

    @property
    def extension_rate(self) -> float | None:
        """延期率, 0–1; None when nothing was replied."""
        return self.extended / self.replies if self.replies else None

    @property
    def median_workdays(self) -> float | None:
        """The median of the working days to reply; None when there is no reply to measure."""
        return _median(self.durations)

    def add(self, other: MetricsRow) -> None:
        self.replies += other.replies
        self.on_time += other.on_time
        self.extended += other.extended
        self.open += other.open
        self.overdue += other.overdue
        self.at_risk += other.at_risk
        self.paused += other.paused
        self.durations.update(other.durations)


@dataclass(frozen=True)
class MetricsReport:
    agency: Agency
    start: date
    end: date
    as_of: date
    by: GroupBy
    risk_workdays: int
    rows: list[MetricsRow]
    total: MetricsRow


def _median(durations: Counter[int]) -> float | None:
    count = sum(durations.values())
    if not count:
        return None
    middle = [(count - 1) // 2, count // 2]  # the same index twice when the count is odd
    found: list[int] = []
    seen = 0
    for value in sorted(durations):
        seen += durations[value]
        while middle and middle[0] < seen:
            found.append(value)
            middle.pop(0)
    return (found[0] + found[1]) / 2


def check_period(start: date, end: date) -> None:
    if end < start:
        raise ValidationError("结束日期不能早于开始日期", field="to")
    if (end - start).days > MAX_PERIOD_DAYS:
        raise ValidationError("统计期间不能超过三年", field="to")


def metrics(
    session: Session,
    agency: Agency,
    *,
    start: date,
    end: date,
    as_of: date,
    by: GroupBy | str = GroupBy.AGENCY,
    risk_workdays: int | None = None,
) -> MetricsReport:
    """The metrics table under ``agency`` (already checked to be in the caller's scope).

    ``risk_workdays`` (临近期限) defaults to ``agency``'s own warning period, as on the dashboard.
    """
    check_period(start, end)
    try:
        group = GroupBy(by)
    except ValueError:
        raise ValidationError("分组须为 agency、department 或 caseworker", field="by") from None
    risk = agency.at_risk_workdays if risk_workdays is None else risk_workdays
    if not 0 <= risk <= 60:
        raise ValidationError("临近期限须在 0–60 个工作日之间", field="risk_workdays")
    cal = current_calendar(session)
    key = Case.assignee_id if group is GroupBy.CASEWORKER else Case.agency_id
    in_subtree = col(Case.agency_id).in_(
        select(Agency.id).where(col(Agency.path).startswith(agency.path))
    )
    per_key: dict[int | None, MetricsRow] = {}

    def row_for(k: int | None) -> MetricsRow:
        return per_key.setdefault(k, MetricsRow(k, ""))

    extended = exists().where(
        CaseEvent.case_id == Case.id, CaseEvent.trigger == Trigger.EXTEND.value
    )
    in_time = supervision.on_time_condition()
    replies = session.exec(
        select(
            key.label("key"),
            Case.receipt_date,
            Case.replied_on,
            func.count().label("replies"),
            _tally(in_time, "on_time"),
            _tally(extended, "extended"),
        )
        .where(in_subtree, col(Case.replied_on) >= start, col(Case.replied_on) <= end)
        .group_by(key, Case.receipt_date, Case.replied_on)
    ).all()
    for r in replies:
        row = row_for(r.key)
        row.replies += r.replies
        row.on_time += r.on_time
        row.extended += r.extended
        if r.receipt_date is not None and r.receipt_date <= r.replied_on:
            row.durations[cal.workdays_between(r.receipt_date, r.replied_on)] += r.replies
    try:
        risky = urgency.at_risk_condition(cal, as_of, risk)
    except (OverflowError, ValueError):
        raise ValidationError("日期超出日历范围", field="as_of") from None
    open_rows = session.exec(
        select(
            key.label("key"),
            _tally(urgency.open_condition(), "open"),
            _tally(urgency.overdue_condition(as_of), "overdue"),
            _tally(risky, "at_risk"),
            _tally(urgency.paused_condition(), "paused"),
        )
        .where(in_subtree)
        .group_by(key)
    ).all()
    for r in open_rows:
        if r.open or r.overdue or r.at_risk or r.paused:
            row = row_for(r.key)
            row.open, row.overdue, row.at_risk, row.paused = r.open, r.overdue, r.at_risk, r.paused
    if group is GroupBy.CASEWORKER:
        rows = _by_caseworker(session, per_key)
    elif group is GroupBy.DEPARTMENT:
        rows = _by_department(session, agency, per_key)
    else:
        rows = _by_agency(session, agency, per_key)
    total = MetricsRow(agency.id, "合计")
    for row in per_key.values():
        total.add(row)
    return MetricsReport(agency, start, end, as_of, group, risk, rows, total)


def _tally(condition: Any, label: str) -> Any:
    return func.coalesce(func.sum(when((condition, 1), else_=0)), 0).label(label)


def _name(agency: Agency) -> str:
    return agency.short_name or agency.name


def _subtree(session: Session, agency: Agency) -> list[Agency]:
    return list(
        session.exec(
            select(Agency).where(col(Agency.path).startswith(agency.path)).order_by(Agency.path)
        )
    )


def _by_agency(
    session: Session, agency: Agency, per_key: dict[int | None, MetricsRow]
) -> list[MetricsRow]:
    """Every agency of the subtree with any figure, in tree order (the agency itself first)."""
    rows = []
    for a in _subtree(session, agency):
        if a.id in per_key:
            row = per_key[a.id]
            row.name = _name(a)
            rows.append(row)
    return rows


def _by_department(
    session: Session, agency: Agency, per_key: dict[int | None, MetricsRow]
) -> list[MetricsRow]:
    """The agency's own cases (本级, when it has any), then every direct child with its subtree."""
    paths = {a.id: a.path for a in _subtree(session, agency)}
    own = MetricsRow(agency.id, f"{_name(agency)}（本级）")
    departments = [
        MetricsRow(child.id, _name(child)) for child in supervision.children_of(session, agency)
    ]
    child_paths = [(paths[d.key], d) for d in departments]
    for agency_id, row in per_key.items():
        path = paths.get(agency_id, "")
        target = next((d for p, d in child_paths if path.startswith(p)), own)
        target.add(row)
    has_own = own.replies or own.open
    return ([own] if has_own else []) + departments


def _by_caseworker(session: Session, per_key: dict[int | None, MetricsRow]) -> list[MetricsRow]:
    """Each assignee with any figure, by name; cases nobody is assigned to last."""
    ids = [k for k in per_key if k is not None]
    people = {}
    if ids:
        people = {
            u.id: (u.full_name, _name(a))
            for u, a in session.exec(
                select(User, Agency)
                .join(Agency, col(Agency.id) == User.agency_id)
                .where(col(User.id).in_(ids))
            )
        }
    for k, row in per_key.items():
        row.name, row.agency = (
            people.get(k, (UNASSIGNED, "")) if k is not None else (UNASSIGNED, "")
        )
    return sorted(per_key.values(), key=lambda r: (r.key is None, r.agency, r.name))


# --- lapses for export ----------------------------------------------------------------------


@dataclass(frozen=True)
class LapseRow:
    """A procedural lapse as exported and mailed: no applicant or third-party data, only the
    case number, agency, caseworker, dates and rule."""

    case_id: int
    number: str
    agency: str
    caseworker: str
    assignee_id: int | None
    rule: str
    rule_label: str
    due: date
    happened: date | None


def lapse_rows(session: Session, report: supervision.LapseReport) -> list[LapseRow]:
    """The lapses of ``report`` with their agency's and caseworker's names (one query)."""
    ids = {lapse.case_id for lapse in report.lapses}
    who: dict[int, tuple[str, str, int | None]] = {}
    if ids:
        rows = session.exec(
            select(Case.id, Agency.short_name, Agency.name, Case.assignee_id, User.full_name)
            .join(Agency, col(Agency.id) == Case.agency_id)
            .join(User, col(User.id) == Case.assignee_id, isouter=True)
            .where(col(Case.id).in_(ids))
        ).all()
        who = {r[0]: (r[1] or r[2], r[4] or UNASSIGNED, r[3]) for r in rows}
    found = []
    for lapse in report.lapses:
        agency, caseworker, assignee = who.get(lapse.case_id, ("", UNASSIGNED, None))
        found.append(
            LapseRow(
                lapse.case_id,
                lapse.number,
                agency,
                caseworker,
                assignee,
                lapse.rule,
                lapse.rule_label,
                lapse.due,
                lapse.happened,
            )
        )
    return found


# --- exports --------------------------------------------------------------------------------

#: kind of each exported column: "int", "rate" (0–1, shown as a percentage), "num", "date", "text"
_METRIC_COLUMNS = [
    ("名称", "text"),
    ("答复件数", "int"),
    ("按时答复", "int"),
    ("超期答复", "int"),
    ("按时答复率", "rate"),
    ("延期件数", "int"),
    ("延期率", "rate"),
    ("办理用时中位数（工作日）", "num"),
    ("办理中", "int"),
    ("已逾期", "int"),
    ("临近期限", "int"),
    ("计时暂停", "int"),
]
_LAPSE_COLUMNS = [
    ("案件编号", "text"),
    ("机关", "text"),
    ("承办人", "text"),
    ("问题", "text"),
    ("应办日期", "date"),
    ("实际日期", "date"),
]


def _metric_values(row: MetricsRow, by: GroupBy) -> list[Any]:
    values = [
        row.name,
        row.replies,
        row.on_time,
        row.late,
        row.on_time_rate,
        row.extended,
        row.extension_rate,
        row.median_workdays,
        row.open,
        row.overdue,
        row.at_risk,
        row.paused,
    ]
    if by is GroupBy.CASEWORKER:
        values.insert(1, row.agency)
    return values


def _metric_table(report: MetricsReport) -> tuple[list[tuple[str, str]], list[list[Any]]]:
    columns = list(_METRIC_COLUMNS)
    if report.by is GroupBy.CASEWORKER:
        columns.insert(1, ("机关", "text"))
    rows = [_metric_values(r, report.by) for r in report.rows]
    total = _metric_values(report.total, report.by)
    rows.append(total)
    return columns, rows


def _lapse_table(rows: list[LapseRow]) -> tuple[list[tuple[str, str]], list[list[Any]]]:
    return _LAPSE_COLUMNS, [
        [r.number, r.agency, r.caseworker, r.rule_label, r.due, r.happened] for r in rows
    ]


def _csv_cell(value: Any, kind: str) -> str:
    if value is None:
        return ""
    if kind == "rate":
        return f"{value * 100:.1f}%"
    if kind == "num":
        return f"{value:g}"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _csv(columns: list[tuple[str, str]], rows: list[list[Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([name for name, _ in columns])
    for row in rows:
        writer.writerow([_csv_cell(v, kind) for v, (_, kind) in zip(row, columns, strict=True)])
    return out.getvalue().encode("utf-8-sig")  # the BOM lets Excel read it as UTF-8


def _xlsx(title: str, columns: list[tuple[str, str]], rows: list[list[Any]]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = title
    sheet.append([name for name, _ in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    formats = {"rate": "0.0%", "num": "0.0", "int": "0", "date": "yyyy-mm-dd"}
    for values in rows:
        sheet.append(values)
        for cell, (_, kind) in zip(sheet[sheet.max_row], columns, strict=True):
            if kind in formats and cell.value is not None:
                cell.number_format = formats[kind]
    for index, (name, _) in enumerate(columns, start=1):
        letter = sheet.cell(row=1, column=index).column_letter
        sheet.column_dimensions[letter].width = max(10, len(name) * 2 + 2)
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def metrics_csv(report: MetricsReport) -> bytes:
    """The metrics table (and its total) as CSV, UTF-8 with a BOM."""
    return _csv(*_metric_table(report))


def metrics_xlsx(report: MetricsReport) -> bytes:
    """The metrics table as an XLSX sheet: bold header, numbers as numbers, rates as %."""
    return _xlsx("督查指标", *_metric_table(report))


def lapses_csv(rows: list[LapseRow]) -> bytes:
    """The procedural lapses as CSV, UTF-8 with a BOM."""
    return _csv(*_lapse_table(rows))


def lapses_xlsx(rows: list[LapseRow]) -> bytes:
    """The procedural lapses as an XLSX sheet."""
    return _xlsx("程序问题", *_lapse_table(rows))


def export_name(kind: str, agency: Agency, start: date, end: date, suffix: str) -> str:
    """An ASCII file name for a download: ``metrics-FGW-20260101-20260331.csv``."""
    return f"{kind}-{agency.code}-{start:%Y%m%d}-{end:%Y%m%d}.{suffix}"


__all__ = [
    "GroupBy",
    "LapseRow",
    "MetricsReport",
    "MetricsRow",
    "check_period",
    "export_name",
    "lapse_rows",
    "lapses_csv",
    "lapses_xlsx",
    "metrics",
    "metrics_csv",
    "metrics_xlsx",
]
