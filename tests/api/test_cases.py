"""Cases over the API: intake from every channel (idempotent), the list and its filters, the
detail (masking by role, permitted events), a whole lifecycle through the actions, a stale
version, what-if, the role × agency isolation matrix, and no 500 for anything a client sends.

Every write passes ``as_of`` so nothing depends on today's date."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlmodel import func, select

from gkcase.db import read_session, unit_of_work
from gkcase.models import Case, CaseEvent
from gkcase.services.org import create_user
from gkcase.states.machine import Role, Trigger
from tests.api.conftest import bearer, log_in, refused

ID = "11010119900307002X"  # a valid 居民身份证 number (check digit X)
APPLICATION = {
    "channel": "in_person",
    "arrived_on": "2026-01-05",
    "as_of": "2026-01-05",
    "applicant": {
        "kind": "natural_person",
        "name": "张三",
        "id_type": "居民身份证",
        "id_number": ID,
        "phone": "13812341234",
        "email": "zhangsan@example.com",
        "address": "某市东湖区解放路128号502室",
    },
    "information_requested": "2025年某项目的环境影响评价批复文件",
}


def _intake(client, headers, **changes):
    response = client.post("/api/cases", json={**APPLICATION, **changes}, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


def _act(client, headers, case_id, trigger, payload=None, *, on, version=None, status=200):
    if version is None:
        version = client.get(f"/api/cases/{case_id}", headers=headers).json()["version"]
    body = {"expected_version": version, "payload": payload or {}, "as_of": on}
    response = client.post(f"/api/cases/{case_id}/actions/{trigger}", json=body, headers=headers)
    assert response.status_code == status, response.text
    return response.json()


def _events(org, case_id):
    with read_session(org.engine) as session:
        return session.exec(
            select(func.count()).select_from(CaseEvent).where(CaseEvent.case_id == case_id)
        ).one()


# --- intake ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("channel", "extra", "state", "receipt", "needs"),
    [
        ("in_person", {}, "registered", "2026-01-05", None),
        ("oral", {}, "registered", "2026-01-05", None),
        ("signed_mail", {"signed_for_on": "2026-01-06"}, "registered", "2026-01-06", None),
        ("signed_mail", {}, "received", None, "请填写签收日期"),
        ("ordinary_letter", {}, "received", None, "尚待与申请人确认收到申请"),
        ("internet", {"confirmed_on": "2026-01-06"}, "registered", "2026-01-06", None),
        ("internet", {}, "received", None, "尚待与申请人确认收到申请"),
        ("fax", {"confirmed_on": "2026-01-05"}, "registered", "2026-01-05", None),
    ],
)
def test_intake_from_every_channel(client, org, channel, extra, state, receipt, needs):
    me = bearer(org, "registrar")
    out = _intake(client, me, channel=channel, as_of="2026-01-06", **extra)
    assert out["state"] == state and out["receipt_date"] == receipt and out["needs"] == needs
    assert out["number"] == "FGW-2026-00001" and out["duplicate"] is False
    assert len(out["lookup_code"]) == 8 and out["version"] == 1
    assert (out["reply_due"] is not None) == (receipt is not None)
    # The lookup code is only ever in the intake answer.
    detail = client.get(f"/api/cases/{out['id']}", headers=me)
    assert detail.status_code == 200 and out["lookup_code"] not in detail.text


def test_intake_is_idempotent(client, org):
    me = bearer(org, "registrar")
    first = _intake(client, me, idempotency_key="counter-0001", channel="internet")
    again = client.post(
        "/api/cases",
        json={**APPLICATION, "idempotency_key": "counter-0001", "channel": "internet"},
        headers=me,
    )
    assert again.status_code == 200, again.text
    body = again.json()
    assert body["duplicate"] is True and body["id"] == first["id"]
    assert body["number"] == first["number"] and body["needs"] == first["needs"]
    other = _intake(client, me, idempotency_key="counter-0002")
    assert other["id"] != first["id"] and other["number"] == "FGW-2026-00002"


def test_intake_by_cookie_needs_csrf_and_a_registrar(client, org):
    csrf = log_in(client, "registrar")
    refused(client.post("/api/cases", json=APPLICATION), 403, "auth.csrf")
    assert client.post("/api/cases", json=APPLICATION, headers=csrf).status_code == 201
    refused(
        client.post("/api/cases", json=APPLICATION, headers=bearer(org, "caseworker")),
        403,
        "auth.permission_denied",
    )
    client.cookies.clear()
    refused(client.post("/api/cases", json=APPLICATION), 401, "auth.not_authenticated")


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"applicant": {"kind": "natural_person"}}, "applicant.name", "必填"),
        ({"information_requested": "   "}, "information_requested", "不能为空"),
        ({"channel": "pigeon"}, "channel", "不是允许的取值"),
        ({"arrived_on": "2026-02-30"}, "arrived_on", "不是有效日期（应为 YYYY-MM-DD）"),
        ({"colour": "red"}, "colour", "不认识的字段"),
        ({"idempotency_key": "short"}, "idempotency_key", "不能为空"),
        ({"arrived_on": "2026-01-09"}, "arrived_on", None),  # later than as_of
        (
            {"applicant": {**APPLICATION["applicant"], "id_number": "110101199003070021"}},
            "applicant.id_number",
            "居民身份证号码校验位不符",
        ),
    ],
)
def test_intake_validation_names_the_field(client, org, change, field, message):
    body = refused(
        client.post("/api/cases", json={**APPLICATION, **change}, headers=bearer(org, "registrar")),
        422,
        "validation",
        field,
    )
    if message:
        assert body["message"] == message
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["message"]), body


# --- list -----------------------------------------------------------------------------------


def _three_cases(client, org):
    """Three FGW cases in different conditions and one ZJW case."""
    reg, cw = bearer(org, "registrar"), bearer(org, "caseworker")
    a = _intake(client, reg, information_requested="甲项目环评批复")  # due 2026-02-02
    b = _intake(
        client,
        reg,
        arrived_on="2026-01-12",
        as_of="2026-01-12",
        applicant={"kind": "business", "name": "某公司"},
        information_requested="乙项目_100%补贴名单",
    )
    c = _intake(client, reg, channel="internet", information_requested="丙项目资料")  # waiting
    _act(client, cw, b["id"], "start_review", on="2026-01-13")
    _act(client, cw, b["id"], "accept", on="2026-01-13")
    _act(
        client,
        bearer(org, "office_head"),
        b["id"],
        "assign",
        {"assignee_id": org.user("caseworker").id},
        on="2026-01-13",
    )
    fee = {
        "basis": "per_page",
        "payment_method": "到本机关财务室缴纳",
        "quantity": 50,
        "sent_on": "2026-01-14",
        "received_on": "2026-01-14",
    }
    _act(client, cw, b["id"], "issue_fee_notice", fee, on="2026-01-14")
    _intake(client, bearer(org, "zjw_registrar_1"), information_requested="住建的案件")
    return a, b, c


def _ids(client, headers, **params):
    response = client.get("/api/cases", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return [row["id"] for row in response.json()["items"]]


def test_list_filters_and_paging(client, org):
    a, b, c = _three_cases(client, org)
    me = bearer(org, "caseworker")
    listed = client.get("/api/cases", params={"as_of": "2026-01-26"}, headers=me).json()
    assert listed["total"] == 3 and listed["page"] == 1
    rows = {row["id"]: row for row in listed["items"]}
    assert rows[a["id"]]["state_label"] == "已登记" and rows[a["id"]]["reply_due"] == "2026-02-02"
    assert rows[a["id"]]["workdays_left"] == 5  # Jan 27–30, Feb 2
    assert rows[a["id"]]["applicant_type_label"] == "自然人"
    assert rows[b["id"]]["assignee"] == {"id": org.user("caseworker").id, "name": "承办人甲"}
    assert rows[b["id"]]["clock_status"] == "paused" and rows[b["id"]]["workdays_left"] is None
    assert rows[c["id"]]["clock_status"] == "waiting" and rows[c["id"]]["reply_due"] is None

    assert _ids(client, me, state="registered") == [a["id"]]
    assert sorted(_ids(client, me, state=["registered", "received"])) == sorted([a["id"], c["id"]])
    assert _ids(client, me, assignee_id=org.user("caseworker").id) == [b["id"]]
    assert _ids(client, me, paused="true") == [b["id"]]
    assert b["id"] not in _ids(client, me, paused="false")
    assert _ids(client, me, applicant_type="business") == [b["id"]]
    assert _ids(client, me, q="_100%") == [b["id"]]  # LIKE wildcards are literal
    assert _ids(client, me, q="甲项目") == [a["id"]]
    assert _ids(client, me, due_before="2026-02-02") == [a["id"]]
    assert _ids(client, me, due_after="2026-02-03") == []
    # Due Mon Feb 2: at risk within 3 working days from Jan 28 (Jan 29, 30, Feb 2), not Jan 27.
    assert _ids(client, me, at_risk="true", as_of="2026-01-28") == [a["id"]]
    assert _ids(client, me, at_risk="true", as_of="2026-01-27") == []
    assert _ids(client, me, at_risk="true", risk_workdays=4, as_of="2026-01-27") == [a["id"]]
    assert _ids(client, me, overdue="true", as_of="2026-02-02") == []
    assert _ids(client, me, overdue="true", as_of="2026-02-03") == [a["id"]]
    assert a["id"] not in _ids(client, me, overdue="false", as_of="2026-02-03")

    page = client.get("/api/cases", params={"page_size": 2, "page": 2}, headers=me).json()
    assert page["total"] == 3 and len(page["items"]) == 1
    refused(
        client.get("/api/cases", params={"page_size": 101}, headers=me),
        422,
        "validation",
        "page_size",
    )


def test_list_by_agency_for_supervisors_only(client, org):
    _three_cases(client, org)
    boss = bearer(org, "supervisor")
    assert _ids(client, boss) == []  # the city's own cases: none
    assert len(_ids(client, boss, subtree="true")) == 4
    assert len(_ids(client, boss, agency_id=org.fgw.id)) == 3
    assert len(_ids(client, boss, agency_id=org.zjw.id)) == 1
    other = bearer(org, "zjw_caseworker_1")
    assert len(_ids(client, other)) == 1
    assert len(_ids(client, other, subtree="true")) == 1
    refused(client.get("/api/cases", params={"agency_id": org.fgw.id}, headers=other), 404)
    refused(client.get("/api/cases", params={"agency_id": org.city.id}, headers=other), 404)
    refused(client.get("/api/cases", params={"agency_id": 99999}, headers=boss), 404)


# --- detail ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("username", "masked"),
    [
        ("registrar", False),
        ("caseworker", False),
        ("legal_reviewer", True),
        ("office_head", True),
        ("admin", True),
        ("supervisor", True),
    ],
)
def test_detail_masks_personal_data_by_role(client, org, username, masked):
    case = _intake(client, bearer(org, "registrar"))
    detail = client.get(f"/api/cases/{case['id']}", headers=bearer(org, username)).json()
    applicant = detail["case"]["applicant"]
    assert applicant["masked"] is masked and applicant["name"] == "张三"
    if masked:
        assert applicant["id_number"] == "1101**********002X"
        assert applicant["phone"] == "138****1234"
        assert applicant["address"] == "某市东湖区****"
        assert applicant["email"] == "z***@example.com"
        assert ID not in str(detail)
    else:
        assert applicant["id_number"] == ID and applicant["phone"] == "13812341234"


def test_detail_has_clock_events_and_permitted_events(client, org):
    case = _intake(client, bearer(org, "registrar"))
    cw = bearer(org, "caseworker")
    detail = client.get(f"/api/cases/{case['id']}", params={"as_of": "2026-01-05"}, headers=cw)
    detail = detail.json()
    assert detail["version"] == 1 and detail["case"]["state_label"] == "已登记"
    clock = detail["clock"]
    assert clock["due"] == "2026-02-02" and clock["status"] == "running"
    assert clock["next_window"] == "correction_notice" and clock["next_window_due"] == "2026-01-14"
    assert "2026年2月2日" in clock["explanation"] and clock["steps"][-1]["kind"] == "due"
    [event] = detail["events"]
    assert event["trigger"] == "register" and event["label"] == "登记"
    assert event["actor"] == "登记员甲" and event["to_state"] == "registered"
    assert event["payload"]["receipt_date"] == "2026-01-05"
    permitted = {p["trigger"]: p for p in detail["permitted_events"]}
    assert permitted["start_review"] == {
        "trigger": "start_review",
        "label": Trigger.START_REVIEW.label,
        "allowed": True,
        "reason": None,
    }
    assert all(p["label"] for p in detail["permitted_events"])
    # The supervisor reads but may do nothing; a caseworker cannot sign.
    boss = client.get(f"/api/cases/{case['id']}", headers=bearer(org, "supervisor")).json()
    assert boss["permitted_events"] == []
    assert "sign" not in permitted
    # A case still awaiting confirmation has no clock.
    waiting = _intake(client, bearer(org, "registrar"), channel="internet")
    assert client.get(f"/api/cases/{waiting['id']}", headers=cw).json()["clock"] is None


def test_a_blocked_event_says_why(client, org):
    case = _intake(client, bearer(org, "registrar"))
    cw = bearer(org, "caseworker")
    _act(client, cw, case["id"], "start_review", on="2026-01-06")
    items = {"items": ["文件年份"], "guidance": "请写明文件名称或文号", "received_on": "2026-01-06"}
    _act(client, cw, case["id"], "request_correction", items, on="2026-01-06")
    detail = client.get(f"/api/cases/{case['id']}", params={"as_of": "2026-01-07"}, headers=cw)
    permitted = {p["trigger"]: p for p in detail.json()["permitted_events"]}
    assert permitted["correction_lapsed"]["allowed"] is False
    assert "补正期限尚未届满" in permitted["correction_lapsed"]["reason"]


# --- actions --------------------------------------------------------------------------------


def test_a_whole_lifecycle_through_the_actions(client, org):
    """Received in person Mon 2026-01-05, already published: decided at review, signed,
    delivered and archived — by cookie callers with the CSRF token."""
    case = _intake(client, bearer(org, "registrar"))
    cid = case["id"]
    caseworker = log_in(client, "caseworker")
    out = _act(client, caseworker, cid, "start_review", on="2026-01-06", version=1)
    assert out["case"]["state"] == "reviewing" and out["case"]["version"] == 2
    assert out["event"]["seq"] == 2 and out["event"]["label"] == Trigger.START_REVIEW.label
    assert out["event"]["from_state"] == "registered" and out["event"]["actor"] == "承办人甲"
    fields = {"access_method": "已在本机关门户网站政府信息公开专栏主动公开，网址……"}
    decision = {"outcome": "already_published", "fields": fields}
    out = _act(
        client, caseworker, cid, "decide_without_handling", decision, on="2026-01-07", version=2
    )
    assert out["case"]["state"] == "drafting" and out["case"]["outcome"] == "already_published"
    refused(
        client.post(
            f"/api/cases/{cid}/actions/submit_for_legal_review",
            json={"expected_version": 3, "as_of": "2026-01-07"},
            headers=caseworker,
        ),
        409,
        "case.precondition",
    )
    _act(client, caseworker, cid, "submit_for_signing", on="2026-01-07", version=3)
    refused(
        client.post(
            f"/api/cases/{cid}/actions/sign",
            json={"expected_version": 4, "as_of": "2026-01-08"},
            headers=caseworker,
        ),
        403,
        "auth.permission_denied",
    )
    head = log_in(client, "office_head")
    out = _act(client, head, cid, "sign", on="2026-01-08", version=4)
    assert out["case"]["state"] == "replied" and out["event"]["payload"]["on_time"] is True
    caseworker = log_in(client, "caseworker")
    delivery = {"method": "direct", "delivered_on": "2026-01-09", "recipient": "张三"}
    _act(client, caseworker, cid, "deliver", delivery, on="2026-01-09", version=5)
    registrar = log_in(client, "registrar")
    out = _act(
        client,
        registrar,
        cid,
        "archive",
        {"file_number": "2026-永久-001"},
        on="2026-01-09",
        version=6,
    )
    assert out["case"]["state"] == "archived" and out["case"]["clock_status"] == "stopped"
    refused(
        client.post(
            f"/api/cases/{cid}/actions/start_review",
            json={"expected_version": 7, "as_of": "2026-01-09"},
            headers=registrar,
        ),
        409,
        "case.illegal_transition",
    )

    detail = client.get(f"/api/cases/{cid}").json()
    assert detail["version"] == 7 and detail["case"]["state_label"] == "已归档"
    assert [e["trigger"] for e in detail["events"]] == [
        "register",
        "start_review",
        "decide_without_handling",
        "submit_for_signing",
        "sign",
        "deliver",
        "archive",
    ]
    [letter] = detail["letters"]
    assert letter["kind"] == "reply_already_published" and letter["issued_on"] == "2026-01-08"
    assert set(letter) == {"id", "kind", "number", "issued_on"}
    [delivered] = detail["deliveries"]
    assert delivered["method"] == "direct" and delivered["delivered_on"] == "2026-01-09"
    assert detail["clock"]["status"] in ("running", "stopped", "waiting")


def test_consultation_fee_and_remedy_rows_in_the_detail(client, org):
    case = _intake(client, bearer(org, "registrar"))
    cid, cw = case["id"], bearer(org, "caseworker")
    _act(client, cw, cid, "start_review", on="2026-01-06")
    _act(client, cw, cid, "accept", on="2026-01-06")
    consult = {
        "kind": "third_party",
        "party_name": "某某有限公司",
        "matters": "合同文本",
        "sent_on": "2026-01-07",
    }
    out = _act(client, cw, cid, "consult", consult, on="2026-01-07")
    assert out["case"]["state"] == "consulting" and out["case"]["clock_status"] == "paused"
    detail = client.get(f"/api/cases/{cid}", headers=cw).json()
    [row] = detail["consultations"]
    assert row["party_name"] == "某某有限公司" and row["closed"] is False
    done = {"consultation_id": row["id"], "opinion": "agree", "opinion_received_on": "2026-01-12"}
    _act(client, cw, cid, "consultation_done", done, on="2026-01-12")
    detail = client.get(f"/api/cases/{cid}", headers=cw).json()
    assert detail["consultations"][0]["opinion"] == "agree"
    assert detail["fee_notices"] == [] and detail["remedies"] == []


def test_a_stale_version_says_who_acted_and_when(client, org):
    case = _intake(client, bearer(org, "registrar"))
    _act(client, bearer(org, "caseworker"), case["id"], "start_review", on="2026-01-06", version=1)
    body = refused(
        client.post(
            f"/api/cases/{case['id']}/actions/accept",
            json={"expected_version": 1, "as_of": "2026-01-06"},
            headers=bearer(org, "caseworker"),
        ),
        409,
        "case.stale",
    )
    assert body["actor"] == "承办人甲" and body["at"] and "承办人甲" in body["message"]
    assert _events(org, case["id"]) == 2


def test_what_if_writes_nothing(client, org):
    case = _intake(client, bearer(org, "registrar"))
    cw = bearer(org, "caseworker")
    _act(client, cw, case["id"], "start_review", on="2026-01-06")
    _act(client, cw, case["id"], "accept", on="2026-01-06")
    with read_session(org.engine) as session:
        before = session.get(Case, case["id"]).model_dump()
    extend = {"workdays": 20, "approved_on": "2026-01-20", "reason": "需要检索的档案较多"}
    body = {"expected_version": 3, "payload": extend, "as_of": "2026-01-20"}
    head = bearer(org, "office_head")
    response = client.post(f"/api/cases/{case['id']}/what-if/extend", json=body, headers=head)
    assert response.status_code == 200, response.text
    out = response.json()
    # Due Feb 2 + 20 working days: Feb 3–6 (4), 9–13 (9), 14 Sat works (10), [春节 15–23],
    # 24–27 (14), 28 Sat works (15), Mar 2–6 (20) → Mar 6.
    assert out["trigger"] == "extend" and out["clock"]["due"] == "2026-03-06"
    assert "延长" in out["clock"]["explanation"]
    with read_session(org.engine) as session:
        assert session.get(Case, case["id"]).model_dump() == before
    assert _events(org, case["id"]) == 3
    # Refusals are those of the real action, and still nothing is written.
    refused(
        client.post(
            f"/api/cases/{case['id']}/what-if/extend",
            json={**body, "expected_version": 1},
            headers=head,
        ),
        409,
        "case.stale",
    )
    refused(
        client.post(
            f"/api/cases/{case['id']}/what-if/sign", json=body | {"payload": {}}, headers=cw
        ),
        409,
    )
    assert _events(org, case["id"]) == 3


# --- isolation ------------------------------------------------------------------------------

OTHER_AGENCY = [f"zjw_{role.value}_1" for role in Role if role is not Role.SUPERVISOR]
OTHER_AGENCY.append("zjw_caseworker")  # the service fixture's ZJW caseworker-registrar


@pytest.mark.parametrize("username", [*OTHER_AGENCY, "supervisor"])
def test_another_agency_never_sees_a_case(client, org, username):
    case = _intake(client, bearer(org, "registrar"))
    headers = bearer(org, username)
    detail = client.get(f"/api/cases/{case['id']}", headers=headers)
    if username == "supervisor":
        assert detail.status_code == 200, detail.text  # the city reads its subtree
    else:
        refused(detail, 404, "not_found")
        assert case["id"] not in _ids(client, headers)
    # Writes: 404 for every one outside FGW (the supervisor too), whatever the trigger or role.
    for trigger in ("start_review", "accept", "assign", "sign", "archive"):
        body = {"expected_version": 1, "payload": {}, "as_of": "2026-01-06"}
        for kind in ("actions", "what-if"):
            response = client.post(
                f"/api/cases/{case['id']}/{kind}/{trigger}", json=body, headers=headers
            )
            assert response.status_code in (404, 422), response.text
            if trigger in ("start_review", "accept"):  # a valid payload: only the case is wrong
                refused(response, 404, "not_found")
    assert _events(org, case["id"]) == 1
    # A case that does not exist looks the same as another agency's.
    refused(client.get("/api/cases/999999", headers=headers), 404, "not_found")


# --- nothing a client sends gets a 500 --------------------------------------------------------

HUGE = "申" * 200_000
BAD_BODIES = [
    None,
    [],
    "text",
    {},
    {"expected_version": "one"},
    {"expected_version": 1, "payload": "x"},
    {"expected_version": 1, "payload": {"nope": 1}},
    {"expected_version": 1, "payload": {}, "as_of": "2026-13-45"},
    {"expected_version": 1, "payload": {}, "as_of": "0001-01-01"},
    {"expected_version": 1, "payload": {}, "as_of": "9999-12-31"},
    {"expected_version": 10**30, "payload": {}},
    {"expected_version": -1, "payload": {}},
    {"expected_version": 1, "payload": {"note": HUGE}},
    {"expected_version": 1, "payload": {"assignee_id": 10**20}},
    {"expected_version": 1, "payload": {"workdays": 5, "reason": "x", "approved_on": "9999-12-31"}},
    {"expected_version": 1, "payload": {"until": "9999-12-31", "reason": "x"}},
    {"expected_version": 1, "payload": {"outcome": "nonsense", "fields": []}},
    {"expected_version": 1, "payload": {"items": [HUGE], "guidance": HUGE}},
    {"expected_version": 1, "payload": {"received_on": "0001-01-01"}},
    {"expected_version": 1, "payload": {"withdrawn_on": "1900-01-01", "how": "书面"}},
]
BAD_INTAKES = [
    None,
    [],
    {},
    {**APPLICATION, "arrived_on": "9999-12-31", "as_of": "9999-12-31"},
    {**APPLICATION, "arrived_on": "0001-01-01"},
    {**APPLICATION, "as_of": "0001-01-01"},
    {**APPLICATION, "arrived_on": 20260105},
    {**APPLICATION, "information_requested": HUGE},
    {**APPLICATION, "applicant": {"kind": "natural_person", "name": HUGE}},
    {**APPLICATION, "applicant": "张三"},
    {**APPLICATION, "applicant": {**APPLICATION["applicant"], "id_number": "11010119900230002X"}},
    {
        **APPLICATION,
        "applicant": {
            **APPLICATION["applicant"],
            "id_type": "统一社会信用代码",
            "id_number": "!!!",
        },
    },
    {**APPLICATION, "channel": "signed_mail", "signed_for_on": "2026-01-01"},
    {**APPLICATION, "channel": "internet", "confirmed_on": "2026-01-01"},
    {**APPLICATION, "idempotency_key": 12345678},
]


def test_malformed_requests_never_answer_500(client, org):
    case = _intake(client, bearer(org, "registrar"))
    me = bearer(org, "caseworker")
    for body in BAD_INTAKES:
        response = client.post("/api/cases", json=body, headers=bearer(org, "registrar"))
        assert 400 <= response.status_code < 500, (body, response.text)
    response = client.post(
        "/api/cases", content=b"{not json", headers={**me, "Content-Type": "application/json"}
    )
    assert 400 <= response.status_code < 500, response.text
    for trigger in [*Trigger, "explode", "..", "%00"]:
        for kind in ("actions", "what-if"):
            for body in BAD_BODIES:
                response = client.post(
                    f"/api/cases/{case['id']}/{kind}/{trigger}", json=body, headers=me
                )
                assert 400 <= response.status_code < 500, (trigger, kind, body, response.text)
    for path in ("/api/cases/0", "/api/cases/-1", "/api/cases/abc", f"/api/cases/{10**30}"):
        response = client.get(path, headers=me)
        assert 400 <= response.status_code < 500, (path, response.text)
    for params in (
        {"page": 0},
        {"page_size": 1000},
        {"state": "nonsense"},
        {"due_before": "yesterday"},
        {"as_of": "0001-01-01"},
        {"as_of": "9999-12-31", "at_risk": "true"},
        {"at_risk": "maybe"},
        {"risk_workdays": 10**9, "at_risk": "true"},
        {"q": "申" * 5000},
        {"agency_id": 10**30},
        {"applicant_type": "alien"},
    ):
        response = client.get("/api/cases", params=params, headers=me)
        assert 400 <= response.status_code < 500, (params, response.text)
    response = client.get(f"/api/cases/{case['id']}", params={"as_of": "9999-12-31"}, headers=me)
    assert 400 <= response.status_code < 500, response.text
    assert _events(org, case["id"]) == 1


def test_the_openapi_is_complete(client):
    schema = client.get("/openapi.json").json()
    components = schema["components"]["schemas"]
    refs = set()

    def walk(node):
        if isinstance(node, dict):
            if "$ref" in node:
                refs.add(node["$ref"].rsplit("/", 1)[-1])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)
    assert refs <= set(components)
    for trigger in Trigger:
        post = schema["paths"][f"/api/cases/{{case_id}}/actions/{trigger.value}"]["post"]
        name = post["requestBody"]["content"]["application/json"]["schema"]["$ref"].split("/")[-1]
        assert components[name]["examples"], name
        assert f"/api/cases/{{case_id}}/what-if/{trigger.value}" in schema["paths"]
    for name in ("IntakeIn", "IntakeOut", "CaseListOut", "CaseDetailOut", "ActionOut", "WhatIfOut"):
        assert components[name].get("examples"), name


EXTREME_PAYLOADS = [
    {"until": "9999-12-31", "reason": "x", "decided_on": "2026-01-07"},
    {"until": "2100-12-31", "reason": "x"},
    {"workdays": 20, "reason": "x", "approved_on": "2000-01-01"},
    {
        "due_on": "9999-12-31",
        "basis": "judgment",
        "document_number": "x",
        "received_on": "2026-01-07",
    },
    {
        "basis": "per_page",
        "payment_method": "到本机关财务室缴纳",
        "quantity": 100_000,
        "sent_on": "2000-01-01",
        "received_on": "2000-01-01",
    },
    {
        "kind": "co_producer",
        "party_name": "x",
        "matters": "x",
        "sent_on": "2000-01-01",
        "party_received_on": "2000-01-02",
    },
    {"items": ["x"], "guidance": "x", "period_workdays": 60, "sent_on": "2000-01-01"},
    {"matters": "x", "sent_on": "1999-12-31"},
    {"received_on": "2000-01-01", "summary": "x"},
    {"outcome": "disclosed", "fields": {"x": HUGE[:5000]}},
    {"outcome": "already_published", "fields": {"access_method": ["not", "text"]}},
    {"consultation_id": 2**31, "opinion": "agree"},
    {"assignee_id": 2**62},
    {"paid_on": "2000-01-01"},
    {"method": "post", "delivered_on": "2000-01-01", "posted_on": "2100-12-31"},
    {"withdrawn_on": "2000-01-01", "how": "x"},
    {"remedy_id": 2**40, "kind": "review", "filed_on": "2000-01-01"},
    {"signed_on": "2000-01-01"},
    {},
]


def test_extreme_dates_and_ids_in_payloads_never_answer_500(client, org):
    """What-if (which writes nothing) with the right version, on cases in several states, runs
    each payload through the service's checks and effects."""
    reg, cw = bearer(org, "registrar"), bearer(org, "caseworker")
    with unit_of_work(org.engine) as session:
        create_user(
            session,
            username="all_roles",
            full_name="全能",
            agency=org.fgw,
            roles=[r for r in Role if r is not Role.SUPERVISOR],
        )
    everyone = bearer(org, "all_roles")
    registered = _intake(client, reg)
    handling = _intake(client, reg)
    _act(client, cw, handling["id"], "start_review", on="2026-01-06")
    _act(client, cw, handling["id"], "accept", on="2026-01-06")
    reasons = _intake(client, reg)
    _act(client, cw, reasons["id"], "start_review", on="2026-01-06")
    _act(client, cw, reasons["id"], "request_reasons", {"matters": "请说明理由"}, on="2026-01-06")
    answered = Counter()
    for case, version in ((registered, 1), (handling, 3), (reasons, 3)):
        for trigger in Trigger:
            for payload in EXTREME_PAYLOADS:
                for as_of in ("2026-01-07", "2100-12-31"):
                    body = {"expected_version": version, "payload": payload, "as_of": as_of}
                    response = client.post(
                        f"/api/cases/{case['id']}/what-if/{trigger.value}",
                        json=body,
                        headers=everyone,
                    )
                    assert response.status_code < 500, (trigger, payload, as_of, response.text)
                    answered[response.status_code] += 1
    assert answered[200] and answered[422] and answered[409]  # the checks were reached
    for case, count in ((registered, 1), (handling, 3), (reasons, 3)):
        assert _events(org, case["id"]) == count


