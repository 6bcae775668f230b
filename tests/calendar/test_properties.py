"""Properties of working-day arithmetic, for any date 2019–2030 and any count 1..400."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from gkcase.calendar.clock import (
    REPLY_WORKDAYS,
    ClockPause,
    ClockPolicy,
    Extension,
    PauseKind,
    ReplyClockFacts,
    reply_deadline,
    reply_due,
)
from gkcase.calendar.workdays import MAX_WORKDAY_STEP
from gkcase.errors import CalendarRangeError, ValidationError

SETTINGS = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

dates = st.dates(min_value=date(2019, 1, 1), max_value=date(2030, 12, 31))
steps = st.integers(min_value=1, max_value=400)


@SETTINGS
@given(d=dates, n=steps)
def test_add_then_count_gives_n(calendar, d, n):
    result = calendar.add_workdays(d, n)
    assert calendar.workdays_between(d, result) == n
    assert result > d
    assert calendar.is_workday(result)
    # and it is the first day at which n working days have passed
    assert calendar.workdays_between(d, result - timedelta(days=1)) == n - 1


@SETTINGS
@given(d=dates, n=steps)
def test_add_then_subtract_returns_to_a_working_day(calendar, d, n):
    assume(calendar.is_workday(d))
    assert calendar.add_workdays(calendar.add_workdays(d, n), -n) == d


@SETTINGS
@given(d=dates, n=steps)
def test_counting_back_lands_before_on_a_working_day(calendar, d, n):
    result = calendar.add_workdays(d, -n)
    assert result < d
    assert calendar.is_workday(result)
    assert calendar.workdays_between(result, d) == n - 1 + calendar.is_workday(d)


@SETTINGS
@given(d=dates)
def test_zero_working_days_is_the_day_itself(calendar, d):
    assert calendar.add_workdays(d, 0) == d
    assert calendar.workdays_between(d, d) == 0


@SETTINGS
@given(a=dates, b=dates)
def test_workdays_between_is_antisymmetric(calendar, a, b):
    assert calendar.workdays_between(a, b) == -calendar.workdays_between(b, a)


@SETTINGS
@given(a=dates, b=dates, c=dates)
def test_workdays_between_is_additive(calendar, a, b, c):
    wb = calendar.workdays_between
    assert wb(a, b) + wb(b, c) == wb(a, c)


@SETTINGS
@given(a=dates, b=dates)
def test_workdays_between_is_bounded_by_calendar_days(calendar, a, b):
    a, b = sorted((a, b))
    assert 0 <= calendar.workdays_between(a, b) <= (b - a).days


@SETTINGS
@given(a=dates, b=dates, n=steps)
def test_add_workdays_is_monotone_in_the_start_day(calendar, a, b, n):
    a, b = sorted((a, b))
    assert calendar.add_workdays(a, n) <= calendar.add_workdays(b, n)


@SETTINGS
@given(d=dates, m=steps, n=steps)
def test_add_workdays_composes(calendar, d, m, n):
    assert calendar.add_workdays(calendar.add_workdays(d, m), n) == calendar.add_workdays(d, m + n)


# --- reply_due is the date of reply_deadline -------------------------------------------------

receipts = st.dates(min_value=date(2019, 5, 15), max_value=date(2030, 6, 30))


@st.composite
def reply_facts(draw):
    receipt = draw(receipts)
    after = lambda base, most: base + timedelta(days=draw(st.integers(0, most)))  # noqa: E731
    requested = received = None
    if draw(st.booleans()):
        requested = after(receipt, 10)
        received = draw(st.none() | st.just(after(requested, 40)))
    pauses = []
    for _ in range(draw(st.integers(0, 3))):
        start = after(receipt, 60)
        kind = draw(st.sampled_from(PauseKind))
        if draw(st.integers(0, 4)) == 0:
            latest = draw(st.none() | st.just(after(start, 40)))
            pauses.append(ClockPause(kind, start, None, latest))
        else:
            pauses.append(ClockPause(kind, start, after(start, 40)))
    extensions = []
    left = 20
    while left and draw(st.booleans()):
        days = draw(st.integers(1, left))
        left -= days
        extensions.append(Extension(days, after(receipt, 40)))
    return ReplyClockFacts(
        receipt,
        correction_requested_on=requested,
        correction_received_on=received,
        pauses=tuple(pauses),
        extensions=tuple(extensions),
    )


@settings(max_examples=400, deadline=None)
@given(facts=reply_facts(), fee_pauses=st.booleans())
def test_reply_due_equals_reply_deadline_due(calendar, facts, fee_pauses):
    policy = ClockPolicy(fee_window_pauses_clock=fee_pauses)
    deadline = reply_deadline(calendar, facts, policy)
    assert reply_due(calendar, facts, policy) == deadline.due
    if deadline.due is not None:
        requested = facts.correction_requested_on
        # Art 30: only a notice sent by the 7th working day restarts the period
        timely = requested is not None and requested <= calendar.add_workdays(facts.receipt, 7)
        start = facts.correction_received_on if timely else facts.receipt
        total = REPLY_WORKDAYS + sum(e.workdays for e in facts.extensions)
        assert deadline.workdays == total
        # pauses only ever push the date later
        assert deadline.due >= calendar.add_workdays(start, total)
        assert calendar.is_workday(deadline.due)


# --- the bounds of the arithmetic ------------------------------------------------------------


def test_step_limit_and_integer_counts(calendar):
    start = date(2026, 3, 2)
    far = calendar.add_workdays(start, MAX_WORKDAY_STEP)
    assert calendar.workdays_between(start, far) == MAX_WORKDAY_STEP
    for bad in (MAX_WORKDAY_STEP + 1, -MAX_WORKDAY_STEP - 1, True, 2.0):
        with pytest.raises(ValidationError) as caught:
            calendar.add_workdays(start, bad)
        assert caught.value.field == "n"
    with pytest.raises(CalendarRangeError):
        calendar.is_workday(date(1999, 12, 31))
    with pytest.raises(CalendarRangeError):
        calendar.workdays_between(date(2026, 1, 1), date(2101, 1, 1))
    with pytest.raises(ValidationError) as caught:
        calendar.is_workday("2026-03-02")
    assert caught.value.field == "date"
