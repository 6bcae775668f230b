"""The five operations at scale (issue #8), on a database ``benchmarks/generate.py`` filled.

    python benchmarks/bench_scale.py --url sqlite:///var/bench.db [--cases N] [--as-of 2026-11-24]

Each read is timed best of ``--runs`` after a warm-up, through the app's own code:

- overdue first page: ``api.routes.cases.list_cases`` — the route function itself, called with
  the arguments FastAPI would pass for ``GET /api/cases?subtree=true&overdue=true`` by the root
  agency's supervisor (count, page of 20, names);
- overdue counts per agency: ``gkcase.services.supervision.breakdown`` for the root;
- annual report table 三 (and 四) for the whole tree, one year:
  ``gkcase.services.annual_report.annual_report`` with ``Scope.SUBTREE``;
- case detail: ``api.routes.cases.case_detail`` (the JSON detail view) of the case with the most
  events among the open ones, as its caseworker sees it (with the permitted actions and the
  repeat-application candidates, which are searched for open cases only);
- one transition: ``gkcase.services.cases.fire`` of ``start_review`` on a case ``register`` just
  made, each in its own ``unit_of_work`` (commit included); the median of ``--transitions``.

Every figure is printed against its goal and as a ratio to a reference measured in the same run
(a primary-key read of one case row, and ``SELECT count(*)`` over ``gk_case``), so the machine's
noise shows. The transitions add ``--transitions`` cases to the database.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import event, func, text
from sqlmodel import select

from api.routes import cases as routes
from gkcase.calendar.clock import Channel
from gkcase.db import make_engine, read_session, unit_of_work
from gkcase.models import Agency, Case, User
from gkcase.services import cases as svc
from gkcase.services import supervision
from gkcase.services.annual_report import Scope, annual_report
from gkcase.states.machine import Trigger

AS_OF = date(2026, 11, 24)  # benchmarks/generate.py's default --today
#: operation → goal in seconds (issue #8)
GOALS = {
    "overdue first page": 0.050,
    "overdue counts per agency": 0.500,
    "annual report 三, whole tree, one year": 2.0,
    "case detail": 0.020,
    "one transition (median)": 0.015,
}


def best(call: Callable[[], Any], runs: int) -> float:
    call()  # warm-up: caches, the calendar, the database's pages
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return min(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--cases", type=int, help="the number of cases expected (a check)")
    parser.add_argument("--as-of", type=date.fromisoformat, default=AS_OF)
    parser.add_argument("--year", type=int, help="the report's year (default: the year before)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--transitions", type=int, default=50)
    parser.add_argument(
        "--explain", action="store_true", help="print each read's statements and their plans"
    )
    args = parser.parse_args(argv)
    as_of, year = args.as_of, args.year or args.as_of.year - 1
    engine = make_engine(args.url)

    with read_session(engine) as session:
        n_cases = session.exec(select(func.count()).select_from(Case)).one()
        if args.cases is not None and n_cases < args.cases:
            raise SystemExit(f"bench_scale: {n_cases:,} cases in the database, not {args.cases:,}")
        root = session.exec(select(Agency).where(Agency.parent_id.is_(None))).one()
        supervisor = session.exec(
            select(User).where(User.agency_id == root.id, User.roles.contains("supervisor"))
        ).first()
        detail_case = session.exec(
            select(Case)
            .where(Case.assignee_id.is_not(None), Case.clock_status != "stopped")
            .order_by(Case.event_count.desc(), Case.id)
            .limit(1)
        ).one()
        detail_id, handler = detail_case.id, session.get(User, detail_case.assignee_id)
        department = session.exec(
            select(Agency).where(Agency.parent_id.is_not(None), Agency.code.contains("-"))
        ).first()
        staff = {
            u.roles: u for u in session.exec(select(User).where(User.agency_id == department.id))
        }
        pk_id = n_cases // 2
        session.expunge_all()  # detached, loaded: the request's user, as the API holds it
    print(f"{engine.dialect.name}: {n_cases:,} cases; as of {as_of}; report year {year}")

    def reference_pk() -> None:
        with read_session(engine) as s:
            s.connection().execute(
                text("SELECT * FROM gk_case WHERE id = :id"), {"id": pk_id}
            ).one()

    def reference_count() -> None:
        with read_session(engine) as s:
            s.connection().execute(text("SELECT count(*) FROM gk_case")).scalar_one()

    def overdue_page() -> Any:
        with read_session(engine) as s:
            return routes.list_cases(
                session=s,
                user=supervisor,
                agency_id=None,
                subtree=True,
                state=None,
                assignee_id=None,
                due_before=None,
                due_after=None,
                overdue=True,
                at_risk=None,
                risk_workdays=None,
                paused=None,
                outcome=None,
                applicant_type=None,
                q=None,
                as_of=as_of,
                page=1,
                page_size=20,
            )

    def counts() -> Any:
        with read_session(engine) as s:
            return supervision.breakdown(s, s.get(Agency, root.id), as_of=as_of)

    def report() -> Any:
        with read_session(engine) as s:
            return annual_report(s, supervisor, agency_id=None, year=year, scope=Scope.SUBTREE)

    def detail() -> Any:
        with read_session(engine) as s:
            return routes.case_detail(case_id=detail_id, session=s, user=handler, as_of=as_of)

    first = overdue_page()
    print(f"  overdue cases under the root: {first.total:,}; first due {first.items[0].reply_due}")
    tally = counts()
    print(
        f"  breakdown: open {tally.total.open:,}, overdue {tally.total.overdue:,}, "
        f"at risk {tally.total.at_risk:,}, paused {tally.total.paused:,}"
    )
    r = report()
    print(
        f"  report {year}: 本年新收 {r.live.table3['new'][6]:,}, 结转下年度 {r.live.table3['carried_out'][6]:,}"
    )

    if args.explain:
        for name, call in (
            ("overdue first page", overdue_page),
            ("overdue counts per agency", counts),
            ("annual report 三, whole tree, one year", report),
            ("case detail", detail),
        ):
            explain(engine, name, call)

    results = {
        "reference: primary-key read": best(reference_pk, args.runs * 4),
        "reference: count(*) gk_case": best(reference_count, args.runs),
        "overdue first page": best(overdue_page, args.runs),
        "overdue counts per agency": best(counts, args.runs),
        "annual report 三, whole tree, one year": best(report, args.runs),
        "case detail": best(detail, args.runs),
    }
    results["one transition (median)"] = transitions(
        engine, staff, department, as_of, args.transitions
    )

    pk, count = results["reference: primary-key read"], results["reference: count(*) gk_case"]
    print(
        f"\n{'operation':42} {'goal':>9} {'measured':>10}  {'met':4} {'× pk read':>10} {'× count(*)':>10}"
    )
    for name, seconds in results.items():
        goal = GOALS.get(name)
        met = "" if goal is None else ("yes" if seconds < goal else "NO")
        goal_text = "" if goal is None else f"{goal * 1000:.0f} ms"
        print(
            f"{name:42} {goal_text:>9} {seconds * 1000:8.2f} ms  {met:4} "
            f"{seconds / pk:10.1f} {seconds / count:10.3f}"
        )
    return 0


def explain(engine: Any, name: str, call: Callable[[], Any]) -> None:
    """Run ``call`` once, recording its statements; print each with its plan (SQLite:
    ``EXPLAIN QUERY PLAN``; PostgreSQL: ``EXPLAIN (ANALYZE, BUFFERS)``)."""
    seen: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        call()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    print(f"\n=== {name}: {len(seen)} statements")
    prefix = (
        "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN (ANALYZE, BUFFERS) "
    )
    raw = engine.raw_connection()
    try:
        for statement, parameters in seen:
            if not statement.lstrip().upper().startswith("SELECT"):
                continue
            print("---", " ".join(statement.split())[:600])
            cursor = raw.cursor()
            cursor.execute(prefix + statement, parameters)
            for row in cursor.fetchall():
                print("   ", " | ".join(str(v) for v in row))
            cursor.close()
    finally:
        raw.rollback()
        raw.close()


def transitions(engine: Any, staff: dict[str, User], agency: Agency, as_of: date, n: int) -> float:
    """Median seconds of one ``start_review`` unit of work on a freshly registered case."""
    registrar, caseworker = staff["registrar"], staff["caseworker"]
    times = []
    for i in range(n + 1):
        with unit_of_work(engine) as session:
            made = svc.register(
                session,
                agency.id,
                {
                    "channel": Channel.IN_PERSON.value,
                    "arrived_on": as_of.isoformat(),
                    "applicant": {"kind": "natural_person", "name": f"基准测试{i}"},
                    "information_requested": "2025年度本机关行政事业性收费项目清单",
                },
                registrar,
                as_of=as_of,
            )
            case_id, version = made.case.id, made.case.version
        started = time.perf_counter()
        with unit_of_work(engine) as session:
            svc.fire(session, case_id, Trigger.START_REVIEW, caseworker, {}, version, as_of=as_of)
        if i:  # the first is the warm-up
            times.append(time.perf_counter() - started)
    return statistics.median(times)


if __name__ == "__main__":
    sys.exit(main())
