"""The plain calendar agrees with the `holidays` package's own working-day functions.

WorkdayCalendar precomputes a table from the package's data and answers by index arithmetic; the
package answers the same questions by walking day by day. With nothing loaded and nothing marked,
the two must agree on every day.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

import holidays
import pytest

FIRST, LAST = date(2019, 1, 1), date(2030, 12, 31)


@pytest.fixture(scope="module")
def package():
    """One package object, populated once for every year the checks touch (results of
    add_workdays from late 2030 reach into 2031)."""
    return holidays.country_holidays("CN", years=range(2018, 2033))


def _days(first: date, last: date):
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def test_every_day_2019_to_2030_matches_is_working_day(calendar, package):
    mismatches = [
        day for day in _days(FIRST, LAST) if calendar.is_workday(day) != package.is_working_day(day)
    ]
    assert mismatches == []
    # The span really was covered: 12 years of days, and a sane share of working days.
    working = sum(calendar.is_workday(day) for day in _days(FIRST, LAST))
    assert 12 * 240 < working < 12 * 255


@pytest.mark.slow
def test_add_workdays_matches_get_nth_working_day(calendar, package):
    """n = 1..60 from every start date 2019-01-01..2026-12-31 (~175k calls each side)."""
    get_nth = package.get_nth_working_day
    add = calendar.add_workdays
    mismatches = []
    checked = 0
    for day in _days(date(2019, 1, 1), date(2026, 12, 31)):
        for n in range(1, 61):
            checked += 1
            if add(day, n) != get_nth(day, n):
                mismatches.append((day, n, add(day, n), get_nth(day, n)))
    assert checked == 2922 * 60
    assert mismatches[:10] == []


def _sample_pairs(seed: int, count: int, max_span: int) -> list[tuple[date, date]]:
    rng = random.Random(seed)
    span = (LAST - FIRST).days
    pairs = []
    for _ in range(count):
        a = FIRST + timedelta(days=rng.randrange(span))
        b = min(a + timedelta(days=rng.randint(1, max_span)), LAST)
        if b > a:
            pairs.append((a, b))
    return pairs


# Short spans (a few weeks around a holiday are the interesting case) and long ones.
PAIRS = _sample_pairs(2019, 400, 60) + _sample_pairs(2030, 100, 4000)


def test_workdays_between_matches_get_working_days_count(calendar, package):
    """workdays_between counts (a, b]; the package counts [start, end], so start = a + 1 day."""
    assert len(PAIRS) > 450
    mismatches = []
    for a, b in PAIRS:
        expected = package.get_working_days_count(a + timedelta(days=1), b)
        if calendar.workdays_between(a, b) != expected:
            mismatches.append((a, b, calendar.workdays_between(a, b), expected))
        if calendar.workdays_between(b, a) != -expected:
            mismatches.append((b, a, calendar.workdays_between(b, a), -expected))
    assert mismatches == []


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (date(2026, 2, 10), date(2026, 3, 16)),  # across 春节 2026 with two make-up Saturdays
        (date(2025, 9, 22), date(2025, 10, 24)),  # across 国庆节、中秋节 2025
        (date(2024, 2, 1), date(2024, 3, 5)),  # across 春节 2024
        (date(2018, 12, 28), date(2019, 1, 2)),  # the 2019 元旦 reaching back into 2018
        (date(2026, 12, 20), date(2027, 1, 20)),  # into the package's estimated year
    ],
    ids=["2026-spring", "2025-national-day", "2024-spring", "2019-new-year", "into-2027"],
)
def test_workdays_between_matches_around_holidays(calendar, package, a, b):
    expected = package.get_working_days_count(a + timedelta(days=1), b)
    assert calendar.workdays_between(a, b) == expected
