"""Calendar data an admin has loaded: State Council notices and single marked days."""

from __future__ import annotations

from datetime import date, datetime

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
