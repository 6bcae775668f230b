"""Generate N realistic cases straight into a database, for the scale benchmarks (issue #8).

    python benchmarks/generate.py sqlite:///var/bench.db --cases 1000000 [--seed 2026]
    python benchmarks/generate.py postgresql+psycopg://postgres@127.0.0.1:5432/gk_bench --cases N

Going through the services costs about a second a case with its letters, so a million cases are
written with bulk inserts (SQLAlchemy Core executemany on SQLite, psycopg ``COPY`` on
PostgreSQL). The rows are still the services' rows: every case replays the life of a *template*,
a case that ``gkcase.demo`` drove through the real services (every state and all 23 outcomes,
consultations, fee notices, extensions, corrections, deliveries, remedies, reopenings), moved in
time by a whole number of working days, so each working-day distance (due dates, windows,
"late" flags) stays what the engine computed. Then, per generated case:

- the organisation is a province → cities → 55 departments each, with users per agency;
- the applicant is new or a repeat applicant, of the six types in realistic proportions, with
  valid identity numbers and ``identity_key`` as ``register`` stores it;
- ids in the payloads (applicant, assignee, consultation, remedy) point at the new rows;
- the clock columns are recomputed with the engine's own ``_recompute`` (``clock_view`` over the
  folded events, as ``fire`` does after each action, as of the last action's date);
- every event is re-hashed with the engine's ``_event_hash``, chained, and the case row carries
  ``event_count``/``last_event_hash``, so ``verify`` passes.

Most cases are closed and spread over the years before ``--today`` (ten at most; from June
2019, when the 2019 Regulation's clock begins); a recent tail (2%) replays
the templates still open on the demo's day, moved to end on ``--today``: some overdue, some at
risk, some paused. Letters are not written (each act's event keeps its letters' numbers and
hashes; their ``letter_id`` is null). Deterministic for a given ``--seed`` and ``--today``.
"""

from __future__ import annotations

import argparse
import bisect
import json
import random
import re
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from sqlalchemy import create_engine, event, insert, select
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel

from gkcase import audit, demo
from gkcase.calendar.clock import (
    CONFIRMATION_DEFAULT_WORKDAYS,
    EXPLANATION_PERIOD_DEFAULT_WORKDAYS,
)
from gkcase.calendar.workdays import WorkdayCalendar
from gkcase.models import (
    Agency,
    Applicant,
    ApplicantType,
    Case,
    CaseEvent,
    Consultation,
    Counter,
    Delivery,
    FeeNotice,
    Remedy,
    User,
)
from gkcase.models.org import DEFAULT_LEGAL_REVIEW
from gkcase.services import cases as svc
from gkcase.services.calendar import current_calendar
from gkcase.states.machine import OPEN_STATES
from gkcase.states.timeline import fold

