"""Case-engine benchmark: full case lifecycles per second on SQLite against a raw-SQL floor.

A full lifecycle is ten units of work, each its own write transaction:
register (in person) -> start_review -> accept -> consult (third party) -> consultation_done ->
draft_decision (disclosed) -> submit_for_signing -> sign -> deliver (electronic) -> archive.

gkcase runs them through its services (``register``/``fire`` in ``unit_of_work``) on a SQLite
file. The floor writes the same rows with the plain ``sqlite3`` module into a fresh file in the
same folder: one transaction per action, the same pragmas (WAL, foreign_keys, busy_timeout,
BEGIN IMMEDIATE), the same version bump, the reads a hand-written engine needs to make the same
checks (the case row, the previous event hash, the open consultation, the delivery), the same
payload JSON and the same sha256 hash chain. The floor does not recompute the clock: it writes
the clock columns gkcase computed in a reference lifecycle (all lifecycles share their dates).
After each run both files must hold the same rows (timestamps, lookup codes and hashes aside)
and every floor chain must pass gkcase's own ``verify``.

Goal: gkcase at least 25% of the floor's lifecycles per second. Machines here are noisy: read
the ratio, not the rates. Run: python benchmarks/bench_lifecycle.py [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import inspect
import json
import pstats
import re
import secrets
import sqlite3
import tempfile
import time
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.sql import coercions
from sqlmodel import Session

from gkcase.db import create_schema, make_engine, unit_of_work
from gkcase.models import Case
from gkcase.services import cases as svc
from gkcase.services.calendar import current_calendar
from gkcase.services.org import create_agency, create_user
from gkcase.states import machine
from gkcase.states.machine import Role
from gkcase.states.timeline import clock_view

GENESIS = "0" * 64
ARRIVED = date(2026, 3, 2)
APPLICATION = {
    "channel": "in_person",
    "arrived_on": ARRIVED.isoformat(),
    "applicant": {"kind": "natural_person", "name": "张三"},
    "information_requested": "2025年某项目的环境影响评价批复文件",
}
CONSULT = {
    "kind": "third_party",
    "party_name": "某科技有限公司",
    "party_contact": "0000-87654321",
    "matters": "申请公开的批复文件涉及贵公司商业秘密，是否同意公开",
    "sent_on": "2026-03-05",
    "party_received_on": "2026-03-06",
}
OPINION = {"opinion": "agree", "opinion_received_on": "2026-03-12", "summary": "同意公开"}
DECISION = {"outcome": "disclosed", "fields": {"access_method": "电子邮件发送"}}
DELIVERY = {
    "method": "electronic",
    "delivered_on": "2026-03-18",
    "recipient": "张三",
    "proof": "电子邮件发送回执",
}
ARCHIVE = {"file_number": "WS-2026-0001"}

#: (trigger, role, as_of) of the nine actions after registration.
STEPS = (
    ("start_review", Role.CASEWORKER, date(2026, 3, 3)),
    ("accept", Role.CASEWORKER, date(2026, 3, 4)),
    ("consult", Role.CASEWORKER, date(2026, 3, 6)),  # recorded once the party has it
    ("consultation_done", Role.CASEWORKER, date(2026, 3, 12)),
    ("draft_decision", Role.CASEWORKER, date(2026, 3, 13)),
    ("submit_for_signing", Role.CASEWORKER, date(2026, 3, 16)),
    ("sign", Role.OFFICE_HEAD, date(2026, 3, 17)),
    ("deliver", Role.CASEWORKER, date(2026, 3, 18)),
    ("archive", Role.CASEWORKER, date(2026, 3, 19)),
)
#: The state each action leaves and enters (the floor's whole state machine).
MOVES = {
    "start_review": ("registered", "reviewing"),
    "accept": ("reviewing", "handling"),
    "consult": ("handling", "consulting"),
    "consultation_done": ("consulting", "handling"),
    "draft_decision": ("handling", "drafting"),
    "submit_for_signing": ("drafting", "signing"),
    "sign": ("signing", "replied"),
    "deliver": ("replied", "delivered"),
    "archive": ("delivered", "archived"),
}
TABLES = (
    "agency",
    "app_user",
    "applicant",
    "gk_case",
    "case_event",
    "consultation",
    "delivery",
    "counter",
    "fee_notice",
    "remedy",
    "calendar_notice",
    "calendar_day_mark",
)
#: Columns that legitimately differ between the two files (clock time, randomness, hashes of it).
VOLATILE = {
    "gk_case": {"lookup_code", "created_at", "updated_at", "last_event_hash"},
    "applicant": {"created_at"},
    "case_event": {"at", "prev_hash", "hash"},
    "app_user": {"created_at"},
}


# --- the organisation both files start from -------------------------------------------------


class Org:
    def __init__(self, agency_id: int, users: dict) -> None:
        self.agency_id, self.users = agency_id, users


def setup_org(engine: Engine) -> Org:
    """The schema and one city with its development commission (as tests/services/conftest.py)."""
    create_schema(engine)
    with unit_of_work(engine) as session:
        city = create_agency(
            session,
            code="CITY",
            name="某市人民政府",
            letter_prefix="某府公开",
            review_body="某省人民政府",
            court="某市中级人民法院",
        )
        fgw = create_agency(
            session,
            parent=city,
            code="FGW",
            name="某市发展和改革委员会",
            letter_prefix="某发改公开",
            review_body="某市人民政府",
            court="某市某区人民法院",
        )
        users = {
            role: create_user(
                session, username=role.value, full_name=f"{role.label}甲", agency=fgw, roles=[role]
            )
            for role in (Role.REGISTRAR, Role.CASEWORKER, Role.OFFICE_HEAD)
        }
    return Org(fgw.id, users)


# --- gkcase ----------------------------------------------------------------------------------


def _payload(trigger: str, consultation_id: int | None) -> dict | None:
    if trigger == "consult":
        return CONSULT
    if trigger == "consultation_done":
        return {"consultation_id": consultation_id, **OPINION}
    if trigger == "draft_decision":
        return DECISION
    if trigger == "deliver":
        return DELIVERY
    if trigger == "archive":
        return ARCHIVE
    return None


def gkcase_lifecycle(engine: Engine, org: Org, after_each=None) -> None:
    """One full lifecycle through gkcase's services, each action in its own unit of work."""
    with unit_of_work(engine) as session:
        case = svc.register(
            session, org.agency_id, APPLICATION, org.users[Role.REGISTRAR], as_of=ARRIVED
        ).case
    if after_each:
        after_each("register", engine, case)
    case_id, version, consultation_id = case.id, case.version, None
    for trigger, role, as_of in STEPS:
        with unit_of_work(engine) as session:
            fired = svc.fire(
                session,
                case_id,
                trigger,
                org.users[role],
                _payload(trigger, consultation_id),
                version,
                as_of=as_of,
            )
        version = fired.case.version
        if trigger == "consult":
            consultation_id = json.loads(fired.event.payload)["consultation_id"]
        if after_each:
            after_each(trigger, engine, fired.case)


