"""Recompute after one marked day (issue #18, "one due date everywhere").

    python benchmarks/generate.py sqlite:///var/r10k.db --cases 10000 --open-share 1
    python benchmarks/bench_recompute.py --url sqlite:///var/r10k.db [--day 2026-12-01]

Times ``gkcase.services.calendar.mark_day`` of a closure on ``--day`` — the mark, the recompute
of every open case it can affect and the record, in one ``unit_of_work`` with its commit — and
then ``unmark_day`` of the same day (which moves every date back, so each run starts from the same
database), best of ``--runs``. The reference, measured in the same run, is reading the same cases
without recomputing: the same candidate query and the same reads of their events, nothing
folded, computed or written. Goals (issue #18): under 2 s for 10,000 open cases and under 60 s for
1,000,000.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlmodel import SQLModel

from gkcase.calendar.arrangement import DayOverride
from gkcase.db import make_engine, read_session, unit_of_work
from gkcase.models import Case
from gkcase.services import recompute
from gkcase.services.calendar import build_calendar, mark_day, unmark_day

#: The first working day a week after generate.py's default --today (2026-11-24): the open
#: cases' clocks (received up to 35 working days before) nearly all run past it.
DAY = date(2026, 12, 1)
#: open cases → goal in seconds (issue #18)
GOALS = {10_000: 2.0, 1_000_000: 60.0}


def best(call: Callable[[], Any], runs: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = call()
        times.append(time.perf_counter() - started)
    return min(times), result


def read_without_recomputing(engine: Any, day: date) -> int:
    """The reference: the recompute's reads alone — its candidate query (with the same span)
    and the events of every candidate, decoded — nothing computed or written."""
    with read_session(engine) as session:
        connection = session.connection()
        current = [build_calendar(session).version]
        candidates = list(connection.execute(recompute.candidate_query((day, day), current)))
        events = 0
        for batch in recompute._batches(candidates):
            for _case_id, _trigger, payload, _on in connection.execute(
                recompute._EVENTS_OF, {"ids": [row.id for row in batch]}
            ):
                json.loads(payload)
                events += 1
    return len(candidates)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--day", type=date.fromisoformat, default=DAY)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    engine = make_engine(args.url)
    SQLModel.metadata.create_all(engine)  # a database generated before the recompute's record
    with read_session(engine) as session:
        open_cases = session.execute(
            select(func.count()).select_from(Case).where(Case.clock_status != "stopped")
        ).scalar_one()
        total = session.execute(select(func.count()).select_from(Case)).scalar_one()
        if not build_calendar(session).is_workday(args.day):
            raise SystemExit(f"{args.day} is not a working day: marking it closed moves nothing")
    print(f"{engine.dialect.name}: {total:,} cases, {open_cases:,} open; closure on {args.day}")

    closure = DayOverride(day=args.day, working=False, name="基准测试停工")

    def mark() -> Any:
        with unit_of_work(engine) as session:
            return mark_day(session, closure, marked_by="bench").recomputed

    def unmark() -> Any:
        with unit_of_work(engine) as session:
            return unmark_day(session, args.day, revoked_by="bench").recomputed

    read_without_recomputing(engine, args.day)  # warm-up: the database's pages
    reference, candidates = best(lambda: read_without_recomputing(engine, args.day), args.runs)
    marks, unmarks, moved = [], [], None
    for _ in range(args.runs):
        seconds, moved = best(mark, 1)
        marks.append(seconds)
        seconds, _back = best(unmark, 1)
        unmarks.append(seconds)
    goal = next((g for n, g in sorted(GOALS.items()) if open_cases <= n), None)
    print(f"  reference: read {candidates:,} candidates and their events   {reference:8.3f} s   1")
    for name, seconds in (("mark (recompute, commit)", min(marks)), ("unmark", min(unmarks))):
        verdict = (
            "" if goal is None else (" met" if seconds < goal else " MISSED") + f" (< {goal} s)"
        )
        print(f"  {name:<52} {seconds:8.3f} s   {seconds / reference:5.1f}{verdict}")
    print(
        f"  checked {moved.checked:,} open cases, moved {len(moved.moved):,} "
        f"({moved.letters:,} with a letter to correct, {moved.failed:,} refused)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
