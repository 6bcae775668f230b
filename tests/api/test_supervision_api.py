"""GET /api/supervision/metrics and /lapses (+ .csv, .xlsx): the service's numbers, supervisors
only, scoped to their subtree, no personal data in any export."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook
from sqlmodel import select

from gkcase.db import unit_of_work
from gkcase.models import Agency, Case
from gkcase.services.org import create_user
from gkcase.states.machine import Role
from tests.api.conftest import bearer, refused
from tests.services.test_metrics import period  # noqa: F401  (fixture)

PERIOD = "from=2026-03-09&to=2026-04-30&as_of=2026-04-20"
PERSONAL = ("王小明", "13800138000", "环境影响评价")


def _number(org, case_id):
    with unit_of_work(org.engine) as session:
        return session.get(Case, case_id).number


def test_metrics_by_department(client, org, period):  # noqa: F811
    response = client.get(
        f"/api/supervision/metrics?{PERIOD}&by=department", headers=bearer(org, "supervisor")
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["from"], body["to"], body["as_of"]) == ("2026-03-09", "2026-04-30", "2026-04-20")
    assert (body["agency_id"], body["by"], body["risk_workdays"]) == (org.city.id, "department", 3)
    rows = {row["key"]: row for row in body["rows"]}
    fgw = rows[org.fgw.id]
    assert (fgw["replies"], fgw["on_time"], fgw["late"], fgw["extended"]) == (5, 4, 1, 1)
    assert (fgw["on_time_rate"], fgw["extension_rate"], fgw["median_workdays"]) == (0.8, 0.2, 19)
    assert (fgw["open"], fgw["overdue"]) == (1, 1)
    assert body["total"]["replies"] == 6 and body["total"]["median_workdays"] == 20


def test_metrics_of_a_department_by_caseworker(client, org, period):  # noqa: F811
    url = f"/api/supervision/metrics?{PERIOD}&by=caseworker&agency_id={org.fgw.id}"
    body = client.get(url, headers=bearer(org, "supervisor")).json()
    rows = {row["name"]: row for row in body["rows"]}
    assert set(rows) == {"承办人甲", "价格科承办人", "未指定承办人"}  # ZJW is not under FGW
    assert (rows["承办人甲"]["replies"], rows["承办人甲"]["median_workdays"]) == (3, 22)
    assert body["total"]["replies"] == 5
    wide = client.get(f"{url}&risk_workdays=10", headers=bearer(org, "supervisor")).json()
    assert wide["risk_workdays"] == 10


def test_metrics_exports(client, org, period):  # noqa: F811
    headers = bearer(org, "supervisor")
    response = client.get(f"/api/supervision/metrics.csv?{PERIOD}&by=department", headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"] == (
        'attachment; filename="metrics-CITY-20260309-20260430.csv"'
    )
    assert response.content.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert table[-1][:5] == ["合计", "6", "4", "2", "66.7%"]
    response = client.get(f"/api/supervision/metrics.xlsx?{PERIOD}", headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    last = [cell.value for cell in sheet[sheet.max_row]]
    assert last[:3] == ["合计", 6, 4]
    assert sheet[sheet.max_row][4].number_format == "0.0%"


def test_lapses_as_json_and_exports(client, org, period):  # noqa: F811
    headers = bearer(org, "supervisor")
    body = client.get(f"/api/supervision/lapses?{PERIOD}", headers=headers).json()
    a2 = _number(org, period.cases["a2"])
    found = [item for item in body["items"] if item["number"] == a2]
    assert [(f["rule"], f["caseworker"], f["due"]) for f in found] == [
        ("undelivered", "承办人甲", "2026-04-09")
    ]
    assert body["total"] == len(body["items"]) and body["undelivered_workdays"] == 5
    fewer = client.get(f"/api/supervision/lapses?{PERIOD}&undelivered_workdays=20", headers=headers)
    assert a2 not in {item["number"] for item in fewer.json()["items"]}
    text = client.get(f"/api/supervision/lapses.csv?{PERIOD}", headers=headers)
    rows = list(csv.reader(io.StringIO(text.content.decode("utf-8-sig"))))
    assert rows[0][0] == "案件编号" and len(rows) - 1 == body["total"]
    book = client.get(f"/api/supervision/lapses.xlsx?{PERIOD}", headers=headers)
    sheet = load_workbook(io.BytesIO(book.content)).active
    assert sheet.max_row - 1 == body["total"]
    everything = text.content.decode("utf-8-sig") + "".join(
        str(cell.value) for row in sheet.iter_rows() for cell in row
    )
    for personal in PERSONAL:
        assert personal not in everything


def test_supervisors_only(client, org, period):  # noqa: F811
    for path in ("metrics", "metrics.csv", "lapses.xlsx"):
        refused(
            client.get(f"/api/supervision/{path}", headers=bearer(org, "office_head")),
            403,
            "auth.permission_denied",
        )
    refused(client.get("/api/supervision/metrics"), 401)


def test_a_supervisor_sees_only_their_subtree(client, org, period):  # noqa: F811
    with unit_of_work(org.engine) as session:
        fgw = session.get(Agency, org.fgw.id)
        create_user(
            session,
            username="fgw_supervisor",
            full_name="发改督查",
            agency=fgw,
            roles=[Role.SUPERVISOR],
        )
    headers = bearer(org, "fgw_supervisor")
    for path in ("metrics", "lapses.csv"):
        url = f"/api/supervision/{path}?agency_id={org.zjw.id}"
        refused(client.get(url, headers=headers), 404, "not_found", "agency_id")
    body = client.get(f"/api/supervision/metrics?{PERIOD}", headers=headers).json()
    assert body["agency_id"] == org.fgw.id
    assert body["total"]["replies"] == 5  # FGW and its section, never ZJW
    with unit_of_work(org.engine) as session:
        zjw_numbers = set(
            session.exec(select(Case.number).where(Case.agency_id == org.zjw.id)).all()
        )
    lapses = client.get(f"/api/supervision/lapses?{PERIOD}", headers=headers).json()
    assert not zjw_numbers & {item["number"] for item in lapses["items"]}


def test_bad_parameters(client, org):
    headers = bearer(org, "supervisor")
    refused(
        client.get("/api/supervision/metrics?from=2026-04-01&to=2026-03-01", headers=headers),
        422,
        "validation",
        "to",
    )
    refused(client.get("/api/supervision/metrics?by=weekday", headers=headers), 422)
    refused(client.get("/api/supervision/lapses?as_of=1999-01-01", headers=headers), 422)
    refused(client.get("/api/supervision/metrics.csv?risk_workdays=99", headers=headers), 422)
