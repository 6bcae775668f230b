"""督查统计: the supervisor's dashboard, its drill-down lists and a case's audit trail."""

from __future__ import annotations

import re
from datetime import date

from sqlmodel import select

from gkcase.db import unit_of_work
from gkcase.models import Agency, Case, CaseEvent
from gkcase.services.org import create_user
from gkcase.states.machine import Role
from tests.services.test_supervision import (  # noqa: F401  (the `world` fixture)
    AS_OF,
    handling,
    in_legal_review,
    replied,
    world,
)
from tests.web.conftest import screenshot, set_passwords

D = date
DASHBOARD = f"/supervision?as_of={AS_OF.isoformat()}"


def _stat(html, kind):
    """The big number of one of the four totals."""
    blocks = re.findall(r'<div class="panel stat[^"]*"><div class="value">(.*?)</div>', html)
    assert len(blocks) == 4
    value = blocks[["open", "overdue", "at_risk", "paused"].index(kind)]
    return int(re.sub(r"<[^>]+>", "", value))


def _number(web, case_id):
    with unit_of_work(web.engine) as session:
        return session.get(Case, case_id).number


def test_dashboard_totals_and_departments(web, world):  # noqa: F811
    page = web.user("supervisor").get(DASHBOARD)
    assert page.status_code == 200
    html = page.text
    assert (_stat(html, "open"), _stat(html, "overdue")) == (6, 3)
    assert (_stat(html, "at_risk"), _stat(html, "paused")) == (1, 1)
    department = html.split('class="by-department"')[1].split("</table>")[0]
    assert f'agency_id={web.org.fgw.id}">' in department and "某市发展和改革委员会" in department
    assert f'agency_id={web.org.zjw.id}">' in department
    assert "chart-4.6.1.umd.min.js" in html and "/static/supervision.js" in html
    assert '<script type="application/json" id="chart-weekly-data">' in html
    assert "<script>" not in html  # nothing inline: the CSP would block it


def test_drill_down_into_a_department_and_its_cases(web, world):  # noqa: F811
    supervisor = web.user("supervisor")
    fgw = web.org.fgw.id
    page = supervisor.get(f"{DASHBOARD}&agency_id={fgw}")
    html = page.text
    assert "价格科" in html.split('class="by-department"')[1].split("</table>")[0]
    assert "承办人甲" in html.split('class="by-caseworker"')[1]
    link = f"/supervision/cases?as_of={AS_OF.isoformat()}&agency_id={fgw}&subtree=1&flag=overdue"
    assert link.replace("&", "&amp;") in html
    listed = supervisor.get(link)
    assert listed.status_code == 200
    assert re.search(r'class="total">2<', listed.text)
    assert _number(web, world.overdue) in listed.text
    assert _number(web, world.sub_overdue) in listed.text
    assert _number(web, world.zjw_overdue) not in listed.text  # a sibling's case
    by_worker = supervisor.get(
        f"/supervision/cases?as_of={AS_OF.isoformat()}&agency_id={fgw}&flag=open"
        f"&assignee_id={web.org.user('caseworker').id}"
    )
    assert re.search(r'class="total">2<', by_worker.text) and "承办人甲" in by_worker.text


def test_lapses_and_on_time_table(web):
    org = web.org
    late = replied(org, D(2026, 3, 2), D(2026, 4, 1))  # due Mar 30: late, and never delivered
    html = web.user("supervisor").get(f"{DASHBOARD}&from=2026-01-01&to=2026-04-30").text
    lapses = html.split('<table class="lapses">')[1].split("</table>")[0]
    assert _number(web, late) in lapses and "答复已签发未送达" in lapses
    assert f'href="/supervision/cases/{late}/audit"' in lapses
    on_time = html.split('<table class="on-time">')[1].split("</table>")[0]
    assert 'class="num total-rate">0.0%' in on_time
    changed = web.user("supervisor").get(f"{DASHBOARD}&undelivered_workdays=20").text
    assert "未发现程序问题" in changed  # 12 working days is within 20


