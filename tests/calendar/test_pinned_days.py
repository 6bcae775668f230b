"""Days pinned by hand from the State Council notices (legal-reference Appendix B).

2024: 国办发明电〔2023〕7号; 2025: 国办发明电〔2024〕12号; 2026: the notice of 2025-11-04.
Every day below is copied from the notice's text, not from the code or the `holidays` package.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from gkcase.calendar.workdays import DayKind, YearStatus


def _run(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


# (holiday id, first day off, last day off) — 放假调休, inclusive
OFF_RUNS = [
    ("2024-new-year", date(2024, 1, 1), date(2024, 1, 1)),
    ("2024-spring-festival", date(2024, 2, 10), date(2024, 2, 17)),
    ("2024-qingming", date(2024, 4, 4), date(2024, 4, 6)),
    ("2024-labour-day", date(2024, 5, 1), date(2024, 5, 5)),
    ("2024-dragon-boat", date(2024, 6, 10), date(2024, 6, 10)),
    ("2024-mid-autumn", date(2024, 9, 15), date(2024, 9, 17)),
    ("2024-national-day", date(2024, 10, 1), date(2024, 10, 7)),
    ("2025-new-year", date(2025, 1, 1), date(2025, 1, 1)),
    ("2025-spring-festival", date(2025, 1, 28), date(2025, 2, 4)),
    ("2025-qingming", date(2025, 4, 4), date(2025, 4, 6)),
    ("2025-labour-day", date(2025, 5, 1), date(2025, 5, 5)),
    ("2025-dragon-boat", date(2025, 5, 31), date(2025, 6, 2)),
    ("2025-national-day-mid-autumn", date(2025, 10, 1), date(2025, 10, 8)),
    ("2026-new-year", date(2026, 1, 1), date(2026, 1, 3)),
    ("2026-spring-festival", date(2026, 2, 15), date(2026, 2, 23)),
    ("2026-qingming", date(2026, 4, 4), date(2026, 4, 6)),
    ("2026-labour-day", date(2026, 5, 1), date(2026, 5, 5)),
    ("2026-dragon-boat", date(2026, 6, 19), date(2026, 6, 21)),
    ("2026-mid-autumn", date(2026, 9, 25), date(2026, 9, 27)),
    ("2026-national-day", date(2026, 10, 1), date(2026, 10, 7)),
]

# Run lengths the notices state (共N天), as a check on the table above.
STATED_LENGTHS = {
    "2024-spring-festival": 8,
    "2024-national-day": 7,
    "2025-spring-festival": 8,
    "2025-national-day-mid-autumn": 8,
    "2026-spring-festival": 9,
    "2026-national-day": 7,
}

DAYS_OFF = [
    pytest.param(day, id=f"{day.isoformat()}-{name}-off")
    for name, first, last in OFF_RUNS
    for day in _run(first, last)
]

# (holiday id, make-up working day) — 上班, each a Saturday or Sunday
MAKEUP_DAYS = [
    ("2024-spring-festival", date(2024, 2, 4)),
    ("2024-spring-festival", date(2024, 2, 18)),
    ("2024-qingming", date(2024, 4, 7)),
    ("2024-labour-day", date(2024, 4, 28)),
    ("2024-labour-day", date(2024, 5, 11)),
    ("2024-mid-autumn", date(2024, 9, 14)),
    ("2024-national-day", date(2024, 9, 29)),
    ("2024-national-day", date(2024, 10, 12)),
    ("2025-spring-festival", date(2025, 1, 26)),
    ("2025-spring-festival", date(2025, 2, 8)),
    ("2025-labour-day", date(2025, 4, 27)),
    ("2025-national-day-mid-autumn", date(2025, 9, 28)),
    ("2025-national-day-mid-autumn", date(2025, 10, 11)),
    ("2026-new-year", date(2026, 1, 4)),
    ("2026-spring-festival", date(2026, 2, 14)),
    ("2026-spring-festival", date(2026, 2, 28)),
    ("2026-labour-day", date(2026, 5, 9)),
    ("2026-national-day", date(2026, 9, 20)),
    ("2026-national-day", date(2026, 10, 10)),
]

# Weekdays right next to the 春节 and 国庆节 runs: ordinary working days the runs must not swallow.
# 2024-02-09 is 除夕, which the 2024 notice does NOT make a day off (it only encourages rest).
EDGE_WORKDAYS = [
    pytest.param(date(2024, 2, 9), id="2024-02-09-chuxi-is-a-working-day"),
    pytest.param(date(2024, 2, 19), id="2024-02-19-after-spring-festival"),
    pytest.param(date(2024, 9, 30), id="2024-09-30-before-national-day"),
    pytest.param(date(2024, 10, 8), id="2024-10-08-after-national-day"),
    pytest.param(date(2025, 1, 27), id="2025-01-27-before-spring-festival"),
    pytest.param(date(2025, 2, 5), id="2025-02-05-after-spring-festival"),
    pytest.param(date(2025, 9, 30), id="2025-09-30-before-national-day"),
    pytest.param(date(2025, 10, 9), id="2025-10-09-after-national-day"),
    pytest.param(date(2026, 2, 13), id="2026-02-13-before-spring-festival"),
    pytest.param(date(2026, 2, 24), id="2026-02-24-after-spring-festival"),
    pytest.param(date(2026, 9, 30), id="2026-09-30-before-national-day"),
    pytest.param(date(2026, 10, 8), id="2026-10-08-after-national-day"),
]


@pytest.mark.parametrize("day", DAYS_OFF)
def test_notice_day_off_is_not_a_working_day(calendar, day):
    assert not calendar.is_workday(day)
    assert not calendar.day_info(day).working


@pytest.mark.parametrize(
    ("name", "day"), [pytest.param(n, d, id=f"{d.isoformat()}-{n}-makeup") for n, d in MAKEUP_DAYS]
)
def test_notice_makeup_day_is_a_working_weekend_day(calendar, name, day):
    assert day.weekday() >= 5, "the notice's 上班 days are all Saturdays or Sundays"
    assert calendar.is_workday(day)
    assert calendar.day_info(day).kind is DayKind.MAKEUP_WORKDAY


@pytest.mark.parametrize("day", EDGE_WORKDAYS)
def test_weekday_next_to_a_run_is_a_working_day(calendar, day):
    assert day.weekday() < 5
    assert calendar.is_workday(day)
    assert calendar.day_info(day).kind is DayKind.WORKDAY


@pytest.mark.parametrize(("name", "length"), STATED_LENGTHS.items())
def test_runs_have_the_stated_length_and_are_bounded_by_working_days(calendar, name, length):
    first, last = next((f, la) for n, f, la in OFF_RUNS if n == name)
    assert len(_run(first, last)) == length
    # The days just outside the run are working days or plain weekend days, never holidays.
    for outside in (first - timedelta(days=1), last + timedelta(days=1)):
        assert calendar.day_info(outside).kind in (
            DayKind.WORKDAY,
            DayKind.WEEKEND,
            DayKind.MAKEUP_WORKDAY,
        )


@pytest.mark.parametrize("year", [2024, 2025, 2026])
def test_every_year_with_a_notice_is_official(calendar, year):
    assert calendar.year_status(year) is YearStatus.OFFICIAL


def test_working_days_in_each_notice_year(calendar):
    """Counted by hand from the notices: weekdays − weekday days off + make-up days."""
    # 2024 (leap, starts Mon): 262 weekdays. Weekday days off: 1/1; 2/12–2/16 (5); 4/4, 4/5;
    # 5/1–5/3 (3); 6/10; 9/16, 9/17; 10/1–10/4, 10/7 (5) → 19. Make-up days 8. 262 − 19 + 8.
    assert calendar.workdays_between(date(2023, 12, 31), date(2024, 12, 31)) == 251
    # 2025 (starts Wed): 261 weekdays. Weekday days off: 1/1; 1/28–1/31, 2/3, 2/4 (6); 4/4;
    # 5/1, 5/2, 5/5 (3); 6/2; 10/1–10/3, 10/6–10/8 (6) → 18. Make-up days 5. 261 − 18 + 5.
    assert calendar.workdays_between(date(2024, 12, 31), date(2025, 12, 31)) == 248
    # 2026 (starts Thu): 261 weekdays. Weekday days off: 1/1, 1/2; 2/16–2/20, 2/23 (6); 4/6;
    # 5/1, 5/4, 5/5 (3); 6/19; 9/25; 10/1, 10/2, 10/5–10/7 (5) → 19. Make-up days 6. 261 − 19 + 6.
    assert calendar.workdays_between(date(2025, 12, 31), date(2026, 12, 31)) == 248


# --- add_workdays across the big holidays, worked out by hand from the notices ---------------

HAND_COUNTED = [
    # Receipt Tue 2026-02-10. Day 1 Wed 2/11; 2/12, 2/13, Sat 2/14 (上班) = 4; 2/15–2/23 off;
    # 2/24–2/27 = 8; Sat 2/28 (上班) = 9; 3/2–3/6 = 14; 3/9–3/13 = 19; Mon 3/16 = 20.
    pytest.param(date(2026, 2, 10), 20, date(2026, 3, 16), id="2026-spring-20th"),
    # 7th working day from the same receipt: 2/11, 2/12, 2/13, 2/14, 2/24, 2/25, 2/26.
    pytest.param(date(2026, 2, 10), 7, date(2026, 2, 26), id="2026-spring-7th"),
    # Receipt Sat 2026-02-14 (a make-up day; itself not counted): day 1 is Tue 2/24;
    # 2/24–2/27 = 4; 2/28 = 5; 3/2–3/6 = 10; 3/9–3/13 = 15; 3/16–3/20 = 20.
    pytest.param(date(2026, 2, 14), 20, date(2026, 3, 20), id="2026-from-makeup-day"),
    # Receipt Fri 2026-02-13: day 1 is the make-up Saturday 2/14; then 2/24–2/28 = 6;
    # 3/2–3/6 = 11; 3/9–3/13 = 16; 3/16–3/19 = 20.
    pytest.param(date(2026, 2, 13), 20, date(2026, 3, 19), id="2026-day-one-is-makeup"),
    # Receipt Tue 2026-09-15: 9/16–9/18 = 3; Sun 9/20 (上班) = 4; 9/21–9/24 = 8; 9/25–9/27 中秋;
    # 9/28–9/30 = 11; 10/1–10/7 off; 10/8, 10/9 = 13; Sat 10/10 (上班) = 14; 10/12–10/16 = 19;
    # Mon 10/19 = 20.
    pytest.param(date(2026, 9, 15), 20, date(2026, 10, 19), id="2026-national-day-20th"),
    # Receipt Thu 2026-10-01 (a holiday): day 1 is Thu 10/8; 10/8, 10/9, 10/10 = 3;
    # 10/12–10/16 = 8; 10/19–10/23 = 13; 10/26–10/30 = 18; 11/2, 11/3 = 20.
    pytest.param(date(2026, 10, 1), 20, date(2026, 11, 3), id="2026-from-national-day"),
    # Receipt Thu 2024-02-01: Fri 2/2 = 1; Sun 2/4 (上班) = 2; 2/5–2/9 = 7 (2/9 除夕 works);
    # 2/10–2/17 off; Sun 2/18 (上班) = 8; 2/19–2/23 = 13; 2/26–3/1 = 18; 3/4, 3/5 = 20.
    pytest.param(date(2024, 2, 1), 20, date(2024, 3, 5), id="2024-spring-20th"),
    # Receipt Tue 2024-09-10: 9/11–9/13 = 3; Sat 9/14 (上班) = 4; 9/15–9/17 中秋; 9/18–9/20 = 7;
    # 9/23–9/27 = 12; Sun 9/29 (上班) = 13; Mon 9/30 = 14; 10/1–10/7 off; 10/8–10/11 = 18;
    # Sat 10/12 (上班) = 19; Mon 10/14 = 20.
    pytest.param(date(2024, 9, 10), 20, date(2024, 10, 14), id="2024-national-day-20th"),
    # Receipt Mon 2025-01-20: 1/21–1/24 = 4; Sun 1/26 (上班) = 5; Mon 1/27 = 6; 1/28–2/4 off;
    # 2/5–2/7 = 9; Sat 2/8 (上班) = 10; 2/10–2/14 = 15; 2/17–2/21 = 20.
    pytest.param(date(2025, 1, 20), 20, date(2025, 2, 21), id="2025-spring-20th"),
    # Receipt Mon 2025-09-22: 9/23–9/26 = 4; Sun 9/28 (上班) = 5; 9/29, 9/30 = 7; 10/1–10/8 off;
    # 10/9, 10/10 = 9; Sat 10/11 (上班) = 10; 10/13–10/17 = 15; 10/20–10/24 = 20.
    pytest.param(date(2025, 9, 22), 20, date(2025, 10, 24), id="2025-national-day-20th"),
    # 40 working days (20 + an extension of 20) from Tue 2026-02-10: the 20th is 3/16 (above);
    # 3/17–3/20 = 24; 3/23–3/27 = 29; 3/30–4/3 = 34; 4/4–4/6 清明; 4/7–4/10 = 38; 4/13, 4/14 = 40.
    pytest.param(date(2026, 2, 10), 40, date(2026, 4, 14), id="2026-spring-40th"),
]


@pytest.mark.parametrize(("start", "n", "expected"), HAND_COUNTED)
def test_add_workdays_hand_counted(calendar, start, n, expected):
    assert calendar.add_workdays(start, n) == expected


@pytest.mark.parametrize(("start", "n", "expected"), HAND_COUNTED)
def test_workdays_between_hand_counted(calendar, start, n, expected):
    assert calendar.workdays_between(start, expected) == n


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        # Back from Mon 2026-03-16 by 20: the reverse of the count above.
        pytest.param(date(2026, 3, 16), -20, date(2026, 2, 10), id="2026-spring-back-20"),
        # Back from Tue 2026-02-24 by 1 skips the whole 春节 run to the make-up Saturday 2/14.
        pytest.param(date(2026, 2, 24), -1, date(2026, 2, 14), id="2026-back-over-spring"),
        # Back from Thu 2024-10-08 by 2: Mon 9/30, then the make-up Sunday 9/29.
        pytest.param(date(2024, 10, 8), -2, date(2024, 9, 29), id="2024-back-over-national"),
    ],
)
def test_add_workdays_backwards_hand_counted(calendar, start, n, expected):
    assert calendar.add_workdays(start, n) == expected


def test_next_workday_over_the_spring_festival(calendar):
    assert calendar.next_workday(date(2026, 2, 14)) == date(2026, 2, 24)
    assert calendar.next_workday(date(2026, 2, 13)) == date(2026, 2, 14)


# --- day_info --------------------------------------------------------------------------------


def test_day_info_of_a_statutory_holiday(calendar):
    info = calendar.day_info(date(2026, 2, 17))  # 正月初一
    assert info.kind is DayKind.HOLIDAY
    assert info.name == "春节"
    assert not info.working
    assert info.estimated is False


def test_day_info_of_a_swapped_day_off(calendar):
    info = calendar.day_info(date(2026, 2, 20))  # Fri, off in exchange for Sat 2/14
    assert info.kind is DayKind.SWAP_DAY_OFF
    assert info.kind.label == "调休"
    assert "调休" in info.name
    assert not info.working


def test_day_info_of_a_makeup_working_day(calendar):
    info = calendar.day_info(date(2026, 2, 14))  # Sat, 上班
    assert info.kind is DayKind.MAKEUP_WORKDAY
    assert info.name == "调休上班"
    assert info.working


def test_day_info_of_plain_days(calendar):
    weekday = calendar.day_info(date(2026, 3, 10))
    weekend = calendar.day_info(date(2026, 3, 14))
    assert (weekday.kind, weekday.name, weekday.working) == (DayKind.WORKDAY, None, True)
    assert (weekend.kind, weekend.name, weekend.working) == (DayKind.WEEKEND, None, False)


def test_day_info_of_the_2024_chuxi(calendar):
    info = calendar.day_info(date(2024, 2, 9))
    assert info.kind is DayKind.WORKDAY
    assert info.working


def test_day_info_in_an_estimated_year_is_marked_estimated(calendar):
    assert calendar.year_status(2027) is YearStatus.ESTIMATED
    assert calendar.day_info(date(2027, 3, 1)).estimated is True
    assert calendar.day_info(date(2026, 12, 31)).estimated is False
