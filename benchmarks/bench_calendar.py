"""Calendar benchmark: gkcase's WorkdayCalendar against the `holidays` package, in one run.

1. 100,000 add_workdays calls against the same calls to holidays' get_nth_working_day
   (goal: gkcase at least 30x faster).
2. A bulk recompute of 1,000,000 reply deadlines (goal: under 2 s), reported beside a floor
   measured in the same run: the same loop adding calendar days instead of working days.

Machines here are noisy: read the ratios, not the seconds. Run: python benchmarks/bench_calendar.py
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import date, timedelta

import holidays

from gkcase.calendar.clock import ClockPause, Extension, PauseKind, ReplyClockFacts, reply_due
from gkcase.calendar.workdays import WorkdayCalendar

START, END = date(2019, 5, 15), date(2026, 12, 31)


def _random_date(rng: random.Random) -> date:
    return START + timedelta(days=rng.randrange((END - START).days))


def _best_of(repeats: int, fn) -> float:
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def bench_add_workdays(calls: int, repeats: int) -> None:
    rng = random.Random(20261124)
    cases = [(_random_date(rng), rng.randint(1, 60)) for _ in range(calls)]
    cal = WorkdayCalendar()
    package = holidays.country_holidays("CN", years=range(2019, 2029))
    assert all(cal.add_workdays(d, n) == package.get_nth_working_day(d, n) for d, n in cases[:2000])

    def ours() -> None:
        add = cal.add_workdays
        for d, n in cases:
            add(d, n)

    def theirs() -> None:
        nth = package.get_nth_working_day
        for d, n in cases:
            nth(d, n)

    t_ours = _best_of(repeats, ours)
    t_theirs = _best_of(1, theirs)
    print(f"add_workdays x{calls:,}: gkcase {t_ours:.3f} s, holidays {t_theirs:.3f} s")
    print(f"  speed ratio holidays/gkcase = {t_theirs / t_ours:.1f}x (goal >= 30x)")


def _facts(rng: random.Random) -> ReplyClockFacts:
    receipt = _random_date(rng)
    roll = rng.random()
    if roll < 0.6:
        return ReplyClockFacts(receipt=receipt)
    if roll < 0.8:
        start = receipt + timedelta(days=rng.randint(1, 20))
        end = start + timedelta(days=rng.randint(5, 25))
        return ReplyClockFacts(
            receipt=receipt, pauses=(ClockPause(PauseKind.THIRD_PARTY, start, end),)
        )
    if roll < 0.9:
        requested = receipt + timedelta(days=rng.randint(1, 9))
        received = requested + timedelta(days=rng.randint(1, 15))
        return ReplyClockFacts(
            receipt=receipt, correction_requested_on=requested, correction_received_on=received
        )
    approved = receipt + timedelta(days=25)
    return ReplyClockFacts(receipt=receipt, extensions=(Extension(rng.randint(5, 20), approved),))


def bench_bulk(count: int, repeats: int) -> None:
    rng = random.Random(7)
    facts = [_facts(rng) for _ in range(count)]
    cal = WorkdayCalendar()

    def recompute() -> None:
        for f in facts:
            reply_due(cal, f)

    def floor() -> None:
        four_weeks = timedelta(days=28)
        for f in facts:
            _ = f.receipt + four_weeks

    t_bulk = _best_of(repeats, recompute)
    t_floor = _best_of(repeats, floor)
    print(f"bulk recompute of {count:,} reply deadlines: {t_bulk:.3f} s (goal < 2 s)")
    print(
        f"  floor (calendar-day arithmetic, same loop): {t_floor:.3f} s, ratio {t_bulk / t_floor:.1f}x"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=100_000)
    parser.add_argument("--deadlines", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    bench_add_workdays(args.calls, args.repeats)
    bench_bulk(args.deadlines, args.repeats)


if __name__ == "__main__":
    main()
