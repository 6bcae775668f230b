"""Fixtures shared by every test: one working-day calendar for the whole session."""

from __future__ import annotations

import pytest

from gkcase.calendar.workdays import WorkdayCalendar


@pytest.fixture(scope="session")
def calendar() -> WorkdayCalendar:
    """The plain calendar: the `holidays` package's data, nothing loaded, nothing marked."""
    return WorkdayCalendar()