TODAY = date(2026, 11, 24)
YEARS = 10
#: The 2019 Regulation's first cases: the clock refuses receipt dates before 2019-05-15.
EARLIEST = date(2019, 6, 3)
OPEN_SHARE = 0.02  # the recent tail of open cases
#: Open templates move back by up to this many working days: some come due soon (at risk), some
#: pass their due date (overdue).
OPEN_SPREAD = 15
REPEAT_SHARE = 0.3  # cases filed by an applicant who applied before
TEMPLATE_CASES = 400
#: 申请人情况: natural persons file most applications; then firms, lawyers, others.
APPLICANT_MIX = {
    ApplicantType.NATURAL_PERSON: 0.80,
    ApplicantType.BUSINESS: 0.08,
    ApplicantType.RESEARCH: 0.01,
    ApplicantType.PUBLIC_INTEREST: 0.01,
    ApplicantType.LEGAL_SERVICE: 0.05,
    ApplicantType.OTHER: 0.05,
}
CITIES = (
    ("JZ", "江州"),
    ("YY", "云阳"),
    ("LC", "临川"),
    ("QH", "清河"),
    ("BS", "白沙"),
    ("NP", "南屏"),
    ("XL", "西陵"),
    ("DY", "东阳"),
    ("HX", "鹤溪"),
    ("SL", "双流"),
)
#: Departments of a city (code, name, short name, relative volume of applications).
DEPARTMENTS = (
    ("FGW", "发展和改革委员会", "发改委", 3),
    ("JYJ", "教育局", "教育局", 3),
    ("KJJ", "科学技术局", "科技局", 1),
    ("GXJ", "工业和信息化局", "工信局", 1),
    ("GAJ", "公安局", "公安局", 6),
    ("MZJ", "民政局", "民政局", 2),
    ("SFJ", "司法局", "司法局", 1),
    ("CZJ", "财政局", "财政局", 2),
    ("RSJ", "人力资源和社会保障局", "人社局", 4),
    ("ZRZYJ", "自然资源和规划局", "自然资源局", 10),
    ("STHJJ", "生态环境局", "生态环境局", 4),
    ("ZJJ", "住房和城乡建设局", "住建局", 10),
    ("JTJ", "交通运输局", "交通局", 3),
    ("SLJ", "水利局", "水利局", 1),
    ("NYJ", "农业农村局", "农业农村局", 2),
    ("SWJ", "商务局", "商务局", 1),
    ("WGLJ", "文化广电旅游局", "文广旅局", 1),
    ("WJW", "卫生健康委员会", "卫健委", 3),
    ("TYJRJ", "退役军人事务局", "退役军人局", 1),
    ("YJJ", "应急管理局", "应急局", 1),
    ("SJJ", "审计局", "审计局", 1),
    ("SCJGJ", "市场监督管理局", "市场监管局", 5),
    ("TJJ", "统计局", "统计局", 1),
    ("YBJ", "医疗保障局", "医保局", 2),
    ("CGJ", "城市管理局", "城管局", 3),
    ("LYJ", "林业局", "林业局", 1),
    ("TYJ", "体育局", "体育局", 1),
    ("XFJ", "信访局", "信访局", 1),
    ("JGSWJ", "机关事务管理局", "机关事务局", 1),
    ("SJGLJ", "大数据管理局", "大数据局", 1),
    ("SPJ", "行政审批服务局", "审批局", 2),
    ("RFB", "人民防空办公室", "人防办", 1),
    ("JRJ", "地方金融管理局", "金融局", 1),
    ("LSJ", "粮食和物资储备局", "粮储局", 1),
    ("GZW", "国有资产监督管理委员会", "国资委", 1),
    ("WSB", "外事办公室", "外办", 1),
    ("MZZJJ", "民族宗教事务局", "民宗局", 1),
    ("DAJ", "档案馆", "档案馆", 1),
    ("ZFB", "人民政府办公室", "政府办", 2),
    ("BZJ", "住房保障和房产管理局", "房管局", 5),
    ("GXS", "供销合作社联合社", "供销社", 1),
    ("KFQ", "经济技术开发区管理委员会", "开发区管委会", 3),
    ("GXQ", "高新技术产业开发区管理委员会", "高新区管委会", 3),
    ("DHQ", "东湖区人民政府", "东湖区政府", 6),
    ("CNQ", "城南区人民政府", "城南区政府", 6),
    ("JBQ", "江北区人民政府", "江北区政府", 6),
    ("XCQ", "西城区人民政府", "西城区政府", 5),
    ("BHQ", "滨湖区人民政府", "滨湖区政府", 4),
    ("QSX", "青山县人民政府", "青山县政府", 3),
    ("PXX", "平溪县人民政府", "平溪县政府", 3),
    ("LXX", "柳溪县人民政府", "柳溪县政府", 2),
    ("HSS", "和顺市人民政府", "和顺市政府", 3),
    ("ZXQ", "征收办公室", "征收办", 6),
    ("GGZY", "公共资源交易中心", "交易中心", 1),
    ("SWZ", "水务集团（受委托）", "水务", 1),
)
STAFF = (
    ("registrar", ("registrar",)),
    ("caseworker1", ("caseworker",)),
    ("caseworker2", ("caseworker",)),
    ("legal_reviewer", ("legal_reviewer",)),
    ("office_head", ("office_head",)),
)
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


