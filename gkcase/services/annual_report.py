"""政府信息公开工作年度报告 — table 三「收到和处理政府信息公开申请情况」 and table 四「政府信息公开
行政复议、行政诉讼情况」 of an agency's annual report (Art 49, 50; format 国办公开办函〔2021〕30号,
or the 2019 trial format 国办公开办函〔2019〕60号), the period lock, and the flags on later edits.

The counting rules are in one place, :func:`_count_application` and :func:`_count_remedy`: SQL
only sorts each case's dates into a :class:`Period` relative to the year and groups them (a few
hundred rows however many cases), and the rules turn the groups into cells. Cases reopened after
a review decision or judgment are counted by their *first* conclusion, read from their events,
so a past year's numbers do not move when a case is reopened (docs/annual-report.md).

A locked report (:class:`~gkcase.models.ReportLock`) keeps the numbers as published, with the
SHA-256 of their canonical JSON; the live numbers are shown beside them with the differences.
:func:`flag_change` is the hook :func:`gkcase.services.cases.fire` and ``register`` call: an
action that changes a fact a locked report counted is recorded in the same transaction.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    Date,
    DateTime,
    Integer,
    String,
    and_,
    bindparam,
    cast,
    func,
    insert,
    literal_column,
    not_,
    or_,
)
from sqlalchemy import case as when
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from gkcase.calendar.arrangement import MAX_YEAR, MIN_YEAR
from gkcase.errors import GkcaseError, ValidationError
from gkcase.models import (
    Agency,
    ApplicantType,
    Case,
    CaseEvent,
    Remedy,
    ReportLock,
    ReportLockFlag,
    User,
)
from gkcase.services.supervision import case_in, in_scope
from gkcase.states.machine import PermissionDenied, Role, Trigger
from gkcase.states.outcomes import (
    OUTCOMES,
    OutcomeGroup,
    ReportRow,
    ReportRow2019,
    report_row_2019,
)
from gkcase.states.payloads import Proceeding, RecordRemedy, RemedyResult

# --- what the report is about ---------------------------------------------------------------


class Scope(StrEnum):
    """Whose cases a report counts: the agency's own, or the agency and every agency below it."""

    OWN = "own"  # 本机关
    SUBTREE = "subtree"  # 本机关及下级机关（汇总）

    @property
    def label(self) -> str:
        return "本机关" if self is Scope.OWN else "本机关及下级机关汇总"


class ReportFormat(StrEnum):
    """The published layout: 2021 (国办公开办函〔2021〕30号) or the 2019 trial format (〔2019〕60号)."""

    F2021 = "2021"
    F2019 = "2019"

    @property
    def label(self) -> str:
        return _FORMAT_LABELS[self]


_FORMAT_LABELS = {
    ReportFormat.F2021: "2021年格式（国办公开办函〔2021〕30号）",
    ReportFormat.F2019: "2019年格式（国办公开办函〔2019〕60号）",
}

#: The six 申请人情况 columns of table 三, in table order; 总计 follows them.
APPLICANT_COLUMNS: tuple[ApplicantType, ...] = tuple(ApplicantType)
TOTAL_HEADER = "总计"
NATURAL_PERSON_HEADER = "自然人"
ORGANISATION_HEADER = "法人或其他组织"

# Table 三's rows besides the result leaves (ReportRow values).
NEW = "new"  # 一、本年新收
CARRIED_IN = "carried_in"  # 二、上年结转
TOTAL = "total"  # 三（七）总计
CARRIED_OUT = "carried_out"  # 四、结转下年度继续办理

ROW_LABELS = {
    NEW: "一、本年新收政府信息公开申请数量",
    CARRIED_IN: "二、上年结转政府信息公开申请数量",
    TOTAL: "（七）总计",
    CARRIED_OUT: "四、结转下年度继续办理",
}
RESULTS_HEADING = "三、本年度办理结果"
TABLE3_TITLE = "三、收到和处理政府信息公开申请情况"
TABLE4_TITLE = "四、政府信息公开行政复议、行政诉讼情况"
#: The note printed in table 三's header (both formats).
TABLE3_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"

#: Table 四's three blocks and each block's five cells, in table order.
PROCEEDINGS: tuple[Proceeding, ...] = (
    Proceeding.REVIEW,
    Proceeding.LITIGATION_DIRECT,
    Proceeding.LITIGATION_AFTER_REVIEW,
)
PROCEEDING_LABELS = {
    Proceeding.REVIEW: "行政复议",
    Proceeding.LITIGATION_DIRECT: "未经复议直接起诉",
    Proceeding.LITIGATION_AFTER_REVIEW: "复议后起诉",
}
LITIGATION_HEADER = "行政诉讼"
RESULT_CELLS: tuple[RemedyResult, ...] = (
    RemedyResult.MAINTAINED,
    RemedyResult.CORRECTED,
    RemedyResult.OTHER,
    RemedyResult.PENDING,
)
RESULT_LABELS = {
    RemedyResult.MAINTAINED: "结果维持",
    RemedyResult.CORRECTED: "结果纠正",
    RemedyResult.OTHER: "其他结果",
    RemedyResult.PENDING: "尚未审结",
}

#: Triggers that conclude an application, and the payload field holding the day it concluded:
#: 签发 (the reply's date) or the closing without a reply (Art 30, 109号, withdrawal).
CONCLUDING = {
    "sign": "signed_on",
    "correction_lapsed": "closed_on",
    "fee_lapsed": "closed_on",
    "withdraw": "withdrawn_on",
}
REOPEN = "reopen"

