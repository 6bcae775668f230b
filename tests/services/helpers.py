"""Small helpers the service tests share."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlmodel import col, select

from gkcase.db import unit_of_work
from gkcase.models import Applicant, Case
from gkcase.services import cases as svc

APPLICATION = {
    "channel": "in_person",
    "arrived_on": "2026-03-02",
    "applicant": {"kind": "natural_person", "name": "张三"},
    "information_requested": "2025年某项目的环境影响评价批复文件",
}


def register(org, *, as_of=None, **changes):
    """Register on ``as_of``, by default the latest date the application states."""
    data = {**APPLICATION, **changes}
    stated = []
    for key in ("arrived_on", "signed_for_on", "confirmed_on"):
        try:
            stated.append(date.fromisoformat(str(data[key])))
        except (KeyError, ValueError):
            continue  # absent, or malformed: the service will say which field
    as_of = as_of or max(stated, default=date(2026, 3, 2))
    with unit_of_work(org.engine) as session:
        return svc.register(session, org.fgw.id, data, org.user("registrar"), as_of=as_of).case


def fire(org, case_id, trigger, role, payload=None, *, as_of=date(2026, 3, 3), version=None):
    with unit_of_work(org.engine) as session:
        if version is None:
            version = session.get(Case, case_id).version
        return svc.fire(session, case_id, trigger, org.user(role), payload, version, as_of=as_of)


def bare_cases(session, org, cases, *, assignee_id=None):
    """FGW case rows with the given clock columns — ``(state, clock status, reply due, projected
    due)`` each — and no events: for what reads the clock columns only (lists, counts, the
    overdue predicates of gkcase/services/urgency.py). Returns their ids."""
    now = datetime.now(UTC)
    applicant = Applicant(kind="natural_person", name="张三", created_at=now)
    session.add(applicant)
    session.flush()
    seq = session.exec(select(Case.seq).order_by(col(Case.seq).desc())).first() or 0
    rows = [
        Case(
            agency_id=org.fgw.id,
            year=2026,
            seq=i,
            number=f"FGW-2026-{i:05d}",
            lookup_code="X",
            channel="in_person",
            applicant_id=applicant.id,
            applicant_kind="natural_person",
            information_requested="某文件",
            state=state,
            assignee_id=assignee_id,
            clock_status=status,
            reply_due=due,
            projected_due=projected,
            created_at=now,
            updated_at=now,
        )
        for i, (state, status, due, projected) in enumerate(cases, start=seq + 1)
    ]
    session.add_all(rows)
    session.flush()
    return [r.id for r in rows]
