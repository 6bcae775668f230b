"""督查指标 page: the period form, the table by department / caseworker with sorting, the CSV and
XLSX downloads of the table and of the lapses, scope and roles; and the page in a real browser."""

from __future__ import annotations

import csv
import html as htmlmod
import io
import re
from datetime import date

from openpyxl import load_workbook

from gkcase.db import unit_of_work
from gkcase.models import Agency
from gkcase.services.org import create_user
from gkcase.states.machine import Role
from tests.services.test_metrics import period, signed  # noqa: F401  (the `period` fixture)
from tests.web.conftest import screenshot, set_passwords

D = date
PAGE = "/supervision/metrics?from=2026-03-09&to=2026-04-30&as_of=2026-04-20"


def _rows(page_html):
    """The table body's rows as lists of cell texts."""
    body = page_html.split('<table class="metrics">')[1].split("<tbody>")[1].split("</tbody>")[0]
    rows = []
    for row in re.findall(r"<tr>(.*?)</tr>", body, re.S):
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        rows.append([htmlmod.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in cells])
    return rows


def _links(page_html):
    return [htmlmod.unescape(h) for h in re.findall(r'href="([^"]+)"', page_html)]


def test_metrics_by_department(web, period):  # noqa: F811
    page = web.user("supervisor").get(PAGE)
    assert page.status_code == 200
    rows = _rows(page.text)
    assert [r[0] for r in rows] == ["某市发展和改革委员会", "某市住房和城乡建设局"]
    assert rows[0][1:] == ["5", "4", "80.0%", "1", "20.0%", "19", "1", "1", "0", "0"]
    assert rows[1][1:4] == ["1", "0", "0.0%"]
    total = page.text.split("<tfoot>")[1]
    assert "66.7%" in total and ">20<" in total
    assert "临近期限指 3 个工作日内到期" in page.text
    assert "<script>" not in page.text and 'style="' not in page.text


def test_by_caseworker_and_sorting(web, period):  # noqa: F811
    supervisor = web.user("supervisor")
    rows = _rows(supervisor.get(f"{PAGE}&by=caseworker&sort=replies&desc=1").text)
    assert rows[0][0] == "承办人甲"  # 3 replies, the most
    assert rows[0][1] == "某市发展和改革委员会"
    ascending = _rows(supervisor.get(f"{PAGE}&by=caseworker&sort=median").text)
    medians = [float(r[7]) for r in ascending]
    assert medians == sorted(medians) == [10, 19, 21, 22]
    refused = supervisor.get(f"{PAGE}&sort=applicant")
    assert refused.status_code == 422


def test_downloads_from_the_page(web, period):  # noqa: F811
    supervisor = web.user("supervisor")
    page = supervisor.get(f"{PAGE}&by=department")
    links = _links(page.text)
    metrics_csv = next(h for h in links if h.startswith("/api/supervision/metrics.csv"))
    assert "by=department" in metrics_csv and "from=2026-03-09" in metrics_csv
    data = supervisor.get(metrics_csv)
    assert data.status_code == 200 and data.content.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(data.content.decode("utf-8-sig"))))
    assert table[1][:3] == ["某市发展和改革委员会", "5", "4"]
    xlsx = next(h for h in links if h.startswith("/api/supervision/metrics.xlsx"))
    sheet = load_workbook(io.BytesIO(supervisor.get(xlsx).content)).active
    assert sheet["A2"].value == "某市发展和改革委员会" and sheet["B2"].value == 5
    lapses = next(h for h in links if h.startswith("/api/supervision/lapses.csv"))
    assert "by=" not in lapses
    rows = list(csv.reader(io.StringIO(supervisor.get(lapses).content.decode("utf-8-sig"))))
    assert rows[0][0] == "案件编号" and any(r[3] == "答复已签发未送达" for r in rows[1:])
    lapses_xlsx = next(h for h in links if h.startswith("/api/supervision/lapses.xlsx"))
    assert supervisor.get(lapses_xlsx).status_code == 200


def test_the_dashboard_links_to_the_metrics(web, period):  # noqa: F811
    page = web.user("supervisor").get("/supervision?as_of=2026-04-20&from=2026-03-09")
    link = next(h for h in _links(page.text) if h.startswith("/supervision/metrics?"))
    assert "from=2026-03-09" in link and "as_of=2026-04-20" in link
    assert web.user("supervisor").get(link).status_code == 200


def test_a_bad_period_is_shown_beside_the_field(web, org):
    page = web.user("supervisor").get("/supervision/metrics?from=2026-04-01&to=2026-03-01")
    assert page.status_code == 200
    assert re.search(r'<p class="field-error" id="err-to" role="alert">结束日期不能早于', page.text)
    assert "/api/supervision/metrics.csv" not in page.text


def test_supervisors_only_and_only_their_subtree(web, period):  # noqa: F811
    assert web.user("caseworker").get(PAGE).status_code == 403
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
    assert fgw_supervisor.get(f"{PAGE}&agency_id={web.org.zjw.id}").status_code == 404
    rows = _rows(fgw_supervisor.get(PAGE).text)
    assert [r[0] for r in rows] == ["某市发展和改革委员会（本级）", "价格科"]


def test_metrics_page_in_a_real_browser(pages, live):
    org = live.org
    signed(org, org.fgw, D(2026, 3, 2), D(2026, 3, 9), worker=org.user("caseworker"))
    signed(org, org.fgw, D(2026, 3, 2), D(2026, 4, 1), worker=org.user("caseworker"))
    page = pages.new("supervisor")
    page.goto("/supervision?from=2026-01-01&to=2026-04-30&as_of=2026-04-20")
    page.click("a.metrics-link")
    page.wait_for_selector("table.metrics")
    assert page.locator("table.metrics tfoot td.rate").first.inner_text() == "50.0%"
    page.select_option("#f-by", "caseworker")
    page.click("#metrics-form button[type=submit]")
    page.wait_for_selector("table.metrics >> text=承办人甲")
    assert page.locator("#f-by").input_value() == "caseworker"
    box = page.locator("table.metrics").bounding_box()
    assert box and box["width"] <= 1366
    screenshot(page, "supervision-metrics")
