"""HTTP load: two API workers on PostgreSQL, many concurrent clients, no lost events.

    python benchmarks/load.py [--seconds 60] [--clients 50] [--rate 300] [--cases 3000]

1. Recreates the PostgreSQL database ``--database`` (default ``gk_load``) on ``--server`` and
   seeds it through gkcase's services: a city and one agency, a registrar, a caseworker and an
   office head with API tokens, and ``--cases`` cases (a third of them accepted; most overdue).
2. Starts ``gkcase serve --workers 2`` on it as a separate process (the workers take new
   connections in turn, fewest open connections first; gkcase/server.py).
3. Reference: every client reads a trivial authenticated endpoint (``GET
   /api/calendar/days/{day}``: the bearer-token look-up and the cached calendar) for
   ``--reference-seconds``, so the noise of the machine shows in the same run.
4. Capacity, for ``--seconds``: ``--lifecycle-clients`` clients each run full lifecycles through
   the JSON API (register → start_review → accept → draft_decision → submit_for_signing → sign →
   deliver → archive, each with ``expected_version``; on ``case.stale`` the client re-reads the
   case and retries) and the other clients read as fast as they are answered: a case's detail
   (70%), the case list (20%), the overdue list (10%). Reads per second here is the throughput.
5. Latency, for ``--seconds``: the same clients, but the readers together *offer* ``--rate``
   reads per second on a fixed schedule (each reader every ``readers / rate`` seconds) while the
   lifecycle clients run flat out. A read's latency counts from when it was *due*, not when it
   was sent, so a slow answer that delays the next read is charged to the server ("coordinated
   omission" corrected). p50/p99 are taken here: latency at the goal's throughput, since in the
   capacity phase every client always has a request waiting and the latency is only the queue
   (45 readers ÷ reads per second).
6. Checks: every lifecycle's events are in the database in the order the clients saw them
   succeed (no event lost, none extra), and ``verify`` passes on every case the clients wrote.

Exits 1 when a goal or a check fails: ≥ 300 case reads/s, read p99 < 100 ms at 300 reads/s, no
errors, no lost events, every audit chain whole. The clients are aiohttp, one keep-alive
connection each, in one process of their own.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import aiohttp
import httpx2 as httpx
from sqlalchemy import create_engine, text
from sqlmodel import col, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


from gkcase.db import create_schema, make_engine, read_session, unit_of_work  # noqa: E402
from gkcase.models import CaseEvent  # noqa: E402
from gkcase.services import auth, org  # noqa: E402
from gkcase.services import cases as svc  # noqa: E402
from gkcase.states.machine import Role  # noqa: E402

GOAL_READS_PER_SECOND = 300
GOAL_READ_P99_MS = 100
READ_KINDS = ("detail", "list", "overdue")

APPLICATION = {
    "channel": "in_person",
    "arrived_on": "2026-03-02",
    "applicant": {"kind": "natural_person", "name": "张三"},
    "information_requested": "2025年某项目的环境影响评价批复文件",
    "as_of": "2026-03-02",
}
DELIVERY = {
    "method": "electronic",
    "delivered_on": "2026-03-18",
    "recipient": "张三",
    "proof": "电子邮件发送回执",
}
#: (trigger, role, payload, as_of) of the seven actions after registration.
LIFECYCLE = (
    ("start_review", "caseworker", {}, "2026-03-03"),
    ("accept", "caseworker", {}, "2026-03-04"),
    (
        "draft_decision",
        "caseworker",
        {"outcome": "disclosed", "fields": {"access_method": "电子邮件发送"}},
        "2026-03-13",
    ),
    ("submit_for_signing", "caseworker", {}, "2026-03-16"),
    ("sign", "office_head", {}, "2026-03-17"),
    ("deliver", "caseworker", DELIVERY, "2026-03-18"),
    ("archive", "caseworker", {"file_number": "WS-2026-0001"}, "2026-03-19"),
)


# --- seeding ------------------------------------------------------------------------------------


def recreate_database(server: str, name: str) -> str:
    admin = create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return f"{server}/{name}"


def seed(url: str, cases: int) -> tuple[dict[str, str], list[int]]:
    """The organisation, a bearer token per role, and ``cases`` cases; returns (tokens, ids)."""
    engine = make_engine(url)
    create_schema(engine)
    with unit_of_work(engine) as session:
        city = org.create_agency(
            session,
            code="CITY",
            name="某市人民政府",
            letter_prefix="某府公开",
            review_body="某省人民政府",
            court="某市中级人民法院",
        )
        fgw = org.create_agency(
            session,
            parent=city,
            code="FGW",
            name="某市发展和改革委员会",
            letter_prefix="某发改公开",
            review_body="某市人民政府",
            court="某市某区人民法院",
            address="某市人民路1号",
            phone="0000-12345678",
        )
        org.create_user(
            session, username="admin", full_name="管理员", agency=city, roles=[Role.ADMIN]
        )
        users = {
            role: org.create_user(
                session, username=role, full_name=f"{Role(role).label}甲", agency=fgw, roles=[role]
            )
            for role in ("registrar", "caseworker", "office_head")
        }
        tokens = {
            role: auth.issue_api_token(session, name="load", user=user, issued_by=user)[1]
            for role, user in users.items()
        }
    rng = random.Random(2026)
    ids: list[int] = []
    first = date(2025, 9, 1)
    for start in range(0, cases, 200):
        with unit_of_work(engine) as session:
            for n in range(start, min(start + 200, cases)):
                arrived = first + timedelta(days=rng.randrange(180))
                data = {
                    **APPLICATION,
                    "arrived_on": arrived.isoformat(),
                    "applicant": {"kind": "business", "name": f"某某公司{n}"},
                }
                data.pop("as_of")
                registrar = users["registrar"]
                case = svc.register(session, fgw.id, data, registrar, as_of=arrived).case
                ids.append(case.id)
                if n % 3 == 0:
                    version = case.version
                    for trigger in ("start_review", "accept"):
                        fired = svc.fire(
                            session, case.id, trigger, users["caseworker"], None, version,
                            as_of=arrived + timedelta(days=3),
                        )  # fmt: skip
                        version = fired.case.version
    # Statistics and the visibility map, as autovacuum would have made them on a database in use:
    # without the one the planner takes the freshly filled tables for empty, without the other an
    # index-only scan (the list's count) visits every row anyway. (SQLite, for
    # bench_case_letters.py: statistics only.)
    statement = "VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE"
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text(statement))
    engine.dispose()
    return tokens, ids


# --- the server ---------------------------------------------------------------------------------


def start_server(url: str, port: int, workers: int) -> subprocess.Popen:
    env = {**os.environ, "GKCASE_DATABASE_URL": url}
    command = [
        sys.executable, "-m", "gkcase", "serve", "--workers", str(workers),
        "--host", "127.0.0.1", "--port", str(port), "--no-access-log",
    ]  # fmt: skip
    return subprocess.Popen(
        command, cwd=ROOT, env=env, start_new_session=True, stdout=subprocess.DEVNULL
    )


def wait_until_up(base: str, token: str, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the API exited with status {server.returncode}")
        try:
            response = httpx.get(
                f"{base}/api/calendar/days/2026-10-10",
                headers={"Authorization": f"Bearer {token}"},
                timeout=2,
            )
            if response.status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise SystemExit("the API did not answer within 60 s")


def stop_server(server: subprocess.Popen) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)


# --- the clients --------------------------------------------------------------------------------


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: Counter = field(default_factory=Counter)
    stale_retries: int = 0
    lifecycles: int = 0
    #: case id → the triggers the clients saw succeed on it, in order
    seen: dict[int, list[str]] = field(default_factory=dict)


class Failed(Exception):
    pass


class Client:
    """One keep-alive connection with one role's bearer token."""

    def __init__(self, base: str, token: str) -> None:
        self.http = aiohttp.ClientSession(
            base_url=base,
            headers={"Authorization": f"Bearer {token}"},
            connector=aiohttp.TCPConnector(limit=1),
            timeout=aiohttp.ClientTimeout(total=60),
        )

    async def close(self) -> None:
        await self.http.close()


