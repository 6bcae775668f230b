"""A finished case's clock (issue #18, point 7): replied and delivered cases read 已答复, a closed one
已终结, an archived one 已归档 — on the case page, in the JSON detail, on the public status page
and in ``gkcase case show`` — never 计时中, and with no 暂定 badge although their due date lies in
an estimated year.

Received Thu 2026-12-10: the 20 working days run into January 2027, a year whose arrangement is
not yet published, so the open case's due date is provisional (暂定).
"""

from __future__ import annotations

import html
import re
from datetime import date as D

import pytest

from gkcase.db import read_session
from gkcase.models import Case
from tests.services.conftest import cli_database
from tests.services.helpers import fire, register

ARRIVED = D(2026, 12, 10)
PUBLISHED = {
    "outcome": "already_published",
    "fields": {"access_method": "已在本机关门户网站主动公开"},
}


def _replied(org) -> int:
    case_id = register(org, arrived_on=ARRIVED.isoformat()).id
    fire(org, case_id, "start_review", "caseworker", as_of=ARRIVED)
    fire(org, case_id, "decide_without_handling", "caseworker", PUBLISHED, as_of=ARRIVED)
    fire(org, case_id, "submit_for_signing", "caseworker", as_of=ARRIVED)
    fire(org, case_id, "sign", "office_head", {"signed_on": "2026-12-11"}, as_of=D(2026, 12, 11))
    return case_id


def _delivered(org) -> int:
    case_id = _replied(org)
    payload = {"method": "direct", "delivered_on": "2026-12-14", "recipient": "张三"}
    fire(org, case_id, "deliver", "caseworker", payload, as_of=D(2026, 12, 14))
    return case_id


def _archived(org) -> int:
    case_id = _delivered(org)
    payload = {"file_number": "2026-永久-001"}
    fire(org, case_id, "archive", "registrar", payload, as_of=D(2026, 12, 15))
    return case_id


def _closed(org) -> int:
    case_id = register(org, arrived_on=ARRIVED.isoformat()).id
    fire(org, case_id, "start_review", "caseworker", as_of=ARRIVED)
    payload = {"withdrawn_on": "2026-12-11", "how": "书面撤回"}
    fire(org, case_id, "withdraw", "caseworker", payload, as_of=D(2026, 12, 11))
    return case_id


FINISHED = [
    (_replied, "replied", "已答复"),
    (_delivered, "delivered", "已答复"),
    (_closed, "closed", "已终结"),
    (_archived, "archived", "已归档"),
]


def _text(page: str) -> str:
    body = page[page.find("<main") :]
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", body)))


def test_the_open_case_is_provisional(web):
    """The premise: before it is finished, the same case runs and is 暂定."""
    case_id = register(web.org, arrived_on=ARRIVED.isoformat()).id
    page = web.user("caseworker").get(f"/cases/{case_id}").text
    assert "暂定" in page
    detail = web.user("caseworker").get(f"/api/cases/{case_id}").json()
    assert detail["clock"]["provisional"] is True


@pytest.mark.parametrize(("make", "state", "label"), FINISHED, ids=[s for _, s, _ in FINISHED])
def test_the_case_page_and_the_api_say_what_ended_the_clock(web, make, state, label):
    case_id = make(web.org)
    with read_session(web.engine) as session:
        case = session.get(Case, case_id)
        assert (case.state, case.clock_status) == (state, "stopped")
    user = web.user("caseworker")
    page = user.get(f"/cases/{case_id}").text
    assert f'id="clock-status">{label}</span>' in page
    text = _text(page)
    assert "计时中" not in text and "暂定" not in text and "剩余工作日" not in text
    clock = user.get(f"/api/cases/{case_id}").json()["clock"]
    assert (clock["status"], clock["provisional"]) == ("stopped", False)


@pytest.mark.parametrize(("make", "state", "label"), FINISHED, ids=[s for _, s, _ in FINISHED])
def test_the_public_status_page_shows_no_due_date_and_no_badge(web, make, state, label):
    case_id = make(web.org)
    with read_session(web.engine) as session:
        case = session.get(Case, case_id)
        number, code = case.number, case.lookup_code
    page = web.anonymous.post("/status", data={"number": number, "code": code}).text
    stage = "已答复" if state in ("replied", "delivered") else "已办结"
    assert f'<p class="stage">{stage}</p>' in page
    assert "暂定" not in page and "计时中" not in page and "答复期限</dt>" not in page


@pytest.mark.parametrize(("make", "state", "label"), FINISHED, ids=[s for _, s, _ in FINISHED])
def test_case_show_says_what_ended_the_clock(tmp_path, monkeypatch, capsys, make, state, label):
    from gkcase.cli import main

    def fill(org):
        case_id = make(org)
        with read_session(org.engine) as session:
            return session.get(Case, case_id).number

    with cli_database(tmp_path, monkeypatch, fill) as number:
        assert main(["case", "show", number, "--on", "2026-12-16"]) == 0
    out = capsys.readouterr().out
    assert f"计时（截至 2026-12-16）：{label}" in out
    assert "计时中" not in out and "可能变动" not in out and "已逾期" not in out
