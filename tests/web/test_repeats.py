"""The case page's 不予重复处理 notice (Art 36(六)) and the supervisor's list of candidates for
proactive disclosure (Art 44): form-less GETs through the test client, and one real browser."""

from __future__ import annotations

import re
from datetime import date

from tests.services.test_repeats import (
    EIA,
    EIA_AGAIN,
    LI,
    WANG,
    ZHANG,
    answered,
    register,
)
from tests.web.conftest import screenshot

D = date
PERIOD = "from=2026-03-01&to=2026-04-30"


def _notice(html):
    found = re.search(r'<section class="notice repeat-notice".*?</section>', html, re.S)
    return found.group(0) if found else ""


def test_the_case_page_tells_the_caseworker_of_the_earlier_answer(web):
    org = web.org
    earlier = answered(org, EIA, ZHANG)
    again = register(org, EIA_AGAIN, ZHANG, D(2026, 4, 1))
    page = web.user("caseworker").get(f"/cases/{again}")
    assert page.status_code == 200
    notice = _notice(page.text)
    assert "可能属于重复申请" in notice and "（1 件）" in notice
    assert f'<a href="/cases/{earlier}">' in notice
    assert "予以公开" in notice and "2026年3月10日答复" in notice
    assert "《条例》第三十六条第（六）项" in notice and "由承办人审核决定" in notice
    assert '<link rel="stylesheet" href="/static/repeats.css">' in page.text
    assert _notice(web.user("registrar").get(f"/cases/{again}").text)


def test_no_notice_without_a_candidate_or_for_a_supervisor(web):
    org = web.org
    answered(org, EIA, ZHANG)
    again = register(org, EIA_AGAIN, ZHANG, D(2026, 4, 1))
    other = register(org, EIA_AGAIN, LI, D(2026, 4, 1))
    assert _notice(web.user("caseworker").get(f"/cases/{other}").text) == ""
    supervisor = web.user("supervisor").get(f"/cases/{again}")
    assert supervisor.status_code == 200 and _notice(supervisor.text) == ""


def test_the_proactive_page_lists_clusters_without_names(web):
    org = web.org
    cases = [answered(org, EIA, ZHANG)]
    cases += [register(org, EIA_AGAIN, LI, D(2026, 3, 12))]
    cases += [register(org, EIA_AGAIN, WANG, D(2026, 3, 13))]
    page = web.user("supervisor").get(f"/supervision/proactive?{PERIOD}")
    assert page.status_code == 200
    html = page.text
    assert "可纳入主动公开的候选" in html and "《条例》第四十四条" in html
    (row,) = re.findall(r'<tr data-cluster="1">.*?</tr>', html, re.S)
    assert EIA in row and '<td class="num applicants">3</td>' in row
    for case_id in cases:
        assert f'href="/supervision/cases/{case_id}/audit"' in row
    assert "予以公开" in row
    for name in ("张三", "李四", "王五", "13812341234"):
        assert name not in html
    none = web.user("supervisor").get(f"/supervision/proactive?{PERIOD}&min_applicants=4")
    assert "期间内没有符合条件的申请" in none.text


def test_the_proactive_page_is_for_supervisors_and_linked_from_the_dashboard(web):
    assert web.user("caseworker").get("/supervision/proactive").status_code == 403
    supervisor = web.user("supervisor")
    dashboard = supervisor.get("/supervision?from=2026-01-01&to=2026-06-30").text
    link = (
        f"/supervision/proactive?agency_id={web.org.city.id}&amp;from=2026-01-01&amp;to=2026-06-30"
    )
    assert f'href="{link}"' in dashboard
    refused = supervisor.get("/supervision/proactive?from=2026-05-01&to=2026-04-01")
    assert refused.status_code == 422 and "结束日期不能早于开始日期" in refused.text


def test_repeat_notice_and_proactive_list_in_a_real_browser(pages, live):
    org = live.org
    earlier = answered(org, EIA, ZHANG)
    register(org, EIA_AGAIN, LI, D(2026, 3, 12))
    register(org, EIA_AGAIN, WANG, D(2026, 3, 13))
    again = register(org, EIA_AGAIN, ZHANG, D(2026, 4, 1))

    caseworker = pages.new("caseworker")
    caseworker.goto(f"/cases/{again}")
    notice = caseworker.locator("#repeat-notice")
    notice.wait_for()
    assert notice.is_visible()
    box = notice.bounding_box()
    assert box and box["y"] < 768  # near the top of the page, seen without scrolling
    caseworker.locator(f'#repeat-notice a[href="/cases/{earlier}"]').focus()
    caseworker.keyboard.press("Enter")
    caseworker.wait_for_url(f"**/cases/{earlier}")
    caseworker.go_back()
    caseworker.locator("#repeat-notice").wait_for()
    screenshot(caseworker, "repeat-notice")

    supervisor = pages.new("supervisor")
    supervisor.goto("/supervision?from=2026-01-01&to=2026-12-31")
    supervisor.locator("a.proactive-link").focus()
    supervisor.keyboard.press("Enter")
    supervisor.wait_for_url("**/supervision/proactive?**")
    row = supervisor.locator('tr[data-cluster="1"]')
    row.wait_for()
    assert row.locator("td.applicants").inner_text() == "3"
    assert row.locator("ul.cluster-cases li").count() == 4
    screenshot(supervisor, "supervision-proactive")
