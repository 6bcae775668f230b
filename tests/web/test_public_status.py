"""公开进度查询 (/status): no login, the coarse stage and the due date only, one answer for a
wrong number or a wrong code, and the database-kept rate limit."""

from __future__ import annotations

from datetime import date as D

from api.routes.public import LOOKUP_LIMIT
from api.web.core import date_zh
from tests.services.helpers import APPLICATION, fire, register
from tests.web.conftest import screenshot


def look_up(web, number, code):
    return web.anonymous.post("/status", data={"number": number, "code": code})


def test_the_form_needs_no_login_and_has_no_navigation(web):
    page = web.anonymous.get("/status")
    assert page.status_code == 200
    assert "申请办理进度查询" in page.text and 'name="code"' in page.text
    assert 'aria-label="主导航"' not in page.text and "/logout" not in page.text
    assert 'href="/status"' in web.anonymous.get("/login").text


def test_the_right_number_and_code_show_the_stage_and_due_date_only(web):
    case = register(web.org)
    response = look_up(web, case.number, case.lookup_code)
    assert response.status_code == 200
    assert f"申请编号 {case.number}" in response.text
    assert '<p class="stage">已受理</p>' in response.text
    assert date_zh(case.reply_due, weekday=True) in response.text
    assert "暂定" not in response.text
    for private in (APPLICATION["applicant"]["name"], APPLICATION["information_requested"]):
        assert private not in response.text
    fire(web.org, case.id, "start_review", "caseworker", as_of=D(2026, 3, 3))
    fire(web.org, case.id, "accept", "caseworker", as_of=D(2026, 3, 3))
    lowered = look_up(web, f"  {case.number.lower()} ", case.lookup_code)
    assert '<p class="stage">办理中</p>' in lowered.text
    # the JSON route says exactly the same
    api = web.anonymous.post(
        "/api/public/status", json={"number": case.number, "code": case.lookup_code}
    ).json()
    assert api["stage"] == "办理中" and date_zh(D.fromisoformat(api["reply_due"])) in lowered.text


def test_a_due_date_in_an_estimated_year_is_marked_provisional(web):
    case = register(web.org, arrived_on="2026-12-10")
    response = look_up(web, case.number, case.lookup_code)
    assert response.status_code == 200
    assert case.due_provisional
    assert '<span class="badge provisional">暂定</span>' in response.text
    assert "尚未公布节假日安排" in response.text


def test_a_wrong_code_and_an_unknown_number_give_the_identical_page(web):
    case = register(web.org)
    wrong_code = look_up(web, case.number, "WRONG123")
    unknown_number = look_up(web, "FGW-1999-99999", case.lookup_code)
    assert wrong_code.status_code == unknown_number.status_code == 404
    assert wrong_code.text == unknown_number.text
    assert "未找到该申请，请核对申请编号和查询码" in wrong_code.text
    assert case.number not in wrong_code.text and case.lookup_code not in unknown_number.text


def test_empty_fields_are_named_and_input_is_escaped(web):
    response = look_up(web, "<script>alert(1)</script>", "")
    assert response.status_code == 422
    assert '<p class="field-error" id="err-code" role="alert">请输入查询码</p>' in response.text
    assert "<script>alert(1)</script>" not in response.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text


def test_lookups_are_throttled_per_client_in_the_database(web):
    case = register(web.org)
    for _ in range(LOOKUP_LIMIT):
        assert look_up(web, case.number, case.lookup_code).status_code == 200
    throttled = look_up(web, case.number, case.lookup_code)
    assert throttled.status_code == 429
    assert "查询过于频繁，请稍后再试" in throttled.text and "已受理" not in throttled.text
    # the same count as the JSON route: it is throttled too
    api = web.anonymous.post(
        "/api/public/status", json={"number": case.number, "code": case.lookup_code}
    )
    assert api.status_code == 429


def test_public_status_lookup_in_a_real_browser(pages, live):
    case = register(live.org)
    page = pages.new()
    page.goto("/login")
    page.click("text=公开进度查询")
    page.fill("#f-number", case.number)
    page.fill("#f-code", "WRONG123")
    page.keyboard.press("Enter")
    page.wait_for_selector(".form-error")
    assert "未找到该申请" in page.inner_text(".form-error")
    page.fill("#f-number", case.number)
    page.fill("#f-code", case.lookup_code)
    page.click("button[type=submit]")
    page.wait_for_selector(".status-result")
    assert page.inner_text(".status-result .stage") == "已受理"
    assert date_zh(case.reply_due) in page.inner_text(".status-result")
    screenshot(page, "public-status")