# --- templates: cases the real services wrote ----------------------------------------------------


@dataclass
class Template:
    row: dict[str, Any]
    events: list[dict[str, Any]]
    consultations: list[dict[str, Any]]
    fees: list[dict[str, Any]]
    deliveries: list[dict[str, Any]]
    remedies: list[dict[str, Any]]
    first: date  # the day the application arrived
    last: date  # the last action's date
    open: bool


def template_db(seed: int, today: date, path: Path | None, cases: int = TEMPLATE_CASES) -> Path:
    """The demo, driven through the real services into a SQLite file (made once, then reused)."""
    path = path or Path(tempfile.gettempdir()) / f"gkcase-templates-{seed}-{today}-{cases}.db"
    if not path.exists():
        print(f"templates: running the demo through the services into {path} …", flush=True)
        partial = path.with_suffix(".partial")
        partial.unlink(missing_ok=True)
        from gkcase.db import make_engine

        demo.seed(make_engine(f"sqlite:///{partial}"), cases=cases, seed=seed, today=today)
        partial.rename(path)
    return path


def load_templates(path: Path) -> list[Template]:
    engine = create_engine(f"sqlite:///{path}")
    with Session(engine) as session:
        roles = {u.id: u.roles.split(",")[0] for u in session.exec(select(User)).scalars()}
        by_case: dict[int, dict[str, list[dict[str, Any]]]] = {}
        for model, key in (
            (CaseEvent, "events"),
            (Consultation, "consultations"),
            (FeeNotice, "fees"),
            (Delivery, "deliveries"),
            (Remedy, "remedies"),
        ):
            order = model.seq if model is CaseEvent else model.id
            for obj in session.exec(select(model).order_by(model.case_id, order)).scalars():
                data = obj.model_dump()
                if model is CaseEvent:
                    data["role"] = roles.get(obj.actor_id, "registrar")
                by_case.setdefault(obj.case_id, {}).setdefault(key, []).append(data)
        templates = []
        for case in session.exec(select(Case).order_by(Case.id)).scalars():
            parts = by_case.get(case.id, {})
            events = parts.get("events", [])
            templates.append(
                Template(
                    case.model_dump(),
                    events,
                    parts.get("consultations", []),
                    parts.get("fees", []),
                    parts.get("deliveries", []),
                    parts.get("remedies", []),
                    case.arrived_on,
                    max(e["on"] for e in events),
                    case.state in {s.value for s in OPEN_STATES},
                )
            )
    engine.dispose()
    return templates


# --- moving a template in time ---------------------------------------------------------------------


class Shift:
    """Dates moved by ``k`` working days: a working day to the k-th working day from it; any other
    day keeps its distance from the working day before it."""

    def __init__(self, cal: WorkdayCalendar, k: int) -> None:
        self.cal, self.k, self.memo = cal, k, {}

    def __call__(self, day: date | None) -> date | None:
        if day is None:
            return None
        moved = self.memo.get(day)
        if moved is None:
            base = day
            while not self.cal.is_workday(base):
                base -= timedelta(days=1)
            moved = self.cal.add_workdays(base, self.k) + (day - base)
            self.memo[day] = moved
        return moved

    def text(self, value: str) -> str:
        return _ISO_DAY.sub(lambda m: self(date.fromisoformat(m.group())).isoformat(), value)


def workday_distance(cal: WorkdayCalendar, start: date, end: date) -> int:
    """Signed working days from ``start`` to ``end`` (both moved back to a working day)."""
    while not cal.is_workday(start):
        start -= timedelta(days=1)
    while not cal.is_workday(end):
        end -= timedelta(days=1)
    if end >= start:
        return cal.workdays_between(start, end)
    return -cal.workdays_between(end, start)


# --- the organisation -----------------------------------------------------------------------------


