"""One overdue everywhere (issue #18, point 8): the inbox, the case search, the JSON case list,
the supervisor's dashboard and drill-down, the metrics, the digest and ``gkcase case list
--overdue`` list the same cases as overdue, at risk and paused — the predicates of
gkcase/services/urgency.py — and a finished case reads 已答复 / 已终结 / 已归档 in every list.

The cases are bare rows (clock columns only, dated from today), so the expectations below hold
whatever day the tests run: the warning period is the agency's default, 3 working days; a due date
40 calendar days ahead is never within it, and a due date today always is.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from gkcase.models import Agency, Case, User
from gkcase.services import cases as svc
from gkcase.services import digest, metrics, supervision
from gkcase.services.urgency import FINISHED_LABELS
from gkcase.states.machine import State
from tests.services.conftest import cli_database
from tests.services.helpers import bare_cases

TODAY = svc.china_today()


def _day(n: int):
    return TODAY + timedelta(days=n)


#: key → (state, clock status, reply due, projected due)
ROWS = {
    "late": ("handling", "running", _day(-1), None),
    "due_today": ("handling", "running", TODAY, None),
    "comfortable": ("drafting", "running", _day(40), None),
    "deferred_late": ("handling", "deferred", _day(-3), None),
    "paused_late": ("consulting", "paused", None, _day(-1)),
    "paused_due_today": ("consulting", "paused", None, TODAY),
    "paused": ("consulting", "paused", None, _day(40)),
    "paused_open_ended": ("awaiting_fee", "paused", None, None),
    "correction": ("awaiting_correction", "waiting", None, None),
    "replied": ("replied", "stopped", _day(-1), None),
    "closed": ("closed", "stopped", _day(-30), None),
    "archived": ("archived", "stopped", _day(-30), None),
}
OVERDUE = {"late", "deferred_late", "paused_late"}
AT_RISK = {"due_today"}
PAUSED = {"paused_late", "paused_due_today", "paused", "paused_open_ended"}
#: The word every list shows for each case (gkcase.services.urgency.urgency_of).
WORD = {
    "late": "overdue",
    "due_today": "at_risk",
    "comfortable": "",
    "deferred_late": "overdue",
    "paused_late": "overdue",
    "paused_due_today": "paused",
    "paused": "paused",
    "paused_open_ended": "paused",
    "correction": "waiting",
    "replied": "finished",
    "closed": "finished",
    "archived": "finished",
}


def _fill(org) -> dict[str, str]:
    """The rows, the caseworker's; key → case number."""
    with Session(org.engine) as session:
        worker = session.get(User, org.user("caseworker").id)
        worker.email = "caseworker@example.org"
        session.add(worker)
        ids = bare_cases(session, org, list(ROWS.values()), assignee_id=worker.id)
        session.commit()
        numbers = {c.id: c.number for c in session.exec(select(Case))}
    return {key: numbers[i] for key, i in zip(ROWS, ids, strict=True)}


@pytest.fixture
def board(org):
    return _fill(org)


def _keys(numbers: dict[str, str], found) -> set[str]:
    by_number = {n: k for k, n in numbers.items()}
    return {by_number[n] for n in found if n in by_number}


def test_the_json_list_filters_and_words(web, board):
    user = web.user("caseworker")

    def listed(**flags):
        query = "&".join(f"{k}=true" for k in flags)
        body = user.get(f"/api/cases?page_size=100&as_of={TODAY}&{query}").json()
        return body["items"]

    assert _keys(board, [i["number"] for i in listed(overdue=1)]) == OVERDUE
    assert _keys(board, [i["number"] for i in listed(at_risk=1)]) == AT_RISK
    assert _keys(board, [i["number"] for i in listed(paused=1)]) == PAUSED
    words = {i["number"]: i["urgency"] for i in listed()}
    assert {key: words[number] for key, number in board.items()} == WORD


def _numbers_in(html: str) -> list[str]:
    return re.findall(r'<a href="/cases/\d+">(FGW-\d{4}-\d{5})</a>', html)


