"""Issue #18's dated cases through the JSON API (the services' table is
tests/services/test_clock_in_court.py). 2026: 元旦 Jan 1–3 off; Jan 5 is a Monday.

Received Mon 2026-01-05: 20 WD Jan 6–9 (4), 12–16 (9), 19–23 (14), 26–30 (19), Feb 2 (20) →
Feb 2. The correction notice was due by the 7th WD: Jan 6–9 (4), 12, 13, 14 (7) → Jan 14.
"""

from __future__ import annotations

from tests.api.conftest import bearer, refused
from tests.api.test_cases import _act, _intake


def _detail(client, headers, case_id, on):
    response = client.get(f"/api/cases/{case_id}", params={"as_of": on}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def test_a_late_notice_keeps_the_due_date_and_the_receipt_is_recorded_later(client, org):
    cw, reg = bearer(org, "caseworker"), bearer(org, "registrar")
    case = _intake(client, reg)
    _act(client, cw, case["id"], "start_review", on="2026-01-06")
    items = {"items": ["文件年份"], "guidance": "请写明文件名称或文号"}
    _act(client, cw, case["id"], "request_correction", items, on="2026-01-20")  # late
    detail = _detail(client, cw, case["id"], "2026-01-21")
    clock = detail["clock"]
    assert (clock["due"], clock["status"]) == ("2026-02-02", "running")
    assert (clock["correction_late"], clock["correction_notice_due"]) == (True, "2026-01-14")
    # the correction period waits for the applicant's receipt; if received on Jan 21: 10 WD
    # Jan 22, 23 (2), 26–30 (7), Feb 2, 3, 4 (10) → Feb 4
    (period,) = clock["periods"]
    assert (period["kind"], period["received_on"], period["ends"]) == (
        "correction_period",
        None,
        None,
    )
    assert period["ends_if_received"] == "2026-02-04"
    permitted = {p["trigger"]: p for p in detail["permitted_events"]}
    assert permitted["correction_lapsed"]["allowed"] is False
    assert "不能视为放弃申请" in permitted["correction_lapsed"]["reason"]
    assert permitted["continue_without_correction"]["allowed"] is True
    # a receipt before the notice was sent: refused with the field, nothing written
    version = detail["version"]
    early = {"notice": "correction_notice", "received_on": "2026-01-19", "method": "post"}
    body = {"expected_version": version, "payload": early, "as_of": "2026-01-22"}
    response = client.post(
        f"/api/cases/{case['id']}/actions/record_notice_receipt", json=body, headers=reg
    )
    refused(response, 422, code="validation", field="received_on")
    assert _detail(client, cw, case["id"], "2026-01-22")["version"] == version
    # received Thu Jan 22: Jan 23 (1), 26–30 (6), Feb 2–5 (10) → Thu Feb 5
    receipt = {"notice": "correction_notice", "received_on": "2026-01-22", "method": "post"}
    _act(client, reg, case["id"], "record_notice_receipt", receipt, on="2026-01-23")
    (period,) = _detail(client, cw, case["id"], "2026-01-23")["clock"]["periods"]
    assert (period["received_on"], period["ends"], period["over"]) == (
        "2026-01-22",
        "2026-02-05",
        False,
    )