@dataclass
class Org:
    agencies: list[dict[str, Any]] = field(default_factory=list)
    users: list[dict[str, Any]] = field(default_factory=list)
    staff: dict[int, dict[str, list[dict[str, Any]]]] = field(default_factory=dict)
    handling: list[int] = field(default_factory=list)  # agencies that receive applications
    weights: list[float] = field(default_factory=list)


def build_org(rng: random.Random, created: datetime) -> Org:
    org = Org()

    def agency(
        code: str, name: str, short: str, parent: dict | None, prefix: str, review: str, court: str
    ) -> dict:
        agency_id = len(org.agencies) + 1
        row = {
            "id": agency_id,
            "parent_id": parent["id"] if parent else None,
            "path": (parent["path"] if parent else "/") + f"{agency_id}/",
            "code": code,
            "name": name,
            "short_name": short,
            "letter_prefix": prefix,
            "review_body": review,
            "court": court,
            "vertical": False,
            "address": f"{name}政务服务中心",
            "postcode": f"21{rng.randrange(1000, 9999)}",
            "phone": f"0{rng.randrange(100, 999)}-{rng.randrange(10_000_000, 99_999_999)}",
            "email": f"gongkai.{code.lower()}@example.gov.cn",
            "fee_window_pauses_clock": True,
            "consultation_pause_from": "dispatch",
            "correction_period_workdays": 10,
            "explanation_period_workdays": EXPLANATION_PERIOD_DEFAULT_WORKDAYS,
            "confirmation_workdays": CONFIRMATION_DEFAULT_WORKDAYS,
            "at_risk_workdays": 3,
            "legal_review_outcomes": DEFAULT_LEGAL_REVIEW,
        }
        org.agencies.append(row)
        roles = list(STAFF) + (
            [("supervisor", ("supervisor",))]
            if parent is None or parent["parent_id"] is None
            else []
        )
        staff: dict[str, list[dict[str, Any]]] = {}
        for suffix, role in roles:
            user = {
                "id": len(org.users) + 1,
                "username": f"{code.lower()}_{suffix}",
                "full_name": demo._person_name(rng),
                "agency_id": agency_id,
                "roles": ",".join(role),
                "password_hash": "",
                "email": "",
                "active": True,
                "service_account": False,
                "created_at": created,
            }
            org.users.append(user)
            staff.setdefault(role[0], []).append(user)
        org.staff[agency_id] = staff
        return row

    province = agency(
        "PROV", "某省人民政府", "省政府", None, "某省府公开", "某省人民政府", "某省高级人民法院"
    )
    org.handling.append(province["id"])
    org.weights.append(8.0)
    for code, city in CITIES:
        government = agency(
            code,
            f"{city}市人民政府",
            f"{city}市政府",
            province,
            f"{city}府公开",
            "某省人民政府",
            f"{city}市中级人民法院",
        )
        org.handling.append(government["id"])
        org.weights.append(6.0)
        size = rng.uniform(0.5, 2.0)  # cities differ in size
        for dept, name, short, volume in DEPARTMENTS:
            row = agency(
                f"{code}-{dept}",
                f"{city}市{name}",
                f"{city}{short}",
                government,
                f"{city}{short[:2]}公开",
                f"{city}市人民政府",
                f"{city}市{rng.choice(('东湖区', '城南区', '江北区'))}人民法院",
            )
            org.handling.append(row["id"])
            org.weights.append(volume * size)
    return org


# --- one generated case ---------------------------------------------------------------------------