def test_the_search_page_and_the_inbox(web, board):
    user = web.user("caseworker")
    for flag, expected in (("overdue", OVERDUE), ("at_risk", AT_RISK), ("paused", PAUSED)):
        page = user.get(f"/cases?flag={flag}").text
        assert _keys(board, _numbers_in(page)) == expected, flag
    # every row of the search says what its clock is: a finished case by what ended it
    page = user.get("/cases?q=某文件").text
    for key in ("replied", "closed", "archived"):
        line = _row(page, board[key])
        assert FINISHED_LABELS[State(ROWS[key][0])] in line and "计时中" not in line
        assert "逾期" not in line
    assert 'class="badge overdue"' in _row(page, board["paused_late"])
    # the inbox: overdue first, then due within the warning period, then paused
    inbox = user.get("/inbox").text
    sections = {key: _section_of(inbox, board[key]) for key in ROWS if _listed(inbox, board[key])}
    assert {k for k, s in sections.items() if s == "overdue"} == OVERDUE
    assert {k for k, s in sections.items() if s == "at_risk"} == AT_RISK
    assert {k for k, s in sections.items() if s == "paused"} == PAUSED - OVERDUE
    assert not {"replied", "closed", "archived"} & set(sections)  # open cases only


def _row(html: str, number: str) -> str:
    start = html.index(f'data-case="{number}"')
    return html[start : html.index("</tr>", start)]


def _listed(html: str, number: str) -> bool:
    return f'data-case="{number}"' in html


def _section_of(html: str, number: str) -> str:
    position = html.index(f'data-case="{number}"')
    sections = [(m.start(), m.group(1)) for m in re.finditer(r'id="section-(\w+)"', html)]
    return [key for start, key in sections if start < position][-1]


def test_the_dashboard_drill_down_metrics_and_digest(web, board):
    org = web.org
    supervisor = web.user("supervisor")
    for flag, expected in (("overdue", OVERDUE), ("at_risk", AT_RISK), ("paused", PAUSED)):
        page = supervisor.get(f"/supervision/cases?flag={flag}&agency_id={org.fgw.id}").text
        assert _keys(board, _numbers_in(page)) == expected, flag
    with Session(org.engine) as session:
        fgw = session.get(Agency, org.fgw.id)
        counts = supervision.breakdown(session, fgw, as_of=TODAY).total
        assert (counts.open, counts.overdue, counts.at_risk, counts.paused) == (9, 3, 1, 4)
        report = metrics.metrics(session, fgw, start=_day(-60), end=TODAY, as_of=TODAY)
        total = report.total
        assert (total.open, total.overdue, total.at_risk, total.paused) == (9, 3, 1, 4)
        built = digest.build(session, as_of=TODAY, agency=fgw)
        own = next(d.own for d in built.digests if d.username == "caseworker")
        assert _keys(board, [line.number for line in own.overdue]) == OVERDUE
        assert _keys(board, [line.number for line in own.due_soon]) == AT_RISK


def test_the_cli_lists_the_same_overdue(tmp_path, monkeypatch, capsys):
    from gkcase.cli import main

    with cli_database(tmp_path, monkeypatch, _fill) as numbers:
        assert main(["case", "list", "--overdue", "--on", TODAY.isoformat()]) == 0
        out = capsys.readouterr().out
        assert _keys(numbers, [line.split()[0] for line in out.splitlines()]) == OVERDUE
        assert all("（逾期）" in line for line in out.splitlines())
        paused_late = next(line for line in out.splitlines() if numbers["paused_late"] in line)
        assert f"预计期限 {_day(-1).isoformat()}（逾期）" in paused_late
        # a reply due today is not overdue today, and is tomorrow
        tomorrow = _day(1).isoformat()
        assert main(["case", "list", "--overdue", "--on", tomorrow]) == 0
        out = capsys.readouterr().out
        found = _keys(numbers, [line.split()[0] for line in out.splitlines()])
        assert found == OVERDUE | {"due_today", "paused_due_today"}
