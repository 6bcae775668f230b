"""SQLModel tables. Importing this package registers every table."""

from gkcase.models.calendar import CalendarDayMark, CalendarNotice

__all__ = ["CalendarDayMark", "CalendarNotice"]
