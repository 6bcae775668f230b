"""The annual report over HTTP: JSON, the CSV/XLSX/HTML downloads read back, locking, refusals."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from tests.api.conftest import log_in, refused
from tests.services.test_annual_report import World

URL = "/api/reports/annual"


@pytest.fixture
def world(org):
    return World(org).build()


def test_json_report_with_its_cells_and_checks(client, org, world):
    log_in(client, "office_head")
    response = client.get(URL, params={"year": 2025})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["agency"]["code"] == "FGW" and body["scope"] == "own"
    rows = {row["key"]: row for row in body["table3"]}
    assert rows["new"]["cells"] == [3, 1, 1, 0, 1, 0, 6]
    assert rows["carried_in"]["cells"] == [0, 0, 0, 1, 0, 0, 1]
    assert rows["1"]["label"] == "（一）予以公开" and rows["1"]["cells"][-1] == 2
    assert rows["total"]["cells"][-1] == 6 and rows["carried_out"]["cells"][-1] == 1
    assert len(body["table3"]) == 2 + 21 + 2
    assert body["table4"] == {
        "review": [0, 1, 0, 0, 1],
        "litigation_direct": [0, 0, 0, 1, 1],
        "litigation_after_review": [0, 0, 0, 0, 0],
    }
    assert all(check["ok"] for check in body["checks"])
    assert body["locked"] is False and body["can_lock"] is True
    old = client.get(URL, params={"year": 2025, "format": "2019"}).json()
    assert len(old["table3"]) == 2 + 19 + 2
    assert {row["key"]: row for row in old["table3"]}["6"]["cells"] == [1, 0, 0, 0, 1, 0, 2]


def test_who_may_ask(client, org, world):
    log_in(client, "caseworker")
    refused(client.get(URL, params={"year": 2025}), 403, "auth.permission_denied")
    log_in(client, "office_head")
    refused(client.get(URL, params={"year": 2025, "agency": org.zjw.id}), 404, "not_found")
    refused(client.get(URL, params={"year": 2025, "scope": "subtree"}), 403)
    refused(client.get(URL, params={"year": 1990}), 422, "validation")
    log_in(client, "supervisor")
    whole = client.get(URL, params={"year": 2025, "agency": org.city.id, "scope": "subtree"})
    assert whole.status_code == 200
    assert {r["key"]: r for r in whole.json()["table3"]}["new"]["cells"][-1] == 8


def test_csv_is_utf8_with_bom_one_row_per_report_row(client, org, world):
    log_in(client, "office_head")
    response = client.get(f"{URL}.csv", params={"year": 2025})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[2] == [
        "项目",
        "分类",
        "细项",
        "自然人",
        "商业企业",
        "科研机构",
        "社会公益组织",
        "法律服务机构",
        "其他",
        "总计",
    ]
    by_label = {tuple(r[:3]): r[3:] for r in rows[3:] if len(r) == 10}
    assert by_label[("一、本年新收政府信息公开申请数量", "", "")] == [
        "3",
        "1",
        "1",
        "0",
        "1",
        "0",
        "6",
    ]
    assert (
        by_label[("三、本年度办理结果", "（四）无法提供", "1.本机关不掌握相关政府信息")][-1] == "1"
    )
    assert len(by_label) == 2 + 21 + 2
    review = next(r for r in rows if r and r[0] == "行政复议")
    assert review[1:] == ["0", "1", "0", "0", "1"]


def test_xlsx_has_merged_headers_and_numbers_as_numbers(client, org, world):
    log_in(client, "office_head")
    response = client.get(f"{URL}.xlsx", params={"year": 2025})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    cells = {
        (c.row, c.column): c.value for row in sheet.iter_rows() for c in row if c.value is not None
    }
    where = {value: at for at, value in cells.items() if isinstance(value, str)}
    top, _ = where["申请人情况"]
    merged = {str(m) for m in sheet.merged_cells.ranges}
    assert f"D{top}:J{top}" in merged  # 申请人情况 over the seven numeric columns
    assert f"E{top + 1}:I{top + 1}" in merged  # 法人或其他组织 over its five
    new_row, _ = where["一、本年新收政府信息公开申请数量"]
    assert [sheet.cell(new_row, c).value for c in range(4, 11)] == [3, 1, 1, 0, 1, 0, 6]
    assert all(isinstance(sheet.cell(new_row, c).value, int) for c in range(4, 11))
    results_row, _ = where["三、本年度办理结果"]
    assert f"A{results_row}:A{results_row + 21}" in merged  # 22 rows in the 2021 format
    review_row, _ = where["行政复议"]
    numbers = [sheet.cell(review_row + 3, c).value for c in range(1, 16)]
    assert numbers == [0, 1, 0, 0, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0]


def test_html_download_is_the_published_layout(client, org, world):
    log_in(client, "office_head")
    response = client.get(f"{URL}.html", params={"year": 2025, "format": "2019"})
    assert response.status_code == 200
    html = response.text
    assert "三、收到和处理政府信息公开申请情况" in html
    assert "四、政府信息公开行政复议、行政诉讼情况" in html
    assert 'rowspan="20"' in html  # 三、本年度办理结果 spans 20 rows in the 2019 format
    assert "（六）其他处理" in html and "1.申请人无正当理由逾期不补正" not in html


def test_lock_once_then_the_snapshot_is_shown(client, org, world):
    headers = log_in(client, "office_head")
    response = client.post(f"{URL}/lock", json={"year": 2025, "note": "已公布"}, headers=headers)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["locked"] is True and body["can_lock"] is False
    assert len(body["lock"]["sha256"]) == 64 and body["lock"]["intact"] is True
    assert body["lock"]["differences"] == [] and body["lock"]["flags"] == []
    again = client.post(f"{URL}/lock", json={"year": 2025}, headers=headers)
    refused(again, 409, "report.locked", "year")
    log_in(client, "caseworker")
    refused(client.post(f"{URL}/lock", json={"year": 2025}, headers=headers), 403)


def test_lock_is_refused_without_csrf_or_to_a_caseworker(client, org, world):
    log_in(client, "office_head")
    refused(client.post(f"{URL}/lock", json={"year": 2025}), 403, "auth.csrf")
    headers = log_in(client, "caseworker")
    refused(
        client.post(f"{URL}/lock", json={"year": 2025}, headers=headers),
        403,
        "auth.permission_denied",
    )
