"""The public status page: no login, no personal data, one answer for any wrong guess, and a
rate limit per client address kept in the database."""

from __future__ import annotations

from datetime import date as D

from api.routes.public import LOOKUP_LIMIT
from tests.api.fixtures_more import api, engine, org, refused  # noqa: F401
from tests.services.helpers import APPLICATION, fire, register


def test_status_shows_the_stage_and_due_date_only(api, org):  # noqa: F811
    case = register(org)
    response = api.post(
        "/api/public/status", json={"number": case.number, "code": case.lookup_code}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body == {
        "number": case.number,
        "stage": "已受理",
        "reply_due": case.reply_due.isoformat(),
        "due_provisional": False,
    }
    for private in (APPLICATION["applicant"]["name"], APPLICATION["information_requested"]):
        assert private not in response.text
    fire(org, case.id, "start_review", "caseworker", as_of=D(2026, 3, 3))
    fire(org, case.id, "accept", "caseworker", as_of=D(2026, 3, 3))
    lowered = api.post(
        "/api/public/status", json={"number": case.number.lower(), "code": case.lookup_code}
    )
    assert lowered.json()["stage"] == "办理中"


def test_a_wrong_number_and_a_wrong_code_answer_alike(api, org):  # noqa: F811
    case = register(org)
    wrong_code = api.post("/api/public/status", json={"number": case.number, "code": "WRONG1"})
    wrong_number = api.post(
        "/api/public/status", json={"number": "FGW-1999-99999", "code": case.lookup_code}
    )
    assert wrong_code.status_code == wrong_number.status_code == 404
    assert wrong_code.json() == wrong_number.json()
    refused(api.post("/api/public/status", json={"number": case.number}), 422, "validation", "code")


def test_lookups_are_rate_limited_per_client(api, org):  # noqa: F811
    case = register(org)
    params = {"number": case.number, "code": case.lookup_code}
    for _ in range(LOOKUP_LIMIT):
        assert api.post("/api/public/status", json=params).status_code == 200
    refused(api.post("/api/public/status", json=params), 429, "auth.throttled")
    refused(api.post("/api/public/status", json={**params, "code": "x"}), 429)
