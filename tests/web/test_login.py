"""Signing in and out of the UI; a signed-out visitor is sent to the login page and back."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.web.conftest import screenshot, sign_in


def test_a_page_needs_a_signed_in_user(web):
    response = web.anonymous.get("/?q=x")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2F%3Fq%3Dx"


def test_wrong_password_is_refused_on_the_form_and_keeps_the_username(web):
    response = web.anonymous.post("/login", data={"username": "caseworker", "password": "nope"})
    assert response.status_code == 401
    assert "用户名或密码不正确" in response.text
    assert 'value="caseworker"' in response.text


def test_empty_fields_are_named(web):
    response = web.anonymous.post("/login", data={"username": "", "password": ""})
    assert response.status_code == 422
    assert "请输入用户名" in response.text and "请输入密码" in response.text


def test_sign_in_goes_back_to_the_page_asked_for_and_only_to_this_site(web):
    client = TestClient(web.app, follow_redirects=False)
    from tests.api.fixtures_more import PASSWORD

    ok = client.post(
        "/login", data={"username": "caseworker", "password": PASSWORD, "next": "/cases?q=1"}
    )
    assert ok.status_code == 303 and ok.headers["location"] == "/cases?q=1"
    client = TestClient(web.app, follow_redirects=False)
    away = client.post(
        "/login", data={"username": "caseworker", "password": PASSWORD, "next": "//evil.example"}
    )
    assert away.headers["location"] == "/"


def test_log_out_needs_the_csrf_token_and_ends_the_session(web):
    user = web.user("caseworker")
    forged = user.client.post("/logout", data={})
    assert forged.status_code == 403
    done = user.post("/logout")
    assert done.status_code == 303 and done.headers["location"] == "/login"
    assert user.get("/api/auth/me").status_code == 401


def test_pages_send_a_strict_content_security_policy(web):
    response = web.anonymous.get("/login")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "default-src 'self'" in policy
    assert response.headers["cache-control"] == "no-store"


def test_sign_in_in_a_real_browser(pages):
    page = pages.new()
    page.goto("/login")
    screenshot(page, "login")
    page.fill("#f-username", "caseworker")
    page.fill("#f-password", "wrong")
    page.keyboard.press("Enter")
    page.wait_for_selector(".form-error")
    assert page.input_value("#f-username") == "caseworker"
    sign_in(page, "caseworker")