async def _call(client, tally, kind, method, url, *, due=None, parse=True, **kw):
    """One request; its latency counts from ``due`` (the schedule) when given, else from now.
    ``parse=False``: a successful answer's body is read but not decoded (the readers only need
    the status; decoding a case's JSON is client CPU taken from the server on a shared machine).
    """
    started = due if due is not None else time.perf_counter()
    try:
        async with client.http.request(method, url, **kw) as response:
            status, body = response.status, await response.read()
    except (aiohttp.ClientError, TimeoutError) as exc:
        tally.errors[(kind, 0, type(exc).__name__)] += 1
        raise Failed(kind) from exc
    tally.latencies[kind].append(time.perf_counter() - started)
    if not parse and status < 400 and body:
        return status, None
    data = json.loads(body) if body else {}
    if status >= 400:
        code = data.get("code", "") if isinstance(data, dict) else ""
        if code == "case.stale":
            tally.stale_retries += 1
            return status, data
        tally.errors[(kind, status, code)] += 1
        raise Failed(kind)
    return status, data


def _read_target(rng, ids):
    pick = rng.random()
    if pick < 0.7:
        return "detail", f"/api/cases/{rng.choice(ids)}"
    if pick < 0.9:
        return "list", f"/api/cases?page={rng.randint(1, 20)}"
    return "overdue", "/api/cases?overdue=true"