def test_a_write_commits_before_the_response_is_sent():
    # A "request"-scoped session would commit after the client already had its 2xx: a read
    # straight after could see the old case, and a failed commit would never be reported.
    from api.deps import SessionDep

    assert SessionDep.__metadata__[0].scope == "function"


def test_a_deferred_case_past_its_date_is_overdue_in_the_list(client, org):
    # Art 35: once reasons are requested, the office head may set a later reply date; when that
    # date passes the case is as late as any other (its clock is "deferred", not "running").
    reg, cw, head = bearer(org, "registrar"), bearer(org, "caseworker"), bearer(org, "office_head")
    case = _intake(client, reg, arrived_on="2026-01-12", as_of="2026-01-12")
    _act(client, cw, case["id"], "start_review", on="2026-01-13")
    _act(client, cw, case["id"], "accept", on="2026-01-13")
    _act(client, cw, case["id"], "request_reasons", {"matters": "请说明理由"}, on="2026-01-14")
    explained = {"finding": "reasonable", "received_on": "2026-01-19"}
    _act(client, cw, case["id"], "record_explanation", explained, on="2026-01-19")
    until = {"until": "2026-03-02", "decided_on": "2026-01-20", "reason": "理由合理"}
    _act(client, head, case["id"], "defer", until, on="2026-01-20")
    row = client.get("/api/cases", params={"as_of": "2026-03-03"}, headers=cw).json()["items"][0]
    assert row["clock_status"] == "deferred" and row["reply_due"] == "2026-03-02"
    assert row["workdays_left"] < 0
    assert _ids(client, cw, overdue="true", as_of="2026-03-02") == []
    assert _ids(client, cw, overdue="true", as_of="2026-03-03") == [case["id"]]
