"""The annual report's period lock (年度报告数据锁定) and the later edits it flags.

Once an agency publishes its annual report (Art 49, by 31 January), the numbers it published are
frozen here as a snapshot with its SHA-256; the report shows the snapshot from then on, beside
the live numbers. An action that later changes a fact a locked report counted is recorded in
:class:`ReportLockFlag` in the same transaction (``gkcase.services.annual_report``).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Index, Text, UniqueConstraint, literal_column
from sqlmodel import Field, SQLModel

from gkcase.models.case import CaseEvent


class ReportLock(SQLModel, table=True):
    """One locked annual report: an agency, a year and a scope (own cases or the subtree).

    There is no unlock: a lock is never updated or deleted by gkcase (docs/annual-report.md).
    """

    __tablename__ = "report_lock"
    __table_args__ = (UniqueConstraint("agency_id", "year", "scope", name="uq_report_lock"),)

    id: int | None = Field(default=None, primary_key=True)
    agency_id: int = Field(foreign_key="agency.id", index=True)
    year: int = Field(index=True)
    scope: str = Field(max_length=10)  # "own" | "subtree"
    snapshot: str = Field(sa_column=Column(Text, nullable=False))  # canonical JSON
    sha256: str = Field(max_length=64)
    locked_by: int = Field(foreign_key="app_user.id")
    locked_by_name: str = Field(default="", max_length=60)
    locked_on: date  # the business date (Beijing)
    locked_at: datetime  # when it was recorded (UTC)
    note: str = Field(default="", max_length=500)


class ReportLockFlag(SQLModel, table=True):
    """An action that changed a case (or its remedy) counted in a locked report, after the lock."""

    __tablename__ = "report_lock_flag"
    __table_args__ = (
        UniqueConstraint("lock_id", "case_id", "event_seq", name="uq_report_lock_flag"),
    )

    id: int | None = Field(default=None, primary_key=True)
    lock_id: int = Field(foreign_key="report_lock.id", index=True)
    case_id: int = Field(foreign_key="gk_case.id", index=True)
    event_seq: int
    trigger: str = Field(max_length=40)
    on: date  # the action's business date
    at: datetime  # when it was recorded (UTC)


#: The few cases reopened after a review decision or judgment, found without scanning every
#: event: the annual report reads their first conclusion from the events (a partial index on
#: ``case_event``, declared here because only the report needs it).
CASE_EVENT_REOPEN_INDEX = Index(
    "ix_case_event_reopen",
    CaseEvent.__table__.c.case_id,
    postgresql_where=CaseEvent.__table__.c.trigger == literal_column("'reopen'"),
    sqlite_where=CaseEvent.__table__.c.trigger == literal_column("'reopen'"),
)