async def reader(client, tally, ids, until, rng, interval=None, offset=0.0):
    """Reads until ``until``: back to back, or (``interval``) one every ``interval`` seconds."""
    due = time.perf_counter() + offset
    while time.monotonic() < until:
        if interval is not None:
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
        kind, url = _read_target(rng, ids)
        with contextlib.suppress(Failed):
            await _call(client, tally, kind, "GET", url, due=due if interval else None, parse=False)
        if interval is not None:
            due += interval


async def reference_reader(client, tally, until):
    while time.monotonic() < until:
        try:
            await _call(
                client, tally, "reference", "GET", "/api/calendar/days/2026-10-10", parse=False
            )
        except Failed:
            continue


async def lifecycle(clients, tally, case_id, version, think) -> bool:
    """The seven actions after registration, ``think`` seconds apart; False when one is refused
    (counted as an error)."""
    for trigger, role, payload, as_of in LIFECYCLE:
        await asyncio.sleep(think)
        url = f"/api/cases/{case_id}/actions/{trigger}"
        try:
            while True:
                request = {"expected_version": version, "payload": payload, "as_of": as_of}
                status, body = await _call(clients[role], tally, trigger, "POST", url, json=request)
                if status != 409:
                    break
                # case.stale: re-read the case, then try again with its version
                _, fresh = await _call(
                    clients[role], tally, "detail", "GET", f"/api/cases/{case_id}"
                )
                version = fresh["version"]
        except Failed:
            return False
        version = body["case"]["version"]
        tally.seen[case_id].append(trigger)
    return True


async def lifecycler(clients, tally, until, think):
    while time.monotonic() < until:
        await asyncio.sleep(think)
        try:
            _, body = await _call(
                clients["registrar"], tally, "register", "POST", "/api/cases", json=APPLICATION
            )
        except Failed:
            continue
        tally.seen[body["id"]] = ["register"]
        if await lifecycle(clients, tally, body["id"], body["version"], think):
            tally.lifecycles += 1