#: Who may see an agency's report, and who may lock it (docs/annual-report.md).
VIEW_ROLES = (Role.SUPERVISOR, Role.OFFICE_HEAD, Role.ADMIN)


class ReportLocked(GkcaseError):
    """The report is already locked: a lock is never replaced or removed."""

    code = "report.locked"


# --- counting rules ---------------------------------------------------------------------------


class Period(StrEnum):
    """Where a date falls relative to the report's year."""

    BEFORE = "before"
    IN = "in"
    AFTER = "after"
    NONE = "none"  # no date: not concluded, no result


def period(day: date | None, year: int) -> Period:
    if day is None:
        return Period.NONE
    if day.year < year:
        return Period.BEFORE
    return Period.IN if day.year == year else Period.AFTER


def _period_sql(expr: Any, year: int) -> Any:
    """:func:`period` in SQL, for grouping."""
    return when(
        (expr.is_(None), Period.NONE.value),
        (expr < date(year, 1, 1), Period.BEFORE.value),
        (expr <= date(year, 12, 31), Period.IN.value),
        else_=Period.AFTER.value,
    )


def concluded_on(receipt: date, concluded: date | None) -> date | None:
    """The day an application counts as concluded: its reply's 签发 date, or the day it closed
    without a reply. A conclusion dated before the 收到申请之日 (a withdrawal before the receipt
    date was fixed) counts on the receipt date, so no case is concluded before it is received."""
    if concluded is None:
        return None
    return max(receipt, concluded)


def _count_application(
    table: dict[str, list[int]],
    column: int,
    received: Period,
    concluded: Period,
    outcome: str | None,
    n: int,
) -> None:
    """Count ``n`` applications of one applicant column (gkcase's rules; docs/annual-report.md).

    - 一、本年新收: the 收到申请之日 (Art 31) falls in the year; a case whose receipt date is not
      yet fixed (awaiting confirmation) is not counted anywhere until it is.
    - 二、上年结转: received before the year and not concluded before it.
    - 三、办理结果: concluded in the year, in the row of its outcome (ReportRow).
    - 四、结转下年度: received by the year's end and not concluded by it.
    """
    if received is Period.IN:
        table[NEW][column] += n
    elif received is not Period.BEFORE or concluded is Period.BEFORE:
        return  # received after the year, or wholly before it
    else:
        table[CARRIED_IN][column] += n
    if concluded is Period.IN:
        table[OUTCOMES[outcome].report_row.value][column] += n
    else:
        table[CARRIED_OUT][column] += n


def _count_remedy(
    table: dict[str, list[int]], kind: str, result: str, decided: Period, n: int
) -> None:
    """Count ``n`` 行政复议/行政诉讼 of one kind, filed by the year's end (gkcase's rules):
    a result counts in the year of its date (``result_on``; a result recorded without a date
    counts by the filing date); 尚未审结 = without a result by the year's end."""
    if result != RemedyResult.PENDING.value and decided is Period.IN:
        table[kind][RESULT_CELLS.index(RemedyResult(result))] += n
    elif result == RemedyResult.PENDING.value or decided is Period.AFTER:
        table[kind][RESULT_CELLS.index(RemedyResult.PENDING)] += n


def _column(kind: str) -> int:
    """The applicant column of a stored ``applicant_kind``; an unknown kind counts as 其他."""
    try:
        return APPLICANT_COLUMNS.index(ApplicantType(kind))
    except ValueError:
        return APPLICANT_COLUMNS.index(ApplicantType.OTHER)


# --- the numbers -----------------------------------------------------------------------------

TABLE3_KEYS: tuple[str, ...] = (NEW, CARRIED_IN, *(r.value for r in ReportRow), TOTAL, CARRIED_OUT)


