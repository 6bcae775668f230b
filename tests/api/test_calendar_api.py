"""The calendar over the API: years, days, the deadline explained, and the admin's loads/marks."""

from __future__ import annotations

from tests.api.fixtures_more import api, engine, org, refused, token_for  # noqa: F401

NOTICE = {
    "year": 2027,
    "title": "国务院办公厅关于2027年部分节假日安排的通知",
    "holiday": [{"name": "劳动节", "off_from": "2027-05-01", "off_to": "2027-05-05"}],
}


def test_years_and_days(api, org):  # noqa: F811
    me = token_for(org, "caseworker")
    body = api.get("/api/calendar/years?from=2025&to=2030", headers=me).json()
    statuses = {y["year"]: y["status"] for y in body["years"]}
    assert statuses[2025] == "official" and statuses[2030] == "estimated"
    assert all(y["source"] for y in body["years"])
    day = api.get("/api/calendar/days/2026-10-10", headers=me).json()
    assert day["working"] and day["kind"] == "makeup_workday" and day["zh"].startswith("2026年")
    assert api.get("/api/calendar/days/2026-10-07", headers=me).json()["working"] is False
    refused(api.get("/api/calendar/days/2026-02-30", headers=me), 422, "validation", "day")
    refused(api.get("/api/calendar/years?from=1990", headers=me), 422, "validation", "from")
    refused(api.get("/api/calendar/years?from=2026&to=2020", headers=me), 422, "validation", "to")
    refused(api.get("/api/calendar/days/2026-10-10"), 401)


def test_explain_the_reply_deadline(api, org):  # noqa: F811
    me = token_for(org, "caseworker")
    plain = api.post("/api/calendar/explain", json={"receipt": "2026-02-10"}, headers=me).json()
    assert plain["due"] == "2026-03-16" and plain["provisional"] is False
    assert "答复期限届满：2026年3月16日（星期一），第20个工作日" in plain["explanation"]
    assert plain["steps"][0]["kind"] == "start"
    full = {
        "receipt": "2026-09-10",
        "correction_requested_on": "2026-09-14",
        "correction_received_on": "2026-09-18",
        "pauses": [{"kind": "third_party", "start": "2026-10-12", "end": "2026-10-30"}],
        "extensions": [{"workdays": 20, "approved_on": "2026-11-02"}],
    }
    result = api.post("/api/calendar/explain", json=full, headers=me).json()
    assert result["due"] and any(s["kind"] == "extension" for s in result["steps"])
    late = api.post("/api/calendar/explain", json={"receipt": "2026-12-15"}, headers=me).json()
    assert late["provisional"] is True
    too_long = {**full, "extensions": [{"workdays": 12, "approved_on": "2026-11-02"}] * 2}
    refused(api.post("/api/calendar/explain", json=too_long, headers=me), 422, None, "extensions")
    refused(
        api.post("/api/calendar/explain", json={"receipt": "soon"}, headers=me),
        422,
        "validation",
        "receipt",
    )
    bad_pause = {"receipt": "2026-03-02", "pauses": [{"kind": "lunch", "start": "2026-03-03"}]}
    refused(
        api.post("/api/calendar/explain", json=bad_pause, headers=me),
        422,
        "validation",
        "pauses.0.kind",
    )


def test_admin_loads_a_notice(api, org):  # noqa: F811
    admin = token_for(org, "admin")
    loaded = api.post("/api/calendar/arrangements", json=NOTICE, headers=admin)
    assert loaded.status_code == 200, loaded.text
    assert loaded.json()["new"] is True and loaded.json()["year"] == 2027
    again = api.post("/api/calendar/arrangements", json=NOTICE, headers=admin).json()
    assert again["new"] is False
    years = api.get("/api/calendar/years?from=2027&to=2027", headers=admin).json()["years"]
    assert years[0]["status"] == "official" and years[0]["notice_title"] == NOTICE["title"]
    day = api.get("/api/calendar/days/2027-05-04", headers=admin).json()
    assert day["working"] is False and day["estimated"] is False


def test_a_notice_that_contradicts_itself_is_422_naming_the_field(api, org):  # noqa: F811
    admin = token_for(org, "admin")
    backwards = {
        **NOTICE,
        "holiday": [{"name": "劳动节", "off_from": "2027-05-05", "off_to": "2027-05-01"}],
    }
    refused(
        api.post("/api/calendar/arrangements", json=backwards, headers=admin),
        422,
        "calendar.bad_arrangement",
        "holiday.0",
    )
    other_year = {**NOTICE, "holiday": [{"name": "劳动节", "off_from": "2028-05-01"}]}
    refused(
        api.post("/api/calendar/arrangements", json=other_year, headers=admin),
        422,
        "calendar.bad_arrangement",
        "holiday.0",
    )
    refused(
        api.post("/api/calendar/arrangements", json={"title": "x", "holiday": []}, headers=admin),
        422,
        "calendar.bad_arrangement",
        "year",
    )


def test_marks_are_for_admins(api, org):  # noqa: F811
    admin, worker = token_for(org, "admin"), token_for(org, "caseworker")
    closed = {"working": False, "name": "台风停工", "reason": "市政府通知"}
    refused(
        api.post("/api/calendar/marks/2026-07-20", json=closed, headers=worker),
        403,
        "auth.permission_denied",
    )
    refused(api.post("/api/calendar/arrangements", json=NOTICE, headers=worker), 403)
    assert api.post("/api/calendar/marks/2026-07-20", json=closed, headers=admin).status_code == 200
    day = api.get("/api/calendar/days/2026-07-20", headers=worker).json()
    assert day["kind"] == "closure" and day["working"] is False
    marks = api.get("/api/calendar/years?from=2026&to=2026", headers=worker).json()["marks"]
    assert marks == [
        {"day": "2026-07-20", "working": False, "name": "台风停工", "reason": "市政府通知"}
    ]
    refused(
        api.post("/api/calendar/marks/2026-07-21", json={"working": False}, headers=admin),
        422,
        "validation",
        "name",
    )
    refused(api.delete("/api/calendar/marks/2026-07-20", headers=worker), 403)
    assert api.delete("/api/calendar/marks/2026-07-20", headers=admin).status_code == 204
    assert api.get("/api/calendar/days/2026-07-20", headers=worker).json()["working"] is True
    refused(
        api.delete("/api/calendar/marks/2026-07-20", headers=admin), 422, "calendar.no_mark", "day"
    )
