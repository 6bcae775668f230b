"""年度报表: the page's tables, checks, lock state and lock form; one run in a real browser."""

from __future__ import annotations

import re
from datetime import date as D

import pytest

from tests.services.test_annual_report import World, register
from tests.web.conftest import csrf_in, screenshot

PAGE = "/reports/annual"


@pytest.fixture
def world(org):
    return World(org).build()


def _cells(html, label):
    """The numbers of the table row whose last label cell is ``label``."""
    row = re.search(rf"<th[^>]*>{re.escape(label)}</th>(.*?)</tr>", html, re.S)
    assert row, label
    return [int(n) for n in re.findall(r'<td class="num">(\d+)</td>', row.group(1))]


def test_the_page_shows_both_tables_as_published(web, world):
    html = web.user("office_head").get(f"{PAGE}?year=2025").text
    assert "年度报表 · " in html and "2025年度" in html
    assert "三、收到和处理政府信息公开申请情况" in html
    assert "四、政府信息公开行政复议、行政诉讼情况" in html
    assert "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）" in html
    assert 'colspan="7"' in html and 'colspan="5"' in html  # 申请人情况, 法人或其他组织
    assert 'rowspan="22"' in html  # 三、本年度办理结果
    assert _cells(html, "一、本年新收政府信息公开申请数量") == [3, 1, 1, 0, 1, 0, 6]
    assert _cells(html, "1.本机关不掌握相关政府信息") == [0, 1, 0, 0, 0, 0, 1]
    assert _cells(html, "四、结转下年度继续办理") == [0, 0, 1, 0, 0, 0, 1]
    assert html.count('class="check ok"') == 4 and 'class="check bad"' not in html
    assert "未锁定" in html and 'data-confirm="锁定后' in html
    assert "/api/reports/annual.xlsx?agency=" in html and "/api/reports/annual.csv?" in html
    assert '<a href="/reports/annual"' in html  # the navigation entry


def test_2019_format_and_the_supervisors_subtree(web, org, world):
    supervisor = web.user("supervisor")
    html = supervisor.get(f"{PAGE}?year=2025&scope=subtree&format=2019").text
    assert 'rowspan="20"' in html and "（六）其他处理" in html
    assert _cells(html, "一、本年新收政府信息公开申请数量") == [4, 2, 1, 0, 1, 0, 8]
    assert f'<option value="{org.zjw.id}"' in html  # agencies of the subtree to choose from
    assert "本机关及下级机关汇总" in html


def test_only_report_roles_and_their_reach(web, org, world):
    assert web.user("caseworker").get(PAGE).status_code == 403
    head = web.user("office_head")
    assert head.get(f"{PAGE}?year=2025&agency_id={org.zjw.id}").status_code == 404
    html = head.get(f"{PAGE}?year=2025").text
    assert 'value="subtree"' not in html  # an office head has no subtree to choose
    assert '<a href="/reports/annual"' not in web.user("caseworker").get("/inbox").text


def test_locking_from_the_page_then_a_later_edit_is_flagged(web, org, world):
    head = web.user("office_head")
    page = head.get(f"{PAGE}?year=2025").text
    assert csrf_in(page)
    form = {
        "agency_id": org.fgw.id,
        "year": 2025,
        "scope": "own",
        "format": "2021",
        "note": "已公布",
    }
    done = head.post(f"{PAGE}/lock", form)
    assert done.status_code == 303
    late = register(org, org.user("registrar"), "business", D(2025, 12, 31), as_of=D(2026, 2, 3))
    html = head.get(done.headers["location"]).text
    assert "已锁定2025年度报表数据" in html
    assert "已锁定" in html and "快照完整" in html and re.search(r"[0-9a-f]{64}", html)
    assert "锁定后的改动" in html and f'href="/cases/{late}"' in html and "登记申请" in html
    # the published table keeps the locked numbers; the live ones are shown beside them
    assert _cells(html, "一、本年新收政府信息公开申请数量") == [3, 1, 1, 0, 1, 0, 6]
    assert "实时数据与锁定数据的差异" in html and "<td>商业企业</td>" in html
    assert 'data-confirm="锁定后' not in html  # no second lock
    again = head.post(f"{PAGE}/lock", form)
    assert again.status_code == 409 and "已锁定，不能重复锁定" in again.text


def test_a_refused_lock_is_shown_on_the_page(web, org, world):
    admin = web.user("admin")
    form = {"agency_id": org.fgw.id, "year": 2026, "scope": "own", "format": "2021"}
    refused = admin.post(f"{PAGE}/lock", form)
    assert refused.status_code == 422 and "2026年度尚未结束，不能锁定" in refused.text


def test_the_report_page_in_a_real_browser(pages, live):
    World(live.org).build()
    page = pages.new("office_head")
    page.goto("/")
    page.click("text=年度报表")
    page.fill("#f-year", "2025")
    page.click("form.rp-choose button[type=submit]")
    page.wait_for_selector("table.gk-report.t3")
    assert page.locator("table.t3 tr").count() == 3 + 2 + 22 + 1
    assert page.locator(".check.ok").count() == 4
    page.click("text=锁定2025年度数据")  # data-confirm is accepted by the fixture
    page.wait_for_selector("text=快照完整")
    screenshot(page, "report_annual")