@dataclass(frozen=True)
class Counts:
    """The numbers of tables 三 and 四, as published (2021 leaves; the 2019 layout is a roll-up).

    ``table3[key]`` holds 7 cells: the six applicant columns and 总计; keys are
    :data:`TABLE3_KEYS`. ``table4[kind]`` holds 5 cells: 维持, 纠正, 其他, 尚未审结, 总计.
    """

    table3: Mapping[str, tuple[int, ...]]
    table4: Mapping[str, tuple[int, ...]]

    @classmethod
    def from_tallies(
        cls, table3: Mapping[str, list[int]], table4: Mapping[str, list[int]]
    ) -> Counts:
        """Complete raw tallies: the 总计 column, and （七）总计 as the sum of the leaves."""
        rows = {key: list(table3[key]) for key in TABLE3_KEYS if key != TOTAL}
        rows[TOTAL] = [sum(rows[r.value][i] for r in ReportRow) for i in range(6)]
        t3 = {key: (*rows[key], sum(rows[key])) for key in TABLE3_KEYS}
        t4 = {p.value: (*table4[p.value], sum(table4[p.value])) for p in PROCEEDINGS}
        return cls(t3, t4)

    def as_json(self) -> dict[str, Any]:
        return {
            "table3": {key: list(self.table3[key]) for key in TABLE3_KEYS},
            "table4": {p.value: list(self.table4[p.value]) for p in PROCEEDINGS},
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Counts:
        return cls(
            {key: tuple(data["table3"][key]) for key in TABLE3_KEYS},
            {p.value: tuple(data["table4"][p.value]) for p in PROCEEDINGS},
        )

    def row(self, key: str, fmt: ReportFormat = ReportFormat.F2021) -> tuple[int, ...]:
        """A row's 7 cells; in the 2019 format ``"6"`` is （六）其他处理, the three leaves summed."""
        if fmt is ReportFormat.F2019 and key in ReportRow2019._value2member_map_:
            leaves = [self.table3[r.value] for r in ReportRow if report_row_2019(r).value == key]
            return tuple(sum(cells) for cells in zip(*leaves, strict=True))
        return self.table3[key]


def canonical_json(data: Any) -> str:
    """The bytes a snapshot's SHA-256 is taken over: sorted keys, no spaces, UTF-8."""
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


# --- counting in the database ---------------------------------------------------------------


def _cases_of(agency: Agency, scope: Scope, *, by_agency_index: bool = True) -> Any:
    """The cases a report covers. ``by_agency_index=False`` for a year's cases of a subtree:
    the dates select them better, and SQLite would otherwise read most of the table through the
    agency index (``agency_id + 0`` hides the column from index choice, nothing else)."""
    if scope is Scope.OWN:
        return Case.agency_id == agency.id
    if by_agency_index:
        return case_in(agency)
    subtree = select(Agency.id).where(col(Agency.path).startswith(agency.path))
    return (col(Case.agency_id) + 0).in_(subtree)


def _reopened() -> Any:
    """Ids of cases with a reopening: the literal lets both databases use the partial index."""
    return select(CaseEvent.case_id).where(CaseEvent.trigger == literal_column(f"'{REOPEN}'"))


def _empty3() -> dict[str, list[int]]:
    return {key: [0] * 6 for key in TABLE3_KEYS if key != TOTAL}


def count_applications(
    session: Session, agency: Agency, scope: Scope, year: int
) -> dict[str, list[int]]:
    """Table 三's raw tallies (six applicant columns, no totals) for ``year``."""
    start, end = date(year, 1, 1), date(year, 12, 31)
    table = _empty3()
    conclusion = func.coalesce(Case.replied_on, Case.closed_on)
    effective = when((conclusion < Case.receipt_date, Case.receipt_date), else_=conclusion)
    inner = (
        select(
            Case.applicant_kind.label("kind"),
            _period_sql(Case.receipt_date, year).label("received"),
            _period_sql(effective, year).label("concluded"),
            when((and_(effective >= start, effective <= end), Case.outcome)).label("outcome"),
        )
        .where(
            _cases_of(agency, scope, by_agency_index=False),
            col(Case.receipt_date).is_not(None),
            col(Case.receipt_date) <= end,
            # effective is None or >= start, spelt so that each branch has an index
            # (ix_gk_case_concluded, ix_gk_case_receipt_date): effective = max(receipt, conclusion)
            or_(conclusion.is_(None), conclusion >= start, col(Case.receipt_date) >= start),
            not_(col(Case.id).in_(_reopened())),
        )
        .subquery()
    )
    # Grouped over a subquery: PostgreSQL cannot match the CASE expressions' bound parameters
    # between the select list and GROUP BY.
    grouped = session.exec(
        select(
            inner.c.kind, inner.c.received, inner.c.concluded, inner.c.outcome, func.count()
        ).group_by(inner.c.kind, inner.c.received, inner.c.concluded, inner.c.outcome)
    ).all()
    for kind, received, concluded, outcome, n in grouped:
        _count_application(table, _column(kind), Period(received), Period(concluded), outcome, n)
    for kind, receipt, (concluded, outcome) in _first_conclusions(session, agency, scope, end):
        _count_application(
            table,
            _column(kind),
            period(receipt, year),
            period(concluded_on(receipt, concluded), year),
            outcome,
            1,
        )
    return table


def _first_conclusions(
    session: Session, agency: Agency, scope: Scope, end: date
) -> Iterable[tuple[str, date, tuple[date, str]]]:
    """Reopened cases received by ``end``: (applicant kind, receipt date, (first conclusion's
    date, its outcome)), from the events (a case is reopened only after it concluded)."""
    rows = session.exec(
        select(
            Case.id, Case.applicant_kind, Case.receipt_date, CaseEvent.trigger, CaseEvent.payload
        )
        .join(CaseEvent, CaseEvent.case_id == Case.id)
        .where(
            col(Case.id).in_(_reopened()),
            _cases_of(agency, scope),
            col(Case.receipt_date).is_not(None),
            col(Case.receipt_date) <= end,
            col(CaseEvent.trigger).in_(CONCLUDING),
        )
        .order_by(col(Case.id), col(CaseEvent.seq))
    ).all()
    found: dict[int, tuple[str, date, tuple[date, str]]] = {}
    for case_id, kind, receipt, trigger, payload in rows:
        if case_id not in found:
            stored = json.loads(payload)
            conclusion = (date.fromisoformat(stored[CONCLUDING[trigger]]), stored["outcome"])
            found[case_id] = (kind, receipt, conclusion)
    return found.values()


def count_remedies(
    session: Session, agency: Agency, scope: Scope, year: int
) -> dict[str, list[int]]:
    """Table 四's raw tallies (four cells per proceeding, no totals) for ``year``."""
    start, end = date(year, 1, 1), date(year, 12, 31)
    table = {p.value: [0] * 4 for p in PROCEEDINGS}
    decided = func.coalesce(Remedy.result_on, Remedy.filed_on)
    inner = (
        select(
            Remedy.kind.label("kind"),
            Remedy.result.label("result"),
            _period_sql(decided, year).label("decided"),
        )
        .join(Case, Case.id == Remedy.case_id)
        .where(
            _cases_of(agency, scope),
            col(Remedy.filed_on) <= end,
            or_(Remedy.result == RemedyResult.PENDING.value, decided >= start),
        )
        .subquery()
    )
    grouped = session.exec(
        select(inner.c.kind, inner.c.result, inner.c.decided, func.count()).group_by(
            inner.c.kind, inner.c.result, inner.c.decided
        )
    ).all()
    for kind, result, decided_period, n in grouped:
        if kind in table:
            _count_remedy(table, kind, result, Period(decided_period), n)
    return table


def live_counts(session: Session, agency: Agency, scope: Scope, year: int) -> Counts:
    """The numbers as the cases stand now."""
    return Counts.from_tallies(
        count_applications(session, agency, scope, year),
        count_remedies(session, agency, scope, year),
    )


# --- identities ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    """One of the table's 勾稽关系, and whether the numbers satisfy it."""

    name: str  # in Chinese, as shown
    ok: bool
    detail: str  # the failing cells, or empty


def checks(counts: Counts) -> list[Check]:
    """The identities every published table must satisfy (legal-reference §8)."""
    t3, t4 = counts.table3, counts.table4
    headers = [*(t.label for t in APPLICANT_COLUMNS), TOTAL_HEADER]
    found = []

    def check(name: str, failures: list[str]) -> None:
        found.append(Check(name, not failures, "；".join(failures)))

    check(
        "第一项加第二项之和，等于第三项加第四项之和",
        [
            f"{headers[i]}：{t3[NEW][i]}+{t3[CARRIED_IN][i]}≠{t3[TOTAL][i]}+{t3[CARRIED_OUT][i]}"
            for i in range(7)
            if t3[NEW][i] + t3[CARRIED_IN][i] != t3[TOTAL][i] + t3[CARRIED_OUT][i]
        ],
    )
    check(
        "（七）总计等于（一）至（六）各项之和",
        [
            f"{headers[i]}：{t3[TOTAL][i]}≠{total}"
            for i in range(7)
            if t3[TOTAL][i] != (total := sum(t3[r.value][i] for r in ReportRow))
        ],
    )
    check(
        "总计列等于各类申请人之和",
        [
            f"{_key_label(key)}：{t3[key][6]}≠{sum(t3[key][:6])}"
            for key in TABLE3_KEYS
            if t3[key][6] != sum(t3[key][:6])
        ],
    )
    check(
        "表四各项总计等于其前四项之和",
        [
            f"{PROCEEDING_LABELS[p]}：{t4[p.value][4]}≠{sum(t4[p.value][:4])}"
            for p in PROCEEDINGS
            if t4[p.value][4] != sum(t4[p.value][:4])
        ],
    )
    return found


def _key_label(key: str) -> str:
    """A row's name where it stands alone: ``（六）3.其他``."""
    if key in ROW_LABELS:
        return ROW_LABELS[key]
    row = ReportRow(key)
    return row.table_label if row.item is None else f"{row.group.heading}{row.table_label}"


# --- the report as shown -------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    """One printed row of table 三. ``group`` is the （三）–（六） heading the row sits under (for
    the merged cell of the official layout), ``first_in_group``/``group_size`` place it."""

    key: str
    label: str
    cells: tuple[int, ...]
    section: str  # "new", "carried_in", "results", "carried_out"
    group: str = ""
    first_in_group: bool = False
    group_size: int = 0


def lines(counts: Counts, fmt: ReportFormat) -> list[Line]:
    """Table 三 as published in ``fmt``: 一, 二, every result row of 三 and （七）总计, 四."""
    rows: list[Line] = [
        Line(NEW, ROW_LABELS[NEW], counts.row(NEW), NEW),
        Line(CARRIED_IN, ROW_LABELS[CARRIED_IN], counts.row(CARRIED_IN), CARRIED_IN),
    ]
    leaves: list[ReportRow | ReportRow2019] = list(
        ReportRow if fmt is ReportFormat.F2021 else ReportRow2019
    )
    sizes: dict[OutcomeGroup, int] = {}  # groups whose rows are numbered sub-items
    for leaf in leaves:
        if "." in leaf.value:
            sizes[leaf.group] = sizes.get(leaf.group, 0) + 1
    seen: set[OutcomeGroup] = set()
    for leaf in leaves:
        grouped = leaf.group in sizes
        first = grouped and leaf.group not in seen
        seen.add(leaf.group)
        rows.append(
            Line(
                leaf.value,
                leaf.table_label,
                counts.row(leaf.value, fmt),
                "results",
                f"{leaf.group.heading}{leaf.group.label}" if grouped else "",
                first,
                sizes.get(leaf.group, 0),
            )
        )
    rows.append(Line(TOTAL, ROW_LABELS[TOTAL], counts.row(TOTAL), "results"))
    rows.append(Line(CARRIED_OUT, ROW_LABELS[CARRIED_OUT], counts.row(CARRIED_OUT), CARRIED_OUT))
    return rows


@dataclass(frozen=True)
class Difference:
    """A cell whose live number differs from the locked one."""

    table: str  # "三" or "四"
    row: str
    column: str
    locked: int
    live: int


def differences(locked: Counts, live: Counts) -> list[Difference]:
    found = []
    headers = [*(t.label for t in APPLICANT_COLUMNS), TOTAL_HEADER]
    for key in TABLE3_KEYS:
        for i, (a, b) in enumerate(zip(locked.table3[key], live.table3[key], strict=True)):
            if a != b:
                found.append(Difference("三", _key_label(key), headers[i], a, b))
    cells = [*(RESULT_LABELS[r] for r in RESULT_CELLS), TOTAL_HEADER]
    for p in PROCEEDINGS:
        for i, (a, b) in enumerate(zip(locked.table4[p.value], live.table4[p.value], strict=True)):
            if a != b:
                found.append(Difference("四", PROCEEDING_LABELS[p], cells[i], a, b))
    return found


@dataclass(frozen=True)
class FlagView:
    case_id: int
    number: str
    event_seq: int
    trigger: str
    on: date
    at: datetime

    @property
    def trigger_label(self) -> str:
        return "登记申请" if self.trigger == "register" else Trigger(self.trigger).label


@dataclass(frozen=True)
class LockView:
    id: int
    sha256: str
    locked_by: str
    locked_on: date
    locked_at: datetime
    note: str
    counts: Counts
    intact: bool  # the stored snapshot still hashes to the stored SHA-256
    flags: list[FlagView] = field(default_factory=list)


@dataclass(frozen=True)
class AgencyRef:
    """The agency a report is about (a plain copy: a report outlives its session)."""

    id: int
    code: str
    name: str
    short_name: str


@dataclass(frozen=True)
class AnnualReport:
    """An agency's tables 三 and 四 for a year: as published (the lock's snapshot, once locked)
    and as the cases stand now."""

    agency: AgencyRef
    year: int
    scope: Scope
    fmt: ReportFormat
    live: Counts
    lock: LockView | None
    can_lock: bool

    @property
    def published(self) -> Counts:
        return self.lock.counts if self.lock else self.live

    @property
    def lines(self) -> list[Line]:
        return lines(self.published, self.fmt)

    @property
    def live_lines(self) -> list[Line]:
        return lines(self.live, self.fmt)

    @property
    def checks(self) -> list[Check]:
        return checks(self.published)

    @property
    def checks_ok(self) -> bool:
        return all(c.ok for c in self.checks)

    @property
    def differences(self) -> list[Difference]:
        return differences(self.lock.counts, self.live) if self.lock else []

    def as_json(self) -> dict[str, Any]:
        """The report for the JSON API (and the CLI)."""

        def table3(counts: Counts) -> list[dict[str, Any]]:
            return [
                {"key": line.key, "label": line.label, "cells": list(line.cells)}
                for line in lines(counts, self.fmt)
            ]

        def table4(counts: Counts) -> dict[str, list[int]]:
            return {p.value: list(counts.table4[p.value]) for p in PROCEEDINGS}

        lock = None
        if self.lock:
            lock = {
                "sha256": self.lock.sha256,
                "locked_by": self.lock.locked_by,
                "locked_on": self.lock.locked_on.isoformat(),
                "locked_at": self.lock.locked_at.isoformat(),
                "note": self.lock.note,
                "intact": self.lock.intact,
                "differences": [d.__dict__ for d in self.differences],
                "flags": [
                    {
                        "case_id": f.case_id,
                        "number": f.number,
                        "event_seq": f.event_seq,
                        "trigger": f.trigger,
                        "on": f.on.isoformat(),
                    }
                    for f in self.lock.flags
                ],
                "live": {"table3": table3(self.live), "table4": table4(self.live)},
            }
        return {
            "agency": {"id": self.agency.id, "code": self.agency.code, "name": self.agency.name},
            "year": self.year,
            "scope": self.scope.value,
            "format": self.fmt.value,
            "columns": [*(t.value for t in APPLICANT_COLUMNS), "total"],
            "column_labels": [*(t.label for t in APPLICANT_COLUMNS), TOTAL_HEADER],
            "table3": table3(self.published),
            "table4": table4(self.published),
            "table4_cells": [*(r.value for r in RESULT_CELLS), "total"],
            "checks": [c.__dict__ for c in self.checks],
            "locked": lock is not None,
            "lock": lock,
            "can_lock": self.can_lock,
        }


# --- the official layout, and the exports -----------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """One cell of a table as published, HTML-style: cells a span covers are left out."""

    value: str | int
    rowspan: int = 1
    colspan: int = 1
    header: bool = False


def table3_grid(counts: Counts, fmt: ReportFormat) -> list[list[Cell]]:
    """Table 三 in the official layout: three label columns (一–四; the result group; the
    numbered item), then 自然人, 法人或其他组织 (five columns) and 总计 under 申请人情况."""
    body = lines(counts, fmt)
    results = sum(1 for line in body if line.section == "results")
    grid: list[list[Cell]] = [
        [
            Cell(TABLE3_NOTE, rowspan=3, colspan=3, header=True),
            Cell("申请人情况", colspan=7, header=True),
        ],
        [
            Cell(NATURAL_PERSON_HEADER, rowspan=2, header=True),
            Cell(ORGANISATION_HEADER, colspan=5, header=True),
            Cell(TOTAL_HEADER, rowspan=2, header=True),
        ],
        [Cell(t.label, header=True) for t in APPLICANT_COLUMNS[1:]],
    ]
    first_result = True
    for line in body:
        numbers = [Cell(n) for n in line.cells]
        if line.section != "results":
            grid.append([Cell(line.label, colspan=3, header=True), *numbers])
            continue
        row: list[Cell] = []
        if first_result:
            row.append(Cell(RESULTS_HEADING, rowspan=results, header=True))
            first_result = False
        if not line.group:
            row.append(Cell(line.label, colspan=2, header=True))
        else:
            if line.first_in_group:
                row.append(Cell(line.group, rowspan=line.group_size, header=True))
            row.append(Cell(line.label, header=True))
        grid.append(row + numbers)
    return grid


def table4_grid(counts: Counts) -> list[list[Cell]]:
    """Table 四 in the official layout: 行政复议 (five cells), then 行政诉讼 split into 未经复议直接
    起诉 and 复议后起诉 (five cells each); one row of 15 numbers."""
    results = [*(RESULT_LABELS[r] for r in RESULT_CELLS), TOTAL_HEADER]
    review, direct, after_review = PROCEEDINGS
    return [
        [
            Cell(PROCEEDING_LABELS[review], colspan=5, header=True),
            Cell(LITIGATION_HEADER, colspan=10, header=True),
        ],
        [
            *(Cell(label, rowspan=2, header=True) for label in results),
            Cell(PROCEEDING_LABELS[direct], colspan=5, header=True),
            Cell(PROCEEDING_LABELS[after_review], colspan=5, header=True),
        ],
        [Cell(label, header=True) for label in results * 2],
        [Cell(n) for p in PROCEEDINGS for n in counts.table4[p.value]],
    ]


def placed(grid: list[list[Cell]]) -> list[tuple[int, int, Cell]]:
    """(row, column, cell) of every cell of an HTML-style grid, 0-based, spans resolved."""
    taken: set[tuple[int, int]] = set()
    found = []
    for r, row in enumerate(grid):
        c = 0
        for cell in row:
            while (r, c) in taken:
                c += 1
            found.append((r, c, cell))
            taken.update(
                (r + dr, c + dc) for dr in range(cell.rowspan) for dc in range(cell.colspan)
            )
            c += cell.colspan
    return found


def title_of(report: AnnualReport) -> str:
    return f"{report.agency.name}{report.year}年政府信息公开工作年度报告"


def filename_of(report: AnnualReport, extension: str) -> str:
    scope = "" if report.scope is Scope.OWN else "-汇总"
    return f"{report.agency.code}-{report.year}{scope}-年度报表-{report.fmt.value}.{extension}"


def to_csv(report: AnnualReport) -> bytes:
    """The published numbers as CSV, UTF-8 with a BOM (Excel opens it as such): table 三 one row
    per report row (its three label columns, the six applicant columns and 总计), then table 四
    one row per proceeding."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    counts = report.published
    writer.writerow([title_of(report), report.scope.label, report.fmt.label])
    writer.writerow([TABLE3_TITLE])
    writer.writerow(["项目", "分类", "细项", *(t.label for t in APPLICANT_COLUMNS), TOTAL_HEADER])
    for line in lines(counts, report.fmt):
        if line.section != "results":
            labels = [line.label, "", ""]
        elif line.group:
            labels = [RESULTS_HEADING, line.group, line.label]
        else:
            labels = [RESULTS_HEADING, line.label, ""]
        writer.writerow([*labels, *line.cells])
    writer.writerow([])
    writer.writerow([TABLE4_TITLE])
    writer.writerow(["类别", *(RESULT_LABELS[r] for r in RESULT_CELLS), TOTAL_HEADER])
    for p in PROCEEDINGS:
        label = PROCEEDING_LABELS[p]
        if p is not Proceeding.REVIEW:
            label = f"{LITIGATION_HEADER}（{label}）"
        writer.writerow([label, *counts.table4[p.value]])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(report: AnnualReport) -> bytes:
    """The published numbers as an Excel workbook: both tables in the official layout, headers
    merged as published, numbers stored as numbers."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side

    book = Workbook()
    sheet = book.active
    sheet.title = f"{report.year}年度"
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    centre = Alignment(horizontal="center", vertical="center", wrap_text=True)
    sheet["A1"] = title_of(report)
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A2"] = f"{report.scope.label} · {report.fmt.label}"
    top = 4

    def write(title: str, grid: list[list[Cell]], first_row: int) -> int:
        sheet.cell(first_row, 1, title).font = Font(bold=True)
        start = first_row + 1
        for r, c, cell in placed(grid):
            row, column = start + r, 1 + c
            target = sheet.cell(row, column, cell.value)
            target.alignment = centre
            target.border = border
            if cell.header:
                target.font = Font(bold=True)
            if cell.rowspan > 1 or cell.colspan > 1:
                sheet.merge_cells(
                    start_row=row,
                    start_column=column,
                    end_row=row + cell.rowspan - 1,
                    end_column=column + cell.colspan - 1,
                )
        return start + len(grid) + 1

    after = write(TABLE3_TITLE, table3_grid(report.published, report.fmt), top)
    write(TABLE4_TITLE, table4_grid(report.published), after + 1)
    for letter, width in (("A", 14), ("B", 14), ("C", 36)):
        sheet.column_dimensions[letter].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def as_text(report: AnnualReport) -> str:
    """The report as tab-separated text (the CLI's output): both tables, the lock, the checks
    and any difference between the locked and the live numbers."""
    lines = [title_of(report), f"{report.scope.label} · {report.fmt.label}"]
    if report.lock:
        lock = report.lock
        lines.append(
            f"已锁定：{lock.locked_by} {lock.locked_on.isoformat()}，SHA-256 {lock.sha256}；"
            f"锁定后改动 {len(lock.flags)} 项"
        )
    headers = [*(t.label for t in APPLICANT_COLUMNS), TOTAL_HEADER]
    lines += ["", TABLE3_TITLE, "\t".join(["项目", *headers])]
    for line in report.lines:
        label = f"{line.group} {line.label}" if line.group else line.label
        lines.append("\t".join([label, *map(str, line.cells)]))
    lines += ["", TABLE4_TITLE]
    lines.append("\t".join(["类别", *(RESULT_LABELS[r] for r in RESULT_CELLS), TOTAL_HEADER]))
    for p in PROCEEDINGS:
        lines.append("\t".join([PROCEEDING_LABELS[p], *map(str, report.published.table4[p.value])]))
    lines.append("")
    for check in report.checks:
        lines.append(
            f"{'✓' if check.ok else '✗'} {check.name}"
            + (f"：{check.detail}" if check.detail else "")
        )
    for d in report.differences:
        lines.append(f"实时数与锁定数不同：表{d.table} {d.row} {d.column} {d.locked} → {d.live}")
    return "\n".join(lines)


# --- who may see and lock --------------------------------------------------------------------


def _roles(user: User) -> frozenset[str]:
    return user.role_set


def report_agency(session: Session, user: User, agency_id: int | None, scope: Scope) -> Agency:
    """The agency whose report ``user`` asks for, if they may see it (docs/annual-report.md):

    - supervisors and admins: any agency of their subtree, either scope;
    - office heads: their own agency's own cases.

    An agency outside the viewer's reach is 'not found'.
    """
    roles = _roles(user)
    home = session.get(Agency, user.agency_id)
    if roles & {Role.SUPERVISOR.value, Role.ADMIN.value}:
        return in_scope(session, home, agency_id)
    if Role.OFFICE_HEAD.value in roles:
        target = in_scope(session, home, agency_id)
        if target.id != home.id:
            raise PermissionDenied("公开工作机构负责人只能查看本机关的年度报表", field="agency")
        if scope is Scope.SUBTREE:
            raise PermissionDenied("下级机关汇总须由督查人员或系统管理员查看", field="scope")
        return target
    raise PermissionDenied("年度报表须由督查人员、公开工作机构负责人或系统管理员查看")


def may_lock(session: Session, user: User, agency: Agency, scope: Scope) -> bool:
    """Who may lock (docs/annual-report.md): the office head or admin of the agency itself locks
    its own report; its subtree report is locked by its admin or by a supervisor of the agency
    or of an ancestor."""
    roles = _roles(user)
    own_agency = user.agency_id == agency.id
    if scope is Scope.OWN:
        return own_agency and bool(roles & {Role.OFFICE_HEAD.value, Role.ADMIN.value})
    if own_agency and Role.ADMIN.value in roles:
        return True
    if Role.SUPERVISOR.value in roles:
        home = session.get(Agency, user.agency_id)
        return agency.path.startswith(home.path)
    return False


def check_year(year: int) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValidationError(f"年度须在{MIN_YEAR}年至{MAX_YEAR}年之间", field="year")


# --- the report ------------------------------------------------------------------------------


def annual_report(
    session: Session,
    user: User,
    *,
    agency_id: int | None,
    year: int,
    scope: Scope = Scope.OWN,
    fmt: ReportFormat = ReportFormat.F2021,
) -> AnnualReport:
    """The report ``user`` asked for: the lock's snapshot when locked, and the live numbers."""
    check_year(year)
    agency = report_agency(session, user, agency_id, scope)
    return report_for(
        session, agency, year, scope, fmt, can_lock=may_lock(session, user, agency, scope)
    )


def report_for(
    session: Session,
    agency: Agency,
    year: int,
    scope: Scope,
    fmt: ReportFormat = ReportFormat.F2021,
    *,
    can_lock: bool = False,
) -> AnnualReport:
    """The report of an agency already checked to be in the caller's reach."""
    live = live_counts(session, agency, scope, year)
    stored = _lock_row(session, agency.id, year, scope)
    lock = _lock_view(session, stored) if stored else None
    ref = AgencyRef(agency.id, agency.code, agency.name, agency.short_name)
    return AnnualReport(ref, year, scope, fmt, live, lock, can_lock and lock is None)


def _lock_row(session: Session, agency_id: int, year: int, scope: Scope) -> ReportLock | None:
    return session.exec(
        select(ReportLock).where(
            ReportLock.agency_id == agency_id,
            ReportLock.year == year,
            ReportLock.scope == scope.value,
        )
    ).first()


def _lock_view(session: Session, lock: ReportLock) -> LockView:
    data = json.loads(lock.snapshot)
    flags = session.exec(
        select(ReportLockFlag, Case.number)
        .join(Case, Case.id == ReportLockFlag.case_id)
        .where(ReportLockFlag.lock_id == lock.id)
        .order_by(col(ReportLockFlag.id))
    ).all()
    return LockView(
        lock.id,
        lock.sha256,
        lock.locked_by_name,
        lock.locked_on,
        lock.locked_at,
        lock.note,
        Counts.from_json(data["counts"]),
        hashlib.sha256(lock.snapshot.encode()).hexdigest() == lock.sha256,
        [FlagView(f.case_id, number, f.event_seq, f.trigger, f.on, f.at) for f, number in flags],
    )


def lock(
    session: Session,
    user: User,
    *,
    agency_id: int | None,
    year: int,
    scope: Scope = Scope.OWN,
    as_of: date,
    note: str = "",
) -> ReportLock:
    """Lock a year's report: store the numbers as published, with their SHA-256, who and when.

    Only a year that has ended can be locked, once; a lock is never removed.
    """
    check_year(year)
    agency = report_agency(session, user, agency_id, scope)
    if not may_lock(session, user, agency, scope):
        who = (
            "本机关公开工作机构负责人或系统管理员"
            if scope is Scope.OWN
            else "本机关系统管理员或上级督查人员"
        )
        raise PermissionDenied(f"锁定该年度报表须由{who}操作")
    if year >= as_of.year:
        raise ValidationError(f"{year}年度尚未结束，不能锁定", field="year")
    if len(note) > 500:
        raise ValidationError("说明过长", field="note")
    if _lock_row(session, agency.id, year, scope) is not None:
        raise ReportLocked(f"{year}年度报表已锁定，不能重复锁定", field="year")
    counts = live_counts(session, agency, scope, year)
    snapshot = {
        "agency": {"id": agency.id, "code": agency.code, "name": agency.name},
        "year": year,
        "scope": scope.value,
        "format": "国办公开办函〔2021〕30号",
        "counts": counts.as_json(),
    }
    text = canonical_json(snapshot)
    row = ReportLock(
        agency_id=agency.id,
        year=year,
        scope=scope.value,
        snapshot=text,
        sha256=hashlib.sha256(text.encode()).hexdigest(),
        locked_by=user.id,
        locked_by_name=user.full_name,
        locked_on=as_of,
        locked_at=datetime.now(UTC).replace(microsecond=0),
        note=note.strip(),
    )
    try:
        with session.begin_nested():  # two people locking at once: the second is refused
            session.add(row)
            session.flush()
    except IntegrityError:
        raise ReportLocked(f"{year}年度报表已锁定，不能重复锁定", field="year") from None
    return row


# --- the hook: later edits to a locked year -------------------------------------------------

#: The case facts the report counts; a change to any of them may change a report.
REPORTED_FIELDS = ("receipt_date", "outcome", "replied_on", "closed_on")
_DATE_FIELDS = ("receipt_date", "replied_on", "closed_on")
_LOCK = ReportLock.__table__.c
_AGENCY = Agency.__table__.c
_FLAG_LOCKED = insert(ReportLockFlag.__table__).from_select(
    ["lock_id", "case_id", "event_seq", "trigger", "on", "at"],
    select(
        _LOCK.id,
        bindparam("case_id", type_=Integer),
        bindparam("seq", type_=Integer),
        bindparam("trigger", type_=String),
        bindparam("on", type_=Date),
        bindparam("at", type_=DateTime),
    )
    .select_from(
        ReportLock.__table__.join(
            Agency.__table__, _AGENCY.id == bindparam("agency_id", type_=Integer)
        )
    )
    .where(
        _LOCK.year >= bindparam("from_year", type_=Integer),
        or_(
            and_(_LOCK.scope == Scope.OWN.value, _LOCK.agency_id == _AGENCY.id),
            and_(
                _LOCK.scope == Scope.SUBTREE.value,
                _AGENCY.path.contains("/" + cast(_LOCK.agency_id, String) + "/"),
            ),
        ),
    ),
)


def affected_from(
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any],
    remedy: RecordRemedy | None = None,
) -> int | None:
    """The first year whose report an action may have changed, or None.

    A report of year Y counts a case by its receipt date and its conclusion, and a remedy by its
    filing and result dates; an action that moves one of these from or to a date in or before
    Y may change Y's numbers — and only then. ``before`` is None for a registration; ``remedy``
    is the input of a ``record_remedy``: a new remedy counts from its filing, an update from its
    result (or its filing while it has none).
    """
    days: list[date] = []
    before = before or {}
    changed = [name for name in REPORTED_FIELDS if before.get(name) != after.get(name)]
    for name in changed:
        if name in _DATE_FIELDS:
            days += [d for d in (before.get(name), after.get(name)) if d is not None]
    if "outcome" in changed:  # a concluded case's row changed
        days += [d for name in _DATE_FIELDS[1:] for d in (before.get(name), after.get(name)) if d]
    if remedy is not None:
        decided = remedy.result is not RemedyResult.PENDING and remedy.result_on is not None
        if remedy.remedy_id is None:
            days += [d for d in (remedy.filed_on, remedy.result_on) if d is not None]
        else:
            days.append(remedy.result_on if decided else remedy.filed_on)
    return min(d.year for d in days) if days else None