async def _phase(base, tokens, ids, args, seed, rate=None) -> tuple[Tally, float]:
    """Lifecycle clients flat out and readers back to back, or offering ``rate`` reads/s."""
    tally = Tally()
    rng = random.Random(seed)
    readers = args.clients - args.lifecycle_clients
    interval = readers / rate if rate else None
    writers = [{role: Client(base, token) for role, token in tokens.items()}
               for _ in range(args.lifecycle_clients)]  # fmt: skip
    pool = [Client(base, tokens["caseworker"]) for _ in range(readers)]
    until = time.monotonic() + args.seconds
    started = time.monotonic()
    lifecycles = [
        asyncio.create_task(lifecycler(roles, tally, until, args.think)) for roles in writers
    ]
    readings = []
    for index, client in enumerate(pool):
        offset = index * interval / readers if interval else 0.0  # spread the readers' schedules
        task = reader(client, tally, ids, until, random.Random(rng.random()), interval, offset)
        readings.append(asyncio.create_task(task))
    # The readers' window is the phase's length: a lifecycle under way at the end is finished
    # (so that its events can be checked) after the readers have stopped, and does not count.
    await asyncio.gather(*readings)
    elapsed = time.monotonic() - started
    await asyncio.gather(*lifecycles)
    for client in pool + [c for roles in writers for c in roles.values()]:
        await client.close()
    return tally, elapsed


async def drive(base, tokens, ids, args):
    pool = [Client(base, tokens["caseworker"]) for _ in range(args.clients)]
    reference = Tally()
    until = time.monotonic() + args.reference_seconds
    started = time.monotonic()
    await asyncio.gather(*(reference_reader(c, reference, until) for c in pool))
    reference_elapsed = time.monotonic() - started
    for client in pool:
        await client.close()
    capacity, capacity_elapsed = await _phase(base, tokens, ids, args, seed=7)
    latency, latency_elapsed = await _phase(base, tokens, ids, args, seed=8, rate=args.rate)
    return (reference, reference_elapsed), (capacity, capacity_elapsed), (latency, latency_elapsed)


# --- the checks ---------------------------------------------------------------------------------


def check_events(url: str, seen: dict[int, list[str]]) -> list[str]:
    """Every case's events against what the clients saw succeed; then verify each chain."""
    problems = []
    engine = make_engine(url)
    with read_session(engine) as session:
        stored: dict[int, list[str]] = defaultdict(list)
        rows = session.exec(
            select(CaseEvent.case_id, CaseEvent.trigger)
            .where(col(CaseEvent.case_id).in_(list(seen)))
            .order_by(CaseEvent.case_id, CaseEvent.seq)
        ).all()
        for case_id, trigger in rows:
            stored[case_id].append(trigger)
        for case_id, triggers in seen.items():
            if stored[case_id] != triggers:
                problems.append(f"case {case_id}: clients saw {triggers}, stored {stored[case_id]}")
            result = svc.verify(session, case_id)
            if not result.ok:
                problems.append(f"case {case_id}: verify failed: {result}")
    engine.dispose()
    return problems


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] * 1000


def _table(title: str, rows) -> None:
    print(f"\n{title}")
    print(f"{'kind':<20}{'count':>8}{'per s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}")
    for kind, values, seconds in rows:
        if values:
            print(f"{kind:<20}{len(values):>8}{len(values) / seconds:>9.1f}"
                  f"{percentile(values, 0.5):>9.1f}{percentile(values, 0.95):>9.1f}"
                  f"{percentile(values, 0.99):>9.1f}")  # fmt: skip


def _reads(tally: Tally) -> list[float]:
    return [v for kind in READ_KINDS for v in tally.latencies.get(kind, [])]