class Generator:
    def __init__(
        self,
        templates: list[Template],
        cal: WorkdayCalendar,
        today: date,
        seed: int,
        open_share: float = OPEN_SHARE,
    ) -> None:
        self.cal, self.today, self.seed, self.open_share = cal, today, seed, open_share
        self.rng = random.Random(seed)
        self.org = build_org(
            self.rng, datetime.combine(today - timedelta(days=365 * YEARS), clock_time(1), UTC)
        )
        self.open = [t for t in templates if t.open]
        self.closed = [t for t in templates if not t.open]
        self.demo_today = today  # the templates were made for the same day
        self.cumulative = []
        total = 0.0
        for w in self.org.weights:
            total += w
            self.cumulative.append(total)
        self.kinds = list(APPLICANT_MIX)
        self.kind_weights = list(APPLICANT_MIX.values())
        self.applicants: list[dict[str, Any]] = []
        self.by_kind: dict[str, list[int]] = {k.value: [] for k in ApplicantType}
        self.ids = {"consultation": 0, "fee_notice": 0, "delivery": 0, "remedy": 0, "event": 0}
        self.counters: dict[tuple[int, int], int] = {}

    # pass 1: what each case is, and when it arrives
    def plan(self, n: int) -> list[tuple[date, int, int, int, int]]:
        """(arrival, index, agency id, template index, shift) per case, by arrival."""
        rng = self.rng
        start = max(self.today - timedelta(days=365 * YEARS), EARLIEST)
        span = (self.today - timedelta(days=90) - start).days
        n_open = round(n * self.open_share)
        base = 0  # the templates were made on ``today`` already
        plans = []
        for index in range(n):
            agency_id = self.org.handling[
                bisect.bisect(self.cumulative, rng.random() * self.cumulative[-1])
            ]
            if index < n_open:
                t_index = rng.randrange(len(self.open))
                template = self.open[t_index]
                k = base - rng.randrange(0, OPEN_SPREAD + 1)
                t_index = -1 - t_index
            else:
                t_index = rng.randrange(len(self.closed))
                template = self.closed[t_index]
                # intake grows over the years: more cases in recent years
                offset = int(span * (rng.random() ** 0.7))
                target = start + timedelta(days=offset)
                k = workday_distance(self.cal, template.first, target)
                last = Shift(self.cal, k)(template.last)
                if last > self.today:
                    k -= workday_distance(self.cal, self.today, last) + 1
            arrival = Shift(self.cal, k)(template.first)
            plans.append((arrival, index, agency_id, t_index, k))
        plans.sort()
        return plans

    def counters_through(self, plans: list[tuple], done: int) -> dict[tuple[int, int], int]:
        """Case numbers used by the first ``done`` cases: (agency, year) → the last ``seq``."""
        if done == len(plans):
            return self.counters
        used: dict[tuple[int, int], int] = {}
        for arrival, _index, agency_id, _t, _k in plans[:done]:
            used[(agency_id, arrival.year)] = used.get((agency_id, arrival.year), 0) + 1
        return used

    def template(self, t_index: int) -> Template:
        return self.open[-1 - t_index] if t_index < 0 else self.closed[t_index]

    def applicant(self, rng: random.Random, created: datetime) -> tuple[int, str]:
        kind = rng.choices(self.kinds, self.kind_weights)[0]
        pool = self.by_kind[kind.value]
        if pool and rng.random() < REPEAT_SHARE:
            applicant_id = pool[int(len(pool) * rng.random() ** 3)]  # some apply very often
            return applicant_id, kind.value
        data = demo._applicant(rng, kind)
        applicant_id = len(self.applicants) + 1
        row = {
            "id": applicant_id,
            "kind": kind.value,
            "name": data["name"],
            "id_type": data.get("id_type", ""),
            "id_number": data.get("id_number", ""),
            "identity_key": svc.identity_key(data.get("id_type", ""), data.get("id_number", "")),
            "contact_person": data.get("contact_person", ""),
            "phone": data.get("phone", ""),
            "email": data.get("email", ""),
            "address": data.get("address", ""),
            "postcode": data.get("postcode", ""),
            "created_at": created,
        }
        self.applicants.append(row)
        pool.append(applicant_id)
        return applicant_id, kind.value

    def case(
        self, case_id: int, agency_id: int, template: Template, k: int
    ) -> dict[str, list[dict]]:
        """Every row of one case."""
        rng = random.Random(f"{self.seed}:{case_id}")
        shift = Shift(self.cal, k)
        agency = self.org.agencies[agency_id - 1]
        staff = self.org.staff[agency_id]
        t = template.row
        arrived = shift(t["arrived_on"])
        created = datetime.combine(arrived, clock_time(1, rng.randrange(60)), UTC)
        applicant_id, kind = self.applicant(rng, created)
        year = arrived.year
        seq = self.counters.get((agency_id, year), 0) + 1
        self.counters[(agency_id, year)] = seq
        caseworker = rng.choice(staff["caseworker"])
        people = {role: users[0] for role, users in staff.items()} | {"caseworker": caseworker}
        rows: dict[str, list[dict]] = {
            "consultation": [],
            "fee_notice": [],
            "delivery": [],
            "remedy": [],
        }
        moved_ids: dict[str, dict[int, int]] = {"consultation": {}, "remedy": {}}
        for table, items, dates in (
            (
                "consultation",
                template.consultations,
                ("sent_on", "party_received_on", "window_due", "opinion_received_on"),
            ),
            ("fee_notice", template.fees, ("sent_on", "received_on", "window_due", "paid_on")),
            ("delivery", template.deliveries, ("delivered_on", "posted_on")),
            ("remedy", template.remedies, ("filed_on", "result_on")),
        ):
            for item in items:
                self.ids[table] += 1
                row = dict(item, id=self.ids[table], case_id=case_id)
                for name in dates:
                    row[name] = shift(row[name])
                if table == "delivery" and row["recipient"]:
                    row["recipient"] = ""
                if table in moved_ids:
                    moved_ids[table][item["id"]] = row["id"]
                rows[table].append(row)
        case = {
            **{name: t[name] for name in t},
            "id": case_id,
            "agency_id": agency_id,
            "year": year,
            "seq": seq,
            "number": f"{agency['code']}-{year}-{seq:05d}",
            "lookup_code": f"{rng.getrandbits(32):08X}",
            "idempotency_key": None,
            "arrived_on": arrived,
            "signed_for_on": shift(t["signed_for_on"]),
            "confirmed_on": shift(t["confirmed_on"]),
            "receipt_date": shift(t["receipt_date"]),
            "applicant_id": applicant_id,
            "applicant_kind": kind,
            "decision": shift.text(t["decision"]),
            "replied_on": shift(t["replied_on"]),
            "closed_on": shift(t["closed_on"]),
            "assignee_id": caseworker["id"] if t["assignee_id"] else None,
            "registered_by": people["registrar"]["id"],
            "created_at": created,
            "version": len(template.events),
        }
        events = []
        prev = svc.GENESIS
        key_id = audit.key_ring().current.id
        pairs = []
        for e in template.events:
            actor = people.get(e["role"], people["registrar"])
            on = shift(e["on"])
            payload, changes = shift.text(e["payload"]), shift.text(e["changes"])
            trigger = e["trigger"]
            if trigger in _REWRITE or '"letters"' in payload:
                data = json.loads(payload)
                if trigger in _REWRITE:
                    _REWRITE[trigger](data, applicant_id, caseworker, actor, moved_ids)
                for entry in data.get("letters") or ():
                    entry["letter_id"] = None  # letters are not generated
                payload = svc._json(data)
                if trigger == "assign":
                    changes = svc._json({"assignee_id": [None, caseworker["id"]]})
            values = {
                "case_id": case_id,
                "seq": e["seq"],
                "trigger": trigger,
                "from_state": e["from_state"],
                "to_state": e["to_state"],
                "actor_id": actor["id"],
                "actor_name": actor["full_name"],
                "on": on,
                "at": datetime.combine(on, clock_time(1 + e["seq"] % 8, rng.randrange(60)), UTC),
                "payload": payload,
                "reason": shift.text(e["reason"]),
                "changes": changes,
                "prev_hash": prev,
                "hash": "",
                "key_id": key_id,
            }
            values["hash"] = prev = svc._event_hash(svc.EventRecord(**values))
            self.ids["event"] += 1
            values["id"] = self.ids["event"]
            events.append(values)
            pairs.append((trigger, json.loads(payload)))
        last_on = events[-1]["on"]
        case["updated_at"] = events[-1]["at"]
        case["event_count"], case["last_event_hash"] = len(events), prev
        case["chain_seal"] = audit.seal(
            case_id, case["agency_id"], case["number"], len(events), prev
        )
        clock = SimpleNamespace(state=case["state"])
        svc._recompute(clock, _RULES, fold(pairs), self.cal, last_on)
        for name in (
            "reply_due",
            "projected_due",
            "due_provisional",
            "next_window_due",
            "clock_status",
            "calendar_version",
        ):
            case[name] = getattr(clock, name)
        rows["gk_case"] = [case]
        rows["case_event"] = events
        return rows