def flag_change(
    session: Session,
    case: Any,
    before: Mapping[str, Any] | None,
    event: Any,
    given: Any = None,
) -> None:
    """Record ``event`` against every lock whose numbers it may change (one statement; none when
    the action touched nothing the report counts). Called by ``cases.fire`` and ``register``
    with the case after the action, its reported fields before, the event and the trigger's
    input."""
    after = {name: getattr(case, name) for name in REPORTED_FIELDS}
    remedy = given if isinstance(given, RecordRemedy) else None
    first_year = affected_from(before, after, remedy)
    if first_year is None:
        return
    session.connection().execute(
        _FLAG_LOCKED,
        {
            "agency_id": case.agency_id,
            "from_year": first_year,
            "case_id": case.id,
            "seq": event.seq,
            "trigger": event.trigger,
            "on": event.on,
            "at": event.at,
        },
    )


__all__ = [
    "APPLICANT_COLUMNS",
    "CARRIED_IN",
    "CARRIED_OUT",
    "NEW",
    "PROCEEDINGS",
    "TABLE3_KEYS",
    "TOTAL",
    "AnnualReport",
    "Cell",
    "Check",
    "Counts",
    "ReportFormat",
    "ReportLocked",
    "Scope",
    "affected_from",
    "annual_report",
    "as_text",
    "checks",
    "filename_of",
    "flag_change",
    "lines",
    "live_counts",
    "lock",
    "may_lock",
    "report_agency",
    "report_for",
    "table3_grid",
    "table4_grid",
    "to_csv",
    "to_xlsx",
]
