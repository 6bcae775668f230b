"""Calendar data an admin has loaded: State Council notices and single marked days."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel


class CalendarNotice(SQLModel, table=True):
    """A loaded 部分节假日安排 notice. Every load is kept; the latest per year is in force."""

    __tablename__ = "calendar_notice"

    id: int | None = Field(default=None, primary_key=True)
    year: int = Field(index=True)
    title: str = Field(max_length=200)
    number: str | None = Field(default=None, max_length=60)
    payload: str  # canonical JSON of the YearArrangement
    sha256: str = Field(max_length=64)
    source: str = Field(default="", max_length=300)  # file name it was loaded from
    loaded_at: datetime
    loaded_by: str = Field(max_length=100)


class CalendarDayMark(SQLModel, table=True):
    """A single day an admin marked (local closure or correction); revoked marks are kept."""

    __tablename__ = "calendar_day_mark"

    id: int | None = Field(default=None, primary_key=True)
    day: date = Field(index=True)
    working: bool
    name: str = Field(max_length=60)
    reason: str = Field(default="", max_length=500)
    marked_at: datetime
    marked_by: str = Field(max_length=100)
    revoked_at: datetime | None = None
    revoked_by: str | None = Field(default=None, max_length=100)


class CalendarRevision(SQLModel, table=True):
    """One row, bumped by every load, mark and unmark: workers rebuild their cached calendar
    when it moves, with one indexed read instead of scanning the calendar tables."""

    __tablename__ = "calendar_revision"

    id: int = Field(default=1, primary_key=True)
    value: int = 0


class CalendarRecompute(SQLModel, table=True):
    """One recompute of the open cases' stored due dates, made by a calendar change in the same
    transaction (gkcase/services/recompute.py): who changed what, and how many cases moved."""

    __tablename__ = "calendar_recompute"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime
    by: str = Field(max_length=100)
    change: str = Field(max_length=300)  # what the admin did, in Chinese
    version_before: str = Field(max_length=12)
    version_after: str = Field(max_length=12)
    first_day: date | None = None  # the span of days whose status changed
    last_day: date | None = None
    checked: int = 0  # open cases the change could affect, recomputed
    moved: int = 0  # of them, cases whose stored dates changed
    letters: int = 0  # of those, cases with an issued letter stating a date that changed
    failed: int = 0  # cases the clock refused to recompute (kept as they were)


class CalendarRecomputeCase(SQLModel, table=True):
    """A case a recompute moved (or could not recompute): its dates before and after, and the
    issued letters that stated a date that has now changed (JSON list)."""

    __tablename__ = "calendar_recompute_case"

    id: int | None = Field(default=None, primary_key=True)
    recompute_id: int = Field(foreign_key="calendar_recompute.id", index=True)
    case_id: int = Field(foreign_key="gk_case.id", index=True)
    reply_due_before: date | None = None
    reply_due_after: date | None = None
    projected_due_before: date | None = None
    projected_due_after: date | None = None
    next_window_due_before: date | None = None
    next_window_due_after: date | None = None
    provisional_before: bool = False
    provisional_after: bool = False
    status_before: str = Field(default="", max_length=20)
    status_after: str = Field(default="", max_length=20)
    #: [{"id", "kind", "number", "stated", "now"}]: letters whose stated date no longer holds
    letters: str = Field(default="[]", sa_column=Column(Text, nullable=False, default="[]"))
    error: str = Field(default="", max_length=300)  # why the clock refused, when it did