_RULES = SimpleNamespace(
    fee_window_pauses_clock=True,
    consultation_pause_from="dispatch",
    correction_period_workdays=10,
    legal_review_outcomes=DEFAULT_LEGAL_REVIEW,
    explanation_period_workdays=EXPLANATION_PERIOD_DEFAULT_WORKDAYS,
    confirmation_workdays=CONFIRMATION_DEFAULT_WORKDAYS,
)


def _register(data: dict, applicant_id: int, *_: Any) -> None:
    data["applicant_id"] = applicant_id


def _assign(data: dict, _applicant: int, caseworker: dict, *_: Any) -> None:
    data["assignee_id"], data["assignee_name"] = caseworker["id"], caseworker["full_name"]


def _consultation(data: dict, _a: int, _c: dict, _actor: dict, moved: dict) -> None:
    data["consultation_id"] = moved["consultation"].get(data["consultation_id"])


def _remedy(data: dict, _a: int, _c: dict, _actor: dict, moved: dict) -> None:
    if data.get("remedy_id") is not None:
        data["remedy_id"] = moved["remedy"].get(data["remedy_id"])


def _extend(data: dict, _a: int, _c: dict, actor: dict, _m: dict) -> None:
    data["approved_by"] = actor["full_name"]


_REWRITE = {
    "register": _register,
    "assign": _assign,
    "consult": _consultation,
    "consultation_done": _consultation,
    "record_remedy": _remedy,
    "extend": _extend,
}


