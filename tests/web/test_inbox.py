"""我的待办 and 案件查询 through the form clients: sections and their order for each role, the
clock as of today (never a stored flag), a fixed number of reads whatever the number of cases,
search by number and text with its filters, and another agency's cases never shown.

Cases are driven through the services with dates counted back from today on the working-day
calendar, so the same cases are overdue, at risk or comfortable whatever day the tests run.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import event

from gkcase.db import read_session, unit_of_work
from gkcase.models import Case
from gkcase.services import cases as svc
from gkcase.services.calendar import current_calendar
from tests.web.conftest import screenshot

TODAY = svc.china_today()
PARTIAL = {
    "outcome": "partially_disclosed",
    "fields": {
        "access_method": "提供合同文本（隐去报价部分）复印件",
        "grounds": [{"ground": "third_party", "reasons": "报价属第三方商业秘密", "part": "报价"}],
    },
}


def _cal(org):
    with read_session(org.engine) as session:
        return current_calendar(session)


def back(org, workdays: int) -> date:
    """The working day ``workdays`` working days before today."""
    return _cal(org).add_workdays(TODAY, -workdays) if workdays else TODAY


def register(org, text, *, arrived, agency="fgw", user="registrar", **changes):
    data = {
        "channel": "in_person",
        "arrived_on": arrived.isoformat(),
        "applicant": {"kind": "natural_person", "name": "张三"},
        "information_requested": text,
        **changes,
    }
    with unit_of_work(org.engine) as session:
        agency_id = getattr(org, agency).id
        return svc.register(session, agency_id, data, org.user(user), as_of=TODAY).case.id


def fire(org, case_id, trigger, role, payload=None, *, on=TODAY):
    with unit_of_work(org.engine) as session:
        version = session.get(Case, case_id).version
        return svc.fire(session, case_id, trigger, org.user(role), payload, version, as_of=on)


def handling(org, text, *, arrived, assign=True):
    """A case accepted for handling, assigned to the caseworker."""
    case_id = register(org, text, arrived=arrived)
    if assign:
        fire(org, case_id, "assign", "registrar", {"assignee_id": org.user("caseworker").id})
    fire(org, case_id, "start_review", "caseworker", on=arrived)
    fire(org, case_id, "accept", "caseworker", on=arrived)
    return case_id


@pytest.fixture
def desk(org):
    """One case of the caseworker in each inbox section (and one of the registrar's)."""
    ids = {}
    ids["overdue"] = handling(org, "逾期案件：2024年度财政预算执行情况", arrived=back(org, 25))
    ids["at_risk"] = handling(org, "临期案件：某路拓宽工程立项批复", arrived=back(org, 18))
    ids["paused"] = handling(org, "暂停案件：某合同文本", arrived=back(org, 5))
    fire(
        org,
        ids["paused"],
        "consult",
        "caseworker",
        {
            "kind": "third_party",
            "party_name": "某某科技有限公司",
            "matters": "拟公开的合同含贵公司报价",
            "sent_on": back(org, 2).isoformat(),
            "party_received_on": back(org, 1).isoformat(),
        },
    )
    ids["applicant"] = register(org, "补正案件：某会议纪要", arrived=back(org, 3))
    fire(org, ids["applicant"], "assign", "registrar", {"assignee_id": org.user("caseworker").id})
    fire(org, ids["applicant"], "start_review", "caseworker")
    fire(
        org,
        ids["applicant"],
        "request_correction",
        "caseworker",
        {
            "items": ["请写明会议名称"],
            "guidance": "请补充会议的日期和名称",
            "received_on": TODAY.isoformat(),
        },
    )
    ids["legal_review"] = handling(org, "审核案件：某项目招标文件", arrived=back(org, 4))
    fire(org, ids["legal_review"], "draft_decision", "caseworker", PARTIAL)
    fire(org, ids["legal_review"], "submit_for_legal_review", "caseworker")
    ids["returned"] = handling(org, "退回案件：某项目中标合同", arrived=back(org, 4))
    fire(org, ids["returned"], "draft_decision", "caseworker", PARTIAL)
    fire(org, ids["returned"], "submit_for_legal_review", "caseworker")
    fire(
        org,
        ids["returned"],
        "return_draft",
        "legal_reviewer",
        {"comments": "请逐项说明不予公开的内容"},
    )
    ids["rest"] = handling(org, "普通案件：2025年某项目的环境影响评价批复文件", arrived=TODAY)
    # not the caseworker's: a new one for the registrar, another agency's
    ids["registrar"] = register(org, "待登记员处理的申请", arrived=TODAY)
    ids["zjw"] = register(
        org,
        "住建局的申请：某小区规划许可",
        arrived=back(org, 30),
        agency="zjw",
        user="other_caseworker",
    )
    with read_session(org.engine) as session:
        numbers = {key: session.get(Case, case_id).number for key, case_id in ids.items()}
    return ids, numbers


def section_of(html, number):
    """The inbox section a case number is listed in."""
    position = html.index(f'data-case="{number}"')
    sections = [(m.start(), m.group(1)) for m in re.finditer(r'id="section-(\w+)"', html)]
    return [key for start, key in sections if start < position][-1]


def test_caseworker_inbox_puts_each_case_in_its_section_in_order_of_urgency(web, desk):
    _ids, numbers = desk
    response = web.user("caseworker").get("/inbox")
    assert response.status_code == 200
    html = response.text
    for key in ("overdue", "at_risk", "paused", "applicant", "legal_review", "returned", "rest"):
        assert section_of(html, numbers[key]) == key, key
    order = [m.group(1) for m in re.finditer(r'id="section-(\w+)"', html)]
    assert order == [
        "overdue",
        "at_risk",
        "paused",
        "applicant",
        "legal_review",
        "returned",
        "rest",
    ]
    # only the caseworker's own cases
    assert numbers["registrar"] not in html and numbers["zjw"] not in html
    # the at-risk heading uses the agency's setting
    assert "3个工作日内到期" in html


def test_inbox_rows_say_how_late_how_close_and_why(web, desk):
    ids, _numbers = desk
    html = web.user("caseworker").get("/inbox").text
    cal = _cal(web.org)
    with read_session(web.org.engine) as session:
        overdue_due = session.get(Case, ids["overdue"]).reply_due
        at_risk_due = session.get(Case, ids["at_risk"]).reply_due
    late = -cal.workdays_between(TODAY, overdue_due)
    assert late > 0 and f"逾期 {late} 个工作日" in html
    left = cal.workdays_between(TODAY, at_risk_due)
    assert 0 <= left <= 3
    assert (f"剩 {left} 个工作日" if left else "今日到期") in html
    # paused: why, since when, until when
    paused_from = back(web.org, 2)
    assert "征求第三方意见" in html
    assert f"自{paused_from.month}月{paused_from.day}日起暂停" in html
    assert "征求意见期限至" in html
    # waiting on the applicant: the correction period
    assert "等待申请人补正（第三十条）" in html and "补正期限至" in html
    # returned: the comments, who and when
    assert "请逐项说明不予公开的内容" in html
    assert "法制审核退回（法制审核人员甲" in html
    # every row links to its case page
    assert f'href="/cases/{ids["rest"]}"' in html


def test_a_case_moves_out_of_returned_once_the_draft_is_resubmitted(web, desk):
    ids, numbers = desk
    fire(web.org, ids["returned"], "draft_decision", "caseworker", PARTIAL)
    fire(web.org, ids["returned"], "submit_for_legal_review", "caseworker")
    html = web.user("caseworker").get("/inbox").text
    assert section_of(html, numbers["returned"]) == "legal_review"
    assert 'id="section-returned"' not in html


def test_registrar_sees_cases_to_confirm_start_and_assign(web, org):
    unconfirmed = register(org, "网上申请：某文件", arrived=TODAY, channel="internet")
    new = register(org, "当面申请：某文件", arrived=TODAY)
    assigned = handling(org, "已指定承办人的案件", arrived=TODAY)
    html = web.user("registrar").get("/inbox").text
    with read_session(org.engine) as session:
        number = {i: session.get(Case, i).number for i in (unconfirmed, new, assigned)}
    assert section_of(html, number[unconfirmed]) == "applicant"
    assert "待与申请人确认收到申请（第三十一条）" in html
    assert section_of(html, number[new]) == "rest"
    assert number[assigned] not in html


def test_office_head_sees_replies_to_sign(web, org):
    case_id = handling(org, "待签发的答复：某批复", arrived=TODAY)
    disclosed = {"outcome": "disclosed", "fields": {"access_method": "电子邮件发送PDF扫描件"}}
    fire(org, case_id, "draft_decision", "caseworker", disclosed)
    fire(org, case_id, "submit_for_signing", "caseworker")
    other = handling(org, "办理中的案件", arrived=TODAY)
    html = web.user("office_head").get("/inbox").text
    with read_session(org.engine) as session:
        signing, handled = session.get(Case, case_id).number, session.get(Case, other).number
    assert signing in html and "待签发" in html
    assert handled not in html


def test_legal_reviewer_gets_the_review_queue_count_and_link(web, desk):
    html = web.user("legal_reviewer").get("/inbox").text
    assert 'href="/review"' in html
    assert re.search(r'class="count">1<', html)  # one case is in legal review


def test_inbox_is_for_case_handling_roles_only(web):
    response = web.user("supervisor").get("/inbox")
    assert response.status_code == 403
    assert "此页面须由" in response.text


def test_empty_inbox_says_so(web):
    html = web.user("caseworker").get("/inbox").text
    assert "目前没有待办案件" in html


def _statements(engine, run):
    seen = []

    def count(*_args):
        seen.append(1)

    event.listen(engine, "before_cursor_execute", count)
    try:
        run()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(seen)


def test_the_inbox_costs_the_same_reads_for_3_or_9_cases(web, org):
    user = web.user("caseworker")

    def add(n):
        for i in range(n):
            case_id = handling(org, f"第{i}件：某项目的批复文件", arrived=back(org, 2 * i))
            fire(
                org,
                case_id,
                "consult",
                "caseworker",
                {
                    "kind": "co_producer",
                    "party_name": "某局",
                    "matters": "共同制作的文件",
                    "sent_on": TODAY.isoformat(),
                    "party_received_on": TODAY.isoformat(),
                },
            )
            other = handling(org, f"第{i}件退回", arrived=TODAY)
            fire(org, other, "draft_decision", "caseworker", PARTIAL)
            fire(org, other, "submit_for_legal_review", "caseworker")
            fire(org, other, "return_draft", "legal_reviewer", {"comments": "请修改"})

    add(1)
    user.get("/inbox")  # warm the calendar cache
    few = _statements(org.engine, lambda: user.get("/inbox"))
    add(3)
    many_html = []
    many = _statements(org.engine, lambda: many_html.append(user.get("/inbox").text))
    assert few == many
    assert many_html[0].count("请修改") == 4


# --- 案件查询 ---------------------------------------------------------------------------------


def test_search_by_exact_number_goes_to_the_case(web, desk):
    ids, numbers = desk
    user = web.user("caseworker")
    response = user.get("/cases", params={"q": numbers["rest"].lower()})
    assert response.status_code == 303
    assert response.headers["location"] == f"/cases/{ids['rest']}"


def test_search_by_text_and_filters(web, desk):
    _ids, numbers = desk
    user = web.user("caseworker")
    html = user.get("/cases", params={"q": "拓宽工程"}).text
    assert numbers["at_risk"] in html and numbers["rest"] not in html
    assert 'type="search"' in html and "共 1 件" in html
    overdue = user.get("/cases", params={"flag": "overdue"}).text
    assert numbers["overdue"] in overdue and numbers["rest"] not in overdue
    at_risk = user.get("/cases", params={"flag": "at_risk"}).text
    assert numbers["at_risk"] in at_risk and numbers["overdue"] not in at_risk
    paused = user.get("/cases", params={"flag": "paused"}).text
    assert numbers["paused"] in paused and "共 1 件" in paused
    by_state = user.get(
        "/cases", params=[("state", "legal_review"), ("state", "awaiting_correction")]
    )
    assert numbers["legal_review"] in by_state.text and numbers["applicant"] in by_state.text
    assert numbers["rest"] not in by_state.text
    assert "共 2 件" in by_state.text
    business = user.get("/cases", params={"applicant_type": "business"}).text
    assert "没有符合条件的案件" in business
    everyone = user.get("/cases", params={"applicant_type": "natural_person"}).text
    assert "共 8 件" in everyone  # every FGW case of the desk, none of ZJW's


def test_bad_filters_are_ignored_not_an_error(web, desk):
    response = web.user("caseworker").get(
        "/cases", params={"state": "nonsense", "flag": "x", "page": "abc"}
    )
    assert response.status_code == 200 and "共 8 件" in response.text


def test_search_never_shows_another_agencys_case(web, desk):
    _ids, numbers = desk
    user = web.user("caseworker")
    by_number = user.get("/cases", params={"q": numbers["zjw"]})
    assert by_number.status_code == 200 and "没有符合条件的案件" in by_number.text
    by_text = user.get("/cases", params={"q": "住建局"}).text
    assert numbers["zjw"] not in by_text
    zjw = web.user("zjw_caseworker").get("/cases").text
    assert numbers["zjw"] in zjw and numbers["rest"] not in zjw


def test_supervisor_searches_the_subtree(web, desk):
    ids, numbers = desk
    user = web.user("supervisor")
    html = user.get("/cases").text
    assert numbers["zjw"] in html and numbers["overdue"] in html
    assert "共 9 件" in html and "机关</th>" in html
    assert user.get("/cases", params={"q": numbers["zjw"]}).headers["location"] == (
        f"/cases/{ids['zjw']}"
    )
    own = user.get("/cases", params={"scope": "own"}).text
    assert "没有符合条件的案件" in own  # the city itself has no cases
    late = user.get("/cases", params={"flag": "overdue"}).text
    assert numbers["zjw"] in late and numbers["overdue"] in late and numbers["rest"] not in late


def test_search_pages(web, org):
    for i in range(23):
        register(org, f"第{i}份文件", arrived=TODAY)
    user = web.user("registrar")
    first = user.get("/cases").text
    assert "共 23 件，第 1/2 页" in first and 'rel="next"' in first
    second = user.get("/cases", params={"page": 2}).text
    assert "第 2/2 页" in second and 'rel="prev"' in second
    assert second.count('data-case="') == 3


def test_inbox_and_search_in_a_real_browser(pages, live):
    org = live.org
    handling(org, "逾期案件：2024年度财政预算执行情况", arrived=back(org, 25))
    handling(org, "临期案件：某路拓宽工程立项批复", arrived=back(org, 18))
    handling(org, "普通案件：某项目的批复文件", arrived=TODAY)
    page = pages.new("caseworker")
    page.goto("/inbox")
    assert page.locator("#section-overdue tr[data-case]").count() == 1
    assert page.locator("#section-at_risk tr[data-case]").count() == 1
    screenshot(page, "inbox")
    page.goto("/cases")
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "f-q"
    page.keyboard.type("拓宽")
    page.keyboard.press("Enter")
    page.wait_for_selector("text=共 1 件")
    assert page.locator("tr[data-case]").count() == 1