def main() -> int:
    from gkcase import audit

    # The seeding here and the served workers sign the audit trail with one key (docs/engine.md).
    os.environ.setdefault("GKCASE_AUDIT_KEYS", audit.new_key_line())
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60, help="each of the two load phases")
    parser.add_argument("--reference-seconds", type=float, default=10)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--lifecycle-clients", type=int, default=5)
    parser.add_argument("--rate", type=float, default=GOAL_READS_PER_SECOND,
                        help="reads per second the readers offer in the latency phase")  # fmt: skip
    parser.add_argument("--think", type=float, default=1.0,
                        help="seconds a lifecycle client waits before each action (0: flat out)")  # fmt: skip
    parser.add_argument("--cases", type=int, default=3000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--server", default="postgresql+psycopg://postgres@127.0.0.1:5432")
    parser.add_argument("--database", default="gk_load")
    args = parser.parse_args()

    started = time.monotonic()
    url = recreate_database(args.server, args.database)
    tokens, ids = seed(url, args.cases)
    print(f"seeded {len(ids)} cases in {time.monotonic() - started:.1f} s", flush=True)
    load_before = os.getloadavg()[0]
    server = start_server(url, args.port, args.workers)
    base = f"http://127.0.0.1:{args.port}"
    try:
        wait_until_up(base, tokens["caseworker"], server)
        (reference, ref_s), (capacity, cap_s), (latency, lat_s) = asyncio.run(
            drive(base, tokens, ids, args)
        )
    finally:
        stop_server(server)

    print(f"load average (1 min) on {os.cpu_count()} cores: {load_before:.1f} before the run, "
          f"{os.getloadavg()[0]:.1f} after")  # fmt: skip
    print(f"{args.workers} workers, {args.clients} clients ({args.lifecycle_clients} running "
          f"lifecycles); reference {ref_s:.0f} s, capacity {cap_s:.0f} s, latency {lat_s:.0f} s "
          f"at {args.rate:.0f} reads/s offered")  # fmt: skip
    ref_values = reference.latencies["reference"]
    _table("reference (every client back to back)", [("reference", ref_values, ref_s)])
    _table(
        "capacity (readers back to back)",
        [(k, v, cap_s) for k, v in sorted(capacity.latencies.items())],
    )
    _table(f"latency (readers offer {args.rate:.0f}/s; latency from when each read was due)",
           [(k, v, lat_s) for k, v in sorted(latency.latencies.items())])  # fmt: skip

    ref_rate = len(ref_values) / ref_s
    read_rate = len(_reads(capacity)) / cap_s
    offered = _reads(latency)
    achieved = len(offered) / lat_s
    read_p50 = percentile(offered, 0.5) if offered else float("inf")
    read_p99 = percentile(offered, 0.99) if offered else float("inf")
    print(f"\ncase reads (capacity): {read_rate:.0f}/s (goal ≥ {GOAL_READS_PER_SECOND}), "
          f"{read_rate / ref_rate:.2f}× the reference's {ref_rate:.0f}/s")  # fmt: skip
    print(f"case reads at {args.rate:.0f}/s offered: {achieved:.0f}/s answered; p50 "
          f"{read_p50:.1f} ms, p99 {read_p99:.1f} ms (goal < {GOAL_READ_P99_MS})")  # fmt: skip
    lifecycles = capacity.lifecycles + latency.lifecycles
    stale = capacity.stale_retries + latency.stale_retries
    print(f"lifecycles completed: {capacity.lifecycles} + {latency.lifecycles}; "
          f"case.stale retried: {stale}")  # fmt: skip
    errors = reference.errors + capacity.errors + latency.errors
    by_code = {f"{kind} {status} {code}": n for (kind, status, code), n in errors.items()}
    print("errors:", json.dumps(by_code, ensure_ascii=False) if by_code else "none")

    seen = {**capacity.seen, **latency.seen}
    problems = check_events(url, seen)
    print(f"events checked on {len(seen)} cases written by the clients; "
          f"verify on each: {'all pass' if not problems else f'{len(problems)} problems'}")  # fmt: skip
    for problem in problems[:20]:
        print("  ", problem)

    failures = []
    if read_rate < GOAL_READS_PER_SECOND:
        failures.append(f"case reads {read_rate:.0f}/s < {GOAL_READS_PER_SECOND}/s")
    if achieved < 0.95 * args.rate:
        failures.append(f"only {achieved:.0f} of {args.rate:.0f} offered reads/s answered")
    if read_p99 >= GOAL_READ_P99_MS:
        failures.append(f"read p99 {read_p99:.1f} ms ≥ {GOAL_READ_P99_MS} ms")
    if errors:
        failures.append(f"{sum(errors.values())} errors")
    if problems:
        failures.append(f"{len(problems)} event or audit problems")
    if not lifecycles:
        failures.append("no lifecycle completed")
    print("\nFAILED: " + "; ".join(failures) if failures else "\nall goals met, all checks pass")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
