"""Logging in and out, CSRF on cookie writes, bearer tokens, and throttling."""

from __future__ import annotations

from api.deps import SESSION_COOKIE
from tests.api.fixtures_more import PASSWORD, api, engine, log_in, org, refused, token_for  # noqa: F401


def test_login_me_and_logout(api):  # noqa: F811
    csrf = log_in(api, "caseworker")
    me = api.get("/api/auth/me").json()
    assert me["username"] == "caseworker" and me["roles"] == ["caseworker"]
    assert me["csrf_token"] == csrf["X-CSRF-Token"]
    assert api.post("/api/auth/logout", headers=csrf).status_code == 204
    refused(api.get("/api/auth/me"), 401, "auth.not_authenticated")


def test_wrong_password_and_unknown_user_answer_alike(api):  # noqa: F811
    wrong = refused(
        api.post("/api/auth/login", json={"username": "caseworker", "password": "nope"}), 401
    )
    unknown = refused(
        api.post("/api/auth/login", json={"username": "nobody", "password": PASSWORD}), 401
    )
    assert wrong["message"] == unknown["message"]
    refused(
        api.post("/api/auth/login", json={"username": "caseworker"}), 422, "validation", "password"
    )


def test_cookie_writes_need_the_csrf_token(api):  # noqa: F811
    csrf = log_in(api, "admin")
    body = {"working": False, "name": "台风停工"}
    refused(api.post("/api/calendar/marks/2026-07-20", json=body), 403, "auth.csrf", "X-CSRF-Token")
    bad = {"X-CSRF-Token": "forged"}
    refused(api.post("/api/calendar/marks/2026-07-20", json=body, headers=bad), 403, "auth.csrf")
    assert api.post("/api/calendar/marks/2026-07-20", json=body, headers=csrf).status_code == 200
    assert api.get("/api/calendar/days/2026-07-20").json()["kind"] == "closure"  # GET: no CSRF


def test_bearer_token_writes_need_no_csrf(api, org):  # noqa: F811
    api.cookies.clear()
    headers = token_for(org, "admin")
    response = api.post(
        "/api/calendar/marks/2026-07-20", json={"working": False, "name": "停工"}, headers=headers
    )
    assert response.status_code == 200, response.text


def test_a_revoked_token_is_refused(api, org):  # noqa: F811
    admin = token_for(org, "admin")
    issued = api.post("/api/admin/tokens", json={"name": "portal"}, headers=admin).json()
    mine = {"Authorization": f"Bearer {issued['token']}"}
    assert api.get("/api/auth/me", headers=mine).status_code == 200
    assert api.delete(f"/api/admin/tokens/{issued['id']}", headers=admin).status_code == 200
    refused(api.get("/api/auth/me", headers=mine), 401, "auth.not_authenticated")
    refused(api.get("/api/auth/me", headers={"Authorization": "Bearer gk_nonsense"}), 401)


def test_login_is_throttled_after_five_failures(api):  # noqa: F811
    for _ in range(5):
        refused(api.post("/api/auth/login", json={"username": "registrar", "password": "x"}), 401)
    # now even the right password is refused for a while
    refused(
        api.post("/api/auth/login", json={"username": "registrar", "password": PASSWORD}),
        429,
        "auth.throttled",
    )


def _session_cookie_attributes(response) -> set[str]:
    (header,) = [
        v
        for k, v in response.headers.multi_items()
        if k == "set-cookie" and v.startswith(SESSION_COOKIE)
    ]
    return {part.strip().split("=")[0].lower() for part in header.split(";")[1:]}


def test_the_session_cookie_is_secure_exactly_when_the_request_came_over_https(org):  # noqa: F811
    """Behind the reverse proxy the scheme is the one it reports (X-Forwarded-Proto, trusted from
    --forwarded-allow-ips): a session signed in over HTTPS never travels over plain HTTP."""
    from fastapi.testclient import TestClient

    from api.app import create_app
    from tests.web.conftest import set_passwords

    set_passwords(org.engine)
    app = create_app(org.engine)
    login = {"username": "caseworker", "password": PASSWORD}
    for scheme, secure in (("https", True), ("http", False)):
        client = TestClient(app, base_url=f"{scheme}://gkcase.example", follow_redirects=False)
        api_login = client.post("/api/auth/login", json=login)
        assert api_login.status_code == 200, api_login.text
        web_login = client.post("/login", data=login)
        assert web_login.status_code == 303, web_login.text
        for response in (api_login, web_login):
            attributes = _session_cookie_attributes(response)
            assert {"httponly", "samesite", "path", "max-age"} <= attributes
            assert ("secure" in attributes) is secure, (scheme, attributes)
