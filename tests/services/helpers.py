"""Small helpers the service tests share."""

from __future__ import annotations

from datetime import date

from gkcase.db import unit_of_work
from gkcase.models import Case
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