def test_audit_trail_by_case_number_with_verification(web):
    case_id = in_legal_review(web.org, D(2026, 3, 2), agency=web.org.zjw, worker="other_caseworker")
    number = _number(web, case_id)
    supervisor = web.user("supervisor")
    found = supervisor.get(f"/supervision/audit?number={number.lower()}")
    assert found.status_code == 303
    assert found.headers["location"] == f"/supervision/cases/{case_id}/audit"
    html = supervisor.get(found.headers["location"]).text
    assert "完整性校验通过" in html
    assert "提交法制审核" in html or "submit_for_legal_review" in html
    assert "住建承办人" in html and "法制审核中" in html
    # registered, review started, accepted, drafted, submitted: one row each
    assert "共 5 条事件" in html and html.split("<tbody>")[1].count("<tr>") == 5
    assert '<form method="post"' not in html.split("</header>")[1]  # read-only
    missing = supervisor.get("/supervision/audit?number=NOPE-1")
    assert missing.status_code == 404 and "未找到案件" in missing.text


def test_a_tampered_event_fails_verification(web):
    case_id = handling(web.org, D(2026, 3, 2))
    with unit_of_work(web.engine) as session:
        event = session.exec(
            select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.seq)
        ).first()
        event.reason = "事后改动"
        session.add(event)
    html = web.user("supervisor").get(f"/supervision/cases/{case_id}/audit").text
    assert "完整性校验未通过" in html and "内容已被改动" in html


def test_only_supervisors_and_only_their_subtree(web, world):  # noqa: F811
    assert web.user("caseworker").get("/supervision").status_code == 403
    assert (
        web.user("legal_reviewer").get(f"/supervision/cases/{world.overdue}/audit").status_code
        == 403
    )
    with unit_of_work(web.engine) as session:
        fgw = session.get(Agency, web.org.fgw.id)
        create_user(
            session,
            username="fgw_supervisor",
            full_name="发改督查",
            agency=fgw,
            roles=[Role.SUPERVISOR],
        )
    set_passwords(web.engine)
    fgw_supervisor = web.user("fgw_supervisor")
    assert fgw_supervisor.get(DASHBOARD).status_code == 200
    assert fgw_supervisor.get(f"{DASHBOARD}&agency_id={web.org.zjw.id}").status_code == 404
    assert fgw_supervisor.get(f"/supervision/cases/{world.zjw_overdue}/audit").status_code == 404
    number = _number(web, world.zjw_overdue)
    assert fgw_supervisor.get(f"/supervision/audit?number={number}").status_code == 404
    overdue = fgw_supervisor.get(
        f"/supervision/cases?as_of={AS_OF.isoformat()}&flag=overdue&subtree=1"
    ).text
    assert number not in overdue and re.search(r'class="total">2<', overdue)


def test_dashboard_charts_in_a_real_browser(pages, live):
    org = live.org
    replied(org, D(2026, 11, 2), D(2026, 11, 9))
    replied(org, D(2026, 10, 12), D(2026, 11, 3))
    handling(org, D(2026, 11, 16), agency=org.zjw, worker="other_caseworker")
    in_legal_review(org, D(2026, 3, 2))
    page = pages.new("supervisor")
    page.goto("/supervision")
    for chart in ("#chart-weekly", "#chart-on-time"):
        page.wait_for_selector(f"{chart}[data-rendered='1']")
        box = page.locator(chart).bounding_box()
        assert box and box["width"] > 100 and box["height"] > 100
    drawn = page.evaluate(
        "() => [...document.querySelectorAll('canvas.sv-chart')]"
        ".map(c => !!Chart.getChart(c) && Chart.getChart(c).data.datasets.length)"
    )
    assert drawn == [2, 1]
    screenshot(page, "supervision")