# --- writing ------------------------------------------------------------------------------------------

TABLES = {
    "agency": Agency,
    "app_user": User,
    "applicant": Applicant,
    "gk_case": Case,
    "case_event": CaseEvent,
    "consultation": Consultation,
    "fee_notice": FeeNotice,
    "delivery": Delivery,
    "remedy": Remedy,
    "counter": Counter,
}


class Writer:
    """Bulk inserts: executemany on SQLite, COPY on PostgreSQL."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.postgresql = engine.dialect.name == "postgresql"
        self.connection = engine.raw_connection() if self.postgresql else engine.connect()
        self.columns = {
            name: [c.name for c in model.__table__.columns] for name, model in TABLES.items()
        }
        self.rows = 0

    def write(self, table: str, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        self.rows += len(rows)
        columns = self.columns[table]
        if self.postgresql:
            names = ", ".join(f'"{c}"' for c in columns)
            with (
                self.connection.cursor() as cursor,
                cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy,
            ):
                for row in rows:
                    copy.write_row([row.get(c) for c in columns])
        else:
            self.connection.execute(
                insert(TABLES[table].__table__), [{c: row.get(c) for c in columns} for row in rows]
            )

    def commit(self) -> None:
        self.connection.commit()

    def rollback(self) -> None:
        self.connection.rollback()

    def finish(self) -> None:
        if self.postgresql:
            with self.connection.cursor() as cursor:
                for table in TABLES:
                    if table != "counter":
                        cursor.execute(
                            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                            f"(SELECT coalesce(max(id), 1) FROM {table}))"
                        )
            self.connection.commit()
            # Statistics and the visibility map, as autovacuum makes them on a database in use:
            # freshly copied rows are all "maybe invisible", so an index-only scan would still
            # visit every heap page (benchmarks/load.py does the same after seeding).
            self.connection.driver_connection.autocommit = True
            with self.connection.cursor() as cursor:
                for table in TABLES:
                    cursor.execute(f"VACUUM (ANALYZE) {table}")
            self.connection.close()
        else:
            self.connection.commit()
            self.connection.exec_driver_sql("ANALYZE")
            self.connection.close()


BATCHED = ("gk_case", "case_event", "consultation", "fee_notice", "delivery", "remedy")


def open_engine(url: str) -> Engine:
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":

        def pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=OFF")
            cursor.execute("PRAGMA cache_size=-400000")
            cursor.close()

        event.listen(engine, "connect", pragmas)
    return engine


def generate(
    url: str | None,
    n: int,
    *,
    seed: int = 2026,
    today: date = TODAY,
    templates: Path | None = None,
    template_cases: int = TEMPLATE_CASES,
    engine: Engine | None = None,
    open_share: float = OPEN_SHARE,
) -> dict[str, int]:
    """Write ``n`` cases into the empty database at ``url`` (or ``engine``); return rows per
    table. ``template_cases``: how many demo cases to replay (46 already reach every outcome);
    ``open_share``: the share of open cases (1.0 for the recompute benchmark's worst case)."""
    loaded = load_templates(template_db(seed, today, templates, template_cases))
    engine = engine or open_engine(url)
    SQLModel.metadata.create_all(engine)
    with Session(engine) as session:
        if session.exec(select(Case.id).limit(1)).first() is not None:
            raise SystemExit("generate: the database already holds cases; use an empty one")
        cal = current_calendar(session)
    gen = Generator(loaded, cal, today, seed, open_share)
    writer = Writer(engine)
    writer.write("agency", gen.org.agencies)
    writer.write("app_user", gen.org.users)
    counts = {"agency": len(gen.org.agencies), "app_user": len(gen.org.users)}
    started = time.perf_counter()
    batch: dict[str, list[dict]] = {}
    written_applicants = 0
    plans = gen.plan(n)
    done = 0
    try:
        for case_id, (_arrival, _index, agency_id, t_index, k) in enumerate(plans, start=1):
            for table, rows in gen.case(case_id, agency_id, gen.template(t_index), k).items():
                batch.setdefault(table, []).extend(rows)
            if case_id % 5000 == 0 or case_id == n:
                writer.write("applicant", gen.applicants[written_applicants:])
                for table in BATCHED:
                    writer.write(table, batch.get(table, []))
                writer.commit()
                written_applicants = len(gen.applicants)
                for table in BATCHED:
                    counts[table] = counts.get(table, 0) + len(batch.get(table, []))
                done = case_id
                batch.clear()
                if case_id % 100_000 == 0:
                    rate = writer.rows / (time.perf_counter() - started)
                    print(
                        f"  {case_id:,} cases, {writer.rows:,} rows, {rate:,.0f} rows/s", flush=True
                    )
    except KeyboardInterrupt:  # stop early (kill -INT): keep the batches written so far
        writer.rollback()
        print(f"generate: interrupted; keeping the first {done:,} cases", flush=True)
    counts["applicant"] = written_applicants
    counters = [
        {"agency_id": a, "year": y, "kind": "case", "value": v}
        for (a, y), v in sorted(gen.counters_through(plans, done).items())
    ]
    writer.write("counter", counters)
    counts["counter"] = len(counters)
    writer.finish()
    elapsed = time.perf_counter() - started
    total = sum(counts.values())
    print(
        f"{done:,} cases, {total:,} rows in {elapsed:.1f} s: "
        f"{total / elapsed:,.0f} rows/s, {done / elapsed:,.0f} cases/s"
    )
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url", help="SQLAlchemy URL of an empty database")
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--today", type=date.fromisoformat, default=TODAY)
    parser.add_argument(
        "--templates", type=Path, help="the template database (default: a temp file)"
    )
    parser.add_argument(
        "--open-share",
        type=float,
        default=OPEN_SHARE,
        help=f"share of open cases (default {OPEN_SHARE}; benchmarks/bench_recompute.py: 1)",
    )
    args = parser.parse_args(argv)
    counts = generate(
        args.url,
        args.cases,
        seed=args.seed,
        today=args.today,
        templates=args.templates,
        open_share=args.open_share,
    )
    for table, count in counts.items():
        print(f"  {table}: {count:,}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