def run_gkcase(engine: Engine, org: Org, lifecycles: int) -> None:
    for _ in range(lifecycles):
        gkcase_lifecycle(engine, org)


CLOCK_COLUMNS = (
    "clock_status",
    "reply_due",
    "projected_due",
    "next_window_due",
    "due_provisional",
    "calendar_version",
)


def _stored(value):
    """A Python value as the sqlite3 module hands it back from gkcase's tables."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def reference(folder: Path) -> dict:
    """Run one lifecycle through gkcase and keep what the floor copies instead of computing:
    the clock columns after each action, the receipt rule and the consultation window."""
    engine = make_engine(f"sqlite:///{folder / 'reference.db'}")
    org = setup_org(engine)
    ref: dict = {"clock": {}}

    def keep(trigger: str, _engine: Engine, case: Case) -> None:
        ref["clock"][trigger] = tuple(_stored(getattr(case, c)) for c in CLOCK_COLUMNS)

    gkcase_lifecycle(engine, org, keep)
    engine.dispose()
    con = sqlite3.connect(folder / "reference.db")
    (ref["receipt_rule"],) = con.execute(
        "SELECT json_extract(payload, '$.receipt_rule') FROM case_event WHERE seq = 1"
    ).fetchone()
    (ref["window_due"],) = con.execute("SELECT window_due FROM consultation").fetchone()
    con.close()
    return ref


# --- the floor: the same rows with plain sqlite3 --------------------------------------------

SNAPSHOT = (
    "state",
    "assignee_id",
    "outcome",
    "decision",
    "draft_version",
    "approved_draft_version",
    "receipt_date",
    "confirmed_on",
    "signed_for_on",
    "replied_on",
    "closed_on",
)
READ_CASE = (
    f"SELECT {', '.join(SNAPSHOT)}, event_count, last_event_hash, reply_due"
    " FROM gk_case WHERE id = ?"
)
BUMP = "UPDATE gk_case SET version = version + 1 WHERE id = ? AND version = ?"
INSERT_EVENT = (
    'INSERT INTO case_event (case_id, seq, "trigger", from_state, to_state, actor_id, actor_name,'
    ' "on", at, payload, reason, changes, prev_hash, hash)'
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _stamp(moment: datetime) -> str:
    """How SQLAlchemy stores a UTC datetime in SQLite."""
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")


class Floor:
    """A hand-written engine for exactly this lifecycle: plain sqlite3, no ORM, no validation
    beyond the checks that decide the same rows."""

    def __init__(self, path: Path, org: Org, ref: dict) -> None:
        con = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        con.execute("PRAGMA foreign_keys=ON")
        con.execute("PRAGMA busy_timeout=15000")
        con.execute("PRAGMA journal_mode=WAL")
        self.con, self.org, self.ref = con, org, ref
        self.actors = {role: (user.id, user.full_name) for role, user in org.users.items()}

    def close(self) -> None:
        self.con.close()

    def _append(
        self, cur, case_id, head, on, trigger, source, target, role, payload, reason, changes
    ):
        # The predecessor is the chain's head on the case row, locked by the version bump.
        count, last_hash = head
        seq, prev = count + 1, last_hash or GENESIS
        actor_id, actor_name = self.actors[role]
        at = datetime.now(UTC).replace(microsecond=0)
        payload, changes = _json(payload), _json(changes)
        body = {
            "case_id": case_id,
            "seq": seq,
            "trigger": trigger,
            "from": source,
            "to": target,
            "actor_id": actor_id,
            "actor_name": actor_name,
            "on": on.isoformat(),
            "at": at.isoformat(),
            "payload": payload,
            "reason": reason,
            "changes": changes,
            "prev": prev,
        }
        digest = hashlib.sha256(_json(body).encode()).hexdigest()
        cur.execute(
            INSERT_EVENT,
            [
                case_id,
                seq,
                trigger,
                source,
                target,
                actor_id,
                actor_name,
                on.isoformat(),
                _stamp(at),
                payload,
                reason,
                changes,
                prev,
                digest,
            ],
        )
        return seq, digest

    def register(self) -> tuple[int, int]:
        cur = self.con.cursor()
        cur.execute("BEGIN IMMEDIATE")
        try:
            agency_id, year = self.org.agency_id, ARRIVED.year
            (code,) = cur.execute("SELECT code FROM agency WHERE id = ?", (agency_id,)).fetchone()
            cur.execute(
                "INSERT INTO counter (agency_id, year, kind, value) VALUES (?, ?, 'case', 0)"
                " ON CONFLICT DO NOTHING",
                (agency_id, year),
            )
            now = _stamp(datetime.now(UTC))
            applicant = APPLICATION["applicant"]
            cur.execute(
                "INSERT INTO applicant (kind, name, id_type, id_number, identity_key,"
                " contact_person, phone, email, address, postcode, created_at)"
                " VALUES (?, ?, '', '', '', '', '', '', '', '', ?)",
                (applicant["kind"], applicant["name"], now),
            )
            applicant_id = cur.lastrowid
            (seq,) = cur.execute(
                "UPDATE counter SET value = value + 1"
                " WHERE agency_id = ? AND year = ? AND kind = 'case' RETURNING value",
                (agency_id, year),
            ).fetchone()
            day = ARRIVED.isoformat()
            clock = dict(zip(CLOCK_COLUMNS, self.ref["clock"]["register"], strict=True))
            row = {
                "agency_id": agency_id,
                "year": year,
                "seq": seq,
                "number": f"{code}-{year}-{seq:05d}",
                "lookup_code": secrets.token_hex(4).upper(),
                "idempotency_key": None,
                "channel": "in_person",
                "arrived_on": day,
                "signed_for_on": None,
                "confirmed_on": None,
                "receipt_date": day,
                "applicant_id": applicant_id,
                "applicant_kind": applicant["kind"],
                "information_requested": APPLICATION["information_requested"],
                "form_requested": "",
                "delivery_requested": "",
                "state": "registered",
                "assignee_id": None,
                "outcome": None,
                "decision": "{}",
                "draft_version": 0,
                "approved_draft_version": None,
                "replied_on": None,
                "closed_on": None,
                **clock,
                "event_count": 0,
                "last_event_hash": "",
                "version": 1,
                "created_at": now,
                "updated_at": now,
                "registered_by": self.org.users[Role.REGISTRAR].id,
            }
            cur.execute(
                f"INSERT INTO gk_case ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
                tuple(row.values()),
            )
            case_id = cur.lastrowid
            payload = {
                "channel": "in_person",
                "arrived_on": day,
                "signed_for_on": None,
                "confirmed_on": None,
                "receipt_date": day,
                "receipt_rule": self.ref["receipt_rule"],
                "applicant_id": applicant_id,
            }
            seq, digest = self._append(
                cur,
                case_id,
                (0, ""),
                ARRIVED,
                "register",
                None,
                "registered",
                Role.REGISTRAR,
                payload,
                "",
                {},
            )
            cur.execute(
                "UPDATE gk_case SET event_count = ?, last_event_hash = ? WHERE id = ?",
                (seq, digest, case_id),
            )
            cur.execute("COMMIT")
        except BaseException:
            cur.execute("ROLLBACK")
            raise
        return case_id, 1

    def fire(self, case_id: int, trigger: str, role: Role, version: int, **kw) -> dict:
        """One action: bump the version, read the case, apply the effect, append the event."""
        cur = self.con.cursor()
        cur.execute("BEGIN IMMEDIATE")
        try:
            if cur.execute(BUMP, (case_id, version)).rowcount != 1:
                raise RuntimeError("stale case")
            row = cur.execute(READ_CASE, (case_id,)).fetchone()
            before = dict(zip(SNAPSHOT, row[:-3], strict=True))
            head = row[-3:-1]
            source, target = MOVES[trigger]
            if before["state"] != source:
                raise RuntimeError(f"{trigger} not allowed in {before['state']}")
            effect = _EFFECTS[trigger]
            on = kw.pop("on")
            set_, payload, reason, out = effect(self, cur, case_id, before, row[-1], **kw)
            after = before | set_ | {"state": target}
            changes = {k: [before[k], after[k]] for k in SNAPSHOT if before[k] != after[k]}
            seq, digest = self._append(
                cur,
                case_id,
                head,
                on,
                trigger,
                source,
                target,
                role,
                payload,
                reason,
                changes,
            )
            columns = {"state": target, "updated_at": _stamp(datetime.now(UTC)), **set_}
            columns |= {"event_count": seq, "last_event_hash": digest}
            columns |= dict(zip(CLOCK_COLUMNS, self.ref["clock"][trigger], strict=True))
            cur.execute(
                f"UPDATE gk_case SET {', '.join(f'{c} = ?' for c in columns)} WHERE id = ?",
                (*columns.values(), case_id),
            )
            cur.execute("COMMIT")
        except BaseException:
            cur.execute("ROLLBACK")
            raise
        return {"version": version + 1, **out}

    # The effects: (case columns set, event payload, reason, what the caller learns).

    def _plain(self, cur, case_id, before, reply_due):
        return {}, {"note": ""}, "", {}

    def _consult(self, cur, case_id, before, reply_due):
        sent_on = "2026-03-05"
        cur.execute(
            "INSERT INTO consultation (case_id, kind, party_name, party_contact, matters, sent_on,"
            " party_received_on, window_due, opinion, opinion_received_on, opinion_summary,"
            " closed) VALUES (:case_id, :kind, :party_name, :party_contact, :matters, :sent_on,"
            " :party_received_on, :window_due, NULL, NULL, '', 0)",
            {
                **CONSULT,
                "case_id": case_id,
                "sent_on": sent_on,
                "window_due": self.ref["window_due"],
            },
        )
        consultation_id = cur.lastrowid
        payload = {
            "kind": CONSULT["kind"],
            "party_name": CONSULT["party_name"],
            "matters": CONSULT["matters"],
            "sent_on": sent_on,
            "party_received_on": CONSULT["party_received_on"],
            "consultation_id": consultation_id,
        }
        return {}, payload, "", {"consultation_id": consultation_id}

    def _consultation_done(self, cur, case_id, before, reply_due, *, consultation_id):
        row = cur.execute(
            "SELECT case_id, sent_on, party_received_on, closed FROM consultation WHERE id = ?",
            (consultation_id,),
        ).fetchone()
        if row is None or row[0] != case_id or row[3]:
            raise RuntimeError("no open consultation")
        ended_on = OPINION["opinion_received_on"]
        cur.execute(
            "UPDATE consultation SET opinion = ?, opinion_received_on = ?, opinion_summary = ?,"
            " closed = 1 WHERE id = ?",
            (OPINION["opinion"], ended_on, OPINION["summary"], consultation_id),
        )
        payload = {
            "consultation_id": consultation_id,
            "opinion": OPINION["opinion"],
            "opinion_received_on": ended_on,
            "party_received_on": row[2],
            "summary": OPINION["summary"],
            "ended_on": ended_on,
            "deemed_consent": False,
        }
        return {}, payload, OPINION["summary"], {}

    def _draft_decision(self, cur, case_id, before, reply_due):
        # The guard: no consultation may still be open.
        (open_,) = cur.execute(
            "SELECT count(*) FROM consultation WHERE case_id = ? AND NOT closed", (case_id,)
        ).fetchone()
        if open_:
            raise RuntimeError("consultation still open")
        draft_version = before["draft_version"] + 1
        set_ = {
            "outcome": DECISION["outcome"],
            "decision": _json(DECISION["fields"]),
            "draft_version": draft_version,
        }
        payload = {**DECISION, "draft_version": draft_version}
        return set_, payload, "", {}

    def _sign(self, cur, case_id, before, reply_due):
        signed_on = "2026-03-17"
        payload = {
            "signed_on": signed_on,
            "outcome": before["outcome"],
            "draft_version": before["draft_version"],
            "on_time": reply_due is None or signed_on <= reply_due,
        }
        return {"replied_on": signed_on}, payload, "", {}

    def _deliver(self, cur, case_id, before, reply_due):
        cur.execute(
            "INSERT INTO delivery (case_id, method, delivered_on, posted_on, tracking_number,"
            " recipient, proof) VALUES (:case_id, :method, :delivered_on, NULL, '', :recipient,"
            " :proof)",
            {**DELIVERY, "case_id": case_id},
        )
        payload = {
            "method": DELIVERY["method"],
            "delivered_on": DELIVERY["delivered_on"],
            "posted_on": None,
            "tracking_number": "",
            "proof": DELIVERY["proof"],
            "timepoint": DELIVERY["delivered_on"],
        }
        return {}, payload, "", {}

    def _archive(self, cur, case_id, before, reply_due):
        # The guard: a delivery must be on record.
        if cur.execute("SELECT id FROM delivery WHERE case_id = ?", (case_id,)).fetchone() is None:
            raise RuntimeError("no delivery recorded")
        payload = {**ARCHIVE, "archived_on": "2026-03-19"}
        return {}, payload, "", {}


_EFFECTS = {trigger: getattr(Floor, f"_{trigger}", Floor._plain) for trigger in MOVES}


def run_floor(floor: Floor, lifecycles: int) -> None:
    for _ in range(lifecycles):
        case_id, version = floor.register()
        consultation_id = None
        for trigger, role, as_of in STEPS:
            kw = {"consultation_id": consultation_id} if trigger == "consultation_done" else {}
            out = floor.fire(case_id, trigger, role, version, on=as_of, **kw)
            version = out["version"]
            consultation_id = out.get("consultation_id", consultation_id)


# --- checks ---------------------------------------------------------------------------------


def _rows(path: Path, table: str) -> list[tuple]:
    con = sqlite3.connect(path)
    try:
        cur = con.execute(f"SELECT * FROM {table} ORDER BY rowid")
        names = [d[0] for d in cur.description]
        keep = [i for i, n in enumerate(names) if n not in VOLATILE.get(table, ())]
        return [tuple(row[i] for i in keep) for row in cur]
    finally:
        con.close()


def check_same_rows(gk_path: Path, floor_path: Path, lifecycles: int) -> dict[str, int]:
    """Both files hold the same number of rows per table, and the same rows."""
    counts = {}
    for table in TABLES:
        ours, theirs = _rows(gk_path, table), _rows(floor_path, table)
        if len(ours) != len(theirs):
            raise SystemExit(f"{table}: gkcase wrote {len(ours)} rows, the floor {len(theirs)}")
        for a, b in zip(ours, theirs, strict=True):
            if a != b:
                raise SystemExit(f"{table}: rows differ:\n  gkcase {a}\n  floor  {b}")
        counts[table] = len(ours)
    assert counts["gk_case"] == lifecycles and counts["case_event"] == 10 * lifecycles
    # The floor's chains pass gkcase's own verification: the hash is computed the same way.
    engine = make_engine(f"sqlite:///{floor_path}")
    with unit_of_work(engine) as session:
        for case_id in range(1, lifecycles + 1):
            result = svc.verify(session, case_id)
            if not result.ok:
                raise SystemExit(f"floor case {case_id}: {result.problems}")
    engine.dispose()
    return counts


# --- the run --------------------------------------------------------------------------------


def bench(lifecycles: int, repeats: int, folder: Path) -> dict:
    ref = reference(folder)  # also warms the calendar cache and SQLAlchemy's statement cache
    best_gk = best_floor = float("inf")
    for r in range(repeats):
        gk_path, floor_path = folder / f"gkcase-{r}.db", folder / f"floor-{r}.db"
        engine = make_engine(f"sqlite:///{gk_path}")
        org = setup_org(engine)
        floor_engine = make_engine(f"sqlite:///{floor_path}")
        floor_org = setup_org(floor_engine)  # same schema, same agencies and users, same ids
        floor_engine.dispose()
        floor = Floor(floor_path, floor_org, ref)

        t0 = time.perf_counter()
        run_gkcase(engine, org, lifecycles)
        t_gk = time.perf_counter() - t0
        t0 = time.perf_counter()
        run_floor(floor, lifecycles)
        t_floor = time.perf_counter() - t0

        floor.close()
        engine.dispose()
        counts = check_same_rows(gk_path, floor_path, lifecycles)
        print(
            f"  run {r + 1}: gkcase {lifecycles / t_gk:7.1f} lifecycles/s ({t_gk:.2f} s), "
            f"floor {lifecycles / t_floor:7.1f} lifecycles/s ({t_floor:.2f} s)"
        )
        best_gk, best_floor = min(best_gk, t_gk), min(best_floor, t_floor)
    written = ", ".join(f"{t} {n}" for t, n in counts.items() if n)
    print(f"rows per run, identical in both files: {written}")
    rate_gk, rate_floor = lifecycles / best_gk, lifecycles / best_floor
    print(
        f"{lifecycles} full lifecycles ({10 * lifecycles} units of work), best of {repeats}:"
        f"\n  gkcase  {rate_gk:7.1f} lifecycles/s  ({1000 * best_gk / (10 * lifecycles):.2f} ms"
        " per unit of work)"
        f"\n  floor   {rate_floor:7.1f} lifecycles/s  ({1000 * best_floor / (10 * lifecycles):.2f}"
        " ms per unit of work)"
        f"\n  ratio gkcase/floor = {100 * rate_gk / rate_floor:.1f}% (goal >= 25%)"
    )
    return ref


# --- where the time goes ---------------------------------------------------------------------


def _statement_kind(sql: str) -> str:
    words = sql.split()
    verb = words[0].upper()
    if verb == "SELECT":
        table = re.search(r"\bFROM\s+(\w+)", sql)
        return f"SELECT {table.group(1) if table else ''}"
    if verb == "INSERT":
        return f"INSERT {words[2]}"
    if verb == "UPDATE":
        return f"UPDATE {words[1]}"
    return " ".join(words[:2]) if verb == "BEGIN" else verb


def count_statements(folder: Path, ref: dict) -> None:
    """One more lifecycle each, on fresh files, with sqlite3's trace hook counting statements."""
    seen: dict[str, Counter] = {"gkcase": Counter(), "floor": Counter()}

    def trace(dbapi_connection, _record) -> None:
        dbapi_connection.set_trace_callback(lambda sql: seen["gkcase"].update([sql]))

    engine = make_engine(f"sqlite:///{folder / 'count-gkcase.db'}")
    org = setup_org(engine)
    engine.dispose()
    event.listen(engine, "connect", trace)
    gkcase_lifecycle(engine, org)
    engine.dispose()
    floor_engine = make_engine(f"sqlite:///{folder / 'count-floor.db'}")
    floor = Floor(folder / "count-floor.db", setup_org(floor_engine), ref)
    floor_engine.dispose()
    floor.con.set_trace_callback(lambda sql: seen["floor"].update([sql]))
    run_floor(floor, 1)
    floor.close()
    kinds = {name: Counter() for name in seen}
    for name, statements in seen.items():
        for sql, n in statements.items():
            kinds[name][_statement_kind(sql)] += n
    total = {name: sum(c.values()) for name, c in kinds.items()}
    print(f"SQL statements a lifecycle: gkcase {total['gkcase']}, floor {total['floor']}")
    for kind, n in kinds["gkcase"].most_common():
        print(f"  {kind:26} gkcase {n:3}  floor {kinds['floor'][kind]:3}")


def _key(function) -> tuple[str, int, str]:
    """A Python function's key in pstats."""
    code = inspect.unwrap(function).__code__
    return code.co_filename, code.co_firstlineno, code.co_name


#: Cumulative time of these says where a lifecycle's time goes (they overlap: fire calls the rest).
PHASES = (
    ("cases.fire (9 a lifecycle)", svc.fire),
    ("cases.register", svc.register),
    ("cases._recompute (events again, fold, clock)", svc._recompute),
    ("cases._append_event", svc._append_event),
    ("cases._events (the whole event history)", svc._events),
    ("calendar.current_calendar (2 queries a call)", current_calendar),
    ("cases._facts", svc._facts),
    ("machine.fire (transitions add/remove_model)", machine.fire),
    ("timeline.clock_view (deadline with explanation)", clock_view),
    ("Session.get", Session.get),
    ("Session.refresh", Session.refresh),
    ("Session.flush (explicit and auto)", Session.flush),
    ("Session.commit", Session.commit),
    ("building SQL expressions (coercions.expect)", coercions.expect),
)


def profile(lifecycles: int, folder: Path) -> None:
    engine = make_engine(f"sqlite:///{folder / 'profile.db'}")
    org = setup_org(engine)
    gkcase_lifecycle(engine, org)  # warm caches outside the profile
    profiler = cProfile.Profile()
    profiler.enable()
    run_gkcase(engine, org, lifecycles)
    profiler.disable()
    engine.dispose()
    stats = pstats.Stats(profiler)
    print(f"\nprofile of {lifecycles} gkcase lifecycles, top 15 by cumulative time:")
    stats.sort_stats("cumulative").print_stats(15)
    raw = stats.stats  # type: ignore[attr-defined]
    total = sum(v[2] for v in raw.values())
    in_sqlite = sum(v[2] for k, v in raw.items() if "sqlite3." in k[2])
    print(
        f"where the time goes: {total:.2f} s profiled ({1000 * total / lifecycles:.0f} ms a"
        " lifecycle, profiler overhead included); cumulative shares, overlapping:"
    )
    label = "inside the sqlite3 module (SQL, commit, fsync)"
    print(f"  {label:50} {100 * in_sqlite / total:5.1f}%")
    for label, function in PHASES:
        _cc, calls, _tt, cum, _callers = raw.get(_key(function), (0, 0, 0.0, 0.0, {}))
        share = 100 * cum / total
        print(f"  {label:50} {share:5.1f}%  {calls / lifecycles:6.1f} calls a lifecycle")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lifecycles", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="also profile a small gkcase run")
    parser.add_argument("--profile-lifecycles", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="gkcase-bench-") as tmp:
        folder = Path(tmp)
        ref = bench(args.lifecycles, args.repeats, folder)
        count_statements(folder, ref)
        if args.profile:
            profile(args.profile_lifecycles, folder)


if __name__ == "__main__":
    main()
